/*
 * The resolver hooks' shared decisions (see dns.h): the name policy of
 * core/namepolicy.c applied with the live configuration and the real
 * functions, fake addresses, and reverse lookups under remote DNS.
 *
 * Reverse lookups: a fake address gives its name; with remote DNS any
 * other address is answered from the hosts file or not at all, so that no
 * PTR query leaves the machine, unless NO_PROXY excludes the address.  An
 * IPv4-mapped or IPv4-compatible IPv6 address stands for its IPv4 address,
 * as in the C library's DNS module.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "directset.h"
#include "dns.h"
#include "fakeip.h"
#include "log.h"
#include "noproxy.h"
#include "preload.h"

/* Set once the first call refused for its arguments is logged. */
static int dns_odd_logged;

bool
dns_local_resolution(void)
{
	return namepolicy_resolves_locally(&sx_cfg);
}

void
dns_log_odd(const char *fn, const char *why)
{
	if (__atomic_exchange_n(&dns_odd_logged, 1, __ATOMIC_RELAXED) == 0)
		log_warn("refusing %s(): %s, and under remote DNS no query may leave "
			 "the machine (further refusals are logged at debug level)",
			 fn, why);
	else
		log_debug("refusing %s(): %s", fn, why);
}

enum namepolicy_source
dns_decide(const char *name, struct hosts_answer *ans)
{
	return namepolicy_decide(&sx_cfg, &real_sys, NULL, name, ans);
}

int
dns_fake_assign(const char *name, int family, struct sockaddr_storage *ss,
		socklen_t *len)
{
	int rc = fakeip_assign(name, family, ss, len);

	if (rc == -EAGAIN)
		log_warn("%s: no fake address free: all %zu addresses of the fake "
			 "range are held by open connections or were used in the "
			 "last %d minutes; the lookup fails rather than reuse one "
			 "(a larger SOCKSIFY_FAKE_NET holds more)", name,
			 fakeip_count(), FAKEIP_GRACE_S / 60);
	return rc;
}

const uint8_t *
dns_raw_addr(const struct sockaddr *sa)
{
	const void *p = sa;

	if (sa->sa_family == AF_INET)
		return (const uint8_t *)&((const struct sockaddr_in *)p)->sin_addr;
	return ((const struct sockaddr_in6 *)p)->sin6_addr.s6_addr;
}

void
dns_note_direct(const struct addrinfo *res)
{
	for (; res; res = res->ai_next) {
		if (res->ai_family == AF_INET)
			directset_add(AF_INET, (const uint8_t *)&((struct sockaddr_in *)
								   res->ai_addr)->sin_addr);
		else if (res->ai_family == AF_INET6)
			directset_add(AF_INET6, ((struct sockaddr_in6 *)
						 res->ai_addr)->sin6_addr.s6_addr);
	}
}

bool
dns_addr_excluded(int family, const uint8_t *addr)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (!sx_cfg.valid)
		return false;
	if (family == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, addr, 4);
		return noproxy_matches(&sx_cfg, NULL, (struct sockaddr *)&sin,
					      sizeof(sin));
	}
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	memcpy(&sin6.sin6_addr, addr, 16);
	return noproxy_matches(&sx_cfg, NULL, (struct sockaddr *)&sin6,
				      sizeof(sin6));
}

int
dns_reverse(int family, const uint8_t *addr, char *name, size_t cap)
{
	int rc;

	if (dns_local_resolution())
		return SX_PASS;
	family = namepolicy_reverse_family(family, &addr);
	if (fakeip_is_fake_raw(family, addr)) {
		rc = fakeip_lookup_raw(family, addr, name, cap);
		if (rc < 0) {
			char text[INET6_ADDRSTRLEN];

			if (inet_ntop(family, addr, text, sizeof(text)))
				log_debug("%s is a fake address naming nothing", text);
			return -ENOENT;
		}
		return 0;
	}
	if (dns_addr_excluded(family, addr))
		return SX_PASS;
	family = namepolicy_hosts_family(family, &addr);
	if (hosts_lookup_addr(NULL, &real_sys, family, addr, name, cap) < 0)
		return -ENODATA;
	return 0;
}

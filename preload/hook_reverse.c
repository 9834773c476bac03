/*
 * Reverse lookups: gethostbyaddr(), gethostbyaddr_r(), res_gethostbyaddr()
 * (libresolv's old entry point) and getnameinfo().
 *
 * Under remote DNS a fake address gives its name; any other address is
 * answered from the hosts file or not at all (numeric for getnameinfo(),
 * HOST_NOT_FOUND for gethostbyaddr()), so that no PTR query leaves the
 * machine, unless NO_PROXY excludes the address (dns.c).  What odd
 * lengths and families of gethostbyaddr() mean is core/namepolicy.c's to
 * say (see hostent.c); getnameinfo() checks its flags, family and length
 * with the real call asked for a numeric host only, then answers the host
 * itself.  Under local DNS the real functions answer.
 */
#include <errno.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/un.h>

#include "dns.h"
#include "hostent.h"
#include "preload.h"

/* Declared here: no header of the C library declares it any more. */
struct hostent *res_gethostbyaddr(const void *addr, socklen_t len, int type);

/* gethostbyaddr() and res_gethostbyaddr(); the guard is not held. */
static struct hostent *
reverse_byaddr_hook(const char *fn, const void *addr, socklen_t len, int type)
{
	struct hostent *he;
	int saved_errno = errno;
	int rc;

	sx_enter();
	rc = hostent_by_addr(fn, addr, len, type, &hostent_tls()->he,
			     hostent_tls()->buf, sizeof(hostent_tls()->buf));
	if (rc == SX_PASS) {
		he = real.gethostbyaddr(addr, len, type);
		sx_leave();
		return he;
	}
	sx_leave();
	return hostent_result(rc, saved_errno);
}

SX_EXPORT struct hostent *
gethostbyaddr(const void *addr, socklen_t len, int type)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyaddr(addr, len, type);
	return reverse_byaddr_hook("gethostbyaddr", addr, len, type);
}

/* libresolv's old reverse lookup: as res_gethostbyname() above. */
SX_EXPORT struct hostent *
res_gethostbyaddr(const void *addr, socklen_t len, int type)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyaddr(addr, len, type);
	return reverse_byaddr_hook("res_gethostbyaddr", addr, len, type);
}

SX_EXPORT int
gethostbyaddr_r(const void *addr, socklen_t len, int type, struct hostent *ret,
		char *buf, size_t buflen, struct hostent **result,
		int *h_errnop)
{
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (sx_guarded())
		return real.gethostbyaddr_r(addr, len, type, ret, buf, buflen,
					    result, h_errnop);
	sx_enter();
	if (!ret || !result || !h_errnop) {
		if (!dns_local_resolution()) {
			sx_leave();
			return hostent_r_null("gethostbyaddr_r", result, h_errnop);
		}
		rc = SX_PASS;
	} else {
		rc = hostent_by_addr("gethostbyaddr_r", addr, len, type, ret, buf,
				buflen);
	}
	if (rc == SX_PASS) {
		rc = real.gethostbyaddr_r(addr, len, type, ret, buf, buflen,
					  result, h_errnop);
		sx_leave();
		return rc;
	}
	sx_leave();
	return hostent_r_result(rc, ret, result, h_errnop, saved_errno);
}

/* Room for a numeric host: an IPv6 address, '%' and an interface name. */
#define REVERSE_NUMERIC_HOST_MAX (INET6_ADDRSTRLEN + IF_NAMESIZE + 1)

/*
 * getnameinfo() under remote DNS for an address whose host name is asked
 * for (not numerically).  The real call first answers with a numeric host
 * only (and the service), which checks the flags, the family and the
 * length exactly as the C library checks them and asks no name server;
 * then the host is the fake address's name, the hosts file's name, or the
 * numeric host.  0, an EAI_* error, or SX_PASS for the real call (an
 * address NO_PROXY excludes, or a local socket).
 */
static int
reverse_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
		    socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	char name[NAMEPOLICY_NAME_MAX + 1];
	char numeric[REVERSE_NUMERIC_HOST_MAX];
	const uint8_t *raw;
	const char *answer = name;
	size_t n;
	int rc;

	rc = real.getnameinfo(sa, salen, numeric, sizeof(numeric), serv, servlen,
			      (flags & ~NI_NAMEREQD) | NI_NUMERICHOST);
	if (rc != 0)
		return rc;
	if (sa->sa_family == AF_INET) {
		raw = (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr;
	} else if (sa->sa_family == AF_INET6) {
		raw = ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
	} else if (sa->sa_family == AF_UNIX) {
		return SX_PASS;
	} else {
		dns_log_odd("getnameinfo", "the address family is neither AF_INET, "
			    "AF_INET6 nor AF_UNIX");
		return EAI_FAMILY;
	}
	rc = dns_reverse(sa->sa_family, raw, name, sizeof(name));
	if (rc == SX_PASS)
		return SX_PASS;
	if (rc == -ENOENT)
		return EAI_NONAME;
	if (rc < 0) {
		/* No PTR query: the address itself, if allowed. */
		if (flags & NI_NAMEREQD)
			return EAI_NONAME;
		answer = numeric;
	}
	n = strlen(answer);
	if (n >= (size_t)hostlen)
		return EAI_OVERFLOW;
	memcpy(host, answer, n + 1);
	return 0;
}

SX_EXPORT int
getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
	    socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	int saved_errno = errno;
	int rc = SX_PASS;

	sx_ready();
	if (sx_guarded())
		return real.getnameinfo(sa, salen, host, hostlen, serv, servlen,
					flags);
	sx_enter();
	if (host && hostlen > 0 && !(flags & NI_NUMERICHOST) &&
	    !dns_local_resolution())
		rc = reverse_getnameinfo(sa, salen, host, hostlen, serv, servlen,
				     flags);
	if (rc == SX_PASS)
		rc = real.getnameinfo(sa, salen, host, hostlen, serv, servlen,
				      flags);
	sx_leave();
	if (rc != EAI_SYSTEM)
		errno = saved_errno;
	return rc;
}


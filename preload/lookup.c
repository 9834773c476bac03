/*
 * getaddrinfo()'s answers under remote DNS: a fake address for a name the
 * proxy resolves, the hosts file's addresses (or the loopback, for
 * localhost), the real resolver for a NO_PROXY name (its addresses then
 * connect directly); which is which, core/namepolicy.c says.
 *
 * Answers are built by the real getaddrinfo() on the numeric address with
 * AI_NUMERICHOST, or shaped here exactly as it shapes them (lookup_build()):
 * the C library allocates them or could have, fills one entry per socket
 * type, resolves the service from /etc/services, and its own
 * freeaddrinfo() frees them, so freeaddrinfo() needs no hook.  A hosts
 * file name with several addresses gets such lists chained together, which
 * glibc's freeaddrinfo() frees entry by entry.  AI_CANONNAME is dropped
 * from those calls and the canonical name set afterwards with a string
 * from malloc(), which freeaddrinfo() frees.
 *
 * Choices:
 *   - AF_UNSPEC gets the IPv4 fake address only.  Every program accepts
 *     an IPv4 answer, a second (IPv6) answer for the same name would make
 *     clients that race both families open two proxy connections per
 *     request, and the proxy picks the destination's family anyway.  When
 *     the real getaddrinfo() refuses the IPv4 answer (AI_ADDRCONFIG on a
 *     host with IPv6 only) the IPv6 fake is given instead.
 *   - AI_ADDRCONFIG is applied to fake answers exactly as the real
 *     resolver applies it to real ones (it is passed on to the real call):
 *     AF_INET6 with AI_ADDRCONFIG on a host without IPv6 gets EAI_NONAME,
 *     as it would without this library.  The program then sees the same
 *     families with and without the proxy.
 *   - With an invalid configuration a name the library would have resolved
 *     remotely (or through NO_PROXY) still gets a fake address: the lookup
 *     succeeds and the connect then fails closed with the configuration
 *     error in the log, which says more than "name not known" would.
 *     Nothing is resolved for real, since nothing may be sent anywhere.
 *   - A name the file lists, but not for the family asked for, is
 *     EAI_NONAME rather than a question to DNS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"
#include "lookup.h"
#include "log.h"
#include "preload.h"

/* True when getaddrinfo() reads node as an address of any family. */
static bool
lookup_is_numeric(const char *node)
{
	struct addrinfo hints, *res = NULL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	if (real.getaddrinfo(node, NULL, &hints, &res) != 0)
		return false;
	real.freeaddrinfo(res);
	return true;
}

/* The addrinfo error for a failed fakeip_assign(). */
static int
lookup_error(int rc)
{
	if (rc == -ENOMEM)
		return EAI_MEMORY;
	/* "Temporary failure in name resolution": try again later. */
	if (rc == -EAGAIN)
		return EAI_AGAIN;
	if (rc == -EINVAL || rc == -ENAMETOOLONG)
		return EAI_NONAME;
	return EAI_FAIL;
}

/* The hints the real getaddrinfo() works with (glibc's for NULL). */
static void
lookup_hints(struct addrinfo *h, const struct addrinfo *hints)
{
	memset(h, 0, sizeof(*h));
	if (!hints) {
		h->ai_flags = AI_V4MAPPED | AI_ADDRCONFIG;
		h->ai_family = AF_UNSPEC;
		return;
	}
	h->ai_flags = hints->ai_flags;
	h->ai_family = hints->ai_family;
	h->ai_socktype = hints->ai_socktype;
	h->ai_protocol = hints->ai_protocol;
}

/*
 * The real getaddrinfo() on one numeric address (family, raw bytes), with
 * the program's service, socket type, protocol, family and flags less
 * AI_CANONNAME.  The address's text goes to text (INET6_ADDRSTRLEN).
 */
static int
lookup_numeric(int family, const uint8_t *addr, const char *service,
	       const struct addrinfo *h, struct addrinfo **res, char *text)
{
	struct addrinfo nh = *h;

	if (!inet_ntop(family, addr, text, INET6_ADDRSTRLEN))
		return EAI_FAIL;
	nh.ai_flags = (h->ai_flags & ~AI_CANONNAME) | AI_NUMERICHOST;
	return real.getaddrinfo(text, service, &nh, res);
}

/* Give res the canonical name canon (len bytes). */
static int
lookup_set_canon(struct addrinfo *res, const char *canon, size_t len)
{
	char *copy = strndup(canon, len);

	if (!copy)
		return EAI_MEMORY;
	free(res->ai_canonname);
	res->ai_canonname = copy;
	return 0;
}

/* lookup_build()'s answer for "ask the C library" (EAI_* codes are negative). */
#define LOOKUP_USE_LIBC 1

/*
 * The port of a numeric service (NULL: 0); -1 for anything else (a service
 * name, which the C library's getaddrinfo() looks up).
 */
static int
lookup_numeric_port(const char *service)
{
	long port = 0;

	if (!service)
		return 0;
	if (service[0] == '\0' || strlen(service) > 5)
		return -1;
	for (const char *c = service; *c; c++) {
		if (*c < '0' || *c > '9')
			return -1;
		port = port * 10 + (*c - '0');
	}
	return port <= 65535 ? (int)port : -1;
}

/*
 * Build the answer for a fake address without the C library, shaped as
 * its getaddrinfo() shapes it for a numeric address: one entry per socket
 * type when none is given (stream/TCP, datagram/UDP, raw), each node and
 * its address in one allocation, the canonical name allocated apart, so
 * that the C library's freeaddrinfo() frees it.  Returns 0 or EAI_*, or
 * LOOKUP_USE_LIBC when the hints need the C library (a service name,
 * AI_ADDRCONFIG, a raw socket with a port, a protocol that fits no socket
 * type).
 */
static int
lookup_build(int family, const uint8_t *raw, const char *service,
	     const struct addrinfo *h, const char *canon, size_t canon_len,
	     struct addrinfo **res)
{
	static const struct {
		int socktype, protocol;
	} kinds[] = {
		{ SOCK_STREAM, IPPROTO_TCP },
		{ SOCK_DGRAM, IPPROTO_UDP },
		{ SOCK_RAW, 0 },
	};
	struct addrinfo *head = NULL, **tail = &head;
	int port = lookup_numeric_port(service);

	if (port < 0 || (h->ai_flags & AI_ADDRCONFIG) ||
	    (service && h->ai_socktype == SOCK_RAW))
		return LOOKUP_USE_LIBC;
	for (size_t i = 0; i < SX_ARRAY_LEN(kinds); i++) {
		struct addrinfo *ai;

		if (h->ai_socktype && h->ai_socktype != kinds[i].socktype)
			continue;
		if (h->ai_protocol && h->ai_protocol != kinds[i].protocol &&
		    h->ai_socktype != SOCK_RAW)
			continue;
		ai = calloc(1, sizeof(*ai) + sizeof(struct sockaddr_in6));
		if (!ai) {
			real.freeaddrinfo(head);
			return EAI_MEMORY;
		}
		ai->ai_flags = h->ai_flags;
		ai->ai_family = family;
		ai->ai_socktype = kinds[i].socktype;
		ai->ai_protocol = h->ai_protocol ? h->ai_protocol : kinds[i].protocol;
		ai->ai_addr = (struct sockaddr *)(ai + 1);
		if (family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)ai->ai_addr;

			sin->sin_family = AF_INET;
			sin->sin_port = htons((uint16_t)port);
			memcpy(&sin->sin_addr, raw, 4);
			ai->ai_addrlen = sizeof(*sin);
		} else {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ai->ai_addr;

			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons((uint16_t)port);
			memcpy(&sin6->sin6_addr, raw, 16);
			ai->ai_addrlen = sizeof(*sin6);
		}
		*tail = ai;
		tail = &ai->ai_next;
	}
	if (!head)
		return LOOKUP_USE_LIBC;
	if (h->ai_flags & AI_CANONNAME) {
		head->ai_canonname = strndup(canon, canon_len);
		if (!head->ai_canonname) {
			real.freeaddrinfo(head);
			return EAI_MEMORY;
		}
	}
	*res = head;
	return 0;
}

/* Answer with the fake address of name. */
static int
lookup_fake(const char *name, const char *service, const struct addrinfo *h,
	    struct addrinfo **res)
{
	static const int unspec[] = { AF_INET, AF_INET6 };
	const int *families = unspec;
	size_t nfamilies = SX_ARRAY_LEN(unspec);
	char text[INET6_ADDRSTRLEN];
	int rc = EAI_NONAME;

	if (h->ai_family == AF_INET || h->ai_family == AF_INET6) {
		families = &h->ai_family;
		nfamilies = 1;
	} else if (h->ai_family != AF_UNSPEC) {
		return EAI_FAMILY;
	}
	for (size_t i = 0; i < nfamilies; i++) {
		struct sockaddr_storage ss;
		socklen_t len;
		const uint8_t *raw;
		int n;

		n = dns_fake_assign(name, families[i], &ss, &len);
		if (n < 0)
			return lookup_error(n);
		raw = dns_raw_addr((struct sockaddr *)&ss);
		rc = lookup_build(families[i], raw, service, h, name,
			       namepolicy_name_len(name), res);
		if (rc == 0) {
			if (log_enabled(LOG_LEVEL_DEBUG))
				inet_ntop(families[i], raw, text, sizeof(text));
			log_debug("%s -> %s", name, text);
			return 0;
		}
		if (rc != LOOKUP_USE_LIBC)
			return rc;
		rc = lookup_numeric(families[i], raw, service, h, res, text);
		if (rc == 0)
			break;
		if (rc != EAI_ADDRFAMILY && rc != EAI_NONAME)
			return rc;
		rc = EAI_NONAME;
	}
	if (rc != 0)
		return rc;
	log_debug("%s -> %s", name, text);
	if (h->ai_flags & AI_CANONNAME) {
		rc = lookup_set_canon(*res, name, namepolicy_name_len(name));
		if (rc != 0) {
			real.freeaddrinfo(*res);
			*res = NULL;
		}
	}
	return rc;
}

/* True when the answer for family h->ai_family includes address a. */
static bool
lookup_wants(const struct addrinfo *h, const struct hosts_answer *ans,
	     const struct hosts_addr *a)
{
	bool have_v6 = false;

	if (h->ai_family == AF_UNSPEC || h->ai_family == a->family)
		return true;
	if (h->ai_family != AF_INET6 || !(h->ai_flags & AI_V4MAPPED))
		return false;
	for (size_t i = 0; i < ans->count; i++) {
		if (ans->addr[i].family == AF_INET6)
			have_v6 = true;
	}
	return !have_v6 || (h->ai_flags & AI_ALL);
}

/* Answer from the hosts file (or the loopback addresses). */
static int
lookup_local(const struct hosts_answer *ans, const char *service,
	     const struct addrinfo *h, struct addrinfo **res)
{
	struct addrinfo *head = NULL, **tail = &head;
	char text[INET6_ADDRSTRLEN];
	int rc;

	for (size_t i = 0; i < ans->count; i++) {
		struct addrinfo *part = NULL;

		if (!lookup_wants(h, ans, &ans->addr[i]))
			continue;
		rc = lookup_numeric(ans->addr[i].family, ans->addr[i].addr,
				 service, h, &part, text);
		if (rc == EAI_ADDRFAMILY || rc == EAI_NONAME)
			continue;
		if (rc != 0)
			goto err_free;
		*tail = part;
		while (*tail)
			tail = &(*tail)->ai_next;
	}
	if (!head)
		return EAI_NONAME;
	if (h->ai_flags & AI_CANONNAME) {
		rc = lookup_set_canon(head, ans->canon, strlen(ans->canon));
		if (rc != 0)
			goto err_free;
	}
	*res = head;
	return 0;

err_free:
	if (head)
		real.freeaddrinfo(head);
	return rc;
}

/* The getaddrinfo() flags the fake answers know how to honour. */
#define LOOKUP_KNOWN_FLAGS (AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | \
			 AI_V4MAPPED | AI_ALL | AI_ADDRCONFIG | AI_NUMERICSERV)

/* lookup_answer() under remote DNS, for a node and a result pointer. */
static int
lookup_remote(const char *node, const char *service,
	      const struct addrinfo *hints, struct addrinfo **res)
{
	struct hosts_answer ans;
	struct addrinfo h, probe;
	int rc;

	lookup_hints(&h, hints);
	/*
	 * Addresses, and every error not about the name, as the C library says
	 * (a name that cannot be an address, with ordinary flags, skips that).
	 */
	if (!namepolicy_is_plain_name(node) || (h.ai_flags & ~LOOKUP_KNOWN_FLAGS)) {
		probe = h;
		probe.ai_flags |= AI_NUMERICHOST;
		rc = real.getaddrinfo(node, service, &probe, res);
		if (rc != EAI_NONAME)
			return rc;
	}
	/* AI_ADDRCONFIG can refuse before the address is even parsed. */
	if ((h.ai_flags & AI_ADDRCONFIG) && lookup_is_numeric(node))
		return EAI_NONAME;
	if (!namepolicy_name_fits(node))
		return EAI_NONAME;
	switch (dns_decide(node, &ans)) {
	case NAMEPOLICY_REAL:
		rc = real.getaddrinfo(node, service, hints, res);
		if (rc == 0)
			dns_note_direct(*res);
		return rc;
	case NAMEPOLICY_LOCALHOST:
		namepolicy_complete_localhost(&ans, h.ai_family);
		return lookup_local(&ans, service, &h, res);
	case NAMEPOLICY_LOCAL:
		return lookup_local(&ans, service, &h, res);
	default:
		return lookup_fake(node, service, &h, res);
	}
}

int
lookup_answer(const char *node, const char *service,
	      const struct addrinfo *hints, struct addrinfo **res)
{
	if (!node || (hints && (hints->ai_flags & AI_NUMERICHOST)) ||
	    dns_local_resolution())
		return real.getaddrinfo(node, service, hints, res);
	if (!res) {
		/* The C library would resolve the name, then crash storing it. */
		dns_log_odd("getaddrinfo", "the result pointer is NULL");
		errno = EINVAL;
		return EAI_SYSTEM;
	}
	return lookup_remote(node, service, hints, res);
}

/*
 * The resolver: getaddrinfo(), gethostbyname(), gethostbyname2(), their
 * _r forms, gethostbyaddr(), gethostbyaddr_r() and getnameinfo().
 *
 * With a proxy that resolves names (socks4a://, socks5h://) no name is
 * resolved here: the program gets a fake address from the fake-IP map, and
 * a connect to that address asks the proxy for the name.  Names that
 * resolve locally instead:
 *   - numeric addresses, which the real calls parse without asking anyone;
 *   - "localhost" and names under ".localhost" (RFC 6761): from the hosts
 *     file when it lists them, else the loopback addresses;
 *   - names listed in the hosts file, when SOCKSIFY_HOSTS is on: answered
 *     from the file by the library itself (core/hosts.c), so that no other
 *     source of names is asked whatever order nsswitch.conf gives and
 *     whichever family the program asks for;
 *   - names excluded by NO_PROXY: the real resolver.
 * With socks4:// or socks5:// every call goes to the real resolver and the
 * address then goes to the proxy.
 *
 * Reverse lookups: a fake address gives its name; with remote DNS any
 * other address is answered from the hosts file or not at all (numeric
 * for getnameinfo(), HOST_NOT_FOUND for gethostbyaddr()), so that no PTR
 * query leaves the machine, unless NO_PROXY excludes the address.  An
 * IPv4-mapped or IPv4-compatible IPv6 address stands for its IPv4 address,
 * as in the C library's DNS module.
 *
 * Under remote DNS the real functions are never reached with arguments
 * they would answer by asking DNS, whatever those arguments are:
 *   - gethostbyaddr() with a length longer than the family's address (the
 *     C library's DNS module reads the first 4 or 16 bytes and asks about
 *     them; a classic bug passes sizeof(struct sockaddr_in)): a fake
 *     address there gives its name, anything else is HOST_NOT_FOUND;
 *   - a shorter length, or a family other than AF_INET and AF_INET6:
 *     NETDB_INTERNAL with EAFNOSUPPORT, as that module fails them;
 *   - a NULL address, name or result pointer: NETDB_INTERNAL with EINVAL
 *     (the C library would query first and crash afterwards);
 *   - getnameinfo() checks its flags, family and length with the real call
 *     asked for a numeric host only, then answers the host itself.
 * Each such refusal is logged: the first as a warning, the others at
 * debug level.  res_gethostbyname(), res_gethostbyname2() and
 * res_gethostbyaddr(), which old programs find in libresolv and which ask
 * DNS through the C library's internal resolver, answer as gethostbyname(),
 * gethostbyname2() and gethostbyaddr() do (under local DNS: the real
 * gethostbyname() family, through the name service switch).
 *
 * gethostid() reads /etc/hostid, and without it the C library derives the
 * id from the address its internal gethostbyname_r() finds for the host's
 * own name, which may ask DNS.  Under remote DNS that address comes from
 * the hosts file (or the loopback, for localhost) and the id is derived
 * the same way; a name the file does not list gives 0, as the C library
 * gives for a name that does not resolve, with one log line.  A NO_PROXY
 * name, and everything under local DNS, goes to the real gethostid().
 *
 * getaddrinfo() answers are built by the real getaddrinfo() on the numeric
 * address with AI_NUMERICHOST: the C library allocates them, fills one
 * entry per socket type, resolves the service from /etc/services, and its
 * own freeaddrinfo() frees them, so freeaddrinfo() needs no hook.  A hosts
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
 *     EAI_NONAME / HOST_NOT_FOUND rather than a question to DNS.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netdb.h>
#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "directset.h"
#include "dns.h"
#include "fakeip.h"
#include "hosts.h"
#include "log.h"
#include "noproxy.h"
#include "preload.h"

/* Longest DNS name we answer for, without a trailing dot. */
#define DNS_NAME_MAX 255

/*
 * Room for the largest hostent the library builds itself: alignment,
 * HOSTS_ADDR_MAX address pointers and the terminator, the empty alias
 * list, the addresses and a 255-byte name.
 */
#define DNS_HOSTENT_BUF \
	(8 + (HOSTS_ADDR_MAX + 2) * sizeof(char *) + HOSTS_ADDR_MAX * 16 + 256)

/* he_by_*()'s answer for "let the real call handle it". */
#define DNS_PASS 1

/* Where the answer for a name comes from. */
enum dns_source {
	DNS_REAL,	/* the real resolver */
	DNS_LOCAL,	/* the hosts file */
	DNS_LOCALHOST,	/* the hosts file, else the loopback address */
	DNS_FAKE,	/* a fake address */
};

/* The hostent that gethostbyname() and friends return, one per thread. */
struct dns_hostent {
	struct hostent he;
	char buf[DNS_HOSTENT_BUF];
};

static __thread struct dns_hostent dns_tls_hostent
	__attribute__((tls_model("initial-exec")));

/* True when names go to the real resolver: the user chose local DNS. */
static bool
dns_local_resolution(void)
{
	return sx_cfg.valid && !sx_cfg.proxy.remote_dns;
}

static size_t
dns_addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* Set once the first call refused for its arguments is logged. */
static int dns_odd_logged;

/*
 * Log a call refused for its arguments (fn, and why in words): the first
 * as a warning, the others at debug level, so that a program calling in a
 * loop cannot flood stderr.
 */
static void
dns_log_odd(const char *fn, const char *why)
{
	if (__atomic_exchange_n(&dns_odd_logged, 1, __ATOMIC_RELAXED) == 0)
		log_warn("refusing %s(): %s, and under remote DNS no query may leave "
			 "the machine (further refusals are logged at debug level)",
			 fn, why);
	else
		log_debug("refusing %s(): %s", fn, why);
}

/* The length of name without one trailing dot. */
static size_t
dns_name_len(const char *name)
{
	size_t n = strnlen(name, DNS_NAME_MAX + 2);

	if (n > 0 && name[n - 1] == '.')
		n--;
	return n;
}

/* "localhost", "x.localhost", with or without a trailing dot, any case. */
static bool
dns_is_localhost(const char *name)
{
	static const char suffix[] = "localhost";
	size_t n = dns_name_len(name);
	size_t s = sizeof(suffix) - 1;

	if (n < s || n > DNS_NAME_MAX)
		return false;
	if (strncasecmp(name + n - s, suffix, s) != 0)
		return false;
	return n == s || name[n - s - 1] == '.';
}

/*
 * True for the names the C library's gethostbyname() family parses as
 * addresses without asking any name service (glibc's digits-and-dots
 * rule); anything else would reach the name services.
 */
static bool
dns_is_digits_dots(const char *name, int family)
{
	size_t n = strlen(name);

	if (n == 0)
		return false;
	if (isdigit((unsigned char)name[0]) &&
	    strspn(name, "0123456789.") == n && name[n - 1] != '.')
		return true;
	if ((isxdigit((unsigned char)name[0]) && strchr(name, ':')) ||
	    name[0] == ':') {
		if (family == AF_INET)
			return true;
		return strspn(name, "0123456789abcdefABCDEF:.") == n &&
		       name[n - 1] != '.';
	}
	return false;
}

/* True when getaddrinfo() reads node as an address of any family. */
static bool
dns_is_numeric(const char *node)
{
	struct addrinfo hints, *res = NULL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	if (real.getaddrinfo(node, NULL, &hints, &res) != 0)
		return false;
	real.freeaddrinfo(res);
	return true;
}

/*
 * Give a localhost answer the loopback address of family when the hosts
 * file gave none of that family (AF_UNSPEC: when it gave none at all).
 */
static void
dns_complete_localhost(struct hosts_answer *ans, int family)
{
	struct hosts_addr *a;

	for (size_t i = 0; i < ans->count; i++) {
		if (family == AF_UNSPEC || ans->addr[i].family == family)
			return;
	}
	if (family == AF_UNSPEC) {
		dns_complete_localhost(ans, AF_INET);
		dns_complete_localhost(ans, AF_INET6);
		return;
	}
	if ((family != AF_INET && family != AF_INET6) ||
	    ans->count == HOSTS_ADDR_MAX)
		return;
	a = &ans->addr[ans->count++];
	memset(a, 0, sizeof(*a));
	a->family = family;
	if (family == AF_INET) {
		a->addr[0] = 127;
		a->addr[3] = 1;
	} else {
		a->addr[15] = 1;
	}
}

/*
 * Decide where the answer for name comes from (remote DNS configured, or
 * the configuration invalid); DNS_LOCAL and DNS_LOCALHOST fill ans.
 */
static int
dns_decide(const char *name, struct hosts_answer *ans)
{
	if (dns_is_localhost(name)) {
		if (hosts_lookup_name(NULL, &real_sys, name, ans) == 0) {
			size_t n = dns_name_len(name);

			memcpy(ans->canon, name, n);
			ans->canon[n] = '\0';
		}
		return DNS_LOCALHOST;
	}
	if (sx_cfg.hosts_file && hosts_lookup_name(NULL, &real_sys, name, ans) > 0)
		return DNS_LOCAL;
	if (sx_cfg.valid && noproxy_matches(&sx_cfg, name, NULL, 0))
		return DNS_REAL;
	return DNS_FAKE;
}

/*
 * The fake address for name; when every address is still in use (held by
 * an open connection or used within the grace period, core/fakeip.h) the
 * lookup fails with a line saying why, rather than take one away.
 */
static int
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

/* The addrinfo error for a failed fakeip_assign(). */
static int
dns_gai_error(int rc)
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
gai_hints(struct addrinfo *h, const struct addrinfo *hints)
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
gai_numeric(int family, const uint8_t *addr, const char *service,
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
gai_set_canon(struct addrinfo *res, const char *canon, size_t len)
{
	char *copy = strndup(canon, len);

	if (!copy)
		return EAI_MEMORY;
	free(res->ai_canonname);
	res->ai_canonname = copy;
	return 0;
}

/* gai_build()'s answer for "ask the C library" (EAI_* codes are negative). */
#define GAI_USE_LIBC 1

/*
 * The port of a numeric service (NULL: 0); -1 for anything else (a service
 * name, which the C library's getaddrinfo() looks up).
 */
static int
gai_numeric_port(const char *service)
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
 * GAI_USE_LIBC when the hints need the C library (a service name,
 * AI_ADDRCONFIG, a raw socket with a port, a protocol that fits no socket
 * type).
 */
static int
gai_build(int family, const uint8_t *raw, const char *service,
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
	int port = gai_numeric_port(service);

	if (port < 0 || (h->ai_flags & AI_ADDRCONFIG) ||
	    (service && h->ai_socktype == SOCK_RAW))
		return GAI_USE_LIBC;
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
		return GAI_USE_LIBC;
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
gai_fake(const char *name, const char *service, const struct addrinfo *h,
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
			return dns_gai_error(n);
		if (families[i] == AF_INET)
			raw = (const uint8_t *)&((struct sockaddr_in *)&ss)->sin_addr;
		else
			raw = ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr;
		rc = gai_build(families[i], raw, service, h, name, dns_name_len(name),
			       res);
		if (rc == 0) {
			if (log_enabled(LOG_LEVEL_DEBUG))
				inet_ntop(families[i], raw, text, sizeof(text));
			log_debug("%s -> %s", name, text);
			return 0;
		}
		if (rc != GAI_USE_LIBC)
			return rc;
		rc = gai_numeric(families[i], raw, service, h, res, text);
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
		rc = gai_set_canon(*res, name, dns_name_len(name));
		if (rc != 0) {
			real.freeaddrinfo(*res);
			*res = NULL;
		}
	}
	return rc;
}

/* True when the answer for family h->ai_family includes address a. */
static bool
gai_wants(const struct addrinfo *h, const struct hosts_answer *ans,
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
gai_local(const struct hosts_answer *ans, const char *service,
	  const struct addrinfo *h, struct addrinfo **res)
{
	struct addrinfo *head = NULL, **tail = &head;
	char text[INET6_ADDRSTRLEN];
	int rc;

	for (size_t i = 0; i < ans->count; i++) {
		struct addrinfo *part = NULL;

		if (!gai_wants(h, ans, &ans->addr[i]))
			continue;
		rc = gai_numeric(ans->addr[i].family, ans->addr[i].addr,
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
		rc = gai_set_canon(head, ans->canon, strlen(ans->canon));
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

/*
 * Addresses a NO_PROXY name resolved to: connects to them go direct
 * (core/directset.c), as the name was meant to.
 */
static void
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

/* The getaddrinfo() flags the fake answers know how to honour. */
#define GAI_KNOWN_FLAGS (AI_PASSIVE | AI_CANONNAME | AI_NUMERICHOST | \
			 AI_V4MAPPED | AI_ALL | AI_ADDRCONFIG | AI_NUMERICSERV)

/*
 * True when node cannot be a numeric address in any form the C library
 * reads (inet_aton's hex and octal parts, IPv6 with a scope): it has no
 * ':' and a character that is neither a hex digit, 'x' nor '.'.
 */
static bool
dns_is_plain_name(const char *node)
{
	bool other = false;

	for (const char *c = node; *c; c++) {
		if (*c == ':')
			return false;
		if (!isxdigit((unsigned char)*c) && *c != 'x' && *c != 'X' && *c != '.')
			other = true;
	}
	return other;
}

static int
dns_getaddrinfo(const char *node, const char *service,
		const struct addrinfo *hints, struct addrinfo **res)
{
	struct hosts_answer ans;
	struct addrinfo h, probe;
	int rc;

	gai_hints(&h, hints);
	/*
	 * Addresses, and every error not about the name, as the C library says
	 * (a name that cannot be an address, with ordinary flags, skips that).
	 */
	if (!dns_is_plain_name(node) || (h.ai_flags & ~GAI_KNOWN_FLAGS)) {
		probe = h;
		probe.ai_flags |= AI_NUMERICHOST;
		rc = real.getaddrinfo(node, service, &probe, res);
		if (rc != EAI_NONAME)
			return rc;
	}
	/* AI_ADDRCONFIG can refuse before the address is even parsed. */
	if ((h.ai_flags & AI_ADDRCONFIG) && dns_is_numeric(node))
		return EAI_NONAME;
	if (node[0] == '\0' || dns_name_len(node) > DNS_NAME_MAX)
		return EAI_NONAME;
	switch (dns_decide(node, &ans)) {
	case DNS_REAL:
		rc = real.getaddrinfo(node, service, hints, res);
		if (rc == 0)
			dns_note_direct(*res);
		return rc;
	case DNS_LOCALHOST:
		dns_complete_localhost(&ans, h.ai_family);
		return gai_local(&ans, service, &h, res);
	case DNS_LOCAL:
		return gai_local(&ans, service, &h, res);
	default:
		return gai_fake(node, service, &h, res);
	}
}

int
dns_getaddrinfo_hooked(const char *node, const char *service,
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
	return dns_getaddrinfo(node, service, hints, res);
}

SX_EXPORT int
getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
	    struct addrinfo **res)
{
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (sx_guarded())
		return real.getaddrinfo(node, service, hints, res);
	sx_enter();
	rc = dns_getaddrinfo_hooked(node, service, hints, res);
	sx_leave();
	if (rc != EAI_SYSTEM)
		errno = saved_errno;
	return rc;
}

/*
 * Lay out a hostent in buf: the address pointers, an empty alias list,
 * the addresses (count of them, dns_addr_len(family) bytes each, taken
 * from addrs[i]) and the name.  -ERANGE when buf is too small.
 */
static int
he_fill(struct hostent *he, char *buf, size_t buflen, const char *name,
	size_t name_len, int family, const struct hosts_addr *addrs,
	size_t count)
{
	size_t alen = dns_addr_len(family);
	size_t pad = (alignof(char *) - (uintptr_t)buf % alignof(char *)) %
		     alignof(char *);
	size_t need = pad + (count + 2) * sizeof(char *) + count * alen +
		      name_len + 1;
	char **list, **aliases;
	char *p;

	if (!buf || buflen < need)
		return -ERANGE;
	list = (char **)(void *)(buf + pad);
	aliases = list + count + 1;
	p = (char *)(aliases + 1);
	for (size_t i = 0; i < count; i++) {
		memcpy(p, addrs[i].addr, alen);
		list[i] = p;
		p += alen;
	}
	list[count] = NULL;
	aliases[0] = NULL;
	memcpy(p, name, name_len);
	p[name_len] = '\0';
	he->h_name = p;
	he->h_aliases = aliases;
	he->h_addrtype = family;
	he->h_length = (int)alen;
	he->h_addr_list = list;
	return 0;
}

/* A NO_PROXY name for the gethostbyname family: the real resolver. */
static int
he_by_name_real(const char *name, int family, struct hostent *he, char *buf,
		size_t buflen)
{
	struct hosts_addr picked[HOSTS_ADDR_MAX];
	struct addrinfo h, *res, *ai;
	const char *canon;
	size_t n = 0;
	int rc;

	memset(&h, 0, sizeof(h));
	h.ai_family = family;
	h.ai_socktype = SOCK_STREAM;
	h.ai_flags = AI_CANONNAME;
	if (real.getaddrinfo(name, NULL, &h, &res) != 0)
		return -ENOENT;
	dns_note_direct(res);
	for (ai = res; ai && n < HOSTS_ADDR_MAX; ai = ai->ai_next) {
		memset(&picked[n], 0, sizeof(picked[n]));
		picked[n].family = family;
		if (family == AF_INET)
			memcpy(picked[n].addr, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		else
			memcpy(picked[n].addr,
			       &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		n++;
	}
	canon = res->ai_canonname ? res->ai_canonname : name;
	rc = he_fill(he, buf, buflen, canon, strlen(canon), family, picked, n);
	real.freeaddrinfo(res);
	return rc;
}

/*
 * Answer a forward lookup of name for family into he and buf: 0,
 * DNS_PASS (the real call answers), -ENOENT (HOST_NOT_FOUND), -ERANGE,
 * -ENOMEM or -EAFNOSUPPORT.
 */
static int
he_by_name(const char *name, int family, struct hostent *he, char *buf,
	   size_t buflen)
{
	struct hosts_answer ans;
	struct hosts_addr picked[HOSTS_ADDR_MAX];
	struct sockaddr_storage ss;
	socklen_t len;
	size_t n = 0;
	int rc;

	if (dns_local_resolution())
		return DNS_PASS;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (dns_is_digits_dots(name, family))
		return DNS_PASS;
	if (name[0] == '\0' || dns_name_len(name) > DNS_NAME_MAX)
		return -ENOENT;
	switch (dns_decide(name, &ans)) {
	case DNS_REAL:
		return he_by_name_real(name, family, he, buf, buflen);
	case DNS_LOCALHOST:
		dns_complete_localhost(&ans, family);
		/* fall through */
	case DNS_LOCAL:
		for (size_t i = 0; i < ans.count; i++) {
			if (ans.addr[i].family == family)
				picked[n++] = ans.addr[i];
		}
		if (n == 0)
			return -ENOENT;
		return he_fill(he, buf, buflen, ans.canon, strlen(ans.canon),
			       family, picked, n);
	default:
		break;
	}
	rc = dns_fake_assign(name, family, &ss, &len);
	if (rc == -ENOMEM || rc == -EAGAIN)
		return rc;
	if (rc < 0)
		return -ENOENT;
	memset(&picked[0], 0, sizeof(picked[0]));
	picked[0].family = family;
	if (family == AF_INET)
		memcpy(picked[0].addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
	else
		memcpy(picked[0].addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
	rc = he_fill(he, buf, buflen, name, dns_name_len(name), family, picked, 1);
	if (rc == 0 && log_enabled(LOG_LEVEL_DEBUG)) {
		char text[INET6_ADDRSTRLEN];

		if (inet_ntop(family, picked[0].addr, text, sizeof(text)))
			log_debug("%s -> %s", name, text);
	}
	return rc;
}

/*
 * Fill a sockaddr for a raw address (family, 4 or 16 bytes) with port 0,
 * for the NO_PROXY check.
 */
static socklen_t
dns_sockaddr(struct sockaddr_storage *ss, int family, const uint8_t *addr)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		memcpy(&sin->sin_addr, addr, 4);
		return sizeof(*sin);
	}
	((struct sockaddr_in6 *)ss)->sin6_family = AF_INET6;
	memcpy(&((struct sockaddr_in6 *)ss)->sin6_addr, addr, 16);
	return sizeof(struct sockaddr_in6);
}

/*
 * The name of a non-fake address under remote DNS, from the hosts file
 * (a v4-mapped address as its IPv4 address): 0 or -ENODATA.
 */
static int
dns_reverse_local(int family, const uint8_t *addr, char *name, size_t cap)
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
	};

	if (family == AF_INET6 && memcmp(addr, mapped, sizeof(mapped)) == 0) {
		family = AF_INET;
		addr += 12;
	}
	if (hosts_lookup_addr(NULL, &real_sys, family, addr, name, cap) < 0)
		return -ENODATA;
	return 0;
}

/*
 * The family and address a reverse lookup of (family, addr) is about, as
 * the C library's DNS module reads a 16-byte IPv6 address: an IPv4-mapped
 * one (::ffff:a.b.c.d) or an IPv4-compatible one (::a.b.c.d, other than
 * :: and ::1) stands for its IPv4 address.  Moves *addr accordingly.
 */
static int
dns_reverse_family(int family, const uint8_t **addr)
{
	static const uint8_t mapped[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
	};
	static const uint8_t zero[12];
	const uint8_t *a = *addr;

	if (family != AF_INET6)
		return family;
	if (memcmp(a, mapped, sizeof(mapped)) == 0 ||
	    (memcmp(a, zero, sizeof(zero)) == 0 &&
	     ((a[12] | a[13] | a[14]) != 0 || a[15] > 1))) {
		*addr = a + 12;
		return AF_INET;
	}
	return family;
}

/*
 * The name behind an address (family, 4 or 16 bytes): 0 with name
 * filled; DNS_PASS when the real resolver may be asked; -ENOENT for a fake
 * address that names nothing (stale or invented); -ENODATA for another
 * address the hosts file does not name, when no one may be asked.
 */
static int
dns_reverse(int family, const uint8_t *addr, char *name, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int rc;

	if (dns_local_resolution())
		return DNS_PASS;
	family = dns_reverse_family(family, &addr);
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
	len = dns_sockaddr(&ss, family, addr);
	if (sx_cfg.valid &&
	    noproxy_matches(&sx_cfg, NULL, (struct sockaddr *)&ss, len))
		return DNS_PASS;
	return dns_reverse_local(family, addr, name, cap);
}

/*
 * gethostbyaddr() (fn names the caller for the log) for an address we
 * answer: see dns_reverse().  Under remote DNS the real call is reached
 * only with an address NO_PROXY excludes, given with its family's exact
 * length; every other shape of arguments is answered or refused here (see
 * the top of the file).
 */
static int
he_by_addr(const char *fn, const void *addr, socklen_t len, int type,
	   struct hostent *he, char *buf, size_t buflen)
{
	struct hosts_addr a;
	char name[DNS_NAME_MAX + 1];
	size_t alen;
	int rc;

	if (dns_local_resolution())
		return DNS_PASS;
	if (type != AF_INET && type != AF_INET6) {
		dns_log_odd(fn, "the address family is neither AF_INET nor AF_INET6");
		return -EAFNOSUPPORT;
	}
	alen = dns_addr_len(type);
	if (!addr) {
		dns_log_odd(fn, "the address is NULL");
		return -EINVAL;
	}
	if (len < alen) {
		dns_log_odd(fn, "the length is shorter than the family's address");
		return -EAFNOSUPPORT;
	}
	memset(&a, 0, sizeof(a));
	a.family = type;
	memcpy(a.addr, addr, alen);
	if (len != alen && !fakeip_is_fake_raw(type, a.addr)) {
		dns_log_odd(fn, "the length is not the family's address length "
			    "and the address is not a fake one");
		return -ENOENT;
	}
	rc = dns_reverse(type, a.addr, name, sizeof(name));
	if (rc == -ENODATA)
		return -ENOENT;
	if (rc != 0)
		return rc;
	return he_fill(he, buf, buflen, name, strlen(name), type, &a, 1);
}

/* Turn he_by_*()'s result into gethostbyname_r()'s; rc != DNS_PASS. */
static int
he_r_result(int rc, struct hostent *ret, struct hostent **result,
	    int *h_errnop, int saved_errno)
{
	/* Like the C library, set h_errno too: some programs read that one. */
	if (rc == 0) {
		*result = ret;
		*h_errnop = NETDB_SUCCESS;
		h_errno = NETDB_SUCCESS;
		errno = saved_errno;
		return 0;
	}
	*result = NULL;
	if (rc == -ENOENT) {
		*h_errnop = HOST_NOT_FOUND;
		h_errno = HOST_NOT_FOUND;
		errno = saved_errno;
		return 0;
	}
	/*
	 * No fake address free yet: TRY_AGAIN and EAGAIN, as the C library
	 * answers when a name server does not answer in time.
	 */
	if (rc == -EAGAIN) {
		*h_errnop = TRY_AGAIN;
		h_errno = TRY_AGAIN;
		errno = EAGAIN;
		return EAGAIN;
	}
	*h_errnop = NETDB_INTERNAL;
	h_errno = NETDB_INTERNAL;
	errno = -rc;
	return -rc;
}

/* Turn he_by_*()'s result into gethostbyname()'s; rc != DNS_PASS. */
static struct hostent *
he_result(int rc, int saved_errno)
{
	if (rc == 0) {
		errno = saved_errno;
		return &dns_tls_hostent.he;
	}
	if (rc == -ENOENT) {
		h_errno = HOST_NOT_FOUND;
		errno = saved_errno;
		return NULL;
	}
	if (rc == -EAGAIN) {
		h_errno = TRY_AGAIN;
		errno = saved_errno;
		return NULL;
	}
	h_errno = NETDB_INTERNAL;
	errno = -rc;
	return NULL;
}

/*
 * The _r functions under remote DNS with a NULL pointer the C library
 * would write through only after asking DNS: refused.
 */
static int
he_r_null(const char *fn, struct hostent **result, int *h_errnop)
{
	dns_log_odd(fn, "a name, address or result pointer is NULL");
	if (result)
		*result = NULL;
	if (h_errnop)
		*h_errnop = NETDB_INTERNAL;
	h_errno = NETDB_INTERNAL;
	errno = EINVAL;
	return EINVAL;
}

/* gethostbyname() and gethostbyname2() (v2: af given); the guard is not held. */
static struct hostent *
he_byname_hook(const char *fn, const char *name, int af, bool v2)
{
	struct hostent *he;
	int saved_errno = errno;
	int rc;

	sx_enter();
	if (!name && !dns_local_resolution()) {
		dns_log_odd(fn, "the name is NULL");
		rc = -EINVAL;
	} else if (!name) {
		rc = DNS_PASS;
	} else {
		rc = he_by_name(name, af, &dns_tls_hostent.he,
				dns_tls_hostent.buf, sizeof(dns_tls_hostent.buf));
	}
	if (rc == DNS_PASS) {
		he = v2 ? real.gethostbyname2(name, af) : real.gethostbyname(name);
		sx_leave();
		return he;
	}
	sx_leave();
	return he_result(rc, saved_errno);
}

SX_EXPORT struct hostent *
gethostbyname(const char *name)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyname(name);
	return he_byname_hook("gethostbyname", name, AF_INET, false);
}

SX_EXPORT struct hostent *
gethostbyname2(const char *name, int af)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyname2(name, af);
	return he_byname_hook("gethostbyname2", name, af, true);
}

/*
 * res_gethostbyname() and res_gethostbyname2(): libresolv's old entry
 * points, kept for programs linked long ago, ask DNS through the C
 * library's internal resolver.  They answer as gethostbyname() and
 * gethostbyname2() do, the real ones of those under local DNS.
 */
/* Declared here: no header of the C library declares them any more. */
struct hostent *res_gethostbyname(const char *name);
struct hostent *res_gethostbyname2(const char *name, int af);
struct hostent *res_gethostbyaddr(const void *addr, socklen_t len, int type);

SX_EXPORT struct hostent *
res_gethostbyname(const char *name)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyname(name);
	return he_byname_hook("res_gethostbyname", name, AF_INET, false);
}

SX_EXPORT struct hostent *
res_gethostbyname2(const char *name, int af)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyname2(name, af);
	return he_byname_hook("res_gethostbyname2", name, af, true);
}

/* gethostbyname_r() and gethostbyname2_r() (v2: af given); the guard is not held. */
static int
he_byname_r_hook(const char *fn, const char *name, int af, bool v2,
		 struct hostent *ret, char *buf, size_t buflen,
		 struct hostent **result, int *h_errnop)
{
	int saved_errno = errno;
	int rc;

	sx_enter();
	if (!name || !ret || !result || !h_errnop) {
		if (!dns_local_resolution()) {
			sx_leave();
			return he_r_null(fn, result, h_errnop);
		}
		rc = DNS_PASS;
	} else {
		rc = he_by_name(name, af, ret, buf, buflen);
	}
	if (rc == DNS_PASS) {
		if (v2)
			rc = real.gethostbyname2_r(name, af, ret, buf, buflen,
						   result, h_errnop);
		else
			rc = real.gethostbyname_r(name, ret, buf, buflen, result,
						  h_errnop);
		sx_leave();
		return rc;
	}
	sx_leave();
	return he_r_result(rc, ret, result, h_errnop, saved_errno);
}

SX_EXPORT int
gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
		struct hostent **result, int *h_errnop)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyname_r(name, ret, buf, buflen, result,
					    h_errnop);
	return he_byname_r_hook("gethostbyname_r", name, AF_INET, false, ret,
				buf, buflen, result, h_errnop);
}

SX_EXPORT int
gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
		 size_t buflen, struct hostent **result, int *h_errnop)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyname2_r(name, af, ret, buf, buflen, result,
					     h_errnop);
	return he_byname_r_hook("gethostbyname2_r", name, af, true, ret, buf,
				buflen, result, h_errnop);
}

/* gethostbyaddr() and res_gethostbyaddr(); the guard is not held. */
static struct hostent *
he_byaddr_hook(const char *fn, const void *addr, socklen_t len, int type)
{
	struct hostent *he;
	int saved_errno = errno;
	int rc;

	sx_enter();
	rc = he_by_addr(fn, addr, len, type, &dns_tls_hostent.he,
			dns_tls_hostent.buf, sizeof(dns_tls_hostent.buf));
	if (rc == DNS_PASS) {
		he = real.gethostbyaddr(addr, len, type);
		sx_leave();
		return he;
	}
	sx_leave();
	return he_result(rc, saved_errno);
}

SX_EXPORT struct hostent *
gethostbyaddr(const void *addr, socklen_t len, int type)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyaddr(addr, len, type);
	return he_byaddr_hook("gethostbyaddr", addr, len, type);
}

/* libresolv's old reverse lookup: as res_gethostbyname() above. */
SX_EXPORT struct hostent *
res_gethostbyaddr(const void *addr, socklen_t len, int type)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyaddr(addr, len, type);
	return he_byaddr_hook("res_gethostbyaddr", addr, len, type);
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
			return he_r_null("gethostbyaddr_r", result, h_errnop);
		}
		rc = DNS_PASS;
	} else {
		rc = he_by_addr("gethostbyaddr_r", addr, len, type, ret, buf,
				buflen);
	}
	if (rc == DNS_PASS) {
		rc = real.gethostbyaddr_r(addr, len, type, ret, buf, buflen,
					  result, h_errnop);
		sx_leave();
		return rc;
	}
	sx_leave();
	return he_r_result(rc, ret, result, h_errnop, saved_errno);
}

/* Room for a numeric host: an IPv6 address, '%' and an interface name. */
#define DNS_NUMERIC_HOST_MAX (INET6_ADDRSTRLEN + IF_NAMESIZE + 1)

/*
 * getnameinfo() under remote DNS for an address whose host name is asked
 * for (not numerically).  The real call first answers with a numeric host
 * only (and the service), which checks the flags, the family and the
 * length exactly as the C library checks them and asks no name server;
 * then the host is the fake address's name, the hosts file's name, or the
 * numeric host.  0, an EAI_* error, or DNS_PASS for the real call (an
 * address NO_PROXY excludes, or a local socket).
 */
static int
dns_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
		socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	char name[DNS_NAME_MAX + 1];
	char numeric[DNS_NUMERIC_HOST_MAX];
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
		return DNS_PASS;
	} else {
		dns_log_odd("getnameinfo", "the address family is neither AF_INET, "
			    "AF_INET6 nor AF_UNIX");
		return EAI_FAMILY;
	}
	rc = dns_reverse(sa->sa_family, raw, name, sizeof(name));
	if (rc == DNS_PASS)
		return DNS_PASS;
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
	int rc = DNS_PASS;

	sx_ready();
	if (sx_guarded())
		return real.getnameinfo(sa, salen, host, hostlen, serv, servlen,
					flags);
	sx_enter();
	if (host && hostlen > 0 && !(flags & NI_NUMERICHOST) &&
	    !dns_local_resolution())
		rc = dns_getnameinfo(sa, salen, host, hostlen, serv, servlen,
				     flags);
	if (rc == DNS_PASS)
		rc = real.getnameinfo(sa, salen, host, hostlen, serv, servlen,
				      flags);
	sx_leave();
	if (rc != EAI_SYSTEM)
		errno = saved_errno;
	return rc;
}

/* Where gethostid() and sethostid() keep the id. */
#define DNS_HOSTID_FILE "/etc/hostid"

/* The id the C library derives from an IPv4 address (4 bytes, network order). */
static long
dns_hostid_of(const uint8_t *addr)
{
	uint32_t a;

	memcpy(&a, addr, sizeof(a));
	return (int32_t)(a << 16 | a >> 16);
}

/*
 * gethostid() under remote DNS (see the top of the file): 0 with *id
 * set, or DNS_PASS when the real gethostid() may resolve the host's name.
 */
static int
dns_hostid(long *id)
{
	struct hosts_answer ans;
	char name[DNS_NAME_MAX + 2];
	uint8_t a[4];
	int32_t stored;
	ssize_t n;
	int fd;

	*id = 0;
	fd = open(DNS_HOSTID_FILE, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = real.read(fd, &stored, sizeof(stored));
		real.close(fd);
		if (n == (ssize_t)sizeof(stored)) {
			*id = stored;
			return 0;
		}
	}
	if (gethostname(name, sizeof(name)) < 0 || name[0] == '\0')
		return 0;
	name[sizeof(name) - 1] = '\0';
	if (dns_is_digits_dots(name, AF_INET)) {
		if (inet_pton(AF_INET, name, a) == 1)
			*id = dns_hostid_of(a);
		return 0;
	}
	if (dns_name_len(name) > DNS_NAME_MAX)
		return 0;
	switch (dns_decide(name, &ans)) {
	case DNS_REAL:
		return DNS_PASS;
	case DNS_LOCALHOST:
		dns_complete_localhost(&ans, AF_INET);
		/* fall through */
	case DNS_LOCAL:
		for (size_t i = 0; i < ans.count; i++) {
			if (ans.addr[i].family == AF_INET) {
				*id = dns_hostid_of(ans.addr[i].addr);
				return 0;
			}
		}
		break;
	default:
		break;
	}
	dns_log_odd("gethostid", "there is no /etc/hostid and the host's name is not "
		    "in the hosts file, so finding its address would ask DNS; the id is 0");
	return 0;
}

SX_EXPORT long
gethostid(void)
{
	int saved_errno = errno;
	long id;

	sx_ready();
	if (!real.gethostid)
		return 0;
	if (sx_guarded())
		return real.gethostid();
	if (dns_local_resolution())
		return real.gethostid();
	sx_enter();
	if (dns_hostid(&id) == DNS_PASS) {
		errno = saved_errno;
		id = real.gethostid();
	}
	sx_leave();
	errno = saved_errno;
	return id;
}

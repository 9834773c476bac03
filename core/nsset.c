/*
 * The system's nameservers (nsset.h): resolv.conf read line by line, and
 * destinations compared with the set by their raw address bytes.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "cidr.h"
#include "nsset.h"

/* The bytes of ::ffff:0:0/96, the prefix of a v4-mapped address. */
static const uint8_t nsset_mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

void
nsset_init(struct nsset *s)
{
	static const uint8_t stub[4] = { 127, 0, 0, 53 };

	memset(s, 0, sizeof(*s));
	nsset_add(s, AF_INET, stub);
}

static size_t
nsset_addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

int
nsset_add(struct nsset *s, int family, const uint8_t *addr)
{
	size_t i, n;

	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	n = nsset_addr_len(family);
	/* A v4-mapped nameserver is kept as the IPv4 address it is. */
	if (family == AF_INET6 && memcmp(addr, nsset_mapped, sizeof(nsset_mapped)) == 0) {
		family = AF_INET;
		addr += sizeof(nsset_mapped);
		n = 4;
	}
	for (i = 0; i < s->count; i++) {
		if (s->ns[i].family == family && memcmp(s->ns[i].addr, addr, n) == 0)
			return 0;
	}
	if (s->count >= NSSET_MAX)
		return -ENOSPC;
	s->ns[s->count].family = family;
	memcpy(s->ns[s->count].addr, addr, n);
	s->count++;
	return 0;
}

static bool
nsset_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

/* One line (without its newline): 1 when it named an address, 0 when not, or -ENOSPC. */
static int
nsset_parse_line(struct nsset *s, const char *p, const char *end)
{
	static const char kw[] = "nameserver";
	uint8_t addr[16];
	const char *a;
	size_t n;
	int rc;

	if ((size_t)(end - p) <= sizeof(kw) - 1 || memcmp(p, kw, sizeof(kw) - 1) != 0 ||
	    !nsset_is_blank(p[sizeof(kw) - 1]))
		return 0;
	p += sizeof(kw) - 1;
	while (p < end && nsset_is_blank(*p))
		p++;
	a = p;
	while (p < end && !nsset_is_blank(*p) && *p != '#' && *p != ';' && *p != '%')
		p++;
	n = (size_t)(p - a);
	if (n == 0)
		return 0;
	if (cidr_parse_addr(AF_INET, a, n, addr))
		rc = nsset_add(s, AF_INET, addr);
	else if (cidr_parse_addr(AF_INET6, a, n, addr))
		rc = nsset_add(s, AF_INET6, addr);
	else
		return 0;
	return rc < 0 ? rc : 1;
}

int
nsset_parse(struct nsset *s, const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int found = 0;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		int rc;

		if (!eol)
			eol = end;
		rc = nsset_parse_line(s, p, eol);
		if (rc < 0)
			return rc;
		found += rc;
		p = eol + 1;
	}
	return found;
}

int
nsset_index(const struct nsset *s, const struct sockaddr *sa, socklen_t len)
{
	const uint8_t *addr;
	int family;
	size_t i;

	if (!sa || len < sizeof(sa_family_t))
		return -1;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		if (ntohs(in->sin_port) != NSSET_PORT)
			return -1;
		family = AF_INET;
		addr = (const uint8_t *)&in->sin_addr;
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (ntohs(in6->sin6_port) != NSSET_PORT)
			return -1;
		family = AF_INET6;
		addr = (const uint8_t *)&in6->sin6_addr;
		if (memcmp(addr, nsset_mapped, sizeof(nsset_mapped)) == 0) {
			family = AF_INET;
			addr += sizeof(nsset_mapped);
		}
	} else {
		return -1;
	}
	for (i = 0; i < s->count; i++) {
		if (s->ns[i].family == family &&
		    memcmp(s->ns[i].addr, addr, nsset_addr_len(family)) == 0)
			return (int)i;
	}
	return -1;
}

int
nsset_sockaddr(const struct nsset *s, size_t i, int family,
	       struct sockaddr_storage *ss, socklen_t *len)
{
	const struct nsset_addr *ns;

	if (i >= s->count || (family != AF_INET && family != AF_INET6))
		return -EINVAL;
	ns = &s->ns[i];
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		if (ns->family != AF_INET)
			return -EAFNOSUPPORT;
		in->sin_family = AF_INET;
		in->sin_port = htons(NSSET_PORT);
		memcpy(&in->sin_addr, ns->addr, 4);
		*len = sizeof(*in);
		return 0;
	}
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons(NSSET_PORT);
	if (ns->family == AF_INET) {
		memcpy(in6->sin6_addr.s6_addr, nsset_mapped, sizeof(nsset_mapped));
		memcpy(in6->sin6_addr.s6_addr + sizeof(nsset_mapped), ns->addr, 4);
	} else {
		memcpy(in6->sin6_addr.s6_addr, ns->addr, 16);
	}
	*len = sizeof(*in6);
	return 0;
}

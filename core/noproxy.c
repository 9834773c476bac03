/*
 * NO_PROXY: the list of destinations reached directly, as curl and wget
 * read it (host names covering their subdomains, addresses, CIDR blocks,
 * "*", each with an optional port), parsed once at init into one block,
 * and the match of a destination (a name, an address, or both) against it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "noproxy.h"
#include "text.h"

#define NOPROXY_ENTRIES_MAX 100000

/* Entries are separated by commas or white space. */
static bool
is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

/* Worded to stand alone in "<why> in entry ...". */
static const char *const np_port_why[] = {
	[TEXT_PORT_EMPTY] = "empty port after ':'",
	[TEXT_PORT_NOT_DECIMAL] = "port is not a decimal number",
	[TEXT_PORT_OUT_OF_RANGE] = "port out of range 1-65535",
};

/*
 * One CIDR block: "a.b.c.d", "a.b.c.d/n", "v6", "v6/n".  pfx is NULL when
 * there was no '/'.
 */
static const char *
np_cidr(const char *s, size_t n, const char *pfx, size_t pfxlen,
	struct config_noproxy *e)
{
	unsigned int prefix;
	const char *why;
	bool v6 = memchr(s, ':', n) != NULL;

	if (v6 && memchr(s, '%', n) != NULL)
		return "IPv6 zone index is not supported";
	if (!cidr_parse_addr(v6 ? AF_INET6 : AF_INET, s, n, e->addr))
		return v6 ? "bad IPv6 address" : "bad IPv4 address";
	e->kind = CONFIG_NP_CIDR;
	e->family = v6 ? AF_INET6 : AF_INET;
	prefix = v6 ? 128 : 32;
	if (pfx != NULL) {
		why = text_parse_prefix(pfx, pfxlen, prefix, &prefix);
		if (why != NULL)
			return why;
	}
	e->prefix = (uint8_t)prefix;
	cidr_mask_host_bits(e->addr, v6 ? 16 : 4, prefix);
	return NULL;
}

/* "[v6]", "[v6/n]" or "[v6]/n", each with an optional ":port". */
static const char *
np_bracket(const char *s, size_t n, struct config_noproxy *e)
{
	const char *rb = memchr(s, ']', n);
	const char *in = s + 1, *after, *end = s + n;
	const char *slash, *pfx = NULL, *why;
	size_t inlen, pfxlen = 0;
	enum text_port_fault fault;
	uint16_t port = 0;

	if (rb == NULL)
		return "unterminated '['";
	inlen = (size_t)(rb - in);
	if (inlen == 0)
		return "empty '[]'";
	if (memchr(in, ':', inlen) == NULL)
		return "brackets hold something other than an IPv6 address";
	slash = memchr(in, '/', inlen);
	if (slash != NULL) {
		pfx = slash + 1;
		pfxlen = (size_t)(rb - pfx);
		inlen = (size_t)(slash - in);
	}
	after = rb + 1;
	if (after < end && after[0] == '/' && pfx == NULL) {
		pfx = after + 1;
		after = memchr(pfx, ':', (size_t)(end - pfx));
		if (after == NULL)
			after = end;
		pfxlen = (size_t)(after - pfx);
	}
	if (after < end) {
		if (after[0] != ':')
			return "unexpected characters after ']'";
		fault = text_parse_port(after + 1, (size_t)(end - after - 1),
					&port);
		if (fault != TEXT_PORT_OK)
			return np_port_why[fault];
	}
	why = np_cidr(in, inlen, pfx, pfxlen, e);
	if (why != NULL)
		return why;
	e->port = port;
	return NULL;
}

/*
 * A host name: "example.com", ".example.com" or "*.example.com", one
 * trailing dot ignored.  Stored lower case in name_buf.
 */
static const char *
np_name(const char *s, size_t n, struct config_noproxy *e, char *name_buf)
{
	if (n >= 2 && s[0] == '*' && s[1] == '.') {
		s += 2;
		n -= 2;
	} else if (n >= 1 && s[0] == '.') {
		s++;
		n--;
	}
	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0)
		return "empty host name";
	if (n > 255)
		return "host name longer than 255 bytes";
	/* A second trailing dot ("a..") is an empty last label. */
	if (s[n - 1] == '.')
		return "empty label in host name";
	for (size_t i = 0; i < n; i++) {
		if (!text_is_host_char(s[i]))
			return "invalid character in host name";
		if (s[i] == '.' && (i == 0 || s[i - 1] == '.'))
			return "empty label in host name";
		name_buf[i] = text_lower(s[i]);
	}
	name_buf[n] = '\0';
	e->kind = CONFIG_NP_NAME;
	e->name = name_buf;
	e->name_len = n;
	return NULL;
}

/* One entry of a NO_PROXY list; NULL or what is wrong with it. */
static const char *
np_entry(const char *s, size_t n, struct config_noproxy *e, char *name_buf)
{
	const char *slash, *colon, *why;
	enum text_port_fault fault;
	size_t colons = 0, hlen;
	uint16_t port = 0;

	memset(e, 0, sizeof(*e));
	if (n == 1 && s[0] == '*') {
		e->kind = CONFIG_NP_ALL;
		return NULL;
	}
	if (s[0] == '[')
		return np_bracket(s, n, e);
	slash = memchr(s, '/', n);
	if (slash != NULL)
		return np_cidr(s, (size_t)(slash - s), slash + 1,
			       (size_t)(s + n - slash - 1), e);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ':')
			colons++;
	}
	if (colons >= 2)
		return np_cidr(s, n, NULL, 0, e);

	colon = memchr(s, ':', n);
	hlen = colon != NULL ? (size_t)(colon - s) : n;
	if (colon != NULL) {
		fault = text_parse_port(colon + 1, n - hlen - 1, &port);
		if (fault != TEXT_PORT_OK)
			return np_port_why[fault];
	}
	if (hlen == 0)
		return "empty host name";
	if (text_is_digit(s[0]) && text_all_digits_and_dots(s, hlen))
		why = np_cidr(s, hlen, NULL, 0, e);
	else
		why = np_name(s, hlen, e, name_buf);
	if (why != NULL)
		return why;
	e->port = port;
	return NULL;
}

int
noproxy_parse(const char *list, struct config_noproxy **out,
	      size_t *count, char *err, size_t errlen)
{
	char shown[TEXT_SHOW_BUF];
	struct config_noproxy *np;
	size_t len, n = 0, k = 0, i;
	char *names;
	const char *why;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out == NULL || count == NULL) {
		text_set_err(err, errlen, "no place to store the list");
		return -EINVAL;
	}
	*out = NULL;
	*count = 0;
	if (list == NULL)
		return 0;

	len = strlen(list);
	for (i = 0; i < len; i++) {
		if (!is_sep(list[i]) && (i == 0 || is_sep(list[i - 1])))
			n++;
	}
	if (n == 0)
		return 0;
	if (n > NOPROXY_ENTRIES_MAX) {
		text_set_err(err, errlen, "too many entries (%zu, at most %d)",
			     n, NOPROXY_ENTRIES_MAX);
		return -EINVAL;
	}

	/*
	 * One block: the entries, then their names.  A name is never longer
	 * than its entry, so the list's length plus one NUL per entry is
	 * enough, and noproxy_free() has one pointer to free.
	 */
	np = malloc(n * sizeof(*np) + len + n);
	if (np == NULL) {
		text_set_err(err, errlen, "out of memory for %zu entries", n);
		return -ENOMEM;
	}
	names = (char *)(np + n);

	i = 0;
	while (k < n) {
		size_t start;

		while (i < len && is_sep(list[i]))
			i++;
		start = i;
		while (i < len && !is_sep(list[i]))
			i++;
		why = np_entry(list + start, i - start, &np[k], names);
		if (why != NULL) {
			text_show(shown, sizeof(shown), list + start,
				  i - start);
			text_set_err(err, errlen, "%s in entry \"%s\"", why,
				     shown);
			free(np);
			return -EINVAL;
		}
		if (np[k].kind == CONFIG_NP_NAME)
			names += np[k].name_len + 1;
		k++;
	}
	*out = np;
	*count = n;
	return 0;
}

void
noproxy_free(struct config_noproxy *np, size_t count)
{
	(void)count;
	free(np);
}

/* The queried name equals the entry's name or ends in "." and it. */
static bool
np_name_matches(const struct config_noproxy *e, const char *name, size_t len)
{
	const char *tail;

	if (len < e->name_len)
		return false;
	tail = name + len - e->name_len;
	if (!text_equal_nocase(tail, e->name, e->name_len))
		return false;
	return len == e->name_len || tail[-1] == '.';
}

/* A destination's address as the entries compare it. */
struct np_addr {
	bool has4, has6;
	uint8_t a4[4];
	uint8_t a6[16];
};

static void
np_addr_from_bytes(struct np_addr *a, int family, const uint8_t *b)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (family == AF_INET) {
		a->has4 = true;
		memcpy(a->a4, b, 4);
		return;
	}
	a->has6 = true;
	memcpy(a->a6, b, 16);
	/* ::ffff:a.b.c.d is an IPv4 destination as well. */
	if (memcmp(b, mapped, sizeof(mapped)) == 0) {
		a->has4 = true;
		memcpy(a->a4, b + 12, 4);
	}
}

/* The port in host order, or -1 when sa holds none we understand. */
static int
np_addr_from_sockaddr(struct np_addr *a, const struct sockaddr *sa,
		      socklen_t salen)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (sa == NULL || salen < sizeof(sa_family_t))
		return -1;
	if (sa->sa_family == AF_INET && salen >= sizeof(sin)) {
		memcpy(&sin, sa, sizeof(sin));
		np_addr_from_bytes(a, AF_INET, (const uint8_t *)&sin.sin_addr);
		return ntohs(sin.sin_port);
	}
	/* The RFC 2133 layout without sin6_scope_id is 24 bytes. */
	if (sa->sa_family == AF_INET6 && salen >= 24) {
		memset(&sin6, 0, sizeof(sin6));
		memcpy(&sin6, sa, salen < sizeof(sin6) ? salen : sizeof(sin6));
		np_addr_from_bytes(a, AF_INET6, sin6.sin6_addr.s6_addr);
		return ntohs(sin6.sin6_port);
	}
	return -1;
}

/* A name that is an address literal ("10.0.0.1", "::1", "[::1]"). */
static void
np_addr_from_name(struct np_addr *a, const char *name, size_t len)
{
	uint8_t b[16];

	if (len >= 2 && name[0] == '[' && name[len - 1] == ']') {
		name++;
		len -= 2;
	}
	if (cidr_parse_addr(AF_INET, name, len, b))
		np_addr_from_bytes(a, AF_INET, b);
	else if (cidr_parse_addr(AF_INET6, name, len, b))
		np_addr_from_bytes(a, AF_INET6, b);
}

static bool
np_cidr_matches(const struct config_noproxy *e, const struct np_addr *a)
{
	if (e->family == AF_INET)
		return a->has4 && cidr_prefix_equal(a->a4, e->addr, e->prefix);
	return a->has6 && cidr_prefix_equal(a->a6, e->addr, e->prefix);
}

/*
 * The match itself: name may be NULL, by_sa holds the address of the
 * destination (if any), port is -1 when unknown (then only entries without
 * a port apply).
 */
static bool
np_matches(const struct config *cfg, const char *name,
	   const struct np_addr *by_sa, int port)
{
	struct np_addr by_name;
	size_t name_len = 0;

	if (cfg == NULL || cfg->noproxy == NULL)
		return false;
	memset(&by_name, 0, sizeof(by_name));
	if (name != NULL) {
		/* Longer than a DNS name with its root dot: matches no entry. */
		name_len = strnlen(name, 257);
		if (name_len > 256)
			name = NULL;
	}
	if (name != NULL) {
		if (name_len > 0 && name[name_len - 1] == '.')
			name_len--;
		np_addr_from_name(&by_name, name, name_len);
	}

	for (size_t i = 0; i < cfg->noproxy_count; i++) {
		const struct config_noproxy *e = &cfg->noproxy[i];

		if (e->port != 0 && e->port != port)
			continue;
		switch (e->kind) {
		case CONFIG_NP_ALL:
			return true;
		case CONFIG_NP_NAME:
			if (name != NULL && np_name_matches(e, name, name_len))
				return true;
			break;
		case CONFIG_NP_CIDR:
			if (np_cidr_matches(e, by_sa) ||
			    np_cidr_matches(e, &by_name))
				return true;
			break;
		default:
			break;
		}
	}
	return false;
}

bool
noproxy_matches(const struct config *cfg, const char *name,
		const struct sockaddr *sa, socklen_t salen)
{
	struct np_addr by_sa;
	int port;

	memset(&by_sa, 0, sizeof(by_sa));
	port = np_addr_from_sockaddr(&by_sa, sa, salen);
	return np_matches(cfg, name, &by_sa, port);
}

bool
noproxy_matches_name(const struct config *cfg, const char *name,
		     int port)
{
	struct np_addr none;

	if (name == NULL)
		return false;
	memset(&none, 0, sizeof(none));
	return np_matches(cfg, name, &none,
			  port >= 1 && port <= 65535 ? port : -1);
}

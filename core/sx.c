/*
 * Endpoints: conversions between socket addresses, host names and the way
 * SOCKS names a destination, and printing either for a log line.  Printing
 * uses no stdio and no allocation, so it is safe from any thread.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "sx.h"

/*
 * The kernel accepts a sockaddr_in6 without sin6_scope_id (the RFC 2133
 * layout, 24 bytes) and so do we; the scope then reads as 0.
 */
#define SX_SIN6_LEN_RFC2133 24

int
sx_endpoint_from_sockaddr(struct sx_endpoint *ep, const struct sockaddr *sa,
			  socklen_t len)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (ep == NULL || sa == NULL || len < sizeof(sa_family_t))
		return -EINVAL;

	switch (sa->sa_family) {
	case AF_INET:
		if (len < sizeof(sin))
			return -EINVAL;
		memcpy(&sin, sa, sizeof(sin));
		memset(ep, 0, sizeof(*ep));
		ep->atyp = SX_ATYP_IPV4;
		ep->port = ntohs(sin.sin_port);
		memcpy(ep->addr, &sin.sin_addr, 4);
		return 0;
	case AF_INET6:
		if (len < SX_SIN6_LEN_RFC2133)
			return -EINVAL;
		memset(&sin6, 0, sizeof(sin6));
		memcpy(&sin6, sa, len < sizeof(sin6) ? len : sizeof(sin6));
		memset(ep, 0, sizeof(*ep));
		ep->port = ntohs(sin6.sin6_port);
		/* ::ffff:a.b.c.d is an IPv4 destination in IPv6 clothing. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6.sin6_addr)) {
			ep->atyp = SX_ATYP_IPV4;
			memcpy(ep->addr, &sin6.sin6_addr.s6_addr[12], 4);
		} else {
			ep->atyp = SX_ATYP_IPV6;
			memcpy(ep->addr, sin6.sin6_addr.s6_addr, 16);
		}
		return 0;
	default:
		return -EAFNOSUPPORT;
	}
}

int
sx_endpoint_from_name(struct sx_endpoint *ep, const char *name, uint16_t port)
{
	size_t n;

	if (ep == NULL || name == NULL)
		return -EINVAL;
	n = strnlen(name, sizeof(ep->name));
	if (n == 0)
		return -EINVAL;
	if (n >= sizeof(ep->name))
		return -ENAMETOOLONG;

	memset(ep, 0, sizeof(*ep));
	ep->atyp = SX_ATYP_DOMAIN;
	ep->name_len = (uint8_t)n;
	ep->port = port;
	memcpy(ep->name, name, n);
	ep->name[n] = '\0';
	return 0;
}

int
sx_endpoint_to_sockaddr(const struct sx_endpoint *ep,
			struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (ep == NULL || ss == NULL || len == NULL)
		return -EINVAL;

	switch (ep->atyp) {
	case SX_ATYP_IPV4:
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(ep->port);
		memcpy(&sin.sin_addr, ep->addr, 4);
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, &sin, sizeof(sin));
		*len = sizeof(sin);
		return 0;
	case SX_ATYP_IPV6:
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(ep->port);
		memcpy(sin6.sin6_addr.s6_addr, ep->addr, 16);
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, &sin6, sizeof(sin6));
		*len = sizeof(sin6);
		return 0;
	default:
		/* A name has no socket address until someone resolves it. */
		return -EINVAL;
	}
}

/*
 * A bounded string being built: len characters written so far, always
 * followed by a NUL, never more than cap - 1 characters (cap >= 1).
 */
struct sx_text {
	char *buf;
	size_t cap;
	size_t len;
};

static void
text_init(struct sx_text *t, char *buf, size_t cap)
{
	t->buf = buf;
	t->cap = cap;
	t->len = 0;
	buf[0] = '\0';
}

static void
text_putc(struct sx_text *t, char c)
{
	if (t->len + 1 >= t->cap)
		return;
	t->buf[t->len++] = c;
	t->buf[t->len] = '\0';
}

static void
text_puts(struct sx_text *t, const char *s)
{
	for (; *s != '\0'; s++)
		text_putc(t, *s);
}

/*
 * A host name comes from the program or from the wire; control bytes in it
 * are shown as '?' so that a log line stays one line on a terminal.
 */
static void
text_put_name(struct sx_text *t, const char *name, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c < 0x20 || c == 0x7f)
			text_putc(t, '?');
		else
			text_putc(t, (char)c);
	}
}

static void
text_put_uint(struct sx_text *t, unsigned long v)
{
	char digits[24];
	size_t n = 0;

	do {
		digits[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v != 0 && n < sizeof(digits));
	while (n > 0)
		text_putc(t, digits[--n]);
}

/* "1.2.3.4" or "[::1]" (with "%scope" when scope is not 0), then ":port". */
static void
text_put_addr(struct sx_text *t, int family, const void *addr, uint32_t scope,
	      uint16_t port)
{
	char ip[INET6_ADDRSTRLEN];

	if (inet_ntop(family, addr, ip, sizeof(ip)) == NULL) {
		text_puts(t, "(unprintable address)");
		return;
	}
	if (family == AF_INET6)
		text_putc(t, '[');
	text_puts(t, ip);
	if (family == AF_INET6 && scope != 0) {
		text_putc(t, '%');
		text_put_uint(t, scope);
	}
	if (family == AF_INET6)
		text_putc(t, ']');
	text_putc(t, ':');
	text_put_uint(t, port);
}

void
sx_endpoint_format(const struct sx_endpoint *ep, char *buf, size_t cap)
{
	struct sx_text t;

	if (buf == NULL || cap == 0)
		return;
	text_init(&t, buf, cap);
	if (ep == NULL) {
		text_puts(&t, "(null)");
		return;
	}

	switch (ep->atyp) {
	case SX_ATYP_IPV4:
		text_put_addr(&t, AF_INET, ep->addr, 0, ep->port);
		break;
	case SX_ATYP_IPV6:
		text_put_addr(&t, AF_INET6, ep->addr, 0, ep->port);
		break;
	case SX_ATYP_DOMAIN:
		text_put_name(&t, ep->name, strnlen(ep->name, ep->name_len));
		text_putc(&t, ':');
		text_put_uint(&t, ep->port);
		break;
	default:
		text_puts(&t, "(address type ");
		text_put_uint(&t, ep->atyp);
		text_putc(&t, ')');
		break;
	}
}

void
sx_sockaddr_format(const struct sockaddr *sa, socklen_t len, char *buf,
		   size_t cap)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sx_text t;

	if (buf == NULL || cap == 0)
		return;
	text_init(&t, buf, cap);
	if (sa == NULL) {
		text_puts(&t, "(null)");
		return;
	}
	if (len < sizeof(sa_family_t)) {
		text_puts(&t, "(short address)");
		return;
	}

	switch (sa->sa_family) {
	case AF_INET:
		if (len < sizeof(sin)) {
			text_puts(&t, "(short address)");
			return;
		}
		memcpy(&sin, sa, sizeof(sin));
		text_put_addr(&t, AF_INET, &sin.sin_addr, 0,
			      ntohs(sin.sin_port));
		break;
	case AF_INET6:
		if (len < SX_SIN6_LEN_RFC2133) {
			text_puts(&t, "(short address)");
			return;
		}
		memset(&sin6, 0, sizeof(sin6));
		memcpy(&sin6, sa, len < sizeof(sin6) ? len : sizeof(sin6));
		text_put_addr(&t, AF_INET6, &sin6.sin6_addr, sin6.sin6_scope_id,
			      ntohs(sin6.sin6_port));
		break;
	default:
		text_puts(&t, "(address family ");
		text_put_uint(&t, sa->sa_family);
		text_putc(&t, ')');
		break;
	}
}

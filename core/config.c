/*
 * The configuration: a proxy URL in curl's socks schemes, a NO_PROXY list
 * and the SOCKSIFY_* knobs, read once from the environment at init.  The
 * parsers are bounds-first and never echo a user name or a password: an
 * error names what is wrong and shows at most a short, escaped piece of a
 * value that cannot hold credentials.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "log.h"

/* Bytes of a bad value shown in an error, and the characters they may take. */
#define CONFIG_SHOW_MAX 60
#define CONFIG_SHOW_BUF 128

/* Longest values read from the environment. */
#define CONFIG_URL_MAX 2048
#define CONFIG_NOPROXY_MAX (4u << 20)
#define CONFIG_KNOB_MAX 256
#define CONFIG_NOPROXY_ENTRIES_MAX 100000

#define CONFIG_TIMEOUT_MAX_S 3600
#define CONFIG_TIMEOUT_MAX_MS (CONFIG_TIMEOUT_MAX_S * 1000)
#define CONFIG_FAKE_PREFIX_MIN 8
#define CONFIG_FAKE_PREFIX_MAX 30
#define CONFIG_FAKE_PREFIX6_MIN 8
#define CONFIG_FAKE_PREFIX6_MAX 120

#define CONFIG_SCHEMES_HINT "use socks4, socks4a, socks5 or socks5h"

struct config_scheme {
	const char *name;
	int version;
	bool remote_dns;
};

static const struct config_scheme config_schemes[] = {
	{ "socks4", 4, false },
	{ "socks4a", 4, true },
	{ "socks5", 5, false },
	{ "socks5h", 5, true },
};

/* A fixed block that a fake range must not overlap. */
struct config_block {
	uint8_t addr[16];
	uint8_t prefix;
	const char *what;
};

static const struct config_block config_fake_forbidden[] = {
	{ { 0 }, 8, "0.0.0.0/8" },
	{ { 127 }, 8, "loopback 127.0.0.0/8" },
	{ { 224 }, 3, "multicast and reserved space 224.0.0.0/3" },
};

static const struct config_block config_fake6_forbidden[] = {
	{ { [15] = 1 }, 128, "loopback ::1" },
	{ { [10] = 0xff, [11] = 0xff }, 96, "IPv4-mapped ::ffff:0:0/96" },
	{ { 0xff }, 8, "multicast ff00::/8" },
};

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static char
ascii_lower(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	return c;
}

static bool
ascii_equal_nocase(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (ascii_lower(a[i]) != ascii_lower(b[i]))
			return false;
	}
	return true;
}

/* The whole of s[0..n) is one of the words, compared without case. */
static bool
word_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && ascii_equal_nocase(s, word, n);
}

static bool
is_host_char(char c)
{
	return is_alpha(c) || is_digit(c) || c == '-' || c == '.' || c == '_';
}

static bool
is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
	       c == '\v' || c == '\f';
}

static bool
all_digits_and_dots(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]) && s[i] != '.')
			return false;
	}
	return true;
}

static int
hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Well-formed UTF-8 only: no overlong forms, no surrogates, nothing above
 * U+10FFFF.
 */
static bool
is_utf8(const char *s, size_t n)
{
	const unsigned char *b = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned int c = b[i];
		uint32_t cp, min;
		size_t need;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (n - i - 1 < need)
			return false;
		for (size_t k = 1; k <= need; k++) {
			if ((b[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (b[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

/*
 * Copy at most CONFIG_SHOW_MAX bytes of s[0..n) into dst for an error
 * message: printable ASCII as it is, anything else (and '"' and '\') as
 * \xHH, then "..." when the value was cut.  dst is always terminated.
 */
static void
show(char *dst, size_t cap, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t lim = n < CONFIG_SHOW_MAX ? n : CONFIG_SHOW_MAX;
	size_t o = 0;
	size_t i;

	if (cap == 0)
		return;
	for (i = 0; i < lim; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			if (o + 1 >= cap)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= cap)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0x0f];
		}
	}
	if (i < n && o + 3 < cap) {
		dst[o++] = '.';
		dst[o++] = '.';
		dst[o++] = '.';
	}
	dst[o] = '\0';
}

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* What can be wrong with a port; the tables below word it for each caller. */
enum port_fault {
	PORT_OK,
	PORT_EMPTY,
	PORT_NOT_DECIMAL,
	PORT_OUT_OF_RANGE,
};

/* Worded to follow the word: "port <why>". */
static const char *const url_port_why[] = {
	[PORT_EMPTY] = "is empty",
	[PORT_NOT_DECIMAL] = "is not a decimal number",
	[PORT_OUT_OF_RANGE] = "out of range 1-65535",
};

static const char *const np_port_why[] = {
	[PORT_EMPTY] = "empty port after ':'",
	[PORT_NOT_DECIMAL] = "port is not a decimal number",
	[PORT_OUT_OF_RANGE] = "port out of range 1-65535",
};

/* A decimal port, 1..65535, digits only (no sign, no space). */
static enum port_fault
parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;

	if (n == 0)
		return PORT_EMPTY;
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return PORT_NOT_DECIMAL;
		if (v <= 65535)
			v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return PORT_OUT_OF_RANGE;
	*port = (uint16_t)v;
	return PORT_OK;
}

/*
 * Turn s[0..n) into a 4- or 16-byte address.  inet_pton needs a terminated
 * string, so the candidate is copied first; anything too long is no address.
 */
static bool
parse_addr(int family, const char *s, size_t n, uint8_t *out)
{
	char buf[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(family, buf, out) == 1;
}

/* The first bits bits of a and b agree. */
static bool
prefix_equal(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

/* Clear every bit after the first bits bits of an alen-byte address. */
static void
mask_host_bits(uint8_t *a, size_t alen, unsigned int bits)
{
	for (size_t i = 0; i < alen; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		a[i] &= (uint8_t)(0xff << (8 - bits));
		bits = 0;
	}
}

/* A prefix length: 1..3 digits, at most max. */
static const char *
parse_prefix(const char *s, size_t n, unsigned int max, unsigned int *out)
{
	unsigned int v = 0;

	if (n == 0)
		return "empty prefix length after '/'";
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return "prefix length is not a decimal number";
		if (v <= 1000)
			v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v > max)
		return max == 32 ? "prefix length out of range 0-32 for IPv4" :
				   "prefix length out of range 0-128 for IPv6";
	*out = v;
	return NULL;
}

/*
 * Percent-decode s[0..n) into out (256 bytes).  what names the field for
 * the error ("user name", "password"); the field's bytes never appear in it.
 */
static int
decode_userinfo(const char *s, size_t n, char *out, const char *what,
		char *err, size_t errlen)
{
	size_t len = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		int hi, lo;

		if (c == '%') {
			if (n - i < 3) {
				set_err(err, errlen, "bad percent escape in the %s",
					what);
				return -EINVAL;
			}
			hi = hex_value(s[i + 1]);
			lo = hex_value(s[i + 2]);
			if (hi < 0 || lo < 0) {
				set_err(err, errlen, "bad percent escape in the %s",
					what);
				return -EINVAL;
			}
			c = (unsigned char)(hi * 16 + lo);
			if (c == 0) {
				set_err(err, errlen,
					"the %s holds a NUL byte (%%00)", what);
				return -EINVAL;
			}
			i += 2;
		}
		if (len < 255)
			out[len] = (char)c;
		len++;
	}
	if (len > 255) {
		set_err(err, errlen, "%s too long (%zu bytes, at most 255)", what,
			len);
		return -EINVAL;
	}
	out[len] = '\0';
	return 0;
}

/* "user[:password]" before the last '@' of the authority. */
static int
parse_userinfo(const char *s, size_t n, struct config_proxy *p, char *err,
	       size_t errlen)
{
	const char *colon;
	size_t ulen;
	int rc;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '/' || c == '?' || c == '#') {
			set_err(err, errlen,
				"'/', '?' or '#' before '@': percent-encode it in the user name or password");
			return -EINVAL;
		}
		if (c <= 0x20 || c == 0x7f) {
			set_err(err, errlen,
				"space or control character in the user name or password: percent-encode it");
			return -EINVAL;
		}
	}

	colon = memchr(s, ':', n);
	ulen = colon != NULL ? (size_t)(colon - s) : n;
	if (ulen == 0) {
		set_err(err, errlen, "empty user name before '@'");
		return -EINVAL;
	}
	if (colon != NULL && p->version == 4 && colon + 1 < s + n) {
		set_err(err, errlen,
			"SOCKS4 has no password (use socks4://user@host)");
		return -EINVAL;
	}
	rc = decode_userinfo(s, ulen, p->user, "user name", err, errlen);
	if (rc < 0)
		return rc;
	/* RFC 1929 sends PLEN 0 for a user without a password. */
	p->pass[0] = '\0';
	if (colon != NULL) {
		rc = decode_userinfo(colon + 1, (size_t)(s + n - colon - 1),
				     p->pass, "password", err, errlen);
		if (rc < 0)
			return rc;
	}
	p->has_auth = true;
	return 0;
}

/* The proxy's socket address, with its port; scope only for IPv6. */
static void
proxy_set_addr(struct config_proxy *p, int family, const uint8_t *addr,
	       uint32_t scope)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	memset(&p->addr, 0, sizeof(p->addr));
	if (family == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(p->port);
		memcpy(&sin.sin_addr, addr, 4);
		memcpy(&p->addr, &sin, sizeof(sin));
		p->addrlen = sizeof(sin);
	} else {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(p->port);
		sin6.sin6_scope_id = scope;
		memcpy(sin6.sin6_addr.s6_addr, addr, 16);
		memcpy(&p->addr, &sin6, sizeof(sin6));
		p->addrlen = sizeof(sin6);
	}
}

/*
 * The port's text is never shown: in "socks5://user:password" (the host
 * forgotten) the password stands where the port goes.
 */
static int
url_port(const char *s, size_t n, struct config_proxy *p, char *err,
	 size_t errlen)
{
	enum port_fault fault;

	if (n == 0) {
		set_err(err, errlen, "empty port after ':'");
		return -EINVAL;
	}
	fault = parse_port(s, n, &p->port);
	if (fault != PORT_OK) {
		set_err(err, errlen, "port %s", url_port_why[fault]);
		return -EINVAL;
	}
	return 0;
}

/* "[v6]" with an optional ":port". */
static int
url_bracket_host(const char *s, size_t n, struct config_proxy *p, int *family,
		 uint8_t *addr, char *err, size_t errlen)
{
	char shown[CONFIG_SHOW_BUF];
	const char *rb = memchr(s, ']', n);
	const char *in = s + 1;
	size_t inlen, after;

	if (rb == NULL) {
		set_err(err, errlen, "unterminated '[' in host");
		return -EINVAL;
	}
	inlen = (size_t)(rb - in);
	after = (size_t)(s + n - rb - 1);
	if (inlen == 0) {
		set_err(err, errlen, "empty '[]' in host");
		return -EINVAL;
	}
	if (memchr(in, '%', inlen) != NULL) {
		set_err(err, errlen,
			"IPv6 zone index in host is not supported (drop the %%25 part)");
		return -EINVAL;
	}
	if (!parse_addr(AF_INET6, in, inlen, addr)) {
		show(shown, sizeof(shown), in, inlen);
		set_err(err, errlen, "bad IPv6 address \"%s\" in host", shown);
		return -EINVAL;
	}
	if (after > 0 && rb[1] != ':') {
		show(shown, sizeof(shown), rb + 1, after);
		set_err(err, errlen, "unexpected \"%s\" after ']' in host", shown);
		return -EINVAL;
	}
	memcpy(p->host, in, inlen);
	p->host[inlen] = '\0';
	*family = AF_INET6;
	if (after > 0)
		return url_port(rb + 2, after - 1, p, err, errlen);
	return 0;
}

/* "name", "1.2.3.4" or "[v6]", each with an optional ":port". */
static int
url_host(const char *s, size_t n, struct config_proxy *p, char *err,
	 size_t errlen)
{
	char shown[CONFIG_SHOW_BUF];
	uint8_t addr[16];
	const char *colon;
	size_t hlen;
	int family = 0;
	int rc;

	if (n == 0) {
		set_err(err, errlen, "empty host");
		return -EINVAL;
	}
	if (s[0] == '[') {
		rc = url_bracket_host(s, n, p, &family, addr, err, errlen);
		if (rc < 0)
			return rc;
		goto out_addr;
	}

	colon = memchr(s, ':', n);
	hlen = colon != NULL ? (size_t)(colon - s) : n;
	if (colon != NULL && memchr(colon + 1, ':', n - hlen - 1) != NULL) {
		set_err(err, errlen,
			"more than one ':' in host (an IPv6 address goes in brackets, as in [::1]:1080)");
		return -EINVAL;
	}
	if (hlen == 0) {
		set_err(err, errlen, "empty host");
		return -EINVAL;
	}
	if (hlen > 255) {
		set_err(err, errlen, "host name too long (%zu bytes, at most 255)",
			hlen);
		return -EINVAL;
	}
	for (size_t i = 0; i < hlen; i++) {
		if (!is_host_char(s[i])) {
			show(shown, sizeof(shown), s + i, 1);
			set_err(err, errlen, "invalid character \"%s\" in host name",
				shown);
			return -EINVAL;
		}
	}
	if (all_digits_and_dots(s, hlen)) {
		if (!parse_addr(AF_INET, s, hlen, addr)) {
			show(shown, sizeof(shown), s, hlen);
			set_err(err, errlen, "bad IPv4 address \"%s\" in host",
				shown);
			return -EINVAL;
		}
		family = AF_INET;
	}
	memcpy(p->host, s, hlen);
	p->host[hlen] = '\0';
	if (colon != NULL) {
		rc = url_port(colon + 1, n - hlen - 1, p, err, errlen);
		if (rc < 0)
			return rc;
	}

out_addr:
	if (family != 0)
		proxy_set_addr(p, family, addr, 0);
	return 0;
}

int
config_parse_url(const char *url, struct config_proxy *p, char *err,
		 size_t errlen)
{
	const struct config_scheme *scheme = NULL;
	char shown[CONFIG_SHOW_BUF];
	const char *rest, *end, *at, *host, *host_end;
	size_t len, slen = 0;
	int rc = -EINVAL;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (p == NULL) {
		set_err(err, errlen, "no place to store the proxy");
		return -EINVAL;
	}
	memset(p, 0, sizeof(*p));
	if (url == NULL || url[0] == '\0') {
		set_err(err, errlen, "empty proxy URL");
		return -EINVAL;
	}
	len = strlen(url);
	end = url + len;

	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://". */
	if (is_alpha(url[0])) {
		slen = 1;
		while (slen < len &&
		       (is_alpha(url[slen]) || is_digit(url[slen]) ||
			url[slen] == '+' || url[slen] == '-' || url[slen] == '.'))
			slen++;
	}
	if (slen == 0 || len - slen < 3 || memcmp(url + slen, "://", 3) != 0) {
		set_err(err, errlen,
			"missing scheme (use socks4://, socks4a://, socks5:// or socks5h://)");
		goto err_wipe;
	}
	for (size_t i = 0; i < SX_ARRAY_LEN(config_schemes); i++) {
		if (word_is(url, slen, config_schemes[i].name)) {
			scheme = &config_schemes[i];
			break;
		}
	}
	if (scheme == NULL) {
		show(shown, sizeof(shown), url, slen);
		set_err(err, errlen, "unsupported scheme \"%s\" (" CONFIG_SCHEMES_HINT ")",
			shown);
		goto err_wipe;
	}
	p->version = scheme->version;
	p->remote_dns = scheme->remote_dns;
	p->port = CONFIG_DEFAULT_PORT;
	rest = url + slen + 3;

	/*
	 * The last '@' ends the user information, so a password may hold a
	 * raw '@'.  Everything before it is secret and never shown.
	 */
	host = rest;
	at = memrchr(rest, '@', (size_t)(end - rest));
	if (at != NULL) {
		rc = parse_userinfo(rest, (size_t)(at - rest), p, err, errlen);
		if (rc < 0)
			goto err_wipe;
		host = at + 1;
	}

	host_end = host + strcspn(host, "/?#");
	if (host_end != end && !(host_end[0] == '/' && host_end + 1 == end)) {
		set_err(err, errlen,
			"unexpected path, query or fragment after the host (only a trailing '/' is allowed)");
		rc = -EINVAL;
		goto err_wipe;
	}
	rc = url_host(host, (size_t)(host_end - host), p, err, errlen);
	if (rc < 0)
		goto err_wipe;
	return 0;

err_wipe:
	explicit_bzero(p, sizeof(*p));
	return -EINVAL;
}

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
	if (!parse_addr(v6 ? AF_INET6 : AF_INET, s, n, e->addr))
		return v6 ? "bad IPv6 address" : "bad IPv4 address";
	e->kind = CONFIG_NP_CIDR;
	e->family = v6 ? AF_INET6 : AF_INET;
	prefix = v6 ? 128 : 32;
	if (pfx != NULL) {
		why = parse_prefix(pfx, pfxlen, prefix, &prefix);
		if (why != NULL)
			return why;
	}
	e->prefix = (uint8_t)prefix;
	mask_host_bits(e->addr, v6 ? 16 : 4, prefix);
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
	enum port_fault fault;
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
		fault = parse_port(after + 1, (size_t)(end - after - 1), &port);
		if (fault != PORT_OK)
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
		if (!is_host_char(s[i]))
			return "invalid character in host name";
		if (s[i] == '.' && (i == 0 || s[i - 1] == '.'))
			return "empty label in host name";
		name_buf[i] = ascii_lower(s[i]);
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
	enum port_fault fault;
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
		fault = parse_port(colon + 1, n - hlen - 1, &port);
		if (fault != PORT_OK)
			return np_port_why[fault];
	}
	if (hlen == 0)
		return "empty host name";
	if (is_digit(s[0]) && all_digits_and_dots(s, hlen))
		why = np_cidr(s, hlen, NULL, 0, e);
	else
		why = np_name(s, hlen, e, name_buf);
	if (why != NULL)
		return why;
	e->port = port;
	return NULL;
}

int
config_parse_noproxy(const char *list, struct config_noproxy **out,
		     size_t *count, char *err, size_t errlen)
{
	char shown[CONFIG_SHOW_BUF];
	struct config_noproxy *np;
	size_t len, n = 0, k = 0, i;
	char *names;
	const char *why;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (out == NULL || count == NULL) {
		set_err(err, errlen, "no place to store the list");
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
	if (n > CONFIG_NOPROXY_ENTRIES_MAX) {
		set_err(err, errlen, "too many entries (%zu, at most %d)", n,
			CONFIG_NOPROXY_ENTRIES_MAX);
		return -EINVAL;
	}

	/*
	 * One block: the entries, then their names.  A name is never longer
	 * than its entry, so the list's length plus one NUL per entry is
	 * enough, and config_free_noproxy() has one pointer to free.
	 */
	np = malloc(n * sizeof(*np) + len + n);
	if (np == NULL) {
		set_err(err, errlen, "out of memory for %zu entries", n);
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
			show(shown, sizeof(shown), list + start, i - start);
			set_err(err, errlen, "%s in entry \"%s\"", why, shown);
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
config_free_noproxy(struct config_noproxy *np, size_t count)
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
	if (!ascii_equal_nocase(tail, e->name, e->name_len))
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
	if (parse_addr(AF_INET, name, len, b))
		np_addr_from_bytes(a, AF_INET, b);
	else if (parse_addr(AF_INET6, name, len, b))
		np_addr_from_bytes(a, AF_INET6, b);
}

static bool
np_cidr_matches(const struct config_noproxy *e, const struct np_addr *a)
{
	if (e->family == AF_INET)
		return a->has4 && prefix_equal(a->a4, e->addr, e->prefix);
	return a->has6 && prefix_equal(a->a6, e->addr, e->prefix);
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
config_noproxy_matches(const struct config *cfg, const char *name,
		       const struct sockaddr *sa, socklen_t salen)
{
	struct np_addr by_sa;
	int port;

	memset(&by_sa, 0, sizeof(by_sa));
	port = np_addr_from_sockaddr(&by_sa, sa, salen);
	return np_matches(cfg, name, &by_sa, port);
}

bool
config_noproxy_matches_name(const struct config *cfg, const char *name,
			    int port)
{
	struct np_addr none;

	if (name == NULL)
		return false;
	memset(&none, 0, sizeof(none));
	return np_matches(cfg, name, &none, port >= 1 && port <= 65535 ? port : -1);
}

static void fail(struct config *cfg, const char *var, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record what is wrong with var; the first error wins. */
static void
fail(struct config *cfg, const char *var, const char *fmt, ...)
{
	size_t n;
	va_list ap;
	int w;

	if (!cfg->valid)
		return;
	cfg->valid = false;
	w = snprintf(cfg->error, sizeof(cfg->error), "%s: ", var);
	if (w < 0 || (size_t)w >= sizeof(cfg->error))
		return;
	n = (size_t)w;
	va_start(ap, fmt);
	vsnprintf(cfg->error + n, sizeof(cfg->error) - n, fmt, ap);
	va_end(ap);
}

/*
 * A value from the environment, or NULL when unset or empty (or too long,
 * or not UTF-8: then cfg records why).  Only the length is shown, never
 * the value, so this is safe for proxy URLs too.
 */
static const char *
env_value(struct config *cfg, char *(*get)(const char *), const char *var,
	  size_t max)
{
	const char *v = get(var);
	size_t n;

	if (v == NULL || v[0] == '\0')
		return NULL;
	n = strnlen(v, max + 1);
	if (n > max) {
		fail(cfg, var, "value too long (more than %zu bytes)", max);
		return NULL;
	}
	if (!is_utf8(v, n)) {
		fail(cfg, var, "value is not valid UTF-8");
		return NULL;
	}
	return v;
}

/* A knob's value shown in an error: short, escaped, one line. */
static void
fail_value(struct config *cfg, const char *var, const char *v,
	   const char *why)
{
	char shown[CONFIG_SHOW_BUF];

	show(shown, sizeof(shown), v, strlen(v));
	fail(cfg, var, "\"%s\" %s", shown, why);
}

static void
load_log_level(struct config *cfg, char *(*get)(const char *))
{
	static const char *const words[] = { "none", "error", "warn", "info",
					     "debug" };
	const char *v = env_value(cfg, get, "SOCKSIFY_LOG", CONFIG_KNOB_MAX);
	size_t n;

	if (v == NULL)
		return;
	n = strlen(v);
	if (n == 1 && v[0] >= '0' && v[0] <= '4') {
		cfg->log_level = v[0] - '0';
		return;
	}
	for (size_t i = 0; i < SX_ARRAY_LEN(words); i++) {
		if (word_is(v, n, words[i])) {
			cfg->log_level = (int)i;
			return;
		}
	}
	fail_value(cfg, "SOCKSIFY_LOG", v,
		   "is not a log level (none, error, warn, info, debug or 0-4)");
}

/* The value starts with a scheme that names SOCKS ("socks5h://..."). */
static bool
has_socks_scheme(const char *v)
{
	size_t n = 0;

	while (is_alpha(v[n]) || is_digit(v[n]))
		n++;
	return n >= 5 && ascii_equal_nocase(v, "socks", 5) &&
	       strncmp(v + n, "://", 3) == 0;
}

/*
 * SOCKS_PROXY, else the first of ALL_PROXY and all_proxy that names a
 * SOCKS scheme: those two also serve other tools with http:// proxies,
 * which are not ours to use.  Returns the variable used, or NULL.
 */
static const char *
load_proxy(struct config *cfg, char *(*get)(const char *))
{
	static const char *const fallbacks[] = { "ALL_PROXY", "all_proxy" };
	struct config_proxy p;
	char err[CONFIG_ERR_LEN];
	const char *var = "SOCKS_PROXY";
	const char *raw = get(var);
	const char *v;

	if (raw == NULL || raw[0] == '\0') {
		var = NULL;
		for (size_t i = 0; i < SX_ARRAY_LEN(fallbacks); i++) {
			raw = get(fallbacks[i]);
			if (raw != NULL && has_socks_scheme(raw)) {
				var = fallbacks[i];
				break;
			}
		}
		if (var == NULL)
			return NULL;
	}
	v = env_value(cfg, get, var, CONFIG_URL_MAX);
	if (v == NULL)
		return NULL;
	if (config_parse_url(v, &p, err, sizeof(err)) < 0) {
		fail(cfg, var, "%s", err);
		return NULL;
	}
	cfg->proxy = p;
	explicit_bzero(&p, sizeof(p));
	return var;
}

static void
load_noproxy(struct config *cfg, char *(*get)(const char *))
{
	char err[CONFIG_ERR_LEN];
	const char *var = "NO_PROXY";
	const char *raw = get(var);
	const char *v;
	int rc;

	if (raw == NULL || raw[0] == '\0')
		var = "no_proxy";
	v = env_value(cfg, get, var, CONFIG_NOPROXY_MAX);
	if (v == NULL)
		return;
	rc = config_parse_noproxy(v, &cfg->noproxy, &cfg->noproxy_count, err,
				  sizeof(err));
	if (rc < 0)
		fail(cfg, var, "%s", err);
}

/*
 * Seconds with an optional decimal fraction, rounded up to whole
 * milliseconds: -EINVAL when not such a number, -ERANGE when not in
 * (0, 3600].
 */
static int
parse_timeout_ms(const char *s, int *ms)
{
	unsigned long whole = 0, frac = 0, total;
	bool digits = false, beyond = false;
	unsigned int frac_digits = 0;
	size_t i = 0;

	for (; is_digit(s[i]); i++) {
		digits = true;
		if (whole <= CONFIG_TIMEOUT_MAX_S)
			whole = whole * 10 + (unsigned long)(s[i] - '0');
	}
	if (s[i] == '.') {
		for (i++; is_digit(s[i]); i++) {
			digits = true;
			if (frac_digits < 3) {
				frac = frac * 10 + (unsigned long)(s[i] - '0');
				frac_digits++;
			} else if (s[i] != '0') {
				beyond = true;
			}
		}
	}
	if (!digits || s[i] != '\0')
		return -EINVAL;
	for (; frac_digits < 3; frac_digits++)
		frac *= 10;
	if (whole > CONFIG_TIMEOUT_MAX_S)
		return -ERANGE;
	total = whole * 1000 + frac + (beyond ? 1 : 0);
	if (total == 0 || total > CONFIG_TIMEOUT_MAX_MS)
		return -ERANGE;
	*ms = (int)total;
	return 0;
}

static void
load_timeout(struct config *cfg, char *(*get)(const char *))
{
	const char *v = env_value(cfg, get, "SOCKSIFY_TIMEOUT", CONFIG_KNOB_MAX);
	int rc;

	if (v == NULL)
		return;
	rc = parse_timeout_ms(v, &cfg->timeout_ms);
	if (rc == -EINVAL)
		fail_value(cfg, "SOCKSIFY_TIMEOUT", v,
			   "is not a number of seconds (such as 10 or 2.5)");
	else if (rc < 0)
		fail_value(cfg, "SOCKSIFY_TIMEOUT", v,
			   "out of range (more than 0, at most 3600 seconds)");
}

static void
load_bool(struct config *cfg, char *(*get)(const char *), const char *var,
	  bool *out)
{
	static const char *const no[] = { "0", "no", "off", "false" };
	static const char *const yes[] = { "1", "yes", "on", "true" };
	const char *v = env_value(cfg, get, var, CONFIG_KNOB_MAX);
	size_t n;

	if (v == NULL)
		return;
	n = strlen(v);
	for (size_t i = 0; i < SX_ARRAY_LEN(no); i++) {
		if (word_is(v, n, no[i])) {
			*out = false;
			return;
		}
		if (word_is(v, n, yes[i])) {
			*out = true;
			return;
		}
	}
	fail_value(cfg, var, v,
		   "is not a boolean (use 0/1, no/yes, off/on or false/true)");
}

/* One of two words, stored as 0 or 1. */
static void
load_choice(struct config *cfg, char *(*get)(const char *), const char *var,
	    const char *first, const char *second, int *out)
{
	char why[64];
	const char *v = env_value(cfg, get, var, CONFIG_KNOB_MAX);
	size_t n;

	if (v == NULL)
		return;
	n = strlen(v);
	if (word_is(v, n, first)) {
		*out = 0;
		return;
	}
	if (word_is(v, n, second)) {
		*out = 1;
		return;
	}
	snprintf(why, sizeof(why), "is not %s or %s", first, second);
	fail_value(cfg, var, v, why);
}

/*
 * A fake range: "address/prefix" of the family, prefix in [min, max], no
 * host bits, overlapping none of the forbidden blocks.
 */
static int
parse_fake_range(const char *s, int family, unsigned int min, unsigned int max,
		 const struct config_block *forbidden, size_t nforbidden,
		 uint8_t *net, uint8_t *prefix, char *err, size_t errlen)
{
	size_t alen = family == AF_INET ? 4 : 16;
	uint8_t addr[16], masked[16];
	const char *slash = strchr(s, '/');
	unsigned int bits;

	if (slash == NULL || !parse_addr(family, s, (size_t)(slash - s), addr) ||
	    parse_prefix(slash + 1, strlen(slash + 1), 128, &bits) != NULL) {
		set_err(err, errlen, "is not an %s CIDR block such as %s",
			family == AF_INET ? "IPv4" : "IPv6",
			family == AF_INET ? CONFIG_DEFAULT_FAKE_NET :
					    CONFIG_DEFAULT_FAKE_NET6);
		return -EINVAL;
	}
	if (bits < min || bits > max) {
		set_err(err, errlen, "has prefix length /%u, out of range %u-%u",
			bits, min, max);
		return -EINVAL;
	}
	memcpy(masked, addr, alen);
	mask_host_bits(masked, alen, bits);
	if (memcmp(masked, addr, alen) != 0) {
		set_err(err, errlen, "has host bits set after /%u", bits);
		return -EINVAL;
	}
	for (size_t i = 0; i < nforbidden; i++) {
		const struct config_block *b = &forbidden[i];

		if (prefix_equal(addr, b->addr, bits < b->prefix ? bits : b->prefix)) {
			set_err(err, errlen, "overlaps %s", b->what);
			return -EINVAL;
		}
	}
	memcpy(net, addr, alen);
	*prefix = (uint8_t)bits;
	return 0;
}

static void
load_fake_net(struct config *cfg, char *(*get)(const char *), const char *var,
	      int family)
{
	char err[CONFIG_ERR_LEN];
	const char *v = env_value(cfg, get, var, CONFIG_KNOB_MAX);
	int rc;

	if (v == NULL)
		return;
	if (family == AF_INET)
		rc = parse_fake_range(v, AF_INET, CONFIG_FAKE_PREFIX_MIN,
				      CONFIG_FAKE_PREFIX_MAX,
				      config_fake_forbidden,
				      SX_ARRAY_LEN(config_fake_forbidden),
				      cfg->fake_net, &cfg->fake_prefix, err,
				      sizeof(err));
	else
		rc = parse_fake_range(v, AF_INET6, CONFIG_FAKE_PREFIX6_MIN,
				      CONFIG_FAKE_PREFIX6_MAX,
				      config_fake6_forbidden,
				      SX_ARRAY_LEN(config_fake6_forbidden),
				      cfg->fake_net6, &cfg->fake_prefix6, err,
				      sizeof(err));
	if (rc < 0)
		fail_value(cfg, var, v, err);
}

/* Resolve the proxy's host name once, and keep the first address. */
static void
resolve_proxy(struct config *cfg, const struct sx_sys *sys, const char *var)
{
	struct config_proxy *p = &cfg->proxy;
	struct addrinfo hints, *res = NULL;
	char shown[CONFIG_SHOW_BUF];
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	int rc;

	show(shown, sizeof(shown), p->host, strlen(p->host));
	if (sys == NULL || sys->getaddrinfo == NULL) {
		fail(cfg, var, "cannot resolve proxy host \"%s\": no resolver",
		     shown);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = sys->getaddrinfo(p->host, NULL, &hints, &res);
	if (rc != 0) {
		fail(cfg, var, "cannot resolve proxy host \"%s\": %s", shown,
		     gai_strerror(rc));
		return;
	}
	if (res == NULL || res->ai_addr == NULL ||
	    (res->ai_family == AF_INET && res->ai_addrlen < sizeof(sin)) ||
	    (res->ai_family == AF_INET6 && res->ai_addrlen < sizeof(sin6)) ||
	    (res->ai_family != AF_INET && res->ai_family != AF_INET6)) {
		fail(cfg, var, "cannot resolve proxy host \"%s\": no usable address",
		     shown);
		goto out_free;
	}
	if (res->ai_family == AF_INET) {
		memcpy(&sin, res->ai_addr, sizeof(sin));
		proxy_set_addr(p, AF_INET, (const uint8_t *)&sin.sin_addr, 0);
	} else {
		memcpy(&sin6, res->ai_addr, sizeof(sin6));
		/* A link-local proxy keeps the interface it was found on. */
		proxy_set_addr(p, AF_INET6, sin6.sin6_addr.s6_addr,
			       sin6.sin6_scope_id);
	}

out_free:
	if (res != NULL && sys->freeaddrinfo != NULL)
		sys->freeaddrinfo(res);
}

static void
load_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->valid = true;
	cfg->log_level = LOG_LEVEL_WARN;
	cfg->timeout_ms = CONFIG_DEFAULT_TIMEOUT_MS;
	cfg->pipeline = false;
	cfg->udp_mode = CONFIG_UDP_PROXY;
	cfg->packet_mode = CONFIG_PACKET_REFUSE;
	cfg->loopback_mode = CONFIG_LOOPBACK_DIRECT;
	cfg->hosts_file = true;
	config_parse_url(CONFIG_DEFAULT_URL, &cfg->proxy, NULL, 0);
	parse_fake_range(CONFIG_DEFAULT_FAKE_NET, AF_INET,
			 CONFIG_FAKE_PREFIX_MIN, CONFIG_FAKE_PREFIX_MAX,
			 config_fake_forbidden,
			 SX_ARRAY_LEN(config_fake_forbidden), cfg->fake_net,
			 &cfg->fake_prefix, NULL, 0);
	parse_fake_range(CONFIG_DEFAULT_FAKE_NET6, AF_INET6,
			 CONFIG_FAKE_PREFIX6_MIN, CONFIG_FAKE_PREFIX6_MAX,
			 config_fake6_forbidden,
			 SX_ARRAY_LEN(config_fake6_forbidden), cfg->fake_net6,
			 &cfg->fake_prefix6, NULL, 0);
}

void
config_load(struct config *cfg, const struct sx_sys *sys,
	    char *(*get)(const char *))
{
	const char *proxy_var;
	int udp_mode, packet_mode, loopback_mode;

	if (cfg == NULL)
		return;
	load_defaults(cfg);
	if (get == NULL)
		return;

	/* The log level first, so that the caller can report the rest. */
	load_log_level(cfg, get);
	proxy_var = load_proxy(cfg, get);
	load_noproxy(cfg, get);
	load_timeout(cfg, get);
	load_bool(cfg, get, "SOCKSIFY_PIPELINE", &cfg->pipeline);
	udp_mode = cfg->udp_mode;
	load_choice(cfg, get, "SOCKSIFY_UDP", "proxy", "direct", &udp_mode);
	cfg->udp_mode = udp_mode == 0 ? CONFIG_UDP_PROXY : CONFIG_UDP_DIRECT;
	packet_mode = cfg->packet_mode == CONFIG_PACKET_REFUSE ? 0 : 1;
	load_choice(cfg, get, "SOCKSIFY_PACKET", "refuse", "direct", &packet_mode);
	cfg->packet_mode = packet_mode == 0 ? CONFIG_PACKET_REFUSE :
					      CONFIG_PACKET_DIRECT;
	loopback_mode = cfg->loopback_mode == CONFIG_LOOPBACK_DIRECT ? 0 : 1;
	load_choice(cfg, get, "SOCKSIFY_LOOPBACK", "direct", "proxy",
		    &loopback_mode);
	cfg->loopback_mode = loopback_mode == 0 ? CONFIG_LOOPBACK_DIRECT :
						  CONFIG_LOOPBACK_PROXY;
	load_bool(cfg, get, "SOCKSIFY_HOSTS", &cfg->hosts_file);
	load_fake_net(cfg, get, "SOCKSIFY_FAKE_NET", AF_INET);
	load_fake_net(cfg, get, "SOCKSIFY_FAKE_NET6", AF_INET6);

	/* No name lookups for a configuration that will not be used. */
	if (cfg->valid && proxy_var != NULL && cfg->proxy.addrlen == 0)
		resolve_proxy(cfg, sys, proxy_var);
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	config_free_noproxy(cfg->noproxy, cfg->noproxy_count);
	cfg->noproxy = NULL;
	cfg->noproxy_count = 0;
	explicit_bzero(cfg->proxy.pass, sizeof(cfg->proxy.pass));
}

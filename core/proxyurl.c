/*
 * A proxy URL in curl's socks schemes, socks4://, socks4a://, socks5:// and
 * socks5h://, or http:// (an HTTP CONNECT proxy), with an optional user name and password and an optional
 * port, into struct config_proxy.  The parser is bounds-first and never
 * echoes a user name or a password: an error names what is wrong and shows
 * at most a short, escaped piece of a part that cannot hold credentials.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "cidr.h"
#include "proxyurl.h"
#include "text.h"

#define PROXYURL_SCHEMES_HINT "use socks4, socks4a, socks5, socks5h or http"

struct proxyurl_scheme {
	const char *name;
	int version;
	bool remote_dns;
};

static const struct proxyurl_scheme proxyurl_schemes[] = {
	{ "socks4", 4, false },
	{ "socks4a", 4, true },
	{ "socks5", 5, false },
	{ "socks5h", 5, true },
	{ "http", CONFIG_HTTP_CONNECT, true },
};

/* Worded to follow the word: "port <why>". */
static const char *const url_port_why[] = {
	[TEXT_PORT_EMPTY] = "is empty",
	[TEXT_PORT_NOT_DECIMAL] = "is not a decimal number",
	[TEXT_PORT_OUT_OF_RANGE] = "out of range 1-65535",
};

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
				text_set_err(err, errlen,
					     "bad percent escape in the %s",
					     what);
				return -EINVAL;
			}
			hi = text_hex_value(s[i + 1]);
			lo = text_hex_value(s[i + 2]);
			if (hi < 0 || lo < 0) {
				text_set_err(err, errlen,
					     "bad percent escape in the %s",
					     what);
				return -EINVAL;
			}
			c = (unsigned char)(hi * 16 + lo);
			if (c == 0) {
				text_set_err(err, errlen,
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
		text_set_err(err, errlen,
			     "%s too long (%zu bytes, at most 255)", what, len);
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
			text_set_err(err, errlen,
				     "'/', '?' or '#' before '@': percent-encode it in the user name or password");
			return -EINVAL;
		}
		if (c <= 0x20 || c == 0x7f) {
			text_set_err(err, errlen,
				     "space or control character in the user name or password: percent-encode it");
			return -EINVAL;
		}
	}

	colon = memchr(s, ':', n);
	ulen = colon != NULL ? (size_t)(colon - s) : n;
	if (ulen == 0) {
		text_set_err(err, errlen, "empty user name before '@'");
		return -EINVAL;
	}
	if (colon != NULL && p->version == 4 && colon + 1 < s + n) {
		text_set_err(err, errlen,
			     "SOCKS4 has no password (use socks4://user@host)");
		return -EINVAL;
	}
	rc = decode_userinfo(s, ulen, p->user, "user name", err, errlen);
	if (rc < 0)
		return rc;
	/* Basic authentication (RFC 7617) ends the user name at the first ':'. */
	if (p->version == CONFIG_HTTP_CONNECT && strchr(p->user, ':') != NULL) {
		text_set_err(err, errlen,
			     "the user name of an HTTP proxy cannot hold ':' (%%3A)");
		return -EINVAL;
	}
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

void
proxyurl_set_addr(struct config_proxy *p, int family, const uint8_t *addr,
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
	enum text_port_fault fault;

	if (n == 0) {
		text_set_err(err, errlen, "empty port after ':'");
		return -EINVAL;
	}
	fault = text_parse_port(s, n, &p->port);
	if (fault != TEXT_PORT_OK) {
		text_set_err(err, errlen, "port %s", url_port_why[fault]);
		return -EINVAL;
	}
	return 0;
}

/* "[v6]" with an optional ":port". */
static int
url_bracket_host(const char *s, size_t n, struct config_proxy *p, int *family,
		 uint8_t *addr, char *err, size_t errlen)
{
	char shown[TEXT_SHOW_BUF];
	const char *rb = memchr(s, ']', n);
	const char *in = s + 1;
	size_t inlen, after;

	if (rb == NULL) {
		text_set_err(err, errlen, "unterminated '[' in host");
		return -EINVAL;
	}
	inlen = (size_t)(rb - in);
	after = (size_t)(s + n - rb - 1);
	if (inlen == 0) {
		text_set_err(err, errlen, "empty '[]' in host");
		return -EINVAL;
	}
	if (memchr(in, '%', inlen) != NULL) {
		text_set_err(err, errlen,
			     "IPv6 zone index in host is not supported (drop the %%25 part)");
		return -EINVAL;
	}
	if (!cidr_parse_addr(AF_INET6, in, inlen, addr)) {
		text_show(shown, sizeof(shown), in, inlen);
		text_set_err(err, errlen, "bad IPv6 address \"%s\" in host",
			     shown);
		return -EINVAL;
	}
	if (after > 0 && rb[1] != ':') {
		text_show(shown, sizeof(shown), rb + 1, after);
		text_set_err(err, errlen, "unexpected \"%s\" after ']' in host",
			     shown);
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
	char shown[TEXT_SHOW_BUF];
	uint8_t addr[16];
	const char *colon;
	size_t hlen;
	int family = 0;
	int rc;

	if (n == 0) {
		text_set_err(err, errlen, "empty host");
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
		text_set_err(err, errlen,
			     "more than one ':' in host (an IPv6 address goes in brackets, as in [::1]:1080)");
		return -EINVAL;
	}
	if (hlen == 0) {
		text_set_err(err, errlen, "empty host");
		return -EINVAL;
	}
	if (hlen > 255) {
		text_set_err(err, errlen,
			     "host name too long (%zu bytes, at most 255)",
			     hlen);
		return -EINVAL;
	}
	for (size_t i = 0; i < hlen; i++) {
		if (!text_is_host_char(s[i])) {
			text_show(shown, sizeof(shown), s + i, 1);
			text_set_err(err, errlen,
				     "invalid character \"%s\" in host name",
				     shown);
			return -EINVAL;
		}
	}
	if (text_all_digits_and_dots(s, hlen)) {
		if (!cidr_parse_addr(AF_INET, s, hlen, addr)) {
			text_show(shown, sizeof(shown), s, hlen);
			text_set_err(err, errlen,
				     "bad IPv4 address \"%s\" in host", shown);
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
		proxyurl_set_addr(p, family, addr, 0);
	return 0;
}

int
proxyurl_parse(const char *url, struct config_proxy *p, char *err,
	       size_t errlen)
{
	const struct proxyurl_scheme *scheme = NULL;
	char shown[TEXT_SHOW_BUF];
	const char *rest, *end, *at, *host, *host_end;
	size_t len, slen = 0;
	int rc = -EINVAL;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (p == NULL) {
		text_set_err(err, errlen, "no place to store the proxy");
		return -EINVAL;
	}
	memset(p, 0, sizeof(*p));
	if (url == NULL || url[0] == '\0') {
		text_set_err(err, errlen, "empty proxy URL");
		return -EINVAL;
	}
	len = strlen(url);
	end = url + len;

	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), then "://". */
	if (text_is_alpha(url[0])) {
		slen = 1;
		while (slen < len &&
		       (text_is_alpha(url[slen]) || text_is_digit(url[slen]) ||
			url[slen] == '+' || url[slen] == '-' ||
			url[slen] == '.'))
			slen++;
	}
	if (slen == 0 || len - slen < 3 || memcmp(url + slen, "://", 3) != 0) {
		text_set_err(err, errlen,
			     "missing scheme (use socks4://, socks4a://, socks5://, socks5h:// or http://)");
		goto err_wipe;
	}
	for (size_t i = 0; i < SX_ARRAY_LEN(proxyurl_schemes); i++) {
		if (text_word_is(url, slen, proxyurl_schemes[i].name)) {
			scheme = &proxyurl_schemes[i];
			break;
		}
	}
	if (scheme == NULL && text_word_is(url, slen, "https")) {
		text_set_err(err, errlen,
			     "https:// (TLS to the proxy) is not supported: use http:// for an HTTP proxy");
		goto err_wipe;
	}
	if (scheme == NULL) {
		text_show(shown, sizeof(shown), url, slen);
		text_set_err(err, errlen,
			     "unsupported scheme \"%s\" (" PROXYURL_SCHEMES_HINT ")",
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
		text_set_err(err, errlen,
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

void
proxyurl_wipe_password(struct config_proxy *p)
{
	explicit_bzero(p->pass, sizeof(p->pass));
}

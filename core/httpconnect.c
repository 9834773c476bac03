/*
 * HTTP CONNECT, the tunnel an HTTP proxy opens to host:port:
 *
 *   client                                        proxy
 *   CONNECT host:port HTTP/1.1 CRLF
 *   Host: host:port CRLF
 *   [Proxy-Authorization: Basic base64(user ":" password) CRLF]
 *   CRLF                                            ->
 *                        <-  HTTP/1.1 200 Connection established CRLF
 *                            *( header-field CRLF )
 *                            CRLF
 *                            then the tunnel's bytes, both ways
 *
 * Any 2xx status opens the tunnel, and the header fields of a 2xx answer
 * mean nothing (RFC 9110 section 9.3.6: Content-Length and
 * Transfer-Encoding are ignored there).  Any other final status refuses;
 * a body that may follow a refusal is never read, as the connection is
 * dropped.  Interim 1xx answers are skipped.  Host names always go to the
 * proxy, which resolves them; IPv6 addresses go in brackets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "httpconnect.h"

static const char httpconnect_b64[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Append n bytes of s at *off; false when buf has no room. */
static bool
put(uint8_t *buf, size_t cap, size_t *off, const void *s, size_t n)
{
	if (cap - *off < n)
		return false;
	memcpy(buf + *off, s, n);
	*off += n;
	return true;
}

static bool
put_str(uint8_t *buf, size_t cap, size_t *off, const char *s)
{
	return put(buf, cap, off, s, strlen(s));
}

/* The base64 of in[0..n) (RFC 4648, padded) at *off. */
static bool
put_base64(uint8_t *buf, size_t cap, size_t *off, const uint8_t *in, size_t n)
{
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)in[i] << 16;
		size_t left = n - i;
		char q[4];

		if (left > 1)
			v |= (uint32_t)in[i + 1] << 8;
		if (left > 2)
			v |= in[i + 2];
		q[0] = httpconnect_b64[(v >> 18) & 63];
		q[1] = httpconnect_b64[(v >> 12) & 63];
		q[2] = left > 1 ? httpconnect_b64[(v >> 6) & 63] : '=';
		q[3] = left > 2 ? httpconnect_b64[v & 63] : '=';
		if (!put(buf, cap, off, q, 4))
			return false;
	}
	return true;
}

/*
 * "host:port" as the request line and Host carry it: a name as it is, an
 * IPv4 address dotted, an IPv6 address in brackets.  A name must be one
 * token of visible characters: anything else could end the line.
 */
static int
format_authority(const struct sx_endpoint *dst, char *out, size_t cap)
{
	char addr[INET6_ADDRSTRLEN];
	int n;

	switch (dst->atyp) {
	case SX_ATYP_DOMAIN:
		if (dst->name_len == 0)
			return -EINVAL;
		for (size_t i = 0; i < dst->name_len; i++) {
			unsigned char c = (unsigned char)dst->name[i];

			if (c <= 0x20 || c >= 0x7f || c == '/' || c == '@')
				return -EINVAL;
		}
		n = snprintf(out, cap, "%.*s:%u", (int)dst->name_len, dst->name,
			     (unsigned)dst->port);
		break;
	case SX_ATYP_IPV4:
		inet_ntop(AF_INET, dst->addr, addr, sizeof(addr));
		n = snprintf(out, cap, "%s:%u", addr, (unsigned)dst->port);
		break;
	case SX_ATYP_IPV6:
		inet_ntop(AF_INET6, dst->addr, addr, sizeof(addr));
		n = snprintf(out, cap, "[%s]:%u", addr, (unsigned)dst->port);
		break;
	default:
		return -EINVAL;
	}
	if (n < 0 || (size_t)n >= cap)
		return -ENAMETOOLONG;
	return n;
}

/* "Proxy-Authorization: Basic ..." CRLF; the user:pass copy is wiped. */
static bool
put_basic_auth(uint8_t *buf, size_t cap, size_t *off, const char *user,
	       const char *pass)
{
	uint8_t pair[256 + 1 + 256];
	size_t ulen = strnlen(user, 256), plen = strnlen(pass, 256);
	bool fits;

	memcpy(pair, user, ulen);
	pair[ulen] = ':';
	memcpy(pair + ulen + 1, pass, plen);
	fits = put_str(buf, cap, off, "Proxy-Authorization: Basic ") &&
	       put_base64(buf, cap, off, pair, ulen + 1 + plen) &&
	       put_str(buf, cap, off, "\r\n");
	explicit_bzero(pair, sizeof(pair));
	return fits;
}

ssize_t
httpconnect_encode_request(uint8_t *buf, size_t cap,
			   const struct sx_endpoint *dst, const char *user,
			   const char *pass)
{
	char authority[256 + 8];
	size_t off = 0;
	int n;

	if (buf == NULL || dst == NULL)
		return -EINVAL;
	if (user != NULL && (strnlen(user, 256) > 255 ||
			     (pass != NULL && strnlen(pass, 256) > 255)))
		return -ENAMETOOLONG;
	if (user != NULL && strchr(user, ':') != NULL)
		return -EINVAL;
	n = format_authority(dst, authority, sizeof(authority));
	if (n < 0)
		return n;
	if (!put_str(buf, cap, &off, "CONNECT ") ||
	    !put(buf, cap, &off, authority, (size_t)n) ||
	    !put_str(buf, cap, &off, " HTTP/1.1\r\nHost: ") ||
	    !put(buf, cap, &off, authority, (size_t)n) ||
	    !put_str(buf, cap, &off, "\r\n"))
		goto err_nospace;
	if (user != NULL &&
	    !put_basic_auth(buf, cap, &off, user, pass != NULL ? pass : ""))
		goto err_nospace;
	if (!put_str(buf, cap, &off, "\r\n"))
		goto err_nospace;
	return (ssize_t)off;

err_nospace:
	/* What was written may hold the credentials. */
	explicit_bzero(buf, off < cap ? off : cap);
	return -ENOSPC;
}

/*
 * The status line: "HTTP/" DIGIT "." DIGIT SP 3DIGIT [SP reason-phrase].
 * The status, or -EPROTO.
 */
static int
parse_status_line(const char *line, size_t len)
{
	const char *d;

	if (len < 12 || memcmp(line, "HTTP/", 5) != 0 ||
	    !(line[5] >= '0' && line[5] <= '9') || line[6] != '.' ||
	    !(line[7] >= '0' && line[7] <= '9') || line[8] != ' ')
		return -EPROTO;
	d = line + 9;
	for (int i = 0; i < 3; i++)
		if (!(d[i] >= '0' && d[i] <= '9'))
			return -EPROTO;
	if (d[0] == '0' || (len > 12 && line[12] != ' '))
		return -EPROTO;
	return (d[0] - '0') * 100 + (d[1] - '0') * 10 + (d[2] - '0');
}

/* Start the next response (after an interim one): keep the count. */
static void
scan_restart(struct proxykind_scan *s)
{
	uint32_t seen = s->seen;

	memset(s, 0, sizeof(*s));
	s->seen = seen;
}

/* Keep byte c of the first line (cut to fit, CR dropped at its end). */
static int
scan_line_byte(struct proxykind_scan *s, uint8_t c, const char **why)
{
	static const char http[] = "HTTP/";

	if (c == '\n') {
		int status;

		if (s->line_len > 0 && s->line[s->line_len - 1] == '\r')
			s->line_len--;
		s->line[s->line_len] = '\0';
		status = parse_status_line(s->line, s->line_len);
		if (status < 0) {
			*why = "proxy sent something that is not an HTTP status line";
			return -EPROTO;
		}
		s->status = (uint16_t)status;
		s->line_done = true;
		return 0;
	}
	/* Say early when the answer is not HTTP at all (a SOCKS proxy). */
	if (s->seen <= sizeof(http) - 1 && c != (uint8_t)http[s->seen - 1]) {
		*why = "proxy did not answer in HTTP (is it an HTTP proxy?)";
		return -EPROTO;
	}
	if (s->line_len < sizeof(s->line) - 1)
		s->line[s->line_len++] = (char)c;
	return 0;
}

ssize_t
httpconnect_scan(struct proxykind_scan *s, const uint8_t *buf, size_t len,
		 const char **why)
{
	size_t i;

	*why = NULL;
	for (i = 0; i < len && !s->done; i++) {
		uint8_t c = buf[i];

		if (s->seen >= HTTPCONNECT_HEADER_MAX) {
			*why = "proxy's response header is longer than 16 KiB";
			return -EPROTO;
		}
		s->seen++;
		if (!s->line_done) {
			if (scan_line_byte(s, c, why) < 0)
				return -EPROTO;
			s->at_line_start = s->line_done;
			continue;
		}
		if (c == '\r')
			continue;
		if (c != '\n') {
			s->at_line_start = false;
			continue;
		}
		if (!s->at_line_start) {
			s->at_line_start = true;
			continue;
		}
		/* The empty line: the header ends with this byte. */
		if (s->status >= 100 && s->status < 200 && s->status != 101)
			scan_restart(s);
		else
			s->done = true;
	}
	return (ssize_t)i;
}

/*
 * The one table of statuses: the errno each stands for.  The proxy's own
 * reason phrase goes in the log line; these are the statuses proxies send
 * to a CONNECT (squid, tinyproxy, Apache, nginx, Privoxy, Tor's
 * HTTPTunnelPort).
 */
static const struct {
	uint16_t status;
	int err;
} httpconnect_statuses[] = {
	{ 400, EPROTO },	/* the proxy could not read the request */
	{ 401, EACCES },
	{ 403, EACCES },	/* forbidden by the proxy's rules */
	{ 404, EHOSTUNREACH },	/* no such host (the proxy's resolver) */
	{ 405, EOPNOTSUPP },	/* CONNECT not allowed there */
	{ 407, EACCES },	/* proxy authentication required or refused */
	{ 408, ETIMEDOUT },
	{ 500, ECONNREFUSED },	/* tinyproxy: "Unable to connect" */
	{ 501, EOPNOTSUPP },	/* CONNECT not implemented */
	{ 502, ECONNREFUSED },	/* the destination refused or failed */
	{ 503, ECONNREFUSED },	/* squid: the destination cannot be reached */
	{ 504, ETIMEDOUT },	/* the destination did not answer in time */
};

int
httpconnect_status_errno(unsigned status)
{
	if (status >= 200 && status < 300)
		return 0;
	for (size_t i = 0; i < SX_ARRAY_LEN(httpconnect_statuses); i++)
		if (httpconnect_statuses[i].status == status)
			return httpconnect_statuses[i].err;
	if (status >= 400 && status < 500)
		return EACCES;
	if (status >= 500 && status < 600)
		return EIO;
	return EPROTO;		/* 1xx, 3xx: no tunnel */
}

/* "proxy answered 403 Forbidden", the phrase made printable and cut. */
static void
scan_explain(struct proxykind_scan *s, const struct config_proxy *p)
{
	const char *hint = "";
	char phrase[80];
	size_t n = 0;

	for (size_t i = 13; i < s->line_len && n < sizeof(phrase) - 1; i++) {
		unsigned char c = (unsigned char)s->line[i];

		phrase[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	phrase[n] = '\0';
	/* A proxy that echoes the credentials does not get them logged. */
	if (p->has_auth &&
	    ((p->pass[0] && memmem(s->line, s->line_len, p->pass, strlen(p->pass))) ||
	     (p->user[0] && memmem(s->line, s->line_len, p->user, strlen(p->user)))))
		snprintf(phrase, sizeof(phrase),
			 "(reason phrase not shown: it holds the credentials)");
	/* tinyproxy answers a CONNECT with bad credentials 401, not 407. */
	if (s->status == 407 || s->status == 401)
		hint = p->has_auth ?
			" (the proxy rejected the user name or password)" :
			" (give user:password in the URL)";
	snprintf(s->why, sizeof(s->why), "proxy answered %u%s%s%s",
		 (unsigned)s->status, n > 0 ? " " : "", phrase, hint);
}

static ssize_t
httpconnect_step_request(uint8_t *buf, size_t cap, const struct config_proxy *p,
			 uint8_t cmd, const struct sx_endpoint *dst)
{
	(void)cmd;		/* only CONNECT: the row refuses the others */
	return httpconnect_encode_request(buf, cap, dst,
					  p->has_auth ? p->user : NULL, p->pass);
}

static ssize_t
httpconnect_step_reply_scan(struct proxykind_scan *s, const uint8_t *buf,
			    size_t len, const struct config_proxy *p,
			    struct proxykind_answer *a)
{
	const char *why;
	ssize_t n = httpconnect_scan(s, buf, len, &why);

	memset(a, 0, sizeof(*a));
	if (n < 0) {
		a->reason = why;
		return n;
	}
	if (!s->done)
		return n;
	a->code = (uint8_t)(s->status / 100);
	a->error = -httpconnect_status_errno(s->status);
	if (a->error) {
		scan_explain(s, p);
		a->reason = s->why;
	}
	return n;
}

const struct proxykind_steps httpconnect_steps = {
	.request = httpconnect_step_request,
	.reply_scan = httpconnect_step_reply_scan,
};

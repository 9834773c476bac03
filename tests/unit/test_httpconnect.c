/*
 * HTTP CONNECT (core/httpconnect.c): the request's exact bytes, with Basic
 * authentication as RFC 7617 spells it; the response scanner on whole,
 * split and malformed responses; the status table; and the handshake
 * against a scripted proxy whose recv() honours MSG_PEEK, which must take
 * the response header and leave every byte of the tunnel in the socket.
 *
 *   CONNECT host:port HTTP/1.1 CRLF Host: host:port CRLF
 *   [Proxy-Authorization: Basic base64(user:pass) CRLF] CRLF
 *   -> HTTP/1.1 200 reason CRLF *(field CRLF) CRLF  then the tunnel
 */
#include <errno.h>
#include <string.h>

#include "handshake.h"
#include "httpconnect.h"
#include "tap.h"

#define SOCK_FD 3

static const struct sx_endpoint ep_v4 = {
	.atyp = SX_ATYP_IPV4, .port = 80, .addr = { 192, 0, 2, 7 },
};
static const struct sx_endpoint ep_v6 = {
	.atyp = SX_ATYP_IPV6, .port = 443,
	.addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
};
static const struct sx_endpoint ep_name = {
	.atyp = SX_ATYP_DOMAIN, .port = 8080, .name_len = 8,
	.name = "web.test",
};

static void
test_encode(void)
{
	static const char want_v4[] =
		"CONNECT 192.0.2.7:80 HTTP/1.1\r\nHost: 192.0.2.7:80\r\n\r\n";
	static const char want_v6[] =
		"CONNECT [2001:db8::1]:443 HTTP/1.1\r\nHost: [2001:db8::1]:443\r\n\r\n";
	static const char want_auth[] =
		"CONNECT web.test:8080 HTTP/1.1\r\nHost: web.test:8080\r\n"
		"Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n\r\n";
	uint8_t buf[HTTPCONNECT_REQUEST_MAX + 1];
	struct sx_endpoint ep;
	char user[256], pass[256];
	ssize_t n;

	n = httpconnect_encode_request(buf, sizeof(buf), &ep_v4, NULL, NULL);
	is_int(n, sizeof(want_v4) - 1, "IPv4: the request's length");
	ok(n > 0 && memcmp(buf, want_v4, (size_t)n) == 0, "IPv4: dotted, with Host");
	n = httpconnect_encode_request(buf, sizeof(buf), &ep_v6, NULL, NULL);
	is_int(n, sizeof(want_v6) - 1, "IPv6: the request's length");
	ok(n > 0 && memcmp(buf, want_v6, (size_t)n) == 0, "IPv6: in brackets");
	/* RFC 7617 section 2's example credentials. */
	n = httpconnect_encode_request(buf, sizeof(buf), &ep_name, "Aladdin",
				       "open sesame");
	is_int(n, sizeof(want_auth) - 1, "a name with Basic credentials: length");
	ok(n > 0 && memcmp(buf, want_auth, (size_t)n) == 0,
	   "the name as given, and base64(user:password)");
	n = httpconnect_encode_request(buf, sizeof(buf), &ep_name, "a", "");
	ok(n > 0 && memmem(buf, (size_t)n, "Basic YTo=\r\n", 12) != NULL,
	   "an empty password: base64(\"a:\"), padded");

	ep = ep_name;
	strcpy(ep.name, "web test");
	is_int(httpconnect_encode_request(buf, sizeof(buf), &ep, NULL, NULL),
	       -EINVAL, "a name with a space is refused");
	strcpy(ep.name, "web\r\nX:y");
	ep.name_len = 9;
	is_int(httpconnect_encode_request(buf, sizeof(buf), &ep, NULL, NULL),
	       -EINVAL, "a name with CR LF cannot add a header line");
	ep.name_len = 0;
	is_int(httpconnect_encode_request(buf, sizeof(buf), &ep, NULL, NULL),
	       -EINVAL, "an empty name is refused");
	is_int(httpconnect_encode_request(buf, sizeof(buf), &ep_v4, "a:b", "c"),
	       -EINVAL, "a user name with ':' is refused");
	is_int(httpconnect_encode_request(buf, 20, &ep_v4, NULL, NULL), -ENOSPC,
	       "a short buffer is -ENOSPC");
	n = httpconnect_encode_request(buf, 60, &ep_v4, "user", "hunter2");
	is_int(n, -ENOSPC, "credentials that do not fit are -ENOSPC");
	ok(memmem(buf, 60, "aHVudGVy", 8) == NULL && buf[0] == 0,
	   "and what was written is wiped");

	/* The longest request fits the handshake's buffer. */
	memset(&ep, 0, sizeof(ep));
	ep.atyp = SX_ATYP_DOMAIN;
	ep.port = 65535;
	ep.name_len = 255;
	memset(ep.name, 'n', 255);
	memset(user, 'u', 255);
	user[255] = '\0';
	memset(pass, 'p', 255);
	pass[255] = '\0';
	n = httpconnect_encode_request(buf, sizeof(buf), &ep, user, pass);
	ok(n > 0 && n <= HTTPCONNECT_REQUEST_MAX,
	   "the longest request fits HTTPCONNECT_REQUEST_MAX");
	ok(HTTPCONNECT_REQUEST_MAX <= HS_OUT_MAX,
	   "which fits the handshake's output buffer");
}

/* Scan text in pieces of at most `piece` bytes; the total taken. */
static ssize_t
scan_pieces(struct proxykind_scan *s, const char *text, size_t len,
	    size_t piece, const char **why)
{
	size_t off = 0;

	memset(s, 0, sizeof(*s));
	while (off < len && !s->done) {
		size_t n = len - off < piece ? len - off : piece;
		ssize_t got = httpconnect_scan(s, (const uint8_t *)text + off, n, why);

		if (got < 0)
			return got;
		off += (size_t)got;
	}
	return (ssize_t)off;
}

static void
test_scan(void)
{
	static const char ok200[] =
		"HTTP/1.1 200 Connection established\r\nProxy-agent: x\r\n\r\nTUNNEL";
	static const char lf_only[] = "HTTP/1.0 200 OK\n\nSSH-2.0-x";
	static const char interim[] =
		"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\nDATA";
	static const char refused[] =
		"HTTP/1.1 407 Proxy Authentication Required\r\n"
		"Content-Length: 5\r\n\r\nbody.";
	struct proxykind_scan s;
	const char *why;
	size_t head = sizeof(ok200) - 1 - strlen("TUNNEL");
	ssize_t n;

	for (size_t piece = 1; piece <= sizeof(ok200); piece++) {
		char what[80];

		n = scan_pieces(&s, ok200, sizeof(ok200) - 1, piece, &why);
		snprintf(what, sizeof(what), "in pieces of %zu: takes the header alone",
			 piece);
		if (piece == 1 || piece == 7 || piece == sizeof(ok200)) {
			is_int(n, head, what);
			ok(s.done && s.status == 200, "and reads status 200");
		} else if (n != (ssize_t)head || !s.done) {
			ok(0, what);
		}
	}
	n = scan_pieces(&s, lf_only, sizeof(lf_only) - 1, 64, &why);
	is_int(n, sizeof(lf_only) - 1 - strlen("SSH-2.0-x"),
	       "bare LF line ends are understood");
	n = scan_pieces(&s, interim, sizeof(interim) - 1, 64, &why);
	is_int(n, sizeof(interim) - 1 - 4, "an interim 100 is skipped");
	is_int(s.status, 200, "for the final status");
	n = scan_pieces(&s, refused, sizeof(refused) - 1, 64, &why);
	is_int(n, sizeof(refused) - 1 - 5, "a refusal's body is not taken");
	is_int(s.status, 407, "status 407");
	is_str(s.line, "HTTP/1.1 407 Proxy Authentication Required",
	       "the status line kept without CR");

	memset(&s, 0, sizeof(s));
	n = httpconnect_scan(&s, (const uint8_t *)"\x05\x00", 2, &why);
	is_int(n, -EPROTO, "a SOCKS answer is not HTTP");
	ok(why && strstr(why, "HTTP proxy?"), "said early, before any line end");
	n = scan_pieces(&s, "HTTP/1.1 2000 OK\r\n\r\n", 20, 64, &why);
	is_int(n, -EPROTO, "a four-digit status is malformed");
	n = scan_pieces(&s, "HTTP/1.1 OK\r\n\r\n", 15, 64, &why);
	is_int(n, -EPROTO, "a status line without a status is malformed");
	ok(why && strstr(why, "status line"), "saying so");
	n = scan_pieces(&s, "HTTP/1.1 200\r\n\r\n", 16, 64, &why);
	ok(n == 16 && s.done && s.status == 200, "a status line without a phrase");

	{
		static char big[HTTPCONNECT_HEADER_MAX + 64];
		size_t len = 0;

		len += (size_t)snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\n");
		while (len < sizeof(big) - 1)
			big[len++] = 'x';
		n = scan_pieces(&s, big, len, 1000, &why);
		is_int(n, -EPROTO, "a header over 16 KiB is refused");
		ok(why && strstr(why, "16 KiB"), "saying why");
	}
}

static void
test_status(void)
{
	static const struct {
		unsigned status;
		int err;
	} table[] = {
		{ 200, 0 }, { 204, 0 }, { 101, EPROTO }, { 301, EPROTO },
		{ 400, EPROTO }, { 403, EACCES }, { 404, EHOSTUNREACH },
		{ 405, EOPNOTSUPP }, { 407, EACCES }, { 418, EACCES },
		{ 500, ECONNREFUSED }, { 502, ECONNREFUSED },
		{ 503, ECONNREFUSED }, { 504, ETIMEDOUT }, { 599, EIO },
	};

	for (size_t i = 0; i < SX_ARRAY_LEN(table); i++) {
		char what[64];

		snprintf(what, sizeof(what), "status %u", table[i].status);
		is_int(httpconnect_status_errno(table[i].status), table[i].err, what);
	}
}

/* The proxy's side for the handshake: what it sent, what was taken. */
static struct {
	const char *bytes;
	size_t len, off, avail;
	char sent[2048];
	size_t sent_len;
	int peeks;
} px;

static int
fake_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	(void)fd;
	(void)sa;
	(void)len;
	return 0;
}

static ssize_t
fake_send(int fd, const void *buf, size_t len, int flags)
{
	(void)fd;
	(void)flags;
	memcpy(px.sent + px.sent_len, buf, len);
	px.sent_len += len;
	return (ssize_t)len;
}

static ssize_t
fake_recv(int fd, void *buf, size_t len, int flags)
{
	size_t left = px.avail - px.off;

	(void)fd;
	if (left == 0) {
		if (px.avail == px.len)
			return 0;
		errno = EAGAIN;
		return -1;
	}
	if (len > left)
		len = left;
	memcpy(buf, px.bytes + px.off, len);
	if (flags & MSG_PEEK)
		px.peeks++;
	else
		px.off += len;
	return (ssize_t)len;
}

static const struct sx_sys fake_sys = {
	.connect = fake_connect,
	.send = fake_send,
	.recv = fake_recv,
};

static int
run_handshake(struct handshake *hs, struct config_proxy *p, const char *answer,
	      size_t step)
{
	int rc;

	memset(&px, 0, sizeof(px));
	px.bytes = answer;
	px.len = strlen(answer);
	handshake_init(hs, p, SOCKS5_CMD_CONNECT, &ep_name, false);
	rc = handshake_step(hs, &fake_sys, SOCK_FD);
	/* The answer arrives step bytes at a time, each a readiness event. */
	while (rc == SX_WANT_READ && px.avail < px.len) {
		px.avail += step;
		if (px.avail > px.len)
			px.avail = px.len;
		rc = handshake_step(hs, &fake_sys, SOCK_FD);
	}
	/* All of it is there, and then the proxy's end of the stream. */
	if (rc == SX_WANT_READ)
		rc = handshake_step(hs, &fake_sys, SOCK_FD);
	return rc;
}

static void
test_handshake(void)
{
	static const char answer[] =
		"HTTP/1.1 200 Connection established\r\n\r\nhello from the tunnel";
	static const char refusal[] =
		"HTTP/1.1 407 Proxy \x01uthentication Required\r\n"
		"Proxy-Authenticate: Basic realm=\"x\"\r\n\r\n";
	struct config_proxy p;
	struct handshake hs;
	int rc;

	memset(&p, 0, sizeof(p));
	p.version = CONFIG_HTTP_CONNECT;
	p.remote_dns = true;
	p.port = 3128;
	rc = run_handshake(&hs, &p, answer, 5);
	is_int(rc, SX_DONE, "a 200 answer split in 5-byte pieces opens the tunnel");
	is_str(px.sent, "CONNECT web.test:8080 HTTP/1.1\r\nHost: web.test:8080\r\n\r\n",
	       "the request names the host, for the proxy to resolve");
	is_int(px.off, strlen(answer) - strlen("hello from the tunnel"),
	       "exactly the header was taken: the tunnel's bytes stay");
	ok(px.peeks > 0, "the answer was peeked at before it was taken");

	rc = run_handshake(&hs, &p, answer, sizeof(answer));
	is_int(rc, SX_DONE, "in one piece, with the tunnel's first bytes");
	is_int(px.off, strlen(answer) - strlen("hello from the tunnel"),
	       "the same bytes taken");

	p.has_auth = true;
	strcpy(p.user, "alice");
	strcpy(p.pass, "hunter2");
	rc = run_handshake(&hs, &p, refusal, 7);
	is_int(rc, -EACCES, "407 is EACCES");
	is_str(handshake_reason(&hs),
	       "proxy answered 407 Proxy ?uthentication Required (the proxy rejected the user name or password)",
	       "the proxy's phrase, made printable, and what it means");
	ok(strstr(px.sent, "Proxy-Authorization: Basic YWxpY2U6aHVudGVyMg==\r\n") != NULL,
	   "the credentials went out as Basic");
	ok(strstr(handshake_reason(&hs), "hunter2") == NULL, "never the password");
	rc = run_handshake(&hs, &p, "HTTP/1.1 403 no hunter2 here\r\n\r\n", 100);
	is_str(handshake_reason(&hs),
	       "proxy answered 403 (reason phrase not shown: it holds the credentials)",
	       "a phrase that echoes the password is not shown");
	p.has_auth = false;
	rc = run_handshake(&hs, &p, refusal, 100);
	ok(strstr(handshake_reason(&hs), "(give user:password in the URL)") != NULL,
	   "without credentials, the hint to give them");

	p.has_auth = true;
	rc = run_handshake(&hs, &p, "HTTP/1.0 401 Unauthorized\r\n\r\n", 100);
	is_str(handshake_reason(&hs),
	       "proxy answered 401 Unauthorized (the proxy rejected the user name or password)",
	       "401 (tinyproxy's answer to bad credentials) says the same");
	p.has_auth = false;
	rc = run_handshake(&hs, &p, "", 1);
	is_int(rc, -ECONNREFUSED, "closed without an answer: refused");
	rc = run_handshake(&hs, &p, "HTTP/1.1 200 Conn", 4);
	is_int(rc, -ECONNRESET, "closed within the answer: reset");
	rc = run_handshake(&hs, &p, "HTTP/1.1 503 Service Unavailable\r\n\r\n", 9);
	is_int(rc, -ECONNREFUSED, "503: the destination could not be reached");
	is_str(handshake_reason(&hs), "proxy answered 503 Service Unavailable",
	       "in the proxy's words");
	{
		struct handshake copy;

		memcpy(&copy, &hs, sizeof(copy));
		memset(&hs, 0, sizeof(hs));
		is_str(handshake_reason(&copy), "proxy answered 503 Service Unavailable",
		       "a copy of the handshake says the same");
	}
}

int
main(void)
{
	test_encode();
	test_scan();
	test_status();
	test_handshake();
	return tap_done();
}

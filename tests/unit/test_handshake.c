/*
 * The CONNECT handshake (core/handshake.c) against a scripted proxy: a fake
 * struct sx_sys records every send() as it was made and hands out the
 * proxy's answers as the script says: all at once, a byte at a time, up to
 * a point and then EAGAIN, or up to a point and then EOF.  Every case checks
 * the exact bytes the client sent, call by call.
 *
 *   SOCKS4   VN 4 | CD | DSTPORT | DSTIP | USERID 0            -> 0 | CD | PORT | IP
 *   SOCKS4a  VN 4 | CD | DSTPORT | 0.0.0.1 | USERID 0 | NAME 0
 *   SOCKS5   05 01 METHOD -> 05 METHOD; [01 ULEN U PLEN P -> 01 STATUS];
 *            05 CMD 00 ATYP ADDR PORT -> 05 REP 00 ATYP ADDR PORT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "handshake.h"
#include "socks5.h"
#include "tap.h"

#define SOCK_FD 3

/* A byte string literal and its length, without the literal's NUL. */
#define V(s) (const uint8_t *)(s), (sizeof(s) - 1)

#define SENDS_MAX 8

/* What the client sent: every call apart, and all of it in a row. */
static struct {
	uint8_t bytes[1024];
	size_t len;
	size_t call_len[SENDS_MAX];
	int calls;
	int send_again;		/* this many sends say EAGAIN first */
} out;

/* What the proxy says: the script, how much of it is there, how it ends. */
static struct {
	const uint8_t *bytes;
	size_t len, off;
	size_t avail;		/* bytes the proxy has sent so far */
	size_t chunk;		/* at most this many bytes per recv (0: any) */
	bool eof;		/* past avail: EOF rather than EAGAIN */
	int connect_errno;	/* connect() fails with it (0: succeeds) */
	int connects;
} in;

static void
fake_reset(const uint8_t *s, size_t n)
{
	memset(&out, 0, sizeof(out));
	memset(&in, 0, sizeof(in));
	in.bytes = s;
	in.len = n;
	in.avail = n;
}

static int
fake_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	(void)sa;
	(void)len;
	in.connects++;
	if (fd != SOCK_FD) {
		errno = EBADF;
		return -1;
	}
	if (in.connect_errno) {
		errno = in.connect_errno;
		return -1;
	}
	return 0;
}

static ssize_t
fake_send(int fd, const void *buf, size_t len, int flags)
{
	(void)flags;
	if (fd != SOCK_FD) {
		errno = EBADF;
		return -1;
	}
	if (out.send_again > 0) {
		out.send_again--;
		errno = EAGAIN;
		return -1;
	}
	if (out.len + len > sizeof(out.bytes) || out.calls == SENDS_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(out.bytes + out.len, buf, len);
	out.len += len;
	out.call_len[out.calls++] = len;
	return (ssize_t)len;
}

static ssize_t
fake_recv(int fd, void *buf, size_t len, int flags)
{
	size_t left = in.avail - in.off;

	(void)flags;
	if (fd != SOCK_FD) {
		errno = EBADF;
		return -1;
	}
	if (left == 0) {
		if (in.eof)
			return 0;
		errno = EAGAIN;
		return -1;
	}
	if (len > left)
		len = left;
	if (in.chunk && len > in.chunk)
		len = in.chunk;
	memcpy(buf, in.bytes + in.off, len);
	in.off += len;
	return (ssize_t)len;
}

static const struct sx_sys fake_sys = {
	.connect = fake_connect,
	.send = fake_send,
	.recv = fake_recv,
};

/* Step as a driver would on each readiness event, until it settles. */
static int
step(struct handshake *hs)
{
	int rc = SX_WANT_READ;

	for (int i = 0; i < 600 && rc > 0; i++) {
		size_t off = in.off, sent = out.len;

		rc = handshake_step(hs, &fake_sys, SOCK_FD);
		/* Waiting with nothing new on either side: settled. */
		if (rc > 0 && in.off == off && out.len == sent &&
		    (in.off == in.avail || rc == SX_WANT_WRITE))
			break;
	}
	return rc;
}

static struct config_proxy
proxy(int version, bool remote_dns, const char *user, const char *pass)
{
	struct config_proxy p;
	struct sockaddr_in *sin = (struct sockaddr_in *)&p.addr;

	memset(&p, 0, sizeof(p));
	p.version = version;
	p.remote_dns = remote_dns;
	if (user) {
		p.has_auth = true;
		strcpy(p.user, user);
		strcpy(p.pass, pass ? pass : "");
	}
	strcpy(p.host, "192.0.2.1");
	p.port = 1080;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(1080);
	sin->sin_addr.s_addr = htonl(0xc0000201);
	p.addrlen = sizeof(*sin);
	return p;
}

/* 93.184.216.34:80, example.com:443 and [2001:db8::1]:443. */
static struct sx_endpoint
dst_v4(void)
{
	struct sx_endpoint e = { .atyp = SX_ATYP_IPV4, .port = 80,
				 .addr = { 93, 184, 216, 34 } };
	return e;
}

static struct sx_endpoint
dst_name(void)
{
	struct sx_endpoint e;

	memset(&e, 0, sizeof(e));
	sx_endpoint_from_name(&e, "example.com", 443);
	return e;
}

static struct sx_endpoint
dst_v6(void)
{
	struct sx_endpoint e = { .atyp = SX_ATYP_IPV6, .port = 443,
				 .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 } };
	return e;
}

/* The request bytes this file's SOCKS5 cases send for dst_v4(). */
#define S5_REQ_V4 "\x05\x01\x00\x01\x5d\xb8\xd8\x22\x00\x50"
/* A successful SOCKS5 reply naming 10.0.0.1:8080. */
#define S5_OK "\x05\x00\x00\x01\x0a\x00\x00\x01\x1f\x90"

static void
test_socks4(void)
{
	static const uint8_t bnd[4] = { 10, 0, 0, 1 };
	struct config_proxy p = proxy(4, false, "alice", NULL);
	struct sx_endpoint d = dst_v4();
	struct handshake hs;

	fake_reset(V("\x00\x5a\x1f\x90\x0a\x00\x00\x01"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), SX_DONE, "socks4: granted");
	is_int(out.calls, 1, "socks4: one message");
	is_int(out.len, 14, "socks4: VN CD DSTPORT DSTIP USERID NUL");
	is_bytes(out.bytes, "\x04\x01\x00\x50\x5d\xb8\xd8\x22" "alice\x00", 14,
		 "socks4: VN 4 CD 1 port 80 93.184.216.34 USERID alice");
	is_int(hs.bnd.atyp, SX_ATYP_IPV4, "socks4: BND is an address");
	is_bytes(hs.bnd.addr, bnd, 4, "socks4: BND 10.0.0.1");
	is_int(hs.bnd.port, 8080, "socks4: BND port 8080");

	/* CD 91: rejected or failed. */
	fake_reset(V("\x00\x5b\x00\x00\x00\x00\x00\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -ECONNREFUSED, "socks4: CD 91 is ECONNREFUSED");
	is_str(handshake_reason(&hs), "request rejected or failed", "socks4: CD 91 says so");
	is_int(hs.rep, 91, "socks4: the reply code is kept");

	/* CD 92 and 93: identd. */
	fake_reset(V("\x00\x5c\x00\x00\x00\x00\x00\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -EACCES, "socks4: CD 92 is EACCES");

	/* SOCKS4 cannot carry IPv6: refused before the proxy is even connected. */
	d = dst_v6();
	fake_reset(V(""));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -EAFNOSUPPORT, "socks4: IPv6 is EAFNOSUPPORT");
	is_str(handshake_reason(&hs), "SOCKS4 cannot carry IPv6 destinations",
	       "socks4: IPv6 says why");
	is_int(out.len, 0, "socks4: IPv6: nothing sent");
	is_int(in.connects, 0, "socks4: IPv6: no connection to the proxy");

	/* Nor UDP ASSOCIATE. */
	d = dst_v4();
	fake_reset(V(""));
	handshake_init(&hs, &p, SOCKS5_CMD_UDP_ASSOCIATE, &d, false);
	is_int(step(&hs), -EOPNOTSUPP, "socks4: UDP ASSOCIATE is EOPNOTSUPP");
	is_int(out.len, 0, "socks4: UDP ASSOCIATE: nothing sent");

	/* Pipelining changes nothing: there is one message anyway. */
	fake_reset(V("\x00\x5a\x1f\x90\x0a\x00\x00\x01"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, true);
	is_int(step(&hs), SX_DONE, "socks4 pipelined: granted");
	is_int(out.calls, 1, "socks4 pipelined: one message");
}

static void
test_socks4a(void)
{
	struct config_proxy p = proxy(4, true, NULL, NULL);
	struct sx_endpoint d = dst_name();
	struct handshake hs;

	fake_reset(V("\x00\x5a\x00\x00\x00\x00\x00\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), SX_DONE, "socks4a: granted");
	is_int(out.len, 9 + 12, "socks4a: request with the name");
	is_bytes(out.bytes, "\x04\x01\x01\xbb\x00\x00\x00\x01\x00" "example.com\x00", 21,
		 "socks4a: DSTIP 0.0.0.1, empty USERID, example.com");

	/* A byte at a time, and the bytes after the reply stay unread. */
	fake_reset(V("\x00\x5a\x00\x00\x00\x00\x00\x00" "HTTP/1.1"));
	in.chunk = 1;
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), SX_DONE, "socks4a byte by byte: granted");
	is_int(in.off, 8, "socks4a byte by byte: read the reply and no more");
	is_int(hs.in_len, 0, "socks4a byte by byte: nothing buffered");

	/* Garbage: an HTTP answer where the reply belongs. */
	fake_reset(V("HTTP/1.1 400 Bad Request\r\n"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -EPROTO, "socks4a: garbage is EPROTO");
	is_str(handshake_reason(&hs), "proxy sent a malformed SOCKS4 reply",
	       "socks4a: garbage says so");

	/* The proxy closes after half a reply. */
	fake_reset(V("\x00\x5a\x00\x00"));
	in.eof = true;
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -ECONNRESET, "socks4a: early close is ECONNRESET");
	is_str(handshake_reason(&hs), "proxy closed the connection during the handshake",
	       "socks4a: early close says so");
}

static void
test_socks5_noauth(void)
{
	struct config_proxy p = proxy(5, false, NULL, NULL);
	struct sx_endpoint d = dst_v4();
	struct handshake hs;
	uint8_t want[64];

	/* Lock-step: the greeting alone, then the request after the method. */
	fake_reset(V("\x05\x00"));
	in.avail = 0;
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), SX_WANT_READ, "socks5: waits for the method");
	is_int(out.calls, 1, "socks5: the greeting alone first");
	is_bytes(out.bytes, "\x05\x01\x00", 3, "socks5: greeting offers no-auth only");
	is_int(out.len, 3, "socks5: greeting is 3 bytes");
	in.bytes = (const uint8_t *)"\x05\x00" S5_OK;
	in.len = in.avail = 12;
	is_int(step(&hs), SX_DONE, "socks5: succeeded");
	is_int(out.calls, 2, "socks5: then the request, in its own send");
	is_int(out.call_len[1], 10, "socks5: request is 10 bytes");
	is_bytes(out.bytes + 3, S5_REQ_V4, 10, "socks5: CONNECT 93.184.216.34:80");
	is_int(hs.bnd.port, 8080, "socks5: BND port");

	/* A name and an IPv6 address as destinations. */
	d = dst_name();
	fake_reset(V("\x05\x00" S5_OK));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), SX_DONE, "socks5 name: succeeded");
	memcpy(want, "\x05\x01\x00" "\x05\x01\x00\x03\x0b" "example.com" "\x01\xbb", 21);
	is_int(out.len, 21, "socks5 name: greeting and request");
	is_bytes(out.bytes, want, 21, "socks5 name: ATYP 3, length 11, example.com, 443");
	d = dst_v6();
	fake_reset(V("\x05\x00" S5_OK));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), SX_DONE, "socks5 IPv6: succeeded");
	is_bytes(out.bytes + 3, "\x05\x01\x00\x04\x20\x01\x0d\xb8\x00\x00\x00\x00"
		 "\x00\x00\x00\x00\x00\x00\x00\x01\x01\xbb", 22,
		 "socks5 IPv6: ATYP 4, 2001:db8::1, 443");

	/* Refused: REP 5. */
	d = dst_v4();
	fake_reset(V("\x05\x00" "\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -ECONNREFUSED, "socks5: REP 5 is ECONNREFUSED");
	is_str(handshake_reason(&hs), "connection refused", "socks5: REP 5 says so");
	is_int(hs.rep, 5, "socks5: the reply code is kept");

	/* The server chooses no acceptable method. */
	fake_reset(V("\x05\xff"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -EACCES, "socks5: method X'FF' is EACCES");
	is_str(handshake_reason(&hs),
	       "proxy requires authentication (give user:password in the URL)",
	       "socks5: method X'FF' without credentials says what to give");
	is_int(out.len, 3, "socks5: method X'FF': no request sent");

	/* A method that was not offered. */
	fake_reset(V("\x05\x02"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -EPROTO, "socks5: a method not offered is EPROTO");
	is_str(handshake_reason(&hs), "proxy chose a method that was not offered",
	       "socks5: a method not offered says so");

	/* Garbage instead of a method selection. */
	fake_reset(V("HTTP/1.1 400 Bad Request\r\n"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -EPROTO, "socks5: garbage method is EPROTO");
	is_str(handshake_reason(&hs), "proxy sent a malformed method selection",
	       "socks5: garbage method says so");

	/* Garbage in the reply: an unknown ATYP. */
	fake_reset(V("\x05\x00" "\x05\x00\x00\x07\x00\x00\x00\x00\x00\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -EPROTO, "socks5: unknown ATYP is EPROTO");
	is_str(handshake_reason(&hs), "proxy sent a malformed SOCKS5 reply",
	       "socks5: unknown ATYP says so");

	/*
	 * The proxy answers the method, takes the request and closes without
	 * a reply, as ssh -D does when the destination refuses.
	 */
	fake_reset(V("\x05\x00"));
	in.eof = true;
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -ECONNREFUSED,
	       "socks5: a close after the request, before any reply, is ECONNREFUSED");
	is_int(out.len, 13, "socks5: close after the request: greeting and request went");
	/* A close in the middle of the reply stays a reset. */
	fake_reset(V("\x05\x00\x05\x00\x00"));
	in.eof = true;
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -ECONNRESET, "socks5: a close in the middle of the reply is ECONNRESET");

	/* The proxy cannot be reached. */
	fake_reset(V(""));
	in.connect_errno = ECONNREFUSED;
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -ECONNREFUSED, "socks5: connect refused");
	is_str(handshake_reason(&hs), "cannot connect to the proxy",
	       "socks5: connect refused says so");
	is_int(out.len, 0, "socks5: connect refused: nothing sent");
}

static void
test_socks5_auth(void)
{
	struct config_proxy p = proxy(5, true, "alice", "hunter2");
	struct sx_endpoint d = dst_v4();
	struct handshake hs;

	fake_reset(V("\x05\x02" "\x01\x00" S5_OK));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), SX_DONE, "socks5 auth: succeeded");
	is_int(out.calls, 3, "socks5 auth: greeting, auth, request in turn");
	is_int(out.call_len[0], 3, "socks5 auth: greeting is 3 bytes");
	is_bytes(out.bytes, "\x05\x01\x02", 3, "socks5 auth: greeting offers user/password only");
	is_int(out.call_len[1], 15, "socks5 auth: RFC 1929 request is 15 bytes");
	is_bytes(out.bytes + 3, "\x01\x05" "alice" "\x07" "hunter2", 15,
		 "socks5 auth: VER 1, alice, hunter2");
	is_int(out.call_len[2], 10, "socks5 auth: request is 10 bytes");
	is_bytes(out.bytes + 18, S5_REQ_V4, 10, "socks5 auth: CONNECT after the status");
	ok(memmem(hs.out, sizeof(hs.out), "hunter2", 7) == NULL,
	   "socks5 auth: no copy of the password is kept");

	/* Wrong password: STATUS 1; no request goes out. */
	fake_reset(V("\x05\x02" "\x01\x01"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -EACCES, "socks5 wrong password: EACCES");
	is_str(handshake_reason(&hs), "proxy rejected the user name or password",
	       "socks5 wrong password: says so, without the password");
	is_int(out.len, 18, "socks5 wrong password: greeting and auth only");

	/* The server takes no user/password authentication. */
	fake_reset(V("\x05\xff"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -EACCES, "socks5 auth, method X'FF': EACCES");
	is_str(handshake_reason(&hs),
	       "proxy does not accept user name/password authentication",
	       "socks5 auth, method X'FF': says so");
	is_int(out.len, 3, "socks5 auth, method X'FF': the credentials never went");

	/* Garbage status. */
	fake_reset(V("\x05\x02" "\x09\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -EPROTO, "socks5 auth: garbage status is EPROTO");
	is_str(handshake_reason(&hs), "proxy sent a malformed authentication reply",
	       "socks5 auth: garbage status says so");
}

static void
test_socks5_pipelined(void)
{
	struct config_proxy p = proxy(5, true, NULL, NULL);
	struct sx_endpoint d = dst_v4();
	struct handshake hs;
	uint8_t want[64];

	/* Greeting and request in one send; the answers back to back. */
	fake_reset(V("\x05\x00" S5_OK));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, true);
	is_int(step(&hs), SX_DONE, "pipelined: succeeded");
	is_int(out.calls, 1, "pipelined: one send");
	memcpy(want, "\x05\x01\x00" S5_REQ_V4, 13);
	is_int(out.len, 13, "pipelined: greeting and request");
	is_bytes(out.bytes, want, 13, "pipelined: greeting then CONNECT");

	/* With credentials: greeting, auth and request in one send. */
	p = proxy(5, true, "alice", "hunter2");
	fake_reset(V("\x05\x02" "\x01\x00" S5_OK));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, true);
	is_int(step(&hs), SX_DONE, "pipelined auth: succeeded");
	is_int(out.calls, 1, "pipelined auth: one send");
	memcpy(want, "\x05\x01\x02" "\x01\x05" "alice" "\x07" "hunter2" S5_REQ_V4, 28);
	is_int(out.len, 28, "pipelined auth: greeting, auth, request");
	is_bytes(out.bytes, want, 28, "pipelined auth: the three messages in order");
	is_int(in.off, 14, "pipelined auth: read the three answers");

	/* Wrong password, pipelined: the request went, the reply is not awaited. */
	fake_reset(V("\x05\x02" "\x01\x01"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, true);
	is_int(step(&hs), -EACCES, "pipelined wrong password: EACCES");

	/* The send says EAGAIN first: wait for writability, then send it all. */
	fake_reset(V("\x05\x02" "\x01\x00" S5_OK));
	out.send_again = 1;
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, true);
	is_int(step(&hs), SX_WANT_WRITE, "pipelined, send EAGAIN: waits to write");
	is_int(out.len, 0, "pipelined, send EAGAIN: nothing sent yet");
	is_int(step(&hs), SX_DONE, "pipelined, send EAGAIN: then succeeds");
	is_int(out.calls, 1, "pipelined, send EAGAIN: still one send");
}

static void
test_socks5_short_reads(void)
{
	struct config_proxy p = proxy(5, true, "alice", "hunter2");
	struct sx_endpoint d = dst_v4();
	struct handshake hs;
	/* The reply names proxy.example:4242, then the application's bytes. */
	static const char script[] = "\x05\x02" "\x01\x00"
		"\x05\x00\x00\x03\x0d" "proxy.example" "\x10\x92" "SSH-2.0-";
	const size_t replies = 2 + 2 + 5 + 13 + 2;

	/* A byte at a time, lock-step. */
	fake_reset(V(script));
	in.chunk = 1;
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), SX_DONE, "byte by byte: succeeded");
	is_int(in.off, replies, "byte by byte: read the replies and not one byte more");
	is_int(hs.in_len, 0, "byte by byte: nothing buffered past the reply");
	is_int(hs.bnd.atyp, SX_ATYP_DOMAIN, "byte by byte: BND is a name");
	is_str(hs.bnd.name, "proxy.example", "byte by byte: BND proxy.example");
	is_int(hs.bnd.port, 4242, "byte by byte: BND port 4242");
	is_int(out.len, 28, "byte by byte: all three messages sent");

	/* A byte at a time, pipelined. */
	fake_reset(V(script));
	in.chunk = 1;
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, true);
	is_int(step(&hs), SX_DONE, "byte by byte pipelined: succeeded");
	is_int(in.off, replies, "byte by byte pipelined: not one byte more");

	/* EAGAIN in the middle of every answer, at every offset. */
	for (size_t cut = 1; cut < replies; cut++) {
		int rc;

		fake_reset(V(script));
		in.avail = cut;
		handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, cut % 2 == 0);
		rc = step(&hs);
		if (rc != SX_WANT_READ) {
			is_int(rc, SX_WANT_READ, "EAGAIN mid-answer: waits to read");
			break;
		}
		in.avail = in.len;
		rc = step(&hs);
		if (rc != SX_DONE || in.off != replies) {
			is_int(rc, SX_DONE, "EAGAIN mid-answer: resumes to the end");
			is_int(in.off, replies, "EAGAIN mid-answer: not one byte more");
			break;
		}
	}
	ok(hs.state == HS_DONE, "EAGAIN mid-answer, at every offset: resumes and succeeds");

	/* EOF in the middle of the reply. */
	fake_reset(V(script));
	in.avail = 2 + 2 + 7;
	in.eof = true;
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -ECONNRESET, "EOF mid-reply: ECONNRESET");
}

/*
 * The probe of a pipelined handshake: a proxy that answers the greeting and
 * not the request (microsocks) makes the step ask for a lock-step retry once
 * the window has passed, and the retry on a fresh connection says whether
 * the proxy dropped the request.  A window of 0 (timeout 0) makes it due at
 * once, so the cases need no clock of their own.
 */
static void
test_socks5_probe(void)
{
	struct config_proxy p = proxy(5, true, NULL, NULL);
	struct sx_endpoint d = dst_v4();
	struct handshake hs;
	uint8_t want[16];

	/* The method answer, and nothing more. */
	fake_reset(V("\x05\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, true);
	handshake_probe(&hs, 0);
	ok(hs.probe, "probe: on for a pipelined handshake");
	is_int(step(&hs), SX_WANT_LOCKSTEP, "probe: no reply within the window: lock-step");
	is_int(out.calls, 1, "probe: the one pipelined send, nothing sent again");
	is_int(in.off, 2, "probe: the method answer was read");
	ok(handshake_wake_ms(&hs, INT64_MAX) <= handshake_now_ms(),
	   "probe: due now, before the deadline");

	/* The retry, lock-step on what the caller made a fresh connection. */
	fake_reset(V("\x05\x00" S5_OK));
	handshake_restart_lockstep(&hs);
	ok(hs.lockstep_retry && !hs.pipeline && !hs.probe,
	   "retry: lock-step, not watched");
	is_int(step(&hs), SX_DONE, "retry: succeeded");
	is_int(in.connects, 1, "retry: connected again");
	is_int(out.calls, 2, "retry: greeting, then request");
	memcpy(want, "\x05\x01\x00" S5_REQ_V4, 13);
	is_bytes(out.bytes, want, 13, "retry: the same greeting and request");
	ok(!hs.drops, "retry: a reply no faster than the window says nothing");

	/* The same, with a reply that comes within the window. */
	fake_reset(V("\x05\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, true);
	handshake_probe(&hs, 0);
	is_int(step(&hs), SX_WANT_LOCKSTEP, "probe again: lock-step");
	fake_reset(V("\x05\x00" S5_OK));
	handshake_restart_lockstep(&hs);
	hs.window_ms = 60000;
	is_int(step(&hs), SX_DONE, "fast retry: succeeded");
	ok(hs.drops, "fast retry: the proxy drops pipelined requests");

	/* A refusal that comes within the window says so too. */
	fake_reset(V("\x05\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, true);
	handshake_probe(&hs, 0);
	is_int(step(&hs), SX_WANT_LOCKSTEP, "probe, refused: lock-step");
	fake_reset(V("\x05\x00" "\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00"));
	handshake_restart_lockstep(&hs);
	hs.window_ms = 60000;
	is_int(step(&hs), -ECONNREFUSED, "fast refusal: ECONNREFUSED");
	ok(hs.drops, "fast refusal: the proxy drops pipelined requests");

	/* A reply under way is never taken for a dropped request. */
	fake_reset(V("\x05\x00" "\x05\x00\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, true);
	handshake_probe(&hs, 0);
	is_int(step(&hs), SX_WANT_READ, "part of a reply: still waiting for the rest");
	is_int((int)handshake_wake_ms(&hs, 12345), 12345, "part of a reply: the deadline only");

	/* Both answers at once: done, no retry. */
	fake_reset(V("\x05\x00" S5_OK));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, true);
	handshake_probe(&hs, 0);
	is_int(step(&hs), SX_DONE, "answers at once: done");
	ok(!hs.drops && !hs.lockstep_retry, "answers at once: no retry");
	ok(hs.took, "answers at once: the proxy takes pipelined requests");

	/* The window: at least HS_PROBE_MIN_MS, at most half the timeout. */
	fake_reset(V("\x05\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, true);
	handshake_probe(&hs, 10000);
	is_int(step(&hs), SX_WANT_READ, "window of 500 ms: waiting");
	is_int(hs.window_ms, HS_PROBE_MIN_MS, "window: HS_PROBE_MIN_MS on a fast link");
	ok(handshake_wake_ms(&hs, INT64_MAX) > handshake_now_ms(),
	   "window: due later");
	fake_reset(V("\x05\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, true);
	handshake_probe(&hs, 1000);
	step(&hs);
	is_int(hs.window_ms, 500, "window: at most half the timeout");

	/* Lock-step from the start: the probe has nothing to watch. */
	fake_reset(V("\x05\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	handshake_probe(&hs, 0);
	ok(!hs.probe, "lock-step: no probe");
	is_int(step(&hs), SX_WANT_READ, "lock-step: waits for the reply as ever");
}

int
main(void)
{
	test_socks4();
	test_socks4a();
	test_socks5_noauth();
	test_socks5_auth();
	test_socks5_pipelined();
	test_socks5_probe();
	test_socks5_short_reads();
	return tap_done();
}

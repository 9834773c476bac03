/*
 * BIND on the wire: the request (RFC 1928 section 4, CMD 0x02; SOCKS4
 * CD 2) and its two replies (section 6: the first names where the proxy
 * listens, the second the peer that connected), through the codecs and the
 * handshake that speaks them, over a scripted fake socket.
 *
 *   +----+-----+-------+------+----------+----------+
 *   |VER | CMD |  RSV  | ATYP | DST.ADDR | DST.PORT |   request, CMD = 02
 *   +----+-----+-------+------+----------+----------+
 *   +----+-----+-------+------+----------+----------+
 *   |VER | REP |  RSV  | ATYP | BND.ADDR | BND.PORT |   twice
 *   +----+-----+-------+------+----------+----------+
 */
#include <errno.h>
#include <string.h>

#include "handshake.h"
#include "socks4.h"
#include "socks5.h"
#include "tap.h"

/* A byte string literal and its length, without the literal's NUL. */
#define V(s) (const uint8_t *)(s), (sizeof(s) - 1)

/* The fake socket: what the client sent, and what the proxy says next. */
static uint8_t sent[1024];
static size_t sent_len;
static const uint8_t *script;
static size_t script_len, script_off;
static size_t chunk;		/* at most this many bytes per recv (0: all) */
static bool script_eof;		/* past the script: EOF instead of EAGAIN */

static void
fake_reset(const uint8_t *s, size_t n)
{
	sent_len = 0;
	script = s;
	script_len = n;
	script_off = 0;
	chunk = 0;
	script_eof = false;
}

/* More proxy bytes arrive (the peer connected). */
static void
fake_more(const uint8_t *s, size_t n)
{
	script = s;
	script_len = n;
	script_off = 0;
}

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
	if (sent_len + len > sizeof(sent)) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(sent + sent_len, buf, len);
	sent_len += len;
	return (ssize_t)len;
}

static ssize_t
fake_recv(int fd, void *buf, size_t len, int flags)
{
	size_t left = script_len - script_off;

	(void)fd;
	(void)flags;
	if (left == 0) {
		if (script_eof)
			return 0;
		errno = EAGAIN;
		return -1;
	}
	if (len > left)
		len = left;
	if (chunk && len > chunk)
		len = chunk;
	memcpy(buf, script + script_off, len);
	script_off += len;
	return (ssize_t)len;
}

static const struct sx_sys fake_sys = {
	.connect = fake_connect,
	.send = fake_send,
	.recv = fake_recv,
};

/*
 * Step as a driver would after each readiness event: until done, failed,
 * or waiting with nothing left to read.
 */
static int
step(struct handshake *hs)
{
	int rc = SX_WANT_READ;

	for (int i = 0; i < 64 && rc > 0; i++)
		rc = handshake_step(hs, &fake_sys, 3);
	return rc;
}

static struct config_proxy
proxy(int version)
{
	struct config_proxy p;
	struct sockaddr_in *sin = (struct sockaddr_in *)&p.addr;

	memset(&p, 0, sizeof(p));
	p.version = version;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(1080);
	sin->sin_addr.s_addr = htonl(0xc0000201);	/* 192.0.2.1 */
	p.addrlen = sizeof(*sin);
	return p;
}

static const struct sx_endpoint ftp_v4 = {
	.atyp = SX_ATYP_IPV4, .port = 21, .addr = { 198, 51, 100, 2 },
};
static const struct sx_endpoint ftp_name = {
	.atyp = SX_ATYP_DOMAIN, .port = 21, .name_len = 15,
	.name = "ftp.example.org",
};

static void
is_endpoint_v4(const struct sx_endpoint *ep, const uint8_t a[4], uint16_t port,
	       const char *what)
{
	ok(ep->atyp == SX_ATYP_IPV4 && memcmp(ep->addr, a, 4) == 0 && ep->port == port,
	   what);
}

static void
test_socks5_bind(void)
{
	struct config_proxy p = proxy(5);
	struct handshake hs;
	static const uint8_t listen_at[4] = { 198, 51, 100, 1 };
	static const uint8_t peer[4] = { 198, 51, 100, 2 };
	int rc;

	/* Method, then the first reply: the proxy listens on 198.51.100.1:50000. */
	fake_reset(V("\x05\x00"
		     "\x05\x00\x00\x01\xc6\x33\x64\x01\xc3\x50"));
	handshake_init(&hs, &p, SOCKS5_CMD_BIND, &ftp_v4, false);
	rc = step(&hs);
	is_int(rc, SX_DONE, "socks5 BIND: the first reply completes the step");
	is_bytes(sent, "\x05\x01\x00" "\x05\x02\x00\x01\xc6\x33\x64\x02\x00\x15", 13,
		 "socks5 BIND: greeting, then VER 5 CMD 2 RSV ATYP 1 198.51.100.2 port 21");
	is_int(sent_len, 13, "socks5 BIND: nothing else was sent");
	is_endpoint_v4(&hs.bnd, listen_at, 50000,
		       "socks5 BIND: BND of the first reply is where the proxy listens");

	/* No peer yet: the second reply is waited for without blocking. */
	handshake_expect_second_reply(&hs);
	rc = step(&hs);
	is_int(rc, SX_WANT_READ, "socks5 BIND: no second reply yet means want read");

	/* The second reply, two bytes at a time, then the peer's own bytes. */
	fake_more(V("\x05\x00\x00\x01\xc6\x33\x64\x02\xa4\x10" "PEER"));
	chunk = 2;
	rc = step(&hs);
	is_int(rc, SX_DONE, "socks5 BIND: the second reply read in pieces");
	is_endpoint_v4(&hs.bnd, peer, 42000,
		       "socks5 BIND: BND of the second reply is the peer");
	is_int(script_len - script_off, 4,
	       "socks5 BIND: the peer's data after the reply is left in the socket");
}

static void
test_socks5_bind_pipelined_name(void)
{
	struct config_proxy p = proxy(5);
	struct handshake hs;
	int rc;

	/* The first reply names the proxy by host name (ATYP 3). */
	fake_reset(V("\x05\x00"
		     "\x05\x00\x00\x03\x09proxy.lan\x27\x10"));
	handshake_init(&hs, &p, SOCKS5_CMD_BIND, &ftp_name, true);
	rc = step(&hs);
	is_int(rc, SX_DONE, "socks5 BIND pipelined: done");
	is_bytes(sent, "\x05\x01\x00" "\x05\x02\x00\x03\x0f" "ftp.example.org" "\x00\x15",
		 3 + 5 + 15 + 2,
		 "socks5 BIND pipelined: greeting and a request naming the host");
	ok(hs.bnd.atyp == SX_ATYP_DOMAIN && strcmp(hs.bnd.name, "proxy.lan") == 0 &&
	   hs.bnd.port == 10000, "socks5 BIND: a BND host name is kept as a name");
}

static void
test_socks5_bind_refused(void)
{
	struct config_proxy p = proxy(5);
	struct handshake hs;
	int rc;

	/* microsocks, ssh -D and Tor: REP 07 command not supported. */
	fake_reset(V("\x05\x00" "\x05\x07\x00\x01\x00\x00\x00\x00\x00\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_BIND, &ftp_v4, false);
	rc = step(&hs);
	is_int(rc, -EOPNOTSUPP, "socks5 BIND refused with REP 7 is EOPNOTSUPP");
	is_int(hs.rep, SOCKS5_REP_CMD_NOT_SUPPORTED, "socks5 BIND refused: the code is kept");
	is_str(handshake_reason(&hs), "command not supported",
	       "socks5 BIND refused: the reason says so");
	is_int(socks5_reply_errno(SOCKS5_REP_CMD_NOT_SUPPORTED), EOPNOTSUPP,
	       "socks5 REP 7 maps to EOPNOTSUPP");
}

static void
test_socks5_bind_second_fails(void)
{
	struct config_proxy p = proxy(5);
	struct handshake hs;
	int rc;

	fake_reset(V("\x05\x00" "\x05\x00\x00\x01\xc6\x33\x64\x01\xc3\x50"));
	handshake_init(&hs, &p, SOCKS5_CMD_BIND, &ftp_v4, false);
	rc = step(&hs);
	is_int(rc, SX_DONE, "socks5 BIND: first reply");
	handshake_expect_second_reply(&hs);
	/* The proxy gave up waiting for the peer: REP 01 in the second reply. */
	fake_more(V("\x05\x01\x00\x01\x00\x00\x00\x00\x00\x00"));
	rc = step(&hs);
	ok(rc < 0, "socks5 BIND: a failed second reply fails the step");
	is_int(hs.state, HS_FAILED, "socks5 BIND: and the handshake");

	/* The proxy closed the control connection instead. */
	fake_reset(V("\x05\x00" "\x05\x00\x00\x01\xc6\x33\x64\x01\xc3\x50"));
	handshake_init(&hs, &p, SOCKS5_CMD_BIND, &ftp_v4, false);
	step(&hs);
	handshake_expect_second_reply(&hs);
	fake_more(V("\x05\x00\x00"));
	script_eof = true;
	rc = step(&hs);
	is_int(rc, -ECONNRESET, "socks5 BIND: EOF in the second reply is ECONNRESET");
}

static void
test_socks5_bind_v6(void)
{
	struct config_proxy p = proxy(5);
	struct handshake hs;
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 7 };
	int rc;

	fake_reset(V("\x05\x00"
		     "\x05\x00\x00\x04\x20\x01\x0d\xb8\x00\x00\x00\x00"
		     "\x00\x00\x00\x00\x00\x00\x00\x07\x04\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_BIND, &ftp_v4, false);
	rc = step(&hs);
	is_int(rc, SX_DONE, "socks5 BIND: an IPv6 first reply");
	ok(hs.bnd.atyp == SX_ATYP_IPV6 && memcmp(hs.bnd.addr, v6, 16) == 0 &&
	   hs.bnd.port == 1024, "socks5 BIND: IPv6 BND.ADDR and BND.PORT");
}

static void
test_socks4_bind(void)
{
	struct config_proxy p = proxy(4);
	struct handshake hs;
	static const uint8_t zero[4] = { 0, 0, 0, 0 };
	static const uint8_t peer[4] = { 198, 51, 100, 2 };
	int rc;

	/* First reply: CD 90, DSTPORT 50000, DSTIP 0 ("use the proxy's address"). */
	fake_reset(V("\x00\x5a\xc3\x50\x00\x00\x00\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_BIND, &ftp_v4, false);
	rc = step(&hs);
	is_int(rc, SX_DONE, "socks4 BIND: first reply");
	is_bytes(sent, "\x04\x02\x00\x15\xc6\x33\x64\x02\x00", 9,
		 "socks4 BIND: VN 4 CD 2 DSTPORT 21 DSTIP 198.51.100.2, empty USERID");
	is_endpoint_v4(&hs.bnd, zero, 50000, "socks4 BIND: DSTIP 0 and the port as sent");
	handshake_expect_second_reply(&hs);
	fake_more(V("\x00\x5a\xa4\x10\xc6\x33\x64\x02"));
	rc = step(&hs);
	is_int(rc, SX_DONE, "socks4 BIND: second reply");
	is_endpoint_v4(&hs.bnd, peer, 42000, "socks4 BIND: the second reply names the peer");

	/* SOCKS4a names the host after USERID. */
	fake_reset(V("\x00\x5a\xc3\x50\x00\x00\x00\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_BIND, &ftp_name, false);
	rc = step(&hs);
	is_int(rc, SX_DONE, "socks4a BIND: first reply");
	is_bytes(sent, "\x04\x02\x00\x15\x00\x00\x00\x01\x00" "ftp.example.org\x00", 25,
		 "socks4a BIND: DSTIP 0.0.0.1, empty USERID, the host name");

	/* Rejected: CD 91. */
	fake_reset(V("\x00\x5b\x00\x00\x00\x00\x00\x00"));
	handshake_init(&hs, &p, SOCKS5_CMD_BIND, &ftp_v4, false);
	rc = step(&hs);
	is_int(rc, -ECONNREFUSED, "socks4 BIND rejected (CD 91) is ECONNREFUSED");
}

int
main(void)
{
	test_socks5_bind();
	test_socks5_bind_pipelined_name();
	test_socks5_bind_refused();
	test_socks5_bind_second_fails();
	test_socks5_bind_v6();
	test_socks4_bind();
	return tap_done();
}

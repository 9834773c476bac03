/*
 * handshake_step() against a scripted proxy: a fake struct sx_sys whose
 * recv() hands out the fuzzed reply stream in fuzzed chunk sizes, with
 * EAGAIN, EINTR and errors in between, and whose send() takes the client's
 * messages the same way.  The input is
 *
 *	FLAGS0 FLAGS1 NCTL CTL[NCTL] STREAM...
 *
 * FLAGS0: bits 0-1 the protocol (SOCKS4 to an address, SOCKS4a to a name,
 * SOCKS5 to an address, SOCKS5 to a name), bit 2 credentials, bit 3
 * pipelining, bit 4 255-byte user, password and name, bit 5 an IPv6
 * destination, bits 6-7 how connect() answers (at once, EINPROGRESS,
 * EINTR, ECONNREFUSED).  FLAGS1: bits 0-1 the command (CONNECT, BIND, UDP
 * ASSOCIATE, an unknown one), bit 2 BIND's second reply, bit 3 the stream
 * ends in ECONNRESET rather than EOF.  Each send() or recv() takes the next
 * CTL byte (see fake_ctl()); once they run out, every call moves as much
 * as it is asked for.
 *
 * Whatever the bytes, the handshake must end in SX_DONE or a -errno after
 * a bounded number of steps, say why it failed without the password, send
 * exactly the messages the encoders make, and on success have consumed
 * the replies and not one byte more.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "fuzz.h"
#include "handshake.h"
#include "socks4.h"
#include "socks5.h"

#define FAKE_FD 7
#define FAKE_SENT_MAX 4096
/* More calls than any input can script: the handshake is looping. */
#define FAKE_CALLS_MAX 100000

#define PASS_SHORT "fuzzpass"

/* The script of one run; the sys table has no context pointer. */
static struct fake {
	const uint8_t *ctl;
	size_t nctl, ctl_off;
	const uint8_t *in;
	size_t in_len, in_off;
	uint8_t sent[FAKE_SENT_MAX];
	size_t sent_len;
	int connect_mode;
	bool end_reset;
	unsigned long calls;
} fake;

enum fake_action {
	FAKE_AGAIN,	/* EAGAIN */
	FAKE_AGAIN2,	/* EWOULDBLOCK from recv, ENOTCONN from send */
	FAKE_INTR,	/* EINTR */
	FAKE_ERROR,	/* ECONNRESET */
	FAKE_MOVE,	/* move up to *chunk bytes */
};

/*
 * The next scripted answer: CTL 0x00-0x07 EAGAIN, 0x08-0x0b EINTR, 0x0c an
 * error, 0x0d the second kind of "try again", 0x0e-0xff a chunk of 1-242
 * bytes.
 */
static enum fake_action
fake_ctl(size_t *chunk)
{
	uint8_t c;

	fake.calls++;
	fuzz_check(fake.calls < FAKE_CALLS_MAX, "the handshake keeps calling");
	*chunk = SIZE_MAX;
	if (fake.ctl_off >= fake.nctl)
		return FAKE_MOVE;
	c = fake.ctl[fake.ctl_off++];
	if (c < 0x08)
		return FAKE_AGAIN;
	if (c < 0x0c)
		return FAKE_INTR;
	if (c == 0x0c)
		return FAKE_ERROR;
	if (c == 0x0d)
		return FAKE_AGAIN2;
	*chunk = (size_t)(c - 0x0d);
	return FAKE_MOVE;
}

static int
fake_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	static const int errs[] = { 0, EINPROGRESS, EINTR, ECONNREFUSED };

	fuzz_check(fd == FAKE_FD, "connects the socket it was given");
	fuzz_check(sa != NULL && len == sizeof(struct sockaddr_in),
		   "connects to the proxy's address");
	if (errs[fake.connect_mode] == 0)
		return 0;
	errno = errs[fake.connect_mode];
	return -1;
}

static ssize_t
fake_send(int fd, const void *buf, size_t len, int flags)
{
	size_t chunk;

	fuzz_check(fd == FAKE_FD, "sends on the socket it was given");
	fuzz_check(len > 0, "sends something");
	fuzz_check((flags & MSG_DONTWAIT) && (flags & MSG_NOSIGNAL),
		   "sends without blocking and without SIGPIPE");
	switch (fake_ctl(&chunk)) {
	case FAKE_AGAIN:
		errno = EAGAIN;
		return -1;
	case FAKE_AGAIN2:
		errno = ENOTCONN;
		return -1;
	case FAKE_INTR:
		errno = EINTR;
		return -1;
	case FAKE_ERROR:
		errno = ECONNRESET;
		return -1;
	case FAKE_MOVE:
		break;
	}
	if (chunk > len)
		chunk = len;
	for (size_t i = 0; i < chunk && fake.sent_len < FAKE_SENT_MAX; i++)
		fake.sent[fake.sent_len++] = ((const uint8_t *)buf)[i];
	return (ssize_t)chunk;
}

static ssize_t
fake_recv(int fd, void *buf, size_t len, int flags)
{
	size_t chunk, left = fake.in_len - fake.in_off;

	fuzz_check(fd == FAKE_FD, "receives on the socket it was given");
	fuzz_check(len > 0, "asks for something");
	fuzz_check(flags & MSG_DONTWAIT, "receives without blocking");
	fuzz_check(!(flags & MSG_PEEK), "does not peek");
	switch (fake_ctl(&chunk)) {
	case FAKE_AGAIN:
		errno = EAGAIN;
		return -1;
	case FAKE_AGAIN2:
		errno = EWOULDBLOCK;
		return -1;
	case FAKE_INTR:
		errno = EINTR;
		return -1;
	case FAKE_ERROR:
		errno = ECONNRESET;
		return -1;
	case FAKE_MOVE:
		break;
	}
	if (left == 0) {
		if (!fake.end_reset)
			return 0;
		errno = ECONNRESET;
		return -1;
	}
	if (chunk > len)
		chunk = len;
	if (chunk > left)
		chunk = left;
	memcpy(buf, fake.in + fake.in_off, chunk);
	fake.in_off += chunk;
	return (ssize_t)chunk;
}

/* Only what handshake_step() may call; anything else is a NULL call. */
static const struct sx_sys fake_sys = {
	.connect = fake_connect,
	.send = fake_send,
	.recv = fake_recv,
};

/* The length of a well-formed SOCKS5 reply at b, or 0. */
static size_t
socks5_reply_len(const uint8_t *b, size_t len)
{
	struct socks5_reply r;
	ssize_t n = socks5_decode_reply(b, len, &r);

	return n > 0 ? (size_t)n : 0;
}

/*
 * What a successful handshake has read: the method selection, the
 * authentication status and the replies, by the stream's own lengths.
 */
static size_t
expected_read(const struct config_proxy *p, unsigned int replies)
{
	size_t off = 0;

	if (p->version == 4)
		return SOCKS4_REPLY_LEN * replies;
	off = 2 + (p->has_auth ? 2 : 0);
	for (unsigned int i = 0; i < replies; i++) {
		size_t n = off <= fake.in_len ?
			   socks5_reply_len(fake.in + off, fake.in_len - off) : 0;

		fuzz_check(n > 0, "a successful handshake read a whole reply");
		off += n;
	}
	return off;
}

/* The bytes the client should send, in order, as the encoders make them. */
static size_t
expected_sent(const struct config_proxy *p, uint8_t cmd,
	      const struct sx_endpoint *dst, uint8_t *buf, size_t cap)
{
	ssize_t n;
	size_t len = 0;

	if (p->version == 4) {
		n = socks4_encode_request(buf, cap, cmd, dst, p->user);
		return n > 0 ? (size_t)n : 0;
	}
	n = socks5_encode_greeting(buf, cap, p->has_auth);
	if (n <= 0)
		return 0;
	len += (size_t)n;
	if (p->has_auth) {
		n = socks5_encode_auth(buf + len, cap - len, p->user, p->pass);
		if (n <= 0)
			return len;
		len += (size_t)n;
	}
	n = socks5_encode_request(buf + len, cap - len, cmd, dst);
	if (n > 0)
		len += (size_t)n;
	return len;
}

/* Step until the handshake is done or failed; the step count is bounded. */
static int
run(struct handshake *hs)
{
	size_t limit = fake.nctl + 64;
	int rc;

	for (size_t steps = 0;; steps++) {
		fuzz_check(steps < limit, "the handshake ends");
		rc = handshake_step(hs, &fake_sys, FAKE_FD);
		if (rc != SX_WANT_READ && rc != SX_WANT_WRITE)
			break;
	}
	fuzz_check(rc == SX_DONE || (rc < 0 && rc > -4096),
		   "SX_DONE or a -errno");
	if (rc < 0) {
		const char *why = handshake_reason(hs);

		fuzz_check(hs->state == HS_FAILED && hs->error == rc,
			   "a failure is recorded");
		fuzz_check(why != NULL && why[0] != '\0', "a failure says why");
		fuzz_check(strstr(why, PASS_SHORT) == NULL && strstr(why, "ppppp") == NULL,
			   "the reason holds no password");
	} else {
		fuzz_check(hs->state == HS_DONE, "success is recorded");
	}
	fuzz_check(handshake_step(hs, &fake_sys, FAKE_FD) == rc,
		   "a finished handshake stays finished");
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t cmds[] = { SOCKS5_CMD_CONNECT, SOCKS5_CMD_BIND,
					SOCKS5_CMD_UDP_ASSOCIATE, 0x09 };
	static const uint8_t v4[4] = { 93, 184, 216, 34 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	static uint8_t want[HS_OUT_MAX * 2];
	struct config_proxy proxy;
	struct sockaddr_in sin;
	struct sx_endpoint dst;
	struct handshake hs;
	uint8_t f0, f1, cmd;
	unsigned int replies = 1;
	bool to_name, ipv6, lng;
	size_t want_len;
	int rc;

	if (size < 3)
		return 0;
	f0 = data[0];
	f1 = data[1];
	memset(&fake, 0, sizeof(fake));
	fake.ctl = data + 3;
	fake.nctl = data[2] < size - 3 ? data[2] : size - 3;
	fake.in = fake.ctl + fake.nctl;
	fake.in_len = size - 3 - fake.nctl;
	fake.connect_mode = f0 >> 6;
	fake.end_reset = f1 & 0x08;

	to_name = (f0 & 0x03) == 1 || (f0 & 0x03) == 3;
	lng = f0 & 0x10;
	ipv6 = f0 & 0x20;
	cmd = cmds[f1 & 0x03];

	memset(&proxy, 0, sizeof(proxy));
	proxy.version = (f0 & 0x02) ? 5 : 4;
	proxy.remote_dns = to_name;
	strcpy(proxy.host, "127.0.0.1");
	proxy.port = 1080;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(proxy.port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memcpy(&proxy.addr, &sin, sizeof(sin));
	proxy.addrlen = sizeof(sin);
	if (f0 & 0x04) {
		proxy.has_auth = true;
		if (lng) {
			memset(proxy.user, 'u', 255);
			if (proxy.version == 5)
				memset(proxy.pass, 'p', 255);
		} else {
			strcpy(proxy.user, "fuzzuser");
			if (proxy.version == 5)
				strcpy(proxy.pass, PASS_SHORT);
		}
	}

	memset(&dst, 0, sizeof(dst));
	if (to_name) {
		char name[256];

		memset(name, 0, sizeof(name));
		if (lng)
			memset(name, 'n', 255);
		else
			strcpy(name, "example.com");
		fuzz_check(sx_endpoint_from_name(&dst, name, 443) == 0, "a name");
	} else if (ipv6) {
		dst.atyp = SX_ATYP_IPV6;
		memcpy(dst.addr, v6, 16);
		dst.port = 443;
	} else {
		dst.atyp = SX_ATYP_IPV4;
		memcpy(dst.addr, v4, 4);
		dst.port = 80;
	}

	handshake_init(&hs, &proxy, cmd, &dst, f0 & 0x08);
	rc = run(&hs);
	if (rc == SX_DONE && cmd == SOCKS5_CMD_BIND && (f1 & 0x04)) {
		fuzz_check(hs.in_len == 0, "nothing read past the first reply");
		handshake_expect_second_reply(&hs);
		replies = 2;
		rc = run(&hs);
	}

	/* Every byte sent is the next byte of the client's messages. */
	want_len = expected_sent(&proxy, cmd, &dst, want, sizeof(want));
	fuzz_check(fake.sent_len <= want_len, "sends no more than its messages");
	fuzz_check(memcmp(fake.sent, want, fake.sent_len) == 0,
		   "sends its messages, in order, once");
	if (rc == SX_DONE) {
		fuzz_check(fake.sent_len == want_len, "sent all of its messages");
		fuzz_check(hs.in_len == 0, "nothing buffered past the reply");
		fuzz_check(fake.in_off == expected_read(&proxy, replies),
			   "read the replies and not one byte more");
	}
	explicit_bzero(&proxy, sizeof(proxy));
	return 0;
}

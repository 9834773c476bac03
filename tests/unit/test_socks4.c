/*
 * SOCKS4 and SOCKS4a codecs against byte vectors built from the protocol
 * texts (SOCKS4.protocol, SOCKS4A.protocol).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "socks4.h"
#include "enospc.h"
#include "tap.h"

/* A byte string literal and its length, without the literal's NUL. */
#define V(s) (const uint8_t *)(s), (sizeof(s) - 1)

#define SENTINEL 0xa5

static const struct sx_endpoint dst_v4 = {
	.atyp = SX_ATYP_IPV4, .port = 80, .addr = { 1, 2, 3, 4 },
};
static const struct sx_endpoint dst_ftp = {
	.atyp = SX_ATYP_IPV4, .port = 21, .addr = { 192, 0, 2, 10 },
};
static const struct sx_endpoint dst_any = {
	.atyp = SX_ATYP_IPV4, .port = 0, .addr = { 0, 0, 0, 0 },
};
static const struct sx_endpoint dst_name = {
	.atyp = SX_ATYP_DOMAIN, .port = 443, .name_len = 11,
	.name = "example.com",
};

struct s4_args {
	uint8_t cmd;
	const struct sx_endpoint *dst;
	const char *user;
};

static ssize_t
s4_encode(const void *args, uint8_t *buf, size_t cap)
{
	const struct s4_args *a = args;

	return socks4_encode_request(buf, cap, a->cmd, a->dst, a->user);
}

static void
check_enospc(uint8_t cmd, const struct sx_endpoint *dst, const char *user,
	     size_t full, const char *what)
{
	struct s4_args a = { cmd, dst, user };

	check_enospc_every_cap(s4_encode, &a, full, what);
}

static void
check_request(const char *what, uint8_t cmd, const struct sx_endpoint *dst,
	      const char *user, const uint8_t *want, size_t want_len)
{
	uint8_t buf[600];
	char msg[200];
	ssize_t r;

	memset(buf, SENTINEL, sizeof(buf));
	r = socks4_encode_request(buf, sizeof(buf), cmd, dst, user);
	snprintf(msg, sizeof(msg), "%s: length", what);
	is_int(r, want_len, msg);
	snprintf(msg, sizeof(msg), "%s: bytes", what);
	is_bytes(buf, want, want_len, msg);
	snprintf(msg, sizeof(msg), "%s: nothing written past the end", what);
	ok(buf[want_len] == SENTINEL, msg);

	memset(buf, SENTINEL, sizeof(buf));
	r = socks4_encode_request(buf, want_len, cmd, dst, user);
	snprintf(msg, sizeof(msg), "%s: fits a buffer of exactly its size", what);
	is_int(r, want_len, msg);
	check_enospc(cmd, dst, user, want_len, what);
}

static void
test_encode(void)
{
	uint8_t want[600], buf[600];
	struct sx_endpoint ep;
	char user[300];
	size_t n;

	check_request("CONNECT 1.2.3.4:80, no user", SOCKS4_CMD_CONNECT,
		      &dst_v4, NULL,
		      V("\x04\x01\x00\x50\x01\x02\x03\x04\x00"));
	check_request("CONNECT 1.2.3.4:80, empty user", SOCKS4_CMD_CONNECT,
		      &dst_v4, "",
		      V("\x04\x01\x00\x50\x01\x02\x03\x04\x00"));
	check_request("CONNECT 1.2.3.4:80, user fred", SOCKS4_CMD_CONNECT,
		      &dst_v4, "fred",
		      V("\x04\x01\x00\x50\x01\x02\x03\x04" "fred" "\x00"));
	check_request("BIND 192.0.2.10:21, user u", SOCKS4_CMD_BIND, &dst_ftp,
		      "u", V("\x04\x02\x00\x15\xc0\x00\x02\x0a" "u" "\x00"));
	check_request("CONNECT 0.0.0.0:0", SOCKS4_CMD_CONNECT, &dst_any, NULL,
		      V("\x04\x01\x00\x00\x00\x00\x00\x00\x00"));
	check_request("SOCKS4a CONNECT example.com:443, no user",
		      SOCKS4_CMD_CONNECT, &dst_name, NULL,
		      V("\x04\x01\x01\xbb\x00\x00\x00\x01\x00"
			"example.com" "\x00"));
	check_request("SOCKS4a CONNECT example.com:443, user fred",
		      SOCKS4_CMD_CONNECT, &dst_name, "fred",
		      V("\x04\x01\x01\xbb\x00\x00\x00\x01" "fred" "\x00"
			"example.com" "\x00"));
	check_request("SOCKS4a BIND example.com:443", SOCKS4_CMD_BIND,
		      &dst_name, NULL,
		      V("\x04\x02\x01\xbb\x00\x00\x00\x01\x00"
			"example.com" "\x00"));

	/* The longest request: a 255-byte USERID and a 255-byte name. */
	memset(user, 'u', 255);
	user[255] = '\0';
	memset(&ep, 0, sizeof(ep));
	ep.atyp = SX_ATYP_DOMAIN;
	ep.name_len = 255;
	ep.port = 0xfffe;
	memset(ep.name, 'h', 255);
	n = 0;
	want[n++] = 4;
	want[n++] = 1;
	want[n++] = 0xff;
	want[n++] = 0xfe;
	want[n++] = 0;
	want[n++] = 0;
	want[n++] = 0;
	want[n++] = 1;
	memset(want + n, 'u', 255);
	n += 255;
	want[n++] = 0;
	memset(want + n, 'h', 255);
	n += 255;
	want[n++] = 0;
	check_request("SOCKS4a with a 255-byte user and a 255-byte name",
		      SOCKS4_CMD_CONNECT, &ep, user, want, n);

	user[255] = 'u';
	user[256] = '\0';
	is_int(socks4_encode_request(buf, sizeof(buf), SOCKS4_CMD_CONNECT,
				     &dst_v4, user), -ENAMETOOLONG,
	       "a 256-byte USERID is -ENAMETOOLONG");
	is_int(socks4_encode_request(buf, 0, SOCKS4_CMD_CONNECT, &dst_v4, user),
	       -ENAMETOOLONG, "a 256-byte USERID is -ENAMETOOLONG even at cap 0");

	memset(&ep, 0, sizeof(ep));
	ep.atyp = SX_ATYP_IPV6;
	ep.addr[15] = 1;
	is_int(socks4_encode_request(buf, sizeof(buf), SOCKS4_CMD_CONNECT, &ep,
				     NULL), -EAFNOSUPPORT,
	       "an IPv6 destination is -EAFNOSUPPORT");
	ep.atyp = 0x02;
	is_int(socks4_encode_request(buf, sizeof(buf), SOCKS4_CMD_CONNECT, &ep,
				     NULL), -EINVAL, "an unknown ATYP is -EINVAL");
	ep = dst_name;
	ep.name_len = 0;
	is_int(socks4_encode_request(buf, sizeof(buf), SOCKS4_CMD_CONNECT, &ep,
				     NULL), -EINVAL, "an empty name is -EINVAL");
	ep = dst_name;
	ep.name[3] = '\0';
	is_int(socks4_encode_request(buf, sizeof(buf), SOCKS4_CMD_CONNECT, &ep,
				     NULL), -EINVAL,
	       "a NUL inside name_len is -EINVAL (it would end the name early)");
	ep = dst_v4;
	ep.addr[0] = 0;
	ep.addr[1] = 0;
	ep.addr[2] = 0;
	ep.addr[3] = 7;
	is_int(socks4_encode_request(buf, sizeof(buf), SOCKS4_CMD_CONNECT, &ep,
				     NULL), -EINVAL,
	       "IPv4 0.0.0.7 is -EINVAL (SOCKS4a's name marker)");
	is_int(socks4_encode_request(buf, sizeof(buf), 0x03, &dst_v4, NULL),
	       -EINVAL, "command 3 is -EINVAL");
	is_int(socks4_encode_request(buf, sizeof(buf), 0x00, &dst_v4, NULL),
	       -EINVAL, "command 0 is -EINVAL");
	is_int(socks4_encode_request(buf, sizeof(buf), SOCKS4_CMD_CONNECT, NULL,
				     NULL), -EINVAL, "a NULL destination is -EINVAL");
}

/*
 * Feed every proper prefix (each in a heap buffer of exactly its size) and
 * expect 0 with out untouched; then the whole, and the whole followed by
 * more bytes, and expect the reply's length.
 */
static void
check_reply(const char *what, const uint8_t *in, size_t in_len,
	    uint8_t code, uint16_t port, const uint8_t addr[4])
{
	struct socks4_reply out, blank;
	uint8_t more[32];
	char msg[200];
	ssize_t r;

	memset(&blank, 0x5a, sizeof(blank));
	for (size_t k = 0; k < in_len; k++) {
		uint8_t *buf = malloc(k);

		if (buf == NULL && k > 0) {
			ok(0, "malloc");
			return;
		}
		if (k > 0)
			memcpy(buf, in, k);
		out = blank;
		r = socks4_decode_reply(buf, k, &out);
		free(buf);
		if (r != 0 || memcmp(&out, &blank, sizeof(out)) != 0) {
			snprintf(msg, sizeof(msg), "%s: prefix of %zu bytes", what, k);
			ok(0, msg);
			printf("#   returned %zd\n", r);
			return;
		}
	}
	snprintf(msg, sizeof(msg), "%s: every prefix 0..%zu needs more", what,
		 in_len - 1);
	ok(1, msg);

	out = blank;
	r = socks4_decode_reply(in, in_len, &out);
	snprintf(msg, sizeof(msg), "%s: consumes %zu bytes", what, in_len);
	is_int(r, in_len, msg);
	snprintf(msg, sizeof(msg), "%s: code", what);
	is_int(out.code, code, msg);
	snprintf(msg, sizeof(msg), "%s: port", what);
	is_int(out.port, port, msg);
	snprintf(msg, sizeof(msg), "%s: address", what);
	is_bytes(out.addr, addr, 4, msg);

	memcpy(more, in, in_len);
	memset(more + in_len, 'D', sizeof(more) - in_len);
	r = socks4_decode_reply(more, sizeof(more), &out);
	snprintf(msg, sizeof(msg), "%s: data after it is not consumed", what);
	is_int(r, in_len, msg);
}

static void
check_bad_reply(const char *what, const uint8_t *in, size_t in_len)
{
	struct socks4_reply out;

	is_int(socks4_decode_reply(in, in_len, &out), -EPROTO, what);
}

static void
test_decode(void)
{
	static const uint8_t a1234[4] = { 1, 2, 3, 4 };
	static const uint8_t a0[4] = { 0, 0, 0, 0 };
	static const uint8_t a_bind[4] = { 198, 51, 100, 9 };
	struct socks4_reply out;

	check_reply("granted, VN 0",
		    V("\x00\x5a\x00\x50\x01\x02\x03\x04"), 90, 80, a1234);
	check_reply("granted, VN 4 (as some servers send)",
		    V("\x04\x5a\x00\x50\x01\x02\x03\x04"), 90, 80, a1234);
	check_reply("granted with DSTPORT 0 and DSTIP 0.0.0.0 (OpenSSH)",
		    V("\x00\x5a\x00\x00\x00\x00\x00\x00"), 90, 0, a0);
	check_reply("BIND reply with the listening address",
		    V("\x00\x5a\xc3\x50\xc6\x33\x64\x09"), 90, 50000, a_bind);
	check_reply("rejected (91)",
		    V("\x00\x5b\x00\x00\x00\x00\x00\x00"), 91, 0, a0);
	check_reply("identd unreachable (92)",
		    V("\x00\x5c\x00\x00\x00\x00\x00\x00"), 92, 0, a0);
	check_reply("identd mismatch (93)",
		    V("\x00\x5d\x00\x00\x00\x00\x00\x00"), 93, 0, a0);

	check_bad_reply("VN 5 is -EPROTO", V("\x05\x5a\x00\x50\x01\x02\x03\x04"));
	check_bad_reply("VN 1 is -EPROTO", V("\x01\x5a\x00\x50\x01\x02\x03\x04"));
	check_bad_reply("an HTTP answer is -EPROTO", V("HTTP/1.0"));
	check_bad_reply("CD 89 is -EPROTO", V("\x00\x59\x00\x50\x01\x02\x03\x04"));
	check_bad_reply("CD 94 is -EPROTO", V("\x00\x5e\x00\x50\x01\x02\x03\x04"));
	check_bad_reply("CD 0 is -EPROTO", V("\x00\x00\x00\x50\x01\x02\x03\x04"));
	check_bad_reply("a SOCKS5 method reply padded out is -EPROTO",
			V("\x05\x00\x05\x00\x00\x01\x00\x00"));
	is_int(socks4_decode_reply((const uint8_t *)"\x00\x5a", 2, NULL),
	       -EINVAL, "a NULL out is -EINVAL");
	is_int(socks4_decode_reply(NULL, 0, &out), 0,
	       "no bytes at all needs more");
}

static void
test_tables(void)
{
	int unknown_ok = 1;

	is_int(socks4_reply_errno(90), 0, "90 is 0");
	is_int(socks4_reply_errno(91), ECONNREFUSED, "91 is ECONNREFUSED");
	is_int(socks4_reply_errno(92), EACCES, "92 is EACCES");
	is_int(socks4_reply_errno(93), EACCES, "93 is EACCES");
	is_str(socks4_reply_message(90), "request granted", "90 message");
	is_str(socks4_reply_message(91), "request rejected or failed",
	       "91 message");
	is_str(socks4_reply_message(92), "client is not reachable by identd",
	       "92 message");
	is_str(socks4_reply_message(93), "identd user id mismatch",
	       "93 message");

	for (int c = 0; c < 256; c++) {
		if (c >= 90 && c <= 93)
			continue;
		if (socks4_reply_errno((uint8_t)c) == 0 ||
		    strcmp(socks4_reply_message((uint8_t)c),
			   "unknown reply code") != 0) {
			printf("#   code %d\n", c);
			unknown_ok = 0;
		}
	}
	ok(unknown_ok, "every other code is a nonzero errno and \"unknown reply code\"");
	is_int(socks4_reply_errno(0), EPROTO, "an unknown code is EPROTO");
}

int
main(void)
{
	test_encode();
	test_decode();
	test_tables();
	return tap_done();
}

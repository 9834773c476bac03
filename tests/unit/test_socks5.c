/*
 * SOCKS5 (RFC 1928) and username/password (RFC 1929) codecs against byte
 * vectors built from the RFC boxes.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "socks5.h"
#include "enospc.h"
#include "tap.h"

/* A byte string literal and its length, without the literal's NUL. */
#define V(s) (const uint8_t *)(s), (sizeof(s) - 1)

#define SENTINEL 0xa5

static const struct sx_endpoint ep_v4 = {
	.atyp = SX_ATYP_IPV4, .port = 80, .addr = { 1, 2, 3, 4 },
};
static const struct sx_endpoint ep_v4_any = {
	.atyp = SX_ATYP_IPV4, .port = 0,
};
static const struct sx_endpoint ep_v6 = {
	.atyp = SX_ATYP_IPV6, .port = 443,
	.addr = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
};
static const struct sx_endpoint ep_v6_any = {
	.atyp = SX_ATYP_IPV6, .port = 0,
};
static const struct sx_endpoint ep_name = {
	.atyp = SX_ATYP_DOMAIN, .port = 443, .name_len = 11,
	.name = "example.com",
};
static const struct sx_endpoint ep_dns = {
	.atyp = SX_ATYP_IPV4, .port = 53, .addr = { 8, 8, 8, 8 },
};
static const struct sx_endpoint ep_dns6 = {
	.atyp = SX_ATYP_IPV6, .port = 53,
	.addr = { 0x20, 0x01, 0x48, 0x60, 0x48, 0x60, 0, 0, 0, 0, 0, 0, 0, 0,
		  0x88, 0x88 },
};

/* The encoders under test, behind one signature. */
enum enc_kind {
	ENC_GREETING,
	ENC_AUTH,
	ENC_REQUEST,
	ENC_UDP,
};

struct enc_args {
	enum enc_kind kind;
	bool with_auth;
	const char *user;
	const char *pass;
	uint8_t cmd;
	const struct sx_endpoint *ep;
};

static ssize_t
encode(const struct enc_args *a, uint8_t *buf, size_t cap)
{
	switch (a->kind) {
	case ENC_GREETING:
		return socks5_encode_greeting(buf, cap, a->with_auth);
	case ENC_AUTH:
		return socks5_encode_auth(buf, cap, a->user, a->pass);
	case ENC_REQUEST:
		return socks5_encode_request(buf, cap, a->cmd, a->ep);
	default:
		return socks5_encode_udp_header(buf, cap, a->ep);
	}
}

/*
 * Compare without printing the bytes: an RFC 1929 request holds a password,
 * and the rule is that no password is ever printed, test ones included.
 */
static void
is_secret_bytes(const uint8_t *got, const uint8_t *want, size_t n,
		const char *what)
{
	size_t i = 0;

	while (i < n && got[i] == want[i])
		i++;
	if (!ok(i == n, what))
		printf("#   first difference at byte %zu (contents not shown)\n", i);
}

static ssize_t
encode_any(const void *args, uint8_t *buf, size_t cap)
{
	return encode(args, buf, cap);
}

static void
check_enospc(const struct enc_args *a, size_t full, const char *what)
{
	check_enospc_every_cap(encode_any, a, full, what);
}

static void
check_encode(const char *what, const struct enc_args *a, const uint8_t *want,
	     size_t want_len)
{
	uint8_t buf[600];
	char msg[200];
	ssize_t r;

	memset(buf, SENTINEL, sizeof(buf));
	r = encode(a, buf, sizeof(buf));
	snprintf(msg, sizeof(msg), "%s: length", what);
	is_int(r, want_len, msg);
	snprintf(msg, sizeof(msg), "%s: bytes", what);
	if (a->kind == ENC_AUTH)
		is_secret_bytes(buf, want, want_len, msg);
	else
		is_bytes(buf, want, want_len, msg);
	snprintf(msg, sizeof(msg), "%s: nothing written past the end", what);
	ok(buf[want_len] == SENTINEL, msg);

	r = encode(a, buf, want_len);
	snprintf(msg, sizeof(msg), "%s: fits a buffer of exactly its size", what);
	is_int(r, want_len, msg);
	check_enospc(a, want_len, what);
}

static void
test_greeting(void)
{
	struct enc_args a = { .kind = ENC_GREETING };

	a.with_auth = false;
	check_encode("greeting without auth offers X'00' only", &a,
		     V("\x05\x01\x00"));
	a.with_auth = true;
	check_encode("greeting with auth offers X'02' only", &a,
		     V("\x05\x01\x02"));
}

static void
test_auth(void)
{
	struct enc_args a = { .kind = ENC_AUTH };
	uint8_t buf[600], want[600];
	char user[300], pass[300];
	size_t n;

	a.user = "alice";
	a.pass = "s3cret";
	check_encode("RFC 1929 request alice/s3cret", &a,
		     V("\x01\x05" "alice" "\x06" "s3cret"));
	a.pass = "";
	check_encode("RFC 1929 request with an empty password has PLEN 0", &a,
		     V("\x01\x05" "alice" "\x00"));
	a.pass = NULL;
	check_encode("RFC 1929 request with a NULL password has PLEN 0", &a,
		     V("\x01\x05" "alice" "\x00"));
	a.user = "u";
	a.pass = "p";
	check_encode("RFC 1929 request with one-byte fields", &a,
		     V("\x01\x01" "u" "\x01" "p"));

	memset(user, 'u', 255);
	user[255] = '\0';
	memset(pass, 'p', 255);
	pass[255] = '\0';
	n = 0;
	want[n++] = 0x01;
	want[n++] = 255;
	memset(want + n, 'u', 255);
	n += 255;
	want[n++] = 255;
	memset(want + n, 'p', 255);
	n += 255;
	a.user = user;
	a.pass = pass;
	check_encode("RFC 1929 request with 255-byte user and password", &a,
		     want, n);

	is_int(socks5_encode_auth(buf, sizeof(buf), "", "x"), -EINVAL,
	       "an empty user is -EINVAL");
	is_int(socks5_encode_auth(buf, sizeof(buf), NULL, "x"), -EINVAL,
	       "a NULL user is -EINVAL");
	user[255] = 'u';
	user[256] = '\0';
	is_int(socks5_encode_auth(buf, sizeof(buf), user, "x"), -ENAMETOOLONG,
	       "a 256-byte user is -ENAMETOOLONG");
	is_int(socks5_encode_auth(buf, 0, user, "x"), -ENAMETOOLONG,
	       "a 256-byte user is -ENAMETOOLONG even at cap 0");
	pass[255] = 'p';
	pass[256] = '\0';
	is_int(socks5_encode_auth(buf, sizeof(buf), "alice", pass),
	       -ENAMETOOLONG, "a 256-byte password is -ENAMETOOLONG");
}

static void
test_request(void)
{
	struct enc_args a = { .kind = ENC_REQUEST };
	struct sx_endpoint ep;
	uint8_t buf[600], want[600];
	size_t n;

	a.cmd = SOCKS5_CMD_CONNECT;
	a.ep = &ep_v4;
	check_encode("CONNECT 1.2.3.4:80", &a,
		     V("\x05\x01\x00\x01\x01\x02\x03\x04\x00\x50"));
	a.ep = &ep_v6;
	check_encode("CONNECT [2001:db8::1]:443", &a,
		     V("\x05\x01\x00\x04"
		       "\x20\x01\x0d\xb8\x00\x00\x00\x00"
		       "\x00\x00\x00\x00\x00\x00\x00\x01" "\x01\xbb"));
	a.ep = &ep_name;
	check_encode("CONNECT example.com:443", &a,
		     V("\x05\x01\x00\x03\x0b" "example.com" "\x01\xbb"));
	a.cmd = SOCKS5_CMD_BIND;
	a.ep = &ep_v4;
	check_encode("BIND 1.2.3.4:80", &a,
		     V("\x05\x02\x00\x01\x01\x02\x03\x04\x00\x50"));
	a.ep = &ep_name;
	check_encode("BIND example.com:443", &a,
		     V("\x05\x02\x00\x03\x0b" "example.com" "\x01\xbb"));
	a.cmd = SOCKS5_CMD_UDP_ASSOCIATE;
	a.ep = &ep_v4_any;
	check_encode("UDP ASSOCIATE 0.0.0.0:0", &a,
		     V("\x05\x03\x00\x01\x00\x00\x00\x00\x00\x00"));
	a.ep = &ep_v6_any;
	check_encode("UDP ASSOCIATE [::]:0", &a,
		     V("\x05\x03\x00\x04"
		       "\x00\x00\x00\x00\x00\x00\x00\x00"
		       "\x00\x00\x00\x00\x00\x00\x00\x00" "\x00\x00"));
	a.ep = &ep_v4;
	check_encode("UDP ASSOCIATE 1.2.3.4:80", &a,
		     V("\x05\x03\x00\x01\x01\x02\x03\x04\x00\x50"));

	memset(&ep, 0, sizeof(ep));
	ep.atyp = SX_ATYP_DOMAIN;
	ep.name_len = 255;
	ep.port = 65535;
	memset(ep.name, 'n', 255);
	n = 0;
	want[n++] = 0x05;
	want[n++] = 0x01;
	want[n++] = 0x00;
	want[n++] = 0x03;
	want[n++] = 255;
	memset(want + n, 'n', 255);
	n += 255;
	want[n++] = 0xff;
	want[n++] = 0xff;
	a.cmd = SOCKS5_CMD_CONNECT;
	a.ep = &ep;
	check_encode("CONNECT to a 255-byte name", &a, want, n);

	ep = ep_name;
	ep.name_len = 0;
	is_int(socks5_encode_request(buf, sizeof(buf), SOCKS5_CMD_CONNECT, &ep),
	       -EINVAL, "a name endpoint with name_len 0 is -EINVAL");
	ep = ep_v4;
	ep.atyp = 0x02;
	is_int(socks5_encode_request(buf, sizeof(buf), SOCKS5_CMD_CONNECT, &ep),
	       -EINVAL, "ATYP 2 is -EINVAL");
	ep.atyp = 0x00;
	is_int(socks5_encode_request(buf, 0, SOCKS5_CMD_CONNECT, &ep),
	       -EINVAL, "ATYP 0 is -EINVAL even at cap 0");
	is_int(socks5_encode_request(buf, sizeof(buf), 0x00, &ep_v4), -EINVAL,
	       "command 0 is -EINVAL");
	is_int(socks5_encode_request(buf, sizeof(buf), 0x04, &ep_v4), -EINVAL,
	       "command 4 is -EINVAL");
	is_int(socks5_encode_request(buf, sizeof(buf), SOCKS5_CMD_CONNECT, NULL),
	       -EINVAL, "a NULL destination is -EINVAL");
	is_int(sx_endpoint_from_name(&ep, "", 80), -EINVAL,
	       "an empty name never becomes an endpoint");
}

/* The decoders under test, behind one signature. */
enum dec_kind {
	DEC_METHOD,
	DEC_AUTH,
	DEC_REPLY,
};

union dec_out {
	uint8_t byte;
	struct socks5_reply reply;
};

static ssize_t
decode(enum dec_kind kind, const uint8_t *buf, size_t len, union dec_out *out)
{
	switch (kind) {
	case DEC_METHOD:
		return socks5_decode_method(buf, len, &out->byte);
	case DEC_AUTH:
		return socks5_decode_auth(buf, len, &out->byte);
	default:
		return socks5_decode_reply(buf, len, &out->reply);
	}
}

/*
 * Feed every proper prefix (each in a heap buffer of exactly its size) and
 * expect 0 with out untouched; then the whole, and the whole followed by
 * more bytes (pipelined or optimistic data), and expect the message's
 * length.  *out holds the decoded whole.
 */
static void
check_decode(const char *what, enum dec_kind kind, const uint8_t *in,
	     size_t in_len, union dec_out *out)
{
	union dec_out blank;
	uint8_t more[600];
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
		*out = blank;
		r = decode(kind, buf, k, out);
		free(buf);
		if (r != 0 || memcmp(out, &blank, sizeof(*out)) != 0) {
			snprintf(msg, sizeof(msg), "%s: prefix of %zu bytes", what, k);
			ok(0, msg);
			printf("#   returned %zd\n", r);
			return;
		}
	}
	snprintf(msg, sizeof(msg), "%s: every prefix 0..%zu needs more", what,
		 in_len - 1);
	ok(1, msg);

	memcpy(more, in, in_len);
	memset(more + in_len, 'D', sizeof(more) - in_len);
	*out = blank;
	r = decode(kind, more, sizeof(more), out);
	snprintf(msg, sizeof(msg), "%s: data after it is not consumed", what);
	is_int(r, in_len, msg);

	*out = blank;
	r = decode(kind, in, in_len, out);
	snprintf(msg, sizeof(msg), "%s: consumes %zu bytes", what, in_len);
	is_int(r, in_len, msg);
}

static void
check_bad(const char *what, enum dec_kind kind, const uint8_t *in,
	  size_t in_len)
{
	union dec_out out;

	is_int(decode(kind, in, in_len, &out), -EPROTO, what);
}

static void
test_method_and_auth_reply(void)
{
	union dec_out out;

	check_decode("method reply X'00'", DEC_METHOD, V("\x05\x00"), &out);
	is_int(out.byte, SOCKS5_METHOD_NONE, "method is X'00'");
	check_decode("method reply X'02'", DEC_METHOD, V("\x05\x02"), &out);
	is_int(out.byte, SOCKS5_METHOD_USERPASS, "method is X'02'");
	check_decode("method reply X'FF'", DEC_METHOD, V("\x05\xff"), &out);
	is_int(out.byte, SOCKS5_METHOD_UNACCEPTABLE, "method is X'FF'");
	check_bad("method reply VER 4 is -EPROTO", DEC_METHOD, V("\x04\x00"));
	check_bad("method reply VER 1 is -EPROTO", DEC_METHOD, V("\x01\x00"));
	check_bad("a SOCKS4 reply is not a method reply", DEC_METHOD,
		  V("\x00\x5a\x00\x50\x01\x02\x03\x04"));
	check_bad("an HTTP answer is not a method reply", DEC_METHOD,
		  V("HTTP/1.1 400 Bad Request\r\n"));

	check_decode("auth reply VER 1 success", DEC_AUTH, V("\x01\x00"), &out);
	is_int(out.byte, 0, "status is 0");
	check_decode("auth reply VER 5 success (seen in the wild)", DEC_AUTH,
		     V("\x05\x00"), &out);
	is_int(out.byte, 0, "status is 0 with VER 5");
	check_decode("auth reply failure", DEC_AUTH, V("\x01\x01"), &out);
	is_int(out.byte, 1, "status is 1");
	check_decode("auth reply failure X'FF'", DEC_AUTH, V("\x01\xff"), &out);
	is_int(out.byte, 0xff, "status is X'FF'");
	check_bad("auth reply VER 0 is -EPROTO", DEC_AUTH, V("\x00\x00"));
	check_bad("auth reply VER 2 is -EPROTO", DEC_AUTH, V("\x02\x00"));
	check_bad("auth reply VER 4 is -EPROTO", DEC_AUTH, V("\x04\x00"));
}

static void
check_reply(const char *what, const uint8_t *in, size_t in_len, uint8_t rep,
	    const struct sx_endpoint *bnd)
{
	union dec_out out;
	char msg[200];

	check_decode(what, DEC_REPLY, in, in_len, &out);
	snprintf(msg, sizeof(msg), "%s: REP", what);
	is_int(out.reply.rep, rep, msg);
	snprintf(msg, sizeof(msg), "%s: BND ATYP", what);
	is_int(out.reply.bnd.atyp, bnd->atyp, msg);
	snprintf(msg, sizeof(msg), "%s: BND.PORT", what);
	is_int(out.reply.bnd.port, bnd->port, msg);
	if (bnd->atyp == SX_ATYP_DOMAIN) {
		snprintf(msg, sizeof(msg), "%s: BND name length", what);
		is_int(out.reply.bnd.name_len, bnd->name_len, msg);
		snprintf(msg, sizeof(msg), "%s: BND name", what);
		is_str(out.reply.bnd.name, bnd->name, msg);
	} else {
		snprintf(msg, sizeof(msg), "%s: BND.ADDR", what);
		is_bytes(out.reply.bnd.addr, bnd->addr,
			 bnd->atyp == SX_ATYP_IPV4 ? 4 : 16, msg);
		snprintf(msg, sizeof(msg), "%s: no name", what);
		is_int(out.reply.bnd.name_len, 0, msg);
	}
}

static void
test_reply(void)
{
	static const struct sx_endpoint lo1080 = {
		.atyp = SX_ATYP_IPV4, .port = 1080, .addr = { 127, 0, 0, 1 },
	};
	static const struct sx_endpoint localhost80 = {
		.atyp = SX_ATYP_DOMAIN, .port = 80, .name_len = 9,
		.name = "localhost",
	};
	uint8_t in[600];
	struct sx_endpoint big;
	size_t n;

	check_reply("succeeded, BND 127.0.0.1:1080",
		    V("\x05\x00\x00\x01\x7f\x00\x00\x01\x04\x38"), 0x00, &lo1080);
	check_reply("succeeded, BND [2001:db8::1]:443",
		    V("\x05\x00\x00\x04"
		      "\x20\x01\x0d\xb8\x00\x00\x00\x00"
		      "\x00\x00\x00\x00\x00\x00\x00\x01" "\x01\xbb"),
		    0x00, &ep_v6);
	check_reply("succeeded, BND localhost:80",
		    V("\x05\x00\x00\x03\x09" "localhost" "\x00\x50"), 0x00,
		    &localhost80);
	check_reply("succeeded, BND 0.0.0.0:0",
		    V("\x05\x00\x00\x01\x00\x00\x00\x00\x00\x00"), 0x00,
		    &ep_v4_any);
	check_reply("connection refused still carries a BND",
		    V("\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00"), 0x05,
		    &ep_v4_any);
	check_reply("a Tor extended error X'F6'",
		    V("\x05\xf6\x00\x01\x00\x00\x00\x00\x00\x00"), 0xf6,
		    &ep_v4_any);
	check_reply("RSV not zero is ignored",
		    V("\x05\x00\xff\x01\x7f\x00\x00\x01\x04\x38"), 0x00, &lo1080);

	memset(&big, 0, sizeof(big));
	big.atyp = SX_ATYP_DOMAIN;
	big.name_len = 255;
	big.port = 0x1234;
	memset(big.name, 'x', 255);
	n = 0;
	in[n++] = 0x05;
	in[n++] = 0x00;
	in[n++] = 0x00;
	in[n++] = 0x03;
	in[n++] = 255;
	memset(in + n, 'x', 255);
	n += 255;
	in[n++] = 0x12;
	in[n++] = 0x34;
	is_int(n, SOCKS5_REPLY_MAX, "a 255-byte BND name is SOCKS5_REPLY_MAX bytes");
	check_reply("succeeded, BND a 255-byte name", in, n, 0x00, &big);

	check_bad("VER 4 is -EPROTO", DEC_REPLY,
		  V("\x04\x00\x00\x01\x7f\x00\x00\x01\x04\x38"));
	check_bad("VER 0 (a SOCKS4 reply) is -EPROTO", DEC_REPLY,
		  V("\x00\x5a\x00\x50\x01\x02\x03\x04"));
	check_bad("VER 4 is -EPROTO once the fixed part is in", DEC_REPLY,
		  V("\x04\x00\x00\x01"));
	check_bad("ATYP 0 is -EPROTO", DEC_REPLY, V("\x05\x00\x00\x00"));
	check_bad("ATYP 2 is -EPROTO", DEC_REPLY,
		  V("\x05\x00\x00\x02\x7f\x00\x00\x01\x04\x38"));
	check_bad("ATYP 5 is -EPROTO", DEC_REPLY, V("\x05\x00\x00\x05"));
	check_bad("a zero-length BND name is -EPROTO", DEC_REPLY,
		  V("\x05\x00\x00\x03\x00"));
	check_bad("a zero-length BND name is -EPROTO with a port after it",
		  DEC_REPLY, V("\x05\x00\x00\x03\x00\x00\x50"));

	{
		union dec_out out;

		is_int(decode(DEC_REPLY, (const uint8_t *)"\x04\x00\x00", 3,
			      &out), 0,
		       "a bad VER is not judged before the fixed part is in");
		is_int(socks5_decode_reply((const uint8_t *)"\x05\x00", 2, NULL),
		       -EINVAL, "a NULL out is -EINVAL");
	}
}

static void
test_tables(void)
{
	static const struct {
		uint8_t rep;
		int err;
		const char *message;
	} table[] = {
		{ 0x00, 0, "succeeded" },
		{ 0x01, EIO, "general SOCKS server failure" },
		{ 0x02, EACCES, "connection not allowed by ruleset" },
		{ 0x03, ENETUNREACH, "network unreachable" },
		{ 0x04, EHOSTUNREACH, "host unreachable" },
		{ 0x05, ECONNREFUSED, "connection refused" },
		{ 0x06, ETIMEDOUT, "TTL expired" },
		{ 0x07, EOPNOTSUPP, "command not supported" },
		{ 0x08, EAFNOSUPPORT, "address type not supported" },
		{ 0xf0, EHOSTUNREACH, "onion service descriptor can not be found" },
		{ 0xf1, EHOSTUNREACH, "onion service descriptor is invalid" },
		{ 0xf2, EHOSTUNREACH, "onion service introduction failed" },
		{ 0xf3, EHOSTUNREACH, "onion service rendezvous failed" },
		{ 0xf4, EACCES, "onion service missing client authorization" },
		{ 0xf5, EACCES, "onion service wrong client authorization" },
		{ 0xf6, EHOSTUNREACH, "onion service invalid address" },
		{ 0xf7, ETIMEDOUT, "onion service introduction timed out" },
	};
	char msg[120];
	int others_ok = 1;

	for (size_t i = 0; i < SX_ARRAY_LEN(table); i++) {
		snprintf(msg, sizeof(msg), "REP X'%02X' errno", table[i].rep);
		is_int(socks5_reply_errno(table[i].rep), table[i].err, msg);
		snprintf(msg, sizeof(msg), "REP X'%02X' message", table[i].rep);
		is_str(socks5_reply_message(table[i].rep), table[i].message, msg);
	}
	for (int rep = 0x09; rep < 0x100; rep++) {
		if (rep >= 0xf0 && rep <= 0xf7)
			continue;
		if (socks5_reply_errno((uint8_t)rep) != EIO ||
		    strcmp(socks5_reply_message((uint8_t)rep),
			   "unknown reply code") != 0) {
			printf("#   REP X'%02X'\n", (unsigned)rep);
			others_ok = 0;
		}
	}
	ok(others_ok, "every other REP is EIO and \"unknown reply code\"");
}

static void
test_udp_encode(void)
{
	struct enc_args a = { .kind = ENC_UDP };
	struct sx_endpoint ep;
	uint8_t buf[600], want[600];
	char name[300];
	size_t n;

	a.ep = &ep_dns;
	check_encode("UDP header for 8.8.8.8:53", &a,
		     V("\x00\x00\x00\x01\x08\x08\x08\x08\x00\x35"));
	a.ep = &ep_dns6;
	check_encode("UDP header for [2001:4860:4860::8888]:53", &a,
		     V("\x00\x00\x00\x04"
		       "\x20\x01\x48\x60\x48\x60\x00\x00"
		       "\x00\x00\x00\x00\x00\x00\x88\x88" "\x00\x35"));
	a.ep = &ep_name;
	check_encode("UDP header for example.com:443", &a,
		     V("\x00\x00\x00\x03\x0b" "example.com" "\x01\xbb"));

	memset(name, 'q', 255);
	name[255] = '\0';
	is_int(sx_endpoint_from_name(&ep, name, 53), 0, "a 255-byte name is fine");
	n = 0;
	want[n++] = 0x00;
	want[n++] = 0x00;
	want[n++] = 0x00;
	want[n++] = 0x03;
	want[n++] = 255;
	memset(want + n, 'q', 255);
	n += 255;
	want[n++] = 0x00;
	want[n++] = 0x35;
	is_int(n, SOCKS5_UDP_HEADER_MAX,
	       "a 255-byte name makes a SOCKS5_UDP_HEADER_MAX header");
	a.ep = &ep;
	check_encode("UDP header for a 255-byte name", &a, want, n);

	/*
	 * name_len is one byte, so a longer name cannot reach the encoder:
	 * it is refused when the endpoint is made.
	 */
	name[255] = 'q';
	name[256] = '\0';
	is_int(sx_endpoint_from_name(&ep, name, 53), -ENAMETOOLONG,
	       "a 256-byte name for a datagram is -ENAMETOOLONG");

	ep = ep_name;
	ep.name_len = 0;
	is_int(socks5_encode_udp_header(buf, sizeof(buf), &ep), -EINVAL,
	       "a UDP header for name_len 0 is -EINVAL");
	ep.atyp = 0x07;
	is_int(socks5_encode_udp_header(buf, sizeof(buf), &ep), -EINVAL,
	       "a UDP header for ATYP 7 is -EINVAL");
	is_int(socks5_encode_udp_header(buf, sizeof(buf), NULL), -EINVAL,
	       "a UDP header for NULL is -EINVAL");
}

/*
 * A datagram: header then payload.  The header must come back with its
 * length; every cut inside the header is -EPROTO, never 0.
 */
static void
check_udp_decode(const char *what, const uint8_t *hdr, size_t hdr_len,
		 uint8_t frag, const struct sx_endpoint *addr)
{
	struct socks5_udp_header out;
	uint8_t dgram[600];
	char msg[200];
	ssize_t r;

	memcpy(dgram, hdr, hdr_len);
	memcpy(dgram + hdr_len, "payload", 7);
	memset(&out, 0x5a, sizeof(out));
	r = socks5_decode_udp_header(dgram, hdr_len + 7, &out);
	snprintf(msg, sizeof(msg), "%s: header length", what);
	is_int(r, hdr_len, msg);
	snprintf(msg, sizeof(msg), "%s: FRAG", what);
	is_int(out.frag, frag, msg);
	snprintf(msg, sizeof(msg), "%s: ATYP", what);
	is_int(out.addr.atyp, addr->atyp, msg);
	snprintf(msg, sizeof(msg), "%s: port", what);
	is_int(out.addr.port, addr->port, msg);
	snprintf(msg, sizeof(msg), "%s: address", what);
	if (addr->atyp == SX_ATYP_DOMAIN) {
		is_str(out.addr.name, addr->name, msg);
		snprintf(msg, sizeof(msg), "%s: name length", what);
		is_int(out.addr.name_len, addr->name_len, msg);
	} else {
		is_bytes(out.addr.addr, addr->addr,
			 addr->atyp == SX_ATYP_IPV4 ? 4 : 16, msg);
	}

	r = socks5_decode_udp_header(hdr, hdr_len, &out);
	snprintf(msg, sizeof(msg), "%s: an empty payload is fine", what);
	is_int(r, hdr_len, msg);

	for (size_t k = 0; k < hdr_len; k++) {
		uint8_t *buf = malloc(k);

		if (buf == NULL && k > 0) {
			ok(0, "malloc");
			return;
		}
		if (k > 0)
			memcpy(buf, hdr, k);
		r = socks5_decode_udp_header(buf, k, &out);
		free(buf);
		if (r != -EPROTO) {
			snprintf(msg, sizeof(msg), "%s: cut to %zu bytes", what, k);
			ok(0, msg);
			printf("#   returned %zd\n", r);
			return;
		}
	}
	snprintf(msg, sizeof(msg), "%s: every cut 0..%zu is -EPROTO", what,
		 hdr_len - 1);
	ok(1, msg);
}

static void
test_udp_decode(void)
{
	struct socks5_udp_header out;
	uint8_t buf[SOCKS5_UDP_HEADER_MAX];
	ssize_t r;

	check_udp_decode("datagram from 8.8.8.8:53",
			 V("\x00\x00\x00\x01\x08\x08\x08\x08\x00\x35"), 0,
			 &ep_dns);
	check_udp_decode("datagram from [2001:4860:4860::8888]:53",
			 V("\x00\x00\x00\x04"
			   "\x20\x01\x48\x60\x48\x60\x00\x00"
			   "\x00\x00\x00\x00\x00\x00\x88\x88" "\x00\x35"), 0,
			 &ep_dns6);
	check_udp_decode("datagram from example.com:443",
			 V("\x00\x00\x00\x03\x0b" "example.com" "\x01\xbb"), 0,
			 &ep_name);
	check_udp_decode("FRAG 1 is reported",
			 V("\x00\x00\x01\x01\x08\x08\x08\x08\x00\x35"), 1,
			 &ep_dns);
	check_udp_decode("FRAG X'81' (last fragment) is reported",
			 V("\x00\x00\x81\x01\x08\x08\x08\x08\x00\x35"), 0x81,
			 &ep_dns);
	check_udp_decode("RSV not zero is accepted",
			 V("\x12\x34\x00\x01\x08\x08\x08\x08\x00\x35"), 0,
			 &ep_dns);

	is_int(socks5_decode_udp_header(
		       (const uint8_t *)"\x00\x00\x00\x02\x08\x08\x08\x08\x00\x35",
		       10, &out), -EPROTO, "a datagram with ATYP 2 is -EPROTO");
	is_int(socks5_decode_udp_header(
		       (const uint8_t *)"\x00\x00\x00\x00\x08\x08\x08\x08\x00\x35",
		       10, &out), -EPROTO, "a datagram with ATYP 0 is -EPROTO");
	is_int(socks5_decode_udp_header(
		       (const uint8_t *)"\x00\x00\x00\x03\x00\x00\x35payload",
		       14, &out), -EPROTO,
	       "a datagram with a zero-length name is -EPROTO");
	is_int(socks5_decode_udp_header(
		       (const uint8_t *)"\x00\x00\x00\x03\x0b" "example" "\x01\xbb",
		       14, &out), -EPROTO,
	       "a name longer than the datagram is -EPROTO");
	is_int(socks5_decode_udp_header(NULL, 0, &out), -EPROTO,
	       "an empty datagram is -EPROTO");

	/* What the encoder writes, the decoder reads back. */
	r = socks5_encode_udp_header(buf, sizeof(buf), &ep_name);
	is_int(socks5_decode_udp_header(buf, (size_t)r, &out), r,
	       "encode then decode gives the same length");
	is_int(out.frag, 0, "encode sends FRAG 0");
	is_str(out.addr.name, "example.com", "encode then decode keeps the name");
	is_int(out.addr.port, 443, "encode then decode keeps the port");
}

int
main(void)
{
	test_greeting();
	test_auth();
	test_request();
	test_method_and_auth_reply();
	test_reply();
	test_tables();
	test_udp_encode();
	test_udp_decode();
	return tap_done();
}

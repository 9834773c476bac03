/*
 * The SOCKS5 GSSAPI method (core/socks5_gssapi.c) inside the handshake,
 * against a scripted proxy and a fake GSS-API table: the greeting that
 * offers it, the context tokens framed as RFC 1961 says, the wrapped
 * protection level, then the request; the proxy's answers whole, a byte
 * at a time and with waits; an abort, a level the client did not ask
 * for, a failing GSS call, UDP, and that the context is always deleted.
 *
 * The fake mechanism: the first init call gives "TOK1" and wants more;
 * the server's "REP1" completes it.  wrap prefixes "W" (and "C" with
 * confidentiality), unwrap takes the "W" off.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "gssframe.h"
#include "gsswrap.h"
#include "handshake.h"
#include "socks5.h"
#include "socks5_gssapi.h"
#include "tap.h"

#define SOCK_FD 3
#define V(s) (const uint8_t *)(s), (sizeof(s) - 1)

static struct {
	uint8_t bytes[1024];
	size_t len;
} out;

static struct {
	const uint8_t *bytes;
	size_t len, off;
	size_t chunk;		/* at most this many bytes per recv (0: any) */
	bool eof;
} in;

static struct {
	int inits, wraps, unwraps, drops, live;
	bool conf_asked;
	bool conf_replies;	/* unwrap says the token was encrypted */
	int fail_init;		/* init fails with this -errno */
	char target[600];
	bool principal;
} gss;

static int ctx_marker;

static void
fake_reset(const uint8_t *s, size_t n)
{
	memset(&out, 0, sizeof(out));
	memset(&in, 0, sizeof(in));
	memset(&gss, 0, sizeof(gss));
	in.bytes = s;
	in.len = n;
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
	if (out.len + len > sizeof(out.bytes)) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(out.bytes + out.len, buf, len);
	out.len += len;
	return (ssize_t)len;
}

static ssize_t
fake_recv(int fd, void *buf, size_t len, int flags)
{
	size_t left = in.len - in.off;

	(void)fd;
	(void)flags;
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

static int
fake_init(void **ctx, const char *target, bool principal, const uint8_t *tok,
	  size_t tok_len, uint8_t *o, size_t cap, size_t *o_len, char *why,
	  size_t whylen)
{
	gss.inits++;
	snprintf(gss.target, sizeof(gss.target), "%s", target);
	gss.principal = principal;
	*o_len = 0;
	if (gss.fail_init) {
		snprintf(why, whylen, "fake init failed");
		return gss.fail_init;
	}
	if (*ctx == NULL && tok_len == 0 && cap >= 4) {
		*ctx = &ctx_marker;
		gss.live++;
		memcpy(o, "TOK1", 4);
		*o_len = 4;
		return 1;
	}
	if (*ctx == &ctx_marker && tok_len == 4 && memcmp(tok, "REP1", 4) == 0)
		return 0;
	snprintf(why, whylen, "fake init: unexpected token");
	return -EPROTO;
}

static int
fake_wrap(void *ctx, bool conf, const uint8_t *i, size_t len, uint8_t *o,
	  size_t cap, size_t *o_len, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	gss.wraps++;
	gss.conf_asked = conf;
	if (ctx != &ctx_marker || len + 1 > cap)
		return -EINVAL;
	o[0] = conf ? 'C' : 'W';
	memcpy(o + 1, i, len);
	*o_len = len + 1;
	return 0;
}

static int
fake_unwrap(void *ctx, const uint8_t *i, size_t len, uint8_t *o, size_t cap,
	    size_t *o_len, bool *conf, char *why, size_t whylen)
{
	gss.unwraps++;
	if (ctx != &ctx_marker || len < 1 || i[0] != 'W' || len - 1 > cap) {
		snprintf(why, whylen, "fake unwrap: bad token");
		return -EPROTO;
	}
	memcpy(o, i + 1, len - 1);
	*o_len = len - 1;
	if (conf != NULL)
		*conf = gss.conf_replies;
	return 0;
}

static void
fake_drop(void **ctx)
{
	if (*ctx == &ctx_marker)
		gss.live--;
	gss.drops++;
	*ctx = NULL;
}

static const struct socks5_gssapi_ops fake_ops = {
	.init = fake_init,
	.wrap = fake_wrap,
	.unwrap = fake_unwrap,
	.drop = fake_drop,
};

static int
step(struct handshake *hs)
{
	int rc = SX_WANT_READ;

	for (int i = 0; i < 2000 && rc > 0; i++) {
		size_t off = in.off, sent = out.len;

		rc = handshake_step(hs, &fake_sys, SOCK_FD);
		if (rc > 0 && in.off == off && out.len == sent && in.off == in.len)
			break;
	}
	return rc;
}

static struct config_proxy
proxy(const char *user, const char *service)
{
	struct config_proxy p;
	struct sockaddr_in *sin = (struct sockaddr_in *)&p.addr;

	memset(&p, 0, sizeof(p));
	p.version = 5;
	p.gssapi = true;
	strcpy(p.gss_service, service);
	if (user) {
		p.has_auth = true;
		strcpy(p.user, user);
		strcpy(p.pass, "secret");
	}
	strcpy(p.host, "proxy.test");
	p.port = 1080;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(1080);
	sin->sin_addr.s_addr = htonl(0xc0000201);
	p.addrlen = sizeof(*sin);
	return p;
}

static struct sx_endpoint
dst_v4(void)
{
	struct sx_endpoint e = { .atyp = SX_ATYP_IPV4, .port = 80,
				 .addr = { 93, 184, 216, 34 } };

	return e;
}

#define GREETING "\x05\x01\x01"
#define TOKEN1 "\x01\x01\x00\x04TOK1"
#define REPLY1 "\x01\x01\x00\x04REP1"
#define LEVEL_ASKED "\x01\x02\x00\x02W\x00"
#define LEVEL_NONE "\x01\x02\x00\x02W\x00"
#define REQ_V4 "\x05\x01\x00\x01\x5d\xb8\xd8\x22\x00\x50"
#define REP_OK "\x05\x00\x00\x01\x0a\x00\x00\x01\x1f\x90"

static const uint8_t server_ok[] = "\x05\x01" REPLY1 LEVEL_NONE REP_OK;
static const uint8_t client_ok[] = GREETING TOKEN1 LEVEL_ASKED REQ_V4;

static void
test_whole_exchange(size_t chunk)
{
	struct config_proxy p = proxy(NULL, "rcmd");
	struct sx_endpoint d = dst_v4();
	struct handshake hs;
	char label[128];

	socks5_gssapi_use(&fake_ops);
	fake_reset(server_ok, sizeof(server_ok) - 1);
	in.chunk = chunk;
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, true);
	ok(!hs.pipeline, "a GSSAPI greeting is never pipelined");
	snprintf(label, sizeof(label), "the exchange completes (chunk %zu)", chunk);
	is_int(step(&hs), SX_DONE, label);
	is_int((int)out.len, (int)sizeof(client_ok) - 1, "every client byte went out");
	is_bytes(out.bytes, client_ok, sizeof(client_ok) - 1,
		 "greeting, token, wrapped level 0, request");
	is_int((int)in.off, (int)in.len, "every server byte was read, no more");
	is_str(gss.target, "rcmd@proxy.test", "the target is service@proxy host");
	ok(!gss.principal, "as a host-based service");
	ok(!gss.conf_asked, "the level is wrapped without confidentiality");
	is_int(gss.live, 0, "the context is deleted once the level is agreed");
	ok(hs.gss == NULL, "and the exchange freed");
	is_int(hs.bnd.port, 8080, "the reply's BND is read");
}

static void
test_waits(void)
{
	struct config_proxy p = proxy(NULL, "rcmd");
	struct sx_endpoint d = dst_v4();
	struct handshake hs;

	socks5_gssapi_use(&fake_ops);
	fake_reset(server_ok, 2);	/* only the method so far */
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), SX_WANT_READ, "waits for the server's token");
	is_int(hs.state, HS_GSSAPI, "inside the GSSAPI exchange");
	in.len = 2 + 6;			/* the token cut short */
	is_int(step(&hs), SX_WANT_READ, "a token cut short waits");
	in.len = sizeof(server_ok) - 1;
	is_int(step(&hs), SX_DONE, "and the rest completes it");
	is_bytes(out.bytes, client_ok, sizeof(client_ok) - 1, "with the same bytes");
	is_int(gss.live, 0, "no context left");

	fake_reset(server_ok, 2);
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), SX_WANT_READ, "given up while waiting");
	is_int(gss.live, 1, "the context is alive");
	handshake_release(&hs);
	is_int(gss.live, 0, "handshake_release() deletes it");
	handshake_release(&hs);
	is_int(gss.drops, 1, "once");
}

static int
fail_with(const uint8_t *server, size_t n, const char *user,
	  struct handshake *hs)
{
	struct config_proxy p = proxy(user, "rcmd");
	struct sx_endpoint d = dst_v4();
	static struct config_proxy kept;
	int rc;

	kept = p;
	socks5_gssapi_use(&fake_ops);
	fake_reset(server, n);
	in.eof = true;
	handshake_init(hs, &kept, SOCKS5_CMD_CONNECT, &d, false);
	rc = step(hs);
	return rc;
}

static void
test_failures(void)
{
	struct handshake hs;

	is_int(fail_with(V("\x05\x01\x01\xff"), NULL, &hs), -EACCES,
	       "an abort message refuses the client");
	is_str(handshake_reason(&hs), "proxy refused the GSSAPI authentication "
	       "(it sent an abort message)", "and says so");
	is_int(gss.live, 0, "the context is deleted");

	is_int(fail_with(V("\x05\x01" REPLY1 "\x01\x02\x00\x02W\x01"), NULL, &hs),
	       -EPROTONOSUPPORT, "integrity selected is refused");
	is_str(handshake_reason(&hs), "proxy selected GSSAPI integrity for the "
	       "connection; SOCKSIFY_GSSAPI_PROTECTION is none",
	       "naming the level and the setting");
	is_int((int)out.len, (int)(sizeof(GREETING TOKEN1 LEVEL_ASKED) - 1),
	       "and no request is sent");
	is_int(gss.live, 0, "the context is deleted");

	is_int(fail_with(V("\x05\x01" REPLY1 "\x01\x02\x00\x02W\x02"), NULL, &hs),
	       -EPROTONOSUPPORT, "confidentiality selected is refused");

	is_int(fail_with(V("\x05\x01" REPLY1 "\x01\x02\x00\x02X\x00"), NULL, &hs),
	       -EPROTO, "a level token that does not unwrap");
	is_str(handshake_reason(&hs), "fake unwrap: bad token", "the GSS text");

	is_int(fail_with(V("\x05\x01" REPLY1 "\x01\x02\x00\x03W\x00\x00"), NULL, &hs),
	       -EPROTO, "a level of two bytes");

	is_int(fail_with(V("\x05\x01\x02\x01\x00\x04REP1"), NULL, &hs), -EPROTO,
	       "a message of another version");
	is_str(handshake_reason(&hs), "proxy sent a malformed GSSAPI message", "");

	is_int(fail_with(V("\x05\x01\x01\x01\x00\x04RE"), NULL, &hs), -ECONNRESET,
	       "a close in the middle of a token");

	is_int(fail_with(V("\x05\x01\x01\x01\x00\x04XXXX"), NULL, &hs), -EPROTO,
	       "a token the mechanism refuses");
	is_str(handshake_reason(&hs), "fake init: unexpected token", "its text");

	is_int(fail_with(V("\x05\x00"), NULL, &hs), -EPROTO,
	       "no authentication was not offered");
	is_int(fail_with(V("\x05\xff"), NULL, &hs), -EACCES, "X'FF'");
	is_str(handshake_reason(&hs), "proxy does not accept GSSAPI authentication",
	       "says GSSAPI was refused");
	is_int(fail_with(V("\x05\xff"), "alice", &hs), -EACCES, "X'FF' with a user");
	is_str(handshake_reason(&hs), "proxy accepts neither GSSAPI nor user "
	       "name/password authentication", "says both were refused");

	socks5_gssapi_use(&fake_ops);
	fake_reset(V("\x05\x01"));
	gss.fail_init = -EACCES;
	{
		struct config_proxy p = proxy(NULL, "rcmd");
		struct sx_endpoint d = dst_v4();

		handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
		is_int(step(&hs), -EACCES, "a failing first init (no ticket)");
		is_str(handshake_reason(&hs), "fake init failed", "with its text");
	}
}

#define LEVEL_CONF_ASKED "\x01\x02\x00\x02W\x02"
#define LEVEL_INTEG_ASKED "\x01\x02\x00\x02W\x01"
#define LEVEL_INTEG "\x01\x02\x00\x02W\x01"
#define LEVEL_CONF "\x01\x02\x00\x02W\x02"
#define LEVEL_SELECTIVE "\x01\x02\x00\x02W\x03"
/* The request and the reply wrapped by the fake: 'W' or 'C', then the bytes. */
#define WREQ_V4 "\x01\x03\x00\x0bW" REQ_V4
#define CREQ_V4 "\x01\x03\x00\x0b" "C" REQ_V4
#define WREP_OK_HELLO "\x01\x03\x00\x10W" REP_OK "hello"

/* A handshake with setting prot against server; its result. */
static int
level_run_enc(int prot, uint8_t cmd, const uint8_t *server, size_t n,
	      bool encrypted, struct handshake *hs)
{
	static struct config_proxy kept;
	struct sx_endpoint d = dst_v4();

	kept = proxy(NULL, "rcmd");
	kept.gss_protection = prot;
	socks5_gssapi_use(&fake_ops);
	fake_reset(server, n);
	gss.conf_replies = encrypted;
	handshake_init(hs, &kept, cmd, &d, false);
	return step(hs);
}

/* The same with the server's tokens encrypted when confidentiality is asked. */
static int
level_run(int prot, uint8_t cmd, const uint8_t *server, size_t n,
	  struct handshake *hs)
{
	return level_run_enc(prot, cmd, server, n,
			     prot == CONFIG_GSS_PROT_CONFIDENTIALITY ||
			     prot == CONFIG_GSS_PROT_INTEGRITY, hs);
}

static void
test_levels(void)
{
	static const uint8_t client_integ[] = GREETING TOKEN1 LEVEL_CONF_ASKED WREQ_V4;
	static const uint8_t client_conf[] = GREETING TOKEN1 LEVEL_CONF_ASKED CREQ_V4;
	static const uint8_t client_asks1[] = GREETING TOKEN1 LEVEL_INTEG_ASKED;
	struct handshake hs;
	struct gsswrap *w;
	uint8_t buf[16];
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) };
	ssize_t n;

	is_int(level_run(CONFIG_GSS_PROT_ANY, SOCKS5_CMD_CONNECT,
			 V("\x05\x01" REPLY1 LEVEL_INTEG WREP_OK_HELLO), &hs),
	       SX_DONE, "any: integrity selected, the exchange completes");
	is_bytes(out.bytes, client_integ, sizeof(client_integ) - 1,
		 "any asks for confidentiality; the request is one wrapped message");
	is_int((int)out.len, (int)sizeof(client_integ) - 1, "and nothing else");
	is_int(hs.bnd.port, 8080, "the reply is unwrapped and read");
	is_int(gss.live, 1, "the context lives on with the connection");
	w = handshake_take_wrap(&hs);
	ok(w != NULL, "the protection is handed over");
	ok(w && !gsswrap_confidential(w), "integrity only");
	is_int((int)gsswrap_kept(w), 5, "what followed the reply in its message is kept");
	n = gsswrap_recv(w, &fake_sys, SOCK_FD, &iov, 1, MSG_DONTWAIT, NULL, 0);
	is_int((int)n, 5, "and read first");
	is_bytes(buf, (const uint8_t *)"hello", 5, "unwrapped");
	handshake_release(&hs);
	is_int(gss.live, 1, "a handshake whose protection was taken keeps it alive");
	gsswrap_put(w);
	is_int(gss.live, 0, "the last reference deletes the context");

	is_int(level_run(CONFIG_GSS_PROT_CONFIDENTIALITY, SOCKS5_CMD_CONNECT,
			 V("\x05\x01" REPLY1 LEVEL_CONF WREP_OK_HELLO), &hs),
	       SX_DONE, "confidentiality selected and asked for");
	is_bytes(out.bytes, client_conf, sizeof(client_conf) - 1,
		 "the request wrapped with confidentiality");
	handshake_release(&hs);
	is_int(gss.live, 0, "a protection not taken goes with the handshake");

	is_int(level_run(CONFIG_GSS_PROT_INTEGRITY, SOCKS5_CMD_CONNECT,
			 V("\x05\x01" REPLY1 LEVEL_CONF WREP_OK_HELLO), &hs),
	       SX_DONE, "integrity asked for, confidentiality taken");
	ok(memcmp(out.bytes, client_asks1, sizeof(client_asks1) - 1) == 0,
	   "integrity asks for level 1");
	handshake_release(&hs);

	is_int(level_run_enc(CONFIG_GSS_PROT_ANY, SOCKS5_CMD_CONNECT,
			     V("\x05\x01" REPLY1 LEVEL_CONF WREP_OK_HELLO), false, &hs),
	       -EIO, "confidentiality agreed, a reply not encrypted fails");
	is_str(handshake_reason(&hs), "proxy sent a message without confidentiality "
	       "on a connection that has it", "saying so");
	is_int(gss.live, 0, "and deletes the context");

	is_int(level_run(CONFIG_GSS_PROT_INTEGRITY, SOCKS5_CMD_CONNECT,
			 V("\x05\x01" REPLY1 LEVEL_NONE), &hs),
	       -EPROTONOSUPPORT, "integrity asked for, none refused");
	is_str(handshake_reason(&hs), "proxy selected GSSAPI no protection for the "
	       "connection; SOCKSIFY_GSSAPI_PROTECTION is integrity", "with the setting");
	is_int(gss.live, 0, "the context is deleted");

	is_int(level_run(CONFIG_GSS_PROT_CONFIDENTIALITY, SOCKS5_CMD_CONNECT,
			 V("\x05\x01" REPLY1 LEVEL_INTEG), &hs),
	       -EPROTONOSUPPORT, "confidentiality asked for, integrity refused");

	is_int(level_run(CONFIG_GSS_PROT_ANY, SOCKS5_CMD_CONNECT,
			 V("\x05\x01" REPLY1 LEVEL_SELECTIVE), &hs),
	       -EPROTONOSUPPORT, "per-message selection (level 3) is refused");

	is_int(level_run(CONFIG_GSS_PROT_ANY, SOCKS5_CMD_BIND,
			 V("\x05\x01" REPLY1 LEVEL_INTEG), &hs),
	       -EOPNOTSUPP, "BIND under protection is refused");
	is_str(handshake_reason(&hs), "proxy selected GSSAPI integrity, which "
	       "socksify carries on CONNECT only, not on BIND", "saying so");
	is_int(gss.live, 0, "the context is deleted");

	is_int(level_run(CONFIG_GSS_PROT_ANY, SOCKS5_CMD_BIND,
			 V("\x05\x01" REPLY1 LEVEL_NONE REP_OK), &hs),
	       SX_DONE, "BIND without protection goes on");
	ok(handshake_take_wrap(&hs) == NULL, "with no protection to take");

	is_int(level_run(CONFIG_GSS_PROT_ANY, SOCKS5_CMD_CONNECT,
			 V("\x05\x01" REPLY1 LEVEL_INTEG "\x01\x03\x00\x0bX" REP_OK), &hs),
	       -EIO, "a reply that does not unwrap fails the handshake");
	is_str(handshake_reason(&hs), "fake unwrap: bad token", "with the GSS text");
	is_int(gss.live, 0, "and deletes the context");
}

static void
test_greeting_and_udp(void)
{
	static const uint8_t both[] = "\x05\x02\x01\x02";
	struct config_proxy p = proxy("alice", "rcmd/proxy.test@REALM");
	struct sx_endpoint d = dst_v4();
	struct handshake hs;
	uint8_t buf[8];

	is_int(socks5_gssapi_encode_greeting(buf, sizeof(buf), true), 4,
	       "with a user, two methods");
	is_bytes(buf, both, 4, "GSSAPI first, then user name/password");
	is_int(socks5_gssapi_encode_greeting(buf, 3, true), -ENOSPC, "no room");

	/* The proxy picks user name/password: RFC 1929 as usual. */
	socks5_gssapi_use(&fake_ops);
	fake_reset(V("\x05\x02\x01\x00" REP_OK));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), SX_DONE, "the proxy may choose user name/password");
	is_bytes(out.bytes, both, 4, "after a greeting that offered both");
	is_int(gss.inits, 0, "no GSS-API call");

	fake_reset(V("\x05\x01" REPLY1 LEVEL_NONE REP_OK));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), SX_DONE, "or GSSAPI");
	is_str(gss.target, "rcmd/proxy.test@REALM", "a service with a / is the principal");
	ok(gss.principal, "named as a principal");

	fake_reset(V("\x05\x01"));
	handshake_init(&hs, &p, SOCKS5_CMD_UDP_ASSOCIATE, &d, false);
	is_int(step(&hs), -EOPNOTSUPP, "UDP ASSOCIATE under GSSAPI is refused");
	is_int(gss.inits, 0, "before any GSS-API call");

	socks5_gssapi_use(NULL);
	fake_reset(V("\x05\x01"));
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &d, false);
	is_int(step(&hs), -ENOPROTOOPT, "no GSS-API table: refused");
}

int
main(void)
{
	test_whole_exchange(0);
	test_whole_exchange(1);
	test_waits();
	test_failures();
	test_levels();
	test_greeting_and_udp();
	return tap_done();
}

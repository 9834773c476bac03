/*
 * The GSSAPI exchange of the SOCKS5 handshake (core/socks5_gssapi.c)
 * against a fuzzed proxy.  The input is
 *
 *	FLAGS CHUNK STREAM...
 *
 * FLAGS: bit 0 a user name (the greeting offers user name/password too),
 * bit 1 a whole principal as the service, bits 2-3 how many tokens the
 * fake mechanism wants from the server (0-3), bits 4-5 the protection
 * setting (config.h: none, integrity, confidentiality, any).  CHUNK: the most bytes one
 * recv() hands out (0: all), with an EAGAIN before every other call.
 * STREAM: everything the proxy says, from its method selection on.
 *
 * The fake mechanism sends "T<n>" tokens, wants that many server tokens,
 * takes any that does not start with 0xEE, wraps with a "W" prefix and
 * unwraps only what starts with one.  Whatever the bytes, the handshake ends in SX_DONE or
 * a -errno within a bounded number of steps, every GSS context made is
 * deleted by then (but the one a protection the proxy selected keeps,
 * deleted with it), and it never reads past what it decodes (under
 * protection, past what the messages it unwrapped hold).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "fuzz.h"
#include "gsswrap.h"
#include "handshake.h"
#include "socks5.h"
#include "socks5_gssapi.h"

#define FAKE_FD 7
#define FAKE_STEPS_MAX 100000

static struct {
	const uint8_t *in;
	size_t in_len, in_off;
	size_t chunk;
	unsigned long calls;
	size_t sent;
	int live, rounds, wanted;
} fake;

static int ctx_marker;

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
	(void)buf;
	(void)flags;
	fake.sent += len;
	return (ssize_t)len;
}

static ssize_t
fake_recv(int fd, void *buf, size_t len, int flags)
{
	size_t left = fake.in_len - fake.in_off;

	(void)fd;
	(void)flags;
	fake.calls++;
	if (fake.chunk && fake.calls % 2 == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (left == 0)
		return 0;
	if (len > left)
		len = left;
	if (fake.chunk && len > fake.chunk)
		len = fake.chunk;
	memcpy(buf, fake.in + fake.in_off, len);
	fake.in_off += len;
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
	(void)target;
	(void)principal;
	*o_len = 0;
	fuzz_check(cap >= 2, "room for a token");
	if (*ctx == NULL) {
		fuzz_check(tok_len == 0, "the first call has no input token");
		*ctx = &ctx_marker;
		fake.live++;
		o[0] = 'T';
		o[1] = 0;
		*o_len = 2;
		return fake.wanted > 0 ? 1 : 0;
	}
	if (tok_len > 0 && tok[0] == 0xee) {
		snprintf(why, whylen, "refused");
		return -EACCES;
	}
	fake.rounds++;
	if (fake.rounds >= fake.wanted)
		return 0;
	o[0] = 'T';
	o[1] = (uint8_t)fake.rounds;
	*o_len = 2;
	return 1;
}

static int
fake_wrap(void *ctx, bool conf, const uint8_t *i, size_t len, uint8_t *o,
	  size_t cap, size_t *o_len, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	fuzz_check(ctx == &ctx_marker, "wrap with the context");
	/* The level (one byte) is never confidential; the request may be. */
	fuzz_check(!conf || len > 1, "the level is wrapped without confidentiality");
	fuzz_check(len + 1 <= cap, "room for the wrapped message");
	o[0] = 'W';
	memcpy(o + 1, i, len);
	*o_len = len + 1;
	return 0;
}

static int
fake_unwrap(void *ctx, const uint8_t *i, size_t len, uint8_t *o, size_t cap,
	    size_t *o_len, bool *conf, char *why, size_t whylen)
{
	fuzz_check(ctx == &ctx_marker, "unwrap with the context");
	if (len < 1 || i[0] != 'W' || len - 1 > cap) {
		snprintf(why, whylen, "bad token");
		return -EPROTO;
	}
	memcpy(o, i + 1, len - 1);
	*o_len = len - 1;
	/* Every token counts as encrypted: confidentiality may be agreed. */
	if (conf != NULL)
		*conf = true;
	return 0;
}

static void
fake_drop(void **ctx)
{
	fuzz_check(*ctx == &ctx_marker, "only a context made is deleted");
	fake.live--;
	*ctx = NULL;
}

static const struct socks5_gssapi_ops fake_ops = {
	.init = fake_init,
	.wrap = fake_wrap,
	.unwrap = fake_unwrap,
	.drop = fake_drop,
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct config_proxy p;
	struct sockaddr_in *sin = (struct sockaddr_in *)&p.addr;
	struct sx_endpoint dst = { .atyp = SX_ATYP_IPV4, .port = 80,
				   .addr = { 10, 0, 0, 1 } };
	struct handshake hs;
	int rc = SX_WANT_READ;

	if (size < 2)
		return 0;
	memset(&fake, 0, sizeof(fake));
	memset(&p, 0, sizeof(p));
	fake.in = data + 2;
	fake.in_len = size - 2;
	fake.chunk = data[1];
	fake.wanted = (data[0] >> 2) & 3;
	p.version = 5;
	p.gssapi = true;
	p.gss_protection = (data[0] >> 4) & 3;
	if (data[0] & 1) {
		p.has_auth = true;
		strcpy(p.user, "user");
		strcpy(p.pass, "pass");
	}
	strcpy(p.gss_service, (data[0] & 2) ? "rcmd/proxy@REALM" : "rcmd");
	strcpy(p.host, "proxy");
	p.port = 1080;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(1080);
	p.addrlen = sizeof(*sin);
	socks5_gssapi_use(&fake_ops);
	handshake_init(&hs, &p, SOCKS5_CMD_CONNECT, &dst, false);
	for (int i = 0; i < FAKE_STEPS_MAX && rc > 0; i++)
		rc = handshake_step(&hs, &fake_sys, FAKE_FD);
	fuzz_check(rc <= 0, "the handshake ends");
	if (rc == SX_DONE) {
		struct gsswrap *w = handshake_take_wrap(&hs);

		fuzz_check(fake.live == (w != NULL), "only a protection keeps its context");
		fuzz_check(w == NULL || p.gss_protection != CONFIG_GSS_PROT_NONE,
			   "no protection when none was asked for");
		gsswrap_put(w);
	} else {
		fuzz_check(hs.wrap == NULL, "a failure keeps no protection");
	}
	fuzz_check(fake.live == 0, "every context is deleted when it ends");
	fuzz_check(hs.gss == NULL, "and the exchange freed");
	fuzz_check(fake.in_off <= fake.in_len, "never past the input");
	if (rc == SX_DONE)
		fuzz_check(hs.state == HS_DONE, "done means HS_DONE");
	else
		fuzz_check(handshake_reason(&hs)[0] != '\0', "a failure says why");
	return 0;
}

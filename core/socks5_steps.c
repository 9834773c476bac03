/*
 * The SOCKS5 handshake's steps (proxykind.h): the codec of socks5.c seen
 * from the handshake state machine, each answer of the proxy judged into a
 * struct proxykind_answer with the errno it stands for and why.  Kept apart
 * from the byte codec, which the UDP relay uses as well.
 */
#include <errno.h>
#include <string.h>

#include "isolate.h"
#include "socks5.h"
#include "socks5_gssapi.h"

/*
 * The handshake's steps.  The greeting offers one method (with GSSAPI
 * configured, GSSAPI and then user name/password when one is given), so
 * its answer is judged here: X'FF' is a refusal, any other method than
 * one offered a protocol error.
 */
static ssize_t
socks5_step_greeting(uint8_t *buf, size_t cap, const struct config_proxy *p)
{
	if (p->gssapi)
		return socks5_gssapi_encode_greeting(buf, cap, p->has_auth);
	return socks5_encode_greeting(buf, cap, p->has_auth);
}

static ssize_t
socks5_step_greeting_answer(const uint8_t *buf, size_t len,
			    const struct config_proxy *p,
			    struct proxykind_answer *a)
{
	uint8_t method;
	ssize_t n = socks5_decode_method(buf, len, &method);

	memset(a, 0, sizeof(*a));
	if (n < 0) {
		a->reason = "proxy sent a malformed method selection";
		return -EPROTO;
	}
	if (n == 0)
		return 0;
	a->code = method;
	if (p->gssapi && method != SOCKS5_METHOD_UNACCEPTABLE) {
		if (!socks5_gssapi_offered(method, p->has_auth)) {
			a->error = -EPROTO;
			a->reason = "proxy chose a method that was not offered";
		}
		a->gssapi_next = method == SOCKS5_METHOD_GSSAPI;
		a->auth_next = method == SOCKS5_METHOD_USERPASS;
		return n;
	}
	if (method == SOCKS5_METHOD_UNACCEPTABLE) {
		a->error = -EACCES;
		a->reason = p->gssapi ? (p->has_auth ?
			"proxy accepts neither GSSAPI nor user name/password authentication" :
			"proxy does not accept GSSAPI authentication") :
			p->has_auth ?
			"proxy does not accept user name/password authentication" :
			"proxy requires authentication (give user:password in the URL)";
	} else if (method != (p->has_auth ? SOCKS5_METHOD_USERPASS :
					    SOCKS5_METHOD_NONE)) {
		a->error = -EPROTO;
		a->reason = "proxy chose a method that was not offered";
	}
	a->auth_next = p->has_auth;
	return n;
}

/* Isolated (isolate.h), the password is the process's own token. */
static ssize_t
socks5_step_auth(uint8_t *buf, size_t cap, const struct config_proxy *p)
{
	const char *pass = p->isolate ? isolate_password() : p->pass;

	if (pass == NULL)
		return -EIO;
	return socks5_encode_auth(buf, cap, p->user, pass);
}

static ssize_t
socks5_step_auth_answer(const uint8_t *buf, size_t len,
			struct proxykind_answer *a)
{
	uint8_t status;
	ssize_t n = socks5_decode_auth(buf, len, &status);

	memset(a, 0, sizeof(*a));
	if (n < 0) {
		a->reason = "proxy sent a malformed authentication reply";
		return -EPROTO;
	}
	a->code = status;
	if (n > 0 && status != 0) {
		a->error = -EACCES;
		a->reason = "proxy rejected the user name or password";
	}
	return n;
}

static ssize_t
socks5_step_request(uint8_t *buf, size_t cap, const struct config_proxy *p,
		    uint8_t cmd, const struct sx_endpoint *dst)
{
	(void)p;
	return socks5_encode_request(buf, cap, cmd, dst);
}

/*
 * A reply is read as its fixed part with the first byte of BND.ADDR (a
 * name's length), then the rest its ATYP announces.
 */
static size_t
socks5_step_reply_need(const uint8_t *buf, size_t len)
{
	if (len < 5)
		return 5;
	switch (buf[3]) {
	case SX_ATYP_IPV4:
		return 4 + 4 + 2;
	case SX_ATYP_IPV6:
		return 4 + 16 + 2;
	case SX_ATYP_DOMAIN:
		return 4 + 1 + (size_t)buf[4] + 2;
	default:
		return 5;	/* the decoder rejects it */
	}
}

static ssize_t
socks5_step_reply(const uint8_t *buf, size_t len, struct proxykind_answer *a)
{
	struct socks5_reply r;
	ssize_t n = socks5_decode_reply(buf, len, &r);

	memset(a, 0, sizeof(*a));
	if (n < 0) {
		a->reason = "proxy sent a malformed SOCKS5 reply";
		return -EPROTO;
	}
	if (n == 0)
		return 0;
	a->code = r.rep;
	if (r.rep != SOCKS5_REP_SUCCEEDED) {
		a->error = -socks5_reply_errno(r.rep);
		a->reason = socks5_reply_message(r.rep);
		return n;
	}
	a->bnd = r.bnd;
	return n;
}

const struct proxykind_steps socks5_steps = {
	.greeting = socks5_step_greeting,
	.greeting_answer = socks5_step_greeting_answer,
	.auth = socks5_step_auth,
	.auth_answer = socks5_step_auth_answer,
	.request = socks5_step_request,
	.reply_need = socks5_step_reply_need,
	.reply = socks5_step_reply,
	.greeting_answer_len = 2,
	.auth_answer_len = 2,
};

/*
 * SOCKS4 and SOCKS4a: requests encoded into a caller's buffer, replies
 * decoded from one.  No I/O and no state; the handshake drives these.
 */
#include <errno.h>
#include <string.h>

#include "socks4.h"

/* SOCKS4a marks a request that carries a host name with DSTIP 0.0.0.1. */
#define SOCKS4A_MARK_IP 0x01
/* USERID and the SOCKS4a host name are both at most 255 bytes. */
#define SOCKS4_FIELD_MAX 255

/*
 * SOCKS4 request (CD 1 = CONNECT, 2 = BIND):
 *
 *		+----+----+----+----+----+----+----+----+----+----+....+----+
 *		| VN | CD | DSTPORT |      DSTIP        | USERID       |NULL|
 *		+----+----+----+----+----+----+----+----+----+----+....+----+
 * # of bytes:	   1    1      2              4           variable       1
 *
 * SOCKS4a request, when the client has a name and no address:
 *
 *	+----+----+----+----+----+----+----+----+----+----+....+----+----+....+----+
 *	| VN | CD | DSTPORT | 0.0.0.x (x != 0)  | USERID       |NULL| HOSTNAME |NULL|
 *	+----+----+----+----+----+----+----+----+----+----+....+----+----+....+----+
 *	   1    1      2              4           variable       1    variable   1
 *
 * VN is 4; DSTPORT and DSTIP are in network byte order.
 */
ssize_t
socks4_encode_request(uint8_t *buf, size_t cap, uint8_t cmd,
		      const struct sx_endpoint *dst, const char *user)
{
	size_t user_len, need, n = 0;

	if (dst == NULL)
		return -EINVAL;
	if (cmd != SOCKS4_CMD_CONNECT && cmd != SOCKS4_CMD_BIND)
		return -EINVAL;
	if (user == NULL)
		user = "";
	user_len = strnlen(user, SOCKS4_FIELD_MAX + 1);
	if (user_len > SOCKS4_FIELD_MAX)
		return -ENAMETOOLONG;

	need = 8 + user_len + 1;
	switch (dst->atyp) {
	case SX_ATYP_IPV4:
		/*
		 * 0.0.0.x with x != 0 is how SOCKS4a says "a name follows";
		 * sent without one, a SOCKS4a server would wait for it.
		 */
		if (dst->addr[0] == 0 && dst->addr[1] == 0 &&
		    dst->addr[2] == 0 && dst->addr[3] != 0)
			return -EINVAL;
		break;
	case SX_ATYP_DOMAIN:
		/* The name ends at a NUL on the wire, so it may hold none. */
		if (dst->name_len == 0 ||
		    memchr(dst->name, '\0', dst->name_len) != NULL)
			return -EINVAL;
		need += (size_t)dst->name_len + 1;
		break;
	case SX_ATYP_IPV6:
		return -EAFNOSUPPORT;
	default:
		return -EINVAL;
	}
	if (cap < need)
		return -ENOSPC;

	buf[n++] = SOCKS4_VER;
	buf[n++] = cmd;
	buf[n++] = (uint8_t)(dst->port >> 8);
	buf[n++] = (uint8_t)(dst->port & 0xff);
	if (dst->atyp == SX_ATYP_IPV4) {
		buf[n++] = dst->addr[0];
		buf[n++] = dst->addr[1];
		buf[n++] = dst->addr[2];
		buf[n++] = dst->addr[3];
	} else {
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = 0;
		buf[n++] = SOCKS4A_MARK_IP;
	}
	memcpy(buf + n, user, user_len);
	n += user_len;
	buf[n++] = 0;
	if (dst->atyp == SX_ATYP_DOMAIN) {
		memcpy(buf + n, dst->name, dst->name_len);
		n += dst->name_len;
		buf[n++] = 0;
	}
	return (ssize_t)n;
}

/*
 * SOCKS4 reply, the same for SOCKS4a:
 *
 *		+----+----+----+----+----+----+----+----+
 *		| VN | CD | DSTPORT |      DSTIP        |
 *		+----+----+----+----+----+----+----+----+
 * # of bytes:	   1    1      2              4
 *
 * VN is 0 (some servers send 4; both are taken).  CD is 90 granted,
 * 91 rejected or failed, 92 rejected because identd is unreachable, 93
 * rejected because identd reports another user.
 */
ssize_t
socks4_decode_reply(const uint8_t *buf, size_t len, struct socks4_reply *out)
{
	if (out == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	if (len < SOCKS4_REPLY_LEN)
		return 0;
	if (buf[0] != SOCKS4_REPLY_VER && buf[0] != SOCKS4_VER)
		return -EPROTO;
	if (buf[1] < SOCKS4_REP_GRANTED || buf[1] > SOCKS4_REP_IDENT_MISMATCH)
		return -EPROTO;

	out->code = buf[1];
	out->port = (uint16_t)(buf[2] << 8 | buf[3]);
	out->addr[0] = buf[4];
	out->addr[1] = buf[5];
	out->addr[2] = buf[6];
	out->addr[3] = buf[7];
	return SOCKS4_REPLY_LEN;
}

/* The one table of SOCKS4 reply codes: their errno and their message. */
static const struct socks4_code {
	uint8_t code;
	int err;
	const char *message;
} socks4_codes[] = {
	{ SOCKS4_REP_GRANTED, 0, "request granted" },
	{ SOCKS4_REP_REJECTED, ECONNREFUSED, "request rejected or failed" },
	{ SOCKS4_REP_NO_IDENTD, EACCES, "client is not reachable by identd" },
	{ SOCKS4_REP_IDENT_MISMATCH, EACCES, "identd user id mismatch" },
};

static const struct socks4_code *
socks4_code_find(uint8_t code)
{
	for (size_t i = 0; i < SX_ARRAY_LEN(socks4_codes); i++) {
		if (socks4_codes[i].code == code)
			return &socks4_codes[i];
	}
	return NULL;
}

int
socks4_reply_errno(uint8_t code)
{
	const struct socks4_code *c = socks4_code_find(code);

	/* The decoder refuses other codes; should one get here, it is bad. */
	if (c == NULL)
		return EPROTO;
	return c->err;
}

const char *
socks4_reply_message(uint8_t code)
{
	const struct socks4_code *c = socks4_code_find(code);

	if (c == NULL)
		return "unknown reply code";
	return c->message;
}

/*
 * The handshake's steps: SOCKS4 and SOCKS4a have no greeting and no
 * authentication (the user id rides in the request), one request and one
 * fixed-size reply.
 */
static ssize_t
socks4_step_request(uint8_t *buf, size_t cap, const struct config_proxy *p,
		    uint8_t cmd, const struct sx_endpoint *dst)
{
	return socks4_encode_request(buf, cap, cmd, dst, p->user);
}

static size_t
socks4_step_reply_need(const uint8_t *buf, size_t len)
{
	(void)buf;
	(void)len;
	return SOCKS4_REPLY_LEN;
}

static ssize_t
socks4_step_reply(const uint8_t *buf, size_t len, struct proxykind_answer *a)
{
	struct socks4_reply r;
	ssize_t n = socks4_decode_reply(buf, len, &r);

	memset(a, 0, sizeof(*a));
	if (n < 0) {
		a->reason = "proxy sent a malformed SOCKS4 reply";
		return -EPROTO;
	}
	if (n == 0)
		return 0;
	a->code = r.code;
	if (r.code != SOCKS4_REP_GRANTED) {
		a->error = -socks4_reply_errno(r.code);
		a->reason = socks4_reply_message(r.code);
		return n;
	}
	a->bnd.atyp = SX_ATYP_IPV4;
	a->bnd.port = r.port;
	memcpy(a->bnd.addr, r.addr, 4);
	return n;
}

const struct proxykind_steps socks4_steps = {
	.request = socks4_step_request,
	.reply_need = socks4_step_reply_need,
	.reply = socks4_step_reply,
};

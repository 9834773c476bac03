/*
 * SOCKS5 (RFC 1928) and its username/password sub-negotiation (RFC 1929):
 * messages encoded into a caller's buffer, replies decoded from one.  No
 * I/O and no state; the handshake and the UDP relay drive these.
 */
#include <errno.h>
#include <string.h>

#include "socks5.h"

/* UNAME, PASSWD and a DOMAINNAME are each at most 255 bytes. */
#define SOCKS5_FIELD_MAX 255

/*
 * Addresses, as requests, replies and UDP headers all carry them:
 *
 *	+------+----------+----------+
 *	| ATYP |   ADDR   |   PORT   |
 *	+------+----------+----------+
 *	|  1   | Variable |    2     |
 *	+------+----------+----------+
 *
 * ATYP X'01' is an IPv4 address (4 bytes), X'03' a domain name (one length
 * byte, then that many bytes, no NUL), X'04' an IPv6 address (16 bytes).
 * The port is in network byte order.
 */

/* Bytes ATYP, ADDR and PORT take for dst, or -EINVAL. */
static ssize_t
addr_wire_len(const struct sx_endpoint *dst)
{
	switch (dst->atyp) {
	case SX_ATYP_IPV4:
		return 1 + 4 + 2;
	case SX_ATYP_IPV6:
		return 1 + 16 + 2;
	case SX_ATYP_DOMAIN:
		if (dst->name_len == 0)
			return -EINVAL;
		return 1 + 1 + (ssize_t)dst->name_len + 2;
	default:
		return -EINVAL;
	}
}

/* Write ATYP, ADDR and PORT at buf + n (room checked); the new n. */
static size_t
addr_put(uint8_t *buf, size_t n, const struct sx_endpoint *dst)
{
	buf[n++] = dst->atyp;
	switch (dst->atyp) {
	case SX_ATYP_IPV4:
		memcpy(buf + n, dst->addr, 4);
		n += 4;
		break;
	case SX_ATYP_IPV6:
		memcpy(buf + n, dst->addr, 16);
		n += 16;
		break;
	default:
		buf[n++] = dst->name_len;
		memcpy(buf + n, dst->name, dst->name_len);
		n += dst->name_len;
		break;
	}
	buf[n++] = (uint8_t)(dst->port >> 8);
	buf[n++] = (uint8_t)(dst->port & 0xff);
	return n;
}

/*
 * Read ATYP, ADDR and PORT from buf + off: the offset just past them, 0 when
 * buf ends before they do, -EPROTO for an unknown ATYP or an empty name.
 * ep is written only on success.
 */
static ssize_t
addr_get(const uint8_t *buf, size_t len, size_t off, struct sx_endpoint *ep)
{
	size_t addr_len, end;
	uint8_t atyp;

	if (len < off + 1)
		return 0;
	atyp = buf[off];
	switch (atyp) {
	case SX_ATYP_IPV4:
		addr_len = 4;
		end = off + 1 + addr_len + 2;
		break;
	case SX_ATYP_IPV6:
		addr_len = 16;
		end = off + 1 + addr_len + 2;
		break;
	case SX_ATYP_DOMAIN:
		if (len < off + 2)
			return 0;
		addr_len = buf[off + 1];
		if (addr_len == 0)
			return -EPROTO;
		end = off + 2 + addr_len + 2;
		break;
	default:
		return -EPROTO;
	}
	if (len < end)
		return 0;

	memset(ep, 0, sizeof(*ep));
	ep->atyp = atyp;
	if (atyp == SX_ATYP_DOMAIN) {
		ep->name_len = (uint8_t)addr_len;
		memcpy(ep->name, buf + off + 2, addr_len);
		ep->name[addr_len] = '\0';
	} else {
		memcpy(ep->addr, buf + off + 1, addr_len);
	}
	ep->port = (uint16_t)(buf[end - 2] << 8 | buf[end - 1]);
	return (ssize_t)end;
}

/*
 * Greeting, client to server:
 *
 *	+----+----------+----------+
 *	|VER | NMETHODS | METHODS  |
 *	+----+----------+----------+
 *	| 1  |    1     | 1 to 255 |
 *	+----+----------+----------+
 *
 * We offer exactly one method: X'00' (no authentication) or, with
 * credentials, X'02' (username/password).  With one method on offer the
 * server's choice is known in advance, so the RFC 1929 request may follow
 * the greeting without waiting for the method reply.
 */
ssize_t
socks5_encode_greeting(uint8_t *buf, size_t cap, bool with_auth)
{
	size_t n = 0;

	if (cap < 3)
		return -ENOSPC;
	buf[n++] = SOCKS5_VER;
	buf[n++] = 1;
	buf[n++] = with_auth ? SOCKS5_METHOD_USERPASS : SOCKS5_METHOD_NONE;
	return (ssize_t)n;
}

/*
 * Method selection, server to client:
 *
 *	+----+--------+
 *	|VER | METHOD |
 *	+----+--------+
 *	| 1  |   1    |
 *	+----+--------+
 *
 * METHOD X'FF' means none of the offered methods is acceptable.  Whether
 * the method is one we offered is for the caller to judge.
 */
ssize_t
socks5_decode_method(const uint8_t *buf, size_t len, uint8_t *method)
{
	if (method == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	if (len < 2)
		return 0;
	if (buf[0] != SOCKS5_VER)
		return -EPROTO;
	*method = buf[1];
	return 2;
}

/*
 * RFC 1929 username/password request:
 *
 *	+----+------+----------+------+----------+
 *	|VER | ULEN |  UNAME   | PLEN |  PASSWD  |
 *	+----+------+----------+------+----------+
 *	| 1  |  1   | 1 to 255 |  1   | 1 to 255 |
 *	+----+------+----------+------+----------+
 *
 * VER is X'01'.  The RFC asks for a password of at least one byte, yet
 * servers (Tor among them) take an empty one; it goes out as PLEN 0.
 */
ssize_t
socks5_encode_auth(uint8_t *buf, size_t cap, const char *user,
		   const char *pass)
{
	size_t user_len, pass_len, n = 0;

	if (user == NULL)
		return -EINVAL;
	if (pass == NULL)
		pass = "";
	user_len = strnlen(user, SOCKS5_FIELD_MAX + 1);
	pass_len = strnlen(pass, SOCKS5_FIELD_MAX + 1);
	if (user_len == 0)
		return -EINVAL;
	if (user_len > SOCKS5_FIELD_MAX || pass_len > SOCKS5_FIELD_MAX)
		return -ENAMETOOLONG;
	if (cap < 3 + user_len + pass_len)
		return -ENOSPC;

	buf[n++] = SOCKS5_AUTH_VER;
	buf[n++] = (uint8_t)user_len;
	memcpy(buf + n, user, user_len);
	n += user_len;
	buf[n++] = (uint8_t)pass_len;
	memcpy(buf + n, pass, pass_len);
	n += pass_len;
	return (ssize_t)n;
}

/*
 * RFC 1929 reply:
 *
 *	+----+--------+
 *	|VER | STATUS |
 *	+----+--------+
 *	| 1  |   1    |
 *	+----+--------+
 *
 * STATUS X'00' is success, anything else failure.  VER should be X'01';
 * some servers send X'05', which is taken too.
 */
ssize_t
socks5_decode_auth(const uint8_t *buf, size_t len, uint8_t *status)
{
	if (status == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	if (len < 2)
		return 0;
	if (buf[0] != SOCKS5_AUTH_VER && buf[0] != SOCKS5_VER)
		return -EPROTO;
	*status = buf[1];
	return 2;
}

/*
 * Request:
 *
 *	+----+-----+-------+------+----------+----------+
 *	|VER | CMD |  RSV  | ATYP | DST.ADDR | DST.PORT |
 *	+----+-----+-------+------+----------+----------+
 *	| 1  |  1  | X'00' |  1   | Variable |    2     |
 *	+----+-----+-------+------+----------+----------+
 *
 * CMD is X'01' CONNECT, X'02' BIND or X'03' UDP ASSOCIATE.  For UDP
 * ASSOCIATE, DST is the address the client will send datagrams from (all
 * zeros when it does not know), not where they go.
 */
ssize_t
socks5_encode_request(uint8_t *buf, size_t cap, uint8_t cmd,
		      const struct sx_endpoint *dst)
{
	ssize_t addr_len;
	size_t n = 0;

	if (dst == NULL)
		return -EINVAL;
	if (cmd != SOCKS5_CMD_CONNECT && cmd != SOCKS5_CMD_BIND &&
	    cmd != SOCKS5_CMD_UDP_ASSOCIATE)
		return -EINVAL;
	addr_len = addr_wire_len(dst);
	if (addr_len < 0)
		return addr_len;
	if (cap < 3 + (size_t)addr_len)
		return -ENOSPC;

	buf[n++] = SOCKS5_VER;
	buf[n++] = cmd;
	buf[n++] = 0x00;
	n = addr_put(buf, n, dst);
	return (ssize_t)n;
}

/*
 * Reply:
 *
 *	+----+-----+-------+------+----------+----------+
 *	|VER | REP |  RSV  | ATYP | BND.ADDR | BND.PORT |
 *	+----+-----+-------+------+----------+----------+
 *	| 1  |  1  | X'00' |  1   | Variable |    2     |
 *	+----+-----+-------+------+----------+----------+
 *
 * Nothing is judged before the four fixed bytes are in; then VER must be
 * X'05' and ATYP known, and the length of BND follows from ATYP.  RSV is
 * not checked.  Bytes after the reply (optimistic data) are left alone.
 */
ssize_t
socks5_decode_reply(const uint8_t *buf, size_t len, struct socks5_reply *out)
{
	struct sx_endpoint bnd;
	ssize_t end;

	if (out == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	if (len < 4)
		return 0;
	if (buf[0] != SOCKS5_VER)
		return -EPROTO;
	end = addr_get(buf, len, 3, &bnd);
	if (end <= 0)
		return end;
	out->rep = buf[1];
	out->bnd = bnd;
	return end;
}

/*
 * The one table of SOCKS5 reply codes: their errno and their message.
 * X'00'-X'08' are RFC 1928's; X'F0'-X'F7' are Tor's extended errors for
 * onion services (proposal 304), sent when ExtendedErrors is set.
 */
static const struct socks5_code {
	uint8_t rep;
	int err;
	const char *message;
} socks5_codes[] = {
	{ SOCKS5_REP_SUCCEEDED, 0, "succeeded" },
	{ SOCKS5_REP_GENERAL_FAILURE, EIO, "general SOCKS server failure" },
	{ SOCKS5_REP_NOT_ALLOWED, EACCES, "connection not allowed by ruleset" },
	{ SOCKS5_REP_NET_UNREACHABLE, ENETUNREACH, "network unreachable" },
	{ SOCKS5_REP_HOST_UNREACHABLE, EHOSTUNREACH, "host unreachable" },
	{ SOCKS5_REP_CONN_REFUSED, ECONNREFUSED, "connection refused" },
	{ SOCKS5_REP_TTL_EXPIRED, ETIMEDOUT, "TTL expired" },
	{ SOCKS5_REP_CMD_NOT_SUPPORTED, EOPNOTSUPP, "command not supported" },
	{ SOCKS5_REP_ATYP_NOT_SUPPORTED, EAFNOSUPPORT,
	  "address type not supported" },
	{ 0xf0, EHOSTUNREACH, "onion service descriptor can not be found" },
	{ 0xf1, EHOSTUNREACH, "onion service descriptor is invalid" },
	{ 0xf2, EHOSTUNREACH, "onion service introduction failed" },
	{ 0xf3, EHOSTUNREACH, "onion service rendezvous failed" },
	{ 0xf4, EACCES, "onion service missing client authorization" },
	{ 0xf5, EACCES, "onion service wrong client authorization" },
	{ 0xf6, EHOSTUNREACH, "onion service invalid address" },
	{ 0xf7, ETIMEDOUT, "onion service introduction timed out" },
};

static const struct socks5_code *
socks5_code_find(uint8_t rep)
{
	for (size_t i = 0; i < SX_ARRAY_LEN(socks5_codes); i++) {
		if (socks5_codes[i].rep == rep)
			return &socks5_codes[i];
	}
	return NULL;
}

int
socks5_reply_errno(uint8_t rep)
{
	const struct socks5_code *c = socks5_code_find(rep);

	/* An unknown code is a failure of unknown kind. */
	if (c == NULL)
		return EIO;
	return c->err;
}

const char *
socks5_reply_message(uint8_t rep)
{
	const struct socks5_code *c = socks5_code_find(rep);

	if (c == NULL)
		return "unknown reply code";
	return c->message;
}

/*
 * UDP request header, in front of every datagram to and from the relay
 * (RFC 1928 section 7):
 *
 *	+----+------+------+----------+----------+----------+
 *	|RSV | FRAG | ATYP | DST.ADDR | DST.PORT |   DATA   |
 *	+----+------+------+----------+----------+----------+
 *	| 2  |  1   |  1   | Variable |    2     | Variable |
 *	+----+------+------+----------+----------+----------+
 *
 * RSV is X'0000'.  FRAG X'00' is a whole datagram; we never fragment.  On
 * the way back DST names the datagram's source.
 */
ssize_t
socks5_encode_udp_header(uint8_t *buf, size_t cap,
			 const struct sx_endpoint *dst)
{
	ssize_t addr_len;
	size_t n = 0;

	if (dst == NULL)
		return -EINVAL;
	addr_len = addr_wire_len(dst);
	if (addr_len < 0)
		return addr_len;
	if (cap < 3 + (size_t)addr_len)
		return -ENOSPC;

	buf[n++] = 0x00;
	buf[n++] = 0x00;
	buf[n++] = 0x00;
	n = addr_put(buf, n, dst);
	return (ssize_t)n;
}

/*
 * A datagram arrives whole, so a header longer than the datagram is
 * malformed (-EPROTO), never "need more".  RSV is not checked.  FRAG is
 * reported as it came; dropping FRAG != 0 is the caller's decision.
 */
ssize_t
socks5_decode_udp_header(const uint8_t *buf, size_t len,
			 struct socks5_udp_header *out)
{
	struct sx_endpoint addr;
	ssize_t end;

	if (out == NULL || (buf == NULL && len > 0))
		return -EINVAL;
	if (len < 4)
		return -EPROTO;
	end = addr_get(buf, len, 3, &addr);
	if (end == 0)
		return -EPROTO;
	if (end < 0)
		return end;
	out->frag = buf[2];
	out->addr = addr;
	return end;
}

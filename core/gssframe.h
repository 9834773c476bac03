/*
 * The framing of RFC 1961 (GSS-API authentication for SOCKS V5): every
 * message of the GSSAPI method, and with per-message protection every
 * message after it, is
 *
 *	+------+------+------+.......................+
 *	+ ver  | mtyp | len  |       token           |
 *	+------+------+------+.......................+
 *	+ 0x01 | 0x01 | 0x02 | up to 2^16 - 1 octets |
 *	+------+------+------+.......................+
 *
 * ver is 1; mtyp is 1 for the context establishment tokens, 2 for the
 * protection-level subnegotiation, 3 for encapsulated user data; len is
 * the token's length, most significant byte first.  An abort is only
 * the two bytes 0x01 0xff.  Pure functions on byte buffers, no state.
 */
#ifndef SX_GSSFRAME_H
#define SX_GSSFRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define GSSFRAME_VERSION	0x01
#define GSSFRAME_AUTH		0x01	/* context establishment */
#define GSSFRAME_PROTECTION	0x02	/* protection-level subnegotiation */
#define GSSFRAME_DATA		0x03	/* encapsulated user data */
#define GSSFRAME_ABORT		0xff	/* the server refused the client */

#define GSSFRAME_HEAD		4	/* ver, mtyp and the two bytes of len */
#define GSSFRAME_TOKEN_MAX	65535

/* Protection levels of the subnegotiation (0 is Dante's "clear"). */
#define GSSFRAME_LEVEL_CLEAR		0x00
#define GSSFRAME_LEVEL_INTEGRITY	0x01
#define GSSFRAME_LEVEL_CONFIDENTIALITY	0x02
#define GSSFRAME_LEVEL_SELECTIVE	0x03

/* One decoded message: its type and where its token lies in the input. */
struct gssframe {
	uint8_t mtyp;
	uint16_t len;
	const uint8_t *token;	/* len bytes inside the decoded buffer */
};

/*
 * Write a message of type mtyp carrying len bytes of token into buf (cap
 * bytes).  Returns the bytes written (GSSFRAME_HEAD + len), -EMSGSIZE for
 * a token over GSSFRAME_TOKEN_MAX, -ENOSPC when buf is too small, -EINVAL
 * for a type that carries no token (the abort) or a NULL token with len.
 */
ssize_t gssframe_encode(uint8_t *buf, size_t cap, uint8_t mtyp,
			const uint8_t *token, size_t len);
/*
 * Decode the message at the start of buf (len bytes so far), which must
 * be of type want or an abort.  Returns the bytes it takes (an abort: 2),
 * 0 when more bytes are needed, -EPROTO for a version other than 1 or
 * another type, -EINVAL for a NULL f.  Fills f on success.
 */
ssize_t gssframe_decode(const uint8_t *buf, size_t len, uint8_t want,
			struct gssframe *f);
/*
 * How many bytes to hold before gssframe_decode() can decode what buf
 * (len bytes so far) starts: never more than the message's own length.
 */
size_t gssframe_need(const uint8_t *buf, size_t len);
/* A protection level for people ("integrity"), never NULL. */
const char *gssframe_level_name(uint8_t level);

#endif

/*
 * SOCKS4 and SOCKS4a codecs: pure functions on byte buffers, no I/O, no
 * state.  Encoders return bytes written or -ENOSPC / -EINVAL /
 * -ENAMETOOLONG; decoders return bytes consumed, 0 for "need more", or
 * -EPROTO.
 */
#ifndef SX_SOCKS4_H
#define SX_SOCKS4_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proxykind.h"
#include "sx.h"

#define SOCKS4_VER 0x04
#define SOCKS4_REPLY_VER 0x00
#define SOCKS4_CMD_CONNECT 0x01
#define SOCKS4_CMD_BIND 0x02
#define SOCKS4_REP_GRANTED 90
#define SOCKS4_REP_REJECTED 91
#define SOCKS4_REP_NO_IDENTD 92
#define SOCKS4_REP_IDENT_MISMATCH 93
#define SOCKS4_REPLY_LEN 8

struct socks4_reply {
	uint8_t code;		/* CD: 90..93 */
	uint16_t port;		/* DSTPORT, host order */
	uint8_t addr[4];	/* DSTIP */
};

/*
 * Encode a CONNECT or BIND request.  An SX_ATYP_IPV4 destination gives a
 * SOCKS4 request; an SX_ATYP_DOMAIN one a SOCKS4a request (DSTIP 0.0.0.1,
 * the name after USERID).  IPv6 is -EAFNOSUPPORT.  user may be NULL.
 */
ssize_t socks4_encode_request(uint8_t *buf, size_t cap, uint8_t cmd,
			      const struct sx_endpoint *dst, const char *user);
/* Decode the 8-byte reply. */
ssize_t socks4_decode_reply(const uint8_t *buf, size_t len,
			    struct socks4_reply *out);
/* The errno a reply code stands for (0 for granted). */
int socks4_reply_errno(uint8_t code);
/* A human message for a reply code (never NULL). */
const char *socks4_reply_message(uint8_t code);

/* The handshake's steps for socks4:// and socks4a:// (proxykind.h). */
extern const struct proxykind_steps socks4_steps;

#endif

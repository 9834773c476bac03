/*
 * SOCKS5 codecs (RFC 1928) and username/password sub-negotiation
 * (RFC 1929): pure functions on byte buffers, no I/O, no state.  Encoders
 * return bytes written or -ENOSPC / -EINVAL / -ENAMETOOLONG; decoders return
 * bytes consumed, 0 for "need more", or -EPROTO.
 */
#ifndef SX_SOCKS5_H
#define SX_SOCKS5_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "proxykind.h"
#include "sx.h"

#define SOCKS5_VER 0x05
#define SOCKS5_AUTH_VER 0x01
#define SOCKS5_METHOD_NONE 0x00
#define SOCKS5_METHOD_USERPASS 0x02
#define SOCKS5_METHOD_UNACCEPTABLE 0xff
#define SOCKS5_CMD_CONNECT 0x01
#define SOCKS5_CMD_BIND 0x02
#define SOCKS5_CMD_UDP_ASSOCIATE 0x03
#define SOCKS5_REP_SUCCEEDED 0x00
#define SOCKS5_REP_GENERAL_FAILURE 0x01
#define SOCKS5_REP_NOT_ALLOWED 0x02
#define SOCKS5_REP_NET_UNREACHABLE 0x03
#define SOCKS5_REP_HOST_UNREACHABLE 0x04
#define SOCKS5_REP_CONN_REFUSED 0x05
#define SOCKS5_REP_TTL_EXPIRED 0x06
#define SOCKS5_REP_CMD_NOT_SUPPORTED 0x07
#define SOCKS5_REP_ATYP_NOT_SUPPORTED 0x08
/* Largest reply: VER REP RSV ATYP, a 255-byte name with its length, port. */
#define SOCKS5_REPLY_MAX (4 + 1 + 255 + 2)
/* Largest UDP request header: RSV RSV FRAG ATYP, name with length, port. */
#define SOCKS5_UDP_HEADER_MAX (4 + 1 + 255 + 2)

struct socks5_reply {
	uint8_t rep;
	struct sx_endpoint bnd;	/* BND.ADDR and BND.PORT */
};

struct socks5_udp_header {
	uint8_t frag;
	struct sx_endpoint addr;	/* DST on send, the source on receive */
};

/* Greeting: offer "no auth" only, or "user/password" only when with_auth. */
ssize_t socks5_encode_greeting(uint8_t *buf, size_t cap, bool with_auth);
/* Method selection reply: out = the chosen method (may be 0xff). */
ssize_t socks5_decode_method(const uint8_t *buf, size_t len, uint8_t *method);
/* RFC 1929 request; -EINVAL for an empty user, -ENAMETOOLONG beyond 255. */
ssize_t socks5_encode_auth(uint8_t *buf, size_t cap, const char *user,
			   const char *pass);
/* RFC 1929 reply: status = 0 on success.  Accepts VER 1 (and 5, seen in the wild). */
ssize_t socks5_decode_auth(const uint8_t *buf, size_t len, uint8_t *status);
/* CONNECT / BIND / UDP ASSOCIATE request for dst. */
ssize_t socks5_encode_request(uint8_t *buf, size_t cap, uint8_t cmd,
			      const struct sx_endpoint *dst);
/* Reply to a request: the fixed part, then BND by ATYP. */
ssize_t socks5_decode_reply(const uint8_t *buf, size_t len,
			    struct socks5_reply *out);
/* The errno a reply code stands for (0 for succeeded). */
int socks5_reply_errno(uint8_t rep);
/* A human message for a reply code (never NULL). */
const char *socks5_reply_message(uint8_t rep);

/* UDP request header (RFC 1928 section 7) with FRAG 0, for dst. */
ssize_t socks5_encode_udp_header(uint8_t *buf, size_t cap,
				 const struct sx_endpoint *dst);
/* Parse a received datagram's header; returns the header length. */
ssize_t socks5_decode_udp_header(const uint8_t *buf, size_t len,
				 struct socks5_udp_header *out);

/* The handshake's steps for socks5:// and socks5h:// (proxykind.h). */
extern const struct proxykind_steps socks5_steps;

#endif

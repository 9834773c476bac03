/*
 * HTTP CONNECT (RFC 9110 section 9.3.6) with Basic authentication
 * (RFC 7617): pure functions on byte buffers, no I/O.  The request is
 * encoded at once; the response is scanned as it arrives, one piece at a
 * time, so that the caller takes exactly the bytes of the response header
 * and leaves the tunnel's first bytes in the socket.  Encoders return
 * bytes written or -ENOSPC / -EINVAL / -ENAMETOOLONG; the scanner returns
 * bytes taken or -EPROTO.
 */
#ifndef SX_HTTPCONNECT_H
#define SX_HTTPCONNECT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "proxykind.h"
#include "sx.h"

/*
 * The longest request: the CONNECT line and Host with a 255-byte name and
 * a five-digit port, and the Basic credentials of a 255-byte user and a
 * 255-byte password (684 bytes of base64).
 */
#define HTTPCONNECT_REQUEST_MAX 1280
/* The longest response header taken before giving up. */
#define HTTPCONNECT_HEADER_MAX 16384

/*
 * "CONNECT host:port HTTP/1.1", its Host field and, with user not NULL,
 * "Proxy-Authorization: Basic" with user:pass; -EINVAL for a name that
 * holds a byte a request line cannot carry (space, control characters)
 * or a user name with ':', -ENAMETOOLONG for a name over 255 bytes.
 */
ssize_t httpconnect_encode_request(uint8_t *buf, size_t cap,
				   const struct sx_endpoint *dst,
				   const char *user, const char *pass);
/*
 * Take what belongs to the response header from buf (len bytes that
 * arrived after those already taken): the bytes up to its empty line, or
 * all of buf while it has not come.  Sets s->done and s->status at the end
 * of a final response (interim 1xx responses are skipped).  -EPROTO with
 * *why set for bytes that are not an HTTP response or a header over
 * HTTPCONNECT_HEADER_MAX bytes.  s starts zeroed.
 */
ssize_t httpconnect_scan(struct proxykind_scan *s, const uint8_t *buf,
			 size_t len, const char **why);
/* The errno a final status stands for (0 for 2xx). */
int httpconnect_status_errno(unsigned status);

/* The handshake's steps for http:// (proxykind.h). */
extern const struct proxykind_steps httpconnect_steps;

#endif

/*
 * The pure datagram helpers of the UDP receive path.  The preload layer
 * hands the kernel the iovec
 *
 *	[ header room | the program's buffers ... | spill ]
 *
 * and the kernel scatters one datagram over it: got bytes, in order.  The
 * datagram's SOCKS header (RSV FRAG ATYP ADDR PORT) is usually exactly as
 * long as the header room, and then the payload is already in the
 * program's buffers.  When it is not (another address type), the payload
 * sits a few bytes off and is moved into place; the spill catches the
 * tail a longer header pushed out of the program's buffers.
 */
#ifndef SX_UDPFRAME_H
#define SX_UDPFRAME_H

#include <stddef.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "socks5.h"

/*
 * Decode the SOCKS UDP header at the start of the got bytes scattered over
 * v[0..n): the header length, or -EPROTO when malformed or longer than the
 * datagram.  FRAG is reported in out, not judged.
 */
ssize_t udpframe_parse(const struct iovec *v, size_t n, size_t got,
		       struct socks5_udp_header *out);
/*
 * Move count bytes within the byte sequence v[0..n) describes, from offset
 * src to offset dst; the ranges may overlap.  Offsets past the end are
 * the caller's error (nothing past it is touched).
 */
void udpframe_iov_move(const struct iovec *v, size_t n, size_t dst, size_t src,
		       size_t count);
/* Total length of v[0..n). */
size_t udpframe_iov_len(const struct iovec *v, size_t n);

#endif

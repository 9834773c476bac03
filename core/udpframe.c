/*
 * Datagrams as the receive path sees them (RFC 1928 section 7): the SOCKS
 * UDP header at the front of a datagram the kernel scattered over several
 * buffers, and moving the payload into place inside them.  Pure functions
 * on caller memory: no state, no lock, no system call.
 */
#include <errno.h>
#include <string.h>

#include "udpframe.h"

size_t
udpframe_iov_len(const struct iovec *v, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += v[i].iov_len;
	return total;
}

/*
 * The buffer holding byte off of v[0..n): its index in *idx and the
 * offset inside it in *pos.  With at_end, the byte just before off instead
 * (*pos is then one past it), which is where a backward copy ends.  False
 * when v is shorter.
 */
static bool
iov_locate(const struct iovec *v, size_t n, size_t off, bool at_end,
	   size_t *idx, size_t *pos)
{
	if (at_end && off == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		size_t len = v[i].iov_len;

		if (at_end ? off <= len : off < len) {
			*idx = i;
			*pos = off;
			return true;
		}
		off -= len;
	}
	return false;
}

void
udpframe_iov_move(const struct iovec *v, size_t n, size_t dst, size_t src,
		  size_t count)
{
	size_t di, dp, si, sp, chunk;

	if (dst == src)
		return;
	if (dst < src) {
		/* Forward: what is written never lies ahead of what is read. */
		while (count > 0) {
			if (!iov_locate(v, n, dst, false, &di, &dp) ||
			    !iov_locate(v, n, src, false, &si, &sp))
				return;
			chunk = v[di].iov_len - dp;
			if (v[si].iov_len - sp < chunk)
				chunk = v[si].iov_len - sp;
			if (count < chunk)
				chunk = count;
			memmove((uint8_t *)v[di].iov_base + dp,
				(const uint8_t *)v[si].iov_base + sp, chunk);
			dst += chunk;
			src += chunk;
			count -= chunk;
		}
		return;
	}
	/* Backward, from the end, for the same reason the other way round. */
	while (count > 0) {
		if (!iov_locate(v, n, dst + count, true, &di, &dp) ||
		    !iov_locate(v, n, src + count, true, &si, &sp))
			return;
		chunk = dp < sp ? dp : sp;
		if (count < chunk)
			chunk = count;
		memmove((uint8_t *)v[di].iov_base + dp - chunk,
			(const uint8_t *)v[si].iov_base + sp - chunk, chunk);
		count -= chunk;
	}
}

/* Copy len bytes at offset off of v[0..n) to out; false when v is shorter. */
static bool
iov_copy_out(const struct iovec *v, size_t n, size_t off, uint8_t *out,
	     size_t len)
{
	size_t i, pos, chunk;

	while (len > 0) {
		if (!iov_locate(v, n, off, false, &i, &pos))
			return false;
		chunk = v[i].iov_len - pos;
		if (len < chunk)
			chunk = len;
		memcpy(out, (const uint8_t *)v[i].iov_base + pos, chunk);
		out += chunk;
		off += chunk;
		len -= chunk;
	}
	return true;
}

/*
 * The header is gathered into one buffer (at most SOCKS5_UDP_HEADER_MAX
 * bytes: RSV RSV FRAG ATYP, then ATYP says how much follows) and decoded
 * by the one UDP header decoder.
 */
ssize_t
udpframe_parse(const struct iovec *v, size_t n, size_t got,
	       struct socks5_udp_header *out)
{
	uint8_t hdr[SOCKS5_UDP_HEADER_MAX];
	size_t need;

	if (got < 5 || !iov_copy_out(v, n, 0, hdr, 5))
		return -EPROTO;
	switch (hdr[3]) {
	case SX_ATYP_IPV4:
		need = 4 + 4 + 2;
		break;
	case SX_ATYP_IPV6:
		need = 4 + 16 + 2;
		break;
	case SX_ATYP_DOMAIN:
		need = 4 + 1 + (size_t)hdr[4] + 2;
		break;
	default:
		return -EPROTO;
	}
	if (got < need || !iov_copy_out(v, n, 0, hdr, need))
		return -EPROTO;
	return socks5_decode_udp_header(hdr, need, out);
}

/*
 * udpframe_parse() and udpframe_iov_move() on a datagram scattered over
 * buffers of fuzzed sizes, each its own allocation so that a step past one
 * is caught.  The input is
 *
 *	NBUF SLACK SIZE[NBUF] DST[2] SRC[2] COUNT[2] DATAGRAM...
 *
 * NBUF % 8 + 1 buffers hold the datagram in pieces of SIZE bytes (the last
 * one takes the rest, and SLACK % 64 spare bytes after it, as a receive
 * buffer larger than the datagram has).  Parsing must give what the one
 * UDP header decoder gives on the same bytes laid out flat; moving COUNT
 * bytes from SRC to DST (both taken modulo the buffers' length) must do
 * what memmove() does on the flat copy.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "fuzz.h"
#include "udpframe.h"

#define NBUF_MAX 8

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct iovec v[NBUF_MAX];
	struct socks5_udp_header got_h, want_h;
	const uint8_t *dgram;
	uint8_t *flat;
	size_t nbuf, slack, head, len, total, off = 0;
	size_t dst, src, count;
	ssize_t got_n, want_n;

	if (size < 2)
		return 0;
	nbuf = data[0] % NBUF_MAX + 1;
	slack = data[1] % 64;
	head = 2 + nbuf + 6;
	if (size < head)
		return 0;
	dgram = data + head;
	len = size - head;
	total = len + slack;

	/* The pieces: SIZE bytes each, the last one the rest plus the slack. */
	memset(v, 0, sizeof(v));
	for (size_t i = 0; i < nbuf; i++) {
		size_t piece = data[2 + i];

		if (i == nbuf - 1 || piece > len - off)
			piece = len - off;
		v[i].iov_len = piece + (i == nbuf - 1 ? slack : 0);
		v[i].iov_base = malloc(v[i].iov_len > 0 ? v[i].iov_len : 1);
		fuzz_check(v[i].iov_base != NULL, "memory");
		memcpy(v[i].iov_base, dgram + off, piece);
		memset((uint8_t *)v[i].iov_base + piece, 0xee, v[i].iov_len - piece);
		off += piece;
	}
	fuzz_check(off == len, "the datagram is laid out whole");
	fuzz_check(udpframe_iov_len(v, nbuf) == total, "the length of the buffers");

	got_n = udpframe_parse(v, nbuf, len, &got_h);
	want_n = socks5_decode_udp_header(dgram, len, &want_h);
	fuzz_check(got_n == want_n, "agrees with the flat decoder");
	if (got_n > 0) {
		fuzz_check(got_h.frag == want_h.frag, "the same FRAG");
		fuzz_check(memcmp(&got_h.addr, &want_h.addr, sizeof(got_h.addr)) == 0,
			   "the same address");
	}

	/* A move inside the buffers, against memmove on a flat copy. */
	flat = malloc(total > 0 ? total : 1);
	fuzz_check(flat != NULL, "memory");
	off = 0;
	for (size_t i = 0; i < nbuf; i++) {
		memcpy(flat + off, v[i].iov_base, v[i].iov_len);
		off += v[i].iov_len;
	}
	if (total > 0) {
		const uint8_t *m = data + 2 + nbuf;

		dst = (size_t)(m[0] << 8 | m[1]) % total;
		src = (size_t)(m[2] << 8 | m[3]) % total;
		count = (size_t)(m[4] << 8 | m[5]);
		if (count > total - dst)
			count = total - dst;
		if (count > total - src)
			count = total - src;
		udpframe_iov_move(v, nbuf, dst, src, count);
		memmove(flat + dst, flat + src, count);
		off = 0;
		for (size_t i = 0; i < nbuf; i++) {
			fuzz_check(memcmp(flat + off, v[i].iov_base, v[i].iov_len) == 0,
				   "moves as memmove does");
			off += v[i].iov_len;
		}
	}

	free(flat);
	for (size_t i = 0; i < nbuf; i++)
		free(v[i].iov_base);
	return 0;
}

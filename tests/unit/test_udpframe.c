/*
 * The datagram helpers of the receive path: moving bytes inside scattered
 * buffers (against a flat reference), parsing a header spread over them,
 * and taking apart datagrams scattered as the kernel does it.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>

#include "socks5.h"
#include "tap.h"
#include "udpframe.h"

/* A deterministic generator, so a failure can be reproduced. */
static uint32_t rng_state = 12345;

static uint32_t
rng(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

/* Cut a flat buffer of len bytes into nseg iovecs of random lengths (some 0). */
static size_t
cut(uint8_t *flat, size_t len, struct iovec *v, size_t maxseg)
{
	size_t n = 0, off = 0;

	while (off < len && n + 1 < maxseg) {
		size_t piece = rng() % 40;

		if (piece > len - off)
			piece = len - off;
		v[n].iov_base = flat + off;
		v[n].iov_len = piece;
		off += piece;
		n++;
	}
	v[n].iov_base = flat + off;
	v[n].iov_len = len - off;
	return n + 1;
}

static void
test_iov_move(void)
{
	uint8_t flat[300], ref[300];
	struct iovec v[40];
	int bad = 0;

	for (int round = 0; round < 20000; round++) {
		size_t len = 1 + rng() % 300, n, dst, src, count;

		for (size_t i = 0; i < len; i++)
			flat[i] = ref[i] = (uint8_t)rng();
		n = cut(flat, len, v, 40);
		if (udpframe_iov_len(v, n) != len)
			bad++;
		dst = rng() % len;
		src = rng() % len;
		count = rng() % (len - (dst > src ? dst : src) + 1);
		memmove(ref + dst, ref + src, count);
		udpframe_iov_move(v, n, dst, src, count);
		if (memcmp(flat, ref, len) != 0)
			bad++;
	}
	is_int(bad, 0, "20000 moves over random buffer layouts match memmove");
}

/*
 * Scatter a datagram over [room | program buffers | spill] the way the
 * kernel does, then take it apart the way the receive path does.  Returns the
 * header length (or -errno) and checks the payload landed in the program
 * buffers.
 */
static ssize_t
scatter_and_unwrap(const uint8_t *dgram, size_t dlen, size_t room,
		   const size_t *prog, size_t nprog, bool raw,
		   struct socks5_udp_header *hdr, bool *payload_ok)
{
	uint8_t head[SOCKS5_UDP_HEADER_MAX], spill[SOCKS5_UDP_HEADER_MAX];
	uint8_t progbuf[8][1600];
	struct iovec v[10];
	size_t n = 0, cap = 0, got = 0, h, payload, deliver, off;
	ssize_t rc = 0;

	v[n].iov_base = head;
	v[n++].iov_len = room;
	for (size_t i = 0; i < nprog; i++) {
		memset(progbuf[i], 0xee, sizeof(progbuf[i]));
		v[n].iov_base = progbuf[i];
		v[n++].iov_len = prog[i];
		cap += prog[i];
	}
	v[n].iov_base = spill;
	v[n++].iov_len = sizeof(spill);
	/* The kernel: copy in order until the datagram or the room ends. */
	for (size_t i = 0; i < n && got < dlen; i++) {
		size_t c = v[i].iov_len < dlen - got ? v[i].iov_len : dlen - got;

		memcpy(v[i].iov_base, dgram + got, c);
		got += c;
	}
	if (raw) {
		h = 0;
	} else {
		rc = udpframe_parse(v, n, got, hdr);
		if (rc < 0)
			return rc;
		h = (size_t)rc;
	}
	payload = dlen - h;
	deliver = payload < cap ? payload : cap;
	udpframe_iov_move(v, n, room, h, deliver);
	*payload_ok = true;
	off = 0;
	for (size_t i = 0; i < nprog && off < deliver; i++) {
		size_t c = prog[i] < deliver - off ? prog[i] : deliver - off;

		if (memcmp(progbuf[i], dgram + h + off, c) != 0)
			*payload_ok = false;
		off += c;
	}
	return raw ? 0 : rc;
}

static size_t
make_dgram(uint8_t *buf, const struct sx_endpoint *src, size_t payload)
{
	ssize_t h = socks5_encode_udp_header(buf, SOCKS5_UDP_HEADER_MAX, src);

	for (size_t i = 0; i < payload; i++)
		buf[h + (ssize_t)i] = (uint8_t)(i * 31 + 7);
	return (size_t)h + payload;
}

static void
test_unwrap(void)
{
	static const size_t rooms[] = { 10, 22, 7 + 11 };
	static const size_t layouts[][3] = {
		{ 1500, 0, 0 }, { 3, 100, 1400 }, { 0, 7, 0 }, { 64, 0, 0 }, { 1, 1, 1 },
	};
	static const size_t nlayout[] = { 1, 3, 2, 1, 3 };
	static const size_t payloads[] = { 0, 1, 9, 63, 64, 65, 700, 1400 };
	struct sx_endpoint v4, v6, name;
	const struct sx_endpoint *srcs[3] = { &v4, &v6, &name };
	uint8_t dgram[2000];
	int bad = 0, cases = 0;

	memset(&v4, 0, sizeof(v4));
	v4.atyp = SX_ATYP_IPV4;
	v4.port = 53;
	memcpy(v4.addr, "\xc0\x00\x02\x07", 4);
	memset(&v6, 0, sizeof(v6));
	v6.atyp = SX_ATYP_IPV6;
	v6.port = 443;
	v6.addr[0] = 0x20;
	v6.addr[1] = 0x01;
	v6.addr[15] = 0x01;
	sx_endpoint_from_name(&name, "example.com", 123);

	for (size_t r = 0; r < SX_ARRAY_LEN(rooms); r++) {
		for (size_t s = 0; s < 3; s++) {
			for (size_t l = 0; l < SX_ARRAY_LEN(layouts); l++) {
				for (size_t p = 0; p < SX_ARRAY_LEN(payloads); p++) {
					struct socks5_udp_header hdr;
					size_t dlen = make_dgram(dgram, srcs[s], payloads[p]);
					bool payload_ok = false;
					ssize_t h = scatter_and_unwrap(dgram, dlen, rooms[r],
								       layouts[l], nlayout[l],
								       false, &hdr, &payload_ok);

					cases++;
					if (h != (ssize_t)(dlen - payloads[p]) || !payload_ok ||
					    hdr.frag != 0 || hdr.addr.atyp != srcs[s]->atyp ||
					    hdr.addr.port != srcs[s]->port)
						bad++;
					/* The same bytes as a plain datagram from a direct source. */
					payload_ok = false;
					scatter_and_unwrap(dgram, dlen, rooms[r], layouts[l],
							   nlayout[l], true, &hdr, &payload_ok);
					if (!payload_ok)
						bad++;
				}
			}
		}
	}
	printf("# %d scattered datagrams\n", cases);
	is_int(bad, 0, "IPv4, IPv6 and name headers under every header room and buffer layout unwrap into place");
}

static void
test_parse(void)
{
	static const uint8_t v4[] = { 0, 0, 0, 1, 192, 0, 2, 7, 0, 53, 'x' };
	static const uint8_t frag[] = { 0, 0, 5, 1, 192, 0, 2, 7, 0, 53 };
	static const uint8_t badatyp[] = { 0, 0, 0, 9, 192, 0, 2, 7, 0, 53 };
	static const uint8_t name[] = { 0, 0, 0, 3, 3, 'a', 'b', 'c', 1, 0 };
	static const uint8_t emptyname[] = { 0, 0, 0, 3, 0, 0, 53 };
	uint8_t a[4], b[3], c[300];
	struct iovec v[3] = { { a, sizeof(a) }, { b, sizeof(b) }, { c, sizeof(c) } };
	struct socks5_udp_header hdr;

	memcpy(a, v4, 4);
	memcpy(b, v4 + 4, 3);
	memcpy(c, v4 + 7, sizeof(v4) - 7);
	is_int(udpframe_parse(v, 3, sizeof(v4), &hdr), 10, "an IPv4 header split over three buffers");
	is_bytes(hdr.addr.addr, "\xc0\x00\x02\x07", 4, "its address");
	is_int(hdr.addr.port, 53, "its port");
	is_int(udpframe_parse(v, 3, 9, &hdr), -EPROTO, "a datagram shorter than its header");
	is_int(udpframe_parse(v, 3, 4, &hdr), -EPROTO, "four bytes are no header");

	memcpy(a, frag, 4);
	memcpy(b, frag + 4, 3);
	memcpy(c, frag + 7, 3);
	is_int(udpframe_parse(v, 3, sizeof(frag), &hdr), 10, "FRAG 5 parses");
	is_int(hdr.frag, 5, "and is reported for the caller to drop");

	memcpy(a, badatyp, 4);
	is_int(udpframe_parse(v, 3, sizeof(badatyp), &hdr), -EPROTO, "ATYP 9 is malformed");

	memcpy(a, name, 4);
	memcpy(b, name + 4, 3);
	memcpy(c, name + 7, 3);
	is_int(udpframe_parse(v, 3, sizeof(name), &hdr), 10, "a name header");
	is_str(hdr.addr.name, "abc", "the name");
	is_int(hdr.addr.port, 256, "its port");

	memcpy(a, emptyname, 4);
	memcpy(b, emptyname + 4, 3);
	is_int(udpframe_parse(v, 3, sizeof(emptyname), &hdr), -EPROTO, "an empty name is malformed");
}

int
main(void)
{
	test_iov_move();
	test_parse();
	test_unwrap();
	return tap_done();
}

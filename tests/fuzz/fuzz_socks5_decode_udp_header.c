/*
 * socks5_decode_udp_header() on arbitrary datagrams, against a reference
 * reading of RFC 1928 section 7: a datagram is whole, so a header that does
 * not fit is -EPROTO, never "need more"; an accepted header encodes back
 * to the bytes it came from.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "socks5.h"

/* The header's length or -EPROTO. */
static ssize_t
reference_len(const uint8_t *b, size_t len)
{
	size_t want;

	if (len < 4)
		return -EPROTO;
	switch (b[3]) {
	case SX_ATYP_IPV4:
		want = 4 + 4 + 2;
		break;
	case SX_ATYP_IPV6:
		want = 4 + 16 + 2;
		break;
	case SX_ATYP_DOMAIN:
		if (len < 5 || b[4] == 0)
			return -EPROTO;
		want = 4 + 1 + (size_t)b[4] + 2;
		break;
	default:
		return -EPROTO;
	}
	return len < want ? -EPROTO : (ssize_t)want;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t enc[SOCKS5_UDP_HEADER_MAX];
	struct socks5_udp_header h;
	ssize_t n, m;

	memset(&h, 0, sizeof(h));
	n = socks5_decode_udp_header(data, size, &h);
	fuzz_check(n == reference_len(data, size), "agrees with the reference");
	fuzz_check(socks5_decode_udp_header(data, size, NULL) == -EINVAL,
		   "no place for the header is -EINVAL");
	if (n < 0)
		return 0;

	fuzz_check(n <= (ssize_t)SOCKS5_UDP_HEADER_MAX,
		   "no header is longer than the maximum");
	fuzz_check(h.frag == data[2], "FRAG as sent");
	fuzz_check(h.addr.atyp == data[3], "ATYP as sent");
	if (h.addr.atyp == SX_ATYP_DOMAIN)
		fuzz_check(h.addr.name[h.addr.name_len] == '\0',
			   "the name is terminated");

	m = socks5_encode_udp_header(enc, sizeof(enc), &h.addr);
	fuzz_check(m == n, "re-encodes to the same length");
	fuzz_check(memcmp(enc + 3, data + 3, (size_t)n - 3) == 0,
		   "re-encodes to the same ATYP, DST.ADDR and DST.PORT");
	return 0;
}

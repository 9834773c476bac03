/*
 * socks5_decode_reply() on arbitrary bytes, against a reference reading of
 * RFC 1928 section 6: the same answer (need more, -EPROTO, or the reply's
 * length) for every input, and an accepted reply that encodes back to the
 * bytes it came from.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "socks5.h"

/* The reply's length, 0 while more is needed, or -EPROTO. */
static ssize_t
reference_len(const uint8_t *b, size_t len)
{
	size_t want;

	if (len < 4)
		return 0;
	if (b[0] != SOCKS5_VER)
		return -EPROTO;
	switch (b[3]) {
	case SX_ATYP_IPV4:
		want = 4 + 4 + 2;
		break;
	case SX_ATYP_IPV6:
		want = 4 + 16 + 2;
		break;
	case SX_ATYP_DOMAIN:
		if (len < 5)
			return 0;
		if (b[4] == 0)
			return -EPROTO;
		want = 4 + 1 + (size_t)b[4] + 2;
		break;
	default:
		return -EPROTO;
	}
	return len < want ? 0 : (ssize_t)want;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t enc[SOCKS5_REPLY_MAX];
	struct socks5_reply r;
	ssize_t n, m;

	memset(&r, 0, sizeof(r));
	n = socks5_decode_reply(data, size, &r);
	fuzz_check(n == reference_len(data, size), "agrees with the reference");
	fuzz_check(socks5_decode_reply(data, size, NULL) == -EINVAL,
		   "no place for the reply is -EINVAL");
	if (size >= 2) {
		fuzz_check(socks5_reply_errno(data[1]) >= 0, "errno is positive");
		fuzz_check(socks5_reply_message(data[1]) != NULL,
			   "message is never NULL");
	}
	if (n <= 0)
		return 0;

	fuzz_check(n <= (ssize_t)SOCKS5_REPLY_MAX, "no reply is longer than the maximum");
	fuzz_check(r.rep == data[1], "REP is the second byte");
	fuzz_check(r.bnd.atyp == data[3], "ATYP as sent");
	fuzz_check(r.bnd.port == (uint16_t)(data[n - 2] << 8 | data[n - 1]),
		   "BND.PORT is the last two bytes, in network order");
	if (r.bnd.atyp == SX_ATYP_DOMAIN) {
		fuzz_check(r.bnd.name_len == data[4], "name length as sent");
		fuzz_check(r.bnd.name[r.bnd.name_len] == '\0',
			   "the name is terminated");
	}

	/* A request carries the address as a reply does: encode it back. */
	m = socks5_encode_request(enc, sizeof(enc), SOCKS5_CMD_CONNECT, &r.bnd);
	fuzz_check(m == n, "re-encodes to the same length");
	fuzz_check(memcmp(enc + 3, data + 3, (size_t)n - 3) == 0,
		   "re-encodes to the same ATYP, BND.ADDR and BND.PORT");

	/* Every shorter prefix of an accepted reply asks for more. */
	for (ssize_t k = 0; k < n; k++) {
		struct socks5_reply part;

		fuzz_check(socks5_decode_reply(data, (size_t)k, &part) == 0,
			   "a prefix of a reply means need more");
	}
	return 0;
}

/*
 * Addresses as bytes and the prefix arithmetic on them, shared by the
 * NO_PROXY matcher and the check of the fake address ranges.
 */
#include <arpa/inet.h>
#include <string.h>

#include "cidr.h"

/*
 * inet_pton needs a terminated string, so the candidate is copied first;
 * anything too long is no address.
 */
bool
cidr_parse_addr(int family, const char *s, size_t n, uint8_t *out)
{
	char buf[INET6_ADDRSTRLEN];

	if (n == 0 || n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return inet_pton(family, buf, out) == 1;
}

bool
cidr_prefix_equal(const uint8_t *a, const uint8_t *b, unsigned int bits)
{
	unsigned int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

void
cidr_mask_host_bits(uint8_t *a, size_t alen, unsigned int bits)
{
	for (size_t i = 0; i < alen; i++) {
		if (bits >= 8) {
			bits -= 8;
			continue;
		}
		a[i] &= (uint8_t)(0xff << (8 - bits));
		bits = 0;
	}
}

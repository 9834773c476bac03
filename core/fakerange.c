/*
 * The fake ranges and their address arithmetic.  The ranges are written by
 * fakerange_set() (at init, before any other call, and again only by
 * tests) and read without a lock.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "fakerange.h"

static bool range_ready;
static uint32_t net4;		/* host byte order, host bits clear */
static uint32_t mask4;		/* network mask, host byte order */
static uint8_t net6[16];	/* host bits clear */
static uint8_t prefix6;

static uint32_t
fakerange_load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
fakerange_store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool
fakerange_is_v4_mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
	};

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

int
fakerange_offset(int family, const uint8_t *addr, uint32_t *offset)
{
	uint8_t x[16];
	unsigned full;
	unsigned rest;

	if (!range_ready || !addr)
		return -EINVAL;
	if (family == AF_INET6 && fakerange_is_v4_mapped(addr)) {
		family = AF_INET;
		addr += 12;
	}
	if (family == AF_INET) {
		uint32_t a = fakerange_load_be32(addr);

		if ((a & mask4) != net4)
			return -EINVAL;
		*offset = a & ~mask4;
		return 0;
	}
	if (family != AF_INET6)
		return -EINVAL;
	for (unsigned i = 0; i < 16; i++)
		x[i] = (uint8_t)(addr[i] ^ net6[i]);
	full = prefix6 / 8;
	rest = prefix6 % 8;
	for (unsigned i = 0; i < full; i++) {
		if (x[i] != 0)
			return -EINVAL;
	}
	if (rest != 0 && (x[full] >> (8 - rest)) != 0)
		return -EINVAL;
	/* The prefix matches, so x now holds only the host bits. */
	for (unsigned i = 0; i < 12; i++) {
		if (x[i] != 0) {
			*offset = 0;
			return 0;
		}
	}
	*offset = fakerange_load_be32(x + 12);
	return 0;
}

void
fakerange_address(int family, uint32_t index, struct sockaddr_storage *ss,
	      socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = 0;
		fakerange_store_be32((uint8_t *)&sin->sin_addr, net4 + index);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		uint8_t *a = sin6->sin6_addr.s6_addr;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = 0;
		memcpy(a, net6, sizeof(net6));
		fakerange_store_be32(a + 12, fakerange_load_be32(a + 12) | index);
		*len = sizeof(*sin6);
	}
}

int
fakerange_sockaddr_raw(const struct sockaddr *sa, socklen_t len, uint8_t *raw)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (!sa || len < (socklen_t)sizeof(sa_family_t))
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		if (len < (socklen_t)sizeof(sin))
			return -EINVAL;
		memcpy(&sin, sa, sizeof(sin));
		memcpy(raw, &sin.sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		if (len < (socklen_t)sizeof(sin6))
			return -EINVAL;
		memcpy(&sin6, sa, sizeof(sin6));
		memcpy(raw, sin6.sin6_addr.s6_addr, 16);
		return AF_INET6;
	}
	return -EINVAL;
}


int
fakerange_capacity(uint8_t prefix4, uint8_t p6, size_t cap, uint32_t *capacity)
{
	uint64_t cap4;
	uint64_t cap6;
	uint64_t most;

	if (prefix4 > 30 || p6 > 127)
		return -EINVAL;
	/* The network and broadcast addresses of the IPv4 range stay unused. */
	cap4 = ((uint64_t)1 << (32 - prefix4)) - 2;
	cap6 = p6 >= 96 ? ((uint64_t)1 << (128 - p6)) - 1 : UINT32_MAX;
	most = cap4 < cap6 ? cap4 : cap6;
	if (cap > most)
		return -EINVAL;
	*capacity = (uint32_t)(cap != 0 ? cap : most);
	return 0;
}

void
fakerange_set(const uint8_t n4[4], uint8_t prefix4, const uint8_t n6[16],
	      uint8_t p6)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = i * 8;
		uint8_t keep = 0xff;

		if (bits >= p6)
			keep = 0;
		else if (p6 - bits < 8)
			keep = (uint8_t)(0xff << (8 - (p6 - bits)));
		net6[i] = (uint8_t)(n6[i] & keep);
	}
	mask4 = prefix4 == 0 ? 0 : UINT32_MAX << (32 - prefix4);
	net4 = fakerange_load_be32(n4) & mask4;
	prefix6 = p6;
	range_ready = true;
}

/*
 * Unit tests for core/fakerange.c: the room the fake ranges give, and the
 * arithmetic between a fake address and its entry index, both ways.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "fakerange.h"
#include "tap.h"

static const uint8_t n4[4] = { 240, 0, 0, 0 };
static const uint8_t n6[16] = { 0xfd, 0x00, 0x5c, 0x5c, [15] = 0x77 };

static void
test_capacity(void)
{
	uint32_t room = 0;

	is_int(fakerange_capacity(4, 64, 0, &room), 0, "a /4 and a /64");
	is_int(room, (1u << 28) - 2, "give the IPv4 room less two addresses");
	is_int(fakerange_capacity(24, 120, 0, &room), 0, "a /24 and a /120");
	is_int(room, 254, "the smaller range decides");
	is_int(fakerange_capacity(24, 64, 10, &room), 0, "a cap fits");
	is_int(room, 10, "and is the room");
	is_int(fakerange_capacity(24, 64, 255, &room), -EINVAL, "a cap beyond the room");
	is_int(fakerange_capacity(31, 64, 0, &room), -EINVAL, "an IPv4 /31 leaves no room");
	is_int(fakerange_capacity(24, 128, 0, &room), -EINVAL, "an IPv6 /128 neither");
}

static void
test_offsets(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	uint8_t a4[4], a6[16], raw[16];
	uint32_t off = 0;
	socklen_t len = 0;
	char text[64];

	fakerange_set(n4, 4, n6, 64);
	fakerange_address(AF_INET, 5, &ss, &len);
	is_int(len, sizeof(*sin), "an IPv4 address");
	inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
	is_str(text, "240.0.0.5", "entry 5 is the network plus 5");
	is_int(sin->sin_port, 0, "with port 0");
	memcpy(a4, &sin->sin_addr, 4);
	is_int(fakerange_offset(AF_INET, a4, &off), 0, "it lies in the range");
	is_int(off, 5, "at offset 5");
	is_int(fakerange_sockaddr_raw((struct sockaddr *)&ss, len, raw), AF_INET,
	       "its raw address is IPv4");

	fakerange_address(AF_INET6, 5, &ss, &len);
	is_int(len, sizeof(*sin6), "an IPv6 address");
	inet_ntop(AF_INET6, &sin6->sin6_addr, text, sizeof(text));
	is_str(text, "fd00:5c5c::5", "host bits of the network are cleared");
	memcpy(a6, sin6->sin6_addr.s6_addr, 16);
	is_int(fakerange_offset(AF_INET6, a6, &off), 0, "it lies in the range");
	is_int(off, 5, "at offset 5");

	inet_pton(AF_INET6, "::ffff:240.0.0.9", a6);
	is_int(fakerange_offset(AF_INET6, a6, &off), 0, "v4-mapped counts as IPv4");
	is_int(off, 9, "at its IPv4 offset");
	inet_pton(AF_INET6, "fd00:5c5c::1:0:0:9", a6);
	is_int(fakerange_offset(AF_INET6, a6, &off), 0, "a wide IPv6 host part is in the range");
	is_int(off, 0, "but names nothing");
	inet_pton(AF_INET, "10.0.0.9", a4);
	is_int(fakerange_offset(AF_INET, a4, &off), -EINVAL, "outside the range");
	is_int(fakerange_offset(AF_INET, NULL, &off), -EINVAL, "no address");
	is_int(fakerange_offset(AF_UNIX, a4, &off), -EINVAL, "another family");
	is_int(fakerange_sockaddr_raw((struct sockaddr *)&ss, sizeof(*sin6) - 1, raw),
	       -EINVAL, "a short socket address");
}

int
main(void)
{
	uint8_t a4[4] = { 240, 0, 0, 1 };
	uint32_t off;

	is_int(fakerange_offset(AF_INET, a4, &off), -EINVAL,
	       "nothing is fake before the ranges are set");
	test_capacity();
	test_offsets();
	return tap_done();
}

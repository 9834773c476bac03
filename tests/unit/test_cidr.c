/*
 * Addresses as bytes (core/cidr.c): parsing from counted strings, prefix
 * comparison at every kind of boundary, clearing host bits.
 */
#include <arpa/inet.h>
#include <string.h>

#include "cidr.h"
#include "tap.h"

static void
test_parse(void)
{
	uint8_t a[16];
	static const uint8_t v4[4] = { 192, 0, 2, 7 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	char longer[80];

	ok(cidr_parse_addr(AF_INET, "192.0.2.7:80", 9, a), "a counted IPv4");
	is_bytes(a, v4, 4, "its bytes");
	ok(cidr_parse_addr(AF_INET6, "2001:db8::1]", 11, a), "a counted IPv6");
	is_bytes(a, v6, 16, "its bytes");
	ok(!cidr_parse_addr(AF_INET, "", 0, a), "empty is no address");
	ok(!cidr_parse_addr(AF_INET, "192.0.2", 7, a), "three parts are none");
	ok(!cidr_parse_addr(AF_INET6, "192.0.2.7", 9, a),
	   "an IPv4 address is no IPv6 one");
	memset(longer, '1', sizeof(longer));
	ok(!cidr_parse_addr(AF_INET6, longer, sizeof(longer), a),
	   "too long for any address");
}

static void
test_prefix(void)
{
	static const uint8_t a[4] = { 10, 1, 2, 3 };
	static const uint8_t b[4] = { 10, 1, 3, 3 };
	uint8_t m[4];
	uint8_t m6[16];

	ok(cidr_prefix_equal(a, b, 0), "no bits always agree");
	ok(cidr_prefix_equal(a, b, 16), "whole bytes");
	ok(cidr_prefix_equal(a, b, 23), "up to the differing bit");
	ok(!cidr_prefix_equal(a, b, 24), "not past it");
	ok(!cidr_prefix_equal(a, b, 32), "nor in full");
	memcpy(m, a, 4);
	cidr_mask_host_bits(m, 4, 12);
	ok(m[0] == 10 && m[1] == 0 && m[2] == 0 && m[3] == 0, "mask to /12");
	memcpy(m, a, 4);
	cidr_mask_host_bits(m, 4, 32);
	is_bytes(m, a, 4, "a /32 keeps every bit");
	memset(m6, 0xff, sizeof(m6));
	cidr_mask_host_bits(m6, 16, 65);
	ok(m6[7] == 0xff && m6[8] == 0x80 && m6[9] == 0 && m6[15] == 0,
	   "mask an IPv6 address to /65");
}

int
main(void)
{
	test_parse();
	test_prefix();
	return tap_done();
}

/*
 * Addresses and CIDR blocks as raw bytes (4 for IPv4, 16 for IPv6), for
 * NO_PROXY entries and the fake address ranges: parsing an address out of
 * a counted string, comparing the first bits of two addresses, clearing
 * the host bits of one.
 */
#ifndef SX_CIDR_H
#define SX_CIDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Turn s[0..n) into a 4- or 16-byte address of family (AF_INET or
 * AF_INET6); false when it is no such address.
 */
bool cidr_parse_addr(int family, const char *s, size_t n, uint8_t *out);
/* The first bits bits of a and b agree. */
bool cidr_prefix_equal(const uint8_t *a, const uint8_t *b, unsigned int bits);
/* Clear every bit after the first bits bits of an alen-byte address. */
void cidr_mask_host_bits(uint8_t *a, size_t alen, unsigned int bits);

#endif

/*
 * The fake address ranges of the fake-IP map (fakeip.h): an IPv4 network
 * and an IPv6 network, whose host part is the map's entry index, so entry
 * i stands for fake_net + i and fake_net6 + i.  This room holds the
 * arithmetic between addresses and indices; the map itself holds the
 * names.
 */
#ifndef SX_FAKERANGE_H
#define SX_FAKERANGE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * How many entries the ranges with these prefix lengths give room for
 * (cap, or with cap 0 all of it less the IPv4 network and broadcast
 * addresses), in *capacity.  -EINVAL for a prefix too long to leave room,
 * or cap beyond the room.
 */
int fakerange_capacity(uint8_t prefix4, uint8_t prefix6, size_t cap,
		       uint32_t *capacity);
/* Set the ranges (host bits are cleared).  At init, before any lookup. */
void fakerange_set(const uint8_t net4[4], uint8_t prefix4,
		   const uint8_t net6[16], uint8_t prefix6);
/*
 * Where an address lies: -EINVAL outside the fake ranges (or before they
 * are set), else 0 with *offset set to its offset in the range.  An IPv4
 * address v4-mapped in IPv6 counts as IPv4.  An IPv6 offset that does not
 * fit 32 bits becomes 0, which names nothing either.
 */
int fakerange_offset(int family, const uint8_t *addr, uint32_t *offset);
/* The address of entry index in family, as a socket address with port 0. */
void fakerange_address(int family, uint32_t index, struct sockaddr_storage *ss,
		       socklen_t *len);
/*
 * The raw address inside a sockaddr_in or sockaddr_in6, copied to raw (16
 * bytes); its family, or -EINVAL for anything else or a short length.
 */
int fakerange_sockaddr_raw(const struct sockaddr *sa, socklen_t len,
			   uint8_t *raw);

#endif

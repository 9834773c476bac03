/*
 * The fake-IP map: host name <-> fake address, O(1) both ways (uthash).
 * One process-wide table guarded by its own mutex (taken and released
 * inside each call, never held across I/O).  Entry i stands for both
 * fake_net + i (IPv4) and fake_net6 + i (IPv6).  When the range is full the
 * least recently used entry is reused; one address never names two live
 * names at once.  A forked child inherits an identical copy.
 */
#ifndef SX_FAKEIP_H
#define SX_FAKEIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/*
 * Set the ranges (network address and prefix length for each family).
 * Must be called once before any other call; may be called again only by
 * tests, which then start from an empty map.  capacity 0 means the whole
 * range (less the network and broadcast addresses of the IPv4 range).
 */
int fakeip_init(const uint8_t net4[4], uint8_t prefix4, const uint8_t net6[16],
		uint8_t prefix6, size_t capacity);
/*
 * The fake address for name (allocating or refreshing its entry), written
 * as a sockaddr_in or sockaddr_in6 of the given family with port 0.
 * -ENAMETOOLONG, -EINVAL for an invalid name, -ENOMEM.
 */
int fakeip_assign(const char *name, int family, struct sockaddr_storage *ss,
		  socklen_t *len);
/*
 * The name behind a fake address, copied into name (cap >= 256).
 * -ENOENT when the address is in the range but names nothing (stale or
 * invented), -EINVAL when it is not a fake address at all.
 */
int fakeip_lookup_name(const struct sockaddr *sa, socklen_t len, char *name,
		       size_t cap);
/* The same for a raw address of family AF_INET (4 bytes) or AF_INET6 (16). */
int fakeip_lookup_raw(int family, const uint8_t *addr, char *name, size_t cap);
/* True when the address lies in a fake range (v4, v6, or v4-mapped v6). */
bool fakeip_is_fake(const struct sockaddr *sa, socklen_t len);
bool fakeip_is_fake_raw(int family, const uint8_t *addr);
/* Number of live entries (tests and benchmarks). */
size_t fakeip_count(void);
/* Make the lock usable in a forked child (pthread_atfork handlers). */
void fakeip_atfork_prepare(void);
void fakeip_atfork_parent(void);
void fakeip_atfork_child(void);

#endif

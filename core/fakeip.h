/*
 * The fake-IP map: host name <-> fake address, O(1) both ways.  One table
 * in one memory block (fakemap.h) shared by every process that attaches
 * it: the block's own process-shared robust lock is taken and released
 * inside each call, never held across I/O.  Entry i stands for both
 * fake_net + i (IPv4) and fake_net6 + i (IPv6).  The map made by
 * fakeip_init() is a shared anonymous mapping, so forked children share
 * it too; fakeip_attach() uses a block the caller mapped (a session's
 * file, preload/fakeshm.c).  A hold, a use and a reuse in one process are
 * seen by all the others at once.
 *
 * Reuse: a fake address must never silently come to name another host
 * while a program may still hold it, so an entry is given to a new name
 * only when the range is full and the entry is
 *   - not held: no proxied connection made to its address is still open
 *     (fakeip_hold() / fakeip_release()), and
 *   - idle: neither looked up by name nor by address (a connect to it) for
 *     FAKEIP_GRACE_S seconds.
 * The least recently used entry that is not held is the candidate (O(1):
 * held entries leave the use order while held).  When it is not idle yet,
 * no address is free and fakeip_assign() fails with -EAGAIN: the lookup
 * fails rather than point a name somewhere another host may still be
 * reached.
 */
#ifndef SX_FAKEIP_H
#define SX_FAKEIP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* How long after its last use an address stays with its name, in seconds. */
#define FAKEIP_GRACE_S 600

/*
 * Set the ranges (network address and prefix length for each family) and
 * give this process a map of its own (shared with the children it forks).
 * Must be called once before any other call; may be called again only by
 * tests, which then start from an empty map.  capacity 0 means the whole
 * range (less the network and broadcast addresses of the IPv4 range), at
 * most FAKEMAP_MAX_ENTRIES.  -ENOMEM when the map cannot be mapped.
 */
int fakeip_init(const uint8_t net4[4], uint8_t prefix4, const uint8_t net6[16],
		uint8_t prefix6, size_t capacity);
/*
 * The same ranges and capacity without a map: until fakeip_attach(),
 * assigning fails with -EADDRNOTAVAIL and every fake address names
 * nothing (fail closed).
 */
int fakeip_set_ranges(const uint8_t net4[4], uint8_t prefix4,
		      const uint8_t net6[16], uint8_t prefix6, size_t capacity);
/* Bytes the block for the ranges set needs (0 before they are set). */
size_t fakeip_bytes(void);
/*
 * Lay out an empty map for the ranges set in mem (bytes long,
 * fakeip_bytes(), zero-filled), without using it yet.  -EINVAL for a wrong size.
 */
int fakeip_format(void *mem, size_t bytes);
/*
 * Use the block mem (bytes long) as the map, once checked that it holds a
 * map of the same ranges (-EPROTO when not: then the map is left as it
 * was).  The block must stay mapped for the life of the process.
 */
int fakeip_attach(void *mem, size_t bytes);
/*
 * The function called, one thread at a time, when a call needs the map and
 * none is attached yet: it maps a block and calls fakeip_attach(), or
 * answers -errno (the call then fails as without a map).  create is true
 * when the caller is about to assign a name, so a block that does not
 * exist yet should be made; false for a lookup, which needs no block that
 * nobody has made.  NULL: none (the default).
 */
void fakeip_set_attacher(int (*attach)(bool create));
/*
 * The fake address for name (allocating or refreshing its entry), written
 * as a sockaddr_in or sockaddr_in6 of the given family with port 0.
 * -ENAMETOOLONG, -EINVAL for an invalid name, -EAGAIN when the range is
 * full and no entry may be reused yet (see above), -EADDRNOTAVAIL without
 * a map, -EIO when the map's lock is beyond repair.
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
/*
 * Pin the entry behind fake address sa while a proxied connection to it is
 * open: it keeps its name, whatever the range's pressure, until released.
 * Holds are counted.  0 with *ticket set (the entry's number, > 0) for
 * fakeip_release(), -ENOENT when the address names nothing, -EINVAL when
 * it is not a fake address.
 */
int fakeip_hold(const struct sockaddr *sa, socklen_t len, uint32_t *ticket);
/*
 * Drop one hold taken with fakeip_hold().  The last one puts the entry
 * back in the use order as just used, so it stays with its name for the
 * grace period after its connection closed.  A ticket that holds nothing
 * is ignored.
 */
void fakeip_release(uint32_t ticket);
/*
 * Take one more hold on what ticket holds (a forked child's copy of the
 * connection it inherited).  -ENOENT when the ticket holds nothing.
 */
int fakeip_rehold(uint32_t ticket);
/* Number of live entries (tests and benchmarks). */
size_t fakeip_count(void);
/*
 * Tests: the clock the grace period is measured with (monotonic seconds;
 * NULL: CLOCK_MONOTONIC) and the grace period itself (seconds).
 */
void fakeip_set_clock(uint32_t (*now_s)(void));
void fakeip_set_grace(uint32_t seconds);

#endif

/*
 * Whether the library may keep any state for a descriptor: one byte per
 * descriptor below FDANY_MAP_SIZE, set when a per-descriptor table
 * (fdtable.h: connections, UDP associations, BIND requests) marks the
 * descriptor or a fake address is pinned to it (fakepin.h), and cleared
 * by close() once all of it is forgotten.  A clear byte lets close(),
 * dup() and their relatives skip every table with one load; a set byte
 * only sends them down the path that asks each table.  Descriptors beyond
 * the map always take that path.  Written and read with relaxed atomics
 * and no lock.
 */
#ifndef SX_FDANY_H
#define SX_FDANY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define FDANY_MAP_SIZE 65536

extern _Atomic uint8_t fdany_map[FDANY_MAP_SIZE];

/* State may be kept for fd from now on. */
static inline void
fdany_note(int fd)
{
	if (fd >= 0 && fd < FDANY_MAP_SIZE &&
	    !atomic_load_explicit(&fdany_map[fd], memory_order_relaxed))
		atomic_store_explicit(&fdany_map[fd], 1, memory_order_relaxed);
}

/* False only when no state is kept for fd (exact for a false answer). */
static inline bool
fdany_maybe(int fd)
{
	if (fd < 0)
		return false;
	if (fd >= FDANY_MAP_SIZE)
		return true;
	return atomic_load_explicit(&fdany_map[fd], memory_order_relaxed) != 0;
}

/* Everything kept for fd was forgotten (close()). */
static inline void
fdany_clear(int fd)
{
	if (fd >= 0 && fd < FDANY_MAP_SIZE)
		atomic_store_explicit(&fdany_map[fd], 0, memory_order_relaxed);
}

#endif

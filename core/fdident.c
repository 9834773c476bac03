/*
 * The descriptor identity probe.  The pointer is written once at init,
 * before any table has an entry, and read without a lock.
 */
#include <stdatomic.h>
#include <stddef.h>

#include "fdident.h"

static _Atomic(fdident_probe_fn) fdident_probe;

void
fdident_set_probe(fdident_probe_fn probe)
{
	atomic_store_explicit(&fdident_probe, probe, memory_order_release);
}

uint64_t
fdident_of(int fd)
{
	fdident_probe_fn probe = atomic_load_explicit(&fdident_probe,
						       memory_order_acquire);

	if (!probe || fd < 0)
		return 0;
	return probe(fd);
}

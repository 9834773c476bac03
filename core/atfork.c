/*
 * The registry is written by constructors, while the library loads and
 * before the program runs a thread, and read by the fork handlers; the
 * count is atomic so that a late registration is seen whole.
 */
#include <errno.h>
#include <stdatomic.h>

#include "atfork.h"

static pthread_mutex_t *atfork_locks[ATFORK_MAX];
static _Atomic size_t atfork_nlocks;

int
atfork_register(pthread_mutex_t *lock)
{
	size_t n = atomic_load_explicit(&atfork_nlocks, memory_order_acquire);

	if (!lock)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (atfork_locks[i] == lock)
			return 0;
	}
	if (n == ATFORK_MAX)
		return -ENOSPC;
	atfork_locks[n] = lock;
	atomic_store_explicit(&atfork_nlocks, n + 1, memory_order_release);
	return 0;
}

size_t
atfork_count(void)
{
	return atomic_load_explicit(&atfork_nlocks, memory_order_acquire);
}

void
atfork_prepare(void)
{
	size_t n = atfork_count();

	for (size_t i = 0; i < n; i++)
		pthread_mutex_lock(atfork_locks[i]);
}

/* Release in reverse order of taking. */
static void
atfork_release(void)
{
	size_t n = atfork_count();

	while (n > 0)
		pthread_mutex_unlock(atfork_locks[--n]);
}

void
atfork_parent(void)
{
	atfork_release();
}

void
atfork_child(void)
{
	atfork_release();
}

/*
 * Registrations live in a static array indexed by descriptor; untouched
 * pages of it cost no memory.  A slot's epfd is stored plus one, so that
 * zero means "none".
 */
#include <stdatomic.h>
#include <sys/epoll.h>

#include "epwatch.h"

struct epwatch_slot epwatch_slots[EPWATCH_MAX];

void
epwatch_note(int epfd, int op, int fd, uint32_t events, uint64_t data)
{
	struct epwatch_slot *s;

	if (fd < 0 || fd >= EPWATCH_MAX)
		return;
	s = &epwatch_slots[fd];
	if (op == EPOLL_CTL_DEL) {
		if (atomic_load_explicit(&s->epfd1, memory_order_relaxed) == epfd + 1)
			atomic_store_explicit(&s->epfd1, 0, memory_order_relaxed);
		return;
	}
	atomic_store_explicit(&s->events, events, memory_order_relaxed);
	atomic_store_explicit(&s->data, data, memory_order_relaxed);
	atomic_store_explicit(&s->epfd1, epfd + 1, memory_order_release);
}

bool
epwatch_get(int fd, int *epfd, uint32_t *events, uint64_t *data)
{
	struct epwatch_slot *s;
	int e;

	if (fd < 0 || fd >= EPWATCH_MAX)
		return false;
	s = &epwatch_slots[fd];
	e = atomic_load_explicit(&s->epfd1, memory_order_acquire);
	if (e == 0)
		return false;
	*epfd = e - 1;
	*events = atomic_load_explicit(&s->events, memory_order_relaxed);
	*data = atomic_load_explicit(&s->data, memory_order_relaxed);
	return true;
}

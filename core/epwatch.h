/*
 * The program's epoll registrations by descriptor, so that a non-blocking
 * connect() made after the socket joined an epoll set can still find that
 * registration (the set's descriptor, the events and the data the program
 * gave) and steer it during the SOCKS exchange.  One slot per descriptor
 * below EPWATCH_MAX, written with relaxed atomics and no lock; only the last
 * registration of a descriptor is kept.
 */
#ifndef SX_EPWATCH_H
#define SX_EPWATCH_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#define EPWATCH_MAX 65536

/* One descriptor's registration (epwatch.c); epfd1 is its set plus one. */
struct epwatch_slot {
	_Atomic int epfd1;
	_Atomic uint32_t events;
	_Atomic uint64_t data;
};

extern struct epwatch_slot epwatch_slots[EPWATCH_MAX];

/* Record an EPOLL_CTL_ADD / _MOD (events, data) or an EPOLL_CTL_DEL. */
void epwatch_note(int epfd, int op, int fd, uint32_t events, uint64_t data);
/* The last registration of fd; false when none is known. */
bool epwatch_get(int fd, int *epfd, uint32_t *events, uint64_t *data);
/* Forget fd (it was closed: the kernel dropped its registrations). */
static inline void
epwatch_forget(int fd)
{
	if (fd < 0 || fd >= EPWATCH_MAX)
		return;
	if (atomic_load_explicit(&epwatch_slots[fd].epfd1, memory_order_relaxed))
		atomic_store_explicit(&epwatch_slots[fd].epfd1, 0, memory_order_relaxed);
}

#endif

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

#include <stdbool.h>
#include <stdint.h>

#define EPWATCH_MAX 65536

/* Record an EPOLL_CTL_ADD / _MOD (events, data) or an EPOLL_CTL_DEL. */
void epwatch_note(int epfd, int op, int fd, uint32_t events, uint64_t data);
/* The last registration of fd; false when none is known. */
bool epwatch_get(int fd, int *epfd, uint32_t *events, uint64_t *data);
/* Forget fd (it was closed: the kernel dropped its registrations). */
void epwatch_forget(int fd);

#endif

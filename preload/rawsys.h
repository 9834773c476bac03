/*
 * System calls made by a hook itself, so that only the hook's own return
 * follows them.  A hook that calls the C library's wrapper and then looks
 * at the result returns twice after the system call (the wrapper to the
 * hook, the hook to the program); on kernels that refill the return stack
 * buffer on the way out of a system call the second return is
 * mispredicted, tens of nanoseconds on a call that costs a few hundred.
 *
 * Only where that changes nothing the program can see: the machine is
 * x86-64, the next function in line is the C library's own (real.c checks
 * it once at init: another preloaded library that wraps the call is
 * always called), and the call either is no cancellation point (dup) or
 * cannot block (epoll_wait with a zero timeout, which tests for a pending
 * cancellation first, as the C library's wrapper does).  Otherwise the
 * real function is called.
 */
#ifndef SX_RAWSYS_H
#define SX_RAWSYS_H

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/syscall.h>

#include "real.h"

/* The next dup() and epoll_wait() in line are the C library's own. */
extern bool rawsys_dup_ok;
extern bool rawsys_epoll_wait_ok;

/* Set both, once the real functions are resolved (real.c). */
void rawsys_init(void);

#if defined(__x86_64__)
static inline long
rawsys_call4(long nr, long a, long b, long c, long d)
{
	register long r10 __asm__("r10") = d;
	long rc;

	__asm__ volatile("syscall"
			 : "=a"(rc)
			 : "0"(nr), "D"(a), "S"(b), "d"(c), "r"(r10)
			 : "rcx", "r11", "memory");
	return rc;
}

static inline int
rawsys_result(long rc)
{
	if (rc < 0 && rc > -4096) {
		errno = (int)-rc;
		return -1;
	}
	return (int)rc;
}
#endif

static inline int
rawsys_dup(int oldfd)
{
#if defined(__x86_64__)
	if (rawsys_dup_ok)
		return rawsys_result(rawsys_call4(SYS_dup, oldfd, 0, 0, 0));
#endif
	return real.dup(oldfd);
}

/* epoll_wait() with a zero timeout. */
static inline int
rawsys_epoll_poll(int epfd, struct epoll_event *events, int maxevents)
{
#if defined(__x86_64__)
	if (rawsys_epoll_wait_ok) {
		pthread_testcancel();
		return rawsys_result(rawsys_call4(SYS_epoll_wait, epfd, (long)events,
						  maxevents, 0));
	}
#endif
	return real.epoll_wait(epfd, events, maxevents, 0);
}

#endif

/*
 * Shared by the readiness hooks (readiness.c).
 */
#ifndef SX_READINESS_H
#define SX_READINESS_H

#include <stdbool.h>
#include <stdint.h>
#include <poll.h>
#include <sys/time.h>
#include <time.h>

/* Milliseconds left until deadline (-1: none), for the next real wait. */
int readiness_time_left(int64_t deadline);
/* A deadline (CLOCK_MONOTONIC ms, -1: none) from a timeout in each form. */
int64_t readiness_deadline_ms(int timeout);
int64_t readiness_deadline_ts(const struct timespec *ts);
int64_t readiness_deadline_tv(const struct timeval *tv);
bool readiness_timed_out(int64_t deadline);
/* The state of a proxied socket without stepping it (-1: not proxied). */
int readiness_state(int fd);
/* True when a readiness call has nothing of ours to watch. */
bool readiness_idle(void);
/*
 * Watch the control connection of a listening socket waiting on a BIND in
 * its place (the caller restores the descriptor).  False when p is none.
 */
bool readiness_bind_watch(struct pollfd *p);
/* A failed connect's readiness, limited to what the program asked for. */
short readiness_failed_revents(short events);
/*
 * What the program sees of a proxied socket it asked `events` of, after a
 * wait that reported `revents` for it.
 */
short readiness_revents(int fd, short events, short revents);

#endif

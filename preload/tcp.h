/*
 * Proxied TCP sockets whose SOCKS exchange is still under way (tcp.c):
 * the readiness hooks (poll, select, epoll), the I/O hooks and connect()
 * drive them through these calls.  Everything here is cheap to skip:
 * callers first ask conntab_active_count() or conntab_maybe_active(fd).
 */
#ifndef SX_TCP_H
#define SX_TCP_H

#include <stdint.h>
#include <sys/socket.h>

#include "conntab.h"
#include "handshake.h"

/*
 * Advance fd's pending exchange without blocking, failing it once past its
 * deadline; keeps the program's epoll registration in step.  Returns the
 * state afterwards (CONNTAB_*), or -1 when fd is not a proxied socket.
 */
int tcp_advance(int fd);
/*
 * Gate for send/recv/read/write on fd: 0 when the call may go on, else
 * -EAGAIN while the exchange is under way on a non-blocking socket, or the
 * failure's errno.  A blocking socket waits for the exchange to end.
 */
int tcp_io_gate(int fd);
/*
 * The same for a hook about to make its real call: 0 when it may, else -1
 * with errno set to what the hook must fail with.
 */
int tcp_io_check(int fd);
/* Fail every pending exchange whose deadline has passed. */
void tcp_expire(void);
/* Milliseconds until the next pending deadline (capped by limit_ms; -1 = none). */
int tcp_wait_cap(int limit_ms);
/*
 * Drive fd's pending exchange (info: its entry) to its end, blocking,
 * bounded by its deadline: 0, -EINTR (still pending) or the failure, after
 * which fd has a fresh socket and no entry.
 */
int tcp_finish_blocking(int fd, const struct conntab_info *info);
/*
 * Point the program's epoll registration of fd at what the exchange waits
 * for (state CONNTAB_PENDING: `want`, one shot), or give it back its own
 * events.
 */
void tcp_steer_epoll(int fd, const struct conntab_info *info, int state, int want);

#endif

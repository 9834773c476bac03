/*
 * Proxied TCP sockets whose SOCKS exchange is still under way: the
 * readiness hooks (poll, select, epoll) and the I/O hooks drive them
 * through these calls.  Everything here is cheap to skip: callers first ask
 * conntab_active_count() or conntab_maybe_active(fd).
 */
#ifndef SX_TCP_H
#define SX_TCP_H

#include <stdint.h>
#include <sys/socket.h>

/*
 * Advance fd's pending exchange without blocking, failing it once past its
 * deadline; keeps the program's epoll registration in step.  Returns the
 * state afterwards (CONNTAB_*), or -1 when fd is not a proxied socket.
 */
int tcp_advance(int fd);
/* What a pending fd waits for (SX_WANT_READ or SX_WANT_WRITE). */
int tcp_want(int fd);
/*
 * Gate for send/recv/read/write on fd: 0 when the call may go on, else
 * -EAGAIN while the exchange is under way on a non-blocking socket, or the
 * failure's errno.  A blocking socket waits for the exchange to end.
 */
int tcp_io_gate(int fd);
/* tcp_connect()'s answer for "let the real call handle it". */
#define TCP_PASS 1
/*
 * connect() as the hook decides it, for the library's own callers (a send
 * with MSG_FASTOPEN, hook_fastopen.c), with the guard held: 0, TCP_PASS
 * for a destination reached directly, or -errno (-EINPROGRESS for a
 * non-blocking socket whose exchange has begun).
 */
int tcp_connect(int fd, const struct sockaddr *sa, socklen_t len);
/* Fail every pending exchange whose deadline has passed. */
void tcp_expire(void);
/* Milliseconds until the next pending deadline (capped by limit_ms; -1 = none). */
int tcp_wait_cap(int limit_ms);

#endif

/*
 * What the readiness hooks (hook_poll.c, hook_select.c, hook_epoll.c)
 * share: deadlines from the program's timeouts, and what the program sees
 * of a proxied socket.  While its SOCKS exchange is pending a proxied
 * socket is a connecting TCP socket: neither readable nor writable (the
 * proxy's answers are not its data); then writable once the proxy said
 * "succeeded", readable only when its own data is there, or in error, as
 * after a failed TCP connect.  A listening socket waiting for the peer of
 * a SOCKS BIND is watched through its control connection to the proxy.
 */
#include <errno.h>
#include <poll.h>

#include "bindtab.h"
#include "conntab.h"
#include "gssio.h"
#include "handshake.h"
#include "preload.h"
#include "readiness.h"
#include "tcp.h"

/* Milliseconds left until deadline (-1: none), for the next real wait. */
int
readiness_time_left(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - handshake_now_ms();
	if (left <= 0)
		return 0;
	return left > 60000 ? 60000 : (int)left;
}

int64_t
readiness_deadline_ms(int timeout)
{
	return timeout < 0 ? -1 : handshake_now_ms() + timeout;
}

int64_t
readiness_deadline_ts(const struct timespec *ts)
{
	if (!ts)
		return -1;
	return handshake_now_ms() + ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
}

bool
readiness_timed_out(int64_t deadline)
{
	return deadline >= 0 && handshake_now_ms() >= deadline;
}

/* The state of a proxied socket without stepping it (-1: not proxied). */
int
readiness_state(int fd)
{
	struct conntab_info info;

	return conntab_get(fd, &info) ? info.state : -1;
}

/*
 * True when a readiness call has nothing of ours to watch: no exchange
 * under way, no BIND waiting, no connection with GSSAPI protection (whose
 * socket is readable before a whole message has come).
 */
bool
readiness_idle(void)
{
	return conntab_active_count() == 0 && bindtab_active_count() == 0 &&
	       conntab_wrapped_count() == 0;
}

/*
 * Watch the control connection of a listening socket waiting on a BIND in
 * its place (the caller restores the descriptor).  False when p is none.
 */
bool
readiness_bind_watch(struct pollfd *p)
{
	int ctrl;

	if (!bindtab_maybe_active(p->fd) || !(p->events & (POLLIN | POLLRDNORM)))
		return false;
	ctrl = bindtab_ctrl(p->fd);
	if (ctrl < 0)
		return false;
	p->fd = ctrl;
	p->events = POLLIN;
	return true;
}

/* A failed connect's readiness, limited to what the program asked for. */
short
readiness_failed_revents(short events)
{
	return (short)(POLLERR | POLLHUP | (events & (POLLOUT | POLLIN)));
}

/*
 * What the program sees of a proxied socket it asked `events` of, after a
 * wait that reported `revents` for it (the readiness of the exchange while
 * it was pending: the proxy's answers make the socket readable, the TCP
 * connect to the proxy makes it writable).  Pending, nothing: a connecting
 * TCP socket is neither.  Failed, a failed connect's readiness.  Just
 * established, the socket's own readiness asked anew, since what the wait
 * saw was the exchange's (the reply is read by now): writable, and
 * readable only when the program's data is there.
 */
short
readiness_revents(int fd, short events, short revents)
{
	struct pollfd p = { fd, events, 0 };
	int state = revents ? tcp_advance(fd) : readiness_state(fd);
	int saved_errno;

	if (state == CONNTAB_PENDING)
		return 0;
	if (state == CONNTAB_FAILED)
		return readiness_failed_revents(events);
	if (state != CONNTAB_ESTABLISHED)
		return revents;
	saved_errno = errno;
	if (real.poll(&p, 1, 0) < 0)
		p.revents = (short)(events & POLLOUT);
	errno = saved_errno;
	/* Under GSSAPI protection readable means a whole message (gssio.h). */
	if (conntab_maybe_wrapped(fd))
		return gssio_revents(fd, events, p.revents);
	return p.revents;
}

int64_t
readiness_deadline_tv(const struct timeval *tv)
{
	if (!tv)
		return -1;
	return handshake_now_ms() + tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000;
}

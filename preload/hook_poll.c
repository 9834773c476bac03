/*
 * Readiness calls: poll, ppoll, select, pselect, epoll_ctl, epoll_wait,
 * epoll_pwait, epoll_pwait2.  While no proxied connect is pending or failed
 * (conntab_active_count() == 0) each one is a load and a branch in front of
 * the real call (and a clock read when it has a timeout), and one more load
 * after it.  Otherwise a pending socket is watched for what its SOCKS
 * exchange needs, the exchange is stepped when that comes, and the program
 * sees the socket as a connecting TCP socket: neither readable nor writable
 * (the proxy's answers are not its data), then writable once the proxy said
 * "succeeded", readable only when its own data is there, or in error, as
 * after a failed TCP connect.  The program's timeout is kept: the real call
 * is repeated with the time that is left.  A poll or epoll wait that began
 * with nothing pending and saw the exchange of a connect another thread
 * started meanwhile gives those events back the same way (select cannot:
 * its sets hold the answer by then, and a thread rarely selects on a socket
 * another one has not finished connecting).
 *
 * A listening socket waiting for the peer of a SOCKS BIND (hook_bind.c) is
 * announced by its control connection to the proxy: poll and select watch
 * that connection in its place (bindtab_active_count() is the one load that
 * skips this), and epoll_ctl keeps it in the program's epoll set with the
 * program's events and data, so epoll_wait needs nothing of its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "bindtab.h"
#include "conntab.h"
#include "epwatch.h"
#include "handshake.h"
#include "preload.h"
#include "tcp.h"

#define POLL_STACK_FDS 64

/* Milliseconds left until deadline (-1: none), for the next real wait. */
static int
time_left(int64_t deadline)
{
	int64_t left;

	if (deadline < 0)
		return -1;
	left = deadline - handshake_now_ms();
	if (left <= 0)
		return 0;
	return left > 60000 ? 60000 : (int)left;
}

static int64_t
deadline_from_ms(int timeout)
{
	return timeout < 0 ? -1 : handshake_now_ms() + timeout;
}

static int64_t
deadline_from_ts(const struct timespec *ts)
{
	if (!ts)
		return -1;
	return handshake_now_ms() + ts->tv_sec * 1000 + (ts->tv_nsec + 999999) / 1000000;
}

static bool
timed_out(int64_t deadline)
{
	return deadline >= 0 && handshake_now_ms() >= deadline;
}

/* The state of a proxied socket without stepping it (-1: not proxied). */
static int
fd_state(int fd)
{
	struct conntab_info info;

	return conntab_get(fd, &info) ? info.state : -1;
}

/* True when a readiness call has nothing of ours to watch. */
static inline bool
nothing_pending(void)
{
	return conntab_active_count() == 0 && bindtab_active_count() == 0;
}

/*
 * Watch the control connection of a listening socket waiting on a BIND in
 * its place (the caller restores the descriptor).  False when p is none.
 */
static bool
bind_watch(struct pollfd *p)
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
static short
failed_revents(short events)
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
static short
proxied_revents(int fd, short events, short revents)
{
	struct pollfd p = { fd, events, 0 };
	int state = revents ? tcp_advance(fd) : fd_state(fd);
	int saved_errno;

	if (state == CONNTAB_PENDING)
		return 0;
	if (state == CONNTAB_FAILED)
		return failed_revents(events);
	if (state != CONNTAB_ESTABLISHED)
		return revents;
	saved_errno = errno;
	if (real.poll(&p, 1, 0) < 0)
		p.revents = (short)(events & POLLOUT);
	errno = saved_errno;
	return p.revents;
}

/*
 * A wait that began while nothing was pending may end after another thread
 * started a proxied connect on one of fds: what it reported for that
 * socket is the exchange's.  Returns the number of descriptors left ready.
 */
static int
poll_claim(struct pollfd *fds, nfds_t nfds)
{
	int ready = 0;

	for (nfds_t i = 0; i < nfds; i++) {
		if (fds[i].revents && conntab_maybe_active(fds[i].fd))
			fds[i].revents = proxied_revents(fds[i].fd, fds[i].events,
							 fds[i].revents);
		ready += fds[i].revents != 0;
	}
	return ready;
}

/*
 * The poll family with pending sockets among fds.  sigmask != NULL or
 * use_ppoll selects ppoll.
 */
static int
poll_slow(struct pollfd *fds, nfds_t nfds, int64_t deadline, bool use_ppoll,
	  const sigset_t *sigmask)
{
	short stack_orig[POLL_STACK_FDS];
	int stack_ofd[POLL_STACK_FDS];
	short *orig = stack_orig;
	int *ofd = stack_ofd;
	int n, ready, saved_errno;

	if (nfds > POLL_STACK_FDS) {
		orig = malloc(nfds * sizeof(*orig));
		ofd = malloc(nfds * sizeof(*ofd));
		if (!orig || !ofd) {
			free(orig);
			free(ofd);
			errno = ENOMEM;
			return -1;
		}
	}
	for (nfds_t i = 0; i < nfds; i++) {
		orig[i] = fds[i].events;
		ofd[i] = fds[i].fd;
	}
	/*
	 * Pending sockets are not stepped before the wait: the wait itself says
	 * at once when what the exchange waits for is there, and a step before
	 * it would mostly meet EAGAIN.
	 */
	for (;;) {
		bool failed = false;
		int wait_ms;

		tcp_expire();
		for (nfds_t i = 0; i < nfds; i++) {
			int state;

			fds[i].events = orig[i];
			if (bind_watch(&fds[i]))
				continue;
			if (!conntab_maybe_active(fds[i].fd))
				continue;
			/* What to wait for; the checks after the wait verify it. */
			state = conntab_state_hint(fds[i].fd);
			if (state == CONNTAB_PENDING)
				fds[i].events = tcp_want(fds[i].fd) == SX_WANT_READ ?
						POLLIN : POLLOUT;
			else if (state == CONNTAB_FAILED)
				failed = true;
		}
		wait_ms = failed ? 0 : tcp_wait_cap(time_left(deadline));
		if (use_ppoll) {
			struct timespec ts = { wait_ms / 1000, (wait_ms % 1000) * 1000000L };

			n = real.ppoll(fds, nfds, wait_ms < 0 ? NULL : &ts, sigmask);
		} else {
			n = real.poll(fds, nfds, wait_ms);
		}
		if (n < 0)
			break;
		ready = 0;
		for (nfds_t i = 0; i < nfds; i++) {
			if (fds[i].fd != ofd[i]) {
				/* The BIND's control connection stood in. */
				fds[i].fd = ofd[i];
				fds[i].revents = fds[i].revents ?
						 (short)(orig[i] & (POLLIN | POLLRDNORM)) : 0;
			} else if (conntab_maybe_active(fds[i].fd)) {
				fds[i].revents = proxied_revents(fds[i].fd, orig[i],
								 fds[i].revents);
			}
			if (fds[i].revents)
				ready++;
		}
		n = ready;
		if (n > 0 || timed_out(deadline) || deadline == 0)
			break;
	}
	saved_errno = errno;
	for (nfds_t i = 0; i < nfds; i++) {
		fds[i].events = orig[i];
		fds[i].fd = ofd[i];
	}
	if (orig != stack_orig) {
		free(orig);
		free(ofd);
	}
	errno = saved_errno;
	return n;
}

/*
 * After a wait that began with nothing pending (n its result): when a
 * proxied connect started meanwhile, take back what was the exchange's and
 * wait on for the time left if nothing else was ready.
 */
static int
poll_after_fast(struct pollfd *fds, nfds_t nfds, int n, int64_t deadline,
		bool use_ppoll, const sigset_t *sigmask)
{
	if (n <= 0 || conntab_active_count() == 0)
		return n;
	n = poll_claim(fds, nfds);
	if (n > 0 || deadline == 0 || timed_out(deadline))
		return n;
	return poll_slow(fds, nfds, deadline, use_ppoll, sigmask);
}

SX_EXPORT int
poll(struct pollfd *fds, nfds_t nfds, int timeout)
{
	int64_t deadline;
	int n;

	sx_ready();
	if (sx_guarded())
		return real.poll(fds, nfds, timeout);
	deadline = timeout == 0 ? 0 : deadline_from_ms(timeout);
	if (!nothing_pending())
		return poll_slow(fds, nfds, deadline, false, NULL);
	n = real.poll(fds, nfds, timeout);
	return poll_after_fast(fds, nfds, n, deadline, false, NULL);
}

/* The C library exports this one under a second name too: same hook. */
SX_EXPORT int __poll(struct pollfd *fds, nfds_t nfds, int timeout)
	__attribute__((alias("poll")));

SX_EXPORT int
ppoll(struct pollfd *fds, nfds_t nfds, const struct timespec *ts,
      const sigset_t *sigmask)
{
	int64_t deadline;
	int n;

	sx_ready();
	if (sx_guarded())
		return real.ppoll(fds, nfds, ts, sigmask);
	deadline = ts && ts->tv_sec == 0 && ts->tv_nsec == 0 ? 0 : deadline_from_ts(ts);
	if (!nothing_pending())
		return poll_slow(fds, nfds, deadline, true, sigmask);
	n = real.ppoll(fds, nfds, ts, sigmask);
	return poll_after_fast(fds, nfds, n, deadline, true, sigmask);
}

/*
 * The select family with pending sockets among the sets.  The program's
 * sets are copied; each round rebuilds the sets from the copies, with a
 * pending socket watched only for what its exchange needs, and a listening
 * socket waiting on a BIND replaced by its control connection.
 */
static int
select_slow(int nfds, fd_set *rfds, fd_set *wfds, fd_set *efds,
	    int64_t deadline, bool use_pselect, const sigset_t *sigmask)
{
	fd_set orig_r, orig_w, orig_e, r, w, e, swapped;
	int n;

	if (nfds > FD_SETSIZE)
		nfds = FD_SETSIZE;
	FD_ZERO(&orig_r);
	FD_ZERO(&orig_w);
	FD_ZERO(&orig_e);
	if (rfds)
		orig_r = *rfds;
	if (wfds)
		orig_w = *wfds;
	if (efds)
		orig_e = *efds;
	/* As in poll_slow(), pending sockets are not stepped before the wait. */
	for (;;) {
		bool failed = false;
		int wait_ms, wait_nfds = nfds, ready = 0;

		tcp_expire();
		r = orig_r;
		w = orig_w;
		e = orig_e;
		FD_ZERO(&swapped);
		for (int fd = 0; fd < nfds; fd++) {
			int state, ctrl;

			if (bindtab_maybe_active(fd) && FD_ISSET(fd, &orig_r)) {
				ctrl = bindtab_ctrl(fd);
				if (ctrl >= 0 && ctrl < FD_SETSIZE) {
					FD_CLR(fd, &r);
					FD_SET(ctrl, &r);
					FD_SET(fd, &swapped);
					if (ctrl >= wait_nfds)
						wait_nfds = ctrl + 1;
				}
				continue;
			}
			if (!conntab_maybe_active(fd) ||
			    !(FD_ISSET(fd, &orig_r) || FD_ISSET(fd, &orig_w) ||
			      FD_ISSET(fd, &orig_e)))
				continue;
			/* What to wait for; the checks after the wait verify it. */
			state = conntab_state_hint(fd);
			if (state == CONNTAB_PENDING) {
				FD_CLR(fd, &r);
				FD_CLR(fd, &w);
				FD_CLR(fd, &e);
				if (tcp_want(fd) == SX_WANT_READ)
					FD_SET(fd, &r);
				else
					FD_SET(fd, &w);
			} else if (state == CONNTAB_FAILED) {
				failed = true;
			}
		}
		wait_ms = failed ? 0 : tcp_wait_cap(time_left(deadline));
		if (use_pselect) {
			struct timespec ts = { wait_ms / 1000, (wait_ms % 1000) * 1000000L };

			n = real.pselect(wait_nfds, &r, &w, &e, wait_ms < 0 ? NULL : &ts,
					 sigmask);
		} else {
			struct timeval tv = { wait_ms / 1000, (wait_ms % 1000) * 1000 };

			n = real.select(wait_nfds, &r, &w, &e, wait_ms < 0 ? NULL : &tv);
		}
		if (n < 0)
			return -1;
		for (int fd = 0; fd < nfds; fd++) {
			int ctrl;

			if (!FD_ISSET(fd, &swapped))
				continue;
			/* The BIND's control connection stood in for fd. */
			ctrl = bindtab_ctrl(fd);
			if (ctrl >= 0 && ctrl < FD_SETSIZE && FD_ISSET(ctrl, &r)) {
				FD_SET(fd, &r);
				if (!FD_ISSET(ctrl, &orig_r))
					FD_CLR(ctrl, &r);
			}
		}
		for (int fd = 0; fd < nfds; fd++) {
			bool hit = FD_ISSET(fd, &r) || FD_ISSET(fd, &w) || FD_ISSET(fd, &e);
			int state;

			if (!conntab_maybe_active(fd) ||
			    !(FD_ISSET(fd, &orig_r) || FD_ISSET(fd, &orig_w) ||
			      FD_ISSET(fd, &orig_e)))
				continue;
			state = hit ? tcp_advance(fd) : fd_state(fd);
			FD_CLR(fd, &r);
			FD_CLR(fd, &w);
			FD_CLR(fd, &e);
			if (state == CONNTAB_FAILED) {
				/* As after a failed connect: readable and writable. */
				if (FD_ISSET(fd, &orig_r))
					FD_SET(fd, &r);
				if (FD_ISSET(fd, &orig_w))
					FD_SET(fd, &w);
			} else if (state == CONNTAB_ESTABLISHED && FD_ISSET(fd, &orig_w)) {
				FD_SET(fd, &w);
			}
		}
		for (int fd = 0; fd < nfds; fd++) {
			ready += FD_ISSET(fd, &r) && FD_ISSET(fd, &orig_r);
			ready += FD_ISSET(fd, &w) && FD_ISSET(fd, &orig_w);
			ready += FD_ISSET(fd, &e) && FD_ISSET(fd, &orig_e);
		}
		if (ready > 0 || timed_out(deadline))
			break;
	}
	if (rfds) {
		FD_ZERO(rfds);
		for (int fd = 0; fd < nfds; fd++)
			if (FD_ISSET(fd, &r) && FD_ISSET(fd, &orig_r))
				FD_SET(fd, rfds);
	}
	if (wfds) {
		FD_ZERO(wfds);
		for (int fd = 0; fd < nfds; fd++)
			if (FD_ISSET(fd, &w) && FD_ISSET(fd, &orig_w))
				FD_SET(fd, wfds);
	}
	if (efds) {
		FD_ZERO(efds);
		for (int fd = 0; fd < nfds; fd++)
			if (FD_ISSET(fd, &e) && FD_ISSET(fd, &orig_e))
				FD_SET(fd, efds);
	}
	n = 0;
	for (int fd = 0; fd < nfds; fd++)
		n += (rfds && FD_ISSET(fd, rfds)) + (wfds && FD_ISSET(fd, wfds)) +
		     (efds && FD_ISSET(fd, efds));
	return n;
}

static int64_t
deadline_from_tv(const struct timeval *tv)
{
	if (!tv)
		return -1;
	return handshake_now_ms() + tv->tv_sec * 1000 + (tv->tv_usec + 999) / 1000;
}

SX_EXPORT int
select(int nfds, fd_set *rfds, fd_set *wfds, fd_set *efds, struct timeval *tv)
{
	int64_t deadline;
	int n;

	sx_ready();
	if (nothing_pending() || sx_guarded())
		return real.select(nfds, rfds, wfds, efds, tv);
	deadline = deadline_from_tv(tv);
	n = select_slow(nfds, rfds, wfds, efds, deadline, false, NULL);
	if (tv && n >= 0) {
		/* Linux reports the time not slept, as the real select() does. */
		int left = time_left(deadline);

		tv->tv_sec = left / 1000;
		tv->tv_usec = (left % 1000) * 1000;
	}
	return n;
}

/* The C library exports this one under a second name too: same hook. */
SX_EXPORT int __select(int nfds, fd_set *rfds, fd_set *wfds, fd_set *efds,
			 struct timeval *tv) __attribute__((alias("select")));

SX_EXPORT int
pselect(int nfds, fd_set *rfds, fd_set *wfds, fd_set *efds,
	const struct timespec *ts, const sigset_t *sigmask)
{
	sx_ready();
	if (nothing_pending() || sx_guarded())
		return real.pselect(nfds, rfds, wfds, efds, ts, sigmask);
	return select_slow(nfds, rfds, wfds, efds, deadline_from_ts(ts), true,
			   sigmask);
}

/*
 * epoll_ctl() on a listening socket waiting on a BIND: the same change for
 * its control connection (hook_bind.c put it in the set the socket was in
 * then), with the program's data, and never for writability.
 */
static int
bind_epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct bindtab_info info;
	struct epoll_event inner;
	int rc = real.epoll_ctl(epfd, op, fd, ev);

	if (rc < 0 || !bindtab_get(fd, &info) || info.kind != BINDTAB_LISTEN ||
	    info.ctrl < 0)
		return rc;
	if (info.ctrl_epfd >= 0 && (op == EPOLL_CTL_DEL || info.ctrl_epfd != epfd)) {
		real.epoll_ctl(info.ctrl_epfd, EPOLL_CTL_DEL, info.ctrl, NULL);
		bindtab_set_ctrl_epoll(fd, -1);
	}
	if (op == EPOLL_CTL_DEL || !ev)
		return rc;
	inner.events = ev->events & ~(uint32_t)(EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
	inner.data = ev->data;
	if (real.epoll_ctl(epfd, info.ctrl_epfd == epfd ? EPOLL_CTL_MOD : EPOLL_CTL_ADD,
			   info.ctrl, &inner) == 0)
		bindtab_set_ctrl_epoll(fd, epfd);
	return rc;
}

/*
 * epoll_ctl(): remember every registration (a later non-blocking connect
 * needs it), and while fd's exchange is pending, register what the exchange
 * needs instead of what the program asked for.
 */
SX_EXPORT int
epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev)
{
	struct epoll_event inner;
	int state;

	sx_ready();
	if (ev || op == EPOLL_CTL_DEL)
		epwatch_note(epfd, op, fd, ev ? ev->events : 0, ev ? ev->data.u64 : 0);
	if (bindtab_maybe_active(fd) && !sx_guarded())
		return bind_epoll_ctl(epfd, op, fd, ev);
	if (!conntab_maybe_active(fd) || sx_guarded())
		return real.epoll_ctl(epfd, op, fd, ev);
	state = fd_state(fd);
	if (op == EPOLL_CTL_DEL) {
		conntab_set_epoll(fd, -1, 0, 0);
		return real.epoll_ctl(epfd, op, fd, ev);
	}
	if (!ev || (state != CONNTAB_PENDING && state != CONNTAB_FAILED))
		return real.epoll_ctl(epfd, op, fd, ev);
	conntab_set_epoll(fd, epfd, ev->events, ev->data.u64);
	if (state == CONNTAB_FAILED)
		return real.epoll_ctl(epfd, op, fd, ev);
	inner.data = ev->data;
	inner.events = (tcp_want(fd) == SX_WANT_READ ? EPOLLIN : EPOLLOUT) |
		       EPOLLONESHOT;
	return real.epoll_ctl(epfd, op, fd, &inner);
}

enum epoll_kind { EPOLL_WAIT, EPOLL_PWAIT, EPOLL_PWAIT2 };

/*
 * Events for pending sockets are the exchange's own: step it and drop the
 * event (tcp_advance() re-arms the registration, or gives the program back
 * its own events, which the kernel then reports by itself).  Events for a
 * failed socket get EPOLLERR, as after a failed TCP connect.
 */
static int
epoll_claim(int epfd, struct epoll_event *events, int n)
{
	int kept = 0;

	for (int i = 0; i < n; i++) {
		int fd = conntab_find_epoll(epfd, events[i].data.u64);
		int state = fd < 0 ? -1 : fd_state(fd);

		if (state == CONNTAB_PENDING) {
			tcp_advance(fd);
			continue;
		}
		if (state == CONNTAB_FAILED)
			events[i].events |= EPOLLERR | EPOLLHUP;
		events[kept++] = events[i];
	}
	return kept;
}

static int
epoll_slow(int epfd, struct epoll_event *events, int maxevents,
	   int64_t deadline, enum epoll_kind kind, const sigset_t *sigmask)
{
	for (;;) {
		int wait_ms, n, kept;

		tcp_expire();
		wait_ms = tcp_wait_cap(time_left(deadline));
		if (kind == EPOLL_PWAIT2) {
			struct timespec ts = { wait_ms / 1000, (wait_ms % 1000) * 1000000L };

			n = real.epoll_pwait2(epfd, events, maxevents,
					      wait_ms < 0 ? NULL : &ts, sigmask);
		} else if (kind == EPOLL_PWAIT) {
			n = real.epoll_pwait(epfd, events, maxevents, wait_ms, sigmask);
		} else {
			n = real.epoll_wait(epfd, events, maxevents, wait_ms);
		}
		if (n < 0)
			return n;
		kept = epoll_claim(epfd, events, n);
		if (kept > 0 || timed_out(deadline) || deadline == 0)
			return kept;
	}
}

/*
 * The epoll wait as the program called it, when nothing was pending: a
 * proxied connect that another thread started meanwhile may have had its
 * exchange's events reported (its registration is the exchange's then);
 * they are taken back, and the wait goes on for the time left if nothing
 * else was ready.
 */
static int
epoll_fast(int epfd, struct epoll_event *events, int maxevents,
	   int64_t deadline, enum epoll_kind kind, int timeout,
	   const struct timespec *ts, const sigset_t *sigmask)
{
	int n;

	if (kind == EPOLL_PWAIT2)
		n = real.epoll_pwait2(epfd, events, maxevents, ts, sigmask);
	else if (kind == EPOLL_PWAIT)
		n = real.epoll_pwait(epfd, events, maxevents, timeout, sigmask);
	else
		n = real.epoll_wait(epfd, events, maxevents, timeout);
	if (n <= 0 || conntab_active_count() == 0)
		return n;
	n = epoll_claim(epfd, events, n);
	if (n > 0 || deadline == 0 || timed_out(deadline))
		return n;
	return epoll_slow(epfd, events, maxevents, deadline, kind, sigmask);
}

SX_EXPORT int
epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	int64_t deadline;

	sx_ready();
	if (sx_guarded())
		return real.epoll_wait(epfd, events, maxevents, timeout);
	deadline = timeout == 0 ? 0 : deadline_from_ms(timeout);
	if (conntab_active_count() == 0)
		return epoll_fast(epfd, events, maxevents, deadline, EPOLL_WAIT,
				  timeout, NULL, NULL);
	return epoll_slow(epfd, events, maxevents, deadline, EPOLL_WAIT, NULL);
}

SX_EXPORT int
epoll_pwait(int epfd, struct epoll_event *events, int maxevents, int timeout,
	    const sigset_t *sigmask)
{
	int64_t deadline;

	sx_ready();
	if (sx_guarded())
		return real.epoll_pwait(epfd, events, maxevents, timeout, sigmask);
	deadline = timeout == 0 ? 0 : deadline_from_ms(timeout);
	if (conntab_active_count() == 0)
		return epoll_fast(epfd, events, maxevents, deadline, EPOLL_PWAIT,
				  timeout, NULL, sigmask);
	return epoll_slow(epfd, events, maxevents, deadline, EPOLL_PWAIT, sigmask);
}

SX_EXPORT int
epoll_pwait2(int epfd, struct epoll_event *events, int maxevents,
	     const struct timespec *ts, const sigset_t *sigmask)
{
	int64_t deadline;

	sx_ready();
	if (!real.epoll_pwait2) {
		errno = ENOSYS;
		return -1;
	}
	if (sx_guarded())
		return real.epoll_pwait2(epfd, events, maxevents, ts, sigmask);
	deadline = ts && ts->tv_sec == 0 && ts->tv_nsec == 0 ? 0 : deadline_from_ts(ts);
	if (conntab_active_count() == 0)
		return epoll_fast(epfd, events, maxevents, deadline, EPOLL_PWAIT2,
				  0, ts, sigmask);
	return epoll_slow(epfd, events, maxevents, deadline, EPOLL_PWAIT2, sigmask);
}

/*
 * epoll_ctl(), epoll_wait(), epoll_pwait(), epoll_pwait2().  The program's
 * registrations are remembered (epwatch.c) so that a connect made after a
 * socket joined a set can steer that registration during the exchange
 * (one shot at what the exchange waits for) and give it back after.  A
 * listening socket waiting for the peer of a SOCKS BIND stays in the
 * program's set through its control connection, with the program's events
 * and data, so epoll_wait needs nothing of its own for it.  While any
 * connection has GSSAPI protection, the waits go through epoll_gss().
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "bindtab.h"
#include "conntab.h"
#include "epwatch.h"
#include "gssio.h"
#include "handshake.h"
#include "preload.h"
#include "rawsys.h"
#include "readiness.h"
#include "tcp.h"

/* Which of the three waits the program called. */
enum epoll_kind { EPOLL_WAIT, EPOLL_PWAIT, EPOLL_PWAIT2 };

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
	state = readiness_state(fd);
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
	inner.events = (conntab_want(fd) == SX_WANT_READ ? EPOLLIN : EPOLLOUT) |
		       EPOLLONESHOT;
	return real.epoll_ctl(epfd, op, fd, &inner);
}

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
		int state = fd < 0 ? -1 : readiness_state(fd);

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

static int epoll_gss_judge(int epfd, struct epoll_event *events, int n);

static int
epoll_slow(int epfd, struct epoll_event *events, int maxevents,
	   int64_t deadline, enum epoll_kind kind, const sigset_t *sigmask)
{
	for (;;) {
		int wait_ms, n, kept;

		tcp_expire();
		wait_ms = tcp_wait_cap(readiness_time_left(deadline));
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
		if (kept > 0 && conntab_wrapped_count() > 0)
			kept = epoll_gss_judge(epfd, events, kept);
		if (kept > 0 || readiness_timed_out(deadline) || deadline == 0)
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
	if (n > 0 || deadline == 0 || readiness_timed_out(deadline))
		return n;
	return epoll_slow(epfd, events, maxevents, deadline, kind, sigmask);
}

/*
 * The wait while some connection has GSSAPI protection: its socket is
 * readable before a whole message has come, and unwrapped bytes kept are
 * readable with nothing in the socket.  What the kernel reports for a
 * protected socket is judged after each wait (epoll_gss_judge(), from
 * epoll_slow()); before it, the protected sockets registered in epfd are
 * looked at (epoll_gss()): bytes kept end the wait at once, as a
 * level-triggered registration would report them, EPOLLET or not, and
 * while a short write left wrapped bytes queued the wait wakes every
 * EPOLL_GSS_RETRY_MS to send them (their registration need not ask for
 * EPOLLOUT).  Epoll's poll bits are poll()'s on Linux.
 */

/* The most protected connections one wait looks after. */
#define EPOLL_GSS_FDS 64
#define EPOLL_GSS_RETRY_MS 10

/* A protected connection registered in the set being waited on. */
struct epoll_gss_fd {
	int fd;
	uint32_t events;
	uint64_t data;
};

/* The protected connections registered in epfd, into mine; how many. */
static int
epoll_gss_mine(int epfd, struct epoll_gss_fd *mine)
{
	int fds[EPOLL_GSS_FDS];
	int count = conntab_wrapped_fds(fds, EPOLL_GSS_FDS), n = 0;

	for (int i = 0; i < count; i++) {
		uint32_t ev;
		uint64_t data;
		int e;

		if (!epwatch_get(fds[i], &e, &ev, &data) || e != epfd)
			continue;
		mine[n].fd = fds[i];
		mine[n].events = ev;
		mine[n].data = data;
		n++;
	}
	return n;
}

/* What the program sees of the n events a wait on epfd reported: how many. */
static int
epoll_gss_judge(int epfd, struct epoll_event *events, int n)
{
	struct epoll_gss_fd mine[EPOLL_GSS_FDS];
	int nmine = epoll_gss_mine(epfd, mine), kept = 0;

	for (int i = 0; i < n; i++) {
		for (int j = 0; j < nmine; j++) {
			if (mine[j].data != events[i].data.u64)
				continue;
			events[i].events = (uint32_t)(uint16_t)gssio_revents(
				mine[j].fd, (short)(mine[j].events & 0xffff),
				(short)(events[i].events & 0xffff));
			break;
		}
		if (events[i].events != 0)
			events[kept++] = events[i];
	}
	return kept;
}

static int
epoll_gss(int epfd, struct epoll_event *events, int maxevents,
	  int64_t deadline, enum epoll_kind kind, const sigset_t *sigmask)
{
	struct epoll_gss_fd mine[EPOLL_GSS_FDS];
	struct epoll_event now[EPOLL_GSS_FDS];

	for (;;) {
		int nmine = epoll_gss_mine(epfd, mine), nnow = 0, n;
		int64_t until = deadline;
		bool queued_any = false;

		for (int i = 0; i < nmine; i++) {
			bool queued;
			short ready = gssio_ready_now(mine[i].fd,
						      (short)(mine[i].events & 0xffff),
						      &queued);

			queued_any = queued_any || queued;
			if (ready && nnow < maxevents) {
				now[nnow].events = (uint32_t)(uint16_t)ready;
				now[nnow].data.u64 = mine[i].data;
				nnow++;
			}
		}
		if (nnow > 0)
			until = 0;
		else if (queued_any && (deadline < 0 || deadline >
					handshake_now_ms() + EPOLL_GSS_RETRY_MS))
			until = handshake_now_ms() + EPOLL_GSS_RETRY_MS;
		n = epoll_slow(epfd, events, maxevents, until, kind, sigmask);
		if (n < 0)
			return n;
		for (int j = 0; j < nnow && n < maxevents; j++) {
			bool seen = false;

			for (int i = 0; i < n && !seen; i++)
				seen = events[i].data.u64 == now[j].data.u64;
			if (!seen)
				events[n++] = now[j];
		}
		if (n > 0 || deadline == 0 || readiness_timed_out(deadline))
			return n;
	}
}

SX_EXPORT int
epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	int64_t deadline;

	sx_ready();
	if (sx_guarded())
		return real.epoll_wait(epfd, events, maxevents, timeout);
	/*
	 * A look with nothing pending, as event loops make between waits: the
	 * call itself, then epoll_fast()'s check for an exchange that another
	 * thread started meanwhile, without the wait that a zero timeout rules
	 * out.
	 */
	if (timeout == 0 && conntab_active_count() == 0) {
		int n = rawsys_epoll_poll(epfd, events, maxevents);

		if (n <= 0 || conntab_active_count() == 0)
			return n;
		return epoll_claim(epfd, events, n);
	}
	deadline = timeout == 0 ? 0 : readiness_deadline_ms(timeout);
	if (conntab_wrapped_count() > 0)
		return epoll_gss(epfd, events, maxevents, deadline, EPOLL_WAIT, NULL);
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
	deadline = timeout == 0 ? 0 : readiness_deadline_ms(timeout);
	if (conntab_wrapped_count() > 0)
		return epoll_gss(epfd, events, maxevents, deadline, EPOLL_PWAIT, sigmask);
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
	if (!real.epoll_pwait2)
		return sx_fail(ENOSYS);
	if (sx_guarded())
		return real.epoll_pwait2(epfd, events, maxevents, ts, sigmask);
	deadline = ts && ts->tv_sec == 0 && ts->tv_nsec == 0 ? 0 : readiness_deadline_ts(ts);
	if (conntab_wrapped_count() > 0)
		return epoll_gss(epfd, events, maxevents, deadline, EPOLL_PWAIT2, sigmask);
	if (conntab_active_count() == 0)
		return epoll_fast(epfd, events, maxevents, deadline, EPOLL_PWAIT2,
				  0, ts, sigmask);
	return epoll_slow(epfd, events, maxevents, deadline, EPOLL_PWAIT2, sigmask);
}

/*
 * select() and pselect(), as hook_poll.c does poll(): the sets of a pending
 * proxied socket ask for what its exchange needs, and the program sees the
 * socket as readiness.c says.  A wait that began with nothing pending
 * cannot give back what another thread's new connect showed: the sets hold
 * the answer by then (a thread rarely selects on a socket another one has
 * not finished connecting).  A connection with GSSAPI protection is
 * judged as poll() judges it (gssio.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>

#include "bindtab.h"
#include "conntab.h"
#include "gssio.h"
#include "epwatch.h"
#include "handshake.h"
#include "preload.h"
#include "readiness.h"
#include "tcp.h"

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
		bool failed = false, kept = false;
		int wait_ms, wait_nfds = nfds, ready = 0;

		tcp_expire();
		r = orig_r;
		w = orig_w;
		e = orig_e;
		FD_ZERO(&swapped);
		for (int fd = 0; fd < nfds; fd++) {
			int state, ctrl;
			bool queued;

			/* GSSAPI protection: as in poll_slow(). */
			if (conntab_maybe_wrapped(fd) &&
			    (FD_ISSET(fd, &orig_r) || FD_ISSET(fd, &orig_w))) {
				if (gssio_ready_now(fd, FD_ISSET(fd, &orig_r) ? POLLIN : 0,
						    &queued))
					kept = true;
				if (queued)
					FD_SET(fd, &w);
				continue;
			}
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
				if (conntab_want(fd) == SX_WANT_READ)
					FD_SET(fd, &r);
				else
					FD_SET(fd, &w);
			} else if (state == CONNTAB_FAILED) {
				failed = true;
			}
		}
		wait_ms = failed || kept ? 0 :
			  tcp_wait_cap(readiness_time_left(deadline));
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

			if (conntab_maybe_wrapped(fd) &&
			    (FD_ISSET(fd, &orig_r) || FD_ISSET(fd, &orig_w))) {
				short asked = (short)((FD_ISSET(fd, &orig_r) ? POLLIN : 0) |
						      (FD_ISSET(fd, &orig_w) ? POLLOUT : 0));
				short seen = (short)((FD_ISSET(fd, &r) ? POLLIN : 0) |
						     (FD_ISSET(fd, &w) ? POLLOUT : 0) |
						     (FD_ISSET(fd, &e) ? POLLPRI : 0));
				short got = gssio_revents(fd, asked, seen);

				FD_CLR(fd, &r);
				FD_CLR(fd, &w);
				if (got & (POLLIN | POLLHUP | POLLERR))
					FD_SET(fd, &r);
				if (got & POLLOUT)
					FD_SET(fd, &w);
				continue;
			}

			if (!conntab_maybe_active(fd) ||
			    !(FD_ISSET(fd, &orig_r) || FD_ISSET(fd, &orig_w) ||
			      FD_ISSET(fd, &orig_e)))
				continue;
			state = hit ? tcp_advance(fd) : readiness_state(fd);
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
		if (ready > 0 || readiness_timed_out(deadline))
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

SX_EXPORT int
select(int nfds, fd_set *rfds, fd_set *wfds, fd_set *efds, struct timeval *tv)
{
	int64_t deadline;
	int n;

	sx_ready();
	if (readiness_idle() || sx_guarded())
		return real.select(nfds, rfds, wfds, efds, tv);
	deadline = readiness_deadline_tv(tv);
	n = select_slow(nfds, rfds, wfds, efds, deadline, false, NULL);
	if (tv && n >= 0) {
		/* Linux reports the time not slept, as the real select() does. */
		int left = readiness_time_left(deadline);

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
	if (readiness_idle() || sx_guarded())
		return real.pselect(nfds, rfds, wfds, efds, ts, sigmask);
	return select_slow(nfds, rfds, wfds, efds, readiness_deadline_ts(ts), true,
			   sigmask);
}

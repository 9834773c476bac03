/*
 * poll() and ppoll().  While no proxied connect is pending or failed
 * (conntab_active_count() == 0) each is a load and a branch in front of
 * the real call (and a clock read when it has a timeout), and one more
 * load after it.  Otherwise a pending socket is watched for what its SOCKS
 * exchange needs, the exchange is stepped when that comes, and the program
 * sees the socket as readiness.c says.  The program's timeout is kept: the
 * real call is repeated with the time that is left.  A wait that began
 * with nothing pending and saw the exchange of a connect another thread
 * started meanwhile gives those events back the same way.  A listening
 * socket waiting for the peer of a SOCKS BIND is watched through its
 * control connection.  A connection with GSSAPI protection is readable
 * only when a read returns data (gssio.h): unwrapped bytes kept end the
 * wait at once, and bytes a short write left queued are sent when the
 * socket takes them.
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
#include "readiness.h"
#include "tcp.h"

#define POLL_STACK_FDS 64

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
			fds[i].revents = readiness_revents(fds[i].fd, fds[i].events,
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
			return sx_fail(ENOMEM);
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
		bool failed = false, kept = false;
		int wait_ms;

		tcp_expire();
		for (nfds_t i = 0; i < nfds; i++) {
			int state;
			bool queued;

			fds[i].events = orig[i];
			if (readiness_bind_watch(&fds[i]))
				continue;
			/*
			 * GSSAPI protection: unwrapped bytes kept make the wait
			 * end at once; bytes left queued are sent when the socket
			 * takes them.
			 */
			if (conntab_maybe_wrapped(fds[i].fd)) {
				if (gssio_ready_now(fds[i].fd, orig[i], &queued))
					kept = true;
				if (queued)
					fds[i].events |= POLLOUT;
				continue;
			}
			if (!conntab_maybe_active(fds[i].fd))
				continue;
			/* What to wait for; the checks after the wait verify it. */
			state = conntab_state_hint(fds[i].fd);
			if (state == CONNTAB_PENDING)
				fds[i].events = conntab_want(fds[i].fd) == SX_WANT_READ ?
						POLLIN : POLLOUT;
			else if (state == CONNTAB_FAILED)
				failed = true;
		}
		wait_ms = failed || kept ? 0 :
			  tcp_wait_cap(readiness_time_left(deadline));
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
				fds[i].revents = readiness_revents(fds[i].fd, orig[i],
								 fds[i].revents);
			} else if (conntab_maybe_wrapped(fds[i].fd)) {
				fds[i].revents = gssio_revents(fds[i].fd, orig[i],
							       fds[i].revents);
			}
			if (fds[i].revents)
				ready++;
		}
		n = ready;
		if (n > 0 || readiness_timed_out(deadline) || deadline == 0)
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
	if (n > 0 || deadline == 0 || readiness_timed_out(deadline))
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
	deadline = timeout == 0 ? 0 : readiness_deadline_ms(timeout);
	if (!readiness_idle())
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
	deadline = ts && ts->tv_sec == 0 && ts->tv_nsec == 0 ? 0 : readiness_deadline_ts(ts);
	if (!readiness_idle())
		return poll_slow(fds, nfds, deadline, true, sigmask);
	n = real.ppoll(fds, nfds, ts, sigmask);
	return poll_after_fast(fds, nfds, n, deadline, true, sigmask);
}

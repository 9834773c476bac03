/*
 * The blocking driver of the handshake: handshake_step() in a poll loop
 * bounded by a deadline, and what a signal arriving during that wait
 * means (restart or interrupt, as the kernel would for connect()).  The
 * state machine itself is in handshake.c.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include <sys/signalfd.h>
#include <sys/time.h>

#include "handshake.h"

int64_t
handshake_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Signals during the blocking wait.  The kernel restarts connect() and
 * accept() after a handler installed with SA_RESTART and fails them with
 * EINTR after one without (signal(7)), but it never restarts poll(), so a
 * plain poll loop cannot tell the two apart.  While the driver waits, the
 * signals the thread accepts are therefore blocked and watched through a
 * signalfd, which sees them pending without consuming them.  When one
 * comes, its disposition decides, before the thread's mask is restored and
 * its handler runs right there, in this thread: ignored (explicitly or by
 * default), stopping or terminating, it interrupts nothing; a handler with
 * SA_RESTART lets the wait go on towards the same deadline, unless the
 * socket has a send timeout (the kernel's connect then fails with EINTR
 * whatever the flag, see sock_intr_errno()); any other handler ends the
 * wait with -EINTR.  A signal sent to another thread is not pending in this
 * one and changes nothing; a process-wide one that another thread takes
 * between the wake-up and the look counts as this thread's (at worst an
 * EINTR, which a program without SA_RESTART handles anyway).  The cost is
 * four calls per blocking exchange that has to wait (block, signalfd,
 * close, restore) and nothing when the first step finishes it.
 *
 * When the process has no handler without SA_RESTART at all (the caller
 * knows, sys->signals_restart), no signal can end the wait: it is a plain
 * poll() that goes on after a signal, unless the socket has a send
 * timeout or a handler without SA_RESTART has come meanwhile, which end it
 * with -EINTR.  That costs nothing, and is the common case.
 */
struct hs_signals {
	int sfd;		/* the signalfd, -1: the plain wait */
	sigset_t mask;		/* the thread's own mask */
	sigset_t watched;	/* the signals it accepts, blocked while waiting */
};

static void
hs_signals_block(struct hs_signals *s, const struct sx_sys *sys)
{
	sigset_t all;

	s->sfd = -1;
	if (!sys->sigprocmask || !sys->sigpending || !sys->sigaction ||
	    !sys->signalfd)
		return;
	/* The C library's own signals (thread cancellation, setxid) stay out. */
	sigfillset(&all);
	if (sys->sigprocmask(SIG_BLOCK, &all, &s->mask) < 0)
		return;
	sigfillset(&s->watched);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&s->mask, sig) == 1)
			sigdelset(&s->watched, sig);
	s->sfd = sys->signalfd(-1, &s->watched, SFD_NONBLOCK | SFD_CLOEXEC);
	/* No descriptor left (or none allowed): the plain wait. */
	if (s->sfd < 0)
		sys->sigprocmask(SIG_SETMASK, &s->mask, NULL);
}

static void
hs_signals_restore(struct hs_signals *s, const struct sx_sys *sys)
{
	if (s->sfd < 0)
		return;
	sys->close(s->sfd);
	s->sfd = -1;
	sys->sigprocmask(SIG_SETMASK, &s->mask, NULL);
}

/* True when fd has a send timeout (SO_SNDTIMEO). */
static bool
hs_has_send_timeout(const struct sx_sys *sys, int fd)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);

	if (!sys->getsockopt ||
	    sys->getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len) < 0)
		return false;
	return tv.tv_sec != 0 || tv.tv_usec != 0;
}

/*
 * The signalfd is readable: let the pending signals' handlers run, and
 * return 0 when the wait goes on, -EINTR when it ends (the mask restored).
 */
static int
hs_signals_arrived(struct hs_signals *s, const struct sx_sys *sys, int fd)
{
	struct sigaction sa;
	sigset_t pending;
	bool handler = false, interrupt = false;

	if (sys->sigpending(&pending) < 0)
		sigemptyset(&pending);
	for (int sig = 1; sig < NSIG; sig++) {
		if (sigismember(&s->watched, sig) != 1 ||
		    sigismember(&pending, sig) != 1)
			continue;
		if (sys->sigaction(sig, NULL, &sa) < 0 ||
		    sa.sa_handler == SIG_IGN || sa.sa_handler == SIG_DFL)
			continue;
		handler = true;
		if (!(sa.sa_flags & SA_RESTART))
			interrupt = true;
	}
	if (handler && !interrupt && hs_has_send_timeout(sys, fd))
		interrupt = true;
	/* The handlers run as the mask comes off, before the wait goes on. */
	sys->sigprocmask(SIG_SETMASK, &s->mask, NULL);
	if (interrupt) {
		sys->close(s->sfd);
		s->sfd = -1;
		return -EINTR;
	}
	sys->sigprocmask(SIG_BLOCK, &s->watched, NULL);
	return 0;
}

/* Whether no signal can end the wait (every handler has SA_RESTART). */
static bool
hs_signals_restart(const struct sx_sys *sys)
{
	return sys->signals_restart && sys->signals_restart();
}

/* A signal broke the plain wait's poll(): 0 when the wait goes on, or -EINTR. */
static int
hs_plain_interrupted(const struct sx_sys *sys, int fd)
{
	if (!hs_signals_restart(sys) || hs_has_send_timeout(sys, fd))
		return -EINTR;
	return 0;
}

int
handshake_drive(struct handshake *hs, const struct sx_sys *sys, int fd,
		int64_t deadline_ms)
{
	struct hs_signals sigs = { .sfd = -1 };
	bool blocked = false;
	bool restart = false;
	int rc;

	for (;;) {
		struct pollfd pfd[2];
		int64_t now, left;
		int n;

		rc = handshake_step(hs, sys, fd);
		if (rc <= 0 || rc == SX_WANT_LOCKSTEP)
			break;
		now = handshake_now_ms();
		if (deadline_ms - now <= 0) {
			rc = -ETIMEDOUT;
			break;
		}
		/* A probe's due time comes before the deadline. */
		left = handshake_wake_ms(hs, deadline_ms) - now;
		if (left < 0)
			left = 0;
		if (!blocked) {
			restart = hs_signals_restart(sys);
			if (!restart)
				hs_signals_block(&sigs, sys);
			blocked = true;
		}
		pfd[0].fd = fd;
		pfd[0].events = rc == SX_WANT_READ ? POLLIN : POLLOUT;
		pfd[0].revents = 0;
		pfd[1].fd = sigs.sfd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		n = sys->poll(pfd, sigs.sfd < 0 ? 1 : 2,
			      left > 60000 ? 60000 : (int)left);
		if (n < 0 && errno == EINTR && sigs.sfd >= 0)
			continue;	/* only the C library's own signals get here */
		if (n < 0 && errno == EINTR && restart) {
			rc = hs_plain_interrupted(sys, fd);
			if (rc < 0)
				break;
			continue;
		}
		if (n < 0) {
			rc = errno == EINTR ? -EINTR : -errno;
			break;
		}
		if (n > 0 && pfd[1].revents) {
			rc = hs_signals_arrived(&sigs, sys, fd);
			if (rc < 0)
				break;
		}
	}
	hs_signals_restore(&sigs, sys);
	/* A wait that ends for good lets go of an exchange under way. */
	if (rc < 0 && rc != -EINTR)
		handshake_release(hs);
	return rc;
}

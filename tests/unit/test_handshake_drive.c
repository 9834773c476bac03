/*
 * The blocking driver and signals (core/handshake.c, handshake_drive()):
 * a fake struct sx_sys plays a SOCKS5 proxy that answers only after one
 * signal came during the wait, and the thread's signal calls.  The signal
 * calls keep a fake mask; "delivering" a pending signal is the fake
 * sigprocmask() unblocking it, as the kernel runs a handler then.
 *
 * What the kernel does for connect() (signal(7), sock_intr_errno()):
 *   handler with SA_RESTART          the wait goes on
 *   handler without SA_RESTART       EINTR
 *   SA_RESTART but SO_SNDTIMEO set   EINTR
 *   ignored, or default disposition  nothing happens
 * And the same when the caller knows that every handler in the process has
 * SA_RESTART (sys->signals_restart): then the wait is a plain poll() with
 * no signalfd and no change to the mask.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/time.h>

#include "handshake.h"
#include "socks5.h"
#include "tap.h"

#define SOCK_FD 7
#define SIGNAL_FD 99

/* The proxy: its answers, held back until the signal was handled. */
static const uint8_t answer[] = { 0x05, 0x00,			/* method: none */
				  0x05, 0x00, 0x00, 0x01,	/* succeeded, IPv4 */
				  10, 0, 0, 1, 0x1f, 0x90 };
static size_t answer_off;
static bool answered;		/* the proxy's bytes are there */

/* The thread's signal state. */
static sigset_t mask;		/* the fake thread mask */
static bool pending;		/* SIGUSR1 pending */
static struct sigaction disposition;
static int handled;		/* handler runs */
static int signalfd_open;	/* signalfds not closed yet */
static bool signalfd_fails;
static struct timeval sndtimeo;
static int polls;
static int signalfd_calls;	/* signalfd() calls */
static int sigprocmask_calls;	/* sigprocmask() calls */
static bool restart_answer;	/* what signals_restart() says */
static bool restart_flips;	/* it says false once a signal came */

/* The caller's knowledge: whether every handler has SA_RESTART. */
static bool
all_restart(void)
{
	if (restart_flips && polls > 0)
		return false;
	return restart_answer;
}

static void
fake_reset(int flags, void (*handler)(int))
{
	answer_off = 0;
	answered = false;
	sigemptyset(&mask);
	pending = false;
	memset(&disposition, 0, sizeof(disposition));
	disposition.sa_handler = handler;
	disposition.sa_flags = flags;
	handled = 0;
	signalfd_open = 0;
	signalfd_fails = false;
	memset(&sndtimeo, 0, sizeof(sndtimeo));
	polls = 0;
	signalfd_calls = 0;
	sigprocmask_calls = 0;
	restart_answer = false;
	restart_flips = false;
}

static void
on_signal(int sig)
{
	(void)sig;
}

static int
fake_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	(void)fd;
	(void)sa;
	(void)len;
	return 0;
}

static ssize_t
fake_send(int fd, const void *buf, size_t len, int flags)
{
	(void)fd;
	(void)buf;
	(void)flags;
	return (ssize_t)len;
}

static ssize_t
fake_recv(int fd, void *buf, size_t len, int flags)
{
	size_t left = sizeof(answer) - answer_off;

	(void)fd;
	(void)flags;
	if (!answered || left == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (len > left)
		len = left;
	memcpy(buf, answer + answer_off, len);
	answer_off += len;
	return (ssize_t)len;
}

/* A handler runs when the mask comes off a pending, unignored signal. */
static void
deliver(void)
{
	if (!pending || sigismember(&mask, SIGUSR1))
		return;
	pending = false;
	if (disposition.sa_handler != SIG_IGN && disposition.sa_handler != SIG_DFL)
		handled++;
}

static int
fake_sigprocmask(int how, const sigset_t *set, sigset_t *old)
{
	sigprocmask_calls++;
	if (old)
		*old = mask;
	if (set && how == SIG_SETMASK)
		mask = *set;
	if (set && how == SIG_BLOCK)
		sigorset(&mask, &mask, set);
	deliver();
	return 0;
}

static int
fake_sigpending(sigset_t *set)
{
	sigemptyset(set);
	if (pending)
		sigaddset(set, SIGUSR1);
	return 0;
}

static int
fake_sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	(void)act;
	if (old) {
		memset(old, 0, sizeof(*old));
		if (sig == SIGUSR1)
			*old = disposition;
	}
	return 0;
}

static int
fake_signalfd(int fd, const sigset_t *set, int flags)
{
	(void)fd;
	(void)flags;
	signalfd_calls++;
	if (signalfd_fails) {
		errno = EMFILE;
		return -1;
	}
	if (sigismember(set, SIGUSR1) != 1) {
		errno = EINVAL;
		return -1;
	}
	signalfd_open++;
	return SIGNAL_FD;
}

static int
fake_close(int fd)
{
	if (fd == SIGNAL_FD)
		signalfd_open--;
	return 0;
}

static int
fake_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	(void)fd;
	if (level != SOL_SOCKET || name != SO_SNDTIMEO || *len < sizeof(sndtimeo)) {
		errno = ENOPROTOOPT;
		return -1;
	}
	memcpy(val, &sndtimeo, sizeof(sndtimeo));
	*len = sizeof(sndtimeo);
	return 0;
}

/*
 * First wait: SIGUSR1 arrives.  With a signalfd in the set it is blocked
 * and the signalfd turns readable; without one (the plain wait) the handler
 * runs and poll() fails with EINTR.  Every later wait: the proxy answers.
 */
static int
fake_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	(void)timeout;
	for (nfds_t i = 0; i < n; i++)
		fds[i].revents = 0;
	if (polls++ == 0) {
		pending = true;
		if (n == 2 && fds[1].fd == SIGNAL_FD) {
			fds[1].revents = POLLIN;
			return 1;
		}
		deliver();
		errno = EINTR;
		return -1;
	}
	answered = true;
	fds[0].revents = POLLIN;
	return 1;
}

static const struct sx_sys fake_sys = {
	.connect = fake_connect,
	.send = fake_send,
	.recv = fake_recv,
	.poll = fake_poll,
	.close = fake_close,
	.getsockopt = fake_getsockopt,
	.sigprocmask = fake_sigprocmask,
	.sigpending = fake_sigpending,
	.sigaction = fake_sigaction,
	.signalfd = fake_signalfd,
};

static struct config_proxy proxy;

static int
drive(struct handshake *hs, const struct sx_sys *sys, bool fresh)
{
	struct sx_endpoint dst;

	if (fresh) {
		memset(&dst, 0, sizeof(dst));
		dst.atyp = SX_ATYP_IPV4;
		dst.port = 80;
		memcpy(dst.addr, "\x0a\x00\x00\x02", 4);
		handshake_init(hs, &proxy, SOCKS5_CMD_CONNECT, &dst, false);
	}
	return handshake_drive(hs, sys, SOCK_FD, handshake_now_ms() + 5000);
}

/* The mask is the thread's again and no signalfd is left open. */
static void
check_restored(const char *what)
{
	char line[200];

	snprintf(line, sizeof(line), "%s: the thread's mask is back", what);
	ok(sigisemptyset(&mask), line);
	snprintf(line, sizeof(line), "%s: the signalfd is closed", what);
	is_int(signalfd_open, 0, line);
}

int
main(void)
{
	struct handshake hs;
	struct sx_sys plain = fake_sys;

	proxy.version = 5;

	fake_reset(SA_RESTART, on_signal);
	is_int(drive(&hs, &fake_sys, true), 0,
	       "a handler with SA_RESTART: the wait goes on to the reply");
	is_int(handled, 1, "SA_RESTART: the handler ran during the wait");
	is_int(hs.state, HS_DONE, "SA_RESTART: the exchange is done");
	check_restored("SA_RESTART");

	fake_reset(0, on_signal);
	is_int(drive(&hs, &fake_sys, true), -EINTR,
	       "a handler without SA_RESTART: -EINTR");
	is_int(handled, 1, "no SA_RESTART: the handler ran before -EINTR");
	is_int(hs.state, HS_RECV_METHOD, "no SA_RESTART: the exchange is kept");
	check_restored("no SA_RESTART");
	is_int(drive(&hs, &fake_sys, false), 0,
	       "no SA_RESTART: driving again finishes the exchange");
	check_restored("no SA_RESTART, resumed");

	fake_reset(SA_RESTART, on_signal);
	sndtimeo.tv_sec = 3;
	is_int(drive(&hs, &fake_sys, true), -EINTR,
	       "SA_RESTART with SO_SNDTIMEO set: -EINTR, as the kernel's connect");
	check_restored("SO_SNDTIMEO");

	fake_reset(0, SIG_IGN);
	is_int(drive(&hs, &fake_sys, true), 0, "an ignored signal interrupts nothing");
	is_int(handled, 0, "ignored: no handler ran");
	ok(!pending, "ignored: the signal was let through, not left pending");
	check_restored("ignored");

	fake_reset(0, SIG_DFL);
	is_int(drive(&hs, &fake_sys, true), 0,
	       "a signal with its default disposition interrupts nothing");
	check_restored("default");

	fake_reset(SA_RESTART, on_signal);
	signalfd_fails = true;
	is_int(drive(&hs, &fake_sys, true), -EINTR,
	       "no signalfd to be had: the plain wait, which any handler ends");
	check_restored("no signalfd");

	fake_reset(SA_RESTART, on_signal);
	plain.sigprocmask = NULL;
	plain.sigpending = NULL;
	plain.sigaction = NULL;
	plain.signalfd = NULL;
	is_int(drive(&hs, &plain, true), -EINTR,
	       "a table without the signal calls: the plain wait");
	is_int(polls, 1, "the plain wait: one poll, on the socket alone");

	/* The caller knows every handler has SA_RESTART: the plain wait goes on. */
	fake_reset(SA_RESTART, on_signal);
	plain = fake_sys;
	plain.signals_restart = all_restart;
	restart_answer = true;
	is_int(drive(&hs, &plain, true), 0,
	       "every handler restarts: a signal in the plain wait lets it go on");
	is_int(handled, 1, "every handler restarts: the handler ran");
	is_int(signalfd_calls, 0, "every handler restarts: no signalfd");
	is_int(sigprocmask_calls, 0, "every handler restarts: the mask is left alone");

	fake_reset(SA_RESTART, on_signal);
	sndtimeo.tv_sec = 3;
	is_int(drive(&hs, &plain, true), -EINTR,
	       "every handler restarts, but SO_SNDTIMEO is set: -EINTR");

	fake_reset(0, on_signal);
	restart_answer = true;
	restart_flips = true;
	is_int(drive(&hs, &plain, true), -EINTR,
	       "a handler without SA_RESTART installed during the wait: -EINTR");
	is_int(signalfd_calls, 0, "and still no signalfd");

	fake_reset(0, on_signal);
	restart_answer = false;
	is_int(drive(&hs, &plain, true), -EINTR,
	       "a handler without SA_RESTART known before the wait: the signalfd wait");
	is_int(signalfd_calls, 1, "which opens its signalfd");
	check_restored("known handler without SA_RESTART");

	return tap_done();
}

/*
 * Which signal handlers lack SA_RESTART.  A blocking connect() through the
 * proxy waits in poll(), which the kernel never restarts, so a signal
 * during that wait leaves the library to decide what the kernel's own
 * connect() would have done: go on after a handler with SA_RESTART, fail
 * with EINTR after one without (core/handshake_wait.c).  Knowing which
 * signal came costs four calls per wait (block the signals, a signalfd,
 * close it, unblock).  Most programs install no handler without
 * SA_RESTART at all, and then no signal can mean EINTR: the wait is a
 * plain poll() that goes on after any signal.
 *
 * The hooks of every C library call that installs a handler (sigaction,
 * signal and its aliases, sysv_signal, sigset, siginterrupt, and
 * rt_sigaction through syscall()) keep one bit per signal: set while the
 * signal's handler lacks SA_RESTART.  Handlers that no hook saw (installed
 * with a raw system call, or by the C library for itself) are read back
 * once, at the first question: the signals /proc/self/status lists as
 * caught and no hook has seen are asked about with sigaction(); without
 * /proc every signal is.  Handlers are the process's, so a forked child
 * inherits the bits with the handlers, and exec starts over with both.
 * Two threads installing handlers for the same signal at once may leave
 * the bit of the first one's: a window of one call, in a race the program
 * itself cannot order either.
 */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "hook_signal.h"
#include "preload.h"

/* Bit sig - 1: signal sig has a handler without SA_RESTART. */
static uint64_t sig_norestart;
/* Bit sig - 1: a hook has seen signal sig installed. */
static uint64_t sig_seen;
/* The handlers no hook saw have been read back. */
static int sig_synced;
/* Bit sig - 1: signal sig has a handler (neither default nor ignored). */
static uint64_t sig_handled;
int hook_signal_quiet;

static uint64_t
sig_bit(int sig)
{
	return sig >= 1 && sig <= 64 ? (uint64_t)1 << (sig - 1) : 0;
}

/*
 * The C library's function name, looked up on first use: these hooks run
 * before init too (a program's constructors install handlers), and init
 * does not resolve them, which keeps the start-up of programs that never
 * install a handler as it was.
 */
static void *
sig_real(void **slot, const char *name)
{
	void *p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);

	if (!p) {
		p = dlsym(RTLD_NEXT, name);
		__atomic_store_n(slot, p, __ATOMIC_RELEASE);
	}
	return p;
}

#define SIG_REAL(fn) sig_real((void **)&real.fn, #fn)

int
hook_signal_real_sigaction(int sig, const struct sigaction *act,
			   struct sigaction *old)
{
	int (*fn)(int, const struct sigaction *, struct sigaction *);
	void *p = SIG_REAL(sigaction);

	if (!p) {
		errno = ENOSYS;
		return -1;
	}
	memcpy(&fn, &p, sizeof(fn));
	return fn(sig, act, old);
}

/* hook_signal_quiet from what is known now. */
static void
sig_quiet_update(void)
{
	int quiet = __atomic_load_n(&sig_synced, __ATOMIC_ACQUIRE) &&
		    __atomic_load_n(&sig_handled, __ATOMIC_ACQUIRE) == 0;

	__atomic_store_n(&hook_signal_quiet, quiet, __ATOMIC_RELEASE);
}

/* A handler is about to be installed: the process is no longer quiet. */
static void
sig_installing(sighandler_t handler)
{
	if (handler != SIG_DFL && handler != SIG_IGN)
		__atomic_store_n(&hook_signal_quiet, 0, __ATOMIC_RELEASE);
}

/* Record the handler act installs for sig. */
static void
sig_record(int sig, const struct sigaction *act)
{
	uint64_t bit = sig_bit(sig);
	bool handler;

	if (!bit)
		return;
	handler = act->sa_handler != SIG_DFL && act->sa_handler != SIG_IGN;
	if (handler && !(act->sa_flags & SA_RESTART))
		__atomic_or_fetch(&sig_norestart, bit, __ATOMIC_RELEASE);
	else
		__atomic_and_fetch(&sig_norestart, ~bit, __ATOMIC_RELEASE);
	if (handler)
		__atomic_or_fetch(&sig_handled, bit, __ATOMIC_RELEASE);
	else
		__atomic_and_fetch(&sig_handled, ~bit, __ATOMIC_RELEASE);
	__atomic_or_fetch(&sig_seen, bit, __ATOMIC_RELEASE);
	sig_quiet_update();
}

void
hook_signal_installing(void)
{
	__atomic_store_n(&hook_signal_quiet, 0, __ATOMIC_RELEASE);
}

void
hook_signal_changed(int sig)
{
	struct sigaction sa;
	int saved_errno = errno;

	if (sig_bit(sig) && hook_signal_real_sigaction(sig, NULL, &sa) == 0)
		sig_record(sig, &sa);
	errno = saved_errno;
}

/*
 * The caught signals from /proc/self/status ("SigCgt:\t<hex>"): 0, or -1
 * when it cannot be read.
 */
static int
sig_caught(uint64_t *mask)
{
	char buf[4096];
	const char *p;
	size_t used = 0;
	uint64_t v = 0;
	ssize_t n;
	int fd;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	/* The line comes well before the end: stop reading once it is whole. */
	for (;;) {
		n = real.read(fd, buf + used, sizeof(buf) - 1 - used);
		if (n <= 0)
			break;
		used += (size_t)n;
		buf[used] = '\0';
		p = strstr(buf, "SigCgt:");
		if ((p && strchr(p, '\n')) || used == sizeof(buf) - 1)
			break;
	}
	real.close(fd);
	buf[used] = '\0';
	p = strstr(buf, "SigCgt:");
	if (!p)
		return -1;
	p += strlen("SigCgt:");
	while (*p == ' ' || *p == '\t')
		p++;
	for (int digits = 0; digits < 16; digits++, p++) {
		int d;

		if (*p >= '0' && *p <= '9')
			d = *p - '0';
		else if (*p >= 'a' && *p <= 'f')
			d = *p - 'a' + 10;
		else
			break;
		v = (v << 4) | (uint64_t)d;
	}
	*mask = v;
	return 0;
}

/* Read back the handlers installed where no hook could see them (once). */
static void
sig_sync(void)
{
	uint64_t caught = ~(uint64_t)0;
	uint64_t seen;

	if (__atomic_load_n(&sig_synced, __ATOMIC_ACQUIRE))
		return;
	if (!real.read || !real.close || sig_caught(&caught) < 0)
		caught = ~(uint64_t)0;
	seen = __atomic_load_n(&sig_seen, __ATOMIC_ACQUIRE);
	for (int sig = 1; sig <= 64; sig++) {
		struct sigaction sa;
		uint64_t bit = sig_bit(sig);

		if (!(caught & bit) || (seen & bit))
			continue;
		if (hook_signal_real_sigaction(sig, NULL, &sa) < 0)
			continue;
		/* A hook that ran meanwhile knows better. */
		if (__atomic_load_n(&sig_seen, __ATOMIC_ACQUIRE) & bit)
			continue;
		if (sa.sa_handler == SIG_DFL || sa.sa_handler == SIG_IGN)
			continue;
		__atomic_or_fetch(&sig_handled, bit, __ATOMIC_RELEASE);
		if (!(sa.sa_flags & SA_RESTART))
			__atomic_or_fetch(&sig_norestart, bit, __ATOMIC_RELEASE);
	}
	__atomic_store_n(&sig_synced, 1, __ATOMIC_RELEASE);
	sig_quiet_update();
}

void
hook_signal_settle(void)
{
	int saved_errno;

	if (__atomic_load_n(&sig_synced, __ATOMIC_ACQUIRE))
		return;
	saved_errno = errno;
	sig_sync();
	errno = saved_errno;
}

bool
hook_signal_all_restart(void)
{
	int saved_errno = errno;

	sig_sync();
	errno = saved_errno;
	return __atomic_load_n(&sig_norestart, __ATOMIC_ACQUIRE) == 0;
}

SX_EXPORT int
sigaction(int sig, const struct sigaction *act, struct sigaction *old)
{
	int rc;

	if (act)
		sig_installing(act->sa_handler);
	rc = hook_signal_real_sigaction(sig, act, old);
	if (rc == 0 && act)
		sig_record(sig, act);
	return rc;
}

SX_EXPORT int __sigaction(int sig, const struct sigaction *act,
			  struct sigaction *old) __THROW
	__attribute__((alias("sigaction")));

/* The hooks below install through the C library's own sigaction(): read back. */
typedef sighandler_t (*sig_install_fn)(int, sighandler_t);

static sighandler_t
sig_install(void **slot, const char *name, int sig, sighandler_t handler)
{
	sig_install_fn fn;
	sighandler_t rc;
	void *p = sig_real(slot, name);

	if (!p) {
		errno = ENOSYS;
		return SIG_ERR;
	}
	memcpy(&fn, &p, sizeof(fn));
	sig_installing(handler);
	rc = fn(sig, handler);
	if (rc != SIG_ERR)
		hook_signal_changed(sig);
	return rc;
}

SX_EXPORT sighandler_t
signal(int sig, sighandler_t handler)
{
	return sig_install((void **)&real.signal, "signal", sig, handler);
}

/* The C library has it; its headers no longer declare it. */
sighandler_t
bsd_signal(int sig, sighandler_t handler);

SX_EXPORT sighandler_t
bsd_signal(int sig, sighandler_t handler)
{
	return sig_install((void **)&real.bsd_signal, "bsd_signal", sig, handler);
}

SX_EXPORT sighandler_t
ssignal(int sig, sighandler_t handler)
{
	return sig_install((void **)&real.ssignal, "ssignal", sig, handler);
}

SX_EXPORT sighandler_t
sysv_signal(int sig, sighandler_t handler)
{
	return sig_install((void **)&real.sysv_signal, "sysv_signal", sig, handler);
}

SX_EXPORT sighandler_t
__sysv_signal(int sig, sighandler_t handler)
{
	return sig_install((void **)&real.sysv_signal_, "__sysv_signal", sig,
			   handler);
}

SX_EXPORT sighandler_t
sigset(int sig, sighandler_t disp)
{
	return sig_install((void **)&real.sigset, "sigset", sig, disp);
}

SX_EXPORT int
siginterrupt(int sig, int flag)
{
	int (*fn)(int, int);
	void *p = SIG_REAL(siginterrupt);
	int rc;

	if (!p) {
		errno = ENOSYS;
		return -1;
	}
	memcpy(&fn, &p, sizeof(fn));
	rc = fn(sig, flag);
	if (rc == 0)
		hook_signal_changed(sig);
	return rc;
}

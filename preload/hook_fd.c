/*
 * Descriptor lifetime: close(), close_range() and closefrom() drop the
 * state the library keeps for the descriptors they end, and dup(), dup2(),
 * dup3() and fcntl(F_DUPFD) give a copy the state of its original (the
 * socket's kind included, core/fdident.h).  The
 * tables also check each entry against its socket's identity, so a number
 * closed where we could not see it never passes on a stale entry.
 *
 * The library's own descriptors (the control connections of UDP
 * associations and of BIND requests still waiting for their peer) are not
 * the program's: it never got those numbers from the kernel, so closing
 * one is EBADF for it and leaves ours open, and a sweep (close_range(),
 * closefrom(), a close() loop over /proc/self/fd, as daemons and sandboxes
 * do after fork) closes around them.  A BIND's control connection goes
 * with its listening socket: a sweep that closes that socket closes both.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <unistd.h>

#include "bindtab.h"
#include "conntab.h"
#include "gssio.h"
#include "epwatch.h"
#include "fdany.h"
#include "fdident.h"
#include "fakepin.h"
#include "hook_fd.h"
#include "preload.h"
#include "rawsys.h"
#include "udp.h"
#include "udpassoc.h"

/* Descriptors below this are swept entry by entry (the tables' byte maps). */
#define FD_SWEEP_MAX 65536
/* Passes over /proc/self/fd before closefrom() gives up on a moving target. */
#define FD_PROC_PASSES 16

/* Drop fd's BIND state, closing the control connection a listening socket had. */
static void
bind_forget(int fd)
{
	int saved_errno = errno;
	int ctrl = bindtab_remove(fd);

	if (ctrl >= 0)
		real.close(ctrl);
	errno = saved_errno;
}

/*
 * True when fd is the control connection of a BIND whose listening socket
 * stays open (outside [first, last], the descriptors being closed).
 */
static bool
fd_is_kept_bind_ctrl(int fd, unsigned int first, unsigned int last)
{
	struct bindtab_info info;

	if (!bindtab_maybe_ctrl(fd) || !bindtab_get(fd, &info) ||
	    info.kind != BINDTAB_CTRL || info.owner < 0)
		return false;
	return (unsigned int)info.owner < first || (unsigned int)info.owner > last;
}

/* The body of close(): 0 or -errno. */
static int
fd_close(int fd)
{
	/* Our own control sockets are not the program's to close. */
	if (udpassoc_maybe_any(fd) && udp_fd_close(fd) < 0)
		return -EBADF;
	if (fd >= 0 && fd_is_kept_bind_ctrl(fd, (unsigned int)fd, (unsigned int)fd))
		return -EBADF;
	/* What a short write left wrapped and queued goes out first. */
	if (conntab_maybe_wrapped(fd))
		gssio_drain(fd);
	if (conntab_maybe(fd))
		conntab_remove(fd);
	fakepin_forget(fd);
	if (bindtab_maybe(fd))
		bind_forget(fd);
	epwatch_forget(fd);
	fdident_kind_forget(fd);
	fdany_clear(fd);
	if (real.close(fd) < 0)
		return -errno;
	return 0;
}

SX_EXPORT int
close(int fd)
{
	int (*real_close)(int);
	int saved_errno;
	int rc;

	sx_ready();
	real_close = real.close;
	if (!real_close)
		return sx_fail(ENOSYS);
	/* A descriptor the library keeps nothing for: its kind goes, and no more. */
	if (__builtin_expect(!fdany_maybe(fd), 1)) {
		epwatch_forget(fd);
		fdident_kind_forget(fd);
		return real_close(fd);
	}
	saved_errno = errno;
	rc = fd_close(fd);
	return sx_status(rc, saved_errno);
}

SX_HOOK_ALIAS(int, hook_close, (int fd), close);

/* The C library exports this one under a second name too: same hook. */
SX_EXPORT int __close(int fd) __attribute__((alias("close")));

/*
 * newfd is now a copy of oldfd (dup, dup2, dup3, fcntl F_DUPFD): it gets
 * the state the library keeps for oldfd's socket, shared where the state
 * belongs to the socket (a proxied connection, pending or established),
 * copied where it is per descriptor (a UDP association gets its own
 * control connection, a BIND's proxied connection its own entry).
 */
static void
fd_dup_done(int oldfd, int newfd)
{
	int saved_errno = errno;

	if (oldfd == newfd)
		return;
	fdident_kind_copy(oldfd, newfd);
	if (udpassoc_maybe(oldfd))
		udp_fd_dup_done(oldfd, newfd);
	if (conntab_maybe(oldfd))
		conntab_dup(oldfd, newfd);
	if (bindtab_maybe(oldfd))
		bindtab_dup(oldfd, newfd);
	errno = saved_errno;
}

/*
 * Before a copy lands on newfd (dup2, dup3): forget what newfd was.
 * -EBADF when oldfd is one of our control sockets.
 */
static int
fd_dup_prepare(int oldfd, int newfd)
{
	int rc;

	if (udpassoc_maybe_any(oldfd) || udpassoc_maybe_any(newfd)) {
		rc = udp_fd_dup_prepare(oldfd, newfd);
		if (rc < 0)
			return rc;
	}
	if (oldfd != newfd && conntab_maybe(newfd))
		conntab_remove(newfd);
	if (oldfd != newfd && bindtab_maybe(newfd))
		bind_forget(newfd);
	return 0;
}

SX_EXPORT int
dup(int oldfd)
{
	int rc;

	sx_ready();
	if (!real.dup)
		return sx_fail(ENOSYS);
	if (sx_guarded())
		return real.dup(oldfd);
	if (__builtin_expect(!fdany_maybe(oldfd), 1)) {
		/* Nothing kept for oldfd: the copy takes its kind alone. */
		rc = rawsys_dup(oldfd);
		if (rc >= 0)
			fdident_kind_copy(oldfd, rc);
		return rc;
	}
	/* Our control sockets are not the program's to copy. */
	if (udpassoc_maybe_any(oldfd) && udpassoc_is_ctrl(oldfd))
		return sx_fail(EBADF);
	rc = real.dup(oldfd);
	if (rc >= 0)
		fd_dup_done(oldfd, rc);
	return rc;
}

SX_HOOK_ALIAS(int, hook_dup, (int oldfd), dup);

SX_EXPORT int
dup2(int oldfd, int newfd)
{
	int rc;

	sx_ready();
	if (!real.dup2)
		return sx_fail(ENOSYS);
	if (sx_guarded())
		return real.dup2(oldfd, newfd);
	rc = fd_dup_prepare(oldfd, newfd);
	if (rc < 0)
		return sx_fail((int)-rc);
	rc = real.dup2(oldfd, newfd);
	if (rc >= 0)
		fd_dup_done(oldfd, newfd);
	return rc;
}

SX_HOOK_ALIAS(int, hook_dup2, (int oldfd, int newfd), dup2);

/* The C library exports this one under a second name too: same hook. */
SX_EXPORT int __dup2(int oldfd, int newfd) __THROW __attribute__((alias("dup2")));

SX_EXPORT int
dup3(int oldfd, int newfd, int flags)
{
	int rc;

	sx_ready();
	if (!real.dup3)
		return sx_fail(ENOSYS);
	if (sx_guarded())
		return real.dup3(oldfd, newfd, flags);
	rc = fd_dup_prepare(oldfd, newfd);
	if (rc < 0)
		return sx_fail((int)-rc);
	rc = real.dup3(oldfd, newfd, flags);
	if (rc >= 0)
		fd_dup_done(oldfd, newfd);
	return rc;
}

SX_HOOK_ALIAS(int, hook_dup3, (int oldfd, int newfd, int flags), dup3);

/*
 * fcntl() and its large-file name: F_DUPFD and F_DUPFD_CLOEXEC make copies
 * like dup(); every other command goes straight through.  The argument is
 * taken as glibc takes it, one pointer-sized word.
 */
static int
fd_fcntl(int (*fn)(int, int, ...), int fd, int cmd, void *arg)
{
	int rc;

	if (!fn)
		return sx_fail(ENOSYS);
	if (sx_guarded() || (cmd != F_DUPFD && cmd != F_DUPFD_CLOEXEC))
		return fn(fd, cmd, arg);
	if (udpassoc_maybe_any(fd) && udpassoc_is_ctrl(fd))
		return sx_fail(EBADF);
	rc = fn(fd, cmd, arg);
	if (rc >= 0)
		fd_dup_done(fd, rc);
	return rc;
}

SX_EXPORT int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	sx_ready();
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fd_fcntl(real.fcntl, fd, cmd, arg);
}

/* The C library exports this one under a second name too: same hook. */
SX_EXPORT int __fcntl(int fd, int cmd, ...) __attribute__((alias("fcntl")));

SX_EXPORT int
fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	sx_ready();
	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return fd_fcntl(real.fcntl64 ? real.fcntl64 : real.fcntl, fd, cmd, arg);
}

/*
 * The body of close_range(): forget what the library knew of the
 * descriptors in [first, last], then close the range around our control
 * sockets (the UDP layer goes around its own; the BIND control connections
 * that stay are holes cut here).  0 or -errno.
 */
static int
fd_close_range(unsigned int first, unsigned int last, int flags)
{
	unsigned int from = first;
	int rc;

	if (!real.close_range)
		return -ENOSYS;
	if (first > last || (flags & CLOSE_RANGE_CLOEXEC))
		return udp_close_range(first, last, flags);
	/* A kernel without the call must not cost the program its state. */
	if (real.close_range(~0U, ~0U, 0) < 0 && errno == ENOSYS)
		return -ENOSYS;
	for (unsigned int fd = first; fd <= last && fd < FD_SWEEP_MAX; fd++) {
		if (fd_is_kept_bind_ctrl((int)fd, first, last)) {
			if (fd > from) {
				rc = udp_close_range(from, fd - 1, flags);
				if (rc < 0)
					return rc;
			}
			from = fd + 1;
			continue;
		}
		if (conntab_maybe((int)fd))
			conntab_remove((int)fd);
		if (bindtab_maybe((int)fd))
			bind_forget((int)fd);
		epwatch_forget((int)fd);
		fdident_kind_forget((int)fd);
	}
	if (from > last)
		return 0;
	return udp_close_range(from, last, flags);
}

SX_EXPORT int
close_range(unsigned int first, unsigned int last, int flags)
{
	int saved_errno = errno;
	int rc;

	sx_ready();
	rc = fd_close_range(first, last, flags);
	return sx_status(rc, saved_errno);
}

SX_HOOK_ALIAS(int, hook_close_range, (unsigned int first, unsigned int last, int flags), close_range);

/*
 * closefrom() without the close_range system call (Linux before 5.9):
 * close() every descriptor /proc/self/fd lists from lowfd on, ours
 * excepted, pass after pass until one closes nothing (closing while the
 * directory is read may hide entries).  Nothing is allocated: the entries
 * are read with getdents64() into a stack buffer.
 */
static void
fd_closefrom_slow(int lowfd)
{
	char buf[4096] __attribute__((aligned(8)));
	int dir, pass;

	dir = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		return;
	for (pass = 0; pass < FD_PROC_PASSES; pass++) {
		bool closed = false;
		ssize_t n;

		if (lseek(dir, 0, SEEK_SET) < 0)
			break;
		for (;;) {
			n = getdents64(dir, buf, sizeof(buf));
			if (n <= 0)
				break;
			for (ssize_t off = 0; off < n;) {
				struct dirent64 *de = (struct dirent64 *)(buf + off);
				char *end;
				long fd = strtol(de->d_name, &end, 10);

				off += de->d_reclen;
				if (end == de->d_name || *end != '\0' || fd < lowfd ||
				    fd == dir || fd > INT_MAX)
					continue;
				if (fd_close((int)fd) == 0)
					closed = true;
			}
		}
		if (!closed)
			break;
	}
	real.close(dir);
}

/*
 * glibc's closefrom() makes the close_range system call itself, past the
 * close_range() above, so it gets the same treatment here.  Where glibc
 * would end the process when the fallback fails, this returns.
 */
SX_EXPORT void
closefrom(int lowfd)
{
	int saved_errno = errno;
	unsigned int first = lowfd < 0 ? 0 : (unsigned int)lowfd;

	sx_ready();
	if (!real.close)
		return;
	if (fd_close_range(first, ~0U, 0) == -ENOSYS)
		fd_closefrom_slow((int)first);
	errno = saved_errno;
}

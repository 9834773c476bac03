/*
 * Descriptor lifetime: close(), dup2(), dup3() and close_range() drop the
 * state the library keeps for the descriptors they end, so a reused number
 * never inherits a stale entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "bindtab.h"
#include "conntab.h"
#include "epwatch.h"
#include "preload.h"
#include "udp.h"
#include "udpassoc.h"

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

SX_EXPORT int
close(int fd)
{
	/* Our own control sockets are not the program's to close. */
	if (udpassoc_maybe_any(fd) && udp_fd_close(fd) < 0) {
		errno = EBADF;
		return -1;
	}
	if (conntab_maybe(fd))
		conntab_remove(fd);
	if (bindtab_maybe(fd))
		bind_forget(fd);
	epwatch_forget(fd);
	return real.close(fd);
}

SX_EXPORT int
dup2(int oldfd, int newfd)
{
	int rc;

	if (udpassoc_maybe_any(oldfd) || udpassoc_maybe_any(newfd)) {
		rc = udp_fd_dup_prepare(oldfd, newfd);
		if (rc < 0) {
			errno = -rc;
			return -1;
		}
	}
	if (oldfd != newfd && conntab_maybe(newfd))
		conntab_remove(newfd);
	if (oldfd != newfd && bindtab_maybe(newfd))
		bind_forget(newfd);
	rc = real.dup2(oldfd, newfd);
	if (rc >= 0 && udpassoc_maybe(oldfd))
		udp_fd_dup_done(oldfd, newfd);
	if (rc >= 0 && oldfd != newfd && conntab_maybe(oldfd)) {
		int saved_errno = errno;

		conntab_dup(oldfd, newfd);
		errno = saved_errno;
	}
	if (rc >= 0 && oldfd != newfd && bindtab_maybe(oldfd))
		bindtab_dup(oldfd, newfd);
	return rc;
}

SX_EXPORT int
dup3(int oldfd, int newfd, int flags)
{
	int rc;

	if (udpassoc_maybe_any(oldfd) || udpassoc_maybe_any(newfd)) {
		rc = udp_fd_dup_prepare(oldfd, newfd);
		if (rc < 0) {
			errno = -rc;
			return -1;
		}
	}
	if (oldfd != newfd && conntab_maybe(newfd))
		conntab_remove(newfd);
	if (oldfd != newfd && bindtab_maybe(newfd))
		bind_forget(newfd);
	rc = real.dup3(oldfd, newfd, flags);
	if (rc >= 0 && udpassoc_maybe(oldfd))
		udp_fd_dup_done(oldfd, newfd);
	if (rc >= 0 && conntab_maybe(oldfd)) {
		int saved_errno = errno;

		conntab_dup(oldfd, newfd);
		errno = saved_errno;
	}
	if (rc >= 0 && bindtab_maybe(oldfd))
		bindtab_dup(oldfd, newfd);
	return rc;
}

SX_EXPORT int
close_range(unsigned int first, unsigned int last, int flags)
{
	int rc;

	if (!real.close_range) {
		errno = ENOSYS;
		return -1;
	}
	if (!(flags & CLOSE_RANGE_CLOEXEC)) {
		for (unsigned int fd = first; fd <= last && fd < 65536; fd++) {
			if (conntab_maybe((int)fd))
				conntab_remove((int)fd);
			if (bindtab_maybe((int)fd))
				bind_forget((int)fd);
		}
	}
	/* Around our control sockets. */
	rc = udp_close_range(first, last, flags);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

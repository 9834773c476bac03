/*
 * Descriptor lifetime: close(), dup2(), dup3() and close_range() drop the
 * state the library keeps for the descriptors they end, so a reused number
 * never inherits a stale entry.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "conntab.h"
#include "epwatch.h"
#include "preload.h"

SX_EXPORT int
close(int fd)
{
	if (conntab_maybe(fd))
		conntab_remove(fd);
	epwatch_forget(fd);
	return real.close(fd);
}

SX_EXPORT int
dup2(int oldfd, int newfd)
{
	int rc;

	if (oldfd != newfd && conntab_maybe(newfd))
		conntab_remove(newfd);
	rc = real.dup2(oldfd, newfd);
	if (rc >= 0 && oldfd != newfd && conntab_maybe(oldfd)) {
		int saved_errno = errno;

		conntab_dup(oldfd, newfd);
		errno = saved_errno;
	}
	return rc;
}

SX_EXPORT int
dup3(int oldfd, int newfd, int flags)
{
	int rc;

	if (oldfd != newfd && conntab_maybe(newfd))
		conntab_remove(newfd);
	rc = real.dup3(oldfd, newfd, flags);
	if (rc >= 0 && conntab_maybe(oldfd)) {
		int saved_errno = errno;

		conntab_dup(oldfd, newfd);
		errno = saved_errno;
	}
	return rc;
}

SX_EXPORT int
close_range(unsigned int first, unsigned int last, int flags)
{
	if (!real.close_range) {
		errno = ENOSYS;
		return -1;
	}
	if (!(flags & CLOSE_RANGE_CLOEXEC)) {
		for (unsigned int fd = first; fd <= last && fd < 65536; fd++) {
			if (conntab_maybe((int)fd))
				conntab_remove((int)fd);
		}
	}
	return real.close_range(first, last, flags);
}

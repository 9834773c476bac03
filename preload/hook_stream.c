/*
 * ioctl(), shutdown(), sendfile() and splice(): calls that need the
 * library only on a proxied connection with GSSAPI per-message protection
 * (gssio.h), where the bytes on the wire are not the program's.  On every
 * other descriptor the cost is one load and a branch while no connection
 * of the process is protected, and the byte map's load after that.
 *
 *  - ioctl(FIONREAD) (SIOCINQ) counts the unwrapped bytes a read returns
 *    at once, not the wrapped ones the kernel holds;
 *  - shutdown() for writing first sends the wrapped message a short write
 *    left queued;
 *  - sendfile() to a protected socket copies through: it reads the file,
 *    wraps and sends (at most 64 KiB a call, as a short count);
 *  - splice() to or from a protected socket fails with EOPNOTSUPP: the
 *    pipe's bytes would bypass the protection (programs fall back to
 *    read and write).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>

#include "conntab.h"
#include "gssio.h"
#include "log.h"
#include "preload.h"

SX_EXPORT int
ioctl(int fd, unsigned long req, ...)
{
	va_list ap;
	void *arg;
	bool pass = true;
	int rc;

	va_start(ap, req);
	arg = va_arg(ap, void *);
	va_end(ap);
	sx_ready();
	if (req == FIONREAD && arg != NULL && conntab_maybe_wrapped(fd) &&
	    !sx_guarded()) {
		rc = gssio_fionread(fd, arg, &pass);
		if (!pass)
			return rc;
	}
	return real.ioctl(fd, req, arg);
}

SX_EXPORT int
shutdown(int fd, int how)
{
	sx_ready();
	if (how != SHUT_RD && conntab_maybe_wrapped(fd) && !sx_guarded())
		gssio_drain(fd);
	return real.shutdown(fd, how);
}

SX_EXPORT ssize_t
sendfile(int out_fd, int in_fd, off_t *offset, size_t count)
{
	bool pass = true;
	ssize_t rc;

	sx_ready();
	if (conntab_maybe_wrapped(out_fd) && !sx_guarded()) {
		rc = gssio_sendfile(out_fd, in_fd, offset, count, &pass);
		if (!pass)
			return rc;
	}
	return real.sendfile(out_fd, in_fd, offset, count);
}

/* The same function under its large-file name (off_t is 64 bits here). */
SX_EXPORT ssize_t
sendfile64(int out_fd, int in_fd, off64_t *offset, size_t count)
{
	bool pass = true;
	ssize_t rc;

	sx_ready();
	if (conntab_maybe_wrapped(out_fd) && !sx_guarded()) {
		rc = gssio_sendfile(out_fd, in_fd, (off_t *)offset, count, &pass);
		if (!pass)
			return rc;
	}
	if (!real.sendfile64)
		return real.sendfile(out_fd, in_fd, (off_t *)offset, count);
	return real.sendfile64(out_fd, in_fd, offset, count);
}

SX_EXPORT ssize_t
splice(int fd_in, off64_t *off_in, int fd_out, off64_t *off_out, size_t len,
       unsigned int flags)
{
	sx_ready();
	if (!sx_guarded() &&
	    ((conntab_maybe_wrapped(fd_in) && gssio_is_wrapped(fd_in)) ||
	     (conntab_maybe_wrapped(fd_out) && gssio_is_wrapped(fd_out)))) {
		log_warn("splice() on a GSSAPI-protected connection is refused: "
			 "its bytes would bypass the protection");
		return sx_fail(EOPNOTSUPP);
	}
	return real.splice(fd_in, off_in, fd_out, off_out, len, flags);
}

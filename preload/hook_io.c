/*
 * read(), write(), readv() and writev() on a proxied TCP socket whose SOCKS
 * exchange is still under way: never the proxy's bytes to the program,
 * never the program's bytes to the proxy before its reply.  A non-blocking
 * socket gets EAGAIN, a blocking one waits for the exchange to end.  On a
 * connected UDP socket with an association, datagrams go through the relay
 * (hook_udp.c).  On every other descriptor the cost is two loads and two
 * branches.
 */
#include <errno.h>
#include <sys/uio.h>
#include <unistd.h>

#include "conntab.h"
#include "preload.h"
#include "tcp.h"
#include "udp.h"
#include "udpassoc.h"

/* 0 when I/O on fd may go on; otherwise errno is set. */
static int
io_gate(int fd)
{
	int rc;

	if (sx_guarded())
		return 0;
	rc = tcp_io_gate(fd);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

SX_EXPORT ssize_t
read(int fd, void *buf, size_t len)
{
	sx_ready();
	if (conntab_maybe_active(fd) && io_gate(fd) < 0)
		return -1;
	if (udpassoc_maybe(fd))
		return udp_io_read(fd, buf, len);
	return real.read(fd, buf, len);
}

/* The C library exports this one under a second name too: same hook. */
SX_EXPORT ssize_t __read(int fd, void *buf, size_t len) __attribute__((alias("read")));

SX_EXPORT ssize_t
write(int fd, const void *buf, size_t len)
{
	sx_ready();
	if (conntab_maybe_active(fd) && io_gate(fd) < 0)
		return -1;
	if (udpassoc_maybe(fd))
		return udp_io_write(fd, buf, len);
	return real.write(fd, buf, len);
}

/* The C library exports this one under a second name too: same hook. */
SX_EXPORT ssize_t __write(int fd, const void *buf, size_t len)
	__attribute__((alias("write")));

SX_EXPORT ssize_t
readv(int fd, const struct iovec *iov, int n)
{
	sx_ready();
	if (conntab_maybe_active(fd) && io_gate(fd) < 0)
		return -1;
	if (udpassoc_maybe(fd))
		return udp_io_readv(fd, iov, n);
	return real.readv(fd, iov, n);
}

SX_EXPORT ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	sx_ready();
	if (conntab_maybe_active(fd) && io_gate(fd) < 0)
		return -1;
	if (udpassoc_maybe(fd))
		return udp_io_writev(fd, iov, n);
	return real.writev(fd, iov, n);
}

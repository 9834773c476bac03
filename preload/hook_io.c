/*
 * read(), write(), readv() and writev() on a proxied TCP socket whose SOCKS
 * exchange is still under way: never the proxy's bytes to the program,
 * never the program's bytes to the proxy before its reply.  A non-blocking
 * socket gets EAGAIN, a blocking one waits for the exchange to end.  On a
 * connected UDP socket with an association, datagrams go through the relay
 * (udp_send.h, udp_recv.h).  On a connection with GSSAPI protection the
 * bytes are wrapped and unwrapped (gssio.h).  On every other descriptor
 * the cost is three loads and three branches.
 */
#include <errno.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "conntab.h"
#include "gssio.h"
#include "preload.h"
#include "tcp.h"
#include "udp_recv.h"
#include "udp_send.h"
#include "udpassoc.h"

/*
 * read(), write(), readv() and writev() on a UDP socket with an entry: a
 * connected proxied UDP socket (OpenBSD nc -u, socat) reads and writes its
 * datagrams through the relay.  Anything that is not ours, or a number
 * that turns out to be no socket any more, goes to the real call.  These
 * set errno as the hooks do.
 */
static ssize_t
io_udp(int fd, const struct iovec *iov, int n, bool out)
{
	int saved_errno = errno;
	struct msghdr msg;
	ssize_t rc = 0;
	bool pass = true;

	if (!sx_guarded() && n >= 0) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = (struct iovec *)iov;
		msg.msg_iovlen = (size_t)n;
		if (out)
			rc = udp_send_datagram(fd, &msg, 0, &pass);
		else
			rc = udp_recv_datagram(fd, &msg, 0, &pass);
		if (rc == -ENOTSOCK)
			pass = true;
	}
	if (pass) {
		errno = saved_errno;
		return out ? real.writev(fd, iov, n) : real.readv(fd, iov, n);
	}
	return sx_result(rc, saved_errno);
}

static ssize_t
io_udp_read(int fd, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	if (sx_guarded() || !udpassoc_maybe(fd))
		return real.read(fd, buf, len);
	return io_udp(fd, &iov, 1, false);
}

static ssize_t
io_udp_write(int fd, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	if (sx_guarded() || !udpassoc_maybe(fd))
		return real.write(fd, buf, len);
	return io_udp(fd, &iov, 1, true);
}

static ssize_t
io_udp_readv(int fd, const struct iovec *iov, int n)
{
	if (sx_guarded() || !udpassoc_maybe(fd))
		return real.readv(fd, iov, n);
	return io_udp(fd, iov, n, false);
}

static ssize_t
io_udp_writev(int fd, const struct iovec *iov, int n)
{
	if (sx_guarded() || !udpassoc_maybe(fd))
		return real.writev(fd, iov, n);
	return io_udp(fd, iov, n, true);
}

/*
 * The four calls on a connection with GSSAPI protection (gssio.h): the
 * bytes are wrapped and unwrapped; a descriptor that turns out to carry
 * none gets the real call.
 */
static ssize_t
io_read_wrapped(int fd, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	bool pass;
	ssize_t rc = gssio_recv(fd, &iov, 1, 0, &pass);

	return pass ? real.read(fd, buf, len) : rc;
}

static ssize_t
io_write_wrapped(int fd, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	bool pass;
	ssize_t rc = gssio_send(fd, &iov, 1, 0, &pass);

	return pass ? real.write(fd, buf, len) : rc;
}

static ssize_t
io_readv_wrapped(int fd, const struct iovec *iov, int n)
{
	bool pass;
	ssize_t rc = gssio_recv(fd, iov, (size_t)n, 0, &pass);

	return pass ? real.readv(fd, iov, n) : rc;
}

static ssize_t
io_writev_wrapped(int fd, const struct iovec *iov, int n)
{
	bool pass;
	ssize_t rc = gssio_send(fd, iov, (size_t)n, 0, &pass);

	return pass ? real.writev(fd, iov, n) : rc;
}

SX_EXPORT ssize_t
read(int fd, void *buf, size_t len)
{
	sx_ready();
	if (conntab_maybe_active(fd) && tcp_io_check(fd) < 0)
		return -1;
	if (conntab_maybe_wrapped(fd) && !sx_guarded())
		return io_read_wrapped(fd, buf, len);
	if (udpassoc_maybe(fd))
		return io_udp_read(fd, buf, len);
	return real.read(fd, buf, len);
}

/* The C library exports this one under a second name too: same hook. */
SX_EXPORT ssize_t __read(int fd, void *buf, size_t len) __attribute__((alias("read")));

SX_EXPORT ssize_t
write(int fd, const void *buf, size_t len)
{
	sx_ready();
	if (conntab_maybe_active(fd) && tcp_io_check(fd) < 0)
		return -1;
	if (conntab_maybe_wrapped(fd) && !sx_guarded())
		return io_write_wrapped(fd, buf, len);
	if (udpassoc_maybe(fd))
		return io_udp_write(fd, buf, len);
	return real.write(fd, buf, len);
}

/* The C library exports this one under a second name too: same hook. */
SX_EXPORT ssize_t __write(int fd, const void *buf, size_t len)
	__attribute__((alias("write")));

SX_EXPORT ssize_t
readv(int fd, const struct iovec *iov, int n)
{
	sx_ready();
	if (conntab_maybe_active(fd) && tcp_io_check(fd) < 0)
		return -1;
	if (conntab_maybe_wrapped(fd) && !sx_guarded() && n >= 0)
		return io_readv_wrapped(fd, iov, n);
	if (udpassoc_maybe(fd))
		return io_udp_readv(fd, iov, n);
	return real.readv(fd, iov, n);
}

SX_EXPORT ssize_t
writev(int fd, const struct iovec *iov, int n)
{
	sx_ready();
	if (conntab_maybe_active(fd) && tcp_io_check(fd) < 0)
		return -1;
	if (conntab_maybe_wrapped(fd) && !sx_guarded() && n >= 0)
		return io_writev_wrapped(fd, iov, n);
	if (udpassoc_maybe(fd))
		return io_udp_writev(fd, iov, n);
	return real.writev(fd, iov, n);
}

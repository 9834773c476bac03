/*
 * The send hooks: sendto(), send(), sendmsg() and sendmmsg(), for every
 * socket, and the same calls made through syscall() (send_to(),
 * send_msg(), send_mmsg(); libuv before 1.45 does, under dig).  Thin: a
 * send with MSG_FASTOPEN on a TCP socket is a connect (hook_fastopen.c);
 * a proxied TCP socket whose SOCKS exchange is under way is held back
 * (tcp.h), as the I/O hooks do; a connection with GSSAPI protection
 * writes wrapped messages (gssio.h); a datagram that may concern the UDP layer
 * goes to udp_send_datagram(); everything else is the real call.  On a
 * socket that is none of these the cost is a few loads and branches.  The
 * UDP layer never calls back here.
 */
#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/socket.h>

#include "conntab.h"
#include "gssio.h"
#include "hook_fastopen.h"
#include "preload.h"
#include "hook_send.h"
#include "tcp.h"
#include "udp_dst.h"
#include "udp_send.h"
#include "udpassoc.h"

/* The body of the sendto() hook (also reached through syscall()). */
ssize_t
send_to(int fd, const void *buf, size_t len, int flags,
	const struct sockaddr *sa, socklen_t salen)
{
	int saved_errno = errno;
	struct iovec iov;
	struct msghdr msg;
	ssize_t rc;
	bool pass;

	if (sx_guarded())
		return real.sendto(fd, buf, len, flags, sa, salen);
	/* TCP Fast Open connects without connect(): hook_fastopen.c. */
	if (fastopen_wanted(fd, flags))
		return fastopen_sendto(fd, buf, len, flags, sa, salen);
	if (conntab_maybe_active(fd) && tcp_io_check(fd) < 0)
		return -1;
	if (conntab_maybe_wrapped(fd)) {
		rc = gssio_send_buf(fd, buf, len, flags, &pass);
		if (!pass)
			return rc;
	}
	if (!udpassoc_maybe(fd) &&
	    (!udp_dst_maybe(sa, salen) || udp_send_direct_known(sa, salen)))
		return real.sendto(fd, buf, len, flags, sa, salen);
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = (void *)sa;
	msg.msg_namelen = sa ? salen : 0;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	rc = udp_send_datagram(fd, &msg, flags, &pass);
	if (pass) {
		errno = saved_errno;
		return real.sendto(fd, buf, len, flags, sa, salen);
	}
	return sx_result(rc, saved_errno);
}

SX_EXPORT ssize_t
sendto(int fd, const void *buf, size_t len, int flags,
       const struct sockaddr *sa, socklen_t salen)
{
	sx_ready();
	return send_to(fd, buf, len, flags, sa, salen);
}

SX_EXPORT ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	int saved_errno = errno;
	struct iovec iov;
	struct msghdr msg;
	ssize_t rc;
	bool pass;

	sx_ready();
	if (sx_guarded())
		return real.send(fd, buf, len, flags);
	if (conntab_maybe_active(fd) && tcp_io_check(fd) < 0)
		return -1;
	if (conntab_maybe_wrapped(fd)) {
		rc = gssio_send_buf(fd, buf, len, flags, &pass);
		if (!pass)
			return rc;
	}
	if (!udpassoc_maybe(fd))
		return real.send(fd, buf, len, flags);
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	rc = udp_send_datagram(fd, &msg, flags, &pass);
	if (pass) {
		errno = saved_errno;
		return real.send(fd, buf, len, flags);
	}
	return sx_result(rc, saved_errno);
}

/* The C library exports this one under a second name too: same hook. */
SX_EXPORT ssize_t __send(int fd, const void *buf, size_t len, int flags)
	__attribute__((alias("send")));

/* The body of the sendmsg() hook (also reached through syscall()). */
ssize_t
send_msg(int fd, const struct msghdr *msg, int flags)
{
	int saved_errno = errno;
	ssize_t rc;
	bool pass;

	if (sx_guarded() || !msg)
		return real.sendmsg(fd, msg, flags);
	/* TCP Fast Open connects without connect(): hook_fastopen.c. */
	if (fastopen_wanted(fd, flags))
		return fastopen_sendmsg(fd, msg, flags);
	if (conntab_maybe_active(fd) && tcp_io_check(fd) < 0)
		return -1;
	if (conntab_maybe_wrapped(fd)) {
		rc = gssio_sendmsg(fd, msg, flags, &pass);
		if (!pass)
			return rc;
	}
	if (!udpassoc_maybe(fd) && !udp_dst_maybe(msg->msg_name, msg->msg_namelen))
		return real.sendmsg(fd, msg, flags);
	rc = udp_send_datagram(fd, msg, flags, &pass);
	if (pass) {
		errno = saved_errno;
		return real.sendmsg(fd, msg, flags);
	}
	return sx_result(rc, saved_errno);
}

SX_EXPORT ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	sx_ready();
	return send_msg(fd, msg, flags);
}

/* The body of the sendmmsg() hook (also reached through syscall()). */
int
send_mmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	int saved_errno = errno;
	bool ours;
	unsigned int i;
	ssize_t rc = 0;

	if (conntab_maybe_active(fd) && tcp_io_check(fd) < 0)
		return -1;
	if (conntab_maybe_wrapped(fd)) {
		int n = gssio_mmsg(fd, vec, vlen, flags, true, &ours);

		if (!ours)
			return n;
	}
	ours = udpassoc_maybe(fd);
	for (i = 0; i < vlen && !ours; i++)
		ours = udp_dst_maybe(vec[i].msg_hdr.msg_name, vec[i].msg_hdr.msg_namelen);
	if (!ours)
		return real.sendmmsg(fd, vec, vlen, flags);
	if (vlen > IOV_MAX)
		vlen = IOV_MAX;
	for (i = 0; i < vlen; i++) {
		bool pass;

		rc = udp_send_datagram(fd, &vec[i].msg_hdr, flags, &pass);
		if (pass) {
			rc = real.sendmsg(fd, &vec[i].msg_hdr, flags);
			if (rc < 0)
				rc = -errno;
		}
		if (rc < 0)
			break;
		vec[i].msg_len = (unsigned int)rc;
	}
	if (i == 0 && vlen > 0) {
		return sx_fail((int)-rc);
	}
	errno = saved_errno;
	return (int)i;
}

SX_EXPORT int
sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	sx_ready();
	if (sx_guarded() || !vec)
		return real.sendmmsg(fd, vec, vlen, flags);
	return send_mmsg(fd, vec, vlen, flags);
}

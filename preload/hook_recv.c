/*
 * The receive hooks: recvfrom(), recv(), recvmsg() and recvmmsg(), for
 * every socket, and the same calls made through syscall() (recv_from(),
 * recv_msg(), recv_mmsg()).  Thin: a proxied TCP socket whose SOCKS
 * exchange is under way is held back (tcp.h), as the I/O hooks do; a UDP
 * socket with an association or a proxied default destination receives
 * through the UDP layer (udp_recv.h); a connection with GSSAPI protection
 * reads unwrapped bytes (gssio.h); everything else is the real call.
 * While any UDP socket of the process has an association, a receive that
 * goes straight to the kernel asks for the sender even when the program
 * does not, so that udp_recv_late() can judge a datagram that arrived
 * while another thread opened an association on the socket.  The UDP
 * layer never calls back here.
 *
 * A process with one thread and no signal handler cannot open an
 * association while this thread waits in a receive: a socket without one
 * then gets the real call as its last step, with nothing to look at
 * afterwards (recv_alone()).
 */
#include <errno.h>
#include <string.h>
#include <sys/single_threaded.h>
#include <sys/socket.h>
#include <time.h>

#include "conntab.h"
#include "fdany.h"
#include "gssio.h"
#include "preload.h"
#include "hook_recv.h"
#include "hook_signal.h"
#include "tcp.h"
#include "udp_recv.h"
#include "udpassoc.h"

/*
 * True when the receive on fd is the real call and nothing after it: the
 * library keeps nothing for fd (no connection, association or GSSAPI
 * state: one load, fdany.h), and nothing can open an association on fd
 * while this thread waits in the receive, since the process has one thread
 * and no signal handler (checked for handlers no hook saw once, at the
 * first receive that asks).
 */
static inline bool
recv_alone(int fd)
{
	if (fdany_maybe(fd) || !__libc_single_threaded)
		return false;
	if (__atomic_load_n(&hook_signal_quiet, __ATOMIC_ACQUIRE))
		return true;
	hook_signal_settle();
	return __atomic_load_n(&hook_signal_quiet, __ATOMIC_ACQUIRE) != 0;
}

/* The body of the recvfrom() hook (also reached through syscall()). */
ssize_t
recv_from(int fd, void *buf, size_t len, int flags, struct sockaddr *sa,
	  socklen_t *salen)
{
	int saved_errno;
	struct iovec iov;
	struct msghdr msg;
	ssize_t rc;
	bool pass;

	if (sx_guarded() || recv_alone(fd))
		return real.recvfrom(fd, buf, len, flags, sa, salen);
	if (conntab_maybe_active(fd) && tcp_io_check(fd) < 0)
		return -1;
	saved_errno = errno;
	if (conntab_maybe_wrapped(fd)) {
		rc = gssio_recv_buf(fd, buf, len, flags, &pass);
		if (!pass) {
			if (rc >= 0 && sa && salen)
				*salen = 0;
			return rc;
		}
	}
	iov.iov_base = buf;
	iov.iov_len = len;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = sa && salen ? sa : NULL;
	msg.msg_namelen = sa && salen ? *salen : 0;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (!udpassoc_maybe(fd)) {
		struct sockaddr_storage own;
		socklen_t ownlen = sizeof(own);
		bool named;

		/*
		 * While any UDP socket of the process has an association, the
		 * sender is asked for even when the program does not want it:
		 * another thread may open one on fd during this receive.
		 */
		bool asked = sa || udpassoc_any();

		if (sa || !asked)
			rc = real.recvfrom(fd, buf, len, flags, sa, salen);
		else
			rc = real.recvfrom(fd, buf, len, flags, (struct sockaddr *)&own,
					   &ownlen);
		if (rc < 0 || !udpassoc_maybe(fd))
			return rc;
		/*
		 * The first association came during the wait: an unknown sender
		 * cannot be checked, so that datagram is dropped as a stranger's.
		 */
		if (!asked)
			goto associated;
		rc = udp_recv_late(fd, &msg, flags, rc,
				   sa ? sa : (struct sockaddr *)&own,
				   sa ? (*salen < msg.msg_namelen ? *salen : msg.msg_namelen) :
					ownlen, &named);
		if (rc < 0)
			return sx_fail((int)-rc);
		if (named)
			*salen = msg.msg_namelen;
		errno = saved_errno;
		return rc;
	}
associated:
	rc = udp_recv_datagram(fd, &msg, flags, &pass);
	if (pass) {
		errno = saved_errno;
		return real.recvfrom(fd, buf, len, flags, sa, salen);
	}
	if (rc < 0)
		return sx_fail((int)-rc);
	if (sa && salen)
		*salen = msg.msg_namelen;
	errno = saved_errno;
	return rc;
}

SX_EXPORT ssize_t
recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *sa,
	 socklen_t *salen)
{
	sx_ready();
	return recv_from(fd, buf, len, flags, sa, salen);
}

SX_EXPORT ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	int saved_errno;
	struct iovec iov;
	struct msghdr msg;
	ssize_t rc;
	bool pass;

	sx_ready();
	if (sx_guarded() || recv_alone(fd))
		return real.recv(fd, buf, len, flags);
	if (conntab_maybe_active(fd) && tcp_io_check(fd) < 0)
		return -1;
	saved_errno = errno;
	if (conntab_maybe_wrapped(fd)) {
		rc = gssio_recv_buf(fd, buf, len, flags, &pass);
		if (!pass)
			return rc;
	}
	iov.iov_base = buf;
	iov.iov_len = len;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (!udpassoc_maybe(fd)) {
		struct sockaddr_storage own;
		socklen_t ownlen = sizeof(own);
		bool named;

		/* recv() is recvfrom() without an address: ask for the sender. */
		rc = real.recvfrom(fd, buf, len, flags, (struct sockaddr *)&own, &ownlen);
		if (rc < 0 || !udpassoc_maybe(fd))
			return rc;
		rc = udp_recv_late(fd, &msg, flags, rc, (struct sockaddr *)&own, ownlen,
				   &named);
		return sx_result(rc, saved_errno);
	}
	rc = udp_recv_datagram(fd, &msg, flags, &pass);
	if (pass) {
		errno = saved_errno;
		return real.recv(fd, buf, len, flags);
	}
	return sx_result(rc, saved_errno);
}

/* The body of the recvmsg() hook (also reached through syscall()). */
ssize_t
recv_msg(int fd, struct msghdr *msg, int flags)
{
	int saved_errno = errno;
	ssize_t rc;
	bool pass;

	if (sx_guarded() || !msg)
		return real.recvmsg(fd, msg, flags);
	if (conntab_maybe_active(fd) && tcp_io_check(fd) < 0)
		return -1;
	if (conntab_maybe_wrapped(fd)) {
		rc = gssio_recvmsg(fd, msg, flags, &pass);
		if (!pass)
			return rc;
	}
	if (!udpassoc_maybe(fd)) {
		struct sockaddr_storage own;
		struct msghdr m = *msg;
		socklen_t room;
		bool named;

		/* The sender is asked for even when the program does not want it. */
		if (!m.msg_name) {
			m.msg_name = &own;
			m.msg_namelen = sizeof(own);
		}
		rc = real.recvmsg(fd, &m, flags);
		if (rc < 0)
			return rc;
		if (!udpassoc_maybe(fd)) {
			if (msg->msg_name)
				msg->msg_namelen = m.msg_namelen;
			msg->msg_controllen = m.msg_controllen;
			msg->msg_flags = m.msg_flags;
			return rc;
		}
		/* The kernel reports the sender's full length, not what fitted. */
		room = msg->msg_name ? msg->msg_namelen : sizeof(own);
		msg->msg_controllen = m.msg_controllen;
		msg->msg_flags = m.msg_flags;
		rc = udp_recv_late(fd, msg, flags, rc, m.msg_name,
				   m.msg_namelen < room ? m.msg_namelen : room, &named);
		if (rc < 0)
			return sx_fail((int)-rc);
		if (msg->msg_name && !named)
			msg->msg_namelen = m.msg_namelen;
		errno = saved_errno;
		return rc;
	}
	rc = udp_recv_datagram(fd, msg, flags, &pass);
	if (pass) {
		errno = saved_errno;
		return real.recvmsg(fd, msg, flags);
	}
	return sx_result(rc, saved_errno);
}

SX_EXPORT ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	sx_ready();
	return recv_msg(fd, msg, flags);
}

/* The body of the recvmmsg() hook (also reached through syscall()). */
int
recv_mmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
	  struct timespec *timeout)
{
	int saved_errno = errno;
	bool pass;
	int rc;

	if (conntab_maybe_active(fd) && tcp_io_check(fd) < 0)
		return -1;
	if (conntab_maybe_wrapped(fd)) {
		rc = gssio_mmsg(fd, vec, vlen, flags, false, &pass);
		if (!pass)
			return rc;
	}
	rc = udp_recv_batch(fd, vec, vlen, flags, timeout, &pass);
	if (pass)
		return real.recvmmsg(fd, vec, vlen, flags, timeout);
	return sx_result(rc, saved_errno);
}

SX_EXPORT int
recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
	 struct timespec *timeout)
{
	sx_ready();
	if (sx_guarded() || !vec || vlen == 0)
		return real.recvmmsg(fd, vec, vlen, flags, timeout);
	return recv_mmsg(fd, vec, vlen, flags, timeout);
}

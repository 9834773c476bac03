/*
 * TCP Fast Open without connect(): sendto() or sendmsg() with MSG_FASTOPEN
 * and a destination make the kernel connect the socket itself and carry
 * the data in the SYN (curl --tcp-fastopen built without
 * TCP_FASTOPEN_CONNECT, and other programs that use the flag).  Left to
 * the kernel, that connection would go around the proxy.  Here it becomes
 * what it means: a connect() through the proxy, decided and driven as the
 * connect() hook does it, then a plain send of the data.  A blocking
 * socket gets the whole exchange, then the data sent; a non-blocking one
 * gets -1/EINPROGRESS with nothing sent, which is what the kernel answers
 * when it has no Fast Open cookie for the server: the program waits for
 * the socket to become writable and sends again.  A destination reached
 * directly (loopback, NO_PROXY) keeps the program's own Fast Open.
 *
 * setsockopt(TCP_FASTOPEN_CONNECT) needs nothing: the program still calls
 * connect(), which goes to the proxy like any other, and the kernel only
 * holds the SYN to the proxy back until the first write, the greeting.
 */
#include <errno.h>
#include <string.h>

#include "hook_fastopen.h"
#include "hook_connect.h"
#include "preload.h"
#include "fdident.h"
#include "tcp.h"

bool
fastopen_wanted(int fd, int flags)
{
	struct fdident_kind kind;

	if (!(flags & MSG_FASTOPEN))
		return false;
	if (fdident_kind_of(fd, &kind) < 0)
		return false;
	return kind.type == SOCK_STREAM;
}

ssize_t
fastopen_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	int saved_errno = errno;
	struct msghdr plain;
	int rc;

	/* Without a destination the kernel refuses the flag by itself. */
	if (!msg || !msg->msg_name || msg->msg_namelen == 0)
		return real.sendmsg(fd, msg, flags);
	/*
	 * So it does an AF_UNSPEC one (EOPNOTSUPP, tcp_sendmsg_fastopen()),
	 * before anything connects; to connect() the same address would mean
	 * "disconnect".
	 */
	if (msg->msg_namelen >= sizeof(sa_family_t) &&
	    ((const struct sockaddr *)msg->msg_name)->sa_family == AF_UNSPEC)
		return real.sendmsg(fd, msg, flags);
	sx_enter();
	rc = connect_decide(fd, msg->msg_name, msg->msg_namelen);
	sx_leave();
	if (rc == SX_PASS) {
		errno = saved_errno;
		return real.sendmsg(fd, msg, flags);
	}
	if (rc < 0)
		return sx_fail((int)-rc);
	memcpy(&plain, msg, sizeof(plain));
	plain.msg_name = NULL;
	plain.msg_namelen = 0;
	errno = saved_errno;
	return real.sendmsg(fd, &plain, flags & ~MSG_FASTOPEN);
}

ssize_t
fastopen_sendto(int fd, const void *buf, size_t len, int flags,
		const struct sockaddr *sa, socklen_t salen)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };
	struct msghdr msg;

	memset(&msg, 0, sizeof(msg));
	msg.msg_name = (void *)sa;
	msg.msg_namelen = sa ? salen : 0;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	return fastopen_sendmsg(fd, &msg, flags);
}

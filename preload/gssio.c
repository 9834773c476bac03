/*
 * The program's I/O on a connection with GSSAPI per-message protection
 * (see gssio.h).  Every call holds a reference on the protection for its
 * duration (conntab_hold_wrap()): a close by another thread meanwhile
 * deletes the context only after the call is over.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conntab.h"
#include "gssio.h"
#include "gsswrap.h"
#include "handshake.h"
#include "log.h"
#include "preload.h"
#include "socks5_gssapi.h"

/* The most a sendfile() copies through in one call. */
#define GSSIO_COPY_MAX (4 * GSSWRAP_CHUNK)

/*
 * A failure to unwrap (why filled): one line, and the socket shut down so
 * that the proxy sees the connection end too.
 */
static void
gssio_failed(int fd, const char *why)
{
	int saved_errno = errno;

	if (why[0] == '\0')
		return;
	log_warn("GSSAPI-protected connection (descriptor %d) closed: %s", fd, why);
	real.shutdown(fd, SHUT_RDWR);
	errno = saved_errno;
}

/* Urgent data would travel outside the protection: refused. */
static int
gssio_no_oob(int fd)
{
	log_warn("GSSAPI-protected connection (descriptor %d): urgent data "
		 "(MSG_OOB) would bypass the protection and is refused", fd);
	return sx_fail(EOPNOTSUPP);
}

ssize_t
gssio_recv(int fd, const struct iovec *iov, size_t n, int flags, bool *pass)
{
	int saved_errno = errno;
	char why[SOCKS5_GSSAPI_WHY];
	struct gsswrap *w = conntab_hold_wrap(fd);
	ssize_t rc;

	*pass = w == NULL || (flags & MSG_ERRQUEUE);
	if (*pass) {
		/* The error queue holds no stream bytes: the kernel's answer. */
		gsswrap_put(w);
		errno = saved_errno;
		return 0;
	}
	if (flags & MSG_OOB) {
		gsswrap_put(w);
		return gssio_no_oob(fd);
	}
	rc = gsswrap_recv(w, &real_sys, fd, iov, n, flags, why, sizeof(why));
	gssio_failed(fd, why);
	gsswrap_put(w);
	return sx_result(rc, saved_errno);
}

ssize_t
gssio_send(int fd, const struct iovec *iov, size_t n, int flags, bool *pass)
{
	int saved_errno = errno;
	char why[SOCKS5_GSSAPI_WHY];
	struct gsswrap *w = conntab_hold_wrap(fd);
	ssize_t rc;

	*pass = w == NULL;
	if (w == NULL)
		return 0;
	if (flags & MSG_OOB) {
		gsswrap_put(w);
		return gssio_no_oob(fd);
	}
	rc = gsswrap_send(w, &real_sys, fd, iov, n, flags, why, sizeof(why));
	if (why[0] != '\0')
		log_warn("GSSAPI-protected connection (descriptor %d): %s", fd, why);
	gsswrap_put(w);
	return sx_result(rc, saved_errno);
}

int
gssio_fionread(int fd, int *count, bool *pass)
{
	int saved_errno = errno;
	char why[SOCKS5_GSSAPI_WHY];
	struct gsswrap *w = conntab_hold_wrap(fd);
	size_t kept;

	*pass = w == NULL;
	if (w == NULL)
		return 0;
	gsswrap_pull(w, &real_sys, fd, why, sizeof(why));
	gssio_failed(fd, why);
	kept = gsswrap_kept(w);
	gsswrap_put(w);
	*count = kept > (size_t)INT32_MAX ? INT32_MAX : (int)kept;
	errno = saved_errno;
	return 0;
}

ssize_t
gssio_sendfile(int out_fd, int in_fd, off_t *offset, size_t count, bool *pass)
{
	int saved_errno = errno;
	struct gsswrap *w = conntab_hold_wrap(out_fd);
	char why[SOCKS5_GSSAPI_WHY];
	struct iovec iov;
	ssize_t got, rc;
	uint8_t *buf;

	*pass = w == NULL;
	if (w == NULL)
		return 0;
	if (count > GSSIO_COPY_MAX)
		count = GSSIO_COPY_MAX;
	buf = malloc(count > 0 ? count : 1);
	if (buf == NULL) {
		rc = -ENOMEM;
		goto out_put;
	}
	/* From the offset given (the file position stays), or from the position. */
	if (offset != NULL)
		got = pread(in_fd, buf, count, *offset);
	else
		got = real.read(in_fd, buf, count);
	if (got <= 0) {
		rc = got < 0 ? -errno : 0;
		goto out_free;
	}
	iov.iov_base = buf;
	iov.iov_len = (size_t)got;
	rc = gsswrap_send(w, &real_sys, out_fd, &iov, 1, 0, why, sizeof(why));
	if (why[0] != '\0')
		log_warn("GSSAPI-protected connection (descriptor %d): %s", out_fd, why);
	/* What was read and not taken is given back to the file. */
	if (offset != NULL && rc > 0)
		*offset += rc;
	else if (offset == NULL && rc < got)
		lseek(in_fd, (rc > 0 ? rc : 0) - got, SEEK_CUR);
out_free:
	free(buf);
out_put:
	gsswrap_put(w);
	return sx_result(rc, saved_errno);
}

void
gssio_drain(int fd)
{
	int saved_errno = errno;
	struct gsswrap *w = conntab_hold_wrap(fd);
	int64_t deadline;

	if (w == NULL)
		return;
	deadline = handshake_now_ms() + sx_cfg.timeout_ms;
	while (gsswrap_queued(w)) {
		struct pollfd p = { fd, POLLOUT, 0 };
		int64_t left = deadline - handshake_now_ms();
		int rc = gsswrap_flush(w, &real_sys, fd, MSG_DONTWAIT | MSG_NOSIGNAL);

		if (rc == 0 || (rc != -EAGAIN && rc != -EWOULDBLOCK && rc != -EINTR))
			break;
		if (left <= 0) {
			log_warn("GSSAPI-protected connection (descriptor %d): the "
				 "last wrapped message could not be sent in time", fd);
			break;
		}
		real.poll(&p, 1, (int)left);
	}
	gsswrap_put(w);
	errno = saved_errno;
}

short
gssio_ready_now(int fd, short events, bool *queued)
{
	int saved_errno = errno;
	struct gsswrap *w = conntab_hold_wrap(fd);
	char why[SOCKS5_GSSAPI_WHY];
	short ready = 0;

	*queued = false;
	if (w == NULL)
		return 0;
	why[0] = '\0';
	if (gsswrap_queued(w))
		gsswrap_flush(w, &real_sys, fd, MSG_DONTWAIT | MSG_NOSIGNAL);
	*queued = gsswrap_queued(w);
	if ((events & (POLLIN | POLLRDNORM)) &&
	    gsswrap_pull(w, &real_sys, fd, why, sizeof(why)))
		ready = (short)(events & (POLLIN | POLLRDNORM));
	gssio_failed(fd, why);
	gsswrap_put(w);
	errno = saved_errno;
	return ready;
}

short
gssio_revents(int fd, short events, short revents)
{
	int saved_errno = errno;
	struct gsswrap *w = conntab_hold_wrap(fd);
	char why[SOCKS5_GSSAPI_WHY];
	short out;

	if (w == NULL)
		return revents;
	why[0] = '\0';
	out = (short)(revents & (POLLERR | POLLHUP | POLLNVAL | POLLPRI |
				 (events & POLLRDHUP)));
	if ((revents & POLLOUT) && gsswrap_queued(w))
		gsswrap_flush(w, &real_sys, fd, MSG_DONTWAIT | MSG_NOSIGNAL);
	if ((revents & POLLOUT) && !gsswrap_queued(w))
		out |= (short)(events & (POLLOUT | POLLWRNORM));
	if ((events & (POLLIN | POLLRDNORM)) &&
	    gsswrap_pull(w, &real_sys, fd, why, sizeof(why)))
		out |= (short)(events & (POLLIN | POLLRDNORM));
	gssio_failed(fd, why);
	gsswrap_put(w);
	errno = saved_errno;
	return out;
}

ssize_t
gssio_recv_buf(int fd, void *buf, size_t len, int flags, bool *pass)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return gssio_recv(fd, &iov, 1, flags, pass);
}

ssize_t
gssio_send_buf(int fd, const void *buf, size_t len, int flags, bool *pass)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return gssio_send(fd, &iov, 1, flags, pass);
}

ssize_t
gssio_recvmsg(int fd, struct msghdr *msg, int flags, bool *pass)
{
	ssize_t rc = gssio_recv(fd, msg->msg_iov, msg->msg_iovlen, flags, pass);

	/* A stream socket names no sender and passes no ancillary data here. */
	if (!*pass && rc >= 0) {
		msg->msg_namelen = 0;
		msg->msg_controllen = 0;
		msg->msg_flags = 0;
	}
	return rc;
}

ssize_t
gssio_sendmsg(int fd, const struct msghdr *msg, int flags, bool *pass)
{
	return gssio_send(fd, msg->msg_iov, msg->msg_iovlen, flags, pass);
}

/*
 * recvmmsg() and sendmmsg() on a stream: one read or write per entry, as
 * the kernel does; the entries after the first do not wait.
 */
int
gssio_mmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
	   bool out, bool *pass)
{
	int saved_errno = errno;
	unsigned int i;
	ssize_t rc = 0;

	for (i = 0; i < vlen; i++) {
		int f = flags & ~MSG_WAITFORONE;

		if (i > 0 && (!out || (flags & MSG_WAITFORONE)))
			f |= MSG_DONTWAIT;
		if (out)
			rc = gssio_sendmsg(fd, &vec[i].msg_hdr, f, pass);
		else
			rc = gssio_recvmsg(fd, &vec[i].msg_hdr, f, pass);
		if (*pass)
			return 0;
		if (rc < 0) {
			rc = -errno;
			break;
		}
		vec[i].msg_len = (unsigned int)rc;
		/* The end of the stream fills one last entry. */
		if (rc == 0 && !out) {
			i++;
			break;
		}
	}
	if (i == 0 && rc < 0)
		return sx_fail((int)-rc);
	errno = saved_errno;
	return (int)i;
}

bool
gssio_is_wrapped(int fd)
{
	int saved_errno = errno;
	struct gsswrap *w = conntab_hold_wrap(fd);

	gsswrap_put(w);
	errno = saved_errno;
	return w != NULL;
}

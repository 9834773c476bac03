/*
 * The program's I/O on a proxied connection with GSSAPI per-message
 * protection (core/gsswrap.h): the hooks ask conntab_maybe_wrapped(fd)
 * first, one load while no connection of the process is protected, and
 * come here only when it says yes.  The calls below end as hooks do
 * (preload.h): a count with the program's errno kept, or -1 with errno
 * set.  *pass says the descriptor carries no protection after all: the
 * hook then makes its real call.
 *
 * Reads return unwrapped bytes; writes wrap; MSG_PEEK is served from the
 * unwrapped bytes kept; FIONREAD counts them; sendfile() copies through
 * (read, wrap, send); splice() is refused with EOPNOTSUPP; shutdown()
 * and close() first send what a short write left queued.  A failure to
 * unwrap writes one line naming the GSS-API status and shuts the socket
 * down: the connection fails closed.  MSG_OOB is refused with EOPNOTSUPP
 * (urgent data would bypass the protection); MSG_ERRQUEUE reads the
 * kernel's error queue as usual.
 */
#ifndef SX_GSSIO_H
#define SX_GSSIO_H

#include <poll.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

ssize_t gssio_recv(int fd, const struct iovec *iov, size_t n, int flags,
		   bool *pass);
ssize_t gssio_send(int fd, const struct iovec *iov, size_t n, int flags,
		   bool *pass);
ssize_t gssio_recv_buf(int fd, void *buf, size_t len, int flags, bool *pass);
ssize_t gssio_send_buf(int fd, const void *buf, size_t len, int flags,
		       bool *pass);
ssize_t gssio_recvmsg(int fd, struct msghdr *msg, int flags, bool *pass);
ssize_t gssio_sendmsg(int fd, const struct msghdr *msg, int flags, bool *pass);
/* recvmmsg() (out false) and sendmmsg() (out true): the entries filled. */
int gssio_mmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
	       bool out, bool *pass);
/* True when fd carries protection (checked). */
bool gssio_is_wrapped(int fd);
/* ioctl(FIONREAD): the unwrapped bytes a read returns at once. */
int gssio_fionread(int fd, int *count, bool *pass);
/* sendfile() to a protected socket: copied through, wrapped. */
ssize_t gssio_sendfile(int out_fd, int in_fd, off_t *offset, size_t count,
		       bool *pass);
/*
 * Before a shutdown() for writing or a close(): send what is queued,
 * waiting for the socket up to the configured timeout.
 */
void gssio_drain(int fd);
/*
 * Readiness, before a wait on fd for events (poll bits): sends what is
 * queued without blocking and takes in what arrived.  Returns the events
 * asked for that are ready now, and sets *queued when wrapped bytes still
 * wait to go out (the wait should watch for POLLOUT too).
 */
short gssio_ready_now(int fd, short events, bool *queued);
/* After the wait: what the program sees of fd, given revents. */
short gssio_revents(int fd, short events, short revents);

#endif

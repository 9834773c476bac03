/*
 * The _FORTIFY_SOURCE twins of the hooks.  A program built with
 * -D_FORTIFY_SOURCE (Debian builds nearly every package so) calls
 * __read_chk(), __recv_chk(), __recvfrom_chk(), __poll_chk() and
 * __ppoll_chk() instead of read(), recv(), recvfrom(), poll() and ppoll()
 * wherever the compiler knows the size of the buffer but not that the
 * length fits in it.  The C library's versions go to the kernel directly:
 * left alone they would hand the program the SOCKS header of a relayed
 * datagram, the proxy's reply on a socket still negotiating, and a
 * pending socket as writable before the proxy has answered.
 *
 * Each twin makes the C library's own check (debug/read_chk.c,
 * recv_chk.c, recvfrom_chk.c, poll_chk.c and ppoll_chk.c in glibc) and
 * fails through __chk_fail() exactly where it would, then runs the plain
 * hook, so a fortified call behaves as the plain one in every case.  The
 * plain hooks are reached through their exported names, as the program's
 * own plain calls reach them.  The other hooked functions have no twin:
 * select() and pselect() are not fortified (FD_SET's __fdelt_chk() only
 * checks a descriptor number).  The C library's other checked calls need
 * none: pread() on a socket fails with ESPIPE, readlink(), getcwd() and
 * their kind never read a socket, and the stdio ones (__fread_chk(),
 * __fgets_chk()) read through calls the C library makes internally, which
 * no preloaded library sees, fortified or not.
 *
 * A twin may run before the library's constructor (from another library's
 * constructor): it runs init first, with the program's errno kept, since
 * not every plain hook does.
 */
#undef _FORTIFY_SOURCE

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "preload.h"

/* The C library's report of a failed check: it ends the process. */
extern void __chk_fail(void) __attribute__((noreturn));

ssize_t __read_chk(int fd, void *buf, size_t len, size_t buflen);
ssize_t __recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags);
ssize_t __recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
		       struct sockaddr *sa, socklen_t *salen);
int __poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen);
int __ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *ts,
		const sigset_t *sigmask, size_t fdslen);

/* The plain hooks, resolved as the program's own calls are. */
static const struct {
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *,
			    socklen_t *);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *,
		     const sigset_t *);
} plain = { read, recv, recvfrom, poll, ppoll };

SX_EXPORT ssize_t
__read_chk(int fd, void *buf, size_t len, size_t buflen)
{
	if (len > buflen)
		__chk_fail();
	return plain.read(fd, buf, len);
}

SX_EXPORT ssize_t
__recv_chk(int fd, void *buf, size_t len, size_t buflen, int flags)
{
	if (len > buflen)
		__chk_fail();
	return plain.recv(fd, buf, len, flags);
}

SX_EXPORT ssize_t
__recvfrom_chk(int fd, void *buf, size_t len, size_t buflen, int flags,
	       struct sockaddr *sa, socklen_t *salen)
{
	if (len > buflen)
		__chk_fail();
	return plain.recvfrom(fd, buf, len, flags, sa, salen);
}

SX_EXPORT int
__poll_chk(struct pollfd *fds, nfds_t nfds, int timeout, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		__chk_fail();
	return plain.poll(fds, nfds, timeout);
}

SX_EXPORT int
__ppoll_chk(struct pollfd *fds, nfds_t nfds, const struct timespec *ts,
	    const sigset_t *sigmask, size_t fdslen)
{
	if (fdslen / sizeof(*fds) < nfds)
		__chk_fail();
	return plain.ppoll(fds, nfds, ts, sigmask);
}

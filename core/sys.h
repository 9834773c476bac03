/*
 * The I/O seam: every OS call core/ makes goes through a struct sx_sys that
 * the caller passes in.  The preload layer passes the real libc functions
 * (never its own hooks); unit tests pass fakes that script short reads,
 * EAGAIN, EINTR and garbage.
 */
#ifndef SX_SYS_H
#define SX_SYS_H

#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/types.h>

struct sx_sys {
	int (*socket)(int domain, int type, int protocol);
	int (*connect)(int fd, const struct sockaddr *sa, socklen_t len);
	int (*bind)(int fd, const struct sockaddr *sa, socklen_t len);
	int (*close)(int fd);
	ssize_t (*send)(int fd, const void *buf, size_t len, int flags);
	ssize_t (*recv)(int fd, void *buf, size_t len, int flags);
	ssize_t (*sendto)(int fd, const void *buf, size_t len, int flags,
			  const struct sockaddr *sa, socklen_t salen);
	ssize_t (*recvfrom)(int fd, void *buf, size_t len, int flags,
			    struct sockaddr *sa, socklen_t *salen);
	ssize_t (*sendmsg)(int fd, const struct msghdr *msg, int flags);
	ssize_t (*recvmsg)(int fd, struct msghdr *msg, int flags);
	int (*poll)(struct pollfd *fds, nfds_t n, int timeout);
	int (*getsockopt)(int fd, int level, int name, void *val,
			  socklen_t *len);
	int (*getsockname)(int fd, struct sockaddr *sa, socklen_t *len);
	int (*getpeername)(int fd, struct sockaddr *sa, socklen_t *len);
	int (*fcntl)(int fd, int cmd, ...);
	int (*getaddrinfo)(const char *node, const char *service,
			   const struct addrinfo *hints, struct addrinfo **res);
	void (*freeaddrinfo)(struct addrinfo *res);
	/*
	 * The blocking handshake's wait tells a signal whose handler has
	 * SA_RESTART from one without (core/handshake.c).  A table without
	 * them (a test's fake) gets a wait that any signal interrupts.
	 */
	int (*sigprocmask)(int how, const sigset_t *set, sigset_t *old);
	int (*sigpending)(sigset_t *set);
	int (*sigaction)(int sig, const struct sigaction *act,
			 struct sigaction *old);
	int (*signalfd)(int fd, const sigset_t *mask, int flags);
	/*
	 * Whether every signal handler in the process has SA_RESTART: then a
	 * signal never ends the wait, which needs none of the calls above.
	 * NULL: not known.
	 */
	bool (*signals_restart)(void);
};

#endif

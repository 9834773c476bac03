/*
 * The bodies of the receive hooks (hook_recv.c), which syscall() uses too.
 */
#ifndef SX_HOOK_RECV_H
#define SX_HOOK_RECV_H

#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

/*
 * recv_from() and recv_msg() behave as recvfrom() and recvmsg() do in
 * every respect (the guard, init, -1 and errno); recv_mmsg() expects the
 * caller to have checked the guard and run init.
 */
ssize_t recv_from(int fd, void *buf, size_t len, int flags,
		  struct sockaddr *sa, socklen_t *salen);
ssize_t recv_msg(int fd, struct msghdr *msg, int flags);
int recv_mmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
	      struct timespec *timeout);

#endif

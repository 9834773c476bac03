/*
 * The bodies of the send hooks (hook_send.c), which syscall() uses too.
 */
#ifndef SX_HOOK_SEND_H
#define SX_HOOK_SEND_H

#include <sys/socket.h>
#include <sys/types.h>

/*
 * send_to() and send_msg() behave as sendto() and sendmsg() do in every
 * respect (the guard, init, -1 and errno); send_mmsg() expects the caller
 * to have checked the guard and run init.
 */
ssize_t send_to(int fd, const void *buf, size_t len, int flags,
		const struct sockaddr *sa, socklen_t salen);
ssize_t send_msg(int fd, const struct msghdr *msg, int flags);
int send_mmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags);

#endif

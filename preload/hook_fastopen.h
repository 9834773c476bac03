/*
 * TCP Fast Open without connect() (hook_fastopen.c), as the send hooks
 * see it.
 */
#ifndef SX_HOOK_FASTOPEN_H
#define SX_HOOK_FASTOPEN_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

/* True when a send on fd with flags is a TCP Fast Open: MSG_FASTOPEN on a TCP socket. */
bool fastopen_wanted(int fd, int flags);
/*
 * sendmsg() and sendto() with MSG_FASTOPEN on a TCP socket: the connect
 * the kernel would make by itself is made through the proxy (or directly,
 * for a direct destination, with the program's own Fast Open), then the
 * data is sent.  They behave as the calls do (-1 and errno); call them
 * without the guard.
 */
ssize_t fastopen_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t fastopen_sendto(int fd, const void *buf, size_t len, int flags,
			const struct sockaddr *sa, socklen_t salen);

#endif

/*
 * connect() as its hook decides it (hook_connect.c), for the library's own
 * callers: a send with MSG_FASTOPEN (hook_fastopen.c) and syscall().
 */
#ifndef SX_HOOK_CONNECT_H
#define SX_HOOK_CONNECT_H

#include <sys/socket.h>

/*
 * With the guard held: 0, SX_PASS (tcp.h) for a destination reached
 * directly, or -errno (-EINPROGRESS for a non-blocking socket whose
 * exchange has begun).
 */
int connect_decide(int fd, const struct sockaddr *sa, socklen_t len);

#endif

/*
 * connect() as its hook decides it (hook_connect.c), for the library's own
 * callers: a send with MSG_FASTOPEN (hook_fastopen.c) and syscall(); and
 * the other hooks of that room under names of their own.
 */
#ifndef SX_HOOK_CONNECT_H
#define SX_HOOK_CONNECT_H

#include <sys/cdefs.h>
#include <sys/socket.h>

/*
 * With the guard held: 0, SX_PASS (tcp.h) for a destination reached
 * directly, or -errno (-EINPROGRESS for a non-blocking socket whose
 * exchange has begun).
 */
int connect_decide(int fd, const struct sockaddr *sa, socklen_t len);

/* getpeername() and getsockopt() under names of their own (SX_HOOK_ALIAS). */
int hook_getpeername(int fd, struct sockaddr *sa, socklen_t *len) __THROW;
int hook_getsockopt(int fd, int level, int name, void *val, socklen_t *len) __THROW;

#endif

/*
 * bind(), listen() and getsockname() under names of their own
 * (SX_HOOK_ALIAS, preload.h), for syscall().
 */
#ifndef SX_HOOK_BIND_H
#define SX_HOOK_BIND_H

#include <sys/cdefs.h>
#include <sys/socket.h>

int hook_bind(int fd, const struct sockaddr *sa, socklen_t len) __THROW;
int hook_listen(int fd, int backlog) __THROW;
int hook_getsockname(int fd, struct sockaddr *sa, socklen_t *len) __THROW;

#endif

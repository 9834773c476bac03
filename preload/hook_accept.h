/*
 * accept() and accept4() under names of their own (SX_HOOK_ALIAS,
 * preload.h), for syscall().
 */
#ifndef SX_HOOK_ACCEPT_H
#define SX_HOOK_ACCEPT_H

#include <sys/cdefs.h>
#include <sys/socket.h>

int hook_accept(int fd, struct sockaddr *sa, socklen_t *len);
int hook_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags);

#endif

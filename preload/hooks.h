/*
 * The hooks under names of their own, for the library's callers that must
 * reach this library's hook and no other (syscall(), hook_syscall.c): each
 * is a hidden alias of the exported hook of the same name, so a library
 * preloaded before ours that defines the same symbol is never called by
 * mistake.  They behave exactly as the hooks do (-1 and errno), and carry
 * the attributes the C library's declarations give the hooks (__THROW).
 */
#ifndef SX_HOOKS_H
#define SX_HOOKS_H

#include <sys/cdefs.h>
#include <sys/socket.h>

int hook_bind(int fd, const struct sockaddr *sa, socklen_t len) __THROW;
int hook_listen(int fd, int backlog) __THROW;
int hook_accept(int fd, struct sockaddr *sa, socklen_t *len);
int hook_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags);
int hook_getsockname(int fd, struct sockaddr *sa, socklen_t *len) __THROW;
int hook_getpeername(int fd, struct sockaddr *sa, socklen_t *len) __THROW;
int hook_getsockopt(int fd, int level, int name, void *val, socklen_t *len) __THROW;
int hook_close(int fd);
int hook_dup(int oldfd) __THROW;
int hook_dup2(int oldfd, int newfd) __THROW;
int hook_dup3(int oldfd, int newfd, int flags) __THROW;
int hook_close_range(unsigned int first, unsigned int last, int flags) __THROW;

/* The hidden alias of an exported hook, defined right after it. */
#define SX_HOOK_ALIAS(type, internal, params, target) \
	type internal params __attribute__((alias(#target)))

#endif

/*
 * The descriptor lifetime hooks under names of their own (SX_HOOK_ALIAS,
 * preload.h), for syscall().
 */
#ifndef SX_HOOK_FD_H
#define SX_HOOK_FD_H

#include <sys/cdefs.h>

int hook_close(int fd);
int hook_dup(int oldfd) __THROW;
int hook_dup2(int oldfd, int newfd) __THROW;
int hook_dup3(int oldfd, int newfd, int flags) __THROW;
int hook_close_range(unsigned int first, unsigned int last, int flags) __THROW;

#endif

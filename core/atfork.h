/*
 * The locks taken around fork().  A forked child has one thread: a lock
 * another thread of the parent held at the fork would stay held in the
 * child forever.  So every module whose state a child may use registers
 * its lock here once, and the library's pthread_atfork() handlers take all
 * of them before the fork (in registration order) and release them after
 * it (in reverse), in the parent and in the child alike.
 *
 * A module registers with one line at file scope, ATFORK_LOCK(name, lock):
 * a constructor that runs when the library is loaded, before any thread of
 * the program can fork.  The order of registration does not matter for
 * deadlock: no function holds two registered locks at once.
 */
#ifndef SX_ATFORK_H
#define SX_ATFORK_H

#include <pthread.h>
#include <stddef.h>

/* How many locks the registry holds. */
#define ATFORK_MAX 16

/*
 * Register lock (again: no effect).  -ENOSPC when the registry is full,
 * -EINVAL for NULL.
 */
int atfork_register(pthread_mutex_t *lock);
/* Number of registered locks. */
size_t atfork_count(void);
/* The pthread_atfork() handlers. */
void atfork_prepare(void);
void atfork_parent(void);
void atfork_child(void);

/*
 * Register a module's lock (a pthread_mutex_t with static storage) at load
 * time; name is an identifier unique in the file.
 */
#define ATFORK_LOCK(name, lock)                                       \
	__attribute__((constructor)) static void                      \
	atfork_register_##name(void)                                  \
	{                                                             \
		(void)atfork_register(&(lock));                       \
	}

#endif

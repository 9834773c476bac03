/*
 * Signal handlers as the program installs them (hook_signal.c), for the
 * blocking handshake's wait (core/handshake_wait.c): when no handler in
 * the process lacks SA_RESTART, a poll() that a signal breaks can simply
 * go on, and the wait needs no signalfd.
 */
#ifndef SX_HOOK_SIGNAL_H
#define SX_HOOK_SIGNAL_H

#include <signal.h>
#include <stdbool.h>

/*
 * True when every signal handler installed in the process has SA_RESTART
 * (ignored and default dispositions count as having it).  The first call
 * reads back, once, the handlers installed where no hook saw them.
 */
bool hook_signal_all_restart(void);
/* The C library's sigaction(), never a hook: for the struct sx_sys. */
int hook_signal_real_sigaction(int sig, const struct sigaction *act,
			       struct sigaction *old);
/* Signal sig was changed through syscall(SYS_rt_sigaction): read it back. */
void hook_signal_changed(int sig);
/* A handler may be installed where sigaction() is not hooked: not quiet. */
void hook_signal_installing(void);

/*
 * 1 while the process is known to have no signal handler at all: the
 * handlers no hook saw have been read back (hook_signal_settle()) and none
 * is installed since.  No handler can then run inside a call of this
 * thread (hook_recv.c).  Read without a lock; cleared before a handler is
 * installed.
 */
extern int hook_signal_quiet;
/* Read back, once, the handlers no hook saw (errno kept). */
void hook_signal_settle(void);

#endif

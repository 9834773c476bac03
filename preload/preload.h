/*
 * What every hook file shares: the export marker, the re-entrancy guard,
 * init, and the configuration (immutable after init, read without a lock).
 *
 * A hook is thin: guard -> init -> decide -> core -> errno.  While the
 * calling thread is inside the library (init, a real resolver call whose NSS
 * modules connect or send, our own logging), the guard sends every hooked
 * call straight to real.*.
 */
#ifndef SX_PRELOAD_H
#define SX_PRELOAD_H

#include <errno.h>
#include <stdbool.h>
#include <sys/types.h>

#include "config.h"
#include "real.h"

#define SX_EXPORT __attribute__((visibility("default")))

/*
 * A hook under a name of its own, for the library's callers that must reach
 * this library's hook and no other (syscall()): a hidden alias of the
 * exported hook, defined right after it and declared in the room's header
 * with the attributes the C library's declaration gives the hook (__THROW).
 */
#define SX_HOOK_ALIAS(type, internal, params, target) \
	type internal params __attribute__((alias(#target)))

/*
 * The answer of a hook's body (the function that decides, returning 0, a
 * count or -errno) for "not ours: let the real C library call handle it".
 */
#define SX_PASS 1

extern __thread int sx_depth __attribute__((tls_model("initial-exec")));
extern struct config sx_cfg;
/* Set once init has finished (written once, then only read). */
extern bool sx_up;

/* Init from a hook that runs before the constructor did (see sx_ready()). */
void sx_init_early(void);

/*
 * The first statement of every hook: a library whose constructor runs
 * before ours (preloaded after us, or a dependency of the program) may
 * call any hook while the real functions are not resolved yet.  After
 * init this is one load and a branch.
 */
static inline void
sx_ready(void)
{
	if (__builtin_expect(!__atomic_load_n(&sx_up, __ATOMIC_ACQUIRE), 0))
		sx_init_early();
}

/* True while this thread is already inside the library. */
static inline bool
sx_guarded(void)
{
	return sx_depth > 0;
}

static inline void
sx_enter(void)
{
	sx_depth++;
}

static inline void
sx_leave(void)
{
	sx_depth--;
}

/*
 * How a hook ends: the only place a hook writes errno.  A body answers 0 or
 * a count, or -errno; the hook returns -1 with errno set for a failure, and
 * otherwise the body's answer with the program's errno as it was
 * (sx_status() for calls that answer 0, sx_result() for counts), or fails
 * at once with sx_fail().
 */
static inline int
sx_fail(int err)
{
	errno = err;
	return -1;
}

static inline int
sx_status(long rc, int saved_errno)
{
	if (rc < 0)
		return sx_fail((int)-rc);
	errno = saved_errno;
	return 0;
}

static inline ssize_t
sx_result(ssize_t rc, int saved_errno)
{
	if (rc < 0)
		return sx_fail((int)-rc);
	errno = saved_errno;
	return rc;
}

/* Run init once (normally done by the constructor already). */
void sx_init(void);

/* "socks5h 127.0.0.1:1080": the proxy for log lines, never with credentials. */
const char *sx_proxy_label(void);

#endif

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

#include <stdbool.h>

#include "config.h"
#include "real.h"

#define SX_EXPORT __attribute__((visibility("default")))

extern __thread int sx_depth __attribute__((tls_model("initial-exec")));
extern struct config sx_cfg;

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

/* Run init once (normally done by the constructor already). */
void sx_init(void);

/* "socks5h 127.0.0.1:1080": the proxy for log lines, never with credentials. */
const char *sx_proxy_label(void);

#endif

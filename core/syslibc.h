/*
 * The OS table (sys.h) of the C library's own functions, for the programs
 * that run core/ without the preload library: socksify-check and the
 * supervisor (neither has the library preloaded, so these are the real
 * calls).  The signal members are NULL: neither program installs a signal
 * handler that a wait would have to let through (handshake_wait.c).  The
 * preload library never uses this table; it has its own (preload/real.c).
 */
#ifndef SX_SYSLIBC_H
#define SX_SYSLIBC_H

#include "sys.h"

extern const struct sx_sys syslibc;

#endif

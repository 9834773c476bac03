/*
 * The OS table (core/sys.h) the supervisor hands to core/: the C
 * library's own functions.  The supervisor runs without the library
 * preloaded, so these are the real calls.
 */
#ifndef SX_SUPSYS_H
#define SX_SUPSYS_H

#include "sys.h"

extern const struct sx_sys supsys_libc;

#endif

/*
 * The values of the simple knobs (log level, seconds, booleans, two-word
 * choices, fake address ranges): each kind's grammar, checked and stored
 * into the field of struct config that the knob's table entry names.
 * Proxy URLs and NO_PROXY lists have their own parsers (proxyurl.h,
 * noproxy.h).
 */
#ifndef SX_KNOBVAL_H
#define SX_KNOBVAL_H

#include <stddef.h>

#include "config.h"
#include "knobs.h"

/*
 * Parse v as a value of knob k into cfg.  On error fill why (worded to
 * follow the quoted value: "is not a boolean (...)") and return -EINVAL;
 * cfg is then unchanged.  -EINVAL too for a knob of another kind.
 */
int knobval_parse(const struct knobs_knob *k, const char *v, struct config *cfg,
		  char *why, size_t whylen);

#endif

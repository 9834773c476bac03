/*
 * SOCKSIFY_ISOLATE=process (core/isolate.h): the random token of this
 * process, made at init and anew in every forked child.
 */
#ifndef SX_ISOLATION_H
#define SX_ISOLATION_H

/* At init: make the token and register the fork handler, when isolated. */
void isolation_start(void);

#endif

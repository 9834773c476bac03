/*
 * The session's fake-IP map for the library (core/sessmap.h holds the
 * map file itself): every process of one socksified tree sees the same
 * names behind the same fake addresses, forked, exec'd, started after its
 * parent exited, or after all its descriptors were closed.  The first
 * process that finds no session (or a malformed one) in SOCKSIFY_SESSION
 * draws one and puts it there, so the programs it execs inherit it; the
 * supervisor of static programs does the same for the programs it runs.
 */
#ifndef SX_FAKESHM_H
#define SX_FAKESHM_H

#include "sessmap.h"

/* The environment variable that names the session. */
#define FAKESHM_ENV SESSID_ENV

/*
 * Join the session named in the environment, or start one and name it
 * there, so that the programs this process starts share its map: from the
 * library's constructor, which does nothing else (the rest of init waits
 * for the first hook), and from fakeshm_init().  Once per process.
 */
void fakeshm_session(void);

/*
 * At init, once the fake ranges are set: adopt or start the session and
 * let the map attach on first need.  -errno (with a log line) when there
 * can be no session: the caller then gives the process a map of its own.
 */
int fakeshm_init(void);

#endif

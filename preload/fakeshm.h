/*
 * The session's fake-IP map (core/fakeip.h) in shared memory, so that every
 * process of one socksified tree sees the same names behind the same fake
 * addresses: forked, exec'd, started after its parent exited, or after all
 * its descriptors were closed.
 *
 * A session is named by a random id in SOCKSIFY_SESSION ("<id>-<pid>",
 * with the pid of the process that started it): the first process that
 * finds none (or a malformed one) in its environment draws one and puts it
 * there, so the programs it execs inherit it.  The map is the file
 * /dev/shm/socksify-<id>, mode 0600, made by the first process of the
 * session that gives a name a fake address, and opened by name (then the
 * descriptor closed again) by the others on their first need.  Two
 * sessions never share a map, since their ids differ; a user other than
 * the file's owner cannot open it, and that process then fails closed:
 * its lookups fail and its fake addresses name nothing, with one log line.
 * Each process that maps the file lists its pid in it (also after fork),
 * and the pid of the process that started the session; a process that
 * makes a new session's file first removes this user's session files that
 * list no living process.  No descriptor is kept.
 */
#ifndef SX_FAKESHM_H
#define SX_FAKESHM_H

/* The environment variable that names the session. */
#define FAKESHM_ENV "SOCKSIFY_SESSION"

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

/*
 * The fake-IP map of a session in shared memory (core/fakeip.h), so that
 * every process of one socksify run sees the same names behind the same
 * fake addresses: the library's processes (preload/fakeshm.c) and the
 * supervisor of static programs alike.
 *
 * A session is named by a random id, carried in SOCKSIFY_SESSION as
 * "<id>-<pid>", with the pid of the process that started it (the caller
 * reads and sets the variable; this module only parses and draws).  The
 * map is the file /dev/shm/socksify-<id> (socksify-<id>-32 for the
 * session's 32-bit processes, which cannot share the 64-bit ones' block:
 * core/fakemap.h), mode 0600, made by the first process of the session
 * that gives a name a fake address, and opened by name (then the
 * descriptor closed again) by the others on their first need.  Two sessions never share a map, since their ids differ; a user
 * other than the file's owner cannot open it, and that process then
 * fails closed: its lookups fail and its fake addresses name nothing,
 * with one log line.  Each process that maps the file lists its pid in
 * it (also after fork), and the pid of the process that started the
 * session; a process that makes a new session's file first removes this
 * user's session files that list no living process.  No descriptor is
 * kept.  Where no file can be made, a process keeps a map of its own,
 * shared with the children it forks.
 */
#ifndef SX_SESSMAP_H
#define SX_SESSMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "sessid.h"
#include "sys.h"

/*
 * Parse a session, "<id>-<pid>": the id into id (SESSID_LEN + 1
 * bytes) and the pid into *leader.  False when malformed.
 */
bool sessmap_parse(const char *env, char *id, int32_t *leader);
/* A fresh random id into id (SESSID_LEN + 1 bytes); 0 or -errno. */
int sessmap_new_id(char *id);
/*
 * Once the fake ranges are set (fakeip_set_ranges()): use session id,
 * started by process leader, through its map file, attached on first
 * need.  sys->close closes the descriptors (the others are calls the
 * library does not hook); sys must outlive the process.
 */
void sessmap_use(const char *id, int32_t leader, const struct sx_sys *sys);
/* List a forked child in the map it uses (for pthread_atfork()). */
void sessmap_after_fork(void);

#endif

/*
 * The seccomp supervisor from the launcher's side: which programs need it
 * (a static program, into which the dynamic linker never loads the
 * library, and in enforce mode every program), and the exec of the
 * supervisor program, socksify-supervise, in the launcher's place.
 */
#ifndef WATCH_H
#define WATCH_H

#include <stdbool.h>
#include <stdnoreturn.h>
#include <sys/stat.h>

#include "elfinfo.h"

/*
 * Whether the file at path (or, for a "#!" script, its interpreter) is an
 * ELF program without an interpreter, from what elfinfo_read() found in
 * the file (known; NULL when it could not be read).  A file that cannot
 * be read as ELF counts as dynamic: the exec decides what happens to it.  Warns
 * when it is a 32-bit static program, whose network calls the
 * supervisor refuses.
 */
bool watch_is_static(const char *path, const struct elfinfo *info);

/*
 * Whether the file whose stat() is cmd is this launcher itself (socksify
 * inside socksify): it needs no supervisor of its own.
 */
bool watch_is_self(const struct stat *cmd);

/*
 * Whether this process already runs under a socksify supervisor:
 * SOCKSIFY_SUPERVISOR names a process that runs the supervisor program,
 * and this process is under a seccomp filter.  A program started here
 * then stays under that supervisor (a second could not install its
 * filter).
 */
bool watch_is_supervised(void);

/*
 * SOCKSIFY_ENFORCE as a boolean (unset or empty: false); exits 2 with one
 * line for a value that is not one.
 */
bool watch_enforce_env(void);

/*
 * Execute the supervisor for the program at path with argv; on failure
 * exit 127 or 126 with one line.
 */
noreturn void watch_exec(const char *path, char **argv, bool enforce);

#endif

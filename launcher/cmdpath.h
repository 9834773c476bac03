/*
 * The command: where it is (PATH searched as execvp searches it), whether
 * the dynamic linker will preload anything into it, and the exec.
 */
#ifndef CMDPATH_H
#define CMDPATH_H

#include <linux/limits.h>
#include <stdnoreturn.h>
#include <sys/stat.h>

struct cmdpath {
	char path[PATH_MAX];	/* the file that will be executed */
	struct stat st;		/* its status, after symbolic links */
};

/*
 * Find the file name runs as, or exit 127 (not found) or 126 (found but
 * not executable) with one line, as a shell would.
 */
void cmdpath_resolve(struct cmdpath *cp, const char *name);
/* Warn when the file is setuid, setgid or has file capabilities. */
void cmdpath_warn_privileged(const struct cmdpath *cp);
/*
 * Execute the file with argv and the environment; a file without a "#!"
 * line that the kernel cannot run goes to /bin/sh, as execvp does.  On
 * failure exit 127 (missing file or interpreter) or 126 with one line.
 */
noreturn void cmdpath_exec(const struct cmdpath *cp, char **argv);

#endif

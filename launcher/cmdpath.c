/*
 * The command to run.  The PATH search stats each candidate rather than
 * trying execve() on it, so that a command that cannot run is reported
 * before anything else happens, with the lines the shell wrapper used.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "cmdpath.h"
#include "out.h"

/* The search path when PATH is unset, as execvp uses it. */
#define CMDPATH_DEFAULT_PATH "/bin:/usr/bin"

/* A path as given, with a slash: no search. */
static void
resolve_given(struct cmdpath *cp, const char *name)
{
	size_t n = strlen(name);

	if (n >= sizeof(cp->path))
		out_die(OUT_NOT_FOUND, name, ": file name too long", (const char *)NULL);
	if (stat(name, &cp->st) != 0)
		out_die(OUT_NOT_FOUND, name, ": no such file", (const char *)NULL);
	if (S_ISDIR(cp->st.st_mode))
		out_die(OUT_CANNOT_EXEC, name, ": is a directory", (const char *)NULL);
	if (access(name, X_OK) != 0)
		out_die(OUT_CANNOT_EXEC, name, ": permission denied", (const char *)NULL);
	memcpy(cp->path, name, n + 1);
}

void
cmdpath_resolve(struct cmdpath *cp, const char *name)
{
	char denied[PATH_MAX];
	const char *path = getenv("PATH");
	size_t nlen = strlen(name);

	if (strchr(name, '/')) {
		resolve_given(cp, name);
		return;
	}
	if (!path)
		path = CMDPATH_DEFAULT_PATH;
	denied[0] = '\0';
	for (const char *p = path;; p++) {
		size_t dlen = strcspn(p, ":");

		/* An empty element means the current directory. */
		if (dlen == 0) {
			cp->path[0] = '.';
			dlen = 1;
		} else if (dlen + 1 + nlen < sizeof(cp->path)) {
			memcpy(cp->path, p, dlen);
		}
		if (dlen + 1 + nlen < sizeof(cp->path)) {
			cp->path[dlen] = '/';
			memcpy(cp->path + dlen + 1, name, nlen + 1);
			if (stat(cp->path, &cp->st) == 0 && !S_ISDIR(cp->st.st_mode)) {
				if (access(cp->path, X_OK) == 0)
					return;
				memcpy(denied, cp->path, dlen + nlen + 2);
			}
		}
		p += strcspn(p, ":");
		if (!*p)
			break;
	}
	if (denied[0])
		out_die(OUT_CANNOT_EXEC, denied, ": permission denied", (const char *)NULL);
	out_die(OUT_NOT_FOUND, name, ": command not found", (const char *)NULL);
}

void
cmdpath_warn_privileged(const struct cmdpath *cp)
{
	const char *why = NULL;

	if (cp->st.st_mode & S_ISUID)
		why = "setuid";
	else if (cp->st.st_mode & S_ISGID)
		why = "setgid";
	else if (getxattr(cp->path, "security.capability", NULL, 0) > 0)
		why = "given file capabilities";
	if (!why)
		return;
	out_line("warning: ", cp->path, " is ", why,
		 "; the dynamic linker ignores LD_PRELOAD for it, so it will probably run unproxied",
		 (const char *)NULL);
}

/* Run a file the kernel does not know how to execute as a shell script. */
static void
exec_as_script(const struct cmdpath *cp, char **argv)
{
	size_t argc = 0;
	char **sh_argv;

	while (argv[argc])
		argc++;
	sh_argv = malloc((argc + 2) * sizeof(*sh_argv));
	if (!sh_argv)
		return;
	sh_argv[0] = (char *)"/bin/sh";
	sh_argv[1] = (char *)cp->path;
	for (size_t i = 1; i <= argc; i++)
		sh_argv[i + 1] = argv[i];
	execv("/bin/sh", sh_argv);
	free(sh_argv);
}

void
cmdpath_exec(const struct cmdpath *cp, char **argv)
{
	int err;

	execve(cp->path, argv, environ);
	if (errno == ENOEXEC) {
		exec_as_script(cp, argv);
		errno = ENOEXEC;
	}
	err = errno;
	if (err == ENOENT)
		out_die(OUT_NOT_FOUND, cp->path,
			": cannot be executed: its interpreter or dynamic linker is missing",
			(const char *)NULL);
	out_die(OUT_CANNOT_EXEC, cp->path, ": cannot be executed: ", strerror(err),
		(const char *)NULL);
}

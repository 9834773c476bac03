#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfinfo.h"
#include "libpath.h"
#include "out.h"
#include "watch.h"

/* The variable the supervisor sets for the programs it watches: its pid. */
#define WATCH_ENV "SOCKSIFY_SUPERVISOR"
#define WATCH_STATUS_MAX 4096

/* The interpreter of a "#!" script at path, into interp; false when none. */
static bool
watch_script_interp(const char *path, char *interp, size_t size)
{
	char line[PATH_MAX + 3];
	ssize_t n;
	size_t i = 2, j = 0;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 3 || line[0] != '#' || line[1] != '!')
		return false;
	while (i < (size_t)n && (line[i] == ' ' || line[i] == '\t'))
		i++;
	while (i < (size_t)n && line[i] != ' ' && line[i] != '\t' &&
	       line[i] != '\n' && j + 1 < size)
		interp[j++] = line[i++];
	interp[j] = '\0';
	return j > 0 && interp[0] == '/';
}

bool
watch_is_static(const char *path, const struct elfinfo *known)
{
	char interp[PATH_MAX];
	struct elfinfo info;

	if (!known)
		return false;
	info = *known;
	if (!info.is_elf) {
		if (!watch_script_interp(path, interp, sizeof(interp)) ||
		    elfinfo_read(interp, &info) < 0 || !info.is_elf)
			return false;
	}
	if (info.has_interp)
		return false;
	if (info.elf_class != 64 || info.machine != EM_X86_64)
		out_line("warning: ", path, " is a static program for another ABI ",
			 "than x86_64: the supervisor refuses its network calls",
			 (const char *)NULL);
	return true;
}

bool
watch_is_self(const struct stat *cmd)
{
	struct stat self;

	return stat("/proc/self/exe", &self) == 0 && self.st_dev == cmd->st_dev &&
	       self.st_ino == cmd->st_ino;
}


/* Whether /proc/self/status says this process is under a seccomp filter. */
static bool
watch_has_filter(void)
{
	char buf[WATCH_STATUS_MAX];
	const char *p;
	ssize_t n;
	int fd;

	fd = open("/proc/self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strstr(buf, "\nSeccomp:\t");
	return p && p[sizeof("\nSeccomp:\t") - 1] == '2';
}

bool
watch_is_supervised(void)
{
	const char *v = getenv(WATCH_ENV);
	char link[PATH_MAX], sup[PATH_MAX], proc[64];
	size_t i;
	ssize_t n;

	if (!v || !v[0] || strlen(v) > 10 || !watch_has_filter())
		return false;
	for (i = 0; v[i]; i++)
		if (v[i] < '0' || v[i] > '9')
			return false;
	memcpy(proc, "/proc/", 6);
	memcpy(proc + 6, v, i);
	memcpy(proc + 6 + i, "/exe", sizeof("/exe"));
	n = readlink(proc, link, sizeof(link) - 1);
	if (n <= 0)
		return false;
	link[n] = '\0';
	libpath_supervisor_program(sup);
	return strcmp(link, sup) == 0;
}

bool
watch_enforce_env(void)
{
	const char *v = getenv("SOCKSIFY_ENFORCE");
	static const char *const yes[] = { "1", "yes", "on", "true" };
	static const char *const no[] = { "0", "no", "off", "false" };

	if (!v || !v[0])
		return false;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (strcasecmp(v, yes[i]) == 0)
			return true;
		if (strcasecmp(v, no[i]) == 0)
			return false;
	}
	out_die(OUT_USAGE, "SOCKSIFY_ENFORCE: \"", v, "\" is not a boolean ",
		"(1/0, yes/no, on/off, true/false)", (const char *)NULL);
}

void
watch_exec(const char *path, char **argv, bool enforce)
{
	extern char **environ;
	char sup[PATH_MAX];
	const char *preload;
	char **sargv;
	size_t argc = 0, k = 0;
	int err;

	libpath_supervisor_program(sup);
	while (argv[argc])
		argc++;
	sargv = malloc((argc + 7) * sizeof(*sargv));
	if (!sargv)
		out_die(OUT_CANNOT_EXEC, "out of memory", (const char *)NULL);
	sargv[k++] = sup;
	if (enforce)
		sargv[k++] = (char *)"--enforce";
	/*
	 * LD_PRELOAD is for the program, not for the supervisor (which the
	 * sanitizer builds link dynamically): it hands it on.
	 */
	preload = getenv("LD_PRELOAD");
	if (preload && preload[0]) {
		size_t len = strlen(preload) + 1;
		char *copy = malloc(len);

		if (!copy)
			out_die(OUT_CANNOT_EXEC, "out of memory", (const char *)NULL);
		memcpy(copy, preload, len);
		sargv[k++] = (char *)"--preload";
		sargv[k++] = copy;
		unsetenv("LD_PRELOAD");
	}
	sargv[k++] = (char *)"--";
	sargv[k++] = (char *)path;
	for (size_t i = 0; i <= argc; i++)
		sargv[k++] = argv[i];
	execve(sup, sargv, environ);
	err = errno;
	out_die(err == ENOENT ? OUT_NOT_FOUND : OUT_CANNOT_EXEC,
		"the supervisor ", sup, " cannot be executed: ", strerror(err),
		err == ENOENT ? " (run 'make' first, or reinstall socksify)" : "",
		(const char *)NULL);
}

/*
 * socksify: run a program with libsocksify.so preloaded.  The launcher
 * reads its options, puts them into the environment the library reads
 * (SOCKS_PROXY, SOCKSIFY_LOG), prepends the library to LD_PRELOAD once and
 * executes the program in its own place, so the exit status is the
 * program's.  It starts no other process and reads no file but the ones
 * it is given.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <unistd.h>

#include "cmdpath.h"
#include "help.h"
#include "libpath.h"
#include "out.h"
#include "proxyarg.h"
#include "sessid.h"
#include "watch.h"

/* What the options asked for, beyond the variables they set. */
struct opts {
	bool verbose;
	bool password_in_argv;
	bool enforce;		/* --enforce */
	bool check;			/* --check: examine the proxy, run nothing */
	const char *check_target;	/* --check-target HOST:PORT */
};

/* Set a variable for the library; a failure is out of memory. */
static void
set_var(const char *name, const char *value)
{
	if (setenv(name, value, 1) != 0)
		out_die(OUT_CANNOT_EXEC, "out of memory", (const char *)NULL);
}

/* -p URL and its spellings: the proxy, and whether it shows a password. */
static void
set_proxy(struct opts *o, const char *url)
{
	set_var("SOCKS_PROXY", url);
	if (proxyarg_has_password(url))
		o->password_in_argv = true;
}

/*
 * Read the options; the index of the command in argv (argc when there is
 * none).  Help and version exit here.
 */
static int
parse(struct opts *o, int argc, char **argv)
{
	int i = 1;

	while (i < argc) {
		const char *a = argv[i];

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			help_print();
			exit(0);
		} else if (strcmp(a, "--version") == 0) {
			help_version();
			exit(0);
		} else if (strcmp(a, "-p") == 0 || strcmp(a, "--proxy") == 0) {
			if (i + 1 >= argc)
				out_usage("option ", a, " needs a proxy URL", (const char *)NULL);
			set_proxy(o, argv[i + 1]);
			i += 2;
		} else if (strncmp(a, "-p", 2) == 0 && a[2]) {
			set_proxy(o, a + 2);
			i++;
		} else if (strncmp(a, "--proxy=", 8) == 0) {
			set_proxy(o, a + 8);
			i++;
		} else if (strcmp(a, "--proxy-file") == 0) {
			if (i + 1 >= argc)
				out_usage("option ", a, " needs a file name", (const char *)NULL);
			proxyarg_read_file(argv[i + 1]);
			i += 2;
		} else if (strncmp(a, "--proxy-file=", 13) == 0) {
			proxyarg_read_file(a + 13);
			i++;
		} else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
			set_var("SOCKSIFY_LOG", "error");
			o->verbose = false;
			i++;
		} else if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			set_var("SOCKSIFY_LOG", "debug");
			o->verbose = true;
			i++;
		} else if (strcmp(a, "--enforce") == 0) {
			o->enforce = true;
			i++;
		} else if (strcmp(a, "--check") == 0) {
			o->check = true;
			i++;
		} else if (strcmp(a, "--check-target") == 0) {
			if (i + 1 >= argc)
				out_usage("option ", a, " needs HOST:PORT", (const char *)NULL);
			o->check_target = argv[i + 1];
			i += 2;
		} else if (strncmp(a, "--check-target=", 15) == 0) {
			o->check_target = a + 15;
			i++;
		} else if (strcmp(a, "--") == 0) {
			return i + 1;
		} else if (a[0] == '-' && a[1]) {
			out_usage("unknown option: ", a, (const char *)NULL);
		} else {
			return i;
		}
	}
	return i;
}

/*
 * Are the library's warnings silenced?  Then so is the launcher's warning
 * about a password on the command line.
 */
static bool
warnings_silenced(void)
{
	const char *level = getenv("SOCKSIFY_LOG");

	if (!level)
		return false;
	return strcasecmp(level, "none") == 0 || strcasecmp(level, "error") == 0 ||
	       strcmp(level, "0") == 0 || strcmp(level, "1") == 0;
}

/*
 * --check: run socksify-check in this process's place, with the settings
 * the options made.  It needs no library and runs no command.
 */
static noreturn void
run_check(const struct opts *o)
{
	char path[PATH_MAX];
	char *check_argv[3];
	int err;

	libpath_check_program(path);
	check_argv[0] = path;
	check_argv[1] = (char *)o->check_target;
	check_argv[2] = NULL;
	execve(path, check_argv, environ);
	err = errno;
	if (err == ENOENT)
#ifdef SX_LIBEXEC
		out_die(OUT_NOT_FOUND, path, " is missing (reinstall socksify)",
			(const char *)NULL);
#else
		out_die(OUT_NOT_FOUND, path, " is missing (run 'make' first)",
			(const char *)NULL);
#endif
	out_die(OUT_CANNOT_EXEC, path, ": cannot be executed: ", strerror(err),
		(const char *)NULL);
}

/*
 * Each run is a session of its own, with its own fake-address map, even
 * inside another run: SOCKSIFY_SESSION is "<32 random hex digits>-<pid>",
 * the pid being the session's first process, this one (the command keeps
 * it across exec).  The library would draw one itself; drawing it here
 * spares every command run through socksify that work at its start.  With
 * no random bytes the variable is removed and the library tries again.
 */
static void
session_start(void)
{
	unsigned char raw[SESSID_BYTES];
	char id[SESSID_LEN + 1], value[SESSID_VALUE_MAX];

	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw)) {
		unsetenv(SESSID_ENV);
		return;
	}
	sessid_hex(id, raw);
	sessid_value(value, id, (uint32_t)getpid());
	if (setenv(SESSID_ENV, value, 1) != 0)
		unsetenv(SESSID_ENV);
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	struct libpath lp;
	struct cmdpath cp;
	struct elfinfo ei;
	const struct elfinfo *elf;
	bool supervised = false;
	int cmd;

	cmd = parse(&o, argc, argv);
	/*
	 * The command line of this process can be read by every user: a
	 * password given there has been exposed already.
	 */
	if (o.password_in_argv && !warnings_silenced())
		out_line("warning: the password in the -p URL can be read by every user ",
			 "in the process list (ps, /proc/PID/cmdline); give it with ",
			 "--proxy-file FILE or SOCKS_PROXY instead", (const char *)NULL);
	if (o.check_target && !o.check)
		out_usage("option --check-target goes with --check", (const char *)NULL);
	if (o.check && cmd < argc)
		out_usage("--check runs no command: ", argv[cmd], (const char *)NULL);
	if (o.check)
		run_check(&o);
	if (cmd >= argc)
		out_usage("no command given", (const char *)NULL);
	libpath_find(&lp);
	cmdpath_resolve(&cp, argv[cmd]);
	/*
	 * A static program runs under the supervisor (the library cannot
	 * enter it), and so does every program in enforce mode; the library
	 * is preloaded all the same, for the dynamic programs they start.
	 */
	o.enforce = o.enforce || watch_enforce_env();
	/* The command's file is read once, for both questions below. */
	elf = elfinfo_read(cp.path, &ei) == 0 ? &ei : NULL;
	if (!watch_is_self(&cp.st))
		supervised = o.enforce || watch_is_static(cp.path, elf);
	/* Under a supervisor already, the program stays under that one. */
	if (supervised && watch_is_supervised()) {
		supervised = false;
		if (o.verbose)
			out_line("already under a supervisor: ", cp.path,
				 " stays under it, with its proxy", (const char *)NULL);
	}
	if (!supervised) {
		cmdpath_warn_privileged(&cp);
		libpath_check_abi(&lp, cp.path, elf);
	}
	libpath_apply(&lp);
	session_start();
	if (o.verbose) {
		char proxy[1024];

		proxyarg_describe(proxy, sizeof(proxy));
		out_line("preloading ", lp.entry, "; proxy ", proxy,
			 supervised ? "; under the supervisor" : "", (const char *)NULL);
	}
	if (supervised)
		watch_exec(cp.path, argv + cmd, o.enforce);
	cmdpath_exec(&cp, argv + cmd);
}

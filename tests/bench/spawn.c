/*
 * spawn: the time to start and finish a program, fork+exec to exit, as the
 * start-up cost a preloaded library adds.
 *
 *   spawn [-n RUNS] [-w WARMUP] PROFILE [::: PROFILE]...
 *   PROFILE: [-e VAR=VALUE]... -- PROGRAM [ARGS...]
 *
 * Starts each profile's PROGRAM (found on PATH) WARMUP times (default 10),
 * then RUNS times (default 100) with the profiles taking turns, so a busy
 * moment of the machine falls on all of them alike.  Each run gets this
 * process's environment plus the profile's -e assignments, which this
 * process itself does not get: the library under test is never loaded into
 * the timer.  Prints one line per profile, in order:
 * "RESULT profile=K count=N median_us=M p10_us=P min_us=L", where P is the
 * 10th percentile (on a busy machine some starts wait a whole scheduler
 * tick; the low percentile leaves those out).  Fails when a run exits with
 * a status other than 0.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

#define MAX_PROFILES 16
#define MAX_SET 16

struct profile {
	char *set[MAX_SET];
	int nset;
	char **argv;		/* NULL-terminated, inside the program's argv */
	char **env;
	double *us;
};

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* environ with the assignments of set[] replacing or adding variables. */
static char **
make_env(char **set, int nset)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ[n])
		n++;
	env = calloc(n + (size_t)nset + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		size_t len = eq ? (size_t)(eq - environ[i]) + 1 : strlen(environ[i]);
		int replaced = 0;

		for (int j = 0; j < nset; j++) {
			if (strncmp(environ[i], set[j], len) == 0)
				replaced = 1;
		}
		if (!replaced)
			env[k++] = environ[i];
	}
	for (int j = 0; j < nset; j++)
		env[k++] = set[j];
	env[k] = NULL;
	return env;
}

static int
run_once(const struct profile *p)
{
	pid_t pid;
	int status, rc;

	rc = posix_spawnp(&pid, p->argv[0], NULL, NULL, p->argv, p->env);
	if (rc != 0) {
		fprintf(stderr, "spawn: %s: %s\n", p->argv[0], strerror(rc));
		return -1;
	}
	for (;;) {
		if (waitpid(pid, &status, 0) >= 0)
			break;
		if (errno != EINTR)
			return -1;
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "spawn: %s did not exit with status 0\n", p->argv[0]);
		return -1;
	}
	return 0;
}

/*
 * Profiles from argv[i..]: "-e VAR=VALUE"... "--" PROGRAM ARGS..., separated
 * by ":::" (which is overwritten with NULL to end the ARGS).  The count,
 * or -1 on a usage error.
 */
static int
parse_profiles(int argc, char **argv, int i, struct profile *ps)
{
	int np = 0;

	while (i < argc) {
		struct profile *p;

		if (np == MAX_PROFILES)
			return -1;
		p = &ps[np++];
		memset(p, 0, sizeof(*p));
		while (i < argc && strcmp(argv[i], "--") != 0) {
			if (strcmp(argv[i], "-e") != 0 || i + 1 >= argc || p->nset == MAX_SET ||
			    !strchr(argv[i + 1], '='))
				return -1;
			p->set[p->nset++] = argv[i + 1];
			i += 2;
		}
		if (i + 1 >= argc)
			return -1;
		p->argv = &argv[i + 1];
		for (i++; i < argc && strcmp(argv[i], ":::") != 0; i++)
			continue;
		if (i < argc) {
			argv[i] = NULL;
			i++;
		}
		if (!p->argv[0])
			return -1;
	}
	return np;
}

int
main(int argc, char **argv)
{
	struct profile ps[MAX_PROFILES];
	long runs = 100, warmup = 10;
	int i, np;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "-n") == 0)
			runs = atol(argv[i + 1]);
		else if (strcmp(argv[i], "-w") == 0)
			warmup = atol(argv[i + 1]);
		else
			break;
	}
	np = parse_profiles(argc, argv, i, ps);
	if (np <= 0 || runs <= 0 || runs > 100000 || warmup < 0) {
		fprintf(stderr, "usage: spawn [-n RUNS] [-w WARMUP] PROFILE [::: PROFILE]...\n"
			"  PROFILE: [-e VAR=VALUE]... -- PROGRAM [ARGS...]\n");
		return 2;
	}
	for (int k = 0; k < np; k++) {
		ps[k].env = make_env(ps[k].set, ps[k].nset);
		ps[k].us = calloc((size_t)runs, sizeof(double));
		if (!ps[k].env || !ps[k].us) {
			fprintf(stderr, "spawn: out of memory\n");
			return 1;
		}
	}
	for (long r = 0; r < warmup; r++) {
		for (int k = 0; k < np; k++) {
			if (run_once(&ps[k]) < 0)
				return 1;
		}
	}
	for (long r = 0; r < runs; r++) {
		for (int k = 0; k < np; k++) {
			double t = now_us();

			if (run_once(&ps[k]) < 0)
				return 1;
			ps[k].us[r] = now_us() - t;
		}
	}
	for (int k = 0; k < np; k++) {
		double *v = ps[k].us;

		qsort(v, (size_t)runs, sizeof(*v), cmp_double);
		printf("RESULT profile=%d count=%ld median_us=%.1f p10_us=%.1f min_us=%.1f\n",
		       k, runs, runs % 2 ? v[runs / 2] : (v[runs / 2 - 1] + v[runs / 2]) / 2,
		       v[runs / 10], v[0]);
	}
	return 0;
}

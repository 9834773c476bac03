/*
 * sxsup: run a program under the seccomp supervisor alone, the way the
 * launcher does for static programs: "sxsup CMD ARGS...".  With
 * SOCKSIFY_ENFORCE=1 the program also gets the library (SOCKSIFY_LIB) in
 * LD_PRELOAD.  The configuration comes from the environment, as the
 * library reads it; a malformed one runs nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "supervise.h"
#include "supsys.h"

int
main(int argc, char **argv)
{
	static struct config cfg;
	struct supervise_opts o = { .cfg = &cfg };
	const char *enforce = getenv("SOCKSIFY_ENFORCE");
	const char *lib = getenv("SOCKSIFY_LIB");

	if (argc < 2) {
		fprintf(stderr, "usage: sxsup COMMAND [ARGS...]\n");
		return 125;
	}
	log_set_writer(write);
	config_load(&cfg, &supsys_libc, getenv);
	log_set_level(cfg.log_level);
	if (!cfg.valid) {
		log_error("%s; %s is not run", cfg.error, argv[1]);
		return 125;
	}
	o.enforce = enforce && strcmp(enforce, "1") == 0;
	if (o.enforce) {
		if (!lib || setenv("LD_PRELOAD", lib, 1) < 0) {
			log_error("SOCKSIFY_LIB must name the library in enforce mode");
			return 125;
		}
	}
	return supervise_run(argv + 1, &o);
}

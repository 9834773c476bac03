/*
 * The supervisor program, socksify-supervise, which the
 * launcher executes for a static program and in enforce mode:
 *
 *   socksify-supervise [--enforce] [--preload LIST] -- PATH ARGV0 [ARG...]
 *
 * runs the program at PATH with the arguments ARGV0 ARG... under the
 * seccomp supervisor (supervise.h), with the configuration the library
 * reads, from the environment.  LIST is the program's LD_PRELOAD, with
 * the library in it, which the launcher hands over this way so that it
 * never loads into the supervisor itself.
 * A malformed configuration runs nothing (status 125, one line).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "supervise.h"
#include "syslibc.h"

#define SUPMAIN_EXIT_USAGE 125

int
main(int argc, char **argv)
{
	static struct config cfg;
	struct supervise_opts o = { .cfg = &cfg };
	int i = 1;

	log_set_writer(write);
	if (i < argc && strcmp(argv[i], "--enforce") == 0) {
		o.enforce = true;
		i++;
	}
	if (i + 1 < argc && strcmp(argv[i], "--preload") == 0) {
		if (setenv("LD_PRELOAD", argv[i + 1], 1) < 0) {
			log_error("out of memory");
			return SUPMAIN_EXIT_USAGE;
		}
		i += 2;
	}
	if (i < argc && strcmp(argv[i], "--") == 0)
		i++;
	if (argc - i < 2) {
		log_error("usage: socksify-supervise [--enforce] [--preload LIST] -- PATH ARGV0 [ARG...] "
			  "(socksify runs it)");
		return SUPMAIN_EXIT_USAGE;
	}
	config_load(&cfg, &syslibc, getenv);
	log_set_level(cfg.log_level);
	if (!cfg.valid) {
		log_error("%s; %s is not run", cfg.error, argv[i]);
		return SUPMAIN_EXIT_USAGE;
	}
	/*
	 * The supervisor speaks to one proxy (cfg.proxy, the first listed):
	 * a chain through several would leave from the wrong place, so it is
	 * refused; one proxy per connection (failover, round-robin) is the
	 * first, and says so.
	 */
	if (cfg.hop_count > 1 && (cfg.chain_mode == CONFIG_CHAIN_STRICT ||
				  cfg.chain_mode == CONFIG_CHAIN_DYNAMIC)) {
		log_error("the supervisor cannot go through a chain of %zu proxies "
			  "(SOCKSIFY_CHAIN=%s): %s is not run", cfg.hop_count,
			  cfg.chain_mode == CONFIG_CHAIN_STRICT ? "strict" : "dynamic",
			  argv[i]);
		return SUPMAIN_EXIT_USAGE;
	}
	if (cfg.hop_count > 1)
		log_warn("the supervisor uses only the first of the %zu proxies listed",
			 cfg.hop_count);
	return supervise_run(argv[i], argv + i + 1, &o);
}

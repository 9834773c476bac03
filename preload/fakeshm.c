/*
 * The library's side of the session's map (core/sessmap.c does the
 * rest): adopt the session its environment names, or start one and put
 * its id in the environment for the programs this process execs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakeshm.h"
#include "log.h"
#include "real.h"
#include "sessmap.h"

int
fakeshm_init(void)
{
	const char *env = getenv(FAKESHM_ENV);
	char id[SESSMAP_ID_LEN + 1];
	char value[SESSMAP_ID_LEN + 16];
	int32_t leader;
	int rc;

	if (!sessmap_parse(env, id, &leader)) {
		if (env)
			log_warn("%s: not a session; starting a new session",
				 FAKESHM_ENV);
		rc = sessmap_new_id(id);
		if (rc < 0) {
			log_error("no random session id (%s); remote DNS keeps "
				  "a map of this process and its forked children",
				  strerror(-rc));
			return rc;
		}
		leader = (int32_t)getpid();
		snprintf(value, sizeof(value), "%s-%ld", id, (long)leader);
		if (setenv(FAKESHM_ENV, value, 1) != 0) {
			log_error("cannot set %s; remote DNS keeps a map of this "
				  "process and its forked children", FAKESHM_ENV);
			return -ENOMEM;
		}
	}
	sessmap_use(id, leader, &real_sys);
	pthread_atfork(NULL, NULL, sessmap_after_fork);
	return 0;
}

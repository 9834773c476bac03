/*
 * The library's side of the session's map (core/sessmap.c does the
 * rest): adopt the session its environment names, or start one and put
 * its id in the environment for the programs this process execs.
 */
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fakeshm.h"
#include "log.h"
#include "real.h"
#include "sessmap.h"

/*
 * The session this process belongs to, decided once (fakeshm_session()):
 * its id and the process that started it, or why there is none (-errno,
 * or FAKESHM_SESSION_UNSET while undecided), and whether the environment
 * held something else.
 */
#define FAKESHM_SESSION_UNSET 1
static char fakeshm_id[SESSID_LEN + 1];
static int32_t fakeshm_leader;
static int fakeshm_session_rc = FAKESHM_SESSION_UNSET;
static bool fakeshm_env_bad;
static bool fakeshm_setenv_failed;

/*
 * Where the session goes into the environment without an allocation: a
 * plain start with the library in LD_PRELOAD (no launcher) would otherwise
 * pay for setenv()'s malloc(), the first of the process, at every start.
 * The entry and, when the variable is new, a copy of the pointer array
 * with the entry at its end live here; environ then points at the copy.
 * The C library's setenv(), putenv() and unsetenv() work on it as on any
 * array they did not allocate: they change it in place or copy it into one
 * of their own.  An environment too long for the copy takes setenv().
 */
#define FAKESHM_ENV_SLOTS 256
static char fakeshm_env_entry[sizeof(FAKESHM_ENV) + SESSID_VALUE_MAX];
static char *fakeshm_env_array[FAKESHM_ENV_SLOTS];

/*
 * Put FAKESHM_ENV=value into the environment: 0, or -ENOMEM.  Strings are
 * joined by hand: the constructor runs in every process started with the
 * library, and the C library's printf machinery is pages of code that a
 * program which never prints would not otherwise touch.
 */
static int
fakeshm_env_put(const char *value)
{
	static const char name[] = FAKESHM_ENV "=";
	size_t n = 0, vlen = strlen(value);

	if (sizeof(name) - 1 + vlen + 1 > sizeof(fakeshm_env_entry))
		return -ENOMEM;
	memcpy(fakeshm_env_entry, name, sizeof(name) - 1);
	memcpy(fakeshm_env_entry + sizeof(name) - 1, value, vlen + 1);
	for (; environ && environ[n]; n++) {
		if (strncmp(environ[n], name, sizeof(name) - 1) == 0) {
			environ[n] = fakeshm_env_entry;
			return 0;
		}
	}
	if (n + 2 > FAKESHM_ENV_SLOTS)
		return setenv(FAKESHM_ENV, value, 1) == 0 ? 0 : -ENOMEM;
	if (n > 0)
		memcpy(fakeshm_env_array, environ, n * sizeof(*environ));
	fakeshm_env_array[n] = fakeshm_env_entry;
	fakeshm_env_array[n + 1] = NULL;
	environ = fakeshm_env_array;
	return 0;
}

void
fakeshm_session(void)
{
	const char *env;
	char value[SESSID_VALUE_MAX];
	int rc;

	if (fakeshm_session_rc != FAKESHM_SESSION_UNSET)
		return;
	env = getenv(FAKESHM_ENV);
	if (sessmap_parse(env, fakeshm_id, &fakeshm_leader)) {
		fakeshm_session_rc = 0;
		return;
	}
	fakeshm_env_bad = env != NULL;
	rc = sessmap_new_id(fakeshm_id);
	if (rc == 0) {
		fakeshm_leader = (int32_t)getpid();
		sessid_value(value, fakeshm_id, (uint32_t)fakeshm_leader);
		if (fakeshm_env_put(value) < 0) {
			fakeshm_setenv_failed = true;
			rc = -ENOMEM;
		}
	}
	fakeshm_session_rc = rc;
}

int
fakeshm_init(void)
{
	fakeshm_session();
	if (fakeshm_env_bad)
		log_warn("%s: not a session; starting a new session", FAKESHM_ENV);
	if (fakeshm_setenv_failed) {
		log_error("cannot set %s; remote DNS keeps a map of this "
			  "process and its forked children", FAKESHM_ENV);
		return -ENOMEM;
	}
	if (fakeshm_session_rc < 0) {
		log_error("no random session id (%s); remote DNS keeps "
			  "a map of this process and its forked children",
			  strerror(-fakeshm_session_rc));
		return fakeshm_session_rc;
	}
	sessmap_use(fakeshm_id, fakeshm_leader, &real_sys);
	pthread_atfork(NULL, NULL, sessmap_after_fork);
	return 0;
}

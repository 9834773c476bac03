/*
 * The isolation token's random source: getrandom() at init and in the
 * forked child (pthread_atfork()), so that a child never shares its
 * parent's circuits.  An exec'd program makes its own at its init.  When
 * the kernel gives no random bytes the token is dropped and the process's
 * connections through the proxy fail, with one line saying why: never
 * sharing a token is the point.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/random.h>

#include "isolate.h"
#include "isolation.h"
#include "log.h"
#include "preload.h"

static void
isolation_renew(void)
{
	int saved_errno = errno;
	uint8_t raw[ISOLATE_RANDOM_BYTES];
	ssize_t got;

	do
		got = getrandom(raw, sizeof(raw), 0);
	while (got < 0 && errno == EINTR);
	if (got == (ssize_t)sizeof(raw)) {
		isolate_set_token(raw, sizeof(raw));
	} else {
		isolate_clear();
		log_error("no random bytes for the isolation token (%s): "
			  "connections through the proxy will fail",
			  got < 0 ? strerror(errno) : "short read");
	}
	explicit_bzero(raw, sizeof(raw));
	errno = saved_errno;
}

void
isolation_start(void)
{
	if (!sx_cfg.valid || !sx_cfg.proxy.isolate)
		return;
	isolation_renew();
	pthread_atfork(NULL, NULL, isolation_renew);
	log_debug("stream isolation: SOCKS5 user %s with a password of this "
		  "process's own", ISOLATE_USER);
}

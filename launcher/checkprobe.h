/*
 * The probes of "socksify --check": each opens its own connection to the
 * proxy, does one thing (connect, offer one method, run one exchange
 * through core/handshake.c) within a deadline, closes it and says what
 * happened.  They use the real C library (core/syslibc.h); nothing here is
 * preloaded anywhere.
 */
#ifndef CHECKPROBE_H
#define CHECKPROBE_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "sx.h"
#include "sys.h"

struct checkprobe_result {
	int rc;			/* 0, or the -errno of the failure */
	int state;		/* an exchange: the HS_* step it ended in (failed or waited in) */
	bool reached;		/* the proxy's TCP port answered */
	bool answered;		/* an exchange: the proxy answered the request itself */
	int64_t us;		/* how long it took, in microseconds */
	char why[200];		/* with rc < 0: why, one line, never a secret */
	struct sx_endpoint bnd;	/* an exchange: the address of the reply */
};

/* The C library's functions, for core/. */

/* Open a TCP connection to the proxy and close it. */
void checkprobe_reach(const struct config *cfg, int timeout_ms,
		      struct checkprobe_result *r);
/*
 * SOCKS5: offer the one method (none, or user and password) and read the
 * proxy's choice into *method (SOCKS5_METHOD_UNACCEPTABLE for a refusal).
 */
void checkprobe_method(const struct config *cfg, uint8_t offer, int timeout_ms,
		       uint8_t *method, struct checkprobe_result *r);
/* Run one exchange for cmd to dst (up to the proxy's first reply). */
void checkprobe_exchange(const struct config *cfg, uint8_t cmd,
			 const struct sx_endpoint *dst, bool pipeline,
			 int timeout_ms, struct checkprobe_result *r);

#endif

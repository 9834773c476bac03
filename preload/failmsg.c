/*
 * Why an exchange with the proxy failed, in one line: it timed out (and,
 * for a pipelined handshake, that the proxy may drop pipelined requests),
 * the proxy could not be reached, or the proxy refused (in its own words,
 * from the codec's table).  Connections, BIND and UDP all say it this way.
 */
#include <errno.h>
#include <string.h>

#include "failmsg.h"
#include "log.h"
#include "preload.h"

void
failmsg_log(const char *prefix, const struct sx_endpoint *dst,
	    const struct handshake *hs, int rc, const char *silence,
	    const char *refusal)
{
	char where[300];

	sx_endpoint_format(dst, where, sizeof(where));
	/*
	 * Some servers (microsocks) answer a pipelined greeting and drop the
	 * request that came with it: say so, since resending on the same
	 * connection is never safe.  By default the probe finds them before
	 * the timeout, unless the proxy once answered pipelined requests, or
	 * SOCKSIFY_PIPELINE=1 forces pipelining.
	 */
	if (rc == -ETIMEDOUT && hs && hs->pipeline &&
	    (hs->state == HS_RECV_AUTH || hs->state == HS_RECV_REPLY))
		log_warn("%s%s via %s: the proxy answered the greeting but not the "
			 "pipelined request within the timeout; it may not accept "
			 "pipelining (SOCKSIFY_PIPELINE=0 turns it off)", prefix,
			 where, sx_proxy_label());
	else if (rc == -ETIMEDOUT && (!hs || hs->state != HS_FAILED))
		log_warn("%s%s via %s: %s within the timeout", prefix, where,
			 sx_proxy_label(), silence);
	else if (!hs || !hs->proxy_reached)
		log_warn("%s%s via %s: cannot connect to the proxy: %s", prefix,
			 where, sx_proxy_label(), strerror(-rc));
	else
		log_warn("%s%s via %s: %s%s", prefix, where, sx_proxy_label(),
			 refusal, handshake_reason(hs));
}

/*
 * Why an exchange with the proxy failed, in one line: it timed out (and,
 * for a pipelined handshake, that the proxy may drop pipelined requests),
 * the proxy could not be reached, or the proxy refused (in its own words,
 * from the codec's table).  Connections, BIND and UDP all say it this way.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "chain.h"
#include "failmsg.h"
#include "log.h"
#include "preload.h"

void
failmsg_log(const char *prefix, const struct sx_endpoint *dst,
	    const struct handshake *hs, int rc, const char *silence,
	    const char *refusal)
{
	char where[300], label[300], via[640];

	sx_endpoint_format(dst, where, sizeof(where));
	/* The proxy spoken to, and its place when the attempt has several. */
	if (hs && hs->proxy) {
		chain_hop_label(hs->proxy, label, sizeof(label));
		if (hs->hop_count > 1 && hs->hop_pos + 1 < hs->hop_count)
			snprintf(via, sizeof(via), "%s (hop %u of %u, asked for the next "
				 "hop, %s:%u)", label, hs->hop_pos + 1u,
				 (unsigned)hs->hop_count, hs->hops[hs->hop_pos + 1]->host,
				 (unsigned)hs->hops[hs->hop_pos + 1]->port);
		else if (hs->hop_count > 1)
			snprintf(via, sizeof(via), "%s (hop %u of %u)", label,
				 hs->hop_pos + 1u, (unsigned)hs->hop_count);
		else
			snprintf(via, sizeof(via), "%s", label);
	} else {
		snprintf(via, sizeof(via), "%s", sx_proxy_label());
	}
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
			 "pipelining (SOCKSIFY_PIPELINE=0 turns it off)", prefix, where,
			 via);
	else if (rc == -ETIMEDOUT && (!hs || hs->state != HS_FAILED))
		log_warn("%s%s via %s: %s within the timeout", prefix, where,
			 via, silence);
	else if (!hs || !hs->proxy_reached)
		log_warn("%s%s via %s: cannot connect to the proxy: %s", prefix,
			 where, via, strerror(-rc));
	else
		log_warn("%s%s via %s: %s%s", prefix, where, via,
			 refusal, handshake_reason(hs));
}

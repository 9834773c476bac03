/*
 * Pipelining by default: the probe that watches a pipelined handshake for
 * a proxy that answers the greeting and drops the request, and the
 * lock-step restart after it.  The timing itself is in handshake.c, where
 * the step arms the probe when the greeting's answer is in and says
 * SX_WANT_LOCKSTEP when the window has passed without a reply.
 */
#include <string.h>

#include "handshake.h"

void
handshake_probe(struct handshake *hs, int timeout_ms)
{
	if (!hs->pipeline)
		return;
	hs->probe = true;
	hs->window_cap_ms = timeout_ms / 2;
}

/*
 * The same proxy address (an IPv4 proxy may be v4-mapped for this socket),
 * destination and command, lock-step; the window stays, to judge the
 * retry's reply by.
 */
void
handshake_restart_lockstep(struct handshake *hs)
{
	struct sx_endpoint dst = hs->dst;
	struct sockaddr_storage addr;
	socklen_t addrlen = hs->proxy_addrlen;
	int window = hs->window_ms;

	memcpy(&addr, &hs->proxy_addr, sizeof(addr));
	handshake_init(hs, hs->proxy, hs->cmd, &dst, false);
	memcpy(&hs->proxy_addr, &addr, sizeof(addr));
	hs->proxy_addrlen = addrlen;
	hs->lockstep_retry = true;
	hs->window_ms = window;
}

/*
 * Pipelining by default: which hops pipeline and which are probed, the
 * probe that watches a pipelined handshake for a proxy that answers the
 * greeting and drops the request, and the lock-step restart after it.
 * The timing itself is in handshake.c, where the step arms the probe when
 * the greeting's answer is in and says SX_WANT_LOCKSTEP when the window
 * has passed without a reply.
 */
#include <string.h>

#include "handshake.h"

void
handshake_pipelining(struct handshake *hs, uint8_t pipeline_hops,
		     uint8_t probe_hops, int timeout_ms)
{
	hs->pipeline_hops = pipeline_hops;
	hs->probe_hops = probe_hops;
	hs->window_cap_ms = timeout_ms / 2;
	hs->took_hops = 0;
	hs->took = hs->drops = hs->lockstep_retry = false;
}

/* Every hop that pipelines is probed. */
void
handshake_probe(struct handshake *hs, int timeout_ms)
{
	hs->window_cap_ms = timeout_ms / 2;
	hs->probe_hops = hs->pipeline_hops;
	hs->probe = hs->pipeline;
}

/*
 * The same route from its first hop, to the same first proxy address (an
 * IPv4 proxy may be v4-mapped for this socket), destination and command,
 * with the hop that dropped the request lock-step; the window stays, to
 * judge the retry's reply by.
 */
void
handshake_restart_lockstep(struct handshake *hs)
{
	struct sockaddr_storage addr;
	socklen_t addrlen = hs->proxy_addrlen;

	memcpy(&addr, &hs->proxy_addr, sizeof(addr));
	hs->lockstep_pos = hs->hop_pos;
	hs->pipeline_hops &= (uint8_t)~(1u << hs->hop_pos);
	hs->probe_hops &= (uint8_t)~(1u << hs->hop_pos);
	handshake_set_route(hs, hs->hops, hs->hop_count);
	memcpy(&hs->proxy_addr, &addr, sizeof(addr));
	hs->proxy_addrlen = addrlen;
	hs->lockstep_retry = true;
}

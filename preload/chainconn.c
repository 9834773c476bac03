/*
 * The attempts of one proxied TCP connection (chainconn.h).  The plan
 * (core/chain.c) gives the route of each attempt; the time of the whole
 * set-up, SOCKSIFY_TIMEOUT from the connect() on, is shared out at the
 * start of each attempt: an equal part of what is left for this attempt
 * and each that may still follow, so that a proxy that accepts the TCP
 * connection and never answers costs one share, not the whole budget.
 *
 * A failed attempt that found a hop down (chain_down_place()) marks it
 * down for CHAIN_DOWN_HOLD_MS, says so in one line naming the hop, and
 * when the plan has another route, the program's descriptor gets a fresh
 * socket (nothing more reaches the proxies of the failed attempt) and the
 * next attempt starts on it.  Any other failure ends the connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chain.h"
#include "chainconn.h"
#include "epwatch.h"
#include "failmsg.h"
#include "fdident.h"
#include "log.h"
#include "pipefile.h"
#include "preload.h"
#include "tcp.h"
#include "tcpsock.h"

/*
 * The first hop's address as a socket of family `family` can reach it: an
 * IPv4 proxy from an IPv6 socket becomes v4-mapped.  -EAFNOSUPPORT when an
 * IPv4 socket would need an IPv6 proxy.
 */
static int
chainconn_addr_for_family(struct handshake *hs, int family)
{
	struct sockaddr_in6 mapped;
	const struct sockaddr_in *sin;

	if (hs->proxy_addr.ss_family == family)
		return 0;
	if (family == AF_INET)
		return -EAFNOSUPPORT;
	sin = (const struct sockaddr_in *)&hs->proxy_addr;
	memset(&mapped, 0, sizeof(mapped));
	mapped.sin6_family = AF_INET6;
	mapped.sin6_port = sin->sin_port;
	mapped.sin6_addr.s6_addr[10] = 0xff;
	mapped.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&mapped.sin6_addr.s6_addr[12], &sin->sin_addr, 4);
	memcpy(&hs->proxy_addr, &mapped, sizeof(mapped));
	hs->proxy_addrlen = sizeof(mapped);
	return 0;
}

/* Make hs's next attempt the plan's next route, with its share of time. */
static bool
chainconn_next_route(struct handshake *hs)
{
	const struct config_proxy *hops[CONFIG_MAX_HOPS];
	int64_t now = handshake_now_ms();
	uint8_t pipeline = 0, probe = 0;

	if (now >= hs->deadline_ms || !chain_plan_next(&hs->plan, &hs->route))
		return false;
	for (size_t i = 0; i < hs->route.len; i++) {
		bool watch;

		hops[i] = chain_hop(&sx_cfg, hs->route.hop[i]);
		/* Pipelining is decided hop by hop, as for a single proxy. */
		if (pipefile_pipelines(hops[i], sx_cfg.pipeline, &watch)) {
			pipeline |= (uint8_t)(1u << i);
			if (watch)
				probe |= (uint8_t)(1u << i);
		}
	}
	hs->attempt_deadline_ms = chain_attempt_deadline(now, hs->deadline_ms,
							 chain_plan_left(&hs->plan));
	handshake_pipelining(hs, pipeline, probe,
			     (int)(hs->attempt_deadline_ms - now));
	handshake_set_route(hs, hops, hs->route.len);
	return true;
}

/* Fit the first hop's address to fd's socket, which may become IPv6. */
static int
chainconn_fit(int fd, struct handshake *hs, int family, int flags)
{
	char label[300];
	int rc;

	if (hs->proxy_addrlen == 0) {
		chain_hop_label(hs->proxy, label, sizeof(label));
		log_warn("%s: the proxy's host name did not resolve here", label);
		return -EHOSTUNREACH;
	}
	rc = chainconn_addr_for_family(hs, family);
	if (rc == 0)
		return 0;
	rc = tcpsock_to_inet6(fd, flags);
	if (rc < 0)
		return rc;
	return chainconn_addr_for_family(hs, AF_INET6);
}

int
chainconn_begin(int fd, struct handshake *hs, int family, int flags)
{
	int64_t now = handshake_now_ms();

	hs->deadline_ms = now + sx_cfg.timeout_ms;
	chain_plan_start(&hs->plan, &sx_cfg, now);
	if (!chainconn_next_route(hs))
		return -ENETUNREACH;
	return chainconn_fit(fd, hs, family, flags);
}

const char *
chainconn_via(const struct handshake *hs, char *buf, size_t cap)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < hs->hop_count && n < cap; i++) {
		char label[300];
		int w;

		chain_hop_label(hs->hops[i], label, sizeof(label));
		w = snprintf(buf + n, cap - n, "%s%s", i > 0 ? " > " : "", label);
		if (w < 0)
			break;
		n += (size_t)w;
	}
	return buf;
}

/*
 * hs's attempt failed with rc: when it found a hop down, mark it, and when
 * the plan has another route, give fd a fresh socket (*renewed set) and
 * start that route on it.  True when another attempt is ready.
 */
static bool
chainconn_retry(int fd, struct handshake *hs, int rc, bool *renewed)
{
	struct chain_failure f;
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	char label[300];
	uint8_t hop;
	int place, flags;

	if (rc == -EINTR || sx_cfg.hop_count <= 1 ||
	    sx_cfg.chain_mode == CONFIG_CHAIN_STRICT)
		return false;
	memset(&f, 0, sizeof(f));
	f.pos = hs->hop_pos;
	f.len = hs->hop_count;
	f.reached = hs->proxy_reached;
	f.answered = hs->hop_answered;
	f.refused = hs->greeting_refused;
	place = chain_down_place(&f);
	if (place < 0 || place >= hs->hop_count)
		return false;
	hop = hs->route.hop[place];
	chain_mark_down(hop, handshake_now_ms());
	chain_plan_drop(&hs->plan, hop);
	if (chain_plan_more(&hs->plan))
		failmsg_log("", &hs->dst, hs, rc, "no answer from the proxy", "");
	chain_hop_label(&sx_cfg.hops[hop], label, sizeof(label));
	log_warn("proxy %u of %zu (%s) is down: skipped for %d s", hop + 1u,
		 sx_cfg.hop_count, label, CHAIN_DOWN_HOLD_MS / 1000);
	/* A fresh socket first: a failure leaves the failed attempt to report. */
	flags = real.fcntl(fd, F_GETFL);
	if (!chain_plan_more(&hs->plan) || handshake_now_ms() >= hs->deadline_ms ||
	    flags < 0 || real.getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0 ||
	    tcpsock_fresh(fd) < 0)
		return false;
	*renewed = true;
	return chainconn_next_route(hs) &&
	       chainconn_fit(fd, hs, ss.ss_family, flags) == 0;
}

/*
 * A hop answered the pipelined greeting of hs and not the request: the
 * attempt starts over on a fresh socket under fd with that hop lock-step.
 * Nothing is sent again on the old connection, where the proxy holds what
 * it swallowed.  0 or -errno.
 */
static int
chainconn_lockstep(int fd, struct handshake *hs, bool *renewed)
{
	int rc;

	if (log_enabled(LOG_LEVEL_DEBUG)) {
		char dst[300], label[300];

		sx_endpoint_format(&hs->dst, dst, sizeof(dst));
		chain_hop_label(hs->proxy, label, sizeof(label));
		log_debug("%s via %s: no reply to the pipelined request within %d ms; "
			  "again lock-step on a new connection", dst, label,
			  hs->window_ms);
	}
	rc = tcpsock_fresh(fd);
	if (rc < 0)
		return rc;
	*renewed = true;
	handshake_restart_lockstep(hs);
	return 0;
}

/* The attempt succeeded: the hops of its route are up. */
static void
chainconn_done(const struct handshake *hs)
{
	for (size_t i = 0; i < hs->route.len; i++)
		chain_mark_up(hs->route.hop[i]);
}

int
chainconn_step(int fd, struct handshake *hs, bool *renewed)
{
	int rc;

	for (;;) {
		rc = handshake_step(hs, &real_sys, fd);
		if (rc == SX_WANT_LOCKSTEP) {
			rc = chainconn_lockstep(fd, hs, renewed);
			if (rc == 0)
				continue;
		}
		if (rc > 0 && handshake_now_ms() >= hs->attempt_deadline_ms)
			rc = -ETIMEDOUT;
		if (rc == SX_DONE)
			chainconn_done(hs);
		if (rc >= 0 || !chainconn_retry(fd, hs, rc, renewed))
			return rc;
	}
}

int
chainconn_drive(int fd, struct handshake *hs, bool *renewed)
{
	int rc;

	for (;;) {
		rc = handshake_drive(hs, &real_sys, fd, hs->attempt_deadline_ms);
		if (rc == SX_WANT_LOCKSTEP) {
			rc = chainconn_lockstep(fd, hs, renewed);
			if (rc == 0)
				continue;
		}
		if (rc == 0)
			chainconn_done(hs);
		if (rc >= 0 || !chainconn_retry(fd, hs, rc, renewed))
			return rc;
	}
}

struct handshake *
chainconn_rerecord(int fd, struct handshake *hs, const struct conntab_info *info)
{
	struct handshake *moved = malloc(sizeof(*moved));
	uint32_t events = info->ep_events;
	uint64_t data = info->ep_data;
	int epfd = info->epfd;
	struct conntab_info now;

	/*
	 * The entry was the old socket's: its ends fail (a copy of the
	 * descriptor made before the renewal still stands for it; hs is
	 * freed), and fd gets an entry of its own with a copy of hs.
	 */
	if (moved)
		memcpy(moved, hs, sizeof(*moved));
	conntab_put_handshake(fd, hs, -ECONNABORTED);
	conntab_remove(fd);
	/* The new entry is keyed to the new socket, not to the one pinned. */
	fdident_renewed(fd);
	if (!moved || conntab_set_pending(fd, (const struct sockaddr *)&info->peer,
					  info->peerlen, moved, SX_WANT_WRITE,
					  info->orig_flags,
					  moved->attempt_deadline_ms) < 0) {
		real.shutdown(fd, SHUT_RDWR);
		return NULL;
	}
	if (epfd >= 0 || epwatch_get(fd, &epfd, &events, &data)) {
		conntab_set_epoll(fd, epfd, events, data);
		if (conntab_get(fd, &now))
			tcp_steer_epoll(fd, &now, now.state, now.want);
	}
	/* Taken out again, as the caller had it. */
	return conntab_take_handshake(fd);
}

/*
 * The proxy client handshake as a resumable state machine: the TCP connect
 * to the proxy, then the steps of the proxy's kind (proxykind.h: SOCKS4/4a,
 * or SOCKS5 with RFC 1929 authentication) up to the proxy's reply.
 * handshake_step() never blocks (it sends and receives with MSG_DONTWAIT;
 * only its first step, the connect(), needs a non-blocking socket): it
 * returns what it waits for, so one implementation serves the blocking
 * driver (handshake_wait.c) and drivers that resume it from readiness
 * events.  All I/O goes through the struct sx_sys passed in.  A struct
 * handshake is owned by one caller at a time and needs no lock.
 */
#ifndef SX_HANDSHAKE_H
#define SX_HANDSHAKE_H

#include <stdbool.h>
#include <stdint.h>

#include "chain.h"
#include "config.h"
#include "proxykind.h"
#include "socks5.h"
#include "socks5_gssapi.h"
#include "sx.h"
#include "sys.h"

enum hs_state {
	HS_CONNECT_PROXY,	/* start the TCP connect to the proxy */
	HS_SEND_GREETING,	/* greeting (pipelined: with auth and request) */
	HS_RECV_METHOD,		/* the answer to the greeting (SOCKS5: the method) */
	HS_GSSAPI,		/* the GSSAPI exchange (RFC 1961, socks5_gssapi.c) */
	HS_SEND_AUTH,		/* authentication (RFC 1929 user name and password) */
	HS_RECV_AUTH,		/* its status */
	HS_SEND_REQUEST,	/* the request (CONNECT, BIND, UDP ASSOCIATE) */
	HS_RECV_REPLY,		/* the reply to the request */
	HS_RECV_SECOND_REPLY,	/* BIND: the reply that names the connecting peer */
	HS_DONE,
	HS_FAILED,
};

/*
 * Room for a pipelined greeting (3), authentication (513) and request
 * (262), or for an HTTP CONNECT request (HTTPCONNECT_REQUEST_MAX).
 */
#define HS_OUT_MAX 1280

/*
 * The probe's window (handshake_probe()): how long the reply to a pipelined
 * request may lag the answer to the greeting before the proxy is presumed
 * to have dropped the request.  HS_PROBE_MIN_MS, or HS_PROBE_RTT_TIMES
 * round trips of the greeting when that is longer, and never more than
 * half the timeout, so that the lock-step retry has the other half.
 */
#define HS_PROBE_MIN_MS 800
#define HS_PROBE_RTT_TIMES 4

struct handshake {
	int state;
	int error;			/* -errno once HS_FAILED */
	uint8_t cmd;			/* SOCKS5_CMD_* (SOCKS4 uses the same numbers) */
	bool pipeline;
	bool auth_pending;		/* pipelined: an auth reply is still to come */
	bool proxy_reached;		/* the first bytes went out */
	bool connect_started;		/* connect() to the proxy is under way */
	bool probe;			/* pipelined by default: look for a dropped request */
	bool lockstep_retry;		/* the lock-step exchange after a dropped one */
	bool drops;			/* done: the retry showed the proxy drops pipelined requests */
	bool took;			/* probe: the proxy answered the pipelined request */
	int window_ms;			/* probe, retry: the window (HS_PROBE_*) */
	int window_cap_ms;		/* probe: at most this window */
	int64_t mark_ms;		/* probe: greeting sent; retry: request sent */
	int64_t due_ms;			/* probe: a missing reply means dropped from then (0: not armed) */
	const struct config_proxy *proxy;
	const struct proxykind *kind;	/* the proxy's kind: its steps */
	struct sockaddr_storage proxy_addr;	/* where to connect (may be v4-mapped) */
	socklen_t proxy_addrlen;
	struct sx_endpoint dst;
	uint8_t out[HS_OUT_MAX];
	uint16_t out_len, out_off;
	uint8_t in[SOCKS5_REPLY_MAX + 4];
	uint16_t in_len;
	uint8_t rep;			/* the proxy's reply code when it refused */
	const char *reason;		/* static text saying why it failed */
	struct sx_endpoint bnd;		/* BND of the (last) reply */
	struct socks5_gssapi *gss;	/* during HS_GSSAPI only */
	struct gsswrap *wrap;		/* GSSAPI protection from the request on */
	char gss_why[SOCKS5_GSSAPI_WHY];	/* why the GSSAPI exchange failed */
	struct proxykind_scan scan;	/* a scanned reply so far (HTTP) */
	/*
	 * A chain: one attempt goes through hops[0..hop_count) over the one
	 * socket.  The hop spoken to (hop_pos, hs->proxy) is asked for a
	 * CONNECT to the next hop (hop_dst); only the last gets cmd and dst.
	 */
	const struct config_proxy *hops[CONFIG_MAX_HOPS];
	uint8_t hop_count;
	uint8_t hop_pos;
	bool hop_answered;		/* the hop spoken to answered at least once */
	bool greeting_refused;		/* it refused the greeting or the password */
	uint8_t pipeline_hops;		/* bit per place in the route: that hop pipelines */
	uint8_t probe_hops;		/* bit per place: that hop's pipelining is probed */
	uint8_t took_hops;		/* bit per place: it answered a pipelined request */
	uint8_t lockstep_pos;		/* retry: the place of the hop that dropped one */
	struct sx_endpoint hop_dst;
	/* The connection's attempts, for the caller that retries (chain.h). */
	struct chain_plan plan;
	struct chain_route route;
	int64_t deadline_ms;		/* the whole set-up's, over every attempt */
	int64_t attempt_deadline_ms;	/* this attempt's share of it */
};

/*
 * Prepare a handshake for cmd to dst through proxy (proxy must outlive hs).
 * The proxy's address is copied into hs->proxy_addr, where the caller may
 * rewrite it (an IPv4 proxy seen from an IPv6 socket is v4-mapped).
 */
void handshake_init(struct handshake *hs, const struct config_proxy *proxy,
		    uint8_t cmd, const struct sx_endpoint *dst, bool pipeline);
/*
 * Make the next attempt go through hops[0..n) (n at least 1, each
 * outliving hs), from the TCP connect to hops[0] on, keeping the command,
 * the destination and the plan; hs->proxy_addr is hops[0]'s address.
 */
void handshake_set_route(struct handshake *hs,
			 const struct config_proxy *const *hops, size_t n);
/*
 * The pipelining of the next route (handshake_set_route()): bit i of
 * pipeline_hops makes the hop at place i pipeline (when its kind can), of
 * probe_hops watch it for a dropped request, with windows of at most
 * timeout_ms / 2.  What the last route's probe learnt is forgotten.
 */
void handshake_pipelining(struct handshake *hs, uint8_t pipeline_hops,
			  uint8_t probe_hops, int timeout_ms);
/*
 * Watch a pipelined handshake for a proxy that answers the greeting and
 * drops the request (microsocks): once the greeting's answer is in, a reply
 * that has not begun within the window (HS_PROBE_*, at most timeout_ms / 2)
 * makes handshake_step() return SX_WANT_LOCKSTEP.  No effect on a handshake
 * that is not pipelined.
 */
void handshake_probe(struct handshake *hs, int timeout_ms);
/*
 * After SX_WANT_LOCKSTEP, with fd given a fresh socket by the caller:
 * start over, to the same proxy address and destination, with the hop
 * that dropped the request lock-step (the others of a chain as before).  Once
 * its reply is in (success or refusal), hs->drops says whether it came within the window,
 * that is, whether the proxy drops pipelined requests (a reply slower than
 * the window says that the destination is slow, and nothing about the
 * proxy).
 */
void handshake_restart_lockstep(struct handshake *hs);
/*
 * When the handshake wants to be stepped again whatever fd does: the probe's
 * due time while it is armed, else deadline_ms.
 */
int64_t handshake_wake_ms(const struct handshake *hs, int64_t deadline_ms);
/*
 * Advance as far as possible without blocking on fd (a non-blocking
 * socket).  Returns SX_DONE, SX_WANT_READ, SX_WANT_WRITE, SX_WANT_LOCKSTEP
 * (only after handshake_probe()) or -errno.
 */
int handshake_step(struct handshake *hs, const struct sx_sys *sys, int fd);
/*
 * Blocking driver (handshake_wait.c): step and poll until done, failed,
 * SX_WANT_LOCKSTEP (returned as such) or deadline_ms
 * (CLOCK_MONOTONIC milliseconds).  A signal whose handler has SA_RESTART
 * lets the wait go on, as the kernel restarts connect() (unless fd has a
 * send timeout); one whose handler lacks it ends the wait.  Returns 0,
 * -ETIMEDOUT, -EINTR when a signal interrupted the wait (the state is kept:
 * call again to resume), or the handshake's -errno.
 */
int handshake_drive(struct handshake *hs, const struct sx_sys *sys, int fd,
		    int64_t deadline_ms);
/*
 * Let go of what a handshake holds besides its own memory (a GSSAPI
 * exchange under way, the protection it made): for one given up before
 * HS_DONE or HS_FAILED, or ended without its protection taken.  Safe to
 * call twice.
 */
void handshake_release(struct handshake *hs);
/*
 * The GSSAPI protection of a handshake that ended (NULL: none), which the
 * caller now owns (conntab_set_wrap()).
 */
struct gsswrap *handshake_take_wrap(struct handshake *hs);
/* handshake_release(), then free(hs); NULL is fine. */
void handshake_free(struct handshake *hs);
/*
 * The GSSAPI parts of the handshake (handshake_gss.c), for handshake.c:
 * each returns 0, SX_WANT_READ/SX_WANT_WRITE, or -errno with hs->gss_why
 * filled (empty for the proxy's close).  handshake_gss_step() advances
 * the exchange and, once it is complete, keeps its protection in
 * hs->wrap; handshake_gss_seal() replaces the request queued in hs->out
 * by its wrapped message; handshake_gss_fill() reads the reply unwrapped
 * until hs->in holds need bytes.
 */
int handshake_gss_step(struct handshake *hs, const struct sx_sys *sys, int fd);
int handshake_gss_seal(struct handshake *hs);
int handshake_gss_fill(struct handshake *hs, const struct sx_sys *sys, int fd,
		       size_t need);
/* BIND: wait for the second reply (the peer that connected) next. */
void handshake_expect_second_reply(struct handshake *hs);
/* Milliseconds on CLOCK_MONOTONIC. */
int64_t handshake_now_ms(void);
/* A short description of a failure (never NULL, never a secret). */
const char *handshake_reason(const struct handshake *hs);

#endif

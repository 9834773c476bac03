/*
 * Several proxies: SOCKS_PROXY as a list of URLs separated by commas, and
 * the policy SOCKSIFY_CHAIN names for using it (enum config_chain_mode):
 * the list parsed into hops, the routes a connection tries in turn (the
 * hops one attempt goes through, in order), which hop a failed attempt
 * found down, and the time a hop found down is skipped.
 *
 * State: which hops were found down (a monotonic timestamp per hop) and
 * the round-robin cursor, one of each per process, kept in atomics since
 * threads connect concurrently; no lock.  A hop is known by its place in
 * the list, which the configuration fixes at init.
 */
#ifndef SX_CHAIN_H
#define SX_CHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"

/* Why UDP and BIND are refused through a chain (one line each). */
#define CHAIN_REFUSE_UDP "a chain of proxies cannot carry SOCKS5 UDP (only a single " \
	"proxy, or SOCKSIFY_CHAIN=failover or round-robin, can)"
#define CHAIN_REFUSE_BIND "a chain of proxies cannot carry BIND (only a single " \
	"proxy, or SOCKSIFY_CHAIN=failover or round-robin, can)"

/* How long a hop found down is skipped, in milliseconds. */
#define CHAIN_DOWN_HOLD_MS 30000

/* The hops of one attempt, by place in the list, first hop first. */
struct chain_route {
	uint8_t hop[CONFIG_MAX_HOPS];
	uint8_t len;
};

/*
 * The attempts of one connection.  Failover and round-robin: one hop per
 * attempt, in `order` (the hops up first, then those down as a last
 * resort).  Dynamic: the hops not dropped yet, in list order.  Strict:
 * one attempt through every hop.
 */
struct chain_plan {
	uint8_t mode;
	uint8_t hop_count;
	uint8_t order[CONFIG_MAX_HOPS];
	uint8_t next;			/* failover, round-robin: next place in order */
	uint8_t dropped;		/* dynamic: bit per hop left out */
	bool started;			/* dynamic, strict: the first attempt was made */
};

/* What a failed attempt saw, to tell which hop is down. */
struct chain_failure {
	uint8_t pos;		/* the place in the route of the hop being spoken to */
	uint8_t len;		/* the route's length */
	bool reached;		/* the TCP connect to the first hop succeeded */
	bool answered;		/* the hop at pos answered at least once */
	bool refused;		/* the hop at pos refused the greeting or password */
};

/*
 * Split list (URLs separated by commas; a comma inside a user name or
 * password is written %2C) into hops[0..max), parsing each URL.  On error
 * fill err with one line naming the element by its place ("proxy 2 of 3:
 * ..."), never showing a URL, and return -EINVAL; *count is then 0.
 */
int chain_parse_list(const char *list, struct config_proxy *hops, size_t max,
		     size_t *count, char *err, size_t errlen);
/*
 * The proxy at place i of the list, as connections use it: the first is
 * cfg->proxy, the one copy that holds its password.
 */
const struct config_proxy *chain_hop(const struct config *cfg, size_t i);
/* The name of a mode as SOCKSIFY_CHAIN writes it. */
const char *chain_mode_name(int mode);
/*
 * True when the hop at place pos of a chain may be given by name to the
 * hop before it (which resolves remotely, and the host is a name), so that
 * it need not resolve here.
 */
bool chain_hop_by_name(const struct config *cfg, size_t pos);
/*
 * What the hop before `next` (prev) is asked to connect to: next's host
 * name when prev resolves names remotely and next was given by name, else
 * next's address.  -EHOSTUNREACH when next has no address and prev cannot
 * take a name.
 */
int chain_hop_endpoint(const struct config_proxy *prev,
		       const struct config_proxy *next, struct sx_endpoint *ep);
/*
 * The proxy whose kind decides who resolves names and what destinations
 * can be carried: the last hop of a chain (strict, dynamic), else the first.
 */
const struct config_proxy *chain_exit_proxy(const struct config *cfg);
/*
 * True when every connection goes through a single proxy (one hop, or
 * failover or round-robin): UDP ASSOCIATE and BIND then use the first.
 */
bool chain_is_single_hop(const struct config *cfg);
/* Label of a proxy for messages: "socks5 host:port" (never credentials). */
void chain_hop_label(const struct config_proxy *p, char *buf, size_t cap);

/* Begin the attempts of one connection at now_ms (advances round-robin). */
void chain_plan_start(struct chain_plan *plan, const struct config *cfg,
		      int64_t now_ms);
/* The next attempt's route; false when none is left. */
bool chain_plan_next(struct chain_plan *plan, struct chain_route *route);
/* True when chain_plan_next() has another route. */
bool chain_plan_more(const struct chain_plan *plan);
/* How many attempts may still follow the current one, at most. */
int chain_plan_left(const struct chain_plan *plan);
/*
 * Drop the hop found down from the attempts still to come (dynamic: from
 * the chain; failover, round-robin: it was tried already).
 */
void chain_plan_drop(struct chain_plan *plan, uint8_t hop);
/*
 * Which place in the route a failure found down, or -1 when the failure
 * is not one of a hop (a refusal of the destination, a bad password).
 */
int chain_down_place(const struct chain_failure *f);
/*
 * The deadline of an attempt starting at now_ms: an equal share of what
 * is left until deadline_ms among this attempt and the `left` that may
 * follow it.
 */
int64_t chain_attempt_deadline(int64_t now_ms, int64_t deadline_ms, int left);

/* Mark hop (place in the list) down at now_ms, or up again. */
void chain_mark_down(size_t hop, int64_t now_ms);
void chain_mark_up(size_t hop);
/* True when hop was found down less than CHAIN_DOWN_HOLD_MS before now_ms. */
bool chain_is_down(size_t hop, int64_t now_ms);
/* Forget every mark and reset the cursor (tests). */
void chain_reset(void);

#endif

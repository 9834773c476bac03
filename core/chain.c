/*
 * Several proxies (chain.h): the list, the order of attempts per mode, the
 * marks of hops found down and the round-robin cursor.
 *
 * A mark is the monotonic time (CLOCK_MONOTONIC milliseconds, plus one so
 * that 0 means "up") at which the hop was found down, in a relaxed atomic:
 * a mark another thread is setting at the same time is seen at the next
 * connection at worst.  The cursor is a counter taken with one atomic
 * add, so concurrent connections each get their own turn.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "chain.h"
#include "proxykind.h"
#include "proxyurl.h"
#include "text.h"

static int64_t chain_down_at[CONFIG_MAX_HOPS];
static unsigned int chain_cursor;

static const char *const chain_mode_names[] = {
	[CONFIG_CHAIN_STRICT] = "strict",
	[CONFIG_CHAIN_DYNAMIC] = "dynamic",
	[CONFIG_CHAIN_FAILOVER] = "failover",
	[CONFIG_CHAIN_ROUND_ROBIN] = "round-robin",
};

const struct config_proxy *
chain_hop(const struct config *cfg, size_t i)
{
	return i == 0 || i >= CONFIG_MAX_HOPS ? &cfg->proxy : &cfg->hops[i];
}

const char *
chain_mode_name(int mode)
{
	if (mode < 0 || (size_t)mode >= SX_ARRAY_LEN(chain_mode_names))
		return "strict";
	return chain_mode_names[mode];
}

/* Parse one element s[0..n) of the list into p; err names its place. */
static int
chain_parse_one(const char *s, size_t n, size_t place, size_t total,
		struct config_proxy *p, char *err, size_t errlen)
{
	char url[2048 + 1];
	char why[CONFIG_ERR_LEN];
	int rc;

	if (n == 0) {
		text_set_err(err, errlen, "proxy %zu of %zu is empty", place, total);
		return -EINVAL;
	}
	if (n >= sizeof(url)) {
		text_set_err(err, errlen, "proxy %zu of %zu is too long", place, total);
		return -EINVAL;
	}
	memcpy(url, s, n);
	url[n] = '\0';
	rc = proxyurl_parse(url, p, why, sizeof(why));
	explicit_bzero(url, sizeof(url));
	if (rc < 0) {
		text_set_err(err, errlen, "proxy %zu of %zu: %s", place, total, why);
		return rc;
	}
	return 0;
}

int
chain_parse_list(const char *list, struct config_proxy *hops, size_t max,
		 size_t *count, char *err, size_t errlen)
{
	size_t total = 1, place = 0;
	const char *s = list;
	int rc;

	*count = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	for (const char *c = list; *c != '\0'; c++)
		if (*c == ',')
			total++;
	if (total > max) {
		text_set_err(err, errlen, "a list of %zu proxies, more than %zu",
			     total, max);
		return -EINVAL;
	}
	for (;;) {
		const char *comma = strchr(s, ',');
		size_t n = comma != NULL ? (size_t)(comma - s) : strlen(s);

		/* Spaces around an element are not part of its URL. */
		while (n > 0 && (s[0] == ' ' || s[0] == '\t')) {
			s++;
			n--;
		}
		while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
			n--;
		rc = chain_parse_one(s, n, place + 1, total, &hops[place], err,
				     errlen);
		if (rc < 0)
			goto err_wipe;
		place++;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	*count = place;
	return 0;

err_wipe:
	for (size_t i = 0; i < place; i++)
		proxyurl_wipe_password(&hops[i]);
	return rc;
}

/* The host of p is an address literal, not a name. */
static bool
chain_host_is_literal(const struct config_proxy *p)
{
	uint8_t buf[16];

	return inet_pton(AF_INET, p->host, buf) == 1 ||
	       inet_pton(AF_INET6, p->host, buf) == 1;
}

bool
chain_hop_by_name(const struct config *cfg, size_t pos)
{
	if (pos == 0 || pos >= cfg->hop_count)
		return false;
	if (cfg->chain_mode != CONFIG_CHAIN_STRICT &&
	    cfg->chain_mode != CONFIG_CHAIN_DYNAMIC)
		return false;
	return proxykind_resolves_remotely(proxykind_of(&cfg->hops[pos - 1])) &&
	       !chain_host_is_literal(&cfg->hops[pos]);
}

int
chain_hop_endpoint(const struct config_proxy *prev,
		   const struct config_proxy *next, struct sx_endpoint *ep)
{
	if (proxykind_resolves_remotely(proxykind_of(prev)) &&
	    !chain_host_is_literal(next))
		return sx_endpoint_from_name(ep, next->host, next->port);
	if (next->addrlen == 0)
		return -EHOSTUNREACH;
	return sx_endpoint_from_sockaddr(ep, (const struct sockaddr *)&next->addr,
					 next->addrlen);
}

const struct config_proxy *
chain_exit_proxy(const struct config *cfg)
{
	if (cfg->hop_count > 1 && (cfg->chain_mode == CONFIG_CHAIN_STRICT ||
				   cfg->chain_mode == CONFIG_CHAIN_DYNAMIC))
		return &cfg->hops[cfg->hop_count - 1];
	return &cfg->proxy;
}

bool
chain_is_single_hop(const struct config *cfg)
{
	return cfg->hop_count <= 1 || cfg->chain_mode == CONFIG_CHAIN_FAILOVER ||
	       cfg->chain_mode == CONFIG_CHAIN_ROUND_ROBIN;
}

void
chain_hop_label(const struct config_proxy *p, char *buf, size_t cap)
{
	bool v6 = strchr(p->host, ':') != NULL;

	snprintf(buf, cap, "%s %s%s%s:%u", proxykind_of(p)->name, v6 ? "[" : "",
		 p->host, v6 ? "]" : "", (unsigned)p->port);
}

/* Append to plan->order the hops from start on, cyclically, up or down. */
static void
chain_order_add(struct chain_plan *plan, size_t *n, size_t start, bool down,
		int64_t now_ms)
{
	for (size_t i = 0; i < plan->hop_count; i++) {
		size_t hop = (start + i) % plan->hop_count;

		if (chain_is_down(hop, now_ms) == down)
			plan->order[(*n)++] = (uint8_t)hop;
	}
}

void
chain_plan_start(struct chain_plan *plan, const struct config *cfg,
		 int64_t now_ms)
{
	size_t n = 0, start = 0;

	memset(plan, 0, sizeof(*plan));
	plan->mode = (uint8_t)cfg->chain_mode;
	plan->hop_count = (uint8_t)(cfg->hop_count == 0 ? 1 : cfg->hop_count);
	if (plan->hop_count > CONFIG_MAX_HOPS)
		plan->hop_count = CONFIG_MAX_HOPS;
	if (plan->hop_count == 1)
		plan->mode = CONFIG_CHAIN_STRICT;
	switch (plan->mode) {
	case CONFIG_CHAIN_ROUND_ROBIN:
		start = __atomic_fetch_add(&chain_cursor, 1, __ATOMIC_RELAXED) %
			plan->hop_count;
		/* fall through */
	case CONFIG_CHAIN_FAILOVER:
		chain_order_add(plan, &n, start, false, now_ms);
		chain_order_add(plan, &n, start, true, now_ms);
		break;
	case CONFIG_CHAIN_DYNAMIC:
		for (size_t i = 0; i < plan->hop_count; i++)
			if (chain_is_down(i, now_ms))
				plan->dropped |= (uint8_t)(1u << i);
		/* At least one must be up: with none known up, try them all. */
		if (plan->dropped == (uint8_t)((1u << plan->hop_count) - 1))
			plan->dropped = 0;
		break;
	default:
		plan->mode = CONFIG_CHAIN_STRICT;
		break;
	}
}

bool
chain_plan_next(struct chain_plan *plan, struct chain_route *route)
{
	memset(route, 0, sizeof(*route));
	if (plan->mode == CONFIG_CHAIN_FAILOVER ||
	    plan->mode == CONFIG_CHAIN_ROUND_ROBIN) {
		if (plan->next >= plan->hop_count)
			return false;
		route->hop[0] = plan->order[plan->next++];
		route->len = 1;
		return true;
	}
	if (plan->started && plan->mode == CONFIG_CHAIN_STRICT)
		return false;
	plan->started = true;
	for (size_t i = 0; i < plan->hop_count; i++)
		if (!(plan->dropped & (1u << i)))
			route->hop[route->len++] = (uint8_t)i;
	return route->len > 0;
}

bool
chain_plan_more(const struct chain_plan *plan)
{
	switch (plan->mode) {
	case CONFIG_CHAIN_FAILOVER:
	case CONFIG_CHAIN_ROUND_ROBIN:
		return plan->next < plan->hop_count;
	case CONFIG_CHAIN_DYNAMIC:
		return plan->dropped != (uint8_t)((1u << plan->hop_count) - 1);
	default:
		return !plan->started;
	}
}

int
chain_plan_left(const struct chain_plan *plan)
{
	int up = 0;

	switch (plan->mode) {
	case CONFIG_CHAIN_FAILOVER:
	case CONFIG_CHAIN_ROUND_ROBIN:
		return plan->hop_count - plan->next;
	case CONFIG_CHAIN_DYNAMIC:
		for (size_t i = 0; i < plan->hop_count; i++)
			if (!(plan->dropped & (1u << i)))
				up++;
		return up > 0 ? up - 1 : 0;
	default:
		return 0;
	}
}

void
chain_plan_drop(struct chain_plan *plan, uint8_t hop)
{
	if (hop < CONFIG_MAX_HOPS)
		plan->dropped |= (uint8_t)(1u << hop);
}

int
chain_down_place(const struct chain_failure *f)
{
	bool last = f->pos + 1 >= f->len;

	/* The TCP connect to the first hop failed. */
	if (!f->reached)
		return 0;
	/* A refusal of the greeting (a method, a password) is the configuration's. */
	if (f->refused && !f->answered)
		return -1;
	/* The hop closed, fell silent or spoke no SOCKS before any answer. */
	if (!f->answered)
		return f->pos;
	/*
	 * The hop answered, then refused, closed or fell silent on the
	 * request: on its way to the next hop, that one is down; on its way
	 * to the destination, the destination is the trouble.
	 */
	if (last)
		return -1;
	return f->pos + 1;
}

int64_t
chain_attempt_deadline(int64_t now_ms, int64_t deadline_ms, int left)
{
	int64_t rest = deadline_ms - now_ms;

	if (rest <= 0 || left <= 0)
		return deadline_ms;
	return now_ms + rest / (left + 1);
}

void
chain_mark_down(size_t hop, int64_t now_ms)
{
	if (hop < CONFIG_MAX_HOPS)
		__atomic_store_n(&chain_down_at[hop], now_ms + 1, __ATOMIC_RELAXED);
}

void
chain_mark_up(size_t hop)
{
	if (hop < CONFIG_MAX_HOPS &&
	    __atomic_load_n(&chain_down_at[hop], __ATOMIC_RELAXED) != 0)
		__atomic_store_n(&chain_down_at[hop], 0, __ATOMIC_RELAXED);
}

bool
chain_is_down(size_t hop, int64_t now_ms)
{
	int64_t at;

	if (hop >= CONFIG_MAX_HOPS)
		return false;
	at = __atomic_load_n(&chain_down_at[hop], __ATOMIC_RELAXED);
	return at != 0 && now_ms + 1 - at < CHAIN_DOWN_HOLD_MS;
}

void
chain_reset(void)
{
	for (size_t i = 0; i < CONFIG_MAX_HOPS; i++)
		__atomic_store_n(&chain_down_at[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&chain_cursor, 0, __ATOMIC_RELAXED);
}

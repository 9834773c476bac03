/*
 * Several proxies (core/chain.c) and a chain over one socket
 * (core/handshake.c): the list parsed into hops with errors that name the
 * element by its place and never show a URL; what one hop is asked to
 * connect to; the routes of each mode, with hops found down skipped for
 * the hold time and round-robin taking turns; which hop a failure found
 * down; the share of time of each attempt; the loader's view of a list;
 * and the exact bytes of a three-hop exchange (SOCKS5, SOCKS5 with a
 * password, SOCKS4a) against a scripted socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "chain.h"
#include "config.h"
#include "handshake.h"
#include "proxyurl.h"
#include "socks5.h"
#include "tap.h"

#define SOCK_FD 3
#define V(s) (const uint8_t *)(s), (sizeof(s) - 1)

static struct config_proxy hops[CONFIG_MAX_HOPS];

static void
test_parse_list(void)
{
	char err[CONFIG_ERR_LEN] = "";
	size_t n = 99;
	int rc;

	rc = chain_parse_list("socks5://127.0.0.1:1081, socks4a://10.0.0.2 ,"
			      "socks5h://u:secret@proxy.example:1083",
			      hops, CONFIG_MAX_HOPS, &n, err, sizeof(err));
	is_int(rc, 0, "a list of three parses");
	is_int((int)n, 3, "three hops");
	is_str(hops[0].host, "127.0.0.1", "hop 1's host");
	is_int(hops[0].port, 1081, "hop 1's port");
	is_int(hops[1].version, 4, "hop 2 is SOCKS4");
	ok(hops[1].remote_dns, "hop 2 is socks4a (spaces around it ignored)");
	is_int(hops[1].port, 1080, "hop 2 has the default port");
	is_str(hops[2].host, "proxy.example", "hop 3's host");
	is_str(hops[2].pass, "secret", "hop 3's password");
	ok(hops[0].addrlen != 0 && hops[1].addrlen != 0 && hops[2].addrlen == 0,
	   "address literals are addresses at once, names wait for the loader");

	rc = chain_parse_list("socks5://127.0.0.1,,socks5://127.0.0.2", hops,
			      CONFIG_MAX_HOPS, &n, err, sizeof(err));
	is_int(rc, -EINVAL, "an empty element is an error");
	is_str(err, "proxy 2 of 3 is empty", "it is named by its place");
	is_int((int)n, 0, "no hops after an error");

	rc = chain_parse_list("socks5://127.0.0.1,socks5://127.0.0.2,",
			      hops, CONFIG_MAX_HOPS, &n, err, sizeof(err));
	is_str(err, "proxy 3 of 3 is empty", "a trailing comma leaves an empty last element");

	rc = chain_parse_list("socks5://u:hunter2@127.0.0.1,ftp://u:hunter2@h:1",
			      hops, CONFIG_MAX_HOPS, &n, err, sizeof(err));
	is_int(rc, -EINVAL, "an unknown scheme in the list is an error");
	ok(strncmp(err, "proxy 2 of 2: ", 14) == 0, "it names the second element");
	ok(strstr(err, "hunter2") == NULL, "and never shows a password");
	ok(hops[0].pass[0] == '\0', "the hops parsed before it lose their password");

	rc = chain_parse_list("socks5://a,socks5://b,socks5://c,socks5://d,socks5://e,"
			      "socks5://f,socks5://g,socks5://h,socks5://i",
			      hops, CONFIG_MAX_HOPS, &n, err, sizeof(err));
	is_int(rc, -EINVAL, "nine proxies are too many");
	is_str(err, "a list of 9 proxies, more than 8", "and the error says so");
}

/* A configuration of n hops given as URLs, in mode. */
static void
config_of(struct config *cfg, int mode, const char *list)
{
	char err[CONFIG_ERR_LEN];

	memset(cfg, 0, sizeof(*cfg));
	cfg->valid = true;
	cfg->chain_mode = mode;
	if (chain_parse_list(list, cfg->hops, CONFIG_MAX_HOPS, &cfg->hop_count, err,
			     sizeof(err)) < 0)
		printf("# %s\n", err);
	cfg->proxy = cfg->hops[0];
}

static void
test_hop_endpoint(void)
{
	struct config cfg;
	struct sx_endpoint ep;

	config_of(&cfg, CONFIG_CHAIN_STRICT,
		  "socks5h://127.0.0.1:1081,socks5://next.example:1082,"
		  "socks4://127.0.0.3:1083,socks5://later.example");
	is_int(chain_hop_endpoint(&cfg.hops[0], &cfg.hops[1], &ep), 0,
	       "a remote-DNS hop is asked for the next hop by name");
	is_int(ep.atyp, SX_ATYP_DOMAIN, "as a host name");
	is_str(ep.name, "next.example", "the name as written");
	is_int(ep.port, 1082, "with its port");
	is_int(chain_hop_endpoint(&cfg.hops[1], &cfg.hops[2], &ep), 0,
	       "a hop is asked for an address literal as an address");
	is_int(ep.atyp, SX_ATYP_IPV4, "an IPv4 address");
	ok(memcmp(ep.addr, "\x7f\x00\x00\x03", 4) == 0 && ep.port == 1083,
	   "the next hop's address and port");
	is_int(chain_hop_endpoint(&cfg.hops[2], &cfg.hops[3], &ep), -EHOSTUNREACH,
	       "a hop that resolves nothing cannot be given an unresolved name");
	ok(chain_hop_by_name(&cfg, 1), "hop 2 need not resolve here (hop 1 takes names)");
	ok(!chain_hop_by_name(&cfg, 3), "hop 4 must (hop 3 is socks4)");
	ok(!chain_hop_by_name(&cfg, 0), "the first hop always must");
	ok(chain_exit_proxy(&cfg) == &cfg.hops[3], "a chain's last hop decides names");
	ok(!chain_is_single_hop(&cfg), "a chain is no single hop");
	cfg.chain_mode = CONFIG_CHAIN_FAILOVER;
	ok(!chain_hop_by_name(&cfg, 1), "in failover every proxy is a first hop");
	ok(chain_exit_proxy(&cfg) == &cfg.proxy, "and the first proxy decides names");
	ok(chain_is_single_hop(&cfg), "failover uses one proxy per connection");
}

/* The hops of the next route as "0 1 2", or "none". */
static const char *
next_route(struct chain_plan *plan)
{
	static char buf[64];
	struct chain_route r;
	size_t n = 0;

	if (!chain_plan_next(plan, &r))
		return "none";
	buf[0] = '\0';
	for (size_t i = 0; i < r.len; i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%u", i ? " " : "",
				      (unsigned)r.hop[i]);
	return buf;
}

static void
test_plans(void)
{
	struct chain_plan plan;
	struct config cfg;
	int64_t t = 1000000;
	bool seen[3] = { false, false, false };

	chain_reset();
	config_of(&cfg, CONFIG_CHAIN_STRICT,
		  "socks5://127.0.0.1:1,socks5://127.0.0.1:2,socks5://127.0.0.1:3");
	chain_plan_start(&plan, &cfg, t);
	is_int(chain_plan_left(&plan), 0, "strict: no attempt follows the first");
	is_str(next_route(&plan), "0 1 2", "strict: one route through every hop");
	is_str(next_route(&plan), "none", "strict: and no other");

	cfg.chain_mode = CONFIG_CHAIN_FAILOVER;
	chain_plan_start(&plan, &cfg, t);
	is_int(chain_plan_left(&plan), 3, "failover: three attempts at most");
	is_str(next_route(&plan), "0", "failover: the first proxy first");
	is_int(chain_plan_left(&plan), 2, "two may follow it");
	is_str(next_route(&plan), "1", "failover: then the second");
	is_str(next_route(&plan), "2", "failover: then the third");
	is_str(next_route(&plan), "none", "failover: then none");

	chain_mark_down(0, t);
	ok(chain_is_down(0, t + CHAIN_DOWN_HOLD_MS - 1), "a hop found down stays down for the hold time");
	ok(!chain_is_down(0, t + CHAIN_DOWN_HOLD_MS), "and no longer");
	ok(!chain_is_down(1, t), "the others are up");
	chain_plan_start(&plan, &cfg, t + 10);
	is_str(next_route(&plan), "1", "failover: a proxy found down is skipped");
	is_str(next_route(&plan), "2", "failover: the next one up follows");
	is_str(next_route(&plan), "0", "failover: the one down is the last resort");
	chain_plan_start(&plan, &cfg, t + CHAIN_DOWN_HOLD_MS);
	is_str(next_route(&plan), "0", "failover: after the hold time it is first again");

	cfg.chain_mode = CONFIG_CHAIN_DYNAMIC;
	chain_plan_start(&plan, &cfg, t + 10);
	is_int(chain_plan_left(&plan), 1, "dynamic: with two hops up, one more attempt may follow");
	is_str(next_route(&plan), "1 2", "dynamic: the chain without the hop found down");
	chain_plan_drop(&plan, 2);
	ok(chain_plan_more(&plan), "dynamic: after a hop is dropped, a route is left");
	is_str(next_route(&plan), "1", "dynamic: the chain without the hop dropped");
	chain_plan_drop(&plan, 1);
	ok(!chain_plan_more(&plan), "dynamic: none is left when every hop is dropped");
	is_str(next_route(&plan), "none", "dynamic: and no route is made");
	chain_mark_down(1, t);
	chain_mark_down(2, t);
	chain_plan_start(&plan, &cfg, t + 10);
	is_str(next_route(&plan), "0 1 2", "dynamic: with every hop down, all are tried");
	chain_mark_up(0);
	chain_mark_up(1);
	chain_mark_up(2);

	cfg.chain_mode = CONFIG_CHAIN_ROUND_ROBIN;
	for (int i = 0; i < 3; i++) {
		const char *r;

		chain_plan_start(&plan, &cfg, t);
		r = next_route(&plan);
		if (r[0] >= '0' && r[0] <= '2')
			seen[r[0] - '0'] = true;
	}
	ok(seen[0] && seen[1] && seen[2], "round-robin: three connections use three proxies");
	chain_reset();
	chain_mark_down(1, t);
	chain_plan_start(&plan, &cfg, t);
	is_str(next_route(&plan), "0", "round-robin: the first turn is the first proxy");
	chain_plan_start(&plan, &cfg, t);
	is_str(next_route(&plan), "2", "round-robin: the second turn skips the one down");
	is_str(next_route(&plan), "0", "round-robin: then the next up");
	is_str(next_route(&plan), "1", "round-robin: the one down comes last");

	config_of(&cfg, CONFIG_CHAIN_ROUND_ROBIN, "socks5://127.0.0.1:1");
	chain_plan_start(&plan, &cfg, t);
	is_str(next_route(&plan), "0", "a single proxy: one route");
	is_str(next_route(&plan), "none", "a single proxy: whatever the mode");
	chain_reset();
}

static void
test_down_place(void)
{
	struct chain_failure f;

	memset(&f, 0, sizeof(f));
	f.len = 3;
	is_int(chain_down_place(&f), 0, "the TCP connect to the first hop failed: it is down");
	f.reached = true;
	is_int(chain_down_place(&f), 0, "the first hop said nothing: it is down");
	f.pos = 1;
	is_int(chain_down_place(&f), 1, "hop 2 said nothing: it is down");
	f.answered = true;
	is_int(chain_down_place(&f), 2, "hop 2 answered, then failed on its way to hop 3: hop 3 is down");
	f.pos = 2;
	is_int(chain_down_place(&f), -1, "the last hop failed on its way to the destination: no hop is down");
	f.pos = 0;
	f.answered = false;
	f.refused = true;
	is_int(chain_down_place(&f), -1, "a refused greeting or password: no hop is down");
}

static void
test_shares(void)
{
	is_int((int)chain_attempt_deadline(0, 9000, 2), 3000,
	       "the first of three attempts gets a third");
	is_int((int)chain_attempt_deadline(3000, 9000, 1), 6000,
	       "the second of them half of what is left");
	is_int((int)chain_attempt_deadline(6000, 9000, 0), 9000,
	       "the last all of it");
	is_int((int)chain_attempt_deadline(9500, 9000, 2), 9000,
	       "past the deadline: the deadline");
}

static const char *const *env_table;

static char *
fake_get(const char *name)
{
	for (size_t i = 0; env_table != NULL && env_table[i] != NULL; i += 2)
		if (strcmp(env_table[i], name) == 0)
			return (char *)env_table[i + 1];
	return NULL;
}

static void
test_config(void)
{
	static const char *const list_env[] = {
		"SOCKS_PROXY", "socks5://127.0.0.1:1081,socks4a://127.0.0.2:1082",
		"SOCKSIFY_CHAIN", "Round-Robin", NULL,
	};
	static const char *const bad_mode[] = {
		"SOCKS_PROXY", "socks5://127.0.0.1:1081,socks5://127.0.0.2:1082",
		"SOCKSIFY_CHAIN", "random", NULL,
	};
	static const char *const bad_list[] = {
		"SOCKS_PROXY", "socks5://127.0.0.1:1081,socks5://127.0.0.2:99999", NULL,
	};
	static const char *const isolated[] = {
		"SOCKS_PROXY", "socks4://127.0.0.1:1081,socks5h://127.0.0.2:1082,"
		"socks5://u:p@127.0.0.3:1083",
		"SOCKSIFY_ISOLATE", "process", NULL,
	};
	static const char *const one[] = {
		"SOCKS_PROXY", "socks4://127.0.0.9:1089", NULL,
	};
	struct config cfg;

	env_table = list_env;
	config_load(&cfg, NULL, fake_get);
	ok(cfg.valid, "a list of two loads");
	is_int((int)cfg.hop_count, 2, "two hops");
	is_int(cfg.chain_mode, CONFIG_CHAIN_ROUND_ROBIN, "SOCKSIFY_CHAIN, any case");
	is_str(cfg.proxy.host, cfg.hops[0].host, "the proxy is the first hop");
	is_int(cfg.proxy.port, 1081, "with its port");
	ok(cfg.proxy.addrlen != 0, "and its address");
	is_int(cfg.hops[1].version, 4, "the second hop's kind");
	config_free(&cfg);

	env_table = bad_mode;
	config_load(&cfg, NULL, fake_get);
	ok(!cfg.valid, "an unknown mode is an error");
	is_str(cfg.error, "SOCKSIFY_CHAIN: \"random\" is not strict, dynamic, "
	       "failover or round-robin", "naming the four modes");
	config_free(&cfg);

	env_table = bad_list;
	config_load(&cfg, NULL, fake_get);
	ok(!cfg.valid, "a bad element fails the configuration");
	ok(strncmp(cfg.error, "SOCKS_PROXY: proxy 2 of 2: ", 27) == 0,
	   "naming the variable and the element");
	is_int((int)cfg.hop_count, 1, "with one hop left, the default");
	config_free(&cfg);

	env_table = isolated;
	config_load(&cfg, NULL, fake_get);
	ok(cfg.valid, "process isolation over a list with a SOCKS5 proxy loads");
	ok(!cfg.hops[0].isolate && cfg.hops[1].isolate,
	   "the SOCKS5 hop gets the isolation user, the SOCKS4 hop not");
	ok(!cfg.hops[2].isolate, "credentials in a hop's URL win");
	config_free(&cfg);

	env_table = one;
	config_load(&cfg, NULL, fake_get);
	ok(cfg.valid, "a single proxy loads");
	is_int((int)cfg.hop_count, 1, "as a list of one");
	is_int(cfg.hops[0].port, 1089, "the proxy is the list's hop");
	is_int(cfg.chain_mode, CONFIG_CHAIN_STRICT, "the default mode is strict");
	config_free(&cfg);
}

/* A scripted socket: the bytes sent, and the answers handed out in turn. */
static struct {
	uint8_t sent[1024];
	size_t sent_len;
	const uint8_t *answers;
	size_t len, off;
	size_t avail;
	int connects;
} sock;

static int
fake_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	(void)fd;
	(void)sa;
	(void)len;
	sock.connects++;
	return 0;
}

static ssize_t
fake_send(int fd, const void *buf, size_t len, int flags)
{
	(void)fd;
	(void)flags;
	if (sock.sent_len + len > sizeof(sock.sent)) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(sock.sent + sock.sent_len, buf, len);
	sock.sent_len += len;
	return (ssize_t)len;
}

static ssize_t
fake_recv(int fd, void *buf, size_t len, int flags)
{
	size_t left = sock.avail - sock.off;

	(void)fd;
	(void)flags;
	if (left == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (len > left)
		len = left;
	memcpy(buf, sock.answers + sock.off, len);
	sock.off += len;
	return (ssize_t)len;
}

static const struct sx_sys fake_sys = {
	.connect = fake_connect,
	.send = fake_send,
	.recv = fake_recv,
};

/* Step hs with `n` more answer bytes available; the step's result. */
static int
step_with(struct handshake *hs, size_t n)
{
	sock.avail += n;
	return handshake_step(hs, &fake_sys, SOCK_FD);
}

static void
test_three_hops(void)
{
	static const uint8_t answers[] =
		"\x05\x00"					/* hop 1: no auth */
		"\x05\x00\x00\x01\x7f\x00\x00\x01\x10\x00"	/* hop 1: succeeded */
		"\x05\x02"					/* hop 2: password */
		"\x01\x00"					/* hop 2: accepted */
		"\x05\x00\x00\x01\x7f\x00\x00\x01\x10\x01"	/* hop 2: succeeded */
		"\x00\x5a\x00\x00\x00\x00\x00\x00";		/* hop 3: granted */
	static const uint8_t want[] =
		"\x05\x01\x00"					/* greeting to hop 1 */
		"\x05\x01\x00\x03\x0chop2.example\x04\x3a"	/* hop 1: to hop 2 by name */
		"\x05\x01\x02"					/* greeting to hop 2 */
		"\x01\x03" "bob\x02" "pw"			/* hop 2: RFC 1929 */
		"\x05\x01\x00\x01\x7f\x00\x00\x03\x04\x3b"	/* hop 2: to hop 3 by address */
		"\x04\x01\x00\x50\x00\x00\x00\x01\x00"		/* hop 3: SOCKS4a CONNECT */
		"dest.example\x00";
	const struct config_proxy *route[3];
	struct sx_endpoint dst;
	struct handshake hs;
	struct config cfg;
	int rc;

	config_of(&cfg, CONFIG_CHAIN_STRICT,
		  "socks5h://127.0.0.1:1081,socks5://bob:pw@hop2.example:1082,"
		  "socks4a://127.0.0.3:1083");
	for (int i = 0; i < 3; i++)
		route[i] = &cfg.hops[i];
	memset(&sock, 0, sizeof(sock));
	sock.answers = answers;
	sock.len = sizeof(answers) - 1;
	sx_endpoint_from_name(&dst, "dest.example", 80);
	handshake_init(&hs, &cfg.hops[0], SOCKS5_CMD_CONNECT, &dst, false);
	handshake_set_route(&hs, route, 3);

	rc = step_with(&hs, 0);
	is_int(rc, SX_WANT_READ, "hop 1: the greeting is out, its answer awaited");
	rc = step_with(&hs, 2);
	is_int(rc, SX_WANT_READ, "hop 1: the request for hop 2 is out");
	is_int(hs.hop_pos, 0, "still speaking to hop 1");
	rc = step_with(&hs, 10);
	is_int(rc, SX_WANT_READ, "hop 1 said succeeded: hop 2's greeting is out");
	is_int(hs.hop_pos, 1, "speaking to hop 2");
	rc = step_with(&hs, 2);
	is_int(rc, SX_WANT_READ, "hop 2: the password is out");
	rc = step_with(&hs, 2);
	is_int(rc, SX_WANT_READ, "hop 2: the request for hop 3 is out");
	rc = step_with(&hs, 10);
	is_int(rc, SX_WANT_READ, "hop 2 said succeeded: hop 3's request is out");
	is_int(hs.hop_pos, 2, "speaking to hop 3");
	ok(hs.proxy == &cfg.hops[2], "hop 3 is the proxy spoken to");
	rc = step_with(&hs, 8);
	is_int(rc, SX_DONE, "hop 3 granted the program's destination");
	is_int(sock.connects, 1, "one TCP connect, to the first hop");
	is_int((int)sock.sent_len, (int)(sizeof(want) - 1), "every message went out");
	is_bytes(sock.sent, want, sizeof(want) - 1, "each hop got its own request");

	/* Hop 2 refuses to reach hop 3: the failure is hop 2's answer. */
	memset(&sock, 0, sizeof(sock));
	sock.answers = (const uint8_t *)"\x05\x00\x05\x00\x00\x01\x7f\x00\x00\x01\x10\x00"
					"\x05\x02\x01\x00\x05\x05\x00\x01\x00\x00\x00\x00\x00\x00";
	sock.len = 28;
	handshake_init(&hs, &cfg.hops[0], SOCKS5_CMD_CONNECT, &dst, false);
	handshake_set_route(&hs, route, 3);
	rc = step_with(&hs, 28);
	for (int i = 0; i < 10 && rc > 0; i++)
		rc = step_with(&hs, 0);
	is_int(rc, -ECONNREFUSED, "hop 2's refusal fails the attempt");
	is_int(hs.hop_pos, 1, "at hop 2");
	ok(hs.hop_answered && !hs.greeting_refused, "which had answered: hop 3 is the one down");
}

int
main(void)
{
	test_parse_list();
	test_hop_endpoint();
	test_plans();
	test_down_place();
	test_shares();
	test_config();
	test_three_hops();
	return tap_done();
}

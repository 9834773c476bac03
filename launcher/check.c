/*
 * socksify-check, run by "socksify --check [--check-target HOST:PORT]":
 * what the configured proxy can do, as a short table on stdout.  It reads
 * the configuration the library would read (core/config.c), then probes
 * the proxy, each probe on a connection of its own: can it be reached and
 * how fast, which methods it offers, whether it takes the configured user
 * and password, CONNECT (to HOST:PORT, or to the proxy's own address),
 * UDP ASSOCIATE, BIND, IPv6 destinations and a pipelined exchange.  The
 * exit status is 0 only when the proxy carries what the configuration
 * needs (CONNECT, with its authentication, and pipelining when
 * SOCKSIFY_PIPELINE asks for it), 1 when not, 2 for a usage or
 * configuration error.  The password is never printed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkout.h"
#include "checkprobe.h"
#include "config.h"
#include "handshake.h"
#include "log.h"
#include "pipestate.h"
#include "proxykind.h"
#include "proxyurl.h"
#include "socks5.h"
#include "syslibc.h"

/* The longest wait for a pipelined exchange some proxies never answer. */
#define CHECK_PIPELINE_WAIT_MS 2000

/* What the configuration needs and what the probes found. */
struct check {
	struct config cfg;
	const struct proxykind *kind;
	struct sx_endpoint target;
	const char *target_what;	/* how the target was chosen */
	bool ok;			/* everything needed works so far */
	bool before_request;		/* CONNECT failed before its request */
	char why_not_tried[200];	/* then why: the other probes are not run */
	char verdict[300];		/* the first thing needed that failed */
	char which[64];			/* with a list: "proxy i of n: " */
};

/* Record that something the configuration needs does not work. */
static void
check_needed_failed(struct check *c, const char *what, const char *why)
{
	if (!c->ok)
		return;
	c->ok = false;
	snprintf(c->verdict, sizeof(c->verdict), "%s%s: %s", c->which, what, why);
}

/* An unusable --check-target: exit 2. */
static void __attribute__((noreturn))
check_target_die(const char *arg, const char *why)
{
	char what[300];

	snprintf(what, sizeof(what), "--check-target %s", arg);
	checkout_die(what, why);
}

/*
 * The destination of --check-target: "host:port" or "[v6]:port".  A name
 * goes to the proxy as a name when the proxy resolves names, else it is
 * resolved here first, as the library would.
 */
static void
check_parse_target(struct check *c, const char *arg)
{
	char host[256];
	const char *colon, *h = arg;
	size_t hlen;
	char *end;
	unsigned long port;
	uint8_t addr[16];

	if (arg[0] == '[') {
		const char *close = strchr(arg, ']');

		if (!close || close[1] != ':')
			check_target_die(arg, "write an IPv6 address as [address]:port");
		h = arg + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		colon = strrchr(arg, ':');
		if (!colon)
			check_target_die(arg, "the port is missing (host:port)");
		hlen = (size_t)(colon - arg);
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port == 0 || port > 65535)
		check_target_die(arg, "the port must be a number from 1 to 65535");
	if (hlen == 0 || hlen >= sizeof(host))
		check_target_die(arg, "the host is empty or too long");
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memset(&c->target, 0, sizeof(c->target));
	c->target.port = (uint16_t)port;
	if (inet_pton(AF_INET, host, addr) == 1) {
		c->target.atyp = SX_ATYP_IPV4;
		memcpy(c->target.addr, addr, 4);
	} else if (inet_pton(AF_INET6, host, addr) == 1) {
		c->target.atyp = SX_ATYP_IPV6;
		memcpy(c->target.addr, addr, 16);
	} else if (proxykind_resolves_remotely(c->kind)) {
		sx_endpoint_from_name(&c->target, host, (uint16_t)port);
	} else {
		struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;

		if (getaddrinfo(host, NULL, &hints, &res) != 0)
			check_target_die(arg, "the host name does not resolve");
		sx_endpoint_from_sockaddr(&c->target, res->ai_addr, res->ai_addrlen);
		c->target.port = (uint16_t)port;
		freeaddrinfo(res);
	}
	c->target_what = "";
}

/* SOCKS5: which of the two methods the proxy takes. */
static void
check_methods(struct check *c)
{
	struct checkprobe_result none, userpass;
	uint8_t m_none, m_userpass;
	int timeout = c->cfg.timeout_ms;

	if (!c->kind->steps->greeting) {
		checkout_row("methods", "none: %s has no authentication methods",
			  c->kind->protocol);
		return;
	}
	checkprobe_method(&c->cfg, SOCKS5_METHOD_NONE, timeout, &m_none, &none);
	checkprobe_method(&c->cfg, SOCKS5_METHOD_USERPASS, timeout, &m_userpass, &userpass);
	if (none.rc < 0 && userpass.rc < 0) {
		checkout_row("methods", "no answer to a greeting: %s", none.why);
		return;
	}
	checkout_row("methods", "no authentication: %s; user and password: %s",
		  none.rc < 0 ? none.why :
		  m_none == SOCKS5_METHOD_NONE ? "accepted" : "refused",
		  userpass.rc < 0 ? userpass.why :
		  m_userpass == SOCKS5_METHOD_USERPASS ? "accepted" : "refused");
}

/* CONNECT, and what it says about authentication. */
static void
check_connect(struct check *c)
{
	struct checkprobe_result r;
	char where[300], ms[32];

	checkprobe_exchange(&c->cfg, SOCKS5_CMD_CONNECT, &c->target, false,
			    c->cfg.timeout_ms, &r);
	sx_endpoint_format(&c->target, where, sizeof(where));
	c->before_request = r.rc < 0 && !r.answered;
	if (c->before_request)
		snprintf(c->why_not_tried, sizeof(c->why_not_tried), "%s", r.why);
	if (c->cfg.proxy.has_auth && c->kind->steps->auth) {
		if (r.answered)
			checkout_row("authentication", "accepted");
		else if (r.rc == -EACCES)
			checkout_row("authentication", "refused: %s", r.why);
		else
			checkout_row("authentication", "not tried: %s", r.why);
	} else if (c->cfg.proxy.has_auth) {
		checkout_row("authentication", "the user id goes with the request");
	} else if (r.rc == -EACCES && !r.answered) {
		checkout_row("authentication", "none configured, but the proxy wants it: %s",
			  r.why);
	} else {
		checkout_row("authentication", "none configured");
	}
	if (r.rc < 0) {
		checkout_row("CONNECT", "refused, to %s%s: %s", where, c->target_what, r.why);
		check_needed_failed(c, "CONNECT", r.why);
		return;
	}
	checkout_ms(r.us, ms, sizeof(ms));
	checkout_row("CONNECT", "yes, to %s%s, in %s", where, c->target_what, ms);
}

/*
 * When CONNECT failed before the proxy saw its request (authentication,
 * a proxy that speaks another protocol), the other exchanges would fail
 * the same way: say so instead of running them.
 */
static bool
check_not_tried(const struct check *c, const char *name)
{
	if (!c->before_request)
		return false;
	checkout_row(name, "not tried: %s", c->why_not_tried);
	return true;
}

/* UDP ASSOCIATE: a relay for datagrams. */
static void
check_udp(struct check *c)
{
	struct checkprobe_result r;
	struct sx_endpoint any = { .atyp = SX_ATYP_IPV4 };
	const char *after = c->cfg.udp_mode == CONFIG_UDP_PROXY ?
			    "; programs' UDP fails (SOCKSIFY_UDP=proxy)" :
			    "; programs' UDP goes direct (SOCKSIFY_UDP=direct)";
	char relay[300];

	if (!c->kind->carries_udp) {
		checkout_row("UDP ASSOCIATE", "no: %s%s", c->kind->refuse_udp ?
			  c->kind->refuse_udp : c->kind->refuse_command, after);
		return;
	}
	if (check_not_tried(c, "UDP ASSOCIATE"))
		return;
	checkprobe_exchange(&c->cfg, SOCKS5_CMD_UDP_ASSOCIATE, &any, false,
			    c->cfg.timeout_ms, &r);
	if (r.rc < 0) {
		checkout_row("UDP ASSOCIATE", "refused: %s%s", r.why, after);
		return;
	}
	sx_endpoint_format(&r.bnd, relay, sizeof(relay));
	checkout_row("UDP ASSOCIATE", "yes, relay at %s", relay);
}

/* BIND: a connection back from the destination (FTP active mode). */
static void
check_bind(struct check *c)
{
	struct checkprobe_result r;
	char where[300];

	if (!c->kind->carries_bind) {
		checkout_row("BIND", "no: %s", c->kind->refuse_command);
		return;
	}
	if (check_not_tried(c, "BIND"))
		return;
	checkprobe_exchange(&c->cfg, SOCKS5_CMD_BIND, &c->target, false,
			    c->cfg.timeout_ms, &r);
	if (r.rc < 0) {
		checkout_row("BIND", "refused: %s", r.why);
		return;
	}
	sx_endpoint_format(&r.bnd, where, sizeof(where));
	checkout_row("BIND", "yes, listening at %s", where);
}

/*
 * IPv6 destinations: a CONNECT to [::1] on the proxy's port.  Any answer
 * but "address type not supported" shows that the proxy takes them (the
 * connection itself may well be refused).
 */
static void
check_ipv6(struct check *c)
{
	struct checkprobe_result r;
	struct sx_endpoint v6 = { .atyp = SX_ATYP_IPV6, .port = c->cfg.proxy.port };

	if (!c->kind->carries_ipv6) {
		checkout_row("IPv6", "no: %s", c->kind->refuse_ipv6);
		return;
	}
	if (check_not_tried(c, "IPv6"))
		return;
	v6.addr[15] = 1;
	if (c->target.atyp == SX_ATYP_IPV6)
		v6 = c->target;
	checkprobe_exchange(&c->cfg, SOCKS5_CMD_CONNECT, &v6, false,
			    c->cfg.timeout_ms, &r);
	if (r.rc == 0)
		checkout_row("IPv6", "yes: a CONNECT to an IPv6 address went through");
	else if (r.rc == -EAFNOSUPPORT || !r.answered)
		checkout_row("IPv6", "no: %s", r.why);
	else
		checkout_row("IPv6", "yes: the proxy tried an IPv6 destination (%s)", r.why);
}

/*
 * What the processes of this user remember of the proxy and pipelining
 * (the library's state file, core/pipestate.h): a short text into buf.
 */
static void
check_remembered(const struct check *c, char *buf, size_t cap)
{
	const char *base = secure_getenv("XDG_RUNTIME_DIR");
	char path[512], key[PIPESTATE_KEY_LEN];
	char text[PIPESTATE_TEXT_MAX];
	struct pipestate st;
	int64_t now = (int64_t)time(NULL);
	ssize_t len;
	int fd, verdict;

	snprintf(buf, cap, "nothing remembered");
	if (pipestate_key((const struct sockaddr *)&c->cfg.proxy.addr,
			  c->cfg.proxy.addrlen, key, sizeof(key)) < 0)
		return;
	if (pipestate_runtime_dir(base, getuid(), path, sizeof(path)) < 0 ||
	    strlen(path) + sizeof("/" PIPESTATE_DIR "/" PIPESTATE_NAME) > sizeof(path))
		return;
	strcat(path, "/" PIPESTATE_DIR "/" PIPESTATE_NAME);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	len = read(fd, text, sizeof(text));
	close(fd);
	if (len <= 0)
		return;
	pipestate_clear(&st);
	pipestate_parse(&st, text, (size_t)len, now);
	verdict = pipestate_get(&st, key, now);
	if (verdict == PIPESTATE_DROPS)
		snprintf(buf, cap, "remembered: drops pipelined requests, so connections go lock-step");
	else if (verdict == PIPESTATE_TAKES)
		snprintf(buf, cap, "remembered: answers pipelined requests");
}

/* A pipelined exchange: greeting, authentication and request at once. */
static void
check_pipeline(struct check *c)
{
	struct checkprobe_result r;
	int wait = c->cfg.timeout_ms;
	bool forced = c->cfg.pipeline == CONFIG_PIPELINE_ON;
	char memo[120];

	if (!c->kind->pipelines || !c->kind->steps->greeting) {
		checkout_row("pipelining", "not used with %s", c->kind->protocol);
		return;
	}
	if (c->cfg.proxy.gssapi) {
		checkout_row("pipelining", "not used with GSSAPI authentication "
			  "(its greeting offers more than one method)");
		return;
	}
	if (check_not_tried(c, "pipelining"))
		return;
	if (!forced && wait > CHECK_PIPELINE_WAIT_MS)
		wait = CHECK_PIPELINE_WAIT_MS;
	check_remembered(c, memo, sizeof(memo));
	checkprobe_exchange(&c->cfg, SOCKS5_CMD_CONNECT, &c->target, true, wait, &r);
	/* A refusal of the request is an answer to it: pipelining worked. */
	if (r.rc < 0 && r.answered) {
		checkout_row("pipelining", "accepted: the pipelined request was answered (%s); %s",
			  r.why, memo);
		return;
	}
	if (r.rc == 0) {
		if (c->cfg.pipeline == CONFIG_PIPELINE_OFF)
			checkout_row("pipelining", "accepted; not used (SOCKSIFY_PIPELINE=0); %s", memo);
		else
			checkout_row("pipelining", "accepted, and used%s; %s",
				  forced ? " (SOCKSIFY_PIPELINE=1)" : "", memo);
		return;
	}
	if (forced) {
		checkout_row("pipelining", "not accepted: %s; unset SOCKSIFY_PIPELINE", r.why);
		check_needed_failed(c, "pipelining (SOCKSIFY_PIPELINE=1)", r.why);
		return;
	}
	if (c->cfg.pipeline == CONFIG_PIPELINE_OFF)
		checkout_row("pipelining", "not accepted: %s (not used: SOCKSIFY_PIPELINE=0); %s",
			  r.why, memo);
	else
		checkout_row("pipelining", "not accepted: %s; the library finds this out at the "
			  "first connection and goes lock-step with this proxy; %s", r.why, memo);
}

/*
 * The proxy as the table names it: scheme, host and port, no user; with a
 * list, which of its proxies this is.
 */
static void
check_proxy_row(const struct check *c, size_t i, size_t n)
{
	const struct config_proxy *p = &c->cfg.proxy;
	bool v6 = strchr(p->host, ':') != NULL;
	char which[96] = "";

	if (n > 1)
		snprintf(which, sizeof(which), " (proxy %zu of the %zu listed, checked alone)",
			 i + 1, n);
	checkout_row("proxy", "%s://%s%s%s:%u%s", c->kind->name, v6 ? "[" : "", p->host,
		  v6 ? "]" : "", (unsigned)p->port, which);
}

/* The table for the proxy in c->cfg.proxy, proxy i of n. */
static void
check_one(struct check *c, size_t i, size_t n, bool own_target)
{
	struct checkprobe_result reach;
	char ms[32];

	c->kind = proxykind_of(&c->cfg.proxy);
	if (n > 1)
		snprintf(c->which, sizeof(c->which), "proxy %zu of %zu: ", i + 1, n);
	c->before_request = false;
	c->why_not_tried[0] = '\0';
	if (own_target) {
		sx_endpoint_from_sockaddr(&c->target, (const struct sockaddr *)&c->cfg.proxy.addr,
					  c->cfg.proxy.addrlen);
		c->target_what = " (the proxy's own address)";
	}
	check_proxy_row(c, i, n);
	checkprobe_reach(&c->cfg, c->cfg.timeout_ms, &reach);
	if (reach.rc < 0) {
		checkout_row("reachable", "no: %s", reach.why);
		check_needed_failed(c, "the proxy cannot be reached", reach.why);
		return;
	}
	checkout_ms(reach.us, ms, sizeof(ms));
	checkout_row("reachable", "yes, in %s", ms);
	check_methods(c);
	check_connect(c);
	check_udp(c);
	check_bind(c);
	check_ipv6(c);
	check_pipeline(c);
}

static ssize_t
check_log_writer(int fd, const void *buf, size_t len)
{
	return write(fd, buf, len);
}

int
main(int argc, char **argv)
{
	struct check c = { .ok = true };
	struct config_proxy first;
	size_t n;

	if (argc > 2)
		checkout_die("usage: socksify --check [-p URL | --proxy-file FILE] "
			  "[--check-target HOST:PORT]", NULL);
	config_load(&c.cfg, &syslibc, getenv);
	log_set_writer(check_log_writer);
	log_set_level(c.cfg.log_level);
	if (!c.cfg.valid)
		checkout_die(c.cfg.error, NULL);
	c.kind = proxykind_of(&c.cfg.proxy);
	if (argc == 2)
		check_parse_target(&c, argv[1]);
	/* A list: each proxy in turn, in its order, as if it stood alone. */
	n = c.cfg.hop_count > 1 ? c.cfg.hop_count : 1;
	first = c.cfg.proxy;
	for (size_t i = 0; i < n; i++) {
		c.cfg.proxy = i == 0 ? first : c.cfg.hops[i];
		check_one(&c, i, n, argc != 2);
	}
	if (c.ok)
		checkout_row("verdict", "ok: %s carries what the configuration needs",
			  n > 1 ? "each proxy" : "the proxy");
	else
		checkout_row("verdict", "not ok: %s", c.verdict);
	proxyurl_wipe_password(&first);
	proxyurl_wipe_password(&c.cfg.proxy);
	config_free(&c.cfg);
	return c.ok ? 0 : 1;
}

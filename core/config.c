/*
 * The loader: reads every variable of the knob table (knobs.c) from the
 * environment once at init, hands each value to its parser (proxyurl.c,
 * noproxy.c, knobval.c), and keeps the first thing found wrong as one line
 * naming the variable.  Values are shown in errors only where they cannot
 * hold credentials, short and escaped; a proxy URL never is.
 */
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "chain.h"
#include "config.h"
#include "isolate.h"
#include "knobs.h"
#include "knobval.h"
#include "noproxy.h"
#include "proxykind.h"
#include "proxyurl.h"
#include "text.h"

/* Longest values read from the environment. */
#define CONFIG_URL_MAX 2048
#define CONFIG_NOPROXY_MAX (4u << 20)
#define CONFIG_KNOB_MAX 256

/* Which of the alternative variables has been taken while loading. */
struct config_taken {
	bool proxy;		/* a proxy variable was set: later ones are not read */
	bool noproxy;		/* likewise for NO_PROXY */
	const char *proxy_var;	/* the variable the proxy came from */
};

static void fail(struct config *cfg, const char *var, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Record what is wrong with var; the first error wins. */
static void
fail(struct config *cfg, const char *var, const char *fmt, ...)
{
	size_t n;
	va_list ap;
	int w;

	if (!cfg->valid)
		return;
	cfg->valid = false;
	w = snprintf(cfg->error, sizeof(cfg->error), "%s: ", var);
	if (w < 0 || (size_t)w >= sizeof(cfg->error))
		return;
	n = (size_t)w;
	va_start(ap, fmt);
	vsnprintf(cfg->error + n, sizeof(cfg->error) - n, fmt, ap);
	va_end(ap);
}

/*
 * A value from the environment, or NULL when unset or empty (or too long,
 * or not UTF-8: then cfg records why).  Only the length is shown, never
 * the value, so this is safe for proxy URLs too.
 */
static const char *
env_value(struct config *cfg, char *(*get)(const char *), const char *var,
	  size_t max)
{
	const char *v = get(var);
	size_t n;

	if (v == NULL || v[0] == '\0')
		return NULL;
	n = strnlen(v, max + 1);
	if (n > max) {
		fail(cfg, var, "value too long (more than %zu bytes)", max);
		return NULL;
	}
	if (!text_is_utf8(v, n)) {
		fail(cfg, var, "value is not valid UTF-8");
		return NULL;
	}
	return v;
}

/* The value starts with a scheme that names SOCKS ("socks5h://..."). */
static bool
has_socks_scheme(const char *v)
{
	size_t n = 0;

	while (text_is_alpha(v[n]) || text_is_digit(v[n]))
		n++;
	return n >= 5 && text_equal_nocase(v, "socks", 5) &&
	       strncmp(v + n, "://", 3) == 0;
}

/*
 * SOCKS_PROXY, else the first of the alternatives (ALL_PROXY, all_proxy)
 * that names a SOCKS scheme: those also serve other tools with http://
 * proxies, which are not ours to use.
 */
static void
load_proxy(struct config *cfg, const struct knobs_knob *k,
	   char *(*get)(const char *), struct config_taken *taken)
{
	struct config_proxy p;
	char err[CONFIG_ERR_LEN];
	const char *raw, *v;

	if (taken->proxy)
		return;
	raw = get(k->name);
	if (raw == NULL || raw[0] == '\0')
		return;
	if (k->kind == KNOBS_PROXY_ALT && !has_socks_scheme(raw))
		return;
	taken->proxy = true;
	v = env_value(cfg, get, k->name, CONFIG_URL_MAX);
	if (v == NULL)
		return;
	taken->proxy_var = k->name;
	/*
	 * A list: each URL into a hop, the first also the proxy, which alone
	 * keeps its password (chain_hop()).
	 */
	if (strchr(v, ',') != NULL) {
		if (chain_parse_list(v, cfg->hops, CONFIG_MAX_HOPS, &cfg->hop_count,
				     err, sizeof(err)) < 0) {
			fail(cfg, k->name, "%s", err);
			cfg->hops[0] = cfg->proxy;
			cfg->hop_count = 1;
			return;
		}
		cfg->proxy = cfg->hops[0];
		proxyurl_wipe_password(&cfg->hops[0]);
		return;
	}
	if (proxyurl_parse(v, &p, err, sizeof(err)) < 0) {
		fail(cfg, k->name, "%s", err);
		return;
	}
	cfg->proxy = p;
	cfg->hops[0] = p;
	cfg->hop_count = 1;
	proxyurl_wipe_password(&cfg->hops[0]);
	explicit_bzero(&p, sizeof(p));
}

/* NO_PROXY, else no_proxy. */
static void
load_noproxy(struct config *cfg, const struct knobs_knob *k,
	     char *(*get)(const char *), struct config_taken *taken)
{
	char err[CONFIG_ERR_LEN];
	const char *raw, *v;

	if (taken->noproxy)
		return;
	raw = get(k->name);
	if (k->kind == KNOBS_NOPROXY && (raw == NULL || raw[0] == '\0'))
		return;
	taken->noproxy = true;
	v = env_value(cfg, get, k->name, CONFIG_NOPROXY_MAX);
	if (v == NULL)
		return;
	if (noproxy_parse(v, &cfg->noproxy, &cfg->noproxy_count, err,
			  sizeof(err)) < 0)
		fail(cfg, k->name, "%s", err);
}

/* A simple knob; its value is shown in an error, short and escaped. */
static void
load_value(struct config *cfg, const struct knobs_knob *k,
	   char *(*get)(const char *))
{
	char why[CONFIG_ERR_LEN], shown[TEXT_SHOW_BUF];
	const char *v = env_value(cfg, get, k->name, CONFIG_KNOB_MAX);

	if (v == NULL)
		return;
	if (knobval_parse(k, v, cfg, why, sizeof(why)) < 0) {
		text_show(shown, sizeof(shown), v, strlen(v));
		fail(cfg, k->name, "\"%s\" %s", shown, why);
	}
}

static void
load_knob(struct config *cfg, const struct knobs_knob *k,
	  char *(*get)(const char *), struct config_taken *taken)
{
	switch (k->kind) {
	case KNOBS_PROXY:
	case KNOBS_PROXY_ALT:
		load_proxy(cfg, k, get, taken);
		break;
	case KNOBS_NOPROXY:
	case KNOBS_NOPROXY_ALT:
		load_noproxy(cfg, k, get, taken);
		break;
	case KNOBS_LAUNCHER:
		break;
	default:
		load_value(cfg, k, get);
		break;
	}
}

/*
 * Resolve a proxy's host name once, and keep the first address.  quiet:
 * a failure is no error (the hop before it resolves the name).
 */
static void
resolve_proxy(struct config *cfg, struct config_proxy *p,
	      const struct sx_sys *sys, const char *var, bool quiet)
{
	struct addrinfo hints, *res = NULL;
	char shown[TEXT_SHOW_BUF];
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	int rc;

	text_show(shown, sizeof(shown), p->host, strlen(p->host));
	if (sys == NULL || sys->getaddrinfo == NULL) {
		fail(cfg, var, "cannot resolve proxy host \"%s\": no resolver",
		     shown);
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = sys->getaddrinfo(p->host, NULL, &hints, &res);
	if (rc != 0 && quiet)
		return;
	if (rc != 0) {
		fail(cfg, var, "cannot resolve proxy host \"%s\": %s", shown,
		     gai_strerror(rc));
		return;
	}
	if (res == NULL || res->ai_addr == NULL ||
	    (res->ai_family == AF_INET && res->ai_addrlen < sizeof(sin)) ||
	    (res->ai_family == AF_INET6 && res->ai_addrlen < sizeof(sin6)) ||
	    (res->ai_family != AF_INET && res->ai_family != AF_INET6)) {
		fail(cfg, var,
		     "cannot resolve proxy host \"%s\": no usable address",
		     shown);
		goto out_free;
	}
	if (res->ai_family == AF_INET) {
		memcpy(&sin, res->ai_addr, sizeof(sin));
		proxyurl_set_addr(p, AF_INET, (const uint8_t *)&sin.sin_addr,
				  0);
	} else {
		memcpy(&sin6, res->ai_addr, sizeof(sin6));
		/* A link-local proxy keeps the interface it was found on. */
		proxyurl_set_addr(p, AF_INET6, sin6.sin6_addr.s6_addr,
				  sin6.sin6_scope_id);
	}

out_free:
	if (res != NULL && sys->freeaddrinfo != NULL)
		sys->freeaddrinfo(res);
}

/* Every knob at the default its table entry gives. */
static void
load_defaults(struct config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->valid = true;
	for (size_t i = 0; i < knobs_count; i++) {
		const struct knobs_knob *k = &knobs_table[i];

		if (k->def == NULL)
			continue;
		if (k->kind == KNOBS_PROXY) {
			proxyurl_parse(k->def, &cfg->proxy, NULL, 0);
			cfg->hops[0] = cfg->proxy;
			cfg->hop_count = 1;
		}
		else
			knobval_parse(k, k->def, cfg, NULL, 0);
	}
}

/* The isolation user for one SOCKS5 proxy without credentials. */
static void
isolate_one(struct config_proxy *p)
{
	if (p->has_auth || p->version != 5)
		return;
	p->has_auth = true;
	p->isolate = true;
	/* The password field stays empty: the token is the process's own. */
	memcpy(p->user, ISOLATE_USER, sizeof(ISOLATE_USER));
}

/*
 * The handshake's steps see only the proxy: it carries the GSSAPI
 * settings, which only SOCKS5 has a method for, and only as the one proxy.
 */
static void
give_proxy_gssapi(struct config *cfg)
{
	struct config_proxy *p = &cfg->proxy;

	p->gssapi = cfg->gssapi;
	memcpy(p->gss_service, cfg->gss_service, sizeof(p->gss_service));
	p->gss_protection = cfg->gss_protection;
	/*
	 * The protection GSSAPI sets up would have to carry the next hops'
	 * exchanges too: a list of proxies is refused rather than half done.
	 */
	if (cfg->gssapi && cfg->hop_count > 1)
		fail(cfg, "SOCKSIFY_GSSAPI",
		     "works with one proxy, not with a list of %zu",
		     cfg->hop_count);
	else if (cfg->gssapi && p->version != 5)
		fail(cfg, "SOCKSIFY_GSSAPI",
		     "needs a socks5:// or socks5h:// proxy, not %s:// (only SOCKS5 has authentication methods)",
		     proxykind_of(p)->name);
}

/*
 * SOCKSIFY_ISOLATE=process: a SOCKS5 proxy without credentials in its URL
 * gets the isolation user (isolate.h), whose password each process makes
 * its own.  Credentials in the URL win.  Other kinds cannot carry it: a
 * single proxy of another kind is an error; in a list, the SOCKS5 proxies
 * get it, and a list without one is an error.
 */
static void
isolate_proxy(struct config *cfg)
{
	const struct config_proxy *p = &cfg->proxy;
	bool socks5 = false;

	if (cfg->isolate_mode != CONFIG_ISOLATE_PROCESS)
		return;
	for (size_t i = 0; i < cfg->hop_count; i++)
		socks5 = socks5 || cfg->hops[i].version == 5;
	if (!socks5 && !p->has_auth) {
		fail(cfg, "SOCKSIFY_ISOLATE",
		     "process isolation needs a socks5:// or socks5h:// proxy (Tor's SocksPort), not %s://",
		     proxykind_of(p)->name);
		return;
	}
	isolate_one(&cfg->proxy);
	for (size_t i = 0; i < cfg->hop_count; i++)
		isolate_one(&cfg->hops[i]);
}

void
config_load(struct config *cfg, const struct sx_sys *sys,
	    char *(*get)(const char *))
{
	struct config_taken taken;

	if (cfg == NULL)
		return;
	load_defaults(cfg);
	if (get == NULL) {
		give_proxy_gssapi(cfg);
		return;
	}
	memset(&taken, 0, sizeof(taken));
	for (size_t i = 0; i < knobs_count; i++)
		load_knob(cfg, &knobs_table[i], get, &taken);
	give_proxy_gssapi(cfg);

	if (cfg->valid)
		isolate_proxy(cfg);
	/* No name lookups for a configuration that will not be used. */
	if (!cfg->valid || taken.proxy_var == NULL)
		return;
	for (size_t i = 0; i < cfg->hop_count && cfg->valid; i++)
		if (cfg->hops[i].addrlen == 0)
			resolve_proxy(cfg, &cfg->hops[i], sys, taken.proxy_var,
				      chain_hop_by_name(cfg, i));
	cfg->proxy.addr = cfg->hops[0].addr;
	cfg->proxy.addrlen = cfg->hops[0].addrlen;
}

void
config_free(struct config *cfg)
{
	if (cfg == NULL)
		return;
	noproxy_free(cfg->noproxy, cfg->noproxy_count);
	cfg->noproxy = NULL;
	cfg->noproxy_count = 0;
	proxyurl_wipe_password(&cfg->proxy);
	for (size_t i = 0; i < cfg->hop_count; i++)
		proxyurl_wipe_password(&cfg->hops[i]);
}

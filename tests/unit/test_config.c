/*
 * The loader (core/config.c): config_load() against a scripted
 * environment and a scripted resolver: defaults, which proxy variable
 * wins, resolving the proxy once, NO_PROXY, every knob's good and bad
 * values, and the one error line.  Credentials in these tables are
 * fixtures; checks that involve them use ok() so that a failure never
 * prints them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "cfgcheck.h"
#include "config.h"
#include "log.h"
#include "noproxy.h"
#include "tap.h"

static const char *const *env_table;

static char *
fake_get(const char *name)
{
	for (size_t i = 0; env_table != NULL && env_table[i] != NULL; i += 2) {
		if (strcmp(env_table[i], name) == 0)
			return (char *)env_table[i + 1];
	}
	return NULL;
}

/* A scripted resolver. */
static int gai_calls, gai_frees, gai_result;
static int gai_family;
static char gai_node[300];
static struct addrinfo gai_hints;
static struct addrinfo gai_ai;
static struct sockaddr_storage gai_addr;

static int
fake_getaddrinfo(const char *node, const char *service,
		 const struct addrinfo *hints, struct addrinfo **res)
{
	(void)service;
	gai_calls++;
	snprintf(gai_node, sizeof(gai_node), "%s", node != NULL ? node : "");
	gai_hints = *hints;
	if (gai_result != 0)
		return gai_result;
	memset(&gai_ai, 0, sizeof(gai_ai));
	gai_ai.ai_family = gai_family;
	gai_ai.ai_socktype = SOCK_STREAM;
	gai_ai.ai_addr = (struct sockaddr *)&gai_addr;
	gai_ai.ai_addrlen = gai_family == AF_INET ? SIN_LEN : SIN6_LEN;
	memcpy(&gai_addr, gai_family == AF_INET ? sa4("192.0.2.7", 0) :
						  sa6("2001:db8::7", 0),
	       sizeof(gai_addr));
	*res = &gai_ai;
	return 0;
}

static void
fake_freeaddrinfo(struct addrinfo *res)
{
	(void)res;
	gai_frees++;
}

static const struct sx_sys fake_sys = {
	.getaddrinfo = fake_getaddrinfo,
	.freeaddrinfo = fake_freeaddrinfo,
};

static void
load(struct config *cfg, const char *const *env)
{
	env_table = env;
	gai_calls = 0;
	gai_frees = 0;
	config_load(cfg, &fake_sys, fake_get);
}

static void
test_load_defaults(void)
{
	static const char *const env[] = { NULL };
	static const uint8_t fake4[4] = { 198, 18, 0, 0 };
	static const uint8_t fake6[16] = { 0xfd, 0x53, 0x6f, 0x63, 0x6b, 0x73 };
	struct config cfg;

	memset(&cfg, 0x5a, sizeof(cfg));
	load(&cfg, env);
	ok(cfg.valid, "an empty environment is valid");
	is_str(cfg.error, "", "with no error");
	is_int(cfg.proxy.version, 5, "the default proxy speaks SOCKS5");
	ok(cfg.proxy.remote_dns, "with remote DNS");
	ok(!cfg.proxy.has_auth, "without credentials");
	is_str(cfg.proxy.host, "127.0.0.1", "on 127.0.0.1");
	is_int(cfg.proxy.port, 1080, "port 1080");
	check_addr(&cfg.proxy, AF_INET, "127.0.0.1", 1080, "the default proxy");
	is_int(cfg.noproxy_count, 0, "no NO_PROXY entries");
	ok(cfg.noproxy == NULL, "and no list");
	is_int(cfg.log_level, LOG_LEVEL_WARN, "log level warn");
	is_int(cfg.timeout_ms, 10000, "timeout 10 s");
	is_int(cfg.pipeline, CONFIG_PIPELINE_AUTO, "pipelining auto");
	is_int(cfg.udp_mode, CONFIG_UDP_PROXY, "UDP through the proxy");
	is_int(cfg.packet_mode, CONFIG_PACKET_REFUSE, "packet sockets refused");
	is_int(cfg.loopback_mode, CONFIG_LOOPBACK_DIRECT, "loopback direct");
	ok(cfg.hosts_file, "/etc/hosts names resolve locally");
	is_bytes(cfg.fake_net, fake4, 4, "fake range 198.18.0.0");
	is_int(cfg.fake_prefix, 15, "/15");
	is_bytes(cfg.fake_net6, fake6, 16, "fake IPv6 range fd53:6f63:6b73::");
	is_int(cfg.fake_prefix6, 96, "/96");
	ok(!cfg.proxy.gssapi, "no GSSAPI");
	is_str(cfg.proxy.gss_service, "rcmd", "its service would be rcmd");
	is_int(gai_calls, 0, "and no name lookup");
	config_free(&cfg);

	memset(&cfg, 0x5a, sizeof(cfg));
	config_load(&cfg, NULL, NULL);
	ok(cfg.valid, "no getenv at all gives the defaults");
	is_int(cfg.timeout_ms, 10000, "with the default timeout");
	config_free(&cfg);
}

static void
test_load_proxy(void)
{
	struct config cfg;

	{
		static const char *const env[] = {
			"SOCKS_PROXY", "socks4a://10.9.9.9:1085",
			"ALL_PROXY", "socks5://10.8.8.8", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "SOCKS_PROXY is used");
		is_int(cfg.proxy.version, 4, "its version");
		ok(cfg.proxy.remote_dns, "its DNS mode");
		check_addr(&cfg.proxy, AF_INET, "10.9.9.9", 1085,
			   "SOCKS_PROXY before ALL_PROXY");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKS_PROXY", "", "ALL_PROXY", "socks5://10.8.8.8:9",
			"all_proxy", "socks5://10.7.7.7:9", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "an empty SOCKS_PROXY falls back");
		check_addr(&cfg.proxy, AF_INET, "10.8.8.8", 9,
			   "to ALL_PROXY before all_proxy");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"all_proxy", "SOCKS5H://10.7.7.7:9", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "all_proxy is used");
		check_addr(&cfg.proxy, AF_INET, "10.7.7.7", 9,
			   "all_proxy with an uppercase scheme");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"ALL_PROXY", "http://u:hunter2@squid:3128", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "an http:// ALL_PROXY is ignored, not an error");
		check_addr(&cfg.proxy, AF_INET, "127.0.0.1", 1080,
			   "the default proxy stays");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"ALL_PROXY", "squid:3128", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "an ALL_PROXY without a scheme is ignored");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"ALL_PROXY", "https://squid:3128",
			"all_proxy", "socks5://10.7.7.7:9", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "an https:// ALL_PROXY is skipped");
		check_addr(&cfg.proxy, AF_INET, "10.7.7.7", 9,
			   "for a socks all_proxy");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"ALL_PROXY", "socks5://u:hunter2@10.0.0.1:99999", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "a malformed socks ALL_PROXY is an error");
		ok(strcmp(cfg.error, "ALL_PROXY: port out of range 1-65535") == 0,
		   "named after ALL_PROXY");
		ok(!has(cfg.error, "hunter2"), "without the password");
		check_addr(&cfg.proxy, AF_INET, "127.0.0.1", 1080,
			   "a bad proxy leaves the default");
		ok(cfg.proxy.pass[0] == '\0', "and no password");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"ALL_PROXY", "socks6://10.0.0.1", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "an unknown socks scheme in ALL_PROXY is an error");
		is_str(cfg.error,
		       "ALL_PROXY: unsupported scheme \"socks6\" (use socks4, socks4a, socks5, socks5h or http)",
		       "naming the scheme");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKS_PROXY", "http://10.0.0.1:3128", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "an http:// SOCKS_PROXY is an HTTP CONNECT proxy");
		is_int(cfg.proxy.version, CONFIG_HTTP_CONNECT, "of the HTTP kind");
		ok(cfg.proxy.remote_dns, "which resolves names itself");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKS_PROXY", "socks4://bob:hunter2@10.0.0.1", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "a socks4 password is an error");
		ok(strcmp(cfg.error,
			  "SOCKS_PROXY: SOCKS4 has no password (use socks4://user@host)") == 0,
		   "naming the variable and the problem");
		ok(!has(cfg.error, "hunter2") && !has(cfg.error, "bob"),
		   "without the credentials");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKS_PROXY", "socks5://alice:hunter2@10.0.0.2:1081", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "credentials are loaded");
		ok(cfg.proxy.has_auth, "has_auth is set");
		ok(strcmp(cfg.proxy.user, "alice") == 0, "the user is kept");
		ok(strcmp(cfg.proxy.pass, "hunter2") == 0, "the password is kept");
		config_free(&cfg);
		ok(cfg.proxy.pass[0] == '\0', "config_free wipes the password");
	}
	{
		static const char *const env[] = {
			"SOCKS_PROXY", "socks5://u:hunter\xff@10.0.0.1", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "a proxy URL that is not UTF-8 is an error");
		is_str(cfg.error, "SOCKS_PROXY: value is not valid UTF-8",
		       "which shows nothing of the value");
		config_free(&cfg);
	}
	{
		static char huge[5000];
		static const char *const env[] = {
			"SOCKS_PROXY", huge, NULL
		};

		memcpy(huge, "socks5://u:", 11);
		memset(huge + 11, 'p', sizeof(huge) - 12);
		load(&cfg, env);
		ok(!cfg.valid, "a 5000-byte proxy URL is an error");
		is_str(cfg.error,
		       "SOCKS_PROXY: value too long (more than 2048 bytes)",
		       "which shows nothing of the value");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKS_PROXY", "socks4://[2001:db8::1]:1080", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "a socks4 proxy may be reached over IPv6");
		check_addr(&cfg.proxy, AF_INET6, "2001:db8::1", 1080,
			   "the socks4 IPv6 proxy");
		config_free(&cfg);
	}
}

static void
test_load_resolve(void)
{
	struct config cfg;
	char want[CONFIG_ERR_LEN];
	static const char *const env[] = {
		"SOCKS_PROXY", "socks5h://u:hunter2@proxy.example:1081", NULL
	};

	gai_result = 0;
	gai_family = AF_INET;
	load(&cfg, env);
	ok(cfg.valid, "a proxy host name is resolved");
	is_int(gai_calls, 1, "with one getaddrinfo");
	is_str(gai_node, "proxy.example", "for the host name");
	is_int(gai_hints.ai_family, AF_UNSPEC, "of any family");
	is_int(gai_hints.ai_socktype, SOCK_STREAM, "for a stream socket");
	is_int(gai_frees, 1, "whose result is freed");
	is_str(cfg.proxy.host, "proxy.example", "the host name is kept");
	check_addr(&cfg.proxy, AF_INET, "192.0.2.7", 1081,
		   "the resolved IPv4 proxy");
	config_free(&cfg);

	gai_family = AF_INET6;
	load(&cfg, env);
	ok(cfg.valid, "a name may resolve to IPv6");
	check_addr(&cfg.proxy, AF_INET6, "2001:db8::7", 1081,
		   "the resolved IPv6 proxy");
	config_free(&cfg);

	gai_result = EAI_NONAME;
	load(&cfg, env);
	ok(!cfg.valid, "a name that does not resolve is an error");
	snprintf(want, sizeof(want),
		 "SOCKS_PROXY: cannot resolve proxy host \"proxy.example\": %s",
		 gai_strerror(EAI_NONAME));
	ok(strcmp(cfg.error, want) == 0, "naming the variable, host and reason");
	ok(!has(cfg.error, "hunter2"), "without the password");
	is_int(gai_frees, 0, "nothing to free on failure");
	config_free(&cfg);
	gai_result = 0;

	{
		static const char *const env2[] = {
			"SOCKS_PROXY", "socks5://10.1.1.1", NULL
		};
		load(&cfg, env2);
		is_int(gai_calls, 0, "a numeric proxy needs no lookup");
		config_free(&cfg);
	}
	{
		static const char *const env2[] = {
			"SOCKS_PROXY", "socks5://proxy.example",
			"SOCKSIFY_UDP", "maybe", NULL
		};
		load(&cfg, env2);
		ok(!cfg.valid, "an invalid configuration");
		is_int(gai_calls, 0, "resolves nothing");
		config_free(&cfg);
	}
	{
		static const char *const env2[] = {
			"SOCKS_PROXY", "socks5://proxy.example", NULL
		};
		env_table = env2;
		config_load(&cfg, NULL, fake_get);
		ok(!cfg.valid, "a name without a resolver is an error");
		ok(has(cfg.error, "SOCKS_PROXY: cannot resolve proxy host"),
		   "saying so");
		config_free(&cfg);
	}
}

static void
test_load_noproxy(void)
{
	struct config cfg;

	{
		static const char *const env[] = {
			"NO_PROXY", "a.example, 10.0.0.0/8",
			"no_proxy", "b.example", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "NO_PROXY loads");
		is_int(cfg.noproxy_count, 2, "before no_proxy");
		ok(noproxy_matches(&cfg, "x.a.example", NULL, 0),
		   "and matches");
		ok(!noproxy_matches(&cfg, "b.example", NULL, 0),
		   "no_proxy is not read then");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"NO_PROXY", "", "no_proxy", "b.example", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "no_proxy loads when NO_PROXY is empty");
		ok(noproxy_matches(&cfg, "b.example", NULL, 0),
		   "and matches");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"NO_PROXY", "good.example,10.0.0.0/40", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "a bad NO_PROXY entry is an error");
		is_str(cfg.error,
		       "NO_PROXY: prefix length out of range 0-32 for IPv4 in entry \"10.0.0.0/40\"",
		       "naming the variable and the entry");
		is_int(cfg.noproxy_count, 0, "and no list is kept");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"no_proxy", "[::1", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "a bad no_proxy is an error");
		is_str(cfg.error, "no_proxy: unterminated '[' in entry \"[::1\"",
		       "named after no_proxy");
		config_free(&cfg);
	}
}

struct knob_case {
	const char *var;
	const char *value;
	const char *err;	/* NULL: valid */
};

static const struct knob_case knob_bads[] = {
	{ "SOCKSIFY_LOG", "verbose",
	  "SOCKSIFY_LOG: \"verbose\" is not a log level (none, error, warn, info, debug or 0-4)" },
	{ "SOCKSIFY_LOG", "5",
	  "SOCKSIFY_LOG: \"5\" is not a log level (none, error, warn, info, debug or 0-4)" },
	{ "SOCKSIFY_LOG", "-1",
	  "SOCKSIFY_LOG: \"-1\" is not a log level (none, error, warn, info, debug or 0-4)" },
	{ "SOCKSIFY_LOG", " info",
	  "SOCKSIFY_LOG: \" info\" is not a log level (none, error, warn, info, debug or 0-4)" },
	{ "SOCKSIFY_TIMEOUT", "0",
	  "SOCKSIFY_TIMEOUT: \"0\" out of range (more than 0, at most 3600 seconds)" },
	{ "SOCKSIFY_TIMEOUT", "0.0",
	  "SOCKSIFY_TIMEOUT: \"0.0\" out of range (more than 0, at most 3600 seconds)" },
	{ "SOCKSIFY_TIMEOUT", "3600.001",
	  "SOCKSIFY_TIMEOUT: \"3600.001\" out of range (more than 0, at most 3600 seconds)" },
	{ "SOCKSIFY_TIMEOUT", "3601",
	  "SOCKSIFY_TIMEOUT: \"3601\" out of range (more than 0, at most 3600 seconds)" },
	{ "SOCKSIFY_TIMEOUT", "99999999999999999999999999",
	  "SOCKSIFY_TIMEOUT: \"99999999999999999999999999\" out of range (more than 0, at most 3600 seconds)" },
	{ "SOCKSIFY_TIMEOUT", "-1",
	  "SOCKSIFY_TIMEOUT: \"-1\" is not a number of seconds (such as 10 or 2.5)" },
	{ "SOCKSIFY_TIMEOUT", "1e3",
	  "SOCKSIFY_TIMEOUT: \"1e3\" is not a number of seconds (such as 10 or 2.5)" },
	{ "SOCKSIFY_TIMEOUT", "ten",
	  "SOCKSIFY_TIMEOUT: \"ten\" is not a number of seconds (such as 10 or 2.5)" },
	{ "SOCKSIFY_TIMEOUT", ".",
	  "SOCKSIFY_TIMEOUT: \".\" is not a number of seconds (such as 10 or 2.5)" },
	{ "SOCKSIFY_TIMEOUT", "5s",
	  "SOCKSIFY_TIMEOUT: \"5s\" is not a number of seconds (such as 10 or 2.5)" },
	{ "SOCKSIFY_TIMEOUT", " 5",
	  "SOCKSIFY_TIMEOUT: \" 5\" is not a number of seconds (such as 10 or 2.5)" },
	{ "SOCKSIFY_TIMEOUT", "1.2.3",
	  "SOCKSIFY_TIMEOUT: \"1.2.3\" is not a number of seconds (such as 10 or 2.5)" },
	{ "SOCKSIFY_PIPELINE", "2",
	  "SOCKSIFY_PIPELINE: \"2\" is not auto or a boolean (use auto, 0/1, no/yes, off/on or false/true)" },
	{ "SOCKSIFY_PIPELINE", "enable",
	  "SOCKSIFY_PIPELINE: \"enable\" is not auto or a boolean (use auto, 0/1, no/yes, off/on or false/true)" },
	{ "SOCKSIFY_HOSTS", "y",
	  "SOCKSIFY_HOSTS: \"y\" is not a boolean (use 0/1, no/yes, off/on or false/true)" },
	{ "SOCKSIFY_UDP", "tunnel",
	  "SOCKSIFY_UDP: \"tunnel\" is not proxy or direct" },
	{ "SOCKSIFY_LOOPBACK", "skip",
	  "SOCKSIFY_LOOPBACK: \"skip\" is not direct or proxy" },
	{ "SOCKSIFY_PACKET", "allow",
	  "SOCKSIFY_PACKET: \"allow\" is not refuse or direct" },
	{ "SOCKSIFY_FAKE_NET", "10.0.0.0",
	  "SOCKSIFY_FAKE_NET: \"10.0.0.0\" is not an IPv4 CIDR block such as 198.18.0.0/15" },
	{ "SOCKSIFY_FAKE_NET", "fd00::/64",
	  "SOCKSIFY_FAKE_NET: \"fd00::/64\" is not an IPv4 CIDR block such as 198.18.0.0/15" },
	{ "SOCKSIFY_FAKE_NET", "10.0.0.0/x",
	  "SOCKSIFY_FAKE_NET: \"10.0.0.0/x\" is not an IPv4 CIDR block such as 198.18.0.0/15" },
	{ "SOCKSIFY_FAKE_NET", "10.0.0.0/7",
	  "SOCKSIFY_FAKE_NET: \"10.0.0.0/7\" has prefix length /7, out of range 8-30" },
	{ "SOCKSIFY_FAKE_NET", "10.0.0.0/31",
	  "SOCKSIFY_FAKE_NET: \"10.0.0.0/31\" has prefix length /31, out of range 8-30" },
	{ "SOCKSIFY_FAKE_NET", "10.0.0.1/8",
	  "SOCKSIFY_FAKE_NET: \"10.0.0.1/8\" has host bits set after /8" },
	{ "SOCKSIFY_FAKE_NET", "127.0.0.0/8",
	  "SOCKSIFY_FAKE_NET: \"127.0.0.0/8\" overlaps loopback 127.0.0.0/8" },
	{ "SOCKSIFY_FAKE_NET", "127.64.0.0/10",
	  "SOCKSIFY_FAKE_NET: \"127.64.0.0/10\" overlaps loopback 127.0.0.0/8" },
	{ "SOCKSIFY_FAKE_NET", "0.0.0.0/8",
	  "SOCKSIFY_FAKE_NET: \"0.0.0.0/8\" overlaps 0.0.0.0/8" },
	{ "SOCKSIFY_FAKE_NET", "224.0.0.0/8",
	  "SOCKSIFY_FAKE_NET: \"224.0.0.0/8\" overlaps multicast and reserved space 224.0.0.0/3" },
	{ "SOCKSIFY_FAKE_NET", "255.255.255.0/24",
	  "SOCKSIFY_FAKE_NET: \"255.255.255.0/24\" overlaps multicast and reserved space 224.0.0.0/3" },
	{ "SOCKSIFY_FAKE_NET6", "fd00::",
	  "SOCKSIFY_FAKE_NET6: \"fd00::\" is not an IPv6 CIDR block such as fd53:6f63:6b73::/96" },
	{ "SOCKSIFY_FAKE_NET6", "10.0.0.0/8",
	  "SOCKSIFY_FAKE_NET6: \"10.0.0.0/8\" is not an IPv6 CIDR block such as fd53:6f63:6b73::/96" },
	{ "SOCKSIFY_FAKE_NET6", "fd00::/7",
	  "SOCKSIFY_FAKE_NET6: \"fd00::/7\" has prefix length /7, out of range 8-120" },
	{ "SOCKSIFY_FAKE_NET6", "fd00::/121",
	  "SOCKSIFY_FAKE_NET6: \"fd00::/121\" has prefix length /121, out of range 8-120" },
	{ "SOCKSIFY_FAKE_NET6", "fd00::/129",
	  "SOCKSIFY_FAKE_NET6: \"fd00::/129\" is not an IPv6 CIDR block such as fd53:6f63:6b73::/96" },
	{ "SOCKSIFY_FAKE_NET6", "fd00::1/64",
	  "SOCKSIFY_FAKE_NET6: \"fd00::1/64\" has host bits set after /64" },
	{ "SOCKSIFY_FAKE_NET6", "::/64",
	  "SOCKSIFY_FAKE_NET6: \"::/64\" overlaps loopback ::1" },
	{ "SOCKSIFY_FAKE_NET6", "::/8",
	  "SOCKSIFY_FAKE_NET6: \"::/8\" overlaps loopback ::1" },
	{ "SOCKSIFY_FAKE_NET6", "::ffff:0:0/96",
	  "SOCKSIFY_FAKE_NET6: \"::ffff:0:0/96\" overlaps IPv4-mapped ::ffff:0:0/96" },
	{ "SOCKSIFY_FAKE_NET6", "::ffff:10.0.0.0/104",
	  "SOCKSIFY_FAKE_NET6: \"::ffff:10.0.0.0/104\" overlaps IPv4-mapped ::ffff:0:0/96" },
	{ "SOCKSIFY_FAKE_NET6", "ff00::/16",
	  "SOCKSIFY_FAKE_NET6: \"ff00::/16\" overlaps multicast ff00::/8" },
	{ "SOCKSIFY_FAKE_NET6", "ff05::/64",
	  "SOCKSIFY_FAKE_NET6: \"ff05::/64\" overlaps multicast ff00::/8" },
	{ "SOCKSIFY_UDP", "\xff",
	  "SOCKSIFY_UDP: value is not valid UTF-8" },
	{ "SOCKSIFY_LOG", "\xc0\xaf",
	  "SOCKSIFY_LOG: value is not valid UTF-8" },
	{ "SOCKSIFY_LOG", "\xe0\x80\xaf",
	  "SOCKSIFY_LOG: value is not valid UTF-8" },
	{ "SOCKSIFY_LOG", "\xf4\x90\x80\x80",
	  "SOCKSIFY_LOG: value is not valid UTF-8" },
	{ "SOCKSIFY_LOG", "\xed\xa0\x80",
	  "SOCKSIFY_LOG: value is not valid UTF-8" },
	{ "SOCKSIFY_LOG", "debug\xe2\x82",
	  "SOCKSIFY_LOG: value is not valid UTF-8" },
	{ "SOCKSIFY_UDP", "\xe2\x82\xac",
	  "SOCKSIFY_UDP: \"\\xe2\\x82\\xac\" is not proxy or direct" },
	{ "SOCKSIFY_LOOPBACK", "a\tb",
	  "SOCKSIFY_LOOPBACK: \"a\\x09b\" is not direct or proxy" },
};

static void
test_load_knobs_bad(void)
{
	char label[256];
	struct config cfg;

	for (size_t i = 0; i < SX_ARRAY_LEN(knob_bads); i++) {
		const struct knob_case *c = &knob_bads[i];
		const char *env[] = { c->var, c->value, NULL };

		load(&cfg, env);
		snprintf(label, sizeof(label), "%s #%zu is an error", c->var, i);
		ok(!cfg.valid, label);
		snprintf(label, sizeof(label), "%s #%zu: message", c->var, i);
		is_str(cfg.error, c->err, label);
		snprintf(label, sizeof(label), "%s #%zu: one line", c->var, i);
		ok(is_one_line(cfg.error), label);
		snprintf(label, sizeof(label), "%s #%zu: other knobs keep defaults",
			 c->var, i);
		ok(cfg.timeout_ms == 10000 && cfg.log_level == LOG_LEVEL_WARN &&
			   cfg.fake_prefix == 15 && cfg.fake_prefix6 == 96 &&
			   cfg.udp_mode == CONFIG_UDP_PROXY &&
			   cfg.loopback_mode == CONFIG_LOOPBACK_DIRECT &&
			   cfg.hosts_file && cfg.pipeline == CONFIG_PIPELINE_AUTO,
		   label);
		config_free(&cfg);
	}
}

static void
test_load_knobs_good(void)
{
	static const struct {
		const char *value;
		int level;
	} levels[] = {
		{ "none", 0 }, { "error", 1 }, { "warn", 2 }, { "info", 3 },
		{ "debug", 4 }, { "DEBUG", 4 }, { "0", 0 }, { "1", 1 },
		{ "2", 2 }, { "3", 3 }, { "4", 4 },
	};
	static const struct {
		const char *value;
		int ms;
	} timeouts[] = {
		{ "10", 10000 }, { "2.5", 2500 }, { "0.25", 250 }, { ".5", 500 },
		{ "3.", 3000 }, { "3600", 3600000 }, { "3600.000", 3600000 },
		{ "0.001", 1 }, { "0.0001", 1 }, { "1.0005", 1001 },
		{ "007", 7000 }, { "1.25000000000000000000", 1250 },
	};
	static const struct {
		const char *value;
		bool on;
	} bools[] = {
		{ "0", false }, { "1", true }, { "no", false }, { "yes", true },
		{ "off", false }, { "on", true }, { "false", false },
		{ "true", true }, { "TRUE", true }, { "Off", false },
	};
	char label[256];
	struct config cfg;

	for (size_t i = 0; i < SX_ARRAY_LEN(levels); i++) {
		const char *env[] = { "SOCKSIFY_LOG", levels[i].value, NULL };

		load(&cfg, env);
		snprintf(label, sizeof(label), "SOCKSIFY_LOG=%s", levels[i].value);
		ok(cfg.valid, label);
		is_int(cfg.log_level, levels[i].level, label);
		config_free(&cfg);
	}
	for (size_t i = 0; i < SX_ARRAY_LEN(timeouts); i++) {
		const char *env[] = { "SOCKSIFY_TIMEOUT", timeouts[i].value, NULL };

		load(&cfg, env);
		snprintf(label, sizeof(label), "SOCKSIFY_TIMEOUT=%s",
			 timeouts[i].value);
		ok(cfg.valid, label);
		is_int(cfg.timeout_ms, timeouts[i].ms, label);
		config_free(&cfg);
	}
	for (size_t i = 0; i < SX_ARRAY_LEN(bools); i++) {
		const char *env[] = { "SOCKSIFY_PIPELINE", bools[i].value,
				      "SOCKSIFY_HOSTS", bools[i].value, NULL };

		load(&cfg, env);
		snprintf(label, sizeof(label),
			 "SOCKSIFY_PIPELINE and SOCKSIFY_HOSTS=%s", bools[i].value);
		ok(cfg.valid, label);
		is_int(cfg.pipeline, bools[i].on, label);
		is_int(cfg.hosts_file, bools[i].on, label);
		config_free(&cfg);
	}
	{
		static const char *const env[] = { "SOCKSIFY_PIPELINE", "auto", NULL };

		load(&cfg, env);
		ok(cfg.valid, "SOCKSIFY_PIPELINE=auto");
		is_int(cfg.pipeline, CONFIG_PIPELINE_AUTO, "SOCKSIFY_PIPELINE=auto: auto");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_UDP", "direct", "SOCKSIFY_LOOPBACK", "proxy",
			NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "SOCKSIFY_UDP=direct SOCKSIFY_LOOPBACK=proxy");
		is_int(cfg.udp_mode, CONFIG_UDP_DIRECT, "UDP direct");
		is_int(cfg.packet_mode, CONFIG_PACKET_REFUSE, "packet sockets still refused");
		is_int(cfg.loopback_mode, CONFIG_LOOPBACK_PROXY,
		       "loopback through the proxy");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_PACKET", "Direct", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "SOCKSIFY_PACKET=Direct");
		is_int(cfg.packet_mode, CONFIG_PACKET_DIRECT, "packet sockets allowed");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_UDP", "PROXY", "SOCKSIFY_LOOPBACK", "Direct",
			NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "the mode words ignore case");
		is_int(cfg.udp_mode, CONFIG_UDP_PROXY, "UDP through the proxy");
		is_int(cfg.loopback_mode, CONFIG_LOOPBACK_DIRECT,
		       "loopback direct");
		config_free(&cfg);
	}
	{
		static const uint8_t net[4] = { 10, 64, 0, 0 };
		static const uint8_t net6[16] = { 0xfd, 0x00, 0x00, 0x01 };
		static const char *const env[] = {
			"SOCKSIFY_FAKE_NET", "10.64.0.0/10",
			"SOCKSIFY_FAKE_NET6", "fd00:1::/64", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "fake ranges load");
		is_bytes(cfg.fake_net, net, 4, "the IPv4 range");
		is_int(cfg.fake_prefix, 10, "its prefix");
		is_bytes(cfg.fake_net6, net6, 16, "the IPv6 range");
		is_int(cfg.fake_prefix6, 64, "its prefix");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_FAKE_NET", "100.64.0.0/30",
			"SOCKSIFY_FAKE_NET6", "2001:db8::/120", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "the narrowest fake ranges load");
		is_int(cfg.fake_prefix, 30, "/30");
		is_int(cfg.fake_prefix6, 120, "/120");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_FAKE_NET", "1.0.0.0/8",
			"SOCKSIFY_FAKE_NET6", "100::/8", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "the widest fake ranges next to forbidden space load");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_LOG", "", "SOCKSIFY_TIMEOUT", "",
			"SOCKSIFY_PIPELINE", "", "SOCKSIFY_UDP", "",
			"SOCKSIFY_LOOPBACK", "", "SOCKSIFY_HOSTS", "",
			"SOCKSIFY_FAKE_NET", "", "SOCKSIFY_FAKE_NET6", "", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "empty SOCKSIFY_* values count as unset");
		is_int(cfg.timeout_ms, 10000, "so the defaults stay");
		config_free(&cfg);
	}
}

static void
test_load_errors(void)
{
	struct config cfg;

	{
		static const char *const env[] = {
			"SOCKSIFY_LOG", "debug",
			"SOCKS_PROXY", "socks5://u:hunter2@[::1",
			"SOCKSIFY_TIMEOUT", "x", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "a bad proxy is an error");
		is_int(cfg.log_level, LOG_LEVEL_DEBUG,
		       "the log level is read even so");
		ok(strcmp(cfg.error, "SOCKS_PROXY: unterminated '[' in host") == 0,
		   "the first error wins");
		ok(!has(cfg.error, "hunter2"), "without the password");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_TIMEOUT", "x", "SOCKSIFY_UDP", "y",
			"SOCKSIFY_PIPELINE", "1", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "two bad knobs");
		ok(has(cfg.error, "SOCKSIFY_TIMEOUT: "), "report the first");
		ok(!has(cfg.error, "SOCKSIFY_UDP"), "only");
		ok(cfg.pipeline, "good knobs still load");
		config_free(&cfg);
	}
	{
		static char huge[100000];
		static const char *const env[] = {
			"SOCKSIFY_TIMEOUT", huge, NULL
		};

		memset(huge, '9', sizeof(huge) - 1);
		load(&cfg, env);
		ok(!cfg.valid, "a huge knob value is an error");
		is_str(cfg.error,
		       "SOCKSIFY_TIMEOUT: value too long (more than 256 bytes)",
		       "saying so");
		config_free(&cfg);
	}
	{
		static char long_value[201];
		static const char *const env[] = {
			"SOCKSIFY_LOOPBACK", long_value, NULL
		};

		long_value[0] = '\x1b';
		memset(long_value + 1, 'w', sizeof(long_value) - 2);
		load(&cfg, env);
		ok(!cfg.valid, "a long bad knob value is an error");
		ok(is_one_line(cfg.error), "in one printable line");
		ok(has(cfg.error, "\"\\x1bwww"), "with the escape shown");
		ok(has(cfg.error, "w...\" is not direct or proxy"),
		   "cut short, and the reason kept");
		ok(strlen(cfg.error) < 140, "of a bounded length");
		config_free(&cfg);
	}
	{
		static char big_list[300000];
		static const char *const env[] = {
			"NO_PROXY", big_list, NULL
		};
		size_t n = 0;

		for (int i = 0; i < 10000; i++)
			n += (size_t)snprintf(big_list + n, sizeof(big_list) - n,
					      "n%d.example,", i);
		load(&cfg, env);
		ok(cfg.valid, "a NO_PROXY of 10,000 entries loads");
		is_int(cfg.noproxy_count, 10000, "whole");
		config_free(&cfg);
	}
}

static void
test_load_gssapi(void)
{
	static const char *const on[] = {
		"SOCKS_PROXY", "socks5://10.0.0.1:1080", "SOCKSIFY_GSSAPI", "yes",
		"SOCKSIFY_GSSAPI_SERVICE", "socks", NULL
	};
	static const char *const after[] = {
		"SOCKSIFY_GSSAPI", "1", "ALL_PROXY", "socks5h://10.0.0.1:1080", NULL
	};
	static const char *const socks4[] = {
		"SOCKS_PROXY", "socks4a://10.0.0.1:1080", "SOCKSIFY_GSSAPI", "1", NULL
	};
	static const char *const http[] = {
		"SOCKS_PROXY", "http://10.0.0.1:8080", "SOCKSIFY_GSSAPI", "1", NULL
	};
	struct config cfg;

	load(&cfg, on);
	ok(cfg.valid && cfg.proxy.gssapi, "SOCKSIFY_GSSAPI reaches the proxy");
	is_str(cfg.proxy.gss_service, "socks", "and so does the service");
	is_int(cfg.proxy.gss_protection, CONFIG_GSS_PROT_ANY,
	       "and the protection, by default any");
	config_free(&cfg);
	load(&cfg, after);
	ok(cfg.valid && cfg.proxy.gssapi,
	   "whichever variable names the proxy");
	is_str(cfg.proxy.gss_service, "rcmd", "with the default service");
	config_free(&cfg);
	load(&cfg, socks4);
	ok(!cfg.valid, "GSSAPI with a SOCKS4 proxy is an error");
	is_str(cfg.error, "SOCKSIFY_GSSAPI: needs a socks5:// or socks5h:// proxy, "
	       "not socks4a:// (only SOCKS5 has authentication methods)",
	       "that says why");
	config_free(&cfg);
	load(&cfg, http);
	ok(!cfg.valid, "GSSAPI with an HTTP CONNECT proxy is an error");
	is_str(cfg.error, "SOCKSIFY_GSSAPI: needs a socks5:// or socks5h:// proxy, "
	       "not http:// (only SOCKS5 has authentication methods)",
	       "naming the scheme");
	config_free(&cfg);
}

/* SOCKSIFY_ISOLATE=process: the isolation user, unless the URL has one. */
static void
test_load_isolate(void)
{
	struct config cfg;

	{
		static const char *const env[] = {
			"SOCKS_PROXY", "socks5h://127.0.0.1:9050",
			"SOCKSIFY_ISOLATE", "process", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "process isolation with a socks5h proxy");
		ok(cfg.proxy.isolate && cfg.proxy.has_auth,
		   "authenticates with credentials of the process's own");
		is_str(cfg.proxy.user, "<torS0X>0", "as Tor's extended user name");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_ISOLATE", "process", NULL
		};
		load(&cfg, env);
		ok(cfg.valid && cfg.proxy.isolate,
		   "the default proxy (socks5h) is isolated too");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKS_PROXY", "socks5://alice:hunter2@127.0.0.1:9050",
			"SOCKSIFY_ISOLATE", "process", NULL
		};
		load(&cfg, env);
		ok(cfg.valid && !cfg.proxy.isolate,
		   "credentials in the URL win over isolation");
		is_str(cfg.proxy.user, "alice", "and are the ones sent");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKS_PROXY", "socks5://127.0.0.1:9050",
			"SOCKSIFY_ISOLATE", "none", NULL
		};
		load(&cfg, env);
		ok(cfg.valid && !cfg.proxy.isolate && !cfg.proxy.has_auth,
		   "SOCKSIFY_ISOLATE=none sends no credentials");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKS_PROXY", "http://127.0.0.1:8118",
			"SOCKSIFY_ISOLATE", "process", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "process isolation through an HTTP proxy is an error");
		is_str(cfg.error,
		       "SOCKSIFY_ISOLATE: process isolation needs a socks5:// or socks5h:// proxy (Tor's SocksPort), not http://",
		       "saying what it needs");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_ISOLATE", "thread", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "an unknown isolation is an error");
		config_free(&cfg);
	}
}

int
main(void)
{
	test_load_defaults();
	test_load_gssapi();
	test_load_proxy();
	test_load_resolve();
	test_load_noproxy();
	test_load_knobs_bad();
	test_load_knobs_good();
	test_load_errors();
	test_load_isolate();
	return tap_done();
}

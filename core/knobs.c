/*
 * The one list of configuration knobs (see knobs.h).  A knob added here is
 * read by the loader; scripts/check-knobs.sh (run by tests/knobs.bats)
 * then fails until the README, the help of scripts/socksify and the test
 * environment name it too.  Names and defaults are plain string literals,
 * one per line, so that the check can read them from this file;
 * tests/unit/test_knobs.c checks the defaults against config.h, and
 * "test_knobs --list" prints the table.
 */
#include <stddef.h>

#include "config.h"
#include "knobs.h"

/* The field of struct config a knob sets, by name and by offset. */
#define KNOB_SETS(f) .sets = #f, .field = offsetof(struct config, f)

const struct knobs_knob knobs_table[] = {
	/* The log level first, so that the caller can report the rest. */
	{
		.name = "SOCKSIFY_LOG",
		.kind = KNOBS_LEVEL,
		KNOB_SETS(log_level),
		.values = "none, error, warn, info, debug or 0-4",
		.def = "warn",
		.about = "how much is reported on stderr",
	},
	{
		.name = "SOCKS_PROXY",
		.kind = KNOBS_PROXY,
		KNOB_SETS(proxy),
		.values = "socks4://, socks4a://, socks5://, socks5h:// or http:// URL, or a list of them separated by commas",
		.def = "socks5h://127.0.0.1:1080",
		.about = "the proxy, or the proxies SOCKSIFY_CHAIN uses",
	},
	{
		.name = "ALL_PROXY",
		.kind = KNOBS_PROXY_ALT,
		KNOB_SETS(proxy),
		.values = "a socks URL (other schemes are left alone)",
		.about = "the proxy when SOCKS_PROXY is unset",
	},
	{
		.name = "all_proxy",
		.kind = KNOBS_PROXY_ALT,
		KNOB_SETS(proxy),
		.values = "a socks URL (other schemes are left alone)",
		.about = "the proxy when SOCKS_PROXY and ALL_PROXY give none",
	},
	{
		.name = "NO_PROXY",
		.kind = KNOBS_NOPROXY,
		KNOB_SETS(noproxy),
		.values = "names, addresses, CIDR blocks or *, each with an optional :port",
		.about = "destinations reached directly",
	},
	{
		.name = "no_proxy",
		.kind = KNOBS_NOPROXY_ALT,
		KNOB_SETS(noproxy),
		.values = "as NO_PROXY",
		.about = "destinations reached directly, when NO_PROXY is unset",
	},
	{
		.name = "SOCKSIFY_TIMEOUT",
		.kind = KNOBS_SECONDS,
		KNOB_SETS(timeout_ms),
		.values = "seconds, more than 0, at most 3600, decimals allowed",
		.def = "10",
		.about = "time allowed to set up one connection through the proxy",
	},
	{
		.name = "SOCKSIFY_PIPELINE",
		.kind = KNOBS_AUTOBOOL,
		KNOB_SETS(pipeline),
		.values = "auto, 0/1, no/yes, off/on, false/true",
		.def = "auto",
		.about = "send the SOCKS5 greeting, authentication and request in one write "
			 "(auto: unless the proxy is known to drop such a request)",
	},
	{
		.name = "SOCKSIFY_CHAIN",
		.kind = KNOBS_CHOICE,
		KNOB_SETS(chain_mode),
		.words = { "strict", "dynamic", "failover", "round-robin" },
		.values = "strict, dynamic, failover or round-robin",
		.def = "strict",
		.about = "how a list of proxies is used: all in order, or one per connection",
	},
	{
		.name = "SOCKSIFY_UDP",
		.kind = KNOBS_CHOICE,
		KNOB_SETS(udp_mode),
		.words = { "proxy", "direct" },
		.values = "proxy or direct",
		.def = "proxy",
		.about = "whether UDP may go direct when the proxy cannot carry it",
	},
	{
		.name = "SOCKSIFY_PACKET",
		.kind = KNOBS_CHOICE,
		KNOB_SETS(packet_mode),
		.words = { "refuse", "direct" },
		.values = "refuse or direct",
		.def = "refuse",
		.about = "whether packet sockets (AF_PACKET) may be used",
	},
	{
		.name = "SOCKSIFY_LOOPBACK",
		.kind = KNOBS_CHOICE,
		KNOB_SETS(loopback_mode),
		.words = { "direct", "proxy" },
		.values = "direct or proxy",
		.def = "direct",
		.about = "whether loopback destinations go through the proxy",
	},
	{
		.name = "SOCKSIFY_ISOLATE",
		.kind = KNOBS_CHOICE,
		KNOB_SETS(isolate_mode),
		.words = { "none", "process" },
		.values = "none or process",
		.def = "none",
		.about = "process: each process its own SOCKS5 credentials, for Tor's stream isolation",
	},
	{
		.name = "SOCKSIFY_HOSTS",
		.kind = KNOBS_BOOL,
		KNOB_SETS(hosts_file),
		.values = "0/1, no/yes, off/on, false/true",
		.def = "1",
		.about = "whether names in /etc/hosts resolve locally",
	},
	{
		.name = "SOCKSIFY_FAKE_NET",
		.kind = KNOBS_RANGE4,
		KNOB_SETS(fake_net),
		.field_prefix = offsetof(struct config, fake_prefix),
		.values = "an IPv4 CIDR block, prefix length 8-30",
		.def = "198.18.0.0/15",
		.about = "the IPv4 range fake addresses come from",
	},
	{
		.name = "SOCKSIFY_FAKE_NET6",
		.kind = KNOBS_RANGE6,
		KNOB_SETS(fake_net6),
		.field_prefix = offsetof(struct config, fake_prefix6),
		.values = "an IPv6 CIDR block, prefix length 8-120",
		.def = "fd53:6f63:6b73::/96",
		.about = "the IPv6 range fake addresses come from",
	},
	{
		.name = "SOCKSIFY_GSSAPI",
		.kind = KNOBS_BOOL,
		KNOB_SETS(gssapi),
		.values = "0/1, no/yes, off/on, false/true",
		.def = "0",
		.about = "offer SOCKS5 GSSAPI (Kerberos) authentication, RFC 1961",
	},
	{
		.name = "SOCKSIFY_GSSAPI_SERVICE",
		.kind = KNOBS_NAME,
		KNOB_SETS(gss_service),
		.values = "a service name (principal service/<proxy host>) or a principal with a /",
		.def = "rcmd",
		.about = "the proxy's GSSAPI service",
	},
	{
		.name = "SOCKSIFY_GSSAPI_PROTECTION",
		.kind = KNOBS_CHOICE,
		KNOB_SETS(gss_protection),
		.words = { "none", "integrity", "confidentiality", "any" },
		.values = "none, integrity, confidentiality or any",
		.def = "any",
		.about = "the GSSAPI per-message protection asked of the proxy",
	},
	{
		.name = "SOCKSIFY_LIB",
		.kind = KNOBS_LAUNCHER,
		.sets = "",
		.values = "a path",
		.about = "the library scripts/socksify preloads",
	},
	{
		.name = "SOCKSIFY_ENFORCE",
		.kind = KNOBS_LAUNCHER,
		.sets = "",
		.values = "a boolean",
		.def = "0",
		.about = "run every program under the seccomp supervisor as well",
	},
};

const size_t knobs_count = SX_ARRAY_LEN(knobs_table);

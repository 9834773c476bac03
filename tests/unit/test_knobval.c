/*
 * The values of the simple knobs (core/knobval.c), parsed straight into a
 * struct config: each kind's accepted forms, its error wording, and that a
 * refused value leaves the configuration as it was.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "knobs.h"
#include "knobval.h"
#include "tap.h"

static const struct knobs_knob *
knob(const char *name)
{
	for (size_t i = 0; i < knobs_count; i++) {
		if (strcmp(knobs_table[i].name, name) == 0)
			return &knobs_table[i];
	}
	return NULL;
}

/* v is refused with exactly why, and cfg is untouched. */
static void
refused(const char *name, const char *v, const char *want)
{
	struct config cfg, before;
	char why[CONFIG_ERR_LEN], label[256];
	int rc;

	memset(&cfg, 0x5a, sizeof(cfg));
	memcpy(&before, &cfg, sizeof(cfg));
	rc = knobval_parse(knob(name), v, &cfg, why, sizeof(why));
	snprintf(label, sizeof(label), "%s=\"%s\" is refused", name, v);
	is_int(rc, -EINVAL, label);
	snprintf(label, sizeof(label), "%s=\"%s\": its reason", name, v);
	is_str(why, want, label);
	snprintf(label, sizeof(label), "%s=\"%s\": nothing stored", name, v);
	ok(memcmp(&cfg, &before, sizeof(cfg)) == 0, label);
}

static void
test_level(void)
{
	struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	is_int(knobval_parse(knob("SOCKSIFY_LOG"), "DeBuG", &cfg, NULL, 0), 0,
	       "a level word without case");
	is_int(cfg.log_level, 4, "debug is 4");
	is_int(knobval_parse(knob("SOCKSIFY_LOG"), "1", &cfg, NULL, 0), 0,
	       "a level digit");
	is_int(cfg.log_level, 1, "1 is error");
	refused("SOCKSIFY_LOG", "5",
		"is not a log level (none, error, warn, info, debug or 0-4)");
	refused("SOCKSIFY_LOG", "verbose",
		"is not a log level (none, error, warn, info, debug or 0-4)");
}

static void
test_seconds(void)
{
	struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	is_int(knobval_parse(knob("SOCKSIFY_TIMEOUT"), "2.5", &cfg, NULL, 0), 0,
	       "seconds with a fraction");
	is_int(cfg.timeout_ms, 2500, "in milliseconds");
	is_int(knobval_parse(knob("SOCKSIFY_TIMEOUT"), "0.0001", &cfg, NULL, 0),
	       0, "less than a millisecond");
	is_int(cfg.timeout_ms, 1, "rounds up");
	is_int(knobval_parse(knob("SOCKSIFY_TIMEOUT"), "3600", &cfg, NULL, 0), 0,
	       "an hour");
	is_int(cfg.timeout_ms, 3600000, "is the most");
	refused("SOCKSIFY_TIMEOUT", "0",
		"out of range (more than 0, at most 3600 seconds)");
	refused("SOCKSIFY_TIMEOUT", "3600.001",
		"out of range (more than 0, at most 3600 seconds)");
	refused("SOCKSIFY_TIMEOUT", "99999999999999999999",
		"out of range (more than 0, at most 3600 seconds)");
	refused("SOCKSIFY_TIMEOUT", "10s",
		"is not a number of seconds (such as 10 or 2.5)");
	refused("SOCKSIFY_TIMEOUT", ".",
		"is not a number of seconds (such as 10 or 2.5)");
}

static void
test_bool_and_choice(void)
{
	struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	is_int(knobval_parse(knob("SOCKSIFY_PIPELINE"), "On", &cfg, NULL, 0), 0,
	       "a boolean word without case");
	ok(cfg.pipeline, "on is true");
	is_int(knobval_parse(knob("SOCKSIFY_HOSTS"), "false", &cfg, NULL, 0), 0,
	       "false");
	ok(!cfg.hosts_file, "is false");
	refused("SOCKSIFY_HOSTS", "2",
		"is not a boolean (use 0/1, no/yes, off/on or false/true)");
	is_int(knobval_parse(knob("SOCKSIFY_UDP"), "DIRECT", &cfg, NULL, 0), 0,
	       "a choice without case");
	is_int(cfg.udp_mode, CONFIG_UDP_DIRECT, "is stored as its enum");
	is_int(knobval_parse(knob("SOCKSIFY_LOOPBACK"), "proxy", &cfg, NULL, 0),
	       0, "loopback proxy");
	is_int(cfg.loopback_mode, CONFIG_LOOPBACK_PROXY, "is stored as its enum");
	refused("SOCKSIFY_PACKET", "allow", "is not refuse or direct");
}

static void
test_ranges(void)
{
	struct config cfg;
	static const uint8_t net[4] = { 10, 64, 0, 0 };
	static const uint8_t net6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					  0, 0, 0, 0 };

	memset(&cfg, 0, sizeof(cfg));
	is_int(knobval_parse(knob("SOCKSIFY_FAKE_NET"), "10.64.0.0/10", &cfg,
			     NULL, 0),
	       0, "an IPv4 block");
	is_bytes(cfg.fake_net, net, 4, "its network");
	is_int(cfg.fake_prefix, 10, "its prefix length");
	is_int(knobval_parse(knob("SOCKSIFY_FAKE_NET6"), "fd00::/64", &cfg,
			     NULL, 0),
	       0, "an IPv6 block");
	is_bytes(cfg.fake_net6, net6, 16, "its network");
	is_int(cfg.fake_prefix6, 64, "its prefix length");
	refused("SOCKSIFY_FAKE_NET", "10.0.0.0",
		"is not an IPv4 CIDR block such as 198.18.0.0/15");
	refused("SOCKSIFY_FAKE_NET", "10.0.0.0/31",
		"has prefix length /31, out of range 8-30");
	refused("SOCKSIFY_FAKE_NET", "10.0.0.1/24", "has host bits set after /24");
	refused("SOCKSIFY_FAKE_NET", "127.0.0.0/16",
		"overlaps loopback 127.0.0.0/8");
	refused("SOCKSIFY_FAKE_NET6", "::ffff:0:0/96",
		"overlaps IPv4-mapped ::ffff:0:0/96");
	refused("SOCKSIFY_FAKE_NET6", "fd00::/121",
		"has prefix length /121, out of range 8-120");
}

static void
test_protection(void)
{
	const struct knobs_knob *k = knob("SOCKSIFY_GSSAPI_PROTECTION");
	struct config cfg;
	char why[CONFIG_ERR_LEN];

	memset(&cfg, 0, sizeof(cfg));
	is_int(knobval_parse(k, "confidentiality", &cfg, why, sizeof(why)), 0,
	       "the third of four words");
	is_int(cfg.gss_protection, CONFIG_GSS_PROT_CONFIDENTIALITY, "kept as its index");
	is_int(knobval_parse(k, "ANY", &cfg, why, sizeof(why)), 0,
	       "the fourth, in capitals");
	is_int(cfg.gss_protection, CONFIG_GSS_PROT_ANY, "kept as its index");
	refused("SOCKSIFY_GSSAPI_PROTECTION", "strong",
		"is not none, integrity, confidentiality or any");
	refused("SOCKSIFY_UDP", "maybe", "is not proxy or direct");
}

static void
test_name(void)
{
	static char longest[CONFIG_GSS_SERVICE_MAX + 2];
	struct config cfg;
	char why[CONFIG_ERR_LEN];

	memset(&cfg, 0, sizeof(cfg));
	is_int(knobval_parse(knob("SOCKSIFY_GSSAPI_SERVICE"), "socks", &cfg, why,
			     sizeof(why)), 0, "a service name");
	is_str(cfg.gss_service, "socks", "is kept as written");
	is_int(knobval_parse(knob("SOCKSIFY_GSSAPI_SERVICE"),
			     "rcmd/proxy.example@EXAMPLE.COM", &cfg, why,
			     sizeof(why)), 0, "a whole principal");
	is_str(cfg.gss_service, "rcmd/proxy.example@EXAMPLE.COM", "is kept too");
	memset(longest, 'a', CONFIG_GSS_SERVICE_MAX);
	is_int(knobval_parse(knob("SOCKSIFY_GSSAPI_SERVICE"), longest, &cfg, why,
			     sizeof(why)), 0, "255 bytes fit");
	longest[CONFIG_GSS_SERVICE_MAX] = 'a';
	refused("SOCKSIFY_GSSAPI_SERVICE", longest, "is not a name of 1 to 255 bytes");
	refused("SOCKSIFY_GSSAPI_SERVICE", "", "is not a name of 1 to 255 bytes");
	refused("SOCKSIFY_GSSAPI_SERVICE", "rcmd host",
		"holds a space or a byte that is not printable ASCII");
	refused("SOCKSIFY_GSSAPI_SERVICE", "rcmd\tx",
		"holds a space or a byte that is not printable ASCII");
}

static void
test_other_kinds(void)
{
	struct config cfg;
	char why[CONFIG_ERR_LEN];

	memset(&cfg, 0, sizeof(cfg));
	is_int(knobval_parse(knob("SOCKS_PROXY"), "socks5://h", &cfg, why,
			     sizeof(why)),
	       -EINVAL, "a proxy URL is not a simple knob");
	is_int(knobval_parse(knob("SOCKSIFY_LIB"), "/x.so", &cfg, NULL, 0),
	       -EINVAL, "nor is the launcher's library");
}

int
main(void)
{
	test_level();
	test_seconds();
	test_bool_and_choice();
	test_ranges();
	test_protection();
	test_name();
	test_other_kinds();
	return tap_done();
}

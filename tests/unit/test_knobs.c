/*
 * The table of knobs (core/knobs.c): every entry is complete, names are
 * unique, the defaults agree with config.h and parse, the two-word choices
 * keep their words in the order of their enums, and the loader reads every
 * variable of the table (a bad value of each is reported under its name).
 * With --list, print the table instead: one knob a line, tab-separated
 * name, kind, field set, default, values and description.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "knobs.h"
#include "knobval.h"
#include "log.h"
#include "tap.h"

static const char *const kind_names[] = {
	[KNOBS_PROXY] = "proxy",
	[KNOBS_PROXY_ALT] = "proxy-alt",
	[KNOBS_NOPROXY] = "noproxy",
	[KNOBS_NOPROXY_ALT] = "noproxy-alt",
	[KNOBS_LEVEL] = "level",
	[KNOBS_SECONDS] = "seconds",
	[KNOBS_BOOL] = "bool",
	[KNOBS_AUTOBOOL] = "autobool",
	[KNOBS_CHOICE] = "choice",
	[KNOBS_RANGE4] = "range4",
	[KNOBS_RANGE6] = "range6",
	[KNOBS_NAME] = "name",
	[KNOBS_LAUNCHER] = "launcher",
};

static const struct knobs_knob *
knob(const char *name)
{
	for (size_t i = 0; i < knobs_count; i++) {
		if (strcmp(knobs_table[i].name, name) == 0)
			return &knobs_table[i];
	}
	printf("Bail out! no knob %s\n", name);
	exit(1);
}

static int
list(void)
{
	for (size_t i = 0; i < knobs_count; i++) {
		const struct knobs_knob *k = &knobs_table[i];

		printf("%s\t%s\t%s\t%s\t%s\t%s\n", k->name, kind_names[k->kind],
		       k->sets, k->def != NULL ? k->def : "", k->values,
		       k->about);
	}
	return 0;
}

static bool
is_simple(enum knobs_kind kind)
{
	return kind == KNOBS_LEVEL || kind == KNOBS_SECONDS ||
	       kind == KNOBS_BOOL || kind == KNOBS_AUTOBOOL ||
	       kind == KNOBS_CHOICE ||
	       kind == KNOBS_RANGE4 || kind == KNOBS_RANGE6 ||
	       kind == KNOBS_NAME;
}

static void
test_entries(void)
{
	char label[256];
	bool proxy_seen = false, noproxy_seen = false;

	ok(knobs_count >= 15, "the table lists the knobs");
	is_str(knobs_table[0].name, "SOCKSIFY_LOG",
	       "the log level is read first, so the rest can be reported");
	for (size_t i = 0; i < knobs_count; i++) {
		const struct knobs_knob *k = &knobs_table[i];

		snprintf(label, sizeof(label), "%s: name, values and description",
			 k->name);
		ok(k->name[0] != '\0' && k->values != NULL &&
			   k->values[0] != '\0' && k->about != NULL &&
			   k->about[0] != '\0',
		   label);
		snprintf(label, sizeof(label), "%s: a known kind", k->name);
		ok(k->kind <= KNOBS_LAUNCHER, label);
		snprintf(label, sizeof(label), "%s: names the field it sets",
			 k->name);
		ok(k->sets != NULL &&
			   (k->kind == KNOBS_LAUNCHER) == (k->sets[0] == '\0'),
		   label);
		for (size_t j = 0; j < i; j++) {
			snprintf(label, sizeof(label), "%s: listed once", k->name);
			if (strcmp(knobs_table[j].name, k->name) == 0)
				ok(false, label);
		}
		if (k->kind == KNOBS_PROXY)
			proxy_seen = true;
		if (k->kind == KNOBS_NOPROXY)
			noproxy_seen = true;
		snprintf(label, sizeof(label),
			 "%s: an alternative comes after what it stands in for",
			 k->name);
		if (k->kind == KNOBS_PROXY_ALT)
			ok(proxy_seen, label);
		if (k->kind == KNOBS_NOPROXY_ALT)
			ok(noproxy_seen, label);
	}
}

static void
test_defaults(void)
{
	struct config cfg;
	char why[CONFIG_ERR_LEN], label[256];

	is_str(knob("SOCKS_PROXY")->def, CONFIG_DEFAULT_URL,
	       "the default proxy is config.h's");
	is_str(knob("SOCKSIFY_FAKE_NET")->def, CONFIG_DEFAULT_FAKE_NET,
	       "the default IPv4 fake range is config.h's");
	is_str(knob("SOCKSIFY_FAKE_NET6")->def, CONFIG_DEFAULT_FAKE_NET6,
	       "the default IPv6 fake range is config.h's");
	memset(&cfg, 0, sizeof(cfg));
	is_int(knobval_parse(knob("SOCKSIFY_TIMEOUT"),
			     knob("SOCKSIFY_TIMEOUT")->def, &cfg, NULL, 0),
	       0, "the default timeout parses");
	is_int(cfg.timeout_ms, CONFIG_DEFAULT_TIMEOUT_MS,
	       "to config.h's default timeout");
	is_int(knobval_parse(knob("SOCKSIFY_LOG"), knob("SOCKSIFY_LOG")->def,
			     &cfg, NULL, 0),
	       0, "the default log level parses");
	is_int(cfg.log_level, LOG_LEVEL_WARN, "to warn");

	for (size_t i = 0; i < knobs_count; i++) {
		const struct knobs_knob *k = &knobs_table[i];

		if (!is_simple(k->kind))
			continue;
		snprintf(label, sizeof(label), "%s: its default parses", k->name);
		ok(k->def != NULL &&
			   knobval_parse(k, k->def, &cfg, why, sizeof(why)) == 0,
		   label);
	}
}

static void
test_choices(void)
{
	const struct knobs_knob *udp = knob("SOCKSIFY_UDP");
	const struct knobs_knob *packet = knob("SOCKSIFY_PACKET");
	const struct knobs_knob *loopback = knob("SOCKSIFY_LOOPBACK");

	is_str(udp->words[CONFIG_UDP_PROXY], "proxy", "udp proxy");
	is_str(udp->words[CONFIG_UDP_DIRECT], "direct", "udp direct");
	is_str(packet->words[CONFIG_PACKET_REFUSE], "refuse", "packet refuse");
	is_str(packet->words[CONFIG_PACKET_DIRECT], "direct", "packet direct");
	is_str(loopback->words[CONFIG_LOOPBACK_DIRECT], "direct",
	       "loopback direct");
	is_str(loopback->words[CONFIG_LOOPBACK_PROXY], "proxy",
	       "loopback proxy");
	is_str(knob("SOCKSIFY_GSSAPI_PROTECTION")->words[CONFIG_GSS_PROT_NONE],
	       "none", "protection none");
	is_str(knob("SOCKSIFY_GSSAPI_PROTECTION")->words[CONFIG_GSS_PROT_INTEGRITY],
	       "integrity", "protection integrity");
	is_str(knob("SOCKSIFY_GSSAPI_PROTECTION")->words[CONFIG_GSS_PROT_CONFIDENTIALITY],
	       "confidentiality", "protection confidentiality");
	is_str(knob("SOCKSIFY_GSSAPI_PROTECTION")->words[CONFIG_GSS_PROT_ANY],
	       "any", "protection any");
}

/* One variable set, every other unset. */
static const char *one_name, *one_value;

static char *
one_get(const char *name)
{
	if (one_name != NULL && strcmp(name, one_name) == 0)
		return (char *)one_value;
	return NULL;
}

/* A value each kind refuses. */
static const char *
bad_value(enum knobs_kind kind)
{
	switch (kind) {
	case KNOBS_PROXY:
	case KNOBS_PROXY_ALT:
		return "socks9://10.0.0.1";
	case KNOBS_NOPROXY:
	case KNOBS_NOPROXY_ALT:
		return "[";
	case KNOBS_NAME:
		return "two words";
	default:
		return "nonsense";
	}
}

static void
test_loader_reads_every_knob(void)
{
	struct config cfg;
	char label[256], want[128];

	for (size_t i = 0; i < knobs_count; i++) {
		const struct knobs_knob *k = &knobs_table[i];

		one_name = k->name;
		one_value = bad_value(k->kind);
		config_load(&cfg, NULL, one_get);
		snprintf(want, sizeof(want), "%s: ", k->name);
		if (k->kind == KNOBS_LAUNCHER) {
			snprintf(label, sizeof(label),
				 "%s is not read by the library", k->name);
			ok(cfg.valid, label);
		} else {
			snprintf(label, sizeof(label),
				 "a bad %s is reported under its name", k->name);
			ok(!cfg.valid && strncmp(cfg.error, want, strlen(want)) == 0,
			   label);
		}
		config_free(&cfg);
	}
	one_name = NULL;
}

int
main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "--list") == 0)
		return list();
	test_entries();
	test_defaults();
	test_choices();
	test_loader_reads_every_knob();
	return tap_done();
}

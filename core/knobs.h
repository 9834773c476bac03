/*
 * The configuration knobs: every environment variable socksify reads, in
 * one table, in the order the loader reads them.  Each entry says what the
 * variable sets in struct config, what values it takes, its default as it
 * would be written, and what it is for, in one line.  The loader reads the
 * variables from this table and sets the defaults from it; the README's
 * variable table, "socksify --help" and the test environment's scrubbing
 * list are checked against it (tests/knobs.bats).
 */
#ifndef SX_KNOBS_H
#define SX_KNOBS_H

#include <stddef.h>

enum knobs_kind {
	KNOBS_PROXY,		/* the proxy URL */
	KNOBS_PROXY_ALT,	/* a proxy URL read only when no earlier one is set,
				   and only when it names a socks scheme */
	KNOBS_NOPROXY,		/* a NO_PROXY list */
	KNOBS_NOPROXY_ALT,	/* a NO_PROXY list read only when the earlier
				   one is unset or empty */
	KNOBS_LEVEL,		/* a log level: a word or 0-4 */
	KNOBS_SECONDS,		/* seconds, decimals allowed, kept in ms */
	KNOBS_BOOL,		/* 0/1, no/yes, off/on, false/true */
	KNOBS_AUTOBOOL,		/* auto or a boolean, kept as 2 (auto), 0 or 1 */
	KNOBS_CHOICE,		/* one of up to four words, kept as its index */
	KNOBS_RANGE4,		/* an IPv4 CIDR block for fake addresses */
	KNOBS_RANGE6,		/* an IPv6 CIDR block for fake addresses */
	KNOBS_NAME,		/* a name: 1-255 printable bytes, no space */
	KNOBS_LAUNCHER,		/* read by scripts/socksify, not by the library */
};

struct knobs_knob {
	const char *name;	/* the environment variable */
	enum knobs_kind kind;
	const char *sets;	/* the field of struct config it sets, or "" */
	size_t field;		/* offsetof() that field */
	size_t field_prefix;	/* RANGE4, RANGE6: offsetof() the prefix length */
	const char *words[4];	/* CHOICE: the words kept as 0, 1, ... (NULL after the last) */
	const char *values;	/* the values it takes, for people */
	const char *def;	/* the default as written, NULL when none */
	const char *about;	/* what it is for, one line */
};

extern const struct knobs_knob knobs_table[];
extern const size_t knobs_count;

#endif

/*
 * The hosts file as a table: its text parsed into one entry per name on a
 * line, sorted by name, and the lookups of a name and of an address in
 * it.  Pure functions; the cache that reads the file is hosts.h.
 */
#ifndef SX_HOSTSTAB_H
#define SX_HOSTSTAB_H

#include <stddef.h>
#include <stdint.h>

#include "hosts.h"

/* One name on one line. */
struct hoststab_entry {
	const char *name;	/* into the table's text, not terminated */
	const char *canon;	/* the line's first name, not terminated */
	uint16_t name_len;	/* 1..255 */
	uint16_t canon_len;
	uint32_t line;		/* line number, from 1 */
	struct hosts_addr addr;
};

/* A parsed file: entries sorted by name (ignoring ASCII case), then line. */
struct hoststab {
	char *text;		/* a private copy of the file */
	struct hoststab_entry *entries;
	size_t count;
};

/*
 * Parse the text of a hosts file into t (which the caller frees with
 * hoststab_free()).  A line is an address and one or more names separated
 * by blanks; '#' starts a comment.  Lines whose address is not a plain IPv4
 * dotted quad or IPv6 address, and names longer than 255 bytes, are
 * skipped, as the C library's own reader skips them.  0 or -ENOMEM.
 */
int hoststab_parse(const char *text, size_t len, struct hoststab *t);
void hoststab_free(struct hoststab *t);
/*
 * What t says about name (compared ignoring ASCII case, otherwise exactly:
 * "host." is not "host").  Returns the number of addresses (0: not listed).
 */
size_t hoststab_find(const struct hoststab *t, const char *name,
		     struct hosts_answer *out);
/*
 * The canonical name of the first line giving addr (4 or 16 bytes by
 * family), copied into name.  0, -ENOENT, or -ENOSPC when cap is too small.
 */
int hoststab_find_addr(const struct hoststab *t, int family,
		       const uint8_t *addr, char *name, size_t cap);

#endif

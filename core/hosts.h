/*
 * The hosts file (/etc/hosts): which names it lists, with which addresses,
 * and which name an address has in it.  Names listed there are answered
 * from it by the library itself, so no other source of names (DNS) is ever
 * asked about them, whatever order nsswitch.conf gives.
 *
 * hosts_parse() and hosts_find*() are pure functions on a table.
 * hosts_lookup_*() read a file through open/pread (calls the library does
 * not interpose), keep one parsed copy, and parse it again when the file's
 * identity, size or modification time changes.  That cache has its own
 * mutex (hosts_lock in hosts.c), taken only to look up or to swap in a
 * table parsed outside it; the file is never read with the lock held.
 */
#ifndef SX_HOSTS_H
#define SX_HOSTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sys.h"

#define HOSTS_PATH "/etc/hosts"
/* Addresses kept for one name; further lines naming it are ignored. */
#define HOSTS_ADDR_MAX 16
/* A larger file is not read (the names in it then resolve remotely). */
#define HOSTS_FILE_MAX (64u << 20)

struct hosts_addr {
	int family;		/* AF_INET or AF_INET6 */
	uint8_t addr[16];	/* 4 bytes for AF_INET, 16 for AF_INET6 */
};

/* Everything the file says about one name. */
struct hosts_answer {
	char canon[256];	/* the first name of the first line listing it */
	size_t count;
	struct hosts_addr addr[HOSTS_ADDR_MAX];	/* in file order */
};

/* One name on one line. */
struct hosts_entry {
	const char *name;	/* into the table's text, not terminated */
	const char *canon;	/* the line's first name, not terminated */
	uint16_t name_len;	/* 1..255 */
	uint16_t canon_len;
	uint32_t line;		/* line number, from 1 */
	struct hosts_addr addr;
};

/* A parsed file: entries sorted by name (ignoring ASCII case), then line. */
struct hosts_table {
	char *text;		/* a private copy of the file */
	struct hosts_entry *entries;
	size_t count;
};

/*
 * Parse the text of a hosts file into t (which the caller frees with
 * hosts_free()).  A line is an address and one or more names separated by
 * blanks; '#' starts a comment.  Lines whose address is not a plain IPv4
 * dotted quad or IPv6 address, and names longer than 255 bytes, are
 * skipped, as the C library's own reader skips them.  0 or -ENOMEM.
 */
int hosts_parse(const char *text, size_t len, struct hosts_table *t);
void hosts_free(struct hosts_table *t);
/*
 * What t says about name (compared ignoring ASCII case, otherwise exactly:
 * "host." is not "host").  Returns the number of addresses (0: not listed).
 */
size_t hosts_find(const struct hosts_table *t, const char *name,
		  struct hosts_answer *out);
/*
 * The canonical name of the first line giving addr (4 or 16 bytes by
 * family), copied into name.  0, -ENOENT, or -ENOSPC when cap is too small.
 */
int hosts_find_addr(const struct hosts_table *t, int family,
		    const uint8_t *addr, char *name, size_t cap);

/*
 * hosts_find() and hosts_find_addr() on the file at path (HOSTS_PATH when
 * NULL), read through the cache.  A missing or unreadable file lists
 * nothing.  sys->close closes the file.
 */
size_t hosts_lookup_name(const char *path, const struct sx_sys *sys,
			 const char *name, struct hosts_answer *out);
int hosts_lookup_addr(const char *path, const struct sx_sys *sys, int family,
		      const uint8_t *addr, char *name, size_t cap);
/* Drop the cache (tests). */
void hosts_reset(void);
/* Make the lock usable in a forked child (pthread_atfork handlers). */
void hosts_atfork_prepare(void);
void hosts_atfork_parent(void);
void hosts_atfork_child(void);

#endif

/*
 * The hosts file (/etc/hosts): which names it lists, with which addresses,
 * and which name an address has in it.  Names listed there are answered
 * from it by the library itself, so no other source of names (DNS) is ever
 * asked about them, whatever order nsswitch.conf gives.
 *
 * The parser and the lookups in a parsed table are hoststab.h, pure
 * functions.  hosts_lookup_*() read a file through open/pread (calls the
 * library does not interpose), keep one parsed copy, and parse it again
 * when the file's identity, size or modification time changes.  That cache has its own
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

/*
 * hoststab_find() and hoststab_find_addr() on the file at path (HOSTS_PATH
 * when NULL), read through the cache.  A missing or unreadable file lists
 * nothing.  sys->close closes the file.
 */
size_t hosts_lookup_name(const char *path, const struct sx_sys *sys,
			 const char *name, struct hosts_answer *out);
int hosts_lookup_addr(const char *path, const struct sx_sys *sys, int family,
		      const uint8_t *addr, char *name, size_t cap);
/* Drop the cache (tests). */
void hosts_reset(void);

#endif

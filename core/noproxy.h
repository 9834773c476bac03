/*
 * NO_PROXY: parsing the list into struct config_noproxy entries (declared
 * with the configuration they are part of) and matching a destination
 * against the entries of a loaded configuration.  Pure functions; the
 * entries are immutable once loaded, so matching takes no lock.
 */
#ifndef SX_NOPROXY_H
#define SX_NOPROXY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "config.h"

/*
 * Parse a NO_PROXY list (comma or space separated) into *out, *count
 * entries, freed with noproxy_free().  On error fill err (one line naming
 * the entry and what is wrong with it) and return -EINVAL or -ENOMEM.
 */
int noproxy_parse(const char *list, struct config_noproxy **out,
		  size_t *count, char *err, size_t errlen);
void noproxy_free(struct config_noproxy *np, size_t count);
/*
 * True when a destination is excluded by NO_PROXY: name may be NULL (an
 * address only), sa may be NULL (a name only).
 */
bool noproxy_matches(const struct config *cfg, const char *name,
		     const struct sockaddr *sa, socklen_t salen);
/*
 * True when host name `name` reached on `port` is excluded by NO_PROXY
 * (port 0 or -1: unknown, so entries with a port do not apply).  Used where
 * the name is known only at connect time, behind a fake address: address
 * entries apply only to a name that is an address literal.
 */
bool noproxy_matches_name(const struct config *cfg, const char *name,
			  int port);

#endif

/*
 * The resolver's name policy: which names the resolver hooks answer with
 * fake addresses and which resolve for real, and what the odd shapes of
 * reverse lookups (lengths, families, IPv4 inside IPv6) stand for.  Pure
 * decisions on strings and bytes, given the configuration and the hosts
 * file (read through core/hosts.c); the hooks ask, then act.
 */
#ifndef SX_NAMEPOLICY_H
#define SX_NAMEPOLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "hosts.h"
#include "sys.h"

/* Longest name answered, without a trailing dot. */
#define NAMEPOLICY_NAME_MAX 255

/* Where the answer for a name comes from (remote DNS, or an invalid configuration). */
enum namepolicy_source {
	NAMEPOLICY_REAL,	/* the real resolver: NO_PROXY excludes the name */
	NAMEPOLICY_LOCAL,	/* the hosts file lists it (SOCKSIFY_HOSTS) */
	NAMEPOLICY_LOCALHOST,	/* the hosts file, else the loopback address */
	NAMEPOLICY_FAKE,	/* a fake address: the proxy resolves it */
};

/* namepolicy_byaddr_shape()'s answer for a length longer than the family's address. */
#define NAMEPOLICY_BYADDR_LONG 1

/*
 * True when names go to the real resolver: the configuration is valid and
 * its proxy does not resolve names (socks4://, socks5://).
 */
bool namepolicy_resolves_locally(const struct config *cfg);

/* The length of name without one trailing dot (at most NAMEPOLICY_NAME_MAX + 1). */
size_t namepolicy_name_len(const char *name);

/* True for a name that may be answered at all: not empty, 255 bytes at most. */
bool namepolicy_name_fits(const char *name);

/* "localhost" and names under ".localhost" (RFC 6761), any case, one trailing dot. */
bool namepolicy_is_localhost(const char *name);

/*
 * True for the names the C library's gethostbyname() family parses as
 * addresses of family without asking any name service (glibc's
 * digits-and-dots rule).
 */
bool namepolicy_is_digits_dots(const char *name, int family);

/*
 * True when node cannot be a numeric address in any form the C library
 * reads (inet_aton's hex and octal parts, IPv6 with a scope): it has no
 * ':' and a character that is neither a hex digit, 'x' nor '.'.
 */
bool namepolicy_is_plain_name(const char *node);

/*
 * Where the answer for name comes from under remote DNS.  The hosts file
 * (hosts_path, NULL for the system's, read through sys) is asked for
 * localhost names always and for others when cfg->hosts_file is on;
 * NAMEPOLICY_LOCAL and NAMEPOLICY_LOCALHOST fill ans (a localhost answer
 * the file lacks is left empty: see namepolicy_complete_localhost()).
 */
enum namepolicy_source namepolicy_decide(const struct config *cfg,
					 const struct sx_sys *sys,
					 const char *hosts_path,
					 const char *name,
					 struct hosts_answer *ans);

/*
 * Give a localhost answer the loopback address of family when it holds
 * none of that family (AF_UNSPEC: when it holds none at all, both).
 */
void namepolicy_complete_localhost(struct hosts_answer *ans, int family);

/*
 * The family and address a reverse lookup of (family, *addr) is about, as
 * the C library's DNS module reads a 16-byte IPv6 address: an IPv4-mapped
 * one (::ffff:a.b.c.d) or an IPv4-compatible one (::a.b.c.d, other than
 * :: and ::1) stands for its IPv4 address.  Moves *addr accordingly.
 */
int namepolicy_reverse_family(int family, const uint8_t **addr);

/*
 * The family under which the hosts file names (family, *addr): an
 * IPv4-mapped IPv6 address as its IPv4 address.  Moves *addr accordingly.
 */
int namepolicy_hosts_family(int family, const uint8_t **addr);

/*
 * What the arguments of gethostbyaddr() mean under remote DNS: 0 for an
 * address of exactly its family's length, NAMEPOLICY_BYADDR_LONG for a
 * longer length (the C library's DNS module reads the first 4 or 16
 * bytes: only a fake address is answered then), -EAFNOSUPPORT for a family
 * other than AF_INET and AF_INET6 or a shorter length, -EINVAL for a NULL
 * address.  *why says why in words for the refusals.
 */
int namepolicy_byaddr_shape(int family, const void *addr, size_t len,
			    const char **why);

/* The length of an address of family: 4 for AF_INET, else 16. */
size_t namepolicy_addr_len(int family);

#endif

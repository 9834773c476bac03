/*
 * What the resolver hooks share: whether names resolve locally, the
 * decision where a name's answer comes from (core/namepolicy.c asked with
 * the live configuration and the real functions), fake addresses for
 * names, the reverse lookup of an address, and the refusal log.
 */
#ifndef SX_DNS_H
#define SX_DNS_H

#include <netdb.h>
#include <stdbool.h>
#include <stdint.h>

#include "hosts.h"
#include "namepolicy.h"


/* True when names go to the real resolver: the user chose local DNS. */
bool dns_local_resolution(void);

/*
 * Log a call refused for its arguments (fn, and why in words): the first
 * as a warning, the others at debug level, so that a program calling in a
 * loop cannot flood stderr.
 */
void dns_log_odd(const char *fn, const char *why);

/* Where the answer for name comes from under remote DNS (namepolicy_decide()). */
enum namepolicy_source dns_decide(const char *name, struct hosts_answer *ans);

/*
 * The fake address for name; when every address is still in use the
 * lookup fails (-EAGAIN) with a line saying why, rather than take one away.
 */
int dns_fake_assign(const char *name, int family, struct sockaddr_storage *ss,
		    socklen_t *len);

/* The raw bytes of the address in sa (AF_INET or AF_INET6). */
const uint8_t *dns_raw_addr(const struct sockaddr *sa);

/*
 * Note the addresses a NO_PROXY name resolved to: connects to them go
 * direct (core/directset.c), as the name was meant to.
 */
void dns_note_direct(const struct addrinfo *res);

/* True when NO_PROXY excludes the raw address (family, 4 or 16 bytes). */
bool dns_addr_excluded(int family, const uint8_t *addr);

/*
 * The name behind an address (family, 4 or 16 bytes): 0 with name
 * filled; SX_PASS when the real resolver may be asked; -ENOENT for a fake
 * address that names nothing (stale or invented); -ENODATA for another
 * address the hosts file does not name, when no one may be asked.
 */
int dns_reverse(int family, const uint8_t *addr, char *name, size_t cap);

#endif

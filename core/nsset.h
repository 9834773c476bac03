/*
 * The system's nameservers as a small set of addresses: the "nameserver"
 * lines of a resolv.conf text, plus 127.0.0.53 (systemd-resolved's stub,
 * which programs reach without resolv.conf naming it).  Under remote DNS a
 * query sent to one of them on port 53 is answered by the library; a query
 * to any other server is a datagram like any other.  Pure functions on
 * text and socket addresses, no I/O, no state.
 */
#ifndef SX_NSSET_H
#define SX_NSSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* Nameservers kept: resolv.conf's three (MAXNS), the stub, and room to spare. */
#define NSSET_MAX 8
#define NSSET_PORT 53

/* One nameserver: family AF_INET (4 bytes) or AF_INET6 (16 bytes). */
struct nsset_addr {
	int family;
	uint8_t addr[16];
};

struct nsset {
	size_t count;
	struct nsset_addr ns[NSSET_MAX];
};

/* The set holding 127.0.0.53 only. */
void nsset_init(struct nsset *s);

/*
 * Add one address (family AF_INET or AF_INET6): 0 when added or already
 * there, -ENOSPC when the set is full, -EINVAL for another family.
 */
int nsset_add(struct nsset *s, int family, const uint8_t *addr);

/*
 * Add the addresses of the "nameserver ADDR" lines of text[0..len) (the
 * syntax of resolv.conf(5): keyword first on its line, '#' and ';' start
 * comments, an IPv6 address may carry a "%scope").  Lines that name no
 * address are skipped.  The number of addresses read (added or already
 * there), or -ENOSPC when one did not fit (those before it are kept).
 */
int nsset_parse(struct nsset *s, const char *text, size_t len);

/*
 * The decision: which nameserver of s the destination sa (len bytes)
 * names on port 53 (an IPv4 address v4-mapped in an AF_INET6 address is
 * that IPv4 address): its index, or -1 for any other destination.
 */
int nsset_index(const struct nsset *s, const struct sockaddr *sa, socklen_t len);

/*
 * Nameserver i of s on port 53 as a socket address of family (an IPv4
 * address v4-mapped into AF_INET6): 0, -EAFNOSUPPORT for an IPv6 address
 * into AF_INET, -EINVAL for a bad index or family.
 */
int nsset_sockaddr(const struct nsset *s, size_t i, int family,
		   struct sockaddr_storage *ss, socklen_t *len);

#endif

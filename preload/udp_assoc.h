/*
 * Opening and keeping the UDP association of a socket (udp_assoc.c).
 * Called without the guard.
 */
#ifndef SX_UDP_ASSOC_H
#define SX_UDP_ASSOC_H

#include <stdbool.h>

#include "sx.h"
#include "udpassoc.h"

/*
 * The proxy cannot carry UDP (why says how we know).  With
 * SOCKSIFY_UDP=direct the socket goes direct from now on: SX_PASS; else
 * its sends fail: -ENETUNREACH.  One log line per socket.  -EEXIST when
 * another thread associated the socket meanwhile.
 */
int udp_assoc_cannot_carry(int fd, int family, const struct sx_endpoint *dst,
			   const char *why);
/*
 * Make sure fd (a UDP socket of family, for a datagram to dst) has a live
 * association, opening it or opening it again; *info is then its entry
 * (have: *info already holds fd's entry).  0, SX_PASS (the socket goes
 * direct), or -errno.
 */
int udp_assoc_ready(int fd, int family, struct udpassoc_info *info, bool have,
		    const struct sx_endpoint *dst);

#endif

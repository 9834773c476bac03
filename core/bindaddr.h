/*
 * The addresses of BIND: whether a bind() names the proxied connection's
 * end (and so asks for a BIND), whether an endpoint is an address at all,
 * and writing one as a socket address of the program's family.  Pure
 * functions on addresses, no state; the table of BIND entries is bindtab.c.
 */
#ifndef SX_BINDADDR_H
#define SX_BINDADDR_H

#include <stdbool.h>
#include <sys/socket.h>

#include "sx.h"

/*
 * Whether a bind() of a stream socket to sa asks for a BIND tied to the
 * proxied connection whose proxy-side end is conn_bnd and whose real local
 * address is local (either may be NULL): sa is the address getsockname()
 * reported for the connection (the proxy's end, any port; or, when the
 * proxy reported none, the real local address with port 0, unless it is
 * loopback), or the any-address with port 0.
 */
bool bindaddr_matches(const struct sockaddr *sa, socklen_t len,
		      const struct sx_endpoint *conn_bnd,
		      const struct sockaddr *local, socklen_t locallen);
/* True when ep is an IPv4 or IPv6 address other than the unspecified one. */
bool bindaddr_is_addr(const struct sx_endpoint *ep);
/*
 * Write ep (an address endpoint) as a socket address of `family`: IPv4 in
 * an AF_INET6 socket becomes v4-mapped.  -EAFNOSUPPORT when it cannot be
 * written (IPv6 into AF_INET, or a name).
 */
int bindaddr_to_family(const struct sx_endpoint *ep, int family,
		       struct sockaddr_storage *ss, socklen_t *len);

#endif

/*
 * The rules of a UDP association (RFC 1928 section 7) that need no system
 * call, apart from the sockets they are about: which address the UDP
 * ASSOCIATE request declares, where the relay is, and which received
 * datagrams the program may see.  The preload layer gathers the addresses
 * (getsockname(), getpeername(), the kernel's sender) and asks here.
 */
#ifndef SX_UDPRULES_H
#define SX_UDPRULES_H

#include <stdbool.h>
#include <sys/socket.h>

#include "route.h"
#include "socks5.h"
#include "sx.h"
#include "udpassoc.h"

/* An address endpoint whose address is all zeros (0.0.0.0 or ::). */
bool udprules_is_unspecified(const struct sx_endpoint *ep);
/* Same address and port, both IPv4 or both IPv6 (a name is never the same). */
bool udprules_same_addr(const struct sx_endpoint *a, const struct sx_endpoint *b);
/*
 * An address endpoint as a socket address of family (an IPv4 address in
 * an AF_INET6 socket is v4-mapped).  -EAFNOSUPPORT for IPv6 into AF_INET,
 * -EINVAL for a name.
 */
int udprules_to_family(const struct sx_endpoint *ep, int family,
		       struct sockaddr_storage *ss, socklen_t *len);

/*
 * The address the UDP ASSOCIATE request declares as the one the UDP socket
 * sends from (strict servers such as danted only relay datagrams from it):
 * bound, the UDP socket's own address, when it is a specific one; for a
 * socket bound to the any-address, the control connection's local address
 * ctrl_local with bound's port.  ctrl_local NULL (unknown): bound as it is.
 */
void udprules_declared_source(const struct sx_endpoint *bound,
			      const struct sx_endpoint *ctrl_local,
			      struct sx_endpoint *out);

/* True when the reply's BND names the proxy's own address (all zeros). */
bool udprules_relay_is_proxy(const struct sx_endpoint *bnd);
/*
 * The relay from the reply's BND: BND itself, or for an all-zero BND.ADDR
 * proxy (the address the control connection reached) with BND.PORT.
 * -EPROTO for a name (the relay must be an address) or when BND is all
 * zeros and proxy is NULL.
 */
int udprules_relay(const struct sx_endpoint *bnd, const struct sx_endpoint *proxy,
		   struct sx_endpoint *out);

/*
 * Whether a socket's receives are filtered (else they pass untouched):
 * associated, with a proxied default destination, or answered by the
 * library as a system nameserver.
 */
bool udprules_filters(const struct udpassoc_info *info);
/*
 * A datagram from `from` came from the relay: the socket is associated
 * and from is the relay's address and port (relay: info's, as an endpoint).
 */
bool udprules_from_relay(const struct udpassoc_info *info,
			 const struct sx_endpoint *relay,
			 const struct sx_endpoint *from);
/* A relayed datagram is whole: FRAG 0 (fragments are dropped). */
bool udprules_relayed_whole(const struct socks5_udp_header *hdr);
/*
 * A connected socket only hears from its destination peer: the same
 * address, or for a name the same port (and the same name when the relay
 * names the sender).
 */
bool udprules_from_peer(const struct sx_endpoint *peer, const struct sx_endpoint *src);
/*
 * A datagram from anyone but the relay is handed over only when the socket
 * has no proxied default destination and its sender is a direct one (r:
 * the route of the sender), or all UDP of the socket goes direct.
 */
bool udprules_stranger_passes(const struct udpassoc_info *info, const struct route *r);

#endif

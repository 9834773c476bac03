/*
 * The routing decision for one destination: go direct, go through the
 * proxy, or refuse (fail closed).  Pure policy over the configuration and
 * the fake-IP ranges; no I/O, no lock of its own.
 */
#ifndef SX_ROUTE_H
#define SX_ROUTE_H

#include <sys/socket.h>

#include "config.h"
#include "sx.h"

enum route_action {
	ROUTE_DIRECT,
	ROUTE_PROXY,
	ROUTE_DENY,
	ROUTE_DIRECT_NAME,	/* resolve dst's name for real, connect there */
};

struct route {
	int action;
	int error;		/* ROUTE_DENY: the errno the program gets */
	const char *reason;	/* ROUTE_DENY / ROUTE_DIRECT*: why, for the log */
	struct sx_endpoint dst;	/* ROUTE_PROXY, ROUTE_DIRECT_NAME: the destination */
};

/*
 * Decide for a connect or datagram of socket type socktype (SOCK_STREAM,
 * SOCK_DGRAM, ...) to sa.  A fake address becomes a name destination; a
 * fake address with no name behind it is refused.  A stream connect to a
 * fake address whose name and port NO_PROXY excludes (an entry such as
 * "name:8000", which cannot apply at lookup time, when the port is not
 * known) is ROUTE_DIRECT_NAME: the caller resolves the name for real and
 * connects to that address, or fails.  Datagrams to such a name still go
 * through the proxy.
 */
void route_decide(const struct config *cfg, const struct sockaddr *sa,
		  socklen_t len, int socktype, struct route *out);
/* How the kernel reads a datagram's destination (route_datagram_dst()). */
enum route_dst_kind {
	ROUTE_DST_AS_GIVEN,	/* the address stands as it is */
	ROUTE_DST_REREAD,	/* read as an address of the socket's own family */
	ROUTE_DST_IGNORED,	/* no destination: the socket's connected peer */
};

/*
 * How the kernel reads the destination sa of a datagram sent on a socket
 * of family, type and protocol (SO_DOMAIN, SO_TYPE, SO_PROTOCOL).  Only
 * an AF_UNSPEC address is read otherwise than it says: as an AF_INET one
 * by IPv4 UDP, UDP-Lite and raw sockets, as an AF_INET6 one by IPv6 raw
 * sockets, and as no address at all by IPv6 UDP and UDP-Lite sockets.
 * For ROUTE_DST_REREAD, out and *outlen hold the address with its family
 * set.  Returns a ROUTE_DST_* value.
 */
int route_datagram_dst(int family, int type, int protocol,
		       const struct sockaddr *sa, socklen_t len,
		       struct sockaddr_storage *out, socklen_t *outlen);
/* True for 127.0.0.0/8, ::1, v4-mapped loopback and the unspecified addresses. */
bool route_is_local(const struct sockaddr *sa, socklen_t len);
/* True when sa is the proxy's own address and port. */
bool route_is_proxy(const struct config *cfg, const struct sockaddr *sa,
		    socklen_t len);

#endif

/*
 * What a datagram's destination means for the socket it is sent on: is
 * the socket a UDP socket of ours (other datagram and raw sockets cannot
 * go through a SOCKS proxy; packet sockets are refused), does the route
 * send the datagram to the proxy, and how the kernel reads a destination
 * whose family does not say it (AF_UNSPEC, AF_PACKET).
 *
 * A destination is read as the kernel reads it: an AF_UNSPEC address is
 * an AF_INET one to an IPv4 UDP or raw socket (and no address at all to
 * an IPv6 UDP socket), so it is routed as that, never passed through as
 * "not an IP address".  Sends on packet sockets are refused (see
 * udp_dst_packet_refused()).
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "fdident.h"
#include "log.h"
#include "preload.h"
#include "proxykind.h"
#include "route.h"
#include "udp_dst.h"

bool
udp_dst_is_inet(const struct sockaddr *sa, socklen_t len)
{
	return sa && len >= sizeof(sa_family_t) &&
	       (sa->sa_family == AF_INET || sa->sa_family == AF_INET6);
}

bool
udp_dst_proxied(const struct route *r)
{
	if (r->action == ROUTE_PROXY)
		return true;
	return r->action == ROUTE_DENY && r->error == EAFNOSUPPORT &&
	       sx_cfg.valid && !proxykind_of(&sx_cfg.proxy)->carries_ipv6 &&
	       r->dst.atyp == SX_ATYP_IPV6;
}

int
udp_dst_packet_refused(const char *where)
{
	if (sx_cfg.valid && sx_cfg.packet_mode == CONFIG_PACKET_DIRECT)
		return 0;
	log_warn("refusing to send on a packet socket (AF_PACKET) to %s: its frames would leave around the proxy (SOCKSIFY_PACKET=direct allows it)",
		 where);
	return -EACCES;
}

int
udp_dst_socket_family(int fd, int flags, const struct sockaddr *sa, socklen_t len)
{
	struct fdident_kind kind;
	char where[300];
	int type, proto, family, rc;

	/* A socket we cannot see into gets no datagram we did not decide. */
	rc = fdident_kind_of(fd, &kind);
	if (rc < 0)
		return rc;
	type = kind.type;
	family = kind.family;
	proto = kind.protocol;
	if (type == SOCK_STREAM && !(flags & MSG_FASTOPEN))
		return 0;
	sx_sockaddr_format(sa, len, where, sizeof(where));
	if (type == SOCK_STREAM) {
		/* A TCP Fast Open send connects without connect(). */
		log_warn("refusing TCP Fast Open to %s: it would connect around the proxy",
			 where);
		return -EOPNOTSUPP;
	}
	if (family == AF_PACKET)
		return udp_dst_packet_refused(where);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (type == SOCK_DGRAM && proto == IPPROTO_UDP)
		return family;
	log_warn("refusing to send to %s: only TCP and UDP can go through a SOCKS proxy",
		 where);
	return -EACCES;
}

int
udp_dst_as_kernel(int fd, const struct msghdr *msg, struct msghdr *copy,
		  struct sockaddr_storage *ss)
{
	const struct sockaddr *sa = msg->msg_name;
	struct fdident_kind sk;
	socklen_t sslen = 0;
	char where[300];
	int kind, rc;

	rc = fdident_kind_of(fd, &sk);
	if (rc < 0)
		return rc;
	if (sk.family == AF_PACKET) {
		sx_sockaddr_format(sa, msg->msg_namelen, where, sizeof(where));
		return udp_dst_packet_refused(where);
	}
	if (sa->sa_family != AF_UNSPEC)
		return 0;
	kind = route_datagram_dst(sk.family, sk.type, sk.protocol, sa,
				  msg->msg_namelen, ss, &sslen);
	if (kind == ROUTE_DST_AS_GIVEN)
		return 0;
	memcpy(copy, msg, sizeof(*copy));
	copy->msg_name = kind == ROUTE_DST_REREAD ? ss : NULL;
	copy->msg_namelen = kind == ROUTE_DST_REREAD ? sslen : 0;
	return 1;
}

bool
udp_dst_maybe(const struct sockaddr *sa, socklen_t len)
{
	if (udp_dst_is_inet(sa, len))
		return true;
	return sa && len >= sizeof(sa_family_t) &&
	       (sa->sa_family == AF_UNSPEC || sa->sa_family == AF_PACKET);
}

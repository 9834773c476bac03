/*
 * What a datagram's destination means for the socket it is sent on
 * (udp_dst.c).  Called without the guard.
 */
#ifndef SX_UDP_DST_H
#define SX_UDP_DST_H

#include <stdbool.h>
#include <sys/socket.h>

#include "route.h"

/* A socket address of family AF_INET or AF_INET6, else false. */
bool udp_dst_is_inet(const struct sockaddr *sa, socklen_t len);
/*
 * Whether a route sends the datagram to the proxy.  route_decide() refuses
 * IPv6 destinations for a SOCKS4 proxy; for UDP, which SOCKS4 cannot carry
 * at all, that is the "proxy cannot carry it" case like any other.
 */
bool udp_dst_proxied(const struct route *r);
/*
 * A send on a packet socket (AF_PACKET, or the old AF_INET SOCK_PACKET)
 * that the program did not open under the library (inherited, or passed
 * over a UNIX socket; hook_socket.c refuses to open one): its frames
 * would leave the machine around the proxy.  0 (the send goes ahead)
 * with SOCKSIFY_PACKET=direct, else -EACCES and one log line.  where is
 * the destination, for the log.
 */
int udp_dst_packet_refused(const char *where);
/*
 * The family of fd when it is a UDP socket of family AF_INET or AF_INET6;
 * 0 when it is not ours (a TCP socket, say).  Other datagram and raw
 * sockets cannot go through a SOCKS proxy at all: -EACCES (ICMP "ping"
 * sockets are SOCK_DGRAM too), and neither can packet sockets
 * (udp_dst_packet_refused()), nor a TCP Fast Open send (flags with
 * MSG_FASTOPEN on a TCP socket: -EOPNOTSUPP).  -errno when getsockopt()
 * fails on fd.  sa is the destination, for the log.
 */
int udp_dst_socket_family(int fd, int flags, const struct sockaddr *sa,
			  socklen_t len);
/*
 * A destination whose family does not tell how the kernel reads it: an
 * AF_UNSPEC address, which IPv4 UDP and raw sockets take for AF_INET (see
 * route_datagram_dst()), or an AF_PACKET one, which only a packet socket
 * takes (and a packet socket is refused, whatever the address).  1 when msg
 * is to be read as *copy (msg with the destination the kernel sees: *ss,
 * or none), 0 when it stands as it is, -errno to refuse the send.  Costs
 * up to three getsockopt() calls, only for such destinations.
 */
int udp_dst_as_kernel(int fd, const struct msghdr *msg, struct msghdr *copy,
		      struct sockaddr_storage *ss);
/*
 * Could a send with this address concern us when fd has no entry?  An
 * AF_UNSPEC address may be an IP destination (udp_dst_as_kernel()), and
 * an AF_PACKET one is a packet socket's.
 */
bool udp_dst_maybe(const struct sockaddr *sa, socklen_t len);

#endif

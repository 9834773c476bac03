/*
 * Receiving on a UDP socket with an association or a proxied default
 * destination: only datagrams from the relay are taken apart; a datagram
 * from anyone else is handed over unchanged when its sender is a direct
 * destination (loopback with SOCKSIFY_LOOPBACK=direct, NO_PROXY) and the
 * socket has no proxied default destination, and dropped otherwise, as are
 * fragments (FRAG != 0) and malformed headers (the rules: udprules.h).
 *
 * The kernel receives into [header room, the program's buffers..., spill]
 * with MSG_TRUNC, so it reports the datagram's real length.  The header
 * room is as long as the last header this socket received (10 bytes to
 * begin with: IPv4), so the payload usually lands in place with no copy;
 * when the header differs (IPv6 22, a name 7 + length) the payload is
 * moved into place inside the program's buffers (udpframe.h), the spill
 * supplying the tail a longer header pushed out.  MSG_PEEK, MSG_TRUNC,
 * MSG_DONTWAIT and truncation (MSG_TRUNC in msg_flags) behave as without
 * the proxy.  A dropped datagram is consumed and the wait goes on; a
 * non-blocking receive then gets EAGAIN when nothing valid is left.  A
 * receive already waiting when another thread opens the association sees
 * the relay's datagrams too: a call that went straight to the kernel
 * judges what it got afterwards (udp_recv_late()), and a filtering call
 * looks the relay up again before dropping.  The sender is the one the
 * relay names: a host name becomes its fake IP, an address is reported as
 * it is (also when the program sent to a name).
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "fakeip.h"
#include "handshake.h"
#include "localdns.h"
#include "preload.h"
#include "route.h"
#include "socks5.h"
#include "udp_ctrl.h"
#include "udp_recv.h"
#include "udpassoc.h"
#include "udpframe.h"
#include "udprules.h"

/* iovec entries kept on the stack; more are allocated. */
#define UDP_RECV_IOV_STACK 16

/*
 * The sender of a relayed datagram as the program sees it: a socket
 * address of its socket's family, a fake IP for a name.  False: drop it.
 */
static bool
udp_recv_sender(const struct udpassoc_info *info, const struct sx_endpoint *src,
		struct sockaddr_storage *ss, socklen_t *len)
{
	if (info->has_peer) {
		if (!udprules_from_peer(&info->peer_ep, src))
			return false;
		memcpy(ss, &info->peer, sizeof(*ss));
		*len = info->peerlen;
		return true;
	}
	if (src->atyp == SX_ATYP_DOMAIN) {
		if (fakeip_assign(src->name, info->family, ss, len) < 0)
			return false;
		if (ss->ss_family == AF_INET)
			((struct sockaddr_in *)ss)->sin_port = htons(src->port);
		else
			((struct sockaddr_in6 *)ss)->sin6_port = htons(src->port);
		return true;
	}
	return udprules_to_family(src, info->family, ss, len) == 0;
}

/*
 * Receive one datagram the program may see on fd (entry info, whose
 * header hint is kept up to date): the payload length as recvmsg()
 * reports it, or -errno.  msg is the program's.
 */
static ssize_t
udp_recv_filtered(int fd, struct udpassoc_info *info, struct msghdr *msg,
		  int flags)
{
	uint8_t head[SOCKS5_UDP_HEADER_MAX], spill[SOCKS5_UDP_HEADER_MAX];
	struct iovec small[UDP_RECV_IOV_STACK], *v = small;
	struct sx_endpoint relay, from_ep;
	size_t room = info->hdr_hint, n, cap, got, payload, deliver;
	ssize_t rc;

	if (room == 0 || room > sizeof(head))
		room = UDPASSOC_HDR_DEFAULT;
	if (msg->msg_iovlen > IOV_MAX - 2)
		return -EMSGSIZE;
	n = msg->msg_iovlen + 2;
	if (n > UDP_RECV_IOV_STACK) {
		v = malloc(n * sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	v[0].iov_base = head;
	v[0].iov_len = room;
	if (msg->msg_iovlen > 0)
		memcpy(&v[1], msg->msg_iov, msg->msg_iovlen * sizeof(*v));
	v[n - 1].iov_base = spill;
	v[n - 1].iov_len = sizeof(spill);
	cap = udpframe_iov_len(msg->msg_iov, msg->msg_iovlen);
	memset(&relay, 0, sizeof(relay));
	if (info->state == UDPASSOC_ASSOCIATED)
		sx_endpoint_from_sockaddr(&relay, (const struct sockaddr *)&info->relay,
					  info->relaylen);

	for (;;) {
		struct sockaddr_storage from, sender;
		socklen_t senderlen = 0;
		struct socks5_udp_header hdr;
		struct msghdr m;
		ssize_t h = -1;

		memset(&m, 0, sizeof(m));
		m.msg_name = &from;
		m.msg_namelen = sizeof(from);
		m.msg_iov = v;
		m.msg_iovlen = n;
		m.msg_control = msg->msg_control;
		m.msg_controllen = msg->msg_controllen;
		rc = real.recvmsg(fd, &m, flags | MSG_TRUNC);
		if (rc < 0) {
			rc = -errno;
			break;
		}
		got = (size_t)rc < room + cap + sizeof(spill) ? (size_t)rc :
							       room + cap + sizeof(spill);
		if (sx_endpoint_from_sockaddr(&from_ep, (struct sockaddr *)&from,
					      m.msg_namelen) < 0)
			goto drop;
		/*
		 * Another thread may have opened (or opened again) the
		 * association while this one waited: look again before
		 * taking a datagram for a stranger's.
		 */
		if (!udprules_from_relay(info, &relay, &from_ep) &&
		    udpassoc_get(fd, info) && info->state == UDPASSOC_ASSOCIATED)
			sx_endpoint_from_sockaddr(&relay, (const struct sockaddr *)&info->relay,
						  info->relaylen);
		if (udprules_from_relay(info, &relay, &from_ep)) {
			h = udpframe_parse(v, n, got, &hdr);
			if (h < 0 || !udprules_relayed_whole(&hdr))
				goto drop;
			if (!udp_recv_sender(info, &hdr.addr, &sender, &senderlen))
				goto drop;
			if ((size_t)h != room) {
				udpassoc_set_hint(fd, (uint16_t)h);
				info->hdr_hint = (uint16_t)h;
			}
		} else if (localdns_sender((struct sockaddr *)&from, m.msg_namelen,
					   info->family, &sender, &senderlen)) {
			/* An answer of the library's, from the nameserver asked. */
			h = 0;
		} else {
			struct route r;

			if (info->has_peer)
				goto drop;
			route_decide(&sx_cfg, (struct sockaddr *)&from, m.msg_namelen,
				     SOCK_DGRAM, &r);
			if (!udprules_stranger_passes(info, &r))
				goto drop;
			h = 0;
			memcpy(&sender, &from, sizeof(sender));
			senderlen = m.msg_namelen;
		}
		payload = (size_t)rc - (size_t)h;
		deliver = payload < cap ? payload : cap;
		udpframe_iov_move(v, n, room, (size_t)h, deliver);
		if (msg->msg_name) {
			memcpy(msg->msg_name, &sender,
			       msg->msg_namelen < senderlen ? msg->msg_namelen : senderlen);
			msg->msg_namelen = senderlen;
		}
		msg->msg_controllen = m.msg_controllen;
		msg->msg_flags = (m.msg_flags & ~MSG_TRUNC) |
				 (payload > cap ? MSG_TRUNC : 0);
		rc = (ssize_t)((flags & MSG_TRUNC) ? payload : deliver);
		break;
drop:
		/* Consume what was only peeked at, then wait for the next one. */
		if (flags & MSG_PEEK)
			real.recv(fd, spill, 0, MSG_DONTWAIT);
	}
	if (v != small)
		free(v);
	return rc;
}

ssize_t
udp_recv_datagram(int fd, struct msghdr *msg, int flags, bool *pass)
{
	struct udpassoc_info info;
	ssize_t rc;

	*pass = true;
	if (flags & MSG_ERRQUEUE)
		return 0;
	if (!udpassoc_get(fd, &info) || !udprules_filters(&info))
		return 0;
	*pass = false;
	rc = udp_recv_filtered(fd, &info, msg, flags);
	if (rc == -EBADF || rc == -ENOTSOCK)
		udp_ctrl_forget(fd);
	return rc;
}

ssize_t
udp_recv_late(int fd, struct msghdr *msg, int flags, ssize_t rc,
	      const struct sockaddr *from, socklen_t fromlen, bool *named)
{
	struct udpassoc_info info;
	struct sx_endpoint from_ep, relay;
	struct socks5_udp_header hdr;
	struct sockaddr_storage sender;
	socklen_t senderlen = 0;
	struct route r;
	size_t cap, got;
	ssize_t h;

	*named = false;
	if ((flags & MSG_ERRQUEUE) || !udpassoc_get(fd, &info) || !udprules_filters(&info))
		return rc;
	cap = udpframe_iov_len(msg->msg_iov, msg->msg_iovlen);
	got = (size_t)rc < cap ? (size_t)rc : cap;
	if (sx_endpoint_from_sockaddr(&from_ep, from, fromlen) < 0)
		goto drop;
	if (info.state == UDPASSOC_ASSOCIATED &&
	    sx_endpoint_from_sockaddr(&relay, (struct sockaddr *)&info.relay,
				      info.relaylen) == 0 &&
	    udprules_from_relay(&info, &relay, &from_ep)) {
		h = udpframe_parse(msg->msg_iov, msg->msg_iovlen, got, &hdr);
		if (h < 0 || !udprules_relayed_whole(&hdr) ||
		    !udp_recv_sender(&info, &hdr.addr, &sender, &senderlen))
			goto drop;
		udpframe_iov_move(msg->msg_iov, msg->msg_iovlen, 0, (size_t)h,
				  got - (size_t)h);
		if (msg->msg_name) {
			memcpy(msg->msg_name, &sender,
			       msg->msg_namelen < senderlen ? msg->msg_namelen : senderlen);
			msg->msg_namelen = senderlen;
			*named = true;
		}
		return rc - h;
	}
	if (localdns_sender(from, fromlen, info.family, &sender, &senderlen)) {
		if (msg->msg_name) {
			memcpy(msg->msg_name, &sender,
			       msg->msg_namelen < senderlen ? msg->msg_namelen : senderlen);
			msg->msg_namelen = senderlen;
			*named = true;
		}
		return rc;
	}
	if (!info.has_peer) {
		route_decide(&sx_cfg, from, fromlen, SOCK_DGRAM, &r);
		if (udprules_stranger_passes(&info, &r))
			return rc;
	}
drop:
	if (flags & MSG_PEEK)
		real.recv(fd, &hdr, 0, MSG_DONTWAIT);
	*named = msg->msg_name != NULL;
	return udp_recv_filtered(fd, &info, msg, flags);
}

int
udp_recv_batch(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
	       struct timespec *timeout, bool *pass)
{
	struct udpassoc_info info;
	int64_t deadline = 0;
	unsigned int i;
	ssize_t rc = 0;

	*pass = true;
	if (!udpassoc_maybe(fd) || (flags & MSG_ERRQUEUE) ||
	    !udpassoc_get(fd, &info) || !udprules_filters(&info))
		return 0;
	*pass = false;
	if (timeout)
		deadline = handshake_now_ms() + (int64_t)timeout->tv_sec * 1000 +
			   timeout->tv_nsec / 1000000;
	if (vlen > IOV_MAX)
		vlen = IOV_MAX;
	for (i = 0; i < vlen; i++) {
		int f = flags & ~MSG_WAITFORONE;

		if (i > 0 && (flags & MSG_WAITFORONE))
			f |= MSG_DONTWAIT;
		rc = udp_recv_filtered(fd, &info, &vec[i].msg_hdr, f);
		if (rc < 0)
			break;
		vec[i].msg_len = (unsigned int)rc;
		if (timeout && handshake_now_ms() >= deadline) {
			i++;
			break;
		}
	}
	if (i == 0) {
		if (rc == -EBADF || rc == -ENOTSOCK)
			udp_ctrl_forget(fd);
		return (int)rc;
	}
	return (int)i;
}

/*
 * One datagram the program sends on a UDP socket: decided (direct, refused,
 * or through the proxy), then wrapped and sent to the relay.  Every
 * datagram goes to the relay as one sendmsg() whose iovec is [SOCKS
 * header, the program's buffers...]: the payload is never copied.  A fake
 * IP destination goes out as its host name (ATYP 3).
 *
 * Not carried: MSG_MORE (the pieces would each get a header: EOPNOTSUPP)
 * and UDP_SEGMENT (GSO) control messages (EIO, on which QUIC stacks turn
 * GSO off).  Nothing is fragmented: the header comes out of the program's
 * datagram budget, and a datagram too large with it gets the kernel's
 * EMSGSIZE.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "localdns.h"
#include "log.h"
#include "preload.h"
#include "route.h"
#include "socks5.h"
#include "udp.h"
#include "udp_assoc.h"
#include "udp_dst.h"
#include "udp_send.h"
#include "udpassoc.h"

/* iovec entries kept on the stack; more are allocated. */
#define UDP_SEND_IOV_STACK 16

/*
 * IPv4 destinations found to be the kernel's business: a direct route and
 * no system nameserver answered by the library.  For a socket with no
 * association that verdict depends on the address and port alone (the
 * configuration and the nameserver list do not change once read, and a
 * fake address never goes direct), so it is kept and a later datagram to
 * the same place skips the decision.  Each slot holds UDP_SEND_KNOWN, the
 * address and the port as on the wire; the next destination hashed to a
 * slot takes it over.  Plain atomic words: no lock, no tearing.
 */
#define UDP_SEND_KNOWN_SLOTS 16
#define UDP_SEND_KNOWN ((uint64_t)1 << 63)
static _Atomic uint64_t udp_send_known[UDP_SEND_KNOWN_SLOTS];

/* The slot and the word for sa: false when sa is not a whole IPv4 address. */
static bool
udp_send_known_key(const struct sockaddr *sa, socklen_t len, unsigned int *slot,
		   uint64_t *word)
{
	struct sockaddr_in in;

	if (!sa || len < sizeof(in) || sa->sa_family != AF_INET)
		return false;
	memcpy(&in, sa, sizeof(in));
	*word = UDP_SEND_KNOWN | (uint64_t)in.sin_addr.s_addr << 16 | in.sin_port;
	*slot = (in.sin_addr.s_addr ^ in.sin_addr.s_addr >> 16 ^ in.sin_port) %
		UDP_SEND_KNOWN_SLOTS;
	return true;
}

bool
udp_send_direct_known(const struct sockaddr *sa, socklen_t len)
{
	unsigned int slot;
	uint64_t word;

	if (!udp_send_known_key(sa, len, &slot, &word))
		return false;
	return atomic_load_explicit(&udp_send_known[slot], memory_order_relaxed) == word;
}

void
udp_send_note_direct(const struct sockaddr *sa, socklen_t len)
{
	unsigned int slot;
	uint64_t word;

	if (udp_send_known_key(sa, len, &slot, &word))
		atomic_store_explicit(&udp_send_known[slot], word, memory_order_relaxed);
}

/* True when the program's control messages ask for UDP segmentation offload. */
static bool
udp_send_has_gso(const struct msghdr *msg)
{
	struct cmsghdr *c;

	if (!msg->msg_control || msg->msg_controllen < sizeof(struct cmsghdr))
		return false;
	for (c = CMSG_FIRSTHDR((struct msghdr *)msg); c;
	     c = CMSG_NXTHDR((struct msghdr *)msg, c)) {
		if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_SEGMENT)
			return true;
	}
	return false;
}

/* Send one datagram for dst through the relay of info: payload bytes sent or -errno. */
static ssize_t
udp_send_relayed(int fd, const struct udpassoc_info *info,
		 const struct sx_endpoint *dst, const struct msghdr *msg,
		 int flags)
{
	uint8_t hdr[SOCKS5_UDP_HEADER_MAX];
	struct iovec small[UDP_SEND_IOV_STACK], *v = small;
	struct msghdr m;
	ssize_t hl, rc;

	hl = socks5_encode_udp_header(hdr, sizeof(hdr), dst);
	if (hl < 0)
		return hl;
	if (msg->msg_iovlen >= IOV_MAX)
		return -EMSGSIZE;
	if (msg->msg_iovlen + 1 > UDP_SEND_IOV_STACK) {
		v = malloc((msg->msg_iovlen + 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
	}
	v[0].iov_base = hdr;
	v[0].iov_len = (size_t)hl;
	if (msg->msg_iovlen > 0)
		memcpy(&v[1], msg->msg_iov, msg->msg_iovlen * sizeof(*v));
	memset(&m, 0, sizeof(m));
	m.msg_name = (void *)&info->relay;
	m.msg_namelen = info->relaylen;
	m.msg_iov = v;
	m.msg_iovlen = msg->msg_iovlen + 1;
	m.msg_control = msg->msg_control;
	m.msg_controllen = msg->msg_controllen;
	rc = real.sendmsg(fd, &m, flags);
	if (rc < 0)
		rc = -errno;
	else
		rc = rc >= hl ? rc - hl : 0;
	if (v != small)
		free(v);
	return rc;
}

/*
 * A query to a system nameserver under remote DNS, answered by the
 * library (localdns.c) whatever the route and the proxy's UDP say: the
 * bytes taken or -errno, with *pass cleared; *pass set for a datagram to
 * anyone else.
 */
static ssize_t
udp_send_local_dns(int fd, const struct msghdr *msg, int flags, bool have,
		   const struct udpassoc_info *info, bool *pass)
{
	const struct sockaddr *sa = msg->msg_name;
	int family, ns = -1;

	if (sa && msg->msg_namelen >= sizeof(sa_family_t) &&
	    (sa->sa_family == AF_INET || sa->sa_family == AF_INET6))
		ns = localdns_nameserver(sa, msg->msg_namelen);
	else if ((!sa || msg->msg_namelen == 0) && have && info->has_peer)
		ns = localdns_nameserver((const struct sockaddr *)&info->peer,
					 info->peerlen);
	if (ns < 0)
		return 0;
	family = have ? info->family :
			udp_dst_socket_family(fd, flags, sa, msg->msg_namelen);
	if (family == 0)
		return 0;
	*pass = false;
	if (family < 0)
		return family;
	if (family == AF_INET && sa && msg->msg_namelen > 0 &&
	    sa->sa_family == AF_INET6)
		return -EAFNOSUPPORT;
	return localdns_send(fd, family, ns, msg);
}

ssize_t
udp_send_datagram(int fd, const struct msghdr *msg, int flags, bool *pass)
{
	const struct sockaddr *sa = msg->msg_name;
	struct udpassoc_info info;
	struct sx_endpoint dst;
	struct sockaddr_storage reread_ss;
	struct msghdr reread = { .msg_name = NULL };
	struct route r;
	ssize_t local;
	bool have;
	int family, rc;

	*pass = true;
	have = udpassoc_get(fd, &info);
	local = udp_send_local_dns(fd, msg, flags, have, &info, pass);
	if (!*pass)
		return local;
	if (have && info.state == UDPASSOC_DIRECT)
		return 0;
	if (sa && msg->msg_namelen >= sizeof(sa_family_t) &&
	    (sa->sa_family == AF_UNSPEC || sa->sa_family == AF_PACKET)) {
		rc = udp_dst_as_kernel(fd, msg, &reread, &reread_ss);
		if (rc < 0) {
			*pass = false;
			return rc;
		}
		if (rc > 0) {
			msg = &reread;
			sa = msg->msg_name;
		}
	}
	if (!sa || msg->msg_namelen == 0) {
		if (!have || !info.has_peer)
			return 0;
		dst = info.peer_ep;
		family = info.family;
	} else {
		route_decide(&sx_cfg, sa, msg->msg_namelen, SOCK_DGRAM, &r);
		if (r.action == ROUTE_DIRECT) {
			/* The nameserver check above saw this same address. */
			if (msg != &reread)
				udp_send_note_direct(sa, msg->msg_namelen);
			return 0;
		}
		if (have) {
			family = info.family;
		} else {
			family = udp_dst_socket_family(fd, flags, sa, msg->msg_namelen);
			if (family == 0)
				return 0;
			if (family < 0) {
				*pass = false;
				return family;
			}
		}
		*pass = false;
		if (!udp_dst_proxied(&r)) {
			if (udpassoc_first_log(fd, family)) {
				char where[300];

				sx_sockaddr_format(sa, msg->msg_namelen, where,
						   sizeof(where));
				log_warn("refusing UDP to %s: %s", where, r.reason);
			}
			return -r.error;
		}
		/* As the kernel: an IPv4 socket cannot send to an IPv6 address. */
		if (family == AF_INET && sa->sa_family == AF_INET6)
			return -EAFNOSUPPORT;
		dst = r.dst;
	}
	*pass = false;
	if (flags & MSG_MORE)
		return -EOPNOTSUPP;
	if (udp_send_has_gso(msg))
		return -EIO;
	rc = udp_assoc_ready(fd, family, &info, have, &dst);
	if (rc == SX_PASS) {
		*pass = true;
		return 0;
	}
	if (rc < 0)
		return rc;
	return udp_send_relayed(fd, &info, &dst, msg, flags);
}

/*
 * The UDP layer as the other hook groups see it: connect() on a datagram
 * socket (a proxied default destination, recorded without reaching the
 * kernel) and the descriptor-lifetime calls (close, dup2/dup3,
 * close_range) that must keep the associations and their control sockets
 * right.  The datagrams themselves: udp_send.c and udp_recv.c; the
 * association: udp_assoc.c; control sockets as descriptors: udp_ctrl.c.
 */
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <string.h>

#include "chain.h"
#include "conntab.h"
#include "localdns.h"
#include "log.h"
#include "preload.h"
#include "proxykind.h"
#include "route.h"
#include "udp.h"
#include "udp_assoc.h"
#include "udp_ctrl.h"
#include "udp_dst.h"
#include "udp_send.h"
#include "udpassoc.h"

/*
 * A socket the kernel has connected (a direct destination before) must be
 * unconnected, or it would only hear from that destination and never from
 * the relay.  Unconnecting gives up a port the kernel picked itself: an
 * association declared with that port is then dropped.
 */
static void
udp_unconnect_kernel(int fd)
{
	struct sockaddr_storage ss;
	struct sockaddr unspec;
	struct udpassoc_info info;
	struct sx_endpoint ep;
	socklen_t len = sizeof(ss);

	if (real.getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return;
	memset(&unspec, 0, sizeof(unspec));
	unspec.sa_family = AF_UNSPEC;
	real.connect(fd, &unspec, sizeof(unspec));
	if (!udpassoc_get(fd, &info) || info.state != UDPASSOC_ASSOCIATED)
		return;
	len = sizeof(ss);
	if (real.getsockname(fd, (struct sockaddr *)&ss, &len) == 0 &&
	    sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&ss, len) == 0 &&
	    ep.port != 0)
		return;
	if (udpassoc_drop_ctrl(fd, info.ctrl))
		udp_ctrl_close(info.ctrl, info.ctrl_ino);
}

/*
 * connect() to a system nameserver under remote DNS: a default
 * destination the library answers for (localdns.c), never one the kernel
 * connects to, whatever the route and the proxy's UDP say.
 */
static int
udp_connect_nameserver(int fd, const struct sockaddr *sa, socklen_t len,
		       bool have, const struct udpassoc_info *info)
{
	struct sx_endpoint ep;
	int family, rc;

	family = have ? info->family : udp_dst_socket_family(fd, 0, sa, len);
	if (family == 0)
		return SX_PASS;
	if (family < 0)
		return family;
	if (family == AF_INET && sa->sa_family == AF_INET6)
		return -EAFNOSUPPORT;
	rc = sx_endpoint_from_sockaddr(&ep, sa, len);
	if (rc < 0)
		return rc;
	udp_unconnect_kernel(fd);
	rc = udpassoc_set_peer(fd, family, sa, len, &ep);
	if (rc < 0)
		return rc;
	if (conntab_set_established(fd, sa, len) < 0)
		log_warn("out of memory: getpeername() will fail on a UDP socket");
	return 0;
}

int
udp_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct udpassoc_info info;
	struct route r;
	char where[300];
	bool have;
	int family, rc;

	/* A socket with no association, to a place known to be direct. */
	if (!udpassoc_maybe(fd) && udp_send_direct_known(sa, len))
		return SX_PASS;
	have = udpassoc_get(fd, &info);
	if (!udp_dst_is_inet(sa, len)) {
		/* AF_UNSPEC dissolves the default destination. */
		if (have && info.has_peer) {
			udpassoc_clear_peer(fd);
			conntab_remove(fd);
		}
		return SX_PASS;
	}
	if (localdns_nameserver(sa, len) >= 0)
		return udp_connect_nameserver(fd, sa, len, have, &info);
	route_decide(&sx_cfg, sa, len, SOCK_DGRAM, &r);
	if (r.action == ROUTE_DIRECT) {
		if (have && info.has_peer) {
			udpassoc_clear_peer(fd);
			conntab_remove(fd);
		}
		udp_send_note_direct(sa, len);
		return SX_PASS;
	}
	sx_sockaddr_format(sa, len, where, sizeof(where));
	if (have) {
		family = info.family;
	} else {
		family = udp_dst_socket_family(fd, 0, sa, len);
		if (family == 0)
			return SX_PASS;
		if (family < 0)
			return family;
	}
	if (!udp_dst_proxied(&r)) {
		log_warn("refusing UDP to %s: %s", where, r.reason);
		return -r.error;
	}
	if (family == AF_INET && sa->sa_family == AF_INET6)
		return -EAFNOSUPPORT;
	if (have && info.state == UDPASSOC_DIRECT)
		return SX_PASS;
	if (have && info.state == UDPASSOC_REFUSED)
		return -info.error;
	if (!chain_is_single_hop(&sx_cfg))
		return udp_assoc_cannot_carry(fd, family, &r.dst, CHAIN_REFUSE_UDP);
	if (!proxykind_of(&sx_cfg.proxy)->carries_udp)
		return udp_assoc_cannot_carry(fd, family, &r.dst,
					      proxykind_of(&sx_cfg.proxy)->refuse_udp);
	udp_unconnect_kernel(fd);
	rc = udpassoc_set_peer(fd, family, sa, len, &r.dst);
	if (rc < 0)
		return rc;
	if (conntab_set_established(fd, sa, len) < 0)
		log_warn("out of memory: getpeername() will fail on a UDP socket");
	log_debug("UDP default destination %s, through the proxy", where);
	return 0;
}

int
udp_fd_close(int fd)
{
	int saved_errno = errno;

	if (udpassoc_is_ctrl(fd))
		return -EBADF;
	udp_ctrl_forget(fd);
	errno = saved_errno;
	return 0;
}

int
udp_fd_dup_prepare(int oldfd, int newfd)
{
	int saved_errno = errno;
	int moved;

	if (oldfd == newfd)
		return 0;
	if (udpassoc_maybe_any(oldfd) && udpassoc_is_ctrl(oldfd))
		return -EBADF;
	if (!udpassoc_maybe_any(newfd))
		return 0;
	if (udpassoc_is_ctrl(newfd)) {
		moved = udp_ctrl_dup(newfd);
		if (moved >= 0 && udpassoc_move_ctrl(newfd, moved) < 0) {
			real.close(moved);
			moved = -1;
		}
		if (moved < 0)
			udpassoc_move_ctrl(newfd, -1);
		real.close(newfd);
	}
	udp_ctrl_forget(newfd);
	errno = saved_errno;
	return 0;
}

void
udp_fd_dup_done(int oldfd, int newfd)
{
	int saved_errno = errno;
	struct udpassoc_info info;
	int newctrl = -1;

	if (oldfd == newfd || !udpassoc_get(oldfd, &info))
		return;
	if (info.state == UDPASSOC_ASSOCIATED)
		newctrl = udp_ctrl_dup(info.ctrl);
	if (udpassoc_copy(oldfd, newfd, newctrl < 0 ? -1 : newctrl) < 0 &&
	    newctrl >= 0)
		real.close(newctrl);
	errno = saved_errno;
}

int
udp_close_range(unsigned int first, unsigned int last, int flags)
{
	unsigned int from = first;
	int fd, ctrl, rc = 0;

	if (first > last || (flags & CLOSE_RANGE_CLOEXEC))
		goto out_real;
	/* The UDP sockets in the range lose their associations first. */
	for (fd = udpassoc_next_fd(first > INT_MAX ? INT_MAX : (int)first);
	     fd >= 0 && (unsigned int)fd <= last;
	     fd = fd == INT_MAX ? -1 : udpassoc_next_fd(fd + 1))
		udp_ctrl_forget(fd);
	/* Then the range is closed around the control sockets left. */
	for (ctrl = udpassoc_next_ctrl(first > INT_MAX ? INT_MAX : (int)first);
	     ctrl >= 0 && (unsigned int)ctrl <= last;
	     ctrl = ctrl == INT_MAX ? -1 : udpassoc_next_ctrl(ctrl + 1)) {
		if ((unsigned int)ctrl > from &&
		    real.close_range(from, (unsigned int)ctrl - 1, flags) < 0)
			return -errno;
		from = (unsigned int)ctrl + 1;
		if (from > last)
			return 0;
	}
	first = from;
out_real:
	if (real.close_range(first, last, flags) < 0)
		rc = -errno;
	return rc;
}

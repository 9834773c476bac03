/*
 * Opening and keeping the UDP association of a socket (RFC 1928 section
 * 7).  The first datagram from a UDP socket to a proxied destination
 * opens it: the socket is bound if it was not (any address, port 0), a
 * TCP control connection to the proxy carries UDP ASSOCIATE with the
 * address the socket sends from (udprules_declared_source(): its bound
 * address, or the control connection's local address when it is bound to
 * the any-address: danted filters on it), and BND in the reply names the
 * relay (all zeros: the proxy's own address).  The control socket lives
 * as long as the UDP socket.  Before each relayed send a recv(MSG_PEEK |
 * MSG_DONTWAIT) on the control socket tells whether the proxy has dropped
 * it (measured on loopback: about 650 ns, against 740 ns for poll() with
 * timeout 0 and about 6 us for the send itself); a dropped association is
 * opened again on the spot.  The first send blocks for the handshake,
 * even on a non-blocking socket, bounded by SOCKSIFY_TIMEOUT.
 *
 * Refusal.  When the proxy cannot carry UDP (SOCKS4, or SOCKS5 reply 07,
 * "command not supported") a send fails with ENETUNREACH, the error a
 * program sees with no route, on which resolvers go to their next server
 * and QUIC clients fall back to TCP; one line is logged per socket and
 * nothing is sent.  With SOCKSIFY_UDP=direct, and only in that case, the
 * socket's UDP goes direct instead (one line per socket).  Any other
 * refusal in the proxy's reply fails the socket's sends with that reply's
 * errno; failing to reach the proxy fails the one send (logged once per
 * socket) and the next send tries again.
 *
 * The guard is held only while an association is opened, never around
 * the program's own datagrams, so a signal handler's UDP is proxied too;
 * no table lock is held across a system call.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "handshake.h"
#include "failmsg.h"
#include "log.h"
#include "preload.h"
#include "proxykind.h"
#include "socks5.h"
#include "udp.h"
#include "udp_assoc.h"
#include "udp_ctrl.h"
#include "udprules.h"

/* Errno of a send the proxy cannot carry. */
#define UDP_ERR_CANNOT_CARRY ENETUNREACH

int
udp_assoc_cannot_carry(int fd, int family, const struct sx_endpoint *dst,
		       const char *why)
{
	struct udpassoc_info info;
	char where[300];
	bool direct = sx_cfg.udp_mode == CONFIG_UDP_DIRECT;
	int rc;

	rc = udpassoc_set_state(fd, family, direct ? UDPASSOC_DIRECT :
				UDPASSOC_REFUSED, UDP_ERR_CANNOT_CARRY);
	if (rc == -EBUSY)
		return -EEXIST;
	sx_endpoint_format(dst, where, sizeof(where));
	if (udpassoc_first_log(fd, family)) {
		if (direct)
			log_warn("UDP to %s: %s cannot carry UDP (%s); SOCKSIFY_UDP=direct: this socket's UDP goes direct",
				 where, sx_proxy_label(), why);
		else
			log_warn("UDP to %s: %s cannot carry UDP (%s); not sent (SOCKSIFY_UDP=direct would send it directly)",
				 where, sx_proxy_label(), why);
	}
	if (!direct)
		return -UDP_ERR_CANNOT_CARRY;
	/* The default destination becomes the kernel's own. */
	if (udpassoc_get(fd, &info) && info.has_peer) {
		udpassoc_clear_peer(fd);
		if (real.connect(fd, (const struct sockaddr *)&info.peer,
				 info.peerlen) < 0)
			return -errno;
	}
	return SX_PASS;
}

/* handshake's connect step, for a control socket we connected already. */
static int
udp_assoc_ctrl_connected(int fd, const struct sockaddr *sa, socklen_t len)
{
	(void)fd;
	(void)sa;
	(void)len;
	return 0;
}

/* Connect the non-blocking control socket to the proxy by deadline. */
static int
udp_assoc_ctrl_connect(int ctrl, int64_t deadline)
{
	const struct config_proxy *p = &sx_cfg.proxy;
	socklen_t optlen = sizeof(int);
	int err;

	if (real.connect(ctrl, (const struct sockaddr *)&p->addr, p->addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS && errno != EINTR)
		return -errno;
	for (;;) {
		struct pollfd pfd = { .fd = ctrl, .events = POLLOUT };
		int64_t left = deadline - handshake_now_ms();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = real.poll(&pfd, 1, left > 60000 ? 60000 : (int)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n > 0)
			break;
	}
	if (real.getsockopt(ctrl, SOL_SOCKET, SO_ERROR, &err, &optlen) < 0)
		return -errno;
	return -err;
}

/*
 * The address fd sends from, for UDP ASSOCIATE: its own when bound to a
 * specific address, else the control connection's local address with
 * fd's port.  fd is bound first if it is not.
 */
static int
udp_assoc_source(int fd, int family, int ctrl, struct sx_endpoint *src)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct sx_endpoint bound, ctl;
	bool have_ctl = false;
	int rc;

	if (real.getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	rc = sx_endpoint_from_sockaddr(&bound, (struct sockaddr *)&ss, len);
	if (rc < 0)
		return rc;
	if (bound.port == 0) {
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = (sa_family_t)family;
		len = family == AF_INET6 ? sizeof(struct sockaddr_in6) :
					   sizeof(struct sockaddr_in);
		/* EINVAL: another thread bound it meanwhile. */
		if (real.bind(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINVAL)
			return -errno;
		len = sizeof(ss);
		if (real.getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
			return -errno;
		rc = sx_endpoint_from_sockaddr(&bound, (struct sockaddr *)&ss, len);
		if (rc < 0)
			return rc;
	}
	/* The control connection's local address is asked for only when needed. */
	if (udprules_is_unspecified(&bound)) {
		len = sizeof(ss);
		have_ctl = real.getsockname(ctrl, (struct sockaddr *)&ss, &len) == 0 &&
			   sx_endpoint_from_sockaddr(&ctl, (struct sockaddr *)&ss, len) == 0;
	}
	udprules_declared_source(&bound, have_ctl ? &ctl : NULL, src);
	return 0;
}

/*
 * Where the relay is: BND from the reply, or for an all-zero BND.ADDR the
 * address the control socket is connected to, as a socket address of the
 * UDP socket's family.
 */
static int
udp_assoc_relay(const struct handshake *hs, int ctrl, int family,
		struct sockaddr_storage *ss, socklen_t *len)
{
	struct sx_endpoint proxy, relay;
	const struct sx_endpoint *known = NULL;
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	int rc;

	if (udprules_relay_is_proxy(&hs->bnd)) {
		if (real.getpeername(ctrl, (struct sockaddr *)&peer, &plen) < 0)
			return -errno;
		if (sx_endpoint_from_sockaddr(&proxy, (struct sockaddr *)&peer,
					      plen) < 0)
			return -EPROTO;
		known = &proxy;
	}
	rc = udprules_relay(&hs->bnd, known, &relay);
	if (rc < 0)
		return rc;
	return udprules_to_family(&relay, family, ss, len);
}

/* Log why an association failed (hs NULL: before the handshake), once per socket. */
static void
udp_assoc_log_failure(int fd, int family, const struct handshake *hs, int rc,
		      const struct sx_endpoint *dst)
{
	if (udpassoc_first_log(fd, family))
		failmsg_log("UDP to ", dst, hs, rc, "no answer from the proxy",
			    "UDP ASSOCIATE failed: ");
}

/*
 * Open the association of fd (a UDP socket of family) with the proxy.
 * 0, SX_PASS (the socket goes direct), -EEXIST (another thread was
 * quicker: look again), or -errno.
 */
static int
udp_assoc_open(int fd, int family, const struct sx_endpoint *dst)
{
	const struct config_proxy *p = &sx_cfg.proxy;
	struct sockaddr_storage relay;
	socklen_t relaylen;
	struct handshake hs;
	struct sx_endpoint src;
	struct sx_sys sys;
	int64_t deadline;
	int ctrl, rc;

	if (!chain_is_single_hop(&sx_cfg))
		return udp_assoc_cannot_carry(fd, family, dst, CHAIN_REFUSE_UDP);
	if (!proxykind_of(p)->carries_udp)
		return udp_assoc_cannot_carry(fd, family, dst, proxykind_of(p)->refuse_udp);
	if (family == AF_INET && p->addr.ss_family == AF_INET6) {
		if (udpassoc_first_log(fd, family))
			log_warn("UDP via %s: the proxy has an IPv6 address, the program's socket is IPv4",
				 sx_proxy_label());
		return -EAFNOSUPPORT;
	}
	ctrl = real.socket(p->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctrl < 0)
		return -errno;
	ctrl = udp_ctrl_place(ctrl);
	deadline = handshake_now_ms() + sx_cfg.timeout_ms;
	rc = udp_assoc_ctrl_connect(ctrl, deadline);
	if (rc < 0) {
		udp_assoc_log_failure(fd, family, NULL, rc, dst);
		goto err_close_ctrl;
	}
	rc = udp_assoc_source(fd, family, ctrl, &src);
	if (rc < 0)
		goto err_close_ctrl;
	handshake_init(&hs, p, SOCKS5_CMD_UDP_ASSOCIATE, &src, false);
	sys = real_sys;
	sys.connect = udp_assoc_ctrl_connected;
	do {
		rc = handshake_drive(&hs, &sys, ctrl, deadline);
	} while (rc == -EINTR);
	if (rc < 0 && hs.state == HS_FAILED &&
	    hs.rep == SOCKS5_REP_CMD_NOT_SUPPORTED) {
		real.close(ctrl);
		return udp_assoc_cannot_carry(fd, family, dst,
					"it answered UDP ASSOCIATE with \"command not supported\"");
	}
	if (rc < 0) {
		udp_assoc_log_failure(fd, family, &hs, rc, dst);
		/* A refusal in the reply holds for this socket; anything else may pass. */
		if (hs.state == HS_FAILED && hs.rep != SOCKS5_REP_SUCCEEDED &&
		    udpassoc_set_state(fd, family, UDPASSOC_REFUSED, -rc) == -EBUSY)
			rc = -EEXIST;
		goto err_close_ctrl;
	}
	rc = udp_assoc_relay(&hs, ctrl, family, &relay, &relaylen);
	if (rc < 0) {
		if (udpassoc_first_log(fd, family))
			log_warn("UDP via %s: cannot use the relay the proxy named: %s",
				 sx_proxy_label(), strerror(-rc));
		goto err_close_ctrl;
	}
	rc = udpassoc_install(fd, family, ctrl, udp_ctrl_ino(ctrl),
			      (struct sockaddr *)&relay, relaylen);
	if (rc < 0)
		goto err_close_ctrl;
	if (log_enabled(LOG_LEVEL_INFO)) {
		char from[300], to[300];

		sx_endpoint_format(&src, from, sizeof(from));
		sx_sockaddr_format((struct sockaddr *)&relay, relaylen, to, sizeof(to));
		log_info("UDP from %s via %s: relay %s", from, sx_proxy_label(), to);
	}
	return 0;

err_close_ctrl:
	real.close(ctrl);
	return rc;
}

int
udp_assoc_ready(int fd, int family, struct udpassoc_info *info, bool have,
		const struct sx_endpoint *dst)
{
	int rc = -ENETUNREACH;

	for (int tries = 0; tries < 4; tries++) {
		if (have) {
			if (info->state == UDPASSOC_DIRECT)
				return SX_PASS;
			if (info->state == UDPASSOC_REFUSED)
				return -info->error;
			if (info->state == UDPASSOC_ASSOCIATED) {
				if (udp_ctrl_alive(info->ctrl))
					return 0;
				if (udpassoc_drop_ctrl(fd, info->ctrl)) {
					udp_ctrl_close(info->ctrl, info->ctrl_ino);
					log_info("the proxy ended the UDP association of descriptor %d; opening a new one",
						 fd);
				}
			}
		}
		sx_enter();
		rc = udp_assoc_open(fd, family, dst);
		sx_leave();
		if (rc < 0 && rc != -EEXIST)
			return rc;
		if (rc == SX_PASS)
			return SX_PASS;
		have = udpassoc_get(fd, info);
		if (!have)
			return -EBADF;
		if (rc == 0)
			return 0;
	}
	return rc;
}

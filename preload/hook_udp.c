/*
 * UDP through the proxy (RFC 1928 section 7): sendto(), sendmsg(), send(),
 * sendmmsg(), recvfrom(), recvmsg(), recv() and recvmmsg() on UDP sockets,
 * connect() on them through udp_connect(), read() and write() through the
 * udp_io_*() calls of udp.h, and the same calls made as raw system calls
 * through syscall() (libuv before 1.45 does, under dig).  The
 * send and receive hooks also hold back proxied TCP sockets whose SOCKS
 * exchange is under way (tcp.h), as the I/O hooks do.
 *
 * Sending.  The first datagram from a UDP socket to a proxied destination
 * opens the association: the socket is bound if it was not (any address,
 * port 0), a TCP control connection to the proxy carries UDP ASSOCIATE
 * with the address the socket sends from (its bound address, or the
 * control connection's local address when it is bound to the any-address:
 * danted filters on it), and BND in the reply names the relay (all zeros:
 * the proxy's own address).  The control socket lives as long as the UDP
 * socket.  Before each relayed send a recv(MSG_PEEK | MSG_DONTWAIT) on
 * the control socket tells whether the proxy has dropped it (measured on
 * loopback: about 650 ns, against 740 ns for poll() with timeout 0 and
 * about 6 us for the send itself); a dropped association is opened again
 * on the spot.  Every datagram goes to the relay as one sendmsg() whose
 * iovec is [SOCKS header, the program's buffers...]: the payload is never
 * copied.  A fake IP destination goes out as its host name (ATYP 3).
 *
 * A destination is read as the kernel reads it: an AF_UNSPEC address is
 * an AF_INET one to an IPv4 UDP or raw socket (and no address at all to
 * an IPv6 UDP socket), so it is routed as that, never passed through as
 * "not an IP address".  Sends on packet sockets are refused (see
 * udp_packet_refused()).
 *
 * Receiving.  Only datagrams from the relay are taken apart; a datagram
 * from anyone else is handed over unchanged when its sender is a direct
 * destination (loopback with SOCKSIFY_LOOPBACK=direct, NO_PROXY) and the
 * socket has no proxied default destination, and dropped otherwise, as are
 * fragments (FRAG != 0) and malformed headers.  The kernel receives into
 * [header room, the program's buffers..., spill] with MSG_TRUNC, so it
 * reports the datagram's real length.  The header room is as long as the
 * last header this socket received (10 bytes to begin with: IPv4), so
 * the payload usually lands in place with no copy; when the header
 * differs (IPv6 22, a name 7 + length) the payload is moved into place
 * inside the program's buffers, the spill supplying the tail a longer
 * header pushed out.  MSG_PEEK, MSG_TRUNC, MSG_DONTWAIT and truncation
 * (MSG_TRUNC in msg_flags) behave as without the proxy.  A dropped
 * datagram is consumed and the wait goes on; a non-blocking receive then
 * gets EAGAIN when nothing valid is left.  A receive already waiting when
 * another thread opens the association sees the relay's datagrams too: a
 * call that went straight to the kernel judges what it got afterwards,
 * and a filtering call looks the relay up again before dropping.  The
 * sender is the one the relay names: a host name becomes its fake IP,
 * an address is reported as it is (also when the program sent to a name).
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
 * Not carried: MSG_MORE (the pieces would each get a header: EOPNOTSUPP)
 * and UDP_SEGMENT (GSO) control messages (EIO, on which QUIC stacks turn
 * GSO off).  Nothing is fragmented: the header comes out of the program's
 * datagram budget, and a datagram too large with it gets the kernel's
 * EMSGSIZE.  The first send blocks for the handshake, even on a
 * non-blocking socket, bounded by SOCKSIFY_TIMEOUT.
 *
 * Control sockets are placed at the lowest free number at or above
 * udp_ctrl_floor(): half the soft RLIMIT_NOFILE, at most 1024 (above
 * select()'s FD_SETSIZE when the limit allows, and never so high that
 * the kernel grows the descriptor table far).
 *
 * No table lock is held across a system call; the guard is held only
 * while an association is opened, never around the program's own
 * datagrams, so a signal handler's UDP is proxied too.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "conntab.h"
#include "fakeip.h"
#include "fastopen.h"
#include "handshake.h"
#include "log.h"
#include "preload.h"
#include "route.h"
#include "socks5.h"
#include "tcp.h"
#include "udp.h"
#include "udpassoc.h"
#include "udpframe.h"

/* The highest floor for control sockets. */
#define UDP_CTRL_FLOOR_MAX 1024
/* iovec entries kept on the stack; more are allocated. */
#define UDP_IOV_STACK 16
/* Errno of a send the proxy cannot carry. */
#define UDP_ERR_CANNOT_CARRY ENETUNREACH

int
udp_ctrl_floor(void)
{
	struct rlimit rl;
	rlim_t half;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return UDP_CTRL_FLOOR_MAX;
	half = rl.rlim_cur / 2;
	return half < UDP_CTRL_FLOOR_MAX ? (int)half : UDP_CTRL_FLOOR_MAX;
}

/* A close-on-exec duplicate of fd at or above the floor, or -errno. */
static int
udp_ctrl_dup(int fd)
{
	int nfd = real.fcntl(fd, F_DUPFD_CLOEXEC, udp_ctrl_floor());

	if (nfd < 0)
		nfd = real.fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return nfd < 0 ? -errno : nfd;
}

/* Move a new control socket up to the floor; keep it where it is if that fails. */
static int
udp_ctrl_place(int fd)
{
	int lowest = udp_ctrl_floor();
	int nfd;

	if (fd >= lowest)
		return fd;
	nfd = real.fcntl(fd, F_DUPFD_CLOEXEC, lowest);
	if (nfd < 0)
		return fd;
	real.close(fd);
	return nfd;
}

static uint64_t
udp_fd_ino(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

/*
 * Close a control socket, but only if the number still holds it: a
 * program that closed it behind our back (a raw close_range system call)
 * may have the number back for something else.
 */
static void
udp_ctrl_close(int ctrl, uint64_t ino)
{
	if (ctrl < 0)
		return;
	if (ino != 0 && udp_fd_ino(ctrl) != ino)
		return;
	real.close(ctrl);
}

/* False when the proxy has closed or reset the control connection. */
static bool
udp_ctrl_alive(int ctrl)
{
	uint8_t b;
	ssize_t n = real.recv(ctrl, &b, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n > 0)
		return true;
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

/* A socket address of family AF_INET or AF_INET6, else false. */
static bool
udp_is_inet(const struct sockaddr *sa, socklen_t len)
{
	return sa && len >= sizeof(sa_family_t) &&
	       (sa->sa_family == AF_INET || sa->sa_family == AF_INET6);
}

static bool
udp_ep_is_unspecified(const struct sx_endpoint *ep)
{
	size_t n = ep->atyp == SX_ATYP_IPV4 ? 4 : 16;

	if (ep->atyp == SX_ATYP_DOMAIN)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (ep->addr[i] != 0)
			return false;
	}
	return true;
}

/* Same address and port (both IPv4 or both IPv6). */
static bool
udp_ep_same_addr(const struct sx_endpoint *a, const struct sx_endpoint *b)
{
	if (a->atyp != b->atyp || a->port != b->port || a->atyp == SX_ATYP_DOMAIN)
		return false;
	return memcmp(a->addr, b->addr, a->atyp == SX_ATYP_IPV4 ? 4 : 16) == 0;
}

/*
 * An address endpoint as a socket address of family (an IPv4 address in
 * an AF_INET6 socket is v4-mapped).  -EAFNOSUPPORT for IPv6 into AF_INET,
 * -EINVAL for a name.
 */
static int
udp_ep_to_family(const struct sx_endpoint *ep, int family,
		 struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 sin6;

	if (ep->atyp == SX_ATYP_DOMAIN)
		return -EINVAL;
	if (family == AF_INET && ep->atyp == SX_ATYP_IPV6)
		return -EAFNOSUPPORT;
	if (family == AF_INET6 && ep->atyp == SX_ATYP_IPV4) {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(ep->port);
		sin6.sin6_addr.s6_addr[10] = 0xff;
		sin6.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sin6.sin6_addr.s6_addr[12], ep->addr, 4);
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, &sin6, sizeof(sin6));
		*len = sizeof(sin6);
		return 0;
	}
	return sx_endpoint_to_sockaddr(ep, ss, len);
}

/*
 * Whether a route sends the datagram to the proxy.  route_decide() refuses
 * IPv6 destinations for a SOCKS4 proxy; for UDP, which SOCKS4 cannot carry
 * at all, that is the "proxy cannot carry it" case like any other.
 */
static bool
udp_route_proxied(const struct route *r)
{
	if (r->action == ROUTE_PROXY)
		return true;
	return r->action == ROUTE_DENY && r->error == EAFNOSUPPORT &&
	       sx_cfg.valid && sx_cfg.proxy.version == 4 &&
	       r->dst.atyp == SX_ATYP_IPV6;
}

/*
 * A send on a packet socket (AF_PACKET, or the old AF_INET SOCK_PACKET)
 * that the program did not open under the library (inherited, or passed
 * over a UNIX socket; hook_socket.c refuses to open one): its frames
 * would leave the machine around the proxy.  0 (the send goes ahead)
 * with SOCKSIFY_PACKET=direct, else -EACCES and one log line.  where is
 * the destination, for the log.
 */
static int
udp_packet_refused(const char *where)
{
	if (sx_cfg.valid && sx_cfg.packet_mode == CONFIG_PACKET_DIRECT)
		return 0;
	log_warn("refusing to send on a packet socket (AF_PACKET) to %s: its frames would leave around the proxy (SOCKSIFY_PACKET=direct allows it)",
		 where);
	return -EACCES;
}

/*
 * The family of fd when it is a UDP socket of family AF_INET or AF_INET6;
 * 0 when it is not ours (a TCP socket, say).  Other datagram and raw
 * sockets cannot go through a SOCKS proxy at all: -EACCES (ICMP "ping"
 * sockets are SOCK_DGRAM too), and neither can packet sockets
 * (udp_packet_refused()).  -errno when getsockopt() fails on fd.  sa is
 * the destination, for the log.
 */
static int
udp_socket_family(int fd, int flags, const struct sockaddr *sa, socklen_t len)
{
	socklen_t optlen = sizeof(int);
	char where[300];
	int type, proto, family;

	/* A socket we cannot see into gets no datagram we did not decide. */
	if (real.getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &optlen) < 0)
		return -errno;
	if (type == SOCK_STREAM && !(flags & MSG_FASTOPEN))
		return 0;
	sx_sockaddr_format(sa, len, where, sizeof(where));
	if (type == SOCK_STREAM) {
		/* A TCP Fast Open send connects without connect(). */
		log_warn("refusing TCP Fast Open to %s: it would connect around the proxy",
			 where);
		return -EOPNOTSUPP;
	}
	optlen = sizeof(int);
	if (real.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &optlen) < 0)
		return -errno;
	if (family == AF_PACKET)
		return udp_packet_refused(where);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	optlen = sizeof(int);
	if (type == SOCK_DGRAM &&
	    real.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &optlen) == 0 &&
	    proto == IPPROTO_UDP)
		return family;
	log_warn("refusing to send to %s: only TCP and UDP can go through a SOCKS proxy",
		 where);
	return -EACCES;
}

/*
 * The proxy cannot carry UDP (why says how we know).  With
 * SOCKSIFY_UDP=direct the socket goes direct from now on: UDP_PASS; else
 * its sends fail: -UDP_ERR_CANNOT_CARRY.  One log line per socket.
 * -EEXIST when another thread associated the socket meanwhile.
 */
static int
udp_cannot_carry(int fd, int family, const struct sx_endpoint *dst,
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
	return UDP_PASS;
}

/* handshake's connect step, for a control socket we connected already. */
static int
udp_ctrl_connected(int fd, const struct sockaddr *sa, socklen_t len)
{
	(void)fd;
	(void)sa;
	(void)len;
	return 0;
}

/* Connect the non-blocking control socket to the proxy by deadline. */
static int
udp_ctrl_connect(int ctrl, int64_t deadline)
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
udp_source(int fd, int family, int ctrl, struct sx_endpoint *src)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct sx_endpoint ctl;
	uint16_t port;
	int rc;

	if (real.getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	rc = sx_endpoint_from_sockaddr(src, (struct sockaddr *)&ss, len);
	if (rc < 0)
		return rc;
	if (src->port == 0) {
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
		rc = sx_endpoint_from_sockaddr(src, (struct sockaddr *)&ss, len);
		if (rc < 0)
			return rc;
	}
	if (!udp_ep_is_unspecified(src))
		return 0;
	port = src->port;
	len = sizeof(ss);
	if (real.getsockname(ctrl, (struct sockaddr *)&ss, &len) < 0 ||
	    sx_endpoint_from_sockaddr(&ctl, (struct sockaddr *)&ss, len) < 0)
		return 0;
	*src = ctl;
	src->port = port;
	return 0;
}

/*
 * Where the relay is: BND from the reply, or for an all-zero BND.ADDR the
 * address the control socket is connected to, as a socket address of the
 * UDP socket's family.
 */
static int
udp_relay_addr(const struct handshake *hs, int ctrl, int family,
	       struct sockaddr_storage *ss, socklen_t *len)
{
	struct sx_endpoint relay = hs->bnd;
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);

	if (relay.atyp == SX_ATYP_DOMAIN)
		return -EPROTO;
	if (udp_ep_is_unspecified(&relay)) {
		if (real.getpeername(ctrl, (struct sockaddr *)&peer, &plen) < 0)
			return -errno;
		if (sx_endpoint_from_sockaddr(&relay, (struct sockaddr *)&peer,
					      plen) < 0)
			return -EPROTO;
		relay.port = hs->bnd.port;
	}
	return udp_ep_to_family(&relay, family, ss, len);
}

/* Log why an association failed (hs NULL: before the handshake), once per socket. */
static void
udp_log_failure(int fd, int family, const struct handshake *hs, int rc,
		const struct sx_endpoint *dst)
{
	char where[300];

	if (!udpassoc_first_log(fd, family))
		return;
	sx_endpoint_format(dst, where, sizeof(where));
	if (!hs && rc == -ETIMEDOUT)
		log_warn("UDP to %s via %s: no answer from the proxy within the timeout",
			 where, sx_proxy_label());
	else if (!hs)
		log_warn("UDP to %s via %s: cannot connect to the proxy: %s",
			 where, sx_proxy_label(), strerror(-rc));
	else if (rc == -ETIMEDOUT && hs->state != HS_FAILED)
		log_warn("UDP to %s via %s: no answer from the proxy within the timeout",
			 where, sx_proxy_label());
	else if (!hs->proxy_reached)
		log_warn("UDP to %s via %s: cannot connect to the proxy: %s",
			 where, sx_proxy_label(), strerror(-rc));
	else
		log_warn("UDP to %s via %s: UDP ASSOCIATE failed: %s", where,
			 sx_proxy_label(), handshake_reason(hs));
}

/*
 * Open the association of fd (a UDP socket of family) with the proxy.
 * 0, UDP_PASS (the socket goes direct), -EEXIST (another thread was
 * quicker: look again), or -errno.
 */
static int
udp_associate(int fd, int family, const struct sx_endpoint *dst)
{
	const struct config_proxy *p = &sx_cfg.proxy;
	struct sockaddr_storage relay;
	socklen_t relaylen;
	struct handshake hs;
	struct sx_endpoint src;
	struct sx_sys sys;
	int64_t deadline;
	int ctrl, rc;

	if (p->version != 5)
		return udp_cannot_carry(fd, family, dst, "SOCKS4 has no UDP");
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
	rc = udp_ctrl_connect(ctrl, deadline);
	if (rc < 0) {
		udp_log_failure(fd, family, NULL, rc, dst);
		goto err_close_ctrl;
	}
	rc = udp_source(fd, family, ctrl, &src);
	if (rc < 0)
		goto err_close_ctrl;
	handshake_init(&hs, p, SOCKS5_CMD_UDP_ASSOCIATE, &src, false);
	sys = real_sys;
	sys.connect = udp_ctrl_connected;
	do {
		rc = handshake_drive(&hs, &sys, ctrl, deadline);
	} while (rc == -EINTR);
	if (rc < 0 && hs.state == HS_FAILED &&
	    hs.rep == SOCKS5_REP_CMD_NOT_SUPPORTED) {
		real.close(ctrl);
		return udp_cannot_carry(fd, family, dst,
					"it answered UDP ASSOCIATE with \"command not supported\"");
	}
	if (rc < 0) {
		udp_log_failure(fd, family, &hs, rc, dst);
		/* A refusal in the reply holds for this socket; anything else may pass. */
		if (hs.state == HS_FAILED && hs.rep != SOCKS5_REP_SUCCEEDED &&
		    udpassoc_set_state(fd, family, UDPASSOC_REFUSED, -rc) == -EBUSY)
			rc = -EEXIST;
		goto err_close_ctrl;
	}
	rc = udp_relay_addr(&hs, ctrl, family, &relay, &relaylen);
	if (rc < 0) {
		if (udpassoc_first_log(fd, family))
			log_warn("UDP via %s: cannot use the relay the proxy named: %s",
				 sx_proxy_label(), strerror(-rc));
		goto err_close_ctrl;
	}
	rc = udpassoc_install(fd, family, ctrl, udp_fd_ino(ctrl),
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

/*
 * Make sure fd has a live association; *info is then its entry.  0,
 * UDP_PASS (the socket goes direct), or -errno.
 */
static int
udp_ready(int fd, int family, struct udpassoc_info *info, bool have,
	  const struct sx_endpoint *dst)
{
	int rc = -ENETUNREACH;

	for (int tries = 0; tries < 4; tries++) {
		if (have) {
			if (info->state == UDPASSOC_DIRECT)
				return UDP_PASS;
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
		rc = udp_associate(fd, family, dst);
		sx_leave();
		if (rc < 0 && rc != -EEXIST)
			return rc;
		if (rc == UDP_PASS)
			return UDP_PASS;
		have = udpassoc_get(fd, info);
		if (!have)
			return -EBADF;
		if (rc == 0)
			return 0;
	}
	return rc;
}

/* True when the program's control messages ask for UDP segmentation offload. */
static bool
udp_has_gso(const struct msghdr *msg)
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
	struct iovec small[UDP_IOV_STACK], *v = small;
	struct msghdr m;
	ssize_t hl, rc;

	hl = socks5_encode_udp_header(hdr, sizeof(hdr), dst);
	if (hl < 0)
		return hl;
	if (msg->msg_iovlen >= IOV_MAX)
		return -EMSGSIZE;
	if (msg->msg_iovlen + 1 > UDP_IOV_STACK) {
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
 * A destination whose family does not tell how the kernel reads it: an
 * AF_UNSPEC address, which IPv4 UDP and raw sockets take for AF_INET (see
 * route_datagram_dst()), or an AF_PACKET one, which only a packet socket
 * takes (and a packet socket is refused, whatever the address).  1 when msg
 * is to be read as *copy (msg with the destination the kernel sees: *ss,
 * or none), 0 when it stands as it is, -errno to refuse the send.  Costs
 * up to three getsockopt() calls, only for such destinations.
 */
static int
udp_dst_as_kernel(int fd, const struct msghdr *msg, struct msghdr *copy,
		  struct sockaddr_storage *ss)
{
	const struct sockaddr *sa = msg->msg_name;
	socklen_t optlen = sizeof(int), sslen = 0;
	int family, type, proto, kind;
	char where[300];

	if (real.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &family, &optlen) < 0)
		return -errno;
	if (family == AF_PACKET) {
		sx_sockaddr_format(sa, msg->msg_namelen, where, sizeof(where));
		return udp_packet_refused(where);
	}
	if (sa->sa_family != AF_UNSPEC)
		return 0;
	optlen = sizeof(int);
	if (real.getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &optlen) < 0)
		return -errno;
	optlen = sizeof(int);
	if (real.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &proto, &optlen) < 0)
		return -errno;
	kind = route_datagram_dst(family, type, proto, sa, msg->msg_namelen, ss,
				  &sslen);
	if (kind == ROUTE_DST_AS_GIVEN)
		return 0;
	memcpy(copy, msg, sizeof(*copy));
	copy->msg_name = kind == ROUTE_DST_REREAD ? ss : NULL;
	copy->msg_namelen = kind == ROUTE_DST_REREAD ? sslen : 0;
	return 1;
}

/*
 * One datagram the program sends on fd.  *pass says "not ours: make the
 * real call"; otherwise the payload bytes sent or -errno.
 */
static ssize_t
udp_send(int fd, const struct msghdr *msg, int flags, bool *pass)
{
	const struct sockaddr *sa = msg->msg_name;
	struct udpassoc_info info;
	struct sx_endpoint dst;
	struct sockaddr_storage reread_ss;
	struct msghdr reread = { .msg_name = NULL };
	struct route r;
	bool have;
	int family, rc;

	*pass = true;
	have = udpassoc_get(fd, &info);
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
		if (r.action == ROUTE_DIRECT)
			return 0;
		if (have) {
			family = info.family;
		} else {
			family = udp_socket_family(fd, flags, sa, msg->msg_namelen);
			if (family == 0)
				return 0;
			if (family < 0) {
				*pass = false;
				return family;
			}
		}
		*pass = false;
		if (!udp_route_proxied(&r)) {
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
	if (udp_has_gso(msg))
		return -EIO;
	rc = udp_ready(fd, family, &info, have, &dst);
	if (rc == UDP_PASS) {
		*pass = true;
		return 0;
	}
	if (rc < 0)
		return rc;
	return udp_send_relayed(fd, &info, &dst, msg, flags);
}

/* Whether fd's receives must be filtered (else they pass untouched). */
static bool
udp_filters(const struct udpassoc_info *info)
{
	if (info->state == UDPASSOC_DIRECT)
		return false;
	return info->state == UDPASSOC_ASSOCIATED || info->has_peer;
}

/* A connected socket only hears from its destination (a name: by port). */
static bool
udp_from_peer(const struct udpassoc_info *info, const struct sx_endpoint *src)
{
	const struct sx_endpoint *peer = &info->peer_ep;

	if (peer->atyp != SX_ATYP_DOMAIN)
		return udp_ep_same_addr(peer, src);
	if (src->port != peer->port)
		return false;
	if (src->atyp != SX_ATYP_DOMAIN)
		return true;
	return strcasecmp(src->name, peer->name) == 0;
}

/*
 * The sender of a relayed datagram as the program sees it: a socket
 * address of its socket's family, a fake IP for a name.  False: drop it.
 */
static bool
udp_sender(const struct udpassoc_info *info, const struct sx_endpoint *src,
	   struct sockaddr_storage *ss, socklen_t *len)
{
	if (info->has_peer) {
		if (!udp_from_peer(info, src))
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
	return udp_ep_to_family(src, info->family, ss, len) == 0;
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
	struct iovec small[UDP_IOV_STACK], *v = small;
	struct sx_endpoint relay, from_ep;
	size_t room = info->hdr_hint, n, cap, got, payload, deliver;
	ssize_t rc;

	if (room == 0 || room > sizeof(head))
		room = UDPASSOC_HDR_DEFAULT;
	if (msg->msg_iovlen > IOV_MAX - 2)
		return -EMSGSIZE;
	n = msg->msg_iovlen + 2;
	if (n > UDP_IOV_STACK) {
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
		if ((info->state != UDPASSOC_ASSOCIATED ||
		     !udp_ep_same_addr(&from_ep, &relay)) &&
		    udpassoc_get(fd, info) && info->state == UDPASSOC_ASSOCIATED)
			sx_endpoint_from_sockaddr(&relay, (const struct sockaddr *)&info->relay,
						  info->relaylen);
		if (info->state == UDPASSOC_ASSOCIATED &&
		    udp_ep_same_addr(&from_ep, &relay)) {
			h = udpframe_parse(v, n, got, &hdr);
			if (h < 0 || hdr.frag != 0)
				goto drop;
			if (!udp_sender(info, &hdr.addr, &sender, &senderlen))
				goto drop;
			if ((size_t)h != room) {
				udpassoc_set_hint(fd, (uint16_t)h);
				info->hdr_hint = (uint16_t)h;
			}
		} else {
			struct route r;

			if (info->has_peer)
				goto drop;
			route_decide(&sx_cfg, (struct sockaddr *)&from, m.msg_namelen,
				     SOCK_DGRAM, &r);
			if (r.action != ROUTE_DIRECT)
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

/* fd is gone or is no socket any more: forget what we knew about it. */
static void
udp_forget(int fd)
{
	uint64_t ino;
	int ctrl = udpassoc_remove(fd, &ino);

	udp_ctrl_close(ctrl, ino);
}

/*
 * One receive of the program on fd.  *pass says "not ours: make the real
 * call"; otherwise the payload length or -errno.
 */
static ssize_t
udp_recv(int fd, struct msghdr *msg, int flags, bool *pass)
{
	struct udpassoc_info info;
	ssize_t rc;

	*pass = true;
	if (flags & MSG_ERRQUEUE)
		return 0;
	if (!udpassoc_get(fd, &info) || !udp_filters(&info))
		return 0;
	*pass = false;
	rc = udp_recv_filtered(fd, &info, msg, flags);
	if (rc == -EBADF || rc == -ENOTSOCK)
		udp_forget(fd);
	return rc;
}

/*
 * A receive went straight to the kernel because fd had no entry, and
 * while it waited another thread opened an association on fd: the rc
 * bytes in msg's buffers, from `from`, are judged as udp_recv_filtered()
 * judges them, in place (a header at the front of the program's buffers
 * may have cost the payload its tail).  msg holds the program's buffers
 * and name buffer (msg_namelen its size); *named says msg's name and
 * msg_namelen were rewritten.  The payload length, or -errno.
 */
static ssize_t
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
	if ((flags & MSG_ERRQUEUE) || !udpassoc_get(fd, &info) || !udp_filters(&info))
		return rc;
	cap = udpframe_iov_len(msg->msg_iov, msg->msg_iovlen);
	got = (size_t)rc < cap ? (size_t)rc : cap;
	if (sx_endpoint_from_sockaddr(&from_ep, from, fromlen) < 0)
		goto drop;
	if (info.state == UDPASSOC_ASSOCIATED &&
	    sx_endpoint_from_sockaddr(&relay, (struct sockaddr *)&info.relay,
				      info.relaylen) == 0 &&
	    udp_ep_same_addr(&from_ep, &relay)) {
		h = udpframe_parse(msg->msg_iov, msg->msg_iovlen, got, &hdr);
		if (h < 0 || hdr.frag != 0 ||
		    !udp_sender(&info, &hdr.addr, &sender, &senderlen))
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
	if (!info.has_peer) {
		route_decide(&sx_cfg, from, fromlen, SOCK_DGRAM, &r);
		if (r.action == ROUTE_DIRECT)
			return rc;
	}
drop:
	if (flags & MSG_PEEK)
		real.recv(fd, &hdr, 0, MSG_DONTWAIT);
	*named = msg->msg_name != NULL;
	return udp_recv_filtered(fd, &info, msg, flags);
}

/*
 * A proxied TCP socket whose SOCKS exchange is under way takes no data
 * yet (see tcp.h): -1 with errno set when the call must not go on.
 */
static int
udp_tcp_gate(int fd)
{
	int rc = tcp_io_gate(fd);

	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

/*
 * Could a send with this address concern us when fd has no entry?  An
 * AF_UNSPEC address may be an IP destination (udp_dst_as_kernel()), and
 * an AF_PACKET one is a packet socket's.
 */
static bool
udp_dst_maybe(const struct sockaddr *sa, socklen_t len)
{
	if (udp_is_inet(sa, len))
		return true;
	return sa && len >= sizeof(sa_family_t) &&
	       (sa->sa_family == AF_UNSPEC || sa->sa_family == AF_PACKET);
}

/* The body of the sendto() hook (also reached through syscall()). */
ssize_t
udp_sendto(int fd, const void *buf, size_t len, int flags,
	   const struct sockaddr *sa, socklen_t salen)
{
	int saved_errno = errno;
	struct iovec iov;
	struct msghdr msg;
	ssize_t rc;
	bool pass;

	if (sx_guarded())
		return real.sendto(fd, buf, len, flags, sa, salen);
	/* TCP Fast Open connects without connect(): hook_fastopen.c. */
	if (fastopen_wanted(fd, flags))
		return fastopen_sendto(fd, buf, len, flags, sa, salen);
	if (conntab_maybe_active(fd) && udp_tcp_gate(fd) < 0)
		return -1;
	if (!udpassoc_maybe(fd) && !udp_dst_maybe(sa, salen))
		return real.sendto(fd, buf, len, flags, sa, salen);
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = (void *)sa;
	msg.msg_namelen = sa ? salen : 0;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	rc = udp_send(fd, &msg, flags, &pass);
	if (pass) {
		errno = saved_errno;
		return real.sendto(fd, buf, len, flags, sa, salen);
	}
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	errno = saved_errno;
	return rc;
}

SX_EXPORT ssize_t
sendto(int fd, const void *buf, size_t len, int flags,
       const struct sockaddr *sa, socklen_t salen)
{
	sx_ready();
	return udp_sendto(fd, buf, len, flags, sa, salen);
}

SX_EXPORT ssize_t
send(int fd, const void *buf, size_t len, int flags)
{
	int saved_errno = errno;
	struct iovec iov;
	struct msghdr msg;
	ssize_t rc;
	bool pass;

	sx_ready();
	if (sx_guarded())
		return real.send(fd, buf, len, flags);
	if (conntab_maybe_active(fd) && udp_tcp_gate(fd) < 0)
		return -1;
	if (!udpassoc_maybe(fd))
		return real.send(fd, buf, len, flags);
	iov.iov_base = (void *)buf;
	iov.iov_len = len;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	rc = udp_send(fd, &msg, flags, &pass);
	if (pass) {
		errno = saved_errno;
		return real.send(fd, buf, len, flags);
	}
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	errno = saved_errno;
	return rc;
}

/* The C library exports this one under a second name too: same hook. */
SX_EXPORT ssize_t __send(int fd, const void *buf, size_t len, int flags)
	__attribute__((alias("send")));

/* The body of the sendmsg() hook (also reached through syscall()). */
ssize_t
udp_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	int saved_errno = errno;
	ssize_t rc;
	bool pass;

	if (sx_guarded() || !msg)
		return real.sendmsg(fd, msg, flags);
	/* TCP Fast Open connects without connect(): hook_fastopen.c. */
	if (fastopen_wanted(fd, flags))
		return fastopen_sendmsg(fd, msg, flags);
	if (conntab_maybe_active(fd) && udp_tcp_gate(fd) < 0)
		return -1;
	if (!udpassoc_maybe(fd) && !udp_dst_maybe(msg->msg_name, msg->msg_namelen))
		return real.sendmsg(fd, msg, flags);
	rc = udp_send(fd, msg, flags, &pass);
	if (pass) {
		errno = saved_errno;
		return real.sendmsg(fd, msg, flags);
	}
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	errno = saved_errno;
	return rc;
}

SX_EXPORT ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	sx_ready();
	return udp_sendmsg(fd, msg, flags);
}

/* The body of the sendmmsg() hook (also reached through syscall()). */
int
udp_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	int saved_errno = errno;
	bool ours;
	unsigned int i;
	ssize_t rc = 0;

	if (conntab_maybe_active(fd) && udp_tcp_gate(fd) < 0)
		return -1;
	ours = udpassoc_maybe(fd);
	for (i = 0; i < vlen && !ours; i++)
		ours = udp_dst_maybe(vec[i].msg_hdr.msg_name, vec[i].msg_hdr.msg_namelen);
	if (!ours)
		return real.sendmmsg(fd, vec, vlen, flags);
	if (vlen > IOV_MAX)
		vlen = IOV_MAX;
	for (i = 0; i < vlen; i++) {
		bool pass;

		rc = udp_send(fd, &vec[i].msg_hdr, flags, &pass);
		if (pass) {
			rc = real.sendmsg(fd, &vec[i].msg_hdr, flags);
			if (rc < 0)
				rc = -errno;
		}
		if (rc < 0)
			break;
		vec[i].msg_len = (unsigned int)rc;
	}
	if (i == 0 && vlen > 0) {
		errno = (int)-rc;
		return -1;
	}
	errno = saved_errno;
	return (int)i;
}

SX_EXPORT int
sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	sx_ready();
	if (sx_guarded() || !vec)
		return real.sendmmsg(fd, vec, vlen, flags);
	return udp_sendmmsg(fd, vec, vlen, flags);
}

/* The body of the recvfrom() hook (also reached through syscall()). */
ssize_t
udp_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *sa,
	     socklen_t *salen)
{
	int saved_errno = errno;
	struct iovec iov;
	struct msghdr msg;
	ssize_t rc;
	bool pass;

	if (sx_guarded())
		return real.recvfrom(fd, buf, len, flags, sa, salen);
	if (conntab_maybe_active(fd) && udp_tcp_gate(fd) < 0)
		return -1;
	iov.iov_base = buf;
	iov.iov_len = len;
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = sa && salen ? sa : NULL;
	msg.msg_namelen = sa && salen ? *salen : 0;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (!udpassoc_maybe(fd)) {
		struct sockaddr_storage own;
		socklen_t ownlen = sizeof(own);
		bool named;

		/*
		 * While any UDP socket of the process has an association, the
		 * sender is asked for even when the program does not want it:
		 * another thread may open one on fd during this receive.
		 */
		bool asked = sa || udpassoc_any();

		if (sa || !asked)
			rc = real.recvfrom(fd, buf, len, flags, sa, salen);
		else
			rc = real.recvfrom(fd, buf, len, flags, (struct sockaddr *)&own,
					   &ownlen);
		if (rc < 0 || !udpassoc_maybe(fd))
			return rc;
		/*
		 * The first association came during the wait: an unknown sender
		 * cannot be checked, so that datagram is dropped as a stranger's.
		 */
		if (!asked)
			goto associated;
		rc = udp_recv_late(fd, &msg, flags, rc,
				   sa ? sa : (struct sockaddr *)&own,
				   sa ? (*salen < msg.msg_namelen ? *salen : msg.msg_namelen) :
					ownlen, &named);
		if (rc < 0) {
			errno = (int)-rc;
			return -1;
		}
		if (named)
			*salen = msg.msg_namelen;
		errno = saved_errno;
		return rc;
	}
associated:
	rc = udp_recv(fd, &msg, flags, &pass);
	if (pass) {
		errno = saved_errno;
		return real.recvfrom(fd, buf, len, flags, sa, salen);
	}
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	if (sa && salen)
		*salen = msg.msg_namelen;
	errno = saved_errno;
	return rc;
}

SX_EXPORT ssize_t
recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *sa,
	 socklen_t *salen)
{
	sx_ready();
	return udp_recvfrom(fd, buf, len, flags, sa, salen);
}

SX_EXPORT ssize_t
recv(int fd, void *buf, size_t len, int flags)
{
	int saved_errno = errno;
	struct iovec iov;
	struct msghdr msg;
	ssize_t rc;
	bool pass;

	sx_ready();
	if (sx_guarded())
		return real.recv(fd, buf, len, flags);
	if (conntab_maybe_active(fd) && udp_tcp_gate(fd) < 0)
		return -1;
	iov.iov_base = buf;
	iov.iov_len = len;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (!udpassoc_maybe(fd)) {
		struct sockaddr_storage own;
		socklen_t ownlen = sizeof(own);
		bool named;

		/* recv() is recvfrom() without an address: ask for the sender. */
		rc = real.recvfrom(fd, buf, len, flags, (struct sockaddr *)&own, &ownlen);
		if (rc < 0 || !udpassoc_maybe(fd))
			return rc;
		rc = udp_recv_late(fd, &msg, flags, rc, (struct sockaddr *)&own, ownlen,
				   &named);
		if (rc < 0) {
			errno = (int)-rc;
			return -1;
		}
		errno = saved_errno;
		return rc;
	}
	rc = udp_recv(fd, &msg, flags, &pass);
	if (pass) {
		errno = saved_errno;
		return real.recv(fd, buf, len, flags);
	}
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	errno = saved_errno;
	return rc;
}

/* The body of the recvmsg() hook (also reached through syscall()). */
ssize_t
udp_recvmsg(int fd, struct msghdr *msg, int flags)
{
	int saved_errno = errno;
	ssize_t rc;
	bool pass;

	if (sx_guarded() || !msg)
		return real.recvmsg(fd, msg, flags);
	if (conntab_maybe_active(fd) && udp_tcp_gate(fd) < 0)
		return -1;
	if (!udpassoc_maybe(fd)) {
		struct sockaddr_storage own;
		struct msghdr m = *msg;
		socklen_t room;
		bool named;

		/* The sender is asked for even when the program does not want it. */
		if (!m.msg_name) {
			m.msg_name = &own;
			m.msg_namelen = sizeof(own);
		}
		rc = real.recvmsg(fd, &m, flags);
		if (rc < 0)
			return rc;
		if (!udpassoc_maybe(fd)) {
			if (msg->msg_name)
				msg->msg_namelen = m.msg_namelen;
			msg->msg_controllen = m.msg_controllen;
			msg->msg_flags = m.msg_flags;
			return rc;
		}
		/* The kernel reports the sender's full length, not what fitted. */
		room = msg->msg_name ? msg->msg_namelen : sizeof(own);
		msg->msg_controllen = m.msg_controllen;
		msg->msg_flags = m.msg_flags;
		rc = udp_recv_late(fd, msg, flags, rc, m.msg_name,
				   m.msg_namelen < room ? m.msg_namelen : room, &named);
		if (rc < 0) {
			errno = (int)-rc;
			return -1;
		}
		if (msg->msg_name && !named)
			msg->msg_namelen = m.msg_namelen;
		errno = saved_errno;
		return rc;
	}
	rc = udp_recv(fd, msg, flags, &pass);
	if (pass) {
		errno = saved_errno;
		return real.recvmsg(fd, msg, flags);
	}
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	errno = saved_errno;
	return rc;
}

SX_EXPORT ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	sx_ready();
	return udp_recvmsg(fd, msg, flags);
}

/*
 * The body of the recvmmsg() hook (also reached through syscall()).  As
 * the kernel does it: with MSG_WAITFORONE only the first datagram is
 * waited for, and the timeout is checked after each datagram.
 */
int
udp_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
	     struct timespec *timeout)
{
	int saved_errno = errno;
	struct udpassoc_info info;
	int64_t deadline = 0;
	unsigned int i;
	ssize_t rc = 0;

	if (conntab_maybe_active(fd) && udp_tcp_gate(fd) < 0)
		return -1;
	if (!udpassoc_maybe(fd) || (flags & MSG_ERRQUEUE) ||
	    !udpassoc_get(fd, &info) || !udp_filters(&info))
		return real.recvmmsg(fd, vec, vlen, flags, timeout);
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
			udp_forget(fd);
		errno = (int)-rc;
		return -1;
	}
	errno = saved_errno;
	return (int)i;
}

SX_EXPORT int
recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
	 struct timespec *timeout)
{
	sx_ready();
	if (sx_guarded() || !vec || vlen == 0)
		return real.recvmmsg(fd, vec, vlen, flags, timeout);
	return udp_recvmmsg(fd, vec, vlen, flags, timeout);
}


/*
 * read(), write(), readv() and writev() on a UDP socket with an entry, for
 * the I/O hooks: a connected proxied UDP socket (OpenBSD nc -u, socat)
 * reads and writes its datagrams through the relay.  Anything that is not
 * ours, or a number that turns out to be no socket any more, goes to the
 * real call.  These set errno as the hooks do.
 */
static ssize_t
udp_io(int fd, const struct iovec *iov, int n, bool out)
{
	int saved_errno = errno;
	struct msghdr msg;
	ssize_t rc = 0;
	bool pass = true;

	if (!sx_guarded() && n >= 0) {
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = (struct iovec *)iov;
		msg.msg_iovlen = (size_t)n;
		if (out)
			rc = udp_send(fd, &msg, 0, &pass);
		else
			rc = udp_recv(fd, &msg, 0, &pass);
		if (rc == -ENOTSOCK)
			pass = true;
	}
	if (pass) {
		errno = saved_errno;
		return out ? real.writev(fd, iov, n) : real.readv(fd, iov, n);
	}
	if (rc < 0) {
		errno = (int)-rc;
		return -1;
	}
	errno = saved_errno;
	return rc;
}

ssize_t
udp_io_read(int fd, void *buf, size_t len)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	if (sx_guarded() || !udpassoc_maybe(fd))
		return real.read(fd, buf, len);
	return udp_io(fd, &iov, 1, false);
}

ssize_t
udp_io_write(int fd, const void *buf, size_t len)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	if (sx_guarded() || !udpassoc_maybe(fd))
		return real.write(fd, buf, len);
	return udp_io(fd, &iov, 1, true);
}

ssize_t
udp_io_readv(int fd, const struct iovec *iov, int n)
{
	if (sx_guarded() || !udpassoc_maybe(fd))
		return real.readv(fd, iov, n);
	return udp_io(fd, iov, n, false);
}

ssize_t
udp_io_writev(int fd, const struct iovec *iov, int n)
{
	if (sx_guarded() || !udpassoc_maybe(fd))
		return real.writev(fd, iov, n);
	return udp_io(fd, iov, n, true);
}

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

int
udp_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct udpassoc_info info;
	struct route r;
	char where[300];
	bool have;
	int family, rc;

	have = udpassoc_get(fd, &info);
	if (!udp_is_inet(sa, len)) {
		/* AF_UNSPEC dissolves the default destination. */
		if (have && info.has_peer) {
			udpassoc_clear_peer(fd);
			conntab_remove(fd);
		}
		return UDP_PASS;
	}
	route_decide(&sx_cfg, sa, len, SOCK_DGRAM, &r);
	if (r.action == ROUTE_DIRECT) {
		if (have && info.has_peer) {
			udpassoc_clear_peer(fd);
			conntab_remove(fd);
		}
		return UDP_PASS;
	}
	sx_sockaddr_format(sa, len, where, sizeof(where));
	if (have) {
		family = info.family;
	} else {
		family = udp_socket_family(fd, 0, sa, len);
		if (family == 0)
			return UDP_PASS;
		if (family < 0)
			return family;
	}
	if (!udp_route_proxied(&r)) {
		log_warn("refusing UDP to %s: %s", where, r.reason);
		return -r.error;
	}
	if (family == AF_INET && sa->sa_family == AF_INET6)
		return -EAFNOSUPPORT;
	if (have && info.state == UDPASSOC_DIRECT)
		return UDP_PASS;
	if (have && info.state == UDPASSOC_REFUSED)
		return -info.error;
	if (sx_cfg.proxy.version != 5)
		return udp_cannot_carry(fd, family, &r.dst, "SOCKS4 has no UDP");
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
	udp_forget(fd);
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
	udp_forget(newfd);
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
		udp_forget(fd);
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

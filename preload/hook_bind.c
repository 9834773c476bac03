/*
 * bind(), listen(), accept(), accept4() and getsockname(): a program that
 * takes a connection back from the peer of a proxied connection (FTP's
 * active mode, PORT / EPRT) gets it through the proxy with a SOCKS BIND.
 *
 *   program          library                     proxy                 peer
 *   bind, getsockname / listen
 *                    BIND DST = the primary's destination ->
 *                                      <- first reply: BND = where it listens
 *   getsockname -> BND; the program tells its peer (PORT / EPRT)
 *                                                    <---------------- connect
 *                                      <- second reply: BND = the peer
 *   accept -> the control connection, which now carries the peer's bytes
 *
 * Which sockets.  The library records every proxied connection with the
 * BND of its CONNECT reply (the proxy's end of it), and getsockname() on
 * such a connection reports that end when it is an address: it is what the
 * peer sees, and it is what FTP clients (curl, wget) put in PORT / EPRT.  A
 * stream socket then asks for a BIND when the program binds it to
 *
 *   - the address getsockname() reported for a proxied connection (any
 *     port: the proxy picks its own),
 *   - the real local address of a proxied connection whose proxy reported
 *     no address, with port 0, unless that address is loopback, or
 *   - the any-address with port 0,
 *
 * while a proxied connection exists; the most recent one that matches is
 * the primary connection, whose destination the BIND names (by name for a
 * fake address).  Every other bind() is left alone: a loopback address, a
 * fixed port on the any-address, an address of this machine that no proxied
 * connection uses.  When in doubt the rule chooses the proxy, so that a
 * socket the program meant for its peer never listens on this machine's
 * interfaces.
 *
 * Such a socket is never bound where the program asked: the BIND is asked
 * for at the first getsockname() or listen(), whichever comes first (both
 * wait for the proxy's first reply, bounded by the timeout, whatever the
 * socket's O_NONBLOCK), and then the socket is bound to loopback with port
 * 0 and listens there only as an idle placeholder, so that it behaves as a
 * listening socket towards the kernel (epoll, SO_ACCEPTCONN); a local
 * process that connects to it is turned away.  A socket bound to the
 * any-address with port 0 is the exception: a client that only wants a
 * local port binds it the same way, so only listen() asks for its BIND; a
 * getsockname() before that binds it where the program asked and reports
 * its real address, and the socket is the program's own from then on (a
 * later listen() listens on this machine).  getsockname() reports where
 * the proxy listens (the proxy's own address when it reported none).  The
 * proxy refusing the BIND (microsocks, ssh -D and Tor answer "command not
 * supported") fails that getsockname() or listen() with the errno of its
 * answer (EOPNOTSUPP) and one log line; later calls fail the same way.
 *
 * accept() and accept4() read the second reply: a blocking socket waits for
 * it, bounded by the timeout (ETIMEDOUT, the BIND stays: a later accept
 * waits on); a non-blocking one gets EAGAIN until it is there.  The
 * connection handed back is the control connection itself, with the flags
 * accept4 asked for, getpeername() reporting the peer the proxy named and
 * getsockname() where the proxy listened.  One BIND serves one connection,
 * the protocol's rule: once it is handed over, the next getsockname() or
 * accept() on the same socket asks the proxy for a new BIND, whose address
 * getsockname() reports (a program that serves several peers asks for it
 * before it tells the next one where to connect).
 *
 * Readiness: while a listening socket waits for its peer, poll and select
 * watch its control connection in its place, and the control connection
 * sits in the program's epoll set with the program's events and data
 * (hook_poll.c), so the peer's arrival reads as an incoming connection.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <sys/epoll.h>

#include "bindtab.h"
#include "conntab.h"
#include "epwatch.h"
#include "handshake.h"
#include "log.h"
#include "hooks.h"
#include "preload.h"
#include "route.h"
#include "socks5.h"

/* A hook's answer for "let the real call handle it". */
#define BIND_PASS 1

/*
 * Which listening entries stand for a bind() to the any-address with port
 * 0, by descriptor (bind_note_any()); written when the entry is made and
 * read only while it exists.  A descriptor past the map counts as bound
 * to a proxied connection's address.
 */
#define BIND_ANY_MAP_SIZE 65536
static _Atomic uint8_t bind_any_map[BIND_ANY_MAP_SIZE];

static void
bind_log_failure(const struct handshake *hs, int rc, const char *what)
{
	char dst[300];

	sx_endpoint_format(&hs->dst, dst, sizeof(dst));
	if (rc == -ETIMEDOUT && hs->state != HS_FAILED)
		log_warn("BIND for %s via %s: %s within the timeout", dst,
			 sx_proxy_label(), what);
	else if (!hs->proxy_reached)
		log_warn("BIND for %s via %s: cannot connect to the proxy: %s", dst,
			 sx_proxy_label(), strerror(-rc));
	else
		log_warn("BIND for %s via %s: %s", dst, sx_proxy_label(),
			 handshake_reason(hs));
}

/* Drive hs on ctrl until done or deadline, riding over signals. */
static int
bind_drive(struct handshake *hs, int ctrl, int64_t deadline)
{
	int rc;

	do {
		rc = handshake_drive(hs, &real_sys, ctrl, deadline);
	} while (rc == -EINTR && handshake_now_ms() < deadline);
	return rc == -EINTR ? -ETIMEDOUT : rc;
}

/*
 * Where the proxy listens, as the program is told: BND, or the proxy's own
 * address with BND's port when BND is no address.
 */
static void
bind_reported(const struct sx_endpoint *bnd, struct sx_endpoint *out)
{
	if (bindtab_endpoint_is_addr(bnd) ||
	    sx_endpoint_from_sockaddr(out, (const struct sockaddr *)&sx_cfg.proxy.addr,
				      sx_cfg.proxy.addrlen) < 0) {
		*out = *bnd;
		return;
	}
	out->port = bnd->port;
}

/*
 * Bind fd to the loopback address of its family, port 0 (an IPv6 socket on
 * a host without IPv6 loopback: ::ffff:127.0.0.1).
 */
static int
bind_place(int fd, int family)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (family == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		return real.bind(fd, (const struct sockaddr *)&sin, sizeof(sin)) < 0 ?
		       -errno : 0;
	}
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_addr = in6addr_loopback;
	if (real.bind(fd, (const struct sockaddr *)&sin6, sizeof(sin6)) == 0)
		return 0;
	sin6.sin6_addr.s6_addr[10] = 0xff;
	sin6.sin6_addr.s6_addr[11] = 0xff;
	sin6.sin6_addr.s6_addr[12] = 127;
	sin6.sin6_addr.s6_addr[15] = 1;
	return real.bind(fd, (const struct sockaddr *)&sin6, sizeof(sin6)) < 0 ?
	       -errno : 0;
}

/*
 * True when fd is still connected to the proxy: a descriptor closed behind
 * the library's back (by a call it does not see) and given out again must
 * not inherit a connection's entry.
 */
static bool
bind_conn_is_live(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	return real.getpeername(fd, (struct sockaddr *)&ss, &len) == 0 &&
	       route_is_proxy(&sx_cfg, (const struct sockaddr *)&ss, len);
}

/*
 * Put ctrl in the epoll set the program registered fd in, with the
 * program's events and data, so that its readiness reads as fd's.
 */
static void
bind_epoll_add(int fd, int ctrl)
{
	struct epoll_event ev;
	uint32_t events;
	uint64_t data;
	int epfd;

	if (!epwatch_get(fd, &epfd, &events, &data))
		return;
	ev.events = events & ~(uint32_t)(EPOLLOUT | EPOLLWRNORM | EPOLLWRBAND);
	ev.data.u64 = data;
	if (real.epoll_ctl(epfd, EPOLL_CTL_ADD, ctrl, &ev) == 0)
		bindtab_set_ctrl_epoll(fd, epfd);
}

static void
bind_epoll_del(const struct bindtab_info *info)
{
	if (info->ctrl_epfd >= 0)
		real.epoll_ctl(info->ctrl_epfd, EPOLL_CTL_DEL, info->ctrl, NULL);
}

/*
 * Ask the proxy for a BIND for the listening socket fd unless one is under
 * way: a control connection, the request, and the first reply, waited for
 * up to the timeout.  0 when the proxy listens for fd, else -errno, which
 * later calls get again.
 */
static int
bind_ask(int fd)
{
	struct bindtab_info info;
	struct sx_endpoint bnd;
	struct sockaddr_storage ss;
	struct handshake *hs;
	socklen_t sslen;
	bool remember = false;		/* the failure is the proxy's: keep it */
	int ctrl, rc;

	rc = bindtab_take(fd, &info, &hs);
	if (rc < 0)
		return rc == -EBUSY ? -EAGAIN : -EBADF;
	if (info.state == BINDTAB_WAITING || info.state == BINDTAB_FAILED) {
		if (bindtab_put_back(fd, hs) < 0 && info.ctrl >= 0)
			real.close(info.ctrl);
		return info.state == BINDTAB_FAILED ? -info.error : 0;
	}
	hs = malloc(sizeof(*hs));
	if (!hs) {
		rc = -ENOMEM;
		goto err_put_back;
	}
	ctrl = real.socket(sx_cfg.proxy.addr.ss_family,
			   SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (ctrl < 0) {
		rc = -errno;
		goto err_free_hs;
	}
	remember = true;
	handshake_init(hs, &sx_cfg.proxy, SOCKS5_CMD_BIND, &info.dst, sx_cfg.pipeline);
	rc = bind_drive(hs, ctrl, handshake_now_ms() + sx_cfg.timeout_ms);
	if (rc < 0) {
		bind_log_failure(hs, rc, "no answer from the proxy");
		goto err_close_ctrl;
	}
	bind_reported(&hs->bnd, &bnd);
	rc = bindtab_endpoint_to_family(&bnd, info.family, &ss, &sslen);
	if (rc < 0) {
		log_warn("BIND via %s: the proxy's address does not fit the program's "
			 "socket family", sx_proxy_label());
		goto err_close_ctrl;
	}
	if (info.state == BINDTAB_BOUND) {
		rc = bind_place(fd, info.family);
		if (rc < 0) {
			log_warn("BIND via %s: cannot bind the listening socket to "
				 "loopback: %s", sx_proxy_label(), strerror(-rc));
			goto err_close_ctrl;
		}
	}
	handshake_expect_second_reply(hs);
	rc = bindtab_put_waiting(fd, ctrl, hs, &bnd);
	if (rc < 0) {
		/* Closed meanwhile (the table freed hs), or out of memory. */
		real.close(ctrl);
		return rc;
	}
	bind_epoll_add(fd, ctrl);
	if (log_enabled(LOG_LEVEL_INFO)) {
		char dst[300], where[300];

		sx_endpoint_format(&info.dst, dst, sizeof(dst));
		sx_endpoint_format(&bnd, where, sizeof(where));
		log_info("BIND for %s via %s: the proxy listens on %s", dst,
			 sx_proxy_label(), where);
	}
	return 0;

err_close_ctrl:
	real.close(ctrl);
err_free_hs:
	free(hs);
err_put_back:
	if (remember)
		bindtab_put_idle(fd, NULL, -rc);
	else
		bindtab_put_back(fd, NULL);
	return rc;
}

/*
 * True when a socket recorded at bind() went on to connect() directly
 * instead of listening: its entry is stale.
 */
static bool
bind_is_stale(int fd, const struct bindtab_info *info)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (info->state != BINDTAB_BOUND)
		return false;
	return real.getpeername(fd, (struct sockaddr *)&ss, &len) == 0 ||
	       errno != ENOTCONN;
}

/* The recorded connection that a bind() of fd to sa ties to, or -1. */
static int
bind_find_primary(const struct sockaddr *sa, socklen_t len,
		  struct bindtab_info *primary)
{
	int fds[64];
	int n = bindtab_list_conns(fds, (int)SX_ARRAY_LEN(fds));

	for (int i = 0; i < n; i++) {
		struct sockaddr_storage local;
		socklen_t locallen = sizeof(local);

		if (!bindtab_get(fds[i], primary) || primary->kind != BINDTAB_CONN)
			continue;
		if (!bindtab_bind_matches(sa, len, &primary->bnd, NULL, 0) &&
		    (bindtab_endpoint_is_addr(&primary->bnd) ||
		     real.getsockname(fds[i], (struct sockaddr *)&local, &locallen) < 0 ||
		     !bindtab_bind_matches(sa, len, &primary->bnd,
					   (const struct sockaddr *)&local, locallen)))
			continue;
		if (bind_conn_is_live(fds[i]))
			return fds[i];
		bindtab_remove(fds[i]);
	}
	return -1;
}

/* What bind_any_map holds for a descriptor. */
enum bind_any {
	BIND_ANY_NO,		/* a proxied connection's address */
	BIND_ANY_PLAIN,		/* 0.0.0.0 or :: with port 0 */
	BIND_ANY_MAPPED,	/* ::ffff:0.0.0.0 with port 0 */
};

static int
bind_any_kind(const struct sockaddr *sa, socklen_t len)
{
	static const uint8_t mapped_any[16] = { [10] = 0xff, [11] = 0xff };
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;

	if (sa->sa_family == AF_INET && len >= sizeof(sin)) {
		memcpy(&sin, sa, sizeof(sin));
		return sin.sin_addr.s_addr == htonl(INADDR_ANY) && sin.sin_port == 0 ?
		       BIND_ANY_PLAIN : BIND_ANY_NO;
	}
	/* The kernel takes an IPv6 address without its scope id too. */
	if (sa->sa_family != AF_INET6 ||
	    len < offsetof(struct sockaddr_in6, sin6_scope_id))
		return BIND_ANY_NO;
	memset(&sin6, 0, sizeof(sin6));
	memcpy(&sin6, sa, len < sizeof(sin6) ? len : sizeof(sin6));
	if (sin6.sin6_port != 0)
		return BIND_ANY_NO;
	if (IN6_IS_ADDR_UNSPECIFIED(&sin6.sin6_addr))
		return BIND_ANY_PLAIN;
	if (!memcmp(sin6.sin6_addr.s6_addr, mapped_any, sizeof(mapped_any)))
		return BIND_ANY_MAPPED;
	return BIND_ANY_NO;
}

static void
bind_note_any(int fd, int kind)
{
	if (fd >= 0 && fd < BIND_ANY_MAP_SIZE)
		atomic_store_explicit(&bind_any_map[fd], (uint8_t)kind,
				      memory_order_relaxed);
}

static int
bind_was_any(int fd)
{
	if (fd < 0 || fd >= BIND_ANY_MAP_SIZE)
		return BIND_ANY_NO;
	return atomic_load_explicit(&bind_any_map[fd], memory_order_relaxed);
}

/*
 * The address as the kernel reads it: an IPv4 socket takes AF_UNSPEC with
 * the any-address as AF_INET (inet_bind()'s compatibility rule), written
 * into *as_inet.  Anything else stands as given.
 */
static const struct sockaddr *
bind_addr_as_kernel(int fd, const struct sockaddr *sa, socklen_t *len,
		    struct sockaddr_in *as_inet)
{
	socklen_t optlen = sizeof(int);
	int domain;

	if (*len < sizeof(struct sockaddr_in) || sa->sa_family != AF_UNSPEC)
		return sa;
	memcpy(as_inet, sa, sizeof(*as_inet));
	if (as_inet->sin_addr.s_addr != htonl(INADDR_ANY) ||
	    real.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &optlen) < 0 ||
	    domain != AF_INET)
		return sa;
	as_inet->sin_family = AF_INET;
	*len = sizeof(*as_inet);
	return (const struct sockaddr *)as_inet;
}

static int
do_bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct bindtab_info info;
	struct sockaddr_in as_inet;
	socklen_t optlen = sizeof(int);
	int type, domain, primary;

	if (len >= sizeof(sa_family_t))
		sa = bind_addr_as_kernel(fd, sa, &len, &as_inet);
	if (len < sizeof(sa_family_t) ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return BIND_PASS;
	if (bindtab_get(fd, &info)) {
		if (info.kind == BINDTAB_LISTEN)
			return -EINVAL;
		if (info.kind != BINDTAB_CONN || bind_conn_is_live(fd))
			return BIND_PASS;
		bindtab_remove(fd);
	}
	if (real.getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &optlen) < 0 ||
	    type != SOCK_STREAM)
		return BIND_PASS;
	primary = bind_find_primary(sa, len, &info);
	if (primary < 0)
		return BIND_PASS;
	/* A family mismatch is the kernel's error to report. */
	optlen = sizeof(int);
	if (real.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &domain, &optlen) < 0 ||
	    domain != sa->sa_family)
		return BIND_PASS;
	if (log_enabled(LOG_LEVEL_DEBUG)) {
		char want[300], dst[300];

		sx_sockaddr_format(sa, len, want, sizeof(want));
		sx_endpoint_format(&info.dst, dst, sizeof(dst));
		log_debug("bind to %s: listening through the proxy for the peer of %s",
			  want, dst);
	}
	bind_note_any(fd, bind_any_kind(sa, len));
	return bindtab_add_listen(fd, sa->sa_family, &info.dst);
}

SX_EXPORT int
bind(int fd, const struct sockaddr *sa, socklen_t len)
{
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (sx_guarded() || !sa || (bindtab_conn_count() == 0 && !bindtab_maybe(fd)))
		return real.bind(fd, sa, len);
	sx_enter();
	rc = do_bind(fd, sa, len);
	sx_leave();
	if (rc == BIND_PASS) {
		errno = saved_errno;
		return real.bind(fd, sa, len);
	}
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	errno = saved_errno;
	return 0;
}

SX_HOOK_ALIAS(int, hook_bind, (int fd, const struct sockaddr *sa, socklen_t len), bind);

static int
do_listen(int fd)
{
	struct bindtab_info info;
	int rc;

	if (!bindtab_get(fd, &info) || info.kind != BINDTAB_LISTEN)
		return BIND_PASS;
	if (bind_is_stale(fd, &info)) {
		bindtab_remove(fd);
		return BIND_PASS;
	}
	rc = bind_ask(fd);
	if (rc < 0)
		return rc;
	/* An idle placeholder on loopback: nothing is ever accepted from it. */
	if (real.listen(fd, 1) < 0)
		return -errno;
	bindtab_set_listening(fd);
	return 0;
}

SX_EXPORT int
listen(int fd, int backlog)
{
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (sx_guarded() || !bindtab_maybe(fd))
		return real.listen(fd, backlog);
	sx_enter();
	rc = do_listen(fd);
	sx_leave();
	if (rc == BIND_PASS) {
		errno = saved_errno;
		return real.listen(fd, backlog);
	}
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	errno = saved_errno;
	return 0;
}

SX_HOOK_ALIAS(int, hook_listen, (int fd, int backlog), listen);

/*
 * getsockname() before listen() on a socket bound to the any-address with
 * port 0 (kind: enum bind_any): bind it there now, as the program asked,
 * and leave it alone (BIND_PASS: the real getsockname() reports it), or
 * -errno.
 */
static int
bind_release(int fd, int family, int kind)
{
	struct sockaddr_storage any;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&any;
	socklen_t anylen = family == AF_INET6 ? sizeof(struct sockaddr_in6) :
						 sizeof(struct sockaddr_in);
	int ctrl = bindtab_remove(fd);

	if (ctrl >= 0)
		real.close(ctrl);
	memset(&any, 0, sizeof(any));
	any.ss_family = (sa_family_t)family;
	if (family == AF_INET6 && kind == BIND_ANY_MAPPED) {
		sin6->sin6_addr.s6_addr[10] = 0xff;
		sin6->sin6_addr.s6_addr[11] = 0xff;
	}
	if (real.bind(fd, (const struct sockaddr *)&any, anylen) < 0)
		return -errno;
	log_debug("getsockname() before listen() on a socket bound to the "
		  "any-address: a local socket, no BIND");
	return BIND_PASS;
}

static int
do_getsockname(int fd, struct sockaddr_storage *ss, socklen_t *len)
{
	struct bindtab_info info;
	int rc;

	if (!bindtab_get(fd, &info))
		return BIND_PASS;
	if (info.kind == BINDTAB_CONN) {
		if (!bindtab_endpoint_is_addr(&info.bnd))
			return BIND_PASS;
		if (!bind_conn_is_live(fd)) {
			bindtab_remove(fd);
			return BIND_PASS;
		}
		rc = bindtab_endpoint_to_family(&info.bnd, info.family, ss, len);
		return rc < 0 ? BIND_PASS : 0;
	}
	if (info.kind != BINDTAB_LISTEN)
		return BIND_PASS;
	if (bind_is_stale(fd, &info)) {
		bindtab_remove(fd);
		return BIND_PASS;
	}
	if (info.state == BINDTAB_FAILED)
		return -info.error;
	/* Only a listener asks for a BIND when it may be a client's local port. */
	if (info.state == BINDTAB_BOUND && !info.listening &&
	    bind_was_any(fd) != BIND_ANY_NO)
		return bind_release(fd, info.family, bind_was_any(fd));
	if (info.state == BINDTAB_BOUND || info.state == BINDTAB_SPENT) {
		rc = bind_ask(fd);
		if (rc < 0)
			return rc;
		if (!bindtab_get(fd, &info))
			return -EBADF;
	}
	return bindtab_endpoint_to_family(&info.bnd, info.family, ss, len);
}

SX_EXPORT int
getsockname(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct sockaddr_storage ss;
	socklen_t n, sslen = sizeof(ss);
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (sx_guarded() || !bindtab_maybe(fd) || !sa || !len)
		return real.getsockname(fd, sa, len);
	sx_enter();
	rc = do_getsockname(fd, &ss, &sslen);
	sx_leave();
	if (rc == BIND_PASS) {
		errno = saved_errno;
		return real.getsockname(fd, sa, len);
	}
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	n = *len < sslen ? *len : sslen;
	memcpy(sa, &ss, n);
	*len = sslen;
	errno = saved_errno;
	return 0;
}

SX_HOOK_ALIAS(int, hook_getsockname, (int fd, struct sockaddr *sa, socklen_t *len), getsockname);

/* Turn away local processes that connected to the loopback placeholder. */
static void
bind_turn_away(int fd)
{
	struct pollfd p;

	for (;;) {
		int c;

		p.fd = fd;
		p.events = POLLIN;
		p.revents = 0;
		if (real.poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
			return;
		c = real.accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (c < 0)
			return;
		real.close(c);
		log_warn("refused a local connection to a socket that listens "
			 "through the proxy");
	}
}

/*
 * Hand the control connection of fd over as the accepted connection: the
 * flags accept4 asked for, getpeername() the peer the proxy named,
 * getsockname() where the proxy listened.
 */
static int
bind_hand_over(int fd, const struct bindtab_info *info, struct handshake *hs,
	       struct sockaddr *sa, socklen_t *len, int flags)
{
	struct sockaddr_storage peer;
	struct sx_endpoint from = hs->bnd;
	socklen_t peerlen;
	int ctrl = info->ctrl;
	int fl;

	bind_epoll_del(info);
	bindtab_put_idle(fd, hs, 0);
	if (bindtab_endpoint_to_family(&from, info->family, &peer, &peerlen) < 0) {
		/* A peer named by host name: an unspecified address with its port. */
		memset(&from.addr, 0, sizeof(from.addr));
		from.atyp = info->family == AF_INET6 ? SX_ATYP_IPV6 : SX_ATYP_IPV4;
		bindtab_endpoint_to_family(&from, info->family, &peer, &peerlen);
	}
	fl = real.fcntl(ctrl, F_GETFL);
	if (fl >= 0)
		real.fcntl(ctrl, F_SETFL, (flags & SOCK_NONBLOCK) ? fl | O_NONBLOCK :
								    fl & ~O_NONBLOCK);
	real.fcntl(ctrl, F_SETFD, (flags & SOCK_CLOEXEC) ? FD_CLOEXEC : 0);
	if (conntab_set_established(ctrl, (const struct sockaddr *)&peer, peerlen) < 0 ||
	    bindtab_add_conn(ctrl, info->family, &info->dst, &info->bnd) < 0)
		log_warn("out of memory: getpeername() and getsockname() will show the proxy");
	if (sa && len) {
		socklen_t n = *len < peerlen ? *len : peerlen;

		memcpy(sa, &peer, n);
		*len = peerlen;
	}
	if (log_enabled(LOG_LEVEL_INFO)) {
		char who[300], where[300];

		sx_endpoint_format(&from, who, sizeof(who));
		sx_endpoint_format(&info->bnd, where, sizeof(where));
		log_info("accepted %s on %s through the proxy", who, where);
	}
	return ctrl;
}

/* The second reply failed: the BIND is over; a later accept asks again. */
static int
bind_lost(int fd, const struct bindtab_info *info, struct handshake *hs, int rc)
{
	bind_log_failure(hs, rc, "no peer came");
	bind_epoll_del(info);
	real.close(info->ctrl);
	bindtab_put_idle(fd, hs, 0);
	return rc == -ECONNRESET ? -ECONNABORTED : rc;
}

/* Take fd's entry, waiting while another thread has it (blocking sockets). */
static int
bind_take_waiting(int fd, bool nonblock, int64_t deadline,
		  struct bindtab_info *info, struct handshake **hs)
{
	for (;;) {
		int rc = bindtab_take(fd, info, hs);

		if (rc != -EBUSY)
			return rc < 0 ? -EBADF : 0;
		if (nonblock)
			return -EAGAIN;
		if (handshake_now_ms() >= deadline)
			return -ETIMEDOUT;
		real.poll(NULL, 0, 10);
	}
}

static int
do_accept(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	struct bindtab_info info;
	struct handshake *hs;
	int64_t deadline = handshake_now_ms() + sx_cfg.timeout_ms;
	bool nonblock;
	int fl, rc;

	if (!bindtab_get(fd, &info) || info.kind != BINDTAB_LISTEN)
		return BIND_PASS;
	if (!info.listening || (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)))
		return -EINVAL;
	fl = real.fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	nonblock = (fl & O_NONBLOCK) != 0;
	bind_turn_away(fd);
	if (info.state == BINDTAB_FAILED)
		return -info.error;
	if (info.state == BINDTAB_SPENT) {
		rc = bind_ask(fd);
		if (rc < 0)
			return rc;
	}
	rc = bind_take_waiting(fd, nonblock, deadline, &info, &hs);
	if (rc < 0)
		return rc;
	if (info.state != BINDTAB_WAITING || !hs) {
		/* Another thread took the connection meanwhile. */
		bindtab_put_back(fd, hs);
		return info.state == BINDTAB_FAILED ? -info.error : -EAGAIN;
	}
	rc = handshake_step(hs, &real_sys, info.ctrl);
	if (rc > 0 && !nonblock)
		rc = handshake_drive(hs, &real_sys, info.ctrl, deadline);
	/* Still waiting (a signal, the timeout): the BIND stays for a later accept. */
	if (rc > 0 || rc == -EINTR || (rc == -ETIMEDOUT && hs->state != HS_FAILED)) {
		if (rc == -ETIMEDOUT)
			bind_log_failure(hs, rc, "no peer connected to the proxy");
		if (bindtab_put_back(fd, hs) < 0)
			real.close(info.ctrl);
		return rc > 0 ? -EAGAIN : rc;
	}
	if (rc < 0)
		return bind_lost(fd, &info, hs, rc);
	return bind_hand_over(fd, &info, hs, sa, len, flags);
}

static int
accept_common(int fd, struct sockaddr *sa, socklen_t *len, int flags, bool four)
{
	int saved_errno = errno;
	int rc;

	if (sx_guarded() || !bindtab_maybe(fd))
		return four ? real.accept4(fd, sa, len, flags) : real.accept(fd, sa, len);
	sx_enter();
	rc = do_accept(fd, sa, len, flags);
	sx_leave();
	if (rc == BIND_PASS) {
		errno = saved_errno;
		return four ? real.accept4(fd, sa, len, flags) : real.accept(fd, sa, len);
	}
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	errno = saved_errno;
	return rc;
}

SX_EXPORT int
accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	sx_ready();
	return accept_common(fd, sa, len, 0, false);
}

SX_HOOK_ALIAS(int, hook_accept, (int fd, struct sockaddr *sa, socklen_t *len), accept);

SX_EXPORT int
accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	sx_ready();
	return accept_common(fd, sa, len, flags, true);
}

SX_HOOK_ALIAS(int, hook_accept4, (int fd, struct sockaddr *sa, socklen_t *len, int flags), accept4);

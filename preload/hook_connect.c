/*
 * connect(), getpeername() and getsockopt(SO_ERROR): TCP connections go
 * through the proxy.
 *
 * A blocking socket gets the whole exchange inside connect(), bounded by the
 * configured timeout; the socket is switched to non-blocking for the
 * exchange and its file status flags are restored exactly afterwards.  When
 * a signal interrupts the wait (its handler lacks SA_RESTART: see
 * handshake_drive()), connect() fails with EINTR and the exchange stays
 * pending: calling connect() again resumes it.
 *
 * A non-blocking socket gets -1/EINPROGRESS at once, as from a real TCP
 * connect; the program's own poll/select/epoll calls then drive the
 * exchange (hook_poll.c, through tcp.c) and see the socket writable only
 * once the proxy has said "succeeded", or in error with SO_ERROR set to
 * what it said.  A failure leaves the descriptor a fresh socket
 * (tcpsock.c).
 *
 * By default the SOCKS5 greeting and request leave together (pipefile.c
 * decides); a proxy that answers the greeting and drops the request is
 * found by the handshake's probe, and the exchange is redone lock-step on a
 * fresh socket under the same descriptor (chainconn.c), blocking or not.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include <sys/epoll.h>

#include "bindtab.h"
#include "chainconn.h"
#include "conntab.h"
#include "gsswrap.h"
#include "epwatch.h"
#include "failmsg.h"
#include "fdident.h"
#include "fakepin.h"
#include "handshake.h"
#include "hook_connect.h"
#include "localdns.h"
#include "log.h"
#include "pipefile.h"
#include "preload.h"
#include "route.h"
#include "socks5.h"
#include "tcp.h"
#include "tcpsock.h"
#include "udp.h"

/*
 * Drive a handshake to its end on a socket that may be blocking; flags are
 * the socket's file status flags before we touched them.
 */
static int
drive_blocking(int fd, struct handshake *hs, const struct sockaddr *sa,
	       socklen_t len, int flags)
{
	struct handshake *kept;
	bool renewed = false;
	struct gsswrap *wrap;
	int rc;

	if (!(flags & O_NONBLOCK) && real.fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	rc = chainconn_drive(fd, hs, &renewed);
	if (!(flags & O_NONBLOCK))
		real.fcntl(fd, F_SETFL, flags);
	if (rc == -EINTR) {
		kept = malloc(sizeof(*kept));
		if (!kept)
			return -ENOMEM;
		memcpy(kept, hs, sizeof(*kept));
		conntab_set_pending(fd, sa, len, kept, SX_WANT_READ, flags,
				    hs->attempt_deadline_ms);
		return -EINTR;
	}
	pipefile_learn(hs);
	if (rc < 0) {
		failmsg_log("", &hs->dst, hs, rc, "no answer from the proxy", "");
		tcpsock_renew(fd);
		return rc;
	}
	if (log_enabled(LOG_LEVEL_INFO)) {
		char dst[300], via[600];

		sx_endpoint_format(&hs->dst, dst, sizeof(dst));
		log_info("%s via %s", dst, chainconn_via(hs, via, sizeof(via)));
	}
	wrap = handshake_take_wrap(hs);
	/* Both tables record the socket's identity: asked once. */
	fdident_pin(fd);
	if (conntab_set_established(fd, sa, len) < 0) {
		/* Unprotected bytes must never follow a GSSAPI exchange. */
		if (wrap) {
			gsswrap_put(wrap);
			tcpsock_renew(fd);
			fdident_unpin();
			return -ENOMEM;
		}
		log_warn("out of memory: getpeername() will show the proxy");
	}
	conntab_set_wrap(fd, wrap);
	/* The proxy's end, for getsockname() and a later BIND (hook_bind.c). */
	bindtab_add_conn(fd, sa->sa_family, &hs->dst, &hs->bnd);
	fdident_unpin();
	return 0;
}

/* Start the exchange on a non-blocking socket: -EINPROGRESS, or a failure. */
static int
start_nonblocking(int fd, struct handshake *stack_hs, const struct sockaddr *sa,
		  socklen_t len, int flags)
{
	struct handshake *hs = malloc(sizeof(*hs));
	struct conntab_info info;
	bool renewed = false;
	int epfd, rc, step;
	uint32_t events;
	uint64_t data;

	if (!hs)
		return -ENOMEM;
	memcpy(hs, stack_hs, sizeof(*hs));
	rc = chainconn_step(fd, hs, &renewed);
	if (rc < 0 && !hs->connect_started) {
		failmsg_log("", &hs->dst, hs, rc, "no answer from the proxy", "");
		free(hs);
		return rc;
	}
	step = rc;
	rc = conntab_set_pending(fd, sa, len, hs, step < 0 ? SX_WANT_WRITE : step,
				 flags, hs->attempt_deadline_ms);
	if (rc < 0)
		return rc;
	if (step < 0) {
		/*
		 * The connect to the proxy failed after it had started: as with a
		 * real non-blocking connect, the program learns it from the
		 * readiness calls and SO_ERROR, not from connect() itself.
		 */
		failmsg_log("", &hs->dst, hs, step, "no answer from the proxy", "");
		hs = conntab_take_handshake(fd);
		if (hs)
			conntab_put_handshake(fd, hs, step);
	}
	if (epwatch_get(fd, &epfd, &events, &data)) {
		conntab_set_epoll(fd, epfd, events, data);
		if (conntab_get(fd, &info))
			tcp_steer_epoll(fd, &info, info.state, info.want);
	}
	return -EINPROGRESS;
}

/* connect() on a socket that already has an entry. */
static int
connect_again(int fd, const struct conntab_info *info)
{
	int state, flags, err;

	if (info->state == CONNTAB_ESTABLISHED)
		return -EISCONN;
	if (info->state == CONNTAB_PENDING) {
		flags = real.fcntl(fd, F_GETFL);
		if (flags >= 0 && !(flags & O_NONBLOCK))
			return tcp_finish_blocking(fd, info);
		state = tcp_advance(fd);
		if (state == CONNTAB_PENDING)
			return -EALREADY;
		if (state == CONNTAB_ESTABLISHED)
			return -EISCONN;
	}
	/*
	 * As the kernel does after a failed connect: this call reports the
	 * failure (ECONNABORTED once SO_ERROR has taken it), and the socket
	 * takes a new connect() afterwards.
	 */
	err = conntab_take_error(fd);
	conntab_remove(fd);
	tcpsock_renew(fd);
	return err ? -err : -ECONNABORTED;
}

/*
 * A connect to a fake address whose name NO_PROXY excludes on this port:
 * resolve the name for real (NO_PROXY names may use DNS; the guard is held,
 * so the resolver's own sockets go straight out) and connect the socket to
 * the first address of its family.  A name that does not resolve fails the
 * connect: nothing goes to the proxy or to the fake address instead.
 */
static int
connect_by_name(int fd, const struct sockaddr *sa, const struct route *r)
{
	struct sockaddr_storage ss;
	struct addrinfo hints;
	struct addrinfo *res = NULL;
	char dst[300];
	char to[300];
	socklen_t sslen;
	int rc;

	sx_endpoint_format(&r->dst, dst, sizeof(dst));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = sa->sa_family;
	hints.ai_socktype = SOCK_STREAM;
	/* An IPv6 socket reaches an IPv4-only name through a mapped address. */
	if (sa->sa_family == AF_INET6)
		hints.ai_flags = AI_V4MAPPED;
	rc = real.getaddrinfo(r->dst.name, NULL, &hints, &res);
	if (rc != 0) {
		int err = rc == EAI_SYSTEM ? errno : 0;

		log_warn("%s is excluded by NO_PROXY but the name does not resolve "
			 "here (%s); not connecting", dst,
			 rc == EAI_SYSTEM ? strerror(err) : gai_strerror(rc));
		if (rc == EAI_MEMORY)
			return -ENOMEM;
		return err != 0 ? -err : -EHOSTUNREACH;
	}
	sslen = res->ai_addrlen <= sizeof(ss) ? res->ai_addrlen : sizeof(ss);
	memcpy(&ss, res->ai_addr, sslen);
	real.freeaddrinfo(res);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons(r->dst.port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons(r->dst.port);
	if (log_enabled(LOG_LEVEL_INFO)) {
		sx_sockaddr_format((struct sockaddr *)&ss, sslen, to, sizeof(to));
		log_info("%s direct (NO_PROXY) at %s", dst, to);
	}
	if (real.connect(fd, (struct sockaddr *)&ss, sslen) < 0)
		return -errno;
	return 0;
}

static int
do_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct conntab_info info;
	struct fdident_kind kind;
	struct handshake hs;
	struct route r;
	int type, flags, rc;

	/* Not a socket we can see into: never a connect we did not decide. */
	rc = fdident_kind_of(fd, &kind);
	if (rc < 0)
		return rc;
	type = kind.type;
	if (type == SOCK_DGRAM) {
		/* The UDP layer's, before the table: a UDP socket may connect again. */
		rc = udp_connect(fd, sa, len);
		return rc == SX_PASS ? SX_PASS : rc;
	}
	/*
	 * AF_UNSPEC dissolves a stream socket's connection (the kernel's
	 * disconnect): whatever we knew of it goes, and a new connect() is a
	 * new decision.
	 */
	if (sa->sa_family == AF_UNSPEC && len >= sizeof(sa_family_t)) {
		struct bindtab_info binfo;

		conntab_remove(fd);
		if (bindtab_get(fd, &binfo) && binfo.kind == BINDTAB_CONN)
			bindtab_remove(fd);
		fakepin_forget(fd);
		return SX_PASS;
	}
	if (conntab_get(fd, &info))
		return connect_again(fd, &info);
	if (type == SOCK_STREAM && localdns_nameserver(sa, len) >= 0)
		return localdns_refuse_tcp(sa, len);
	route_decide(&sx_cfg, sa, len, type, &r);
	if (r.action == ROUTE_DIRECT_NAME)
		return connect_by_name(fd, sa, &r);
	if (r.action == ROUTE_DIRECT) {
		log_debug("direct connect: %s", r.reason);
		return SX_PASS;
	}
	if (r.action == ROUTE_DENY) {
		char dst[300];

		sx_sockaddr_format(sa, len, dst, sizeof(dst));
		log_warn("refusing to connect to %s: %s", dst, r.reason);
		return -r.error;
	}
	flags = real.fcntl(fd, F_GETFL);
	if (flags < 0)
		return -errno;
	handshake_init(&hs, &sx_cfg.proxy, SOCKS5_CMD_CONNECT, &r.dst, sx_cfg.pipeline);
	rc = chainconn_begin(fd, &hs, sa->sa_family, flags);
	if (rc < 0)
		return rc;
	/*
	 * A fake address keeps its name while this socket may use it: held
	 * until the connect fails here or the program closes the socket.
	 */
	fakepin_hold(fd, sa, len);
	if (flags & O_NONBLOCK)
		rc = start_nonblocking(fd, &hs, sa, len, flags);
	else
		rc = drive_blocking(fd, &hs, sa, len, flags);
	if (rc < 0 && rc != -EINPROGRESS && rc != -EINTR)
		fakepin_forget(fd);
	return rc;
}

int
connect_decide(int fd, const struct sockaddr *sa, socklen_t len)
{
	return do_connect(fd, sa, len);
}

SX_EXPORT int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (sx_guarded() || !sa)
		return real.connect(fd, sa, len);
	sx_enter();
	rc = do_connect(fd, sa, len);
	sx_leave();
	if (rc == SX_PASS) {
		errno = saved_errno;
		return real.connect(fd, sa, len);
	}
	return sx_status(rc, saved_errno);
}

/* The C library exports this one under a second name too: same hook. */
SX_EXPORT int __connect(int fd, const struct sockaddr *sa, socklen_t len)
	__attribute__((alias("connect")));

SX_EXPORT int
getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct conntab_info info;
	socklen_t n;

	sx_ready();
	if (sx_guarded() || !conntab_maybe(fd) || !sa || !len)
		return real.getpeername(fd, sa, len);
	if (!conntab_get(fd, &info))
		return real.getpeername(fd, sa, len);
	if (info.state != CONNTAB_ESTABLISHED)
		return sx_fail(ENOTCONN);
	n = *len < info.peerlen ? *len : info.peerlen;
	memcpy(sa, &info.peer, n);
	*len = info.peerlen;
	return 0;
}

SX_HOOK_ALIAS(int, hook_getpeername, (int fd, struct sockaddr *sa, socklen_t *len), getpeername);

SX_EXPORT int
getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	int state, err;

	sx_ready();
	if (level != SOL_SOCKET || name != SO_ERROR || !conntab_maybe_active(fd) ||
	    sx_guarded() || !val || !len || *len < sizeof(int))
		return real.getsockopt(fd, level, name, val, len);
	state = tcp_advance(fd);
	if (state == CONNTAB_PENDING) {
		err = 0;
	} else if (state == CONNTAB_FAILED) {
		err = conntab_take_error(fd);
	} else {
		return real.getsockopt(fd, level, name, val, len);
	}
	memcpy(val, &err, sizeof(err));
	*len = sizeof(err);
	return 0;
}

SX_HOOK_ALIAS(int, hook_getsockopt, (int fd, int level, int name, void *val, socklen_t *len), getsockopt);

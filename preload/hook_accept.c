/*
 * accept() and accept4() on a socket that listens through the proxy (see
 * hook_bind.c for which sockets do).
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
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <string.h>

#include "bindctl.h"
#include "failmsg.h"
#include "bindaddr.h"
#include "bindtab.h"
#include "fdident.h"
#include "conntab.h"
#include "handshake.h"
#include "log.h"
#include "hook_accept.h"
#include "preload.h"

/* Turn away local processes that connected to the loopback placeholder. */
static void
accept_turn_away(int fd)
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
accept_hand_over(int fd, const struct bindtab_info *info, struct handshake *hs,
	       struct sockaddr *sa, socklen_t *len, int flags)
{
	struct sockaddr_storage peer;
	struct sx_endpoint from = hs->bnd;
	socklen_t peerlen;
	int ctrl = info->ctrl;
	int fl;

	bindctl_epoll_del(info);
	bindtab_put_idle(fd, hs, 0);
	if (bindaddr_to_family(&from, info->family, &peer, &peerlen) < 0) {
		/* A peer named by host name: an unspecified address with its port. */
		memset(&from.addr, 0, sizeof(from.addr));
		from.atyp = info->family == AF_INET6 ? SX_ATYP_IPV6 : SX_ATYP_IPV4;
		bindaddr_to_family(&from, info->family, &peer, &peerlen);
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
accept_lost(int fd, const struct bindtab_info *info, struct handshake *hs, int rc)
{
	failmsg_log("BIND for ", &hs->dst, hs, rc, "no peer came", "");
	bindctl_epoll_del(info);
	real.close(info->ctrl);
	bindtab_put_idle(fd, hs, 0);
	return rc == -ECONNRESET ? -ECONNABORTED : rc;
}

/* Take fd's entry, waiting while another thread has it (blocking sockets). */
static int
accept_take_waiting(int fd, bool nonblock, int64_t deadline,
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
		return BINDCTL_PASS;
	if (!info.listening || (flags & ~(SOCK_NONBLOCK | SOCK_CLOEXEC)))
		return -EINVAL;
	fl = real.fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	nonblock = (fl & O_NONBLOCK) != 0;
	accept_turn_away(fd);
	if (info.state == BINDTAB_FAILED)
		return -info.error;
	if (info.state == BINDTAB_SPENT) {
		rc = bindctl_ask(fd);
		if (rc < 0)
			return rc;
	}
	rc = accept_take_waiting(fd, nonblock, deadline, &info, &hs);
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
			failmsg_log("BIND for ", &hs->dst, hs, rc, "no peer connected to the proxy", "");
		if (bindtab_put_back(fd, hs) < 0)
			real.close(info.ctrl);
		return rc > 0 ? -EAGAIN : rc;
	}
	if (rc < 0)
		return accept_lost(fd, &info, hs, rc);
	return accept_hand_over(fd, &info, hs, sa, len, flags);
}

/* The real accept() or accept4(): the new socket is of its listener's kind. */
static int
accept_real(int fd, struct sockaddr *sa, socklen_t *len, int flags, bool four)
{
	int rc = four ? real.accept4(fd, sa, len, flags) : real.accept(fd, sa, len);

	if (rc >= 0)
		fdident_kind_copy(fd, rc);
	return rc;
}

static int
accept_common(int fd, struct sockaddr *sa, socklen_t *len, int flags, bool four)
{
	int saved_errno = errno;
	int rc;

	if (sx_guarded() || !bindtab_maybe(fd))
		return accept_real(fd, sa, len, flags, four);
	sx_enter();
	rc = do_accept(fd, sa, len, flags);
	sx_leave();
	if (rc == BINDCTL_PASS) {
		errno = saved_errno;
		return accept_real(fd, sa, len, flags, four);
	}
	return sx_result(rc, saved_errno);
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

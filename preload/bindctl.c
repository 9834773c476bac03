/*
 * A BIND for a listening socket: the control connection to the proxy, the
 * request and its first reply (bindctl_ask()), the loopback placeholder the
 * socket listens on meanwhile, and the log line of a failure.  The hooks
 * that decide which sockets get a BIND (hook_bind.c) and hand the peer's
 * connection over (hook_accept.c) share these.  The proxy's kind says
 * whether it can carry a BIND at all; one that cannot fails the BIND as a
 * proxy refusing it would (EOPNOTSUPP).
 *
 * Readiness: while a listening socket waits for its peer, poll and select
 * watch its control connection in its place, and the control connection
 * sits in the program's epoll set with the program's events and data
 * (hook_poll.c), so the peer's arrival reads as an incoming connection.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <sys/epoll.h>

#include "bindctl.h"
#include "bindaddr.h"
#include "bindtab.h"
#include "epwatch.h"
#include "handshake.h"
#include "failmsg.h"
#include "log.h"
#include "preload.h"
#include "proxykind.h"
#include "route.h"
#include "socks5.h"

/* Drive hs on ctrl until done or deadline, riding over signals. */
static int
bindctl_drive(struct handshake *hs, int ctrl, int64_t deadline)
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
bindctl_reported(const struct sx_endpoint *bnd, struct sx_endpoint *out)
{
	if (bindaddr_is_addr(bnd) ||
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
bindctl_place(int fd, int family)
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
bool
bindctl_conn_is_live(int fd)
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
bindctl_epoll_add(int fd, int ctrl)
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

void
bindctl_epoll_del(const struct bindtab_info *info)
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
int
bindctl_ask(int fd)
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
	if (!chain_is_single_hop(&sx_cfg)) {
		remember = true;
		rc = -EOPNOTSUPP;
		log_warn("BIND via %s: %s", sx_proxy_label(), CHAIN_REFUSE_BIND);
		goto err_put_back;
	}
	if (!proxykind_of(&sx_cfg.proxy)->carries_bind) {
		remember = true;
		rc = -EOPNOTSUPP;
		log_warn("BIND via %s: %s", sx_proxy_label(),
			 proxykind_of(&sx_cfg.proxy)->refuse_command);
		goto err_put_back;
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
	/*
	 * BIND pipelines only when told to: it has no fresh-connection retry,
	 * so by default it goes lock-step with every proxy.
	 */
	handshake_init(hs, &sx_cfg.proxy, SOCKS5_CMD_BIND, &info.dst,
		       sx_cfg.pipeline == CONFIG_PIPELINE_ON);
	rc = bindctl_drive(hs, ctrl, handshake_now_ms() + sx_cfg.timeout_ms);
	if (rc < 0) {
		failmsg_log("BIND for ", &hs->dst, hs, rc, "no answer from the proxy", "");
		goto err_close_ctrl;
	}
	bindctl_reported(&hs->bnd, &bnd);
	rc = bindaddr_to_family(&bnd, info.family, &ss, &sslen);
	if (rc < 0) {
		log_warn("BIND via %s: the proxy's address does not fit the program's "
			 "socket family", sx_proxy_label());
		goto err_close_ctrl;
	}
	if (info.state == BINDTAB_BOUND) {
		rc = bindctl_place(fd, info.family);
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
	bindctl_epoll_add(fd, ctrl);
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
bool
bindctl_is_stale(int fd, const struct bindtab_info *info)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (info->state != BINDTAB_BOUND)
		return false;
	return real.getpeername(fd, (struct sockaddr *)&ss, &len) == 0 ||
	       errno != ENOTCONN;
}


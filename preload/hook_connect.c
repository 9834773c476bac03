/*
 * connect() and getpeername(): TCP connections go through the proxy.
 *
 * A blocking socket gets the whole exchange inside connect(), bounded by the
 * configured timeout; the socket is switched to non-blocking for the
 * exchange and its file status flags are restored exactly afterwards.  When
 * a signal interrupts the wait, connect() fails with EINTR and the exchange
 * stays pending: calling connect() again resumes it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "conntab.h"
#include "handshake.h"
#include "log.h"
#include "preload.h"
#include "route.h"
#include "socks5.h"

/* do_connect()'s answer for "let the real connect() handle it". */
#define CONNECT_PASS 1

/*
 * The proxy's address as a socket of family `family` can reach it: an IPv4
 * proxy from an IPv6 socket becomes v4-mapped.  -EAFNOSUPPORT when an IPv4
 * socket would need an IPv6 proxy.
 */
static int
proxy_addr_for_family(struct handshake *hs, int family)
{
	struct sockaddr_in6 mapped;
	const struct sockaddr_in *sin;

	if (hs->proxy_addr.ss_family == family)
		return 0;
	if (family == AF_INET)
		return -EAFNOSUPPORT;
	sin = (const struct sockaddr_in *)&hs->proxy_addr;
	memset(&mapped, 0, sizeof(mapped));
	mapped.sin6_family = AF_INET6;
	mapped.sin6_port = sin->sin_port;
	mapped.sin6_addr.s6_addr[10] = 0xff;
	mapped.sin6_addr.s6_addr[11] = 0xff;
	memcpy(&mapped.sin6_addr.s6_addr[12], &sin->sin_addr, 4);
	memcpy(&hs->proxy_addr, &mapped, sizeof(mapped));
	hs->proxy_addrlen = sizeof(mapped);
	return 0;
}

static void
log_failure(const struct handshake *hs, int rc)
{
	char dst[300];

	sx_endpoint_format(&hs->dst, dst, sizeof(dst));
	if (rc == -ETIMEDOUT && hs->state != HS_FAILED)
		log_warn("%s via %s: no answer from the proxy within the timeout",
			 dst, sx_proxy_label());
	else if (!hs->proxy_reached)
		log_warn("%s via %s: cannot connect to the proxy: %s", dst,
			 sx_proxy_label(), strerror(-rc));
	else
		log_warn("%s via %s: %s", dst, sx_proxy_label(),
			 handshake_reason(hs));
}

/*
 * Drive a handshake to its end on a socket that may be blocking; flags are
 * the socket's file status flags before we touched them.
 */
static int
drive_blocking(int fd, struct handshake *hs, const struct sockaddr *sa,
	       socklen_t len, int flags, int64_t deadline)
{
	struct handshake *kept;
	int rc;

	if (!(flags & O_NONBLOCK) && real.fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
		return -errno;
	rc = handshake_drive(hs, &real_sys, fd, deadline);
	if (!(flags & O_NONBLOCK))
		real.fcntl(fd, F_SETFL, flags);
	if (rc == -EINTR) {
		kept = malloc(sizeof(*kept));
		if (!kept)
			return -ENOMEM;
		memcpy(kept, hs, sizeof(*kept));
		conntab_set_pending(fd, sa, len, kept, flags, deadline);
		return -EINTR;
	}
	if (rc < 0) {
		log_failure(hs, rc);
		return rc;
	}
	if (log_enabled(LOG_LEVEL_INFO)) {
		char dst[300];

		sx_endpoint_format(&hs->dst, dst, sizeof(dst));
		log_info("%s via %s", dst, sx_proxy_label());
	}
	if (conntab_set_established(fd, sa, len) < 0)
		log_warn("out of memory: getpeername() will show the proxy");
	return 0;
}

/* A connect() again on a socket whose exchange a signal interrupted. */
static int
resume_pending(int fd, const struct conntab_info *info)
{
	struct handshake *hs = conntab_take_handshake(fd);
	int flags = info->orig_flags;
	int rc;

	if (!hs)
		return -EALREADY;
	if (!(flags & O_NONBLOCK))
		real.fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	rc = handshake_drive(hs, &real_sys, fd, info->deadline_ms);
	if (!(flags & O_NONBLOCK))
		real.fcntl(fd, F_SETFL, flags);
	if (rc < 0 && rc != -EINTR)
		log_failure(hs, rc);
	conntab_put_handshake(fd, hs, rc == -EINTR ? SX_WANT_READ : rc);
	return rc;
}

static int
do_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	struct conntab_info info;
	struct handshake hs;
	struct route r;
	socklen_t optlen = sizeof(int);
	int type, flags, rc;

	if (conntab_get(fd, &info)) {
		if (info.state == CONNTAB_PENDING)
			return resume_pending(fd, &info);
		if (info.state == CONNTAB_ESTABLISHED)
			return -EISCONN;
		conntab_remove(fd);
	}
	if (real.getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &optlen) < 0)
		return CONNECT_PASS;
	route_decide(&sx_cfg, sa, len, type, &r);
	if (r.action == ROUTE_DIRECT) {
		log_debug("direct connect: %s", r.reason);
		return CONNECT_PASS;
	}
	if (r.action == ROUTE_DENY) {
		char dst[300];

		sx_sockaddr_format(sa, len, dst, sizeof(dst));
		log_warn("refusing to connect to %s: %s", dst, r.reason);
		return -r.error;
	}
	if (type != SOCK_STREAM) {
		/* Datagram sockets are the UDP layer's; without it, fail closed. */
		log_warn("UDP through the proxy is not available; refusing");
		return -EOPNOTSUPP;
	}
	flags = real.fcntl(fd, F_GETFL);
	if (flags < 0)
		return -errno;
	handshake_init(&hs, &sx_cfg.proxy, SOCKS5_CMD_CONNECT, &r.dst, sx_cfg.pipeline);
	rc = proxy_addr_for_family(&hs, sa->sa_family);
	if (rc < 0) {
		log_warn("the proxy has an IPv6 address, the program's socket is IPv4");
		return rc;
	}
	return drive_blocking(fd, &hs, sa, len, flags,
			      handshake_now_ms() + sx_cfg.timeout_ms);
}

SX_EXPORT int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int saved_errno = errno;
	int rc;

	if (sx_guarded() || !sa)
		return real.connect(fd, sa, len);
	sx_init();
	sx_enter();
	rc = do_connect(fd, sa, len);
	sx_leave();
	if (rc == CONNECT_PASS) {
		errno = saved_errno;
		return real.connect(fd, sa, len);
	}
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	errno = saved_errno;
	return 0;
}

SX_EXPORT int
getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	struct conntab_info info;
	socklen_t n;

	if (sx_guarded() || !conntab_maybe(fd) || !sa || !len)
		return real.getpeername(fd, sa, len);
	if (!conntab_get(fd, &info))
		return real.getpeername(fd, sa, len);
	if (info.state != CONNTAB_ESTABLISHED) {
		errno = ENOTCONN;
		return -1;
	}
	n = *len < info.peerlen ? *len : info.peerlen;
	memcpy(sa, &info.peer, n);
	*len = info.peerlen;
	return 0;
}

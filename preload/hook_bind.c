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
 * Asking the proxy and the control connection are in bindctl.c, taking
 * the peer's connection in hook_accept.c.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "bindctl.h"
#include "bindaddr.h"
#include "bindtab.h"
#include "conntab.h"
#include "fdident.h"
#include "log.h"
#include "hook_bind.h"
#include "preload.h"

/*
 * Which listening entries stand for a bind() to the any-address with port
 * 0, by descriptor (bind_note_any()); written when the entry is made and
 * read only while it exists.  A descriptor past the map counts as bound
 * to a proxied connection's address.
 */
#define BIND_ANY_MAP_SIZE 65536
static _Atomic uint8_t bind_any_map[BIND_ANY_MAP_SIZE];

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
		if (!bindaddr_matches(sa, len, &primary->bnd, NULL, 0) &&
		    (bindaddr_is_addr(&primary->bnd) ||
		     real.getsockname(fds[i], (struct sockaddr *)&local, &locallen) < 0 ||
		     !bindaddr_matches(sa, len, &primary->bnd,
					   (const struct sockaddr *)&local, locallen)))
			continue;
		if (bindctl_conn_is_live(fds[i]))
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
	struct fdident_kind kind;

	if (*len < sizeof(struct sockaddr_in) || sa->sa_family != AF_UNSPEC)
		return sa;
	memcpy(as_inet, sa, sizeof(*as_inet));
	if (as_inet->sin_addr.s_addr != htonl(INADDR_ANY) ||
	    fdident_kind_of(fd, &kind) < 0 || kind.family != AF_INET)
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
	struct fdident_kind kind;
	int primary;

	if (len >= sizeof(sa_family_t))
		sa = bind_addr_as_kernel(fd, sa, &len, &as_inet);
	if (len < sizeof(sa_family_t) ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6))
		return BINDCTL_PASS;
	if (bindtab_get(fd, &info)) {
		if (info.kind == BINDTAB_LISTEN)
			return -EINVAL;
		if (info.kind != BINDTAB_CONN || bindctl_conn_is_live(fd))
			return BINDCTL_PASS;
		bindtab_remove(fd);
	}
	if (fdident_kind_of(fd, &kind) < 0 || kind.type != SOCK_STREAM)
		return BINDCTL_PASS;
	primary = bind_find_primary(sa, len, &info);
	if (primary < 0)
		return BINDCTL_PASS;
	/* A family mismatch is the kernel's error to report. */
	if (kind.family != sa->sa_family)
		return BINDCTL_PASS;
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
	if (rc == BINDCTL_PASS) {
		errno = saved_errno;
		return real.bind(fd, sa, len);
	}
	return sx_status(rc, saved_errno);
}

SX_HOOK_ALIAS(int, hook_bind, (int fd, const struct sockaddr *sa, socklen_t len), bind);

static int
do_listen(int fd)
{
	struct bindtab_info info;
	int rc;

	if (!bindtab_get(fd, &info) || info.kind != BINDTAB_LISTEN)
		return BINDCTL_PASS;
	if (bindctl_is_stale(fd, &info)) {
		bindtab_remove(fd);
		return BINDCTL_PASS;
	}
	rc = bindctl_ask(fd);
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
	if (rc == BINDCTL_PASS) {
		errno = saved_errno;
		return real.listen(fd, backlog);
	}
	return sx_status(rc, saved_errno);
}

SX_HOOK_ALIAS(int, hook_listen, (int fd, int backlog), listen);

/*
 * getsockname() before listen() on a socket bound to the any-address with
 * port 0 (kind: enum bind_any): bind it there now, as the program asked,
 * and leave it alone (BINDCTL_PASS: the real getsockname() reports it), or
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
	return BINDCTL_PASS;
}

static int
do_getsockname(int fd, struct sockaddr_storage *ss, socklen_t *len)
{
	struct bindtab_info info;
	int rc;

	if (!bindtab_get(fd, &info))
		return BINDCTL_PASS;
	if (info.kind == BINDTAB_CONN) {
		if (!bindaddr_is_addr(&info.bnd))
			return BINDCTL_PASS;
		if (!bindctl_conn_is_live(fd)) {
			bindtab_remove(fd);
			return BINDCTL_PASS;
		}
		rc = bindaddr_to_family(&info.bnd, info.family, ss, len);
		return rc < 0 ? BINDCTL_PASS : 0;
	}
	if (info.kind != BINDTAB_LISTEN)
		return BINDCTL_PASS;
	if (bindctl_is_stale(fd, &info)) {
		bindtab_remove(fd);
		return BINDCTL_PASS;
	}
	if (info.state == BINDTAB_FAILED)
		return -info.error;
	/* Only a listener asks for a BIND when it may be a client's local port. */
	if (info.state == BINDTAB_BOUND && !info.listening &&
	    bind_was_any(fd) != BIND_ANY_NO)
		return bind_release(fd, info.family, bind_was_any(fd));
	if (info.state == BINDTAB_BOUND || info.state == BINDTAB_SPENT) {
		rc = bindctl_ask(fd);
		if (rc < 0)
			return rc;
		if (!bindtab_get(fd, &info))
			return -EBADF;
	}
	return bindaddr_to_family(&info.bnd, info.family, ss, len);
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
	if (rc == BINDCTL_PASS) {
		errno = saved_errno;
		return real.getsockname(fd, sa, len);
	}
	if (rc < 0)
		return sx_fail((int)-rc);
	n = *len < sslen ? *len : sslen;
	memcpy(sa, &ss, n);
	*len = sslen;
	errno = saved_errno;
	return 0;
}

SX_HOOK_ALIAS(int, hook_getsockname, (int fd, struct sockaddr *sa, socklen_t *len), getsockname);


/*
 * Giving a program's descriptor another TCP socket: after a failed proxied
 * exchange (a fresh socket, so that nothing more reaches the proxy and a
 * new connect() works), for the lock-step retry after a proxy dropped a
 * pipelined request, and for an IPv4 socket whose proxy has only an IPv6
 * address.  The options the program set and its epoll registration go over
 * to the new socket.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "epwatch.h"
#include "fdident.h"
#include "log.h"
#include "preload.h"
#include "sx.h"
#include "tcpsock.h"

/*
 * Socket options carried over when a socket is replaced: family 0 applies
 * to both families, otherwise only when the old and the new socket both
 * have that family.
 */
static const struct {
	int family, level, name;
} swap_opts[] = {
	{ 0, SOL_SOCKET, SO_KEEPALIVE }, { 0, SOL_SOCKET, SO_RCVBUF },
	{ 0, SOL_SOCKET, SO_SNDBUF }, { 0, SOL_SOCKET, SO_LINGER },
	{ 0, SOL_SOCKET, SO_OOBINLINE }, { 0, SOL_SOCKET, SO_PRIORITY },
	{ 0, SOL_SOCKET, SO_RCVTIMEO }, { 0, SOL_SOCKET, SO_SNDTIMEO },
	{ 0, SOL_SOCKET, SO_REUSEADDR }, { 0, SOL_SOCKET, SO_REUSEPORT },
	{ 0, SOL_SOCKET, SO_MARK }, { 0, SOL_SOCKET, SO_BINDTODEVICE },
	{ 0, IPPROTO_TCP, TCP_NODELAY }, { 0, IPPROTO_TCP, TCP_KEEPIDLE },
	{ 0, IPPROTO_TCP, TCP_KEEPINTVL }, { 0, IPPROTO_TCP, TCP_KEEPCNT },
	{ 0, IPPROTO_TCP, TCP_USER_TIMEOUT }, { 0, IPPROTO_TCP, TCP_CONGESTION },
	{ AF_INET, IPPROTO_IP, IP_TOS }, { AF_INET6, IPPROTO_IPV6, IPV6_TCLASS },
	{ AF_INET6, IPPROTO_IPV6, IPV6_V6ONLY },
};

/*
 * Give descriptor fd (a TCP socket of family `from`) a new, unconnected
 * TCP socket of family `to`, with file status flags `flags`, its
 * close-on-exec flag and the options above.  The program's epoll
 * registration of fd, if we know one, is made again for the new socket
 * (closing the old one ended it).  0 or -errno; fd is unchanged on error.
 */
static int
tcpsock_replace(int fd, int from, int to, int flags)
{
	struct epoll_event ev;
	uint32_t events;
	uint64_t data;
	socklen_t optlen = sizeof(int);
	int epfd, nfd, fdflags, protocol = 0, rc = 0;

	if (real.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &protocol, &optlen) < 0)
		protocol = 0;
	fdflags = real.fcntl(fd, F_GETFD);
	nfd = real.socket(to, SOCK_STREAM | SOCK_CLOEXEC, protocol);
	if (nfd < 0)
		return -errno;
	for (size_t i = 0; i < SX_ARRAY_LEN(swap_opts); i++) {
		char val[64];
		socklen_t vlen = sizeof(val);

		if (swap_opts[i].family != 0 &&
		    (swap_opts[i].family != from || swap_opts[i].family != to))
			continue;
		if (real.getsockopt(fd, swap_opts[i].level, swap_opts[i].name, val,
				    &vlen) == 0 && vlen > 0)
			setsockopt(nfd, swap_opts[i].level, swap_opts[i].name, val, vlen);
	}
	real.fcntl(nfd, F_SETFL, flags);
	if (real.dup3(nfd, fd, fdflags > 0 && (fdflags & FD_CLOEXEC) ? O_CLOEXEC : 0) < 0)
		rc = -errno;
	real.close(nfd);
	/* The kind recorded for fd is the new socket's (another family, maybe). */
	if (rc == 0)
		fdident_kind_made(fd, to, SOCK_STREAM, protocol);
	if (rc == 0 && epwatch_get(fd, &epfd, &events, &data)) {
		ev.events = events;
		ev.data.u64 = data;
		real.epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
	}
	return rc;
}

int
tcpsock_fresh(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int flags = real.fcntl(fd, F_GETFL);

	if (flags < 0 || real.getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	return tcpsock_replace(fd, ss.ss_family, ss.ss_family, flags);
}

/*
 * After a failed exchange fd is still connected to the proxy, or half way
 * there.  As after a failed TCP connect it must carry nothing either way
 * and take a new connect(): it gets a fresh socket of its family, with its
 * flags and options.  When none can be made, both directions are shut so
 * that no byte reaches the proxy or the program.
 */
void
tcpsock_renew(int fd)
{
	int saved_errno = errno;

	if (tcpsock_fresh(fd) < 0)
		real.shutdown(fd, SHUT_RDWR);
	errno = saved_errno;
}

/*
 * An IPv4 socket cannot reach a proxy that has only an IPv6 address: give
 * the program's descriptor an IPv6 socket instead, with the same flags and
 * the common options.  Refused when that would lose something the program
 * set up: a local address it bound, or an epoll registration.
 */
int
tcpsock_to_inet6(int fd, int flags)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	uint32_t events;
	uint64_t data;
	int epfd;

	if (real.getsockname(fd, (struct sockaddr *)&ss, &sslen) == 0 &&
	    ss.ss_family == AF_INET &&
	    ((struct sockaddr_in *)&ss)->sin_port != 0)
		goto err_refuse;
	if (epwatch_get(fd, &epfd, &events, &data))
		goto err_refuse;
	return tcpsock_replace(fd, AF_INET, AF_INET6, flags);
err_refuse:
	log_warn("the proxy has only an IPv6 address and this IPv4 socket is bound "
		 "or watched by epoll; give the proxy an IPv4 address");
	return -EAFNOSUPPORT;
}

/*
 * DNS queries a program writes itself (c-ares, Chromium's and Node's
 * resolvers, dig) to a system nameserver, answered by the library under
 * remote DNS exactly as res_send() is (resolv_reply()).  The answer goes
 * to the program's own socket as a datagram from a loopback socket of the
 * library's, one per nameserver and family, so that the kernel queues it
 * and every receive and readiness call (recvfrom, recvmsg, read,
 * recvmmsg, poll, select, epoll) sees it as it sees any datagram; the
 * receive hooks recognise the sender (localdns_sender()) and name the
 * nameserver instead.  Nothing leaves the machine.
 *
 * The nameservers are read from /etc/resolv.conf once (core/nsset.c).
 * The answering sockets are the library's own descriptors: close-on-exec,
 * placed at or above the control sockets' floor, and made again when the
 * program closed one behind our back (its inode tells).  One mutex guards
 * them (taken around fork(), core/atfork.h); it is held across a
 * non-blocking send on loopback only.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "atfork.h"
#include "dns.h"
#include "localdns.h"
#include "log.h"
#include "nsset.h"
#include "preload.h"
#include "resolv.h"
#include "udp_ctrl.h"
#include "udpassoc.h"
#include "udpframe.h"

#define LOCALDNS_RESOLV_CONF "/etc/resolv.conf"
/* resolv.conf read at most (its nameserver lines come early). */
#define LOCALDNS_CONF_MAX 8192
/* A query longer than this is no plain query. */
#define LOCALDNS_QUERY_MAX 1024
/* Answers fit the classic UDP limit; a longer one is cut with TC set. */
#define LOCALDNS_REPLY_MAX 512

/* One answering socket: bound to loopback, sending from addr. */
struct localdns_replier {
	bool open;
	int fd;
	uint64_t ino;
	struct sockaddr_storage addr;
	socklen_t len;
};

/* Set once the first TCP refusal is logged. */
static int localdns_tcp_logged;
static pthread_once_t localdns_once = PTHREAD_ONCE_INIT;
static struct nsset localdns_set;
static pthread_mutex_t localdns_lock = PTHREAD_MUTEX_INITIALIZER;
ATFORK_LOCK(localdns, localdns_lock)
/* By nameserver, then [0] IPv4, [1] IPv6. */
static struct localdns_replier localdns_rep[NSSET_MAX][2];

static void
localdns_load(void)
{
	char text[LOCALDNS_CONF_MAX];
	size_t n = 0;
	ssize_t rc;
	int fd;

	nsset_init(&localdns_set);
	fd = open(LOCALDNS_RESOLV_CONF, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while (n < sizeof(text)) {
		rc = real.read(fd, text + n, sizeof(text) - n);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;
		n += (size_t)rc;
	}
	real.close(fd);
	if (nsset_parse(&localdns_set, text, n) < 0)
		log_warn("%s names more than %d nameservers: queries to the others "
			 "go to the proxy as any datagram", LOCALDNS_RESOLV_CONF,
			 NSSET_MAX - 1);
}

int
localdns_nameserver(const struct sockaddr *sa, socklen_t len)
{
	int saved_errno = errno;
	int ns;

	if (dns_local_resolution())
		return -1;
	pthread_once(&localdns_once, localdns_load);
	ns = nsset_index(&localdns_set, sa, len);
	/* A nameserver NO_PROXY lets through is asked itself. */
	if (ns >= 0 && dns_addr_excluded(localdns_set.ns[ns].family,
					 localdns_set.ns[ns].addr))
		ns = -1;
	errno = saved_errno;
	return ns;
}

/* An address as family, raw bytes and port, a v4-mapped one as IPv4; false for others. */
static bool
localdns_unmap(const struct sockaddr *sa, socklen_t len, int *family,
	       uint8_t *addr, uint16_t *port)
{
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		*family = AF_INET;
		memcpy(addr, &in->sin_addr, 4);
		*port = in->sin_port;
		return true;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		*port = in6->sin6_port;
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			*family = AF_INET;
			memcpy(addr, in6->sin6_addr.s6_addr + 12, 4);
		} else {
			*family = AF_INET6;
			memcpy(addr, in6->sin6_addr.s6_addr, 16);
		}
		return true;
	}
	return false;
}

/*
 * Where fd receives: its own address, bound first to the any-address of
 * family when it has no port; the any-address stands for loopback (for a
 * dual-stack IPv6 socket 127.0.0.1, which works without IPv6 on lo).
 */
static int
localdns_own_addr(int fd, int family, struct sockaddr_storage *ss, socklen_t *len)
{
	uint8_t addr[16];
	uint16_t port;
	int fam;

	*len = sizeof(*ss);
	if (real.getsockname(fd, (struct sockaddr *)ss, len) < 0)
		return -errno;
	if (!localdns_unmap((struct sockaddr *)ss, *len, &fam, addr, &port))
		return -EAFNOSUPPORT;
	if (port == 0) {
		struct sockaddr_storage any;

		memset(&any, 0, sizeof(any));
		any.ss_family = (sa_family_t)family;
		if (real.bind(fd, (struct sockaddr *)&any, family == AF_INET ?
			      sizeof(struct sockaddr_in) : sizeof(struct sockaddr_in6)) < 0 &&
		    errno != EINVAL)
			return -errno;
		*len = sizeof(*ss);
		if (real.getsockname(fd, (struct sockaddr *)ss, len) < 0)
			return -errno;
		if (!localdns_unmap((struct sockaddr *)ss, *len, &fam, addr, &port))
			return -EAFNOSUPPORT;
	}
	if (fam == AF_INET6 && memcmp(addr, &in6addr_any, 16) == 0) {
		int v6only = 1;
		socklen_t optlen = sizeof(v6only);

		if (real.getsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &v6only, &optlen) == 0 &&
		    v6only == 0) {
			fam = AF_INET;
			memset(addr, 0, 4);
		}
	}
	memset(ss, 0, sizeof(*ss));
	if (fam == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)ss;

		in->sin_family = AF_INET;
		in->sin_port = port;
		memcpy(&in->sin_addr, addr, 4);
		if (in->sin_addr.s_addr == htonl(INADDR_ANY))
			in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		*len = sizeof(*in);
	} else {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = port;
		memcpy(&in6->sin6_addr, addr, 16);
		if (IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr))
			in6->sin6_addr = in6addr_loopback;
		*len = sizeof(*in6);
	}
	return 0;
}

/* The answering socket r (of family) open and still ours; lock held. */
static int
localdns_replier_ready(struct localdns_replier *r, int family)
{
	struct sockaddr_storage lo;
	int s, rc;

	if (r->open && udp_ctrl_ino(r->fd) == r->ino)
		return 0;
	r->open = false;
	memset(&lo, 0, sizeof(lo));
	if (family == AF_INET) {
		((struct sockaddr_in *)&lo)->sin_family = AF_INET;
		((struct sockaddr_in *)&lo)->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		r->len = sizeof(struct sockaddr_in);
	} else {
		((struct sockaddr_in6 *)&lo)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&lo)->sin6_addr = in6addr_loopback;
		r->len = sizeof(struct sockaddr_in6);
	}
	s = real.socket(family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (s < 0)
		return -errno;
	if (real.bind(s, (struct sockaddr *)&lo, r->len) < 0)
		goto err_close;
	r->len = sizeof(r->addr);
	if (real.getsockname(s, (struct sockaddr *)&r->addr, &r->len) < 0)
		goto err_close;
	r->fd = udp_ctrl_place(s);
	r->ino = udp_ctrl_ino(r->fd);
	r->open = true;
	return 0;

err_close:
	rc = -errno;
	real.close(s);
	return rc;
}

ssize_t
localdns_send(int fd, int family, int ns, const struct msghdr *msg)
{
	uint8_t query[LOCALDNS_QUERY_MAX], reply[LOCALDNS_REPLY_MAX];
	struct sockaddr_storage own;
	struct localdns_replier *r;
	socklen_t ownlen;
	size_t total, n = 0, i;
	int len, rc;

	total = udpframe_iov_len(msg->msg_iov, msg->msg_iovlen);
	for (i = 0; i < msg->msg_iovlen && n < sizeof(query); i++) {
		size_t take = msg->msg_iov[i].iov_len;

		if (take > sizeof(query) - n)
			take = sizeof(query) - n;
		if (take == 0)
			continue;
		memcpy(query + n, msg->msg_iov[i].iov_base, take);
		n += take;
	}
	sx_enter();
	len = total > sizeof(query) ? -EPROTO : resolv_reply(query, n, reply, sizeof(reply));
	sx_leave();
	if (len == -EPROTO) {
		log_debug("no answer to a datagram to the nameserver that is not one plain query");
		return (ssize_t)total;
	}
	if (len < 0)
		return len;
	rc = localdns_own_addr(fd, family, &own, &ownlen);
	if (rc < 0)
		return rc;
	rc = udpassoc_set_local_dns(fd, family);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&localdns_lock);
	r = &localdns_rep[ns][own.ss_family == AF_INET6];
	rc = localdns_replier_ready(r, own.ss_family);
	if (rc == 0 && real.sendto(r->fd, reply, (size_t)len, MSG_DONTWAIT,
				   (struct sockaddr *)&own, ownlen) < 0)
		rc = -errno;
	pthread_mutex_unlock(&localdns_lock);
	if (rc < 0) {
		log_warn("cannot answer a DNS query on loopback: %s", strerror(-rc));
		return rc;
	}
	return (ssize_t)total;
}

bool
localdns_sender(const struct sockaddr *from, socklen_t fromlen, int family,
		struct sockaddr_storage *ss, socklen_t *len)
{
	uint8_t addr[16], raddr[16];
	uint16_t port, rport;
	int fam, rfam;
	size_t i, j;
	bool found = false;

	if (!from || !localdns_unmap(from, fromlen, &fam, addr, &port))
		return false;
	pthread_mutex_lock(&localdns_lock);
	for (i = 0; i < localdns_set.count && !found; i++) {
		for (j = 0; j < 2 && !found; j++) {
			const struct localdns_replier *r = &localdns_rep[i][j];

			if (!r->open || !localdns_unmap((const struct sockaddr *)&r->addr,
							r->len, &rfam, raddr, &rport))
				continue;
			if (rfam == fam && rport == port &&
			    memcmp(raddr, addr, fam == AF_INET ? 4 : 16) == 0)
				found = nsset_sockaddr(&localdns_set, i, family, ss, len) == 0;
		}
	}
	pthread_mutex_unlock(&localdns_lock);
	return found;
}

int
localdns_refuse_tcp(const struct sockaddr *sa, socklen_t len)
{
	char where[300];

	sx_sockaddr_format(sa, len, where, sizeof(where));
	if (__atomic_exchange_n(&localdns_tcp_logged, 1, __ATOMIC_RELAXED) == 0)
		log_warn("refusing DNS over TCP to the nameserver %s: under remote DNS "
			 "the library answers the system nameservers over UDP only, "
			 "and no query may leave the machine (further refusals are "
			 "logged at debug level)", where);
	else
		log_debug("refusing DNS over TCP to the nameserver %s", where);
	return -ECONNREFUSED;
}

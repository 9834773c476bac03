/*
 * One thread polls the UDP socket, the TCP listener and up to
 * SUPDNS_TCP_MAX TCP connections (each a 2-byte length, then the
 * message, RFC 1035 section 4.2.2).  The fake-IP map it assigns from is
 * the supervisor's (core/fakeip.c, with its own lock); the rest of
 * struct supdns is written before the thread starts and only read after.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>
#include <unistd.h>

#include "dnsmsg.h"
#include "fakeip.h"
#include "log.h"
#include "noproxy.h"
#include "proxykind.h"
#include "supdns.h"

#define SUPDNS_RESOLV_CONF "/etc/resolv.conf"
#define SUPDNS_CONF_MAX 8192
#define SUPDNS_UDP_MAX 512
#define SUPDNS_MSG_MAX 65535
#define SUPDNS_TCP_MAX 16

struct supdns_conn {
	int fd;
	size_t have;
	uint8_t buf[2 + SUPDNS_MSG_MAX];
};

static struct supdns_conn supdns_conns[SUPDNS_TCP_MAX];

static void
supdns_load(struct supdns *d)
{
	char text[SUPDNS_CONF_MAX];
	size_t n = 0;
	ssize_t rc;
	int fd;

	nsset_init(&d->ns);
	fd = open(SUPDNS_RESOLV_CONF, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	while (n < sizeof(text)) {
		rc = read(fd, text + n, sizeof(text) - n);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			break;
		n += (size_t)rc;
	}
	close(fd);
	if (nsset_parse(&d->ns, text, n) < 0)
		log_warn("%s names more than %d nameservers: datagrams to the others "
			 "are refused", SUPDNS_RESOLV_CONF, NSSET_MAX - 1);
}

bool
supdns_is_nameserver(const struct supdns *d, const struct sockaddr *sa,
		     socklen_t len)
{
	if (!proxykind_resolves_remotely(proxykind_of(&d->cfg->proxy)))
		return false;
	if (nsset_index(&d->ns, sa, len) < 0)
		return false;
	return !noproxy_matches(d->cfg, NULL, sa, len);
}

bool
supdns_is_local_query(const struct supdns *d, const struct sockaddr *sa,
		      socklen_t len)
{
	if (proxykind_resolves_remotely(proxykind_of(&d->cfg->proxy)))
		return false;
	return nsset_index(&d->ns, sa, len) >= 0;
}

void
supdns_addr(const struct supdns *d, int family, int type,
	    struct sockaddr_storage *ss, socklen_t *len)
{
	const struct sockaddr_in *in = type == SOCK_STREAM ? &d->tcp_addr :
							      &d->udp_addr;

	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = in->sin_port;
		in6->sin6_addr.s6_addr[10] = 0xff;
		in6->sin6_addr.s6_addr[11] = 0xff;
		memcpy(in6->sin6_addr.s6_addr + 12, &in->sin_addr, 4);
		*len = sizeof(*in6);
		return;
	}
	memcpy(ss, in, sizeof(*in));
	*len = sizeof(*in);
}

/* Real addresses for a name NO_PROXY lets through (the supervisor is not supervised). */
static void
supdns_real(const struct dnsmsg_question *q, int family, struct dnsmsg_answer *a)
{
	struct addrinfo hints, *res = NULL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(q->name, NULL, &hints, &res) != 0)
		return;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		const void *raw;

		if (ai->ai_family != family)
			continue;
		raw = family == AF_INET ?
		      (const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
		      (const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		if (dnsmsg_answer_add(a, raw) < 0)
			break;
	}
	freeaddrinfo(res);
}

static void
supdns_fake(const struct dnsmsg_question *q, int family, struct dnsmsg_answer *a)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int rc;

	rc = fakeip_assign(q->name, family, &ss, &len);
	if (rc < 0) {
		log_warn("no fake address for \"%s\": %s", q->name, strerror(-rc));
		a->rcode = DNSMSG_RCODE_SERVFAIL;
		return;
	}
	if (family == AF_INET)
		dnsmsg_answer_add(a, (const uint8_t *)&((struct sockaddr_in *)&ss)->sin_addr);
	else
		dnsmsg_answer_add(a, ((struct sockaddr_in6 *)&ss)->sin6_addr.s6_addr);
	log_debug("DNS query %s (type %u) answered with a fake address", q->name,
		  (unsigned)q->type);
}

static void
supdns_refuse(const struct dnsmsg_question *q, struct dnsmsg_answer *a)
{
	dnsmsg_answer_init(a, 0);
	a->rcode = DNSMSG_RCODE_REFUSED;
	dnsmsg_log_refusal(q);
}

ssize_t
supdns_answer(const struct supdns *d, const uint8_t *msg, size_t len,
	      uint8_t *out, size_t cap)
{
	struct dnsmsg_question q;
	struct dnsmsg_answer a;
	uint8_t addr[16];
	int family;

	if (dnsmsg_decode_query(msg, len, &q) <= 0)
		return -EPROTO;
	switch (dnsmsg_classify(&q)) {
	case DNSMSG_ADDRESS:
		family = dnsmsg_family(&q);
		dnsmsg_answer_init(&a, family);
		if (q.name[0] == '\0')
			supdns_refuse(&q, &a);
		else if (noproxy_matches(d->cfg, q.name, NULL, 0))
			supdns_real(&q, family, &a);
		else
			supdns_fake(&q, family, &a);
		break;
	case DNSMSG_REVERSE:
		dnsmsg_answer_init(&a, 0);
		if (dnsmsg_decode_reverse(q.name, &family, addr) < 0 ||
		    !fakeip_is_fake_raw(family, addr)) {
			supdns_refuse(&q, &a);
			break;
		}
		if (fakeip_lookup_raw(family, addr, a.name, sizeof(a.name)) < 0)
			a.rcode = DNSMSG_RCODE_NXDOMAIN;
		else
			a.count = 1;
		break;
	default:
		supdns_refuse(&q, &a);
		break;
	}
	return dnsmsg_encode_answer(out, cap, &q, &a);
}

static void
supdns_serve_udp(const struct supdns *d)
{
	uint8_t in[SUPDNS_MSG_MAX], out[SUPDNS_UDP_MAX];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	ssize_t n, m;

	n = recvfrom(d->udp_fd, in, sizeof(in), MSG_DONTWAIT,
		     (struct sockaddr *)&from, &fromlen);
	if (n <= 0)
		return;
	m = supdns_answer(d, in, (size_t)n, out, sizeof(out));
	if (m > 0)
		sendto(d->udp_fd, out, (size_t)m, MSG_DONTWAIT,
		       (struct sockaddr *)&from, fromlen);
}

static void
supdns_accept(const struct supdns *d)
{
	int fd = accept4(d->tcp_fd, NULL, NULL, SOCK_CLOEXEC);

	if (fd < 0)
		return;
	for (size_t i = 0; i < SUPDNS_TCP_MAX; i++) {
		if (supdns_conns[i].fd < 0) {
			supdns_conns[i].fd = fd;
			supdns_conns[i].have = 0;
			return;
		}
	}
	log_warn("more than %d DNS connections at once: closing one",
		 SUPDNS_TCP_MAX);
	close(fd);
}

static void
supdns_conn_close(struct supdns_conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->have = 0;
}

/* Write all of buf on a blocking loopback connection; false on failure. */
static bool
supdns_write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t w = send(fd, buf, len, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return false;
		buf += w;
		len -= (size_t)w;
	}
	return true;
}

static void
supdns_serve_tcp(const struct supdns *d, struct supdns_conn *c)
{
	static uint8_t out[2 + SUPDNS_MSG_MAX];
	size_t want;
	ssize_t n, m;

	n = recv(c->fd, c->buf + c->have, sizeof(c->buf) - c->have, MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		supdns_conn_close(c);
		return;
	}
	c->have += (size_t)n;
	while (c->have >= 2) {
		want = 2 + ((size_t)c->buf[0] << 8 | c->buf[1]);
		if (c->have < want)
			return;
		m = supdns_answer(d, c->buf + 2, want - 2, out + 2, sizeof(out) - 2);
		if (m <= 0) {
			supdns_conn_close(c);
			return;
		}
		out[0] = (uint8_t)(m >> 8);
		out[1] = (uint8_t)m;
		if (!supdns_write_all(c->fd, out, (size_t)m + 2)) {
			supdns_conn_close(c);
			return;
		}
		memmove(c->buf, c->buf + want, c->have - want);
		c->have -= want;
	}
}

static void *
supdns_thread(void *arg)
{
	const struct supdns *d = arg;
	struct pollfd p[2 + SUPDNS_TCP_MAX];

	for (;;) {
		p[0].fd = d->udp_fd;
		p[0].events = POLLIN;
		p[1].fd = d->tcp_fd;
		p[1].events = POLLIN;
		for (size_t i = 0; i < SUPDNS_TCP_MAX; i++) {
			p[2 + i].fd = supdns_conns[i].fd;
			p[2 + i].events = POLLIN;
		}
		if (poll(p, 2 + SUPDNS_TCP_MAX, -1) < 0)
			continue;
		if (p[0].revents)
			supdns_serve_udp(d);
		if (p[1].revents)
			supdns_accept(d);
		for (size_t i = 0; i < SUPDNS_TCP_MAX; i++)
			if (p[2 + i].revents && supdns_conns[i].fd >= 0)
				supdns_serve_tcp(d, &supdns_conns[i]);
	}
	return NULL;
}

static int
supdns_bind(int type, struct sockaddr_in *addr)
{
	socklen_t len = sizeof(*addr);
	int fd, rc;

	fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(addr, 0, sizeof(*addr));
	addr->sin_family = AF_INET;
	addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)addr, sizeof(*addr)) < 0 ||
	    getsockname(fd, (struct sockaddr *)addr, &len) < 0 ||
	    (type == SOCK_STREAM && listen(fd, SUPDNS_TCP_MAX) < 0)) {
		rc = -errno;
		goto err_close;
	}
	return fd;
err_close:
	close(fd);
	return rc;
}

int
supdns_open(struct supdns *d, const struct config *cfg)
{
	int rc;

	d->cfg = cfg;
	supdns_load(d);
	for (size_t i = 0; i < SUPDNS_TCP_MAX; i++)
		supdns_conns[i].fd = -1;
	d->udp_fd = supdns_bind(SOCK_DGRAM, &d->udp_addr);
	if (d->udp_fd < 0) {
		rc = d->udp_fd;
		goto err_log;
	}
	d->tcp_fd = supdns_bind(SOCK_STREAM, &d->tcp_addr);
	if (d->tcp_fd < 0) {
		rc = d->tcp_fd;
		goto err_close_udp;
	}
	return 0;
err_close_udp:
	close(d->udp_fd);
err_log:
	log_error("the name server for supervised programs cannot start: %s",
		  strerror(-rc));
	return rc;
}

int
supdns_serve(struct supdns *d)
{
	pthread_attr_t attr;
	pthread_t tid;
	int rc;

	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = -pthread_create(&tid, &attr, supdns_thread, d);
	pthread_attr_destroy(&attr);
	if (rc < 0)
		log_error("the name server for supervised programs cannot start: %s",
			  strerror(-rc));
	return rc;
}

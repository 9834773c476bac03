/*
 * benchsrv: the destination of the benchmarks, one thread, one epoll loop.
 *
 *   benchsrv [-e PORT] [-c BYTES] [-s PORT] [-w PORT] [-u PORT] [-W PORT] ADDR
 *
 * Listens on ADDR for:
 *   -e  TCP echo: every byte read is written back; with -c, the connection
 *       is closed once BYTES have been echoed (the server closes first, so
 *       the TIME_WAIT state stays here and not on the ephemeral ports of a
 *       proxy that binds its outgoing connections);
 *   -s  TCP source: reads an 8-byte big-endian count, sends that many zero
 *       bytes, then closes;
 *   -w  TCP "who am I": writes the peer's address as text and a newline,
 *       then closes (a proxied connection shows the proxy's address);
 *   -u  UDP echo: every datagram goes back to its sender;
 *   -W  UDP "who am I": answers every datagram with its sender's address.
 * Prints "READY" on stdout once every socket listens, then serves until
 * killed.  Written so that it is never the bottleneck of a benchmark: no
 * per-connection thread, no copy of the source data, large writes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#define SOURCE_CHUNK (1 << 20)
#define ECHO_BUF 65536
#define MAX_EVENTS 64

enum kind {
	K_LISTEN_ECHO,
	K_LISTEN_SOURCE,
	K_LISTEN_WHOAMI,
	K_UDP,
	K_UDP_WHOAMI,
	K_ECHO,
	K_SOURCE,
};

struct conn {
	enum kind kind;
	int fd;
	/* echo: bytes read and not yet written back, and all written back */
	size_t pend_off;
	size_t pend_len;
	uint64_t echoed;
	/* source: the count as it arrives, then what is left to send */
	uint8_t req[8];
	size_t req_len;
	uint64_t left;
	bool sending;
	char *buf;
	uint32_t events;	/* what epoll watches for */
};

static int epfd;
static char *zeros;
/* Close an echo connection after this many bytes (0: never). */
static uint64_t echo_limit;

static void
die(const char *what)
{
	fprintf(stderr, "benchsrv: %s: %s\n", what, strerror(errno));
	exit(1);
}

static struct conn *
conn_new(enum kind kind, int fd)
{
	struct conn *c = calloc(1, sizeof(*c));

	if (!c)
		die("calloc");
	c->kind = kind;
	c->fd = fd;
	return c;
}

static void
conn_free(struct conn *c)
{
	epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->buf);
	free(c);
}

static void
watch(struct conn *c, int op, uint32_t events)
{
	struct epoll_event ev;

	if (op == EPOLL_CTL_MOD && c->events == events)
		return;
	c->events = events;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.ptr = c;
	if (epoll_ctl(epfd, op, c->fd, &ev) < 0)
		die("epoll_ctl");
}

static int
listen_on(const char *addr, int port, int type)
{
	struct sockaddr_in sin;
	int one = 1;
	int fd;

	fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket");
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "benchsrv: bad address %s\n", addr);
		exit(2);
	}
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		die("bind");
	if (type == SOCK_STREAM && listen(fd, 4096) < 0)
		die("listen");
	return fd;
}

static void
do_accept(struct conn *l)
{
	struct sockaddr_in peer;
	socklen_t len;
	char text[INET_ADDRSTRLEN + 1];
	struct conn *c;
	size_t n;
	int fd;

	for (;;) {
		len = sizeof(peer);
		fd = accept4(l->fd, (struct sockaddr *)&peer, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		if (l->kind == K_LISTEN_WHOAMI) {
			if (!inet_ntop(AF_INET, &peer.sin_addr, text, sizeof(text) - 1))
				strcpy(text, "?");
			n = strlen(text);
			text[n++] = '\n';
			if (write(fd, text, n) < 0)
				fprintf(stderr, "benchsrv: whoami: %s\n", strerror(errno));
			close(fd);
			continue;
		}
		c = conn_new(l->kind == K_LISTEN_ECHO ? K_ECHO : K_SOURCE, fd);
		if (c->kind == K_ECHO) {
			c->buf = malloc(ECHO_BUF);
			if (!c->buf)
				die("malloc");
		}
		watch(c, EPOLL_CTL_ADD, EPOLLIN);
	}
}

/* Echo: read what is there, write it back; wait for room when the peer is slow. */
static void
do_echo(struct conn *c)
{
	ssize_t n;

	for (;;) {
		while (c->pend_len > 0) {
			n = write(c->fd, c->buf + c->pend_off, c->pend_len);
			if (n < 0 && errno == EAGAIN) {
				watch(c, EPOLL_CTL_MOD, EPOLLOUT);
				return;
			}
			if (n < 0)
				goto out_close;
			c->pend_off += (size_t)n;
			c->pend_len -= (size_t)n;
			c->echoed += (uint64_t)n;
		}
		if (echo_limit > 0 && c->echoed >= echo_limit)
			goto out_close;
		n = read(c->fd, c->buf, ECHO_BUF);
		if (n < 0 && errno == EAGAIN) {
			watch(c, EPOLL_CTL_MOD, EPOLLIN);
			return;
		}
		if (n <= 0)
			goto out_close;
		c->pend_off = 0;
		c->pend_len = (size_t)n;
	}
out_close:
	conn_free(c);
}

/* Source: the count first, then zeros until it is used up. */
static void
do_source(struct conn *c)
{
	ssize_t n;
	size_t want;

	while (!c->sending) {
		n = read(c->fd, c->req + c->req_len, sizeof(c->req) - c->req_len);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			goto out_close;
		c->req_len += (size_t)n;
		if (c->req_len < sizeof(c->req))
			continue;
		c->left = 0;
		for (size_t i = 0; i < sizeof(c->req); i++)
			c->left = (c->left << 8) | c->req[i];
		c->sending = true;
		watch(c, EPOLL_CTL_MOD, EPOLLOUT);
	}
	while (c->left > 0) {
		want = c->left < SOURCE_CHUNK ? (size_t)c->left : SOURCE_CHUNK;
		n = write(c->fd, zeros, want);
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0)
			goto out_close;
		c->left -= (uint64_t)n;
	}
out_close:
	conn_free(c);
}

static void
do_udp(struct conn *c)
{
	struct sockaddr_in from;
	socklen_t len;
	char buf[65536];
	ssize_t n;

	for (;;) {
		len = sizeof(from);
		n = recvfrom(c->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &len);
		if (n < 0)
			return;
		if (c->kind == K_UDP_WHOAMI) {
			if (!inet_ntop(AF_INET, &from.sin_addr, buf, INET_ADDRSTRLEN))
				strcpy(buf, "?");
			n = (ssize_t)strlen(buf);
		}
		sendto(c->fd, buf, (size_t)n, 0, (struct sockaddr *)&from, len);
	}
}

static void
usage(void)
{
	fprintf(stderr, "usage: benchsrv [-e PORT] [-s PORT] [-w PORT] [-u PORT] "
		"[-W PORT] [-c BYTES] ADDR\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	static const struct {
		char opt;
		enum kind kind;
		int type;
	} roles[] = {
		{ 'e', K_LISTEN_ECHO, SOCK_STREAM },
		{ 's', K_LISTEN_SOURCE, SOCK_STREAM },
		{ 'w', K_LISTEN_WHOAMI, SOCK_STREAM },
		{ 'u', K_UDP, SOCK_DGRAM },
		{ 'W', K_UDP_WHOAMI, SOCK_DGRAM },
	};
	int ports[5] = { 0, 0, 0, 0, 0 };
	struct epoll_event evs[MAX_EVENTS];
	const char *addr;
	int opt;

	for (;;) {
		bool known = false;

		opt = getopt(argc, argv, "e:s:w:u:W:c:");
		if (opt == -1)
			break;
		if (opt == 'c') {
			echo_limit = strtoull(optarg, NULL, 10);
			continue;
		}
		for (size_t i = 0; i < 5; i++) {
			if (roles[i].opt == opt) {
				ports[i] = atoi(optarg);
				known = true;
			}
		}
		if (!known)
			usage();
	}
	if (optind != argc - 1)
		usage();
	addr = argv[optind];
	signal(SIGPIPE, SIG_IGN);
	zeros = calloc(1, SOURCE_CHUNK);
	if (!zeros)
		die("calloc");
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		die("epoll_create1");
	for (size_t i = 0; i < 5; i++) {
		if (ports[i] <= 0)
			continue;
		watch(conn_new(roles[i].kind, listen_on(addr, ports[i], roles[i].type)),
		      EPOLL_CTL_ADD, EPOLLIN);
	}
	printf("READY\n");
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(epfd, evs, MAX_EVENTS, -1);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			struct conn *c = evs[i].data.ptr;

			switch (c->kind) {
			case K_LISTEN_ECHO:
			case K_LISTEN_SOURCE:
			case K_LISTEN_WHOAMI:
				do_accept(c);
				break;
			case K_UDP:
			case K_UDP_WHOAMI:
				do_udp(c);
				break;
			case K_ECHO:
				do_echo(c);
				break;
			case K_SOURCE:
				do_source(c);
				break;
			}
		}
	}
}

/*
 * delayrelay: a TCP relay that holds every chunk of data for a fixed delay
 * in each direction, standing in for a network link with a round-trip time
 * of twice the delay when the kernel has no netem.
 *
 *   delayrelay LISTEN_ADDR LISTEN_PORT TARGET_ADDR TARGET_PORT DELAY_MS
 *
 * Each accepted connection gets its own connection to the target; bytes
 * read on one side are written to the other DELAY_MS later (the end of
 * the stream too), in order, without holding later bytes behind a slow
 * write.  The TCP handshake itself is not delayed (the kernel completes it
 * before the relay sees the connection), so a connect costs no round trip
 * here where a real link costs one.  Prints "READY" once listening.  One
 * thread, one epoll loop, a timerfd armed for the next chunk that falls due.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define READ_MAX 65536
#define MAX_EVENTS 64

struct chunk {
	struct chunk *next;
	int64_t due_ns;
	size_t off;
	size_t len;		/* 0: the end of the stream */
	char data[];
};

struct conn;

/* One socket of a connection; epoll's data points here. */
struct side {
	struct conn *conn;
	int idx;
	int fd;
	uint32_t events;
};

/* Bytes read on side[i] on their way to side[1 - i]. */
struct dir {
	struct chunk *head;
	struct chunk *tail;
	bool read_eof;
	bool blocked;		/* the last write met EAGAIN */
	bool done;		/* the end of the stream was passed on */
};

struct conn {
	struct conn *next;
	struct side side[2];
	struct dir dir[2];
	bool dead;
};

static int epfd;
static int tfd;
static int64_t delay_ns;
static struct conn *conns;
static struct sockaddr_in target;

static void
die(const char *what)
{
	fprintf(stderr, "delayrelay: %s: %s\n", what, strerror(errno));
	exit(1);
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
side_watch(struct side *s)
{
	struct conn *c = s->conn;
	struct epoll_event ev;
	uint32_t want = 0;

	if (!c->dir[s->idx].read_eof)
		want |= EPOLLIN;
	if (c->dir[1 - s->idx].blocked)
		want |= EPOLLOUT;
	if (want == s->events)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = want;
	ev.data.ptr = s;
	epoll_ctl(epfd, EPOLL_CTL_MOD, s->fd, &ev);
	s->events = want;
}

static void
queue(struct dir *d, const char *data, size_t len)
{
	struct chunk *k = malloc(sizeof(*k) + len);

	if (!k)
		die("malloc");
	k->next = NULL;
	k->due_ns = now_ns() + delay_ns;
	k->off = 0;
	k->len = len;
	memcpy(k->data, data, len);
	if (d->tail)
		d->tail->next = k;
	else
		d->head = k;
	d->tail = k;
}

/* Read everything there is on side i and queue it for the other side. */
static void
pull(struct conn *c, int i)
{
	char buf[READ_MAX];
	struct dir *d = &c->dir[i];
	ssize_t n;

	while (!d->read_eof) {
		n = read(c->side[i].fd, buf, sizeof(buf));
		if (n < 0 && errno == EAGAIN)
			break;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			c->dead = true;
			return;
		}
		if (n == 0)
			d->read_eof = true;
		queue(d, buf, (size_t)n);
	}
	side_watch(&c->side[i]);
}

/* Write the chunks of direction i that are due (c->dead when it broke). */
static void
push(struct conn *c, int i, int64_t now)
{
	struct dir *d = &c->dir[i];
	struct side *to = &c->side[1 - i];
	struct chunk *k;
	ssize_t n;

	d->blocked = false;
	while (d->head && d->head->due_ns <= now) {
		k = d->head;
		if (k->len == 0) {
			shutdown(to->fd, SHUT_WR);
			d->done = true;
		} else {
			n = write(to->fd, k->data + k->off, k->len - k->off);
			if (n < 0 && errno == EAGAIN) {
				d->blocked = true;
				break;
			}
			if (n < 0) {
				c->dead = true;
				return;
			}
			k->off += (size_t)n;
			if (k->off < k->len)
				continue;
		}
		d->head = k->next;
		if (!d->head)
			d->tail = NULL;
		free(k);
	}
	side_watch(to);
}

static void
conn_free(struct conn *c)
{
	for (int i = 0; i < 2; i++) {
		struct chunk *k = c->dir[i].head;

		while (k) {
			struct chunk *next = k->next;

			free(k);
			k = next;
		}
		epoll_ctl(epfd, EPOLL_CTL_DEL, c->side[i].fd, NULL);
		close(c->side[i].fd);
	}
	free(c);
}

static void
set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		die("fcntl");
}

static void
do_accept(int lfd)
{
	struct epoll_event ev;
	struct conn *c;
	int one = 1;
	int fd, up;

	for (;;) {
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			return;
		up = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (up < 0 || connect(up, (struct sockaddr *)&target, sizeof(target)) < 0) {
			fprintf(stderr, "delayrelay: cannot reach the target: %s\n",
				strerror(errno));
			if (up >= 0)
				close(up);
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c)
			die("calloc");
		c->side[0].fd = fd;
		c->side[1].fd = up;
		for (int i = 0; i < 2; i++) {
			struct side *s = &c->side[i];

			s->conn = c;
			s->idx = i;
			s->events = EPOLLIN;
			setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
			set_nonblock(s->fd);
			memset(&ev, 0, sizeof(ev));
			ev.events = EPOLLIN;
			ev.data.ptr = s;
			if (epoll_ctl(epfd, EPOLL_CTL_ADD, s->fd, &ev) < 0)
				die("epoll_ctl");
		}
		c->next = conns;
		conns = c;
	}
}

/* Write what is due, drop finished connections, arm the timer for the next chunk. */
static void
service(void)
{
	struct itimerspec its;
	struct conn **pp = &conns;
	int64_t now = now_ns();
	int64_t next = INT64_MAX;

	while (*pp) {
		struct conn *c = *pp;

		for (int i = 0; i < 2 && !c->dead; i++) {
			if (c->dir[i].head && c->dir[i].head->due_ns <= now)
				push(c, i, now);
			if (c->dir[i].head && !c->dir[i].blocked &&
			    c->dir[i].head->due_ns < next)
				next = c->dir[i].head->due_ns;
		}
		if (c->dead || (c->dir[0].done && c->dir[1].done)) {
			*pp = c->next;
			conn_free(c);
			continue;
		}
		pp = &c->next;
	}
	memset(&its, 0, sizeof(its));
	if (next != INT64_MAX) {
		its.it_value.tv_sec = next / 1000000000;
		its.it_value.tv_nsec = next % 1000000000;
	}
	timerfd_settime(tfd, TFD_TIMER_ABSTIME, &its, NULL);
}

static void
parse_addr(struct sockaddr_in *sin, const char *addr, const char *port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "delayrelay: bad address %s\n", addr);
		exit(2);
	}
}

int
main(int argc, char **argv)
{
	static int lfd_tag, tfd_tag;
	struct epoll_event ev, evs[MAX_EVENTS];
	struct sockaddr_in local;
	int one = 1;
	int lfd;

	if (argc != 6) {
		fprintf(stderr, "usage: delayrelay LISTEN_ADDR LISTEN_PORT "
			"TARGET_ADDR TARGET_PORT DELAY_MS\n");
		return 2;
	}
	parse_addr(&local, argv[1], argv[2]);
	parse_addr(&target, argv[3], argv[4]);
	delay_ns = (int64_t)(atof(argv[5]) * 1e6);
	signal(SIGPIPE, SIG_IGN);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		die("socket");
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(lfd, (struct sockaddr *)&local, sizeof(local)) < 0 ||
	    listen(lfd, 1024) < 0)
		die("listen");
	epfd = epoll_create1(EPOLL_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (epfd < 0 || tfd < 0)
		die("epoll_create1/timerfd_create");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = &lfd_tag;
	epoll_ctl(epfd, EPOLL_CTL_ADD, lfd, &ev);
	ev.data.ptr = &tfd_tag;
	epoll_ctl(epfd, EPOLL_CTL_ADD, tfd, &ev);
	printf("READY\n");
	fflush(stdout);
	for (;;) {
		int n = epoll_wait(epfd, evs, MAX_EVENTS, -1);

		if (n < 0 && errno != EINTR)
			die("epoll_wait");
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;

			if (p == &lfd_tag) {
				do_accept(lfd);
			} else if (p == &tfd_tag) {
				uint64_t ticks;

				if (read(tfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
					die("read timerfd");
			} else {
				struct side *s = p;

				if (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))
					pull(s->conn, s->idx);
				if (evs[i].events & EPOLLOUT)
					s->conn->dir[1 - s->idx].blocked = false;
			}
		}
		service();
	}
}

/*
 * callcost: nanoseconds per call for calls a socksifier sees but should
 * leave alone, to compare a run with a preloaded library against a bare one.
 *
 *   callcost [-s SCALE] [--no-udp]
 *
 * Measures, each as the median over batches of the mean per call within a
 * batch (the clock is read once per batch):
 *   sendto    a 32-byte datagram on a UDP socket bound to 127.0.0.1, to
 *             itself (loopback: excluded from proxying by default)
 *   recvfrom  reading those datagrams back
 *   udp_connect
 *             connect() of a second UDP socket to that address, over and
 *             over (loopback: left alone)
 *   dup_close close(dup(fd)) on that socket (a pipe without UDP)
 *   epoll     epoll_wait(timeout 0) on an epoll set holding one idle
 *             AF_UNIX socket
 *   write     a 1-byte write to a pipe
 *   read      a 1-byte read from that pipe
 * Prints one line "RESULT sendto=NS recvfrom=NS dup_close=NS epoll=NS
 * write=NS read=NS udp_connect=NS".  SCALE (default 1) multiplies the number of calls.
 * With --no-udp, or when a first datagram to itself does not come back
 * within a second (a tool that refuses or relays such a socket), sendto
 * and recvfrom are skipped and reported as "na".
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/* Datagrams per batch: well within a UDP socket's default receive buffer. */
#define UDP_BATCH 64
#define PIPE_BATCH 1024
#define CALL_BATCH 1024

static void
fail(const char *what)
{
	fprintf(stderr, "callcost: %s: %s\n", what, strerror(errno));
	exit(1);
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* A UDP socket on 127.0.0.1 that hears itself, or -1. */
static int
udp_self(struct sockaddr_in *self)
{
	struct timeval tv = { 1, 0 };
	socklen_t len = sizeof(*self);
	char buf[32];
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	memset(self, 0, sizeof(*self));
	self->sin_family = AF_INET;
	self->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	memset(buf, 'p', sizeof(buf));
	if (bind(fd, (struct sockaddr *)self, sizeof(*self)) < 0 ||
	    getsockname(fd, (struct sockaddr *)self, &len) < 0 ||
	    sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)self, sizeof(*self)) < 0 ||
	    recvfrom(fd, buf, sizeof(buf), 0, NULL, NULL) != (ssize_t)sizeof(buf)) {
		fprintf(stderr, "callcost: UDP to itself: %s: skipped\n", strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The per-call times of every batch of one call. */
struct series {
	const char *name;
	double *ns;
	long n;
};

enum { S_SENDTO, S_RECVFROM, S_DUP, S_EPOLL, S_WRITE, S_READ, S_UDP_CONNECT, S_COUNT };

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void
add_batch(struct series *s, double t0, long calls)
{
	s->ns[s->n++] = (now_ns() - t0) / (double)calls;
}

/* The median batch: a moment when the machine was busy elsewhere moves it little. */
static void
print_median(struct series *s)
{
	double m;

	if (s->n == 0) {
		printf(" %s=na", s->name);
		return;
	}
	qsort(s->ns, (size_t)s->n, sizeof(*s->ns), cmp_double);
	m = s->n % 2 ? s->ns[s->n / 2] : (s->ns[s->n / 2 - 1] + s->ns[s->n / 2]) / 2;
	printf(" %s=%.1f", s->name, m);
}

int
main(int argc, char **argv)
{
	static const char *const names[S_COUNT] = {
		"sendto", "recvfrom", "dup_close", "epoll", "write", "read", "udp_connect",
	};
	struct series ser[S_COUNT];
	struct sockaddr_in self;
	struct epoll_event ev, out[4];
	char buf[32];
	double t;
	long scale = 1, rounds;
	bool udp = true;
	int fd, ep, idle, p[2], uc = -1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
			scale = atol(argv[++i]);
		} else if (strcmp(argv[i], "--no-udp") == 0) {
			udp = false;
		} else {
			scale = 0;
			break;
		}
	}
	if (scale <= 0 || scale > 1000) {
		fprintf(stderr, "usage: callcost [-s SCALE] [--no-udp]\n");
		return 2;
	}
	rounds = 40 * scale;
	for (int k = 0; k < S_COUNT; k++) {
		ser[k].name = names[k];
		ser[k].n = 0;
		ser[k].ns = calloc((size_t)rounds * 16, sizeof(double));
		if (!ser[k].ns)
			fail("calloc");
	}
	memset(buf, 'c', sizeof(buf));
	fd = udp ? udp_self(&self) : -1;
	udp = fd >= 0;
	/* A second UDP socket that connects to the first, over and over. */
	if (udp) {
		uc = socket(AF_INET, SOCK_DGRAM, 0);
		if (uc < 0)
			fail("socket");
	}
	/* The descriptor duplicated and the idle one epoll watches: pipes. */
	if (pipe(p) < 0)
		fail("pipe");
	if (!udp)
		fd = p[0];
	ep = epoll_create1(0);
	idle = socket(AF_UNIX, SOCK_DGRAM, 0);
	if (ep < 0 || idle < 0)
		fail("epoll_create1");
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, idle, &ev) < 0)
		fail("epoll_ctl");

	/* Interleaved rounds, so a slow moment of the machine hits every call alike. */
	for (long r = 0; r < rounds; r++) {
		for (int b = 0; b < 16 && udp; b++) {
			t = now_ns();
			for (int i = 0; i < UDP_BATCH; i++) {
				if (sendto(fd, buf, sizeof(buf), 0, (struct sockaddr *)&self,
					   sizeof(self)) != (ssize_t)sizeof(buf))
					fail("sendto");
			}
			add_batch(&ser[S_SENDTO], t, UDP_BATCH);
			t = now_ns();
			for (int i = 0; i < UDP_BATCH; i++) {
				if (recvfrom(fd, buf, sizeof(buf), 0, NULL, NULL) !=
				    (ssize_t)sizeof(buf))
					fail("recvfrom");
			}
			add_batch(&ser[S_RECVFROM], t, UDP_BATCH);
		}
		for (int b = 0; b < 4 && udp; b++) {
			t = now_ns();
			for (int i = 0; i < CALL_BATCH; i++) {
				if (connect(uc, (struct sockaddr *)&self, sizeof(self)) < 0)
					fail("connect");
			}
			add_batch(&ser[S_UDP_CONNECT], t, CALL_BATCH);
		}
		for (int b = 0; b < 4; b++) {
			t = now_ns();
			for (int i = 0; i < CALL_BATCH; i++) {
				if (close(dup(fd)) < 0)
					fail("close(dup())");
			}
			add_batch(&ser[S_DUP], t, CALL_BATCH);
		}
		for (int b = 0; b < 16; b++) {
			t = now_ns();
			for (int i = 0; i < CALL_BATCH; i++) {
				if (epoll_wait(ep, out, 4, 0) != 0)
					fail("epoll_wait");
			}
			add_batch(&ser[S_EPOLL], t, CALL_BATCH);
		}
		for (int b = 0; b < 4; b++) {
			t = now_ns();
			for (int i = 0; i < PIPE_BATCH; i++) {
				if (write(p[1], buf, 1) != 1)
					fail("write");
			}
			add_batch(&ser[S_WRITE], t, PIPE_BATCH);
			t = now_ns();
			for (int i = 0; i < PIPE_BATCH; i++) {
				if (read(p[0], buf, 1) != 1)
					fail("read");
			}
			add_batch(&ser[S_READ], t, PIPE_BATCH);
		}
	}
	printf("RESULT");
	for (int k = 0; k < S_COUNT; k++)
		print_median(&ser[k]);
	printf("\n");
	return 0;
}

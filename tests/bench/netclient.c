/*
 * netclient: the TCP and UDP workloads of the benchmark, as a plain program
 * that a socksifier wraps, or (with --socks5) as a client that speaks
 * SOCKS5 itself: the best any socksifier can do.
 *
 *   netclient connect  [-n N] [--nonblock] [SOCKS] HOST PORT
 *                                       N x (connect, 64-byte echo, close);
 *                                       --nonblock: each connect() on a
 *                                       non-blocking socket, waited for with
 *                                       poll() and SO_ERROR
 *   netclient parallel [-n N] [--poll] [SOCKS] HOST PORT
 *                                       N non-blocking connects at once
 *   netclient bulk     [-b BYTES] [SOCKS] HOST PORT   read BYTES from a source
 *   netclient udp      [-n N]     [SOCKS] HOST PORT   N 64-byte UDP round trips
 *   netclient whoami              [SOCKS] HOST PORT   print what the server says
 *   netclient udpwho              [SOCKS] HOST PORT   the same over UDP
 *
 *   SOCKS: --socks5 PROXY_IP:PORT [--pipeline]
 *
 * HOST is an IPv4 address.  On success one line "RESULT count=C seconds=S"
 * plus mode-specific fields goes to stdout and the exit status is 0
 * (connect and udp add the median of one iteration as p50_us and p50_ms,
 * and rate50, one over it); whoami and udpwho print "PEER <text>" instead.
 * A failure is one line on stderr and status 1.  The whole run is bounded
 * by -t SECONDS (default 120): SIGALRM ends it with a message saying so.
 *
 * The native client is deliberately lean: one write per message (one for
 * greeting and request together with --pipeline), reads of exactly the
 * reply's length, blocking sockets except in the parallel mode, which
 * drives every exchange from one poll or epoll loop.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define ECHO_LEN 64
#define UDP_LEN 64
#define BULK_BUF (256 * 1024)
#define SOCKS5_VER 0x05
#define SOCKS5_METHOD_NONE 0x00
#define SOCKS5_CMD_CONNECT 0x01
#define SOCKS5_CMD_UDP_ASSOCIATE 0x03
#define SOCKS5_ATYP_IPV4 0x01
#define SOCKS5_ATYP_DOMAIN 0x03
#define SOCKS5_ATYP_IPV6 0x04
#define SOCKS5_REPLY_MAX (4 + 1 + 255 + 2)
/* The length of a reply to an IPv4 request answered with an IPv4 address. */
#define SOCKS5_REPLY_V4 10
#define SOCKS5_UDP_HDR_V4 10

struct opts {
	const char *mode;
	long n;
	long long bytes;
	bool use_poll;
	bool native;
	bool pipeline;
	bool nonblock;
	struct sockaddr_in proxy;
	struct sockaddr_in dst;
};

/* For the message at the time limit: connections done in the parallel mode. */
static volatile sig_atomic_t par_done = -1;
static volatile sig_atomic_t par_total;

static size_t
put_text(char *buf, size_t n, size_t cap, const char *text)
{
	while (*text && n < cap)
		buf[n++] = *text++;
	return n;
}

static size_t
put_num(char *buf, size_t n, size_t cap, long v)
{
	char digits[24];
	int k = 0;

	do {
		digits[k++] = (char)('0' + v % 10);
		v /= 10;
	} while (v > 0 && k < (int)sizeof(digits));
	while (k > 0 && n < cap)
		buf[n++] = digits[--k];
	return n;
}

/* SIGALRM: the run took longer than -t allows; say so (async-signal-safe). */
static void
on_alarm(int sig)
{
	char msg[160];
	size_t n = 0;

	(void)sig;
	n = put_text(msg, n, sizeof(msg), "netclient: time limit reached");
	if (par_done >= 0) {
		n = put_text(msg, n, sizeof(msg), ": ");
		n = put_num(msg, n, sizeof(msg), par_done);
		n = put_text(msg, n, sizeof(msg), " of ");
		n = put_num(msg, n, sizeof(msg), par_total);
		n = put_text(msg, n, sizeof(msg), " connections completed");
	}
	n = put_text(msg, n, sizeof(msg), "\n");
	if (write(2, msg, n) < 0)
		_exit(1);
	_exit(1);
}

static void
fail(const char *what)
{
	fprintf(stderr, "netclient: %s: %s\n", what, errno ? strerror(errno) : "failed");
	exit(1);
}

static void
fail_msg(const char *msg)
{
	fprintf(stderr, "netclient: %s\n", msg);
	exit(1);
}

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
parse_addr(struct sockaddr_in *sin, const char *addr, const char *port)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
		fail_msg("HOST and the proxy must be IPv4 addresses");
}

static void
parse_hostport(struct sockaddr_in *sin, const char *text)
{
	char host[64];
	const char *colon = strrchr(text, ':');
	size_t len;

	if (!colon)
		fail_msg("--socks5 takes IP:PORT");
	len = (size_t)(colon - text);
	if (len >= sizeof(host))
		fail_msg("--socks5: address too long");
	memcpy(host, text, len);
	host[len] = '\0';
	parse_addr(sin, host, colon + 1);
}

static void
write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			fail("write");
		p += n;
		len -= (size_t)n;
	}
}

static void
read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0)
			errno = ECONNRESET;
		if (n <= 0)
			fail("read");
		p += n;
		len -= (size_t)n;
	}
}

/*
 * RFC 1928, section 3: the greeting, offering one method, "no
 * authentication required".
 *
 *   +----+----------+----------+
 *   |VER | NMETHODS | METHODS  |
 *   +----+----------+----------+
 *   | 1  |    1     | 1 to 255 |
 *   +----+----------+----------+
 */
static size_t
put_greeting(uint8_t *buf)
{
	size_t n = 0;

	buf[n++] = SOCKS5_VER;
	buf[n++] = 1;
	buf[n++] = SOCKS5_METHOD_NONE;
	return n;
}

/*
 * RFC 1928, section 4: a request for an IPv4 address.
 *
 *   +----+-----+-------+------+----------+----------+
 *   |VER | CMD |  RSV  | ATYP | DST.ADDR | DST.PORT |
 *   +----+-----+-------+------+----------+----------+
 *   | 1  |  1  | X'00' |  1   | Variable |    2     |
 *   +----+-----+-------+------+----------+----------+
 */
static size_t
put_request(uint8_t *buf, uint8_t cmd, const struct sockaddr_in *dst)
{
	const uint8_t *a = (const uint8_t *)&dst->sin_addr.s_addr;
	uint16_t port = ntohs(dst->sin_port);
	size_t n = 0;

	buf[n++] = SOCKS5_VER;
	buf[n++] = cmd;
	buf[n++] = 0x00;
	buf[n++] = SOCKS5_ATYP_IPV4;
	buf[n++] = a[0];
	buf[n++] = a[1];
	buf[n++] = a[2];
	buf[n++] = a[3];
	buf[n++] = (uint8_t)(port >> 8);
	buf[n++] = (uint8_t)(port & 0xff);
	return n;
}

/*
 * RFC 1928, section 3: the method selection.
 *
 *   +----+--------+
 *   |VER | METHOD |
 *   +----+--------+
 *   | 1  |   1    |
 *   +----+--------+
 */
static bool
method_ok(const uint8_t *buf)
{
	return buf[0] == SOCKS5_VER && buf[1] == SOCKS5_METHOD_NONE;
}

/*
 * RFC 1928, section 6: the reply.  Its full length once `have` bytes of it
 * are known (at least 4, 5 for a name), or 0 for an address type that does
 * not exist.
 *
 *   +----+-----+-------+------+----------+----------+
 *   |VER | REP |  RSV  | ATYP | BND.ADDR | BND.PORT |
 *   +----+-----+-------+------+----------+----------+
 *   | 1  |  1  | X'00' |  1   | Variable |    2     |
 *   +----+-----+-------+------+----------+----------+
 */
static size_t
reply_len(const uint8_t *r, size_t have)
{
	if (have < 4)
		return SOCKS5_REPLY_V4;
	switch (r[3]) {
	case SOCKS5_ATYP_IPV4:
		return 4 + 4 + 2;
	case SOCKS5_ATYP_IPV6:
		return 4 + 16 + 2;
	case SOCKS5_ATYP_DOMAIN:
		return have < 5 ? 5 : (size_t)4 + 1 + r[4] + 2;
	default:
		return 0;
	}
}

static bool
reply_ok(const uint8_t *r)
{
	return r[0] == SOCKS5_VER && r[1] == 0x00;
}

/*
 * The whole exchange on a connected blocking socket; *bnd gets BND.ADDR
 * and BND.PORT when the reply carries an IPv4 address.
 */
static void
socks5_blocking(const struct opts *o, int fd, uint8_t cmd,
		const struct sockaddr_in *dst, struct sockaddr_in *bnd)
{
	uint8_t out[16], in[2 + SOCKS5_REPLY_MAX];
	uint8_t *reply = in + 2;
	size_t n = put_greeting(out);
	size_t len;

	if (o->pipeline) {
		n += put_request(out + n, cmd, dst);
		write_full(fd, out, n);
		read_full(fd, in, 2 + SOCKS5_REPLY_V4);
	} else {
		write_full(fd, out, n);
		read_full(fd, in, 2);
		if (!method_ok(in))
			fail_msg("the proxy refused the method");
		n = put_request(out, cmd, dst);
		write_full(fd, out, n);
		read_full(fd, reply, SOCKS5_REPLY_V4);
	}
	if (!method_ok(in))
		fail_msg("the proxy refused the method");
	len = reply_len(reply, SOCKS5_REPLY_V4);
	if (len == 0)
		fail_msg("bad reply from the proxy");
	if (len > SOCKS5_REPLY_V4)
		read_full(fd, reply + SOCKS5_REPLY_V4, len - SOCKS5_REPLY_V4);
	if (!reply_ok(reply))
		fail_msg("the proxy refused the request");
	if (bnd && reply[3] == SOCKS5_ATYP_IPV4) {
		memset(bnd, 0, sizeof(*bnd));
		bnd->sin_family = AF_INET;
		memcpy(&bnd->sin_addr.s_addr, reply + 4, 4);
		bnd->sin_port = htons((uint16_t)(reply[8] << 8 | reply[9]));
	}
}

/*
 * connect() on a non-blocking socket as event loops do: EINPROGRESS, poll()
 * for POLLOUT, SO_ERROR; then the socket is made blocking again for the
 * rest of the run.
 */
static void
connect_nonblocking(int fd, const struct sockaddr_in *to)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	socklen_t len = sizeof(int);
	int err = 0;

	if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) == 0)
		goto out_blocking;
	if (errno != EINPROGRESS)
		fail("connect");
	while (poll(&pfd, 1, -1) < 0) {
		if (errno != EINTR)
			fail("poll");
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		fail("getsockopt");
	if (err != 0) {
		errno = err;
		fail("connect");
	}
out_blocking:
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0)
		fail("fcntl");
}

/* A connected TCP socket to the destination, through the proxy with --socks5. */
static int
open_tcp(const struct opts *o)
{
	const struct sockaddr_in *to = o->native ? &o->proxy : &o->dst;
	int fd = socket(AF_INET, SOCK_STREAM | (o->nonblock ? SOCK_NONBLOCK : 0), 0);

	if (fd < 0)
		fail("socket");
	if (o->nonblock)
		connect_nonblocking(fd, to);
	else if (connect(fd, (const struct sockaddr *)to, sizeof(*to)) < 0)
		fail("connect");
	if (o->native)
		socks5_blocking(o, fd, SOCKS5_CMD_CONNECT, &o->dst, NULL);
	return fd;
}

static void
echo_once(int fd, long i)
{
	char out[ECHO_LEN], in[ECHO_LEN];

	memset(out, (int)('a' + i % 26), sizeof(out));
	write_full(fd, out, sizeof(out));
	read_full(fd, in, sizeof(in));
	if (memcmp(in, out, sizeof(in)) != 0)
		fail_msg("the echo came back different");
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The median of n durations (sorts them). */
static double
median(double *v, long n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * The figures of n timed iterations: the total, and the median of one
 * iteration, which a burst of load elsewhere on the machine moves far less
 * than the total.
 */
static void
print_times(long n, double total, double *each)
{
	double m = median(each, n);

	printf("RESULT count=%ld seconds=%.6f rate=%.1f p50_us=%.1f rate50=%.1f "
	       "p50_ms=%.4f\n", n, total, (double)n / total, m * 1e6, 1 / m, m * 1e3);
}

static void
run_connect(const struct opts *o)
{
	double *each = calloc((size_t)o->n, sizeof(*each));
	double t0, t1;

	if (!each)
		fail("calloc");
	t0 = now_s();
	for (long i = 0; i < o->n; i++) {
		double t = now_s();
		int fd = open_tcp(o);

		echo_once(fd, i);
		close(fd);
		each[i] = now_s() - t;
	}
	t1 = now_s();
	print_times(o->n, t1 - t0, each);
	free(each);
}

static void
run_whoami(const struct opts *o)
{
	char buf[128];
	size_t have = 0;
	ssize_t n;
	int fd = open_tcp(o);

	for (;;) {
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			fail("read");
		if (n == 0 || have + (size_t)n >= sizeof(buf) - 1)
			break;
		have += (size_t)n;
	}
	buf[have] = '\0';
	buf[strcspn(buf, "\r\n")] = '\0';
	printf("PEER %s\n", buf);
	close(fd);
}

static void
run_bulk(const struct opts *o)
{
	uint8_t req[8];
	char *buf = malloc(BULK_BUF);
	unsigned long long want = (unsigned long long)o->bytes, got = 0;
	size_t n = 0;
	double t0, t;
	ssize_t r;
	int fd;

	if (!buf)
		fail("malloc");
	t0 = now_s();
	fd = open_tcp(o);
	for (int shift = 56; shift >= 0; shift -= 8)
		req[n++] = (uint8_t)(want >> shift);
	write_full(fd, req, n);
	while (got < want) {
		r = read(fd, buf, BULK_BUF);
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			errno = ECONNRESET;
		if (r <= 0)
			fail("read");
		got += (unsigned long long)r;
	}
	t = now_s() - t0;
	close(fd);
	free(buf);
	printf("RESULT count=%llu seconds=%.6f mbps=%.1f\n", got, t,
	       (double)got / t / 1e6);
}

/*
 * RFC 1928, section 7: the header of a relayed UDP datagram, IPv4.
 *
 *   +----+------+------+----------+----------+----------+
 *   |RSV | FRAG | ATYP | DST.ADDR | DST.PORT |   DATA   |
 *   +----+------+------+----------+----------+----------+
 *   | 2  |  1   |  1   | Variable |    2     | Variable |
 *   +----+------+------+----------+----------+----------+
 */
static size_t
put_udp_header(uint8_t *buf, const struct sockaddr_in *dst)
{
	const uint8_t *a = (const uint8_t *)&dst->sin_addr.s_addr;
	uint16_t port = ntohs(dst->sin_port);
	size_t n = 0;

	buf[n++] = 0x00;
	buf[n++] = 0x00;
	buf[n++] = 0x00;
	buf[n++] = SOCKS5_ATYP_IPV4;
	buf[n++] = a[0];
	buf[n++] = a[1];
	buf[n++] = a[2];
	buf[n++] = a[3];
	buf[n++] = (uint8_t)(port >> 8);
	buf[n++] = (uint8_t)(port & 0xff);
	return n;
}

static void
run_udp(const struct opts *o, bool who)
{
	struct timeval tv = { 2, 0 };
	struct sockaddr_in relay, local;
	socklen_t len = sizeof(local);
	const struct sockaddr_in *to = &o->dst;
	uint8_t out[SOCKS5_UDP_HDR_V4 + UDP_LEN], in[2048];
	size_t hl = 0;
	int ctrl = -1, fd;
	double *each, t0;

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		fail("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (o->native) {
		/* Bound first: the request names the address datagrams come from. */
		memset(&local, 0, sizeof(local));
		local.sin_family = AF_INET;
		local.sin_addr = o->proxy.sin_addr;
		if (bind(fd, (struct sockaddr *)&local, sizeof(local)) < 0 ||
		    getsockname(fd, (struct sockaddr *)&local, &len) < 0)
			fail("bind");
		ctrl = socket(AF_INET, SOCK_STREAM, 0);
		if (ctrl < 0)
			fail("socket");
		if (connect(ctrl, (const struct sockaddr *)&o->proxy, sizeof(o->proxy)) < 0)
			fail("connect to the proxy");
		memset(&relay, 0, sizeof(relay));
		socks5_blocking(o, ctrl, SOCKS5_CMD_UDP_ASSOCIATE, &local, &relay);
		if (relay.sin_addr.s_addr == htonl(INADDR_ANY))
			relay.sin_addr = o->proxy.sin_addr;
		hl = put_udp_header(out, &o->dst);
		to = &relay;
	}
	memset(out + hl, 'u', UDP_LEN);
	if (who) {
		ssize_t n;

		if (sendto(fd, out, hl + 1, 0, (const struct sockaddr *)to, sizeof(*to)) < 0)
			fail("sendto");
		n = recvfrom(fd, in, sizeof(in) - 1, 0, NULL, NULL);
		if (n < (ssize_t)hl)
			fail("recvfrom (no answer within 2 s)");
		in[n] = '\0';
		printf("PEER %s\n", (char *)in + hl);
		return;
	}
	each = calloc((size_t)o->n, sizeof(*each));
	if (!each)
		fail("calloc");
	t0 = now_s();
	for (long i = 0; i < o->n; i++) {
		double t = now_s();
		ssize_t n;

		out[hl] = (uint8_t)i;
		if (sendto(fd, out, hl + UDP_LEN, 0, (const struct sockaddr *)to,
			   sizeof(*to)) < 0)
			fail("sendto");
		n = recvfrom(fd, in, sizeof(in), 0, NULL, NULL);
		if (n < 0)
			fail("recvfrom (no answer within 2 s)");
		if ((size_t)n != hl + UDP_LEN || in[hl] != (uint8_t)i)
			fail_msg("the UDP echo came back different");
		each[i] = now_s() - t;
	}
	print_times(o->n, now_s() - t0, each);
	free(each);
	close(fd);
	if (ctrl >= 0)
		close(ctrl);
}

/* The parallel mode: one connection's progress. */
enum pstate { P_CONNECTING, P_METHOD, P_REPLY, P_DONE };

struct pconn {
	int fd;
	enum pstate state;
	uint8_t buf[2 + SOCKS5_REPLY_MAX];
	size_t have;
	size_t need;
};

/* Readiness for what the connection waits for. */
static short
pconn_events(const struct pconn *c)
{
	return c->state == P_CONNECTING ? POLLOUT : POLLIN;
}

/* One step of a connection once it is ready; false when it failed. */
static bool
pconn_step(const struct opts *o, struct pconn *c)
{
	uint8_t out[16];
	socklen_t len = sizeof(int);
	size_t n;
	ssize_t r;
	int err = 0;

	if (c->state == P_CONNECTING) {
		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
			errno = err;
			return false;
		}
		if (!o->native) {
			c->state = P_DONE;
			return true;
		}
		n = put_greeting(out);
		if (o->pipeline)
			n += put_request(out + n, SOCKS5_CMD_CONNECT, &o->dst);
		if (write(c->fd, out, n) != (ssize_t)n)
			return false;
		c->state = o->pipeline ? P_REPLY : P_METHOD;
		c->have = 0;
		c->need = o->pipeline ? 2 + SOCKS5_REPLY_V4 : 2;
		return true;
	}
	r = read(c->fd, c->buf + c->have, c->need - c->have);
	if (r < 0 && errno == EAGAIN)
		return true;
	if (r <= 0)
		return false;
	c->have += (size_t)r;
	if (c->have < c->need)
		return true;
	if (c->state == P_METHOD) {
		if (!method_ok(c->buf))
			return false;
		n = put_request(out, SOCKS5_CMD_CONNECT, &o->dst);
		if (write(c->fd, out, n) != (ssize_t)n)
			return false;
		/* The reply goes after a two-byte gap, as when pipelined. */
		c->state = P_REPLY;
		c->have = 2;
		c->need = 2 + SOCKS5_REPLY_V4;
		return true;
	}
	if (!method_ok(c->buf))
		return false;
	n = reply_len(c->buf + 2, c->have - 2);
	if (n == 0)
		return false;
	if (c->have < 2 + n) {
		c->need = 2 + n;
		return true;
	}
	if (!reply_ok(c->buf + 2))
		return false;
	c->state = P_DONE;
	return true;
}

static void
run_parallel(const struct opts *o)
{
	const struct sockaddr_in *to = o->native ? &o->proxy : &o->dst;
	struct pconn *cs = calloc((size_t)o->n, sizeof(*cs));
	struct pollfd *pfds = calloc((size_t)o->n, sizeof(*pfds));
	struct epoll_event *evs = calloc((size_t)o->n, sizeof(*evs));
	long left = o->n;
	int epfd = -1;
	double t0, t;

	if (!cs || !pfds || !evs)
		fail("calloc");
	par_total = (sig_atomic_t)o->n;
	par_done = 0;
	if (!o->use_poll) {
		epfd = epoll_create1(0);
		if (epfd < 0)
			fail("epoll_create1");
	}
	t0 = now_s();
	for (long i = 0; i < o->n; i++) {
		struct pconn *c = &cs[i];

		c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (c->fd < 0)
			fail("socket");
		if (connect(c->fd, (const struct sockaddr *)to, sizeof(*to)) < 0 &&
		    errno != EINPROGRESS)
			fail("connect");
		c->state = P_CONNECTING;
		if (epfd >= 0) {
			struct epoll_event ev;

			memset(&ev, 0, sizeof(ev));
			ev.events = EPOLLOUT;
			ev.data.ptr = c;
			if (epoll_ctl(epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
				fail("epoll_ctl");
		}
	}
	while (left > 0) {
		if (epfd >= 0) {
			int n = epoll_wait(epfd, evs, (int)o->n, -1);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				fail("epoll_wait");
			for (int i = 0; i < n; i++) {
				struct pconn *c = evs[i].data.ptr;
				enum pstate before = c->state;
				struct epoll_event ev;

				if (!pconn_step(o, c))
					fail("a parallel connect");
				if (c->state == P_DONE) {
					epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL);
					left--;
					par_done++;
				} else if (c->state != before) {
					memset(&ev, 0, sizeof(ev));
					ev.events = EPOLLIN;
					ev.data.ptr = c;
					epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
				}
			}
		} else {
			nfds_t m = 0;
			int n;

			for (long i = 0; i < o->n; i++) {
				if (cs[i].state == P_DONE)
					continue;
				pfds[m].fd = cs[i].fd;
				pfds[m].events = pconn_events(&cs[i]);
				pfds[m].revents = 0;
				m++;
			}
			n = poll(pfds, m, -1);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				fail("poll");
			m = 0;
			for (long i = 0; i < o->n; i++) {
				if (cs[i].state == P_DONE)
					continue;
				if (pfds[m++].revents == 0)
					continue;
				if (!pconn_step(o, &cs[i]))
					fail("a parallel connect");
				if (cs[i].state == P_DONE) {
					left--;
					par_done++;
				}
			}
		}
	}
	t = now_s() - t0;
	/* Every connection must carry data: one echo each, outside the timing. */
	for (long i = 0; i < o->n; i++) {
		int fl = fcntl(cs[i].fd, F_GETFL);

		if (fl < 0 || fcntl(cs[i].fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
			fail("fcntl");
		echo_once(cs[i].fd, i);
		close(cs[i].fd);
	}
	if (epfd >= 0)
		close(epfd);
	printf("RESULT count=%ld seconds=%.6f ms=%.2f\n", o->n, t, t * 1000);
	free(cs);
	free(pfds);
	free(evs);
}

static void
usage(void)
{
	fprintf(stderr,
		"usage: netclient connect|parallel|bulk|udp|whoami|udpwho [-n N] [-b BYTES] "
		"[--poll] [--nonblock] [-t SECONDS] [--socks5 IP:PORT [--pipeline]] HOST PORT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct opts o;
	unsigned int limit = 120;
	int i;

	memset(&o, 0, sizeof(o));
	if (argc < 2)
		usage();
	o.mode = argv[1];
	o.n = 1000;
	o.bytes = 1LL << 30;
	for (i = 2; i < argc && argv[i][0] == '-'; i++) {
		const char *a = argv[i];
		bool has_value = i + 1 < argc;

		if (strcmp(a, "-n") == 0 && has_value) {
			o.n = atol(argv[++i]);
		} else if (strcmp(a, "-b") == 0 && has_value) {
			o.bytes = atoll(argv[++i]);
		} else if (strcmp(a, "-t") == 0 && has_value) {
			limit = (unsigned int)atoi(argv[++i]);
		} else if (strcmp(a, "--socks5") == 0 && has_value) {
			parse_hostport(&o.proxy, argv[++i]);
			o.native = true;
		} else if (strcmp(a, "--pipeline") == 0) {
			o.pipeline = true;
		} else if (strcmp(a, "--poll") == 0) {
			o.use_poll = true;
		} else if (strcmp(a, "--nonblock") == 0) {
			o.nonblock = true;
		} else {
			usage();
		}
	}
	if (argc - i != 2 || o.n <= 0 || o.bytes <= 0)
		usage();
	parse_addr(&o.dst, argv[i], argv[i + 1]);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGALRM, on_alarm);
	alarm(limit);
	if (strcmp(o.mode, "connect") == 0)
		run_connect(&o);
	else if (strcmp(o.mode, "parallel") == 0)
		run_parallel(&o);
	else if (strcmp(o.mode, "bulk") == 0)
		run_bulk(&o);
	else if (strcmp(o.mode, "udp") == 0)
		run_udp(&o, false);
	else if (strcmp(o.mode, "udpwho") == 0)
		run_udp(&o, true);
	else if (strcmp(o.mode, "whoami") == 0)
		run_whoami(&o);
	else
		usage();
	return 0;
}

/*
 * Many threads using the library at once, for a bounded time, checking
 * that every answer is the caller's own.
 *
 *   stress [options]
 *
 * Each thread loops until the time is up:
 *   - getaddrinfo() of a name of its own made up for this round (x<t>-<k>.D),
 *     of its own connectable name (t<t>.D) and of a name all threads share
 *     (shared.D); each answer must be a fake address (-F), getnameinfo() of
 *     it must give the name back, the shared name must get the same
 *     address in every thread, and the thread's name the same every round;
 *   - a TCP connection through the proxy to the echo server (tests/helpers/
 *     dest.py) by the thread's name, the shared name or 127.0.0.1 in turn,
 *     blocking, non-blocking with poll() or with epoll in turn: it reads
 *     the "PEER" line, sends a line naming the thread, the round and the
 *     destination, and the echo must be exactly that line;
 *   - with -c, every fifth round also a connection to a port where
 *     nothing listens (through the proxy, blocking, poll or epoll in
 *     turn): it must fail with ECONNREFUSED;
 *   - with -u, a datagram to the UDP echo server (tests/helpers/udpecho.py)
 *     by 127.0.0.1 or the thread's name in turn, from a UDP socket of its
 *     own (a new one every few rounds): the reply must carry its own
 *     payload; a late reply to one of its own earlier rounds is skipped,
 *     another thread's payload is a mismatch;
 *   - with -f, thread 0 forks now and then while the others go on: the
 *     child resolves the shared name (the same address as in the parent),
 *     makes one echo connection through it and exits; it must do so within
 *     a few seconds (a lock left held across fork() would hang it).
 *
 * The descriptors in /proc/self/fd are counted before the threads start
 * and after they have all ended: the counts must be equal.  A watchdog
 * ends the program with status 4 and "DEADLOCK" when the threads have not
 * all ended by -w seconds after the run.
 *
 * Options:
 *   -t N    threads (default 64)
 *   -s S    seconds to run (default 3)
 *   -p P    TCP echo port on 127.0.0.1 (required)
 *   -u P    UDP echo port on 127.0.0.1 (default: no UDP)
 *   -c P    a port on 127.0.0.1 where nothing listens (default: none)
 *   -d D    the name domain: t<i>.D and shared.D must resolve to
 *           127.0.0.1 at the proxy (default stress.test)
 *   -F A/N  the fake IPv4 range (default 198.18.0.0/15)
 *   -f      fork now and then (see above)
 *   -w S    watchdog seconds after the run (default 30)
 *   -v      print every error as it happens
 *   -I      make one call the library hooks (close(-1)) before starting
 *           the threads, so that its init, which waits for the first
 *           hook, runs in the main thread (see scripts/tsan-check.sh)
 *
 * Output: "DNS <ok> <err>", "TCP <ok> <err>", "UDP <ok> <err> <lost>
 * <late>", "REFUSED <ok> <err>", "FORK <ok> <err>", "MISMATCH <n>" and
 * "FDS <before> <after>", then "STRESS-OK" or "STRESS-FAIL <why>".  Exit
 * status 0 when there was no mismatch, no leak, no failed fork child or
 * refused connection, and at least one success of each kind; 1 on a
 * mismatch or such a failure, 2 on a descriptor leak, 3 on a usage or
 * setup error, 4 on a hang, 5 when a kind never succeeded.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS 256
#define IO_TIMEOUT_MS 5000
#define UDP_WAIT_MS 3000
#define UDP_RENEW 8
#define FORK_EVERY 8

static int opt_threads = 64;
static int opt_seconds = 3;
static int opt_tcp_port;
static int opt_udp_port;
static int opt_closed_port;
static const char *opt_domain = "stress.test";
static uint32_t fake_net = 0xc6120000u;	/* 198.18.0.0 */
static uint32_t fake_mask = 0xfffe0000u;	/* /15 */
static bool opt_fork;
static int opt_watchdog = 30;
static bool opt_verbose;
static bool opt_init_first;

static atomic_long dns_ok, dns_err;
static atomic_long tcp_ok, tcp_err;
static atomic_long udp_ok, udp_err, udp_lost, udp_late;
static atomic_long refused_ok, refused_err;
static atomic_long fork_ok, fork_err;
static atomic_long mismatches;
static atomic_uint shared_addr;		/* network byte order, 0: not seen yet */
static int64_t deadline_ms;

static pthread_barrier_t start_line;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void mismatch(int t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* One line on stderr, written at once so threads do not interleave. */
static void
say(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(2, buf, (size_t)n) < 0)
		return;
}

static void
mismatch(int t, const char *fmt, ...)
{
	char buf[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	atomic_fetch_add(&mismatches, 1);
	say("MISMATCH thread %d: %s", t, buf);
}

static void
error_seen(int t, const char *what, int err)
{
	if (opt_verbose)
		say("ERROR thread %d: %s: %s", t, what, strerror(err));
}

static int
count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	return n;
}

static bool
is_fake(uint32_t addr_be)
{
	return (ntohl(addr_be) & fake_mask) == fake_net;
}

/*
 * Resolve name to its IPv4 address (network byte order) and check that it
 * is fake and that getnameinfo() gives the name back.  0 on an error.
 */
static uint32_t
resolve_checked(int t, const char *name)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_in sin;
	char back[NI_MAXHOST];
	uint32_t addr;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(name, "80", &hints, &res);
	if (rc != 0) {
		atomic_fetch_add(&dns_err, 1);
		if (opt_verbose)
			say("ERROR thread %d: getaddrinfo %s: %s", t, name,
			    gai_strerror(rc));
		return 0;
	}
	if (!res || res->ai_family != AF_INET || res->ai_addrlen < sizeof(sin)) {
		freeaddrinfo(res);
		mismatch(t, "getaddrinfo %s: not one IPv4 answer", name);
		return 0;
	}
	memcpy(&sin, res->ai_addr, sizeof(sin));
	freeaddrinfo(res);
	addr = sin.sin_addr.s_addr;
	if (!is_fake(addr)) {
		mismatch(t, "getaddrinfo %s: %s is not a fake address", name,
			 inet_ntoa(sin.sin_addr));
		return 0;
	}
	rc = getnameinfo((struct sockaddr *)&sin, sizeof(sin), back, sizeof(back),
			 NULL, 0, NI_NAMEREQD);
	if (rc != 0) {
		mismatch(t, "getnameinfo of %s's address: %s", name, gai_strerror(rc));
		return 0;
	}
	if (strcasecmp(back, name) != 0) {
		mismatch(t, "getnameinfo of %s's address gave %s", name, back);
		return 0;
	}
	atomic_fetch_add(&dns_ok, 1);
	return addr;
}

static int
poll_one(int fd, short events, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	do {
		n = poll(&pfd, 1, ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (n == 0)
		return -ETIMEDOUT;
	return pfd.revents;
}

/* Read one line (without its newline) into buf; -errno, -EPIPE on EOF. */
static int
read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	for (;;) {
		ssize_t r;
		int ev = poll_one(fd, POLLIN, IO_TIMEOUT_MS);

		if (ev < 0)
			return ev;
		r = recv(fd, buf + n, 1, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EPIPE;
		if (buf[n] == '\n') {
			buf[n] = '\0';
			return 0;
		}
		if (++n >= cap - 1)
			return -EMSGSIZE;
	}
}

static int
send_all(int fd, const char *buf, size_t len)
{
	size_t off = 0;

	while (off < len) {
		ssize_t w = send(fd, buf + off, len - off, MSG_NOSIGNAL);

		if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
			int ev = poll_one(fd, POLLOUT, IO_TIMEOUT_MS);

			if (ev < 0)
				return ev;
			continue;
		}
		if (w < 0)
			return -errno;
		off += (size_t)w;
	}
	return 0;
}

/* How a connect is waited for. */
enum wait_mode {
	WAIT_BLOCK,	/* a blocking connect() */
	WAIT_POLL,	/* non-blocking, poll() for POLLOUT */
	WAIT_EPOLL,	/* non-blocking, epoll_wait() for EPOLLOUT */
};

static const char *const wait_names[] = { "block", "poll", "epoll" };

/* Wait for fd to turn writable in an epoll set of its own. */
static int
epoll_out(int fd, int ms)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.fd = fd };
	int ep = epoll_create1(EPOLL_CLOEXEC);
	int n, rc = 0;

	if (ep < 0)
		return -errno;
	if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		rc = -errno;
		goto out_close;
	}
	do {
		n = epoll_wait(ep, &ev, 1, ms);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		rc = -errno;
	else if (n == 0)
		rc = -ETIMEDOUT;
	else if (ev.data.fd != fd)
		rc = -EBADE;
out_close:
	close(ep);
	return rc;
}

/* Connect to addr:port the way mode says; the socket, or -errno. */
static int
tcp_connect(uint32_t addr_be, int port, enum wait_mode mode)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(int);
	bool nonblock = mode != WAIT_BLOCK;
	int fd, err = 0, ev;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
	if (fd < 0)
		return -errno;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = addr_be;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
		return fd;
	if (!nonblock || errno != EINPROGRESS) {
		err = errno;
		close(fd);
		return -err;
	}
	if (mode == WAIT_EPOLL)
		ev = epoll_out(fd, IO_TIMEOUT_MS * 2);
	else
		ev = poll_one(fd, POLLOUT, IO_TIMEOUT_MS * 2);
	if (ev < 0) {
		close(fd);
		return ev;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err != 0) {
		close(fd);
		return -err;
	}
	return fd;
}

/* One echo exchange over a new connection; false on an error or mismatch. */
static bool
tcp_round(int t, long k, uint32_t addr_be, const char *label, enum wait_mode mode)
{
	static const struct linger no_linger = { .l_onoff = 1, .l_linger = 0 };
	char line[256], got[256];
	int fd, rc, n;

	fd = tcp_connect(addr_be, opt_tcp_port, mode);
	if (fd < 0) {
		atomic_fetch_add(&tcp_err, 1);
		error_seen(t, wait_names[mode], -fd);
		return false;
	}
	rc = read_line(fd, got, sizeof(got));
	if (rc == 0 && strncmp(got, "PEER ", 5) != 0) {
		mismatch(t, "%s: first line \"%s\" is not PEER", label, got);
		close(fd);
		return false;
	}
	n = snprintf(line, sizeof(line), "thread %d round %ld to %s %s\n", t, k,
		     label, wait_names[mode]);
	if (rc == 0)
		rc = send_all(fd, line, (size_t)n);
	if (rc == 0)
		rc = read_line(fd, got, sizeof(got));
	/*
	 * An abortive close leaves no TIME_WAIT behind: thousands of
	 * connections to the one proxy port would otherwise use up the
	 * ephemeral ports within a minute.
	 */
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &no_linger, sizeof(no_linger));
	if (close(fd) < 0 && rc == 0)
		rc = -errno;
	if (rc < 0) {
		atomic_fetch_add(&tcp_err, 1);
		error_seen(t, "echo", -rc);
		return false;
	}
	line[n - 1] = '\0';
	if (strcmp(line, got) != 0) {
		mismatch(t, "sent \"%s\", echo \"%s\"", line, got);
		return false;
	}
	atomic_fetch_add(&tcp_ok, 1);
	return true;
}

/* A connection to the port where nothing listens must be refused. */
static void
refused_round(int t, enum wait_mode mode)
{
	int fd = tcp_connect(htonl(INADDR_LOOPBACK), opt_closed_port, mode);

	if (fd >= 0) {
		close(fd);
		mismatch(t, "a connection to port %d, where nothing listens, succeeded",
			 opt_closed_port);
		return;
	}
	if (fd == -ECONNREFUSED) {
		atomic_fetch_add(&refused_ok, 1);
		return;
	}
	atomic_fetch_add(&refused_err, 1);
	error_seen(t, "connect to the closed port", -fd);
}

/* One datagram to the UDP echo server and its reply on socket u. */
static void
udp_round(int t, long k, int u, uint32_t addr_be, const char *label)
{
	struct sockaddr_in sin, from;
	char msg[128], got[256];
	int64_t until;
	int n;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)opt_udp_port);
	sin.sin_addr.s_addr = addr_be;
	n = snprintf(msg, sizeof(msg), "udp thread %d round %ld to %s", t, k, label);
	if (sendto(u, msg, (size_t)n, 0, (struct sockaddr *)&sin, sizeof(sin)) != n) {
		atomic_fetch_add(&udp_err, 1);
		error_seen(t, "sendto", errno);
		return;
	}
	until = now_ms() + UDP_WAIT_MS;
	for (;;) {
		socklen_t flen = sizeof(from);
		int left = (int)(until - now_ms());
		int ev, other;
		long round;
		ssize_t r;

		if (left <= 0) {
			atomic_fetch_add(&udp_lost, 1);
			error_seen(t, "no UDP reply", ETIMEDOUT);
			return;
		}
		ev = poll_one(u, POLLIN, left);
		if (ev == -ETIMEDOUT)
			continue;
		if (ev < 0) {
			atomic_fetch_add(&udp_err, 1);
			error_seen(t, "poll (UDP)", -ev);
			return;
		}
		r = recvfrom(u, got, sizeof(got) - 1, MSG_DONTWAIT,
			     (struct sockaddr *)&from, &flen);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r < 0) {
			atomic_fetch_add(&udp_err, 1);
			error_seen(t, "recvfrom", errno);
			return;
		}
		got[r] = '\0';
		if (r == n && memcmp(got, msg, (size_t)n) == 0) {
			if (flen < sizeof(from) || from.sin_family != AF_INET ||
			    ntohs(from.sin_port) != opt_udp_port) {
				mismatch(t, "UDP reply from an unexpected port %u",
					 (unsigned)ntohs(from.sin_port));
				return;
			}
			atomic_fetch_add(&udp_ok, 1);
			return;
		}
		/* A late reply to an earlier round of this thread. */
		if (sscanf(got, "udp thread %d round %ld", &other, &round) == 2 &&
		    other == t && round < k) {
			atomic_fetch_add(&udp_late, 1);
			continue;
		}
		mismatch(t, "UDP sent \"%s\", got \"%s\"", msg, got);
		return;
	}
}

/*
 * Fork; the child resolves the shared name and connects through it.  A
 * child that fails or hangs (killed after 10 s) counts as a fork error.
 */
static void
fork_round(int t, uint32_t shared_be)
{
	int64_t until;
	int status;
	pid_t pid, w;

	pid = fork();
	if (pid < 0) {
		atomic_fetch_add(&fork_err, 1);
		error_seen(t, "fork", errno);
		return;
	}
	if (pid == 0) {
		char name[300];
		uint32_t again;

		alarm(0);
		snprintf(name, sizeof(name), "shared.%s", opt_domain);
		again = resolve_checked(t, name);
		if (again != shared_be)
			_exit(1);
		_exit(tcp_round(t, -1, again, "shared-in-child", WAIT_BLOCK) ? 0 : 1);
	}
	until = now_ms() + 10000;
	for (;;) {
		w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			atomic_fetch_add(&fork_err, 1);
			return;
		}
		if (now_ms() > until) {
			say("FORK-HANG a forked child did not finish within 10 s");
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			atomic_fetch_add(&fork_err, 1);
			return;
		}
		usleep(2000);
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
		atomic_fetch_add(&fork_ok, 1);
	} else {
		atomic_fetch_add(&fork_err, 1);
		say("FORK-FAIL child status %d", status);
	}
}

static void *
worker(void *arg)
{
	int t = (int)(intptr_t)arg;
	char own[300], shared[300], other[300];
	uint32_t own_addr = 0, loop_be = htonl(INADDR_LOOPBACK);
	int u = -1;

	snprintf(own, sizeof(own), "t%d.%s", t, opt_domain);
	snprintf(shared, sizeof(shared), "shared.%s", opt_domain);
	pthread_barrier_wait(&start_line);
	for (long k = 0;; k++) {
		enum wait_mode mode;
		uint32_t a, s, seen;

		if (now_ms() >= deadline_ms)
			break;
		snprintf(other, sizeof(other), "x%d-%ld.%s", t, k, opt_domain);
		resolve_checked(t, other);
		a = resolve_checked(t, own);
		if (a && own_addr && a != own_addr)
			mismatch(t, "%s changed address", own);
		if (a)
			own_addr = a;
		s = resolve_checked(t, shared);
		seen = 0;
		if (s && !atomic_compare_exchange_strong(&shared_addr, &seen, s) &&
		    seen != s)
			mismatch(t, "%s resolved differently in two threads", shared);

		/* Every destination with every way of waiting, in turn. */
		mode = (enum wait_mode)((k + k / 3) % 3);
		switch (k % 3) {
		case 0:
			if (own_addr)
				tcp_round(t, k, own_addr, own, mode);
			break;
		case 1:
			if (s)
				tcp_round(t, k, s, shared, mode);
			break;
		default:
			tcp_round(t, k, loop_be, "127.0.0.1", mode);
			break;
		}

		if (opt_closed_port && k % 5 == 4)
			refused_round(t, (enum wait_mode)((k / 5) % 3));

		if (opt_udp_port) {
			if (u < 0 || k % UDP_RENEW == 0) {
				if (u >= 0)
					close(u);
				u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
			}
			if (u < 0) {
				atomic_fetch_add(&udp_err, 1);
				error_seen(t, "socket (UDP)", errno);
			} else if (k % 2 == 0 || !own_addr) {
				udp_round(t, k, u, loop_be, "127.0.0.1");
			} else {
				udp_round(t, k, u, own_addr, own);
			}
		}

		if (opt_fork && t == 0 && k % FORK_EVERY == FORK_EVERY - 1 && s)
			fork_round(t, s);
	}
	if (u >= 0)
		close(u);
	return NULL;
}

static void
on_watchdog(int sig)
{
	static const char msg[] = "DEADLOCK the threads did not end in time\n";

	(void)sig;
	if (write(1, msg, sizeof(msg) - 1) < 0)
		_exit(4);
	_exit(4);
}

static int
parse_fake(const char *s)
{
	char buf[64];
	struct in_addr in;
	char *slash;
	int bits;

	snprintf(buf, sizeof(buf), "%s", s);
	slash = strchr(buf, '/');
	if (!slash)
		return -1;
	*slash = '\0';
	bits = atoi(slash + 1);
	if (bits < 1 || bits > 32 || inet_pton(AF_INET, buf, &in) != 1)
		return -1;
	fake_mask = bits == 32 ? 0xffffffffu : ~(0xffffffffu >> bits);
	fake_net = ntohl(in.s_addr) & fake_mask;
	return 0;
}

int
main(int argc, char **argv)
{
	pthread_t tids[MAX_THREADS];
	int before, after, c, rc = 0;
	const char *why = NULL;

	while ((c = getopt(argc, argv, "t:s:p:u:c:d:F:fw:vI")) != -1) {
		switch (c) {
		case 't':
			opt_threads = atoi(optarg);
			break;
		case 's':
			opt_seconds = atoi(optarg);
			break;
		case 'p':
			opt_tcp_port = atoi(optarg);
			break;
		case 'u':
			opt_udp_port = atoi(optarg);
			break;
		case 'c':
			opt_closed_port = atoi(optarg);
			break;
		case 'd':
			opt_domain = optarg;
			break;
		case 'F':
			if (parse_fake(optarg) < 0) {
				fprintf(stderr, "stress: bad -F %s\n", optarg);
				return 3;
			}
			break;
		case 'f':
			opt_fork = true;
			break;
		case 'w':
			opt_watchdog = atoi(optarg);
			break;
		case 'v':
			opt_verbose = true;
			break;
		case 'I':
			opt_init_first = true;
			break;
		default:
			fprintf(stderr, "usage: stress [-t N] [-s S] -p PORT [-u PORT] [-c PORT] [-d DOMAIN] [-F NET/BITS] [-f] [-w S] [-v] [-I]\n");
			return 3;
		}
	}
	if (opt_tcp_port <= 0 || opt_threads < 1 || opt_threads > MAX_THREADS ||
	    opt_seconds < 1) {
		fprintf(stderr, "stress: -p PORT is required; 1 <= -t <= %d; -s >= 1\n",
			MAX_THREADS);
		return 3;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (opt_init_first)
		close(-1);
	before = count_fds();
	pthread_barrier_init(&start_line, NULL, (unsigned)opt_threads + 1);
	for (int i = 0; i < opt_threads; i++) {
		int err = pthread_create(&tids[i], NULL, worker, (void *)(intptr_t)i);

		if (err != 0) {
			fprintf(stderr, "stress: pthread_create: %s\n", strerror(err));
			_exit(3);
		}
	}
	signal(SIGALRM, on_watchdog);
	alarm((unsigned)(opt_seconds + opt_watchdog));
	deadline_ms = now_ms() + (int64_t)opt_seconds * 1000;
	pthread_barrier_wait(&start_line);
	for (int i = 0; i < opt_threads; i++)
		pthread_join(tids[i], NULL);
	alarm(0);
	pthread_barrier_destroy(&start_line);
	after = count_fds();

	printf("DNS %ld %ld\n", atomic_load(&dns_ok), atomic_load(&dns_err));
	printf("TCP %ld %ld\n", atomic_load(&tcp_ok), atomic_load(&tcp_err));
	printf("UDP %ld %ld %ld %ld\n", atomic_load(&udp_ok), atomic_load(&udp_err),
	       atomic_load(&udp_lost), atomic_load(&udp_late));
	printf("REFUSED %ld %ld\n", atomic_load(&refused_ok), atomic_load(&refused_err));
	printf("FORK %ld %ld\n", atomic_load(&fork_ok), atomic_load(&fork_err));
	printf("MISMATCH %ld\n", atomic_load(&mismatches));
	printf("FDS %d %d\n", before, after);
	if (atomic_load(&mismatches) > 0) {
		why = "mismatch";
		rc = 1;
	} else if (before != after) {
		why = "descriptor leak";
		rc = 2;
	} else if (atomic_load(&fork_err) > 0 || atomic_load(&refused_err) > 0) {
		why = "a forked child or a refused connection failed";
		rc = 1;
	} else if (atomic_load(&dns_ok) == 0 || atomic_load(&tcp_ok) == 0 ||
		   (opt_udp_port && atomic_load(&udp_ok) == 0) ||
		   (opt_fork && atomic_load(&fork_ok) == 0) ||
		   (opt_closed_port && atomic_load(&refused_ok) == 0)) {
		why = "nothing succeeded of one kind";
		rc = 5;
	}
	if (why)
		printf("STRESS-FAIL %s\n", why);
	else
		printf("STRESS-OK\n");
	return rc;
}

/*
 * A program that takes a connection back from its peer the way FTP's
 * active mode does, reporting what it saw one "KEY value" line at a time.
 * It knows nothing of SOCKS: run through the library, it checks that a
 * listening socket tied to a proxied connection behaves as a local one
 * would, with the proxy's BIND doing the listening.
 *
 *   bindclient [options] HOST PORT
 *
 * It connects to HOST:PORT (tests/helpers/backpeer.py), binds a stream
 * socket, asks getsockname() where it listens, listens, sends "CALL <ip>
 * <port>" on the connection so that the peer connects there, waits for the
 * incoming connection, accepts it and reads the line the peer sends on it.
 *
 * Options:
 *   -w MODE    how to wait before accept(): block (a blocking accept, the
 *              default), nonblock (accept() on a non-blocking socket until it
 *              stops saying EAGAIN, 20 ms apart), poll, select, epoll
 *   -b WHERE   where to bind: control (the address getsockname() gave for
 *              the connection, the default), any (0.0.0.0), unspec
 *              (0.0.0.0 with the family AF_UNSPEC, which an IPv4 socket
 *              takes as AF_INET), loopback (127.0.0.1), or an IPv4 address
 *   -E         add the socket to the epoll set right after socket(), before
 *              bind (with -w epoll)
 *   -n N       accept N connections one after the other on the same socket
 *              (getsockname() again before each further one)
 *   -4 FLAGS   accept with accept4(); FLAGS is a list of nonblock, cloexec
 *   -x         do not send CALL: no peer ever comes (the accept() that then
 *              fails is reported, and the run goes on to its cleanup)
 *   -t MS      the timeout of each poll/select/epoll wait (default 5000)
 *   -L         connect to the listening socket from this process itself
 *              (a local connection) instead of sending CALL
 *   -l         listen() before the first getsockname() of the listening
 *              socket
 *   -C         the bound socket is a client: after getsockname() it
 *              connects to HOST:PORT and closes (no listen, no accept)
 *
 * Report lines:
 *   CONTROL <ip> <port>      getsockname() of the connection to HOST:PORT
 *   LISTEN <ip> <port>       getsockname() of the listening socket
 *   BOUND <ip> <port>        -C: getsockname() of the bound socket
 *   CLIENT-CONNECT 0|<errno name>
 *                            -C: its connect() to HOST:PORT
 *   READY <n>                what the wait returned
 *   ACCEPT-ERRNO <name>      -x: how accept() failed
 *   ACCEPTED                 accept() gave a connection
 *   ADDR <ip> <port>         the address accept() filled in
 *   PEER <ip> <port>         getpeername() of the accepted connection
 *   LOCAL <ip> <port>        getsockname() of the accepted connection
 *   NONBLOCK yes|no          O_NONBLOCK of the accepted connection
 *   CLOEXEC yes|no           FD_CLOEXEC of the accepted connection
 *   DATA <line>              the line the peer sent on it
 *   PEER-SAYS <line>         the peer's answer on the connection to HOST:PORT
 *   FDS-LEAKED <n>           descriptors open at the end that were not open
 *                            at the start (all the program's are closed)
 *   ERRNO <name> <step>      a call failed (exit status 1; when it was
 *                            getsockname() or listen() of the listening
 *                            socket, the cleanup and FDS-LEAKED still follow)
 *   ELAPSED-MS <ms>          the whole run
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *wait_mode = "block";
static const char *bind_where = "control";
static const char *accept4_flags;
static bool epoll_early;
static bool no_call;
static bool local_self;
static bool listen_first;
static bool client_only;
static int accepts = 1;
static int wait_ms = 5000;
static struct timespec started;

static long
elapsed_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - started.tv_sec) * 1000 +
	       (now.tv_nsec - started.tv_nsec) / 1000000;
}

static const char *
errno_name(int e)
{
	switch (e) {
	case EAGAIN: return "EAGAIN";
	case EINTR: return "EINTR";
	case EINVAL: return "EINVAL";
	case EBADF: return "EBADF";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNRESET: return "ECONNRESET";
	case ECONNABORTED: return "ECONNABORTED";
	case EOPNOTSUPP: return "EOPNOTSUPP";
	case EADDRNOTAVAIL: return "EADDRNOTAVAIL";
	case EADDRINUSE: return "EADDRINUSE";
	case ENETUNREACH: return "ENETUNREACH";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case EACCES: return "EACCES";
	case EPROTO: return "EPROTO";
	case ENOTCONN: return "ENOTCONN";
	default: return strerror(e);
	}
}

static void
die(const char *step)
{
	int e = errno;

	printf("ERRNO %s %s\n", errno_name(e), step);
	printf("ELAPSED-MS %ld\n", elapsed_ms());
	exit(1);
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

static void
print_addr(const char *key, const struct sockaddr_in *sin)
{
	char ip[INET_ADDRSTRLEN];

	inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
	printf("%s %s %u\n", key, ip, ntohs(sin->sin_port));
}

/* Read one line (without its newline) from fd; false at EOF. */
static bool
read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		char c;
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (c == '\n')
			break;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return n > 0;
}

static void
write_all(int fd, const char *s)
{
	size_t len = strlen(s);

	while (len > 0) {
		ssize_t w = write(fd, s, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			die("write");
		s += w;
		len -= (size_t)w;
	}
}

static void
set_nonblock(int fd, bool on)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, on ? fl | O_NONBLOCK : fl & ~O_NONBLOCK) < 0)
		die("fcntl");
}

/* Wait until l has a connection to accept, the way -w says. */
static void
wait_ready(int l, int epfd)
{
	int n = 1;

	if (strcmp(wait_mode, "poll") == 0) {
		struct pollfd p = { .fd = l, .events = POLLIN };

		n = poll(&p, 1, wait_ms);
		if (n < 0)
			die("poll");
		if (n > 0 && p.fd != l)
			die("poll-fd-changed");
	} else if (strcmp(wait_mode, "select") == 0) {
		fd_set r;
		struct timeval tv = { wait_ms / 1000, (wait_ms % 1000) * 1000 };

		FD_ZERO(&r);
		FD_SET(l, &r);
		n = select(l + 1, &r, NULL, NULL, &tv);
		if (n < 0)
			die("select");
		if (n > 0 && !FD_ISSET(l, &r))
			die("select-wrong-fd");
	} else if (strcmp(wait_mode, "epoll") == 0) {
		struct epoll_event ev;

		n = epoll_wait(epfd, &ev, 1, wait_ms);
		if (n < 0)
			die("epoll_wait");
		if (n > 0 && ev.data.u64 != 0x5eedULL)
			die("epoll-wrong-data");
	} else {
		return;
	}
	printf("READY %d\n", n);
}

static int
parse_accept4_flags(void)
{
	int flags = 0;

	if (!accept4_flags)
		return 0;
	if (strstr(accept4_flags, "nonblock"))
		flags |= SOCK_NONBLOCK;
	if (strstr(accept4_flags, "cloexec"))
		flags |= SOCK_CLOEXEC;
	return flags;
}

static int
do_accept(int l, struct sockaddr_in *addr, socklen_t *len)
{
	bool retry = strcmp(wait_mode, "nonblock") == 0;
	long until = elapsed_ms() + wait_ms;

	for (;;) {
		int c;

		*len = sizeof(*addr);
		if (accept4_flags)
			c = accept4(l, (struct sockaddr *)addr, len, parse_accept4_flags());
		else
			c = accept(l, (struct sockaddr *)addr, len);
		if (c >= 0)
			return c;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || !retry || elapsed_ms() > until)
			return -1;
		usleep(20000);
	}
}

static int
local_connect(const struct sockaddr_in *where)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (s < 0)
		die("socket-local");
	if (connect(s, (const struct sockaddr *)where, sizeof(*where)) < 0)
		die("connect-local");
	write_all(s, "HELLO local\n");
	return s;
}

/* Report a failed call on the listening socket; the run goes on to its cleanup. */
static bool
failed(const char *step)
{
	printf("ERRNO %s %s\n", errno_name(errno), step);
	return false;
}

static bool
serve_one(int ctrl, int l, int epfd, int round)
{
	struct sockaddr_in me, peer, addr;
	socklen_t len = sizeof(me);
	char line[256], call[128];
	int c, fl, fdfl, self = -1;

	if (round == 0 && listen_first && listen(l, 1) < 0)
		return failed("listen");
	if (getsockname(l, (struct sockaddr *)&me, &len) < 0)
		return failed("getsockname-listen");
	print_addr("LISTEN", &me);
	if (round == 0 && !listen_first && listen(l, 1) < 0)
		return failed("listen");
	if (strcmp(wait_mode, "epoll") == 0 && round == 0 && !epoll_early) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x5eedULL };

		if (epoll_ctl(epfd, EPOLL_CTL_ADD, l, &ev) < 0)
			die("epoll_ctl");
	}
	if (local_self) {
		self = local_connect(&me);
	} else if (!no_call) {
		char ip[INET_ADDRSTRLEN];

		inet_ntop(AF_INET, &me.sin_addr, ip, sizeof(ip));
		snprintf(call, sizeof(call), "CALL %s %u\n", ip, ntohs(me.sin_port));
		write_all(ctrl, call);
	}
	wait_ready(l, epfd);
	c = do_accept(l, &addr, &len);
	if (c < 0 && no_call) {
		printf("ACCEPT-ERRNO %s\n", errno_name(errno));
		return true;
	}
	if (c < 0)
		die("accept");
	printf("ACCEPTED\n");
	print_addr("ADDR", &addr);
	len = sizeof(peer);
	if (getpeername(c, (struct sockaddr *)&peer, &len) < 0)
		die("getpeername");
	print_addr("PEER", &peer);
	len = sizeof(me);
	if (getsockname(c, (struct sockaddr *)&me, &len) < 0)
		die("getsockname-accepted");
	print_addr("LOCAL", &me);
	fl = fcntl(c, F_GETFL);
	fdfl = fcntl(c, F_GETFD);
	printf("NONBLOCK %s\n", fl >= 0 && (fl & O_NONBLOCK) ? "yes" : "no");
	printf("CLOEXEC %s\n", fdfl >= 0 && (fdfl & FD_CLOEXEC) ? "yes" : "no");
	set_nonblock(c, false);
	if (read_line(c, line, sizeof(line)))
		printf("DATA %s\n", line);
	if (!local_self && read_line(ctrl, line, sizeof(line)))
		printf("PEER-SAYS %s\n", line);
	fflush(stdout);
	close(c);
	if (self >= 0)
		close(self);
	return true;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in dst, ctl, where;
	socklen_t len = sizeof(ctl);
	int opt, ctrl, l, epfd = -1, before, after;
	bool ok = true;

	clock_gettime(CLOCK_MONOTONIC, &started);
	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt(argc, argv, "w:b:En:4:xt:LlC")) != -1) {
		switch (opt) {
		case 'w': wait_mode = optarg; break;
		case 'b': bind_where = optarg; break;
		case 'E': epoll_early = true; break;
		case 'n': accepts = atoi(optarg); break;
		case '4': accept4_flags = optarg; break;
		case 'x': no_call = true; break;
		case 't': wait_ms = atoi(optarg); break;
		case 'L': local_self = true; break;
		case 'l': listen_first = true; break;
		case 'C': client_only = true; break;
		default:
			fprintf(stderr, "usage: bindclient [-w mode] [-b where] [-E] [-n N] "
				"[-4 flags] [-x] [-t ms] [-L] [-l] [-C] HOST PORT\n");
			return 2;
		}
	}
	if (argc - optind != 2)
		return 2;
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &dst.sin_addr) != 1)
		return 2;

	before = count_fds();
	ctrl = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (ctrl < 0)
		die("socket");
	if (connect(ctrl, (struct sockaddr *)&dst, sizeof(dst)) < 0)
		die("connect");
	if (getsockname(ctrl, (struct sockaddr *)&ctl, &len) < 0)
		die("getsockname-control");
	print_addr("CONTROL", &ctl);

	if (strcmp(wait_mode, "epoll") == 0) {
		epfd = epoll_create1(EPOLL_CLOEXEC);
		if (epfd < 0)
			die("epoll_create1");
	}
	l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0)
		die("socket-listen");
	if (epoll_early && epfd >= 0) {
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0x5eedULL };

		if (epoll_ctl(epfd, EPOLL_CTL_ADD, l, &ev) < 0)
			die("epoll_ctl-early");
	}
	if (strcmp(wait_mode, "block") != 0)
		set_nonblock(l, true);
	memset(&where, 0, sizeof(where));
	where.sin_family = AF_INET;
	if (strcmp(bind_where, "control") == 0)
		where.sin_addr = ctl.sin_addr;
	else if (strcmp(bind_where, "any") == 0)
		where.sin_addr.s_addr = htonl(INADDR_ANY);
	else if (strcmp(bind_where, "unspec") == 0)
		where.sin_family = AF_UNSPEC;
	else if (strcmp(bind_where, "loopback") == 0)
		where.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	else if (inet_pton(AF_INET, bind_where, &where.sin_addr) != 1)
		return 2;
	if (bind(l, (struct sockaddr *)&where, sizeof(where)) < 0)
		die("bind");
	if (client_only) {
		struct sockaddr_in me;

		len = sizeof(me);
		if (getsockname(l, (struct sockaddr *)&me, &len) < 0)
			ok = failed("getsockname-bound");
		else
			print_addr("BOUND", &me);
		set_nonblock(l, false);
		printf("CLIENT-CONNECT %s\n",
		       connect(l, (struct sockaddr *)&dst, sizeof(dst)) == 0 ? "0" :
									    errno_name(errno));
		accepts = 0;
	}
	for (int i = 0; i < accepts && ok; i++)
		ok = serve_one(ctrl, l, epfd, i);
	close(l);
	if (epfd >= 0)
		close(epfd);
	close(ctrl);
	after = count_fds();
	printf("FDS-LEAKED %d\n", after - before);
	printf("ELAPSED-MS %ld\n", elapsed_ms());
	return ok ? 0 : 1;
}

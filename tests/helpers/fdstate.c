/*
 * fdstate MODE HOST PORT [HOST2 PORT2]: what a program sees of a TCP
 * socket's state when descriptors are copied, closed behind the library's
 * back, or the proxy refuses.  HOST PORT is an echo server (tests/helpers/
 * dest.py: it sends "PEER <ip> <port>" first, then echoes); HOST2 PORT2 a
 * second one.  Every result is one line on stdout; the exit status is 0
 * when the program got through its steps, whatever the lines say.
 *
 *   stale-tcp   connect, end the socket with fclose(fdopen()), make a new
 *               socket (same number) and connect it: "CONNECT2 ok|<err>",
 *               then "ECHO <line>" from it
 *   stale-udp   connect a UDP socket (a proxied default destination), end it
 *               with fclose(fdopen()), make a TCP socket with the same
 *               number, connect it and write a line: "ECHO <line>"
 *   dup-pending COPY  non-blocking connect, then copy the descriptor with
 *               COPY (dup, dup2, dup3, fcntl, fcntl-cloexec, syscall-dup: the
 *               copy and its getpeername through syscall()) while the
 *               exchange is under way: "EARLY <events>" (poll of the copy
 *               at once), "WRITE-EARLY <result>", then "SO_ERROR <n>",
 *               "PEER <ip> <port>" (getpeername of the copy) and "ECHO <line>"
 *   fail-block  blocking connect that the proxy refuses: "CONNECT <err>",
 *               "WRITE <result>", "READ <result>", then connect to
 *               HOST2 PORT2: "CONNECT2 ok|<err>" and "ECHO <line>"
 *   unspec      connect, then connect(AF_UNSPEC) (the kernel's disconnect):
 *               "DISCONNECT ok|<err>", then connect again: "CONNECT2",
 *               "ECHO"
 *   fail-nb     the same with a non-blocking socket: "SO_ERROR <err>",
 *               "WRITE", "READ", "CONNECT2 <err>" (the kernel's second
 *               connect after a failure), "CONNECT3 ok|<err>", "ECHO"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct sockaddr_in
addr_of(const char *host, const char *port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(port));
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1) {
		fprintf(stderr, "fdstate: bad address %s\n", host);
		exit(2);
	}
	return sin;
}

static const char *
err_name(int err)
{
	static char buf[32];

	switch (err) {
	case 0: return "ok";
	case EAGAIN: return "EAGAIN";
	case EPIPE: return "EPIPE";
	case ENOTCONN: return "ENOTCONN";
	case EISCONN: return "EISCONN";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNABORTED: return "ECONNABORTED";
	case ECONNRESET: return "ECONNRESET";
	case EINPROGRESS: return "EINPROGRESS";
	case EALREADY: return "EALREADY";
	case ENETUNREACH: return "ENETUNREACH";
	case EBADF: return "EBADF";
	default:
		snprintf(buf, sizeof(buf), "errno%d", err);
		return buf;
	}
}

/* Wait until fd is writable (or in error), at most ms. */
static short
wait_out(int fd, int ms)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };

	if (poll(&p, 1, ms) <= 0)
		return 0;
	return p.revents;
}

/* Read one line from a blocking or non-blocking socket, within 5 s. */
static int
read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (poll(&p, 1, 5000) <= 0)
			return -1;
		r = read(fd, buf + n, 1);
		if (r < 0 && errno == EAGAIN)
			continue;
		if (r <= 0)
			return -1;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return 0;
}

/* Send a line and print the echo server's answer: its PEER line, then the echo. */
static void
echo(int fd)
{
	char line[256];

	if (read_line(fd, line, sizeof(line)) < 0) {
		printf("ECHO none (no PEER line)\n");
		return;
	}
	printf("DEST %s\n", line);
	if (write(fd, "hello\n", 6) != 6) {
		printf("ECHO none (write: %s)\n", err_name(errno));
		return;
	}
	if (read_line(fd, line, sizeof(line)) < 0) {
		printf("ECHO none\n");
		return;
	}
	printf("ECHO %s\n", line);
}

static void
print_connect(const char *label, int rc)
{
	printf("%s %s\n", label, rc == 0 ? "ok" : err_name(errno));
}

/* End fd inside the C library, where no close() hook sees it. */
static void
close_behind(int fd)
{
	FILE *f = fdopen(fd, "r+");

	if (!f) {
		perror("fdopen");
		exit(2);
	}
	fclose(f);
}

static int
stale_tcp(const struct sockaddr_in *dst)
{
	int s = socket(AF_INET, SOCK_STREAM, 0), t;

	if (connect(s, (const struct sockaddr *)dst, sizeof(*dst)) < 0) {
		print_connect("CONNECT", -1);
		return 1;
	}
	close_behind(s);
	t = socket(AF_INET, SOCK_STREAM, 0);
	printf("SAME-NUMBER %s\n", t == s ? "yes" : "no");
	print_connect("CONNECT2", connect(t, (const struct sockaddr *)dst, sizeof(*dst)));
	echo(t);
	return 0;
}

static int
stale_udp(const struct sockaddr_in *dst)
{
	int u = socket(AF_INET, SOCK_DGRAM, 0), t;

	print_connect("UDP-CONNECT", connect(u, (const struct sockaddr *)dst, sizeof(*dst)));
	close_behind(u);
	t = socket(AF_INET, SOCK_STREAM, 0);
	printf("SAME-NUMBER %s\n", t == u ? "yes" : "no");
	print_connect("CONNECT2", connect(t, (const struct sockaddr *)dst, sizeof(*dst)));
	echo(t);
	return 0;
}

static int
unspec(const struct sockaddr_in *dst)
{
	struct sockaddr sa;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	print_connect("CONNECT", connect(s, (const struct sockaddr *)dst, sizeof(*dst)));
	memset(&sa, 0, sizeof(sa));
	sa.sa_family = AF_UNSPEC;
	print_connect("DISCONNECT", connect(s, &sa, sizeof(sa)));
	print_connect("CONNECT2", connect(s, (const struct sockaddr *)dst, sizeof(*dst)));
	echo(s);
	return 0;
}

static int
copy_fd(int fd, const char *how)
{
	int spare;

	if (strcmp(how, "dup") == 0)
		return dup(fd);
	if (strcmp(how, "fcntl") == 0)
		return fcntl(fd, F_DUPFD, 10);
	if (strcmp(how, "fcntl-cloexec") == 0)
		return fcntl(fd, F_DUPFD_CLOEXEC, 10);
	if (strcmp(how, "syscall-dup") == 0)
		return (int)syscall(SYS_dup, fd);
	spare = socket(AF_INET, SOCK_DGRAM, 0);
	if (strcmp(how, "dup2") == 0)
		return dup2(fd, spare);
	if (strcmp(how, "dup3") == 0)
		return dup3(fd, spare, O_CLOEXEC);
	fprintf(stderr, "fdstate: unknown copy %s\n", how);
	exit(2);
}

static int
dup_pending(const struct sockaddr_in *dst, const char *how)
{
	struct sockaddr_in peer;
	socklen_t len = sizeof(peer);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), c, err = 0;
	char ip[INET_ADDRSTRLEN];
	short ev;

	if (connect(s, (const struct sockaddr *)dst, sizeof(*dst)) == 0 ||
	    errno != EINPROGRESS) {
		print_connect("CONNECT", -1);
		return 1;
	}
	c = copy_fd(s, how);
	if (c < 0) {
		printf("COPY %s\n", err_name(errno));
		return 1;
	}
	/* The proxy answers after a delay: nothing is ready yet. */
	ev = wait_out(c, 100);
	printf("EARLY %s\n", ev == 0 ? "none" : (ev & POLLOUT) ? "POLLOUT" : "other");
	if (write(c, "x", 1) == 1)
		printf("WRITE-EARLY ok\n");
	else
		printf("WRITE-EARLY %s\n", err_name(errno));
	ev = wait_out(c, 5000);
	len = sizeof(err);
	getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &len);
	printf("SO_ERROR %s\n", err_name(err));
	len = sizeof(peer);
	if ((strncmp(how, "syscall", 7) == 0 ?
	     syscall(SYS_getpeername, c, (struct sockaddr *)&peer, &len) :
	     getpeername(c, (struct sockaddr *)&peer, &len)) == 0) {
		inet_ntop(AF_INET, &peer.sin_addr, ip, sizeof(ip));
		printf("PEER %s %u\n", ip, ntohs(peer.sin_port));
	} else {
		printf("PEER %s\n", err_name(errno));
	}
	close(s);
	echo(c);
	return 0;
}

static int
fail_block(const struct sockaddr_in *dst, const struct sockaddr_in *dst2)
{
	int s = socket(AF_INET, SOCK_STREAM, 0);
	char b[64];
	ssize_t n;

	print_connect("CONNECT", connect(s, (const struct sockaddr *)dst, sizeof(*dst)));
	n = write(s, "x", 1);
	printf("WRITE %s\n", n == 1 ? "ok" : err_name(errno));
	fcntl(s, F_SETFL, fcntl(s, F_GETFL) | O_NONBLOCK);
	n = read(s, b, sizeof(b));
	if (n >= 0)
		printf("READ %zd bytes\n", n);
	else
		printf("READ %s\n", err_name(errno));
	fcntl(s, F_SETFL, fcntl(s, F_GETFL) & ~O_NONBLOCK);
	print_connect("CONNECT2", connect(s, (const struct sockaddr *)dst2, sizeof(*dst2)));
	echo(s);
	return 0;
}

static int
fail_nb(const struct sockaddr_in *dst, const struct sockaddr_in *dst2)
{
	int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0), err = 0, rc;
	socklen_t len = sizeof(err);
	char b[64];
	ssize_t n;

	print_connect("CONNECT", connect(s, (const struct sockaddr *)dst, sizeof(*dst)));
	wait_out(s, 5000);
	getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
	printf("SO_ERROR %s\n", err_name(err));
	n = write(s, "x", 1);
	printf("WRITE %s\n", n == 1 ? "ok" : err_name(errno));
	n = read(s, b, sizeof(b));
	if (n >= 0)
		printf("READ %zd bytes\n", n);
	else
		printf("READ %s\n", err_name(errno));
	print_connect("CONNECT2", connect(s, (const struct sockaddr *)dst2, sizeof(*dst2)));
	rc = connect(s, (const struct sockaddr *)dst2, sizeof(*dst2));
	if (rc < 0 && errno == EINPROGRESS) {
		wait_out(s, 5000);
		len = sizeof(err);
		getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &len);
		rc = err ? -1 : 0;
		errno = err;
	}
	print_connect("CONNECT3", rc);
	echo(s);
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in dst, dst2;

	if (argc < 4) {
		fprintf(stderr, "usage: fdstate MODE HOST PORT [HOST2 PORT2 | COPY]\n");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0);
	dst = addr_of(argv[2], argv[3]);
	if (strcmp(argv[1], "stale-tcp") == 0)
		return stale_tcp(&dst);
	if (strcmp(argv[1], "stale-udp") == 0)
		return stale_udp(&dst);
	if (strcmp(argv[1], "unspec") == 0)
		return unspec(&dst);
	if (strcmp(argv[1], "dup-pending") == 0 && argc > 4)
		return dup_pending(&dst, argv[4]);
	if (argc > 5) {
		dst2 = addr_of(argv[4], argv[5]);
		if (strcmp(argv[1], "fail-block") == 0)
			return fail_block(&dst, &dst2);
		if (strcmp(argv[1], "fail-nb") == 0)
			return fail_nb(&dst, &dst2);
	}
	fprintf(stderr, "fdstate: unknown mode or missing arguments\n");
	return 2;
}

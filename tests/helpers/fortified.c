/*
 * A client built with _FORTIFY_SOURCE=2, as Debian builds its packages: its
 * reads and waits compile to __read_chk(), __recv_chk(), __recvfrom_chk(),
 * __poll_chk() and __ppoll_chk() (the buffers have a known size, the
 * lengths do not).  It knows nothing of SOCKS and reports what it saw, one
 * "KEY value" line at a time; bytes that are not printable are written as
 * \xNN.
 *
 *   fortified [options] MODE HOST PORT
 *
 * UDP modes: one datagram "fortified <mode>" to HOST:PORT (an echo server),
 * and its answer read back:
 *   udp-recvfrom   sendto(), then __recvfrom_chk()   FROM <ip> <port>, DATA
 *   udp-recv       connect(), send(), __recv_chk()   DATA
 *   udp-read       connect(), write(), __read_chk()  DATA
 *
 * TCP mode "tcp": a non-blocking connect() to HOST:PORT (tests/helpers/
 * dest.py, which first sends "PEER <ip> <port>\n", then echoes), then:
 *   CONNECT-RC <errno name>       the connect()
 *   PENDING-READ <what>           a read at once: EAGAIN, or the bytes
 *   QUIET yes|no                  the socket not writable during --quiet-ms
 *   PENDING-READ-LATE <what>      with --pause-ms: after sleeping that long
 *                                 without any wait, a read again
 *   WRITABLE yes|no, SO_ERROR <errno name>
 *   RECEIVED <line>               the first line of the stream
 *   ECHO <line>                   "hello" sent with write(), read back
 *
 * Options (tcp):
 *   --wait poll|ppoll|plain  the wait: __poll_chk() (default), __ppoll_chk(),
 *                  or plain poll() on a pollfd array of unknown size
 *   --read read|recv|recvfrom  the read: __read_chk() (default),
 *                  __recv_chk(), __recvfrom_chk()
 *   --quiet-ms N   default 150
 *   --pause-ms N   default 0 (no late read)
 *
 * Modes that must end the process as the C library does when a checked
 * call is given a buffer smaller than its length:
 *   overflow-read  __read_chk() with 32 bytes into 16
 *   overflow-poll  __poll_chk() with 2 descriptors in an array of 1
 */
#undef _FORTIFY_SOURCE
#define _FORTIFY_SOURCE 2

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
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

/*
 * Lengths the compiler cannot know: with a buffer of known size they make
 * it call the checked functions.
 */
static volatile size_t cap_bytes = 4096;
static volatile nfds_t one_fd = 1;

enum wait_kind { WAIT_POLL, WAIT_PPOLL, WAIT_PLAIN };
enum read_kind { READ_READ, READ_RECV, READ_RECVFROM };

static enum wait_kind wait_how = WAIT_POLL;
static enum read_kind read_how = READ_READ;

static const char *
errno_name(int e)
{
	switch (e) {
	case 0: return "0";
	case EAGAIN: return "EAGAIN";
	case EINPROGRESS: return "EINPROGRESS";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNRESET: return "ECONNRESET";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ENOTCONN: return "ENOTCONN";
	case EINTR: return "EINTR";
	case EIO: return "EIO";
	default: return strerror(e);
	}
}

/* Print KEY and the bytes, unprintable ones as \xNN. */
static void
print_bytes(const char *key, const unsigned char *p, size_t n)
{
	printf("%s ", key);
	for (size_t i = 0; i < n; i++) {
		if (p[i] >= 0x20 && p[i] < 0x7f && p[i] != '\\')
			putchar(p[i]);
		else
			printf("\\x%02x", p[i]);
	}
	putchar('\n');
	fflush(stdout);
}

static int
parse_addr(const char *host, const char *port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((unsigned short)atoi(port));
	if (inet_pton(AF_INET, host, &sa->sin_addr) != 1) {
		fprintf(stderr, "fortified: not an IPv4 address: %s\n", host);
		return -1;
	}
	return 0;
}

/* A plain poll(): the array's size is unknown where poll() is called. */
__attribute__((noinline)) static int
plain_poll(struct pollfd *fds, nfds_t n, int timeout)
{
	return poll(fds, n, timeout);
}

/* Wait up to ms for events on fd with the chosen call; revents or -1. */
static int
wait_for(int fd, short events, int ms)
{
	struct pollfd p[1];
	struct timespec ts;
	int rc;

	p[0].fd = fd;
	p[0].events = events;
	p[0].revents = 0;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	do {
		if (wait_how == WAIT_PPOLL)
			rc = ppoll(p, one_fd, &ts, NULL);
		else if (wait_how == WAIT_PLAIN)
			rc = plain_poll(p, 1, ms);
		else
			rc = poll(p, one_fd, ms);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -1;
	return rc == 0 ? 0 : p[0].revents;
}

/* One read with the chosen checked call into buf (of size cap). */
static ssize_t
read_some(int fd, unsigned char buf[static 256])
{
	unsigned char tmp[256];
	struct sockaddr_in from;
	socklen_t fromlen = sizeof(from);
	size_t len = cap_bytes < sizeof(tmp) ? cap_bytes : sizeof(tmp);
	ssize_t n;

	if (read_how == READ_RECV)
		n = recv(fd, tmp, len, 0);
	else if (read_how == READ_RECVFROM)
		n = recvfrom(fd, tmp, len, 0, (struct sockaddr *)&from, &fromlen);
	else
		n = read(fd, tmp, len);
	if (n > 0)
		memcpy(buf, tmp, (size_t)n);
	return n;
}

/* A read while the connect may be pending: EAGAIN, or what came (kept). */
static void
pending_read(const char *key, int fd, unsigned char *stream, size_t *have)
{
	unsigned char buf[256];
	ssize_t n = read_some(fd, buf);

	if (n < 0) {
		printf("%s %s\n", key, errno_name(errno));
		fflush(stdout);
		return;
	}
	print_bytes(key, buf, (size_t)n);
	if (*have + (size_t)n <= 1024) {
		memcpy(stream + *have, buf, (size_t)n);
		*have += (size_t)n;
	}
}

/* Read until stream holds a line; print it under key and drop it. */
static int
read_line(const char *key, int fd, unsigned char *stream, size_t *have)
{
	for (;;) {
		unsigned char *nl = memchr(stream, '\n', *have);
		unsigned char buf[256];
		ssize_t n;

		if (nl) {
			size_t len = (size_t)(nl - stream);

			print_bytes(key, stream, len);
			*have -= len + 1;
			memmove(stream, nl + 1, *have);
			return 0;
		}
		if (wait_for(fd, POLLIN, 5000) <= 0) {
			print_bytes(key, stream, *have);
			printf("%s-ERROR nothing more within 5 s\n", key);
			return -1;
		}
		n = read_some(fd, buf);
		if (n < 0 && errno == EAGAIN)
			continue;
		if (n <= 0) {
			print_bytes(key, stream, *have);
			printf("%s-ERROR %s\n", key, n == 0 ? "end of stream" : errno_name(errno));
			return -1;
		}
		if (*have + (size_t)n > 1024) {
			printf("%s-ERROR no line in 1024 bytes\n", key);
			return -1;
		}
		memcpy(stream + *have, buf, (size_t)n);
		*have += (size_t)n;
	}
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static int
run_tcp(const struct sockaddr_in *sa, int quiet_ms, int pause_ms)
{
	unsigned char stream[1024];
	size_t have = 0;
	socklen_t elen = sizeof(int);
	int fd, rc, ev, err = 0;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		perror("fortified: socket");
		return 1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	printf("CONNECT-RC %s\n", rc == 0 ? "0" : errno_name(errno));
	fflush(stdout);
	if (rc < 0 && errno != EINPROGRESS)
		return 1;
	pending_read("PENDING-READ", fd, stream, &have);
	ev = wait_for(fd, POLLOUT, quiet_ms);
	printf("QUIET %s\n", ev == 0 ? "yes" : "no");
	fflush(stdout);
	if (pause_ms > 0) {
		sleep_ms(pause_ms);
		pending_read("PENDING-READ-LATE", fd, stream, &have);
	}
	ev = wait_for(fd, POLLOUT, 5000);
	printf("WRITABLE %s\n", ev > 0 && (ev & POLLOUT) ? "yes" : "no");
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
		err = errno;
	printf("SO_ERROR %s\n", errno_name(err));
	fflush(stdout);
	if (ev <= 0 || err != 0)
		return 1;
	if (read_line("RECEIVED", fd, stream, &have) < 0)
		return 1;
	if (write(fd, "hello\n", 6) != 6) {
		printf("WRITE-ERROR %s\n", errno_name(errno));
		return 1;
	}
	if (read_line("ECHO", fd, stream, &have) < 0)
		return 1;
	close(fd);
	return 0;
}

static int
run_udp(const char *mode, const struct sockaddr_in *sa)
{
	struct timeval tv = { 5, 0 };
	unsigned char buf[2048];
	struct sockaddr_in from;
	socklen_t fromlen = sizeof(from);
	size_t len = cap_bytes < sizeof(buf) ? cap_bytes : sizeof(buf);
	char msg[64];
	char ip[INET_ADDRSTRLEN];
	ssize_t n;
	int fd;

	snprintf(msg, sizeof(msg), "fortified %s", mode);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0) {
		perror("fortified: socket");
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (strcmp(mode, "udp-recvfrom") == 0) {
		if (sendto(fd, msg, strlen(msg), 0, (const struct sockaddr *)sa,
			   sizeof(*sa)) < 0) {
			printf("SEND-ERROR %s\n", errno_name(errno));
			return 1;
		}
		memset(&from, 0, sizeof(from));
		n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&from, &fromlen);
		if (n >= 0)
			printf("FROM %s %u\n",
			       inet_ntop(AF_INET, &from.sin_addr, ip, sizeof(ip)) ? ip : "?",
			       (unsigned)ntohs(from.sin_port));
	} else {
		if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) < 0 ||
		    write(fd, msg, strlen(msg)) < 0) {
			printf("SEND-ERROR %s\n", errno_name(errno));
			return 1;
		}
		if (strcmp(mode, "udp-recv") == 0)
			n = recv(fd, buf, len, 0);
		else
			n = read(fd, buf, len);
	}
	if (n < 0) {
		printf("RECV-ERROR %s\n", errno_name(errno));
		return 1;
	}
	print_bytes("DATA", buf, (size_t)n);
	close(fd);
	return 0;
}

static int
run_overflow(const char *mode)
{
	if (strcmp(mode, "overflow-read") == 0) {
		unsigned char small[16];
		size_t len = cap_bytes / 128;
		int p[2];

		if (pipe(p) < 0 || write(p[1], "x", 1) != 1)
			return 1;
		printf("READ %zd\n", read(p[0], small, len));
	} else {
		struct pollfd one[1] = { { 0, POLLIN, 0 } };
		nfds_t n = one_fd + 1;

		printf("POLL %d\n", poll(one, n, 0));
	}
	printf("NOT STOPPED\n");
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: fortified [--wait poll|ppoll|plain] "
			"[--read read|recv|recvfrom] [--quiet-ms N] [--pause-ms N] "
			"MODE HOST PORT\n");
	return 2;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	int quiet_ms = 150, pause_ms = 0, i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		const char *o = argv[i], *v = argv[i + 1];

		if (strcmp(o, "--wait") == 0 && strcmp(v, "poll") == 0)
			wait_how = WAIT_POLL;
		else if (strcmp(o, "--wait") == 0 && strcmp(v, "ppoll") == 0)
			wait_how = WAIT_PPOLL;
		else if (strcmp(o, "--wait") == 0 && strcmp(v, "plain") == 0)
			wait_how = WAIT_PLAIN;
		else if (strcmp(o, "--read") == 0 && strcmp(v, "read") == 0)
			read_how = READ_READ;
		else if (strcmp(o, "--read") == 0 && strcmp(v, "recv") == 0)
			read_how = READ_RECV;
		else if (strcmp(o, "--read") == 0 && strcmp(v, "recvfrom") == 0)
			read_how = READ_RECVFROM;
		else if (strcmp(o, "--quiet-ms") == 0)
			quiet_ms = atoi(v);
		else if (strcmp(o, "--pause-ms") == 0)
			pause_ms = atoi(v);
		else
			return usage();
	}
	if (i < argc && strncmp(argv[i], "overflow-", 9) == 0)
		return run_overflow(argv[i]);
	if (argc - i != 3)
		return usage();
	if (parse_addr(argv[i + 1], argv[i + 2], &sa) < 0)
		return 2;
	if (strcmp(argv[i], "tcp") == 0)
		return run_tcp(&sa, quiet_ms, pause_ms);
	if (strncmp(argv[i], "udp-", 4) == 0)
		return run_udp(argv[i], &sa);
	return usage();
}

/*
 * What a program does with fork(), exec() and descriptor sweeps, run
 * through the library to check that it keeps working.  It knows nothing of
 * SOCKS; it reports one "KEY value" line at a time on stdout.
 *
 *   forkexec fork NAME TCPPORT [--parent-exits]
 *	Resolves NAME (the proxy resolves it: the program gets a fake
 *	address) and forks.  The child resolves NAME again (the same
 *	address, and getnameinfo() gives NAME back), connects to it on
 *	TCPPORT (tests/helpers/dest.py) and echoes a line.  With
 *	--parent-exits the parent exits at once and the child waits until it
 *	is gone (reparented) before doing anything.
 *	Lines: ADDR <ip>, CHILD-ORPHANED yes (--parent-exits), CHILD-OK or
 *	CHILD-FAIL <why>.
 *
 *   forkexec sweep METHOD NAME TCPPORT UDPPORT [--all]
 *	Opens a UDP socket and echoes a datagram through it (UDPPORT,
 *	tests/helpers/udpecho.py, by 127.0.0.1), opens a TCP connection to
 *	NAME, then forks.  The child closes every descriptor above the UDP
 *	socket (with --all: from 3 on, the UDP socket too) with METHOD
 *	(close_range, closefrom, procloop: close() on each entry of
 *	/proc/self/fd, closefrom-nosys: closefrom() once a seccomp filter
 *	makes the close_range system call fail with ENOSYS, as on Linux
 *	before 5.9, or none), calls setsid(), forks again and exits; the
 *	grandchild checks that the TCP connection is gone, echoes a datagram
 *	on the old UDP socket (without --all) and on a new one, and makes a
 *	new TCP connection to NAME and echoes a line on it.
 *	Lines: SWEPT <method>, LEFT <n> (descriptors still open in the swept
 *	range right after the sweep: the library's own), SETSID yes, then
 *	UDP-OLD ok, UDP-NEW ok, TCP ok (or "<what> ERRNO <name>"), DAEMON-OK
 *	or DAEMON-FAIL.
 *
 *   forkexec exec TCPPORT UDPPORT PROG [ARGS...]
 *	Echoes a datagram on a UDP socket and opens a TCP connection to
 *	127.0.0.1:TCPPORT (both without close-on-exec), prints "PID <pid>",
 *	"TCPFD <fd>" and "UDPFD <fd>", then execs PROG (stdout flushed first).
 *
 *   forkexec tasks NAME TCPPORT [UDPPORT]
 *	Uses the library (resolves NAME, connects, echoes; with UDPPORT also
 *	echoes a datagram through a UDP socket kept open), then prints
 *	"TASKS <n>" (the entries of /proc/self/task) and "UNSHARE ok" or
 *	"UNSHARE ERRNO <name>" for unshare(CLONE_NEWUSER), which fails with
 *	EINVAL in a process with more than one thread.
 *
 *   forkexec bindsweep METHOD HOST PORT
 *	FTP's active mode with a sweep in the middle: connects to HOST:PORT
 *	(tests/helpers/backpeer.py), binds a stream socket to the address
 *	getsockname() gives for that connection (port 0), asks where it
 *	listens and listens (through the library: a SOCKS BIND, whose
 *	control connection is the library's), then closes every descriptor
 *	above the listening socket with METHOD, and only then asks the peer to
 *	call back, accepts and reads the peer's line.
 *	Lines: LISTEN <ip> <port>, BEFORE <n> and LEFT <n> (descriptors above
 *	the listening socket before and after the sweep), DATA <line>,
 *	BIND-OK or BIND-FAIL <why>.
 *
 *   forkexec connect HOST PORT
 *	One blocking TCP connection to HOST:PORT (tests/helpers/dest.py) that
 *	echoes a line: "CONNECTED" or "ERRNO <name>", then "ELAPSED
 *	<seconds>".  Quick to start, for tests that run a client many times.
 *
 * Exit status 0 when every step worked, 1 otherwise, 2 on a usage error.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 5000

static const char *
errname(int e)
{
	static char buf[32];

	switch (e) {
	case EBADF: return "EBADF";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNRESET: return "ECONNRESET";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EPIPE: return "EPIPE";
	case ENETUNREACH: return "ENETUNREACH";
	case EHOSTUNREACH: return "EHOSTUNREACH";
	case EINVAL: return "EINVAL";
	case EPERM: return "EPERM";
	case EACCES: return "EACCES";
	case ENOSYS: return "ENOSYS";
	case EPROTO: return "EPROTO";
	case EIO: return "EIO";
	case ENOENT: return "ENOENT";
	case EAGAIN: return "EAGAIN";
	default:
		snprintf(buf, sizeof(buf), "E%d", e);
		return buf;
	}
}

static void
say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static int
wait_fd(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int n;

	do {
		n = poll(&pfd, 1, WAIT_MS);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return n == 0 ? -ETIMEDOUT : 0;
}

/* Resolve name to an IPv4 address (network order); -errno-like on failure. */
static int
resolve(const char *name, struct in_addr *out)
{
	struct addrinfo hints, *res = NULL;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0 || !res)
		return -ENOENT;
	*out = ((struct sockaddr_in *)res->ai_addr)->sin_addr;
	freeaddrinfo(res);
	return 0;
}

/* The name getnameinfo() gives for addr, into buf; -ENOENT when none. */
static int
reverse(struct in_addr addr, char *buf, size_t cap)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr = addr;
	if (getnameinfo((struct sockaddr *)&sin, sizeof(sin), buf, (socklen_t)cap,
			NULL, 0, NI_NAMEREQD) != 0)
		return -ENOENT;
	return 0;
}

static int
read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	for (;;) {
		ssize_t r;
		int rc = wait_fd(fd, POLLIN);

		if (rc < 0)
			return rc;
		r = recv(fd, buf + n, 1, 0);
		if (r < 0 && errno == EINTR)
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
			return -EIO;
	}
}

/* A blocking TCP connection to addr:port that has read dest.py's PEER line. */
static int
tcp_open(struct in_addr addr, int port, int type_flags)
{
	struct sockaddr_in sin;
	char line[256];
	int fd, rc;

	fd = socket(AF_INET, SOCK_STREAM | type_flags, 0);
	if (fd < 0)
		return -errno;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr = addr;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	rc = read_line(fd, line, sizeof(line));
	if (rc == 0 && strncmp(line, "PEER ", 5) != 0)
		rc = -EPROTO;
	if (rc < 0) {
		close(fd);
		return rc;
	}
	return fd;
}

/* Send a line on fd and read the same line back. */
static int
tcp_echo(int fd, const char *text)
{
	char line[256], got[256];
	int n = snprintf(line, sizeof(line), "%s\n", text);

	if (send(fd, line, (size_t)n, MSG_NOSIGNAL) != n)
		return -errno;
	n = read_line(fd, got, sizeof(got));
	if (n < 0)
		return n;
	return strcmp(got, text) == 0 ? 0 : -EPROTO;
}

/* Connect, echo one line, close: 0 or -errno. */
static int
tcp_roundtrip(struct in_addr addr, int port, const char *text)
{
	int fd = tcp_open(addr, port, SOCK_CLOEXEC);
	int rc;

	if (fd < 0)
		return fd;
	rc = tcp_echo(fd, text);
	close(fd);
	return rc;
}

/* One datagram to 127.0.0.1:port on u and its echo. */
static int
udp_echo(int u, int port, const char *text)
{
	struct sockaddr_in sin;
	char got[256];
	size_t len = strlen(text);
	ssize_t r;
	int rc;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (sendto(u, text, len, 0, (struct sockaddr *)&sin, sizeof(sin)) != (ssize_t)len)
		return -errno;
	for (;;) {
		rc = wait_fd(u, POLLIN);
		if (rc < 0)
			return rc;
		r = recv(u, got, sizeof(got), 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if ((size_t)r == len && memcmp(got, text, len) == 0)
			return 0;
	}
}

/* Descriptors >= from that are open. */
static int
count_open_from(int from)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = 0;

	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL) {
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd >= from && fd != dirfd(d))
			n++;
	}
	closedir(d);
	return n;
}

/* What a daemon does: close every descriptor listed in /proc/self/fd from `from` on. */
static void
close_proc_loop(int from)
{
	int fds[4096];
	int n = 0;
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d)) != NULL && n < (int)(sizeof(fds) / sizeof(fds[0]))) {
		int fd;

		if (de->d_name[0] == '.')
			continue;
		fd = atoi(de->d_name);
		if (fd >= from && fd != dirfd(d))
			fds[n++] = fd;
	}
	closedir(d);
	for (int i = 0; i < n; i++)
		close(fds[i]);
}

/* From now on the close_range system call fails with ENOSYS. */
static int
no_close_range(void)
{
#ifdef SYS_close_range
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_close_range, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (ENOSYS & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = (unsigned short)(sizeof(code) / sizeof(code[0])),
		.filter = code,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
	    prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) < 0)
		return -errno;
	if (close_range(~0U, ~0U, 0) == 0 || errno != ENOSYS)
		return -EPERM;
	return 0;
#else
	return -ENOSYS;
#endif
}

static int
sweep(const char *method, int from)
{
	if (strcmp(method, "close_range") == 0)
		return close_range((unsigned int)from, ~0U, 0) < 0 ? -errno : 0;
	if (strcmp(method, "closefrom") == 0) {
		closefrom(from);
		return 0;
	}
	if (strcmp(method, "closefrom-nosys") == 0) {
		int rc = no_close_range();

		if (rc < 0)
			return rc;
		closefrom(from);
		return 0;
	}
	if (strcmp(method, "procloop") == 0) {
		close_proc_loop(from);
		return 0;
	}
	if (strcmp(method, "none") == 0)
		return 0;
	return -EINVAL;
}

static int
mode_fork(int argc, char **argv)
{
	struct in_addr addr, again;
	char name_back[NI_MAXHOST];
	bool parent_exits = argc > 4 && strcmp(argv[4], "--parent-exits") == 0;
	int port = atoi(argv[3]);
	const char *name = argv[2];
	pid_t parent = getpid(), pid;
	int rc, status;

	if (resolve(name, &addr) < 0) {
		say("CHILD-FAIL the parent cannot resolve %s", name);
		return 1;
	}
	say("ADDR %s", inet_ntoa(addr));
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid > 0) {
		if (parent_exits)
			_exit(0);
		if (waitpid(pid, &status, 0) < 0)
			return 1;
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	if (parent_exits) {
		for (int i = 0; i < 500 && getppid() == parent; i++)
			usleep(10000);
		if (getppid() == parent) {
			say("CHILD-FAIL the parent did not exit");
			return 1;
		}
		say("CHILD-ORPHANED yes");
	}
	if (resolve(name, &again) < 0 || again.s_addr != addr.s_addr) {
		say("CHILD-FAIL %s resolves differently in the child", name);
		return 1;
	}
	if (reverse(addr, name_back, sizeof(name_back)) < 0 ||
	    strcasecmp(name_back, name) != 0) {
		say("CHILD-FAIL getnameinfo does not give %s back", name);
		return 1;
	}
	rc = tcp_roundtrip(addr, port, "hello from the child");
	if (rc < 0) {
		say("CHILD-FAIL TCP ERRNO %s", errname(-rc));
		return 1;
	}
	say("CHILD-OK");
	return 0;
}

static int
mode_sweep(int argc, char **argv)
{
	const char *method = argv[2], *name = argv[3];
	int tcp_port = atoi(argv[4]), udp_port = atoi(argv[5]);
	bool all = argc > 6 && strcmp(argv[6], "--all") == 0;
	struct in_addr addr;
	int u, t, u2, rc, status, from;
	bool ok = true;
	pid_t pid;

	if (resolve(name, &addr) < 0) {
		say("DAEMON-FAIL cannot resolve %s", name);
		return 1;
	}
	u = socket(AF_INET, SOCK_DGRAM, 0);
	if (u < 0 || udp_echo(u, udp_port, "before the fork") < 0) {
		say("DAEMON-FAIL UDP before the fork: %s", errname(errno));
		return 1;
	}
	t = tcp_open(addr, tcp_port, 0);
	if (t < 0) {
		say("DAEMON-FAIL TCP before the fork: %s", errname(-t));
		return 1;
	}
	pid = fork();
	if (pid < 0)
		return 1;
	if (pid > 0) {
		/* The parent goes on using its own copies, then leaves. */
		if (waitpid(pid, &status, 0) < 0)
			return 1;
		if (tcp_echo(t, "parent after the fork") < 0)
			say("PARENT-TCP failed");
		return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
	}
	from = all ? 3 : u + 1;
	rc = sweep(method, from);
	if (rc < 0) {
		say("DAEMON-FAIL %s ERRNO %s", method, errname(-rc));
		_exit(1);
	}
	say("SWEPT %s", method);
	say("LEFT %d", count_open_from(from));
	if (setsid() < 0) {
		say("DAEMON-FAIL setsid ERRNO %s", errname(errno));
		_exit(1);
	}
	say("SETSID yes");
	pid = fork();
	if (pid < 0)
		_exit(1);
	if (pid > 0)
		_exit(0);

	/* The daemon. */
	if (fcntl(t, F_GETFD) >= 0 && !all && t > u) {
		say("DAEMON-FAIL the TCP connection survived the sweep");
		ok = false;
	}
	if (!all) {
		rc = udp_echo(u, udp_port, "old socket in the daemon");
		if (rc < 0) {
			say("UDP-OLD ERRNO %s", errname(-rc));
			ok = false;
		} else {
			say("UDP-OLD ok");
		}
	}
	u2 = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	rc = u2 < 0 ? -errno : udp_echo(u2, udp_port, "new socket in the daemon");
	if (rc < 0) {
		say("UDP-NEW ERRNO %s", errname(-rc));
		ok = false;
	} else {
		say("UDP-NEW ok");
	}
	if (u2 >= 0)
		close(u2);
	rc = tcp_roundtrip(addr, tcp_port, "hello from the daemon");
	if (rc < 0) {
		say("TCP ERRNO %s", errname(-rc));
		ok = false;
	} else {
		say("TCP ok");
	}
	say(ok ? "DAEMON-OK" : "DAEMON-FAIL");
	_exit(ok ? 0 : 1);
}

static int
mode_exec(int argc, char **argv)
{
	int tcp_port = atoi(argv[2]), udp_port = atoi(argv[3]);
	struct in_addr lo = { .s_addr = htonl(INADDR_LOOPBACK) };
	int u, t;

	if (argc < 5)
		return 2;
	u = socket(AF_INET, SOCK_DGRAM, 0);
	if (u < 0 || udp_echo(u, udp_port, "before exec") < 0) {
		say("EXEC-FAIL UDP before exec");
		return 1;
	}
	t = tcp_open(lo, tcp_port, 0);
	if (t < 0) {
		say("EXEC-FAIL TCP before exec: %s", errname(-t));
		return 1;
	}
	say("PID %d", (int)getpid());
	say("TCPFD %d", t);
	say("UDPFD %d", u);
	execvp(argv[4], argv + 4);
	say("EXEC-FAIL execvp ERRNO %s", errname(errno));
	return 1;
}

static int
mode_tasks(int argc, char **argv)
{
	struct in_addr addr;
	DIR *d;
	struct dirent *de;
	int n = 0, rc;

	if (resolve(argv[2], &addr) < 0) {
		say("TASKS-FAIL cannot resolve %s", argv[2]);
		return 1;
	}
	rc = tcp_roundtrip(addr, atoi(argv[3]), "tasks");
	if (rc < 0) {
		say("TASKS-FAIL TCP ERRNO %s", errname(-rc));
		return 1;
	}
	if (argc > 4) {
		int u = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

		rc = u < 0 ? -errno : udp_echo(u, atoi(argv[4]), "tasks");
		if (rc < 0) {
			say("TASKS-FAIL UDP ERRNO %s", errname(-rc));
			return 1;
		}
	}
	d = opendir("/proc/self/task");
	if (!d)
		return 1;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] != '.')
			n++;
	}
	closedir(d);
	say("TASKS %d", n);
	if (unshare(CLONE_NEWUSER) < 0) {
		say("UNSHARE ERRNO %s", errname(errno));
		return 1;
	}
	say("UNSHARE ok");
	return 0;
}

static int
mode_bindsweep(char **argv)
{
	const char *method = argv[2];
	struct sockaddr_in dst, me;
	socklen_t len = sizeof(me);
	char ip[INET_ADDRSTRLEN], line[256];
	int c, l, a, n, rc;

	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons((uint16_t)atoi(argv[4]));
	if (inet_pton(AF_INET, argv[3], &dst.sin_addr) != 1)
		return 2;
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&dst, sizeof(dst)) < 0) {
		say("BIND-FAIL connect ERRNO %s", errname(errno));
		return 1;
	}
	if (getsockname(c, (struct sockaddr *)&me, &len) < 0) {
		say("BIND-FAIL getsockname ERRNO %s", errname(errno));
		return 1;
	}
	me.sin_port = 0;
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&me, sizeof(me)) < 0) {
		say("BIND-FAIL bind ERRNO %s", errname(errno));
		return 1;
	}
	len = sizeof(me);
	if (getsockname(l, (struct sockaddr *)&me, &len) < 0 || listen(l, 1) < 0) {
		say("BIND-FAIL listen ERRNO %s", errname(errno));
		return 1;
	}
	inet_ntop(AF_INET, &me.sin_addr, ip, sizeof(ip));
	say("LISTEN %s %u", ip, (unsigned)ntohs(me.sin_port));
	say("BEFORE %d", count_open_from(l + 1));
	rc = sweep(method, l + 1);
	if (rc < 0) {
		say("BIND-FAIL %s ERRNO %s", method, errname(-rc));
		return 1;
	}
	say("LEFT %d", count_open_from(l + 1));
	n = snprintf(line, sizeof(line), "CALL %s %u\n", ip, (unsigned)ntohs(me.sin_port));
	if (send(c, line, (size_t)n, MSG_NOSIGNAL) != n) {
		say("BIND-FAIL send ERRNO %s", errname(errno));
		return 1;
	}
	rc = wait_fd(l, POLLIN);
	if (rc < 0) {
		say("BIND-FAIL waiting for the peer: %s", errname(-rc));
		return 1;
	}
	a = accept(l, NULL, NULL);
	if (a < 0) {
		say("BIND-FAIL accept ERRNO %s", errname(errno));
		return 1;
	}
	rc = read_line(a, line, sizeof(line));
	if (rc < 0) {
		say("BIND-FAIL read ERRNO %s", errname(-rc));
		return 1;
	}
	say("DATA %s", line);
	close(a);
	close(l);
	close(c);
	say("BIND-OK");
	return 0;
}

static int
mode_connect(char **argv)
{
	struct timespec t0, t1;
	struct in_addr addr;
	char line[256];
	int fd, rc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (inet_pton(AF_INET, argv[2], &addr) != 1)
		return 2;
	fd = tcp_open(addr, atoi(argv[3]), SOCK_CLOEXEC);
	rc = fd;
	if (fd >= 0) {
		rc = tcp_echo(fd, "connect");
		close(fd);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc < 0)
		say("ERRNO %s", errname(-rc));
	else
		say("CONNECTED");
	snprintf(line, sizeof(line), "%.3f", (double)(t1.tv_sec - t0.tv_sec) +
		 (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	say("ELAPSED %s", line);
	return rc < 0 ? 1 : 0;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc >= 4 && strcmp(argv[1], "fork") == 0)
		return mode_fork(argc, argv);
	if (argc >= 6 && strcmp(argv[1], "sweep") == 0)
		return mode_sweep(argc, argv);
	if (argc >= 5 && strcmp(argv[1], "exec") == 0)
		return mode_exec(argc, argv);
	if (argc >= 4 && strcmp(argv[1], "tasks") == 0)
		return mode_tasks(argc, argv);
	if (argc >= 4 && strcmp(argv[1], "connect") == 0)
		return mode_connect(argv);
	if (argc >= 5 && strcmp(argv[1], "bindsweep") == 0)
		return mode_bindsweep(argv);
	fprintf(stderr, "usage: forkexec fork|sweep|exec|tasks|bindsweep|connect ... (see the source)\n");
	return 2;
}

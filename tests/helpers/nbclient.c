/*
 * A TCP client that connects the way event-loop programs do and reports
 * what it saw, one "KEY value" line at a time.  It knows nothing of SOCKS:
 * run through the library, it checks that a proxied connect behaves as a
 * plain TCP connect would.
 *
 *   nbclient [options] MODE HOST PORT
 *
 * Modes (how the connect is waited for; the epoll modes put a pipe that
 * never turns ready into the same set, and tag the socket with its own data):
 *   poll, ppoll                     POLLOUT
 *   select, pselect                 the socket in the write and except sets
 *                                   (EVENTS says WRITABLE / EXCEPTION)
 *   epoll-lt, epoll-et, epoll-oneshot
 *                                   EPOLLOUT, added once connect() returned
 *   epoll-pwait2                    level-triggered, waited for with
 *                                   epoll_pwait2()
 *   epoll-before-connect            as nginx: FIONBIO, then EPOLLIN | EPOLLOUT
 *                                   | EPOLLRDHUP | EPOLLET added BEFORE connect()
 *   epoll-after-connect             as libuv: EPOLLOUT added only after the
 *                                   pending checks, waited for with epoll_pwait()
 *   block                           a blocking connect()
 *   block-eintr                     a blocking connect() interrupted by SIGALRM
 *                                   (handler without SA_RESTART), then connect()
 *                                   called again
 *
 * Options:
 *   --quiet-ms N   after EINPROGRESS, wait N ms (default 200, 0 skips it):
 *                  the socket must not be reported ready meanwhile
 *   --wait-ms N    timeout of each wait for the connect (default -1: none)
 *   --alarm-ms N   block-eintr: when SIGALRM arrives (default 200)
 *   --send TEXT    the line sent to the destination and read back (default
 *                  "hello"); the destination must first send one line
 *   --plain        connect and wait, nothing else: no second connect(), no
 *                  quiet wait, no pending checks (as most programs do)
 *   --no-talk      stop once connected
 *   --no-pending-io
 *                  leave out the PENDING-SEND/WRITE/RECV/READ calls (each
 *                  of them would put a byte into the stream if the library
 *                  let it through)
 *   --mark         write(-1, "SX-MARK-BEGIN") before socket() and
 *                  write(-1, "SX-MARK-END") once connected, so that a trace
 *                  can count the system calls of the connect alone (nothing
 *                  is printed between the two, and the pending checks are
 *                  left out)
 *
 * The checks made while the connect is pending (QUIET to
 * PENDING-CONNECT-LATE) are made only when the second connect() said
 * EALREADY, so never on a socket that is already connected.
 *
 * Report lines, in order (a line is left out when its step did not happen):
 *   MODE <mode>
 *   CONNECT-RC 0|<errno name>        the first connect()
 *   CONNECT-MS <ms>                  how long that connect() took
 *   CONNECT2-RC 0|<errno name>       block-eintr: the second connect()
 *   PENDING-CONNECT <errno name>     connect() again at once (EALREADY)
 *   QUIET yes|no [<events>]          nothing ready during --quiet-ms
 *   PENDING-SEND|WRITE|RECV|READ <errno name or byte count>
 *   PENDING-GETPEERNAME <errno name>
 *   PENDING-CONNECT-LATE <errno name>
 *   WAKEUPS <n>                      wait calls until the socket was ready
 *   READY-MS <ms>                    from connect() returning to ready
 *   EVENTS <names>                   POLLOUT|POLLERR|... or EPOLLOUT|...
 *   EPOLL-DATA ok|bad <hex>          the data epoll handed back
 *   SO_ERROR 0|<errno name>
 *   SO_ERROR-AGAIN 0|<errno name>    read a second time (cleared)
 *   CONNECTED-CONNECT <errno name>   connect() once connected (EISCONN)
 *   GETPEERNAME <ip> <port>
 *   PEER-LINE <line>                 the destination's first line
 *   ECHO <line>                      TEXT read back
 *   RESULT ok|<errno name>|CLIENT_TIMEOUT|EOF
 *
 * Exit status: 0 when RESULT is ok, 1 otherwise, 2 for a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define DATA_MAGIC 0x50c5000000000000ULL
#define PIPE_MAGIC 0x0dd0000000000000ULL
#define TALK_TIMEOUT_MS 5000
/* Results of our own that are no errno. */
#define TALK_EOF (-1)
#define TALK_TIMEOUT (-2)

enum mode {
	MODE_POLL,
	MODE_PPOLL,
	MODE_SELECT,
	MODE_PSELECT,
	MODE_EPOLL_LT,
	MODE_EPOLL_ET,
	MODE_EPOLL_ONESHOT,
	MODE_EPOLL_PWAIT2,
	MODE_EPOLL_BEFORE,
	MODE_EPOLL_AFTER,
	MODE_BLOCK,
	MODE_BLOCK_EINTR,
};

static const char *const mode_names[] = {
	[MODE_POLL] = "poll",
	[MODE_PPOLL] = "ppoll",
	[MODE_SELECT] = "select",
	[MODE_PSELECT] = "pselect",
	[MODE_EPOLL_LT] = "epoll-lt",
	[MODE_EPOLL_ET] = "epoll-et",
	[MODE_EPOLL_ONESHOT] = "epoll-oneshot",
	[MODE_EPOLL_PWAIT2] = "epoll-pwait2",
	[MODE_EPOLL_BEFORE] = "epoll-before-connect",
	[MODE_EPOLL_AFTER] = "epoll-after-connect",
	[MODE_BLOCK] = "block",
	[MODE_BLOCK_EINTR] = "block-eintr",
};

struct opts {
	int mode;
	int quiet_ms;
	int wait_ms;
	int alarm_ms;
	const char *text;
	bool talk;
	bool mark;
	bool pending_io;
	bool plain;
	const char *host;
	int port;
};

/* One client: the socket, its epoll set and what it registered. */
struct client {
	const struct opts *o;
	int fd;
	int epfd;
	int pipefd[2];
	uint64_t data;
	bool epoll_data_ok;
	uint64_t bad_data;
	char events[128];
};

/* Lines said between the marks wait here, so that no write falls inside. */
static char held[4096];
static size_t held_len;
static bool holding;

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
say(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(line))
		n = sizeof(line) - 1;
	if (holding) {
		if (held_len + (size_t)n + 1 < sizeof(held)) {
			memcpy(held + held_len, line, (size_t)n);
			held_len += (size_t)n;
			held[held_len++] = '\n';
		}
		return;
	}
	printf("%s\n", line);
	fflush(stdout);
}

/* The first mark: from here on lines are held back. */
static void
mark_begin(const struct opts *o)
{
	ssize_t rc;

	if (!o->mark)
		return;
	rc = write(-1, "SX-MARK-BEGIN", 13);
	(void)rc;
	holding = true;
}

/* The second mark (once), then the lines held back. */
static void
mark_end(void)
{
	ssize_t rc;

	if (!holding)
		return;
	rc = write(-1, "SX-MARK-END", 11);
	(void)rc;
	holding = false;
	if (held_len) {
		fwrite(held, 1, held_len, stdout);
		fflush(stdout);
		held_len = 0;
	}
}

static const char *
errname(int err)
{
	static char buf[32];
	const char *name;

	if (err == 0)
		return "0";
	name = strerrorname_np(err);
	if (name)
		return name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static bool
is_epoll(int mode)
{
	return mode >= MODE_EPOLL_LT && mode <= MODE_EPOLL_AFTER;
}

static bool
is_block(int mode)
{
	return mode == MODE_BLOCK || mode == MODE_BLOCK_EINTR;
}

static void
add_name(char *buf, size_t cap, bool cond, const char *name)
{
	if (!cond)
		return;
	if (buf[0])
		strncat(buf, "|", cap - strlen(buf) - 1);
	strncat(buf, name, cap - strlen(buf) - 1);
}

static void
poll_names(short ev, char *buf, size_t cap)
{
	buf[0] = '\0';
	add_name(buf, cap, ev & POLLIN, "POLLIN");
	add_name(buf, cap, ev & POLLOUT, "POLLOUT");
	add_name(buf, cap, ev & POLLERR, "POLLERR");
	add_name(buf, cap, ev & POLLHUP, "POLLHUP");
	add_name(buf, cap, ev & POLLNVAL, "POLLNVAL");
	add_name(buf, cap, ev & POLLRDHUP, "POLLRDHUP");
}

static void
epoll_names(uint32_t ev, char *buf, size_t cap)
{
	buf[0] = '\0';
	add_name(buf, cap, ev & EPOLLIN, "EPOLLIN");
	add_name(buf, cap, ev & EPOLLOUT, "EPOLLOUT");
	add_name(buf, cap, ev & EPOLLERR, "EPOLLERR");
	add_name(buf, cap, ev & EPOLLHUP, "EPOLLHUP");
	add_name(buf, cap, ev & EPOLLRDHUP, "EPOLLRDHUP");
}

static int
fill_addr(const struct opts *o, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, o->host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)o->port);
		*len = sizeof(*sin);
		return 0;
	}
	if (inet_pton(AF_INET6, o->host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)o->port);
		*len = sizeof(*sin6);
		return 0;
	}
	return -1;
}

/* The socket's epoll registration (epfd and a never-ready pipe next to it). */
static int
epoll_register(struct client *c)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	switch (c->o->mode) {
	case MODE_EPOLL_ET:
		ev.events = EPOLLOUT | EPOLLET;
		break;
	case MODE_EPOLL_ONESHOT:
		ev.events = EPOLLOUT | EPOLLONESHOT;
		break;
	case MODE_EPOLL_BEFORE:
		ev.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;
		break;
	default:
		ev.events = EPOLLOUT;
		break;
	}
	ev.data.u64 = c->data;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0) {
		say("EPOLL-CTL %s", errname(errno));
		return -1;
	}
	return 0;
}

static int
epoll_setup(struct client *c)
{
	struct epoll_event ev;

	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0 || pipe2(c->pipefd, O_CLOEXEC) < 0) {
		say("EPOLL-SETUP %s", errname(errno));
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = PIPE_MAGIC;
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->pipefd[0], &ev) < 0) {
		say("EPOLL-SETUP %s", errname(errno));
		return -1;
	}
	return 0;
}

static struct timespec
ms_to_ts(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	return ts;
}

/*
 * One wait for the socket with the mode's call: 1 ready (c->events named),
 * 0 nothing, -1 error.
 */
static int
wait_once(struct client *c, int timeout_ms)
{
	struct epoll_event evs[4];
	struct pollfd pfd = { c->fd, POLLOUT, 0 };
	struct timespec ts = ms_to_ts(timeout_ms);
	struct timeval tv = { timeout_ms / 1000, (timeout_ms % 1000) * 1000 };
	sigset_t mask;
	fd_set w, e;
	int n = -1;

	sigemptyset(&mask);
	c->events[0] = '\0';
	switch (c->o->mode) {
	case MODE_POLL:
		n = poll(&pfd, 1, timeout_ms);
		break;
	case MODE_PPOLL:
		n = ppoll(&pfd, 1, timeout_ms < 0 ? NULL : &ts, &mask);
		break;
	case MODE_SELECT:
	case MODE_PSELECT:
		FD_ZERO(&w);
		FD_ZERO(&e);
		FD_SET(c->fd, &w);
		FD_SET(c->fd, &e);
		if (c->o->mode == MODE_SELECT)
			n = select(c->fd + 1, NULL, &w, &e, timeout_ms < 0 ? NULL : &tv);
		else
			n = pselect(c->fd + 1, NULL, &w, &e, timeout_ms < 0 ? NULL : &ts,
				    &mask);
		if (n > 0) {
			add_name(c->events, sizeof(c->events), FD_ISSET(c->fd, &w),
				 "WRITABLE");
			add_name(c->events, sizeof(c->events), FD_ISSET(c->fd, &e),
				 "EXCEPTION");
		}
		return n < 0 ? -1 : n > 0;
	case MODE_EPOLL_PWAIT2:
		n = epoll_pwait2(c->epfd, evs, 4, timeout_ms < 0 ? NULL : &ts, &mask);
		break;
	case MODE_EPOLL_AFTER:
		n = epoll_pwait(c->epfd, evs, 4, timeout_ms, &mask);
		break;
	default:
		n = epoll_wait(c->epfd, evs, 4, timeout_ms);
		break;
	}
	if (n <= 0)
		return n < 0 ? -1 : 0;
	if (!is_epoll(c->o->mode)) {
		poll_names(pfd.revents, c->events, sizeof(c->events));
		return pfd.revents != 0;
	}
	for (int i = 0; i < n; i++) {
		if (evs[i].data.u64 != c->data) {
			c->epoll_data_ok = false;
			c->bad_data = evs[i].data.u64;
			continue;
		}
		epoll_names(evs[i].events, c->events, sizeof(c->events));
	}
	return c->events[0] != '\0';
}

/* What a 1-byte call on a pending socket returned: a count or an errno name. */
static const char *
io_result(ssize_t n)
{
	static char buf[32];

	if (n < 0)
		return errname(errno);
	snprintf(buf, sizeof(buf), "%zd", n);
	return buf;
}

static void
pending_io_checks(struct client *c)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char b = 'x';

	if (c->o->pending_io) {
		say("PENDING-SEND %s", io_result(send(c->fd, &b, 1, MSG_NOSIGNAL)));
		say("PENDING-WRITE %s", io_result(write(c->fd, &b, 1)));
		say("PENDING-RECV %s", io_result(recv(c->fd, &b, 1, 0)));
		say("PENDING-READ %s", io_result(read(c->fd, &b, 1)));
	}
	if (getpeername(c->fd, (struct sockaddr *)&ss, &len) < 0)
		say("PENDING-GETPEERNAME %s", errname(errno));
	else
		say("PENDING-GETPEERNAME 0");
}

static int
connect_errno(int fd, const struct sockaddr_storage *ss, socklen_t len)
{
	if (connect(fd, (const struct sockaddr *)ss, len) == 0)
		return 0;
	return errno;
}

static void
say_peer(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	char ip[INET6_ADDRSTRLEN];
	int port;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0) {
		say("GETPEERNAME %s", errname(errno));
		return;
	}
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		port = ntohs(sin6->sin6_port);
	} else {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		port = ntohs(sin->sin_port);
	}
	say("GETPEERNAME %s %d", ip, port);
}

/* Read one line (without its newline) into buf: 0, an errno or TALK_*. */
static int
read_line(int fd, char *buf, size_t cap)
{
	double deadline = now_ms() + TALK_TIMEOUT_MS;
	size_t n = 0;

	while (n + 1 < cap) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int left = (int)(deadline - now_ms());
		ssize_t r;

		if (left <= 0)
			return TALK_TIMEOUT;
		if (poll(&pfd, 1, left) < 0 && errno != EINTR)
			return errno;
		r = recv(fd, buf + n, 1, MSG_DONTWAIT);
		if (r == 0)
			return TALK_EOF;
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return errno;
		}
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return 0;
}

static int
send_all(int fd, const char *buf, size_t len)
{
	double deadline = now_ms() + TALK_TIMEOUT_MS;
	size_t off = 0;

	while (off < len) {
		struct pollfd pfd = { fd, POLLOUT, 0 };
		int left = (int)(deadline - now_ms());
		ssize_t r;

		if (left <= 0)
			return TALK_TIMEOUT;
		if (poll(&pfd, 1, left) < 0 && errno != EINTR)
			return errno;
		r = send(fd, buf + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return errno;
		}
		off += (size_t)r;
	}
	return 0;
}

/* The line exchange with the destination: 0, an errno or TALK_*. */
static int
talk(const struct client *c)
{
	char line[512];
	int rc;

	rc = read_line(c->fd, line, sizeof(line));
	if (rc != 0)
		return rc;
	say("PEER-LINE %s", line);
	snprintf(line, sizeof(line), "%s\n", c->o->text);
	rc = send_all(c->fd, line, strlen(line));
	if (rc != 0)
		return rc;
	rc = read_line(c->fd, line, sizeof(line));
	if (rc != 0)
		return rc;
	say("ECHO %s", line);
	return 0;
}

static int
result(int err)
{
	mark_end();
	if (err == 0) {
		say("RESULT ok");
		return 0;
	}
	say("RESULT %s", err == TALK_EOF ? "EOF" :
		err == TALK_TIMEOUT ? "CLIENT_TIMEOUT" : errname(err));
	return 1;
}

static void
on_alarm(int sig)
{
	(void)sig;
}

/* The connected socket: the checks that follow success, then the talk. */
static int
connected(struct client *c, const struct sockaddr_storage *ss, socklen_t len)
{
	say("CONNECTED-CONNECT %s", errname(connect_errno(c->fd, ss, len)));
	say_peer(c->fd);
	if (!c->o->talk)
		return result(0);
	return result(talk(c));
}

static int
run_block(struct client *c, const struct sockaddr_storage *ss, socklen_t len)
{
	const struct opts *o = c->o;
	double t0, t1;
	int err, err2 = 0;

	if (o->mode == MODE_BLOCK_EINTR) {
		struct sigaction sa;
		struct itimerval it;

		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_alarm;
		sigemptyset(&sa.sa_mask);
		sa.sa_flags = 0;	/* no SA_RESTART */
		sigaction(SIGALRM, &sa, NULL);
		memset(&it, 0, sizeof(it));
		it.it_value.tv_sec = o->alarm_ms / 1000;
		it.it_value.tv_usec = (o->alarm_ms % 1000) * 1000;
		setitimer(ITIMER_REAL, &it, NULL);
	}
	t0 = now_ms();
	err = connect_errno(c->fd, ss, len);
	t1 = now_ms();
	if (o->mode == MODE_BLOCK_EINTR && err == EINTR)
		err2 = connect_errno(c->fd, ss, len);
	mark_end();
	say("CONNECT-RC %s", errname(err));
	say("CONNECT-MS %.1f", t1 - t0);
	if (o->mode == MODE_BLOCK_EINTR && err == EINTR) {
		say("CONNECT2-RC %s", errname(err2));
		err = err2;
	}
	if (err != 0)
		return result(err);
	return connected(c, ss, len);
}

static int
run_nonblock(struct client *c, const struct sockaddr_storage *ss, socklen_t len)
{
	const struct opts *o = c->o;
	socklen_t optlen = sizeof(int);
	double t0, t1, t2;
	int err, so_error = -1, wakeups = 0, rc, again = 0;

	if (o->mode == MODE_EPOLL_BEFORE && epoll_register(c) < 0)
		return result(EINVAL);
	t0 = now_ms();
	err = connect_errno(c->fd, ss, len);
	t1 = now_ms();
	if (err != 0 && err != EINPROGRESS) {
		mark_end();
		say("CONNECT-RC %s", errname(err));
		say("CONNECT-MS %.1f", t1 - t0);
		return result(err);
	}
	if (!o->mark) {
		say("CONNECT-RC %s", errname(err));
		say("CONNECT-MS %.1f", t1 - t0);
	}
	if (err == EINPROGRESS && !o->mark && !o->plain) {
		again = connect_errno(c->fd, ss, len);
		say("PENDING-CONNECT %s", errname(again));
		/* A failure may already be known, as after a refused TCP connect. */
		if (again != 0 && again != EALREADY && again != EISCONN)
			return result(again);
	}
	if (is_epoll(o->mode) && o->mode != MODE_EPOLL_BEFORE &&
	    o->mode != MODE_EPOLL_AFTER && epoll_register(c) < 0)
		return result(EINVAL);
	/* The checks below are for a connect still under way. */
	if (again == EALREADY) {
		if (o->mode == MODE_EPOLL_AFTER) {
			pending_io_checks(c);
			if (epoll_register(c) < 0)
				return result(EINVAL);
		}
		if (o->quiet_ms > 0) {
			rc = wait_once(c, o->quiet_ms);
			say("QUIET %s%s%s", rc == 0 ? "yes" : "no", rc ? " " : "",
			    rc < 0 ? errname(errno) : rc > 0 ? c->events : "");
		}
		if (o->mode != MODE_EPOLL_AFTER)
			pending_io_checks(c);
		say("PENDING-CONNECT-LATE %s", errname(connect_errno(c->fd, ss, len)));
	} else if (o->mode == MODE_EPOLL_AFTER && epoll_register(c) < 0) {
		return result(EINVAL);
	}
	for (;;) {
		wakeups++;
		rc = wait_once(c, o->wait_ms);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc != 0)
			break;
		if (o->wait_ms >= 0) {
			mark_end();
			say("WAKEUPS %d", wakeups);
			return result(TALK_TIMEOUT);
		}
	}
	t2 = now_ms();
	if (rc > 0 && getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &so_error, &optlen) < 0)
		so_error = errno;
	mark_end();
	if (o->mark) {
		say("CONNECT-RC %s", errname(err));
		say("CONNECT-MS %.1f", t1 - t0);
	}
	say("WAKEUPS %d", wakeups);
	say("READY-MS %.1f", t2 - t1);
	if (rc < 0) {
		say("WAIT %s", errname(errno));
		return result(errno);
	}
	say("EVENTS %s", c->events);
	if (is_epoll(o->mode)) {
		if (c->epoll_data_ok)
			say("EPOLL-DATA ok");
		else
			say("EPOLL-DATA bad 0x%llx", (unsigned long long)c->bad_data);
	}
	say("SO_ERROR %s", errname(so_error));
	if (so_error != 0) {
		int second = -1;

		optlen = sizeof(int);
		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &second, &optlen);
		say("SO_ERROR-AGAIN %s", errname(second));
		return result(so_error);
	}
	return connected(c, ss, len);
}

static int
usage(void)
{
	fprintf(stderr, "usage: nbclient [--quiet-ms N] [--wait-ms N] [--alarm-ms N] "
		"[--send TEXT] [--plain] [--no-pending-io] [--no-talk] [--mark] "
		"MODE HOST PORT\n");
	return 2;
}

static int
parse(int argc, char **argv, struct opts *o)
{
	int i;

	o->quiet_ms = 200;
	o->wait_ms = -1;
	o->alarm_ms = 200;
	o->text = "hello";
	o->talk = true;
	o->pending_io = true;
	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--no-talk") == 0) {
			o->talk = false;
		} else if (strcmp(a, "--plain") == 0) {
			o->plain = true;
		} else if (strcmp(a, "--no-pending-io") == 0) {
			o->pending_io = false;
		} else if (strcmp(a, "--mark") == 0) {
			o->mark = true;
		} else if (i + 1 < argc && strcmp(a, "--quiet-ms") == 0) {
			o->quiet_ms = atoi(argv[++i]);
		} else if (i + 1 < argc && strcmp(a, "--wait-ms") == 0) {
			o->wait_ms = atoi(argv[++i]);
		} else if (i + 1 < argc && strcmp(a, "--alarm-ms") == 0) {
			o->alarm_ms = atoi(argv[++i]);
		} else if (i + 1 < argc && strcmp(a, "--send") == 0) {
			o->text = argv[++i];
		} else {
			return -1;
		}
	}
	if (argc - i != 3)
		return -1;
	o->mode = -1;
	for (size_t m = 0; m < sizeof(mode_names) / sizeof(mode_names[0]); m++) {
		if (strcmp(argv[i], mode_names[m]) == 0)
			o->mode = (int)m;
	}
	if (o->mode < 0)
		return -1;
	o->host = argv[i + 1];
	o->port = atoi(argv[i + 2]);
	return o->port > 0 && o->port < 65536 ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage ss;
	struct client c;
	struct opts o;
	socklen_t len;
	int type = SOCK_STREAM;
	int one = 1;

	memset(&o, 0, sizeof(o));
	if (parse(argc, argv, &o) < 0 || fill_addr(&o, &ss, &len) < 0)
		return usage();
	memset(&c, 0, sizeof(c));
	c.o = &o;
	c.epfd = -1;
	c.pipefd[0] = c.pipefd[1] = -1;
	c.epoll_data_ok = true;
	signal(SIGPIPE, SIG_IGN);
	say("MODE %s", mode_names[o.mode]);
	if (is_epoll(o.mode) && epoll_setup(&c) < 0)
		return result(EINVAL);
	mark_begin(&o);
	/* Three ways to a non-blocking socket, as different programs do it. */
	if (is_epoll(o.mode) && o.mode != MODE_EPOLL_BEFORE)
		type |= SOCK_NONBLOCK;
	c.fd = socket(ss.ss_family, type, 0);
	if (c.fd < 0) {
		mark_end();
		say("SOCKET %s", errname(errno));
		return result(errno);
	}
	c.data = DATA_MAGIC | (uint64_t)c.fd;
	if (o.mode == MODE_EPOLL_BEFORE)
		ioctl(c.fd, FIONBIO, &one);
	else if (!is_epoll(o.mode) && !is_block(o.mode))
		fcntl(c.fd, F_SETFL, fcntl(c.fd, F_GETFL) | O_NONBLOCK);
	if (is_block(o.mode))
		return run_block(&c, &ss, len);
	return run_nonblock(&c, &ss, len);
}

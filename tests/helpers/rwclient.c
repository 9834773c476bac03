/*
 * A non-blocking TCP connect waited for with readable AND writable asked at
 * once, as a program that multiplexes one event mask per socket does.  It
 * knows nothing of SOCKS: run through the library against a slow proxy, it
 * checks that a socket whose connect is pending is never reported readable
 * (the proxy's answers are not the program's data), and that a socket
 * reported readable always has something to read.
 *
 *   rwclient [-r] [-t] MODE HOST PORT
 *
 * Modes: poll, ppoll (POLLIN | POLLOUT), select, pselect (the read and the
 * write set), epoll-lt, epoll-et (EPOLLIN | EPOLLOUT, added after connect()),
 * epoll-et-before (EPOLLIN | EPOLLOUT | EPOLLET added before connect()).
 * With -r only readability is ever asked for: the program waits for the
 * destination's first line without asking whether the connect is done.
 * With -t (epoll modes) a second thread does the waiting, and is already in
 * epoll_wait() when the first thread calls connect().
 *
 * HOST:PORT is tests/helpers/dest.py in echo mode, which sends a
 * "PEER ..." line first: the program waits until it has read that line.
 * At each wake-up, reported readability is answered with read() (in the
 * edge-triggered modes, until EAGAIN); reported writability before the
 * connect is known done is answered with getsockopt(SO_ERROR) and
 * getpeername(), and from then on only readability is asked for (the
 * edge-triggered modes keep their registration).
 *
 * Report lines:
 *   CONNECT-RC <errno name>  the connect() (EINPROGRESS)
 *   EARLY-READABLE <n>       wake-ups that said readable before the connect
 *                            was done (writable with SO_ERROR 0)
 *   EARLY-WRITABLE <n>       wake-ups that said writable while getpeername()
 *                            still said the socket was not connected
 *   EMPTY-READABLE <n>       wake-ups that said readable and whose first
 *                            read() said EAGAIN
 *   WAKEUPS <n>
 *   SO_ERROR <errno name>    when writability came
 *   PEER-LINE <line>
 *   RESULT ok|<errno name>|EOF|CLIENT_TIMEOUT
 *
 * Exit status: 0 when RESULT is ok, 1 otherwise, 2 for a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define WAIT_MS 5000

static const char *
errno_name(int e)
{
	switch (e) {
	case 0: return "0";
	case EINPROGRESS: return "EINPROGRESS";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ECONNRESET: return "ECONNRESET";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EAGAIN: return "EAGAIN";
	case ENOTCONN: return "ENOTCONN";
	default: return strerror(e);
	}
}

/*
 * One wake-up: what the readiness call said, -1 on a timeout or error.
 * Writability is asked for until the connect is done (want_wr).
 */
static int
wait_once(const char *mode, int fd, int epfd, bool want_wr, bool *rd, bool *wr)
{
	*rd = *wr = false;
	if (!strcmp(mode, "poll") || !strcmp(mode, "ppoll")) {
		struct pollfd p = { fd, POLLIN | (want_wr ? POLLOUT : 0), 0 };
		struct timespec ts = { WAIT_MS / 1000, 0 };
		int n = !strcmp(mode, "poll") ? poll(&p, 1, WAIT_MS) :
						 ppoll(&p, 1, &ts, NULL);

		if (n <= 0)
			return -1;
		*rd = (p.revents & (POLLIN | POLLERR | POLLHUP)) != 0;
		*wr = (p.revents & (POLLOUT | POLLERR | POLLHUP)) != 0;
		return 0;
	}
	if (!strcmp(mode, "select") || !strcmp(mode, "pselect")) {
		fd_set r, w;
		struct timeval tv = { WAIT_MS / 1000, 0 };
		struct timespec ts = { WAIT_MS / 1000, 0 };
		int n;

		FD_ZERO(&r);
		FD_ZERO(&w);
		FD_SET(fd, &r);
		if (want_wr)
			FD_SET(fd, &w);
		n = !strcmp(mode, "select") ? select(fd + 1, &r, &w, NULL, &tv) :
					       pselect(fd + 1, &r, &w, NULL, &ts, NULL);
		if (n <= 0)
			return -1;
		*rd = FD_ISSET(fd, &r);
		*wr = FD_ISSET(fd, &w);
		return 0;
	}
	{
		struct epoll_event ev;
		int n = epoll_wait(epfd, &ev, 1, WAIT_MS);

		if (n <= 0)
			return -1;
		*rd = (ev.events & (EPOLLIN | EPOLLERR | EPOLLHUP)) != 0;
		*wr = (ev.events & (EPOLLOUT | EPOLLERR | EPOLLHUP)) != 0;
		return 0;
	}
}

/* The run's state, shared with the waiting thread of -t. */
static const char *mode;
static bool read_only, et;
static int fd, epfd = -1;
static int early, early_wr, empty, wakeups;

/* Wait until the destination's line is read: 0, an errno, or -1 for EOF. */
static int
wait_loop(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };
	bool connected = false;
	char line[256];
	size_t have = 0;

	while (wakeups < 100) {
		bool rd, wr, first = true;

		if (wait_once(mode, fd, epfd, !connected && !read_only, &rd, &wr) < 0)
			return ETIMEDOUT;
		wakeups++;
		if (rd && !connected && !read_only)
			early++;
		if (wr && !connected) {
			struct sockaddr_storage ss;
			socklen_t len = sizeof(int), sslen = sizeof(ss);
			int err = 0;

			getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
			printf("SO_ERROR %s\n", errno_name(err));
			if (err != 0)
				return err;
			/* Writable with no error: connected, or it was not writable. */
			if (getpeername(fd, (struct sockaddr *)&ss, &sslen) < 0) {
				early_wr++;
				continue;
			}
			connected = true;
			/* Level-triggered: writability is no news any more. */
			if (!strcmp(mode, "epoll-lt") &&
			    epoll_ctl(epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
				return errno;
		}
		if (!rd)
			continue;
		for (;;) {
			ssize_t n = read(fd, line + have, sizeof(line) - 1 - have);

			if (n < 0 && errno == EAGAIN) {
				empty += first;
				break;
			}
			first = false;
			if (n < 0)
				return errno;
			if (n == 0)
				return -1;
			have += (size_t)n;
			line[have] = '\0';
			if (strchr(line, '\n')) {
				*strchr(line, '\n') = '\0';
				printf("PEER-LINE %s\n", line);
				return 0;
			}
			if (!et)
				break;
		}
	}
	return ETIMEDOUT;
}

static void *
waiter_main(void *arg)
{
	*(int *)arg = wait_loop();
	return NULL;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct epoll_event ev;
	pthread_t waiter;
	bool known = false, threaded = false;
	int opt, rc, result;

	while ((opt = getopt(argc, argv, "rt")) != -1) {
		if (opt == 'r')
			read_only = true;
		else if (opt == 't')
			threaded = true;
		else
			return 2;
	}
	if (argc - optind != 3) {
		fprintf(stderr, "usage: rwclient [-r] [-t] MODE HOST PORT\n");
		return 2;
	}
	mode = argv[optind];
	for (const char *const *m = (const char *const[]){ "poll", "ppoll", "select",
		"pselect", "epoll-lt", "epoll-et", "epoll-et-before", NULL }; *m; m++)
		known = known || !strcmp(*m, mode);
	if (!known || (threaded && strncmp(mode, "epoll", 5))) {
		fprintf(stderr, "rwclient: %s is not a mode%s\n", mode,
			threaded ? " for -t" : "");
		return 2;
	}
	et = !strncmp(mode, "epoll-et", 8);
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[optind + 2]));
	if (inet_pton(AF_INET, argv[optind + 1], &sin.sin_addr) != 1)
		return 2;
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return 2;
	ev.events = EPOLLIN | (read_only ? 0 : EPOLLOUT) | (et ? EPOLLET : 0);
	ev.data.fd = fd;
	if (!strncmp(mode, "epoll", 5)) {
		epfd = epoll_create1(0);
		if (epfd < 0)
			return 2;
	}
	if (!strcmp(mode, "epoll-et-before") && epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return 2;
	if (threaded) {
		struct timespec ts = { 0, 100 * 1000000L };

		/* The waiter is in epoll_wait() before anything is pending. */
		if (pthread_create(&waiter, NULL, waiter_main, &result) != 0)
			return 2;
		nanosleep(&ts, NULL);
	}
	rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	printf("CONNECT-RC %s\n", rc == 0 ? "0" : errno_name(errno));
	if (rc < 0 && errno != EINPROGRESS) {
		printf("RESULT %s\n", errno_name(errno));
		return 1;
	}
	if (epfd >= 0 && strcmp(mode, "epoll-et-before") &&
	    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return 2;
	if (threaded)
		pthread_join(waiter, NULL);
	else
		result = wait_loop();
	printf("EARLY-READABLE %d\n", early);
	printf("EARLY-WRITABLE %d\n", early_wr);
	printf("EMPTY-READABLE %d\n", empty);
	printf("WAKEUPS %d\n", wakeups);
	printf("RESULT %s\n", result == 0 ? "ok" : result < 0 ? "EOF" :
	       result == ETIMEDOUT ? "CLIENT_TIMEOUT" : errno_name(result));
	return result == 0 ? 0 : 1;
}

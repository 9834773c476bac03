/*
 * A blocking TCP connect() under a stream of signals, reporting what it
 * saw one "KEY value" line at a time.  It knows nothing of SOCKS: run
 * through the library against a slow proxy, it checks that connect()
 * treats signals as the kernel's connect does (restarted after a handler
 * with SA_RESTART, EINTR after one without, and a further connect()
 * finishing the job).
 *
 *   sigconnect [options] HOST PORT
 *
 * HOST:PORT is tests/helpers/dest.py in echo mode: once connected, the
 * program reads its "PEER ..." line, sends "hello" and reads it back.
 *
 * Options:
 *   -r         install the SIGALRM handler with SA_RESTART (default: without)
 *   -i MS      a signal every MS milliseconds while connect() runs
 *              (default 20)
 *   -w WHO     who sends and who receives:
 *                process  setitimer(ITIMER_REAL): process-wide SIGALRM, the
 *                         main thread connects (the default)
 *                thread   a second thread connects; the main thread sends
 *                         SIGALRM to it with pthread_kill()
 *                other    the main thread connects; a second thread sends
 *                         SIGALRM to itself (raise()): never the connect's
 *   -s MS      set SO_SNDTIMEO to MS milliseconds before connect()
 *
 * Report lines:
 *   EINTR <n>              how many connect() calls failed with EINTR
 *   CONNECT 0|<errno name> how the connect ended (EISCONN counts as 0)
 *   SIGNALS <n>            handlers run while connect() was under way
 *   IN-CONNECTOR <n>       of them, in the connecting thread
 *   PEER-LINE <line>       the destination's first line
 *   ECHO <line>            "hello" read back
 *   RESULT ok|<errno name>
 *
 * Exit status: 0 when RESULT is ok, 1 otherwise, 2 for a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static atomic_int signals_seen;
static atomic_int signals_in_connector;
static atomic_bool connecting;
static pthread_t connector;

static int interval_ms = 20;
static int sndtimeo_ms;
static const char *host;
static int port;

static void
on_alarm(int sig)
{
	(void)sig;
	if (!atomic_load(&connecting))
		return;
	atomic_fetch_add(&signals_seen, 1);
	if (pthread_equal(pthread_self(), connector))
		atomic_fetch_add(&signals_in_connector, 1);
}

static const char *
errno_name(int e)
{
	switch (e) {
	case 0: return "0";
	case EINTR: return "EINTR";
	case EALREADY: return "EALREADY";
	case EISCONN: return "EISCONN";
	case EINPROGRESS: return "EINPROGRESS";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ETIMEDOUT: return "ETIMEDOUT";
	case EAGAIN: return "EAGAIN";
	case ECONNRESET: return "ECONNRESET";
	default: return strerror(e);
	}
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Read one line (up to '\n') into buf; false on EOF or error. */
static bool
read_line(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		ssize_t r = read(fd, buf + n, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return false;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return true;
}

/* Connect, riding over EINTR as a careful program does; 0 or an errno. */
static int
do_connect(int fd, int *eintr)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return EINVAL;
	for (int i = 0; i < 10000; i++) {
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			return 0;
		if (errno == EISCONN)
			return 0;
		if (errno != EINTR && errno != EALREADY)
			return errno;
		if (errno == EINTR)
			(*eintr)++;
	}
	return ETIMEDOUT;
}

static int
run_client(void)
{
	char line[256];
	int eintr = 0, rc;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return errno;
	if (sndtimeo_ms > 0) {
		struct timeval tv = { sndtimeo_ms / 1000, (sndtimeo_ms % 1000) * 1000 };

		if (setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
			return errno;
	}
	atomic_store(&connecting, true);
	rc = do_connect(fd, &eintr);
	atomic_store(&connecting, false);
	printf("EINTR %d\n", eintr);
	printf("CONNECT %s\n", errno_name(rc));
	printf("SIGNALS %d\n", atomic_load(&signals_seen));
	printf("IN-CONNECTOR %d\n", atomic_load(&signals_in_connector));
	if (rc != 0) {
		close(fd);
		return rc;
	}
	if (!read_line(fd, line, sizeof(line))) {
		close(fd);
		return ECONNRESET;
	}
	printf("PEER-LINE %s\n", line);
	if (write(fd, "hello\n", 6) != 6 || !read_line(fd, line, sizeof(line))) {
		close(fd);
		return ECONNRESET;
	}
	printf("ECHO %s\n", line);
	close(fd);
	return 0;
}

static void *
connector_main(void *arg)
{
	*(int *)arg = run_client();
	return NULL;
}

/* -w other: signal this thread, never the connecting one. */
static void *
self_signaller(void *arg)
{
	(void)arg;
	while (atomic_load(&connecting)) {
		raise(SIGALRM);
		sleep_ms(interval_ms);
	}
	return NULL;
}

int
main(int argc, char **argv)
{
	const char *who = "process";
	struct sigaction sa;
	bool restart = false;
	int opt, rc = 0;

	while ((opt = getopt(argc, argv, "ri:w:s:")) != -1) {
		switch (opt) {
		case 'r':
			restart = true;
			break;
		case 'i':
			interval_ms = atoi(optarg);
			break;
		case 'w':
			who = optarg;
			break;
		case 's':
			sndtimeo_ms = atoi(optarg);
			break;
		default:
			return 2;
		}
	}
	if (argc - optind != 2 || interval_ms <= 0 ||
	    (strcmp(who, "process") && strcmp(who, "thread") && strcmp(who, "other"))) {
		fprintf(stderr, "usage: sigconnect [-r] [-i MS] [-w process|thread|other] "
			"[-s MS] HOST PORT\n");
		return 2;
	}
	host = argv[optind];
	port = atoi(argv[optind + 1]);
	setvbuf(stdout, NULL, _IOLBF, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = restart ? SA_RESTART : 0;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0)
		return 2;

	if (!strcmp(who, "process")) {
		struct itimerval it = {
			{ interval_ms / 1000, (interval_ms % 1000) * 1000 },
			{ interval_ms / 1000, (interval_ms % 1000) * 1000 },
		};

		connector = pthread_self();
		setitimer(ITIMER_REAL, &it, NULL);
		rc = run_client();
		memset(&it, 0, sizeof(it));
		setitimer(ITIMER_REAL, &it, NULL);
	} else if (!strcmp(who, "thread")) {
		pthread_t t;
		sigset_t alrm;

		/* Only the connecting thread takes the signal. */
		sigemptyset(&alrm);
		sigaddset(&alrm, SIGALRM);
		atomic_store(&connecting, true);
		if (pthread_create(&t, NULL, connector_main, &rc) != 0)
			return 2;
		connector = t;
		pthread_sigmask(SIG_BLOCK, &alrm, NULL);
		while (atomic_load(&connecting)) {
			pthread_kill(t, SIGALRM);
			sleep_ms(interval_ms);
		}
		pthread_join(t, NULL);
	} else {
		pthread_t t;

		connector = pthread_self();
		atomic_store(&connecting, true);
		if (pthread_create(&t, NULL, self_signaller, NULL) != 0)
			return 2;
		rc = run_client();
		pthread_join(t, NULL);
	}
	printf("RESULT %s\n", rc == 0 ? "ok" : errno_name(rc));
	return rc == 0 ? 0 : 1;
}

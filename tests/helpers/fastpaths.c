/*
 * The calls the library answers without looking back after the system
 * call (dup(), epoll_wait() with a zero timeout, recvfrom() on a socket
 * nothing can give an association meanwhile), checked for what a program
 * sees: errno, cancellation, and a datagram that the proxy relays to a
 * socket whose association a signal handler opened during the receive.
 *
 *   fastpaths dup
 *       dup() of a descriptor that is not open: prints "DUP -1 EBADF";
 *       dup() of an open one: "DUP ok" when the copy reads what the
 *       original's pipe holds.
 *   fastpaths cancel
 *       A second thread takes a deferred cancellation request while its
 *       cancellation is disabled, enables it and calls epoll_wait() with a
 *       zero timeout, which must act on it: prints "CANCELLED" when the
 *       thread ended there, "RETURNED" when the call came back.
 *   fastpaths sigrecv HOST PORT
 *       One thread: a UDP socket blocks in recvfrom() with no association;
 *       a SIGALRM handler (SA_RESTART) sends "ping" from that socket to
 *       HOST:PORT (a UDP echo server), which opens the association through
 *       the proxy; the restarted receive must deliver the echo as from
 *       HOST:PORT.  Prints "RECV <bytes> FROM <ip> <port>".
 *
 * Exit status: 0 when the check passed, 1 otherwise, 2 for a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int
check_dup(void)
{
	int p[2], fd, copy, err;
	char c = 0;

	if (pipe(p) < 0)
		return 1;
	fd = p[0];
	close(p[1]);
	if (pipe(p) < 0)
		return 1;
	/* fd is open; take a number that is not. */
	close(fd);
	errno = 0;
	copy = dup(fd);
	err = errno;
	printf("DUP %d %s\n", copy, err == EBADF ? "EBADF" : strerror(err));
	if (copy != -1 || err != EBADF)
		return 1;
	if (write(p[1], "x", 1) != 1)
		return 1;
	copy = dup(p[0]);
	if (copy < 0 || read(copy, &c, 1) != 1 || c != 'x')
		return 1;
	close(copy);
	printf("DUP ok\n");
	return 0;
}

static pthread_barrier_t cancel_barrier;
static volatile int cancel_returned;

static void *
cancel_thread(void *arg)
{
	struct epoll_event ev;
	int ep = *(int *)arg;

	pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, NULL);
	pthread_barrier_wait(&cancel_barrier);
	/* The main thread has asked for the cancellation by now. */
	pthread_barrier_wait(&cancel_barrier);
	pthread_setcancelstate(PTHREAD_CANCEL_ENABLE, NULL);
	epoll_wait(ep, &ev, 1, 0);
	cancel_returned = 1;
	return NULL;
}

static int
check_cancel(void)
{
	pthread_t t;
	void *res = NULL;
	int ep = epoll_create1(0);

	if (ep < 0 || pthread_barrier_init(&cancel_barrier, NULL, 2) != 0)
		return 1;
	if (pthread_create(&t, NULL, cancel_thread, &ep) != 0)
		return 1;
	pthread_barrier_wait(&cancel_barrier);
	pthread_cancel(t);
	pthread_barrier_wait(&cancel_barrier);
	pthread_join(t, &res);
	if (res == PTHREAD_CANCELED && !cancel_returned) {
		printf("CANCELLED\n");
		return 0;
	}
	printf("RETURNED\n");
	return 1;
}

static int sig_fd = -1;
static struct sockaddr_in sig_dst;
static volatile int sig_sent = -1;

static void
on_alarm(int sig)
{
	int saved_errno = errno;

	(void)sig;
	sig_sent = (int)sendto(sig_fd, "ping", 4, 0, (struct sockaddr *)&sig_dst,
			       sizeof(sig_dst));
	errno = saved_errno;
}

static int
check_sigrecv(const char *host, const char *port)
{
	struct itimerval it = { .it_value = { .tv_usec = 200000 } };
	struct sigaction sa;
	struct sockaddr_in from;
	socklen_t fromlen = sizeof(from);
	char buf[64], ip[INET_ADDRSTRLEN];
	ssize_t n;

	memset(&sig_dst, 0, sizeof(sig_dst));
	sig_dst.sin_family = AF_INET;
	sig_dst.sin_port = htons((uint16_t)atoi(port));
	if (inet_pton(AF_INET, host, &sig_dst.sin_addr) != 1)
		return 2;
	sig_fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (sig_fd < 0)
		return 1;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &it, NULL) < 0)
		return 1;
	/* The socket needs a local port to wait on: an unproxied bind. */
	{
		struct sockaddr_in any = { .sin_family = AF_INET };

		if (bind(sig_fd, (struct sockaddr *)&any, sizeof(any)) < 0)
			return 1;
	}
	n = recvfrom(sig_fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from, &fromlen);
	if (n < 0) {
		printf("RECV error %s (sent %d)\n", strerror(errno), sig_sent);
		return 1;
	}
	buf[n] = '\0';
	inet_ntop(AF_INET, &from.sin_addr, ip, sizeof(ip));
	printf("RECV %s FROM %s %u\n", buf, ip, (unsigned)ntohs(from.sin_port));
	return strcmp(buf, "ping") == 0 && from.sin_addr.s_addr == sig_dst.sin_addr.s_addr &&
			       from.sin_port == sig_dst.sin_port ? 0 : 1;
}

int
main(int argc, char **argv)
{
	int rc = 2;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 2 && strcmp(argv[1], "dup") == 0)
		rc = check_dup();
	else if (argc == 2 && strcmp(argv[1], "cancel") == 0)
		rc = check_cancel();
	else if (argc == 4 && strcmp(argv[1], "sigrecv") == 0)
		rc = check_sigrecv(argv[2], argv[3]);
	else
		fprintf(stderr, "usage: fastpaths dup | cancel | sigrecv HOST PORT\n");
	return rc;
}

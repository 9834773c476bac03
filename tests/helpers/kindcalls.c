/*
 * Calls a socksifier should leave alone, between marks a trace can find:
 * write(-1, "SX-MARK-BEGIN") and write(-1, "SX-MARK-END") around each
 * region, so that "strace -f" shows which system calls each region made
 * beyond the program's own.
 *
 *   kindcalls udp       a UDP socket bound to 127.0.0.1: connect() to
 *                       itself, send, recv, close(dup())
 *   kindcalls unix      a UNIX datagram socketpair: sendto, recvfrom,
 *                       write, read, close(dup())
 *   kindcalls inherit   a UDP socket made, then the program exec's itself
 *                       with it ("inherited FD"): two regions, each a
 *                       connect() to loopback
 *
 * Prints "RESULT ok" (stdout) when every call did what it should; 1 and a
 * line on stderr otherwise, 2 for a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static void
mark(const char *what)
{
	/* The write fails (EBADF): it is only a sign in the trace. */
	if (write(-1, what, strlen(what)) >= 0)
		abort();
}

static int
fail(const char *what)
{
	fprintf(stderr, "kindcalls: %s: %s\n", what, strerror(errno));
	return 1;
}

/* A UDP socket bound to 127.0.0.1, its address in sin. */
static int
udp_self(struct sockaddr_in *sin)
{
	socklen_t len = sizeof(*sin);
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)sin, sizeof(*sin)) < 0 ||
	    getsockname(s, (struct sockaddr *)sin, &len) < 0)
		return -1;
	return s;
}

static int
run_udp(void)
{
	struct sockaddr_in sin;
	char buf[8];
	int s = udp_self(&sin);

	if (s < 0)
		return fail("udp socket");
	mark("SX-MARK-BEGIN");
	if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return fail("connect");
	if (send(s, "ping", 4, 0) != 4)
		return fail("send");
	if (recv(s, buf, sizeof(buf), 0) != 4)
		return fail("recv");
	if (close(dup(s)) < 0)
		return fail("close(dup())");
	mark("SX-MARK-END");
	return 0;
}

static int
run_unix(void)
{
	char buf[8];
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) < 0)
		return fail("socketpair");
	mark("SX-MARK-BEGIN");
	if (sendto(sv[0], "ping", 4, 0, NULL, 0) != 4)
		return fail("sendto");
	if (recvfrom(sv[1], buf, sizeof(buf), 0, NULL, NULL) != 4)
		return fail("recvfrom");
	if (write(sv[0], "pong", 4) != 4)
		return fail("write");
	if (read(sv[1], buf, sizeof(buf)) != 4)
		return fail("read");
	if (close(dup(sv[0])) < 0)
		return fail("close(dup())");
	mark("SX-MARK-END");
	return 0;
}

static int
run_inherited(int s)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(s, (struct sockaddr *)&sin, &len) < 0)
		return fail("the inherited socket");
	for (int i = 0; i < 2; i++) {
		mark("SX-MARK-BEGIN");
		if (connect(s, (struct sockaddr *)&sin, sizeof(sin)) < 0)
			return fail("connect");
		mark("SX-MARK-END");
	}
	return 0;
}

int
main(int argc, char **argv)
{
	int rc;

	if (argc == 3 && strcmp(argv[1], "inherited") == 0) {
		rc = run_inherited(atoi(argv[2]));
	} else if (argc == 2 && strcmp(argv[1], "udp") == 0) {
		rc = run_udp();
	} else if (argc == 2 && strcmp(argv[1], "unix") == 0) {
		rc = run_unix();
	} else if (argc == 2 && strcmp(argv[1], "inherit") == 0) {
		struct sockaddr_in sin;
		char fd[16];
		int s = udp_self(&sin);

		if (s < 0)
			return fail("udp socket");
		snprintf(fd, sizeof(fd), "%d", s);
		execl("/proc/self/exe", argv[0], "inherited", fd, (char *)NULL);
		return fail("exec");
	} else {
		fprintf(stderr, "usage: kindcalls udp|unix|inherit\n");
		return 2;
	}
	if (rc == 0)
		printf("RESULT ok\n");
	return rc;
}

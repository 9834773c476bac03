/*
 * A client that says which kind of program it is, for the tests of 32-bit
 * and 64-bit programs (tests/multiarch.bats).  The same source is built
 * for x86-64 (build/tests/helpers/archclient) and for i386
 * (build/i386/tests/helpers/archclient).
 *
 *   archclient HOST PORT [PROG ARGS...]
 *	Prints "ABI <32|64> PRELOADED <yes|no>" (whether a libsocksify.so is
 *	mapped into it) and "MACHINE <uname machine>" (x86_64 for a program
 *	the kernel runs, i686 under qemu-i386), resolves HOST with getaddrinfo() (a name or an
 *	address; through socks5h the library answers a name with a fake
 *	address), connects to it on PORT (tests/helpers/dest.py in echo
 *	mode), sends a line and reads it back.  Lines: "ADDR <ip>", then
 *	"ECHO <ABI> ok" or "<step> ERRNO <name>".  With PROG it then execs
 *	PROG with ARGS (stdout flushed first), whatever the kind of PROG.
 *	Exit status: 0 when the echo came back and PROG (if any) was execed,
 *	1 otherwise.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>

/* Whether a libsocksify.so is mapped into this process. */
static int
is_preloaded(void)
{
	char line[512];
	FILE *maps = fopen("/proc/self/maps", "r");
	int found = 0;

	if (maps == NULL)
		return 0;
	while (fgets(line, sizeof(line), maps) != NULL) {
		if (strstr(line, "libsocksify.so") != NULL) {
			found = 1;
			break;
		}
	}
	fclose(maps);
	return found;
}

static int
fail(const char *step, int err)
{
	printf("%s ERRNO %s\n", step, strerrorname_np(err) ? strerrorname_np(err) : "?");
	return 1;
}

/* Reads one line (up to the newline) into buf; returns its length or -1. */
static ssize_t
read_line(int fd, char *buf, size_t size)
{
	size_t n = 0;

	while (n + 1 < size) {
		ssize_t got = read(fd, buf + n, 1);

		if (got <= 0)
			return -1;
		n++;
		if (buf[n - 1] == '\n')
			break;
	}
	buf[n] = '\0';
	return (ssize_t)n;
}

static int
echo_once(const char *host, const char *port)
{
	struct addrinfo hints, *res = NULL;
	struct timeval tv = { .tv_sec = 10, .tv_usec = 0 };
	char ip[INET6_ADDRSTRLEN], line[256], want[64];
	int fd, rc, abi = (int)(sizeof(void *) * 8);

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		printf("RESOLVE FAIL %s\n", gai_strerror(rc));
		return 1;
	}
	inet_ntop(AF_INET, &((struct sockaddr_in *)res->ai_addr)->sin_addr, ip,
		  sizeof(ip));
	printf("ADDR %s\n", ip);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		freeaddrinfo(res);
		return fail("SOCKET", errno);
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		rc = errno;
		freeaddrinfo(res);
		close(fd);
		return fail("CONNECT", rc);
	}
	freeaddrinfo(res);
	/* dest.py first greets with "PEER <ip> <port>", then echoes. */
	if (read_line(fd, line, sizeof(line)) < 0 || strncmp(line, "PEER ", 5) != 0) {
		close(fd);
		printf("GREETING FAIL\n");
		return 1;
	}
	snprintf(want, sizeof(want), "hello from a %d-bit program\n", abi);
	if (write(fd, want, strlen(want)) != (ssize_t)strlen(want)) {
		rc = errno;
		close(fd);
		return fail("WRITE", rc);
	}
	if (read_line(fd, line, sizeof(line)) < 0 || strcmp(line, want) != 0) {
		close(fd);
		printf("ECHO %d FAIL\n", abi);
		return 1;
	}
	close(fd);
	printf("ECHO %d ok\n", abi);
	return 0;
}

int
main(int argc, char **argv)
{
	struct utsname uts;

	if (argc < 3) {
		fprintf(stderr, "usage: archclient HOST PORT [PROG ARGS...]\n");
		return 2;
	}
	printf("ABI %d PRELOADED %s\n", (int)(sizeof(void *) * 8),
	       is_preloaded() ? "yes" : "no");
	printf("MACHINE %s\n", uname(&uts) == 0 ? uts.machine : "?");
	if (echo_once(argv[1], argv[2]) != 0)
		return 1;
	if (argc > 3) {
		fflush(stdout);
		execv(argv[3], argv + 3);
		return fail("EXEC", errno);
	}
	return 0;
}

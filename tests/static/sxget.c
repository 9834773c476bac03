/*
 * sxget: a statically linked TCP client, to be run where the library
 * cannot be preloaded.
 *
 *   sxget [-b] HOST PORT
 *
 * Resolves HOST with getaddrinfo() (a name goes through the C library's
 * own DNS code, compiled into the program), connects to the first
 * address (non-blocking, waited for with poll(), unless -b asks for a
 * blocking connect), prints "RESOLVED <ip>" for that address, sends
 * "hello\n" and prints what comes back until the
 * peer closes or 2 seconds pass, then one line "PEERNAME <ip> <port>"
 * with what getpeername() says.  Exit status 0, or 1 with one line
 * "sxget: ..." on failure.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int
fail(const char *what, const char *why)
{
	fprintf(stderr, "sxget: %s: %s\n", what, why);
	return 1;
}

int
main(int argc, char **argv)
{
	struct addrinfo hints, *res;
	struct sockaddr_storage peer;
	socklen_t plen = sizeof(peer);
	char buf[4096], host[INET6_ADDRSTRLEN], port[8];
	struct pollfd p;
	int blocking = 0, fd, rc, err = 0;
	socklen_t elen = sizeof(err);

	if (argc > 1 && strcmp(argv[1], "-b") == 0) {
		blocking = 1;
		argv++;
		argc--;
	}
	if (argc != 3)
		return fail("usage", "sxget [-b] HOST PORT");
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(argv[1], argv[2], &hints, &res);
	if (rc != 0)
		return fail(argv[1], gai_strerror(rc));
	getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof(host), NULL, 0,
		    NI_NUMERICHOST);
	printf("RESOLVED %s\n", host);
	fflush(stdout);
	fd = socket(res->ai_family, SOCK_STREAM | (blocking ? 0 : SOCK_NONBLOCK), 0);
	if (fd < 0)
		return fail("socket", strerror(errno));
	rc = connect(fd, res->ai_addr, res->ai_addrlen);
	if (rc < 0 && errno == EINPROGRESS) {
		p.fd = fd;
		p.events = POLLOUT;
		if (poll(&p, 1, 10000) != 1)
			return fail("connect", "timed out");
		getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &elen);
		if (err)
			return fail("connect", strerror(err));
	} else if (rc < 0) {
		return fail("connect", strerror(errno));
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	if (write(fd, "hello\n", 6) != 6)
		return fail("write", strerror(errno));
	for (;;) {
		ssize_t n;

		p.fd = fd;
		p.events = POLLIN;
		if (poll(&p, 1, 2000) != 1)
			break;
		n = read(fd, buf, sizeof(buf));
		if (n <= 0)
			break;
		fwrite(buf, 1, (size_t)n, stdout);
		if (memchr(buf, '\n', (size_t)n) && strstr(buf, "hello"))
			break;
	}
	if (getpeername(fd, (struct sockaddr *)&peer, &plen) < 0)
		return fail("getpeername", strerror(errno));
	getnameinfo((struct sockaddr *)&peer, plen, host, sizeof(host), port,
		    sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV);
	printf("PEERNAME %s %s\n", host, port);
	close(fd);
	freeaddrinfo(res);
	return 0;
}

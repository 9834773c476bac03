/*
 * libcnames HOST PORT: a client that reaches the network only through the
 * second names the C library exports for its calls (__connect, __poll,
 * __select, __send, __write, __read, __fcntl, __dup2, __close), as old or
 * unusual programs do.  HOST PORT is an echo server (tests/helpers/dest.py);
 * prints its PEER line ("DEST PEER <ip> <port>") and the echo ("ECHO ...").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

extern int __connect(int, const struct sockaddr *, socklen_t);
extern int __poll(struct pollfd *, nfds_t, int);
extern int __select(int, fd_set *, fd_set *, fd_set *, struct timeval *);
extern ssize_t __send(int, const void *, size_t, int);
extern ssize_t __write(int, const void *, size_t);
extern ssize_t __read(int, void *, size_t);
extern int __fcntl(int, int, ...);
extern int __dup2(int, int);
extern int __close(int);

/* One line from fd, waiting with __select(), within 5 s. */
static int
line_from(int fd, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		struct timeval tv = { 5, 0 };
		fd_set r;

		FD_ZERO(&r);
		FD_SET(fd, &r);
		if (__select(fd + 1, &r, NULL, NULL, &tv) <= 0)
			return -1;
		if (__read(fd, buf + n, 1) != 1)
			return -1;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = '\0';
	return 0;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa;
	struct pollfd p;
	char line[256];
	int fd, copy, err = 0;
	socklen_t len = sizeof(err);

	if (argc != 3)
		return 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(argv[2]));
	inet_pton(AF_INET, argv[1], &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	__fcntl(fd, F_SETFL, __fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (__connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno != EINPROGRESS) {
		printf("CONNECT %s\n", strerror(errno));
		return 1;
	}
	p.fd = fd;
	p.events = POLLOUT;
	if (__poll(&p, 1, 5000) != 1) {
		printf("POLL nothing\n");
		return 1;
	}
	getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
	printf("SO_ERROR %d\n", err);
	copy = __dup2(fd, 20);
	__close(fd);
	if (line_from(copy, line, sizeof(line)) == 0)
		printf("DEST %s\n", line);
	if (__send(copy, "he", 2, 0) != 2 || __write(copy, "llo\n", 4) != 4)
		printf("SEND %s\n", strerror(errno));
	if (line_from(copy, line, sizeof(line)) == 0)
		printf("ECHO %s\n", line);
	__close(copy);
	return 0;
}

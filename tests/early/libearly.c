/*
 * libearly.so: a library whose constructor uses the network before
 * libsocksify.so's constructor has run (preloaded after it, its
 * constructor runs first).  Every call it makes is a hooked one, each
 * reached for the first time from here, as a library's own start-up
 * code would; it prints one line per step.
 *
 * EARLY_ECHO_PORT names a TCP echo server on 127.0.0.1 (tests/helpers/
 * dest.py: "PEER <ip> <port>" first), reached through the proxy.  Its
 * destructor, which runs during exit(), connects once more ("LATE ...").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

static void
step(const char *what, long rc)
{
	printf("EARLY %s %s\n", what, rc < 0 ? strerror(errno) : "ok");
}

__attribute__((constructor)) static void
early(void)
{
	struct sockaddr_in sa, peer;
	socklen_t len = sizeof(peer);
	struct epoll_event ev = { .events = EPOLLOUT }, out;
	struct pollfd pfd;
	struct timeval tv = { 1, 0 };
	struct iovec iov;
	fd_set w;
	char buf[128];
	const char *port = getenv("EARLY_ECHO_PORT");
	int p[2], fd, ep, copy, n;

	if (!port)
		return;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(p) < 0)
		return;
	step("write", write(p[1], "x", 1));
	step("read", read(p[0], buf, 1));
	iov.iov_base = buf;
	iov.iov_len = 1;
	step("writev", writev(p[1], &iov, 1));
	step("readv", readv(p[0], &iov, 1));
	FD_ZERO(&w);
	FD_SET(p[1], &w);
	step("select", select(p[1] + 1, NULL, &w, NULL, &tv));
	pfd.fd = p[1];
	pfd.events = POLLOUT;
	step("poll", poll(&pfd, 1, 1000));
	ep = epoll_create1(EPOLL_CLOEXEC);
	step("epoll_ctl", epoll_ctl(ep, EPOLL_CTL_ADD, p[1], &ev));
	step("epoll_wait", epoll_wait(ep, &out, 1, 1000));
	step("dup", copy = dup(p[0]));
	step("dup2", dup2(p[0], copy));
	step("dup3", dup3(p[0], copy, O_CLOEXEC));
	step("fcntl", fcntl(p[0], F_DUPFD_CLOEXEC, 0));
	step("close", close(copy));

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(port));
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	step("getsockopt", getsockopt(fd, SOL_SOCKET, SO_TYPE, &n, &len));
	step("connect", connect(fd, (struct sockaddr *)&sa, sizeof(sa)));
	len = sizeof(peer);
	step("getpeername", getpeername(fd, (struct sockaddr *)&peer, &len));
	len = sizeof(peer);
	step("getsockname", getsockname(fd, (struct sockaddr *)&peer, &len));
	n = (int)recv(fd, buf, sizeof(buf) - 1, 0);
	if (n > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		printf("EARLY DEST %s\n", buf);
	}
	step("send", send(fd, "hi\n", 3, 0));
	step("shutdown", shutdown(fd, SHUT_WR));
	step("close", close(fd));
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_port = 0;
	step("bind", bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	step("listen", listen(fd, 1));
	close(fd);
	printf("EARLY done\n");
}

__attribute__((destructor)) static void
late(void)
{
	struct sockaddr_in sa;
	const char *port = getenv("EARLY_ECHO_PORT");
	char buf[128];
	int fd, n;

	if (!port)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(port));
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	printf("LATE connect %s\n", connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ?
	       strerror(errno) : "ok");
	n = (int)read(fd, buf, sizeof(buf) - 1);
	if (n > 0) {
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		printf("LATE DEST %s\n", buf);
	}
	close(fd);
	fflush(stdout);
}

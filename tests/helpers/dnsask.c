/*
 * dnsask RECV WAIT CONNECT SERVER NAME: one A query for NAME written by
 * hand to SERVER (an IPv4 address) port 53 over UDP, as c-ares does, and
 * its answer read back with the receive call RECV (recvfrom, recvmsg,
 * read, recvmmsg) after waiting with WAIT (poll, select, epoll).
 * CONNECT 1: connect() to the server first, then send(); 0: sendto().
 *
 * Prints "FROM <ip> <port>" (the sender the receive call reports; for
 * read, getpeername()) and "A <ip>" for the answer's first address, or
 * "RCODE <n>" when it has none.  On failure prints "FAIL <what>: <error>"
 * and exits 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <unistd.h>

#define WAIT_MS 5000

static void
fail(const char *what)
{
	printf("FAIL %s: %s\n", what, strerror(errno));
	exit(1);
}

/* The query: ID 0x5a5a, RD, one question NAME A IN.  Its length. */
static size_t
build_query(unsigned char *q, const char *name)
{
	size_t n = 0;
	const char *p = name;

	memset(q, 0, 12);
	q[0] = 0x5a;
	q[1] = 0x5a;
	q[2] = 0x01;
	q[5] = 1;
	n = 12;
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t l = dot ? (size_t)(dot - p) : strlen(p);

		q[n++] = (unsigned char)l;
		memcpy(q + n, p, l);
		n += l;
		p += l;
		if (*p == '.')
			p++;
	}
	q[n++] = 0;
	q[n++] = 0;
	q[n++] = 1;
	q[n++] = 0;
	q[n++] = 1;
	return n;
}

static void
wait_readable(int fd, const char *how)
{
	int rc;

	if (strcmp(how, "poll") == 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		rc = poll(&p, 1, WAIT_MS);
	} else if (strcmp(how, "select") == 0) {
		struct timeval tv = { .tv_sec = WAIT_MS / 1000 };
		fd_set set;

		FD_ZERO(&set);
		FD_SET(fd, &set);
		rc = select(fd + 1, &set, NULL, NULL, &tv);
	} else {
		struct epoll_event ev = { .events = EPOLLIN }, out;
		int ep = epoll_create1(EPOLL_CLOEXEC);

		if (ep < 0)
			fail("epoll_create1");
		ev.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
			fail("epoll_ctl");
		rc = epoll_wait(ep, &out, 1, WAIT_MS);
		close(ep);
	}
	if (rc < 0)
		fail(how);
	if (rc == 0) {
		errno = ETIMEDOUT;
		fail(how);
	}
}

int
main(int argc, char **argv)
{
	unsigned char q[300], r[600];
	struct sockaddr_in ns, from;
	socklen_t fromlen = sizeof(from);
	char text[INET_ADDRSTRLEN];
	size_t qlen;
	ssize_t n;
	int fd, conn;

	if (argc != 6) {
		fprintf(stderr, "usage: dnsask RECV WAIT CONNECT SERVER NAME\n");
		return 2;
	}
	conn = atoi(argv[3]);
	memset(&ns, 0, sizeof(ns));
	ns.sin_family = AF_INET;
	ns.sin_port = htons(53);
	if (inet_pton(AF_INET, argv[4], &ns.sin_addr) != 1) {
		errno = EINVAL;
		fail("server");
	}
	qlen = build_query(q, argv[5]);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	if (fd < 0)
		fail("socket");
	if (conn) {
		if (connect(fd, (struct sockaddr *)&ns, sizeof(ns)) < 0)
			fail("connect");
		if (send(fd, q, qlen, 0) != (ssize_t)qlen)
			fail("send");
	} else if (sendto(fd, q, qlen, 0, (struct sockaddr *)&ns, sizeof(ns)) != (ssize_t)qlen) {
		fail("sendto");
	}
	wait_readable(fd, argv[2]);
	memset(&from, 0, sizeof(from));
	if (strcmp(argv[1], "recvfrom") == 0) {
		n = recvfrom(fd, r, sizeof(r), 0, (struct sockaddr *)&from, &fromlen);
	} else if (strcmp(argv[1], "recvmsg") == 0 || strcmp(argv[1], "recvmmsg") == 0) {
		struct iovec iov[2] = { { r, 7 }, { r + 7, sizeof(r) - 7 } };
		struct mmsghdr mm;

		memset(&mm, 0, sizeof(mm));
		mm.msg_hdr.msg_name = &from;
		mm.msg_hdr.msg_namelen = sizeof(from);
		mm.msg_hdr.msg_iov = iov;
		mm.msg_hdr.msg_iovlen = 2;
		if (argv[1][4] == 'm') {
			n = recvmmsg(fd, &mm, 1, 0, NULL);
			if (n == 1)
				n = mm.msg_len;
		} else {
			n = recvmsg(fd, &mm.msg_hdr, 0);
		}
		fromlen = mm.msg_hdr.msg_namelen;
	} else {
		n = read(fd, r, sizeof(r));
		if (n >= 0 && getpeername(fd, (struct sockaddr *)&from, &fromlen) < 0)
			fail("getpeername");
	}
	if (n < 0)
		fail(argv[1]);
	printf("FROM %s %u\n", inet_ntop(AF_INET, &from.sin_addr, text, sizeof(text)),
	       (unsigned)ntohs(from.sin_port));
	if (n < 12 || r[0] != 0x5a || r[1] != 0x5a || !(r[2] & 0x80)) {
		errno = EPROTO;
		fail("answer");
	}
	/* The first answer of a one-question reply to an A query ends the message's first A record. */
	if (r[7] == 0) {
		printf("RCODE %d\n", r[3] & 0x0f);
		return 0;
	}
	if ((size_t)n < qlen + 16) {
		errno = EPROTO;
		fail("short answer");
	}
	printf("A %s\n", inet_ntop(AF_INET, r + qlen + 12, text, sizeof(text)));
	return 0;
}

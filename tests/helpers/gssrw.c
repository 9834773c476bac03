/*
 * The calls around plain read and write on a stream, against an echo
 * server (tests/helpers/dest.py, which first sends "PEER ...\n"): run
 * through the library on a connection with GSSAPI protection, it checks
 * that each sees the program's bytes, not the wrapped ones.
 *
 *   gssrw HOST PORT
 *
 * In order: writev() of three pieces and 5000 bytes; the PEER line read
 * one byte at a time with read(); recv(MSG_PEEK) of 10 bytes, which must
 * be the first echoed ones and stay; ioctl(FIONREAD), which must count
 * between 1 and what is still to come; readv() into two buffers until
 * everything has come back; splice() from the socket into a pipe;
 * sendfile() of a 3000-byte file, read back with recv(); a write on a
 * dup() of the socket read back on the socket, the copy then closed; send()
 * of one byte with MSG_OOB.  Report lines:
 *
 *   PEEK ok|<what>   FIONREAD ok|<n>   READV ok|<what>
 *   SPLICE <errno name>|<count>   SENDFILE ok|<what>   DUP ok|<what>
 *   OOB <errno name>|<n>
 *
 * Exit status: 0 when every line says what it should, 1 otherwise, 2 for
 * a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#define BULK 5000
#define FILE_BYTES 3000

static const char *
errname(int err)
{
	switch (err) {
	case EOPNOTSUPP:
		return "EOPNOTSUPP";
	case EINVAL:
		return "EINVAL";
	case EIO:
		return "EIO";
	default:
		return strerror(err);
	}
}

/* Read exactly len bytes with recv(); 0 or -1. */
static int
recv_all(int fd, unsigned char *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = recv(fd, buf + got, len - got, 0);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static unsigned char out[BULK + 10], in[BULK + 10], file[FILE_BYTES];
	struct sockaddr_in sin;
	struct iovec iov[4];
	size_t got = 0;
	int fd, pipefd[2], ffd, avail = -1, bad = 0;
	char tmpl[] = "/tmp/gssrw.XXXXXX";
	char c = 0;
	ssize_t n;

	if (argc != 3)
		return 2;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &sin.sin_addr) != 1)
		return 2;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		printf("CONNECT %s\n", errname(errno));
		return 1;
	}
	memcpy(out, "abcdefghij", 10);
	for (size_t i = 10; i < sizeof(out); i++)
		out[i] = (unsigned char)(i * 7 + 3);
	iov[0] = (struct iovec){ out, 3 };
	iov[1] = (struct iovec){ out + 3, 5 };
	iov[2] = (struct iovec){ out + 8, 2 };
	iov[3] = (struct iovec){ out + 10, BULK };
	if (writev(fd, iov, 4) != (ssize_t)sizeof(out)) {
		printf("WRITEV %s\n", errname(errno));
		return 1;
	}
	while (c != '\n') {
		if (read(fd, &c, 1) != 1) {
			printf("PEER-LINE %s\n", errname(errno));
			return 1;
		}
	}

	n = recv(fd, in, 10, MSG_PEEK);
	if (n <= 0 || memcmp(in, out, (size_t)n) != 0) {
		printf("PEEK %zd\n", n);
		bad = 1;
	} else {
		printf("PEEK ok\n");
	}
	if (ioctl(fd, FIONREAD, &avail) < 0 || avail < 1 || avail > (int)sizeof(out)) {
		printf("FIONREAD %d\n", avail);
		bad = 1;
	} else {
		printf("FIONREAD ok\n");
	}
	while (got < sizeof(in)) {
		size_t half = (sizeof(in) - got) / 2;

		iov[0] = (struct iovec){ in + got, half };
		iov[1] = (struct iovec){ in + got + half, sizeof(in) - got - half };
		n = readv(fd, iov, 2);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != sizeof(in) || memcmp(in, out, sizeof(in)) != 0) {
		printf("READV got %zu\n", got);
		bad = 1;
	} else {
		printf("READV ok\n");
	}

	if (pipe(pipefd) < 0)
		return 1;
	n = splice(fd, NULL, pipefd[1], NULL, 10, SPLICE_F_NONBLOCK);
	if (n < 0) {
		printf("SPLICE %s\n", errname(errno));
		bad |= errno != EOPNOTSUPP;
	} else {
		printf("SPLICE %zd\n", n);
		bad = 1;
	}

	for (size_t i = 0; i < sizeof(file); i++)
		file[i] = (unsigned char)(i * 13 + 1);
	ffd = mkstemp(tmpl);
	if (ffd < 0 || write(ffd, file, sizeof(file)) != (ssize_t)sizeof(file) ||
	    lseek(ffd, 0, SEEK_SET) != 0)
		return 1;
	unlink(tmpl);
	got = 0;
	while (got < sizeof(file)) {
		n = sendfile(fd, ffd, NULL, sizeof(file) - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	if (got != sizeof(file) || recv_all(fd, in, sizeof(file)) < 0 ||
	    memcmp(in, file, sizeof(file)) != 0) {
		printf("SENDFILE sent %zu\n", got);
		bad = 1;
	} else {
		printf("SENDFILE ok\n");
	}
	close(ffd);
	{
		int copy = dup(fd);
		unsigned char back[4];

		if (copy < 0 || write(copy, "dup!", 4) != 4 || close(copy) < 0 ||
		    recv_all(fd, back, 4) < 0 || memcmp(back, "dup!", 4) != 0) {
			printf("DUP failed\n");
			bad = 1;
		} else {
			printf("DUP ok\n");
		}
	}
	n = send(fd, "!", 1, MSG_OOB);
	if (n < 0) {
		printf("OOB %s\n", errname(errno));
		bad |= errno != EOPNOTSUPP;
	} else {
		printf("OOB %zd\n", n);
		bad = 1;
	}
	close(fd);
	return bad;
}

/*
 * udpmmsg HOST PORT: batches of datagrams with sendmmsg() and recvmmsg()
 * through a UDP echo server (tests/helpers/udpecho.py), and errno across
 * calls that succeed.
 *
 * Sends 8 datagrams of different sizes in one sendmmsg() (each with HOST
 * and PORT as its address), then collects the 8 echoes with recvmmsg()
 * (MSG_WAITFORONE, so each call returns what has arrived), checking bytes
 * and senders.  Prints "MMSG <sent> <received>" and, when a successful
 * sendto()/recvfrom() left errno alone, "ERRNO-KEPT".  On failure prints
 * "FAIL <what>: <error>" and exits 1.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define BATCH 8

static int
fail(const char *what)
{
	printf("FAIL %s: %s\n", what, strerror(errno));
	return 1;
}

static void
fill(unsigned char *buf, size_t len, int seed)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed * 37 + i * 11);
}

int
main(int argc, char **argv)
{
	struct sockaddr_storage dst;
	socklen_t dstlen;
	struct mmsghdr out[BATCH], in[BATCH];
	struct iovec oiov[BATCH], iiov[BATCH];
	struct sockaddr_storage from[BATCH];
	static unsigned char obuf[BATCH][1400], ibuf[BATCH][1500];
	struct timeval tv = { 5, 0 };
	int fd, sent, got = 0;
	unsigned char seen[BATCH] = { 0 };
	char ping[4];
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: udpmmsg HOST PORT\n");
		return 2;
	}
	memset(&dst, 0, sizeof(dst));
	if (strchr(argv[1], ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&dst;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((unsigned short)atoi(argv[2]));
		inet_pton(AF_INET6, argv[1], &s6->sin6_addr);
		dstlen = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&dst;

		s4->sin_family = AF_INET;
		s4->sin_port = htons((unsigned short)atoi(argv[2]));
		inet_pton(AF_INET, argv[1], &s4->sin_addr);
		dstlen = sizeof(*s4);
	}
	fd = socket(dst.ss_family, SOCK_DGRAM, 0);
	if (fd < 0)
		return fail("socket");
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));

	memset(out, 0, sizeof(out));
	for (int i = 0; i < BATCH; i++) {
		size_t len = (size_t)(i * 170);

		fill(obuf[i], len, i);
		oiov[i].iov_base = obuf[i];
		oiov[i].iov_len = len;
		out[i].msg_hdr.msg_name = &dst;
		out[i].msg_hdr.msg_namelen = dstlen;
		out[i].msg_hdr.msg_iov = &oiov[i];
		out[i].msg_hdr.msg_iovlen = 1;
	}
	sent = sendmmsg(fd, out, BATCH, 0);
	if (sent != BATCH)
		return fail("sendmmsg");
	for (int i = 0; i < BATCH; i++) {
		if (out[i].msg_len != oiov[i].iov_len) {
			errno = EIO;
			return fail("sendmmsg length");
		}
	}

	while (got < BATCH) {
		int r;

		memset(in, 0, sizeof(in));
		for (int i = 0; i < BATCH; i++) {
			iiov[i].iov_base = ibuf[i];
			iiov[i].iov_len = sizeof(ibuf[i]);
			in[i].msg_hdr.msg_name = &from[i];
			in[i].msg_hdr.msg_namelen = sizeof(from[i]);
			in[i].msg_hdr.msg_iov = &iiov[i];
			in[i].msg_hdr.msg_iovlen = 1;
		}
		r = recvmmsg(fd, in, BATCH, MSG_WAITFORONE, NULL);
		if (r <= 0)
			return fail("recvmmsg");
		for (int i = 0; i < r; i++) {
			int k = (int)(in[i].msg_len / 170);

			if (k >= BATCH || in[i].msg_len != (unsigned int)(k * 170) ||
			    memcmp(ibuf[i], obuf[k], in[i].msg_len) != 0 || seen[k]) {
				errno = EBADMSG;
				return fail("recvmmsg data");
			}
			if (in[i].msg_hdr.msg_namelen != dstlen ||
			    memcmp(&from[i], &dst, dstlen) != 0) {
				errno = EADDRNOTAVAIL;
				return fail("recvmmsg sender");
			}
			seen[k] = 1;
			got++;
		}
	}
	printf("MMSG %d %d\n", sent, got);

	errno = 1234;
	n = sendto(fd, "ping", 4, 0, (struct sockaddr *)&dst, dstlen);
	if (n != 4)
		return fail("sendto");
	if (errno != 1234) {
		printf("FAIL sendto changed errno to %d\n", errno);
		return 1;
	}
	errno = 4321;
	n = recvfrom(fd, ping, sizeof(ping), 0, NULL, NULL);
	if (n != 4)
		return fail("recvfrom");
	if (errno != 4321) {
		printf("FAIL recvfrom changed errno to %d\n", errno);
		return 1;
	}
	printf("ERRNO-KEPT\n");
	close(fd);
	return 0;
}

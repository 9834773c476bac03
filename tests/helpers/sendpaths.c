/*
 * sendpaths MODE ARGS...: one datagram (or one TCP Fast Open send) down a
 * path that goes around the usual sendto() with an AF_INET address, for
 * the end-to-end tests of tests/sendpaths.bats.
 *
 *   sendpaths sendto-unspec HOST PORT     sendto() to an address whose
 *   sendpaths sendmsg-unspec HOST PORT    sin_family is AF_UNSPEC (the
 *   sendpaths sendmmsg-unspec HOST PORT   kernel reads it as AF_INET)
 *   sendpaths assoc-unspec HOST PORT      first an AF_INET sendto(), then
 *                                         an AF_UNSPEC one on that socket
 *   sendpaths v6-peer-unspec HOST PORT    an IPv6 socket connected to
 *                                         [HOST]:PORT sends to AF_UNSPEC
 *                                         (the kernel: to the peer)
 *   sendpaths raw-unspec HOST             a raw UDP socket, AF_UNSPEC
 *   sendpaths sys-sendto HOST PORT        syscall(SYS_sendto) and
 *                                         syscall(SYS_recvfrom)
 *   sendpaths sys-sendmsg HOST PORT       syscall(SYS_sendmsg) and
 *                                         syscall(SYS_recvmsg)
 *   sendpaths sys-fastopen HOST PORT      a TCP socket, syscall(SYS_sendto)
 *                                         with MSG_FASTOPEN, then read() the
 *                                         echo (tests/helpers/dest.py: its
 *                                         "PEER ..." line is printed)
 *   sendpaths sys-fastopen-msg HOST PORT  the same with SYS_sendmsg
 *   sendpaths packet IFNAME HOST PORT     an AF_PACKET socket, one IPv4/UDP
 *                                         frame to HOST:PORT on IFNAME
 *   sendpaths sys-packet IFNAME HOST PORT the same, socket made through
 *                                         syscall(SYS_socket)
 *   sendpaths packet-inherit IFNAME HOST PORT CMD...
 *                                         make the packet socket, then
 *                                         exec CMD... packet-fd FD IFNAME
 *                                         HOST PORT (the socket inherited)
 *   sendpaths packet-fd FD IFNAME HOST PORT  send on the inherited FD
 *
 * Output, one line each: "SENT <bytes>" after a send that succeeded,
 * "ERRNO <name>" (and exit 0) when a call failed, "ECHO <text>" when the
 * echo came back with the payload intact, "NOECHO <why>" when it did not.
 * Usage errors exit 2.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <linux/if_packet.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

#define PAYLOAD "sendpaths-datagram"

static int
report_errno(void)
{
	const char *name = strerrorname_np(errno);

	printf("ERRNO %s\n", name ? name : "?");
	return 0;
}

static int
usage(void)
{
	fprintf(stderr, "usage: sendpaths MODE ARGS... (see the source)\n");
	return 2;
}

/* HOST PORT as a struct sockaddr_in with the given family field. */
static void
make_dst(struct sockaddr_in *sin, const char *host, const char *port,
	 sa_family_t family)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = family;
	sin->sin_port = htons((unsigned short)atoi(port));
	inet_pton(AF_INET, host, &sin->sin_addr);
}

static void
set_timeout(int fd)
{
	struct timeval tv = { 3, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
}

/* Wait for the echo with recvfrom() or, raw, with syscall(SYS_recvfrom/SYS_recvmsg). */
static void
await_echo(int fd, int how)
{
	char buf[256];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	struct iovec iov = { .iov_base = buf, .iov_len = sizeof(buf) - 1 };
	struct msghdr msg;
	long n;

	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &from;
	msg.msg_namelen = sizeof(from);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (how == SYS_recvfrom)
		n = syscall(SYS_recvfrom, fd, buf, sizeof(buf) - 1, 0,
			    (struct sockaddr *)&from, &fromlen);
	else if (how == SYS_recvmsg)
		n = syscall(SYS_recvmsg, fd, &msg, 0);
	else
		n = recvfrom(fd, buf, sizeof(buf) - 1, 0, (struct sockaddr *)&from,
			     &fromlen);
	if (n < 0) {
		printf("NOECHO %s\n", strerrorname_np(errno));
		return;
	}
	buf[n] = '\0';
	if ((size_t)n == strlen(PAYLOAD) && memcmp(buf, PAYLOAD, (size_t)n) == 0)
		printf("ECHO %s\n", buf);
	else
		printf("NOECHO got %ld bytes\n", n);
}

static int
udp_socket(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	if (fd < 0) {
		perror("socket");
		exit(1);
	}
	set_timeout(fd);
	return fd;
}

static int
send_unspec(const char *mode, const char *host, const char *port)
{
	struct sockaddr_in dst;
	struct iovec iov = { .iov_base = PAYLOAD, .iov_len = strlen(PAYLOAD) };
	struct msghdr msg;
	struct mmsghdr mm;
	int fd = udp_socket();
	long n;

	if (strcmp(mode, "assoc-unspec") == 0) {
		make_dst(&dst, host, port, AF_INET);
		n = sendto(fd, PAYLOAD, strlen(PAYLOAD), 0, (struct sockaddr *)&dst,
			   sizeof(dst));
		if (n < 0)
			return report_errno();
		printf("SENT %ld\n", n);
		await_echo(fd, 0);
	}
	make_dst(&dst, host, port, AF_UNSPEC);
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &dst;
	msg.msg_namelen = sizeof(dst);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (strcmp(mode, "sendmsg-unspec") == 0) {
		n = sendmsg(fd, &msg, 0);
	} else if (strcmp(mode, "sendmmsg-unspec") == 0) {
		memset(&mm, 0, sizeof(mm));
		mm.msg_hdr = msg;
		n = sendmmsg(fd, &mm, 1, 0);
		if (n == 1)
			n = mm.msg_len;
	} else {
		n = sendto(fd, PAYLOAD, strlen(PAYLOAD), 0, (struct sockaddr *)&dst,
			   sizeof(dst));
	}
	if (n < 0)
		return report_errno();
	printf("SENT %ld\n", n);
	await_echo(fd, 0);
	return 0;
}

/*
 * An IPv6 UDP socket connected to [HOST]:PORT sends to an AF_UNSPEC
 * address, which the kernel drops: the datagram goes to the peer.
 */
static int
v6_peer_unspec(const char *host, const char *port)
{
	struct sockaddr_in6 peer, unspec;
	int fd = socket(AF_INET6, SOCK_DGRAM, 0);
	long n;

	if (fd < 0) {
		perror("socket");
		return 1;
	}
	set_timeout(fd);
	memset(&peer, 0, sizeof(peer));
	peer.sin6_family = AF_INET6;
	peer.sin6_port = htons((unsigned short)atoi(port));
	inet_pton(AF_INET6, host, &peer.sin6_addr);
	if (connect(fd, (struct sockaddr *)&peer, sizeof(peer)) < 0)
		return report_errno();
	memset(&unspec, 0, sizeof(unspec));
	unspec.sin6_family = AF_UNSPEC;
	n = sendto(fd, PAYLOAD, strlen(PAYLOAD), 0, (struct sockaddr *)&unspec,
		   sizeof(unspec));
	if (n < 0)
		return report_errno();
	printf("SENT %ld\n", n);
	await_echo(fd, 0);
	return 0;
}

static int
raw_unspec(const char *host)
{
	struct sockaddr_in dst;
	unsigned char udp[8 + sizeof(PAYLOAD) - 1];
	int fd = socket(AF_INET, SOCK_RAW, IPPROTO_UDP);
	long n;

	if (fd < 0) {
		perror("socket");
		return 1;
	}
	/* A UDP header (ports 4444 -> 7, no checksum) and the payload. */
	memset(udp, 0, sizeof(udp));
	udp[0] = 0x11;
	udp[1] = 0x5c;
	udp[3] = 7;
	udp[4] = (unsigned char)(sizeof(udp) >> 8);
	udp[5] = (unsigned char)sizeof(udp);
	memcpy(udp + 8, PAYLOAD, sizeof(PAYLOAD) - 1);
	make_dst(&dst, host, "0", AF_UNSPEC);
	n = sendto(fd, udp, sizeof(udp), 0, (struct sockaddr *)&dst, sizeof(dst));
	if (n < 0)
		return report_errno();
	printf("SENT %ld\n", n);
	return 0;
}

static int
sys_send(const char *mode, const char *host, const char *port)
{
	struct sockaddr_in dst;
	struct iovec iov = { .iov_base = PAYLOAD, .iov_len = strlen(PAYLOAD) };
	struct msghdr msg;
	int fd = udp_socket();
	long n;

	make_dst(&dst, host, port, AF_INET);
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &dst;
	msg.msg_namelen = sizeof(dst);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (strcmp(mode, "sys-sendmsg") == 0)
		n = syscall(SYS_sendmsg, fd, &msg, 0);
	else
		n = syscall(SYS_sendto, fd, PAYLOAD, strlen(PAYLOAD), 0,
			    (struct sockaddr *)&dst, sizeof(dst));
	if (n < 0)
		return report_errno();
	printf("SENT %ld\n", n);
	await_echo(fd, strcmp(mode, "sys-sendmsg") == 0 ? SYS_recvmsg : SYS_recvfrom);
	return 0;
}

static int
sys_fastopen(const char *mode, const char *host, const char *port)
{
	struct sockaddr_in dst;
	struct iovec iov = { .iov_base = PAYLOAD, .iov_len = strlen(PAYLOAD) };
	struct msghdr msg;
	char buf[256];
	size_t got = 0;
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	long n;

	if (fd < 0) {
		perror("socket");
		return 1;
	}
	set_timeout(fd);
	make_dst(&dst, host, port, AF_INET);
	memset(&msg, 0, sizeof(msg));
	msg.msg_name = &dst;
	msg.msg_namelen = sizeof(dst);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (strcmp(mode, "sys-fastopen-msg") == 0)
		n = syscall(SYS_sendmsg, fd, &msg, MSG_FASTOPEN);
	else
		n = syscall(SYS_sendto, fd, PAYLOAD, strlen(PAYLOAD), MSG_FASTOPEN,
			    (struct sockaddr *)&dst, sizeof(dst));
	if (n < 0)
		return report_errno();
	printf("SENT %ld\n", n);
	/* The echo server names the peer it sees first: "PEER <ip> <port>\n". */
	buf[0] = '\0';
	while (got < sizeof(buf) - 1 && !strstr(buf, PAYLOAD)) {
		n = read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		buf[got] = '\0';
	}
	if (strncmp(buf, "PEER ", 5) == 0 && strchr(buf, '\n'))
		printf("%.*s\n", (int)(strchr(buf, '\n') - buf), buf);
	if (strstr(buf, PAYLOAD))
		printf("ECHO %s\n", PAYLOAD);
	else
		printf("NOECHO got %zu bytes\n", got);
	return 0;
}

/* The IPv4 header checksum (RFC 791). */
static unsigned short
ip_checksum(const unsigned char *p, size_t len)
{
	unsigned long sum = 0;

	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (unsigned long)(p[i] << 8 | p[i + 1]);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (unsigned short)~sum;
}

/* One IPv4/UDP frame from 192.0.2.1:4444 to HOST:PORT, broadcast on IFNAME. */
static int
packet_send(int fd, const char *ifname, const char *host, const char *port)
{
	unsigned char pkt[20 + 8 + sizeof(PAYLOAD) - 1];
	struct sockaddr_ll ll;
	struct in_addr src, dst;
	unsigned short sum, dport = (unsigned short)atoi(port);
	long n;

	inet_pton(AF_INET, "192.0.2.1", &src);
	inet_pton(AF_INET, host, &dst);
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 0x45;
	pkt[2] = (unsigned char)(sizeof(pkt) >> 8);
	pkt[3] = (unsigned char)sizeof(pkt);
	pkt[8] = 64;
	pkt[9] = IPPROTO_UDP;
	memcpy(pkt + 12, &src, 4);
	memcpy(pkt + 16, &dst, 4);
	sum = ip_checksum(pkt, 20);
	pkt[10] = (unsigned char)(sum >> 8);
	pkt[11] = (unsigned char)sum;
	pkt[20] = 0x11;
	pkt[21] = 0x5c;
	pkt[22] = (unsigned char)(dport >> 8);
	pkt[23] = (unsigned char)dport;
	pkt[24] = (unsigned char)((sizeof(pkt) - 20) >> 8);
	pkt[25] = (unsigned char)(sizeof(pkt) - 20);
	memcpy(pkt + 28, PAYLOAD, sizeof(PAYLOAD) - 1);

	memset(&ll, 0, sizeof(ll));
	ll.sll_family = AF_PACKET;
	ll.sll_protocol = htons(ETH_P_IP);
	ll.sll_ifindex = (int)if_nametoindex(ifname);
	ll.sll_halen = ETH_ALEN;
	memset(ll.sll_addr, 0xff, ETH_ALEN);
	if (ll.sll_ifindex == 0) {
		perror(ifname);
		return 1;
	}
	n = sendto(fd, pkt, sizeof(pkt), 0, (struct sockaddr *)&ll, sizeof(ll));
	if (n < 0)
		return report_errno();
	printf("SENT %ld\n", n);
	return 0;
}

static int
packet_open(bool raw)
{
	if (raw)
		return (int)syscall(SYS_socket, AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
	return socket(AF_PACKET, SOCK_DGRAM, htons(ETH_P_IP));
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int fd;

	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 4 && (strcmp(mode, "sendto-unspec") == 0 ||
			  strcmp(mode, "sendmsg-unspec") == 0 ||
			  strcmp(mode, "sendmmsg-unspec") == 0 ||
			  strcmp(mode, "assoc-unspec") == 0))
		return send_unspec(mode, argv[2], argv[3]);
	if (argc == 4 && strcmp(mode, "v6-peer-unspec") == 0)
		return v6_peer_unspec(argv[2], argv[3]);
	if (argc == 3 && strcmp(mode, "raw-unspec") == 0)
		return raw_unspec(argv[2]);
	if (argc == 4 && (strcmp(mode, "sys-sendto") == 0 ||
			  strcmp(mode, "sys-sendmsg") == 0))
		return sys_send(mode, argv[2], argv[3]);
	if (argc == 4 && (strcmp(mode, "sys-fastopen") == 0 ||
			  strcmp(mode, "sys-fastopen-msg") == 0))
		return sys_fastopen(mode, argv[2], argv[3]);
	if (argc == 5 && (strcmp(mode, "packet") == 0 ||
			  strcmp(mode, "sys-packet") == 0)) {
		fd = packet_open(strcmp(mode, "sys-packet") == 0);
		if (fd < 0)
			return report_errno();
		return packet_send(fd, argv[2], argv[3], argv[4]);
	}
	if (argc >= 6 && strcmp(mode, "packet-inherit") == 0) {
		char fdtext[16];
		char **args = calloc((size_t)argc + 6, sizeof(*args));
		int k = 0;

		fd = packet_open(false);
		if (fd < 0 || !args)
			return report_errno();
		snprintf(fdtext, sizeof(fdtext), "%d", fd);
		for (int i = 5; i < argc; i++)
			args[k++] = argv[i];
		args[k++] = "packet-fd";
		args[k++] = fdtext;
		args[k++] = argv[2];
		args[k++] = argv[3];
		args[k++] = argv[4];
		args[k] = NULL;
		execvp(args[0], args);
		perror(args[0]);
		return 1;
	}
	if (argc == 6 && strcmp(mode, "packet-fd") == 0)
		return packet_send(atoi(argv[2]), argv[3], argv[4], argv[5]);
	return usage();
}

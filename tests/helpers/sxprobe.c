/*
 * sxprobe: network calls made with the raw system call instruction, past
 * the C library (and so past any preloaded library), one per mode:
 *
 *   sxprobe udp HOST PORT       sendto() of one datagram to HOST:PORT
 *   sxprobe udpconn HOST PORT   connect() a UDP socket to HOST:PORT, then write()
 *   sxprobe tcp HOST PORT       connect() a TCP socket to HOST:PORT, send
 *                               "hello\n", print the first line back
 *   sxprobe raw                 socket(AF_INET, SOCK_RAW, IPPROTO_UDP)
 *   sxprobe packet              socket(AF_PACKET, SOCK_RAW, 0)
 *   sxprobe iouring             io_uring_setup()
 *   sxprobe iouconnect HOST PORT  a TCP connect to HOST:PORT submitted
 *                               through io_uring (IORING_OP_CONNECT)
 *   sxprobe ownlistener         install a seccomp filter with a listener
 *   sxprobe allowall MODE ...   install an allow-everything seccomp filter
 *                               (no_new_privs), then run MODE
 *   sxprobe noseccomp CMD ...   forbid seccomp() (EPERM), as some container
 *                               policies do, then exec CMD
 *   sxprobe oldkernel CMD ...   answer seccomp() with EINVAL, as a kernel
 *                               without user notification does, then exec CMD
 *
 * HOST is a numeric IPv4 address.  Prints one line "OK" or "ERR <errno
 * name>" for the call that matters (for tcp, the line read first), and
 * exits 0 either way (1 for bad usage).  Built both dynamically
 * (build/tests/helpers) and statically (build/tests/static).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/io_uring.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef AF_PACKET
#define AF_PACKET 17
#endif

static long
sys6(long n, long a, long b, long c, long d, long e, long f)
{
	long ret;
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

static int
report(long rc)
{
	if (rc < 0)
		printf("ERR %s\n", strerrorname_np((int)-rc));
	else
		printf("OK\n");
	return 0;
}

static int
addr_of(const char *host, const char *port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)atoi(port));
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

/* One connect() through an io_uring of one entry: its result. */
static long
iou_connect(const struct sockaddr_in *sin)
{
	struct io_uring_params p;
	struct io_uring_sqe *sqe;
	struct io_uring_cqe *cqe;
	unsigned *sq_tail, *sq_array, *cq_head, *cq_tail;
	char *sq, *cq;
	long ring, fd, rc;

	memset(&p, 0, sizeof(p));
	ring = sys6(SYS_io_uring_setup, 1, (long)&p, 0, 0, 0, 0);
	if (ring < 0)
		return ring;
	fd = sys6(SYS_socket, AF_INET, SOCK_STREAM, 0, 0, 0, 0);
	if (fd < 0)
		return fd;
	sq = mmap(NULL, p.sq_off.array + p.sq_entries * sizeof(unsigned),
		  PROT_READ | PROT_WRITE, MAP_SHARED, (int)ring, IORING_OFF_SQ_RING);
	cq = mmap(NULL, p.cq_off.cqes + p.cq_entries * sizeof(struct io_uring_cqe),
		  PROT_READ | PROT_WRITE, MAP_SHARED, (int)ring, IORING_OFF_CQ_RING);
	sqe = mmap(NULL, p.sq_entries * sizeof(*sqe), PROT_READ | PROT_WRITE,
		   MAP_SHARED, (int)ring, IORING_OFF_SQES);
	if (sq == MAP_FAILED || cq == MAP_FAILED || sqe == MAP_FAILED)
		return -ENOMEM;
	sq_tail = (unsigned *)(sq + p.sq_off.tail);
	sq_array = (unsigned *)(sq + p.sq_off.array);
	cq_head = (unsigned *)(cq + p.cq_off.head);
	cq_tail = (unsigned *)(cq + p.cq_off.tail);
	memset(sqe, 0, sizeof(*sqe));
	sqe->opcode = IORING_OP_CONNECT;
	sqe->fd = (int)fd;
	sqe->addr = (unsigned long)sin;
	sqe->off = sizeof(*sin);
	sq_array[0] = 0;
	__atomic_store_n(sq_tail, *sq_tail + 1, __ATOMIC_RELEASE);
	rc = sys6(SYS_io_uring_enter, ring, 1, 1, IORING_ENTER_GETEVENTS, 0, 0);
	if (rc < 0)
		return rc;
	if (__atomic_load_n(cq_tail, __ATOMIC_ACQUIRE) == *cq_head)
		return -EAGAIN;
	cqe = (struct io_uring_cqe *)(cq + p.cq_off.cqes) +
	      (*cq_head & *(unsigned *)(cq + p.cq_off.ring_mask));
	return cqe->res;
}

static int
run(int argc, char **argv)
{
	struct sockaddr_in sin;
	char line[256];
	long fd, rc;

	if (argc < 2)
		return 1;
	if (strcmp(argv[1], "raw") == 0)
		return report(sys6(SYS_socket, AF_INET, SOCK_RAW, IPPROTO_UDP, 0, 0, 0));
	if (strcmp(argv[1], "packet") == 0)
		return report(sys6(SYS_socket, AF_PACKET, SOCK_RAW, 0, 0, 0, 0));
	if (strcmp(argv[1], "iouring") == 0) {
		static char params[120];

		return report(sys6(SYS_io_uring_setup, 4, (long)params, 0, 0, 0, 0));
	}
	if (strcmp(argv[1], "ownlistener") == 0) {
		struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		struct sock_fprog prog = { .len = 1, .filter = &allow };

		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		return report(sys6(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
				   SECCOMP_FILTER_FLAG_NEW_LISTENER, (long)&prog, 0, 0, 0));
	}
	if (strcmp(argv[1], "allowall") == 0) {
		struct sock_filter allow = BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
		struct sock_fprog prog = { .len = 1, .filter = &allow };

		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		rc = sys6(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0, 0, 0);
		if (rc < 0)
			return report(rc);
		return run(argc - 1, argv + 1);
	}
	if ((strcmp(argv[1], "noseccomp") == 0 || strcmp(argv[1], "oldkernel") == 0) &&
	    argc > 2) {
		int err = strcmp(argv[1], "noseccomp") == 0 ? EPERM : EINVAL;
		struct sock_filter deny[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_seccomp, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (unsigned)err),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = { .len = 4, .filter = deny };

		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		rc = sys6(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, (long)&prog, 0, 0, 0);
		if (rc < 0)
			return report(rc);
		execv(argv[2], argv + 2);
		return report(-errno);
	}
	if (argc != 4 || addr_of(argv[2], argv[3], &sin) < 0)
		return 1;
	if (strcmp(argv[1], "iouconnect") == 0)
		return report(iou_connect(&sin));
	if (strcmp(argv[1], "udp") == 0) {
		fd = sys6(SYS_socket, AF_INET, SOCK_DGRAM, 0, 0, 0, 0);
		if (fd < 0)
			return report(fd);
		return report(sys6(SYS_sendto, fd, (long)"probe", 5, 0, (long)&sin,
				   sizeof(sin)));
	}
	if (strcmp(argv[1], "udpconn") == 0) {
		fd = sys6(SYS_socket, AF_INET, SOCK_DGRAM, 0, 0, 0, 0);
		if (fd < 0)
			return report(fd);
		rc = sys6(SYS_connect, fd, (long)&sin, sizeof(sin), 0, 0, 0);
		if (rc < 0)
			return report(rc);
		return report(sys6(SYS_write, fd, (long)"probe", 5, 0, 0, 0));
	}
	if (strcmp(argv[1], "tcp") == 0) {
		fd = sys6(SYS_socket, AF_INET, SOCK_STREAM, 0, 0, 0, 0);
		if (fd < 0)
			return report(fd);
		rc = sys6(SYS_connect, fd, (long)&sin, sizeof(sin), 0, 0, 0);
		if (rc < 0)
			return report(rc);
		sys6(SYS_write, fd, (long)"hello\n", 6, 0, 0, 0);
		rc = sys6(SYS_read, fd, (long)line, sizeof(line) - 1, 0, 0, 0);
		if (rc < 0)
			return report(rc);
		line[rc] = '\0';
		printf("%s", line);
		return report(0);
	}
	return 1;
}

int
main(int argc, char **argv)
{
	int rc = run(argc, argv);

	if (rc == 1)
		fprintf(stderr, "usage: sxprobe udp|udpconn|tcp HOST PORT | raw | packet | "
			"iouring | iouconnect HOST PORT | ownlistener | allowall MODE... | "
			"noseccomp CMD... | oldkernel CMD...\n");
	fflush(stdout);
	return rc;
}

/*
 * The control sockets of UDP associations, as descriptors: where a new
 * one is placed, duplicating one, telling whether the proxy still holds
 * it, and closing it only while its number still holds it.
 *
 * Control sockets are placed at the lowest free number at or above
 * udp_ctrl_floor(): half the soft RLIMIT_NOFILE, at most 1024 (above
 * select()'s FD_SETSIZE when the limit allows, and never so high that
 * the kernel grows the descriptor table far).  They are close-on-exec.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include "preload.h"
#include "udp_ctrl.h"
#include "udpassoc.h"

/* The highest floor for control sockets. */
#define UDP_CTRL_FLOOR_MAX 1024

int
udp_ctrl_floor(void)
{
	struct rlimit rl;
	rlim_t half;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur == RLIM_INFINITY)
		return UDP_CTRL_FLOOR_MAX;
	half = rl.rlim_cur / 2;
	return half < UDP_CTRL_FLOOR_MAX ? (int)half : UDP_CTRL_FLOOR_MAX;
}

int
udp_ctrl_dup(int fd)
{
	int nfd = real.fcntl(fd, F_DUPFD_CLOEXEC, udp_ctrl_floor());

	if (nfd < 0)
		nfd = real.fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return nfd < 0 ? -errno : nfd;
}

int
udp_ctrl_place(int fd)
{
	int lowest = udp_ctrl_floor();
	int nfd;

	if (fd >= lowest)
		return fd;
	nfd = real.fcntl(fd, F_DUPFD_CLOEXEC, lowest);
	if (nfd < 0)
		return fd;
	real.close(fd);
	return nfd;
}

uint64_t
udp_ctrl_ino(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return 0;
	return (uint64_t)st.st_ino;
}

void
udp_ctrl_close(int ctrl, uint64_t ino)
{
	if (ctrl < 0)
		return;
	if (ino != 0 && udp_ctrl_ino(ctrl) != ino)
		return;
	real.close(ctrl);
}

bool
udp_ctrl_alive(int ctrl)
{
	uint8_t b;
	ssize_t n = real.recv(ctrl, &b, 1, MSG_PEEK | MSG_DONTWAIT);

	if (n > 0)
		return true;
	return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

void
udp_ctrl_forget(int fd)
{
	uint64_t ino;
	int ctrl = udpassoc_remove(fd, &ino);

	udp_ctrl_close(ctrl, ino);
}

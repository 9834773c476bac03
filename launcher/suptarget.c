#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "suptarget.h"

/* pidfd_open() of a thread rather than a process (Linux 6.9). */
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif

int
suptarget_valid(int listener, uint64_t id)
{
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_ID_VALID, &id) < 0)
		return -ENOENT;
	return 0;
}

int
suptarget_read(int listener, const struct seccomp_notif *n, uint64_t addr,
	       void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t got;

	if (len == 0)
		return suptarget_valid(listener, n->id);
	got = process_vm_readv((pid_t)n->pid, &local, 1, &remote, 1, 0);
	if (suptarget_valid(listener, n->id) < 0)
		return -ENOENT;
	if (got < 0 || (size_t)got != len)
		return -EFAULT;
	return 0;
}

int
suptarget_write(int listener, const struct seccomp_notif *n, uint64_t addr,
		const void *buf, size_t len)
{
	struct iovec local = { .iov_base = (void *)buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t put;

	if (suptarget_valid(listener, n->id) < 0)
		return -ENOENT;
	put = process_vm_writev((pid_t)n->pid, &local, 1, &remote, 1, 0);
	if (put < 0 || (size_t)put != len)
		return -EFAULT;
	return 0;
}

int
suptarget_fd(int listener, const struct seccomp_notif *n, int fd)
{
	int pidfd, copy, rc;

	pidfd = (int)syscall(SYS_pidfd_open, (pid_t)n->pid, PIDFD_THREAD);
	if (pidfd < 0 && errno == EINVAL)
		pidfd = (int)syscall(SYS_pidfd_open, (pid_t)n->pid, 0);
	if (pidfd < 0)
		return errno == ESRCH ? -ENOENT : -errno;
	/* The thread id may have been reused before the pidfd was taken. */
	if (suptarget_valid(listener, n->id) < 0) {
		rc = -ENOENT;
		goto out_close_pidfd;
	}
	copy = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	if (copy < 0) {
		rc = -errno;
		goto out_close_pidfd;
	}
	rc = copy;
out_close_pidfd:
	close(pidfd);
	return rc;
}

int
suptarget_sock(int fd, struct suptarget_sock *s)
{
	socklen_t len = sizeof(int);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &s->family, &len) < 0)
		return -ENOTSOCK;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &s->type, &len) < 0)
		return -ENOTSOCK;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &s->protocol, &len) < 0)
		s->protocol = 0;
	return 0;
}

int
suptarget_reply(int listener, uint64_t id, int64_t val, int err)
{
	struct seccomp_notif_resp resp;

	memset(&resp, 0, sizeof(resp));
	resp.id = id;
	resp.val = err ? 0 : val;
	resp.error = err;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
		return -errno;
	return 0;
}

int
suptarget_continue(int listener, uint64_t id)
{
	struct seccomp_notif_resp resp;

	memset(&resp, 0, sizeof(resp));
	resp.id = id;
	resp.flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	if (ioctl(listener, SECCOMP_IOCTL_NOTIF_SEND, &resp) < 0)
		return -errno;
	return 0;
}

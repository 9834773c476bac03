/*
 * The supervised program as the supervisor reaches it while one of its
 * threads waits in a trapped system call: its memory (read with
 * process_vm_readv(), then the notification checked again, so that what
 * was read belongs to the call still waiting), its descriptors (a copy
 * taken with pidfd_getfd(): the same open file description, so
 * connecting the copy connects the program's socket), and the answer.
 */
#ifndef SX_SUPTARGET_H
#define SX_SUPTARGET_H

#include <linux/seccomp.h>
#include <stddef.h>
#include <stdint.h>

/* What a socket is, from the copy of its descriptor. */
struct suptarget_sock {
	int family;		/* SO_DOMAIN */
	int type;		/* SO_TYPE */
	int protocol;		/* SO_PROTOCOL */
};

/*
 * Read len bytes at addr in the memory of the thread behind n, then check
 * that n is still waiting.  0, -EFAULT when the memory cannot be read,
 * -ENOENT when the call is gone (the thread died or was interrupted).
 */
int suptarget_read(int listener, const struct seccomp_notif *n, uint64_t addr,
		   void *buf, size_t len);
/* Write len bytes at addr in its memory (results such as msg_len): 0 or -errno. */
int suptarget_write(int listener, const struct seccomp_notif *n, uint64_t addr,
		    const void *buf, size_t len);
/* Whether the call behind id still waits: 0, or -ENOENT. */
int suptarget_valid(int listener, uint64_t id);
/*
 * A copy of descriptor fd of the thread behind n (close-on-exec), checked
 * to be taken while the call still waits: the descriptor, -EBADF when fd
 * is not open there, -ENOENT when the call is gone, or -errno.
 */
int suptarget_fd(int listener, const struct seccomp_notif *n, int fd);
/* Family, type and protocol of the socket fd: 0, or -ENOTSOCK. */
int suptarget_sock(int fd, struct suptarget_sock *s);
/* Answer the call: val when err is 0, else -1 with errno -err. */
int suptarget_reply(int listener, uint64_t id, int64_t val, int err);
/*
 * Let the call run in the kernel as the program made it: only for calls
 * whose memory arguments do not decide where anything goes.
 */
int suptarget_continue(int listener, uint64_t id);

#endif

/*
 * Datagrams in from the relay (udp_recv.c), for the receive hooks and the
 * I/O hooks.  Called without the guard.
 */
#ifndef SX_UDP_RECV_H
#define SX_UDP_RECV_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

/*
 * One receive of the program on fd (msg as recvmsg() takes it).  *pass
 * says "not ours: make the real call"; otherwise the payload length or
 * -errno.
 */
ssize_t udp_recv_datagram(int fd, struct msghdr *msg, int flags, bool *pass);
/*
 * A receive went straight to the kernel because fd had no entry, and
 * while it waited another thread opened an association on fd: the rc
 * bytes in msg's buffers, from `from`, are judged as a filtered receive
 * judges them, in place (a header at the front of the program's buffers
 * may have cost the payload its tail).  msg holds the program's buffers
 * and name buffer (msg_namelen its size); *named says msg's name and
 * msg_namelen were rewritten.  The payload length, or -errno.
 */
ssize_t udp_recv_late(int fd, struct msghdr *msg, int flags, ssize_t rc,
		      const struct sockaddr *from, socklen_t fromlen, bool *named);
/*
 * recvmmsg() on fd: *pass says "not ours: make the real call"; otherwise
 * the number of datagrams received, or -errno when none was.  As the
 * kernel does it: with MSG_WAITFORONE only the first datagram is waited
 * for, and the timeout is checked after each datagram.
 */
int udp_recv_batch(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
		   struct timespec *timeout, bool *pass);

#endif

/*
 * The UDP layer (udp.c) as the other hook groups see it: connect() on a
 * datagram socket, and the descriptor-lifetime calls that must keep the
 * UDP associations and their control sockets right.  The send and receive
 * hooks reach the datagram path through udp_send.h and udp_recv.h.
 *
 * Control sockets are the library's own descriptors: close-on-exec, placed
 * at or above udp_ctrl_floor() so they rarely meet the program's numbers.
 * The program never got such a number from the kernel, so closing it is
 * EBADF for the program (and leaves our socket open); dup2()/dup3() onto it
 * moves our socket elsewhere first; close_range() goes around it.
 */
#ifndef SX_UDP_H
#define SX_UDP_H

#include <sys/socket.h>
#include <sys/types.h>


/*
 * connect() on a SOCK_DGRAM socket (called with the guard held): for a
 * proxied destination record it as the default destination (no datagram
 * is sent, nothing reaches the kernel) and return 0; for AF_UNSPEC or a
 * direct destination forget any proxied one and return SX_PASS; else
 * -errno.
 */
int udp_connect(int fd, const struct sockaddr *sa, socklen_t len);

/*
 * close(fd) is about to happen: drop fd's association and close its
 * control socket; 0.  -EBADF when fd is one of our control sockets: the
 * caller must not close it.  errno is preserved.
 */
int udp_fd_close(int fd);

/*
 * dup2()/dup3() of oldfd onto newfd is about to happen: -EBADF when oldfd
 * is one of our control sockets; otherwise move our control socket off
 * newfd if it is one, drop newfd's association, and return 0.
 */
int udp_fd_dup_prepare(int oldfd, int newfd);

/* The dup2()/dup3() succeeded: newfd gets its own handle on oldfd's association. */
void udp_fd_dup_done(int oldfd, int newfd);

/*
 * close_range() that leaves our control sockets open and drops the
 * associations of the UDP sockets it closes: 0 or -errno.
 */
int udp_close_range(unsigned int first, unsigned int last, int flags);

#endif

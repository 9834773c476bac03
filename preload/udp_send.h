/*
 * One datagram out through the relay (udp_send.c), for the send hooks and
 * the I/O hooks.
 */
#ifndef SX_UDP_SEND_H
#define SX_UDP_SEND_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

/*
 * One datagram the program sends on fd (msg as sendmsg() takes it; no
 * address: the default destination).  *pass says "not ours: make the
 * real call"; otherwise the payload bytes sent or -errno.  Call it
 * without the guard.
 */
ssize_t udp_send_datagram(int fd, const struct msghdr *msg, int flags, bool *pass);
/*
 * True when a datagram to sa on a socket with no association is known to
 * be the kernel's alone (udp_send_datagram() found it so for an earlier
 * one): the send hooks then make the real call at once.  No lock.
 */
bool udp_send_direct_known(const struct sockaddr *sa, socklen_t len);
/*
 * Remember that sa is the kernel's alone: a direct route and no system
 * nameserver answered by the library (the caller checked both for sa).
 */
void udp_send_note_direct(const struct sockaddr *sa, socklen_t len);

#endif

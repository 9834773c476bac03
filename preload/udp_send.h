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

#endif

/*
 * DNS queries a program sends itself to a system nameserver (localdns.c),
 * for the UDP layer: under remote DNS they are answered by the library
 * from a loopback socket of its own, and the receive hooks name the
 * nameserver as the answer's sender.
 */
#ifndef SX_LOCALDNS_H
#define SX_LOCALDNS_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

/*
 * Under remote DNS, the index of the system nameserver sa (len bytes)
 * names on port 53 (/etc/resolv.conf's, and 127.0.0.53); -1 for any
 * other destination, and always under local DNS.
 */
int localdns_nameserver(const struct sockaddr *sa, socklen_t len);

/*
 * The program sends the query in msg's buffers on the UDP socket fd (of
 * family) to nameserver ns (localdns_nameserver()): answer it to fd's own
 * address (binding fd first when it has no port).  The bytes taken (the
 * whole datagram, as the kernel would send it), or -errno.  Called
 * without the guard.
 */
ssize_t localdns_send(int fd, int family, int ns, const struct msghdr *msg);

/*
 * A datagram from `from` (fromlen bytes) is one of the library's answers:
 * true with the nameserver that answers, as a socket address of family,
 * in *ss and *len.
 */
bool localdns_sender(const struct sockaddr *from, socklen_t fromlen, int family,
		     struct sockaddr_storage *ss, socklen_t *len);

/*
 * A TCP connect() to a system nameserver under remote DNS (sa, len: a
 * destination localdns_nameserver() names): refused with one line saying
 * why, -ECONNREFUSED.  The library answers DNS over UDP only; a program
 * falls back or fails, and no query leaves the machine.
 */
int localdns_refuse_tcp(const struct sockaddr *sa, socklen_t len);

#endif

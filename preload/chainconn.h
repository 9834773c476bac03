/*
 * The attempts of one proxied TCP connection over a list of proxies
 * (chainconn.c): the route of each attempt, its share of the time, and a
 * fresh socket under the program's descriptor when a hop is found down and
 * another attempt may follow.  A single proxy is a list of one: one attempt.
 */
#ifndef SX_CHAINCONN_H
#define SX_CHAINCONN_H

#include <stdbool.h>
#include <stdint.h>

#include "conntab.h"
#include "handshake.h"

/*
 * Plan the attempts of hs (handshake_init()ed) on fd, a socket of family
 * `family` with file status flags `flags`, and set up the first: its
 * route, its deadline, the first hop's address as the socket can reach
 * it.  0 or -errno (logged).
 */
int chainconn_begin(int fd, struct handshake *hs, int family, int flags);
/*
 * Step hs without blocking, as handshake_step(), failing the attempt past
 * its deadline; a failed attempt that another may follow is followed by
 * it on a fresh socket (*renewed set).  SX_DONE, a want, or -errno.
 */
int chainconn_step(int fd, struct handshake *hs, bool *renewed);
/* The same, blocking (fd non-blocking), as handshake_drive(): 0, -EINTR or -errno. */
int chainconn_drive(int fd, struct handshake *hs, bool *renewed);
/*
 * After a renewal, fd (described by info, taken before) has a new socket
 * while its entry is the old one's: that entry fails (copies of the
 * descriptor made before still stand for the old socket; hs is freed) and
 * fd gets a new one, pending with a copy of hs, with the program's epoll
 * registration.  Returns the copy, taken out of the new entry for the
 * caller, or NULL (fd then has no entry and is shut down).
 */
struct handshake *chainconn_rerecord(int fd, struct handshake *hs,
				     const struct conntab_info *info);
/* "socks5 127.0.0.1:1080 > socks5 127.0.0.2:1080": the hops of hs's route. */
const char *chainconn_via(const struct handshake *hs, char *buf, size_t cap);

#endif

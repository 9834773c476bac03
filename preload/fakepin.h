/*
 * Fake addresses held by the proxied connections made to them
 * (core/fakeip.h): while a program's socket is connected through the proxy
 * to a fake address, that address keeps its name, so a full map never
 * hands it to another host under the connection's feet.
 *
 * One hold per descriptor, recorded by descriptor number: taken when a
 * proxied connect to a fake address starts, dropped when that connect
 * fails at once or when the program closes the descriptor.  A number met
 * again by a new proxied connect drops what it held before (its old socket
 * was closed in a way the hooks did not see).  Descriptors from
 * FAKEPIN_FD_MAX up hold their address for the life of the process.
 * A forked child's copies hold again (fakepin_after_fork()).
 * Copies made with dup(), dup2() or fcntl() hold nothing: when the
 * descriptor that connected is closed while a copy stays open, only the
 * grace period keeps the address with its name.  Datagram sockets hold
 * nothing either (the grace period alone).
 */
#ifndef SX_FAKEPIN_H
#define SX_FAKEPIN_H

#include <sys/socket.h>

#define FAKEPIN_FD_MAX 65536

/* fd starts a proxied connect to sa: hold sa if it is a fake address. */
void fakepin_hold(int fd, const struct sockaddr *sa, socklen_t len);
/* fd's connect failed, or fd is being closed: drop what it held.  Cheap. */
void fakepin_forget(int fd);
/*
 * In a forked child: the map is shared with the parent, so each
 * descriptor the child inherited takes a hold of its own, which its close
 * in the child drops while the parent's stays.
 */
void fakepin_after_fork(void);

#endif

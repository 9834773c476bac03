/*
 * Inside the connection table (conntab.h), shared by its two files:
 * conntab.c (the sockets, their descriptors, handshakes and epoll
 * registrations) and conntab_wrap.c (their GSSAPI protection).  Nothing
 * else includes it.  Everything here is guarded by the table's mutex
 * (conntab_fdtable()), as conntab.c says.
 */
#ifndef SX_CONNTAB_INT_H
#define SX_CONNTAB_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "fdtable.h"

struct gsswrap;
struct handshake;

/*
 * Byte map values: no slot, a slot of an established socket, of an active
 * one, of an established one with GSSAPI protection.
 */
#define CONNTAB_MAP_NONE 0
#define CONNTAB_MAP_ESTABLISHED 1
#define CONNTAB_MAP_ACTIVE 2
#define CONNTAB_MAP_WRAPPED 3	/* established, with GSSAPI protection */

struct conntab_slot;

/* One proxied socket, shared by all its descriptors. */
struct conntab_sock {
	int state;
	int so_error;
	int orig_flags;
	int want;
	bool busy;			/* a caller has taken the handshake out */
	bool active;			/* on the active list */
	int64_t deadline_ms;
	int64_t wake_ms;		/* pending: step it by then (handshake_wake_ms()) */
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct handshake *hs;
	struct gsswrap *wrap;		/* GSSAPI protection, NULL if none */
	struct conntab_slot *slots;	/* the descriptors, newest first */
	struct conntab_sock *act_prev, *act_next;
};

/*
 * One descriptor of a proxied socket: the payload of its entry in the
 * table (fdtable.h keeps the number and the socket's identity).
 */
struct conntab_slot {
	int fd;
	int epfd;			/* the program's epoll set for fd, -1 if none */
	uint32_t ep_events;
	uint64_t ep_data;
	struct conntab_sock *sock;
	struct conntab_slot *sib_next;	/* the socket's next descriptor */
};

/* The table itself. */
struct fdtable *conntab_fdtable(void);
/* The byte map value for the descriptors of s. */
uint8_t conntab_map_value(const struct conntab_sock *s);
/*
 * Give s the protection w (NULL: none), letting go of any it had, and
 * mark its descriptors.  Lock held.
 */
void conntab_sock_wrap(struct conntab_sock *s, struct gsswrap *w);

#endif

/*
 * SOCKS BIND state by descriptor.  Three kinds of descriptors have an entry:
 *
 *  - a proxied TCP connection (BINDTAB_CONN): the destination it was made
 *    to, which a BIND for it names, and the proxy's end of it (the BND of
 *    the CONNECT reply), which getsockname() reports;
 *  - a listening socket of the program tied to such a connection
 *    (BINDTAB_LISTEN): the BIND it stands for, its control connection to
 *    the proxy and the handshake that waits there for the second reply;
 *  - such a control connection (BINDTAB_CTRL), so that the program closing
 *    or dup2-ing over its number detaches it instead of leaving a stale
 *    number behind.
 *
 * One process-wide table (fdtable.h) behind one mutex taken inside each
 * call and never held across I/O.  Its byte map over small descriptors answers
 * "not ours" without the lock, and a counter of listening sockets waiting
 * for a peer lets the readiness hooks skip all BIND work with one load.
 */
#ifndef SX_BINDTAB_H
#define SX_BINDTAB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "handshake.h"
#include "sx.h"

enum bindtab_kind {
	BINDTAB_CONN = 1,
	BINDTAB_LISTEN,
	BINDTAB_CTRL,
};

enum bindtab_state {
	BINDTAB_BOUND,		/* bound by the program, no BIND asked yet */
	BINDTAB_WAITING,	/* the proxy listens; the control connection waits for the peer */
	BINDTAB_SPENT,		/* the one connection was handed over; a new accept asks again */
	BINDTAB_FAILED,		/* the proxy refused the BIND */
};

/* A copy of one entry, handed out so that no caller holds the lock. */
struct bindtab_info {
	int kind;
	int family;		/* the descriptor's address family */
	int state;		/* BINDTAB_LISTEN */
	int error;		/* BINDTAB_FAILED: the errno */
	int ctrl;		/* BINDTAB_LISTEN: the control connection, or -1 */
	int ctrl_epfd;		/* the epoll set the control connection is in, or -1 */
	int owner;		/* BINDTAB_CTRL: the listening socket */
	bool listening;		/* BINDTAB_LISTEN: listen() was called */
	uint64_t seq;		/* BINDTAB_CONN: larger is more recent */
	struct sx_endpoint dst;	/* what a BIND names (the connection's destination) */
	struct sx_endpoint bnd;	/* CONN: the CONNECT reply's BND; LISTEN: the first BIND reply's */
};

/*
 * Entries carry their socket's identity (fdident.h): bindtab_get() and
 * bindtab_take() drop an entry whose descriptor now stands for another
 * socket, closing a listening entry's control connection through the
 * closer installed here (once, at init).
 */
typedef void (*bindtab_closer_fn)(int ctrl, uint64_t ident);
void bindtab_set_closer(bindtab_closer_fn closer);

/* True when fd may have an entry (no lock; a false answer is exact). */
bool bindtab_maybe(int fd);
/* True when fd may be a listening socket waiting for a peer (no lock). */
bool bindtab_maybe_active(int fd);
/* True when fd may be a BIND's control connection (no lock; false is exact). */
bool bindtab_maybe_ctrl(int fd);
/* Number of listening sockets waiting for a peer (no lock). */
int bindtab_active_count(void);
/* Number of proxied connections recorded (no lock). */
int bindtab_conn_count(void);

/*
 * Record fd as a proxied connection of address family `family` to dst,
 * whose proxy-side end is bnd (replacing any entry).  -ENOMEM.
 */
int bindtab_add_conn(int fd, int family, const struct sx_endpoint *dst,
		     const struct sx_endpoint *bnd);
/*
 * Fill fds (up to cap) with the recorded connections, most recent first;
 * returns how many.
 */
int bindtab_list_conns(int *fds, int cap);
/*
 * Record fd (family `family`) as a listening socket whose BIND will name
 * dst, not asked yet.  -EINVAL when fd already has a listening entry,
 * -ENOMEM.
 */
int bindtab_add_listen(int fd, int family, const struct sx_endpoint *dst);
/* Copy fd's entry; false when fd has none. */
bool bindtab_get(int fd, struct bindtab_info *info);

/*
 * Take fd's listening entry for the caller to work on (send a BIND, wait
 * for the peer): fills info and returns the handshake waiting for the
 * second reply (NULL when none).  -EBUSY when another thread has it,
 * -ENOENT when fd is not a listening socket of ours.  Every successful take
 * is followed by exactly one bindtab_put_*().
 */
int bindtab_take(int fd, struct bindtab_info *info, struct handshake **hs);
/*
 * Give back with a BIND under way: ctrl is the control connection, hs (taken
 * over, freed by the table) waits for the second reply, bnd is where the
 * proxy listens.  -EBADF when fd was closed meanwhile: hs is then freed and
 * the caller closes ctrl.
 */
int bindtab_put_waiting(int fd, int ctrl, struct handshake *hs,
			const struct sx_endpoint *bnd);
/*
 * Give back with nothing under way: the connection was handed over or the
 * BIND failed (err != 0 marks the entry failed).  hs, if any, is freed; the
 * caller has dealt with the control connection.  -EBADF when fd was closed
 * meanwhile.
 */
int bindtab_put_idle(int fd, struct handshake *hs, int err);
/*
 * Give back unchanged (the peer is not there yet).  -EBADF when fd was
 * closed meanwhile: hs is then freed and the caller closes the control
 * connection.
 */
int bindtab_put_back(int fd, struct handshake *hs);
/* Note that listen() was called on fd. */
void bindtab_set_listening(int fd);
/* Note the epoll set fd's control connection is registered in (-1: none). */
void bindtab_set_ctrl_epoll(int fd, int epfd);
/* The control connection of a waiting listening socket, or -1. */
int bindtab_ctrl(int fd);

/*
 * Forget fd (close, dup2 over it).  For a listening socket returns the
 * control connection the caller must close (-1 when none, or when a thread
 * that took the entry will close it); for a control connection detaches it
 * from its listening socket (the caller's close ends it).  Cheap when fd has
 * no entry.
 */
int bindtab_remove(int fd);
/* Copy fd's connection entry to newfd (dup). */
void bindtab_dup(int fd, int newfd);

#endif

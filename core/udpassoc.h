/*
 * UDP associations by descriptor (RFC 1928 section 7): for each UDP socket
 * the library speaks for, the TCP control connection that keeps its UDP
 * ASSOCIATE alive, the relay its datagrams go to, and the proxied default
 * destination connect() gave it.
 *
 * One process-wide table guarded by one mutex, taken and released inside
 * each call; no call does I/O, so the lock is never held across a
 * system call.  Entries are found by descriptor (fdtable.h) and, while
 * associated, by control descriptor (a second hash).  A byte map
 * over descriptors below UDPASSOC_MAP_SIZE, written under the lock and read
 * without it, answers "not ours" with one load: a hook on any other
 * socket costs that load and a branch.  Callers get copies
 * (struct udpassoc_info), never pointers into the table.
 *
 * The table only records: opening, checking and closing control sockets
 * is the caller's work, done without the lock.  A forked child inherits a
 * copy of the table (and of the control sockets, shared with the parent).
 */
#ifndef SX_UDPASSOC_H
#define SX_UDPASSOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "socks5.h"
#include "sx.h"

/* Descriptors below this are answered by the byte map; above, by lookup. */
#define UDPASSOC_MAP_SIZE 65536

/* Header length to expect when nothing has been received yet (IPv4). */
#define UDPASSOC_HDR_DEFAULT 10

enum udpassoc_state {
	UDPASSOC_NONE,		/* no association (yet): maybe a default destination */
	UDPASSOC_ASSOCIATED,	/* a live control connection and a relay */
	UDPASSOC_REFUSED,	/* the proxy cannot or will not carry UDP: fail */
	UDPASSOC_DIRECT,	/* the proxy cannot carry UDP; direct UDP is allowed */
};

/* A copy of one entry. */
struct udpassoc_info {
	int state;
	int error;			/* UDPASSOC_REFUSED: the errno a send gets */
	int family;			/* the UDP socket's address family */
	int ctrl;			/* UDPASSOC_ASSOCIATED: control socket, else -1 */
	uint64_t ctrl_ino;		/* its inode, to know it again before closing */
	struct sockaddr_storage relay;	/* where datagrams go, in `family` */
	socklen_t relaylen;
	uint16_t hdr_hint;		/* header length of the last datagram received */
	bool logged;			/* a failure on this socket was logged */
	bool has_peer;			/* connect() set a proxied default destination */
	struct sockaddr_storage peer;	/* that destination, as the program gave it */
	socklen_t peerlen;
	struct sx_endpoint peer_ep;	/* that destination, as the proxy is told it */
	bool local_dns;			/* the library answered a DNS query sent on it */
};

/*
 * Each entry carries the identity of its UDP socket (fdident.h) and is
 * checked against it whenever it is looked up: an entry whose socket was
 * closed where the library could not see it (fclose(fdopen(s)), a raw
 * system call) is dropped, never inherited by the next socket to get the
 * number, and its control socket is closed through the closer below.
 */
typedef void (*udpassoc_closer_fn)(int ctrl, uint64_t ino);
/* Install the closer for control sockets of stale entries (once, at init). */
void udpassoc_set_closer(udpassoc_closer_fn closer);

/* True when fd may be a UDP socket with an entry (no lock; false is exact). */
bool udpassoc_maybe(int fd);
/* True when fd may have an entry or be a control socket (no lock). */
bool udpassoc_maybe_any(int fd);
/* Copy fd's entry; false when it has none. */
bool udpassoc_get(int fd, struct udpassoc_info *out);
/* True when fd is one of the control sockets in the table. */
bool udpassoc_is_ctrl(int fd);

/*
 * Record a proxied default destination for fd (connect() on a UDP socket of
 * the given family), creating the entry.  -ENOMEM, -EINVAL.
 */
int udpassoc_set_peer(int fd, int family, const struct sockaddr *sa,
		      socklen_t len, const struct sx_endpoint *ep);
/* Forget fd's default destination (connect(AF_UNSPEC), a direct connect). */
void udpassoc_clear_peer(int fd);
/*
 * Put fd in state UDPASSOC_REFUSED (with error) or UDPASSOC_DIRECT,
 * creating the entry.  Returns -ENOMEM, -EINVAL, or -EBUSY when fd is
 * associated (the caller must drop the association first).
 */
int udpassoc_set_state(int fd, int family, int state, int error);
/*
 * Record the association of fd: control socket ctrl (inode ino), relay
 * address relay (in family).  Only when fd has no control socket:
 * -EEXIST when another thread installed one first (the caller closes its
 * own and uses that one), -ENOMEM.
 */
int udpassoc_install(int fd, int family, int ctrl, uint64_t ino,
		     const struct sockaddr *relay, socklen_t relaylen);
/*
 * Forget fd's association if its control socket is still ctrl (the proxy
 * dropped it).  True when it was: the caller then closes ctrl.
 */
bool udpassoc_drop_ctrl(int fd, int ctrl);
/*
 * Mark that a failure on fd has been logged, creating the entry.  True the
 * first time only: the caller logs when this says so.
 */
bool udpassoc_first_log(int fd, int family);
/*
 * Mark that the library answered a DNS query fd sent to a system
 * nameserver (its receives then name the nameserver as the sender),
 * creating the entry.  -ENOMEM, -EINVAL.
 */
int udpassoc_set_local_dns(int fd, int family);
/* Remember the header length of the last datagram fd received. */
void udpassoc_set_hint(int fd, uint16_t hdr_len);
/*
 * Remove fd's entry (close, dup2 over it).  Returns its control socket for
 * the caller to close (-1: none) and its inode in *ino.
 */
int udpassoc_remove(int fd, uint64_t *ino);
/*
 * The control socket ctrl now lives at newctrl (moved out of the way of a
 * dup2); newctrl -1: it could not be moved, forget the association (the
 * next send opens a new one).  -ENOENT when ctrl is not a control socket,
 * -ENOMEM.
 */
int udpassoc_move_ctrl(int ctrl, int newctrl);
/*
 * Give newfd a copy of fd's entry (dup2, dup3) with control socket newctrl
 * (the caller's duplicate of fd's, or -1 when fd is not associated).
 * -ENOENT when fd has no entry, -ENOMEM.
 */
int udpassoc_copy(int fd, int newfd, int newctrl);
/* The smallest UDP socket with an entry that is >= from; -1 when none. */
int udpassoc_next_fd(int from);
/* The smallest control socket that is >= from; -1 when none. */
int udpassoc_next_ctrl(int from);
/* Number of entries (tests). */
size_t udpassoc_count(void);
/* True when any descriptor has an entry (no lock). */
bool udpassoc_any(void);

#endif

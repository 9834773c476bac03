/*
 * Proxied TCP sockets by descriptor: the destination the program asked for
 * (what getpeername() reports) and, while a non-blocking handshake is under
 * way, its state.  One process-wide table (uthash) behind one mutex taken
 * inside each call; a byte map over small descriptors answers "not ours"
 * without the lock, so calls on other sockets cost one load.
 */
#ifndef SX_CONNTAB_H
#define SX_CONNTAB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "handshake.h"

enum conntab_state {
	CONNTAB_ESTABLISHED,	/* the proxy said "succeeded" */
	CONNTAB_PENDING,	/* a handshake is under way */
	CONNTAB_FAILED,		/* the handshake failed: so_error is set */
};

/* A copy of one entry, handed out so that no caller holds the lock. */
struct conntab_info {
	int state;
	int so_error;			/* CONNTAB_FAILED: the errno */
	int orig_flags;			/* file status flags before connect */
	int64_t deadline_ms;
	struct sockaddr_storage peer;	/* the program's destination */
	socklen_t peerlen;
};

/* True when fd may have an entry (no lock; a false answer is exact). */
bool conntab_maybe(int fd);
/* Number of pending handshakes (no lock). */
int conntab_pending_count(void);
/* Record fd as established to peer (replacing any entry). -ENOMEM. */
int conntab_set_established(int fd, const struct sockaddr *peer, socklen_t len);
/*
 * Record fd as pending with handshake hs (taken over: freed by the table).
 * -ENOMEM (hs is then freed too).
 */
int conntab_set_pending(int fd, const struct sockaddr *peer, socklen_t len,
			struct handshake *hs, int orig_flags, int64_t deadline_ms);
/* Copy fd's entry; false when fd has none. */
bool conntab_get(int fd, struct conntab_info *info);
/*
 * Take the pending handshake of fd out of the table for the caller to step
 * (NULL when none, or when another thread has it).  The caller gives it
 * back with conntab_put_handshake().
 */
struct handshake *conntab_take_handshake(int fd);
/*
 * Give back a handshake taken out: rc is handshake_step()'s result.  SX_DONE
 * marks fd established, a negative rc marks it failed with that errno (the
 * handshake is freed in both cases), a want keeps it pending.
 */
void conntab_put_handshake(int fd, struct handshake *hs, int rc);
/* Forget fd (close, dup2 over it).  Cheap when fd has no entry. */
void conntab_remove(int fd);
/* Copy fd's entry to newfd (dup). */
void conntab_dup(int fd, int newfd);
void conntab_atfork_prepare(void);
void conntab_atfork_parent(void);
void conntab_atfork_child(void);

#endif

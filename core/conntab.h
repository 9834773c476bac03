/*
 * Proxied TCP sockets by descriptor: the destination the program asked for
 * (what getpeername() reports) and, while a non-blocking handshake is under
 * way or its failure is still to be reported, that state and the program's
 * epoll registration of the socket.
 *
 * The state belongs to the open socket: every copy of the descriptor that
 * conntab_dup() was told of shares it, so a copy of a socket still
 * negotiating behaves as the original.  Each descriptor's entry carries the
 * socket's identity (fdident.h) and is checked against it before use: an
 * entry whose socket was closed where the library could not see it is
 * dropped when its number comes back, never inherited.
 *
 * One process-wide table (fdtable.h) behind one mutex taken inside each
 * call and never held across I/O; its byte map answers "not ours" without
 * the lock, and a counter of active (pending or failed)
 * sockets lets the readiness hooks skip all work with one load when nothing
 * is under way.
 */
#ifndef SX_CONNTAB_H
#define SX_CONNTAB_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "handshake.h"

struct gsswrap;

enum conntab_state {
	CONNTAB_ESTABLISHED,	/* the proxy said "succeeded" */
	CONNTAB_PENDING,	/* a handshake is under way */
	CONNTAB_FAILED,		/* the handshake failed */
};

/* A copy of one entry, handed out so that no caller holds the lock. */
struct conntab_info {
	int state;
	int so_error;			/* CONNTAB_FAILED: the errno, 0 once read */
	int orig_flags;			/* file status flags before connect */
	int want;			/* CONNTAB_PENDING: SX_WANT_READ or _WRITE */
	int64_t deadline_ms;
	int epfd;			/* the program's epoll set, -1 if none */
	uint32_t ep_events;		/* the program's epoll events */
	uint64_t ep_data;		/* the program's epoll data */
	struct sockaddr_storage peer;	/* the program's destination */
	socklen_t peerlen;
};

/* True when fd may have an entry (no lock; a false answer is exact). */
bool conntab_maybe(int fd);
/* True when fd may be pending or failed (no lock; a false answer is exact). */
bool conntab_maybe_active(int fd);
/* Number of pending or failed entries (no lock). */
int conntab_active_count(void);
/* Record fd as established to peer (replacing any entry). -ENOMEM. */
int conntab_set_established(int fd, const struct sockaddr *peer, socklen_t len);
/*
 * Record fd as pending with handshake hs (taken over: freed by the table),
 * waiting for `want`.  -ENOMEM (hs is then freed too).
 */
int conntab_set_pending(int fd, const struct sockaddr *peer, socklen_t len,
			struct handshake *hs, int want, int orig_flags,
			int64_t deadline_ms);
/*
 * Copy fd's entry; false when fd has none.  This is the call that checks
 * the entry against the socket fd stands for now (one fstat()): the calls
 * below that a hook makes after it on the same descriptor trust it.
 */
bool conntab_get(int fd, struct conntab_info *info);
/*
 * fd's state as recorded (CONNTAB_*, -1: none), unchecked: a hint for what
 * to wait on, which the conntab_get() after the wait checks.
 */
int conntab_state_hint(int fd);
/*
 * What fd's pending exchange waits for (SX_WANT_READ or SX_WANT_WRITE;
 * SX_WANT_WRITE when fd is not pending).  Unchecked: a hint for the events
 * to wait on, which the conntab_get() after the wait checks.
 */
int conntab_want(int fd);
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
/* Read and clear a failed entry's error (getsockopt SO_ERROR). */
int conntab_take_error(int fd);
/* Remember the program's epoll registration of fd (epfd -1: none). */
void conntab_set_epoll(int fd, int epfd, uint32_t events, uint64_t data);
/* The active descriptor registered in epfd with this data, or -1. */
int conntab_find_epoll(int epfd, uint64_t data);
/*
 * The earliest time a pending entry must be stepped (its deadline, or its
 * handshake's probe: handshake_wake_ms()), or INT64_MAX.
 */
int64_t conntab_next_deadline(void);
/*
 * Fill fds (up to cap) with the active descriptors whose deadline or probe
 * time has passed at now_ms; returns how many.
 */
int conntab_expired(int64_t now_ms, int *fds, int cap);
/*
 * True when fd may carry GSSAPI protection (no lock; one load when no
 * socket does; a false answer is exact).
 */
bool conntab_maybe_wrapped(int fd);
/* Number of sockets with GSSAPI protection (no lock). */
int conntab_wrapped_count(void);
/*
 * Give established fd (and its copies) the GSSAPI protection w, taken
 * over (let go of when fd has no established entry).
 */
void conntab_set_wrap(int fd, struct gsswrap *w);
/*
 * fd's protection with a reference for the caller (gsswrap_put()), or
 * NULL; checks the entry against the socket, as conntab_get() does.
 */
struct gsswrap *conntab_hold_wrap(int fd);
/* Fill fds (up to cap) with descriptors that carry protection; how many. */
int conntab_wrapped_fds(int *fds, int cap);
/*
 * In a forked child (pthread_atfork()): the locks of every protection as
 * new, since a thread of the parent may have held one at the fork.
 */
void conntab_wrap_after_fork(void);
/* Forget fd (close, dup2 over it).  Cheap when fd has no entry. */
void conntab_remove(int fd);
/* newfd is a copy of fd (dup): it shares fd's socket state from now on. */
void conntab_dup(int fd, int newfd);

#endif

/*
 * State kept by descriptor: the one scaffolding under the per-descriptor
 * tables (conntab.h: proxied TCP sockets and pending handshakes,
 * udpassoc.h: UDP associations, bindtab.h: BIND listeners and their
 * control connections).  Each of them is a struct fdtable holding
 * entries of its own payload type, keyed by descriptor number:
 *
 *  - one mutex per table, taken by the owning module around each call and
 *    never held across I/O, registered for fork (atfork.h) where the table
 *    is defined (FDTABLE_DEFINE);
 *  - a hash by descriptor; each entry records the identity of the socket
 *    it was made for (fdident.h) and fdtable_find_live() checks it: an
 *    entry whose descriptor now stands for another socket (the old one was
 *    closed where the library could not see it) is handed to the module's
 *    stale handler, which forgets it and may name one descriptor of ours
 *    (a control socket) that the table's closer then closes, after the
 *    lock is released;
 *  - a byte map over descriptors below FDTABLE_MAP_SIZE whose values the
 *    module chooses (0 always means "no entry"), written under the lock and
 *    read without it: "not ours" costs one load;
 *  - a counter of entries and one of the entries the module counts as
 *    active (a handshake or a BIND under way), both read without the lock.
 *
 * Payloads are allocated with their entry (one allocation, zeroed) and
 * handed out as pointers that are valid while the lock is held; the
 * modules copy what their callers need before releasing it.
 */
#ifndef SX_FDTABLE_H
#define SX_FDTABLE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "atfork.h"

/* Descriptors below this are answered by the byte map; above, by lookup. */
#define FDTABLE_MAP_SIZE 65536
/* fdtable_mark_of() for a descriptor beyond the map: look it up. */
#define FDTABLE_MARK_UNKNOWN (-1)

/* A descriptor of ours dropped with a stale entry, to close unlocked. */
struct fdtable_stale {
	int fd;
	uint64_t ident;		/* its identity, to know it again (0: trust) */
};
#define FDTABLE_STALE_NONE { -1, 0 }

/* Closes what a stale entry left (installed once, at init). */
typedef void (*fdtable_closer_fn)(int fd, uint64_t ident);

/*
 * The module's handler for the payload of a stale entry (lock held): it
 * forgets the entry (fdtable_delete()) and everything tied to it, and may
 * fill *stale.  Returns false to keep the entry after all (a descriptor
 * that is ours whatever the check says).
 */
typedef bool (*fdtable_stale_fn)(void *payload, struct fdtable_stale *stale);

struct fdtable_node;

struct fdtable {
	pthread_mutex_t lock;
	size_t payload_size;
	fdtable_stale_fn on_stale;
	_Atomic uint8_t *map;			/* FDTABLE_MAP_SIZE bytes */
	struct fdtable_node *head;		/* the hash, by descriptor */
	_Atomic int count;			/* entries */
	_Atomic int active;			/* entries the module calls active */
	_Atomic(fdtable_closer_fn) closer;
};

/*
 * Define a table `name` (static) of payloads of type `type`, whose stale
 * entries go to on_stale, with its byte map, and register its lock for
 * fork.  One line per table.
 */
#define FDTABLE_DEFINE(name, type, on_stale_fn)                       \
	static _Atomic uint8_t name##_map[FDTABLE_MAP_SIZE];          \
	static struct fdtable name = {                                \
		.lock = PTHREAD_MUTEX_INITIALIZER,                    \
		.payload_size = sizeof(type),                         \
		.on_stale = (on_stale_fn),                            \
		.map = name##_map,                                    \
	};                                                            \
	ATFORK_LOCK(name, name.lock)

/* Install the closer for descriptors stale entries leave. */
void fdtable_set_closer(struct fdtable *t, fdtable_closer_fn closer);
/* Close what a stale entry left, through the closer.  Lock not held. */
void fdtable_close_stale(struct fdtable *t, const struct fdtable_stale *stale);

/*
 * The questions the hooks ask of every call, inline: on a descriptor no
 * table knows, each is one load and a branch, with no call.
 */

/* Number of entries (no lock). */
static inline int
fdtable_count(struct fdtable *t)
{
	return atomic_load_explicit(&t->count, memory_order_relaxed);
}

/* Number of entries counted active (no lock). */
static inline int
fdtable_active_count(struct fdtable *t)
{
	return atomic_load_explicit(&t->active, memory_order_relaxed);
}

/* True when fd may have an entry (no lock; a false answer is exact). */
static inline bool
fdtable_maybe(struct fdtable *t, int fd)
{
	if (fd < 0)
		return false;
	if (fd < FDTABLE_MAP_SIZE)
		return atomic_load_explicit(&t->map[fd], memory_order_relaxed) != 0;
	/* Beyond the map: look it up when anything is recorded at all. */
	return fdtable_count(t) > 0;
}

/*
 * fd's byte map value (no lock): 0 for a negative fd,
 * FDTABLE_MARK_UNKNOWN beyond the map.
 */
static inline int
fdtable_mark_of(struct fdtable *t, int fd)
{
	if (fd < 0)
		return 0;
	if (fd >= FDTABLE_MAP_SIZE)
		return FDTABLE_MARK_UNKNOWN;
	return atomic_load_explicit(&t->map[fd], memory_order_relaxed);
}

/*
 * True when fd may be active: its byte map value is `value` or, beyond the
 * map, any entry is active (no lock; a false answer is exact).
 */
static inline bool
fdtable_maybe_active(struct fdtable *t, int fd, uint8_t value)
{
	int mark = fdtable_mark_of(t, fd);

	if (mark == FDTABLE_MARK_UNKNOWN)
		return fdtable_active_count(t) > 0;
	return mark == value;
}

/*
 * True when fd's byte map value may be `value`: it is, or fd is beyond the
 * map (no lock; a false answer is exact).
 */
static inline bool
fdtable_maybe_mark(struct fdtable *t, int fd, uint8_t value)
{
	int mark = fdtable_mark_of(t, fd);

	return mark == FDTABLE_MARK_UNKNOWN || mark == value;
}

void fdtable_lock(struct fdtable *t);
void fdtable_unlock(struct fdtable *t);

/* One checked call on fd's entry, from fdtable_enter() to fdtable_leave(). */
struct fdtable_call {
	int fd;
	uint64_t ident;			/* fd's identity, read before the lock */
	struct fdtable_stale stale;	/* what a stale entry left */
};
/*
 * Read fd's identity, take the lock and return fd's live entry (NULL when
 * none; see fdtable_find_live()).
 */
void *fdtable_enter(struct fdtable *t, int fd, struct fdtable_call *call);
/* Release the lock, then close what a stale entry left. */
void fdtable_leave(struct fdtable *t, struct fdtable_call *call);

/* The calls below are made with the lock held. */

/* Count one more (delta 1) or one less (-1) entry active. */
void fdtable_active_add(struct fdtable *t, int delta);
/* Set fd's byte map value. */
void fdtable_mark(struct fdtable *t, int fd, uint8_t value);
/* Set or clear bits of fd's byte map value. */
void fdtable_mark_bits(struct fdtable *t, int fd, uint8_t bits, bool on);
/* fd's payload as recorded, unchecked; NULL when none. */
void *fdtable_find(struct fdtable *t, int fd);
/*
 * fd's payload when fd still stands for the socket it was recorded for
 * (ident: fd's identity now, read before taking the lock).  A stale entry
 * goes to the table's stale handler, which may leave a descriptor in
 * *stale for fdtable_close_stale().
 */
void *fdtable_find_live(struct fdtable *t, int fd, uint64_t ident,
			struct fdtable_stale *stale);
/*
 * A new zeroed payload for fd with identity ident (fd must have none).
 * NULL when out of memory.  The byte map is the caller's to mark.
 */
void *fdtable_add(struct fdtable *t, int fd, uint64_t ident);
/* Unlink and free a payload.  The byte map is the caller's to clear. */
void fdtable_delete(struct fdtable *t, void *payload);
/* The entry after payload (NULL: the first one), in no particular order. */
void *fdtable_next(struct fdtable *t, void *payload);
/* The descriptor and identity a payload was recorded for. */
int fdtable_fd(const void *payload);
uint64_t fdtable_ident(const void *payload);

#endif

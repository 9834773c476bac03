/*
 * The per-descriptor table scaffolding.  An entry is one allocation: the
 * node (descriptor, identity, hash handle) followed by the module's
 * payload, aligned for any type.  Each table's mutex guards its hash and
 * every payload in it; the byte map and the counter are written under the
 * mutex and read without it (a stale read only costs a lookup, and a hook
 * that reads zero finds nothing to do).
 */
#include <stdlib.h>

#include "fdany.h"
#include "fdident.h"
#include "fdtable.h"

/* uthash reports an insertion that ran out of memory on the node itself. */
#define uthash_nonfatal_oom(obj) ((obj)->oom = true)
#include "table.h"

struct fdtable_node {
	int fd;
	bool oom;
	uint64_t ident;
	UT_hash_handle hh;
	max_align_t payload[];
};

static struct fdtable_node *
fdtable_node_of(const void *payload)
{
	return (struct fdtable_node *)((char *)(uintptr_t)payload -
				       offsetof(struct fdtable_node, payload));
}

void
fdtable_set_closer(struct fdtable *t, fdtable_closer_fn closer)
{
	atomic_store_explicit(&t->closer, closer, memory_order_release);
}

void
fdtable_close_stale(struct fdtable *t, const struct fdtable_stale *stale)
{
	fdtable_closer_fn closer;

	if (stale->fd < 0)
		return;
	closer = atomic_load_explicit(&t->closer, memory_order_acquire);
	if (closer)
		closer(stale->fd, stale->ident);
}

/* Count an entry in or out.  Lock held. */
static void
fdtable_count_add(struct fdtable *t, int delta)
{
	atomic_fetch_add_explicit(&t->count, delta, memory_order_relaxed);
}

void
fdtable_active_add(struct fdtable *t, int delta)
{
	atomic_fetch_add_explicit(&t->active, delta, memory_order_relaxed);
}

void
fdtable_lock(struct fdtable *t)
{
	pthread_mutex_lock(&t->lock);
}

void
fdtable_unlock(struct fdtable *t)
{
	pthread_mutex_unlock(&t->lock);
}

void *
fdtable_enter(struct fdtable *t, int fd, struct fdtable_call *call)
{
	call->fd = fd;
	call->ident = fdident_of(fd);
	call->stale.fd = -1;
	call->stale.ident = 0;
	fdtable_lock(t);
	return fdtable_find_live(t, fd, call->ident, &call->stale);
}

void
fdtable_leave(struct fdtable *t, struct fdtable_call *call)
{
	fdtable_unlock(t);
	fdtable_close_stale(t, &call->stale);
}

void
fdtable_mark(struct fdtable *t, int fd, uint8_t value)
{
	if (fd >= 0 && fd < FDTABLE_MAP_SIZE)
		atomic_store_explicit(&t->map[fd], value, memory_order_relaxed);
	if (value != 0)
		fdany_note(fd);
}

void
fdtable_mark_bits(struct fdtable *t, int fd, uint8_t bits, bool on)
{
	uint8_t v;

	if (fd < 0 || fd >= FDTABLE_MAP_SIZE)
		return;
	v = atomic_load_explicit(&t->map[fd], memory_order_relaxed);
	v = on ? (uint8_t)(v | bits) : (uint8_t)(v & ~bits);
	atomic_store_explicit(&t->map[fd], v, memory_order_relaxed);
	if (v != 0)
		fdany_note(fd);
}

void *
fdtable_find(struct fdtable *t, int fd)
{
	struct fdtable_node *n = NULL;

	HASH_FIND_INT(t->head, &fd, n);
	return n ? n->payload : NULL;
}

void *
fdtable_find_live(struct fdtable *t, int fd, uint64_t ident,
		  struct fdtable_stale *stale)
{
	struct fdtable_node *n = NULL;

	HASH_FIND_INT(t->head, &fd, n);
	if (!n)
		return NULL;
	if (n->ident == 0 || n->ident == ident || !t->on_stale(n->payload, stale))
		return n->payload;
	return NULL;
}

void *
fdtable_add(struct fdtable *t, int fd, uint64_t ident)
{
	struct fdtable_node *n = calloc(1, sizeof(*n) + t->payload_size);

	if (!n)
		return NULL;
	n->fd = fd;
	n->ident = ident;
	HASH_ADD_INT(t->head, fd, n);
	if (n->oom) {
		free(n);
		return NULL;
	}
	fdtable_count_add(t, 1);
	fdany_note(fd);
	return n->payload;
}

void
fdtable_delete(struct fdtable *t, void *payload)
{
	struct fdtable_node *n = fdtable_node_of(payload);

	HASH_DEL(t->head, n);
	fdtable_count_add(t, -1);
	free(n);
}

void *
fdtable_next(struct fdtable *t, void *payload)
{
	struct fdtable_node *n;

	n = payload ? fdtable_node_of(payload)->hh.next : t->head;
	return n ? n->payload : NULL;
}

int
fdtable_fd(const void *payload)
{
	return fdtable_node_of(payload)->fd;
}

uint64_t
fdtable_ident(const void *payload)
{
	return fdtable_node_of(payload)->ident;
}

/*
 * SOCKS BIND state by descriptor.  The mutex guards the hash table and
 * every entry; the byte map and the counters are written under the mutex
 * and read without it (a stale read only costs a lookup, and a hook that
 * reads zero finds nothing to do).
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "bindtab.h"
#include "fdident.h"

static bool bindtab_oom;
#define uthash_nonfatal_oom(obj) (bindtab_oom = true)
#include "table.h"

#define BINDTAB_MAP_SIZE 65536
/* Byte map values. */
#define BINDTAB_MAP_NONE 0
#define BINDTAB_MAP_CONN 1
#define BINDTAB_MAP_LISTEN 2
#define BINDTAB_MAP_ACTIVE 3	/* a listening socket waiting for its peer */
#define BINDTAB_MAP_CTRL 4

struct bindtab_entry {
	int fd;
	uint64_t ident;			/* the socket's identity (fdident.h) */
	int kind;
	int family;
	int state;
	int error;
	int ctrl;
	int ctrl_epfd;
	int owner;
	bool listening;
	bool busy;			/* a caller has taken the entry */
	bool active;			/* counted in bindtab_nactive */
	uint64_t seq;
	struct sx_endpoint dst;
	struct sx_endpoint bnd;
	struct handshake *hs;
	UT_hash_handle hh;
};

static pthread_mutex_t bindtab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct bindtab_entry *bindtab_head;
static uint64_t bindtab_seq;
static _Atomic uint8_t bindtab_map[BINDTAB_MAP_SIZE];
static _Atomic int bindtab_nactive;
static _Atomic int bindtab_nconn;
/* Closes the control connection of a listening entry found stale. */
static _Atomic(bindtab_closer_fn) bindtab_closer;

void
bindtab_set_closer(bindtab_closer_fn closer)
{
	atomic_store_explicit(&bindtab_closer, closer, memory_order_release);
}

bool
bindtab_maybe(int fd)
{
	if (fd < 0)
		return false;
	if (fd < BINDTAB_MAP_SIZE)
		return atomic_load_explicit(&bindtab_map[fd], memory_order_relaxed) !=
		       BINDTAB_MAP_NONE;
	/* Beyond the map: look it up. */
	return true;
}

bool
bindtab_maybe_active(int fd)
{
	if (fd < 0)
		return false;
	if (fd < BINDTAB_MAP_SIZE)
		return atomic_load_explicit(&bindtab_map[fd], memory_order_relaxed) ==
		       BINDTAB_MAP_ACTIVE;
	return bindtab_active_count() > 0;
}

int
bindtab_active_count(void)
{
	return atomic_load_explicit(&bindtab_nactive, memory_order_relaxed);
}

int
bindtab_conn_count(void)
{
	return atomic_load_explicit(&bindtab_nconn, memory_order_relaxed);
}

static void
bindtab_mark(int fd, uint8_t value)
{
	if (fd >= 0 && fd < BINDTAB_MAP_SIZE)
		atomic_store_explicit(&bindtab_map[fd], value, memory_order_relaxed);
}

static struct bindtab_entry *
bindtab_find(int fd)
{
	struct bindtab_entry *e = NULL;

	HASH_FIND_INT(bindtab_head, &fd, e);
	return e;
}

/* The control connection entry of ctrl, if it belongs to a listening socket. */
static struct bindtab_entry *
bindtab_find_ctrl(int ctrl)
{
	struct bindtab_entry *e = bindtab_find(ctrl);

	return e && e->kind == BINDTAB_CTRL ? e : NULL;
}

/* Count e as waiting for a peer or not, and mark the map.  Lock held. */
static void
bindtab_set_active(struct bindtab_entry *e, bool active)
{
	if (e->active != active) {
		e->active = active;
		if (active)
			atomic_fetch_add_explicit(&bindtab_nactive, 1, memory_order_relaxed);
		else
			atomic_fetch_sub_explicit(&bindtab_nactive, 1, memory_order_relaxed);
	}
	bindtab_mark(e->fd, active ? BINDTAB_MAP_ACTIVE : BINDTAB_MAP_LISTEN);
}

/* Unlink and free e, undoing its counts.  Lock held. */
static void
bindtab_delete(struct bindtab_entry *e)
{
	HASH_DEL(bindtab_head, e);
	if (e->active)
		atomic_fetch_sub_explicit(&bindtab_nactive, 1, memory_order_relaxed);
	if (e->kind == BINDTAB_CONN)
		atomic_fetch_sub_explicit(&bindtab_nconn, 1, memory_order_relaxed);
	bindtab_mark(e->fd, BINDTAB_MAP_NONE);
	free(e->hs);
	free(e);
}

static void bindtab_drop_ctrl(struct bindtab_entry *e);

/*
 * fd's entry, when fd still stands for the socket it was made for (ident:
 * fd's identity now, read before the lock).  A stale entry is forgotten as
 * bindtab_remove() would; the control connection it leaves for closing
 * goes to *stale_ctrl (with its identity in *stale_ident).  Lock held.
 */
static struct bindtab_entry *
bindtab_find_live(int fd, uint64_t ident, int *stale_ctrl,
		  uint64_t *stale_ident)
{
	struct bindtab_entry *e = bindtab_find(fd), *c;

	if (!e || e->ident == 0 || e->ident == ident)
		return e;
	if (e->kind == BINDTAB_CTRL)
		return e;	/* ours: only bindtab_remove() ends it */
	if (e->kind == BINDTAB_LISTEN) {
		if (e->busy) {
			e->hs = NULL;
		} else if (e->ctrl >= 0) {
			c = bindtab_find_ctrl(e->ctrl);
			*stale_ctrl = e->ctrl;
			*stale_ident = c ? c->ident : 0;
		}
		bindtab_drop_ctrl(e);
	}
	bindtab_delete(e);
	return NULL;
}

/* Close what bindtab_find_live() left.  Lock not held. */
static void
bindtab_close_stale(int ctrl, uint64_t ident)
{
	bindtab_closer_fn closer;

	if (ctrl < 0)
		return;
	closer = atomic_load_explicit(&bindtab_closer, memory_order_acquire);
	if (closer)
		closer(ctrl, ident);
}

/* Forget the control connection of listening entry e.  Lock held. */
static void
bindtab_drop_ctrl(struct bindtab_entry *e)
{
	struct bindtab_entry *c;

	if (e->ctrl < 0)
		return;
	c = bindtab_find_ctrl(e->ctrl);
	if (c && c->owner == e->fd)
		bindtab_delete(c);
	e->ctrl = -1;
	e->ctrl_epfd = -1;
}

/* A fresh entry for fd of kind, replacing any old one.  Lock held. */
static struct bindtab_entry *
bindtab_insert(int fd, int kind)
{
	struct bindtab_entry *e = bindtab_find(fd);

	if (e) {
		/* A stale entry of a number the kernel gave out again. */
		if (e->busy)
			e->hs = NULL;
		if (e->kind == BINDTAB_LISTEN)
			bindtab_drop_ctrl(e);
		bindtab_delete(e);
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->fd = fd;
	e->ident = fdident_of(fd);
	e->kind = kind;
	e->ctrl = -1;
	e->ctrl_epfd = -1;
	e->owner = -1;
	bindtab_oom = false;
	HASH_ADD_INT(bindtab_head, fd, e);
	if (bindtab_oom) {
		free(e);
		return NULL;
	}
	if (kind == BINDTAB_CONN)
		atomic_fetch_add_explicit(&bindtab_nconn, 1, memory_order_relaxed);
	bindtab_mark(fd, kind == BINDTAB_CONN ? BINDTAB_MAP_CONN :
			 kind == BINDTAB_CTRL ? BINDTAB_MAP_CTRL : BINDTAB_MAP_LISTEN);
	return e;
}

int
bindtab_add_conn(int fd, int family, const struct sx_endpoint *dst,
		 const struct sx_endpoint *bnd)
{
	struct bindtab_entry *e;
	int rc = 0;

	pthread_mutex_lock(&bindtab_lock);
	e = bindtab_insert(fd, BINDTAB_CONN);
	if (!e) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	e->family = family;
	e->seq = ++bindtab_seq;
	e->dst = *dst;
	e->bnd = *bnd;
out_unlock:
	pthread_mutex_unlock(&bindtab_lock);
	return rc;
}

int
bindtab_list_conns(int *fds, int cap)
{
	struct bindtab_entry *e, *tmp;
	uint64_t seqs[64];
	int n = 0;

	if (cap > (int)SX_ARRAY_LEN(seqs))
		cap = (int)SX_ARRAY_LEN(seqs);
	pthread_mutex_lock(&bindtab_lock);
	HASH_ITER(hh, bindtab_head, e, tmp) {
		int i;

		if (e->kind != BINDTAB_CONN)
			continue;
		/* Insertion into a list kept newest first, at most cap long. */
		for (i = n; i > 0 && seqs[i - 1] < e->seq; i--) {
			if (i < cap) {
				seqs[i] = seqs[i - 1];
				fds[i] = fds[i - 1];
			}
		}
		if (i < cap) {
			seqs[i] = e->seq;
			fds[i] = e->fd;
			if (n < cap)
				n++;
		}
	}
	pthread_mutex_unlock(&bindtab_lock);
	return n;
}

int
bindtab_add_listen(int fd, int family, const struct sx_endpoint *dst)
{
	struct bindtab_entry *e;
	int rc = 0;

	pthread_mutex_lock(&bindtab_lock);
	e = bindtab_find(fd);
	if (e && e->kind == BINDTAB_LISTEN) {
		rc = -EINVAL;
		goto out_unlock;
	}
	e = bindtab_insert(fd, BINDTAB_LISTEN);
	if (!e) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	e->family = family;
	e->state = BINDTAB_BOUND;
	e->dst = *dst;
out_unlock:
	pthread_mutex_unlock(&bindtab_lock);
	return rc;
}

static void
bindtab_copy(const struct bindtab_entry *e, struct bindtab_info *info)
{
	info->kind = e->kind;
	info->family = e->family;
	info->state = e->state;
	info->error = e->error;
	info->ctrl = e->ctrl;
	info->ctrl_epfd = e->ctrl_epfd;
	info->owner = e->owner;
	info->listening = e->listening;
	info->seq = e->seq;
	info->dst = e->dst;
	info->bnd = e->bnd;
}

bool
bindtab_get(int fd, struct bindtab_info *info)
{
	struct bindtab_entry *e;
	uint64_t ident, stale_ident = 0;
	int stale_ctrl = -1;

	if (!bindtab_maybe(fd))
		return false;
	ident = fdident_of(fd);
	pthread_mutex_lock(&bindtab_lock);
	e = bindtab_find_live(fd, ident, &stale_ctrl, &stale_ident);
	if (e)
		bindtab_copy(e, info);
	pthread_mutex_unlock(&bindtab_lock);
	bindtab_close_stale(stale_ctrl, stale_ident);
	return e != NULL;
}

int
bindtab_take(int fd, struct bindtab_info *info, struct handshake **hs)
{
	struct bindtab_entry *e;
	uint64_t ident, stale_ident = 0;
	int stale_ctrl = -1;
	int rc = 0;

	*hs = NULL;
	if (!bindtab_maybe(fd))
		return -ENOENT;
	ident = fdident_of(fd);
	pthread_mutex_lock(&bindtab_lock);
	e = bindtab_find_live(fd, ident, &stale_ctrl, &stale_ident);
	if (!e || e->kind != BINDTAB_LISTEN) {
		rc = -ENOENT;
		goto out_unlock;
	}
	if (e->busy) {
		rc = -EBUSY;
		goto out_unlock;
	}
	e->busy = true;
	bindtab_copy(e, info);
	*hs = e->hs;
out_unlock:
	pthread_mutex_unlock(&bindtab_lock);
	bindtab_close_stale(stale_ctrl, stale_ident);
	return rc;
}

/* The taken listening entry of fd, or NULL when it went away.  Lock held. */
static struct bindtab_entry *
bindtab_find_taken(int fd)
{
	struct bindtab_entry *e = bindtab_find(fd);

	if (!e || e->kind != BINDTAB_LISTEN || !e->busy)
		return NULL;
	return e;
}

int
bindtab_put_waiting(int fd, int ctrl, struct handshake *hs,
		    const struct sx_endpoint *bnd)
{
	struct bindtab_entry *e, *c;
	int rc = 0;

	pthread_mutex_lock(&bindtab_lock);
	e = bindtab_find_taken(fd);
	if (!e) {
		free(hs);
		rc = -EBADF;
		goto out_unlock;
	}
	e->busy = false;
	c = bindtab_insert(ctrl, BINDTAB_CTRL);
	if (!c) {
		/* Without the entry a closed number could not be told apart. */
		free(hs);
		e->state = BINDTAB_FAILED;
		e->error = ENOMEM;
		rc = -ENOMEM;
		goto out_unlock;
	}
	c->owner = fd;
	c->family = e->family;
	if (e->hs != hs)
		free(e->hs);
	e->hs = hs;
	e->ctrl = ctrl;
	e->ctrl_epfd = -1;
	e->bnd = *bnd;
	e->state = BINDTAB_WAITING;
	e->error = 0;
	bindtab_set_active(e, true);
out_unlock:
	pthread_mutex_unlock(&bindtab_lock);
	return rc;
}

int
bindtab_put_idle(int fd, struct handshake *hs, int err)
{
	struct bindtab_entry *e;
	int rc = 0;

	pthread_mutex_lock(&bindtab_lock);
	e = bindtab_find_taken(fd);
	if (!e) {
		free(hs);
		rc = -EBADF;
		goto out_unlock;
	}
	e->busy = false;
	if (e->hs != hs)
		free(e->hs);
	free(hs);
	e->hs = NULL;
	bindtab_drop_ctrl(e);
	e->state = err ? BINDTAB_FAILED : BINDTAB_SPENT;
	e->error = err;
	bindtab_set_active(e, false);
out_unlock:
	pthread_mutex_unlock(&bindtab_lock);
	return rc;
}

int
bindtab_put_back(int fd, struct handshake *hs)
{
	struct bindtab_entry *e;
	int rc = 0;

	pthread_mutex_lock(&bindtab_lock);
	e = bindtab_find_taken(fd);
	if (!e) {
		/* Closed meanwhile: bindtab_remove() left the handshake to us. */
		free(hs);
		rc = -EBADF;
		goto out_unlock;
	}
	e->busy = false;
out_unlock:
	pthread_mutex_unlock(&bindtab_lock);
	return rc;
}

void
bindtab_set_listening(int fd)
{
	struct bindtab_entry *e;

	pthread_mutex_lock(&bindtab_lock);
	e = bindtab_find(fd);
	if (e && e->kind == BINDTAB_LISTEN)
		e->listening = true;
	pthread_mutex_unlock(&bindtab_lock);
}

void
bindtab_set_ctrl_epoll(int fd, int epfd)
{
	struct bindtab_entry *e;

	pthread_mutex_lock(&bindtab_lock);
	e = bindtab_find(fd);
	if (e && e->kind == BINDTAB_LISTEN && e->ctrl >= 0)
		e->ctrl_epfd = epfd;
	pthread_mutex_unlock(&bindtab_lock);
}

int
bindtab_ctrl(int fd)
{
	struct bindtab_entry *e;
	int ctrl = -1;

	if (!bindtab_maybe_active(fd))
		return -1;
	pthread_mutex_lock(&bindtab_lock);
	e = bindtab_find(fd);
	if (e && e->kind == BINDTAB_LISTEN && e->state == BINDTAB_WAITING)
		ctrl = e->ctrl;
	pthread_mutex_unlock(&bindtab_lock);
	return ctrl;
}

int
bindtab_remove(int fd)
{
	struct bindtab_entry *e, *owner;
	int ctrl = -1;

	if (!bindtab_maybe(fd))
		return -1;
	pthread_mutex_lock(&bindtab_lock);
	e = bindtab_find(fd);
	if (!e)
		goto out_unlock;
	if (e->kind == BINDTAB_CTRL) {
		/* The program ends our control connection: its listener loses it. */
		owner = bindtab_find(e->owner);
		if (owner && owner->kind == BINDTAB_LISTEN && owner->ctrl == fd) {
			owner->ctrl = -1;
			owner->ctrl_epfd = -1;
			if (!owner->busy) {
				free(owner->hs);
				owner->hs = NULL;
				owner->state = BINDTAB_SPENT;
				bindtab_set_active(owner, false);
			}
		}
		bindtab_delete(e);
		goto out_unlock;
	}
	if (e->kind == BINDTAB_LISTEN) {
		/*
		 * A taking thread owns the handshake and the control connection
		 * until it puts them back and finds fd gone.
		 */
		if (e->busy)
			e->hs = NULL;
		else
			ctrl = e->ctrl;
		bindtab_drop_ctrl(e);
	}
	bindtab_delete(e);
out_unlock:
	pthread_mutex_unlock(&bindtab_lock);
	return ctrl;
}

void
bindtab_dup(int fd, int newfd)
{
	struct bindtab_info info;

	if (!bindtab_get(fd, &info) || info.kind != BINDTAB_CONN)
		return;
	bindtab_add_conn(newfd, info.family, &info.dst, &info.bnd);
}

void
bindtab_atfork_prepare(void)
{
	pthread_mutex_lock(&bindtab_lock);
}

void
bindtab_atfork_parent(void)
{
	pthread_mutex_unlock(&bindtab_lock);
}

void
bindtab_atfork_child(void)
{
	pthread_mutex_unlock(&bindtab_lock);
}

/*
 * SOCKS BIND state by descriptor: the entries of a per-descriptor table
 * (fdtable.h).  The table's mutex guards every entry; the byte map and the
 * counters are written under the mutex and read without it (a stale read
 * only costs a lookup, and a hook that reads zero finds nothing to do).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "bindtab.h"
#include "fdident.h"
#include "fdtable.h"

/* Byte map values. */
#define BINDTAB_MAP_NONE 0
#define BINDTAB_MAP_CONN 1
#define BINDTAB_MAP_LISTEN 2
#define BINDTAB_MAP_ACTIVE 3	/* a listening socket waiting for its peer */
#define BINDTAB_MAP_CTRL 4

/* The payload of a descriptor's entry in the table (fdtable.h). */
struct bindtab_entry {
	int fd;
	struct bindtab_info info;
	bool busy;			/* a caller has taken the entry */
	bool active;			/* counted active in the table */
	struct handshake *hs;
};

static bool bindtab_stale(void *payload, struct fdtable_stale *stale);
FDTABLE_DEFINE(bindtab_table, struct bindtab_entry, bindtab_stale)
static uint64_t bindtab_seq;
static _Atomic int bindtab_nconn;

void
bindtab_set_closer(bindtab_closer_fn closer)
{
	fdtable_set_closer(&bindtab_table, closer);
}

bool
bindtab_maybe(int fd)
{
	/* Beyond the map the mark is FDTABLE_MARK_UNKNOWN: looked up. */
	return fdtable_mark_of(&bindtab_table, fd) != BINDTAB_MAP_NONE;
}

bool
bindtab_maybe_ctrl(int fd)
{
	return fdtable_maybe_mark(&bindtab_table, fd, BINDTAB_MAP_CTRL);
}

bool
bindtab_maybe_active(int fd)
{
	return fdtable_maybe_active(&bindtab_table, fd, BINDTAB_MAP_ACTIVE);
}

int
bindtab_active_count(void)
{
	return fdtable_active_count(&bindtab_table);
}

int
bindtab_conn_count(void)
{
	return atomic_load_explicit(&bindtab_nconn, memory_order_relaxed);
}

static struct bindtab_entry *
bindtab_find(int fd)
{
	return fdtable_find(&bindtab_table, fd);
}

/* The control connection entry of ctrl, if it belongs to a listening socket. */
static struct bindtab_entry *
bindtab_find_ctrl(int ctrl)
{
	struct bindtab_entry *e = bindtab_find(ctrl);

	return e && e->info.kind == BINDTAB_CTRL ? e : NULL;
}

/* Count e as waiting for a peer or not, and mark the map.  Lock held. */
static void
bindtab_set_active(struct bindtab_entry *e, bool active)
{
	if (e->active != active) {
		e->active = active;
		fdtable_active_add(&bindtab_table, active ? 1 : -1);
	}
	fdtable_mark(&bindtab_table, e->fd,
		     active ? BINDTAB_MAP_ACTIVE : BINDTAB_MAP_LISTEN);
}

/* Unlink and free e, undoing its counts.  Lock held. */
static void
bindtab_delete(struct bindtab_entry *e)
{
	if (e->active)
		fdtable_active_add(&bindtab_table, -1);
	if (e->info.kind == BINDTAB_CONN)
		atomic_fetch_sub_explicit(&bindtab_nconn, 1, memory_order_relaxed);
	fdtable_mark(&bindtab_table, e->fd, BINDTAB_MAP_NONE);
	free(e->hs);
	fdtable_delete(&bindtab_table, e);
}

static void bindtab_drop_ctrl(struct bindtab_entry *e);

/*
 * Forget a listening or connection entry (lock held).  Returns the control
 * connection the caller closes: -1 when none, or when a thread that took
 * the entry owns it (with the handshake) until it puts them back and finds
 * the entry gone.
 */
static int
bindtab_forget(struct bindtab_entry *e)
{
	int ctrl = -1;

	if (e->info.kind == BINDTAB_LISTEN) {
		if (e->busy)
			e->hs = NULL;
		else
			ctrl = e->info.ctrl;
		bindtab_drop_ctrl(e);
	}
	bindtab_delete(e);
	return ctrl;
}

/*
 * An entry whose descriptor now stands for another socket, forgotten as
 * bindtab_remove() would; the control connection it leaves for closing
 * goes to *stale.  Lock held.
 */
static bool
bindtab_stale(void *payload, struct fdtable_stale *stale)
{
	struct bindtab_entry *e = payload, *c = NULL;

	if (e->info.kind == BINDTAB_CTRL)
		return false;	/* ours: only bindtab_remove() ends it */
	if (e->info.kind == BINDTAB_LISTEN && e->info.ctrl >= 0)
		c = bindtab_find_ctrl(e->info.ctrl);
	stale->ident = c ? fdtable_ident(c) : 0;
	stale->fd = bindtab_forget(e);
	return true;
}

/* Forget the control connection of listening entry e.  Lock held. */
static void
bindtab_drop_ctrl(struct bindtab_entry *e)
{
	struct bindtab_entry *c;

	if (e->info.ctrl < 0)
		return;
	c = bindtab_find_ctrl(e->info.ctrl);
	if (c && c->info.owner == e->fd)
		bindtab_delete(c);
	e->info.ctrl = -1;
	e->info.ctrl_epfd = -1;
}

/* A fresh entry for fd of kind, replacing any old one.  Lock held. */
static struct bindtab_entry *
bindtab_insert(int fd, int kind)
{
	struct bindtab_entry *e = bindtab_find(fd);

	/* A stale entry of a number the kernel gave out again. */
	if (e)
		(void)bindtab_forget(e);
	e = fdtable_add(&bindtab_table, fd, fdident_of(fd));
	if (!e)
		return NULL;
	e->fd = fd;
	e->info.kind = kind;
	e->info.ctrl = -1;
	e->info.ctrl_epfd = -1;
	e->info.owner = -1;
	if (kind == BINDTAB_CONN)
		atomic_fetch_add_explicit(&bindtab_nconn, 1, memory_order_relaxed);
	fdtable_mark(&bindtab_table, fd,
		     kind == BINDTAB_CONN ? BINDTAB_MAP_CONN :
		     kind == BINDTAB_CTRL ? BINDTAB_MAP_CTRL : BINDTAB_MAP_LISTEN);
	return e;
}

int
bindtab_add_conn(int fd, int family, const struct sx_endpoint *dst,
		 const struct sx_endpoint *bnd)
{
	struct bindtab_entry *e;
	int rc = 0;

	fdtable_lock(&bindtab_table);
	e = bindtab_insert(fd, BINDTAB_CONN);
	if (!e) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	e->info.family = family;
	e->info.seq = ++bindtab_seq;
	e->info.dst = *dst;
	e->info.bnd = *bnd;
out_unlock:
	fdtable_unlock(&bindtab_table);
	return rc;
}

int
bindtab_list_conns(int *fds, int cap)
{
	struct bindtab_entry *e;
	uint64_t seqs[64];
	int n = 0;

	if (cap > (int)SX_ARRAY_LEN(seqs))
		cap = (int)SX_ARRAY_LEN(seqs);
	fdtable_lock(&bindtab_table);
	for (e = fdtable_next(&bindtab_table, NULL); e;
	     e = fdtable_next(&bindtab_table, e)) {
		int i;

		if (e->info.kind != BINDTAB_CONN)
			continue;
		/* Insertion into a list kept newest first, at most cap long. */
		for (i = n; i > 0 && seqs[i - 1] < e->info.seq; i--) {
			if (i < cap) {
				seqs[i] = seqs[i - 1];
				fds[i] = fds[i - 1];
			}
		}
		if (i < cap) {
			seqs[i] = e->info.seq;
			fds[i] = e->fd;
			if (n < cap)
				n++;
		}
	}
	fdtable_unlock(&bindtab_table);
	return n;
}

int
bindtab_add_listen(int fd, int family, const struct sx_endpoint *dst)
{
	struct bindtab_entry *e;
	int rc = 0;

	fdtable_lock(&bindtab_table);
	e = bindtab_find(fd);
	if (e && e->info.kind == BINDTAB_LISTEN) {
		rc = -EINVAL;
		goto out_unlock;
	}
	e = bindtab_insert(fd, BINDTAB_LISTEN);
	if (!e) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	e->info.family = family;
	e->info.state = BINDTAB_BOUND;
	e->info.dst = *dst;
out_unlock:
	fdtable_unlock(&bindtab_table);
	return rc;
}

bool
bindtab_get(int fd, struct bindtab_info *info)
{
	struct fdtable_call call;
	struct bindtab_entry *e;

	if (!bindtab_maybe(fd))
		return false;
	e = fdtable_enter(&bindtab_table, fd, &call);
	if (e)
		*info = e->info;
	fdtable_leave(&bindtab_table, &call);
	return e != NULL;
}

int
bindtab_take(int fd, struct bindtab_info *info, struct handshake **hs)
{
	struct fdtable_call call;
	struct bindtab_entry *e;
	int rc = 0;

	*hs = NULL;
	if (!bindtab_maybe(fd))
		return -ENOENT;
	e = fdtable_enter(&bindtab_table, fd, &call);
	if (!e || e->info.kind != BINDTAB_LISTEN) {
		rc = -ENOENT;
		goto out_unlock;
	}
	if (e->busy) {
		rc = -EBUSY;
		goto out_unlock;
	}
	e->busy = true;
	*info = e->info;
	*hs = e->hs;
out_unlock:
	fdtable_leave(&bindtab_table, &call);
	return rc;
}

/* The taken listening entry of fd, or NULL when it went away.  Lock held. */
static struct bindtab_entry *
bindtab_find_taken(int fd)
{
	struct bindtab_entry *e = bindtab_find(fd);

	if (!e || e->info.kind != BINDTAB_LISTEN || !e->busy)
		return NULL;
	return e;
}

int
bindtab_put_waiting(int fd, int ctrl, struct handshake *hs,
		    const struct sx_endpoint *bnd)
{
	struct bindtab_entry *e, *c;
	int rc = 0;

	fdtable_lock(&bindtab_table);
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
		e->info.state = BINDTAB_FAILED;
		e->info.error = ENOMEM;
		rc = -ENOMEM;
		goto out_unlock;
	}
	c->info.owner = fd;
	c->info.family = e->info.family;
	if (e->hs != hs)
		free(e->hs);
	e->hs = hs;
	e->info.ctrl = ctrl;
	e->info.ctrl_epfd = -1;
	e->info.bnd = *bnd;
	e->info.state = BINDTAB_WAITING;
	e->info.error = 0;
	bindtab_set_active(e, true);
out_unlock:
	fdtable_unlock(&bindtab_table);
	return rc;
}

int
bindtab_put_idle(int fd, struct handshake *hs, int err)
{
	struct bindtab_entry *e;
	int rc = 0;

	fdtable_lock(&bindtab_table);
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
	e->info.state = err ? BINDTAB_FAILED : BINDTAB_SPENT;
	e->info.error = err;
	bindtab_set_active(e, false);
out_unlock:
	fdtable_unlock(&bindtab_table);
	return rc;
}

int
bindtab_put_back(int fd, struct handshake *hs)
{
	struct bindtab_entry *e;
	int rc = 0;

	fdtable_lock(&bindtab_table);
	e = bindtab_find_taken(fd);
	if (!e) {
		/* Closed meanwhile: bindtab_remove() left the handshake to us. */
		free(hs);
		rc = -EBADF;
		goto out_unlock;
	}
	e->busy = false;
out_unlock:
	fdtable_unlock(&bindtab_table);
	return rc;
}

void
bindtab_set_listening(int fd)
{
	struct bindtab_entry *e;

	fdtable_lock(&bindtab_table);
	e = bindtab_find(fd);
	if (e && e->info.kind == BINDTAB_LISTEN)
		e->info.listening = true;
	fdtable_unlock(&bindtab_table);
}

void
bindtab_set_ctrl_epoll(int fd, int epfd)
{
	struct bindtab_entry *e;

	fdtable_lock(&bindtab_table);
	e = bindtab_find(fd);
	if (e && e->info.kind == BINDTAB_LISTEN && e->info.ctrl >= 0)
		e->info.ctrl_epfd = epfd;
	fdtable_unlock(&bindtab_table);
}

int
bindtab_ctrl(int fd)
{
	struct bindtab_entry *e;
	int ctrl = -1;

	if (!bindtab_maybe_active(fd))
		return -1;
	fdtable_lock(&bindtab_table);
	e = bindtab_find(fd);
	if (e && e->info.kind == BINDTAB_LISTEN && e->info.state == BINDTAB_WAITING)
		ctrl = e->info.ctrl;
	fdtable_unlock(&bindtab_table);
	return ctrl;
}

int
bindtab_remove(int fd)
{
	struct bindtab_entry *e, *owner;
	int ctrl = -1;

	if (!bindtab_maybe(fd))
		return -1;
	fdtable_lock(&bindtab_table);
	e = bindtab_find(fd);
	if (!e)
		goto out_unlock;
	if (e->info.kind == BINDTAB_CTRL) {
		/* The program ends our control connection: its listener loses it. */
		owner = bindtab_find(e->info.owner);
		if (owner && owner->info.kind == BINDTAB_LISTEN && owner->info.ctrl == fd) {
			owner->info.ctrl = -1;
			owner->info.ctrl_epfd = -1;
			if (!owner->busy) {
				free(owner->hs);
				owner->hs = NULL;
				owner->info.state = BINDTAB_SPENT;
				bindtab_set_active(owner, false);
			}
		}
		bindtab_delete(e);
		goto out_unlock;
	}
	ctrl = bindtab_forget(e);
out_unlock:
	fdtable_unlock(&bindtab_table);
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

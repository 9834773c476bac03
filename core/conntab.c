/*
 * Proxied TCP sockets by descriptor.  The mutex guards the hash table, the
 * active list and every entry; the byte map and the active counter are
 * written under the mutex and read without it (a stale read only costs a
 * lookup, and a hook that reads zero finds nothing to do).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "conntab.h"

static bool conntab_oom;
#define uthash_nonfatal_oom(obj) (conntab_oom = true)
#include "table.h"

#define CONNTAB_MAP_SIZE 65536
/* Byte map values: no entry, an established entry, an active one. */
#define CONNTAB_MAP_NONE 0
#define CONNTAB_MAP_ESTABLISHED 1
#define CONNTAB_MAP_ACTIVE 2

struct conntab_entry {
	int fd;
	int state;
	int so_error;
	int orig_flags;
	int want;
	bool busy;			/* a caller has taken the handshake out */
	int64_t deadline_ms;
	int epfd;
	uint32_t ep_events;
	uint64_t ep_data;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct handshake *hs;
	struct conntab_entry *act_prev, *act_next;	/* the active list */
	bool active;
	UT_hash_handle hh;
};

static pthread_mutex_t conntab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conntab_entry *conntab_head;
static struct conntab_entry *conntab_active_head;
static _Atomic uint8_t conntab_map[CONNTAB_MAP_SIZE];
static _Atomic int conntab_nactive;

bool
conntab_maybe(int fd)
{
	if (fd < 0)
		return false;
	if (fd < CONNTAB_MAP_SIZE)
		return atomic_load_explicit(&conntab_map[fd], memory_order_relaxed) != 0;
	/* Beyond the map: look it up. */
	return true;
}

bool
conntab_maybe_active(int fd)
{
	if (fd < 0)
		return false;
	if (fd < CONNTAB_MAP_SIZE)
		return atomic_load_explicit(&conntab_map[fd], memory_order_relaxed) ==
		       CONNTAB_MAP_ACTIVE;
	return conntab_active_count() > 0;
}

int
conntab_active_count(void)
{
	return atomic_load_explicit(&conntab_nactive, memory_order_relaxed);
}

static void
conntab_mark(int fd, uint8_t present)
{
	if (fd >= 0 && fd < CONNTAB_MAP_SIZE)
		atomic_store_explicit(&conntab_map[fd], present, memory_order_relaxed);
}

static struct conntab_entry *
conntab_find(int fd)
{
	struct conntab_entry *e = NULL;

	HASH_FIND_INT(conntab_head, &fd, e);
	return e;
}

/* Put e on the active list or take it off.  Lock held. */
static void
conntab_set_active(struct conntab_entry *e, bool active)
{
	if (e->active == active)
		return;
	e->active = active;
	conntab_mark(e->fd, active ? CONNTAB_MAP_ACTIVE : CONNTAB_MAP_ESTABLISHED);
	if (active) {
		e->act_prev = NULL;
		e->act_next = conntab_active_head;
		if (conntab_active_head)
			conntab_active_head->act_prev = e;
		conntab_active_head = e;
		atomic_fetch_add_explicit(&conntab_nactive, 1, memory_order_relaxed);
		return;
	}
	if (e->act_prev)
		e->act_prev->act_next = e->act_next;
	else
		conntab_active_head = e->act_next;
	if (e->act_next)
		e->act_next->act_prev = e->act_prev;
	e->act_prev = e->act_next = NULL;
	atomic_fetch_sub_explicit(&conntab_nactive, 1, memory_order_relaxed);
}

/* Drop e's handshake unless a caller holds it.  Lock held. */
static void
conntab_drop_handshake(struct conntab_entry *e)
{
	if (!e->busy)
		free(e->hs);
	e->hs = NULL;
	e->busy = false;
}

static void
conntab_delete(struct conntab_entry *e)
{
	HASH_DEL(conntab_head, e);
	conntab_set_active(e, false);
	conntab_mark(e->fd, CONNTAB_MAP_NONE);
	conntab_drop_handshake(e);
	free(e);
}

/* Find or add fd's entry, reset to a blank state.  Lock held. */
static struct conntab_entry *
conntab_upsert(int fd)
{
	struct conntab_entry *e = conntab_find(fd);

	if (e) {
		conntab_drop_handshake(e);
		conntab_set_active(e, false);
	} else {
		e = calloc(1, sizeof(*e));
		if (!e)
			return NULL;
		e->fd = fd;
		conntab_oom = false;
		HASH_ADD_INT(conntab_head, fd, e);
		if (conntab_oom) {
			free(e);
			return NULL;
		}
		conntab_mark(fd, CONNTAB_MAP_ESTABLISHED);
	}
	e->epfd = -1;
	e->so_error = 0;
	return e;
}

static void
conntab_fill_peer(struct conntab_entry *e, const struct sockaddr *peer,
		  socklen_t len)
{
	if (len > sizeof(e->peer))
		len = sizeof(e->peer);
	memcpy(&e->peer, peer, len);
	e->peerlen = len;
}

int
conntab_set_established(int fd, const struct sockaddr *peer, socklen_t len)
{
	struct conntab_entry *e;
	int rc = 0;

	pthread_mutex_lock(&conntab_lock);
	e = conntab_upsert(fd);
	if (!e) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	e->state = CONNTAB_ESTABLISHED;
	conntab_fill_peer(e, peer, len);
out_unlock:
	pthread_mutex_unlock(&conntab_lock);
	return rc;
}

int
conntab_set_pending(int fd, const struct sockaddr *peer, socklen_t len,
		    struct handshake *hs, int want, int orig_flags,
		    int64_t deadline_ms)
{
	struct conntab_entry *e;
	int rc = 0;

	pthread_mutex_lock(&conntab_lock);
	e = conntab_upsert(fd);
	if (!e) {
		free(hs);
		rc = -ENOMEM;
		goto out_unlock;
	}
	e->state = CONNTAB_PENDING;
	conntab_fill_peer(e, peer, len);
	e->hs = hs;
	e->want = want;
	e->orig_flags = orig_flags;
	e->deadline_ms = deadline_ms;
	conntab_set_active(e, true);
out_unlock:
	pthread_mutex_unlock(&conntab_lock);
	return rc;
}

bool
conntab_get(int fd, struct conntab_info *info)
{
	struct conntab_entry *e;

	if (!conntab_maybe(fd))
		return false;
	pthread_mutex_lock(&conntab_lock);
	e = conntab_find(fd);
	if (e) {
		info->state = e->state;
		info->so_error = e->so_error;
		info->orig_flags = e->orig_flags;
		info->want = e->want;
		info->deadline_ms = e->deadline_ms;
		info->epfd = e->epfd;
		info->ep_events = e->ep_events;
		info->ep_data = e->ep_data;
		memcpy(&info->peer, &e->peer, sizeof(info->peer));
		info->peerlen = e->peerlen;
	}
	pthread_mutex_unlock(&conntab_lock);
	return e != NULL;
}

struct handshake *
conntab_take_handshake(int fd)
{
	struct conntab_entry *e;
	struct handshake *hs = NULL;

	if (!conntab_maybe(fd))
		return NULL;
	pthread_mutex_lock(&conntab_lock);
	e = conntab_find(fd);
	if (e && e->state == CONNTAB_PENDING && e->hs && !e->busy) {
		e->busy = true;
		hs = e->hs;
	}
	pthread_mutex_unlock(&conntab_lock);
	return hs;
}

void
conntab_put_handshake(int fd, struct handshake *hs, int rc)
{
	struct conntab_entry *e;

	pthread_mutex_lock(&conntab_lock);
	e = conntab_find(fd);
	if (!e || e->hs != hs) {
		/* The descriptor was closed or reused meanwhile. */
		free(hs);
		goto out_unlock;
	}
	e->busy = false;
	if (rc > 0) {
		e->want = rc;
		goto out_unlock;
	}
	conntab_drop_handshake(e);
	if (rc == SX_DONE) {
		e->state = CONNTAB_ESTABLISHED;
		conntab_set_active(e, false);
	} else {
		e->state = CONNTAB_FAILED;
		e->so_error = -rc;
	}
out_unlock:
	pthread_mutex_unlock(&conntab_lock);
}

int
conntab_take_error(int fd)
{
	struct conntab_entry *e;
	int err = 0;

	pthread_mutex_lock(&conntab_lock);
	e = conntab_find(fd);
	if (e && e->state == CONNTAB_FAILED) {
		err = e->so_error;
		e->so_error = 0;
	}
	pthread_mutex_unlock(&conntab_lock);
	return err;
}

void
conntab_set_epoll(int fd, int epfd, uint32_t events, uint64_t data)
{
	struct conntab_entry *e;

	pthread_mutex_lock(&conntab_lock);
	e = conntab_find(fd);
	if (e) {
		e->epfd = epfd;
		e->ep_events = events;
		e->ep_data = data;
	}
	pthread_mutex_unlock(&conntab_lock);
}

int
conntab_find_epoll(int epfd, uint64_t data)
{
	struct conntab_entry *e;
	int fd = -1;

	pthread_mutex_lock(&conntab_lock);
	for (e = conntab_active_head; e; e = e->act_next) {
		if (e->epfd == epfd && e->ep_data == data) {
			fd = e->fd;
			break;
		}
	}
	pthread_mutex_unlock(&conntab_lock);
	return fd;
}

int64_t
conntab_next_deadline(void)
{
	struct conntab_entry *e;
	int64_t next = INT64_MAX;

	pthread_mutex_lock(&conntab_lock);
	for (e = conntab_active_head; e; e = e->act_next) {
		if (e->state == CONNTAB_PENDING && e->deadline_ms < next)
			next = e->deadline_ms;
	}
	pthread_mutex_unlock(&conntab_lock);
	return next;
}

int
conntab_expired(int64_t now_ms, int *fds, int cap)
{
	struct conntab_entry *e;
	int n = 0;

	pthread_mutex_lock(&conntab_lock);
	for (e = conntab_active_head; e && n < cap; e = e->act_next) {
		if (e->state == CONNTAB_PENDING && e->deadline_ms <= now_ms)
			fds[n++] = e->fd;
	}
	pthread_mutex_unlock(&conntab_lock);
	return n;
}

void
conntab_remove(int fd)
{
	struct conntab_entry *e;

	if (!conntab_maybe(fd))
		return;
	pthread_mutex_lock(&conntab_lock);
	e = conntab_find(fd);
	if (e) {
		if (e->busy) {
			/* The stepping thread frees it in conntab_put_handshake(). */
			e->hs = NULL;
			e->busy = false;
		}
		conntab_delete(e);
	}
	pthread_mutex_unlock(&conntab_lock);
}

void
conntab_dup(int fd, int newfd)
{
	struct conntab_info info;

	if (!conntab_get(fd, &info) || info.state != CONNTAB_ESTABLISHED)
		return;
	conntab_set_established(newfd, (const struct sockaddr *)&info.peer,
				info.peerlen);
}

void
conntab_atfork_prepare(void)
{
	pthread_mutex_lock(&conntab_lock);
}

void
conntab_atfork_parent(void)
{
	pthread_mutex_unlock(&conntab_lock);
}

void
conntab_atfork_child(void)
{
	pthread_mutex_unlock(&conntab_lock);
}

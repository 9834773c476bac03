/*
 * Proxied TCP sockets by descriptor.  The mutex guards the hash table and
 * every entry in it; the byte map and the pending counter are written
 * under the mutex and read without it (a stale read only costs a lookup).
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

struct conntab_entry {
	int fd;
	int state;
	int so_error;
	int orig_flags;
	bool busy;			/* a caller has taken the handshake out */
	int64_t deadline_ms;
	struct sockaddr_storage peer;
	socklen_t peerlen;
	struct handshake *hs;
	UT_hash_handle hh;
};

static pthread_mutex_t conntab_lock = PTHREAD_MUTEX_INITIALIZER;
static struct conntab_entry *conntab_head;
static _Atomic uint8_t conntab_map[CONNTAB_MAP_SIZE];
static _Atomic int conntab_npending;

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

int
conntab_pending_count(void)
{
	return atomic_load_explicit(&conntab_npending, memory_order_relaxed);
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

/* Drop e's handshake, keeping the pending count right.  Lock held. */
static void
conntab_drop_handshake(struct conntab_entry *e)
{
	if (e->state == CONNTAB_PENDING)
		atomic_fetch_sub_explicit(&conntab_npending, 1, memory_order_relaxed);
	if (!e->busy)
		free(e->hs);
	e->hs = NULL;
}

static void
conntab_delete(struct conntab_entry *e)
{
	HASH_DEL(conntab_head, e);
	conntab_mark(e->fd, 0);
	conntab_drop_handshake(e);
	free(e);
}

/* Find or add fd's entry.  Lock held.  NULL when out of memory. */
static struct conntab_entry *
conntab_upsert(int fd)
{
	struct conntab_entry *e = conntab_find(fd);

	if (e) {
		conntab_drop_handshake(e);
		e->busy = false;
		return e;
	}
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
	conntab_mark(fd, 1);
	return e;
}

static void
conntab_fill(struct conntab_entry *e, int state, const struct sockaddr *peer,
	     socklen_t len)
{
	if (len > sizeof(e->peer))
		len = sizeof(e->peer);
	e->state = state;
	e->so_error = 0;
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
	conntab_fill(e, CONNTAB_ESTABLISHED, peer, len);
out_unlock:
	pthread_mutex_unlock(&conntab_lock);
	return rc;
}

int
conntab_set_pending(int fd, const struct sockaddr *peer, socklen_t len,
		    struct handshake *hs, int orig_flags, int64_t deadline_ms)
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
	conntab_fill(e, CONNTAB_PENDING, peer, len);
	e->hs = hs;
	e->orig_flags = orig_flags;
	e->deadline_ms = deadline_ms;
	atomic_fetch_add_explicit(&conntab_npending, 1, memory_order_relaxed);
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
		info->deadline_ms = e->deadline_ms;
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
	if (rc > 0)
		goto out_unlock;
	conntab_drop_handshake(e);
	if (rc == SX_DONE) {
		e->state = CONNTAB_ESTABLISHED;
	} else {
		e->state = CONNTAB_FAILED;
		e->so_error = -rc;
	}
out_unlock:
	pthread_mutex_unlock(&conntab_lock);
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
			if (e->state == CONNTAB_PENDING)
				atomic_fetch_sub_explicit(&conntab_npending, 1,
							  memory_order_relaxed);
			e->state = CONNTAB_FAILED;
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

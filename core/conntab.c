/*
 * Proxied TCP sockets by descriptor.
 *
 * The state of a proxied connection belongs to the open socket, not to one
 * descriptor number: a socket has one struct conntab_sock, and every
 * descriptor the program holds for it (the one it connected, and the
 * copies dup(), dup2(), dup3() and fcntl(F_DUPFD) made) has a slot that
 * points there.  The slots are the entries of a per-descriptor table
 * (fdtable.h), which keeps the socket's identity (fdident.h) with each to
 * know a stale number again; a slot adds the program's epoll registration
 * of that number.
 *
 * The table's mutex guards its slots, the active list of sockets and every
 * socket; the byte map and the active counter are written under the mutex
 * and read without it (a stale read only costs a lookup, and a hook that
 * reads zero finds nothing to do).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conntab.h"
#include "fdident.h"
#include "conntab_int.h"
#include "fdtable.h"

static bool conntab_stale(void *payload, struct fdtable_stale *stale);
FDTABLE_DEFINE(conntab_table, struct conntab_slot, conntab_stale)
static struct conntab_sock *conntab_active_head;

bool
conntab_maybe(int fd)
{
	return fdtable_maybe(&conntab_table, fd);
}

bool
conntab_maybe_active(int fd)
{
	return fdtable_maybe_active(&conntab_table, fd, CONNTAB_MAP_ACTIVE);
}

int
conntab_active_count(void)
{
	return fdtable_active_count(&conntab_table);
}

uint8_t
conntab_map_value(const struct conntab_sock *s)
{
	if (s->active)
		return CONNTAB_MAP_ACTIVE;
	return s->wrap ? CONNTAB_MAP_WRAPPED : CONNTAB_MAP_ESTABLISHED;
}


/* Put s on the active list or take it off, with all its descriptors.  Lock held. */
static void
conntab_set_active(struct conntab_sock *s, bool active)
{
	if (s->active == active)
		return;
	s->active = active;
	for (struct conntab_slot *sl = s->slots; sl; sl = sl->sib_next)
		fdtable_mark(&conntab_table, sl->fd, conntab_map_value(s));
	if (active) {
		s->act_prev = NULL;
		s->act_next = conntab_active_head;
		if (conntab_active_head)
			conntab_active_head->act_prev = s;
		conntab_active_head = s;
		fdtable_active_add(&conntab_table, 1);
		return;
	}
	if (s->act_prev)
		s->act_prev->act_next = s->act_next;
	else
		conntab_active_head = s->act_next;
	if (s->act_next)
		s->act_next->act_prev = s->act_prev;
	s->act_prev = s->act_next = NULL;
	fdtable_active_add(&conntab_table, -1);
}

/* Drop s's handshake unless a caller holds it.  Lock held. */
static void
conntab_drop_handshake(struct conntab_sock *s)
{
	if (!s->busy)
		handshake_free(s->hs);
	s->hs = NULL;
	s->busy = false;
}

/* Unhook slot sl from its socket, freeing the socket with its last slot. */
static void
conntab_slot_delete(struct conntab_slot *sl)
{
	struct conntab_sock *s = sl->sock;
	struct conntab_slot **pp;

	fdtable_mark(&conntab_table, sl->fd, CONNTAB_MAP_NONE);
	for (pp = &s->slots; *pp; pp = &(*pp)->sib_next) {
		if (*pp == sl) {
			*pp = sl->sib_next;
			break;
		}
	}
	fdtable_delete(&conntab_table, sl);
	if (s->slots)
		return;
	conntab_set_active(s, false);
	/* A thread stepping the handshake frees it in conntab_put_handshake(). */
	conntab_drop_handshake(s);
	conntab_sock_wrap(s, NULL);
	free(s);
}

/* A slot left by a socket closed where we could not see it.  Lock held. */
static bool
conntab_stale(void *payload, struct fdtable_stale *stale)
{
	(void)stale;
	conntab_slot_delete(payload);
	return true;
}

/*
 * fd's slot as recorded, unchecked: for the calls that follow a
 * conntab_get() of the same hook call, which checked it.  Lock held.
 */
static struct conntab_slot *
conntab_find_recorded(int fd)
{
	return fdtable_find(&conntab_table, fd);
}

/* Add a slot for fd on socket s.  Lock held; NULL when out of memory. */
static struct conntab_slot *
conntab_slot_add(int fd, uint64_t ident, struct conntab_sock *s)
{
	struct conntab_slot *sl = fdtable_add(&conntab_table, fd, ident);

	if (!sl)
		return NULL;
	sl->fd = fd;
	sl->epfd = -1;
	sl->sock = s;
	sl->sib_next = s->slots;
	s->slots = sl;
	fdtable_mark(&conntab_table, fd, conntab_map_value(s));
	return sl;
}

/*
 * fd's socket, reset to a blank state (its handshake dropped, off the
 * active list), or a new one: sl is fd's live slot (fdtable_enter()), or
 * NULL.  Lock held.
 */
static struct conntab_sock *
conntab_upsert(const struct fdtable_call *call, struct conntab_slot *sl)
{
	struct conntab_sock *s;

	if (sl) {
		s = sl->sock;
		conntab_drop_handshake(s);
		conntab_set_active(s, false);
		conntab_sock_wrap(s, NULL);
		s->so_error = 0;
		return s;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	if (!conntab_slot_add(call->fd, call->ident, s)) {
		free(s);
		return NULL;
	}
	return s;
}

static void
conntab_fill_peer(struct conntab_sock *s, const struct sockaddr *peer,
		  socklen_t len)
{
	if (len > sizeof(s->peer))
		len = sizeof(s->peer);
	memcpy(&s->peer, peer, len);
	s->peerlen = len;
}

int
conntab_set_established(int fd, const struct sockaddr *peer, socklen_t len)
{
	struct fdtable_call call;
	struct conntab_sock *s;
	int rc = 0;

	s = conntab_upsert(&call, fdtable_enter(&conntab_table, fd, &call));
	if (!s) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	s->state = CONNTAB_ESTABLISHED;
	conntab_fill_peer(s, peer, len);
out_unlock:
	fdtable_leave(&conntab_table, &call);
	return rc;
}

int
conntab_set_pending(int fd, const struct sockaddr *peer, socklen_t len,
		    struct handshake *hs, int want, int orig_flags,
		    int64_t deadline_ms)
{
	struct fdtable_call call;
	struct conntab_sock *s;
	int rc = 0;

	s = conntab_upsert(&call, fdtable_enter(&conntab_table, fd, &call));
	if (!s) {
		handshake_free(hs);
		rc = -ENOMEM;
		goto out_unlock;
	}
	s->state = CONNTAB_PENDING;
	conntab_fill_peer(s, peer, len);
	s->hs = hs;
	s->want = want;
	s->orig_flags = orig_flags;
	s->deadline_ms = deadline_ms;
	s->wake_ms = hs ? handshake_wake_ms(hs, deadline_ms) : deadline_ms;
	conntab_set_active(s, true);
out_unlock:
	fdtable_leave(&conntab_table, &call);
	return rc;
}

bool
conntab_get(int fd, struct conntab_info *info)
{
	struct fdtable_call call;
	struct conntab_slot *sl;
	struct conntab_sock *s;

	if (!conntab_maybe(fd))
		return false;
	sl = fdtable_enter(&conntab_table, fd, &call);
	if (sl) {
		s = sl->sock;
		info->state = s->state;
		info->so_error = s->so_error;
		info->orig_flags = s->orig_flags;
		info->want = s->want;
		info->deadline_ms = s->deadline_ms;
		info->epfd = sl->epfd;
		info->ep_events = sl->ep_events;
		info->ep_data = sl->ep_data;
		memcpy(&info->peer, &s->peer, sizeof(info->peer));
		info->peerlen = s->peerlen;
	}
	fdtable_leave(&conntab_table, &call);
	return sl != NULL;
}

int
conntab_state_hint(int fd)
{
	struct conntab_slot *sl;
	int state = -1;

	if (!conntab_maybe(fd))
		return state;
	fdtable_lock(&conntab_table);
	sl = conntab_find_recorded(fd);
	if (sl)
		state = sl->sock->state;
	fdtable_unlock(&conntab_table);
	return state;
}

int
conntab_want(int fd)
{
	struct conntab_slot *sl;
	int want = SX_WANT_WRITE;

	if (!conntab_maybe_active(fd))
		return want;
	fdtable_lock(&conntab_table);
	sl = conntab_find_recorded(fd);
	if (sl && sl->sock->state == CONNTAB_PENDING)
		want = sl->sock->want;
	fdtable_unlock(&conntab_table);
	return want;
}

struct handshake *
conntab_take_handshake(int fd)
{
	struct conntab_slot *sl;
	struct conntab_sock *s;
	struct handshake *hs = NULL;

	if (!conntab_maybe(fd))
		return NULL;
	fdtable_lock(&conntab_table);
	sl = conntab_find_recorded(fd);
	s = sl ? sl->sock : NULL;
	if (s && s->state == CONNTAB_PENDING && s->hs && !s->busy) {
		s->busy = true;
		hs = s->hs;
	}
	fdtable_unlock(&conntab_table);
	return hs;
}

void
conntab_put_handshake(int fd, struct handshake *hs, int rc)
{
	struct conntab_slot *sl;
	struct conntab_sock *s;

	fdtable_lock(&conntab_table);
	sl = conntab_find_recorded(fd);
	s = sl ? sl->sock : NULL;
	if (!s || s->hs != hs) {
		/* The descriptor was closed or reused meanwhile. */
		handshake_free(hs);
		goto out_unlock;
	}
	s->busy = false;
	if (rc > 0) {
		s->want = rc;
		s->wake_ms = handshake_wake_ms(hs, s->deadline_ms);
		goto out_unlock;
	}
	if (rc == SX_DONE)
		conntab_sock_wrap(s, handshake_take_wrap(hs));
	conntab_drop_handshake(s);
	if (rc == SX_DONE) {
		s->state = CONNTAB_ESTABLISHED;
		conntab_set_active(s, false);
	} else {
		s->state = CONNTAB_FAILED;
		s->so_error = -rc;
	}
out_unlock:
	fdtable_unlock(&conntab_table);
}

int
conntab_take_error(int fd)
{
	struct conntab_slot *sl;
	int err = 0;

	fdtable_lock(&conntab_table);
	sl = conntab_find_recorded(fd);
	if (sl && sl->sock->state == CONNTAB_FAILED) {
		err = sl->sock->so_error;
		sl->sock->so_error = 0;
	}
	fdtable_unlock(&conntab_table);
	return err;
}

void
conntab_set_epoll(int fd, int epfd, uint32_t events, uint64_t data)
{
	struct conntab_slot *sl;

	fdtable_lock(&conntab_table);
	sl = conntab_find_recorded(fd);
	if (sl) {
		sl->epfd = epfd;
		sl->ep_events = events;
		sl->ep_data = data;
	}
	fdtable_unlock(&conntab_table);
}

int
conntab_find_epoll(int epfd, uint64_t data)
{
	struct conntab_sock *s;
	int fd = -1;

	fdtable_lock(&conntab_table);
	for (s = conntab_active_head; s && fd < 0; s = s->act_next) {
		for (struct conntab_slot *sl = s->slots; sl; sl = sl->sib_next) {
			if (sl->epfd == epfd && sl->ep_data == data) {
				fd = sl->fd;
				break;
			}
		}
	}
	fdtable_unlock(&conntab_table);
	return fd;
}

int64_t
conntab_next_deadline(void)
{
	struct conntab_sock *s;
	int64_t next = INT64_MAX;

	fdtable_lock(&conntab_table);
	for (s = conntab_active_head; s; s = s->act_next) {
		if (s->state == CONNTAB_PENDING && s->wake_ms < next)
			next = s->wake_ms;
	}
	fdtable_unlock(&conntab_table);
	return next;
}

int
conntab_expired(int64_t now_ms, int *fds, int cap)
{
	struct conntab_sock *s;
	int n = 0;

	fdtable_lock(&conntab_table);
	for (s = conntab_active_head; s && n < cap; s = s->act_next) {
		if (s->state == CONNTAB_PENDING && s->wake_ms <= now_ms)
			fds[n++] = s->slots->fd;
	}
	fdtable_unlock(&conntab_table);
	return n;
}

void
conntab_remove(int fd)
{
	struct conntab_slot *sl;

	if (!conntab_maybe(fd))
		return;
	fdtable_lock(&conntab_table);
	sl = conntab_find_recorded(fd);
	if (sl)
		conntab_slot_delete(sl);
	fdtable_unlock(&conntab_table);
}

void
conntab_dup(int fd, int newfd)
{
	struct conntab_slot *sl, *old;
	struct fdtable_call call;
	uint64_t newident;

	if (fd == newfd || !conntab_maybe(fd))
		return;
	newident = fdident_of(newfd);
	sl = fdtable_enter(&conntab_table, fd, &call);
	old = conntab_find_recorded(newfd);
	if (old)
		conntab_slot_delete(old);
	/* Out of memory: the copy behaves as a plain socket. */
	if (sl)
		conntab_slot_add(newfd, newident, sl->sock);
	fdtable_leave(&conntab_table, &call);
}


struct fdtable *
conntab_fdtable(void)
{
	return &conntab_table;
}

/*
 * UDP associations by descriptor: the entries of a per-descriptor table
 * (fdtable.h) plus an index by control socket.  The table's mutex guards
 * both and every entry; the byte map is written under the mutex and read
 * without it (a stale read only costs a lookup).  Map bits: UA_BIT_SOCK
 * for a UDP socket with an entry, UA_BIT_CTRL for a control socket.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fdident.h"
#include "fdtable.h"
#include "udpassoc.h"

/* uthash reports an insertion that ran out of memory on the entry. */
#define uthash_nonfatal_oom(obj) ((obj)->oom = true)
#include "table.h"

#define UA_BIT_SOCK 0x01
#define UA_BIT_CTRL 0x02

/* The payload of a UDP socket's entry in the table (fdtable.h). */
struct udpassoc_entry {
	int fd;
	bool oom;			/* an insertion into by_ctrl failed */
	struct udpassoc_info info;
	UT_hash_handle hh_ctrl;		/* by info.ctrl, while it is >= 0 */
};

static bool udpassoc_stale(void *payload, struct fdtable_stale *stale);
FDTABLE_DEFINE(udpassoc_table, struct udpassoc_entry, udpassoc_stale)
static struct udpassoc_entry *by_ctrl;

bool
udpassoc_maybe(int fd)
{
	int mark = fdtable_mark_of(&udpassoc_table, fd);

	/* Beyond the map: look it up. */
	if (mark == FDTABLE_MARK_UNKNOWN)
		return true;
	return (mark & UA_BIT_SOCK) != 0;
}

bool
udpassoc_maybe_any(int fd)
{
	int mark = fdtable_mark_of(&udpassoc_table, fd);

	return mark == FDTABLE_MARK_UNKNOWN || mark != 0;
}

static struct udpassoc_entry *
find_fd(int fd)
{
	return fdtable_find(&udpassoc_table, fd);
}

static struct udpassoc_entry *
find_ctrl(int ctrl)
{
	struct udpassoc_entry *e = NULL;

	HASH_FIND(hh_ctrl, by_ctrl, &ctrl, sizeof(ctrl), e);
	return e;
}

static void delete_entry(struct udpassoc_entry *e);

/*
 * An entry left by a socket closed where we could not see it: dropped,
 * its control socket handed to *stale for closing.  Lock held.
 */
static bool
udpassoc_stale(void *payload, struct fdtable_stale *stale)
{
	struct udpassoc_entry *e = payload;

	stale->fd = e->info.ctrl;
	stale->ident = e->info.ctrl_ino;
	delete_entry(e);
	return true;
}

void
udpassoc_set_closer(udpassoc_closer_fn closer)
{
	fdtable_set_closer(&udpassoc_table, closer);
}

/* Give e the control socket ctrl (e has none).  Lock held.  -ENOMEM. */
static int
ctrl_attach(struct udpassoc_entry *e, int ctrl, uint64_t ino)
{
	e->info.ctrl = ctrl;
	e->info.ctrl_ino = ino;
	e->oom = false;
	HASH_ADD(hh_ctrl, by_ctrl, info.ctrl, sizeof(int), e);
	if (e->oom) {
		e->info.ctrl = -1;
		e->info.ctrl_ino = 0;
		return -ENOMEM;
	}
	fdtable_mark_bits(&udpassoc_table, ctrl, UA_BIT_CTRL, true);
	return 0;
}

/* Take e's control socket out of the ctrl table.  Lock held. */
static void
ctrl_detach(struct udpassoc_entry *e)
{
	if (e->info.ctrl < 0)
		return;
	HASH_DELETE(hh_ctrl, by_ctrl, e);
	fdtable_mark_bits(&udpassoc_table, e->info.ctrl, UA_BIT_CTRL, false);
	e->info.ctrl = -1;
	e->info.ctrl_ino = 0;
}

/* A new entry for fd (which has none).  Lock held.  NULL when out of memory. */
static struct udpassoc_entry *
entry_add(int fd, uint64_t ident, int family)
{
	struct udpassoc_entry *e = fdtable_add(&udpassoc_table, fd, ident);

	if (!e)
		return NULL;
	e->fd = fd;
	e->info.state = UDPASSOC_NONE;
	e->info.family = family;
	e->info.ctrl = -1;
	e->info.hdr_hint = UDPASSOC_HDR_DEFAULT;
	fdtable_mark_bits(&udpassoc_table, fd, UA_BIT_SOCK, true);
	return e;
}

/*
 * Take the lock for a call on fd and find or add fd's entry, checked
 * against the socket fd stands for now (fdtable_enter()).  NULL when out
 * of memory.  The caller ends with fdtable_leave().
 */
static struct udpassoc_entry *
enter_upsert(int fd, int family, struct fdtable_call *call)
{
	struct udpassoc_entry *e = fdtable_enter(&udpassoc_table, fd, call);

	return e ? e : entry_add(fd, call->ident, family);
}

static void
delete_entry(struct udpassoc_entry *e)
{
	ctrl_detach(e);
	fdtable_mark_bits(&udpassoc_table, e->fd, UA_BIT_SOCK, false);
	fdtable_delete(&udpassoc_table, e);
}

bool
udpassoc_get(int fd, struct udpassoc_info *out)
{
	struct fdtable_call call;
	struct udpassoc_entry *e;

	if (!udpassoc_maybe(fd))
		return false;
	e = fdtable_enter(&udpassoc_table, fd, &call);
	if (e)
		*out = e->info;
	fdtable_leave(&udpassoc_table, &call);
	return e != NULL;
}

bool
udpassoc_is_ctrl(int fd)
{
	bool found;

	int mark = fdtable_mark_of(&udpassoc_table, fd);

	if (mark != FDTABLE_MARK_UNKNOWN && !(mark & UA_BIT_CTRL))
		return false;
	fdtable_lock(&udpassoc_table);
	found = find_ctrl(fd) != NULL;
	fdtable_unlock(&udpassoc_table);
	return found;
}

int
udpassoc_set_peer(int fd, int family, const struct sockaddr *sa,
		  socklen_t len, const struct sx_endpoint *ep)
{
	struct fdtable_call call;
	struct udpassoc_entry *e;
	int rc = 0;

	if (fd < 0 || !sa || !ep || len > sizeof(struct sockaddr_storage))
		return -EINVAL;
	e = enter_upsert(fd, family, &call);
	if (!e) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	memset(&e->info.peer, 0, sizeof(e->info.peer));
	memcpy(&e->info.peer, sa, len);
	e->info.peerlen = len;
	e->info.peer_ep = *ep;
	e->info.has_peer = true;
out_unlock:
	fdtable_leave(&udpassoc_table, &call);
	return rc;
}

void
udpassoc_clear_peer(int fd)
{
	struct udpassoc_entry *e;

	if (!udpassoc_maybe(fd))
		return;
	fdtable_lock(&udpassoc_table);
	e = find_fd(fd);
	if (e) {
		e->info.has_peer = false;
		e->info.peerlen = 0;
	}
	fdtable_unlock(&udpassoc_table);
}

int
udpassoc_set_state(int fd, int family, int state, int error)
{
	struct fdtable_call call;
	struct udpassoc_entry *e;
	int rc = 0;

	if (fd < 0 || (state != UDPASSOC_REFUSED && state != UDPASSOC_DIRECT))
		return -EINVAL;
	e = enter_upsert(fd, family, &call);
	if (!e) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	if (e->info.ctrl >= 0) {
		rc = -EBUSY;
		goto out_unlock;
	}
	e->info.state = state;
	e->info.error = state == UDPASSOC_REFUSED ? error : 0;
out_unlock:
	fdtable_leave(&udpassoc_table, &call);
	return rc;
}

int
udpassoc_install(int fd, int family, int ctrl, uint64_t ino,
		 const struct sockaddr *relay, socklen_t relaylen)
{
	struct fdtable_call call;
	struct udpassoc_entry *e;
	int rc;

	if (fd < 0 || ctrl < 0 || !relay ||
	    relaylen > sizeof(struct sockaddr_storage))
		return -EINVAL;
	e = enter_upsert(fd, family, &call);
	if (!e) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	if (e->info.ctrl >= 0) {
		rc = -EEXIST;
		goto out_unlock;
	}
	rc = ctrl_attach(e, ctrl, ino);
	if (rc < 0)
		goto out_unlock;
	e->info.state = UDPASSOC_ASSOCIATED;
	e->info.error = 0;
	e->info.family = family;
	memset(&e->info.relay, 0, sizeof(e->info.relay));
	memcpy(&e->info.relay, relay, relaylen);
	e->info.relaylen = relaylen;
out_unlock:
	fdtable_leave(&udpassoc_table, &call);
	return rc;
}

bool
udpassoc_drop_ctrl(int fd, int ctrl)
{
	struct udpassoc_entry *e;
	bool dropped = false;

	if (!udpassoc_maybe(fd) || ctrl < 0)
		return false;
	fdtable_lock(&udpassoc_table);
	e = find_fd(fd);
	if (e && e->info.ctrl == ctrl) {
		ctrl_detach(e);
		e->info.state = UDPASSOC_NONE;
		e->info.relaylen = 0;
		dropped = true;
	}
	fdtable_unlock(&udpassoc_table);
	return dropped;
}

bool
udpassoc_first_log(int fd, int family)
{
	struct fdtable_call call;
	struct udpassoc_entry *e;
	bool first = false;

	if (fd < 0)
		return true;
	e = enter_upsert(fd, family, &call);
	if (!e) {
		/* Out of memory: better a second line than none. */
		first = true;
	} else if (!e->info.logged) {
		e->info.logged = true;
		first = true;
	}
	fdtable_leave(&udpassoc_table, &call);
	return first;
}

int
udpassoc_set_local_dns(int fd, int family)
{
	struct fdtable_call call;
	struct udpassoc_entry *e;

	if (fd < 0)
		return -EINVAL;
	e = enter_upsert(fd, family, &call);
	if (e)
		e->info.local_dns = true;
	fdtable_leave(&udpassoc_table, &call);
	return e ? 0 : -ENOMEM;
}

void
udpassoc_set_hint(int fd, uint16_t hdr_len)
{
	struct udpassoc_entry *e;

	if (!udpassoc_maybe(fd))
		return;
	fdtable_lock(&udpassoc_table);
	e = find_fd(fd);
	if (e)
		e->info.hdr_hint = hdr_len;
	fdtable_unlock(&udpassoc_table);
}

int
udpassoc_remove(int fd, uint64_t *ino)
{
	struct udpassoc_entry *e;
	int ctrl = -1;

	*ino = 0;
	if (!udpassoc_maybe(fd))
		return -1;
	fdtable_lock(&udpassoc_table);
	e = find_fd(fd);
	if (e) {
		ctrl = e->info.ctrl;
		*ino = e->info.ctrl_ino;
		delete_entry(e);
	}
	fdtable_unlock(&udpassoc_table);
	return ctrl;
}

int
udpassoc_move_ctrl(int ctrl, int newctrl)
{
	struct udpassoc_entry *e;
	uint64_t ino;
	int rc = 0;

	if (ctrl < 0)
		return -EINVAL;
	fdtable_lock(&udpassoc_table);
	e = find_ctrl(ctrl);
	if (!e) {
		rc = -ENOENT;
		goto out_unlock;
	}
	ino = e->info.ctrl_ino;
	ctrl_detach(e);
	rc = newctrl < 0 ? -EBADF : ctrl_attach(e, newctrl, ino);
	if (rc < 0) {
		/* The association is lost; the next send opens a new one. */
		e->info.state = UDPASSOC_NONE;
		e->info.relaylen = 0;
		if (newctrl < 0)
			rc = 0;
	}
out_unlock:
	fdtable_unlock(&udpassoc_table);
	return rc;
}

int
udpassoc_copy(int fd, int newfd, int newctrl)
{
	struct udpassoc_entry *e, *n;
	struct udpassoc_info info;
	uint64_t newident;
	int rc = 0;

	if (fd < 0 || newfd < 0 || fd == newfd)
		return -EINVAL;
	newident = fdident_of(newfd);
	fdtable_lock(&udpassoc_table);
	e = find_fd(fd);
	if (!e) {
		rc = -ENOENT;
		goto out_unlock;
	}
	info = e->info;
	n = find_fd(newfd);
	if (n)
		delete_entry(n);
	/* Nothing is left at newfd: the caller forgot it before the dup. */
	n = entry_add(newfd, newident, info.family);
	if (!n) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	n->info = info;
	n->info.ctrl = -1;
	n->info.ctrl_ino = 0;
	if (info.state == UDPASSOC_ASSOCIATED) {
		if (newctrl < 0 || ctrl_attach(n, newctrl, info.ctrl_ino) < 0) {
			/* The copy opens its own association when it sends. */
			n->info.state = UDPASSOC_NONE;
			n->info.relaylen = 0;
			rc = newctrl < 0 ? 0 : -ENOMEM;
		}
	}
out_unlock:
	fdtable_unlock(&udpassoc_table);
	return rc;
}

int
udpassoc_next_fd(int from)
{
	struct udpassoc_entry *e;
	int best = -1;

	fdtable_lock(&udpassoc_table);
	for (e = fdtable_next(&udpassoc_table, NULL); e;
	     e = fdtable_next(&udpassoc_table, e)) {
		if (e->fd >= from && (best < 0 || e->fd < best))
			best = e->fd;
	}
	fdtable_unlock(&udpassoc_table);
	return best;
}

int
udpassoc_next_ctrl(int from)
{
	struct udpassoc_entry *e, *tmp;
	int best = -1;

	fdtable_lock(&udpassoc_table);
	HASH_ITER(hh_ctrl, by_ctrl, e, tmp) {
		if (e->info.ctrl >= from && (best < 0 || e->info.ctrl < best))
			best = e->info.ctrl;
	}
	fdtable_unlock(&udpassoc_table);
	return best;
}

bool
udpassoc_any(void)
{
	return fdtable_count(&udpassoc_table) != 0;
}

size_t
udpassoc_count(void)
{
	return (size_t)fdtable_count(&udpassoc_table);
}

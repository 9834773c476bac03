/*
 * UDP associations by descriptor.  The mutex guards both hash tables and
 * every entry in them; the byte map is written under the mutex and read
 * without it (a stale read only costs a lookup).  Map bits: UA_BIT_SOCK
 * for a UDP socket with an entry, UA_BIT_CTRL for a control socket.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "fdident.h"
#include "udpassoc.h"

static bool udpassoc_oom;
#define uthash_nonfatal_oom(obj) (udpassoc_oom = true)
#include "table.h"

#define UA_BIT_SOCK 0x01
#define UA_BIT_CTRL 0x02

struct udpassoc_entry {
	int fd;
	uint64_t ident;			/* the UDP socket's identity (fdident.h) */
	struct udpassoc_info info;
	UT_hash_handle hh;		/* by fd */
	UT_hash_handle hh_ctrl;		/* by info.ctrl, while it is >= 0 */
};

static pthread_mutex_t udpassoc_lock = PTHREAD_MUTEX_INITIALIZER;
static struct udpassoc_entry *by_fd;
static struct udpassoc_entry *by_ctrl;
static _Atomic uint8_t udpassoc_map[UDPASSOC_MAP_SIZE];
/* Entries in by_fd: written under the lock, read without it. */
static _Atomic size_t udpassoc_nentries;
/* Closes the control socket of an entry found stale (set once at init). */
static _Atomic(udpassoc_closer_fn) udpassoc_closer;

/*
 * The control socket of an entry dropped because its descriptor now stands
 * for another socket: closed by the caller's closer once the lock is gone.
 */
struct udpassoc_stale {
	int ctrl;
	uint64_t ino;
};
#define UDPASSOC_STALE_NONE { -1, 0 }

static void
udpassoc_nentries_add(size_t n, bool up)
{
	if (up)
		atomic_fetch_add_explicit(&udpassoc_nentries, n, memory_order_relaxed);
	else
		atomic_fetch_sub_explicit(&udpassoc_nentries, n, memory_order_relaxed);
}

static uint8_t
map_load(int fd)
{
	return atomic_load_explicit(&udpassoc_map[fd], memory_order_relaxed);
}

bool
udpassoc_maybe(int fd)
{
	if (fd < 0)
		return false;
	if (fd < UDPASSOC_MAP_SIZE)
		return (map_load(fd) & UA_BIT_SOCK) != 0;
	return true;
}

bool
udpassoc_maybe_any(int fd)
{
	if (fd < 0)
		return false;
	if (fd < UDPASSOC_MAP_SIZE)
		return map_load(fd) != 0;
	return true;
}

/* Set or clear bit for fd in the map.  Lock held. */
static void
map_set(int fd, uint8_t bit, bool on)
{
	uint8_t v;

	if (fd < 0 || fd >= UDPASSOC_MAP_SIZE)
		return;
	v = map_load(fd);
	v = on ? (uint8_t)(v | bit) : (uint8_t)(v & ~bit);
	atomic_store_explicit(&udpassoc_map[fd], v, memory_order_relaxed);
}

static struct udpassoc_entry *
find_fd(int fd)
{
	struct udpassoc_entry *e = NULL;

	HASH_FIND(hh, by_fd, &fd, sizeof(fd), e);
	return e;
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
 * fd's entry, when fd still stands for the socket the entry was made for
 * (ident: its identity now, read before the lock).  An entry left by a
 * socket closed where we could not see it is dropped, its control socket
 * handed to *stale for closing.  Lock held.
 */
static struct udpassoc_entry *
find_live(int fd, uint64_t ident, struct udpassoc_stale *stale)
{
	struct udpassoc_entry *e = find_fd(fd);

	if (!e || e->ident == 0 || e->ident == ident)
		return e;
	stale->ctrl = e->info.ctrl;
	stale->ino = e->info.ctrl_ino;
	delete_entry(e);
	return NULL;
}

/* Close what find_live() dropped.  Lock not held. */
static void
stale_close(const struct udpassoc_stale *stale)
{
	udpassoc_closer_fn closer;

	if (stale->ctrl < 0)
		return;
	closer = atomic_load_explicit(&udpassoc_closer, memory_order_acquire);
	if (closer)
		closer(stale->ctrl, stale->ino);
}

void
udpassoc_set_closer(udpassoc_closer_fn closer)
{
	atomic_store_explicit(&udpassoc_closer, closer, memory_order_release);
}

/* Give e the control socket ctrl (e has none).  Lock held.  -ENOMEM. */
static int
ctrl_attach(struct udpassoc_entry *e, int ctrl, uint64_t ino)
{
	e->info.ctrl = ctrl;
	e->info.ctrl_ino = ino;
	udpassoc_oom = false;
	HASH_ADD(hh_ctrl, by_ctrl, info.ctrl, sizeof(int), e);
	if (udpassoc_oom) {
		e->info.ctrl = -1;
		e->info.ctrl_ino = 0;
		return -ENOMEM;
	}
	map_set(ctrl, UA_BIT_CTRL, true);
	return 0;
}

/* Take e's control socket out of the ctrl table.  Lock held. */
static void
ctrl_detach(struct udpassoc_entry *e)
{
	if (e->info.ctrl < 0)
		return;
	HASH_DELETE(hh_ctrl, by_ctrl, e);
	map_set(e->info.ctrl, UA_BIT_CTRL, false);
	e->info.ctrl = -1;
	e->info.ctrl_ino = 0;
}

/*
 * Find or add fd's entry (ident: fd's identity now, see find_live()).
 * Lock held.  NULL when out of memory.
 */
static struct udpassoc_entry *
upsert(int fd, int family, uint64_t ident, struct udpassoc_stale *stale)
{
	struct udpassoc_entry *e = find_live(fd, ident, stale);

	if (e)
		return e;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->fd = fd;
	e->ident = ident;
	e->info.state = UDPASSOC_NONE;
	e->info.family = family;
	e->info.ctrl = -1;
	e->info.hdr_hint = UDPASSOC_HDR_DEFAULT;
	udpassoc_oom = false;
	HASH_ADD(hh, by_fd, fd, sizeof(int), e);
	if (udpassoc_oom) {
		free(e);
		return NULL;
	}
	map_set(fd, UA_BIT_SOCK, true);
	udpassoc_nentries_add(1, true);
	return e;
}

static void
delete_entry(struct udpassoc_entry *e)
{
	ctrl_detach(e);
	HASH_DELETE(hh, by_fd, e);
	map_set(e->fd, UA_BIT_SOCK, false);
	udpassoc_nentries_add(1, false);
	free(e);
}

bool
udpassoc_get(int fd, struct udpassoc_info *out)
{
	struct udpassoc_stale stale = UDPASSOC_STALE_NONE;
	struct udpassoc_entry *e;
	uint64_t ident;

	if (!udpassoc_maybe(fd))
		return false;
	ident = fdident_of(fd);
	pthread_mutex_lock(&udpassoc_lock);
	e = find_live(fd, ident, &stale);
	if (e)
		*out = e->info;
	pthread_mutex_unlock(&udpassoc_lock);
	stale_close(&stale);
	return e != NULL;
}

bool
udpassoc_is_ctrl(int fd)
{
	bool found;

	if (fd < 0)
		return false;
	if (fd < UDPASSOC_MAP_SIZE && !(map_load(fd) & UA_BIT_CTRL))
		return false;
	pthread_mutex_lock(&udpassoc_lock);
	found = find_ctrl(fd) != NULL;
	pthread_mutex_unlock(&udpassoc_lock);
	return found;
}

int
udpassoc_set_peer(int fd, int family, const struct sockaddr *sa,
		  socklen_t len, const struct sx_endpoint *ep)
{
	struct udpassoc_stale stale = UDPASSOC_STALE_NONE;
	struct udpassoc_entry *e;
	uint64_t ident;
	int rc = 0;

	if (fd < 0 || !sa || !ep || len > sizeof(struct sockaddr_storage))
		return -EINVAL;
	ident = fdident_of(fd);
	pthread_mutex_lock(&udpassoc_lock);
	e = upsert(fd, family, ident, &stale);
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
	pthread_mutex_unlock(&udpassoc_lock);
	stale_close(&stale);
	return rc;
}

void
udpassoc_clear_peer(int fd)
{
	struct udpassoc_entry *e;

	if (!udpassoc_maybe(fd))
		return;
	pthread_mutex_lock(&udpassoc_lock);
	e = find_fd(fd);
	if (e) {
		e->info.has_peer = false;
		e->info.peerlen = 0;
	}
	pthread_mutex_unlock(&udpassoc_lock);
}

int
udpassoc_set_state(int fd, int family, int state, int error)
{
	struct udpassoc_stale stale = UDPASSOC_STALE_NONE;
	struct udpassoc_entry *e;
	uint64_t ident;
	int rc = 0;

	if (fd < 0 || (state != UDPASSOC_REFUSED && state != UDPASSOC_DIRECT))
		return -EINVAL;
	ident = fdident_of(fd);
	pthread_mutex_lock(&udpassoc_lock);
	e = upsert(fd, family, ident, &stale);
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
	pthread_mutex_unlock(&udpassoc_lock);
	stale_close(&stale);
	return rc;
}

int
udpassoc_install(int fd, int family, int ctrl, uint64_t ino,
		 const struct sockaddr *relay, socklen_t relaylen)
{
	struct udpassoc_stale stale = UDPASSOC_STALE_NONE;
	struct udpassoc_entry *e;
	uint64_t ident;
	int rc;

	if (fd < 0 || ctrl < 0 || !relay ||
	    relaylen > sizeof(struct sockaddr_storage))
		return -EINVAL;
	ident = fdident_of(fd);
	pthread_mutex_lock(&udpassoc_lock);
	e = upsert(fd, family, ident, &stale);
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
	pthread_mutex_unlock(&udpassoc_lock);
	stale_close(&stale);
	return rc;
}

bool
udpassoc_drop_ctrl(int fd, int ctrl)
{
	struct udpassoc_entry *e;
	bool dropped = false;

	if (!udpassoc_maybe(fd) || ctrl < 0)
		return false;
	pthread_mutex_lock(&udpassoc_lock);
	e = find_fd(fd);
	if (e && e->info.ctrl == ctrl) {
		ctrl_detach(e);
		e->info.state = UDPASSOC_NONE;
		e->info.relaylen = 0;
		dropped = true;
	}
	pthread_mutex_unlock(&udpassoc_lock);
	return dropped;
}

bool
udpassoc_first_log(int fd, int family)
{
	struct udpassoc_stale stale = UDPASSOC_STALE_NONE;
	struct udpassoc_entry *e;
	uint64_t ident;
	bool first = false;

	if (fd < 0)
		return true;
	ident = fdident_of(fd);
	pthread_mutex_lock(&udpassoc_lock);
	e = upsert(fd, family, ident, &stale);
	if (!e) {
		/* Out of memory: better a second line than none. */
		first = true;
	} else if (!e->info.logged) {
		e->info.logged = true;
		first = true;
	}
	pthread_mutex_unlock(&udpassoc_lock);
	stale_close(&stale);
	return first;
}

void
udpassoc_set_hint(int fd, uint16_t hdr_len)
{
	struct udpassoc_entry *e;

	if (!udpassoc_maybe(fd))
		return;
	pthread_mutex_lock(&udpassoc_lock);
	e = find_fd(fd);
	if (e)
		e->info.hdr_hint = hdr_len;
	pthread_mutex_unlock(&udpassoc_lock);
}

int
udpassoc_remove(int fd, uint64_t *ino)
{
	struct udpassoc_entry *e;
	int ctrl = -1;

	*ino = 0;
	if (!udpassoc_maybe(fd))
		return -1;
	pthread_mutex_lock(&udpassoc_lock);
	e = find_fd(fd);
	if (e) {
		ctrl = e->info.ctrl;
		*ino = e->info.ctrl_ino;
		delete_entry(e);
	}
	pthread_mutex_unlock(&udpassoc_lock);
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
	pthread_mutex_lock(&udpassoc_lock);
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
	pthread_mutex_unlock(&udpassoc_lock);
	return rc;
}

int
udpassoc_copy(int fd, int newfd, int newctrl)
{
	struct udpassoc_stale stale = UDPASSOC_STALE_NONE;
	struct udpassoc_entry *e, *n;
	struct udpassoc_info info;
	uint64_t newident;
	int rc = 0;

	if (fd < 0 || newfd < 0 || fd == newfd)
		return -EINVAL;
	newident = fdident_of(newfd);
	pthread_mutex_lock(&udpassoc_lock);
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
	n = upsert(newfd, info.family, newident, &stale);
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
	pthread_mutex_unlock(&udpassoc_lock);
	return rc;
}

int
udpassoc_next_fd(int from)
{
	struct udpassoc_entry *e, *tmp;
	int best = -1;

	pthread_mutex_lock(&udpassoc_lock);
	HASH_ITER(hh, by_fd, e, tmp) {
		if (e->fd >= from && (best < 0 || e->fd < best))
			best = e->fd;
	}
	pthread_mutex_unlock(&udpassoc_lock);
	return best;
}

int
udpassoc_next_ctrl(int from)
{
	struct udpassoc_entry *e, *tmp;
	int best = -1;

	pthread_mutex_lock(&udpassoc_lock);
	HASH_ITER(hh_ctrl, by_ctrl, e, tmp) {
		if (e->info.ctrl >= from && (best < 0 || e->info.ctrl < best))
			best = e->info.ctrl;
	}
	pthread_mutex_unlock(&udpassoc_lock);
	return best;
}

bool
udpassoc_any(void)
{
	return atomic_load_explicit(&udpassoc_nentries, memory_order_relaxed) != 0;
}

size_t
udpassoc_count(void)
{
	size_t n;

	pthread_mutex_lock(&udpassoc_lock);
	n = HASH_CNT(hh, by_fd);
	pthread_mutex_unlock(&udpassoc_lock);
	return n;
}

void
udpassoc_atfork_prepare(void)
{
	pthread_mutex_lock(&udpassoc_lock);
}

void
udpassoc_atfork_parent(void)
{
	pthread_mutex_unlock(&udpassoc_lock);
}

void
udpassoc_atfork_child(void)
{
	pthread_mutex_unlock(&udpassoc_lock);
}

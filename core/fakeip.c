/*
 * The fake-IP map for remote DNS.  A host name looked up inside the
 * program gets entry index i (1..capacity), which stands for the IPv4
 * address fake_net + i and the IPv6 address fake_net6 + i; a later
 * connect to either address, in this process or any other attached to
 * the same block, asks the proxy for the name.
 *
 * The block (fakemap.h) holds fixed-size entries with their names inline,
 * an open-addressing index by name (hashed and compared without regard to
 * ASCII case: DNS names are case-insensitive, so no lower-cased copy is
 * kept), and the use order: an intrusive doubly linked list of 32-bit
 * indices, most recently used at the head.
 *
 * Indices are handed out in order; entries are only ever given another
 * name by reusing one when all capacity indices are used, so index i is
 * used exactly when i < next_index.  One address never names two names at
 * once.
 *
 * Reuse takes the tail of the use order, and only when it has been idle
 * for the grace period: the order is sorted by last use (every use moves
 * an entry to the head with the current time), so when the tail is not
 * idle no entry is.  An entry held by open connections (holds > 0) is
 * taken out of the use order, and put back at the head when the last hold
 * goes, so the tail is never held.  Both checks are O(1).
 *
 * A name is written so that a process dying half way leaves an entry that
 * names nothing rather than a wrong name: its length goes to 0 first and
 * is set, after the bytes, last (fakemap_repair() checks them).
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>

#include "atfork.h"
#include "fakeip.h"
#include "fakemap.h"
#include "fakename.h"
#include "fakerange.h"

/* Smallest buffer fakeip_lookup_*() accept for a name. */
#define FAKEIP_NAME_CAP 256

/*
 * The ranges (fakerange.h), the shape and the map pointer are set at init
 * and read without a lock; the map's contents are guarded by its own
 * lock.  grace_s and clock_now belong to this process (tests set them).
 */
static struct fakemap *fakeip_map;
static struct fakemap_shape fakeip_shape;
static void *private_block;	/* the map fakeip_init() mapped, if any */
static size_t private_bytes;
static uint32_t grace_s = FAKEIP_GRACE_S;	/* idle time before reuse */
static uint32_t (*clock_now)(void);	/* NULL: CLOCK_MONOTONIC */
/*
 * Who maps the block on first need (fakeip_set_attacher()); attach_lock
 * lets one thread of the process try at a time.
 */
static int (*attacher)(bool create);
static pthread_mutex_t attach_lock = PTHREAD_MUTEX_INITIALIZER;
ATFORK_LOCK(fakeip_attach, attach_lock)

/* The clock reading in seconds. */
static uint32_t
now_seconds(void)
{
	struct timespec ts;
	uint32_t (*fn)(void) = __atomic_load_n(&clock_now, __ATOMIC_ACQUIRE);

	if (fn)
		return fn();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_sec;
}

static struct fakemap_entry *
at(struct fakemap *m, uint32_t i)
{
	return fakemap_entry(m, i);
}

/*
 * The entry a new name may take when the range is full, or 0 when none
 * may be reused yet: the least recently used entry that is not held, if
 * it has been idle for the grace period (locked).
 */
static uint32_t
reusable(struct fakemap *m, uint32_t now)
{
	uint32_t g = __atomic_load_n(&grace_s, __ATOMIC_RELAXED);

	if (m->lru_tail == 0)
		return 0;
	if ((uint32_t)(now - at(m, m->lru_tail)->used_s) < g)
		return 0;
	return m->lru_tail;
}

/* Give this process's private map back, if it has one. */
static void
drop_private(void)
{
	if (private_block) {
		munmap(private_block, private_bytes);
		private_block = NULL;
		private_bytes = 0;
	}
}

int
fakeip_set_ranges(const uint8_t n4[4], uint8_t prefix4, const uint8_t n6[16],
		  uint8_t p6, size_t cap)
{
	struct fakemap_shape shape;
	uint32_t room;
	int rc;

	if (!n4 || !n6)
		return -EINVAL;
	rc = fakerange_capacity(prefix4, p6, cap, &room);
	if (rc < 0)
		return rc;
	if (room > FAKEMAP_MAX_ENTRIES)
		room = FAKEMAP_MAX_ENTRIES;
	__atomic_store_n(&fakeip_map, NULL, __ATOMIC_RELEASE);
	drop_private();
	fakerange_set(n4, prefix4, n6, p6);
	memset(&shape, 0, sizeof(shape));
	shape.capacity = room;
	memcpy(shape.net4, n4, sizeof(shape.net4));
	memcpy(shape.net6, n6, sizeof(shape.net6));
	shape.prefix4 = prefix4;
	shape.prefix6 = p6;
	fakeip_shape = shape;
	return 0;
}

size_t
fakeip_bytes(void)
{
	return fakemap_bytes(fakeip_shape.capacity);
}

int
fakeip_format(void *mem, size_t bytes)
{
	return fakemap_format(mem, bytes, &fakeip_shape);
}

int
fakeip_attach(void *mem, size_t bytes)
{
	int rc = fakemap_check(mem, bytes, &fakeip_shape);

	if (rc < 0)
		return rc;
	if (mem != private_block)
		drop_private();
	__atomic_store_n(&fakeip_map, (struct fakemap *)mem, __ATOMIC_RELEASE);
	return 0;
}

int
fakeip_init(const uint8_t n4[4], uint8_t prefix4, const uint8_t n6[16],
	    uint8_t p6, size_t cap)
{
	size_t bytes;
	void *mem;
	int rc;

	rc = fakeip_set_ranges(n4, prefix4, n6, p6, cap);
	if (rc < 0)
		return rc;
	bytes = fakeip_bytes();
	mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		   -1, 0);
	if (mem == MAP_FAILED)
		return -ENOMEM;
	rc = fakeip_format(mem, bytes);
	if (rc == 0)
		rc = fakeip_attach(mem, bytes);
	if (rc < 0) {
		munmap(mem, bytes);
		return rc;
	}
	private_block = mem;
	private_bytes = bytes;
	return 0;
}

void
fakeip_set_attacher(int (*attach)(bool create))
{
	pthread_mutex_lock(&attach_lock);
	attacher = attach;
	pthread_mutex_unlock(&attach_lock);
}

/*
 * The map, asking the attacher for it when there is none yet (create:
 * the caller is about to give a name an address).
 */
static struct fakemap *
map_get(bool create)
{
	struct fakemap *m = __atomic_load_n(&fakeip_map, __ATOMIC_ACQUIRE);

	if (m)
		return m;
	pthread_mutex_lock(&attach_lock);
	m = __atomic_load_n(&fakeip_map, __ATOMIC_ACQUIRE);
	if (!m && attacher && attacher(create) == 0)
		m = __atomic_load_n(&fakeip_map, __ATOMIC_ACQUIRE);
	pthread_mutex_unlock(&attach_lock);
	return m;
}

/*
 * The map, locked, or NULL with *rc set (-EADDRNOTAVAIL: no map).  create
 * as for map_get().
 */
static struct fakemap *
map_lock_for(bool create, int *rc)
{
	struct fakemap *m = map_get(create);

	if (!m) {
		*rc = -EADDRNOTAVAIL;
		return NULL;
	}
	*rc = fakemap_lock(m);
	return *rc < 0 ? NULL : m;
}

/* The map for a call that only reads or holds names: map_lock_for(false). */
static struct fakemap *
map_lock(int *rc)
{
	return map_lock_for(false, rc);
}

/* Write name (n bytes) into entry i, which names nothing meanwhile (locked). */
static void
entry_set_name(struct fakemap *m, uint32_t i, const char *name, int n,
	       uint32_t hv, uint32_t now)
{
	struct fakemap_entry *e = at(m, i);
	char *dst = fakemap_name(m, i, (unsigned)n);

	__atomic_store_n(&e->len, 0, __ATOMIC_RELEASE);
	memcpy(dst, name, (size_t)n);
	dst[n] = '\0';
	e->hash = hv;
	e->used_s = now;
	e->holds = 0;
	e->prev = 0;
	e->next = 0;
	__atomic_store_n(&e->len, (uint16_t)n, __ATOMIC_RELEASE);
}

int
fakeip_assign(const char *name, int family, struct sockaddr_storage *ss,
	      socklen_t *len)
{
	struct fakemap *m;
	uint32_t index;
	uint32_t now;
	uint32_t hv;
	int n;
	int rc;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!ss || !len)
		return -EINVAL;
	n = fakename_check(name);
	if (n < 0)
		return n;
	hv = fakename_hash(name, (unsigned)n);

	m = map_lock_for(true, &rc);
	if (!m)
		return rc;
	now = now_seconds();
	index = fakemap_find(m, name, (unsigned)n, hv);
	if (index != 0) {
		fakemap_lru_touch(m, index, now);
		goto out_fill;
	}
	if (m->next_index > m->shape.capacity) {
		index = reusable(m, now);
		if (index == 0) {
			rc = -EAGAIN;
			goto out_unlock;
		}
		/* Retire the old name, then give the entry the new one. */
		fakemap_lru_unlink(m, index);
		fakemap_index_del(m, index);
	} else {
		index = m->next_index;
		m->next_index++;
	}
	entry_set_name(m, index, name, n, hv, now);
	fakemap_index_add(m, index);
	fakemap_lru_push(m, index);

out_fill:
	fakerange_address(family, index, ss, len);
	rc = 0;
out_unlock:
	fakemap_unlock(m);
	return rc;
}

/* Entry offset, if it names something (locked), else NULL. */
static struct fakemap_entry *
named(struct fakemap *m, uint32_t offset)
{
	struct fakemap_entry *e;

	if (offset == 0 || offset >= m->next_index)
		return NULL;
	e = at(m, offset);
	return e->len != 0 ? e : NULL;
}

int
fakeip_lookup_raw(int family, const uint8_t *addr, char *name, size_t cap)
{
	struct fakemap_entry *e;
	struct fakemap *m;
	uint32_t offset;
	int rc;

	if (!name)
		return -EINVAL;
	rc = fakerange_offset(family, addr, &offset);
	if (rc < 0)
		return rc;
	if (cap < FAKEIP_NAME_CAP)
		return -ENOSPC;

	m = map_lock(&rc);
	if (!m)
		return rc == -EADDRNOTAVAIL ? -ENOENT : rc;
	e = named(m, offset);
	if (!e) {
		rc = -ENOENT;
		goto out_unlock;
	}
	fakemap_lru_touch(m, offset, now_seconds());
	memcpy(name, fakemap_name(m, offset, e->len), (size_t)e->len + 1);
out_unlock:
	fakemap_unlock(m);
	return rc;
}

int
fakeip_lookup_name(const struct sockaddr *sa, socklen_t len, char *name,
		   size_t cap)
{
	uint8_t raw[16];
	int family = fakerange_sockaddr_raw(sa, len, raw);

	if (family < 0)
		return family;
	return fakeip_lookup_raw(family, raw, name, cap);
}

/* One more hold on entry offset (locked); -ENOENT when it names nothing. */
static int
hold_locked(struct fakemap *m, uint32_t offset)
{
	struct fakemap_entry *e = named(m, offset);

	if (!e)
		return -ENOENT;
	e->used_s = now_seconds();
	if (e->holds == 0)
		fakemap_lru_unlink(m, offset);
	/* A count that could ever wrap stays pinned for good instead. */
	if (e->holds != UINT32_MAX)
		e->holds++;
	return 0;
}

int
fakeip_hold(const struct sockaddr *sa, socklen_t len, uint32_t *ticket)
{
	struct fakemap *m;
	uint8_t raw[16];
	uint32_t offset;
	int family;
	int rc;

	if (!ticket)
		return -EINVAL;
	family = fakerange_sockaddr_raw(sa, len, raw);
	if (family < 0)
		return family;
	rc = fakerange_offset(family, raw, &offset);
	if (rc < 0)
		return rc;

	m = map_lock(&rc);
	if (!m)
		return rc == -EADDRNOTAVAIL ? -ENOENT : rc;
	rc = hold_locked(m, offset);
	if (rc == 0)
		*ticket = offset;
	fakemap_unlock(m);
	return rc;
}

int
fakeip_rehold(uint32_t ticket)
{
	struct fakemap *m;
	int rc;

	m = map_lock(&rc);
	if (!m)
		return rc == -EADDRNOTAVAIL ? -ENOENT : rc;
	rc = hold_locked(m, ticket);
	fakemap_unlock(m);
	return rc;
}

void
fakeip_release(uint32_t ticket)
{
	struct fakemap_entry *e;
	struct fakemap *m;
	int rc;

	m = map_lock(&rc);
	if (!m)
		return;
	e = named(m, ticket);
	if (!e || e->holds == 0 || e->holds == UINT32_MAX)
		goto out_unlock;
	e->holds--;
	if (e->holds == 0) {
		e->used_s = now_seconds();
		fakemap_lru_push(m, ticket);
	}
out_unlock:
	fakemap_unlock(m);
}

bool
fakeip_is_fake_raw(int family, const uint8_t *addr)
{
	uint32_t offset;

	return fakerange_offset(family, addr, &offset) == 0;
}

bool
fakeip_is_fake(const struct sockaddr *sa, socklen_t len)
{
	uint8_t raw[16];
	int family = fakerange_sockaddr_raw(sa, len, raw);

	return family >= 0 && fakeip_is_fake_raw(family, raw);
}

size_t
fakeip_count(void)
{
	struct fakemap *m;
	size_t n;
	int rc;

	m = map_lock(&rc);
	if (!m)
		return 0;
	n = (size_t)m->next_index - 1;
	fakemap_unlock(m);
	return n;
}

void
fakeip_set_clock(uint32_t (*now_s)(void))
{
	__atomic_store_n(&clock_now, now_s, __ATOMIC_RELEASE);
}

void
fakeip_set_grace(uint32_t seconds)
{
	__atomic_store_n(&grace_s, seconds, __ATOMIC_RELAXED);
}

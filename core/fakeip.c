/*
 * The fake-IP map for remote DNS.  A host name looked up inside the
 * program gets entry index i (1..capacity), which stands for the IPv4
 * address fake_net + i and the IPv6 address fake_net6 + i; a later
 * connect to either address asks the proxy for the name.
 *
 * Layout, chosen to keep an entry near 70 bytes plus its name:
 *   - one allocation per entry, the name stored inline after the header;
 *   - by name: a uthash keyed on the inline name, hashed and compared
 *     without regard to ASCII case (DNS names are case-insensitive), so no
 *     lower-cased copy is kept;
 *   - by index: a plain array of entry pointers indexed by i, allocated
 *     lazily and grown geometrically;
 *   - use order: an intrusive doubly linked list of 32-bit indices, most
 *     recently used at the head.
 *
 * Indices are handed out in order; entries are only ever removed by
 * reusing one when all capacity indices are live, so index i is live
 * exactly when i < next_index.  One address never names two live names at
 * once.
 *
 * Reuse takes the tail of the use order, and only when it has been idle
 * for the grace period: the order is sorted by last use (every use moves
 * an entry to the head with the current time), so when the tail is not
 * idle no entry is.  An entry held by open connections (holds > 0) is
 * taken out of the use order, and put back at the head when the last hold
 * goes, so the tail is never held.  Both checks are O(1).
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "atfork.h"
#include "fakeip.h"
#include "fakename.h"
#include "fakerange.h"

/* Smallest buffer fakeip_lookup_*() accept for a name. */
#define FAKEIP_NAME_CAP 256
/* First size of the index array, in slots. */
#define FAKEIP_SLOTS_MIN 256

/*
 * Set by uthash when an insertion ran out of memory (it then leaves the
 * table as it was).  Guarded by fakeip_lock like the table itself.
 */
static bool add_oomed;

#define HASH_FUNCTION(keyptr, keylen, hashv) \
	((hashv) = fakename_hash((keyptr), (keylen)))
#define HASH_KEYCMP(a, b, n) fakename_cmp((a), (b), (n))
#define uthash_nonfatal_oom(obj)  \
	do {                      \
		(void)(obj);      \
		add_oomed = true; \
	} while (0)

#include "table.h"

struct fakeip_entry {
	UT_hash_handle hh;	/* by name; hh.keylen is the name's length */
	uint32_t index;		/* 1..capacity */
	uint32_t prev;		/* more recently used neighbour, 0: none */
	uint32_t next;		/* less recently used neighbour, 0: none */
	uint32_t used_s;	/* clock reading at the last use */
	uint32_t holds;		/* open connections; > 0: out of the use order */
	char name[];		/* as first given, without trailing dot, NUL */
};

/*
 * The ranges (fakerange.h) are set by fakeip_init() and read without the
 * lock.  fakeip_lock guards everything below: the entries, both indices,
 * the use order and the counters.  It is taken and released inside every public
 * call and never held across anything that can block.
 */
static pthread_mutex_t fakeip_lock = PTHREAD_MUTEX_INITIALIZER;
ATFORK_LOCK(fakeip, fakeip_lock)
static struct fakeip_entry *by_name;	/* uthash head */
static struct fakeip_entry **slots;	/* by index; slot 0 unused */
static size_t slots_len;		/* slots allocated, including slot 0 */
static uint32_t capacity;		/* indices 1..capacity may be used */
static uint32_t next_index = 1;	/* 1..capacity + 1; below it all live */
static uint32_t lru_head;		/* most recently used index, 0: none */
static uint32_t lru_tail;		/* least recently used index, 0: none */
static uint32_t grace_s = FAKEIP_GRACE_S;	/* idle time before reuse */
static uint32_t (*clock_now)(void);	/* NULL: CLOCK_MONOTONIC */

/* The clock reading in seconds (lock held). */
static uint32_t
now_seconds(void)
{
	struct timespec ts;

	if (clock_now)
		return clock_now();
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint32_t)ts.tv_sec;
}

/* Take e out of the use order (lock held). */
static void
lru_unlink(struct fakeip_entry *e)
{
	if (e->prev != 0)
		slots[e->prev]->next = e->next;
	else
		lru_head = e->next;
	if (e->next != 0)
		slots[e->next]->prev = e->prev;
	else
		lru_tail = e->prev;
	e->prev = 0;
	e->next = 0;
}

/* Put e, already in slots[], at the most recently used end (lock held). */
static void
lru_push_front(struct fakeip_entry *e)
{
	e->prev = 0;
	e->next = lru_head;
	if (lru_head != 0)
		slots[lru_head]->prev = e->index;
	else
		lru_tail = e->index;
	lru_head = e->index;
}

/* Record a use of e at time now (lock held); a held entry stays out. */
static void
lru_touch(struct fakeip_entry *e, uint32_t now)
{
	e->used_s = now;
	if (e->holds != 0 || lru_head == e->index)
		return;
	lru_unlink(e);
	lru_push_front(e);
}

/*
 * The entry a new name may take when the range is full, or NULL when none
 * may be reused yet: the least recently used entry that is not held, if
 * it has been idle for the grace period (lock held).
 */
static struct fakeip_entry *
reusable(uint32_t now)
{
	struct fakeip_entry *e;

	if (lru_tail == 0)
		return NULL;
	e = slots[lru_tail];
	if ((uint32_t)(now - e->used_s) < grace_s)
		return NULL;
	return e;
}

/* Make slots[index] addressable (lock held); -ENOMEM leaves it as it was. */
static int
slots_reserve(uint32_t index)
{
	struct fakeip_entry **grown;
	size_t want;

	if (index < slots_len)
		return 0;
	want = slots_len != 0 ? slots_len * 2 : FAKEIP_SLOTS_MIN;
	if (want > (size_t)capacity + 1)
		want = (size_t)capacity + 1;
	if (want <= index)
		want = (size_t)index + 1;
	grown = realloc(slots, want * sizeof(*slots));
	if (!grown)
		return -ENOMEM;
	slots = grown;
	slots_len = want;
	return 0;
}

/* Drop every entry (lock held). */
static void
clear_locked(void)
{
	HASH_CLEAR(hh, by_name);
	for (uint32_t i = 1; i < next_index; i++)
		free(slots[i]);
	free(slots);
	slots = NULL;
	slots_len = 0;
	next_index = 1;
	lru_head = 0;
	lru_tail = 0;
}

int
fakeip_init(const uint8_t n4[4], uint8_t prefix4, const uint8_t n6[16],
	    uint8_t p6, size_t cap)
{
	uint32_t room;
	int rc;

	if (!n4 || !n6)
		return -EINVAL;
	rc = fakerange_capacity(prefix4, p6, cap, &room);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&fakeip_lock);
	clear_locked();
	fakerange_set(n4, prefix4, n6, p6);
	capacity = room;
	pthread_mutex_unlock(&fakeip_lock);
	return 0;
}

int
fakeip_assign(const char *name, int family, struct sockaddr_storage *ss,
	      socklen_t *len)
{
	struct fakeip_entry *e;
	struct fakeip_entry *victim = NULL;
	uint32_t index;
	uint32_t now;
	int n;
	int rc = 0;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (!ss || !len)
		return -EINVAL;
	n = fakename_check(name);
	if (n < 0)
		return n;

	pthread_mutex_lock(&fakeip_lock);
	if (capacity == 0) {
		rc = -EADDRNOTAVAIL;
		goto out_unlock;
	}
	now = now_seconds();
	HASH_FIND(hh, by_name, name, (unsigned)n, e);
	if (e) {
		lru_touch(e, now);
		index = e->index;
		goto out_fill;
	}
	if (next_index > capacity) {
		victim = reusable(now);
		if (!victim) {
			rc = -EAGAIN;
			goto out_unlock;
		}
	}

	e = malloc(offsetof(struct fakeip_entry, name) + (size_t)n + 1);
	if (!e) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	memcpy(e->name, name, (size_t)n);
	e->name[n] = '\0';
	if (!victim) {
		rc = slots_reserve(next_index);
		if (rc < 0)
			goto err_free_entry;
		index = next_index;
	} else {
		index = victim->index;
	}
	e->index = index;
	e->prev = 0;
	e->next = 0;
	e->used_s = now;
	e->holds = 0;
	add_oomed = false;
	HASH_ADD_KEYPTR(hh, by_name, e->name, (unsigned)n, e);
	if (add_oomed) {
		rc = -ENOMEM;
		goto err_free_entry;
	}
	/* From here on nothing can fail: retire the victim, publish e. */
	if (victim) {
		lru_unlink(victim);
		HASH_DELETE(hh, by_name, victim);
		free(victim);
	} else {
		next_index++;
	}
	slots[index] = e;
	lru_push_front(e);

out_fill:
	fakerange_address(family, index, ss, len);
	pthread_mutex_unlock(&fakeip_lock);
	return 0;

err_free_entry:
	free(e);
out_unlock:
	pthread_mutex_unlock(&fakeip_lock);
	return rc;
}

int
fakeip_lookup_raw(int family, const uint8_t *addr, char *name, size_t cap)
{
	struct fakeip_entry *e;
	uint32_t offset;
	int rc;

	if (!name)
		return -EINVAL;
	rc = fakerange_offset(family, addr, &offset);
	if (rc < 0)
		return rc;
	if (cap < FAKEIP_NAME_CAP)
		return -ENOSPC;

	pthread_mutex_lock(&fakeip_lock);
	if (offset == 0 || offset >= next_index) {
		rc = -ENOENT;
		goto out_unlock;
	}
	e = slots[offset];
	lru_touch(e, now_seconds());
	memcpy(name, e->name, (size_t)e->hh.keylen + 1);
out_unlock:
	pthread_mutex_unlock(&fakeip_lock);
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

int
fakeip_hold(const struct sockaddr *sa, socklen_t len, uint32_t *ticket)
{
	struct fakeip_entry *e;
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

	pthread_mutex_lock(&fakeip_lock);
	if (offset == 0 || offset >= next_index) {
		rc = -ENOENT;
		goto out_unlock;
	}
	e = slots[offset];
	e->used_s = now_seconds();
	if (e->holds == 0)
		lru_unlink(e);
	/* A count that could ever wrap stays pinned for good instead. */
	if (e->holds != UINT32_MAX)
		e->holds++;
	*ticket = offset;
out_unlock:
	pthread_mutex_unlock(&fakeip_lock);
	return rc;
}

void
fakeip_release(uint32_t ticket)
{
	struct fakeip_entry *e;

	pthread_mutex_lock(&fakeip_lock);
	if (ticket == 0 || ticket >= next_index)
		goto out_unlock;
	e = slots[ticket];
	if (e->holds == 0 || e->holds == UINT32_MAX)
		goto out_unlock;
	e->holds--;
	if (e->holds == 0) {
		e->used_s = now_seconds();
		lru_push_front(e);
	}
out_unlock:
	pthread_mutex_unlock(&fakeip_lock);
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
	size_t n;

	pthread_mutex_lock(&fakeip_lock);
	n = (size_t)next_index - 1;
	pthread_mutex_unlock(&fakeip_lock);
	return n;
}

void
fakeip_set_clock(uint32_t (*now_s)(void))
{
	pthread_mutex_lock(&fakeip_lock);
	clock_now = now_s;
	pthread_mutex_unlock(&fakeip_lock);
}

void
fakeip_set_grace(uint32_t seconds)
{
	pthread_mutex_lock(&fakeip_lock);
	grace_s = seconds;
	pthread_mutex_unlock(&fakeip_lock);
}

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

/* Longest name accepted: what DNS can carry, without the trailing dot. */
#define FAKEIP_NAME_MAX 253
/* Longest name SOCKS can carry; longer ones are -ENAMETOOLONG. */
#define FAKEIP_WIRE_MAX 255
#define FAKEIP_LABEL_MAX 63
/* Smallest buffer fakeip_lookup_*() accept for a name. */
#define FAKEIP_NAME_CAP 256
/* First size of the index array, in slots. */
#define FAKEIP_SLOTS_MIN 256

static unsigned name_hash(const void *key, unsigned len);
static int name_cmp(const void *a, const void *b, size_t len);

/*
 * Set by uthash when an insertion ran out of memory (it then leaves the
 * table as it was).  Guarded by fakeip_lock like the table itself.
 */
static bool add_oomed;

#define HASH_FUNCTION(keyptr, keylen, hashv) \
	((hashv) = name_hash((keyptr), (keylen)))
#define HASH_KEYCMP(a, b, n) name_cmp((a), (b), (n))
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
 * The ranges: written by fakeip_init() (before any other call, and again
 * only by tests), read without the lock by fakeip_is_fake*().
 */
static bool range_ready;
static uint32_t net4;		/* host byte order, host bits clear */
static uint32_t mask4;		/* network mask, host byte order */
static uint8_t net6[16];	/* host bits clear */
static uint8_t prefix6;

/*
 * fakeip_lock guards everything below: the entries, both indices, the use
 * order and the counters.  It is taken and released inside every public
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

static unsigned char
fold(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A' + 'a');
	return c;
}

/* FNV-1a over the case-folded bytes, finished with a 32-bit mixer. */
static unsigned
name_hash(const void *key, unsigned len)
{
	const unsigned char *p = key;
	uint32_t h = 2166136261u;

	for (unsigned i = 0; i < len; i++) {
		h ^= fold(p[i]);
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* 0 when two names of length len are equal ignoring ASCII case. */
static int
name_cmp(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a;
	const unsigned char *y = b;

	for (size_t i = 0; i < len; i++) {
		if (fold(x[i]) != fold(y[i]))
			return 1;
	}
	return 0;
}

static bool
is_name_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

/*
 * The length of name without one trailing dot, or -ENAMETOOLONG beyond
 * 255 bytes, or -EINVAL for an empty name, a name of 254 or 255 bytes
 * (SOCKS could carry it, DNS cannot), a byte outside [A-Za-z0-9-_.], an
 * empty label or a label longer than 63 bytes.
 */
static int
name_check(const char *name)
{
	size_t raw;
	size_t n;
	size_t label = 0;

	if (!name)
		return -EINVAL;
	raw = strnlen(name, FAKEIP_WIRE_MAX + 2);
	n = raw;
	if (n > 0 && n <= FAKEIP_WIRE_MAX + 1 && name[n - 1] == '.')
		n--;
	if (n > FAKEIP_WIRE_MAX)
		return -ENAMETOOLONG;
	if (n == 0 || n > FAKEIP_NAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!is_name_byte(c))
			return -EINVAL;
		if (c == '.') {
			if (label == 0)
				return -EINVAL;
			label = 0;
			continue;
		}
		label++;
		if (label > FAKEIP_LABEL_MAX)
			return -EINVAL;
	}
	if (label == 0)
		return -EINVAL;
	return (int)n;
}

static uint32_t
load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void
store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static bool
is_v4_mapped(const uint8_t *a)
{
	static const uint8_t prefix[12] = {
		0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
	};

	return memcmp(a, prefix, sizeof(prefix)) == 0;
}

/*
 * Where an address lies: -EINVAL outside the fake ranges, else 0 with
 * *offset set to its offset in the range.  An IPv6 offset that does not
 * fit 32 bits becomes 0, which names nothing either.
 */
static int
address_offset(int family, const uint8_t *addr, uint32_t *offset)
{
	uint8_t x[16];
	unsigned full;
	unsigned rest;

	if (!range_ready || !addr)
		return -EINVAL;
	if (family == AF_INET6 && is_v4_mapped(addr)) {
		family = AF_INET;
		addr += 12;
	}
	if (family == AF_INET) {
		uint32_t a = load_be32(addr);

		if ((a & mask4) != net4)
			return -EINVAL;
		*offset = a & ~mask4;
		return 0;
	}
	if (family != AF_INET6)
		return -EINVAL;
	for (unsigned i = 0; i < 16; i++)
		x[i] = (uint8_t)(addr[i] ^ net6[i]);
	full = prefix6 / 8;
	rest = prefix6 % 8;
	for (unsigned i = 0; i < full; i++) {
		if (x[i] != 0)
			return -EINVAL;
	}
	if (rest != 0 && (x[full] >> (8 - rest)) != 0)
		return -EINVAL;
	/* The prefix matches, so x now holds only the host bits. */
	for (unsigned i = 0; i < 12; i++) {
		if (x[i] != 0) {
			*offset = 0;
			return 0;
		}
	}
	*offset = load_be32(x + 12);
	return 0;
}

static void
fill_sockaddr(int family, uint32_t index, struct sockaddr_storage *ss,
	      socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = 0;
		store_be32((uint8_t *)&sin->sin_addr, net4 + index);
		*len = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
		uint8_t *a = sin6->sin6_addr.s6_addr;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = 0;
		memcpy(a, net6, sizeof(net6));
		store_be32(a + 12, load_be32(a + 12) | index);
		*len = sizeof(*sin6);
	}
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
	uint64_t cap4;
	uint64_t cap6;
	uint64_t most;
	uint8_t masked6[16];

	if (!n4 || !n6 || prefix4 > 30 || p6 > 127)
		return -EINVAL;
	/* The network and broadcast addresses of the IPv4 range stay unused. */
	cap4 = ((uint64_t)1 << (32 - prefix4)) - 2;
	cap6 = p6 >= 96 ? ((uint64_t)1 << (128 - p6)) - 1 : UINT32_MAX;
	most = cap4 < cap6 ? cap4 : cap6;
	if (cap > most)
		return -EINVAL;
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = i * 8;
		uint8_t keep = 0xff;

		if (bits >= p6)
			keep = 0;
		else if (p6 - bits < 8)
			keep = (uint8_t)(0xff << (8 - (p6 - bits)));
		masked6[i] = (uint8_t)(n6[i] & keep);
	}

	pthread_mutex_lock(&fakeip_lock);
	clear_locked();
	mask4 = prefix4 == 0 ? 0 : UINT32_MAX << (32 - prefix4);
	net4 = load_be32(n4) & mask4;
	memcpy(net6, masked6, sizeof(net6));
	prefix6 = p6;
	capacity = (uint32_t)(cap != 0 ? cap : most);
	range_ready = true;
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
	n = name_check(name);
	if (n < 0)
		return n;

	pthread_mutex_lock(&fakeip_lock);
	if (!range_ready || capacity == 0) {
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
	fill_sockaddr(family, index, ss, len);
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
	rc = address_offset(family, addr, &offset);
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

/*
 * The raw address inside a sockaddr_in or sockaddr_in6, copied to raw (16
 * bytes); its family, or -EINVAL for anything else or a short length.
 */
static int
sockaddr_raw(const struct sockaddr *sa, socklen_t len, uint8_t *raw)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (!sa || len < (socklen_t)sizeof(sa_family_t))
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		if (len < (socklen_t)sizeof(sin))
			return -EINVAL;
		memcpy(&sin, sa, sizeof(sin));
		memcpy(raw, &sin.sin_addr, 4);
		return AF_INET;
	}
	if (sa->sa_family == AF_INET6) {
		if (len < (socklen_t)sizeof(sin6))
			return -EINVAL;
		memcpy(&sin6, sa, sizeof(sin6));
		memcpy(raw, sin6.sin6_addr.s6_addr, 16);
		return AF_INET6;
	}
	return -EINVAL;
}

int
fakeip_lookup_name(const struct sockaddr *sa, socklen_t len, char *name,
		   size_t cap)
{
	uint8_t raw[16];
	int family = sockaddr_raw(sa, len, raw);

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
	family = sockaddr_raw(sa, len, raw);
	if (family < 0)
		return family;
	rc = address_offset(family, raw, &offset);
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

	return address_offset(family, addr, &offset) == 0;
}

bool
fakeip_is_fake(const struct sockaddr *sa, socklen_t len)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (!sa || len < (socklen_t)sizeof(sa_family_t))
		return false;
	if (sa->sa_family == AF_INET && len >= (socklen_t)sizeof(sin)) {
		memcpy(&sin, sa, sizeof(sin));
		return fakeip_is_fake_raw(AF_INET,
					  (const uint8_t *)&sin.sin_addr);
	}
	if (sa->sa_family == AF_INET6 && len >= (socklen_t)sizeof(sin6)) {
		memcpy(&sin6, sa, sizeof(sin6));
		return fakeip_is_fake_raw(AF_INET6, sin6.sin6_addr.s6_addr);
	}
	return false;
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

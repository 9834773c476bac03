/*
 * The fake-IP map's block: layout, lock, index by name, repair.  Nothing
 * in the block is a pointer, so each process may map it anywhere.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fakemap.h"

/* Where the entries start: the header rounded up to 64 bytes. */
#define FAKEMAP_HEAD_BYTES ((sizeof(struct fakemap) + 63) & ~(size_t)63)

static uint32_t
fakemap_buckets_for(uint32_t capacity)
{
	uint32_t n = 16;

	while (n < 2 * (uint64_t)capacity)
		n *= 2;
	return n;
}

size_t
fakemap_bytes(uint32_t capacity)
{
	if (capacity == 0 || capacity > FAKEMAP_MAX_ENTRIES)
		return 0;
	return FAKEMAP_HEAD_BYTES +
	       ((size_t)capacity + 1) * FAKEMAP_ENTRY_BYTES +
	       (size_t)fakemap_buckets_for(capacity) * sizeof(uint32_t) +
	       ((size_t)capacity + 1) * FAKEMAP_LONG_BYTES;
}

struct fakemap_entry *
fakemap_entry(struct fakemap *m, uint32_t i)
{
	return (struct fakemap_entry *)((char *)m + FAKEMAP_HEAD_BYTES) + i;
}

static uint32_t *
fakemap_bucket_array(struct fakemap *m)
{
	return (uint32_t *)fakemap_entry(m, m->shape.capacity + 1);
}

char *
fakemap_name(struct fakemap *m, uint32_t i, unsigned len)
{
	char *slots;

	if (len <= FAKEMAP_INLINE_MAX)
		return fakemap_entry(m, i)->name;
	slots = (char *)(fakemap_bucket_array(m) + m->buckets);
	return slots + (size_t)i * FAKEMAP_LONG_BYTES;
}

static bool
fakemap_same_shape(const struct fakemap_shape *a, const struct fakemap_shape *b)
{
	return a->capacity == b->capacity && a->prefix4 == b->prefix4 &&
	       a->prefix6 == b->prefix6 &&
	       memcmp(a->net4, b->net4, sizeof(a->net4)) == 0 &&
	       memcmp(a->net6, b->net6, sizeof(a->net6)) == 0;
}

int
fakemap_format(void *mem, size_t bytes, const struct fakemap_shape *shape)
{
	struct fakemap *m = mem;
	pthread_mutexattr_t attr;
	int rc = -EINVAL;

	if (!mem || !shape || bytes == 0 || bytes != fakemap_bytes(shape->capacity))
		return -EINVAL;
	/* The block is zero-filled: only the header is written, no other page. */
	memset(m, 0, FAKEMAP_HEAD_BYTES);
	m->shape = *shape;
	m->buckets = fakemap_buckets_for(shape->capacity);
	m->bytes = bytes;
	m->next_index = 1;
	if (pthread_mutexattr_init(&attr) != 0)
		return -EINVAL;
	if (pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED) != 0 ||
	    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST) != 0 ||
	    pthread_mutex_init(&m->lock, &attr) != 0)
		goto out_attr;
	m->version = FAKEMAP_VERSION;
	/* Last: a block is a map once its magic is there. */
	__atomic_store_n(&m->magic, FAKEMAP_MAGIC, __ATOMIC_RELEASE);
	rc = 0;
out_attr:
	pthread_mutexattr_destroy(&attr);
	return rc;
}

int
fakemap_check(const void *mem, size_t bytes, const struct fakemap_shape *shape)
{
	const struct fakemap *m = mem;

	if (!mem || !shape || bytes < sizeof(*m))
		return -EPROTO;
	if (__atomic_load_n(&m->magic, __ATOMIC_ACQUIRE) != FAKEMAP_MAGIC ||
	    m->version != FAKEMAP_VERSION || m->bytes != bytes ||
	    bytes != fakemap_bytes(shape->capacity) ||
	    m->buckets != fakemap_buckets_for(shape->capacity) ||
	    !fakemap_same_shape(&m->shape, shape))
		return -EPROTO;
	return 0;
}

int
fakemap_lock(struct fakemap *m)
{
	int rc = pthread_mutex_lock(&m->lock);

	if (rc == 0)
		return 0;
	if (rc != EOWNERDEAD)
		return -EIO;
	/* The holder died: whatever it left half done is rebuilt. */
	fakemap_repair(m);
	m->repairs++;
	if (pthread_mutex_consistent(&m->lock) != 0) {
		pthread_mutex_unlock(&m->lock);
		return -EIO;
	}
	return 0;
}

void
fakemap_unlock(struct fakemap *m)
{
	pthread_mutex_unlock(&m->lock);
}

uint32_t
fakemap_find(struct fakemap *m, const char *name, unsigned len, uint32_t hv)
{
	uint32_t *b = fakemap_bucket_array(m);
	uint32_t mask = m->buckets - 1;
	uint32_t at = hv & mask;

	for (uint32_t probes = 0; probes < m->buckets; probes++) {
		uint32_t i = b[at];
		struct fakemap_entry *e;

		if (i == 0)
			return 0;
		e = fakemap_entry(m, i);
		if (e->hash == hv && e->len == len &&
		    fakename_cmp(fakemap_name(m, i, len), name, len) == 0)
			return i;
		at = (at + 1) & mask;
	}
	return 0;
}

void
fakemap_index_add(struct fakemap *m, uint32_t i)
{
	uint32_t *b = fakemap_bucket_array(m);
	uint32_t mask = m->buckets - 1;
	uint32_t at = fakemap_entry(m, i)->hash & mask;

	/* Never full: there are twice as many buckets as entries. */
	while (b[at] != 0)
		at = (at + 1) & mask;
	b[at] = i;
}

void
fakemap_index_del(struct fakemap *m, uint32_t i)
{
	uint32_t *b = fakemap_bucket_array(m);
	uint32_t mask = m->buckets - 1;
	uint32_t hole = fakemap_entry(m, i)->hash & mask;
	uint32_t at;

	for (uint32_t probes = 0; b[hole] != i; probes++) {
		if (b[hole] == 0 || probes == m->buckets)
			return;
		hole = (hole + 1) & mask;
	}
	/*
	 * Shift back every follower whose home bucket does not lie between
	 * the hole and its bucket (cyclically), so no search stops early.
	 */
	at = hole;
	for (;;) {
		uint32_t home;

		at = (at + 1) & mask;
		if (b[at] == 0)
			break;
		home = fakemap_entry(m, b[at])->hash & mask;
		if (((at - home) & mask) >= ((at - hole) & mask)) {
			b[hole] = b[at];
			hole = at;
		}
	}
	b[hole] = 0;
}

void
fakemap_lru_unlink(struct fakemap *m, uint32_t i)
{
	struct fakemap_entry *e = fakemap_entry(m, i);

	if (e->prev != 0)
		fakemap_entry(m, e->prev)->next = e->next;
	else if (m->lru_head == i)
		m->lru_head = e->next;
	if (e->next != 0)
		fakemap_entry(m, e->next)->prev = e->prev;
	else if (m->lru_tail == i)
		m->lru_tail = e->prev;
	e->prev = 0;
	e->next = 0;
}

void
fakemap_lru_push(struct fakemap *m, uint32_t i)
{
	struct fakemap_entry *e = fakemap_entry(m, i);

	e->prev = 0;
	e->next = m->lru_head;
	if (m->lru_head != 0)
		fakemap_entry(m, m->lru_head)->prev = i;
	else
		m->lru_tail = i;
	m->lru_head = i;
}

void
fakemap_lru_touch(struct fakemap *m, uint32_t i, uint32_t now)
{
	struct fakemap_entry *e = fakemap_entry(m, i);

	e->used_s = now;
	if (e->holds != 0 || m->lru_head == i)
		return;
	fakemap_lru_unlink(m, i);
	fakemap_lru_push(m, i);
}

int
fakemap_enrol(struct fakemap *m, int32_t pid, bool (*alive)(int32_t pid))
{
	int slot = -1;
	int rc = fakemap_lock(m);

	if (rc < 0)
		return rc;
	for (int i = 0; i < FAKEMAP_PIDS; i++) {
		if (m->pids[i] == pid)
			goto out_unlock;
		if (slot < 0 && m->pids[i] == 0)
			slot = i;
	}
	for (int i = 0; slot < 0 && i < FAKEMAP_PIDS; i++) {
		if (!alive(m->pids[i]))
			slot = i;
	}
	if (slot < 0)
		rc = -ENOSPC;
	else
		m->pids[slot] = pid;
out_unlock:
	fakemap_unlock(m);
	return rc;
}

bool
fakemap_in_use(const struct fakemap *m, bool (*alive)(int32_t pid))
{
	for (int i = 0; i < FAKEMAP_PIDS; i++) {
		int32_t pid = __atomic_load_n(&m->pids[i], __ATOMIC_RELAXED);

		if (pid != 0 && alive(pid))
			return true;
	}
	return false;
}

/* Whether entry i holds a whole, valid name. */
static bool
fakemap_entry_sound(struct fakemap *m, uint32_t i)
{
	struct fakemap_entry *e = fakemap_entry(m, i);
	const char *name;

	if (e->len == 0 || e->len > FAKENAME_MAX)
		return false;
	name = fakemap_name(m, i, e->len);
	return name[e->len] == '\0' && fakename_check(name) == (int)e->len;
}

/* Oldest use first; base is entry 0. */
static int
fakemap_by_use(const void *a, const void *b, void *base)
{
	const struct fakemap_entry *e = base;
	uint32_t x = e[*(const uint32_t *)a].used_s;
	uint32_t y = e[*(const uint32_t *)b].used_s;

	return x < y ? -1 : x > y;
}

void
fakemap_repair(struct fakemap *m)
{
	uint32_t *order;
	uint32_t n = 0;

	if (m->next_index == 0 || m->next_index > m->shape.capacity + 1)
		m->next_index = m->shape.capacity + 1;
	memset(fakemap_bucket_array(m), 0, (size_t)m->buckets * sizeof(uint32_t));
	for (uint32_t i = 1; i < m->next_index; i++) {
		struct fakemap_entry *e = fakemap_entry(m, i);

		if (!fakemap_entry_sound(m, i)) {
			e->len = 0;
			e->name[0] = '\0';
			continue;
		}
		e->hash = fakename_hash(fakemap_name(m, i, e->len), e->len);
		fakemap_index_add(m, i);
	}
	/*
	 * The use order: every entry not held, oldest use at the tail.  Without
	 * memory to sort, index order: the tail may then be younger than
	 * others, which only delays a reuse, never hastens one.
	 */
	order = malloc(((size_t)m->next_index + 1) * sizeof(*order));
	for (uint32_t i = 1; i < m->next_index; i++) {
		if (fakemap_entry(m, i)->holds != 0)
			continue;
		if (order)
			order[n] = i;
		n++;
	}
	if (order)
		qsort_r(order, n, sizeof(*order), fakemap_by_use, fakemap_entry(m, 0));
	m->lru_head = 0;
	m->lru_tail = 0;
	/* Pushed oldest first: each new one becomes the head. */
	for (uint32_t k = 0, i = 1; k < n; k++, i++) {
		if (order) {
			fakemap_lru_push(m, order[k]);
			continue;
		}
		while (fakemap_entry(m, i)->holds != 0)
			i++;
		fakemap_lru_push(m, i);
	}
	for (uint32_t i = 1; i < m->next_index; i++) {
		struct fakemap_entry *e = fakemap_entry(m, i);

		if (e->holds != 0) {
			e->prev = 0;
			e->next = 0;
		}
	}
	free(order);
}

/*
 * The set is a uthash keyed by family and address, plus a ring that says
 * which entry is oldest.  The mutex guards both.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>

#include "atfork.h"
#include "directset.h"

static bool directset_oom;
#define uthash_nonfatal_oom(obj) (directset_oom = true)
#include "table.h"

struct directset_key {
	uint8_t family;
	uint8_t addr[16];
};

struct directset_entry {
	struct directset_key key;
	UT_hash_handle hh;
};

static pthread_mutex_t directset_lock = PTHREAD_MUTEX_INITIALIZER;
ATFORK_LOCK(directset, directset_lock)
static struct directset_entry *directset_head;
static struct directset_entry *directset_ring[DIRECTSET_MAX];
static size_t directset_next;
static _Atomic size_t directset_count;

static void
directset_key_fill(struct directset_key *k, int family, const uint8_t *addr)
{
	memset(k, 0, sizeof(*k));
	k->family = (uint8_t)family;
	memcpy(k->addr, addr, family == AF_INET ? 4 : 16);
}

int
directset_add(int family, const uint8_t *addr)
{
	struct directset_entry *e = NULL, *old;
	struct directset_key k;
	int rc = 0;

	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	directset_key_fill(&k, family, addr);
	pthread_mutex_lock(&directset_lock);
	HASH_FIND(hh, directset_head, &k, sizeof(k), e);
	if (e)
		goto out_unlock;
	e = calloc(1, sizeof(*e));
	if (!e) {
		rc = -ENOMEM;
		goto out_unlock;
	}
	e->key = k;
	directset_oom = false;
	HASH_ADD(hh, directset_head, key, sizeof(e->key), e);
	if (directset_oom) {
		free(e);
		rc = -ENOMEM;
		goto out_unlock;
	}
	old = directset_ring[directset_next];
	if (old) {
		HASH_DEL(directset_head, old);
		free(old);
	} else {
		atomic_fetch_add_explicit(&directset_count, 1, memory_order_relaxed);
	}
	directset_ring[directset_next] = e;
	directset_next = (directset_next + 1) % DIRECTSET_MAX;
out_unlock:
	pthread_mutex_unlock(&directset_lock);
	return rc;
}

bool
directset_has(const struct sockaddr *sa, socklen_t len)
{
	struct directset_entry *e = NULL;
	struct directset_key k;

	if (atomic_load_explicit(&directset_count, memory_order_relaxed) == 0)
		return false;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		directset_key_fill(&k, AF_INET,
				   (const uint8_t *)&((const struct sockaddr_in *)sa)->sin_addr);
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_V4MAPPED(a))
			directset_key_fill(&k, AF_INET, a->s6_addr + 12);
		else
			directset_key_fill(&k, AF_INET6, a->s6_addr);
	} else {
		return false;
	}
	pthread_mutex_lock(&directset_lock);
	HASH_FIND(hh, directset_head, &k, sizeof(k), e);
	pthread_mutex_unlock(&directset_lock);
	return e != NULL;
}

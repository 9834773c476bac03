/*
 * Unit tests for core/fdtable.c, the scaffolding under the per-descriptor
 * tables: entries by descriptor with a payload, the byte map read without
 * the lock, the identity check that hands a stale entry to the module, the
 * closer for what a stale entry leaves, and the lock registered for fork.
 * The identity probe is a fake: ident[fd] says which socket fd stands for.
 */
#include <errno.h>
#include <stdlib.h>

#include "atfork.h"
#include "fdident.h"
#include "fdtable.h"
#include "tap.h"

#define NFD 128
static uint64_t ident[NFD];

static uint64_t
fake_probe(int fd)
{
	return fd >= 0 && fd < NFD ? ident[fd] : 0;
}

struct item {
	int value;
	int ctrl;		/* a descriptor of ours a stale item leaves */
	bool keep;		/* the stale handler keeps this one */
	long double aligned;	/* the payload is aligned for any type */
};

static int stale_calls;
static bool item_stale(void *payload, struct fdtable_stale *stale);
FDTABLE_DEFINE(items, struct item, item_stale)

static bool
item_stale(void *payload, struct fdtable_stale *stale)
{
	struct item *it = payload;

	stale_calls++;
	if (it->keep)
		return false;
	stale->fd = it->ctrl;
	stale->ident = 77;
	fdtable_mark(&items, fdtable_fd(it), 0);
	fdtable_delete(&items, it);
	return true;
}

static int closed_fd = -1;
static uint64_t closed_ident;

static void
fake_closer(int fd, uint64_t id)
{
	closed_fd = fd;
	closed_ident = id;
}

/* Add an item for fd with its identity now, marked 1. */
static struct item *
add(int fd, int value)
{
	struct item *it;

	fdtable_lock(&items);
	it = fdtable_add(&items, fd, fdident_of(fd));
	if (it) {
		it->value = value;
		it->ctrl = -1;
		fdtable_mark(&items, fd, 1);
	}
	fdtable_unlock(&items);
	return it;
}

/* Look fd up as a hook would, closing what a stale entry left. */
static struct item *
lookup(int fd)
{
	struct fdtable_stale stale = FDTABLE_STALE_NONE;
	uint64_t id = fdident_of(fd);
	struct item *it;

	fdtable_lock(&items);
	it = fdtable_find_live(&items, fd, id, &stale);
	fdtable_unlock(&items);
	fdtable_close_stale(&items, &stale);
	return it;
}

static void
test_basics(void)
{
	struct item *it;

	ok(!fdtable_maybe(&items, 5), "an empty table has nothing");
	ok(!fdtable_maybe(&items, -1), "nor a negative descriptor");
	is_int(fdtable_count(&items), 0, "no entries");
	ident[5] = 500;
	it = add(5, 42);
	ok(it != NULL, "an entry is added");
	ok(((uintptr_t)&it->aligned % _Alignof(long double)) == 0,
	   "its payload is aligned");
	is_int(it->value, 42, "the payload is the caller's");
	is_int(fdtable_fd(it), 5, "it knows its descriptor");
	is_int((int)fdtable_ident(it), 500, "and the socket's identity");
	ok(fdtable_maybe(&items, 5), "the byte map says maybe");
	is_int(fdtable_mark_of(&items, 5), 1, "with the value marked");
	ok(!fdtable_maybe(&items, 6), "another descriptor is not ours");
	is_int(fdtable_count(&items), 1, "one entry");
	ok(lookup(5) == it, "found while fd stands for the same socket");
	fdtable_lock(&items);
	fdtable_mark_bits(&items, 5, 0x04, true);
	fdtable_unlock(&items);
	is_int(fdtable_mark_of(&items, 5), 5, "bits are set in the map");
	fdtable_lock(&items);
	fdtable_mark_bits(&items, 5, 0x01, false);
	fdtable_unlock(&items);
	is_int(fdtable_mark_of(&items, 5), 4, "and cleared");
	fdtable_lock(&items);
	fdtable_mark(&items, 5, 0);
	fdtable_delete(&items, it);
	fdtable_unlock(&items);
	is_int(fdtable_count(&items), 0, "deleted");
	ok(!fdtable_maybe(&items, 5), "and no longer maybe");
}

static void
test_stale(void)
{
	struct item *it;

	fdtable_set_closer(&items, fake_closer);
	ident[7] = 700;
	it = add(7, 1);
	it->ctrl = 99;
	ident[7] = 701;		/* closed where we could not see it; reused */
	stale_calls = 0;
	ok(lookup(7) == NULL, "a stale entry is not found");
	is_int(stale_calls, 1, "the module's handler was called");
	is_int(closed_fd, 99, "what it left was closed, after the lock");
	is_int((int)closed_ident, 77, "with the identity it gave");
	is_int(fdtable_count(&items), 0, "the entry is gone");
	ok(!fdtable_maybe(&items, 7), "and its map value");

	ident[8] = 800;
	it = add(8, 2);
	it->keep = true;
	ident[8] = 801;
	closed_fd = -1;
	ok(lookup(8) == it, "a handler may keep an entry that is ours");
	is_int(closed_fd, -1, "nothing is closed then");
	fdtable_lock(&items);
	fdtable_mark(&items, 8, 0);
	fdtable_delete(&items, it);
	fdtable_unlock(&items);

	ident[9] = 0;
	it = add(9, 3);		/* recorded without an identity */
	ident[9] = 900;
	stale_calls = 0;
	ok(lookup(9) == it, "an entry recorded without identity is trusted");
	is_int(stale_calls, 0, "without asking the handler");
	fdtable_lock(&items);
	fdtable_mark(&items, 9, 0);
	fdtable_delete(&items, it);
	fdtable_unlock(&items);
}

static void
test_beyond_map(void)
{
	int fd = FDTABLE_MAP_SIZE + 12;
	struct item *it;

	is_int(fdtable_mark_of(&items, fd), FDTABLE_MARK_UNKNOWN,
	       "past the map the mark is unknown");
	ok(!fdtable_maybe(&items, fd), "and nothing is ours in an empty table");
	it = add(fd, 4);
	ok(it != NULL, "an entry past the map is added");
	ok(fdtable_maybe(&items, fd), "then it may be ours");
	ok(lookup(fd) == it, "and the lookup finds it");
	fdtable_lock(&items);
	fdtable_delete(&items, it);
	fdtable_unlock(&items);
}

static void
test_iterate(void)
{
	int seen = 0, sum = 0;

	for (int fd = 20; fd < 30; fd++)
		add(fd, fd);
	fdtable_lock(&items);
	for (struct item *it = fdtable_next(&items, NULL); it;
	     it = fdtable_next(&items, it)) {
		seen++;
		sum += it->value;
	}
	fdtable_unlock(&items);
	is_int(seen, 10, "iteration visits every entry");
	is_int(sum, 245, "once each");
	fdtable_lock(&items);
	for (int fd = 20; fd < 30; fd++) {
		struct item *it = fdtable_find(&items, fd);

		fdtable_mark(&items, fd, 0);
		fdtable_delete(&items, it);
	}
	fdtable_unlock(&items);
	is_int(fdtable_count(&items), 0, "all deleted");
}

static void
test_fork_lock(void)
{
	is_int(atfork_count(), 1, "the table registered its lock for fork");
	atfork_prepare();
	is_int(pthread_mutex_trylock(&items.lock), EBUSY, "taken before a fork");
	atfork_parent();
	is_int(pthread_mutex_trylock(&items.lock), 0, "released after it");
	pthread_mutex_unlock(&items.lock);
}

int
main(void)
{
	fdident_set_probe(fake_probe);
	test_basics();
	test_stale();
	test_beyond_map();
	test_iterate();
	test_fork_lock();
	return tap_done();
}

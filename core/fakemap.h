/*
 * The memory block behind the fake-IP map (fakeip.h): one fixed-size
 * block, with no pointer inside it, that every process of a session maps
 * at whatever address (a file under /dev/shm, preload/fakeshm.c) or that a
 * test allocates.  This room holds its layout, its process-shared robust
 * lock, and its index by name; fakeip.c holds the rules (use order, grace
 * period, holds).
 *
 * Layout: a header, then the entries 0..capacity (entry 0 unused), then
 * the buckets of an open-addressing hash of names (linear probing, a
 * power of two at least twice the capacity, 0: empty, else an entry
 * index; deletion shifts the followers back, so there are no tombstones
 * and a search stops at the first empty bucket), then one long-name slot
 * per entry.  An entry is one 64-byte cache line that holds a name of up
 * to FAKEMAP_INLINE_MAX bytes inline (nearly every host name); a longer
 * name goes to the entry's own slot of FAKEMAP_LONG_BYTES, so a name
 * never needs an allocation and a dead holder of the lock never leaves
 * one half made.  The block for the largest map (FAKEMAP_MAX_ENTRIES) is
 * about 43 MB of address space; only the pages that are touched take
 * memory: 64 bytes per name plus its 8 bytes of buckets, and a page of
 * slots for every 16 long names.
 *
 * The block also lists the processes that use it, so that a new session
 * can remove the blocks of sessions whose processes have all ended.
 *
 * Every field after the header's constants is guarded by the header's
 * lock.  When a process dies holding it, the next one to take it repairs
 * the block (fakemap_lock()): an entry whose name was being written names
 * nothing, the index by name and the use order are rebuilt from the
 * entries.
 */
#ifndef SX_FAKEMAP_H
#define SX_FAKEMAP_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fakename.h"

/* The most entries a map has, whatever the size of the fake ranges. */
#define FAKEMAP_MAX_ENTRIES 131070u
/*
 * A 32-bit and a 64-bit process cannot share a block: its lock is the C
 * library's process-shared mutex, whose size and fields differ between
 * the two, and so does the offset of every field after it.  The magic
 * says which kind of process laid the block out; the other kind refuses
 * it (fakemap_check()) and keeps a map of its own (preload/fakeshm.c).
 */
#if UINTPTR_MAX > 0xffffffffu
#define FAKEMAP_MAGIC 0x53784d70u	/* "SxMp" */
#else
#define FAKEMAP_MAGIC 0x53784d33u	/* "SxM3": laid out by a 32-bit process */
#endif
#define FAKEMAP_VERSION 2u
/* How many processes of a session the block lists (fakemap_enrol()). */
#define FAKEMAP_PIDS 1024

/* The longest name kept inside its entry; longer ones use the long slot. */
#define FAKEMAP_INLINE_MAX 41u
/* One long-name slot: the longest name and its NUL, rounded up. */
#define FAKEMAP_LONG_BYTES 256u

struct fakemap_entry {
	uint32_t prev;		/* more recently used neighbour, 0: none */
	uint32_t next;		/* less recently used neighbour, 0: none */
	uint32_t used_s;	/* clock reading at the last use */
	uint32_t holds;		/* open connections; > 0: out of the use order */
	uint32_t hash;		/* fakename_hash() of the name */
	uint16_t len;		/* name length; 0: names nothing */
	/* The name as first given, NUL-terminated, when len <= FAKEMAP_INLINE_MAX. */
	char name[FAKEMAP_INLINE_MAX + 1];
};

#define FAKEMAP_ENTRY_BYTES sizeof(struct fakemap_entry)

_Static_assert(sizeof(struct fakemap_entry) == 64, "an entry is one cache line");
_Static_assert(FAKEMAP_LONG_BYTES > FAKENAME_MAX, "a long slot holds any name");

/* What the processes of one session must agree on. */
struct fakemap_shape {
	uint32_t capacity;	/* indices 1..capacity */
	uint8_t net4[4];
	uint8_t net6[16];
	uint8_t prefix4;
	uint8_t prefix6;
};

struct fakemap {
	uint32_t magic;
	uint32_t version;
	uint64_t bytes;		/* size of the whole block */
	struct fakemap_shape shape;
	uint32_t buckets;	/* number of buckets, a power of two */
	pthread_mutex_t lock;	/* process-shared, robust */
	uint32_t next_index;	/* 1..capacity + 1; below it all used */
	uint32_t lru_head;	/* most recently used index, 0: none */
	uint32_t lru_tail;	/* least recently used index, 0: none */
	uint32_t repairs;	/* times a dead holder's work was repaired */
	int32_t pids[FAKEMAP_PIDS];	/* processes using the block, 0: free */
};

/* Bytes a block for capacity entries needs (0 for a capacity too large). */
size_t fakemap_bytes(uint32_t capacity);
/*
 * Lay out an empty map in mem (bytes long, zero-filled as mmap() and
 * ftruncate() give it: only the header is written, so a fresh map takes
 * one page).  -EINVAL
 * when bytes is not fakemap_bytes(shape->capacity), or the lock cannot be
 * made process-shared and robust.
 */
int fakemap_format(void *mem, size_t bytes, const struct fakemap_shape *shape);
/*
 * Whether mem (bytes long) holds a map of this shape, laid out by
 * fakemap_format(): 0, or -EPROTO.
 */
int fakemap_check(const void *mem, size_t bytes,
		  const struct fakemap_shape *shape);
/* Entry i (0..capacity). */
struct fakemap_entry *fakemap_entry(struct fakemap *m, uint32_t i);
/*
 * Where entry i keeps a name of len bytes (and its NUL): inside the entry
 * for a short name, in the entry's long slot for a longer one.
 */
char *fakemap_name(struct fakemap *m, uint32_t i, unsigned len);
/*
 * Take the lock, repairing the block first when its last holder died with
 * it.  0, or -EIO when the lock is beyond repair.
 */
int fakemap_lock(struct fakemap *m);
void fakemap_unlock(struct fakemap *m);
/* The index of the entry named name (len bytes, hash hv), 0: none (locked). */
uint32_t fakemap_find(struct fakemap *m, const char *name, unsigned len,
		      uint32_t hv);
/* Enter entry i, whose name and hash are set, in the index (locked). */
void fakemap_index_add(struct fakemap *m, uint32_t i);
/* Take entry i out of the index (locked). */
void fakemap_index_del(struct fakemap *m, uint32_t i);
/* The use order (locked): take entry i out, put it at the head. */
void fakemap_lru_unlink(struct fakemap *m, uint32_t i);
void fakemap_lru_push(struct fakemap *m, uint32_t i);
/* Record a use of entry i at time now (locked); a held entry stays out. */
void fakemap_lru_touch(struct fakemap *m, uint32_t i, uint32_t now);
/*
 * List process pid among those using the block (it takes the lock), in a
 * free slot or in that of a process alive() says has ended.  0, or -ENOSPC
 * when all listed processes live (then pid is simply not listed), or
 * -EIO.
 */
int fakemap_enrol(struct fakemap *m, int32_t pid, bool (*alive)(int32_t pid));
/*
 * Whether any process listed in the block still lives (read without the
 * lock: a block is swept only when this says no).
 */
bool fakemap_in_use(const struct fakemap *m, bool (*alive)(int32_t pid));
/*
 * Rebuild the index by name and the use order from the entries (locked):
 * what a dead holder of the lock may have left half done.
 */
void fakemap_repair(struct fakemap *m);

#endif

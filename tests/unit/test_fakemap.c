/*
 * The fake-IP map's shared block: layout checks, many processes assigning
 * and looking up at once on one block, a process killed while it holds
 * the lock (the others go on, and the block is repaired), one killed half
 * way through renaming an entry (the entry names nothing, nothing else is
 * lost), names too long to be kept inside their entry, the list of processes using the block, and the attacher that maps
 * the block on first need.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakeip.h"
#include "fakemap.h"
#include "tap.h"

static const uint8_t NET4[4] = { 198, 18, 0, 0 };
static const uint8_t NET6[16] = {
	0xfd, 0x53, 0x6f, 0x63, 0x6b, 0x73, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
#define BASE4 0xc6120000u

static struct fakemap *block;
static size_t block_bytes;

/* A fresh shared block of capacity entries, attached. */
static void
fresh_block(size_t cap)
{
	if (block)
		munmap(block, block_bytes);
	if (fakeip_set_ranges(NET4, 15, NET6, 96, cap) != 0) {
		printf("Bail out! fakeip_set_ranges\n");
		exit(1);
	}
	block_bytes = fakeip_bytes();
	block = mmap(NULL, block_bytes, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (block == MAP_FAILED || fakeip_format(block, block_bytes) != 0 ||
	    fakeip_attach(block, block_bytes) != 0) {
		printf("Bail out! no block\n");
		exit(1);
	}
}

static long
assign4(const char *name)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	struct sockaddr_in sin;

	if (fakeip_assign(name, AF_INET, &ss, &len) != 0)
		return -1;
	memcpy(&sin, &ss, sizeof(sin));
	return (long)(ntohl(sin.sin_addr.s_addr) - BASE4);
}

static int
lookup4(uint32_t index, char *name)
{
	uint8_t a[4];
	uint32_t v = BASE4 + index;

	a[0] = (uint8_t)(v >> 24);
	a[1] = (uint8_t)(v >> 16);
	a[2] = (uint8_t)(v >> 8);
	a[3] = (uint8_t)v;
	return fakeip_lookup_raw(AF_INET, a, name, 256);
}

/*
 * Whether the block is whole: every used entry that names something is
 * found by its name at its own index, and the use order links every entry
 * not held exactly once, both ways.
 */
static int
block_sound(void)
{
	uint32_t seen = 0;
	uint32_t want = 0;
	uint32_t prev = 0;

	for (uint32_t i = 1; i < block->next_index; i++) {
		struct fakemap_entry *e = fakemap_entry(block, i);

		if (e->holds == 0)
			want++;
		if (e->len != 0 &&
		    fakemap_find(block, fakemap_name(block, i, e->len), e->len,
				 e->hash) != i)
			return 1;
	}
	for (uint32_t i = block->lru_head; i != 0; i = fakemap_entry(block, i)->next) {
		if (fakemap_entry(block, i)->prev != prev || ++seen > want)
			return 2;
		prev = i;
	}
	if (block->lru_tail != prev || seen != want)
		return 3;
	return 0;
}

static void
test_layout(void)
{
	struct fakemap_shape shape = { .capacity = 10, .prefix4 = 15, .prefix6 = 96 };
	size_t bytes = fakemap_bytes(10);
	void *mem = calloc(1, bytes);

	memcpy(shape.net4, NET4, 4);
	memcpy(shape.net6, NET6, 16);
	ok(bytes > 0, "a block for 10 entries has a size");
	is_int(fakemap_bytes(0), 0, "no block for no entries");
	is_int(fakemap_bytes(FAKEMAP_MAX_ENTRIES + 1), 0, "nor beyond the most");
	ok(fakemap_bytes(FAKEMAP_MAX_ENTRIES) < 48u * 1024 * 1024,
	   "the largest block stays under 48 MB of address space");
	is_int(fakemap_check(mem, bytes, &shape), -EPROTO, "zeros are no map");
	is_int(fakemap_format(mem, bytes - 1, &shape), -EINVAL, "a short block is refused");
	is_int(fakemap_format(mem, bytes, &shape), 0, "format");
	is_int(fakemap_check(mem, bytes, &shape), 0, "the map checks");
	shape.prefix4 = 16;
	is_int(fakemap_check(mem, bytes, &shape), -EPROTO, "another range does not");
	shape.prefix4 = 15;
	is_int(fakemap_check(mem, bytes + 4096, &shape), -EPROTO,
	       "nor another size");
	free(mem);
}

#define KIDS 8
#define POOL 400
#define OPS 3000

/* One child's work: assign and look up names of the pool at random. */
static int
kid_run(unsigned seed, bool churn)
{
	char name[64];
	char got[256];

	srand(seed);
	for (int op = 0; op < OPS; op++) {
		int which = rand() % POOL;
		long i;

		snprintf(name, sizeof(name), (op & 1) ? "Host%d.POOL.test" : "host%d.pool.test",
			 which);
		i = assign4(name);
		if (i <= 0)
			return churn ? 0 : 1;
		if (churn)
			continue;
		if (lookup4((uint32_t)i, got) != 0 || strcasecmp(got, name) != 0)
			return 2;
	}
	return 0;
}

/* KIDS processes on one block; 0 when each exited 0. */
static int
run_kids(bool churn)
{
	pid_t pids[KIDS];
	int bad = 0;

	fflush(stdout);
	for (int k = 0; k < KIDS; k++) {
		pids[k] = fork();
		if (pids[k] == 0) {
			alarm(30);
			_exit(kid_run((unsigned)k * 7919u + 1u, churn));
		}
	}
	for (int k = 0; k < KIDS; k++) {
		int status = -1;

		waitpid(pids[k], &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	return bad;
}

static void
test_processes(void)
{
	char name[64];
	char got[256];
	int mismatches = 0;
	uint8_t used[POOL + 1] = { 0 };

	fakeip_set_grace(0);
	fresh_block(0);
	is_int(run_kids(false), 0, "8 processes assign and look up 400 names at once");
	is_int(fakeip_count(), POOL, "each name got one address, whoever asked first");
	for (int n = 0; n < POOL; n++) {
		long i;

		snprintf(name, sizeof(name), "HOST%d.pool.TEST", n);
		i = assign4(name);
		if (i <= 0 || i > POOL || used[i]++ || lookup4((uint32_t)i, got) != 0 ||
		    strcasecmp(got, name) != 0)
			mismatches++;
	}
	is_int(mismatches, 0, "and the parent sees the same name behind each");
	is_int(block_sound(), 0, "the block is sound");

	fresh_block(64);
	is_int(run_kids(true), 0, "8 processes churn 400 names through 64 addresses");
	is_int(fakeip_count(), 64, "the map is full");
	is_int(block_sound(), 0, "and sound: every name at its index, one use order");
}

/* Fork a child that takes the lock, then kill it while it holds it. */
static void
kill_holding(void (*damage)(void))
{
	int pipefd[2];
	char c;
	pid_t pid;

	if (pipe(pipefd) != 0)
		return;
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		alarm(30);
		if (fakemap_lock(block) != 0)
			_exit(1);
		if (damage)
			damage();
		if (write(pipefd[1], "L", 1) != 1)
			_exit(2);
		pause();
		_exit(0);
	}
	close(pipefd[1]);
	if (read(pipefd[0], &c, 1) == 1)
		kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(pipefd[0]);
}

/* A rename of entry 2 cut short, and entry 3 half out of the index. */
static void
damage_rename(void)
{
	struct fakemap_entry *e = fakemap_entry(block, 2);

	fakemap_lru_unlink(block, 2);
	fakemap_index_del(block, 2);
	e->len = 0;
	memcpy(e->name, "new.exa", 7);
	fakemap_index_del(block, 3);
	block->lru_head = 0;
}

static void
test_killed_holder(void)
{
	char got[256];
	pid_t pid;
	int status = -1;

	fakeip_set_grace(0);
	fresh_block(8);
	assign4("a.test");
	assign4("b.test");
	assign4("c.test");
	kill_holding(NULL);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		alarm(10);
		_exit(assign4("d.test") == 4 ? 0 : 1);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "a process killed holding the lock wedges no other");
	is_int(block->repairs, 1, "the next taker repaired the block");
	is_int(lookup4(2, got), 0, "names survive");
	is_str(got, "b.test", ".2 still names b");
	is_int(block_sound(), 0, "the block is sound");

	kill_holding(damage_rename);
	is_int(lookup4(2, got), -ENOENT, "an entry killed half renamed names nothing");
	is_int(assign4("c.test"), 3, "a name taken half out of the index is found again");
	is_int(assign4("b.test") > 4, 1, "b, whose entry was lost, gets a new address");
	is_int(block->repairs, 2, "repaired again");
	is_int(block_sound(), 0, "the block is sound");
}

/* A name of len bytes: labels of "a".."z" joined by dots, ending "x.test". */
static void
long_name(char *buf, size_t len, char letter)
{
	size_t n = 0;

	while (n + 6 < len) {
		buf[n] = (n % 20 == 19) ? '.' : letter;
		n++;
	}
	if (buf[n - 1] == '.')
		buf[n - 1] = letter;
	memcpy(buf + n, "x.test", 6);
	buf[len] = '\0';
}

static void
test_long_names(void)
{
	char short_at_limit[FAKEMAP_INLINE_MAX + 1];
	char just_over[FAKEMAP_INLINE_MAX + 2];
	char longest[FAKENAME_MAX + 1];
	char got[256];

	is_int((int)sizeof(struct fakemap_entry), 64, "an entry is 64 bytes");
	long_name(short_at_limit, FAKEMAP_INLINE_MAX, 's');
	long_name(just_over, FAKEMAP_INLINE_MAX + 1, 'j');
	long_name(longest, FAKENAME_MAX, 'l');
	fakeip_set_grace(0);
	fresh_block(3);
	is_int(assign4(short_at_limit), 1, "a name of the inline limit gets an address");
	is_int(assign4(just_over), 2, "one byte longer too");
	is_int(assign4(longest), 3, "and the longest name DNS carries");
	ok(fakemap_name(block, 1, FAKEMAP_INLINE_MAX) == fakemap_entry(block, 1)->name,
	   "the short one is kept inside its entry");
	ok(fakemap_name(block, 2, FAKEMAP_INLINE_MAX + 1) != fakemap_entry(block, 2)->name,
	   "the longer one in the entry's long slot");
	is_int(lookup4(1, got), 0, "the short one is found by address");
	is_str(got, short_at_limit, "whole");
	is_int(lookup4(2, got), 0, "the long one too");
	is_str(got, just_over, "whole");
	is_int(lookup4(3, got), 0, "the longest too");
	is_str(got, longest, "whole");
	is_int(assign4(longest), 3, "a long name is found by name");
	/* The least recently used entry, 1, goes to a long name, then 2 to a short one. */
	is_int(assign4("c.test"), 1, "the full map reuses the oldest entry");
	is_int(assign4(short_at_limit), 2, "an entry that held a long name takes a short one");
	is_int(lookup4(2, got), 0, "and names it");
	is_str(got, short_at_limit, "whole");
	kill_holding(NULL);
	is_int(assign4(longest), 3, "after a repair a long name is still found by name");
	is_int(block->repairs, 1, "the block was repaired");
	is_int(block_sound(), 0, "and is sound");
}

static uint32_t clock_s = 1000;

static uint32_t
test_clock(void)
{
	return clock_s;
}

/*
 * Holds and the grace period across processes: an address the parent
 * holds is never reused by a child, and one a child just used is not
 * reused by the next name either.
 */
static void
test_rules_across_processes(void)
{
	struct sockaddr_in sin;
	uint32_t ticket = 0;
	char got[256];
	pid_t pid;
	int status = -1;

	fakeip_set_clock(test_clock);
	fakeip_set_grace(100);
	fresh_block(2);
	clock_s = 1000;
	assign4("a.test");
	assign4("b.test");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(BASE4 + 1);
	is_int(fakeip_hold((struct sockaddr *)&sin, sizeof(sin), &ticket), 0,
	       "the parent holds .1");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int code = 0;

		alarm(10);
		clock_s = 1200;
		if (assign4("c.test") != 2)
			code |= 1;
		if (assign4("d.test") != -1)
			code |= 2;
		_exit(code);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "a child reuses the idle .2, never the held .1, then finds none free");
	is_int(lookup4(1, got), 0, ".1 in the parent");
	is_str(got, "a.test", "still names a");
	is_int(lookup4(2, got), 0, ".2 in the parent");
	is_str(got, "c.test", "names the child's c");
	fakeip_release(ticket);
	fakeip_set_clock(NULL);
	fakeip_set_grace(FAKEIP_GRACE_S);
}

static int32_t dead_pid = 999999;

static bool
test_alive(int32_t pid)
{
	return pid != dead_pid;
}

static bool
none_alive(int32_t pid)
{
	(void)pid;
	return false;
}

static void
test_enrol(void)
{
	fresh_block(4);
	ok(!fakemap_in_use(block, test_alive), "a fresh block lists nobody");
	is_int(fakemap_enrol(block, 100, test_alive), 0, "enrol a process");
	is_int(fakemap_enrol(block, 100, test_alive), 0, "again: listed once");
	ok(fakemap_in_use(block, test_alive), "a living process keeps the block in use");
	ok(!fakemap_in_use(block, none_alive), "no longer once it has ended");
	for (int32_t pid = 1; pid < FAKEMAP_PIDS; pid++)
		fakemap_enrol(block, 1000 + pid, test_alive);
	is_int(fakemap_enrol(block, 5, test_alive), -ENOSPC,
	       "a full list of living processes takes no more");
	dead_pid = 1001;
	is_int(fakemap_enrol(block, 5, test_alive), 0,
	       "the slot of an ended process is taken over");
	dead_pid = 999999;
}

static int attach_calls;
static int attach_creates;

static int
fake_attacher(bool create)
{
	attach_calls++;
	attach_creates += create;
	return -EACCES;
}

static void
test_attacher(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char got[256];

	fakeip_set_ranges(NET4, 15, NET6, 96, 0);
	fakeip_set_attacher(fake_attacher);
	is_int(lookup4(1, got), -ENOENT, "no map: a fake address names nothing");
	is_int(attach_calls, 1, "the attacher was asked");
	is_int(attach_creates, 0, "not to make a map, for a lookup");
	is_int(fakeip_assign("a.test", AF_INET, &ss, &len), -EADDRNOTAVAIL,
	       "no map: no address for a name");
	is_int(attach_creates, 1, "an assign asks it to make one");
	fakeip_set_attacher(NULL);
	fresh_block(4);
	is_int(assign4("a.test"), 1, "with a block attached the map works");
}

int
main(void)
{
	test_layout();
	test_processes();
	test_killed_holder();
	test_long_names();
	test_rules_across_processes();
	test_enrol();
	test_attacher();
	return tap_done();
}

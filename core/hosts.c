/*
 * The hosts file reader and its cache.  The parser follows the C library's
 * own reader: a line is an address and names separated by blanks, '#'
 * starts a comment, a line whose address does not parse is skipped, and
 * names compare without regard to ASCII case.  Lookups by name are a
 * binary search over entries sorted once per parse, so a large blocking
 * list in /etc/hosts costs one sort per change of the file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atfork.h"
#include "hosts.h"
#include "log.h"

/* First size of the entry array. */
#define HOSTS_ENTRIES_MIN 32
/* Longest address text accepted (an IPv6 address is at most 45 bytes). */
#define HOSTS_ADDR_TEXT_MAX 63
#define HOSTS_NAME_MAX 255

/* What identifies one version of the file. */
struct hosts_key {
	bool present;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	struct timespec ctime;
};

/*
 * hosts_lock guards the cache below: the path it was read from, the key
 * of the version read, and the parsed table.  Held only while looking up
 * or swapping a table in, never while reading the file.
 */
#define HOSTS_RECHECK_MS 1000

static pthread_mutex_t hosts_lock = PTHREAD_MUTEX_INITIALIZER;
ATFORK_LOCK(hosts, hosts_lock)
static bool cache_loaded;
static char *cache_path;
static struct hosts_key cache_key;
static struct hosts_table cache_table;

static unsigned char
fold(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A' + 'a');
	return c;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Compare two names of the given lengths ignoring ASCII case. */
static int
name_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;

	for (size_t i = 0; i < n; i++) {
		unsigned char x = fold((unsigned char)a[i]);
		unsigned char y = fold((unsigned char)b[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return 0;
}

static int
entry_compare(const void *pa, const void *pb)
{
	const struct hosts_entry *a = pa;
	const struct hosts_entry *b = pb;
	int c = name_compare(a->name, a->name_len, b->name, b->name_len);

	if (c != 0)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return 0;
}

/* Parse an address field; false when the line is to be skipped. */
static bool
parse_address(const char *p, size_t len, struct hosts_addr *out)
{
	char text[HOSTS_ADDR_TEXT_MAX + 1];

	if (len == 0 || len > HOSTS_ADDR_TEXT_MAX)
		return false;
	memcpy(text, p, len);
	text[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, out->addr) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, text, out->addr) == 1) {
		out->family = AF_INET6;
		return true;
	}
	return false;
}

/* Append one entry, growing the array; -ENOMEM. */
static int
table_push(struct hosts_table *t, size_t *cap, const struct hosts_entry *e)
{
	if (t->count == *cap) {
		size_t want = *cap != 0 ? *cap * 2 : HOSTS_ENTRIES_MIN;
		struct hosts_entry *grown;

		grown = realloc(t->entries, want * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		t->entries = grown;
		*cap = want;
	}
	t->entries[t->count++] = *e;
	return 0;
}

/* Parse one line [p, end) numbered line into t. */
static int
parse_line(struct hosts_table *t, size_t *cap, const char *p, const char *end,
	   uint32_t line)
{
	struct hosts_entry e;
	const char *hash = memchr(p, '#', (size_t)(end - p));
	const char *tok;
	bool first = true;
	int rc;

	if (hash)
		end = hash;
	memset(&e, 0, sizeof(e));
	e.line = line;
	for (;;) {
		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			return 0;
		tok = p;
		while (p < end && !is_blank(*p))
			p++;
		if (first) {
			if (!parse_address(tok, (size_t)(p - tok), &e.addr))
				return 0;
			first = false;
			continue;
		}
		if ((size_t)(p - tok) > HOSTS_NAME_MAX)
			continue;
		e.name = tok;
		e.name_len = (uint16_t)(p - tok);
		if (!e.canon) {
			e.canon = tok;
			e.canon_len = e.name_len;
		}
		rc = table_push(t, cap, &e);
		if (rc < 0)
			return rc;
	}
}

int
hosts_parse(const char *text, size_t len, struct hosts_table *t)
{
	size_t cap = 0;
	uint32_t line = 0;
	const char *p, *end, *nl;
	int rc;

	memset(t, 0, sizeof(*t));
	t->text = malloc(len + 1);
	if (!t->text)
		return -ENOMEM;
	if (len > 0)
		memcpy(t->text, text, len);
	t->text[len] = '\0';
	p = t->text;
	end = t->text + len;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		line++;
		rc = parse_line(t, &cap, p, nl, line);
		if (rc < 0)
			goto err_free;
		p = nl < end ? nl + 1 : end;
	}
	if (t->count > 1)
		qsort(t->entries, t->count, sizeof(*t->entries), entry_compare);
	return 0;

err_free:
	hosts_free(t);
	return rc;
}

void
hosts_free(struct hosts_table *t)
{
	free(t->entries);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

static size_t
addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

size_t
hosts_find(const struct hosts_table *t, const char *name,
	   struct hosts_answer *out)
{
	size_t len, lo = 0, hi = t->count;
	uint32_t last_line = 0;

	memset(out, 0, sizeof(*out));
	if (!name)
		return 0;
	len = strnlen(name, HOSTS_NAME_MAX + 1);
	if (len == 0 || len > HOSTS_NAME_MAX)
		return 0;
	/* The first entry not below name. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hosts_entry *e = &t->entries[mid];

		if (name_compare(e->name, e->name_len, name, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < t->count; i++) {
		const struct hosts_entry *e = &t->entries[i];

		if (name_compare(e->name, e->name_len, name, len) != 0)
			break;
		if (out->count == 0) {
			memcpy(out->canon, e->canon, e->canon_len);
			out->canon[e->canon_len] = '\0';
		}
		/* A name written twice on one line counts once. */
		if (e->line == last_line)
			continue;
		last_line = e->line;
		if (out->count == HOSTS_ADDR_MAX)
			break;
		out->addr[out->count++] = e->addr;
	}
	return out->count;
}

int
hosts_find_addr(const struct hosts_table *t, int family, const uint8_t *addr,
		char *name, size_t cap)
{
	const struct hosts_entry *best = NULL;

	if (family != AF_INET && family != AF_INET6)
		return -ENOENT;
	for (size_t i = 0; i < t->count; i++) {
		const struct hosts_entry *e = &t->entries[i];

		if (e->addr.family != family ||
		    memcmp(e->addr.addr, addr, addr_len(family)) != 0)
			continue;
		if (!best || e->line < best->line)
			best = e;
	}
	if (!best)
		return -ENOENT;
	if (cap <= best->canon_len)
		return -ENOSPC;
	memcpy(name, best->canon, best->canon_len);
	name[best->canon_len] = '\0';
	return 0;
}

static void
key_from_stat(struct hosts_key *k, const struct stat *st)
{
	memset(k, 0, sizeof(*k));
	k->present = true;
	k->dev = st->st_dev;
	k->ino = st->st_ino;
	k->size = st->st_size;
	k->mtime = st->st_mtim;
	k->ctime = st->st_ctim;
}

static bool
key_equal(const struct hosts_key *a, const struct hosts_key *b)
{
	if (a->present != b->present)
		return false;
	if (!a->present)
		return true;
	return a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
	       a->mtime.tv_sec == b->mtime.tv_sec &&
	       a->mtime.tv_nsec == b->mtime.tv_nsec &&
	       a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

/*
 * Read and parse the file at path into t, recording in key the version
 * read.  A file that cannot be read gives an empty table.  -ENOMEM.
 */
static int
load_file(const char *path, const struct sx_sys *sys, struct hosts_table *t,
	  struct hosts_key *key)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	memset(key, 0, sizeof(*key));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hosts_parse("", 0, t);
	if (fstat(fd, &st) < 0)
		goto out_close;
	key_from_stat(key, &st);
	if (!S_ISREG(st.st_mode))
		goto out_close;
	if ((uintmax_t)st.st_size > HOSTS_FILE_MAX) {
		log_warn("%s is larger than %u bytes; its names are not used",
			 path, HOSTS_FILE_MAX);
		goto out_close;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		sys->close(fd);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + len, (size_t)st.st_size - len,
				  (off_t)len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
out_close:
	sys->close(fd);
	rc = hosts_parse(buf ? buf : "", len, t);
	free(buf);
	return rc;
}

/*
 * When the system's file was last checked (CLOCK_MONOTONIC_COARSE, ms):
 * it is looked at again at most once a second, so that a burst of lookups
 * does not cost a stat() each.  A path given by the caller is checked on
 * every lookup.
 */
static _Atomic int64_t hosts_checked_ms = INT64_MIN / 2;

static int64_t
hosts_checked_get(void)
{
	return atomic_load_explicit(&hosts_checked_ms, memory_order_acquire);
}

static void
hosts_checked_set(int64_t ms)
{
	atomic_store_explicit(&hosts_checked_ms, ms, memory_order_release);
}

static int64_t
hosts_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Bring the cache up to date with the file at path. */
static void
refresh(const char *path, const struct sx_sys *sys, bool system_file)
{
	struct hosts_table fresh, old;
	struct hosts_key now, read_key;
	struct stat st;
	char *path_copy;
	int64_t t = 0;
	bool same;

	if (system_file) {
		t = hosts_now_ms();
		if (t - hosts_checked_get() < HOSTS_RECHECK_MS)
			return;
	}
	memset(&now, 0, sizeof(now));
	if (stat(path, &st) == 0)
		key_from_stat(&now, &st);
	pthread_mutex_lock(&hosts_lock);
	same = cache_loaded && strcmp(cache_path, path) == 0 &&
	       key_equal(&cache_key, &now);
	pthread_mutex_unlock(&hosts_lock);
	if (same)
		goto out_checked;

	path_copy = strdup(path);
	if (!path_copy)
		return;
	if (load_file(path, sys, &fresh, &read_key) < 0) {
		free(path_copy);
		return;
	}
	pthread_mutex_lock(&hosts_lock);
	old = cache_table;
	cache_table = fresh;
	free(cache_path);
	cache_path = path_copy;
	cache_key = read_key;
	cache_loaded = true;
	pthread_mutex_unlock(&hosts_lock);
	hosts_free(&old);
out_checked:
	/*
	 * Only a cache that holds the system's file, up to date, spares the
	 * next lookups the check.
	 */
	hosts_checked_set(system_file ? t : INT64_MIN / 2);
}

size_t
hosts_lookup_name(const char *path, const struct sx_sys *sys, const char *name,
		  struct hosts_answer *out)
{
	size_t n;

	refresh(path ? path : HOSTS_PATH, sys, !path);
	pthread_mutex_lock(&hosts_lock);
	n = hosts_find(&cache_table, name, out);
	pthread_mutex_unlock(&hosts_lock);
	return n;
}

int
hosts_lookup_addr(const char *path, const struct sx_sys *sys, int family,
		  const uint8_t *addr, char *name, size_t cap)
{
	int rc;

	refresh(path ? path : HOSTS_PATH, sys, !path);
	pthread_mutex_lock(&hosts_lock);
	rc = hosts_find_addr(&cache_table, family, addr, name, cap);
	pthread_mutex_unlock(&hosts_lock);
	return rc;
}

void
hosts_reset(void)
{
	pthread_mutex_lock(&hosts_lock);
	hosts_free(&cache_table);
	free(cache_path);
	cache_path = NULL;
	memset(&cache_key, 0, sizeof(cache_key));
	cache_loaded = false;
	hosts_checked_set(INT64_MIN / 2);
	pthread_mutex_unlock(&hosts_lock);
}

void
hosts_atfork_prepare(void)
{
	pthread_mutex_lock(&hosts_lock);
}

void
hosts_atfork_parent(void)
{
	pthread_mutex_unlock(&hosts_lock);
}

void
hosts_atfork_child(void)
{
	pthread_mutex_unlock(&hosts_lock);
}

/*
 * The hosts file's cache: one parsed copy of the file (hoststab.c), read
 * again when the file's identity, size or times change, and the lookups by
 * name and by address through it.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdatomic.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atfork.h"
#include "hosts.h"
#include "hoststab.h"
#include "log.h"

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
static struct hoststab cache_table;

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
load_file(const char *path, const struct sx_sys *sys, struct hoststab *t,
	  struct hosts_key *key)
{
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, rc;

	memset(key, 0, sizeof(*key));
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return hoststab_parse("", 0, t);
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
	rc = hoststab_parse(buf ? buf : "", len, t);
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
	struct hoststab fresh, old;
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
	hoststab_free(&old);
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
	n = hoststab_find(&cache_table, name, out);
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
	rc = hoststab_find_addr(&cache_table, family, addr, name, cap);
	pthread_mutex_unlock(&hosts_lock);
	return rc;
}

void
hosts_reset(void)
{
	pthread_mutex_lock(&hosts_lock);
	hoststab_free(&cache_table);
	free(cache_path);
	cache_path = NULL;
	memset(&cache_key, 0, sizeof(cache_key));
	cache_loaded = false;
	hosts_checked_set(INT64_MIN / 2);
	pthread_mutex_unlock(&hosts_lock);
}

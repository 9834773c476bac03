/*
 * Pipelining by default, and the proxies that drop a pipelined request.
 *
 * The verdicts live in one in-process set (core/pipestate.h), guarded by
 * pipefile_lock, which is never held across I/O.  The first connect that
 * would pipeline reads the user's state file into it; a proxy found to drop
 * pipelined requests is added to the set and to the file, and so is one
 * that answered a pipelined request (its later connections are pipelined
 * without the probe, so that a slow destination is never taken for a
 * dropped request).  The file is
 * written whole under a temporary name and renamed over the old one, so a
 * reader sees the old file or the new one, never half of one; two
 * processes writing at once may lose one verdict, which costs one more
 * detection later and nothing else.
 *
 * The file is the real user's own: nothing is read or written when the
 * program was started with another user's or group's rights (setuid,
 * setgid, file capabilities) or runs with another user's now, nor in a
 * runtime directory that is not the user's; nothing is read from a file
 * that is someone else's or that others may write, nor written into a
 * directory of ours that is not the user's alone.  Then the set is this process's alone, and nothing is
 * said.  Reading costs the first connect that pipelines two calls when
 * there is no runtime directory (the user's ids, its stat), and nothing
 * later; a verdict is written once per proxy while it holds.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atfork.h"
#include "chain.h"
#include "config.h"
#include "log.h"
#include "pipefile.h"
#include "pipestate.h"
#include "preload.h"
#include "proxykind.h"

/* Room for the path of the file or of its temporary twin. */
#define PIPEFILE_PATH_MAX 512

/* Guards pipefile_known and pipefile_loaded. */
static pthread_mutex_t pipefile_lock = PTHREAD_MUTEX_INITIALIZER;
ATFORK_LOCK(pipefile, pipefile_lock);
static struct pipestate pipefile_known;
/* Set once the state file was read (also read without the lock). */
static bool pipefile_loaded;
/*
 * The state file's directory ("" when none may be used) and the user's id,
 * set with pipefile_loaded and never changed after: read without the lock
 * once pipefile_loaded is seen set.
 */
static char pipefile_where[PIPEFILE_PATH_MAX];
static uid_t pipefile_uid;

/*
 * The key of each proxy address asked about, made once: a connect asks for
 * its proxy's verdict and then records what it saw, and the text of the
 * address need not be made twice a connect.  Guarded by pipefile_lock.
 */
#define PIPEFILE_KEYS (2 * CONFIG_MAX_HOPS)
static struct pipefile_key {
	struct sockaddr_storage addr;
	socklen_t addrlen;
	bool ok;
	char key[PIPESTATE_KEY_LEN];
} pipefile_keys[PIPEFILE_KEYS];
static size_t pipefile_nkeys;

/*
 * The key of p's address (lock held): the cached one, or one made into
 * buf when the cache is full; NULL when the address makes none.
 */
static const char *
pipefile_key_of(const struct config_proxy *p, char *buf, size_t cap)
{
	struct pipefile_key *k;
	socklen_t len = p->addrlen;

	if (len > sizeof(p->addr))
		return NULL;
	for (size_t i = 0; i < pipefile_nkeys; i++) {
		k = &pipefile_keys[i];
		if (k->addrlen == len && memcmp(&k->addr, &p->addr, len) == 0)
			return k->ok ? k->key : NULL;
	}
	if (pipefile_nkeys == PIPEFILE_KEYS)
		return pipestate_key((const struct sockaddr *)&p->addr, len, buf, cap) == 0 ?
		       buf : NULL;
	k = &pipefile_keys[pipefile_nkeys++];
	memcpy(&k->addr, &p->addr, len);
	k->addrlen = len;
	k->ok = pipestate_key((const struct sockaddr *)&p->addr, len, k->key,
			      sizeof(k->key)) == 0;
	return k->ok ? k->key : NULL;
}

static int64_t
pipefile_now(void)
{
	return (int64_t)time(NULL);
}

/*
 * The directory of the state file, $XDG_RUNTIME_DIR/socksify or
 * /run/user/UID/socksify, into dir (cap bytes), and the user's id into
 * *uid.  False when no file may be used: another user's rights, no
 * runtime directory of the user's, or a path too long.
 */
static bool
pipefile_dir(char *dir, size_t cap, uid_t *uid)
{
	char base[PIPEFILE_PATH_MAX];
	struct stat st;
	uid_t euid, suid;
	int n;

	/* AT_SECURE: started setuid, setgid or with file capabilities. */
	if (getauxval(AT_SECURE) || getresuid(uid, &euid, &suid) != 0 ||
	    *uid != euid ||
	    pipestate_runtime_dir(secure_getenv("XDG_RUNTIME_DIR"), *uid, base,
				  sizeof(base)) < 0)
		return false;
	if (stat(base, &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != *uid)
		return false;
	n = snprintf(dir, cap, "%s/" PIPESTATE_DIR, base);
	return n > 0 && (size_t)n < cap;
}

/* True when st is uid's own and closed to everyone else's writes. */
static bool
pipefile_owned(const struct stat *st, uid_t uid)
{
	return st->st_uid == uid && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

/*
 * Read the state file at path into text (cap bytes); the length read, 0
 * when there is none or it is not uid's to trust.  A read shorter than
 * asked is the end of the file.
 */
static size_t
pipefile_read(const char *path, uid_t uid, char *text, size_t cap)
{
	struct stat st;
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);

	if (fd < 0)
		return 0;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !pipefile_owned(&st, uid))
		goto out_close;
	while (len < cap) {
		ssize_t n = real.read(fd, text + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if ((size_t)n < cap - (len - (size_t)n))
			break;
	}
out_close:
	real.close(fd);
	return len;
}

/* Read the state file into the set, once per process. */
static void
pipefile_load(void)
{
	char dir[PIPEFILE_PATH_MAX], path[PIPEFILE_PATH_MAX];
	char text[PIPESTATE_TEXT_MAX];
	size_t len = 0;
	uid_t uid = 0;
	bool usable;

	usable = pipefile_dir(dir, sizeof(dir), &uid) &&
		 (size_t)snprintf(path, sizeof(path), "%s/" PIPESTATE_NAME, dir) < sizeof(path);
	if (usable)
		len = pipefile_read(path, uid, text, sizeof(text));
	pthread_mutex_lock(&pipefile_lock);
	if (!pipefile_loaded) {
		pipestate_parse(&pipefile_known, text, len, pipefile_now());
		if (usable)
			memcpy(pipefile_where, dir, sizeof(pipefile_where));
		pipefile_uid = uid;
		__atomic_store_n(&pipefile_loaded, true, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&pipefile_lock);
}

/*
 * Add key's verdict to the state file: read it, set the verdict, write it
 * whole to a temporary file (mode 0600) and rename that over it.  The
 * directory is made (mode 0700) when missing.  Failures only mean that the
 * verdict stays in this process.
 */
static void
pipefile_write(const char *key, int verdict, int64_t now)
{
	const char *dir = pipefile_where;
	char path[PIPEFILE_PATH_MAX], tmp[PIPEFILE_PATH_MAX];
	char text[PIPESTATE_TEXT_MAX];
	struct pipestate st;
	struct stat ds;
	ssize_t len, off = 0;
	uid_t uid = pipefile_uid;
	int fd;

	if (dir[0] == '\0')
		return;
	if (mkdir(dir, 0700) != 0 && errno != EEXIST)
		return;
	if (lstat(dir, &ds) != 0 || !S_ISDIR(ds.st_mode) || ds.st_uid != uid ||
	    (ds.st_mode & (S_IRWXG | S_IRWXO)))
		return;
	if ((size_t)snprintf(path, sizeof(path), "%s/" PIPESTATE_NAME, dir) >= sizeof(path) ||
	    (size_t)snprintf(tmp, sizeof(tmp), "%s/." PIPESTATE_NAME ".%ld", dir,
			     (long)getpid()) >= sizeof(tmp))
		return;
	pipestate_clear(&st);
	pipestate_parse(&st, text, pipefile_read(path, uid, text, sizeof(text)), now);
	if (pipestate_set(&st, key, verdict, now) < 0)
		return;
	len = pipestate_format(&st, now, text, sizeof(text));
	if (len < 0)
		return;
	/* One left by an earlier process with this process id. */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return;
	if (fchmod(fd, 0600) != 0)
		goto err_close;
	while (off < len) {
		ssize_t n = real.write(fd, text + off, (size_t)(len - off));

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			goto err_close;
		off += n;
	}
	if (real.close(fd) != 0 || rename(tmp, path) != 0)
		goto err_unlink;
	return;
err_close:
	real.close(fd);
err_unlink:
	unlink(tmp);
}

bool
pipefile_pipelines(const struct config_proxy *p, int mode, bool *probe)
{
	char key[PIPESTATE_KEY_LEN];
	const char *k;
	int verdict;

	*probe = false;
	if (mode != CONFIG_PIPELINE_AUTO)
		return mode == CONFIG_PIPELINE_ON;
	/* A kind that cannot pipeline has nothing to learn. */
	if (!proxykind_of(p)->pipelines)
		return false;
	if (!__atomic_load_n(&pipefile_loaded, __ATOMIC_ACQUIRE))
		pipefile_load();
	pthread_mutex_lock(&pipefile_lock);
	k = pipefile_key_of(p, key, sizeof(key));
	verdict = k ? pipestate_get(&pipefile_known, k, pipefile_now()) : PIPESTATE_UNKNOWN;
	pthread_mutex_unlock(&pipefile_lock);
	if (verdict == PIPESTATE_DROPS)
		return false;
	if (verdict == PIPESTATE_TAKES)
		return true;
	*probe = true;
	return true;
}

/* Remember what hop p of a handshake showed: verdict PIPESTATE_*. */
static void
pipefile_learn_hop(const struct config_proxy *p, int verdict)
{
	char key[PIPESTATE_KEY_LEN], label[300];
	const char *k;
	int64_t now;
	bool known;

	now = pipefile_now();
	pthread_mutex_lock(&pipefile_lock);
	k = pipefile_key_of(p, key, sizeof(key));
	if (!k) {
		pthread_mutex_unlock(&pipefile_lock);
		return;
	}
	known = pipestate_get(&pipefile_known, k, now) == verdict;
	pipestate_set(&pipefile_known, k, verdict, now);
	if (k != key)
		memcpy(key, k, sizeof(key));
	pthread_mutex_unlock(&pipefile_lock);
	if (known)
		return;
	chain_hop_label(p, label, sizeof(label));
	if (verdict == PIPESTATE_DROPS)
		log_info("proxy %s answered a pipelined greeting but dropped the "
			 "request; lock-step handshakes with it from now on "
			 "(remembered for a day; SOCKSIFY_PIPELINE=0 or 1 decides "
			 "instead)", label);
	pipefile_write(key, verdict, now);
}

void
pipefile_learn(const struct handshake *hs)
{
	/* Each hop of a chain is judged apart: the one that dropped, those that took. */
	for (size_t i = 0; i < hs->hop_count; i++) {
		if (hs->drops && i == hs->lockstep_pos)
			pipefile_learn_hop(hs->hops[i], PIPESTATE_DROPS);
		else if (hs->took_hops & (1u << i))
			pipefile_learn_hop(hs->hops[i], PIPESTATE_TAKES);
	}
}

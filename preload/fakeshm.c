/*
 * The session's map file: the id, the file's name, making it (laid out
 * under a temporary name, then linked to its own so that nobody opens a
 * half-made map) and mapping it.  Called by core/fakeip.c through its
 * attacher, one thread at a time, with the re-entrancy guard held by the
 * hook that needed the map.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fakeip.h"
#include "fakemap.h"
#include "fakeshm.h"
#include "log.h"
#include "preload.h"

#define FAKESHM_DIR "/dev/shm"
#define FAKESHM_ID_BYTES 16
#define FAKESHM_ID_LEN (2 * FAKESHM_ID_BYTES)
/*
 * The 32-bit and the 64-bit processes of a session each share a map of
 * their own kind (core/fakemap.h says why): "socksify-<id>" for 64-bit
 * ones, "socksify-<id>-32" for 32-bit ones.  A fake address handed from
 * one kind to the other names something else, or nothing, there.
 */
#if UINTPTR_MAX > 0xffffffffu
#define FAKESHM_KIND ""
#else
#define FAKESHM_KIND "-32"
#endif
#define FAKESHM_KIND_LEN (sizeof(FAKESHM_KIND) - 1)

static char fakeshm_path[sizeof(FAKESHM_DIR) + 16 + FAKESHM_ID_LEN + FAKESHM_KIND_LEN];
/* The session's map, once mapped. */
static struct fakemap *fakeshm_map;
/* The process that started the session. */
static int32_t fakeshm_leader;
/* Set once the one line about a map this process cannot use is written. */
static bool fakeshm_said;

/* True for FAKESHM_ID_LEN lower-case hex digits. */
static bool
fakeshm_id_valid(const char *id)
{
	size_t n = 0;

	if (!id)
		return false;
	for (; id[n] != '\0'; n++) {
		if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
			return false;
	}
	return n == FAKESHM_ID_LEN;
}

/* True for "socksify-<id>" followed by exactly this kind's FAKESHM_KIND. */
static bool
fakeshm_is_map_name(const char *name)
{
	char id[FAKESHM_ID_LEN + 1];

	if (strncmp(name, "socksify-", 9) != 0 ||
	    strnlen(name + 9, FAKESHM_ID_LEN) < FAKESHM_ID_LEN ||
	    strcmp(name + 9 + FAKESHM_ID_LEN, FAKESHM_KIND) != 0)
		return false;
	memcpy(id, name + 9, FAKESHM_ID_LEN);
	id[FAKESHM_ID_LEN] = '\0';
	return fakeshm_id_valid(id);
}

/*
 * Parse a session, "<id>-<pid>" (the id, then the process that started
 * the session): the id into id (FAKESHM_ID_LEN + 1 bytes) and the pid
 * into *leader.  False when malformed.
 */
static bool
fakeshm_parse(const char *env, char *id, int32_t *leader)
{
	long pid = 0;
	const char *p;

	if (!env || strlen(env) < FAKESHM_ID_LEN + 2 || env[FAKESHM_ID_LEN] != '-')
		return false;
	memcpy(id, env, FAKESHM_ID_LEN);
	id[FAKESHM_ID_LEN] = '\0';
	if (!fakeshm_id_valid(id))
		return false;
	for (p = env + FAKESHM_ID_LEN + 1; *p >= '0' && *p <= '9' && pid < INT32_MAX; p++)
		pid = pid * 10 + (*p - '0');
	if (*p != '\0' || pid <= 0 || pid > INT32_MAX)
		return false;
	*leader = (int32_t)pid;
	return true;
}

/* A fresh random id into id (FAKESHM_ID_LEN + 1 bytes); 0 or -errno. */
static int
fakeshm_new_id(char *id)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char raw[FAKESHM_ID_BYTES];
	ssize_t got = getrandom(raw, sizeof(raw), 0);

	if (got != (ssize_t)sizeof(raw))
		return got < 0 ? -errno : -EIO;
	for (size_t i = 0; i < sizeof(raw); i++) {
		id[2 * i] = hex[raw[i] >> 4];
		id[2 * i + 1] = hex[raw[i] & 15];
	}
	id[FAKESHM_ID_LEN] = '\0';
	return 0;
}

/* Say once why this process has no map: its lookups fail closed. */
static void
fakeshm_refuse(const char *what, int err)
{
	if (fakeshm_said)
		return;
	fakeshm_said = true;
	log_error("%s %s: %s; remote DNS fails in this process (names get no "
		  "fake address, fake addresses are refused)", what,
		  fakeshm_path, strerror(err));
}

/* Whether process pid lives (a pid reused since only keeps a map longer). */
static bool
fakeshm_alive(int32_t pid)
{
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/*
 * List this process, and the one that started the session, in the map
 * it uses: no sweep removes a map while one of them lives.
 */
static void
fakeshm_enrol_in(struct fakemap *m)
{
	int saved_errno = errno;

	fakemap_enrol(m, (int32_t)getpid(), fakeshm_alive);
	if (fakeshm_leader != 0 && fakeshm_alive(fakeshm_leader))
		fakemap_enrol(m, fakeshm_leader, fakeshm_alive);
	errno = saved_errno;
}

/* The same in a forked child (pthread_atfork()). */
static void
fakeshm_enrol(void)
{
	if (fakeshm_map)
		fakeshm_enrol_in(fakeshm_map);
}

/* Map the map file fd and use it; 0 or -errno (fd stays open). */
static int
fakeshm_map_fd(int fd, size_t bytes)
{
	struct stat st;
	void *mem;
	int rc;

	if (fstat(fd, &st) != 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || (size_t)st.st_size != bytes)
		return -EPROTO;
	mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		return -errno;
	rc = fakeip_attach(mem, bytes);
	if (rc < 0) {
		munmap(mem, bytes);
		return rc;
	}
	fakeshm_map = mem;
	fakeshm_enrol_in(mem);
	return 0;
}

/* Open and use the session's existing map file; 0 or -errno. */
static int
fakeshm_open(size_t bytes)
{
	int fd = open(fakeshm_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	int rc;

	if (fd < 0)
		return -errno;
	rc = fakeshm_map_fd(fd, bytes);
	real.close(fd);
	return rc;
}

/*
 * Whether the map file fd is a session map that no living process lists
 * (all the processes of its session have ended).
 */
static bool
fakeshm_is_ended(int fd)
{
	size_t bytes = sizeof(struct fakemap);
	struct stat st;
	void *mem;
	bool ended;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (size_t)st.st_size < bytes)
		return false;
	mem = mmap(NULL, bytes, PROT_READ, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED)
		return false;
	ended = ((const struct fakemap *)mem)->magic == FAKEMAP_MAGIC &&
		!fakemap_in_use(mem, fakeshm_alive);
	munmap(mem, bytes);
	return ended;
}

/*
 * The pid in the name of a map of this kind being made
 * ("socksify-<id><kind>.<pid>.new"), 0 for any other name.
 */
static int32_t
fakeshm_maker(const char *name)
{
	char id[FAKESHM_ID_LEN + 1];
	const char *p = name + 9 + FAKESHM_ID_LEN + FAKESHM_KIND_LEN;
	long pid = 0;

	if (strncmp(name, "socksify-", 9) != 0 ||
	    strnlen(name, 9 + FAKESHM_ID_LEN + FAKESHM_KIND_LEN + 1) <
		    9 + FAKESHM_ID_LEN + FAKESHM_KIND_LEN + 1 ||
	    strncmp(name + 9 + FAKESHM_ID_LEN, FAKESHM_KIND, FAKESHM_KIND_LEN) != 0 ||
	    *p != '.')
		return 0;
	memcpy(id, name + 9, FAKESHM_ID_LEN);
	id[FAKESHM_ID_LEN] = '\0';
	if (!fakeshm_id_valid(id))
		return 0;
	for (p++; *p >= '0' && *p <= '9' && pid < INT32_MAX; p++)
		pid = pid * 10 + (*p - '0');
	if (strcmp(p, ".new") != 0 || pid <= 0 || pid > INT32_MAX)
		return 0;
	return (int32_t)pid;
}

/*
 * Remove the map files of this user's sessions that have ended, and the
 * half-made ones of processes that died making them.
 */
static void
fakeshm_sweep(void)
{
	struct dirent *d;
	struct stat st;
	DIR *dir = opendir(FAKESHM_DIR);

	if (!dir)
		return;
	while ((d = readdir(dir)) != NULL) {
		int32_t maker = fakeshm_maker(d->d_name);
		int fd;

		if (maker != 0) {
			if (!fakeshm_alive(maker) &&
			    fstatat(dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISREG(st.st_mode) && st.st_uid == geteuid())
				unlinkat(dirfd(dir), d->d_name, 0);
			continue;
		}
		if (!fakeshm_is_map_name(d->d_name))
			continue;
		fd = openat(dirfd(dir), d->d_name,
			    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (fakeshm_is_ended(fd)) {
			unlinkat(dirfd(dir), d->d_name, 0);
			log_debug("removed the map of an ended session: %s/%s",
				  FAKESHM_DIR, d->d_name);
		}
		real.close(fd);
	}
	closedir(dir);
}

/*
 * Make the session's map file: lay it out under a name of this process,
 * list this process in it, then link it to the session's name.  0 (in
 * use), -EEXIST when another process made it first, or -errno.
 */
static int
fakeshm_create(size_t bytes)
{
	char tmp[sizeof(fakeshm_path) + 24];
	void *mem;
	int fd;
	int rc;

	fakeshm_sweep();
	snprintf(tmp, sizeof(tmp), "%s.%ld.new", fakeshm_path, (long)getpid());
	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)bytes) != 0) {
		rc = -errno;
		goto err_unlink;
	}
	mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (mem == MAP_FAILED) {
		rc = -errno;
		goto err_unlink;
	}
	rc = fakeip_format(mem, bytes);
	if (rc == 0)
		fakeshm_enrol_in(mem);
	if (rc == 0 && link(tmp, fakeshm_path) != 0)
		rc = -errno;
	if (rc == 0)
		rc = fakeip_attach(mem, bytes);
	if (rc < 0)
		goto err_unmap;
	fakeshm_map = mem;
	unlink(tmp);
	real.close(fd);
	return 0;

err_unmap:
	munmap(mem, bytes);
err_unlink:
	unlink(tmp);
	real.close(fd);
	return rc;
}

/*
 * No file can be made for the session (no /dev/shm, a read-only one): this
 * process keeps a map of its own, shared with the children it forks, as
 * the others of the session will; a fake address handed to another of
 * them names nothing there (it is refused).  0 or -errno.
 */
static int
fakeshm_private(size_t bytes, int err)
{
	void *mem;
	int rc;

	log_warn("cannot make the fake-address map %s: %s; names looked up here "
		 "are known to this process and its forked children only",
		 fakeshm_path, strerror(err));
	mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		   -1, 0);
	if (mem == MAP_FAILED)
		return -errno;
	rc = fakeip_format(mem, bytes);
	if (rc == 0)
		rc = fakeip_attach(mem, bytes);
	if (rc < 0)
		munmap(mem, bytes);
	return rc;
}

/* The attacher (core/fakeip.h). */
static int
fakeshm_attach(bool create)
{
	size_t bytes = fakeip_bytes();
	int rc;

	rc = fakeshm_open(bytes);
	if (rc == -ENOENT && create) {
		rc = fakeshm_create(bytes);
		if (rc == -EEXIST)
			rc = fakeshm_open(bytes);
		else if (rc < 0)
			return fakeshm_private(bytes, -rc);
	}
	if (rc == -EPROTO)
		fakeshm_refuse("the fake-address map is not one for this "
			       "process's SOCKSIFY_FAKE_NET/_NET6",
			       EPROTO);
	else if (rc < 0 && rc != -ENOENT)
		fakeshm_refuse("cannot open the fake-address map", -rc);
	else if (rc == 0)
		log_debug("fake-address map %s", fakeshm_path);
	return rc;
}

/*
 * The session this process belongs to, decided once (fakeshm_session()):
 * its id, or why there is none (-errno, or FAKESHM_SESSION_UNSET while
 * undecided), and whether the environment held something else.
 */
#define FAKESHM_SESSION_UNSET 1
static char fakeshm_id[FAKESHM_ID_LEN + 1];
static int fakeshm_session_rc = FAKESHM_SESSION_UNSET;
static bool fakeshm_env_bad;
static bool fakeshm_setenv_failed;

/*
 * Where the session goes into the environment without an allocation: a
 * plain start with the library in LD_PRELOAD (no launcher) would otherwise
 * pay for setenv()'s malloc(), the first of the process, at every start.
 * The entry and, when the variable is new, a copy of the pointer array
 * with the entry at its end live here; environ then points at the copy.
 * The C library's setenv(), putenv() and unsetenv() work on it as on any
 * array they did not allocate: they change it in place or copy it into one
 * of their own.  An environment too long for the copy takes setenv().
 */
#define FAKESHM_ENV_SLOTS 256
static char fakeshm_env_entry[sizeof(FAKESHM_ENV) + FAKESHM_ID_LEN + 16];
static char *fakeshm_env_array[FAKESHM_ENV_SLOTS];

/* Put FAKESHM_ENV=value into the environment: 0, or -ENOMEM. */
static int
fakeshm_env_put(const char *value)
{
	static const char name[] = FAKESHM_ENV "=";
	size_t n = 0;

	snprintf(fakeshm_env_entry, sizeof(fakeshm_env_entry), "%s%s", name, value);
	for (; environ && environ[n]; n++) {
		if (strncmp(environ[n], name, sizeof(name) - 1) == 0) {
			environ[n] = fakeshm_env_entry;
			return 0;
		}
	}
	if (n + 2 > FAKESHM_ENV_SLOTS)
		return setenv(FAKESHM_ENV, value, 1) == 0 ? 0 : -ENOMEM;
	if (n > 0)
		memcpy(fakeshm_env_array, environ, n * sizeof(*environ));
	fakeshm_env_array[n] = fakeshm_env_entry;
	fakeshm_env_array[n + 1] = NULL;
	environ = fakeshm_env_array;
	return 0;
}

void
fakeshm_session(void)
{
	const char *env;
	char value[FAKESHM_ID_LEN + 16];
	int rc;

	if (fakeshm_session_rc != FAKESHM_SESSION_UNSET)
		return;
	env = getenv(FAKESHM_ENV);
	if (fakeshm_parse(env, fakeshm_id, &fakeshm_leader)) {
		fakeshm_session_rc = 0;
		return;
	}
	fakeshm_env_bad = env != NULL;
	rc = fakeshm_new_id(fakeshm_id);
	if (rc == 0) {
		fakeshm_leader = (int32_t)getpid();
		snprintf(value, sizeof(value), "%s-%ld", fakeshm_id,
			 (long)fakeshm_leader);
		if (fakeshm_env_put(value) < 0) {
			fakeshm_setenv_failed = true;
			rc = -ENOMEM;
		}
	}
	fakeshm_session_rc = rc;
}

int
fakeshm_init(void)
{
	fakeshm_session();
	if (fakeshm_env_bad)
		log_warn("%s: not a session; starting a new session", FAKESHM_ENV);
	if (fakeshm_setenv_failed) {
		log_error("cannot set %s; remote DNS keeps a map of this "
			  "process and its forked children", FAKESHM_ENV);
		return -ENOMEM;
	}
	if (fakeshm_session_rc < 0) {
		log_error("no random session id (%s); remote DNS keeps "
			  "a map of this process and its forked children",
			  strerror(-fakeshm_session_rc));
		return fakeshm_session_rc;
	}
	snprintf(fakeshm_path, sizeof(fakeshm_path), "%s/socksify-%s%s",
		 FAKESHM_DIR, fakeshm_id, FAKESHM_KIND);
	fakeip_set_attacher(fakeshm_attach);
	pthread_atfork(NULL, NULL, fakeshm_enrol);
	return 0;
}

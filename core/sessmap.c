/*
 * The session's map file (sessmap.h): the id, the file's name, making it
 * (laid out under a temporary name, then linked to its own so that nobody
 * opens a half-made map) and mapping it.  Called by core/fakeip.c through
 * its attacher, one thread at a time (in the library, with the
 * re-entrancy guard held by the hook that needed the map).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
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
#include "log.h"
#include "sessmap.h"

#define SESSMAP_DIR "/dev/shm"
/*
 * The 32-bit and the 64-bit processes of a session each share a map of
 * their own kind (core/fakemap.h says why): "socksify-<id>" for 64-bit
 * ones, "socksify-<id>-32" for 32-bit ones.  A fake address handed from
 * one kind to the other names something else, or nothing, there.
 */
#if UINTPTR_MAX > 0xffffffffu
#define SESSMAP_KIND ""
#else
#define SESSMAP_KIND "-32"
#endif
#define SESSMAP_KIND_LEN (sizeof(SESSMAP_KIND) - 1)

static char sessmap_path[sizeof(SESSMAP_DIR) + 16 + SESSID_LEN + SESSMAP_KIND_LEN];
/* The session's map, once mapped. */
static struct fakemap *sessmap_map;
/* The process that started the session. */
static int32_t sessmap_leader;
/* Set once the one line about a map this process cannot use is written. */
static bool sessmap_said;
/* The OS table, for the calls the preload layer hooks (close). */
static const struct sx_sys *sessmap_sys;

/* True for SESSID_LEN lower-case hex digits. */
static bool
sessmap_id_valid(const char *id)
{
	size_t n = 0;

	if (!id)
		return false;
	for (; id[n] != '\0'; n++) {
		if (!((id[n] >= '0' && id[n] <= '9') || (id[n] >= 'a' && id[n] <= 'f')))
			return false;
	}
	return n == SESSID_LEN;
}

/* True for "socksify-<id>" followed by exactly this kind's SESSMAP_KIND. */
static bool
sessmap_is_map_name(const char *name)
{
	char id[SESSID_LEN + 1];

	if (strncmp(name, "socksify-", 9) != 0 ||
	    strnlen(name + 9, SESSID_LEN) < SESSID_LEN ||
	    strcmp(name + 9 + SESSID_LEN, SESSMAP_KIND) != 0)
		return false;
	memcpy(id, name + 9, SESSID_LEN);
	id[SESSID_LEN] = '\0';
	return sessmap_id_valid(id);
}

/*
 * Parse a session, "<id>-<pid>" (the id, then the process that started
 * the session): the id into id (SESSID_LEN + 1 bytes) and the pid
 * into *leader.  False when malformed.
 */
bool
sessmap_parse(const char *env, char *id, int32_t *leader)
{
	int64_t pid = 0;
	const char *p;

	if (!env || strlen(env) < SESSID_LEN + 2 || env[SESSID_LEN] != '-')
		return false;
	memcpy(id, env, SESSID_LEN);
	id[SESSID_LEN] = '\0';
	if (!sessmap_id_valid(id))
		return false;
	for (p = env + SESSID_LEN + 1; *p >= '0' && *p <= '9' && pid < INT32_MAX; p++)
		pid = pid * 10 + (*p - '0');
	if (*p != '\0' || pid <= 0 || pid > INT32_MAX)
		return false;
	*leader = (int32_t)pid;
	return true;
}

/* A fresh random id into id (SESSID_LEN + 1 bytes); 0 or -errno. */
int
sessmap_new_id(char *id)
{
	unsigned char raw[SESSID_BYTES];
	ssize_t got = getrandom(raw, sizeof(raw), 0);

	if (got != (ssize_t)sizeof(raw))
		return got < 0 ? -errno : -EIO;
	sessid_hex(id, raw);
	return 0;
}

/* Say once why this process has no map: its lookups fail closed. */
static void
sessmap_refuse(const char *what, int err)
{
	if (sessmap_said)
		return;
	sessmap_said = true;
	log_error("%s %s: %s; remote DNS fails in this process (names get no "
		  "fake address, fake addresses are refused)", what,
		  sessmap_path, strerror(err));
}

/* Whether process pid lives (a pid reused since only keeps a map longer). */
static bool
sessmap_alive(int32_t pid)
{
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/*
 * List this process, and the one that started the session, in the map
 * it uses: no sweep removes a map while one of them lives.
 */
static void
sessmap_enrol_in(struct fakemap *m)
{
	int saved_errno = errno;

	fakemap_enrol(m, (int32_t)getpid(), sessmap_alive);
	if (sessmap_leader != 0 && sessmap_alive(sessmap_leader))
		fakemap_enrol(m, sessmap_leader, sessmap_alive);
	errno = saved_errno;
}

/* The same in a forked child (pthread_atfork()). */
void
sessmap_after_fork(void)
{
	if (sessmap_map)
		sessmap_enrol_in(sessmap_map);
}

/* Map the map file fd and use it; 0 or -errno (fd stays open). */
static int
sessmap_map_fd(int fd, size_t bytes)
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
	sessmap_map = mem;
	sessmap_enrol_in(mem);
	return 0;
}

/* Open and use the session's existing map file; 0 or -errno. */
static int
sessmap_open(size_t bytes)
{
	int fd = open(sessmap_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	int rc;

	if (fd < 0)
		return -errno;
	rc = sessmap_map_fd(fd, bytes);
	sessmap_sys->close(fd);
	return rc;
}

/*
 * Whether the map file fd is a session map that no living process lists
 * (all the processes of its session have ended).
 */
static bool
sessmap_is_ended(int fd)
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
		!fakemap_in_use(mem, sessmap_alive);
	munmap(mem, bytes);
	return ended;
}

/*
 * The pid in the name of a map of this kind being made
 * ("socksify-<id><kind>.<pid>.new"), 0 for any other name.
 */
static int32_t
sessmap_maker(const char *name)
{
	char id[SESSID_LEN + 1];
	const char *p = name + 9 + SESSID_LEN + SESSMAP_KIND_LEN;
	int64_t pid = 0;

	if (strncmp(name, "socksify-", 9) != 0 ||
	    strnlen(name, 9 + SESSID_LEN + SESSMAP_KIND_LEN + 1) <
		    9 + SESSID_LEN + SESSMAP_KIND_LEN + 1 ||
	    strncmp(name + 9 + SESSID_LEN, SESSMAP_KIND, SESSMAP_KIND_LEN) != 0 ||
	    *p != '.')
		return 0;
	memcpy(id, name + 9, SESSID_LEN);
	id[SESSID_LEN] = '\0';
	if (!sessmap_id_valid(id))
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
sessmap_sweep(void)
{
	struct dirent *d;
	struct stat st;
	DIR *dir = opendir(SESSMAP_DIR);

	if (!dir)
		return;
	while ((d = readdir(dir)) != NULL) {
		int32_t maker = sessmap_maker(d->d_name);
		int fd;

		if (maker != 0) {
			if (!sessmap_alive(maker) &&
			    fstatat(dirfd(dir), d->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 &&
			    S_ISREG(st.st_mode) && st.st_uid == geteuid())
				unlinkat(dirfd(dir), d->d_name, 0);
			continue;
		}
		if (!sessmap_is_map_name(d->d_name))
			continue;
		fd = openat(dirfd(dir), d->d_name,
			    O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (sessmap_is_ended(fd)) {
			unlinkat(dirfd(dir), d->d_name, 0);
			log_debug("removed the map of an ended session: %s/%s",
				  SESSMAP_DIR, d->d_name);
		}
		sessmap_sys->close(fd);
	}
	closedir(dir);
}

/*
 * Make the session's map file: lay it out under a name of this process,
 * list this process in it, then link it to the session's name.  0 (in
 * use), -EEXIST when another process made it first, or -errno.
 */
static int
sessmap_create(size_t bytes)
{
	char tmp[sizeof(sessmap_path) + 24];
	void *mem;
	int fd;
	int rc;

	sessmap_sweep();
	snprintf(tmp, sizeof(tmp), "%s.%ld.new", sessmap_path, (long)getpid());
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
		sessmap_enrol_in(mem);
	if (rc == 0 && link(tmp, sessmap_path) != 0)
		rc = -errno;
	if (rc == 0)
		rc = fakeip_attach(mem, bytes);
	if (rc < 0)
		goto err_unmap;
	sessmap_map = mem;
	unlink(tmp);
	sessmap_sys->close(fd);
	return 0;

err_unmap:
	munmap(mem, bytes);
err_unlink:
	unlink(tmp);
	sessmap_sys->close(fd);
	return rc;
}

/*
 * No file can be made for the session (no /dev/shm, a read-only one): this
 * process keeps a map of its own, shared with the children it forks, as
 * the others of the session will; a fake address handed to another of
 * them names nothing there (it is refused).  0 or -errno.
 */
static int
sessmap_private(size_t bytes, int err)
{
	void *mem;
	int rc;

	log_warn("cannot make the fake-address map %s: %s; names looked up here "
		 "are known to this process and its forked children only",
		 sessmap_path, strerror(err));
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
sessmap_attach(bool create)
{
	size_t bytes = fakeip_bytes();
	int rc;

	rc = sessmap_open(bytes);
	if (rc == -ENOENT && create) {
		rc = sessmap_create(bytes);
		if (rc == -EEXIST)
			rc = sessmap_open(bytes);
		else if (rc < 0)
			return sessmap_private(bytes, -rc);
	}
	if (rc == -EPROTO)
		sessmap_refuse("the fake-address map is not one for this "
			       "process's SOCKSIFY_FAKE_NET/_NET6",
			       EPROTO);
	else if (rc < 0 && rc != -ENOENT)
		sessmap_refuse("cannot open the fake-address map", -rc);
	else if (rc == 0)
		log_debug("fake-address map %s", sessmap_path);
	return rc;
}

void
sessmap_use(const char *id, int32_t leader, const struct sx_sys *sys)
{
	sessmap_sys = sys;
	sessmap_leader = leader;
	snprintf(sessmap_path, sizeof(sessmap_path), "%s/socksify-%s%s",
		 SESSMAP_DIR, id, SESSMAP_KIND);
	fakeip_set_attacher(sessmap_attach);
}

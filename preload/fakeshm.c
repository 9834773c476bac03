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
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fakeip.h"
#include "fakeshm.h"
#include "log.h"
#include "preload.h"

#define FAKESHM_DIR "/dev/shm"
#define FAKESHM_ID_BYTES 16
#define FAKESHM_ID_LEN (2 * FAKESHM_ID_BYTES)

static char fakeshm_path[sizeof(FAKESHM_DIR) + 16 + FAKESHM_ID_LEN];
/* The open map file, marking it in use (fakeshm_mark()), -1: none. */
static int fakeshm_fd = -1;
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

/*
 * Mark fd's file as in use by this process (a shared lock on the open file
 * description, which forked children share and exec ends); a sweep
 * removes only files nobody marks.  0, or -ENOENT when the file was swept
 * before the mark held.
 */
static int
fakeshm_mark(int fd)
{
	struct flock fl = { .l_type = F_RDLCK, .l_whence = SEEK_SET };
	struct stat st;

	if (real.fcntl(fd, F_OFD_SETLKW, &fl) != 0)
		return -errno;
	if (fstat(fd, &st) != 0)
		return -errno;
	return st.st_nlink == 0 ? -ENOENT : 0;
}

/* Keep fd, which marks the map in use, for the life of the process. */
static void
fakeshm_keep(int fd)
{
	fakeshm_fd = fd;
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
	if (rc < 0)
		munmap(mem, bytes);
	return rc;
}

/* Open, mark and use the session's existing map file; 0 or -errno. */
static int
fakeshm_open(size_t bytes)
{
	int fd = open(fakeshm_path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
	int rc;

	if (fd < 0)
		return -errno;
	rc = fakeshm_mark(fd);
	if (rc == 0)
		rc = fakeshm_map_fd(fd, bytes);
	if (rc < 0) {
		real.close(fd);
		return rc;
	}
	fakeshm_keep(fd);
	return 0;
}

/*
 * Remove the map files of this user's sessions that no process marks any
 * more (all their processes have ended): taking the exclusive lock proves
 * it, and holding it while unlinking keeps a late opener out (it then sees
 * the file unlinked, fakeshm_mark()).
 */
static void
fakeshm_sweep(void)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	struct dirent *d;
	struct stat st;
	DIR *dir = opendir(FAKESHM_DIR);

	if (!dir)
		return;
	while ((d = readdir(dir)) != NULL) {
		int fd;

		if (strncmp(d->d_name, "socksify-", 9) != 0 ||
		    !fakeshm_id_valid(d->d_name + 9))
			continue;
		fd = openat(dirfd(dir), d->d_name,
			    O_RDWR | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			continue;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_uid == geteuid() &&
		    real.fcntl(fd, F_OFD_SETLK, &fl) == 0) {
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
 * mark it, then link it to the session's name.  0 (in use), -EEXIST when
 * another process made it first, or -errno.
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
		rc = fakeshm_mark(fd);
	if (rc == 0 && link(tmp, fakeshm_path) != 0)
		rc = -errno;
	if (rc == 0)
		rc = fakeip_attach(mem, bytes);
	if (rc < 0)
		goto err_unmap;
	unlink(tmp);
	fakeshm_keep(fd);
	return 0;

err_unmap:
	munmap(mem, bytes);
err_unlink:
	unlink(tmp);
	real.close(fd);
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
		if (rc < 0 && rc != -ENOENT) {
			fakeshm_refuse("cannot make the fake-address map", -rc);
			return rc;
		}
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

int
fakeshm_init(void)
{
	const char *env = getenv(FAKESHM_ENV);
	char id[FAKESHM_ID_LEN + 1];
	int rc;

	if (fakeshm_id_valid(env)) {
		memcpy(id, env, sizeof(id));
	} else {
		if (env)
			log_warn("%s: not a session id; starting a new session",
				 FAKESHM_ENV);
		rc = fakeshm_new_id(id);
		if (rc < 0) {
			log_error("no random session id (%s); remote DNS keeps "
				  "a map of this process and its forked children",
				  strerror(-rc));
			return rc;
		}
		if (setenv(FAKESHM_ENV, id, 1) != 0) {
			log_error("cannot set %s; remote DNS keeps a map of this "
				  "process and its forked children", FAKESHM_ENV);
			return -ENOMEM;
		}
	}
	snprintf(fakeshm_path, sizeof(fakeshm_path), "%s/socksify-%s",
		 FAKESHM_DIR, id);
	fakeip_set_attacher(fakeshm_attach);
	return 0;
}

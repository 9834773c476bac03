/*
 * The tokens of the supervised processes (supisolate.h): a small table,
 * one thread at a time (the notifications are answered by several), the
 * least recently made entry giving way when it is full.  A process whose
 * entry gave way gets a new token at its next connect, which only
 * isolates it further.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "supisolate.h"

/* Processes remembered at once. */
#define SUPISOLATE_SLOTS 256

struct supisolate_slot {
	pid_t tgid;			/* 0: free */
	uint64_t start;			/* start time, clock ticks after boot */
	uint64_t made;			/* order of making, for the eviction */
	char token[SUPISOLATE_TOKEN_LEN];
};

static struct supisolate_slot supisolate_slots[SUPISOLATE_SLOTS];
static uint64_t supisolate_made;
static pthread_mutex_t supisolate_lock = PTHREAD_MUTEX_INITIALIZER;

/* Read /proc/<pid>/<what> into buf (cap bytes, NUL-terminated); length or -errno. */
static ssize_t
supisolate_read_proc(pid_t pid, const char *what, char *buf, size_t cap)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/%s", (long)pid, what);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, cap - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n >= 0)
		buf[n] = '\0';
	return n;
}

/* The thread group of thread tid, and its start time; 0 or -errno. */
static int
supisolate_identify(pid_t tid, pid_t *tgid, uint64_t *start)
{
	char buf[2048];
	const char *p;
	unsigned long long ticks;
	long id;
	ssize_t n;

	n = supisolate_read_proc(tid, "status", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	p = strstr(buf, "\nTgid:");
	if (!p || sscanf(p + 6, "%ld", &id) != 1 || id <= 0)
		return -ESRCH;
	*tgid = (pid_t)id;
	n = supisolate_read_proc(*tgid, "stat", buf, sizeof(buf));
	if (n < 0)
		return (int)n;
	/*
	 * The name in parentheses may hold anything: the fields go on after
	 * the last ')'; the start time is the 22nd field, the 20th after it.
	 */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u "
			 "%*u %*u %*d %*d %*d %*d %*d %*d %llu", &ticks) != 1)
		return -ESRCH;
	*start = ticks;
	return 0;
}

/* A new token into slot s; 0 or -errno. */
static int
supisolate_make(struct supisolate_slot *s)
{
	static const char hex[] = "0123456789abcdef";
	uint8_t raw[ISOLATE_RANDOM_BYTES];
	ssize_t got;

	do
		got = getrandom(raw, sizeof(raw), 0);
	while (got < 0 && errno == EINTR);
	if (got != (ssize_t)sizeof(raw)) {
		explicit_bzero(raw, sizeof(raw));
		return got < 0 ? -errno : -EIO;
	}
	for (size_t i = 0; i < sizeof(raw); i++) {
		s->token[2 * i] = hex[raw[i] >> 4];
		s->token[2 * i + 1] = hex[raw[i] & 15];
	}
	s->token[2 * ISOLATE_RANDOM_BYTES] = '\0';
	explicit_bzero(raw, sizeof(raw));
	return 0;
}

int
supisolate_token(pid_t tid, char *token)
{
	struct supisolate_slot *s = NULL, *oldest = &supisolate_slots[0];
	uint64_t start;
	pid_t tgid;
	int rc;

	token[0] = '\0';
	rc = supisolate_identify(tid, &tgid, &start);
	if (rc < 0)
		return rc;
	pthread_mutex_lock(&supisolate_lock);
	for (size_t i = 0; i < SUPISOLATE_SLOTS; i++) {
		struct supisolate_slot *c = &supisolate_slots[i];

		if (c->tgid == tgid && c->start == start) {
			s = c;
			break;
		}
		if (c->made < oldest->made)
			oldest = c;
	}
	if (!s) {
		s = oldest;
		rc = supisolate_make(s);
		if (rc < 0) {
			explicit_bzero(s, sizeof(*s));
			goto out_unlock;
		}
		s->tgid = tgid;
		s->start = start;
		s->made = ++supisolate_made;
	}
	memcpy(token, s->token, SUPISOLATE_TOKEN_LEN);
out_unlock:
	pthread_mutex_unlock(&supisolate_lock);
	return rc;
}

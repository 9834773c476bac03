/*
 * The hosts file's cache (core/hosts.c): lookups through it, and how it
 * follows the file as it changes, across threads.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hosts.h"
#include "tap.h"

static const struct sx_sys test_sys = {
	.close = close,
};

static char tmpdir[] = "/tmp/test_hosts.XXXXXX";

static void
write_file(const char *path, const char *text, time_t mtime)
{
	struct timespec times[2];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
		printf("# cannot write %s\n", path);
		exit(2);
	}
	close(fd);
	times[0].tv_sec = mtime;
	times[0].tv_nsec = 0;
	times[1] = times[0];
	utimensat(AT_FDCWD, path, times, 0);
}

/* Replace the file at path in one step (a new inode), as editors do. */
static void
replace_file(const char *path, const char *text, time_t mtime)
{
	char tmp[80];

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	write_file(tmp, text, mtime);
	if (rename(tmp, path) < 0) {
		printf("# cannot rename %s\n", tmp);
		exit(2);
	}
}

static void
test_file_cache(void)
{
	char path[64], other[64];
	struct hosts_answer a;
	char name[256];

	snprintf(path, sizeof(path), "%s/hosts", tmpdir);
	snprintf(other, sizeof(other), "%s/other", tmpdir);
	hosts_reset();

	is_int(hosts_lookup_name(path, &test_sys, "alpha", &a), 0,
	       "a missing file lists nothing");

	write_file(path, "10.0.0.1 alpha\n", 1000000000);
	is_int(hosts_lookup_name(path, &test_sys, "alpha", &a), 1,
	       "a file that appears is read");
	is_int(hosts_lookup_addr(path, &test_sys, AF_INET,
				 (const uint8_t[]){ 10, 0, 0, 1 }, name,
				 sizeof(name)), 0, "reverse lookup through the cache");
	is_str(name, "alpha", "gives the name");

	/* Same size, same inode, another modification time. */
	write_file(path, "10.0.0.1 bravo\n", 1000000001);
	is_int(hosts_lookup_name(path, &test_sys, "alpha", &a), 0,
	       "a rewritten file is read again: the old name is gone");
	is_int(hosts_lookup_name(path, &test_sys, "bravo", &a), 1,
	       "and the new name is there");

	write_file(other, "10.9.9.9 charlie\n", 1000000000);
	is_int(hosts_lookup_name(other, &test_sys, "charlie", &a), 1,
	       "another path is another file");
	is_int(hosts_lookup_name(path, &test_sys, "charlie", &a), 0,
	       "and going back reads the first file again");

	unlink(path);
	is_int(hosts_lookup_name(path, &test_sys, "bravo", &a), 0,
	       "a file that disappears lists nothing");
	unlink(other);
	hosts_reset();
}

struct reader {
	const char *path;
	int bad;
};

static void *
reader_main(void *arg)
{
	struct reader *r = arg;
	struct hosts_answer a;

	for (int i = 0; i < 3000; i++) {
		size_t n = hosts_lookup_name(r->path, &test_sys, "stable", &a);

		if (n != 1 || strcmp(a.canon, "stable") != 0 ||
		    a.addr[0].addr[0] != 10)
			r->bad++;
	}
	return NULL;
}

static void
test_threads(void)
{
	struct reader readers[4];
	pthread_t tids[4];
	char path[64];
	char text[128];
	int bad = 0;

	snprintf(path, sizeof(path), "%s/threads", tmpdir);
	hosts_reset();
	write_file(path, "10.0.0.1 stable\n", 1000000000);
	for (int i = 0; i < 4; i++) {
		readers[i].path = path;
		readers[i].bad = 0;
		pthread_create(&tids[i], NULL, reader_main, &readers[i]);
	}
	for (int i = 0; i < 60; i++) {
		snprintf(text, sizeof(text), "10.0.0.%d stable extra%d\n",
			 i % 200 + 1, i);
		replace_file(path, text, 1000000000 + i);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(tids[i], NULL);
		bad += readers[i].bad;
	}
	is_int(bad, 0, "four threads read a file rewritten under them");
	unlink(path);
	hosts_reset();
}

int
main(void)
{
	if (!mkdtemp(tmpdir)) {
		printf("# cannot make a temporary directory\n");
		return 2;
	}
	test_file_cache();
	test_threads();
	rmdir(tmpdir);
	return tap_done();
}

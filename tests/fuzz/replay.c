/*
 * Replay saved inputs through a fuzz target without libFuzzer: every
 * regular file named on the command line, or found directly inside a
 * directory named there, is read and passed to LLVMFuzzerTestOneInput()
 * once, in name order.  A finding aborts (fuzz_check) or is reported by
 * the sanitizers the target was built with; otherwise the exit status is
 * 0, or 2 when a file cannot be read.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

/* Read all of path into a buffer of exactly its size (for ASan). */
static int
replay_file(const char *path)
{
	uint8_t *buf = NULL;
	size_t len = 0, cap = 0;
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		uint8_t chunk[4096];
		size_t n = fread(chunk, 1, sizeof(chunk), f);
		uint8_t *grown;

		if (n == 0)
			break;
		if (len + n > cap) {
			cap = (len + n) * 2;
			grown = realloc(buf, cap);
			if (grown == NULL) {
				fprintf(stderr, "replay: %s: out of memory\n", path);
				free(buf);
				fclose(f);
				return -1;
			}
			buf = grown;
		}
		memcpy(buf + len, chunk, n);
		len += n;
	}
	if (ferror(f)) {
		fprintf(stderr, "replay: %s: read error\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);

	/* An exact-size copy, so a read one byte past the input is caught. */
	{
		uint8_t *exact = malloc(len > 0 ? len : 1);

		if (exact == NULL) {
			free(buf);
			return -1;
		}
		if (len > 0)
			memcpy(exact, buf, len);
		free(buf);
		fprintf(stderr, "replay: %s (%zu bytes)\n", path, len);
		LLVMFuzzerTestOneInput(exact, len);
		free(exact);
	}
	return 0;
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
skip_dots(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* Returns the number of files replayed, or -1. */
static int
replay_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	int n, done = 0, rc = 0;

	if (stat(path, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_file(path) < 0 ? -1 : 1;

	n = scandir(path, &names, skip_dots, by_name);
	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char file[4096];

		snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
		if (stat(file, &st) == 0 && S_ISREG(st.st_mode)) {
			if (replay_file(file) < 0)
				rc = -1;
			else
				done++;
		}
		free(names[i]);
	}
	free(names);
	return rc < 0 ? -1 : done;
}

int
main(int argc, char **argv)
{
	int total = 0, status = 0;

	for (int i = 1; i < argc; i++) {
		int n = replay_path(argv[i]);

		if (n < 0)
			status = 2;
		else
			total += n;
	}
	printf("replay: %d inputs replayed\n", total);
	return status;
}

/*
 * A check shared by the codec tests: encode into heap buffers of exactly
 * cap bytes for every cap short of the full length; each must give
 * -ENOSPC and leave the buffer as it was (a write past cap is caught by
 * the sanitizer builds, since each buffer is exactly cap bytes).
 */
#ifndef SX_TEST_ENOSPC_H
#define SX_TEST_ENOSPC_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "tap.h"

#define ENOSPC_SENTINEL 0xa5

/* An encoder under test: args are the test's own. */
typedef ssize_t (*enospc_encoder)(const void *args, uint8_t *buf, size_t cap);

static void
check_enospc_every_cap(enospc_encoder encode, const void *args, size_t full,
		       const char *what)
{
	char msg[200];

	for (size_t cap = 0; cap < full; cap++) {
		uint8_t *buf = malloc(cap);
		ssize_t r;
		size_t i;

		if (buf == NULL && cap > 0) {
			ok(0, "malloc");
			return;
		}
		if (cap > 0)
			memset(buf, ENOSPC_SENTINEL, cap);
		r = encode(args, buf, cap);
		i = 0;
		while (i < cap && buf[i] == ENOSPC_SENTINEL)
			i++;
		free(buf);
		if (r != -ENOSPC || i != cap) {
			snprintf(msg, sizeof(msg), "%s: cap %zu", what, cap);
			ok(0, msg);
			printf("#   returned %zd, buffer %s\n", r,
			       i == cap ? "untouched" : "written");
			return;
		}
	}
	snprintf(msg, sizeof(msg), "%s: -ENOSPC, nothing written, at every cap 0..%zu",
		 what, full - 1);
	ok(1, msg);
}

#endif

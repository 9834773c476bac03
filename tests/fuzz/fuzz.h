/*
 * Shared by the fuzz targets in tests/fuzz/: the libFuzzer entry point
 * each of them defines, and fuzz_check(), which stops the run with a
 * message when a property of the code under test does not hold.  A target
 * is linked either with libFuzzer (scripts/fuzz.sh) or with replay.c, which
 * feeds it the files of a corpus.
 */
#ifndef SX_FUZZ_H
#define SX_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/*
 * A failed check is a finding: print where and what, then abort so that
 * libFuzzer saves the input and the replay runner fails.
 */
#define fuzz_check(cond, what)                                             \
	do {                                                               \
		if (!(cond)) {                                             \
			fprintf(stderr, "fuzz check failed at %s:%d: %s\n", \
				__FILE__, __LINE__, (what));               \
			abort();                                           \
		}                                                          \
	} while (0)

#endif

/*
 * gssframe_decode() on arbitrary bytes: never reads past the input, takes
 * exactly the length it announces, agrees with gssframe_need(), and a
 * decoded message encodes back to the same bytes.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "gssframe.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t again[GSSFRAME_HEAD + GSSFRAME_TOKEN_MAX];
	uint8_t want = size > 0 ? (uint8_t)(data[size - 1] % 4) : GSSFRAME_AUTH;
	struct gssframe f;
	ssize_t n = gssframe_decode(data, size, want, &f);
	size_t need = gssframe_need(data, size);

	if (n == -EPROTO) {
		fuzz_check(size >= 1, "nothing is malformed before its first byte");
		return 0;
	}
	fuzz_check(n >= 0, "only -EPROTO is an error");
	if (n == 0) {
		fuzz_check(need > size, "need more means more than there is");
		return 0;
	}
	fuzz_check((size_t)n <= size, "never more than the input");
	fuzz_check((size_t)n == need, "takes what gssframe_need() announced");
	if (f.mtyp == GSSFRAME_ABORT) {
		fuzz_check(n == 2, "an abort is two bytes");
		return 0;
	}
	fuzz_check(f.mtyp == want, "only the type asked for");
	fuzz_check((size_t)n == GSSFRAME_HEAD + (size_t)f.len, "the head and the token");
	fuzz_check(gssframe_encode(again, sizeof(again), f.mtyp, f.token, f.len) == n,
		   "encodes back to the same length");
	fuzz_check(memcmp(again, data, (size_t)n) == 0, "and the same bytes");
	return 0;
}

/*
 * A small TAP producer for the C unit tests: each check prints "ok N - what"
 * or "not ok N - what" with the values that differed, and tap_done() prints
 * the plan and a closing "N passed, N failed" line, returning the exit status.
 */
#ifndef SX_TAP_H
#define SX_TAP_H

#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static inline int
tap_ok(int cond, const char *file, int line, const char *what)
{
	tap_n++;
	if (cond) {
		printf("ok %d - %s\n", tap_n, what);
	} else {
		tap_failed++;
		printf("not ok %d - %s\n# at %s:%d\n", tap_n, what, file, line);
	}
	return cond;
}

static inline void
tap_hexdump(const char *label, const void *p, size_t n)
{
	const unsigned char *b = p;
	printf("#   %s:", label);
	for (size_t i = 0; i < n; i++)
		printf(" %02x", b[i]);
	printf("\n");
}

#define ok(cond, what) tap_ok(!!(cond), __FILE__, __LINE__, (what))

#define is_int(got, want, what)                                          \
	do {                                                             \
		long long g_ = (long long)(got), w_ = (long long)(want); \
		if (!tap_ok(g_ == w_, __FILE__, __LINE__, (what)))       \
			printf("#   got %lld, want %lld\n", g_, w_);     \
	} while (0)

#define is_str(got, want, what)                                          \
	do {                                                             \
		const char *g_ = (got), *w_ = (want);                    \
		int same_ = (g_ && w_) ? strcmp(g_, w_) == 0 : g_ == w_; \
		if (!tap_ok(same_, __FILE__, __LINE__, (what)))          \
			printf("#   got \"%s\", want \"%s\"\n",          \
			       g_ ? g_ : "(null)", w_ ? w_ : "(null)");  \
	} while (0)

#define is_bytes(got, want, n, what)                                      \
	do {                                                              \
		const void *g_ = (got), *w_ = (want);                     \
		size_t n_ = (n);                                          \
		if (!tap_ok(memcmp(g_, w_, n_) == 0, __FILE__, __LINE__,  \
			    (what))) {                                    \
			tap_hexdump("got ", g_, n_);                      \
			tap_hexdump("want", w_, n_);                      \
		}                                                         \
	} while (0)

static inline int
tap_done(void)
{
	printf("1..%d\n", tap_n);
	printf("%d passed, %d failed\n", tap_n - tap_failed, tap_failed);
	return tap_failed ? 1 : 0;
}

#endif

/*
 * pipestate_parse() on arbitrary state-file contents: every entry it keeps
 * has a key that pipestate_set() takes again, a known verdict and a time
 * that holds; the set never grows past PIPESTATE_MAX; what
 * pipestate_format() writes of it fits PIPESTATE_TEXT_MAX and reads back
 * to the same verdicts.
 */
#include <string.h>

#include "fuzz.h"
#include "pipestate.h"

#define NOW 1764921600LL

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pipestate st, back, again;
	static char text[PIPESTATE_TEXT_MAX];
	ssize_t n;

	pipestate_clear(&st);
	pipestate_parse(&st, (const char *)data, size, NOW);
	fuzz_check(st.n <= PIPESTATE_MAX, "the set stays within PIPESTATE_MAX");
	for (size_t i = 0; i < st.n; i++) {
		const struct pipestate_entry *e = &st.e[i];

		fuzz_check(memchr(e->key, '\0', sizeof(e->key)) != NULL,
			   "a key is a string");
		fuzz_check(e->verdict == PIPESTATE_DROPS || e->verdict == PIPESTATE_TAKES,
			   "a known verdict");
		fuzz_check(pipestate_get(&st, e->key, NOW) == e->verdict,
			   "a kept verdict holds now");
		pipestate_clear(&again);
		fuzz_check(pipestate_set(&again, e->key, e->verdict, e->since) == 0,
			   "a kept key is a key");
	}
	n = pipestate_format(&st, NOW, text, sizeof(text));
	fuzz_check(n >= 0, "what was read fits the largest text");
	pipestate_clear(&back);
	fuzz_check(pipestate_parse(&back, text, (size_t)n, NOW) == st.n,
		   "what is written reads back whole");
	for (size_t i = 0; i < st.n; i++)
		fuzz_check(pipestate_get(&back, st.e[i].key, NOW) == st.e[i].verdict,
			   "with the same verdicts");
	return 0;
}

/*
 * hoststab_parse() on arbitrary file contents, then hoststab_find() and
 * hoststab_find_addr() on what it found: entries stay inside the text, hold
 * no blank, comment or line break, are sorted by name ignoring case and
 * then by line, and every entry is found again by its name and by its
 * address, with the canonical name of the first line that lists it.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "fuzz.h"
#include "hoststab.h"

static int
fold(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static int
name_cmp(const struct hoststab_entry *a, const struct hoststab_entry *b)
{
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;

	for (size_t i = 0; i < n; i++) {
		int x = fold((unsigned char)a->name[i]);
		int y = fold((unsigned char)b->name[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	if (a->name_len != b->name_len)
		return a->name_len < b->name_len ? -1 : 1;
	return 0;
}

static bool
inside(const struct hoststab *t, size_t len, const char *p, size_t n)
{
	return p >= t->text && p + n <= t->text + len;
}

static void
check_entry(const struct hoststab *t, size_t len,
	    const struct hoststab_entry *e)
{
	fuzz_check(e->name_len >= 1 && e->name_len <= 255, "name length 1..255");
	fuzz_check(e->canon_len >= 1 && e->canon_len <= 255, "canonical length 1..255");
	fuzz_check(inside(t, len, e->name, e->name_len) &&
		   inside(t, len, e->canon, e->canon_len), "inside the text");
	fuzz_check(e->canon <= e->name, "the canonical name comes first on its line");
	fuzz_check(e->line >= 1, "lines count from 1");
	fuzz_check(e->addr.family == AF_INET || e->addr.family == AF_INET6,
		   "an IPv4 or IPv6 address");
	for (size_t i = 0; i < e->name_len; i++) {
		char c = e->name[i];

		fuzz_check(c != ' ' && c != '\t' && c != '\n' && c != '#',
			   "no blank, line break or comment in a name");
	}
}

/* The entry of the first line listing e's name. */
static const struct hoststab_entry *
first_for_name(const struct hoststab *t, const struct hoststab_entry *e)
{
	const struct hoststab_entry *best = NULL;

	for (size_t i = 0; i < t->count; i++) {
		const struct hoststab_entry *o = &t->entries[i];

		if (name_cmp(o, e) == 0 && (best == NULL || o->line < best->line))
			best = o;
	}
	return best;
}

/* The entry of the first line giving e's address. */
static const struct hoststab_entry *
first_for_addr(const struct hoststab *t, const struct hoststab_entry *e)
{
	const struct hoststab_entry *best = NULL;

	for (size_t i = 0; i < t->count; i++) {
		const struct hoststab_entry *o = &t->entries[i];

		if (o->addr.family == e->addr.family &&
		    memcmp(o->addr.addr, e->addr.addr, 16) == 0 &&
		    (best == NULL || o->line < best->line))
			best = o;
	}
	return best;
}

static void
check_lookups(const struct hoststab *t, const struct hoststab_entry *e)
{
	const struct hoststab_entry *first;
	struct hosts_answer ans;
	char name[256], canon[256];
	size_t n;
	int rc;

	memcpy(name, e->name, e->name_len);
	name[e->name_len] = '\0';
	/* A name with a NUL in it cannot be asked for. */
	if (strlen(name) == e->name_len) {
		first = first_for_name(t, e);
		n = hoststab_find(t, name, &ans);
		fuzz_check(n >= 1 && n <= HOSTS_ADDR_MAX, "found by its name");
		fuzz_check(n == ans.count, "the count is returned");
		fuzz_check(ans.addr[0].family == first->addr.family &&
			   memcmp(ans.addr[0].addr, first->addr.addr, 16) == 0,
			   "the first line's address first");
		fuzz_check(strlen(ans.canon) <= first->canon_len &&
			   memcmp(ans.canon, first->canon, first->canon_len) == 0,
			   "the first line's canonical name");
	}

	first = first_for_addr(t, e);
	rc = hoststab_find_addr(t, e->addr.family, e->addr.addr, canon,
				sizeof(canon));
	fuzz_check(rc == 0, "found by its address");
	fuzz_check(strlen(canon) <= first->canon_len &&
		   memcmp(canon, first->canon, first->canon_len) == 0,
		   "the canonical name of the first line with the address");
	rc = hoststab_find_addr(t, e->addr.family, e->addr.addr, canon,
				first->canon_len);
	fuzz_check(rc == -ENOSPC, "no room for the name is -ENOSPC");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hoststab t;
	struct hosts_answer ans;
	char probe[64];
	size_t plen;
	int rc;

	rc = hoststab_parse((const char *)data, size, &t);
	fuzz_check(rc == 0 || rc == -ENOMEM, "0 or -ENOMEM");
	if (rc < 0)
		return 0;
	fuzz_check(t.text != NULL && memcmp(t.text, data, size) == 0 &&
		   t.text[size] == '\0', "a terminated private copy");

	for (size_t i = 0; i < t.count; i++) {
		check_entry(&t, size, &t.entries[i]);
		if (i > 0) {
			int c = name_cmp(&t.entries[i - 1], &t.entries[i]);

			fuzz_check(c < 0 || (c == 0 && t.entries[i - 1].line <=
						       t.entries[i].line),
				   "sorted by name, then line");
		}
	}
	/* Lookups are linear in the entries: keep the run short. */
	for (size_t i = 0; i < t.count && i < 64; i++)
		check_lookups(&t, &t.entries[i]);

	/* Some bytes of the input as a name, whatever they are. */
	plen = size < sizeof(probe) - 1 ? size : sizeof(probe) - 1;
	memcpy(probe, data, plen);
	probe[plen] = '\0';
	hoststab_find(&t, probe, &ans);
	hoststab_find(&t, "", &ans);
	hoststab_find(&t, NULL, &ans);
	hoststab_free(&t);
	return 0;
}

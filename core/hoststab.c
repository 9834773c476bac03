/*
 * The hosts file as a table.  The parser follows the C library's own
 * reader: a line is an address and names separated by blanks, '#' starts
 * a comment, a line whose address does not parse is skipped, and names
 * compare without regard to ASCII case.  Lookups by name are a binary
 * search over entries sorted once per parse, so a large blocking list in
 * /etc/hosts costs one sort per change of the file.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "hoststab.h"

/* First size of the entry array. */
#define HOSTSTAB_ENTRIES_MIN 32
/* Longest address text accepted (an IPv6 address is at most 45 bytes). */
#define HOSTSTAB_ADDR_TEXT_MAX 63
#define HOSTSTAB_NAME_MAX 255

static unsigned char
fold(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A' + 'a');
	return c;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Compare two names of the given lengths ignoring ASCII case. */
static int
name_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	size_t n = alen < blen ? alen : blen;

	for (size_t i = 0; i < n; i++) {
		unsigned char x = fold((unsigned char)a[i]);
		unsigned char y = fold((unsigned char)b[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	if (alen != blen)
		return alen < blen ? -1 : 1;
	return 0;
}

static int
entry_compare(const void *pa, const void *pb)
{
	const struct hoststab_entry *a = pa;
	const struct hoststab_entry *b = pb;
	int c = name_compare(a->name, a->name_len, b->name, b->name_len);

	if (c != 0)
		return c;
	if (a->line != b->line)
		return a->line < b->line ? -1 : 1;
	return 0;
}

/* Parse an address field; false when the line is to be skipped. */
static bool
parse_address(const char *p, size_t len, struct hosts_addr *out)
{
	char text[HOSTSTAB_ADDR_TEXT_MAX + 1];

	if (len == 0 || len > HOSTSTAB_ADDR_TEXT_MAX)
		return false;
	memcpy(text, p, len);
	text[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, text, out->addr) == 1) {
		out->family = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, text, out->addr) == 1) {
		out->family = AF_INET6;
		return true;
	}
	return false;
}

/* Append one entry, growing the array; -ENOMEM. */
static int
table_push(struct hoststab *t, size_t *cap, const struct hoststab_entry *e)
{
	if (t->count == *cap) {
		size_t want = *cap != 0 ? *cap * 2 : HOSTSTAB_ENTRIES_MIN;
		struct hoststab_entry *grown;

		grown = realloc(t->entries, want * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		t->entries = grown;
		*cap = want;
	}
	t->entries[t->count++] = *e;
	return 0;
}

/* Parse one line [p, end) numbered line into t. */
static int
parse_line(struct hoststab *t, size_t *cap, const char *p, const char *end,
	   uint32_t line)
{
	struct hoststab_entry e;
	const char *hash = memchr(p, '#', (size_t)(end - p));
	const char *tok;
	bool first = true;
	int rc;

	if (hash)
		end = hash;
	memset(&e, 0, sizeof(e));
	e.line = line;
	for (;;) {
		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			return 0;
		tok = p;
		while (p < end && !is_blank(*p))
			p++;
		if (first) {
			if (!parse_address(tok, (size_t)(p - tok), &e.addr))
				return 0;
			first = false;
			continue;
		}
		if ((size_t)(p - tok) > HOSTSTAB_NAME_MAX)
			continue;
		e.name = tok;
		e.name_len = (uint16_t)(p - tok);
		if (!e.canon) {
			e.canon = tok;
			e.canon_len = e.name_len;
		}
		rc = table_push(t, cap, &e);
		if (rc < 0)
			return rc;
	}
}

int
hoststab_parse(const char *text, size_t len, struct hoststab *t)
{
	size_t cap = 0;
	uint32_t line = 0;
	const char *p, *end, *nl;
	int rc;

	memset(t, 0, sizeof(*t));
	t->text = malloc(len + 1);
	if (!t->text)
		return -ENOMEM;
	if (len > 0)
		memcpy(t->text, text, len);
	t->text[len] = '\0';
	p = t->text;
	end = t->text + len;
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		line++;
		rc = parse_line(t, &cap, p, nl, line);
		if (rc < 0)
			goto err_free;
		p = nl < end ? nl + 1 : end;
	}
	if (t->count > 1)
		qsort(t->entries, t->count, sizeof(*t->entries), entry_compare);
	return 0;

err_free:
	hoststab_free(t);
	return rc;
}

void
hoststab_free(struct hoststab *t)
{
	free(t->entries);
	free(t->text);
	memset(t, 0, sizeof(*t));
}

static size_t
addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

size_t
hoststab_find(const struct hoststab *t, const char *name,
	      struct hosts_answer *out)
{
	size_t len, lo = 0, hi = t->count;
	uint32_t last_line = 0;

	memset(out, 0, sizeof(*out));
	if (!name)
		return 0;
	len = strnlen(name, HOSTSTAB_NAME_MAX + 1);
	if (len == 0 || len > HOSTSTAB_NAME_MAX)
		return 0;
	/* The first entry not below name. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct hoststab_entry *e = &t->entries[mid];

		if (name_compare(e->name, e->name_len, name, len) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i < t->count; i++) {
		const struct hoststab_entry *e = &t->entries[i];

		if (name_compare(e->name, e->name_len, name, len) != 0)
			break;
		if (out->count == 0) {
			memcpy(out->canon, e->canon, e->canon_len);
			out->canon[e->canon_len] = '\0';
		}
		/* A name written twice on one line counts once. */
		if (e->line == last_line)
			continue;
		last_line = e->line;
		if (out->count == HOSTS_ADDR_MAX)
			break;
		out->addr[out->count++] = e->addr;
	}
	return out->count;
}

int
hoststab_find_addr(const struct hoststab *t, int family,
		   const uint8_t *addr, char *name, size_t cap)
{
	const struct hoststab_entry *best = NULL;

	if (family != AF_INET && family != AF_INET6)
		return -ENOENT;
	for (size_t i = 0; i < t->count; i++) {
		const struct hoststab_entry *e = &t->entries[i];

		if (e->addr.family != family ||
		    memcmp(e->addr.addr, addr, addr_len(family)) != 0)
			continue;
		if (!best || e->line < best->line)
			best = e;
	}
	if (!best)
		return -ENOENT;
	if (cap <= best->canon_len)
		return -ENOSPC;
	memcpy(name, best->canon, best->canon_len);
	name[best->canon_len] = '\0';
	return 0;
}

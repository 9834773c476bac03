/*
 * Verdicts on proxies and pipelined requests, and the text of the state
 * file (see pipestate.h).  Reading is strict and bounded: a line is a key
 * that pipestate_key() would write, one space, a verdict word, one space,
 * decimal seconds, and a newline; anything else is skipped, never
 * trusted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "pipestate.h"

/* The verdict words of the file, by enum pipestate_verdict. */
static const char *const pipestate_words[] = {
	[PIPESTATE_UNKNOWN] = NULL,
	[PIPESTATE_DROPS] = "drops",
	[PIPESTATE_TAKES] = "takes",
};

int
pipestate_runtime_dir(const char *xdg, uid_t uid, char *base, size_t cap)
{
	int n;

	if (xdg && xdg[0] == '/')
		n = snprintf(base, cap, "%s", xdg);
	else
		n = snprintf(base, cap, "/run/user/%u", (unsigned)uid);
	return n > 0 && (size_t)n < cap ? 0 : -ENAMETOOLONG;
}

void
pipestate_clear(struct pipestate *st)
{
	memset(st, 0, sizeof(*st));
}

int
pipestate_key(const struct sockaddr *sa, socklen_t len, char *key, size_t cap)
{
	char addr[INET6_ADDRSTRLEN];
	int n;

	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &sin->sin_addr, addr, sizeof(addr));
		n = snprintf(key, cap, "%s:%u", addr, ntohs(sin->sin_port));
	} else if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &sin6->sin6_addr, addr, sizeof(addr));
		n = snprintf(key, cap, "[%s]:%u", addr, ntohs(sin6->sin6_port));
	} else {
		return -EAFNOSUPPORT;
	}
	if (n < 0 || (size_t)n >= cap)
		return -ENOSPC;
	return 0;
}

/* True when key is exactly what pipestate_key() writes for some address. */
static bool
pipestate_key_valid(const char *key)
{
	struct sockaddr_storage ss;
	char addr[INET6_ADDRSTRLEN];
	char again[PIPESTATE_KEY_LEN];
	const char *colon, *start = key;
	size_t alen;
	unsigned long port = 0;
	const char *p;
	int family = AF_INET;

	if (key[0] == '[') {
		family = AF_INET6;
		start = key + 1;
		colon = strstr(start, "]:");
		if (!colon)
			return false;
		alen = (size_t)(colon - start);
		p = colon + 2;
	} else {
		colon = strrchr(key, ':');
		if (!colon)
			return false;
		alen = (size_t)(colon - start);
		p = colon + 1;
	}
	if (alen == 0 || alen >= sizeof(addr) || *p == '\0')
		return false;
	memcpy(addr, start, alen);
	addr[alen] = '\0';
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || port > 65535)
			return false;
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port == 0 || port > 65535)
		return false;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
			return false;
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, addr, &sin6->sin6_addr) != 1)
			return false;
	}
	if (pipestate_key((struct sockaddr *)&ss, sizeof(ss), again,
			  sizeof(again)) < 0)
		return false;
	return strcmp(again, key) == 0;
}

/* True when a verdict found at since still holds at now. */
static bool
pipestate_holds(int64_t since, int64_t now)
{
	return since <= now && now - since < PIPESTATE_TTL_S;
}

static struct pipestate_entry *
pipestate_find(const struct pipestate *st, const char *key)
{
	for (size_t i = 0; i < st->n; i++) {
		if (strcmp(st->e[i].key, key) == 0)
			return (struct pipestate_entry *)&st->e[i];
	}
	return NULL;
}

int
pipestate_get(const struct pipestate *st, const char *key, int64_t now)
{
	const struct pipestate_entry *e = pipestate_find(st, key);

	if (!e || !pipestate_holds(e->since, now))
		return PIPESTATE_UNKNOWN;
	return e->verdict;
}

int
pipestate_set(struct pipestate *st, const char *key, int verdict,
	      int64_t since)
{
	struct pipestate_entry *e;
	size_t klen = strlen(key);

	if (klen >= PIPESTATE_KEY_LEN || !pipestate_key_valid(key))
		return -EINVAL;
	if (verdict != PIPESTATE_UNKNOWN && verdict != PIPESTATE_DROPS &&
	    verdict != PIPESTATE_TAKES)
		return -EINVAL;
	e = pipestate_find(st, key);
	if (!e && st->n < PIPESTATE_MAX) {
		e = &st->e[st->n++];
	} else if (!e) {
		e = &st->e[0];
		for (size_t i = 1; i < st->n; i++) {
			if (st->e[i].since < e->since)
				e = &st->e[i];
		}
	}
	memcpy(e->key, key, klen + 1);
	e->verdict = verdict;
	e->since = since;
	return 0;
}

/* The verdict a word names, or PIPESTATE_UNKNOWN. */
static int
pipestate_word(const char *w, size_t n)
{
	for (size_t i = 0; i < sizeof(pipestate_words) / sizeof(pipestate_words[0]); i++) {
		const char *word = pipestate_words[i];

		if (word && strlen(word) == n && memcmp(word, w, n) == 0)
			return (int)i;
	}
	return PIPESTATE_UNKNOWN;
}

/* Parse one line (n bytes, no newline) into its parts; false when malformed. */
static bool
pipestate_line(const char *line, size_t n, char *key, int *verdict,
	       int64_t *since)
{
	const char *sp1 = memchr(line, ' ', n), *sp2, *p, *end = line + n;
	int64_t t = 0;

	if (!sp1 || (size_t)(sp1 - line) >= PIPESTATE_KEY_LEN)
		return false;
	memcpy(key, line, (size_t)(sp1 - line));
	key[sp1 - line] = '\0';
	if (!pipestate_key_valid(key))
		return false;
	sp2 = memchr(sp1 + 1, ' ', (size_t)(end - sp1 - 1));
	if (!sp2)
		return false;
	*verdict = pipestate_word(sp1 + 1, (size_t)(sp2 - sp1 - 1));
	if (*verdict == PIPESTATE_UNKNOWN || sp2 + 1 == end || end - sp2 > 13)
		return false;
	for (p = sp2 + 1; p < end; p++) {
		if (*p < '0' || *p > '9')
			return false;
		t = t * 10 + (*p - '0');
	}
	*since = t;
	return true;
}

size_t
pipestate_parse(struct pipestate *st, const char *text, size_t len,
		int64_t now)
{
	size_t added = 0, off = 0;

	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		char key[PIPESTATE_KEY_LEN];
		size_t n;
		int64_t since;
		int verdict;

		/* A last line without its newline was cut short: skipped. */
		if (!nl)
			break;
		n = (size_t)(nl - (text + off));
		if (n < PIPESTATE_LINE_MAX &&
		    pipestate_line(text + off, n, key, &verdict, &since) &&
		    pipestate_holds(since, now) && !pipestate_find(st, key) &&
		    pipestate_set(st, key, verdict, since) == 0)
			added++;
		off += n + 1;
	}
	return added;
}

ssize_t
pipestate_format(const struct pipestate *st, int64_t now, char *buf,
		 size_t cap)
{
	size_t off = 0;

	if (cap > 0)
		buf[0] = '\0';
	for (size_t i = 0; i < st->n; i++) {
		const struct pipestate_entry *e = &st->e[i];
		int n;

		if (e->verdict == PIPESTATE_UNKNOWN || !pipestate_holds(e->since, now))
			continue;
		n = snprintf(buf + off, cap - off, "%s %s %lld\n", e->key,
			     pipestate_words[e->verdict], (long long)e->since);
		if (n < 0 || (size_t)n >= cap - off)
			return -ENOSPC;
		off += (size_t)n;
	}
	return (ssize_t)off;
}

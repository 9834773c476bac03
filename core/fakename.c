/*
 * Host names for the fake-IP map: which names it takes, and the hash and
 * comparison it finds them with, both blind to ASCII case as DNS is.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "fakename.h"

static unsigned char
fakename_fold(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return (unsigned char)(c - 'A' + 'a');
	return c;
}

/* FNV-1a over the case-folded bytes, finished with a 32-bit mixer. */
unsigned
fakename_hash(const void *key, unsigned len)
{
	const unsigned char *p = key;
	uint32_t h = 2166136261u;

	for (unsigned i = 0; i < len; i++) {
		h ^= fakename_fold(p[i]);
		h *= 16777619u;
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

int
fakename_cmp(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a;
	const unsigned char *y = b;

	for (size_t i = 0; i < len; i++) {
		if (fakename_fold(x[i]) != fakename_fold(y[i]))
			return 1;
	}
	return 0;
}

static bool
fakename_is_byte(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
}

int
fakename_check(const char *name)
{
	size_t raw;
	size_t n;
	size_t label = 0;

	if (!name)
		return -EINVAL;
	raw = strnlen(name, FAKENAME_WIRE_MAX + 2);
	n = raw;
	if (n > 0 && n <= FAKENAME_WIRE_MAX + 1 && name[n - 1] == '.')
		n--;
	if (n > FAKENAME_WIRE_MAX)
		return -ENAMETOOLONG;
	if (n == 0 || n > FAKENAME_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (!fakename_is_byte(c))
			return -EINVAL;
		if (c == '.') {
			if (label == 0)
				return -EINVAL;
			label = 0;
			continue;
		}
		label++;
		if (label > FAKENAME_LABEL_MAX)
			return -EINVAL;
	}
	if (label == 0)
		return -EINVAL;
	return (int)n;
}

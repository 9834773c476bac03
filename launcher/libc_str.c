/*
 * The string, environment and error-text functions of the C library that
 * the launcher uses, for its freestanding build (see libc_sys.c).  Plain
 * byte loops: the strings are short and each is walked once.  The memory
 * copies use the string instructions, so that no compiler can turn them
 * back into calls to themselves.
 */
#ifdef SX_FREESTANDING

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

void *
memcpy(void *restrict dst, const void *restrict src, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep movsb" : "+D"(d), "+S"(src), "+c"(n) : : "memory");
	return dst;
}

void *
memmove(void *dst, const void *src, size_t n)
{
	if ((const char *)dst <= (const char *)src ||
	    (const char *)dst >= (const char *)src + n)
		return memcpy(dst, src, n);
	/* Overlapping with the destination above: copy from the end. */
	{
		char *d = (char *)dst + n - 1;
		const char *s = (const char *)src + n - 1;

		__asm__ volatile("std\n\trep movsb\n\tcld"
				 : "+D"(d), "+S"(s), "+c"(n) : : "memory");
	}
	return dst;
}

void *
memset(void *dst, int c, size_t n)
{
	void *d = dst;

	__asm__ volatile("rep stosb" : "+D"(d), "+c"(n) : "a"(c) : "memory");
	return dst;
}

int
memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;

	for (size_t i = 0; i < n; i++) {
		if (x[i] != y[i])
			return x[i] - y[i];
	}
	return 0;
}

void *
memchr(const void *s, int c, size_t n)
{
	const unsigned char *p = s;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == (unsigned char)c)
			return (void *)(p + i);
	}
	return NULL;
}

size_t
strlen(const char *s)
{
	const char *p = s;

	while (*p)
		p++;
	return (size_t)(p - s);
}

int
strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];

		if (x != y)
			return x - y;
		if (!x)
			break;
	}
	return 0;
}

int
strcmp(const char *a, const char *b)
{
	return strncmp(a, b, (size_t)-1);
}

char *
strchr(const char *s, int c)
{
	for (;; s++) {
		if (*s == (char)c)
			return (char *)s;
		if (!*s)
			return NULL;
	}
}

char *
strrchr(const char *s, int c)
{
	const char *last = NULL;

	for (;; s++) {
		if (*s == (char)c)
			last = s;
		if (!*s)
			return (char *)last;
	}
}

char *
strstr(const char *s, const char *needle)
{
	size_t n = strlen(needle);

	for (; *s; s++) {
		if (strncmp(s, needle, n) == 0)
			return (char *)s;
	}
	return n == 0 ? (char *)s : NULL;
}

size_t
strcspn(const char *s, const char *reject)
{
	size_t n = 0;

	while (s[n] && !strchr(reject, s[n]))
		n++;
	return n;
}

char *
strpbrk(const char *s, const char *accept)
{
	s += strcspn(s, accept);
	return *s ? (char *)s : NULL;
}

static int
lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

int
strncasecmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int x = lower((unsigned char)a[i]), y = lower((unsigned char)b[i]);

		if (x != y)
			return x - y;
		if (!x)
			break;
	}
	return 0;
}

int
strcasecmp(const char *a, const char *b)
{
	return strncasecmp(a, b, (size_t)-1);
}

/* The environment entry for name ("NAME=value"), or NULL. */
static char **
env_find(const char *name, size_t len)
{
	for (char **e = environ; e && *e; e++) {
		if (strncmp(*e, name, len) == 0 && (*e)[len] == '=')
			return e;
	}
	return NULL;
}

char *
getenv(const char *name)
{
	char **e = env_find(name, strlen(name));

	return e ? *e + strlen(name) + 1 : NULL;
}

int
putenv(char *string)
{
	const char *eq = strchr(string, '=');
	size_t count = 0;
	char **e, **grown;

	if (!eq) {
		errno = EINVAL;
		return -1;
	}
	e = env_find(string, (size_t)(eq - string));
	if (e) {
		*e = string;
		return 0;
	}
	/* A new entry: the environment gets a copy with room for it. */
	while (environ && environ[count])
		count++;
	grown = malloc((count + 2) * sizeof(*grown));
	if (!grown)
		return -1;
	if (count)
		memcpy(grown, environ, count * sizeof(*grown));
	grown[count] = string;
	grown[count + 1] = NULL;
	environ = grown;
	return 0;
}

int
setenv(const char *name, const char *value, int overwrite)
{
	size_t n = strlen(name), v = strlen(value);
	char *s;

	if (!overwrite && env_find(name, n))
		return 0;
	s = malloc(n + v + 2);
	if (!s)
		return -1;
	memcpy(s, name, n);
	s[n] = '=';
	memcpy(s + n + 1, value, v + 1);
	return putenv(s);
}

int
unsetenv(const char *name)
{
	size_t n = strlen(name);
	char **e;

	/* Remove every entry of the name, keeping the order of the rest. */
	while ((e = env_find(name, n)) != NULL) {
		for (; *e; e++)
			e[0] = e[1];
	}
	return 0;
}

/* The texts of the errors the launcher can meet when it executes. */
static const struct {
	int err;
	const char *text;
} libc_errors[] = {
	{ EPERM, "Operation not permitted" },
	{ ENOENT, "No such file or directory" },
	{ EIO, "Input/output error" },
	{ E2BIG, "Argument list too long" },
	{ ENOEXEC, "Exec format error" },
	{ ENOMEM, "Cannot allocate memory" },
	{ EACCES, "Permission denied" },
	{ EFAULT, "Bad address" },
	{ ENOTDIR, "Not a directory" },
	{ EISDIR, "Is a directory" },
	{ EINVAL, "Invalid argument" },
	{ ENFILE, "Too many open files in system" },
	{ EMFILE, "Too many open files" },
	{ ETXTBSY, "Text file busy" },
	{ ENAMETOOLONG, "File name too long" },
	{ ELOOP, "Too many levels of symbolic links" },
	{ ELIBBAD, "Accessing a corrupted shared library" },
	{ EAGAIN, "Resource temporarily unavailable" },
};

char *
strerror(int err)
{
	for (size_t i = 0; i < sizeof(libc_errors) / sizeof(libc_errors[0]); i++) {
		if (libc_errors[i].err == err)
			return (char *)libc_errors[i].text;
	}
	return (char *)"Unknown error";
}

#endif

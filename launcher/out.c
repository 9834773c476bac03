/*
 * Messages of the launcher.  Each line is assembled in a stack buffer and
 * written at once, so that two processes writing to one terminal never
 * interleave within a line; a line too long for the buffer is cut.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "out.h"

#define OUT_PREFIX "socksify: "
#define OUT_SEE_HELP " (see 'socksify --help')"
#define OUT_LINE_MAX 8192

void
out_write(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* Append the strings of ap to line (length *len, room for the newline). */
static void
append_list(char *line, size_t *len, const char *first, va_list ap)
{
	for (const char *s = first; s; s = va_arg(ap, const char *)) {
		size_t n = strlen(s);

		if (n > OUT_LINE_MAX - 1 - *len)
			n = OUT_LINE_MAX - 1 - *len;
		memcpy(line + *len, s, n);
		*len += n;
	}
}

/* Write "socksify: <strings><tail>\n" on stderr. */
static void
emit(const char *tail, const char *first, va_list ap)
{
	char line[OUT_LINE_MAX];
	size_t len = sizeof(OUT_PREFIX) - 1;
	size_t n = strlen(tail);

	memcpy(line, OUT_PREFIX, len);
	append_list(line, &len, first, ap);
	if (n > OUT_LINE_MAX - 1 - len)
		n = OUT_LINE_MAX - 1 - len;
	memcpy(line + len, tail, n);
	len += n;
	line[len++] = '\n';
	out_write(2, line, len);
}

void
out_line(const char *first, ...)
{
	va_list ap;

	va_start(ap, first);
	emit("", first, ap);
	va_end(ap);
}

void
out_die(int status, const char *first, ...)
{
	va_list ap;

	va_start(ap, first);
	emit("", first, ap);
	va_end(ap);
	exit(status);
}

void
out_usage(const char *first, ...)
{
	va_list ap;

	va_start(ap, first);
	emit(OUT_SEE_HELP, first, ap);
	va_end(ap);
	exit(OUT_USAGE);
}

/*
 * One-line diagnostics: format into a stack buffer and write(2) it through
 * the writer the caller installed (the preload layer installs the real
 * libc write(), so logging never re-enters the library's own hooks).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"

#define LOG_LINE_MAX 512
#define LOG_PREFIX "socksify: "

/* Set once at init, read without a lock afterwards. */
static int log_level = LOG_LEVEL_WARN;
static int log_fd = 2;
static ssize_t (*log_writer)(int, const void *, size_t);

void
log_set_writer(ssize_t (*writer)(int fd, const void *buf, size_t len))
{
	log_writer = writer;
}

void
log_set_level(int level)
{
	log_level = level;
}

int
log_get_level(void)
{
	return log_level;
}

void
log_set_fd(int fd)
{
	log_fd = fd;
}

bool
log_enabled(int level)
{
	return level <= log_level;
}

void
log_msg(int level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	size_t len = sizeof(LOG_PREFIX) - 1;
	int saved_errno = errno;
	va_list ap;
	int n;

	if (!log_enabled(level) || !log_writer)
		return;
	memcpy(line, LOG_PREFIX, len);
	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		goto out;
	len += (size_t)n < sizeof(line) - len - 1 ? (size_t)n :
						     sizeof(line) - len - 2;
	/* One line per message: fold any newline the arguments carried. */
	for (size_t i = 0; i < len; i++) {
		if (line[i] == '\n' || line[i] == '\r')
			line[i] = ' ';
	}
	line[len++] = '\n';
	for (size_t off = 0; off < len;) {
		ssize_t w = log_writer(log_fd, line + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			break;
		off += (size_t)w;
	}
out:
	errno = saved_errno;
}

/*
 * One-line diagnostics on stderr: "socksify: <message>".  Formats into a
 * stack buffer and write(2)s it: no stdio, no allocation, safe in any thread
 * and in a signal-free context inside a hook.  The level is set once at init.
 * Never pass a password or a URL with credentials to these functions.
 */
#ifndef SX_LOG_H
#define SX_LOG_H

#include <stdbool.h>
#include <sys/types.h>

enum log_level {
	LOG_LEVEL_NONE = 0,
	LOG_LEVEL_ERROR = 1,
	LOG_LEVEL_WARN = 2,
	LOG_LEVEL_INFO = 3,
	LOG_LEVEL_DEBUG = 4,
};

void log_set_level(int level);
int log_get_level(void);
/* Also write lines to this descriptor (default 2). */
void log_set_fd(int fd);
/*
 * The write function lines go out through (the preload layer passes the
 * real libc write(), never its own hook); without one, lines are dropped.
 */
void log_set_writer(ssize_t (*writer)(int fd, const void *buf, size_t len));
bool log_enabled(int level);
void log_msg(int level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_debug(...)                                       \
	do {                                                 \
		if (log_enabled(LOG_LEVEL_DEBUG))            \
			log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__); \
	} while (0)

#endif

/*
 * The launcher's messages: whole lines written with one write(2) each, no
 * stdio.  Every message on stderr starts with "socksify: ".  The string
 * lists end with a NULL pointer (the compiler checks the sentinel).
 */
#ifndef OUT_H
#define OUT_H

#include <stdnoreturn.h>
#include <stddef.h>

/* The exit statuses of the launcher itself, as a shell would use them. */
enum out_status {
	OUT_USAGE = 2,
	OUT_CANNOT_EXEC = 126,
	OUT_NOT_FOUND = 127,
};

/* Write all of buf to fd, resuming after EINTR and short writes. */
void out_write(int fd, const char *buf, size_t len);
/* One line on stderr: "socksify: " and the strings, then a newline. */
void out_line(const char *first, ...) __attribute__((sentinel));
/* out_line(), then exit with status. */
noreturn void out_die(int status, const char *first, ...)
	__attribute__((sentinel));
/* A usage error: the line ends with the pointer to --help; exit 2. */
noreturn void out_usage(const char *first, ...) __attribute__((sentinel));

#endif

/*
 * What socksify-check writes: the rows of its table, its errors.
 */
#ifndef CHECKOUT_H
#define CHECKOUT_H

#include <stddef.h>
#include <stdint.h>

/* One row of the table on stdout: the name, then the text. */
void checkout_row(const char *name, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* A usage or configuration error: "socksify: " and the parts, exit 2. */
void checkout_die(const char *what, const char *why) __attribute__((noreturn));
/* Milliseconds with two decimals from microseconds, for the table. */
void checkout_ms(int64_t us, char *buf, size_t size);

#endif

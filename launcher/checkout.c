/*
 * What socksify-check writes (checkout.h): the rows of its table on
 * stdout, a usage or configuration error on stderr.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "checkout.h"

/* One row of the table: the name, then the text. */
void
checkout_row(const char *name, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n = snprintf(line, sizeof(line), "%-16s ", name);

	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	for (int off = 0; off < n;) {
		ssize_t w = write(1, line + off, (size_t)(n - off));

		if (w <= 0)
			return;
		off += (int)w;
	}
}


/* A usage or configuration error: "socksify: " and the parts, exit 2. */
void
checkout_die(const char *what, const char *why)
{
	char line[600];
	int n = snprintf(line, sizeof(line), "socksify: %s%s%s\n", what,
			 why ? ": " : "", why ? why : "");

	if (n > (int)sizeof(line) - 1)
		n = (int)sizeof(line) - 1;
	if (write(2, line, (size_t)n) < 0)
		exit(2);
	exit(2);
}


/* Milliseconds with two decimals from microseconds, for the table. */
void
checkout_ms(int64_t us, char *buf, size_t size)
{
	snprintf(buf, size, "%lld.%02lld ms", (long long)(us / 1000),
		 (long long)(us % 1000 / 10));
}


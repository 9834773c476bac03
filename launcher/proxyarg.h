/*
 * The proxy as the options give it: the URL from -p or --proxy-file, the
 * test for a password in it, and its description without credentials for
 * -v.  The URL itself is the library's to parse (core/proxyurl.c); here it
 * is only looked at as text, as far as these questions need.
 */
#ifndef PROXYARG_H
#define PROXYARG_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Does the URL, or one URL of a list separated by commas, hold a password
 * ("user:password@" before the host)?
 */
bool proxyarg_has_password(const char *url);
/*
 * Write "scheme://host[:port]" without user and password into buf, for
 * each URL of a list separated by commas ("a,b").
 */
void proxyarg_redact(const char *url, char *buf, size_t size);
/* Write the proxy the library will use and where it comes from into buf. */
void proxyarg_describe(char *buf, size_t size);
/*
 * Set SOCKS_PROXY from the one line of file, or exit 2 with one line that
 * names the option and the file.
 */
void proxyarg_read_file(const char *file);

#endif

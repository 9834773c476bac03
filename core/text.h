/*
 * Small text helpers for the parsers of the configuration: ASCII character
 * classes and comparisons without case, UTF-8 validation, decimal ports
 * and prefix lengths, and the two ways an error is worded: text_show()
 * quotes a short, escaped piece of a value, text_set_err() formats the
 * line.  Nothing here allocates or keeps state.
 */
#ifndef SX_TEXT_H
#define SX_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes of a bad value shown in an error, and the buffer that holds them. */
#define TEXT_SHOW_MAX 60
#define TEXT_SHOW_BUF 128

/* What can be wrong with a port; each caller words it for its messages. */
enum text_port_fault {
	TEXT_PORT_OK,
	TEXT_PORT_EMPTY,
	TEXT_PORT_NOT_DECIMAL,
	TEXT_PORT_OUT_OF_RANGE,
};

bool text_is_digit(char c);
bool text_is_alpha(char c);
/* Letters, digits, '-', '.' and '_': what a host name is made of. */
bool text_is_host_char(char c);
char text_lower(char c);
/* a[0..n) and b[0..n) agree, ASCII case ignored. */
bool text_equal_nocase(const char *a, const char *b, size_t n);
/* The whole of s[0..n) is word, ASCII case ignored. */
bool text_word_is(const char *s, size_t n, const char *word);
bool text_all_digits_and_dots(const char *s, size_t n);
/* The value of a hexadecimal digit, or -1. */
int text_hex_value(char c);
/* Well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF. */
bool text_is_utf8(const char *s, size_t n);
/*
 * Copy at most TEXT_SHOW_MAX bytes of s[0..n) into dst for an error
 * message: printable ASCII as it is, anything else (and '"' and '\') as
 * \xHH, then "..." when the value was cut.  dst is always terminated.
 */
void text_show(char *dst, size_t cap, const char *s, size_t n);
/* Format an error line into err; nothing when err is NULL or errlen 0. */
void text_set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A decimal port, 1..65535, digits only (no sign, no space). */
enum text_port_fault text_parse_port(const char *s, size_t n, uint16_t *port);
/*
 * A prefix length: decimal digits, at most max (32 or 128).  NULL, or
 * what is wrong with it.
 */
const char *text_parse_prefix(const char *s, size_t n, unsigned int max,
			      unsigned int *out);

#endif

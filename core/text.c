/*
 * Small text helpers shared by the parsers of the configuration.  They
 * work on counted strings (s, n), so a parser can look at a piece of a
 * value without copying it, and never allocate.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "text.h"

bool
text_is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool
text_is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

char
text_lower(char c)
{
	if (c >= 'A' && c <= 'Z')
		return (char)(c - 'A' + 'a');
	return c;
}

bool
text_equal_nocase(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (text_lower(a[i]) != text_lower(b[i]))
			return false;
	}
	return true;
}

/* The whole of s[0..n) is one of the words, compared without case. */
bool
text_word_is(const char *s, size_t n, const char *word)
{
	return strlen(word) == n && text_equal_nocase(s, word, n);
}

bool
text_is_host_char(char c)
{
	return text_is_alpha(c) || text_is_digit(c) || c == '-' || c == '.' ||
	       c == '_';
}

bool
text_all_digits_and_dots(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (!text_is_digit(s[i]) && s[i] != '.')
			return false;
	}
	return true;
}

int
text_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * Well-formed UTF-8 only: no overlong forms, no surrogates, nothing above
 * U+10FFFF.
 */
bool
text_is_utf8(const char *s, size_t n)
{
	const unsigned char *b = (const unsigned char *)s;
	size_t i = 0;

	while (i < n) {
		unsigned int c = b[i];
		uint32_t cp, min;
		size_t need;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			need = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else {
			return false;
		}
		if (n - i - 1 < need)
			return false;
		for (size_t k = 1; k <= need; k++) {
			if ((b[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (b[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
	}
	return true;
}

/*
 * Copy at most TEXT_SHOW_MAX bytes of s[0..n) into dst for an error
 * message: printable ASCII as it is, anything else (and '"' and '\') as
 * \xHH, then "..." when the value was cut.  dst is always terminated.
 */
void
text_show(char *dst, size_t cap, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t lim = n < TEXT_SHOW_MAX ? n : TEXT_SHOW_MAX;
	size_t o = 0;
	size_t i;

	if (cap == 0)
		return;
	for (i = 0; i < lim; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			if (o + 1 >= cap)
				break;
			dst[o++] = (char)c;
		} else {
			if (o + 4 >= cap)
				break;
			dst[o++] = '\\';
			dst[o++] = 'x';
			dst[o++] = hex[c >> 4];
			dst[o++] = hex[c & 0x0f];
		}
	}
	if (i < n && o + 3 < cap) {
		dst[o++] = '.';
		dst[o++] = '.';
		dst[o++] = '.';
	}
	dst[o] = '\0';
}

void
text_set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* A decimal port, 1..65535, digits only (no sign, no space). */
enum text_port_fault
text_parse_port(const char *s, size_t n, uint16_t *port)
{
	unsigned long v = 0;

	if (n == 0)
		return TEXT_PORT_EMPTY;
	for (size_t i = 0; i < n; i++) {
		if (!text_is_digit(s[i]))
			return TEXT_PORT_NOT_DECIMAL;
		if (v <= 65535)
			v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return TEXT_PORT_OUT_OF_RANGE;
	*port = (uint16_t)v;
	return TEXT_PORT_OK;
}

/* A prefix length: 1..3 digits, at most max. */
const char *
text_parse_prefix(const char *s, size_t n, unsigned int max, unsigned int *out)
{
	unsigned int v = 0;

	if (n == 0)
		return "empty prefix length after '/'";
	for (size_t i = 0; i < n; i++) {
		if (!text_is_digit(s[i]))
			return "prefix length is not a decimal number";
		if (v <= 1000)
			v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v > max)
		return max == 32 ? "prefix length out of range 0-32 for IPv4" :
				   "prefix length out of range 0-128 for IPv6";
	*out = v;
	return NULL;
}

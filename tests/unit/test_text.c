/*
 * The text helpers of the configuration parsers (core/text.c): character
 * classes, compares without case, UTF-8 validation, the escaped and cut
 * piece of a value shown in errors, ports and prefix lengths.
 */
#include <string.h>

#include "tap.h"
#include "text.h"

static void
test_classes(void)
{
	ok(text_is_digit('0') && text_is_digit('9') && !text_is_digit('a'),
	   "digits");
	ok(text_is_alpha('a') && text_is_alpha('Z') && !text_is_alpha('1'),
	   "letters");
	ok(text_is_host_char('-') && text_is_host_char('_') &&
		   text_is_host_char('.') && !text_is_host_char('/') &&
		   !text_is_host_char(':'),
	   "host name characters");
	ok(text_lower('Q') == 'q' && text_lower('q') == 'q' &&
		   text_lower('1') == '1',
	   "lower case of ASCII only");
	ok(text_equal_nocase("SoCkS", "socks", 5), "equal without case");
	ok(!text_equal_nocase("sockt", "socks", 5), "a different letter");
	ok(text_word_is("Direct", 6, "direct"), "a whole word");
	ok(!text_word_is("direc", 5, "direct"), "a piece of a word is not it");
	ok(!text_word_is("directly", 8, "direct"), "nor is a longer one");
	ok(text_all_digits_and_dots("10.0.0.1", 8), "digits and dots");
	ok(!text_all_digits_and_dots("10.0.0.a", 8), "a letter among them");
	is_int(text_hex_value('f'), 15, "hex f");
	is_int(text_hex_value('A'), 10, "hex A");
	is_int(text_hex_value('g'), -1, "not hex");
}

static void
test_utf8(void)
{
	ok(text_is_utf8("plain", 5), "ASCII");
	ok(text_is_utf8("caf\xc3\xa9", 5), "a two-byte character");
	ok(text_is_utf8("\xf0\x9f\x98\x80", 4), "a four-byte character");
	ok(!text_is_utf8("\xc3", 1), "a cut character");
	ok(!text_is_utf8("\xc0\xaf", 2), "an overlong form");
	ok(!text_is_utf8("\xed\xa0\x80", 3), "a surrogate");
	ok(!text_is_utf8("\xf4\x90\x80\x80", 4), "above U+10FFFF");
	ok(!text_is_utf8("\xff", 1), "a byte that never appears");
}

static void
test_show(void)
{
	char buf[128], small[8];
	char long_value[100];

	text_show(buf, sizeof(buf), "a\"b\\c\n\x80", 7);
	is_str(buf, "a\\x22b\\x5cc\\x0a\\x80", "quotes, backslashes and bytes escaped");
	memset(long_value, 'x', sizeof(long_value));
	text_show(buf, sizeof(buf), long_value, sizeof(long_value));
	is_int(strlen(buf), TEXT_SHOW_MAX + 3, "cut after TEXT_SHOW_MAX bytes");
	ok(strcmp(buf + TEXT_SHOW_MAX, "...") == 0, "and marked as cut");
	text_show(small, sizeof(small), "abcdefghij", 10);
	ok(strlen(small) < sizeof(small), "a small buffer is terminated");
	text_set_err(NULL, 0, "%s", "nowhere");
	text_set_err(small, sizeof(small), "%s", "a longer line");
	is_str(small, "a longe", "an error line is cut to its buffer");
}

static void
test_numbers(void)
{
	uint16_t port = 7;
	unsigned int prefix = 99;

	is_int(text_parse_port("1080", 4, &port), TEXT_PORT_OK, "a port");
	is_int(port, 1080, "its value");
	is_int(text_parse_port("", 0, &port), TEXT_PORT_EMPTY, "empty");
	is_int(text_parse_port("+80", 3, &port), TEXT_PORT_NOT_DECIMAL,
	       "a sign");
	is_int(text_parse_port("0", 1, &port), TEXT_PORT_OUT_OF_RANGE, "zero");
	is_int(text_parse_port("65536", 5, &port), TEXT_PORT_OUT_OF_RANGE,
	       "above 65535");
	is_int(text_parse_port("99999999999999999999", 20, &port),
	       TEXT_PORT_OUT_OF_RANGE, "far above, without overflow");
	is_int(port, 1080, "a refused port stores nothing");
	ok(text_parse_prefix("24", 2, 32, &prefix) == NULL && prefix == 24,
	   "a prefix length");
	is_str(text_parse_prefix("33", 2, 32, &prefix),
	       "prefix length out of range 0-32 for IPv4", "too long for IPv4");
	is_str(text_parse_prefix("129", 3, 128, &prefix),
	       "prefix length out of range 0-128 for IPv6", "too long for IPv6");
	is_str(text_parse_prefix("", 0, 32, &prefix),
	       "empty prefix length after '/'", "empty");
	is_str(text_parse_prefix("2a", 2, 32, &prefix),
	       "prefix length is not a decimal number", "not a number");
	is_int(prefix, 24, "a refused prefix length stores nothing");
}

int
main(void)
{
	test_classes();
	test_utf8();
	test_show();
	test_numbers();
	return tap_done();
}

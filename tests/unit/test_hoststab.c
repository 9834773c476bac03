/*
 * The hosts file as a table (core/hoststab.c): the parser on literal file
 * texts, and the name and address lookups in what it parsed.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hoststab.h"
#include "tap.h"

static const uint8_t v4_loopback[4] = { 127, 0, 0, 1 };
static const uint8_t v6_loopback[16] = { [15] = 1 };

static void
parse_text(struct hoststab *t, const char *text)
{
	int rc = hoststab_parse(text, strlen(text), t);

	is_int(rc, 0, "the text parses");
}

static void
test_basic(void)
{
	static const char text[] =
		"# The usual file\n"
		"127.0.0.1\tlocalhost\n"
		"::1     localhost ip6-localhost ip6-loopback\n"
		"\n"
		"   # an indented comment\n"
		"10.0.0.1 Foo.Example foo # the office box\n"
		"192.0.2.7 two.words\tTabbed   spaces\n";
	static const uint8_t office[4] = { 10, 0, 0, 1 };
	static const uint8_t seven[4] = { 192, 0, 2, 7 };
	struct hoststab t;
	struct hosts_answer a;
	char name[256];

	parse_text(&t, text);
	is_int(t.count, 9, "nine names on four address lines");

	is_int(hoststab_find(&t, "localhost", &a), 2, "localhost has two addresses");
	is_str(a.canon, "localhost", "its canonical name");
	is_int(a.addr[0].family, AF_INET, "the IPv4 line comes first");
	is_bytes(a.addr[0].addr, v4_loopback, 4, "127.0.0.1");
	is_int(a.addr[1].family, AF_INET6, "then the IPv6 line");
	is_bytes(a.addr[1].addr, v6_loopback, 16, "::1");

	is_int(hoststab_find(&t, "ip6-localhost", &a), 1, "an alias on the ::1 line");
	is_str(a.canon, "localhost", "an alias's canonical name is the line's first name");
	is_int(a.addr[0].family, AF_INET6, "and its address is IPv6");

	is_int(hoststab_find(&t, "FOO.EXAMPLE", &a), 1, "names compare ignoring case");
	is_str(a.canon, "Foo.Example", "the canonical name keeps the file's case");
	is_bytes(a.addr[0].addr, office, 4, "10.0.0.1");
	is_int(hoststab_find(&t, "foo", &a), 1, "the alias before a trailing comment");
	is_int(hoststab_find(&t, "office", &a), 0, "words of a comment are not names");
	is_int(hoststab_find(&t, "box", &a), 0, "not even the last one");

	is_int(hoststab_find(&t, "tabbed", &a), 1, "a name after a tab");
	is_str(a.canon, "two.words", "its canonical name");
	is_bytes(a.addr[0].addr, seven, 4, "192.0.2.7");
	is_int(hoststab_find(&t, "spaces", &a), 1, "a name after several spaces");

	is_int(hoststab_find(&t, "localhost.", &a), 0,
	       "a trailing dot is a different name, as for the C library");
	is_int(hoststab_find(&t, "localhos", &a), 0, "a prefix is not the name");
	is_int(hoststab_find(&t, "localhostx", &a), 0, "nor a longer name");
	is_int(hoststab_find(&t, "", &a), 0, "the empty name is never listed");
	is_int(hoststab_find(&t, NULL, &a), 0, "nor a null name");
	is_int(hoststab_find(&t, "zzz", &a), 0, "a name after the last one");
	is_int(hoststab_find(&t, "0", &a), 0, "a name before the first one");

	is_int(hoststab_find_addr(&t, AF_INET, office, name, sizeof(name)), 0,
	       "10.0.0.1 is in the file");
	is_str(name, "Foo.Example", "its name is the line's first name");
	is_int(hoststab_find_addr(&t, AF_INET6, v6_loopback, name, sizeof(name)), 0,
	       "::1 is in the file");
	is_str(name, "localhost", "its name");
	is_int(hoststab_find_addr(&t, AF_INET, v4_loopback, name, 9), -ENOSPC,
	       "a buffer one byte short is refused");
	is_int(hoststab_find_addr(&t, AF_INET, v4_loopback, name, 10), 0,
	       "a buffer just large enough is used");
	is_str(name, "localhost", "and holds the whole name");
	{
		static const uint8_t other[4] = { 10, 0, 0, 2 };

		is_int(hoststab_find_addr(&t, AF_INET, other, name, sizeof(name)),
		       -ENOENT, "an address not in the file");
	}
	{
		static const uint8_t office6[16] = { 10, 0, 0, 1 };

		is_int(hoststab_find_addr(&t, AF_INET6, office6, name, sizeof(name)),
		       -ENOENT, "an IPv6 address starting with the same bytes is not it");
	}
	is_int(hoststab_find_addr(&t, AF_UNIX, office, name, sizeof(name)),
	       -ENOENT, "another family is never listed");
	hoststab_free(&t);
}

static void
test_bad_lines(void)
{
	static const char text[] =
		"300.1.1.1 bad-octet\n"
		"1.2.3 short-quad\n"
		"0x7f.0.0.1 hex-quad\n"
		"fe80::1%eth0 scoped\n"
		"notanaddress bad-word\n"
		"1.2.3.4\n"
		"# 1.2.3.4 commented\n"
		"5.6.7.8#glued-comment\n"
		"1.2.3.4 good\n";
	struct hoststab t;
	struct hosts_answer a;

	parse_text(&t, text);
	is_int(t.count, 1, "only the good line gives a name");
	is_int(hoststab_find(&t, "bad-octet", &a), 0, "an octet above 255 skips the line");
	is_int(hoststab_find(&t, "short-quad", &a), 0, "a short dotted quad skips the line");
	is_int(hoststab_find(&t, "hex-quad", &a), 0, "a hexadecimal quad skips the line");
	is_int(hoststab_find(&t, "scoped", &a), 0, "a scoped IPv6 address skips the line");
	is_int(hoststab_find(&t, "bad-word", &a), 0, "a word for an address skips the line");
	is_int(hoststab_find(&t, "commented", &a), 0, "a commented-out line");
	is_int(hoststab_find(&t, "glued-comment", &a), 0, "a comment glued to the address");
	is_int(hoststab_find(&t, "good", &a), 1, "the good line");
	hoststab_free(&t);
}

static void
test_line_ends(void)
{
	static const char text[] = "10.1.1.1 crlf\r\n10.1.1.2\tlast";
	static const uint8_t last[4] = { 10, 1, 1, 2 };
	struct hoststab t;
	struct hosts_answer a;

	parse_text(&t, text);
	is_int(hoststab_find(&t, "crlf", &a), 1, "a CRLF line: the CR is not part of the name");
	is_int(hoststab_find(&t, "crlf\r", &a), 0, "the name with its CR is not listed");
	is_int(hoststab_find(&t, "last", &a), 1, "a last line without a newline");
	is_bytes(a.addr[0].addr, last, 4, "with its address");
	hoststab_free(&t);

	parse_text(&t, "");
	is_int(t.count, 0, "an empty file lists nothing");
	is_int(hoststab_find(&t, "localhost", &a), 0, "not even localhost");
	hoststab_free(&t);

	parse_text(&t, "\n\n# nothing here\n   \n");
	is_int(t.count, 0, "a file of comments and blank lines lists nothing");
	hoststab_free(&t);
}

static void
test_long_names(void)
{
	char text[700];
	char name255[256];
	char name256[257];
	struct hoststab t;
	struct hosts_answer a;

	memset(name255, 'a', 255);
	name255[255] = '\0';
	memset(name256, 'b', 256);
	name256[256] = '\0';
	snprintf(text, sizeof(text), "10.0.0.1 %s\n10.0.0.2 %s short\n",
		 name255, name256);
	parse_text(&t, text);
	is_int(hoststab_find(&t, name255, &a), 1, "a 255-byte name is listed");
	is_int(strlen(a.canon), 255, "with its whole canonical name");
	is_int(hoststab_find(&t, name256, &a), 0, "a 256-byte name is skipped");
	is_int(hoststab_find(&t, "short", &a), 1, "the rest of its line is kept");
	is_str(a.canon, "short", "and the first usable name is canonical");
	hoststab_free(&t);
}

static void
test_many_lines(void)
{
	char text[4096];
	size_t n = 0;
	struct hoststab t;
	struct hosts_answer a;
	bool in_order = true;

	n += (size_t)snprintf(text + n, sizeof(text) - n,
			      "1.1.1.1 b\n2.2.2.2 a\n3.3.3.3 B\n");
	for (int i = 1; i <= 20; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n,
				      "10.0.0.%d many many\n", i);
	parse_text(&t, text);
	is_int(hoststab_find(&t, "b", &a), 2, "a name on two lines has two addresses");
	is_int(a.addr[0].addr[0], 1, "in file order: first 1.1.1.1");
	is_int(a.addr[1].addr[0], 3, "then 3.3.3.3");
	is_int(hoststab_find(&t, "a", &a), 1, "the line in between is another name");
	is_int(hoststab_find(&t, "many", &a), HOSTS_ADDR_MAX,
	       "a name on twenty lines keeps the first HOSTS_ADDR_MAX");
	for (size_t i = 0; i < a.count; i++) {
		if (a.addr[i].addr[3] != i + 1)
			in_order = false;
	}
	ok(in_order, "once per line, in file order");
	hoststab_free(&t);
}

int
main(void)
{
	test_basic();
	test_bad_lines();
	test_line_ends();
	test_long_names();
	test_many_lines();
	return tap_done();
}

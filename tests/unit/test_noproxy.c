/*
 * NO_PROXY lists (core/noproxy.c): parsing, the error for each bad entry,
 * a large list, and the match of names, addresses and ports against it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfgcheck.h"
#include "config.h"
#include "noproxy.h"
#include "tap.h"

static int
parse_list(const char *list, struct config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	return noproxy_parse(list, &cfg->noproxy, &cfg->noproxy_count,
			     err, errlen);
}

static void
test_noproxy_parse(void)
{
	char err[CONFIG_ERR_LEN];
	struct config cfg;
	const struct config_noproxy *e;
	static const uint8_t net10[4] = { 10, 0, 0, 0 };
	static const uint8_t host7[4] = { 192, 168, 1, 7 };
	uint8_t fd[16] = { 0xfd };
	uint8_t lo6[16] = { [15] = 1 };
	int rc;

	rc = parse_list(" , ,\t\n", &cfg, err, sizeof(err));
	is_int(rc, 0, "a list of separators parses");
	is_int(cfg.noproxy_count, 0, "to nothing");
	ok(cfg.noproxy == NULL, "with nothing allocated");
	rc = parse_list(NULL, &cfg, err, sizeof(err));
	is_int(rc, 0, "a NULL list is empty");

	rc = parse_list("*", &cfg, err, sizeof(err));
	is_int(rc, 0, "\"*\" parses");
	is_int(cfg.noproxy_count, 1, "to one entry");
	is_int(cfg.noproxy[0].kind, CONFIG_NP_ALL, "that matches everything");
	config_free(&cfg);

	rc = parse_list("Example.COM,.sub.example.org. ,, *.wild.test:8080  "
			"10.0.0.0/8 192.168.1.7,fd00::/8 ::1 [::1]:22 "
			"[fd00::/8] [2001:db8::]/32:443 10.9.8.7:53 "
			"10.255.1.2/8",
			&cfg, err, sizeof(err));
	is_int(rc, 0, "a mixed list parses");
	is_str(err, "", "without an error");
	is_int(cfg.noproxy_count, 12, "into 12 entries, empty ones skipped");
	e = cfg.noproxy;
	is_int(e[0].kind, CONFIG_NP_NAME, "a name");
	is_str(e[0].name, "example.com", "lower case");
	is_int(e[0].name_len, 11, "with its length");
	is_str(e[1].name, "sub.example.org",
	       "a leading and a trailing dot are dropped");
	is_str(e[2].name, "wild.test", "a leading \"*.\" is dropped");
	is_int(e[2].port, 8080, "a name keeps its port");
	is_int(e[0].port, 0, "no port means any port");
	is_int(e[3].kind, CONFIG_NP_CIDR, "a CIDR block");
	is_int(e[3].family, AF_INET, "of IPv4");
	is_int(e[3].prefix, 8, "with its prefix");
	is_bytes(e[3].addr, net10, 4, "and network");
	is_int(e[4].prefix, 32, "an IPv4 address is a /32");
	is_bytes(e[4].addr, host7, 4, "of that address");
	is_int(e[5].family, AF_INET6, "an IPv6 block");
	is_int(e[5].prefix, 8, "with its prefix");
	is_bytes(e[5].addr, fd, 16, "and network");
	is_int(e[6].prefix, 128, "an IPv6 address is a /128");
	is_bytes(e[6].addr, lo6, 16, "of that address");
	is_int(e[7].prefix, 128, "a bracketed IPv6 address");
	is_int(e[7].port, 22, "with a port");
	is_int(e[8].prefix, 8, "a prefix inside the brackets");
	is_int(e[9].prefix, 32, "a prefix after the brackets");
	is_int(e[9].port, 443, "then a port");
	is_int(e[10].family, AF_INET, "an IPv4 address with a port");
	is_int(e[10].port, 53, "keeps it");
	is_bytes(e[11].addr, net10, 4, "host bits of a block are cleared");
	config_free(&cfg);
	ok(cfg.noproxy == NULL && cfg.noproxy_count == 0,
	   "config_free clears the list");
}

struct np_bad {
	const char *list;
	const char *err;
};

static const struct np_bad np_bads[] = {
	{ "10.0.0.0/33", "prefix length out of range 0-32 for IPv4 in entry \"10.0.0.0/33\"" },
	{ "fd00::/129", "prefix length out of range 0-128 for IPv6 in entry \"fd00::/129\"" },
	{ "10.0.0.0/", "empty prefix length after '/' in entry \"10.0.0.0/\"" },
	{ "10.0.0.0/x", "prefix length is not a decimal number in entry \"10.0.0.0/x\"" },
	{ "10.0.0.0/-1", "prefix length is not a decimal number in entry \"10.0.0.0/-1\"" },
	{ "ok.example, 300.1.1.1", "bad IPv4 address in entry \"300.1.1.1\"" },
	{ "10.1", "bad IPv4 address in entry \"10.1\"" },
	{ ":80", "empty host name in entry \":80\"" },
	{ "10.0.0.0/8:22", "prefix length is not a decimal number in entry \"10.0.0.0/8:22\"" },
	{ "fd00::zz", "bad IPv6 address in entry \"fd00::zz\"" },
	{ "fe80::1%eth0", "IPv6 zone index is not supported in entry \"fe80::1%eth0\"" },
	{ "[::1", "unterminated '[' in entry \"[::1\"" },
	{ "[]", "empty '[]' in entry \"[]\"" },
	{ "[example.com]", "brackets hold something other than an IPv6 address in entry \"[example.com]\"" },
	{ "[::1]x", "unexpected characters after ']' in entry \"[::1]x\"" },
	{ "[::1]:", "empty port after ':' in entry \"[::1]:\"" },
	{ "example.com:", "empty port after ':' in entry \"example.com:\"" },
	{ "example.com:0", "port out of range 1-65535 in entry \"example.com:0\"" },
	{ "example.com:65536", "port out of range 1-65535 in entry \"example.com:65536\"" },
	{ "example.com:http", "port is not a decimal number in entry \"example.com:http\"" },
	{ "10.0.0.1:-5", "port is not a decimal number in entry \"10.0.0.1:-5\"" },
	{ ".", "empty host name in entry \".\"" },
	{ "*.", "empty host name in entry \"*.\"" },
	{ "a..b", "empty label in host name in entry \"a..b\"" },
	{ "a..", "empty label in host name in entry \"a..\"" },
	{ "*foo", "invalid character in host name in entry \"*foo\"" },
	{ "ex\x01mple.com", "invalid character in host name in entry \"ex\\x01mple.com\"" },
	{ "caf\xc3\xa9.example", "invalid character in host name in entry \"caf\\xc3\\xa9.example\"" },
	{ "quo\"te", "invalid character in host name in entry \"quo\\x22te\"" },
};

static void
test_noproxy_bad(void)
{
	char err[CONFIG_ERR_LEN], label[256];
	struct config cfg;
	char *big;
	size_t n;
	int rc;

	for (size_t i = 0; i < SX_ARRAY_LEN(np_bads); i++) {
		const struct np_bad *c = &np_bads[i];

		rc = parse_list(c->list, &cfg, err, sizeof(err));
		snprintf(label, sizeof(label), "NO_PROXY entry #%zu is an error", i);
		is_int(rc, -EINVAL, label);
		snprintf(label, sizeof(label), "NO_PROXY entry #%zu: message", i);
		is_str(err, c->err, label);
		snprintf(label, sizeof(label), "NO_PROXY entry #%zu: nothing kept",
			 i);
		ok(cfg.noproxy == NULL && cfg.noproxy_count == 0, label);
	}

	/* A name longer than 255 bytes, then one huge entry. */
	big = malloc(1 << 20);
	memset(big, 'a', 256);
	big[256] = '\0';
	rc = parse_list(big, &cfg, err, sizeof(err));
	is_int(rc, -EINVAL, "a 256-byte name is an error");
	ok(has(err, "host name longer than 255 bytes"), "saying so");

	memset(big, 'z', (1 << 20) - 1);
	big[(1 << 20) - 1] = '\0';
	rc = parse_list(big, &cfg, err, sizeof(err));
	is_int(rc, -EINVAL, "a 1 MiB entry is an error");
	ok(is_one_line(err), "reported in one line");
	ok(strlen(err) < 140, "showing a short piece of the entry");
	ok(has(err, "zzz...\""), "marked as cut");

	/* A long entry of control bytes is shown escaped and bounded. */
	memset(big, 0x07, 200);
	big[200] = '\0';
	rc = parse_list(big, &cfg, err, sizeof(err));
	is_int(rc, -EINVAL, "an entry of control bytes is an error");
	ok(is_one_line(err), "reported in one printable line");
	ok(has(err, "\\x07\\x07"), "with the bytes escaped");

	/* Pseudo-random garbage of every byte value: no crash, one line. */
	{
		uint32_t x = 12345;

		for (n = 0; n < (1 << 20) - 1; n++) {
			x = x * 1103515245u + 12345u;
			big[n] = (char)((x >> 16) & 0xff);
			if (big[n] == '\0')
				big[n] = ',';
		}
		big[n] = '\0';
		rc = parse_list(big, &cfg, err, sizeof(err));
		ok(rc == -EINVAL || rc == 0, "1 MiB of garbage: no crash");
		if (rc < 0)
			ok(is_one_line(err), "and the error is one printable line");
		config_free(&cfg);
	}

	/* Too many entries. */
	n = 0;
	for (int i = 0; i < 100001; i++) {
		big[n++] = 'a';
		big[n++] = ',';
	}
	big[n] = '\0';
	rc = parse_list(big, &cfg, err, sizeof(err));
	is_int(rc, -EINVAL, "100001 entries are too many");
	is_str(err, "too many entries (100001, at most 100000)", "saying so");
	free(big);
}

static double
now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
test_noproxy_many(void)
{
	char err[CONFIG_ERR_LEN];
	struct config cfg;
	size_t cap = 10000 * 40, n = 0;
	char *list = malloc(cap);
	double t0, t1;
	int rc;

	for (int i = 0; i < 10000; i++) {
		if (i % 4 == 3)
			n += (size_t)snprintf(list + n, cap - n, "10.%d.%d.0/24,",
					      i / 256, i % 256);
		else
			n += (size_t)snprintf(list + n, cap - n,
					      "host-%d.example.net ", i);
	}
	t0 = now_seconds();
	rc = parse_list(list, &cfg, err, sizeof(err));
	t1 = now_seconds();
	is_int(rc, 0, "10,000 entries parse");
	is_int(cfg.noproxy_count, 10000, "all of them");
	ok(t1 - t0 < 1.0, "in well under a second");
	ok(noproxy_matches(&cfg, "www.host-9998.example.net", NULL, 0),
	   "the last name entries match");
	ok(noproxy_matches(&cfg, NULL, sa4("10.39.15.77", 1), SIN_LEN),
	   "the last block matches");
	ok(!noproxy_matches(&cfg, "host-10000.example.net", NULL, 0),
	   "a name not in the list does not");
	t0 = now_seconds();
	for (int i = 0; i < 100; i++)
		noproxy_matches(&cfg, "nomatch.example", sa4("192.0.2.1", 1),
				SIN_LEN);
	t1 = now_seconds();
	ok(t1 - t0 < 1.0, "100 misses against 10,000 entries are quick");
	config_free(&cfg);
	free(list);
}

static void
test_noproxy_match(void)
{
	char err[CONFIG_ERR_LEN];
	struct config cfg;
	int rc;

	rc = parse_list("example.com .dot.test Caps.Test. 10.0.0.0/8 "
			"192.168.1.7 fd00::/8 [2001:db8::1]:22 svc.local:8080 "
			"172.16.0.1:53",
			&cfg, err, sizeof(err));
	is_int(rc, 0, "the matching list parses");

	ok(noproxy_matches(&cfg, "example.com", NULL, 0),
	   "a name matches itself");
	ok(noproxy_matches(&cfg, "a.example.com", NULL, 0),
	   "and a subdomain");
	ok(noproxy_matches(&cfg, "x.y.example.com", NULL, 0),
	   "and a deeper subdomain");
	ok(!noproxy_matches(&cfg, "badexample.com", NULL, 0),
	   "but not a name that merely ends the same");
	ok(!noproxy_matches(&cfg, "example.com.evil", NULL, 0),
	   "nor one that continues");
	ok(!noproxy_matches(&cfg, "com", NULL, 0),
	   "nor a parent domain");
	ok(noproxy_matches(&cfg, "EXAMPLE.Com", NULL, 0),
	   "matching ignores case");
	ok(noproxy_matches(&cfg, "www.example.com.", NULL, 0),
	   "and one trailing dot of the query");
	ok(!noproxy_matches(&cfg, "www.example.com..", NULL, 0),
	   "but not two");
	ok(noproxy_matches(&cfg, "dot.test", NULL, 0),
	   "a leading-dot entry matches the name itself");
	ok(noproxy_matches(&cfg, "a.dot.test", NULL, 0),
	   "and its subdomains");
	ok(noproxy_matches(&cfg, "caps.test", NULL, 0),
	   "an entry written in capitals with a dot matches");
	ok(!noproxy_matches(&cfg, "", NULL, 0), "an empty name does not");
	ok(!noproxy_matches(&cfg, NULL, NULL, 0),
	   "nothing at all does not");

	ok(noproxy_matches(&cfg, NULL, sa4("10.200.3.4", 80), SIN_LEN),
	   "an address inside a block matches");
	ok(!noproxy_matches(&cfg, NULL, sa4("11.0.0.1", 80), SIN_LEN),
	   "an address outside does not");
	ok(noproxy_matches(&cfg, NULL, sa4("192.168.1.7", 80), SIN_LEN),
	   "a single address matches");
	ok(!noproxy_matches(&cfg, NULL, sa4("192.168.1.8", 80), SIN_LEN),
	   "its neighbour does not");
	ok(noproxy_matches(&cfg, NULL, sa6("fd12::5", 80), SIN6_LEN),
	   "an IPv6 address inside a block matches");
	ok(!noproxy_matches(&cfg, NULL, sa6("fe80::5", 80), SIN6_LEN),
	   "one outside does not");
	ok(noproxy_matches(&cfg, NULL, sa6("::ffff:10.1.2.3", 80),
			   SIN6_LEN),
	   "a v4-mapped address matches an IPv4 block");
	ok(!noproxy_matches(&cfg, NULL, sa6("::ffff:11.1.2.3", 80),
			    SIN6_LEN),
	   "a v4-mapped address outside the blocks does not");
	ok(noproxy_matches(&cfg, NULL, sa6("2001:db8::1", 22), SIN6_LEN),
	   "an IPv6 address with its port matches");
	ok(!noproxy_matches(&cfg, NULL, sa6("2001:db8::1", 23), SIN6_LEN),
	   "another port does not");
	ok(noproxy_matches(&cfg, "svc.local", sa4("198.18.0.9", 8080),
			   SIN_LEN),
	   "a name with its port matches");
	ok(!noproxy_matches(&cfg, "svc.local", sa4("198.18.0.9", 80),
			    SIN_LEN),
	   "another port does not");
	ok(!noproxy_matches(&cfg, "svc.local", NULL, 0),
	   "nor an unknown port");
	ok(noproxy_matches(&cfg, NULL, sa4("172.16.0.1", 53), SIN_LEN),
	   "an IPv4 address with its port matches");
	ok(!noproxy_matches(&cfg, NULL, sa4("172.16.0.1", 54), SIN_LEN),
	   "another port does not");
	ok(noproxy_matches(&cfg, "10.4.5.6", NULL, 0),
	   "a name that is an IPv4 literal matches a block");
	ok(noproxy_matches(&cfg, "[fd00::1]", NULL, 0),
	   "so does a bracketed IPv6 literal");
	ok(!noproxy_matches(&cfg, "11.4.5.6", NULL, 0),
	   "a literal outside the blocks does not");
	ok(!noproxy_matches(&cfg, NULL, sa4("10.0.0.1", 80), 4),
	   "a truncated sockaddr matches nothing");
	config_free(&cfg);

	rc = parse_list("*", &cfg, err, sizeof(err));
	is_int(rc, 0, "\"*\" parses");
	ok(noproxy_matches(&cfg, "anything.example", NULL, 0),
	   "\"*\" matches any name");
	ok(noproxy_matches(&cfg, NULL, sa6("2001:db8::1", 1), SIN6_LEN),
	   "and any address");
	config_free(&cfg);

	rc = parse_list("fd00::/8", &cfg, err, sizeof(err));
	is_int(rc, 0, "an IPv6 block parses");
	ok(!noproxy_matches(&cfg, NULL, sa4("10.0.0.1", 80), SIN_LEN),
	   "an IPv6 block does not match an IPv4 address");
	config_free(&cfg);

	rc = parse_list("::ffff:0:0/96", &cfg, err, sizeof(err));
	is_int(rc, 0, "the v4-mapped block parses");
	ok(noproxy_matches(&cfg, NULL, sa6("::ffff:11.1.2.3", 80),
			   SIN6_LEN),
	   "and matches a v4-mapped address as IPv6");
	ok(!noproxy_matches(&cfg, NULL, sa4("11.1.2.3", 80), SIN_LEN),
	   "but not a plain IPv4 address");
	config_free(&cfg);
	memset(&cfg, 0, sizeof(cfg));
	ok(!noproxy_matches(&cfg, "example.com", NULL, 0),
	   "an empty list matches nothing");
	ok(!noproxy_matches(NULL, "example.com", NULL, 0),
	   "no configuration matches nothing");
}

int
main(void)
{
	test_noproxy_parse();
	test_noproxy_bad();
	test_noproxy_many();
	test_noproxy_match();
	return tap_done();
}

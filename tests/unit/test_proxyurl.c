/*
 * Proxy URLs in curl's socks schemes (core/proxyurl.c): what each accepted
 * URL stores, the limits, and the one-line error of each refused URL.
 * Credentials in these tables are fixtures; checks that involve them use
 * ok() so that a failure never prints them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cfgcheck.h"
#include "config.h"
#include "proxyurl.h"
#include "tap.h"

struct url_good {
	const char *what;
	const char *url;
	int version;
	bool remote_dns;
	bool has_auth;
	const char *user;
	const char *pass;
	const char *host;
	uint16_t port;
	int family;		/* 0: a name, left for config_load */
	const char *addr;
};

static const struct url_good url_goods[] = {
	{ "socks4 with an IPv4 address and a port", "socks4://10.1.2.3:1081",
	  4, false, false, "", "", "10.1.2.3", 1081, AF_INET, "10.1.2.3" },
	{ "socks4a keeps DNS remote", "socks4a://10.1.2.3:1081",
	  4, true, false, "", "", "10.1.2.3", 1081, AF_INET, "10.1.2.3" },
	{ "socks5 resolves locally", "socks5://10.1.2.3:1081",
	  5, false, false, "", "", "10.1.2.3", 1081, AF_INET, "10.1.2.3" },
	{ "socks5h keeps DNS remote", "socks5h://10.1.2.3:1081",
	  5, true, false, "", "", "10.1.2.3", 1081, AF_INET, "10.1.2.3" },
	{ "an uppercase scheme", "SOCKS5H://10.1.2.3:1081",
	  5, true, false, "", "", "10.1.2.3", 1081, AF_INET, "10.1.2.3" },
	{ "a mixed-case scheme", "SoCkS4A://10.1.2.3",
	  4, true, false, "", "", "10.1.2.3", 1080, AF_INET, "10.1.2.3" },
	{ "the default port is 1080", "socks5://192.0.2.1",
	  5, false, false, "", "", "192.0.2.1", 1080, AF_INET, "192.0.2.1" },
	{ "a trailing slash", "socks5://192.0.2.1:9050/",
	  5, false, false, "", "", "192.0.2.1", 9050, AF_INET, "192.0.2.1" },
	{ "a trailing slash without a port", "socks5h://192.0.2.1/",
	  5, true, false, "", "", "192.0.2.1", 1080, AF_INET, "192.0.2.1" },
	{ "port 1", "socks5://192.0.2.1:1",
	  5, false, false, "", "", "192.0.2.1", 1, AF_INET, "192.0.2.1" },
	{ "port 65535", "socks5://192.0.2.1:65535",
	  5, false, false, "", "", "192.0.2.1", 65535, AF_INET, "192.0.2.1" },
	{ "a bracketed IPv6 address", "socks5://[::1]:1085",
	  5, false, false, "", "", "::1", 1085, AF_INET6, "::1" },
	{ "a bracketed IPv6 address, default port", "socks5h://[2001:db8::7]",
	  5, true, false, "", "", "2001:db8::7", 1080, AF_INET6, "2001:db8::7" },
	{ "a bracketed IPv6 address and a slash", "socks5://[2001:DB8::7]:80/",
	  5, false, false, "", "", "2001:DB8::7", 80, AF_INET6, "2001:db8::7" },
	{ "socks4 to a proxy reached over IPv6", "socks4://[2001:db8::1]:1080",
	  4, false, false, "", "", "2001:db8::1", 1080, AF_INET6, "2001:db8::1" },
	{ "a host name", "socks5h://proxy.example.com:1080",
	  5, true, false, "", "", "proxy.example.com", 1080, 0, NULL },
	{ "a host name with '-', '_' and digits", "socks5://my-proxy_2.example:7",
	  5, false, false, "", "", "my-proxy_2.example", 7, 0, NULL },
	{ "a one-letter host name", "socks5://p",
	  5, false, false, "", "", "p", 1080, 0, NULL },
	{ "socks5 user and password", "socks5://alice:s3cret@10.0.0.1:1080",
	  5, false, true, "alice", "s3cret", "10.0.0.1", 1080, AF_INET, "10.0.0.1" },
	{ "socks5 user alone means an empty password", "socks5h://alice@10.0.0.1",
	  5, true, true, "alice", "", "10.0.0.1", 1080, AF_INET, "10.0.0.1" },
	{ "socks5 user and an empty password", "socks5://alice:@10.0.0.1",
	  5, false, true, "alice", "", "10.0.0.1", 1080, AF_INET, "10.0.0.1" },
	{ "socks4 user id", "socks4://bob@10.0.0.1:1080",
	  4, false, true, "bob", "", "10.0.0.1", 1080, AF_INET, "10.0.0.1" },
	{ "socks4a user id with a trailing empty password", "socks4a://bob:@h",
	  4, true, true, "bob", "", "h", 1080, 0, NULL },
	{ "percent escapes %40 and %3A decode", "socks5://a%40b:p%3Aq%3a@10.0.0.1",
	  5, false, true, "a@b", "p:q:", "10.0.0.1", 1080, AF_INET, "10.0.0.1" },
	{ "a raw ':' in the password", "socks5://u:pa:ss@10.0.0.1",
	  5, false, true, "u", "pa:ss", "10.0.0.1", 1080, AF_INET, "10.0.0.1" },
	{ "the last '@' ends the user information", "socks5://u:p@ss@10.0.0.1:2",
	  5, false, true, "u", "p@ss", "10.0.0.1", 2, AF_INET, "10.0.0.1" },
	{ "percent escapes of any byte but NUL", "socks5://%e2%82%AC:%01%ff@h",
	  5, false, true, "\xe2\x82\xac", "\x01\xff", "h", 1080, 0, NULL },
	{ "user, password, IPv6 and port", "socks5h://u:p@[fd00::5]:1090/",
	  5, true, true, "u", "p", "fd00::5", 1090, AF_INET6, "fd00::5" },
	{ "user, password, name and port", "socks5h://u:p@proxy.lan:1090",
	  5, true, true, "u", "p", "proxy.lan", 1090, 0, NULL },
	{ "http: an HTTP CONNECT proxy, names resolved by it", "http://10.0.0.1:3128",
	  CONFIG_HTTP_CONNECT, true, false, "", "", "10.0.0.1", 3128, AF_INET,
	  "10.0.0.1" },
	{ "http's default port is 1080 too", "HTTP://proxy.lan",
	  CONFIG_HTTP_CONNECT, true, false, "", "", "proxy.lan", 1080, 0, NULL },
	{ "http with user and password, percent-decoded", "http://al%20ice:p%40ss:w@[fd00::5]:8080/",
	  CONFIG_HTTP_CONNECT, true, true, "al ice", "p@ss:w", "fd00::5", 8080,
	  AF_INET6, "fd00::5" },
};

static void
test_url_good(void)
{
	char err[CONFIG_ERR_LEN], label[256];
	struct config_proxy p;

	for (size_t i = 0; i < SX_ARRAY_LEN(url_goods); i++) {
		const struct url_good *c = &url_goods[i];
		int rc;

		memset(err, 'x', sizeof(err));
		rc = proxyurl_parse(c->url, &p, err, sizeof(err));
		snprintf(label, sizeof(label), "%s: parses", c->what);
		is_int(rc, 0, label);
		snprintf(label, sizeof(label), "%s: no error text", c->what);
		is_str(err, "", label);
		snprintf(label, sizeof(label), "%s: version", c->what);
		is_int(p.version, c->version, label);
		snprintf(label, sizeof(label), "%s: remote DNS", c->what);
		is_int(p.remote_dns, c->remote_dns, label);
		snprintf(label, sizeof(label), "%s: has_auth", c->what);
		is_int(p.has_auth, c->has_auth, label);
		snprintf(label, sizeof(label), "%s: user", c->what);
		ok(strcmp(p.user, c->user) == 0, label);
		snprintf(label, sizeof(label), "%s: password", c->what);
		ok(strcmp(p.pass, c->pass) == 0, label);
		snprintf(label, sizeof(label), "%s: host", c->what);
		is_str(p.host, c->host, label);
		snprintf(label, sizeof(label), "%s: port", c->what);
		is_int(p.port, c->port, label);
		check_addr(&p, c->family, c->addr, c->port, c->what);
	}
}

static void
test_url_limits(void)
{
	char url[1200], err[CONFIG_ERR_LEN];
	struct config_proxy p;
	size_t n;
	int rc;

	/* A 255-byte host name is the longest. */
	n = (size_t)snprintf(url, sizeof(url), "socks5h://");
	memset(url + n, 'a', 255);
	strcpy(url + n + 255, ":1080");
	rc = proxyurl_parse(url, &p, err, sizeof(err));
	is_int(rc, 0, "a 255-byte host name is accepted");
	is_int(strlen(p.host), 255, "and kept whole");

	/* 255 bytes of user and of password, after decoding. */
	n = (size_t)snprintf(url, sizeof(url), "socks5://");
	for (int i = 0; i < 255; i++)
		n += (size_t)snprintf(url + n, sizeof(url) - n, "%%41");
	url[n++] = ':';
	memset(url + n, 'b', 255);
	n += 255;
	strcpy(url + n, "@10.0.0.1");
	rc = proxyurl_parse(url, &p, err, sizeof(err));
	is_int(rc, 0, "255-byte user (escaped) and password are accepted");
	is_int(strlen(p.user), 255, "the user decodes to 255 bytes");
	is_int(strlen(p.pass), 255, "the password is 255 bytes");

	n = (size_t)snprintf(url, sizeof(url), "socks5://u:");
	memset(url + n, 'b', 256);
	n += 256;
	strcpy(url + n, "@10.0.0.1");
	rc = proxyurl_parse(url, &p, err, sizeof(err));
	is_int(rc, -EINVAL, "a 256-byte password is an error");
	is_str(err, "password too long (256 bytes, at most 255)",
	       "which says how long it was");
	ok(strstr(err, "bbbb") == NULL, "without showing it");
	ok(is_zero(&p, sizeof(p)), "and the proxy is wiped on an error");

	n = (size_t)snprintf(url, sizeof(url), "socks5://");
	memset(url + n, 'u', 200);
	n += 200;
	for (int i = 0; i < 56; i++)
		n += (size_t)snprintf(url + n, sizeof(url) - n, "%%75");
	strcpy(url + n, "@10.0.0.1");
	rc = proxyurl_parse(url, &p, err, sizeof(err));
	is_int(rc, -EINVAL, "a user of 256 decoded bytes is an error");
	is_str(err, "user name too long (256 bytes, at most 255)",
	       "which counts decoded bytes");
}

struct url_bad {
	const char *what;
	const char *url;
	const char *err;	/* the exact message, or NULL */
	const char *part;	/* a piece the message must hold, or NULL */
	const char *secret;	/* must not appear in the message, or NULL */
};

static const struct url_bad url_bads[] = {
	{ "https (TLS to the proxy) is not supported", "https://u:hunter2@10.0.0.1",
	  "https:// (TLS to the proxy) is not supported: use http:// for an HTTP proxy",
	  NULL, "hunter2" },
	{ "ftp is no proxy scheme", "ftp://10.0.0.1:21",
	  "unsupported scheme \"ftp\" (use socks4, socks4a, socks5, socks5h or http)",
	  NULL, NULL },
	{ "an HTTP proxy's user name cannot hold ':'", "http://a%3Ab:hunter2@10.0.0.1",
	  "the user name of an HTTP proxy cannot hold ':' (%3A)", NULL, "hunter2" },
	{ "socks6 does not exist", "socks6://10.0.0.1", NULL, "\"socks6\"", NULL },
	{ "socks alone is not accepted", "socks://10.0.0.1", NULL, "\"socks\"",
	  NULL },
	{ "no scheme", "10.0.0.1:1080",
	  "missing scheme (use socks4://, socks4a://, socks5://, socks5h:// or http://)",
	  NULL, NULL },
	{ "no scheme, with credentials", "alice:hunter2@10.0.0.1:1080", NULL,
	  "missing scheme", "hunter2" },
	{ "a scheme without '//'", "socks5:10.0.0.1", NULL, "missing scheme",
	  NULL },
	{ "an empty URL", "", "empty proxy URL", NULL, NULL },
	{ "port 0", "socks5://10.0.0.1:0",
	  "port out of range 1-65535", NULL, NULL },
	{ "port 65536", "socks5://10.0.0.1:65536",
	  "port out of range 1-65535", NULL, NULL },
	{ "port 99999", "socks5://10.0.0.1:99999",
	  "port out of range 1-65535", NULL, NULL },
	{ "a huge port", "socks5://10.0.0.1:99999999999999999999999",
	  "port out of range 1-65535", NULL, NULL },
	{ "port -1", "socks5://10.0.0.1:-1",
	  "port is not a decimal number", NULL, NULL },
	{ "port +80", "socks5://10.0.0.1:+80",
	  "port is not a decimal number", NULL, NULL },
	{ "port 80a", "socks5://10.0.0.1:80a",
	  "port is not a decimal number", NULL, NULL },
	{ "a port with a leading space", "socks5://10.0.0.1: 80",
	  "port is not a decimal number", NULL, NULL },
	{ "an empty port", "socks5://10.0.0.1:", "empty port after ':'", NULL,
	  NULL },
	{ "an empty port after IPv6", "socks5://[::1]:", "empty port after ':'",
	  NULL, NULL },
	{ "a bad port after credentials", "socks5://u:hunter2@10.0.0.1:x",
	  "port is not a decimal number", NULL, "hunter2" },
	{ "a password where the port goes (no host)", "socks5://alice:hunter2",
	  "port is not a decimal number", NULL, "hunter2" },
	{ "a digit password where the port goes", "socks5://alice:31415926",
	  "port out of range 1-65535", NULL, "31415926" },
	{ "an unterminated bracket", "socks5://[::1:1080",
	  "unterminated '[' in host", NULL, NULL },
	{ "empty brackets", "socks5://[]:1080", "empty '[]' in host", NULL,
	  NULL },
	{ "junk after ']'", "socks5://[::1]x", "unexpected \"x\" after ']' in host",
	  NULL, NULL },
	{ "junk after ']' before a port", "socks5://[::1]]:80", NULL,
	  "after ']'", NULL },
	{ "an IPv6 zone", "socks5://[fe80::1%25eth0]:1080", NULL, "zone", NULL },
	{ "brackets around junk", "socks5://[zz::1]", NULL,
	  "bad IPv6 address \"zz::1\"", NULL },
	{ "brackets around IPv4", "socks5://[10.0.0.1]", NULL,
	  "bad IPv6 address", NULL },
	{ "IPv6 without brackets", "socks5://::1:1080", NULL, "brackets", NULL },
	{ "two ports", "socks5://h:1:2", NULL, "more than one ':'", NULL },
	{ "an empty user", "socks5://@10.0.0.1", "empty user name before '@'",
	  NULL, NULL },
	{ "an empty user with a password", "socks5://:hunter2@10.0.0.1",
	  "empty user name before '@'", NULL, "hunter2" },
	{ "an empty host after credentials", "socks5://user:hunter2@",
	  "empty host", NULL, "hunter2" },
	{ "an empty host after a user", "socks5://user@", "empty host", NULL,
	  NULL },
	{ "an empty host", "socks5://", "empty host", NULL, NULL },
	{ "an empty host before a port", "socks5://:1080", "empty host", NULL,
	  NULL },
	{ "an empty host before a slash", "socks5:///", "empty host", NULL,
	  NULL },
	{ "a '%' that is not an escape", "socks5://u:hun%G1ter2@h",
	  "bad percent escape in the password", NULL, "hun" },
	{ "a truncated escape", "socks5://u:hunter2%4@h",
	  "bad percent escape in the password", NULL, "hunter2" },
	{ "a lone '%'", "socks5://u%:p@h", "bad percent escape in the user name",
	  NULL, NULL },
	{ "a bad escape in the user", "socks5://a%zzb@h",
	  "bad percent escape in the user name", NULL, NULL },
	{ "an escaped NUL in the password", "socks5://u:hunt%00er2@h",
	  "the password holds a NUL byte (%00)", NULL, "hunt" },
	{ "an escaped NUL in the user", "socks5://a%00b@h",
	  "the user name holds a NUL byte (%00)", NULL, NULL },
	{ "socks4 with a password", "socks4://bob:hunter2@10.0.0.1",
	  "SOCKS4 has no password (use socks4://user@host)", NULL, "hunter2" },
	{ "socks4a with a password", "socks4a://bob:hunter2@h", NULL,
	  "SOCKS4 has no password", "hunter2" },
	{ "a path", "socks5://10.0.0.1:1080/path", NULL, "only a trailing '/'",
	  NULL },
	{ "two slashes", "socks5://10.0.0.1//", NULL, "only a trailing '/'",
	  NULL },
	{ "a query", "socks5://10.0.0.1?x=1", NULL, "query", NULL },
	{ "a fragment", "socks5://10.0.0.1#top", NULL, "fragment", NULL },
	{ "a raw '/' in the password", "socks5://u:hun/ter2@10.0.0.1", NULL,
	  "percent-encode", "ter2" },
	{ "a raw '#' in the password", "socks5://u:hun#ter2@10.0.0.1", NULL,
	  "percent-encode", "ter2" },
	{ "a space in the password", "socks5://u:hun ter2@10.0.0.1", NULL,
	  "percent-encode", "ter2" },
	{ "a newline in the password", "socks5://u:hun\nter2@10.0.0.1", NULL,
	  "percent-encode", "ter2" },
	{ "a '%' in a host name", "socks5://ho%41st", NULL,
	  "invalid character \"%\" in host name", NULL },
	{ "a space in a host name", "socks5://ho st", NULL,
	  "invalid character \" \" in host name", NULL },
	{ "a control byte in a host name", "socks5://ho\x01st", NULL,
	  "invalid character \"\\x01\" in host name", NULL },
	{ "a high byte in a host name", "socks5://h\xc3\xa9", NULL,
	  "invalid character \"\\xc3\" in host name", NULL },
	{ "a bad IPv4 address", "socks5://10.0.0.256",
	  "bad IPv4 address \"10.0.0.256\" in host", NULL, NULL },
	{ "a short IPv4 address", "socks5://10.1:1080",
	  "bad IPv4 address \"10.1\" in host", NULL, NULL },
	{ "a bad IPv4 address after credentials", "socks5://u:hunter2@1.2.3.4.5",
	  "bad IPv4 address \"1.2.3.4.5\" in host", NULL, "hunter2" },
};

static void
test_url_bad(void)
{
	char err[CONFIG_ERR_LEN], label[256];
	struct config_proxy p;

	for (size_t i = 0; i < SX_ARRAY_LEN(url_bads); i++) {
		const struct url_bad *c = &url_bads[i];
		int rc;

		memset(&p, 0x5a, sizeof(p));
		rc = proxyurl_parse(c->url, &p, err, sizeof(err));
		snprintf(label, sizeof(label), "%s: is an error", c->what);
		is_int(rc, -EINVAL, label);
		snprintf(label, sizeof(label), "%s: one printable line", c->what);
		ok(is_one_line(err), label);
		if (c->err != NULL) {
			snprintf(label, sizeof(label), "%s: message", c->what);
			if (c->secret != NULL)
				ok(strcmp(err, c->err) == 0, label);
			else
				is_str(err, c->err, label);
		}
		if (c->part != NULL) {
			snprintf(label, sizeof(label), "%s: message says \"%s\"",
				 c->what, c->part);
			ok(has(err, c->part), label);
		}
		if (c->secret != NULL) {
			snprintf(label, sizeof(label),
				 "%s: message holds no password", c->what);
			ok(!has(err, c->secret), label);
		}
		snprintf(label, sizeof(label), "%s: proxy left zeroed", c->what);
		ok(is_zero(&p, sizeof(p)), label);
	}
}

static void
test_url_bad_sizes(void)
{
	char url[1200], err[CONFIG_ERR_LEN];
	struct config_proxy p;
	size_t n;
	int rc;

	n = (size_t)snprintf(url, sizeof(url), "socks5://");
	memset(url + n, 'a', 256);
	strcpy(url + n + 256, ":1080");
	rc = proxyurl_parse(url, &p, err, sizeof(err));
	is_int(rc, -EINVAL, "a 256-byte host name is an error");
	is_str(err, "host name too long (256 bytes, at most 255)",
	       "which says how long it was");

	/* An unknown scheme is shown short and escaped. */
	memset(url, 'q', 300);
	strcpy(url + 300, "://h");
	rc = proxyurl_parse(url, &p, err, sizeof(err));
	is_int(rc, -EINVAL, "a 300-byte scheme is an error");
	ok(is_one_line(err), "its message is one line");
	ok(strlen(err) < 140, "and shows only a short piece of it");
	ok(has(err, "...\""), "marked as cut");

	rc = proxyurl_parse(NULL, &p, err, sizeof(err));
	is_int(rc, -EINVAL, "a NULL URL is an error");
	rc = proxyurl_parse("socks5://h", &p, NULL, 0);
	is_int(rc, 0, "err may be NULL");
	rc = proxyurl_parse("ftp://h", &p, NULL, 0);
	is_int(rc, -EINVAL, "and errors still return -EINVAL");
	rc = proxyurl_parse("ftp://h", &p, err, 8);
	is_str(err, "unsuppo", "a short err buffer is truncated and terminated");
}

int
main(void)
{
	test_url_good();
	test_url_limits();
	test_url_bad();
	test_url_bad_sizes();
	return tap_done();
}

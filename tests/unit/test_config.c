/*
 * Configuration: proxy URLs in curl's socks schemes, NO_PROXY lists and
 * their matching, and config_load() against a scripted environment and a
 * scripted resolver.  Credentials in these tables are fixtures; checks
 * that involve them use ok() so that a failure never prints them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "log.h"
#include "tap.h"

/* One line of printable ASCII, not empty. */
static bool
is_one_line(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	}
	return true;
}

static bool
has(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

static bool
is_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i] != 0)
			return false;
	}
	return true;
}

/* The proxy's address: family, bytes and port, as config stores it. */
static void
check_addr(const struct config_proxy *p, int family, const char *addr,
	   uint16_t port, const char *what)
{
	char label[256];
	uint8_t want[16];
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (family == 0) {
		snprintf(label, sizeof(label), "%s: no address until resolved",
			 what);
		is_int(p->addrlen, 0, label);
		return;
	}
	inet_pton(family, addr, want);
	snprintf(label, sizeof(label), "%s: address family", what);
	is_int(p->addr.ss_family, family, label);
	if (family == AF_INET) {
		memcpy(&sin, &p->addr, sizeof(sin));
		snprintf(label, sizeof(label), "%s: addrlen", what);
		is_int(p->addrlen, sizeof(sin), label);
		snprintf(label, sizeof(label), "%s: address bytes", what);
		is_bytes(&sin.sin_addr, want, 4, label);
		snprintf(label, sizeof(label), "%s: address port", what);
		is_int(ntohs(sin.sin_port), port, label);
	} else {
		memcpy(&sin6, &p->addr, sizeof(sin6));
		snprintf(label, sizeof(label), "%s: addrlen", what);
		is_int(p->addrlen, sizeof(sin6), label);
		snprintf(label, sizeof(label), "%s: address bytes", what);
		is_bytes(sin6.sin6_addr.s6_addr, want, 16, label);
		snprintf(label, sizeof(label), "%s: address port", what);
		is_int(ntohs(sin6.sin6_port), port, label);
	}
}

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
		rc = config_parse_url(c->url, &p, err, sizeof(err));
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
	rc = config_parse_url(url, &p, err, sizeof(err));
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
	rc = config_parse_url(url, &p, err, sizeof(err));
	is_int(rc, 0, "255-byte user (escaped) and password are accepted");
	is_int(strlen(p.user), 255, "the user decodes to 255 bytes");
	is_int(strlen(p.pass), 255, "the password is 255 bytes");

	n = (size_t)snprintf(url, sizeof(url), "socks5://u:");
	memset(url + n, 'b', 256);
	n += 256;
	strcpy(url + n, "@10.0.0.1");
	rc = config_parse_url(url, &p, err, sizeof(err));
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
	rc = config_parse_url(url, &p, err, sizeof(err));
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
	{ "http is not a socks scheme", "http://10.0.0.1:3128",
	  "unsupported scheme \"http\" (use socks4, socks4a, socks5 or socks5h)",
	  NULL, NULL },
	{ "https is not a socks scheme", "https://u:hunter2@10.0.0.1",
	  "unsupported scheme \"https\" (use socks4, socks4a, socks5 or socks5h)",
	  NULL, "hunter2" },
	{ "socks6 does not exist", "socks6://10.0.0.1", NULL, "\"socks6\"", NULL },
	{ "socks alone is not accepted", "socks://10.0.0.1", NULL, "\"socks\"",
	  NULL },
	{ "no scheme", "10.0.0.1:1080",
	  "missing scheme (use socks4://, socks4a://, socks5:// or socks5h://)",
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
		rc = config_parse_url(c->url, &p, err, sizeof(err));
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
	rc = config_parse_url(url, &p, err, sizeof(err));
	is_int(rc, -EINVAL, "a 256-byte host name is an error");
	is_str(err, "host name too long (256 bytes, at most 255)",
	       "which says how long it was");

	/* An unknown scheme is shown short and escaped. */
	memset(url, 'q', 300);
	strcpy(url + 300, "://h");
	rc = config_parse_url(url, &p, err, sizeof(err));
	is_int(rc, -EINVAL, "a 300-byte scheme is an error");
	ok(is_one_line(err), "its message is one line");
	ok(strlen(err) < 140, "and shows only a short piece of it");
	ok(has(err, "...\""), "marked as cut");

	rc = config_parse_url(NULL, &p, err, sizeof(err));
	is_int(rc, -EINVAL, "a NULL URL is an error");
	rc = config_parse_url("socks5://h", &p, NULL, 0);
	is_int(rc, 0, "err may be NULL");
	rc = config_parse_url("http://h", &p, NULL, 0);
	is_int(rc, -EINVAL, "and errors still return -EINVAL");
	rc = config_parse_url("http://h", &p, err, 8);
	is_str(err, "unsuppo", "a short err buffer is truncated and terminated");
}

static int
parse_list(const char *list, struct config *cfg, char *err, size_t errlen)
{
	memset(cfg, 0, sizeof(*cfg));
	return config_parse_noproxy(list, &cfg->noproxy, &cfg->noproxy_count,
				    err, errlen);
}

static struct sockaddr_storage sa_buf;

static const struct sockaddr *
sa4(const char *ip, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	memset(&sa_buf, 0, sizeof(sa_buf));
	memcpy(&sa_buf, &sin, sizeof(sin));
	return (const struct sockaddr *)&sa_buf;
}

static const struct sockaddr *
sa6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &sin6.sin6_addr);
	memset(&sa_buf, 0, sizeof(sa_buf));
	memcpy(&sa_buf, &sin6, sizeof(sin6));
	return (const struct sockaddr *)&sa_buf;
}

#define SIN_LEN ((socklen_t)sizeof(struct sockaddr_in))
#define SIN6_LEN ((socklen_t)sizeof(struct sockaddr_in6))

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
	ok(config_noproxy_matches(&cfg, "www.host-9998.example.net", NULL, 0),
	   "the last name entries match");
	ok(config_noproxy_matches(&cfg, NULL, sa4("10.39.15.77", 1), SIN_LEN),
	   "the last block matches");
	ok(!config_noproxy_matches(&cfg, "host-10000.example.net", NULL, 0),
	   "a name not in the list does not");
	t0 = now_seconds();
	for (int i = 0; i < 100; i++)
		config_noproxy_matches(&cfg, "nomatch.example", sa4("192.0.2.1", 1),
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

	ok(config_noproxy_matches(&cfg, "example.com", NULL, 0),
	   "a name matches itself");
	ok(config_noproxy_matches(&cfg, "a.example.com", NULL, 0),
	   "and a subdomain");
	ok(config_noproxy_matches(&cfg, "x.y.example.com", NULL, 0),
	   "and a deeper subdomain");
	ok(!config_noproxy_matches(&cfg, "badexample.com", NULL, 0),
	   "but not a name that merely ends the same");
	ok(!config_noproxy_matches(&cfg, "example.com.evil", NULL, 0),
	   "nor one that continues");
	ok(!config_noproxy_matches(&cfg, "com", NULL, 0),
	   "nor a parent domain");
	ok(config_noproxy_matches(&cfg, "EXAMPLE.Com", NULL, 0),
	   "matching ignores case");
	ok(config_noproxy_matches(&cfg, "www.example.com.", NULL, 0),
	   "and one trailing dot of the query");
	ok(!config_noproxy_matches(&cfg, "www.example.com..", NULL, 0),
	   "but not two");
	ok(config_noproxy_matches(&cfg, "dot.test", NULL, 0),
	   "a leading-dot entry matches the name itself");
	ok(config_noproxy_matches(&cfg, "a.dot.test", NULL, 0),
	   "and its subdomains");
	ok(config_noproxy_matches(&cfg, "caps.test", NULL, 0),
	   "an entry written in capitals with a dot matches");
	ok(!config_noproxy_matches(&cfg, "", NULL, 0), "an empty name does not");
	ok(!config_noproxy_matches(&cfg, NULL, NULL, 0),
	   "nothing at all does not");

	ok(config_noproxy_matches(&cfg, NULL, sa4("10.200.3.4", 80), SIN_LEN),
	   "an address inside a block matches");
	ok(!config_noproxy_matches(&cfg, NULL, sa4("11.0.0.1", 80), SIN_LEN),
	   "an address outside does not");
	ok(config_noproxy_matches(&cfg, NULL, sa4("192.168.1.7", 80), SIN_LEN),
	   "a single address matches");
	ok(!config_noproxy_matches(&cfg, NULL, sa4("192.168.1.8", 80), SIN_LEN),
	   "its neighbour does not");
	ok(config_noproxy_matches(&cfg, NULL, sa6("fd12::5", 80), SIN6_LEN),
	   "an IPv6 address inside a block matches");
	ok(!config_noproxy_matches(&cfg, NULL, sa6("fe80::5", 80), SIN6_LEN),
	   "one outside does not");
	ok(config_noproxy_matches(&cfg, NULL, sa6("::ffff:10.1.2.3", 80),
				  SIN6_LEN),
	   "a v4-mapped address matches an IPv4 block");
	ok(!config_noproxy_matches(&cfg, NULL, sa6("::ffff:11.1.2.3", 80),
				   SIN6_LEN),
	   "a v4-mapped address outside the blocks does not");
	ok(config_noproxy_matches(&cfg, NULL, sa6("2001:db8::1", 22), SIN6_LEN),
	   "an IPv6 address with its port matches");
	ok(!config_noproxy_matches(&cfg, NULL, sa6("2001:db8::1", 23), SIN6_LEN),
	   "another port does not");
	ok(config_noproxy_matches(&cfg, "svc.local", sa4("198.18.0.9", 8080),
				  SIN_LEN),
	   "a name with its port matches");
	ok(!config_noproxy_matches(&cfg, "svc.local", sa4("198.18.0.9", 80),
				   SIN_LEN),
	   "another port does not");
	ok(!config_noproxy_matches(&cfg, "svc.local", NULL, 0),
	   "nor an unknown port");
	ok(config_noproxy_matches(&cfg, NULL, sa4("172.16.0.1", 53), SIN_LEN),
	   "an IPv4 address with its port matches");
	ok(!config_noproxy_matches(&cfg, NULL, sa4("172.16.0.1", 54), SIN_LEN),
	   "another port does not");
	ok(config_noproxy_matches(&cfg, "10.4.5.6", NULL, 0),
	   "a name that is an IPv4 literal matches a block");
	ok(config_noproxy_matches(&cfg, "[fd00::1]", NULL, 0),
	   "so does a bracketed IPv6 literal");
	ok(!config_noproxy_matches(&cfg, "11.4.5.6", NULL, 0),
	   "a literal outside the blocks does not");
	ok(!config_noproxy_matches(&cfg, NULL, sa4("10.0.0.1", 80), 4),
	   "a truncated sockaddr matches nothing");
	config_free(&cfg);

	rc = parse_list("*", &cfg, err, sizeof(err));
	is_int(rc, 0, "\"*\" parses");
	ok(config_noproxy_matches(&cfg, "anything.example", NULL, 0),
	   "\"*\" matches any name");
	ok(config_noproxy_matches(&cfg, NULL, sa6("2001:db8::1", 1), SIN6_LEN),
	   "and any address");
	config_free(&cfg);

	rc = parse_list("fd00::/8", &cfg, err, sizeof(err));
	is_int(rc, 0, "an IPv6 block parses");
	ok(!config_noproxy_matches(&cfg, NULL, sa4("10.0.0.1", 80), SIN_LEN),
	   "an IPv6 block does not match an IPv4 address");
	config_free(&cfg);

	rc = parse_list("::ffff:0:0/96", &cfg, err, sizeof(err));
	is_int(rc, 0, "the v4-mapped block parses");
	ok(config_noproxy_matches(&cfg, NULL, sa6("::ffff:11.1.2.3", 80),
				  SIN6_LEN),
	   "and matches a v4-mapped address as IPv6");
	ok(!config_noproxy_matches(&cfg, NULL, sa4("11.1.2.3", 80), SIN_LEN),
	   "but not a plain IPv4 address");
	config_free(&cfg);
	memset(&cfg, 0, sizeof(cfg));
	ok(!config_noproxy_matches(&cfg, "example.com", NULL, 0),
	   "an empty list matches nothing");
	ok(!config_noproxy_matches(NULL, "example.com", NULL, 0),
	   "no configuration matches nothing");
}

/* A scripted environment: name/value pairs, NULL-terminated. */
static const char *const *env_table;

static char *
fake_get(const char *name)
{
	for (size_t i = 0; env_table != NULL && env_table[i] != NULL; i += 2) {
		if (strcmp(env_table[i], name) == 0)
			return (char *)env_table[i + 1];
	}
	return NULL;
}

/* A scripted resolver. */
static int gai_calls, gai_frees, gai_result;
static int gai_family;
static char gai_node[300];
static struct addrinfo gai_hints;
static struct addrinfo gai_ai;
static struct sockaddr_storage gai_addr;

static int
fake_getaddrinfo(const char *node, const char *service,
		 const struct addrinfo *hints, struct addrinfo **res)
{
	(void)service;
	gai_calls++;
	snprintf(gai_node, sizeof(gai_node), "%s", node != NULL ? node : "");
	gai_hints = *hints;
	if (gai_result != 0)
		return gai_result;
	memset(&gai_ai, 0, sizeof(gai_ai));
	gai_ai.ai_family = gai_family;
	gai_ai.ai_socktype = SOCK_STREAM;
	gai_ai.ai_addr = (struct sockaddr *)&gai_addr;
	gai_ai.ai_addrlen = gai_family == AF_INET ? SIN_LEN : SIN6_LEN;
	memcpy(&gai_addr, gai_family == AF_INET ? sa4("192.0.2.7", 0) :
						  sa6("2001:db8::7", 0),
	       sizeof(gai_addr));
	*res = &gai_ai;
	return 0;
}

static void
fake_freeaddrinfo(struct addrinfo *res)
{
	(void)res;
	gai_frees++;
}

static const struct sx_sys fake_sys = {
	.getaddrinfo = fake_getaddrinfo,
	.freeaddrinfo = fake_freeaddrinfo,
};

static void
load(struct config *cfg, const char *const *env)
{
	env_table = env;
	gai_calls = 0;
	gai_frees = 0;
	config_load(cfg, &fake_sys, fake_get);
}

static void
test_load_defaults(void)
{
	static const char *const env[] = { NULL };
	static const uint8_t fake4[4] = { 198, 18, 0, 0 };
	static const uint8_t fake6[16] = { 0xfd, 0x53, 0x6f, 0x63, 0x6b, 0x73 };
	struct config cfg;

	memset(&cfg, 0x5a, sizeof(cfg));
	load(&cfg, env);
	ok(cfg.valid, "an empty environment is valid");
	is_str(cfg.error, "", "with no error");
	is_int(cfg.proxy.version, 5, "the default proxy speaks SOCKS5");
	ok(cfg.proxy.remote_dns, "with remote DNS");
	ok(!cfg.proxy.has_auth, "without credentials");
	is_str(cfg.proxy.host, "127.0.0.1", "on 127.0.0.1");
	is_int(cfg.proxy.port, 1080, "port 1080");
	check_addr(&cfg.proxy, AF_INET, "127.0.0.1", 1080, "the default proxy");
	is_int(cfg.noproxy_count, 0, "no NO_PROXY entries");
	ok(cfg.noproxy == NULL, "and no list");
	is_int(cfg.log_level, LOG_LEVEL_WARN, "log level warn");
	is_int(cfg.timeout_ms, 10000, "timeout 10 s");
	ok(!cfg.pipeline, "pipelining off");
	is_int(cfg.udp_mode, CONFIG_UDP_PROXY, "UDP through the proxy");
	is_int(cfg.packet_mode, CONFIG_PACKET_REFUSE, "packet sockets refused");
	is_int(cfg.loopback_mode, CONFIG_LOOPBACK_DIRECT, "loopback direct");
	ok(cfg.hosts_file, "/etc/hosts names resolve locally");
	is_bytes(cfg.fake_net, fake4, 4, "fake range 198.18.0.0");
	is_int(cfg.fake_prefix, 15, "/15");
	is_bytes(cfg.fake_net6, fake6, 16, "fake IPv6 range fd53:6f63:6b73::");
	is_int(cfg.fake_prefix6, 96, "/96");
	is_int(gai_calls, 0, "and no name lookup");
	config_free(&cfg);

	memset(&cfg, 0x5a, sizeof(cfg));
	config_load(&cfg, NULL, NULL);
	ok(cfg.valid, "no getenv at all gives the defaults");
	is_int(cfg.timeout_ms, 10000, "with the default timeout");
	config_free(&cfg);
}

static void
test_load_proxy(void)
{
	struct config cfg;

	{
		static const char *const env[] = {
			"SOCKS_PROXY", "socks4a://10.9.9.9:1085",
			"ALL_PROXY", "socks5://10.8.8.8", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "SOCKS_PROXY is used");
		is_int(cfg.proxy.version, 4, "its version");
		ok(cfg.proxy.remote_dns, "its DNS mode");
		check_addr(&cfg.proxy, AF_INET, "10.9.9.9", 1085,
			   "SOCKS_PROXY before ALL_PROXY");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKS_PROXY", "", "ALL_PROXY", "socks5://10.8.8.8:9",
			"all_proxy", "socks5://10.7.7.7:9", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "an empty SOCKS_PROXY falls back");
		check_addr(&cfg.proxy, AF_INET, "10.8.8.8", 9,
			   "to ALL_PROXY before all_proxy");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"all_proxy", "SOCKS5H://10.7.7.7:9", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "all_proxy is used");
		check_addr(&cfg.proxy, AF_INET, "10.7.7.7", 9,
			   "all_proxy with an uppercase scheme");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"ALL_PROXY", "http://u:hunter2@squid:3128", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "an http:// ALL_PROXY is ignored, not an error");
		check_addr(&cfg.proxy, AF_INET, "127.0.0.1", 1080,
			   "the default proxy stays");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"ALL_PROXY", "squid:3128", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "an ALL_PROXY without a scheme is ignored");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"ALL_PROXY", "https://squid:3128",
			"all_proxy", "socks5://10.7.7.7:9", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "an https:// ALL_PROXY is skipped");
		check_addr(&cfg.proxy, AF_INET, "10.7.7.7", 9,
			   "for a socks all_proxy");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"ALL_PROXY", "socks5://u:hunter2@10.0.0.1:99999", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "a malformed socks ALL_PROXY is an error");
		ok(strcmp(cfg.error, "ALL_PROXY: port out of range 1-65535") == 0,
		   "named after ALL_PROXY");
		ok(!has(cfg.error, "hunter2"), "without the password");
		check_addr(&cfg.proxy, AF_INET, "127.0.0.1", 1080,
			   "a bad proxy leaves the default");
		ok(cfg.proxy.pass[0] == '\0', "and no password");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"ALL_PROXY", "socks6://10.0.0.1", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "an unknown socks scheme in ALL_PROXY is an error");
		is_str(cfg.error,
		       "ALL_PROXY: unsupported scheme \"socks6\" (use socks4, socks4a, socks5 or socks5h)",
		       "naming the scheme");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKS_PROXY", "http://10.0.0.1:3128", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "an http:// SOCKS_PROXY is an error");
		is_str(cfg.error,
		       "SOCKS_PROXY: unsupported scheme \"http\" (use socks4, socks4a, socks5 or socks5h)",
		       "naming the variable and the scheme");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKS_PROXY", "socks4://bob:hunter2@10.0.0.1", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "a socks4 password is an error");
		ok(strcmp(cfg.error,
			  "SOCKS_PROXY: SOCKS4 has no password (use socks4://user@host)") == 0,
		   "naming the variable and the problem");
		ok(!has(cfg.error, "hunter2") && !has(cfg.error, "bob"),
		   "without the credentials");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKS_PROXY", "socks5://alice:hunter2@10.0.0.2:1081", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "credentials are loaded");
		ok(cfg.proxy.has_auth, "has_auth is set");
		ok(strcmp(cfg.proxy.user, "alice") == 0, "the user is kept");
		ok(strcmp(cfg.proxy.pass, "hunter2") == 0, "the password is kept");
		config_free(&cfg);
		ok(cfg.proxy.pass[0] == '\0', "config_free wipes the password");
	}
	{
		static const char *const env[] = {
			"SOCKS_PROXY", "socks5://u:hunter\xff@10.0.0.1", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "a proxy URL that is not UTF-8 is an error");
		is_str(cfg.error, "SOCKS_PROXY: value is not valid UTF-8",
		       "which shows nothing of the value");
		config_free(&cfg);
	}
	{
		static char huge[5000];
		static const char *const env[] = {
			"SOCKS_PROXY", huge, NULL
		};

		memcpy(huge, "socks5://u:", 11);
		memset(huge + 11, 'p', sizeof(huge) - 12);
		load(&cfg, env);
		ok(!cfg.valid, "a 5000-byte proxy URL is an error");
		is_str(cfg.error,
		       "SOCKS_PROXY: value too long (more than 2048 bytes)",
		       "which shows nothing of the value");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKS_PROXY", "socks4://[2001:db8::1]:1080", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "a socks4 proxy may be reached over IPv6");
		check_addr(&cfg.proxy, AF_INET6, "2001:db8::1", 1080,
			   "the socks4 IPv6 proxy");
		config_free(&cfg);
	}
}

static void
test_load_resolve(void)
{
	struct config cfg;
	char want[CONFIG_ERR_LEN];
	static const char *const env[] = {
		"SOCKS_PROXY", "socks5h://u:hunter2@proxy.example:1081", NULL
	};

	gai_result = 0;
	gai_family = AF_INET;
	load(&cfg, env);
	ok(cfg.valid, "a proxy host name is resolved");
	is_int(gai_calls, 1, "with one getaddrinfo");
	is_str(gai_node, "proxy.example", "for the host name");
	is_int(gai_hints.ai_family, AF_UNSPEC, "of any family");
	is_int(gai_hints.ai_socktype, SOCK_STREAM, "for a stream socket");
	is_int(gai_frees, 1, "whose result is freed");
	is_str(cfg.proxy.host, "proxy.example", "the host name is kept");
	check_addr(&cfg.proxy, AF_INET, "192.0.2.7", 1081,
		   "the resolved IPv4 proxy");
	config_free(&cfg);

	gai_family = AF_INET6;
	load(&cfg, env);
	ok(cfg.valid, "a name may resolve to IPv6");
	check_addr(&cfg.proxy, AF_INET6, "2001:db8::7", 1081,
		   "the resolved IPv6 proxy");
	config_free(&cfg);

	gai_result = EAI_NONAME;
	load(&cfg, env);
	ok(!cfg.valid, "a name that does not resolve is an error");
	snprintf(want, sizeof(want),
		 "SOCKS_PROXY: cannot resolve proxy host \"proxy.example\": %s",
		 gai_strerror(EAI_NONAME));
	ok(strcmp(cfg.error, want) == 0, "naming the variable, host and reason");
	ok(!has(cfg.error, "hunter2"), "without the password");
	is_int(gai_frees, 0, "nothing to free on failure");
	config_free(&cfg);
	gai_result = 0;

	{
		static const char *const env2[] = {
			"SOCKS_PROXY", "socks5://10.1.1.1", NULL
		};
		load(&cfg, env2);
		is_int(gai_calls, 0, "a numeric proxy needs no lookup");
		config_free(&cfg);
	}
	{
		static const char *const env2[] = {
			"SOCKS_PROXY", "socks5://proxy.example",
			"SOCKSIFY_UDP", "maybe", NULL
		};
		load(&cfg, env2);
		ok(!cfg.valid, "an invalid configuration");
		is_int(gai_calls, 0, "resolves nothing");
		config_free(&cfg);
	}
	{
		static const char *const env2[] = {
			"SOCKS_PROXY", "socks5://proxy.example", NULL
		};
		env_table = env2;
		config_load(&cfg, NULL, fake_get);
		ok(!cfg.valid, "a name without a resolver is an error");
		ok(has(cfg.error, "SOCKS_PROXY: cannot resolve proxy host"),
		   "saying so");
		config_free(&cfg);
	}
}

static void
test_load_noproxy(void)
{
	struct config cfg;

	{
		static const char *const env[] = {
			"NO_PROXY", "a.example, 10.0.0.0/8",
			"no_proxy", "b.example", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "NO_PROXY loads");
		is_int(cfg.noproxy_count, 2, "before no_proxy");
		ok(config_noproxy_matches(&cfg, "x.a.example", NULL, 0),
		   "and matches");
		ok(!config_noproxy_matches(&cfg, "b.example", NULL, 0),
		   "no_proxy is not read then");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"NO_PROXY", "", "no_proxy", "b.example", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "no_proxy loads when NO_PROXY is empty");
		ok(config_noproxy_matches(&cfg, "b.example", NULL, 0),
		   "and matches");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"NO_PROXY", "good.example,10.0.0.0/40", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "a bad NO_PROXY entry is an error");
		is_str(cfg.error,
		       "NO_PROXY: prefix length out of range 0-32 for IPv4 in entry \"10.0.0.0/40\"",
		       "naming the variable and the entry");
		is_int(cfg.noproxy_count, 0, "and no list is kept");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"no_proxy", "[::1", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "a bad no_proxy is an error");
		is_str(cfg.error, "no_proxy: unterminated '[' in entry \"[::1\"",
		       "named after no_proxy");
		config_free(&cfg);
	}
}

struct knob_case {
	const char *var;
	const char *value;
	const char *err;	/* NULL: valid */
};

static const struct knob_case knob_bads[] = {
	{ "SOCKSIFY_LOG", "verbose",
	  "SOCKSIFY_LOG: \"verbose\" is not a log level (none, error, warn, info, debug or 0-4)" },
	{ "SOCKSIFY_LOG", "5",
	  "SOCKSIFY_LOG: \"5\" is not a log level (none, error, warn, info, debug or 0-4)" },
	{ "SOCKSIFY_LOG", "-1",
	  "SOCKSIFY_LOG: \"-1\" is not a log level (none, error, warn, info, debug or 0-4)" },
	{ "SOCKSIFY_LOG", " info",
	  "SOCKSIFY_LOG: \" info\" is not a log level (none, error, warn, info, debug or 0-4)" },
	{ "SOCKSIFY_TIMEOUT", "0",
	  "SOCKSIFY_TIMEOUT: \"0\" out of range (more than 0, at most 3600 seconds)" },
	{ "SOCKSIFY_TIMEOUT", "0.0",
	  "SOCKSIFY_TIMEOUT: \"0.0\" out of range (more than 0, at most 3600 seconds)" },
	{ "SOCKSIFY_TIMEOUT", "3600.001",
	  "SOCKSIFY_TIMEOUT: \"3600.001\" out of range (more than 0, at most 3600 seconds)" },
	{ "SOCKSIFY_TIMEOUT", "3601",
	  "SOCKSIFY_TIMEOUT: \"3601\" out of range (more than 0, at most 3600 seconds)" },
	{ "SOCKSIFY_TIMEOUT", "99999999999999999999999999",
	  "SOCKSIFY_TIMEOUT: \"99999999999999999999999999\" out of range (more than 0, at most 3600 seconds)" },
	{ "SOCKSIFY_TIMEOUT", "-1",
	  "SOCKSIFY_TIMEOUT: \"-1\" is not a number of seconds (such as 10 or 2.5)" },
	{ "SOCKSIFY_TIMEOUT", "1e3",
	  "SOCKSIFY_TIMEOUT: \"1e3\" is not a number of seconds (such as 10 or 2.5)" },
	{ "SOCKSIFY_TIMEOUT", "ten",
	  "SOCKSIFY_TIMEOUT: \"ten\" is not a number of seconds (such as 10 or 2.5)" },
	{ "SOCKSIFY_TIMEOUT", ".",
	  "SOCKSIFY_TIMEOUT: \".\" is not a number of seconds (such as 10 or 2.5)" },
	{ "SOCKSIFY_TIMEOUT", "5s",
	  "SOCKSIFY_TIMEOUT: \"5s\" is not a number of seconds (such as 10 or 2.5)" },
	{ "SOCKSIFY_TIMEOUT", " 5",
	  "SOCKSIFY_TIMEOUT: \" 5\" is not a number of seconds (such as 10 or 2.5)" },
	{ "SOCKSIFY_TIMEOUT", "1.2.3",
	  "SOCKSIFY_TIMEOUT: \"1.2.3\" is not a number of seconds (such as 10 or 2.5)" },
	{ "SOCKSIFY_PIPELINE", "2",
	  "SOCKSIFY_PIPELINE: \"2\" is not a boolean (use 0/1, no/yes, off/on or false/true)" },
	{ "SOCKSIFY_PIPELINE", "enable",
	  "SOCKSIFY_PIPELINE: \"enable\" is not a boolean (use 0/1, no/yes, off/on or false/true)" },
	{ "SOCKSIFY_HOSTS", "y",
	  "SOCKSIFY_HOSTS: \"y\" is not a boolean (use 0/1, no/yes, off/on or false/true)" },
	{ "SOCKSIFY_UDP", "tunnel",
	  "SOCKSIFY_UDP: \"tunnel\" is not proxy or direct" },
	{ "SOCKSIFY_LOOPBACK", "skip",
	  "SOCKSIFY_LOOPBACK: \"skip\" is not direct or proxy" },
	{ "SOCKSIFY_PACKET", "allow",
	  "SOCKSIFY_PACKET: \"allow\" is not refuse or direct" },
	{ "SOCKSIFY_FAKE_NET", "10.0.0.0",
	  "SOCKSIFY_FAKE_NET: \"10.0.0.0\" is not an IPv4 CIDR block such as 198.18.0.0/15" },
	{ "SOCKSIFY_FAKE_NET", "fd00::/64",
	  "SOCKSIFY_FAKE_NET: \"fd00::/64\" is not an IPv4 CIDR block such as 198.18.0.0/15" },
	{ "SOCKSIFY_FAKE_NET", "10.0.0.0/x",
	  "SOCKSIFY_FAKE_NET: \"10.0.0.0/x\" is not an IPv4 CIDR block such as 198.18.0.0/15" },
	{ "SOCKSIFY_FAKE_NET", "10.0.0.0/7",
	  "SOCKSIFY_FAKE_NET: \"10.0.0.0/7\" has prefix length /7, out of range 8-30" },
	{ "SOCKSIFY_FAKE_NET", "10.0.0.0/31",
	  "SOCKSIFY_FAKE_NET: \"10.0.0.0/31\" has prefix length /31, out of range 8-30" },
	{ "SOCKSIFY_FAKE_NET", "10.0.0.1/8",
	  "SOCKSIFY_FAKE_NET: \"10.0.0.1/8\" has host bits set after /8" },
	{ "SOCKSIFY_FAKE_NET", "127.0.0.0/8",
	  "SOCKSIFY_FAKE_NET: \"127.0.0.0/8\" overlaps loopback 127.0.0.0/8" },
	{ "SOCKSIFY_FAKE_NET", "127.64.0.0/10",
	  "SOCKSIFY_FAKE_NET: \"127.64.0.0/10\" overlaps loopback 127.0.0.0/8" },
	{ "SOCKSIFY_FAKE_NET", "0.0.0.0/8",
	  "SOCKSIFY_FAKE_NET: \"0.0.0.0/8\" overlaps 0.0.0.0/8" },
	{ "SOCKSIFY_FAKE_NET", "224.0.0.0/8",
	  "SOCKSIFY_FAKE_NET: \"224.0.0.0/8\" overlaps multicast and reserved space 224.0.0.0/3" },
	{ "SOCKSIFY_FAKE_NET", "255.255.255.0/24",
	  "SOCKSIFY_FAKE_NET: \"255.255.255.0/24\" overlaps multicast and reserved space 224.0.0.0/3" },
	{ "SOCKSIFY_FAKE_NET6", "fd00::",
	  "SOCKSIFY_FAKE_NET6: \"fd00::\" is not an IPv6 CIDR block such as fd53:6f63:6b73::/96" },
	{ "SOCKSIFY_FAKE_NET6", "10.0.0.0/8",
	  "SOCKSIFY_FAKE_NET6: \"10.0.0.0/8\" is not an IPv6 CIDR block such as fd53:6f63:6b73::/96" },
	{ "SOCKSIFY_FAKE_NET6", "fd00::/7",
	  "SOCKSIFY_FAKE_NET6: \"fd00::/7\" has prefix length /7, out of range 8-120" },
	{ "SOCKSIFY_FAKE_NET6", "fd00::/121",
	  "SOCKSIFY_FAKE_NET6: \"fd00::/121\" has prefix length /121, out of range 8-120" },
	{ "SOCKSIFY_FAKE_NET6", "fd00::/129",
	  "SOCKSIFY_FAKE_NET6: \"fd00::/129\" is not an IPv6 CIDR block such as fd53:6f63:6b73::/96" },
	{ "SOCKSIFY_FAKE_NET6", "fd00::1/64",
	  "SOCKSIFY_FAKE_NET6: \"fd00::1/64\" has host bits set after /64" },
	{ "SOCKSIFY_FAKE_NET6", "::/64",
	  "SOCKSIFY_FAKE_NET6: \"::/64\" overlaps loopback ::1" },
	{ "SOCKSIFY_FAKE_NET6", "::/8",
	  "SOCKSIFY_FAKE_NET6: \"::/8\" overlaps loopback ::1" },
	{ "SOCKSIFY_FAKE_NET6", "::ffff:0:0/96",
	  "SOCKSIFY_FAKE_NET6: \"::ffff:0:0/96\" overlaps IPv4-mapped ::ffff:0:0/96" },
	{ "SOCKSIFY_FAKE_NET6", "::ffff:10.0.0.0/104",
	  "SOCKSIFY_FAKE_NET6: \"::ffff:10.0.0.0/104\" overlaps IPv4-mapped ::ffff:0:0/96" },
	{ "SOCKSIFY_FAKE_NET6", "ff00::/16",
	  "SOCKSIFY_FAKE_NET6: \"ff00::/16\" overlaps multicast ff00::/8" },
	{ "SOCKSIFY_FAKE_NET6", "ff05::/64",
	  "SOCKSIFY_FAKE_NET6: \"ff05::/64\" overlaps multicast ff00::/8" },
	{ "SOCKSIFY_UDP", "\xff",
	  "SOCKSIFY_UDP: value is not valid UTF-8" },
	{ "SOCKSIFY_LOG", "\xc0\xaf",
	  "SOCKSIFY_LOG: value is not valid UTF-8" },
	{ "SOCKSIFY_LOG", "\xe0\x80\xaf",
	  "SOCKSIFY_LOG: value is not valid UTF-8" },
	{ "SOCKSIFY_LOG", "\xf4\x90\x80\x80",
	  "SOCKSIFY_LOG: value is not valid UTF-8" },
	{ "SOCKSIFY_LOG", "\xed\xa0\x80",
	  "SOCKSIFY_LOG: value is not valid UTF-8" },
	{ "SOCKSIFY_LOG", "debug\xe2\x82",
	  "SOCKSIFY_LOG: value is not valid UTF-8" },
	{ "SOCKSIFY_UDP", "\xe2\x82\xac",
	  "SOCKSIFY_UDP: \"\\xe2\\x82\\xac\" is not proxy or direct" },
	{ "SOCKSIFY_LOOPBACK", "a\tb",
	  "SOCKSIFY_LOOPBACK: \"a\\x09b\" is not direct or proxy" },
};

static void
test_load_knobs_bad(void)
{
	char label[256];
	struct config cfg;

	for (size_t i = 0; i < SX_ARRAY_LEN(knob_bads); i++) {
		const struct knob_case *c = &knob_bads[i];
		const char *env[] = { c->var, c->value, NULL };

		load(&cfg, env);
		snprintf(label, sizeof(label), "%s #%zu is an error", c->var, i);
		ok(!cfg.valid, label);
		snprintf(label, sizeof(label), "%s #%zu: message", c->var, i);
		is_str(cfg.error, c->err, label);
		snprintf(label, sizeof(label), "%s #%zu: one line", c->var, i);
		ok(is_one_line(cfg.error), label);
		snprintf(label, sizeof(label), "%s #%zu: other knobs keep defaults",
			 c->var, i);
		ok(cfg.timeout_ms == 10000 && cfg.log_level == LOG_LEVEL_WARN &&
			   cfg.fake_prefix == 15 && cfg.fake_prefix6 == 96 &&
			   cfg.udp_mode == CONFIG_UDP_PROXY &&
			   cfg.loopback_mode == CONFIG_LOOPBACK_DIRECT &&
			   cfg.hosts_file && !cfg.pipeline,
		   label);
		config_free(&cfg);
	}
}

static void
test_load_knobs_good(void)
{
	static const struct {
		const char *value;
		int level;
	} levels[] = {
		{ "none", 0 }, { "error", 1 }, { "warn", 2 }, { "info", 3 },
		{ "debug", 4 }, { "DEBUG", 4 }, { "0", 0 }, { "1", 1 },
		{ "2", 2 }, { "3", 3 }, { "4", 4 },
	};
	static const struct {
		const char *value;
		int ms;
	} timeouts[] = {
		{ "10", 10000 }, { "2.5", 2500 }, { "0.25", 250 }, { ".5", 500 },
		{ "3.", 3000 }, { "3600", 3600000 }, { "3600.000", 3600000 },
		{ "0.001", 1 }, { "0.0001", 1 }, { "1.0005", 1001 },
		{ "007", 7000 }, { "1.25000000000000000000", 1250 },
	};
	static const struct {
		const char *value;
		bool on;
	} bools[] = {
		{ "0", false }, { "1", true }, { "no", false }, { "yes", true },
		{ "off", false }, { "on", true }, { "false", false },
		{ "true", true }, { "TRUE", true }, { "Off", false },
	};
	char label[256];
	struct config cfg;

	for (size_t i = 0; i < SX_ARRAY_LEN(levels); i++) {
		const char *env[] = { "SOCKSIFY_LOG", levels[i].value, NULL };

		load(&cfg, env);
		snprintf(label, sizeof(label), "SOCKSIFY_LOG=%s", levels[i].value);
		ok(cfg.valid, label);
		is_int(cfg.log_level, levels[i].level, label);
		config_free(&cfg);
	}
	for (size_t i = 0; i < SX_ARRAY_LEN(timeouts); i++) {
		const char *env[] = { "SOCKSIFY_TIMEOUT", timeouts[i].value, NULL };

		load(&cfg, env);
		snprintf(label, sizeof(label), "SOCKSIFY_TIMEOUT=%s",
			 timeouts[i].value);
		ok(cfg.valid, label);
		is_int(cfg.timeout_ms, timeouts[i].ms, label);
		config_free(&cfg);
	}
	for (size_t i = 0; i < SX_ARRAY_LEN(bools); i++) {
		const char *env[] = { "SOCKSIFY_PIPELINE", bools[i].value,
				      "SOCKSIFY_HOSTS", bools[i].value, NULL };

		load(&cfg, env);
		snprintf(label, sizeof(label),
			 "SOCKSIFY_PIPELINE and SOCKSIFY_HOSTS=%s", bools[i].value);
		ok(cfg.valid, label);
		is_int(cfg.pipeline, bools[i].on, label);
		is_int(cfg.hosts_file, bools[i].on, label);
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_UDP", "direct", "SOCKSIFY_LOOPBACK", "proxy",
			NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "SOCKSIFY_UDP=direct SOCKSIFY_LOOPBACK=proxy");
		is_int(cfg.udp_mode, CONFIG_UDP_DIRECT, "UDP direct");
		is_int(cfg.packet_mode, CONFIG_PACKET_REFUSE, "packet sockets still refused");
		is_int(cfg.loopback_mode, CONFIG_LOOPBACK_PROXY,
		       "loopback through the proxy");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_PACKET", "Direct", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "SOCKSIFY_PACKET=Direct");
		is_int(cfg.packet_mode, CONFIG_PACKET_DIRECT, "packet sockets allowed");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_UDP", "PROXY", "SOCKSIFY_LOOPBACK", "Direct",
			NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "the mode words ignore case");
		is_int(cfg.udp_mode, CONFIG_UDP_PROXY, "UDP through the proxy");
		is_int(cfg.loopback_mode, CONFIG_LOOPBACK_DIRECT,
		       "loopback direct");
		config_free(&cfg);
	}
	{
		static const uint8_t net[4] = { 10, 64, 0, 0 };
		static const uint8_t net6[16] = { 0xfd, 0x00, 0x00, 0x01 };
		static const char *const env[] = {
			"SOCKSIFY_FAKE_NET", "10.64.0.0/10",
			"SOCKSIFY_FAKE_NET6", "fd00:1::/64", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "fake ranges load");
		is_bytes(cfg.fake_net, net, 4, "the IPv4 range");
		is_int(cfg.fake_prefix, 10, "its prefix");
		is_bytes(cfg.fake_net6, net6, 16, "the IPv6 range");
		is_int(cfg.fake_prefix6, 64, "its prefix");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_FAKE_NET", "100.64.0.0/30",
			"SOCKSIFY_FAKE_NET6", "2001:db8::/120", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "the narrowest fake ranges load");
		is_int(cfg.fake_prefix, 30, "/30");
		is_int(cfg.fake_prefix6, 120, "/120");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_FAKE_NET", "1.0.0.0/8",
			"SOCKSIFY_FAKE_NET6", "100::/8", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "the widest fake ranges next to forbidden space load");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_LOG", "", "SOCKSIFY_TIMEOUT", "",
			"SOCKSIFY_PIPELINE", "", "SOCKSIFY_UDP", "",
			"SOCKSIFY_LOOPBACK", "", "SOCKSIFY_HOSTS", "",
			"SOCKSIFY_FAKE_NET", "", "SOCKSIFY_FAKE_NET6", "", NULL
		};
		load(&cfg, env);
		ok(cfg.valid, "empty SOCKSIFY_* values count as unset");
		is_int(cfg.timeout_ms, 10000, "so the defaults stay");
		config_free(&cfg);
	}
}

static void
test_load_errors(void)
{
	struct config cfg;

	{
		static const char *const env[] = {
			"SOCKSIFY_LOG", "debug",
			"SOCKS_PROXY", "socks5://u:hunter2@[::1",
			"SOCKSIFY_TIMEOUT", "x", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "a bad proxy is an error");
		is_int(cfg.log_level, LOG_LEVEL_DEBUG,
		       "the log level is read even so");
		ok(strcmp(cfg.error, "SOCKS_PROXY: unterminated '[' in host") == 0,
		   "the first error wins");
		ok(!has(cfg.error, "hunter2"), "without the password");
		config_free(&cfg);
	}
	{
		static const char *const env[] = {
			"SOCKSIFY_TIMEOUT", "x", "SOCKSIFY_UDP", "y",
			"SOCKSIFY_PIPELINE", "1", NULL
		};
		load(&cfg, env);
		ok(!cfg.valid, "two bad knobs");
		ok(has(cfg.error, "SOCKSIFY_TIMEOUT: "), "report the first");
		ok(!has(cfg.error, "SOCKSIFY_UDP"), "only");
		ok(cfg.pipeline, "good knobs still load");
		config_free(&cfg);
	}
	{
		static char huge[100000];
		static const char *const env[] = {
			"SOCKSIFY_TIMEOUT", huge, NULL
		};

		memset(huge, '9', sizeof(huge) - 1);
		load(&cfg, env);
		ok(!cfg.valid, "a huge knob value is an error");
		is_str(cfg.error,
		       "SOCKSIFY_TIMEOUT: value too long (more than 256 bytes)",
		       "saying so");
		config_free(&cfg);
	}
	{
		static char long_value[201];
		static const char *const env[] = {
			"SOCKSIFY_LOOPBACK", long_value, NULL
		};

		long_value[0] = '\x1b';
		memset(long_value + 1, 'w', sizeof(long_value) - 2);
		load(&cfg, env);
		ok(!cfg.valid, "a long bad knob value is an error");
		ok(is_one_line(cfg.error), "in one printable line");
		ok(has(cfg.error, "\"\\x1bwww"), "with the escape shown");
		ok(has(cfg.error, "w...\" is not direct or proxy"),
		   "cut short, and the reason kept");
		ok(strlen(cfg.error) < 140, "of a bounded length");
		config_free(&cfg);
	}
	{
		static char big_list[300000];
		static const char *const env[] = {
			"NO_PROXY", big_list, NULL
		};
		size_t n = 0;

		for (int i = 0; i < 10000; i++)
			n += (size_t)snprintf(big_list + n, sizeof(big_list) - n,
					      "n%d.example,", i);
		load(&cfg, env);
		ok(cfg.valid, "a NO_PROXY of 10,000 entries loads");
		is_int(cfg.noproxy_count, 10000, "whole");
		config_free(&cfg);
	}
}

int
main(void)
{
	test_url_good();
	test_url_limits();
	test_url_bad();
	test_url_bad_sizes();
	test_noproxy_parse();
	test_noproxy_bad();
	test_noproxy_many();
	test_noproxy_match();
	test_load_defaults();
	test_load_proxy();
	test_load_resolve();
	test_load_noproxy();
	test_load_knobs_bad();
	test_load_knobs_good();
	test_load_errors();
	return tap_done();
}

/*
 * The resolver's name policy: which names resolve locally and which get
 * fake addresses, and what the shapes of reverse lookups stand for.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "namepolicy.h"
#include "noproxy.h"
#include "tap.h"

static const struct sx_sys test_sys = {
	.close = close,
};

static char tmpdir[] = "/tmp/test_namepolicy.XXXXXX";

static void
test_names(void)
{
	char name[300];

	is_int(namepolicy_name_len("example.com."), 11, "a trailing dot is not counted");
	is_int(namepolicy_name_len("example.com"), 11, "nor missing");
	ok(!namepolicy_name_fits(""), "the empty name is answered by no one");
	memset(name, 'a', 256);
	name[256] = '\0';
	ok(!namepolicy_name_fits(name), "nor a name of 256 bytes");
	name[255] = '.';
	ok(namepolicy_name_fits(name), "255 bytes and a dot fit");

	ok(namepolicy_is_localhost("localhost"), "localhost is localhost");
	ok(namepolicy_is_localhost("LocalHost."), "in any case, with a dot");
	ok(namepolicy_is_localhost("app.localhost"), "so is a name under it (RFC 6761)");
	ok(!namepolicy_is_localhost("notlocalhost"), "a name merely ending so is not");
	ok(!namepolicy_is_localhost("localhost.example"), "nor one above it");

	ok(namepolicy_is_digits_dots("10.1.2.3", AF_INET), "digits and dots are an address");
	ok(namepolicy_is_digits_dots("10.1", AF_INET), "even short ones (inet_aton)");
	ok(!namepolicy_is_digits_dots("10.1.2.3.", AF_INET), "not with a trailing dot");
	ok(!namepolicy_is_digits_dots("10.example", AF_INET), "not with letters");
	ok(namepolicy_is_digits_dots("2001:db8::1", AF_INET6), "hex and colons for IPv6");
	ok(namepolicy_is_digits_dots("::1", AF_INET6), "a leading colon too");
	ok(!namepolicy_is_digits_dots("2001:db8::g", AF_INET6), "not with other letters");
	ok(namepolicy_is_digits_dots("a:zz", AF_INET),
	   "for IPv4 glibc takes any colon form as its own (and fails it)");
	ok(!namepolicy_is_digits_dots("", AF_INET), "the empty name is none");

	ok(namepolicy_is_plain_name("example.com"), "a name with letters is plain");
	ok(!namepolicy_is_plain_name("0x7f.1"), "hex parts may be an address");
	ok(!namepolicy_is_plain_name("fe80::1%eth0"), "a colon may be IPv6");
	ok(!namepolicy_is_plain_name("deadbeef"), "hex digits alone may be an address");
	ok(namepolicy_is_plain_name("beef-cafe"), "a dash is not");
}

static void
write_hosts(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		printf("# cannot write %s\n", path);
	if (fd >= 0)
		close(fd);
}

static void
test_decide(void)
{
	struct config cfg;
	struct hosts_answer ans;
	char path[64], err[128];

	snprintf(path, sizeof(path), "%s/hosts", tmpdir);
	write_hosts(path, "10.0.0.5 intranet intranet.corp\n"
			  "::1 localhost\n");
	memset(&cfg, 0, sizeof(cfg));
	cfg.valid = true;
	cfg.proxy.remote_dns = true;
	is_int(noproxy_parse("direct.example,.internal", &cfg.noproxy,
				    &cfg.noproxy_count, err, sizeof(err)), 0,
	       "NO_PROXY parses");

	ok(!namepolicy_resolves_locally(&cfg), "socks5h resolves remotely");
	cfg.proxy.remote_dns = false;
	ok(namepolicy_resolves_locally(&cfg), "socks5 resolves locally");
	cfg.valid = false;
	ok(!namepolicy_resolves_locally(&cfg), "an invalid configuration resolves nothing");
	cfg.valid = true;
	cfg.proxy.remote_dns = true;

	memset(&ans, 0, sizeof(ans));
	is_int(namepolicy_decide(&cfg, &test_sys, path, "example.com", &ans),
	       NAMEPOLICY_FAKE, "a name gets a fake address");
	is_int(namepolicy_decide(&cfg, &test_sys, path, "intranet", &ans),
	       NAMEPOLICY_FAKE, "so does a hosts file name while the file is off");
	cfg.hosts_file = true;
	memset(&ans, 0, sizeof(ans));
	is_int(namepolicy_decide(&cfg, &test_sys, path, "intranet", &ans),
	       NAMEPOLICY_LOCAL, "with the file on, its names resolve from it");
	is_int(ans.count, 1, "one address");
	is_bytes(ans.addr[0].addr, "\x0a\x00\x00\x05", 4, "the file's");
	is_int(namepolicy_decide(&cfg, &test_sys, path, "www.direct.example", &ans),
	       NAMEPOLICY_REAL, "so do the names under a NO_PROXY name");
	is_int(namepolicy_decide(&cfg, &test_sys, path, "other.example", &ans),
	       NAMEPOLICY_FAKE, "but not its neighbours");
	is_int(namepolicy_decide(&cfg, &test_sys, path, "direct.example", &ans),
	       NAMEPOLICY_REAL, "a NO_PROXY name goes to the real resolver");
	is_int(namepolicy_decide(&cfg, &test_sys, path, "db.internal", &ans),
	       NAMEPOLICY_REAL, "and a name under a NO_PROXY domain");
	cfg.valid = false;
	is_int(namepolicy_decide(&cfg, &test_sys, path, "direct.example", &ans),
	       NAMEPOLICY_FAKE, "an invalid configuration resolves nothing for real");
	cfg.valid = true;

	memset(&ans, 0, sizeof(ans));
	is_int(namepolicy_decide(&cfg, &test_sys, path, "LOCALHOST.", &ans),
	       NAMEPOLICY_LOCALHOST, "localhost in any case, with a dot, is local");
	memset(&ans, 0, sizeof(ans));
	is_int(namepolicy_decide(&cfg, &test_sys, path, "localhost", &ans),
	       NAMEPOLICY_LOCALHOST, "localhost is answered locally");
	is_int(ans.count, 1, "from the file");
	is_str(ans.canon, "localhost", "named as asked");
	namepolicy_complete_localhost(&ans, AF_INET);
	is_int(ans.count, 2, "the file lacks IPv4: the loopback is added");
	is_int(ans.addr[1].family, AF_INET, "of IPv4");
	is_bytes(ans.addr[1].addr, "\x7f\x00\x00\x01", 4, "127.0.0.1");
	namepolicy_complete_localhost(&ans, AF_INET6);
	is_int(ans.count, 2, "IPv6 the file gave already");

	memset(&ans, 0, sizeof(ans));
	is_int(namepolicy_decide(&cfg, &test_sys, path, "app.localhost", &ans),
	       NAMEPOLICY_LOCALHOST, "a name under localhost too");
	is_int(ans.count, 0, "which the file does not list");
	namepolicy_complete_localhost(&ans, AF_UNSPEC);
	is_int(ans.count, 2, "any family: both loopback addresses");
	is_int(ans.addr[0].family, AF_INET, "IPv4 first");
	is_int(ans.addr[1].family, AF_INET6, "then IPv6");
	ok(ans.addr[1].addr[15] == 1, "::1");
	noproxy_free(cfg.noproxy, cfg.noproxy_count);
	unlink(path);
}

static void
test_reverse(void)
{
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 10, 0, 0, 1 };
	static const uint8_t compat[16] = { [12] = 10, 0, 0, 1 };
	static const uint8_t loop6[16] = { [15] = 1 };
	static const uint8_t any6[16];
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	const uint8_t *p;
	const char *why;
	uint8_t buf[32] = { 0 };

	p = mapped;
	is_int(namepolicy_reverse_family(AF_INET6, &p), AF_INET,
	       "an IPv4-mapped address is about IPv4");
	ok(p == mapped + 12, "its last four bytes");
	p = compat;
	is_int(namepolicy_reverse_family(AF_INET6, &p), AF_INET,
	       "an IPv4-compatible address is about IPv4");
	ok(p == compat + 12, "its last four bytes");
	p = loop6;
	is_int(namepolicy_reverse_family(AF_INET6, &p), AF_INET6, "::1 stays IPv6");
	p = any6;
	is_int(namepolicy_reverse_family(AF_INET6, &p), AF_INET6, ":: stays IPv6");
	p = v6;
	is_int(namepolicy_reverse_family(AF_INET6, &p), AF_INET6,
	       "a global address stays IPv6");
	ok(p == v6, "unmoved");

	p = compat;
	is_int(namepolicy_hosts_family(AF_INET6, &p), AF_INET6,
	       "the hosts file reads only IPv4-mapped addresses as IPv4");
	p = mapped;
	is_int(namepolicy_hosts_family(AF_INET6, &p), AF_INET, "which it does");

	is_int(namepolicy_byaddr_shape(AF_INET, buf, 4, &why), 0,
	       "4 bytes of IPv4 are an address");
	ok(why == NULL, "with nothing to say");
	is_int(namepolicy_byaddr_shape(AF_INET6, buf, 16, &why), 0,
	       "16 bytes of IPv6 too");
	is_int(namepolicy_byaddr_shape(AF_INET, buf, 16, &why), NAMEPOLICY_BYADDR_LONG,
	       "sizeof(struct sockaddr_in) for IPv4 is read as its first 4 bytes");
	ok(why && strstr(why, "not a fake one"), "answered only for a fake address");
	is_int(namepolicy_byaddr_shape(AF_INET6, buf, 28, &why), NAMEPOLICY_BYADDR_LONG,
	       "a longer length for IPv6 too");
	is_int(namepolicy_byaddr_shape(AF_INET, buf, 3, &why), -EAFNOSUPPORT,
	       "a shorter length is EAFNOSUPPORT, as the C library's DNS module says");
	ok(why && strstr(why, "shorter"), "because it is shorter");
	is_int(namepolicy_byaddr_shape(AF_INET6, buf, 4, &why), -EAFNOSUPPORT,
	       "4 bytes for IPv6 are shorter too");
	is_int(namepolicy_byaddr_shape(AF_UNIX, buf, 4, &why), -EAFNOSUPPORT,
	       "another family is EAFNOSUPPORT");
	ok(why && strstr(why, "family"), "because of the family");
	is_int(namepolicy_byaddr_shape(AF_INET, NULL, 4, &why), -EINVAL,
	       "a NULL address is EINVAL");
	is_int(namepolicy_addr_len(AF_INET), 4, "IPv4 is 4 bytes");
	is_int(namepolicy_addr_len(AF_INET6), 16, "IPv6 16");
}

int
main(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	test_names();
	test_decide();
	test_reverse();
	rmdir(tmpdir);
	return tap_done();
}

/*
 * The system's nameservers (core/nsset.c): resolv.conf lines read into the
 * set, and which destinations name one of them on port 53.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "nsset.h"
#include "tap.h"

static socklen_t
v4(struct sockaddr_storage *ss, const char *addr, int port)
{
	struct sockaddr_in *in = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	in->sin_family = AF_INET;
	in->sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, addr, &in->sin_addr);
	return sizeof(*in);
}

static socklen_t
v6(struct sockaddr_storage *ss, const char *addr, int port)
{
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	in6->sin6_family = AF_INET6;
	in6->sin6_port = htons((uint16_t)port);
	inet_pton(AF_INET6, addr, &in6->sin6_addr);
	return sizeof(*in6);
}

static void
test_parse(void)
{
	static const char conf[] =
		"# generated\n"
		"search example.test\n"
		"nameserver 198.51.100.53\n"
		"nameserver\t2001:db8::53%eth0 # scoped\n"
		"nameserver 198.51.100.53\n"
		"nameserver not-an-address\n"
		"nameservers 192.0.2.9\n"
		"; nameserver 192.0.2.10\n"
		" nameserver 192.0.2.11\n"
		"nameserver 192.0.2.12;comment\r\n"
		"options timeout:1";
	struct nsset s;

	nsset_init(&s);
	is_int(s.count, 1, "the stub is always there");
	is_int(nsset_parse(&s, conf, strlen(conf)), 4, "four nameserver lines name addresses");
	is_int(s.count, 4, "the repeated one is kept once");
	is_int(s.ns[1].family, AF_INET, "the first is IPv4");
	is_int(s.ns[2].family, AF_INET6, "the scope is left off the IPv6 one");
	is_int(nsset_parse(&s, "", 0), 0, "an empty file names none");
	is_int(nsset_parse(&s, "nameserver 192.0.2.1", 20), 1,
	       "the last line needs no newline");
}

static void
test_full(void)
{
	struct nsset s;
	uint8_t a[4] = { 192, 0, 2, 0 };
	int i;

	nsset_init(&s);
	for (i = 1; i < NSSET_MAX; i++) {
		a[3] = (uint8_t)i;
		is_int(nsset_add(&s, AF_INET, a), 0, "room for one more");
	}
	a[3] = 200;
	is_int(nsset_add(&s, AF_INET, a), -ENOSPC, "a full set takes no more");
	a[3] = 1;
	is_int(nsset_add(&s, AF_INET, a), 0, "one already there is no error");
	is_int(nsset_add(&s, AF_UNIX, a), -EINVAL, "another family is refused");
	is_int(nsset_parse(&s, "nameserver 192.0.2.222\n", 23), -ENOSPC,
	       "parsing into a full set says so");
}

static void
test_index(void)
{
	static const char conf[] = "nameserver 198.51.100.53\nnameserver 2001:db8::53\n";
	struct sockaddr_storage ss, out;
	socklen_t len, olen;
	struct nsset s;

	nsset_init(&s);
	nsset_parse(&s, conf, strlen(conf));
	len = v4(&ss, "198.51.100.53", 53);
	is_int(nsset_index(&s, (struct sockaddr *)&ss, len), 1, "the nameserver on port 53");
	len = v4(&ss, "198.51.100.53", 5353);
	is_int(nsset_index(&s, (struct sockaddr *)&ss, len), -1, "another port is not DNS");
	len = v4(&ss, "10.0.0.1", 53);
	is_int(nsset_index(&s, (struct sockaddr *)&ss, len), -1, "another server is not ours");
	len = v4(&ss, "127.0.0.53", 53);
	is_int(nsset_index(&s, (struct sockaddr *)&ss, len), 0, "the stub");
	len = v6(&ss, "::ffff:198.51.100.53", 53);
	is_int(nsset_index(&s, (struct sockaddr *)&ss, len), 1, "v4-mapped is the IPv4 one");
	len = v6(&ss, "2001:db8::53", 53);
	is_int(nsset_index(&s, (struct sockaddr *)&ss, len), 2, "the IPv6 nameserver");
	is_int(nsset_index(&s, (struct sockaddr *)&ss, 4), -1, "a short address is none");
	is_int(nsset_index(&s, NULL, 0), -1, "no address is none");

	is_int(nsset_sockaddr(&s, 1, AF_INET, &out, &olen), 0, "an IPv4 nameserver as IPv4");
	len = v4(&ss, "198.51.100.53", 53);
	ok(olen == len && memcmp(&out, &ss, len) == 0, "its address and port 53");
	is_int(nsset_sockaddr(&s, 1, AF_INET6, &out, &olen), 0, "and as IPv6");
	len = v6(&ss, "::ffff:198.51.100.53", 53);
	ok(olen == len && memcmp(&out, &ss, len) == 0, "v4-mapped");
	is_int(nsset_sockaddr(&s, 2, AF_INET, &out, &olen), -EAFNOSUPPORT,
	       "an IPv6 nameserver has no IPv4 form");
	is_int(nsset_sockaddr(&s, 3, AF_INET, &out, &olen), -EINVAL, "no such index");
}

int
main(void)
{
	test_parse();
	test_full();
	test_index();
	return tap_done();
}

/*
 * The fake-IP map: allocation order, stability across case and trailing
 * dots, both lookups, name validation, least-recently-used reuse checked
 * against a reference model, the grace period and holds that keep an
 * address with its name (on a clock the tests set, never by sleeping),
 * many threads, fork (the child shares the map), no allocation after init,
 * and a timing print.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
#include <malloc.h>
#define HAVE_MALLINFO2 1
#endif

#include "atfork.h"
#include "fakeip.h"
#include "tap.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define UNDER_SANITIZER 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define UNDER_SANITIZER 1
#endif
#endif
#ifndef UNDER_SANITIZER
#define UNDER_SANITIZER 0
#endif

/* 198.18.0.0/15 and fd53:6f63:6b73::/96, the defaults. */
static const uint8_t NET4[4] = { 198, 18, 0, 0 };
static const uint8_t NET6[16] = {
	0xfd, 0x53, 0x6f, 0x63, 0x6b, 0x73, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};
#define BASE4 0xc6120000u	/* 198.18.0.0 */

static void
init_default(size_t cap)
{
	int rc = fakeip_init(NET4, 15, NET6, 96, cap);

	if (rc != 0) {
		printf("Bail out! fakeip_init: %d\n", rc);
		exit(1);
	}
}

/* Index behind an IPv4 fake address, or -1 when assign failed. */
static long
assign4(const char *name)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	struct sockaddr_in sin;

	if (fakeip_assign(name, AF_INET, &ss, &len) != 0)
		return -1;
	memcpy(&sin, &ss, sizeof(sin));
	return (long)(ntohl(sin.sin_addr.s_addr) - BASE4);
}

static long
assign6(const char *name)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	struct sockaddr_in6 sin6;
	const uint8_t *a;

	if (fakeip_assign(name, AF_INET6, &ss, &len) != 0)
		return -1;
	memcpy(&sin6, &ss, sizeof(sin6));
	a = sin6.sin6_addr.s6_addr;
	if (memcmp(a, NET6, 12) != 0)
		return -2;
	return (long)((uint32_t)a[12] << 24 | (uint32_t)a[13] << 16 |
		      (uint32_t)a[14] << 8 | a[15]);
}

static void
addr4_of(uint32_t index, uint8_t out[4])
{
	uint32_t a = BASE4 + index;

	out[0] = (uint8_t)(a >> 24);
	out[1] = (uint8_t)(a >> 16);
	out[2] = (uint8_t)(a >> 8);
	out[3] = (uint8_t)a;
}

static int
lookup4(uint32_t index, char *name)
{
	uint8_t a[4];

	addr4_of(index, a);
	return fakeip_lookup_raw(AF_INET, a, name, 256);
}

static int
lookup6(uint32_t index, char *name)
{
	uint8_t a[16];

	memcpy(a, NET6, 16);
	a[12] = (uint8_t)(index >> 24);
	a[13] = (uint8_t)(index >> 16);
	a[14] = (uint8_t)(index >> 8);
	a[15] = (uint8_t)index;
	return fakeip_lookup_raw(AF_INET6, a, name, 256);
}

/* The clock the map's grace period runs on: seconds the tests set. */
static uint32_t test_now = 1000;

static uint32_t
test_clock(void)
{
	return test_now;
}

/* Hold the IPv4 address of index; the ticket, or the negative error. */
static long
hold4(uint32_t index)
{
	struct sockaddr_in sin;
	uint32_t ticket = 0;
	int rc;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(443);
	sin.sin_addr.s_addr = htonl(BASE4 + index);
	rc = fakeip_hold((struct sockaddr *)&sin, sizeof(sin), &ticket);
	return rc < 0 ? rc : (long)ticket;
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* xorshift64*, one state per caller, so threads need no shared state. */
static uint32_t
rnd(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return (uint32_t)((*s * 2685821657736338717ull) >> 32);
}

static void
test_before_init(void)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char name[256];
	uint8_t a[4] = { 198, 18, 0, 1 };

	ok(!fakeip_is_fake_raw(AF_INET, a), "nothing is fake before init");
	is_int(fakeip_assign("example.com", AF_INET, &ss, &len), -EADDRNOTAVAIL,
	       "assign before init has no address to give");
	is_int(fakeip_lookup_raw(AF_INET, a, name, sizeof(name)), -EINVAL,
	       "lookup before init: not a fake address");
	is_int(fakeip_count(), 0, "no entries before init");
}

static void
test_init_arguments(void)
{
	is_int(fakeip_init(NET4, 31, NET6, 96, 0), -EINVAL,
	       "a /31 IPv4 range has no usable address");
	is_int(fakeip_init(NET4, 15, NET6, 128, 0), -EINVAL,
	       "a /128 IPv6 range has no usable address");
	is_int(fakeip_init(NET4, 15, NET6, 96, 131071), -EINVAL,
	       "capacity beyond the /15 range is refused");
	is_int(fakeip_init(NET4, 15, NET6, 96, 131070), 0,
	       "capacity of exactly the /15 range less two is accepted");
	is_int(fakeip_init(NET4, 30, NET6, 96, 3), -EINVAL,
	       "a /30 range holds two names, not three");
	is_int(fakeip_init(NULL, 15, NET6, 96, 0), -EINVAL, "no IPv4 network");
}

static void
test_order_and_stability(void)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	char name[256];
	static const uint8_t want4[4] = { 198, 18, 0, 1 };
	static const uint8_t want6[16] = {
		0xfd, 0x53, 0x6f, 0x63, 0x6b, 0x73, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
	};

	init_default(0);
	is_int(fakeip_count(), 0, "a fresh map is empty");

	memset(&ss, 0xa5, sizeof(ss));
	is_int(fakeip_assign("Example.COM", AF_INET, &ss, &len), 0,
	       "assign an IPv4 address");
	is_int(len, sizeof(struct sockaddr_in), "length of a sockaddr_in");
	memcpy(&sin, &ss, sizeof(sin));
	is_int(sin.sin_family, AF_INET, "family AF_INET");
	is_int(sin.sin_port, 0, "port 0");
	is_bytes(&sin.sin_addr, want4, 4, "the first name gets 198.18.0.1");

	memset(&ss, 0xa5, sizeof(ss));
	is_int(fakeip_assign("example.com", AF_INET6, &ss, &len), 0,
	       "assign an IPv6 address");
	is_int(len, sizeof(struct sockaddr_in6), "length of a sockaddr_in6");
	memcpy(&sin6, &ss, sizeof(sin6));
	is_int(sin6.sin6_family, AF_INET6, "family AF_INET6");
	is_int(sin6.sin6_port, 0, "port 0 (v6)");
	is_int(sin6.sin6_flowinfo, 0, "flowinfo 0");
	is_int(sin6.sin6_scope_id, 0, "scope 0");
	is_bytes(sin6.sin6_addr.s6_addr, want6, 16,
		 "the same name in other case gets fd53:6f63:6b73::1");

	is_int(assign4("example.com."), 1, "a trailing dot names the same host");
	is_int(assign4("EXAMPLE.com."), 1, "case and dot together");
	is_int(assign4("www.example.com"), 2, "the second name gets .2");
	is_int(assign6("www.example.com"), 2, "and ::2");
	is_int(assign4("a"), 3, "the third name gets .3");
	is_int(assign4("www.example.com"), 2, "a name keeps its address");
	is_int(fakeip_count(), 3, "three names live");

	is_int(lookup4(1, name), 0, "look up 198.18.0.1");
	is_str(name, "Example.COM", "the first spelling is kept");
	is_int(lookup6(2, name), 0, "look up fd53:6f63:6b73::2");
	is_str(name, "www.example.com", "the IPv6 address names the same host");

	/* Addresses past the 256th cross an octet boundary. */
	for (int i = 4; i <= 300; i++) {
		char n[32];

		snprintf(n, sizeof(n), "h%d.test", i);
		if (assign4(n) != i)
			break;
	}
	is_int(fakeip_count(), 300, "300 names in order");
	is_int(lookup4(300, name), 0, "look up 198.18.1.44");
	is_str(name, "h300.test", "the 300th name");
	is_int(assign4("h257.test"), 257, "h257 is still at 198.18.1.1");
}

static void
test_lookups(void)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	char name[256];
	char small[255];
	uint8_t mapped[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
			       198, 18, 0, 2 };

	init_default(0);
	assign4("one.example");
	assign4("Two.Example");

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(443);
	inet_pton(AF_INET, "198.18.0.2", &sin.sin_addr);
	is_int(fakeip_lookup_name((struct sockaddr *)&sin, sizeof(sin), name,
				  sizeof(name)), 0, "lookup by sockaddr_in");
	is_str(name, "Two.Example", "sockaddr_in names its host");

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(80);
	inet_pton(AF_INET6, "fd53:6f63:6b73::1", &sin6.sin6_addr);
	is_int(fakeip_lookup_name((struct sockaddr *)&sin6, sizeof(sin6), name,
				  sizeof(name)), 0, "lookup by sockaddr_in6");
	is_str(name, "one.example", "sockaddr_in6 names its host");

	inet_pton(AF_INET6, "::ffff:198.18.0.2", &sin6.sin6_addr);
	is_int(fakeip_lookup_name((struct sockaddr *)&sin6, sizeof(sin6), name,
				  sizeof(name)), 0, "lookup by v4-mapped address");
	is_str(name, "Two.Example", "::ffff:198.18.0.2 names the IPv4 entry");
	ok(fakeip_is_fake((struct sockaddr *)&sin6, sizeof(sin6)),
	   "a v4-mapped fake address is fake");
	is_int(fakeip_lookup_raw(AF_INET6, mapped, name, sizeof(name)), 0,
	       "raw lookup of a v4-mapped address");
	is_str(name, "Two.Example", "raw v4-mapped names the IPv4 entry");

	is_int(fakeip_lookup_name((struct sockaddr *)&sin, sizeof(sin) - 1, name,
				  sizeof(name)), -EINVAL, "a short sockaddr_in");
	is_int(fakeip_lookup_name((struct sockaddr *)&sin6, sizeof(sin6) - 1,
				  name, sizeof(name)), -EINVAL,
	       "a short sockaddr_in6");
	ok(!fakeip_is_fake((struct sockaddr *)&sin, sizeof(sin) - 1),
	   "a short sockaddr is not fake");
	is_int(fakeip_lookup_name((struct sockaddr *)&sin, sizeof(sin), small,
				  sizeof(small)), -ENOSPC,
	       "a buffer under 256 bytes is refused");
	is_int(fakeip_lookup_name(NULL, 0, name, sizeof(name)), -EINVAL,
	       "no address");
	sin.sin_family = AF_UNIX;
	is_int(fakeip_lookup_name((struct sockaddr *)&sin, sizeof(sin), name,
				  sizeof(name)), -EINVAL, "another family");
	ok(!fakeip_is_fake((struct sockaddr *)&sin, sizeof(sin)),
	   "another family is not fake");
}

static void
test_invalid_names(void)
{
	char buf[400];
	char label[80];
	size_t before;

	init_default(0);
	assign4("keep.example");
	before = fakeip_count();

	is_int(assign4(""), -1, "empty name refused");
	is_int(fakeip_assign("", AF_INET, &(struct sockaddr_storage){ 0 },
			     &(socklen_t){ 0 }), -EINVAL, "empty: -EINVAL");
	is_int(fakeip_assign(".", AF_INET, &(struct sockaddr_storage){ 0 },
			     &(socklen_t){ 0 }), -EINVAL, "a lone dot: -EINVAL");
	is_int(fakeip_assign(NULL, AF_INET, &(struct sockaddr_storage){ 0 },
			     &(socklen_t){ 0 }), -EINVAL, "NULL: -EINVAL");
	is_int(fakeip_assign("a.example", AF_UNIX,
			     &(struct sockaddr_storage){ 0 }, &(socklen_t){ 0 }),
	       -EAFNOSUPPORT, "AF_UNIX: -EAFNOSUPPORT");

	/* Four labels of 63, 63, 63 and 61 bytes: 253 bytes in all. */
	memset(buf, 'a', sizeof(buf));
	buf[63] = '.';
	buf[127] = '.';
	buf[191] = '.';
	buf[253] = '\0';
	long at = assign4(buf);

	ok(at > 0, "a 253-byte name is accepted");
	buf[253] = '.';
	buf[254] = '\0';
	is_int(assign4(buf), at, "253 bytes and a trailing dot: the same name");
	buf[253] = 'a';
	buf[254] = '\0';
	is_int(fakeip_assign(buf, AF_INET, &(struct sockaddr_storage){ 0 },
			     &(socklen_t){ 0 }), -EINVAL, "254 bytes: -EINVAL");
	buf[254] = 'a';
	buf[255] = '\0';
	is_int(fakeip_assign(buf, AF_INET, &(struct sockaddr_storage){ 0 },
			     &(socklen_t){ 0 }), -EINVAL, "255 bytes: -EINVAL");
	buf[255] = '.';
	buf[256] = '\0';
	is_int(fakeip_assign(buf, AF_INET, &(struct sockaddr_storage){ 0 },
			     &(socklen_t){ 0 }), -EINVAL,
	       "255 bytes and a dot: -EINVAL");
	buf[255] = 'a';
	is_int(fakeip_assign(buf, AF_INET, &(struct sockaddr_storage){ 0 },
			     &(socklen_t){ 0 }), -ENAMETOOLONG,
	       "256 bytes: -ENAMETOOLONG");
	buf[399] = '\0';
	is_int(fakeip_assign(buf, AF_INET, &(struct sockaddr_storage){ 0 },
			     &(socklen_t){ 0 }), -ENAMETOOLONG,
	       "399 bytes: -ENAMETOOLONG");

	memset(label, 'x', sizeof(label));
	memcpy(label + 63, ".example", 9);
	ok(assign4(label) > 0, "a 63-byte label is accepted");
	memset(label, 'x', sizeof(label));
	memcpy(label + 64, ".example", 9);
	is_int(fakeip_assign(label, AF_INET, &(struct sockaddr_storage){ 0 },
			     &(socklen_t){ 0 }), -EINVAL,
	       "a 64-byte label: -EINVAL");
	memcpy(label, "example.", 8);
	memset(label + 8, 'y', 64);
	label[72] = '\0';
	is_int(fakeip_assign(label, AF_INET, &(struct sockaddr_storage){ 0 },
			     &(socklen_t){ 0 }), -EINVAL,
	       "a 64-byte last label: -EINVAL");

	static const char *const bad[] = {
		"a..b", ".a", "a..", "..", "a b", "a/b", "a*b", "a\tb",
		"caf\xc3\xa9.example", "a:b", "a@b", "a\\b", "a,b", "-\x7f",
	};
	int refused = 0;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = fakeip_assign(bad[i], AF_INET6,
				       &(struct sockaddr_storage){ 0 },
				       &(socklen_t){ 0 });

		if (rc == -EINVAL)
			refused++;
		else
			printf("# accepted or wrong error for \"%s\": %d\n",
			       bad[i], rc);
	}
	is_int(refused, sizeof(bad) / sizeof(bad[0]),
	       "empty labels and bad bytes: -EINVAL");
	ok(assign4("_sip._tcp.Host-1.example") > 0,
	   "underscores, hyphens and digits are accepted");
	is_int(fakeip_count(), before + 3, "refused names take no entry");
}

static void
test_not_fake_vs_stale(void)
{
	char name[256];
	uint8_t a4[4];
	uint8_t a6[16];
	static const uint8_t net6_64[16] = {
		0xfd, 0x53, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	};

	init_default(0);
	assign4("only.example");

	inet_pton(AF_INET, "10.0.0.1", a4);
	is_int(fakeip_lookup_raw(AF_INET, a4, name, 256), -EINVAL,
	       "10.0.0.1 is not fake");
	ok(!fakeip_is_fake_raw(AF_INET, a4), "10.0.0.1: is_fake false");
	inet_pton(AF_INET, "198.20.0.1", a4);
	is_int(fakeip_lookup_raw(AF_INET, a4, name, 256), -EINVAL,
	       "198.20.0.1 lies past the /15");
	inet_pton(AF_INET, "198.17.255.255", a4);
	is_int(fakeip_lookup_raw(AF_INET, a4, name, 256), -EINVAL,
	       "198.17.255.255 lies before the /15");
	inet_pton(AF_INET, "198.18.0.0", a4);
	ok(fakeip_is_fake_raw(AF_INET, a4), "the network address is in range");
	is_int(fakeip_lookup_raw(AF_INET, a4, name, 256), -ENOENT,
	       "the network address names nothing");
	inet_pton(AF_INET, "198.19.255.255", a4);
	ok(fakeip_is_fake_raw(AF_INET, a4), "the broadcast address is in range");
	is_int(fakeip_lookup_raw(AF_INET, a4, name, 256), -ENOENT,
	       "the broadcast address names nothing");
	inet_pton(AF_INET, "198.18.0.2", a4);
	is_int(fakeip_lookup_raw(AF_INET, a4, name, 256), -ENOENT,
	       "an address not yet handed out: -ENOENT");
	inet_pton(AF_INET, "198.18.0.1", a4);
	is_int(fakeip_lookup_raw(AF_INET, a4, name, 256), 0,
	       "the handed-out address");

	inet_pton(AF_INET6, "fd53:6f63:6b74::1", a6);
	is_int(fakeip_lookup_raw(AF_INET6, a6, name, 256), -EINVAL,
	       "an IPv6 address outside the range is not fake");
	ok(!fakeip_is_fake_raw(AF_INET6, a6), "and is_fake says so");
	inet_pton(AF_INET6, "fd53:6f63:6b73::ffff:ffff", a6);
	is_int(fakeip_lookup_raw(AF_INET6, a6, name, 256), -ENOENT,
	       "the top of the IPv6 range names nothing");
	inet_pton(AF_INET6, "::ffff:10.0.0.1", a6);
	is_int(fakeip_lookup_raw(AF_INET6, a6, name, 256), -EINVAL,
	       "a v4-mapped real address is not fake");
	inet_pton(AF_INET6, "::ffff:198.18.0.9", a6);
	is_int(fakeip_lookup_raw(AF_INET6, a6, name, 256), -ENOENT,
	       "a v4-mapped invented address is stale");
	inet_pton(AF_INET6, "::1", a6);
	ok(!fakeip_is_fake_raw(AF_INET6, a6), "::1 is not fake");
	ok(!fakeip_is_fake_raw(AF_UNIX, a6), "AF_UNIX is not fake");

	/* A /64 range: offsets that do not fit 32 bits are in range, unused. */
	is_int(fakeip_init(NET4, 15, net6_64, 64, 0), 0, "init with a /64");
	is_int(assign6("v6.example"), -2, "assign gives an address in fd53::/64");
	inet_pton(AF_INET6, "fd53::1", a6);
	is_int(fakeip_lookup_raw(AF_INET6, a6, name, 256), 0, "fd53::1");
	is_str(name, "v6.example", "fd53::1 names the host");
	inet_pton(AF_INET6, "fd53::1:0:0:1", a6);
	ok(fakeip_is_fake_raw(AF_INET6, a6), "fd53::1:0:0:1 is in the /64");
	is_int(fakeip_lookup_raw(AF_INET6, a6, name, 256), -ENOENT,
	       "but names nothing");
	inet_pton(AF_INET6, "fd53:0:0:1::1", a6);
	is_int(fakeip_lookup_raw(AF_INET6, a6, name, 256), -EINVAL,
	       "fd53:0:0:1::1 lies outside the /64");

	/* An unaligned prefix keeps only the network bits. */
	inet_pton(AF_INET6, "fd53:6f63:6b73::", a6);
	is_int(fakeip_init((const uint8_t[4]){ 10, 1, 2, 3 }, 30, a6, 125, 0),
	       0, "init 10.1.2.3/30 and a /125");
	is_int(assign4("a.example"), (long)(0x0a010201u - BASE4),
	       "the host bits of 10.1.2.3/30 are dropped: 10.1.2.1");
	is_int(assign4("b.example"), (long)(0x0a010202u - BASE4),
	       "10.1.2.2");
	is_int(assign4("c.example"), (long)(0x0a010201u - BASE4),
	       "a /30 holds two names: the third reuses 10.1.2.1");
	inet_pton(AF_INET, "10.1.2.3", a4);
	is_int(fakeip_lookup_raw(AF_INET, a4, name, 256), -ENOENT,
	       "10.1.2.3, the broadcast address, is never handed out");
}

static void
test_capacity_from_v6(void)
{
	uint8_t n6[16];
	char name[256];

	inet_pton(AF_INET6, "fd53:6f63:6b73::", n6);
	is_int(fakeip_init(NET4, 15, n6, 126, 0), 0, "init with a /126");
	is_int(assign6("a.x"), 1, "::1");
	is_int(assign6("b.x"), 2, "::2");
	is_int(assign6("c.x"), 3, "::3");
	is_int(assign6("d.x"), 1, "a /126 caps the map at three: ::1 again");
	is_int(fakeip_count(), 3, "three live");
	is_int(lookup4(4, name), -ENOENT, "198.18.0.4 was never handed out");
}

static void
test_lru(void)
{
	char name[256];

	init_default(4);
	is_int(assign4("a.test"), 1, "a at .1");
	is_int(assign4("b.test"), 2, "b at .2");
	is_int(assign4("c.test"), 3, "c at .3");
	is_int(assign4("d.test"), 4, "d at .4");
	is_int(fakeip_count(), 4, "the map is full");

	is_int(lookup4(1, name), 0, "looking up .1 touches a");
	is_int(assign4("e.test"), 2, "e takes b's address, the least recent");
	is_int(fakeip_count(), 4, "still four live");
	is_int(lookup4(2, name), 0, ".2 is live");
	is_str(name, "e.test", ".2 now names e");
	is_int(lookup6(2, name), 0, "::2 is live");
	is_str(name, "e.test", "::2 now names e too");

	is_int(assign4("B.TEST"), 3, "b comes back at c's address");
	is_int(assign4("c.test"), 4, "c comes back at d's address");
	is_int(assign4("a.test"), 1, "a is still live at .1");
	is_int(assign4("d.test"), 2, "d takes e's address");
	is_int(lookup4(3, name), 0, ".3");
	is_str(name, "B.TEST", "the new spelling after reuse");
	is_int(assign4("f.test"), 4, "f takes c's: a and b were touched later");
	is_int(lookup4(5, name), -ENOENT, "capacity 4: .5 is never used");
}

/*
 * A reference model of the map: names by index, a use stamp per index,
 * compared with the real map after every step.
 */
#define MODEL_CAP 8
#define MODEL_POOL 24

struct model {
	char name[MODEL_CAP + 1][64];
	uint64_t used[MODEL_CAP + 1];
	uint32_t next;
	uint64_t clock;
};

static uint32_t
model_assign(struct model *m, const char *name)
{
	char plain[64];
	size_t n = strlen(name);
	uint32_t victim = 1;

	memcpy(plain, name, n + 1);
	if (n > 0 && plain[n - 1] == '.')
		plain[n - 1] = '\0';
	for (uint32_t i = 1; i < m->next; i++) {
		if (strcasecmp(m->name[i], plain) == 0) {
			m->used[i] = ++m->clock;
			return i;
		}
	}
	if (m->next <= MODEL_CAP) {
		victim = m->next++;
	} else {
		for (uint32_t i = 2; i <= MODEL_CAP; i++) {
			if (m->used[i] < m->used[victim])
				victim = i;
		}
	}
	strcpy(m->name[victim], plain);
	m->used[victim] = ++m->clock;
	return victim;
}

static void
random_spelling(uint64_t *s, int which, char *out)
{
	int n = snprintf(out, 64, "host%02d.example.org", which);

	for (int i = 0; i < n; i++) {
		if (out[i] >= 'a' && out[i] <= 'z' && rnd(s) % 4 == 0)
			out[i] = (char)(out[i] - 'a' + 'A');
	}
	if (rnd(s) % 3 == 0) {
		out[n] = '.';
		out[n + 1] = '\0';
	}
}

static void
test_model(void)
{
	struct model m;
	uint64_t s = 0x9e3779b97f4a7c15ull;
	int mismatches = 0;
	int lookups_hit = 0;
	char spelled[64];
	char name[256];

	memset(&m, 0, sizeof(m));
	m.next = 1;
	init_default(MODEL_CAP);
	for (int step = 0; step < 50000 && mismatches < 5; step++) {
		uint32_t op = rnd(&s) % 10;

		if (op < 6) {
			long want;
			long got;

			random_spelling(&s, (int)(rnd(&s) % MODEL_POOL), spelled);
			want = model_assign(&m, spelled);
			got = op < 3 ? assign4(spelled) : assign6(spelled);
			if (got != want) {
				mismatches++;
				printf("# step %d: assign %s: got %ld, want %ld\n",
				       step, spelled, got, want);
			}
		} else {
			uint32_t index = rnd(&s) % (MODEL_CAP + 3);
			int rc = op < 8 ? lookup4(index, name)
					: lookup6(index, name);
			int want = (index >= 1 && index < m.next) ? 0 : -ENOENT;

			if (rc != want ||
			    (rc == 0 && strcmp(name, m.name[index]) != 0)) {
				mismatches++;
				printf("# step %d: lookup %u: got %d \"%s\", "
				       "want %d \"%s\"\n", step, index, rc,
				       rc == 0 ? name : "", want,
				       want == 0 ? m.name[index] : "");
			}
			if (rc == 0) {
				lookups_hit++;
				m.used[index] = ++m.clock;
			}
		}
		if (fakeip_count() != m.next - 1)
			mismatches++;
	}
	is_int(mismatches, 0, "50000 random steps agree with the model");
	ok(lookups_hit > 1000, "the random steps looked up live names");

	/* No address names two live names; each live name keeps its address. */
	int distinct = 1;

	for (uint32_t i = 1; i <= MODEL_CAP; i++) {
		char a[256];
		char b[256];

		if (lookup4(i, a) != 0 || assign4(a) != (long)i)
			distinct = 0;
		for (uint32_t j = i + 1; j <= MODEL_CAP; j++) {
			if (lookup4(j, b) != 0 || strcasecmp(a, b) == 0)
				distinct = 0;
		}
	}
	ok(distinct, "every address names one distinct live name");
}

/* The rc of an IPv4 assign, for the cases that must fail. */
static int
assign4_rc(const char *name)
{
	struct sockaddr_storage ss;
	socklen_t len;

	return fakeip_assign(name, AF_INET, &ss, &len);
}

static void
test_grace(void)
{
	char name[256];

	fakeip_set_grace(600);
	test_now = 1000;
	init_default(4);
	assign4("a.test");
	assign4("b.test");
	assign4("c.test");
	assign4("d.test");
	is_int(assign4_rc("e.test"), -EAGAIN,
	       "a full map whose names were all used just now refuses a new name");
	is_int(fakeip_count(), 4, "and stays as it was");
	ok(lookup4(2, name) == 0 && strcmp(name, "b.test") == 0,
	   ".2 still names b");
	is_int(assign4("C.test."), 3, "a name already in the map is still answered");

	test_now = 1599;
	is_int(assign4_rc("e.test"), -EAGAIN, "599 seconds later: still refused");
	is_int(lookup4(1, name), 0, "a connect to .1 (a lookup by address) uses a");
	test_now = 1600;
	is_int(assign4("e.test"), 4,
	       "600 seconds after its last use d gives its address to e "
	       "(b and c were used after d, by address and by name)");
	is_int(assign4("f.test"), 2, "then b");
	is_int(assign4("g.test"), 3, "then c");
	is_int(assign4_rc("h.test"), -EAGAIN, "a, used at 1599, not yet");
	test_now = 1599 + 600;
	is_int(assign4("h.test"), 1, "a after its own 600 seconds");
	is_int(lookup4(4, name), 0, ".4 is live");
	is_str(name, "e.test", ".4 names e");

	/* A grace period of zero is plain least-recently-used reuse. */
	fakeip_set_grace(0);
	is_int(assign4("i.test"), 2, "with no grace period the oldest (f) goes at once");
}

static void
test_holds(void)
{
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	char name[256];
	uint32_t ticket = 0;
	long t1, t2;

	fakeip_set_grace(0);
	test_now = 5000;
	init_default(2);
	assign4("a.test");
	assign4("b.test");
	t1 = hold4(1);
	is_int(t1, 1, "holding .1 gives the ticket 1");
	is_int(assign4("c.test"), 2, "c takes b's address: a is held");
	is_int(assign4("d.test"), 2, "d takes c's: a is still held");
	is_int(lookup4(1, name), 0, ".1 is live");
	is_str(name, "a.test", ".1 still names a");
	t2 = hold4(2);
	is_int(t2, 2, "hold .2 (d) too");
	is_int(assign4_rc("e.test"), -EAGAIN,
	       "every address held: the lookup fails instead of taking one");
	is_int(assign4("A.test"), 1, "names already in the map still resolve");
	is_int(hold4(2), 2, "a second hold on .2");
	fakeip_release(2);
	is_int(assign4_rc("e.test"), -EAGAIN, "one release of two leaves .2 held");
	fakeip_release((uint32_t)t1);
	is_int(assign4("e.test"), 1, "the last release of .1 frees it for e");
	is_int(lookup4(1, name), 0, ".1 is live");
	is_str(name, "e.test", ".1 names e now");
	fakeip_release(1);
	fakeip_release(1);
	is_int(assign4_rc("f.test"), 0, "releases of what is not held are ignored");
	is_int(lookup4(2, name), 0, ".2 is live");
	is_str(name, "d.test", "and .2, still held, kept its name");
	fakeip_release(2);

	/* Every spelling of the address holds the same entry. */
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	memcpy(sin6.sin6_addr.s6_addr, NET6, 16);
	sin6.sin6_addr.s6_addr[15] = 2;
	is_int(fakeip_hold((struct sockaddr *)&sin6, sizeof(sin6), &ticket), 0,
	       "hold fd53:6f63:6b73::2");
	is_int(ticket, 2, "its ticket is 2, as for 198.18.0.2");
	fakeip_release(ticket);
	memset(sin6.sin6_addr.s6_addr, 0, 16);
	sin6.sin6_addr.s6_addr[10] = 0xff;
	sin6.sin6_addr.s6_addr[11] = 0xff;
	sin6.sin6_addr.s6_addr[12] = 198;
	sin6.sin6_addr.s6_addr[13] = 18;
	sin6.sin6_addr.s6_addr[15] = 1;
	ticket = 0;
	is_int(fakeip_hold((struct sockaddr *)&sin6, sizeof(sin6), &ticket), 0,
	       "hold ::ffff:198.18.0.1");
	is_int(ticket, 1, "its ticket is 1");
	fakeip_release(ticket);

	is_int(hold4(3), -ENOENT, "capacity 2: .3 names nothing to hold");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(0x0a000001u);
	is_int(fakeip_hold((struct sockaddr *)&sin, sizeof(sin), &ticket), -EINVAL,
	       "10.0.0.1 is not fake: -EINVAL");
	is_int(fakeip_hold((struct sockaddr *)&sin, sizeof(sin) - 1, &ticket),
	       -EINVAL, "a short address: -EINVAL");

	/* A release counts as a use: the grace period starts again from it. */
	fakeip_set_grace(600);
	test_now = 10000;
	init_default(2);
	assign4("a.test");
	assign4("b.test");
	t1 = hold4(1);
	test_now = 20000;
	is_int(assign4("c.test"), 2, "b, idle long enough, goes to c");
	fakeip_release((uint32_t)t1);
	is_int(assign4_rc("d.test"), -EAGAIN,
	       "a was released just now: it stays a's for the grace period");
	test_now = 20600;
	is_int(assign4("d.test"), 2, "600 seconds on, c (assigned before the release) goes");
	is_int(assign4("e.test"), 1, "and then a, 600 seconds after its release");
}

/*
 * A reference model with holds and a clock: after every step no address
 * that was held or used within the grace period names another host, and a
 * lookup fails exactly when no address may be reused.
 */
#define PIN_CAP 8
#define PIN_POOL 20
#define PIN_GRACE 5

struct pin_model {
	char name[PIN_CAP + 1][64];
	uint32_t used[PIN_CAP + 1];	/* clock at the last use */
	uint64_t order[PIN_CAP + 1];	/* use order, for ties in time */
	uint32_t holds[PIN_CAP + 1];
	uint32_t next;
	uint64_t seq;
	int reuses;		/* addresses given to another name */
};

static void
pin_touch(struct pin_model *m, uint32_t i)
{
	m->used[i] = test_now;
	if (m->holds[i] == 0)
		m->order[i] = ++m->seq;
}

/* The index the map must hand name, 0 when it must refuse. */
static uint32_t
pin_assign(struct pin_model *m, const char *name)
{
	uint32_t victim = 0;

	for (uint32_t i = 1; i < m->next; i++) {
		if (strcmp(m->name[i], name) == 0) {
			pin_touch(m, i);
			return i;
		}
	}
	if (m->next <= PIN_CAP) {
		victim = m->next++;
	} else {
		for (uint32_t i = 1; i <= PIN_CAP; i++) {
			if (m->holds[i] != 0)
				continue;
			if (victim == 0 || m->order[i] < m->order[victim])
				victim = i;
		}
		if (victim == 0 || test_now - m->used[victim] < PIN_GRACE)
			return 0;
		m->reuses++;
	}
	strcpy(m->name[victim], name);
	m->holds[victim] = 0;
	pin_touch(m, victim);
	return victim;
}

static void
test_pin_model(void)
{
	struct pin_model m;
	uint64_t s = 0x5851f42d4c957f2dull;
	int mismatches = 0;
	int refused = 0;
	char spelled[64];
	char name[256];

	memset(&m, 0, sizeof(m));
	m.next = 1;
	test_now = 100;
	fakeip_set_grace(PIN_GRACE);
	init_default(PIN_CAP);
	for (int step = 0; step < 50000 && mismatches < 5; step++) {
		uint32_t op = rnd(&s) % 20;
		uint32_t i = 1 + rnd(&s) % PIN_CAP;

		if (op < 8) {
			long want, got;

			snprintf(spelled, sizeof(spelled), "pin%02u.example",
				 rnd(&s) % PIN_POOL);
			want = pin_assign(&m, spelled);
			got = assign4(spelled);
			if (want == 0 && got == -1 && assign4_rc(spelled) == -EAGAIN) {
				refused++;
				continue;
			}
			if (got != want) {
				mismatches++;
				printf("# step %d: assign %s: got %ld, want %ld\n",
				       step, spelled, got, want);
			}
		} else if (op < 11) {
			if (i >= m.next)
				continue;
			if (hold4(i) != (long)i)
				mismatches++;
			m.holds[i]++;
			m.used[i] = test_now;
		} else if (op < 14) {
			if (i >= m.next || m.holds[i] == 0)
				continue;
			fakeip_release(i);
			if (--m.holds[i] == 0)
				pin_touch(&m, i);
		} else if (op < 16) {
			int rc = lookup4(i, name);

			if (i >= m.next) {
				if (rc != -ENOENT)
					mismatches++;
				continue;
			}
			if (rc != 0 || strcmp(name, m.name[i]) != 0)
				mismatches++;
			pin_touch(&m, i);
		} else {
			test_now += rnd(&s) % 3;
		}
	}
	is_int(mismatches, 0,
	       "50000 steps of lookups, holds, releases and time agree with the model");
	ok(refused > 100, "the model's map was often full of held or recent names");
	ok(m.reuses > 100, "and often reused an idle address");
	for (uint32_t i = 1; i < m.next; i++) {
		while (m.holds[i]-- > 0)
			fakeip_release(i);
	}
	fakeip_set_grace(0);
}

/*
 * A forked child shares the map and its holds: a hold taken for the
 * child's copy of a connection (fakeip_rehold()) and released by the child
 * leaves the parent's hold in place.
 */
static void
test_fork_holds(void)
{
	char name[256];
	pid_t pid;
	int status = -1;

	fakeip_set_grace(0);
	init_default(2);
	assign4("a.test");
	assign4("b.test");
	hold4(1);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int code = 0;

		alarm(10);
		if (fakeip_rehold(1) != 0)
			code |= 1;
		if (assign4("c.test") != 2)
			code |= 2;
		fakeip_release(1);
		if (assign4("d.test") != 2)
			code |= 4;
		_exit(code);
	}
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	   "a child's hold and release on .1 leave the parent's hold");
	is_int(assign4("f.test"), 2, "the parent still holds .1: f takes .2");
	is_int(lookup4(1, name), 0, ".1 in the parent");
	is_str(name, "a.test", "still names a: the child's release left it held");
	is_int(fakeip_rehold(9), -ENOENT, "a ticket that names nothing holds nothing");
	fakeip_release(1);
}

/* Many threads on overlapping names. */
#define THREADS 16
#define THREAD_OPS 20000
#define THREAD_POOL 3000

struct worker {
	pthread_t thread;
	uint64_t seed;
	int32_t seen[THREAD_POOL];	/* index seen for each name, 0: none */
	int errors;
};

static void
pool_name(int which, int upper, char *out, size_t cap)
{
	snprintf(out, cap, upper ? "NODE%d.Pool.Example" : "node%d.pool.example",
		 which);
}

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	char spelled[64];
	char name[256];

	for (int op = 0; op < THREAD_OPS; op++) {
		int which = (int)(rnd(&w->seed) % THREAD_POOL);
		uint32_t r = rnd(&w->seed) % 4;

		if (r < 2 || w->seen[which] == 0) {
			long got;

			pool_name(which, (int)(rnd(&w->seed) % 2), spelled,
				  sizeof(spelled));
			got = r == 0 ? assign6(spelled) : assign4(spelled);
			if (got <= 0)
				w->errors++;
			else if (w->seen[which] == 0)
				w->seen[which] = (int32_t)got;
			else if (w->seen[which] != got)
				w->errors++;
		} else {
			int rc = r == 2 ? lookup4((uint32_t)w->seen[which], name)
					: lookup6((uint32_t)w->seen[which], name);

			pool_name(which, 0, spelled, sizeof(spelled));
			if (rc != 0 || strcasecmp(name, spelled) != 0)
				w->errors++;
		}
	}
	return NULL;
}

static void
test_threads(void)
{
	static struct worker w[THREADS];
	int errors = 0;
	int disagree = 0;
	int wrong = 0;
	size_t names = 0;
	char spelled[64];
	char name[256];

	init_default(0);
	for (int t = 0; t < THREADS; t++) {
		memset(&w[t], 0, sizeof(w[t]));
		w[t].seed = 0x1234567ull * (uint64_t)(t + 1) + 99;
		pthread_create(&w[t].thread, NULL, worker_run, &w[t]);
	}
	for (int t = 0; t < THREADS; t++) {
		pthread_join(w[t].thread, NULL);
		errors += w[t].errors;
	}
	is_int(errors, 0, "16 threads x 20000 operations saw stable answers");

	for (int i = 0; i < THREAD_POOL; i++) {
		int32_t agreed = 0;

		for (int t = 0; t < THREADS; t++) {
			if (w[t].seen[i] == 0)
				continue;
			if (agreed == 0)
				agreed = w[t].seen[i];
			else if (agreed != w[t].seen[i])
				disagree++;
		}
		if (agreed == 0)
			continue;
		names++;
		pool_name(i, 0, spelled, sizeof(spelled));
		if (lookup4((uint32_t)agreed, name) != 0 ||
		    strcasecmp(name, spelled) != 0)
			wrong++;
	}
	is_int(disagree, 0, "all threads agree on every name's address");
	is_int(wrong, 0, "every address names its host afterwards");
	is_int(fakeip_count(), names, "one entry per distinct name");
	ok(lookup4((uint32_t)names + 1, name) == -ENOENT,
	   "no address handed out beyond the names");
}

/* Threads churning a small map: reuse races with lookups. */
#define CHURN_CAP 64
#define CHURN_POOL 512

struct churner {
	pthread_t thread;
	uint64_t seed;
	int errors;
};

static void *
churn_run(void *arg)
{
	struct churner *c = arg;
	char spelled[64];
	char name[256];

	for (int op = 0; op < THREAD_OPS; op++) {
		uint32_t r = rnd(&c->seed);

		if (r % 2 == 0) {
			pool_name((int)(rnd(&c->seed) % CHURN_POOL), (int)(r % 4 == 0),
				  spelled, sizeof(spelled));
			long got = assign4(spelled);

			if (got < 1 || got > CHURN_CAP)
				c->errors++;
		} else {
			uint32_t index = 1 + rnd(&c->seed) % CHURN_CAP;
			int rc = lookup4(index, name);

			if (rc != 0 && rc != -ENOENT)
				c->errors++;
			if (rc == 0 && strncasecmp(name, "node", 4) != 0)
				c->errors++;
		}
	}
	return NULL;
}

static void
test_churn(void)
{
	static struct churner c[THREADS];
	int errors = 0;
	int bad = 0;

	init_default(CHURN_CAP);
	for (int t = 0; t < THREADS; t++) {
		c[t].seed = 0xabcdefull * (uint64_t)(t + 3);
		c[t].errors = 0;
		pthread_create(&c[t].thread, NULL, churn_run, &c[t]);
	}
	for (int t = 0; t < THREADS; t++) {
		pthread_join(c[t].thread, NULL);
		errors += c[t].errors;
	}
	is_int(errors, 0, "16 threads churning a 64-entry map");
	is_int(fakeip_count(), CHURN_CAP, "the churned map is full");
	for (uint32_t i = 1; i <= CHURN_CAP; i++) {
		char a[256];
		char b[256];

		if (lookup4(i, a) != 0 || assign4(a) != (long)i)
			bad++;
		for (uint32_t j = i + 1; j <= CHURN_CAP; j++) {
			if (lookup4(j, b) != 0 || strcasecmp(a, b) == 0)
				bad++;
		}
	}
	is_int(bad, 0, "after the churn each address names one distinct name");
}

static volatile int hammer_stop;

static void *
hammer_run(void *arg)
{
	uint64_t s = (uint64_t)(uintptr_t)arg;
	char spelled[64];

	while (!__atomic_load_n(&hammer_stop, __ATOMIC_RELAXED)) {
		pool_name((int)(rnd(&s) % 200), 0, spelled, sizeof(spelled));
		assign4(spelled);
	}
	return NULL;
}

static void
test_fork(void)
{
	char name[256];
	pid_t pid;
	int status = -1;

	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	init_default(0);
	assign4("parent-one.example");
	assign4("parent-two.example");

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		int code = 0;

		alarm(10);

		if (lookup4(2, name) != 0 ||
		    strcmp(name, "parent-two.example") != 0)
			code |= 1;
		if (assign4("child-one.example") != 3)
			code |= 2;
		if (assign4("PARENT-one.example") != 1)
			code |= 4;
		if (fakeip_count() != 3)
			code |= 8;
		_exit(code);
	}
	ok(pid > 0, "fork");
	waitpid(pid, &status, 0);
	ok(WIFEXITED(status), "the child exited");
	is_int(WEXITSTATUS(status), 0,
	       "the child sees the parent's names and adds its own");
	is_int(fakeip_count(), 3, "the child's names reach the parent");
	is_int(lookup4(3, name), 0, "the child's address names its host here");
	is_str(name, "child-one.example", ".3 names the child's host");
	is_int(assign4("parent-three.example"), 4, "the parent hands out .4");

	/* Fork while other threads hold the lock now and then. */
	pthread_t th[4];
	int hung = 0;

	__atomic_store_n(&hammer_stop, 0, __ATOMIC_RELAXED);
	for (int t = 0; t < 4; t++)
		pthread_create(&th[t], NULL, hammer_run,
			       (void *)(uintptr_t)(t * 7919 + 1));
	fflush(stdout);
	for (int i = 0; i < 20; i++) {
		pid = fork();
		if (pid == 0) {
			alarm(10);
			_exit(assign4("forked.example") > 0 ? 0 : 1);
		}
		status = -1;
		waitpid(pid, &status, 0);
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			hung++;
			break;
		}
	}
	__atomic_store_n(&hammer_stop, 1, __ATOMIC_RELAXED);
	for (int t = 0; t < 4; t++)
		pthread_join(th[t], NULL);
	is_int(hung, 0, "20 children forked amid busy threads use the map");
}

/* Grow the stack now, so that later calls need no new stack pages. */
static void __attribute__((noinline))
touch_stack(void)
{
	volatile char pad[256 * 1024];

	for (size_t i = 0; i < sizeof(pad); i += 512)
		pad[i] = 1;
}

static long
vm_bytes(void)
{
	FILE *f = fopen("/proc/self/statm", "r");
	long pages = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%ld", &pages) != 1)
		pages = -1;
	fclose(f);
	return pages < 0 ? -1 : pages * sysconf(_SC_PAGESIZE);
}

static struct rlimit saved_limit;

/* Let the address space grow by at most slack bytes from now on. */
static int
limit_memory(long slack)
{
	struct rlimit lim;
	long vm;

	touch_stack();
	vm = vm_bytes();
	if (vm < 0 || getrlimit(RLIMIT_AS, &saved_limit) != 0)
		return -1;
	lim = saved_limit;
	lim.rlim_cur = (rlim_t)(vm + slack);
	return setrlimit(RLIMIT_AS, &lim);
}

static int
unlimit_memory(void)
{
	return setrlimit(RLIMIT_AS, &saved_limit);
}

/*
 * After init the map allocates nothing: under an address-space limit with
 * no room to grow, thousands of names still get their addresses.
 */
static void
test_no_allocation(void)
{
	char name[64];
	int fails = 0;

	init_default(0);
	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "warm%d.example", i);
		assign4(name);
	}
	if (limit_memory(0) != 0) {
		ok(0, "limit the address space");
		return;
	}
	for (int i = 0; i < 5000; i++) {
		snprintf(name, sizeof(name), "n%d.nomem.example", i);
		if (assign4(name) <= 0)
			fails++;
	}
	unlimit_memory();
	is_int(fails, 0, "5000 names assigned with no memory left to allocate");
	is_int(fakeip_count(), 8000, "all of them live");
}

static void
test_timing(void)
{
	enum { NAMES = 100000, ROUNDS = 10 };
	char name[256];
	char spelled[64];
	size_t name_bytes = 0;
	uint64_t t0;
	uint64_t t1;
	uint64_t t2;
	int failures = 0;

	init_default(0);
#ifdef HAVE_MALLINFO2
	size_t heap0 = mallinfo2().uordblks;
#endif
	t0 = now_ns();
	for (int i = 0; i < NAMES; i++) {
		int n = snprintf(spelled, sizeof(spelled), "host-%06d.bench.example", i);

		name_bytes += (size_t)n;
		if (assign4(spelled) != i + 1)
			failures++;
	}
	t1 = now_ns();
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 1; i <= NAMES; i++) {
			if (lookup4((uint32_t)i, name) != 0)
				failures++;
		}
	}
	t2 = now_ns();
	is_int(failures, 0, "100000 names assigned and looked up");
	is_int(fakeip_count(), NAMES, "100000 live entries");
	printf("# fakeip: %.0f assigns/s, %.0f lookups/s by address\n",
	       NAMES / ((double)(t1 - t0) / 1e9),
	       NAMES * (double)ROUNDS / ((double)(t2 - t1) / 1e9));
	t0 = now_ns();
	for (int r = 0; r < ROUNDS; r++) {
		for (int i = 0; i < NAMES; i++) {
			snprintf(spelled, sizeof(spelled), "HOST-%06d.bench.example", i);
			if (assign4(spelled) != i + 1)
				failures++;
		}
	}
	t1 = now_ns();
	is_int(failures, 0, "names found again in other case");
	printf("# fakeip: %.0f lookups/s by name (including formatting)\n",
	       NAMES * (double)ROUNDS / ((double)(t1 - t0) / 1e9));
#ifdef HAVE_MALLINFO2
	size_t heap1 = mallinfo2().uordblks;

	if (heap1 > heap0 + name_bytes)
		printf("# fakeip: %.1f heap bytes per name beyond the name\n",
		       (double)(heap1 - heap0 - name_bytes) / NAMES);
#endif
	(void)name_bytes;
}

int
main(void)
{
	/*
	 * The tests of the plain least-recently-used order run with no grace
	 * period; test_grace(), test_holds() and test_pin_model() set theirs.
	 */
	fakeip_set_clock(test_clock);
	fakeip_set_grace(0);
	test_before_init();
	test_init_arguments();
	test_order_and_stability();
	test_lookups();
	test_invalid_names();
	test_not_fake_vs_stale();
	test_capacity_from_v6();
	test_lru();
	test_model();
	test_grace();
	test_holds();
	test_pin_model();
	test_threads();
	test_churn();
	test_fork();
	test_fork_holds();
	test_no_allocation();
	test_timing();
	init_default(0);
	return tap_done();
}

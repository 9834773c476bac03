/*
 * Unit tests for core/fakename.c: which host names the fake-IP map takes,
 * and its hash and comparison, blind to ASCII case.
 */
#include <errno.h>
#include <string.h>

#include "fakename.h"
#include "tap.h"

static void
test_check(void)
{
	char name[300];

	is_int(fakename_check("example.com"), 11, "a name is its length");
	is_int(fakename_check("example.com."), 11, "without one trailing dot");
	is_int(fakename_check("a_b-c.d9"), 8, "'-', '_' and digits");
	is_int(fakename_check(""), -EINVAL, "an empty name");
	is_int(fakename_check(NULL), -EINVAL, "no name");
	is_int(fakename_check("a..b"), -EINVAL, "an empty label");
	is_int(fakename_check(".a"), -EINVAL, "a leading dot");
	is_int(fakename_check("a b"), -EINVAL, "a space");
	memset(name, 'a', 64);
	name[64] = '\0';
	is_int(fakename_check(name), -EINVAL, "a 64-byte label");
	name[63] = '\0';
	is_int(fakename_check(name), 63, "a 63-byte label");
	for (int i = 0; i < 300; i++)
		name[i] = (i % 4 == 3) ? '.' : 'a';
	name[253] = 'a';
	name[254] = '\0';
	is_int(fakename_check(name), -EINVAL, "254 bytes: SOCKS could, DNS cannot");
	name[253] = '\0';
	name[252] = 'a';
	is_int(fakename_check(name), FAKENAME_MAX, "253 bytes");
	memset(name, 'a', 299);
	name[299] = '\0';
	for (int i = 3; i < 299; i += 4)
		name[i] = '.';
	name[257] = '\0';
	is_int(fakename_check(name), -ENAMETOOLONG, "257 bytes is too long for SOCKS");
}

static void
test_hash(void)
{
	is_int(fakename_cmp("Example.COM", "example.com", 11), 0,
	       "names equal but for case compare equal");
	is_int(fakename_cmp("example.org", "example.com", 11), 1, "others do not");
	ok(fakename_hash("Example.COM", 11) == fakename_hash("example.com", 11),
	   "and hash the same");
	ok(fakename_hash("example.org", 11) != fakename_hash("example.com", 11),
	   "other names hash apart");
}

int
main(void)
{
	test_check();
	test_hash();
	return tap_done();
}

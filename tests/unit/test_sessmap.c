/*
 * The session names of the shared fake-IP map (core/sessmap.c): what
 * SOCKSIFY_SESSION may hold, and the ids a new session draws.
 */
#include <string.h>

#include "sessmap.h"
#include "tap.h"

#define ID "0123456789abcdef0123456789abcdef"

static void
test_parse(void)
{
	char id[SESSID_LEN + 1];
	int32_t leader = 0;

	ok(sessmap_parse(ID "-4242", id, &leader), "an id and a pid");
	is_str(id, ID, "the id");
	is_int(leader, 4242, "the pid of the session's first process");
	ok(!sessmap_parse(NULL, id, &leader), "unset");
	ok(!sessmap_parse("", id, &leader), "empty");
	ok(!sessmap_parse(ID, id, &leader), "no pid");
	ok(!sessmap_parse(ID "-", id, &leader), "an empty pid");
	ok(!sessmap_parse(ID "-0", id, &leader), "pid 0");
	ok(!sessmap_parse(ID "-12x", id, &leader), "a pid with a letter");
	ok(!sessmap_parse(ID "-99999999999", id, &leader), "a pid beyond 32 bits");
	ok(!sessmap_parse("0123456789ABCDEF0123456789abcdef-1", id, &leader),
	   "upper-case hex");
	ok(!sessmap_parse("0123456789abcdef0123456789abcde-1", id, &leader),
	   "an id one digit short");
	ok(!sessmap_parse("../../etc/passwd0123456789abcdef-1", id, &leader),
	   "a path");
}

static void
test_new_id(void)
{
	char a[SESSID_LEN + 1], b[SESSID_LEN + 1], env[SESSID_LEN + 8];
	char back[SESSID_LEN + 1];
	int32_t leader;

	is_int(sessmap_new_id(a), 0, "an id is drawn");
	is_int(sessmap_new_id(b), 0, "and another");
	is_int((int)strlen(a), SESSID_LEN, "32 characters");
	ok(strspn(a, "0123456789abcdef") == SESSID_LEN, "lower-case hex");
	ok(strcmp(a, b) != 0, "two ids differ");
	memcpy(env, a, SESSID_LEN);
	memcpy(env + SESSID_LEN, "-7", 3);
	ok(sessmap_parse(env, back, &leader) && strcmp(back, a) == 0,
	   "a drawn id parses back");
}

int
main(void)
{
	test_parse();
	test_new_id();
	return tap_done();
}

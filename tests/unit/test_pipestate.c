/*
 * The verdicts on proxies that drop pipelined requests: keys, the set,
 * expiry, and the state file's text read strictly and written back.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "pipestate.h"
#include "tap.h"

#define NOW 1764921600LL

static void
test_keys(void)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	char key[PIPESTATE_KEY_LEN];

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(1080);
	inet_pton(AF_INET, "192.0.2.1", &sin.sin_addr);
	is_int(pipestate_key((struct sockaddr *)&sin, sizeof(sin), key, sizeof(key)),
	       0, "IPv4 key");
	is_str(key, "192.0.2.1:1080", "IPv4 key: address:port");

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(9050);
	inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
	is_int(pipestate_key((struct sockaddr *)&sin6, sizeof(sin6), key, sizeof(key)),
	       0, "IPv6 key");
	is_str(key, "[2001:db8::1]:9050", "IPv6 key: [address]:port");

	inet_pton(AF_INET6, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", &sin6.sin6_addr);
	sin6.sin6_port = htons(65535);
	is_int(pipestate_key((struct sockaddr *)&sin6, sizeof(sin6), key, sizeof(key)),
	       0, "the longest key fits");
	is_int(pipestate_key((struct sockaddr *)&sin6, sizeof(sin6), key, 10),
	       -ENOSPC, "a key too long for the buffer: ENOSPC");
	sin.sin_family = AF_UNIX;
	is_int(pipestate_key((struct sockaddr *)&sin, sizeof(sin), key, sizeof(key)),
	       -EAFNOSUPPORT, "another family: EAFNOSUPPORT");
}

static void
test_set_and_get(void)
{
	struct pipestate st;

	pipestate_clear(&st);
	is_int(pipestate_get(&st, "127.0.0.1:1080", NOW), PIPESTATE_UNKNOWN,
	       "an empty set knows nothing");
	is_int(pipestate_set(&st, "127.0.0.1:1080", PIPESTATE_DROPS, NOW), 0,
	       "set a verdict");
	is_int(pipestate_get(&st, "127.0.0.1:1080", NOW + 10), PIPESTATE_DROPS,
	       "and get it back");
	is_int(pipestate_get(&st, "127.0.0.1:1081", NOW), PIPESTATE_UNKNOWN,
	       "another port is another proxy");
	is_int(pipestate_get(&st, "127.0.0.1:1080", NOW + PIPESTATE_TTL_S - 1),
	       PIPESTATE_DROPS, "a verdict holds for a day");
	is_int(pipestate_get(&st, "127.0.0.1:1080", NOW + PIPESTATE_TTL_S),
	       PIPESTATE_UNKNOWN, "and expires then");
	is_int(pipestate_get(&st, "127.0.0.1:1080", NOW - 1), PIPESTATE_UNKNOWN,
	       "a verdict from the future does not hold");
	is_int(pipestate_set(&st, "127.0.0.1:1080", PIPESTATE_DROPS, NOW + 5), 0,
	       "set again");
	is_int((int)st.n, 1, "replaces, not adds");

	is_int(pipestate_set(&st, "localhost:1080", PIPESTATE_DROPS, NOW), -EINVAL,
	       "a host name is not a key");
	is_int(pipestate_set(&st, "127.0.0.1:0", PIPESTATE_DROPS, NOW), -EINVAL,
	       "port 0 is not a key");
	is_int(pipestate_set(&st, "127.0.0.1:65536", PIPESTATE_DROPS, NOW), -EINVAL,
	       "port 65536 is not a key");
	is_int(pipestate_set(&st, "[::ffff:1.2.3.4]:80", PIPESTATE_DROPS, NOW), 0,
	       "a v4-mapped key as inet_ntop writes it");
	is_int(pipestate_set(&st, "[0::1]:80", PIPESTATE_DROPS, NOW), -EINVAL,
	       "a key not in the canonical form is refused");
	is_int(pipestate_set(&st, "127.0.0.1:1080", 7, NOW), -EINVAL,
	       "an unknown verdict is refused");

	pipestate_clear(&st);
	for (int i = 0; i < PIPESTATE_MAX + 3; i++) {
		char key[PIPESTATE_KEY_LEN];

		snprintf(key, sizeof(key), "10.0.0.%d:1080", i + 1);
		pipestate_set(&st, key, PIPESTATE_DROPS, NOW + i);
	}
	is_int((int)st.n, PIPESTATE_MAX, "a full set stays full");
	is_int(pipestate_get(&st, "10.0.0.1:1080", NOW + 100), PIPESTATE_UNKNOWN,
	       "the oldest entries made room");
	is_int(pipestate_get(&st, "10.0.0.35:1080", NOW + 100), PIPESTATE_DROPS,
	       "for the newest");
}

static void
test_parse(void)
{
	static const char text[] =
		"127.0.0.1:1080 drops 1764921000\n"
		"[::1]:1080 takes 1764921000\n"
		"10.0.0.1:1080 drops 1700000000\n"	/* expired */
		"10.0.0.2:1080 drops 1864921000\n"	/* in the future */
		"10.0.0.3:1080 hangs 1764921000\n"	/* unknown verdict */
		"10.0.0.4:1080  drops 1764921000\n"	/* two spaces */
		"10.0.0.5:1080 drops 17649x1000\n"	/* not a number */
		"10.0.0.6:1080 drops 99999999999999999999\n"	/* too long */
		"10.0.0.7 drops 1764921000\n"		/* no port */
		"example.org:1080 drops 1764921000\n"	/* a name */
		"\n"
		"garbage\n"
		"10.0.0.8:1080 drops 1764921000 extra\n"
		"10.0.0.9:1080 drops 1764921000";	/* cut short */
	struct pipestate st;

	pipestate_clear(&st);
	is_int((int)pipestate_parse(&st, text, strlen(text), NOW), 2,
	       "two good lines of fourteen");
	is_int(pipestate_get(&st, "127.0.0.1:1080", NOW), PIPESTATE_DROPS,
	       "the IPv4 proxy drops");
	is_int(pipestate_get(&st, "[::1]:1080", NOW), PIPESTATE_TAKES,
	       "the IPv6 proxy takes them");
	is_int(pipestate_get(&st, "10.0.0.9:1080", NOW), PIPESTATE_UNKNOWN,
	       "a line without its newline is not read");

	/* What the set knows already wins over the file. */
	pipestate_clear(&st);
	pipestate_set(&st, "127.0.0.1:1080", PIPESTATE_DROPS, NOW);
	is_int((int)pipestate_parse(&st, text, strlen(text), NOW), 1,
	       "a known key is not read again");
	is_int((int)st.e[0].since, (int)NOW, "and keeps its own time");

	pipestate_clear(&st);
	is_int((int)pipestate_parse(&st, "", 0, NOW), 0, "an empty file");
	is_int((int)pipestate_parse(&st, "\0\0\0\n", 4, NOW), 0,
	       "NUL bytes are a bad line");
}

static void
test_format(void)
{
	struct pipestate st, back;
	char buf[PIPESTATE_TEXT_MAX];
	char small[20];
	ssize_t n;

	pipestate_clear(&st);
	is_int((int)pipestate_format(&st, NOW, buf, sizeof(buf)), 0,
	       "an empty set writes nothing");
	pipestate_set(&st, "127.0.0.1:1080", PIPESTATE_DROPS, NOW);
	pipestate_set(&st, "[::1]:1080", PIPESTATE_DROPS, NOW - PIPESTATE_TTL_S);
	pipestate_set(&st, "10.1.2.3:9050", PIPESTATE_TAKES, NOW - 60);
	n = pipestate_format(&st, NOW, buf, sizeof(buf));
	is_str(buf, "127.0.0.1:1080 drops 1764921600\n"
		    "10.1.2.3:9050 takes 1764921540\n",
	       "one line per verdict that holds");
	is_int((int)n, (int)strlen(buf), "its length");
	is_int((int)pipestate_format(&st, NOW, small, sizeof(small)), -ENOSPC,
	       "a buffer too small: ENOSPC");

	pipestate_clear(&back);
	is_int((int)pipestate_parse(&back, buf, (size_t)n, NOW), 2,
	       "what is written reads back");
	is_int(pipestate_get(&back, "10.1.2.3:9050", NOW), PIPESTATE_TAKES,
	       "with its verdict");

	/* A full set of the longest keys fits the largest text. */
	pipestate_clear(&st);
	for (int i = 0; i < PIPESTATE_MAX; i++) {
		char key[PIPESTATE_KEY_LEN];

		snprintf(key, sizeof(key),
			 "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:%x]:65535", 0xf000 + i);
		pipestate_set(&st, key, PIPESTATE_DROPS, NOW);
	}
	ok(pipestate_format(&st, NOW, buf, sizeof(buf)) > 0,
	   "a full set of the longest keys fits PIPESTATE_TEXT_MAX");
}

static void
test_runtime_dir(void)
{
	char base[32];

	is_int(pipestate_runtime_dir("/run/user/1000", 1000, base, sizeof(base)), 0,
	       "XDG_RUNTIME_DIR as it is");
	is_str(base, "/run/user/1000", "an absolute XDG_RUNTIME_DIR is the base");
	is_int(pipestate_runtime_dir(NULL, 1000, base, sizeof(base)), 0, "no XDG_RUNTIME_DIR");
	is_str(base, "/run/user/1000", "without it, /run/user/UID");
	is_int(pipestate_runtime_dir("relative/dir", 7, base, sizeof(base)), 0,
	       "a relative XDG_RUNTIME_DIR");
	is_str(base, "/run/user/7", "is not trusted: /run/user/UID");
	is_int(pipestate_runtime_dir("/a/very/long/runtime/directory/indeed", 7, base,
				     sizeof(base)), -ENAMETOOLONG, "too long for the buffer");
}

int
main(void)
{
	test_keys();
	test_set_and_get();
	test_parse();
	test_format();
	test_runtime_dir();
	return tap_done();
}

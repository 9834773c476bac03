/*
 * The isolation token (core/isolate.c) and the SOCKS5 authentication it
 * goes into (RFC 1929: 01 ULEN UNAME PLEN PASSWD), with Tor's extended
 * user name "<torS0X>0" and the token as the password.
 */
#include <errno.h>
#include <string.h>

#include "isolate.h"
#include "socks5.h"
#include "tap.h"

static void
test_token(void)
{
	uint8_t raw[ISOLATE_RANDOM_BYTES];

	isolate_clear();
	ok(isolate_password() == NULL, "no token before one is made");
	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 17);
	is_int(isolate_set_token(raw, sizeof(raw)), 0, "a token from 16 bytes");
	is_str(isolate_password(), "00112233445566778899aabbccddeeff",
	       "as 32 lower-case hex digits");
	is_int(isolate_set_token(raw, 8), -EINVAL, "too few random bytes");
	ok(isolate_password() == NULL, "leave no token at all");
}

static void
test_auth(void)
{
	static const uint8_t want[] =
		"\x01\x09<torS0X>0\x20" "00112233445566778899aabbccddeeff";
	struct config_proxy p;
	uint8_t raw[ISOLATE_RANDOM_BYTES], buf[600];
	ssize_t n;

	for (size_t i = 0; i < sizeof(raw); i++)
		raw[i] = (uint8_t)(i * 17);
	memset(&p, 0, sizeof(p));
	p.version = 5;
	p.has_auth = true;
	p.isolate = true;
	strcpy(p.user, ISOLATE_USER);
	isolate_set_token(raw, sizeof(raw));
	n = socks5_steps.auth(buf, sizeof(buf), &p);
	is_int(n, sizeof(want) - 1, "the isolated authentication's length");
	ok(n > 0 && memcmp(buf, want, (size_t)n) == 0,
	   "user <torS0X>0, the token as the password");
	n = socks5_steps.greeting(buf, sizeof(buf), &p);
	ok(n == 3 && buf[2] == SOCKS5_METHOD_USERPASS,
	   "the greeting offers user name/password");
	isolate_clear();
	is_int(socks5_steps.auth(buf, sizeof(buf), &p), -EIO,
	       "without a token the authentication cannot be made");
}

int
main(void)
{
	test_token();
	test_auth();
	return tap_done();
}

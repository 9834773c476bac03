/*
 * socks5_decode_auth() on arbitrary bytes: "need more" below two bytes,
 * otherwise VER STATUS with VER 1 (or 5, seen in the wild), or -EPROTO.
 */
#include <errno.h>

#include "fuzz.h"
#include "socks5.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t status = 0;
	ssize_t n;

	n = socks5_decode_auth(data, size, &status);
	fuzz_check(socks5_decode_auth(data, size, NULL) == -EINVAL,
		   "no place for the status is -EINVAL");
	if (size < 2) {
		fuzz_check(n == 0, "short input means need more");
		return 0;
	}
	if (data[0] != SOCKS5_AUTH_VER && data[0] != SOCKS5_VER) {
		fuzz_check(n == -EPROTO, "a VER other than 1 or 5 is -EPROTO");
		return 0;
	}
	fuzz_check(n == 2, "an authentication reply is two bytes");
	fuzz_check(status == data[1], "STATUS is the second byte");
	return 0;
}

/*
 * socks5_decode_method() on arbitrary bytes: "need more" below two bytes,
 * otherwise the two bytes of VER METHOD or -EPROTO for a VER that is not 5.
 */
#include <errno.h>

#include "fuzz.h"
#include "socks5.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t method = 0;
	ssize_t n;

	n = socks5_decode_method(data, size, &method);
	fuzz_check(socks5_decode_method(data, size, NULL) == -EINVAL,
		   "no place for the method is -EINVAL");
	if (size < 2) {
		fuzz_check(n == 0, "short input means need more");
		return 0;
	}
	if (data[0] != SOCKS5_VER) {
		fuzz_check(n == -EPROTO, "a VER other than 5 is -EPROTO");
		return 0;
	}
	fuzz_check(n == 2, "a method selection is two bytes");
	fuzz_check(method == data[1], "METHOD is the second byte");
	return 0;
}

/*
 * socks4_decode_reply() on arbitrary bytes: it never reads past the
 * buffer, answers "need more" below 8 bytes, and a reply it accepts is
 * exactly the 8 bytes it names, with the fields taken from where the
 * SOCKS4 reply puts them.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "socks4.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct socks4_reply r, again;
	ssize_t n;

	memset(&r, 0, sizeof(r));
	n = socks4_decode_reply(data, size, &r);
	fuzz_check(n == 0 || n == SOCKS4_REPLY_LEN || n == -EPROTO,
		   "result is 0, 8 or -EPROTO");
	if (size < SOCKS4_REPLY_LEN)
		fuzz_check(n == 0, "short input means need more");
	fuzz_check(socks4_decode_reply(data, size, NULL) == -EINVAL,
		   "no place for the reply is -EINVAL");

	/* The error table answers for every code, known or not. */
	if (size >= 2) {
		fuzz_check(socks4_reply_errno(data[1]) >= 0, "errno is positive");
		fuzz_check(socks4_reply_message(data[1]) != NULL,
			   "message is never NULL");
	}
	if (n != SOCKS4_REPLY_LEN)
		return 0;

	fuzz_check(data[0] == SOCKS4_REPLY_VER || data[0] == SOCKS4_VER,
		   "VN is 0 or 4");
	fuzz_check(r.code >= SOCKS4_REP_GRANTED &&
		   r.code <= SOCKS4_REP_IDENT_MISMATCH, "CD is 90..93");
	fuzz_check(r.code == data[1], "CD is the second byte");
	fuzz_check(r.port == (uint16_t)(data[2] << 8 | data[3]),
		   "DSTPORT in network order");
	fuzz_check(memcmp(r.addr, data + 4, 4) == 0, "DSTIP as sent");
	fuzz_check((socks4_reply_errno(r.code) == 0) ==
		   (r.code == SOCKS4_REP_GRANTED), "only granted maps to 0");

	/* Bytes after the reply change nothing. */
	memset(&again, 0, sizeof(again));
	fuzz_check(socks4_decode_reply(data, SOCKS4_REPLY_LEN, &again) ==
		   SOCKS4_REPLY_LEN, "the first 8 bytes alone decode");
	fuzz_check(again.code == r.code && again.port == r.port &&
		   memcmp(again.addr, r.addr, 4) == 0,
		   "trailing bytes change nothing");
	return 0;
}

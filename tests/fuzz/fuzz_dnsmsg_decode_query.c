/*
 * dnsmsg_decode_query() on arbitrary bytes: it never reads past the
 * buffer, answers "need more" below the 12-byte header, and a query it
 * accepts is a header and one question whose name, encoded again, is
 * exactly the bytes it was read from.  The answer built for it carries
 * that question back, and a buffer one byte short is -ENOSPC.
 */
#include <errno.h>
#include <string.h>

#include "dnsmsg.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dnsmsg_question q, again;
	struct dnsmsg_answer a;
	uint8_t wire[DNSMSG_WIRE_NAME_MAX + 1];
	uint8_t out[DNSMSG_HDR_LEN + DNSMSG_WIRE_NAME_MAX + 4 + 64];
	ssize_t n, w, e;
	size_t name_len;

	memset(&q, 0, sizeof(q));
	n = dnsmsg_decode_query(data, size, &q);
	fuzz_check(n == 0 || n == -EPROTO || n > 0, "result is 0, -EPROTO or a length");
	if (size < DNSMSG_HDR_LEN)
		fuzz_check(n == 0, "below the header means need more");
	if (n <= 0)
		return 0;

	fuzz_check((size_t)n <= size, "never more than the input");
	fuzz_check((size_t)n >= DNSMSG_HDR_LEN + 1 + 4,
		   "at least a header, the root name, QTYPE and QCLASS");
	fuzz_check(!(data[2] & 0x80) && ((data[2] >> 3) & 0x0f) == 0,
		   "a query of opcode 0");
	fuzz_check(data[4] == 0 && data[5] == 1, "QDCOUNT 1");
	fuzz_check(q.id == (uint16_t)(data[0] << 8 | data[1]), "the ID as sent");
	fuzz_check(q.type == (uint16_t)(data[n - 4] << 8 | data[n - 3]), "QTYPE");
	fuzz_check(q.class == (uint16_t)(data[n - 2] << 8 | data[n - 1]), "QCLASS");
	fuzz_check(q.wire == data + DNSMSG_HDR_LEN &&
		   q.wire_len == (size_t)n - DNSMSG_HDR_LEN, "the question as sent");

	/* The name is one dnsmsg_set_name() takes, and encodes to the same bytes. */
	name_len = strlen(q.name);
	fuzz_check(name_len <= DNSMSG_NAME_MAX, "the name fits");
	memset(&again, 0, sizeof(again));
	fuzz_check(dnsmsg_set_name(&again, q.name) == 0, "the name is a valid one");
	fuzz_check(strcmp(again.name, q.name) == 0, "and taken unchanged");
	w = dnsmsg_encode_name(wire, sizeof(wire), q.name);
	fuzz_check(w == n - DNSMSG_HDR_LEN - 4, "the name encodes to its length");
	fuzz_check(memcmp(wire, data + DNSMSG_HDR_LEN, (size_t)w) == 0,
		   "and to the same bytes");

	/* The prefix the decoder consumed decodes alone to the same question. */
	memset(&again, 0, sizeof(again));
	fuzz_check(dnsmsg_decode_query(data, (size_t)n, &again) == n,
		   "trailing bytes change nothing");
	fuzz_check(strcmp(again.name, q.name) == 0 && again.type == q.type,
		   "the same question");

	/* An empty answer is the header and the question. */
	dnsmsg_answer_init(&a, 0);
	e = dnsmsg_encode_answer(out, sizeof(out), &q, &a);
	fuzz_check(e == n, "an empty answer is as long as the query");
	fuzz_check(memcmp(out + DNSMSG_HDR_LEN, data + DNSMSG_HDR_LEN,
			  (size_t)n - DNSMSG_HDR_LEN) == 0, "with its question");
	fuzz_check((out[2] & 0x80) && out[0] == data[0] && out[1] == data[1],
		   "a response with the query's ID");
	fuzz_check(dnsmsg_decode_query(out, (size_t)e, &again) == -EPROTO,
		   "a response is no query");
	fuzz_check(dnsmsg_encode_answer(out, (size_t)n - 1, &q, &a) == -ENOSPC,
		   "one byte short is -ENOSPC");
	return 0;
}

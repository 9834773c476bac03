/*
 * The DNS message codec against byte vectors laid out as RFC 1035 section
 * 4.1 and RFC 3596 give them: queries read, answers written, and reverse
 * names read back into addresses.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dnsmsg.h"
#include "tap.h"

/* A byte string literal and its length, without the literal's NUL. */
#define V(s) (const uint8_t *)(s), (sizeof(s) - 1)

#define SENTINEL 0xa5

/* ID 0x1234, RD, one question: example.com A IN (RFC 1035 4.1.1, 4.1.2). */
static const uint8_t query_a[] =
	"\x12\x34\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
	"\x07" "example" "\x03" "com" "\x00" "\x00\x01" "\x00\x01";
#define QUERY_A_LEN (sizeof(query_a) - 1)
/* The question section alone. */
#define QUESTION_LEN (QUERY_A_LEN - DNSMSG_HDR_LEN)

static ssize_t
decode(const uint8_t *msg, size_t len, struct dnsmsg_question *q)
{
	memset(q, 0, sizeof(*q));
	return dnsmsg_decode_query(msg, len, q);
}

static void
test_decode_query(void)
{
	struct dnsmsg_question q;
	uint8_t msg[600];
	bool short_ok = true;

	is_int(decode(query_a, QUERY_A_LEN, &q), QUERY_A_LEN,
	       "a query for example.com is read whole");
	is_str(q.name, "example.com", "its name, labels joined by dots");
	is_int(q.type, DNSMSG_TYPE_A, "QTYPE A");
	is_int(q.class, DNSMSG_CLASS_IN, "QCLASS IN");
	is_int(q.id, 0x1234, "the ID");
	ok(q.rd, "RD as sent");
	ok(q.wire == query_a + DNSMSG_HDR_LEN && q.wire_len == QUESTION_LEN,
	   "the question as sent is kept for the answer");
	is_int(dnsmsg_classify(&q), DNSMSG_ADDRESS, "an address question");
	is_int(dnsmsg_family(&q), AF_INET, "for IPv4");

	for (size_t len = 0; len < QUERY_A_LEN; len++) {
		if (decode(query_a, len, &q) != 0) {
			printf("#   length %zu\n", len);
			short_ok = false;
		}
	}
	ok(short_ok, "every prefix of the query needs more");

	/* An EDNS0 OPT record (RFC 6891) in the additional section is left unread. */
	memcpy(msg, query_a, QUERY_A_LEN);
	msg[11] = 1;
	memcpy(msg + QUERY_A_LEN, "\x00\x00\x29\x10\x00\x00\x00\x00\x00\x00\x00", 11);
	is_int(decode(msg, QUERY_A_LEN + 11, &q), QUERY_A_LEN,
	       "an additional record is not consumed");

	is_int(decode(V("\xab\xcd\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00"
			"\x00\x00\x02\x00\x01"), &q), 17, "a question for the root");
	is_str(q.name, "", "is the empty name");
	ok(!q.rd, "RD clear as sent");
	is_int(dnsmsg_classify(&q), DNSMSG_OTHER, "which no one answers");

	memcpy(msg, query_a, QUERY_A_LEN);
	msg[2] |= 0x80;
	is_int(decode(msg, QUERY_A_LEN, &q), -EPROTO, "a response (QR) is refused");
	memcpy(msg, query_a, QUERY_A_LEN);
	msg[2] = 0x08 | 0x01;
	is_int(decode(msg, QUERY_A_LEN, &q), -EPROTO, "an inverse query (opcode 1) is refused");
	memcpy(msg, query_a, QUERY_A_LEN);
	msg[5] = 2;
	is_int(decode(msg, QUERY_A_LEN, &q), -EPROTO, "two questions are refused");
	memcpy(msg, query_a, QUERY_A_LEN);
	msg[5] = 0;
	is_int(decode(msg, QUERY_A_LEN, &q), -EPROTO, "no question is refused");
	memcpy(msg, query_a, QUERY_A_LEN);
	msg[7] = 1;
	is_int(decode(msg, QUERY_A_LEN, &q), -EPROTO, "an answer record is refused");
	memcpy(msg, query_a, QUERY_A_LEN);
	msg[9] = 1;
	is_int(decode(msg, QUERY_A_LEN, &q), -EPROTO, "an authority record is refused");
	is_int(decode(V("\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
			"\xc0\x0c\x00\x01\x00\x01"), &q), -EPROTO,
	       "a compressed name is refused");
	is_int(decode(V("\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
			"\x03" "a.b" "\x00\x00\x01\x00\x01"), &q), -EPROTO,
	       "a dot inside a label is refused");
	is_int(decode(V("\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
			"\x03" "a b" "\x00\x00\x01\x00\x01"), &q), -EPROTO,
	       "a space inside a label is refused");
	is_int(decode(V("\x00\x01\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00"
			"\x03" "a\\b" "\x00\x00\x01\x00\x01"), &q), -EPROTO,
	       "a backslash inside a label is refused");

	/* Four labels of 63 bytes: 255 bytes of text, over the 253 a name holds. */
	{
		size_t n = DNSMSG_HDR_LEN;

		memcpy(msg, query_a, DNSMSG_HDR_LEN);
		for (int i = 0; i < 4; i++) {
			msg[n++] = 63;
			memset(msg + n, 'a', 63);
			n += 63;
		}
		msg[n++] = 0;
		memcpy(msg + n, "\x00\x01\x00\x01", 4);
		n += 4;
		is_int(decode(msg, n, &q), -EPROTO, "a name over 253 bytes is refused");
		msg[DNSMSG_HDR_LEN] = 64;
		is_int(decode(msg, n, &q), -EPROTO, "a label over 63 bytes is refused");
	}
	is_int(dnsmsg_decode_query(NULL, 0, &q), -EINVAL, "no message is -EINVAL");
	is_int(dnsmsg_decode_query(query_a, QUERY_A_LEN, NULL), -EINVAL,
	       "no place for the question is -EINVAL");
}

static void
test_names(void)
{
	struct dnsmsg_question q;
	char long_name[300];
	uint8_t buf[300];

	memset(&q, 0, sizeof(q));
	is_int(dnsmsg_set_name(&q, "example.com."), 0, "a name with a trailing dot");
	is_str(q.name, "example.com", "loses the dot");
	is_int(dnsmsg_set_name(&q, "."), 0, "\".\" is a name");
	is_str(q.name, "", "the root");
	is_int(dnsmsg_set_name(&q, "a..b"), -EINVAL, "an empty label is -EINVAL");
	is_int(dnsmsg_set_name(&q, ".a"), -EINVAL, "a leading dot is -EINVAL");
	is_int(dnsmsg_set_name(&q, "a.."), -EINVAL, "two trailing dots are -EINVAL");
	is_int(dnsmsg_set_name(&q, "bad name"), -EINVAL, "a space is -EINVAL");
	memset(long_name, 'a', 64);
	long_name[64] = '\0';
	is_int(dnsmsg_set_name(&q, long_name), -EINVAL, "a 64-byte label is -EINVAL");
	for (int i = 0; i < 254; i++)
		long_name[i] = i % 2 ? '.' : 'a';
	long_name[253] = '\0';
	is_int(dnsmsg_set_name(&q, long_name), 0, "253 bytes of labels fit");
	long_name[253] = 'a';
	long_name[254] = '\0';
	is_int(dnsmsg_set_name(&q, long_name), -ENAMETOOLONG,
	       "254 bytes are -ENAMETOOLONG");

	memset(buf, SENTINEL, sizeof(buf));
	is_int(dnsmsg_encode_name(buf, sizeof(buf), "example.com"), 13,
	       "example.com encodes to 13 bytes");
	is_bytes(buf, "\x07" "example" "\x03" "com" "\x00", 13, "as labels");
	ok(buf[13] == SENTINEL, "nothing written past the end");
	is_int(dnsmsg_encode_name(buf, sizeof(buf), ""), 1, "the root is one byte");
	for (size_t cap = 0; cap < 13; cap++) {
		if (dnsmsg_encode_name(buf, cap, "example.com") != -ENOSPC) {
			printf("#   cap %zu\n", cap);
			ok(0, "a short buffer is -ENOSPC");
		}
	}
	is_int(dnsmsg_encode_name(buf, 12, "example.com"), -ENOSPC,
	       "one byte short is -ENOSPC");
	is_int(dnsmsg_encode_name(buf, sizeof(buf), "a..b"), -EINVAL,
	       "an empty label cannot be encoded");
}

static void
test_classify(void)
{
	struct dnsmsg_question q;

	memset(&q, 0, sizeof(q));
	strcpy(q.name, "example.com");
	q.class = DNSMSG_CLASS_IN;
	q.type = DNSMSG_TYPE_AAAA;
	is_int(dnsmsg_classify(&q), DNSMSG_ADDRESS, "AAAA IN asks for addresses");
	is_int(dnsmsg_family(&q), AF_INET6, "of IPv6");
	q.type = DNSMSG_TYPE_PTR;
	is_int(dnsmsg_classify(&q), DNSMSG_REVERSE, "PTR IN asks for a name");
	is_int(dnsmsg_family(&q), 0, "of no family");
	q.type = DNSMSG_TYPE_MX;
	is_int(dnsmsg_classify(&q), DNSMSG_OTHER, "MX is refused");
	q.type = DNSMSG_TYPE_A;
	q.class = 3;
	is_int(dnsmsg_classify(&q), DNSMSG_OTHER, "class CH is refused");
}

static const uint8_t addr1[4] = { 93, 184, 216, 34 };
static const uint8_t addr2[4] = { 10, 0, 0, 1 };

/* Header, question (from query_a) and two A answers with pointers to the name. */
static const uint8_t answer_a2[] =
	"\x12\x34\x81\x80\x00\x01\x00\x02\x00\x00\x00\x00"
	"\x07" "example" "\x03" "com" "\x00" "\x00\x01" "\x00\x01"
	"\xc0\x0c" "\x00\x01" "\x00\x01" "\x00\x00\x00\x3c" "\x00\x04" "\x5d\xb8\xd8\x22"
	"\xc0\x0c" "\x00\x01" "\x00\x01" "\x00\x00\x00\x3c" "\x00\x04" "\x0a\x00\x00\x01";
#define ANSWER_A2_LEN (sizeof(answer_a2) - 1)

static void
test_encode_answer(void)
{
	struct dnsmsg_question q;
	struct dnsmsg_answer a;
	uint8_t buf[600];
	bool enospc_ok = true;
	ssize_t n;

	is_int(decode(query_a, QUERY_A_LEN, &q), QUERY_A_LEN, "the query reads");
	dnsmsg_answer_init(&a, AF_INET);
	is_int(dnsmsg_answer_add(&a, addr1), 0, "an address is added");
	is_int(dnsmsg_answer_add(&a, addr2), 0, "a second one");
	is_int(dnsmsg_answer_add(&a, addr1), 0, "the first again");
	is_int(a.count, 2, "is not added twice");

	memset(buf, SENTINEL, sizeof(buf));
	n = dnsmsg_encode_answer(buf, sizeof(buf), &q, &a);
	is_int(n, ANSWER_A2_LEN, "two A records: the answer's length");
	is_bytes(buf, answer_a2, ANSWER_A2_LEN, "its bytes");
	ok(buf[ANSWER_A2_LEN] == SENTINEL, "nothing written past the end");

	/* Room for one answer: the other is left out and TC set. */
	memset(buf, SENTINEL, sizeof(buf));
	n = dnsmsg_encode_answer(buf, ANSWER_A2_LEN - 1, &q, &a);
	is_int(n, ANSWER_A2_LEN - 16, "one answer short: the first alone");
	is_int(buf[2], 0x83, "QR, TC and RD");
	is_int(buf[7], 1, "ANCOUNT 1");
	is_bytes(buf + 12, answer_a2 + 12, ANSWER_A2_LEN - 28, "the same first record");

	for (size_t cap = 0; cap < QUERY_A_LEN; cap++) {
		if (dnsmsg_encode_answer(buf, cap, &q, &a) != -ENOSPC) {
			printf("#   cap %zu\n", cap);
			enospc_ok = false;
		}
	}
	ok(enospc_ok, "below the header and the question every buffer is -ENOSPC");
	is_int(dnsmsg_encode_answer(buf, QUERY_A_LEN, &q, &a), QUERY_A_LEN,
	       "the header and the question alone fit");
	is_int(buf[2], 0x83, "with TC");

	/* NXDOMAIN for a question given in text: the question is encoded. */
	memset(&q, 0, sizeof(q));
	is_int(dnsmsg_set_name(&q, "gone.example"), 0, "a name in text");
	q.type = DNSMSG_TYPE_AAAA;
	q.class = DNSMSG_CLASS_IN;
	q.id = 7;
	q.rd = true;
	dnsmsg_answer_init(&a, AF_INET6);
	a.rcode = DNSMSG_RCODE_NXDOMAIN;
	n = dnsmsg_encode_answer(buf, sizeof(buf), &q, &a);
	is_int(n, 12 + 14 + 4, "an NXDOMAIN answer: header and question");
	is_bytes(buf, "\x00\x07\x81\x83\x00\x01\x00\x00\x00\x00\x00\x00"
		 "\x04" "gone" "\x07" "example" "\x00" "\x00\x1c" "\x00\x01", 30,
		 "RCODE 3, no answer record, the question encoded");

	/* The name of a fake address (RFC 1035 3.3.12: PTRDNAME). */
	memset(&q, 0, sizeof(q));
	is_int(dnsmsg_set_name(&q, "1.0.0.10.in-addr.arpa"), 0, "a reverse name");
	q.type = DNSMSG_TYPE_PTR;
	q.class = DNSMSG_CLASS_IN;
	q.id = 0xbeef;
	dnsmsg_answer_init(&a, 0);
	strcpy(a.name, "example.com");
	a.count = 1;
	n = dnsmsg_encode_answer(buf, sizeof(buf), &q, &a);
	is_int(n, 12 + 23 + 4 + 12 + 13, "a PTR answer's length");
	is_bytes(buf, "\xbe\xef\x80\x80\x00\x01\x00\x01\x00\x00\x00\x00"
		 "\x01" "1" "\x01" "0" "\x01" "0" "\x02" "10" "\x07" "in-addr"
		 "\x04" "arpa" "\x00" "\x00\x0c" "\x00\x01"
		 "\xc0\x0c" "\x00\x0c" "\x00\x01" "\x00\x00\x00\x3c" "\x00\x0d"
		 "\x07" "example" "\x03" "com" "\x00", 64, "its bytes");

	dnsmsg_answer_init(&a, AF_INET);
	for (uint8_t i = 0; i < DNSMSG_ADDR_MAX; i++) {
		uint8_t ip[4] = { 10, 0, 0, i };

		dnsmsg_answer_add(&a, ip);
	}
	{
		uint8_t ip[4] = { 10, 0, 1, 0 };

		is_int(dnsmsg_answer_add(&a, ip), -ENOSPC, "a full answer takes no more");
	}
}

static void
test_decode_reverse(void)
{
	static const char v6name[] =
		"1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa";
	static const uint8_t v6addr[16] = {
		0x20, 0x01, 0x0d, 0xb8, [15] = 1,
	};
	uint8_t addr[16];
	int family = 0;

	is_int(dnsmsg_decode_reverse("34.216.184.93.in-addr.arpa", &family, addr), 26,
	       "an in-addr.arpa name is read whole");
	is_int(family, AF_INET, "as IPv4");
	is_bytes(addr, "\x5d\xb8\xd8\x22", 4, "lowest byte first: 93.184.216.34");
	is_int(dnsmsg_decode_reverse("1.0.0.127.IN-ADDR.ARPA", &family, addr), 22,
	       "the suffix in any case");
	is_bytes(addr, "\x7f\x00\x00\x01", 4, "127.0.0.1");
	is_int(dnsmsg_decode_reverse(v6name, &family, addr), 72,
	       "an ip6.arpa name is read whole");
	is_int(family, AF_INET6, "as IPv6");
	is_bytes(addr, v6addr, 16, "lowest nibble first: 2001:db8::1");

	is_int(dnsmsg_decode_reverse("2.3.4.in-addr.arpa", &family, addr), -EPROTO,
	       "three parts are -EPROTO");
	is_int(dnsmsg_decode_reverse("1.2.3.4.5.in-addr.arpa", &family, addr), -EPROTO,
	       "five parts are -EPROTO");
	is_int(dnsmsg_decode_reverse("1.2.3.256.in-addr.arpa", &family, addr), -EPROTO,
	       "a part over 255 is -EPROTO");
	is_int(dnsmsg_decode_reverse("1.2.3.0004.in-addr.arpa", &family, addr), -EPROTO,
	       "four digits are -EPROTO");
	is_int(dnsmsg_decode_reverse("1.2.x.4.in-addr.arpa", &family, addr), -EPROTO,
	       "a letter is -EPROTO");
	is_int(dnsmsg_decode_reverse(".in-addr.arpa", &family, addr), -EPROTO,
	       "the suffix alone is -EPROTO");
	is_int(dnsmsg_decode_reverse(v6name + 2, &family, addr), -EPROTO,
	       "31 nibbles are -EPROTO");
	{
		char bad[sizeof(v6name)];

		memcpy(bad, v6name, sizeof(bad));
		bad[0] = 'g';
		is_int(dnsmsg_decode_reverse(bad, &family, addr), -EPROTO,
		       "a nibble that is not hex is -EPROTO");
		memcpy(bad, v6name, sizeof(bad));
		bad[1] = '-';
		is_int(dnsmsg_decode_reverse(bad, &family, addr), -EPROTO,
		       "a nibble not followed by a dot is -EPROTO");
	}
	is_int(dnsmsg_decode_reverse("example.com", &family, addr), -EPROTO,
	       "a forward name is -EPROTO");
	is_int(dnsmsg_decode_reverse(NULL, &family, addr), -EINVAL, "NULL is -EINVAL");
}

int
main(void)
{
	test_decode_query();
	test_names();
	test_classify();
	test_encode_answer();
	test_decode_reverse();
	return tap_done();
}

/*
 * RFC 1961 framing: the messages of sections 3.3 to 3.8, 4.3 and 5 as
 * byte vectors, decoded whole, byte by byte, cut short and malformed.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "gssframe.h"
#include "tap.h"

static void
test_encode(void)
{
	static const uint8_t token[] = { 0x60, 0x81, 0x05 };
	static const uint8_t want_auth[] = { 0x01, 0x01, 0x00, 0x03, 0x60, 0x81, 0x05 };
	static const uint8_t want_prot[] = { 0x01, 0x02, 0x00, 0x01, 0x02 };
	static const uint8_t want_empty[] = { 0x01, 0x03, 0x00, 0x00 };
	static uint8_t big[GSSFRAME_TOKEN_MAX + 1];
	static uint8_t out[GSSFRAME_HEAD + GSSFRAME_TOKEN_MAX + 8];
	uint8_t level = GSSFRAME_LEVEL_CONFIDENTIALITY;

	is_int(gssframe_encode(out, sizeof(out), GSSFRAME_AUTH, token, sizeof(token)),
	       7, "an authentication message is 4 bytes and the token");
	is_bytes(out, want_auth, sizeof(want_auth), "ver 1, mtyp 1, len, token");
	is_int(gssframe_encode(out, sizeof(out), GSSFRAME_PROTECTION, &level, 1),
	       5, "a protection message");
	is_bytes(out, want_prot, sizeof(want_prot), "ver 1, mtyp 2, len 1, the level");
	is_int(gssframe_encode(out, sizeof(out), GSSFRAME_DATA, NULL, 0), 4,
	       "an empty token is allowed");
	is_bytes(out, want_empty, sizeof(want_empty), "just the head");

	is_int(gssframe_encode(out, sizeof(out), GSSFRAME_DATA, big,
			       GSSFRAME_TOKEN_MAX), GSSFRAME_HEAD + GSSFRAME_TOKEN_MAX,
	       "the longest token fits the length field");
	ok(out[2] == 0xff && out[3] == 0xff, "its length is FF FF, most significant first");
	is_int(gssframe_encode(out, sizeof(out), GSSFRAME_DATA, big, sizeof(big)),
	       -EMSGSIZE, "a token over 65535 bytes is -EMSGSIZE");
	is_int(gssframe_encode(out, 6, GSSFRAME_AUTH, token, sizeof(token)),
	       -ENOSPC, "a buffer too small is -ENOSPC");
	is_int(gssframe_encode(out, sizeof(out), GSSFRAME_ABORT, NULL, 0),
	       -EINVAL, "the client never encodes an abort");
	is_int(gssframe_encode(out, sizeof(out), GSSFRAME_AUTH, NULL, 3),
	       -EINVAL, "a length without a token is -EINVAL");
}

static void
test_decode(void)
{
	static const uint8_t reply[] = { 0x01, 0x01, 0x00, 0x02, 0xaa, 0xbb, 0x99 };
	static const uint8_t abort_msg[] = { 0x01, 0xff };
	static const uint8_t bad_ver[] = { 0x05, 0x01, 0x00, 0x00 };
	static const uint8_t other[] = { 0x01, 0x02, 0x00, 0x00 };
	struct gssframe f;

	is_int(gssframe_decode(reply, sizeof(reply), GSSFRAME_AUTH, &f), 6,
	       "a server reply takes 4 bytes and its token, not the byte after");
	is_int(f.mtyp, GSSFRAME_AUTH, "its type");
	is_int(f.len, 2, "its token length");
	ok(f.token == reply + 4, "the token points into the input");
	for (size_t i = 0; i < 6; i++)
		is_int(gssframe_decode(reply, i, GSSFRAME_AUTH, &f), 0,
		       "a message cut short needs more");
	is_int(gssframe_need(reply, 0), 2, "first the version and type");
	is_int(gssframe_need(reply, 2), 4, "then the length");
	is_int(gssframe_need(reply, 4), 6, "then the token it announces");

	is_int(gssframe_decode(abort_msg, sizeof(abort_msg), GSSFRAME_AUTH, &f), 2,
	       "an abort is two bytes");
	is_int(f.mtyp, GSSFRAME_ABORT, "and says so");
	is_int(gssframe_need(abort_msg, 2), 2, "an abort needs nothing more");
	is_int(gssframe_decode(abort_msg, sizeof(abort_msg), GSSFRAME_PROTECTION, &f),
	       2, "an abort is accepted in place of any type");

	is_int(gssframe_decode(bad_ver, 1, GSSFRAME_AUTH, &f), -EPROTO,
	       "a version other than 1 is refused at its first byte");
	is_int(gssframe_decode(other, sizeof(other), GSSFRAME_AUTH, &f), -EPROTO,
	       "a type other than the one expected is -EPROTO");
	is_int(gssframe_decode(other, sizeof(other), GSSFRAME_AUTH, NULL), -EINVAL,
	       "no place for the result is -EINVAL");
}

static void
test_levels(void)
{
	is_str(gssframe_level_name(GSSFRAME_LEVEL_CLEAR), "no protection", "level 0");
	is_str(gssframe_level_name(GSSFRAME_LEVEL_INTEGRITY), "integrity", "level 1");
	is_str(gssframe_level_name(GSSFRAME_LEVEL_CONFIDENTIALITY), "confidentiality",
	       "level 2");
	is_str(gssframe_level_name(0x42), "an unknown protection level", "others");
}

int
main(void)
{
	test_encode();
	test_decode();
	test_levels();
	return tap_done();
}

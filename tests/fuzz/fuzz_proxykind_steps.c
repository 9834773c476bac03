/*
 * The handshake steps of every proxy kind (proxykind.h) on arbitrary
 * answers.  The input is
 *
 *	FLAGS ANSWER...
 *
 * FLAGS: bits 0-1 the kind (socks4, socks4a, socks5, socks5h), bit 2
 * credentials, bits 3-4 the step (the greeting's answer, the
 * authentication's answer, the reply; 3 is the reply too).
 *
 * Whatever the bytes, a decoding step consumes no more than it was given,
 * says "need more" only for a prefix, says why whenever it fails or reads
 * a refusal (never with the password), and a reply held as far as
 * reply_need() asks is decided, consuming exactly what was held: the
 * handshake never reads a byte past the proxy's answer.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "proxykind.h"
#include "socks5.h"

#define PASS "fuzzpass"
/* The handshake's input buffer (struct handshake's in[]). */
#define IN_MAX (SOCKS5_REPLY_MAX + 4)

static void
check_answer(ssize_t n, size_t len, const struct proxykind_answer *a)
{
	fuzz_check(n == -EPROTO || (n >= 0 && (size_t)n <= len),
		   "consumes what it was given, or -EPROTO");
	if (n == -EPROTO)
		fuzz_check(a->reason && a->reason[0], "malformed says why");
	if (n > 0 && a->error) {
		fuzz_check(a->error < 0 && a->error > -4096, "a refusal is a -errno");
		fuzz_check(a->reason && a->reason[0], "a refusal says why");
	}
	if (a->reason)
		fuzz_check(strstr(a->reason, PASS) == NULL, "no password in the reason");
}

/* Hold the reply as far as reply_need() asks, then decode it. */
static void
check_reply(const struct proxykind_steps *st, const uint8_t *data, size_t size)
{
	struct proxykind_answer a;
	size_t have = 0, need;
	ssize_t n;

	for (;;) {
		need = st->reply_need(data, have);
		fuzz_check(need > 0 && need <= IN_MAX, "asks for a bounded reply");
		if (need <= have)
			break;
		if (need > size) {
			n = st->reply(data, have, &a);
			fuzz_check(n <= 0, "a prefix of a reply is not a reply");
			check_answer(n, have, &a);
			return;
		}
		have = need;
	}
	n = st->reply(data, have, &a);
	check_answer(n, have, &a);
	fuzz_check(n != 0, "a reply held as far as asked is decided");
	if (n > 0)
		fuzz_check((size_t)n == have, "the reply is what was held, no more");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const int versions[] = { 4, 4, 5, 5 };
	const struct proxykind_steps *st;
	const struct proxykind *k;
	struct proxykind_answer a;
	struct config_proxy p;
	ssize_t n;
	uint8_t f;

	if (size < 1)
		return 0;
	f = data[0];
	data++;
	size--;
	memset(&p, 0, sizeof(p));
	p.version = versions[f & 0x03];
	p.remote_dns = f & 0x01;
	if (f & 0x04) {
		p.has_auth = true;
		strcpy(p.user, "fuzzuser");
		strcpy(p.pass, PASS);
	}
	k = proxykind_of(&p);
	st = k->steps;
	switch ((f >> 3) & 0x03) {
	case 0:
		if (!st->greeting_answer)
			return 0;
		n = st->greeting_answer(data, size, &p, &a);
		check_answer(n, size, &a);
		if (size >= st->greeting_answer_len)
			fuzz_check(n != 0, "an answer of its full length is decided");
		break;
	case 1:
		if (!st->auth_answer)
			return 0;
		n = st->auth_answer(data, size, &a);
		check_answer(n, size, &a);
		if (size >= st->auth_answer_len)
			fuzz_check(n != 0, "an answer of its full length is decided");
		break;
	default:
		check_reply(st, data, size);
		break;
	}
	explicit_bzero(&p, sizeof(p));
	return 0;
}

/*
 * The HTTP CONNECT response scanner (httpconnect_scan() and the http
 * kind's reply_scan step) on arbitrary bytes.  The input is
 *
 *	PIECE RESPONSE...
 *
 * PIECE: the most bytes shown at once (0 means all of them), as the
 * handshake shows what one peek returned.  Whatever the bytes and however
 * they are cut, the scanner takes the same bytes and comes to the same
 * answer, never takes more than it is shown or more than 16 KiB, ends a
 * taken header on a line feed (so no byte of the tunnel after it is ever
 * taken), is not done one byte earlier, says why it refuses, and the
 * step's log text is printable and never holds the password.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "httpconnect.h"

#define PASS "fuzzpass"

struct result {
	ssize_t taken;		/* bytes taken, or -EPROTO */
	bool done;
	uint16_t status;
};

static struct result
scan(const uint8_t *data, size_t size, size_t piece)
{
	struct proxykind_scan s;
	struct result r = { 0, false, 0 };
	const char *why;
	size_t off = 0;

	memset(&s, 0, sizeof(s));
	while (off < size && !s.done) {
		size_t n = piece == 0 || size - off < piece ? size - off : piece;
		ssize_t got = httpconnect_scan(&s, data + off, n, &why);

		if (got < 0) {
			fuzz_check(got == -EPROTO, "a refusal is -EPROTO");
			fuzz_check(why && why[0], "a refusal says why");
			r.taken = got;
			return r;
		}
		fuzz_check((size_t)got <= n, "takes no more than it is shown");
		fuzz_check(got == (ssize_t)n || s.done, "stops early only when done");
		off += (size_t)got;
	}
	r.taken = (ssize_t)off;
	r.done = s.done;
	r.status = s.status;
	return r;
}

static void
check_step(const uint8_t *data, size_t size)
{
	struct proxykind_answer a;
	struct proxykind_scan s;
	struct config_proxy p;
	ssize_t n;

	memset(&p, 0, sizeof(p));
	memset(&s, 0, sizeof(s));
	p.version = CONFIG_HTTP_CONNECT;
	p.remote_dns = true;
	p.has_auth = true;
	strcpy(p.user, "fuzzuser");
	strcpy(p.pass, PASS);
	n = httpconnect_steps.reply_scan(&s, data, size, &p, &a);
	if (n < 0 || (s.done && a.error)) {
		fuzz_check(a.reason && a.reason[0], "a failure says why");
		fuzz_check(strstr(a.reason, PASS) == NULL, "no password in the reason");
		for (const char *c = a.reason; *c; c++)
			fuzz_check(*c >= 0x20 && *c < 0x7f, "the reason is printable");
	}
	if (n >= 0 && s.done)
		fuzz_check(a.error <= 0 && a.error > -4096, "an errno or 0");
	explicit_bzero(&p, sizeof(p));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct result whole, cut;

	if (size < 1)
		return 0;
	cut = scan(data + 1, size - 1, data[0]);
	whole = scan(data + 1, size - 1, 0);
	fuzz_check(cut.taken == whole.taken && cut.done == whole.done &&
		   cut.status == whole.status,
		   "the same answer however the bytes are cut");
	if (whole.taken > 0)
		fuzz_check(whole.taken <= HTTPCONNECT_HEADER_MAX, "at most 16 KiB");
	if (whole.done) {
		struct result shorter;

		fuzz_check(data[1 + whole.taken - 1] == '\n', "a header ends on a line feed");
		fuzz_check(whole.status >= 100 && whole.status <= 999 &&
			   (whole.status >= 200 || whole.status == 101),
			   "a final status");
		shorter = scan(data + 1, (size_t)whole.taken - 1, 0);
		fuzz_check(!shorter.done, "not done one byte before the end");
	}
	check_step(data + 1, size - 1);
	return 0;
}

/*
 * The input side of GSSAPI per-message protection (core/gsswrap.c): a
 * fuzzed proxy stream, delivered in fuzzed pieces, read with fuzzed
 * lengths and flags (MSG_PEEK, MSG_WAITALL) against a fake mechanism whose
 * unwrap takes a leading 'W' off and refuses anything else.  The bytes the
 * reads return are exactly the plaintext of the whole messages before the
 * first bad one, in order; a bad message, an abort or a close in the
 * middle of one ends every later read with the same error; the stream is
 * never read past what was delivered.
 *
 * Input: byte 0 the piece size of the stream (1..256), byte 1 a seed for
 * the read lengths and flags, then the stream.
 */
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "gssframe.h"
#include "gsswrap.h"

static struct {
	const uint8_t *bytes;
	size_t len, off, chunk;
} stream;

static int ctx_marker;

static ssize_t
fz_send(int fd, const void *buf, size_t len, int flags)
{
	(void)fd;
	(void)buf;
	(void)flags;
	return (ssize_t)len;
}

static ssize_t
fz_recv(int fd, void *buf, size_t len, int flags)
{
	size_t left = stream.len - stream.off;

	(void)fd;
	(void)flags;
	if (left == 0)
		return 0;
	if (len > left)
		len = left;
	if (len > stream.chunk)
		len = stream.chunk;
	memcpy(buf, stream.bytes + stream.off, len);
	stream.off += len;
	return (ssize_t)len;
}

static const struct sx_sys fz_sys = { .send = fz_send, .recv = fz_recv };

static int
fz_unwrap(void *ctx, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
	  size_t *out_len, bool *conf, char *why, size_t whylen)
{
	fuzz_check(ctx == &ctx_marker, "the context given is the one made");
	if (len < 1 || in[0] != 'W' || len - 1 > cap) {
		snprintf(why, whylen, "bad token");
		return -EPROTO;
	}
	memcpy(out, in + 1, len - 1);
	*out_len = len - 1;
	if (conf != NULL)
		*conf = false;
	return 0;
}

static int
fz_wrap(void *ctx, bool conf, const uint8_t *in, size_t len, uint8_t *out,
	size_t cap, size_t *out_len, char *why, size_t whylen)
{
	(void)ctx;
	(void)conf;
	(void)in;
	(void)len;
	(void)out;
	(void)cap;
	(void)out_len;
	(void)why;
	(void)whylen;
	return -EINVAL;
}

static void
fz_drop(void **ctx)
{
	*ctx = NULL;
}

static const struct socks5_gssapi_ops fz_ops = {
	.wrap = fz_wrap,
	.unwrap = fz_unwrap,
	.drop = fz_drop,
};

/*
 * The model: the plaintext of the whole good messages of s (len bytes)
 * into plain; the error that ends the stream (0: a clean end).
 */
static int
fz_model(const uint8_t *s, size_t len, uint8_t *plain, size_t *plain_len)
{
	size_t off = 0;

	*plain_len = 0;
	while (off < len) {
		struct gssframe f;
		ssize_t n = gssframe_decode(s + off, len - off, GSSFRAME_DATA, &f);

		if (n == 0)
			return -ECONNRESET;
		if (n < 0)
			return -EIO;
		if (f.mtyp == GSSFRAME_ABORT)
			return -ECONNRESET;
		if (f.len < 1 || f.token[0] != 'W')
			return -EIO;
		memcpy(plain + *plain_len, f.token + 1, f.len - 1u);
		*plain_len += f.len - 1u;
		off += (size_t)n;
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t want[1 << 20];
	size_t want_len, got_len = 0;
	struct gsswrap *w;
	uint32_t seed;
	int end, last = 0;

	if (size < 2 || size - 2 > sizeof(want))
		return 0;
	stream.chunk = (size_t)data[0] + 1;
	seed = data[1];
	stream.bytes = data + 2;
	stream.len = size - 2;
	stream.off = 0;
	end = fz_model(stream.bytes, stream.len, want, &want_len);
	w = gsswrap_new(&fz_ops, &ctx_marker, false);
	fuzz_check(w != NULL, "made");
	for (int i = 0; i < 100000; i++) {
		uint8_t buf[300];
		size_t len;
		int flags;
		struct iovec iov;
		ssize_t n;

		seed = seed * 1103515245u + 12345u;
		len = 1 + (seed >> 8) % sizeof(buf);
		flags = (seed >> 20) % 5 == 0 ? MSG_PEEK :
			(seed >> 20) % 5 == 1 ? MSG_WAITALL : 0;
		iov.iov_base = buf;
		iov.iov_len = len;
		n = gsswrap_recv(w, &fz_sys, 3, &iov, 1, flags, NULL, 0);
		fuzz_check(stream.off <= stream.len, "never past the stream");
		if (n <= 0) {
			last = (int)n;
			break;
		}
		fuzz_check((size_t)n <= len, "never more than asked");
		fuzz_check(got_len + (size_t)n <= want_len, "never more than was sent");
		fuzz_check(memcmp(buf, want + got_len, (size_t)n) == 0,
			   "the plaintext in order");
		if (!(flags & MSG_PEEK))
			got_len += (size_t)n;
	}
	fuzz_check(got_len == want_len, "every good byte is read");
	fuzz_check(last == end, "the stream ends as the model says");
	if (end != 0) {
		uint8_t b;
		struct iovec iov = { &b, 1 };

		fuzz_check(gsswrap_recv(w, &fz_sys, 3, &iov, 1, 0, NULL, 0) == end,
			   "a failure stays");
		fuzz_check(gsswrap_readable(w), "and is readable");
	}
	gsswrap_put(w);
	return 0;
}

/*
 * GSS-API per-message protection of a connection (core/gsswrap.c) against
 * a fake socket and a fake mechanism: writes cut into messages of 16384
 * bytes of plaintext, a short write on a non-blocking socket (nothing lost,
 * nothing sent twice), reads of messages that come a byte at a time or
 * several in one segment, MSG_PEEK, MSG_WAITALL, the end of the stream,
 * a close in the middle of a message, a token that does not unwrap, an
 * abort, and that the context is deleted with the last reference.
 *
 * The fake mechanism: wrap prefixes "W" (integrity) or "C"
 * (confidentiality); unwrap takes a "W" or "C" off and refuses the rest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gssframe.h"
#include "gsswrap.h"
#include "tap.h"

#define SOCK_FD 3

/* What the connection wrote, and how much the socket takes before EAGAIN. */
static struct {
	uint8_t bytes[1 << 17];
	size_t len;
	size_t room;		/* bytes taken before EAGAIN; SIZE_MAX: any */
	int fail;		/* errno of every send, 0: none */
} wire;

/* What the proxy sends, delivered at most chunk bytes per recv (0: any). */
static struct {
	uint8_t bytes[1 << 17];
	size_t len, off, chunk;
	bool eof;
} peer;

static struct {
	int drops, unwraps;
} gss;

static int ctx_marker;

static void
fake_reset(void)
{
	memset(&wire, 0, sizeof(wire));
	memset(&peer, 0, sizeof(peer));
	memset(&gss, 0, sizeof(gss));
	wire.room = SIZE_MAX;
}

static ssize_t
fake_send(int fd, const void *buf, size_t len, int flags)
{
	(void)fd;
	(void)flags;
	if (wire.fail) {
		errno = wire.fail;
		return -1;
	}
	if (wire.room == 0) {
		errno = EAGAIN;
		return -1;
	}
	if (len > wire.room)
		len = wire.room;
	if (wire.room != SIZE_MAX)
		wire.room -= len;
	memcpy(wire.bytes + wire.len, buf, len);
	wire.len += len;
	return (ssize_t)len;
}

static ssize_t
fake_recv(int fd, void *buf, size_t len, int flags)
{
	size_t left = peer.len - peer.off;

	(void)fd;
	(void)flags;
	if (left == 0) {
		if (peer.eof)
			return 0;
		errno = EAGAIN;
		return -1;
	}
	if (len > left)
		len = left;
	if (peer.chunk && len > peer.chunk)
		len = peer.chunk;
	memcpy(buf, peer.bytes + peer.off, len);
	peer.off += len;
	return (ssize_t)len;
}

static const struct sx_sys fake_sys = {
	.send = fake_send,
	.recv = fake_recv,
};

static int
fake_init(void **ctx, const char *target, bool principal, const uint8_t *in,
	  size_t in_len, uint8_t *out, size_t cap, size_t *out_len, char *why,
	  size_t whylen)
{
	(void)ctx;
	(void)target;
	(void)principal;
	(void)in;
	(void)in_len;
	(void)out;
	(void)cap;
	(void)out_len;
	(void)why;
	(void)whylen;
	return -EINVAL;
}

static int
fake_wrap(void *ctx, bool conf, const uint8_t *in, size_t len, uint8_t *out,
	  size_t cap, size_t *out_len, char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	if (ctx != &ctx_marker || len + 1 > cap)
		return -EINVAL;
	out[0] = conf ? 'C' : 'W';
	memcpy(out + 1, in, len);
	*out_len = len + 1;
	return 0;
}

static int
fake_unwrap(void *ctx, const uint8_t *in, size_t len, uint8_t *out, size_t cap,
	    size_t *out_len, bool *conf, char *why, size_t whylen)
{
	gss.unwraps++;
	if (ctx != &ctx_marker || len < 1 || (in[0] != 'W' && in[0] != 'C') ||
	    len - 1 > cap) {
		snprintf(why, whylen, "fake unwrap: a token has been modified");
		return -EPROTO;
	}
	memcpy(out, in + 1, len - 1);
	*out_len = len - 1;
	if (conf != NULL)
		*conf = in[0] == 'C';
	return 0;
}

static void
fake_drop(void **ctx)
{
	gss.drops++;
	*ctx = NULL;
}

static const struct socks5_gssapi_ops fake_ops = {
	.init = fake_init,
	.wrap = fake_wrap,
	.unwrap = fake_unwrap,
	.drop = fake_drop,
};

/* Append a data message carrying token (its first byte the fake's mark). */
static void
peer_add(const char *mark, const uint8_t *data, size_t len)
{
	uint8_t *p = peer.bytes + peer.len;
	size_t tlen = len + strlen(mark);

	p[0] = GSSFRAME_VERSION;
	p[1] = GSSFRAME_DATA;
	p[2] = (uint8_t)(tlen >> 8);
	p[3] = (uint8_t)(tlen & 0xff);
	memcpy(p + 4, mark, strlen(mark));
	memcpy(p + 4 + strlen(mark), data, len);
	peer.len += 4 + tlen;
}

static ssize_t
recv_into(struct gsswrap *w, void *buf, size_t len, int flags)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	return gsswrap_recv(w, &fake_sys, SOCK_FD, &iov, 1, flags, NULL, 0);
}

static ssize_t
send_from(struct gsswrap *w, const void *buf, size_t len, int flags)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	return gsswrap_send(w, &fake_sys, SOCK_FD, &iov, 1, flags, NULL, 0);
}

static void
test_send(void)
{
	static uint8_t big[20000];
	static const uint8_t head1[] = { 0x01, 0x03, 0x40, 0x01, 'C' };
	static const uint8_t head2[] = { 0x01, 0x03, 0x0e, 0x21, 'C' };
	struct gsswrap *w;
	struct iovec iov[3];
	size_t first;

	fake_reset();
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 31);
	w = gsswrap_new(&fake_ops, &ctx_marker, true);
	ok(w != NULL, "a protection is made");
	is_int((int)send_from(w, big, sizeof(big), 0), (int)sizeof(big),
	       "a write of 20000 bytes is taken whole");
	is_int((int)wire.len, 4 + 16385 + 4 + 3617, "as two messages");
	is_bytes(wire.bytes, head1, sizeof(head1), "the first: 16384 bytes wrapped");
	is_bytes(wire.bytes + 4 + 16385, head2, sizeof(head2),
		 "the second: the 3616 left");
	is_bytes(wire.bytes + 5, big, 16384, "the plaintext in order");

	/* A short write: the socket takes 100 bytes, then says EAGAIN. */
	fake_reset();
	wire.room = 100;
	is_int((int)send_from(w, big, sizeof(big), MSG_DONTWAIT), 16384,
	       "a short write counts the message it queued, not a part of one");
	ok(gsswrap_queued(w), "the rest of that message waits in the queue");
	is_int((int)send_from(w, big + 16384, 10, MSG_DONTWAIT), -EAGAIN,
	       "while the queue cannot be emptied a write takes nothing");
	wire.room = SIZE_MAX;
	is_int(gsswrap_flush(w, &fake_sys, SOCK_FD, MSG_DONTWAIT), 0,
	       "the queue goes out when the socket takes it");
	ok(!gsswrap_queued(w), "and is empty");
	is_int((int)wire.len, 4 + 16385, "one whole message, no byte twice");
	is_bytes(wire.bytes + 5, big, 16384, "and the right bytes");
	first = wire.len;
	is_int((int)send_from(w, big + 16384, sizeof(big) - 16384, MSG_DONTWAIT),
	       (int)(sizeof(big) - 16384), "the program writes the rest");
	is_bytes(wire.bytes + first + 5, big + 16384, sizeof(big) - 16384,
		 "which follows in order");

	/* writev(): the pieces make one message. */
	fake_reset();
	iov[0] = (struct iovec){ (void *)"ab", 2 };
	iov[1] = (struct iovec){ (void *)"", 0 };
	iov[2] = (struct iovec){ (void *)"cde", 3 };
	is_int((int)gsswrap_send(w, &fake_sys, SOCK_FD, iov, 3, 0, NULL, 0), 5,
	       "writev of three pieces");
	is_bytes(wire.bytes, (const uint8_t *)"\x01\x03\x00\x06" "Cabcde", 10,
		 "gathered into one message");

	fake_reset();
	wire.fail = EPIPE;
	is_int((int)send_from(w, "x", 1, 0), -EPIPE, "a socket error is returned");
	gsswrap_put(w);
	is_int(gss.drops, 1, "the last reference deletes the context");
}

static void
test_recv(void)
{
	struct gsswrap *w;
	uint8_t buf[64];
	struct iovec iov[2];

	fake_reset();
	w = gsswrap_new(&fake_ops, &ctx_marker, false);
	peer_add("W", (const uint8_t *)"hello", 5);
	peer_add("W", (const uint8_t *)" world", 6);
	peer.chunk = 1;
	ok(!gsswrap_readable(w), "nothing to read before anything came");
	is_int((int)recv_into(w, buf, sizeof(buf), MSG_DONTWAIT), 5,
	       "a message that comes a byte at a time is read whole");
	is_bytes(buf, (const uint8_t *)"hello", 5, "unwrapped");
	is_int((int)recv_into(w, buf, 3, MSG_PEEK), 3, "MSG_PEEK of the next one");
	is_bytes(buf, (const uint8_t *)" wo", 3, "its first bytes");
	is_int((int)gsswrap_kept(w), 6, "which stay kept");
	ok(gsswrap_readable(w), "readable without a byte in the socket");
	iov[0] = (struct iovec){ buf, 2 };
	iov[1] = (struct iovec){ buf + 2, 10 };
	is_int((int)gsswrap_recv(w, &fake_sys, SOCK_FD, iov, 2, 0, NULL, 0), 6,
	       "readv gets them all");
	is_bytes(buf, (const uint8_t *)" world", 6, "in order");
	is_int((int)recv_into(w, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN,
	       "then nothing: EAGAIN");

	/* Several messages in one segment, read with MSG_WAITALL. */
	peer.chunk = 0;
	peer_add("C", (const uint8_t *)"abc", 3);
	peer_add("W", (const uint8_t *)"", 0);
	peer_add("C", (const uint8_t *)"defg", 4);
	ok(gsswrap_pull(w, &fake_sys, SOCK_FD, NULL, 0), "pull finds a whole message");
	is_int((int)recv_into(w, buf, 7, MSG_WAITALL), 7,
	       "MSG_WAITALL reads across messages, an empty one too");
	is_bytes(buf, (const uint8_t *)"abcdefg", 7, "in order");

	peer_add("W", (const uint8_t *)"skip", 4);
	{
		struct iovec none = { NULL, 3 };

		is_int((int)gsswrap_recv(w, &fake_sys, SOCK_FD, &none, 1, MSG_TRUNC,
					 NULL, 0), 3, "MSG_TRUNC drops bytes without a buffer");
	}
	is_int((int)recv_into(w, buf, sizeof(buf), 0), 1, "the rest of that message");
	is_bytes(buf, (const uint8_t *)"p", 1, "after the dropped ones");
	peer_add("W", (const uint8_t *)"xy", 2);
	peer.eof = true;
	is_int((int)recv_into(w, buf, sizeof(buf), 0), 2, "the last message");
	is_int((int)recv_into(w, buf, sizeof(buf), 0), 0, "then the end: 0");
	is_int((int)recv_into(w, buf, sizeof(buf), 0), 0, "and again");
	gsswrap_put(w);

	/* A close in the middle of a message. */
	fake_reset();
	w = gsswrap_new(&fake_ops, &ctx_marker, false);
	peer_add("W", (const uint8_t *)"hello", 5);
	peer.len -= 2;
	peer.eof = true;
	{
		char why[128] = "";
		struct iovec one = { buf, sizeof(buf) };

		is_int((int)gsswrap_recv(w, &fake_sys, SOCK_FD, &one, 1, 0, why,
					 sizeof(why)), -ECONNRESET,
		       "a close in the middle of a message is a reset");
		is_str(why, "proxy closed the connection in the middle of a GSSAPI "
		       "message", "saying so");
	}
	gsswrap_put(w);
}

static void
test_failures(void)
{
	struct gsswrap *w;
	uint8_t buf[64];
	char why[128];
	struct iovec one = { buf, sizeof(buf) };

	fake_reset();
	w = gsswrap_new(&fake_ops, &ctx_marker, false);
	peer_add("X", (const uint8_t *)"bad", 3);
	peer_add("W", (const uint8_t *)"good", 4);
	is_int((int)gsswrap_recv(w, &fake_sys, SOCK_FD, &one, 1, 0, why, sizeof(why)),
	       -EIO, "a token that does not unwrap is EIO");
	is_str(why, "fake unwrap: a token has been modified", "with the GSS text");
	is_int((int)gsswrap_recv(w, &fake_sys, SOCK_FD, &one, 1, 0, why, sizeof(why)),
	       -EIO, "and stays EIO: the good message after it is not read");
	is_str(why, "", "the text only once");
	is_int((int)send_from(w, "x", 1, 0), -EIO, "writes fail too");
	is_int((int)wire.len, 0, "and send nothing");
	ok(gsswrap_readable(w), "the failure is readable, for the read to report");
	gsswrap_put(w);

	fake_reset();
	w = gsswrap_new(&fake_ops, &ctx_marker, false);
	memcpy(peer.bytes, "\x01\x01\x00\x01W", 5);
	peer.len = 5;
	is_int((int)gsswrap_recv(w, &fake_sys, SOCK_FD, &one, 1, 0, why, sizeof(why)),
	       -EIO, "a message of another type is EIO");
	gsswrap_put(w);

	fake_reset();
	w = gsswrap_new(&fake_ops, &ctx_marker, false);
	memcpy(peer.bytes, "\x01\xff", 2);
	peer.len = 2;
	is_int((int)gsswrap_recv(w, &fake_sys, SOCK_FD, &one, 1, 0, why, sizeof(why)),
	       -ECONNRESET, "an abort is a reset");
	is_str(why, "proxy aborted the GSSAPI-protected connection", "saying so");
	gsswrap_hold(w);
	gsswrap_put(w);
	is_int(gss.drops, 0, "a held reference keeps the context");
	gsswrap_put(w);
	is_int(gss.drops, 1, "the last one deletes it");
	gsswrap_put(NULL);
}

static void
test_confidentiality_enforced(void)
{
	struct gsswrap *w;
	uint8_t buf[16];
	char why[128];
	struct iovec one = { buf, sizeof(buf) };

	fake_reset();
	w = gsswrap_new(&fake_ops, &ctx_marker, true);
	peer_add("C", (const uint8_t *)"enc", 3);
	peer_add("W", (const uint8_t *)"plain", 5);
	is_int((int)gsswrap_recv(w, &fake_sys, SOCK_FD, &one, 1, 0, why, sizeof(why)),
	       3, "an encrypted message is read");
	is_int((int)gsswrap_recv(w, &fake_sys, SOCK_FD, &one, 1, 0, why, sizeof(why)),
	       -EIO, "a message only signed, under confidentiality, is EIO");
	is_str(why, "proxy sent a message without confidentiality on a connection "
	       "that has it", "saying so");
	gsswrap_put(w);
}

static void
test_seal(void)
{
	struct gsswrap *w;
	uint8_t out[32];
	char why[128];

	fake_reset();
	w = gsswrap_new(&fake_ops, &ctx_marker, false);
	is_int((int)gsswrap_seal(w, (const uint8_t *)"req", 3, out, sizeof(out), why,
				 sizeof(why)), 8, "a request sealed: head, mark, bytes");
	is_bytes(out, (const uint8_t *)"\x01\x03\x00\x04Wreq", 8, "as RFC 1961 frames it");
	is_int((int)gsswrap_seal(w, (const uint8_t *)"req", 3, out, 4, why,
				 sizeof(why)), -EINVAL, "no room for the token");
	gsswrap_put(w);
}

int
main(void)
{
	test_send();
	test_recv();
	test_failures();
	test_confidentiality_enforced();
	test_seal();
	return tap_done();
}

/*
 * GSS-API per-message protection of a connection, RFC 1961 section 5 (see
 * gsswrap.h).
 *
 *   program write(buf, n)          ->  01 03 LEN gss_wrap(buf[0..16384))
 *                                      01 03 LEN gss_wrap(buf[16384..)) ...
 *   program read(buf, n)           <-  plaintext kept, else the next
 *                                      01 03 LEN token, unwrapped whole
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "gssframe.h"
#include "gsswrap.h"
#include "text.h"

/* Room for a wrapped chunk: the mechanism adds its header and checksum. */
#define GW_OUT_MAX (GSSFRAME_HEAD + GSSWRAP_CHUNK + 4096)
#define GW_IN_MAX (GSSFRAME_HEAD + GSSFRAME_TOKEN_MAX)

/* gw_next(): the end of the stream. */
#define GW_EOF 1

struct gsswrap {
	_Atomic int refs;
	_Atomic int error;		/* -errno once the connection failed */
	_Atomic bool ready;		/* a read would not block */
	_Atomic size_t kept;		/* plain_len - plain_off */
	_Atomic size_t queued;		/* out_len - out_off */
	const struct socks5_gssapi_ops *ops;
	void *ctx;
	bool conf;
	pthread_mutex_t gss_lock;	/* the context */
	pthread_mutex_t in_lock;	/* everything below up to out_len */
	bool eof;
	size_t in_len;
	size_t plain_off, plain_len;
	uint8_t in[GW_IN_MAX];
	uint8_t plain[GSSFRAME_TOKEN_MAX];
	pthread_mutex_t out_lock;	/* everything below */
	size_t out_len, out_off;
	uint8_t out[GW_OUT_MAX];
	uint8_t scratch[GSSWRAP_CHUNK];
};

struct gsswrap *
gsswrap_new(const struct socks5_gssapi_ops *ops, void *ctx, bool conf)
{
	struct gsswrap *w = calloc(1, sizeof(*w));

	if (w == NULL) {
		ops->drop(&ctx);
		return NULL;
	}
	atomic_init(&w->refs, 1);
	w->ops = ops;
	w->ctx = ctx;
	w->conf = conf;
	pthread_mutex_init(&w->gss_lock, NULL);
	pthread_mutex_init(&w->in_lock, NULL);
	pthread_mutex_init(&w->out_lock, NULL);
	return w;
}

void
gsswrap_hold(struct gsswrap *w)
{
	atomic_fetch_add(&w->refs, 1);
}

void
gsswrap_put(struct gsswrap *w)
{
	if (w == NULL || atomic_fetch_sub(&w->refs, 1) != 1)
		return;
	if (w->ctx != NULL)
		w->ops->drop(&w->ctx);
	pthread_mutex_destroy(&w->gss_lock);
	pthread_mutex_destroy(&w->in_lock);
	pthread_mutex_destroy(&w->out_lock);
	explicit_bzero(w, sizeof(*w));
	free(w);
}

void
gsswrap_after_fork(struct gsswrap *w)
{
	pthread_mutex_init(&w->gss_lock, NULL);
	pthread_mutex_init(&w->in_lock, NULL);
	pthread_mutex_init(&w->out_lock, NULL);
}

bool
gsswrap_confidential(const struct gsswrap *w)
{
	return w->conf;
}

bool
gsswrap_readable(struct gsswrap *w)
{
	return atomic_load(&w->ready);
}

bool
gsswrap_queued(struct gsswrap *w)
{
	return atomic_load(&w->queued) > 0;
}

size_t
gsswrap_kept(struct gsswrap *w)
{
	return atomic_load(&w->kept);
}

/* The total length of iov. */
static size_t
gw_iov_len(const struct iovec *iov, size_t n)
{
	size_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += iov[i].iov_len;
	return total;
}

/* Copy len bytes of src into iov from byte offset at of the whole. */
static void
gw_iov_put(const struct iovec *iov, size_t n, size_t at, const uint8_t *src,
	   size_t len)
{
	for (size_t i = 0; i < n && len > 0; i++) {
		size_t room, c;

		if (at >= iov[i].iov_len) {
			at -= iov[i].iov_len;
			continue;
		}
		room = iov[i].iov_len - at;
		c = len < room ? len : room;
		memcpy((uint8_t *)iov[i].iov_base + at, src, c);
		src += c;
		len -= c;
		at = 0;
	}
}

/* Copy len bytes of iov from byte offset at into dst. */
static void
gw_iov_get(const struct iovec *iov, size_t n, size_t at, uint8_t *dst,
	   size_t len)
{
	for (size_t i = 0; i < n && len > 0; i++) {
		size_t room, c;

		if (at >= iov[i].iov_len) {
			at -= iov[i].iov_len;
			continue;
		}
		room = iov[i].iov_len - at;
		c = len < room ? len : room;
		memcpy(dst, (const uint8_t *)iov[i].iov_base + at, c);
		dst += c;
		len -= c;
		at = 0;
	}
}

/* The connection failed for good with err: every later call says so. */
static int
gw_fail(struct gsswrap *w, int err)
{
	int none = 0;

	atomic_compare_exchange_strong(&w->error, &none, err);
	atomic_store(&w->ready, true);
	return atomic_load(&w->error);
}

/* Recompute what the readiness hooks read.  Input lock held. */
static void
gw_update_in(struct gsswrap *w)
{
	size_t kept = w->plain_len - w->plain_off;
	bool whole = w->in_len > 0 &&
		     w->in_len >= gssframe_need(w->in, w->in_len);

	atomic_store(&w->kept, kept);
	atomic_store(&w->ready, kept > 0 || whole || w->eof ||
			       atomic_load(&w->error) != 0);
}

/*
 * Unwrap the message at the start of the input buffer when it is whole.
 * Returns 1 when one was (its plaintext kept), 0 when more bytes are
 * needed, or -errno with why filled.  Input lock held, no plaintext kept.
 */
static int
gw_unwrap_one(struct gsswrap *w, char *why, size_t whylen)
{
	struct gssframe f;
	size_t len = 0;
	bool conf = false;
	ssize_t n;
	int rc;

	n = gssframe_decode(w->in, w->in_len, GSSFRAME_DATA, &f);
	if (n == 0)
		return 0;
	if (n < 0) {
		text_set_err(why, whylen, "proxy sent a message that is not "
			     "GSSAPI-encapsulated data (RFC 1961 section 5)");
		return gw_fail(w, -EIO);
	}
	if (f.mtyp == GSSFRAME_ABORT) {
		text_set_err(why, whylen, "proxy aborted the GSSAPI-protected "
			     "connection");
		return gw_fail(w, -ECONNRESET);
	}
	pthread_mutex_lock(&w->gss_lock);
	rc = w->ops->unwrap(w->ctx, f.token, f.len, w->plain, sizeof(w->plain),
			    &len, &conf, why, whylen);
	pthread_mutex_unlock(&w->gss_lock);
	if (rc < 0)
		return gw_fail(w, -EIO);
	/* RFC 1961 section 5: under level 2 every message is encrypted. */
	if (w->conf && !conf) {
		explicit_bzero(w->plain, len);
		text_set_err(why, whylen, "proxy sent a message without "
			     "confidentiality on a connection that has it");
		return gw_fail(w, -EIO);
	}
	memmove(w->in, w->in + n, w->in_len - (size_t)n);
	w->in_len -= (size_t)n;
	w->plain_off = 0;
	w->plain_len = len;
	return 1;
}

/*
 * Make plaintext available: unwrap the next message, reading as needed
 * (recv flags: MSG_DONTWAIT or none).  0 when some is kept, GW_EOF at the
 * end of the stream, or -errno.  Input lock held, no plaintext kept.
 */
static int
gw_next(struct gsswrap *w, const struct sx_sys *sys, int fd, int flags,
	char *why, size_t whylen)
{
	for (;;) {
		ssize_t n;
		int rc = atomic_load(&w->error);

		if (rc != 0)
			return rc;
		if (w->eof)
			return GW_EOF;
		rc = gw_unwrap_one(w, why, whylen);
		if (rc < 0)
			return rc;
		if (rc > 0) {
			if (w->plain_len > 0)
				return 0;
			continue;	/* an empty message */
		}
		n = sys->recv(fd, w->in + w->in_len, sizeof(w->in) - w->in_len,
			      flags & MSG_DONTWAIT);
		if (n < 0)
			return -errno;
		if (n == 0) {
			if (w->in_len == 0) {
				w->eof = true;
				return GW_EOF;
			}
			text_set_err(why, whylen, "proxy closed the connection in "
				     "the middle of a GSSAPI message");
			return gw_fail(w, -ECONNRESET);
		}
		w->in_len += (size_t)n;
	}
}

ssize_t
gsswrap_recv(struct gsswrap *w, const struct sx_sys *sys, int fd,
	     const struct iovec *iov, size_t n, int flags, char *why,
	     size_t whylen)
{
	size_t total = gw_iov_len(iov, n), done = 0;
	bool peek = flags & MSG_PEEK;
	bool discard = flags & MSG_TRUNC;	/* TCP: the bytes are dropped */
	ssize_t rc = 0;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	/* Bytes a short write left queued go out before we wait for an answer. */
	if (gsswrap_queued(w))
		gsswrap_flush(w, sys, fd, MSG_DONTWAIT | MSG_NOSIGNAL);
	pthread_mutex_lock(&w->in_lock);
	while (done < total) {
		size_t kept = w->plain_len - w->plain_off;

		if (kept > 0) {
			size_t c = total - done < kept ? total - done : kept;

			if (!discard)
				gw_iov_put(iov, n, done, w->plain + w->plain_off, c);
			done += c;
			if (!peek) {
				w->plain_off += c;
				if (w->plain_off == w->plain_len)
					w->plain_off = w->plain_len = 0;
			}
			if (peek || !(flags & MSG_WAITALL))
				break;
			continue;
		}
		rc = gw_next(w, sys, fd, flags, why, whylen);
		if (rc != 0)
			break;
	}
	gw_update_in(w);
	pthread_mutex_unlock(&w->in_lock);
	if (done > 0 || total == 0)
		return (ssize_t)done;
	return rc == GW_EOF ? 0 : rc;
}

bool
gsswrap_pull(struct gsswrap *w, const struct sx_sys *sys, int fd, char *why,
	     size_t whylen)
{
	int rc;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (gsswrap_readable(w))
		return true;
	/* A thread in a read of its own will take what comes. */
	if (pthread_mutex_trylock(&w->in_lock) != 0)
		return gsswrap_readable(w);
	if (w->plain_off == w->plain_len) {
		rc = gw_next(w, sys, fd, MSG_DONTWAIT, why, whylen);
		/* A socket error other than "nothing yet" is the read's to report. */
		if (rc < 0 && rc != -EAGAIN && rc != -EWOULDBLOCK && rc != -EINTR)
			atomic_store(&w->ready, true);
	}
	gw_update_in(w);
	pthread_mutex_unlock(&w->in_lock);
	return gsswrap_readable(w);
}

/* Send what the queue holds.  Output lock held. */
static int
gw_flush_locked(struct gsswrap *w, const struct sx_sys *sys, int fd, int flags)
{
	int pass = flags & (MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE);

	while (w->out_off < w->out_len) {
		ssize_t n = sys->send(fd, w->out + w->out_off,
				      w->out_len - w->out_off, pass);

		if (n < 0)
			return -errno;
		w->out_off += (size_t)n;
		atomic_store(&w->queued, w->out_len - w->out_off);
	}
	w->out_off = w->out_len = 0;
	return 0;
}

int
gsswrap_flush(struct gsswrap *w, const struct sx_sys *sys, int fd, int flags)
{
	int rc;

	pthread_mutex_lock(&w->out_lock);
	rc = gw_flush_locked(w, sys, fd, flags);
	pthread_mutex_unlock(&w->out_lock);
	return rc;
}

/* gss_wrap() len bytes of in into a framed message at out (cap bytes). */
static ssize_t
gw_seal(struct gsswrap *w, const uint8_t *in, size_t len, uint8_t *out,
	size_t cap, char *why, size_t whylen)
{
	size_t tlen = 0;
	int rc;

	if (cap < GSSFRAME_HEAD) {
		text_set_err(why, whylen, "no room for a GSSAPI message");
		return -ENOSPC;
	}
	pthread_mutex_lock(&w->gss_lock);
	rc = w->ops->wrap(w->ctx, w->conf, in, len, out + GSSFRAME_HEAD,
			  cap - GSSFRAME_HEAD, &tlen, why, whylen);
	pthread_mutex_unlock(&w->gss_lock);
	if (rc < 0)
		return rc;
	if (tlen > GSSFRAME_TOKEN_MAX) {
		text_set_err(why, whylen, "GSSAPI token too long for RFC 1961");
		return -EMSGSIZE;
	}
	out[0] = GSSFRAME_VERSION;
	out[1] = GSSFRAME_DATA;
	out[2] = (uint8_t)(tlen >> 8);
	out[3] = (uint8_t)(tlen & 0xff);
	return (ssize_t)(GSSFRAME_HEAD + tlen);
}

ssize_t
gsswrap_seal(struct gsswrap *w, const uint8_t *in, size_t len, uint8_t *out,
	     size_t cap, char *why, size_t whylen)
{
	if (len > GSSWRAP_CHUNK) {
		text_set_err(why, whylen, "message too long to wrap in one piece");
		return -EMSGSIZE;
	}
	return gw_seal(w, in, len, out, cap, why, whylen);
}

ssize_t
gsswrap_send(struct gsswrap *w, const struct sx_sys *sys, int fd,
	     const struct iovec *iov, size_t n, int flags, char *why,
	     size_t whylen)
{
	size_t total = gw_iov_len(iov, n), done = 0;
	ssize_t rc;

	if (why != NULL && whylen > 0)
		why[0] = '\0';
	pthread_mutex_lock(&w->out_lock);
	rc = atomic_load(&w->error);
	if (rc == 0)
		rc = gw_flush_locked(w, sys, fd, flags);
	while (rc == 0 && done < total) {
		size_t chunk = total - done;

		if (chunk > GSSWRAP_CHUNK)
			chunk = GSSWRAP_CHUNK;
		gw_iov_get(iov, n, done, w->scratch, chunk);
		rc = gw_seal(w, w->scratch, chunk, w->out, sizeof(w->out), why,
			     whylen);
		explicit_bzero(w->scratch, chunk);
		if (rc < 0)
			break;
		/* Wrapped and queued: these bytes are the connection's now. */
		w->out_len = (size_t)rc;
		w->out_off = 0;
		atomic_store(&w->queued, w->out_len);
		done += chunk;
		rc = gw_flush_locked(w, sys, fd, flags);
		/*
		 * A failure (not "try again") before any byte of the message went
		 * out: the message is dropped and its bytes not counted.
		 */
		if (rc < 0 && rc != -EAGAIN && rc != -EWOULDBLOCK &&
		    w->out_off == 0) {
			w->out_len = 0;
			atomic_store(&w->queued, 0);
			done -= chunk;
		}
	}
	pthread_mutex_unlock(&w->out_lock);
	if (done > 0 || rc == 0)
		return (ssize_t)done;
	return rc;
}

/*
 * GSS-API per-message protection of one proxied TCP connection (RFC 1961
 * section 5): once the proxy has selected integrity or confidentiality,
 * every byte after the subnegotiation, the SOCKS request and reply
 * included, travels as messages
 *
 *	+------+------+------+.......................+
 *	+ ver  | mtyp | len  |       token           |
 *	+------+------+------+.......................+
 *	+ 0x01 | 0x03 | 0x02 | up to 2^16 - 1 octets |
 *	+------+------+------+.......................+
 *
 * whose token is gss_wrap() of the user data.  A struct gsswrap holds the
 * security context and what the descriptor's I/O needs around it:
 *
 *  - an input buffer of received bytes that do not yet make a whole
 *    message, and the plaintext of the last message unwrapped that the
 *    program has not read yet (reads are served from it first; MSG_PEEK
 *    leaves it in place);
 *  - an output queue: the one wrapped message that the socket did not
 *    take whole.  A write wraps the program's bytes in messages of at most
 *    GSSWRAP_CHUNK bytes of plaintext; a message counts as written as soon
 *    as it is wrapped and queued, so a short write on a non-blocking socket
 *    reports the plaintext of the messages queued (never a part of one),
 *    keeps the rest of the last message, and sends it before anything else
 *    (the next write, read, readiness wait, shutdown or close).  Nothing
 *    is lost or sent twice.
 *
 * A failure to unwrap (a corrupted or replayed token, a message of another
 * type) is final: every later call on the connection fails with the same
 * errno (EIO, or ECONNRESET for an abort), as a reset would.
 *
 * Locking: the input side and the output side each have a mutex, held
 * across that side's socket call (a blocking read holds only the input
 * one, so another thread can write meanwhile); the GSS-API calls are made
 * under a third one, since a context is not safe to use from two threads
 * at once.  No function takes two of them but one side's and the context's,
 * in that order.  The object is shared by every descriptor of the socket
 * (conntab.h) and counted: gsswrap_put() of the last reference deletes the
 * context and wipes the buffers.  The GSS-API calls go through the table
 * of socks5_gssapi.h; socket I/O through the struct sx_sys passed in.
 */
#ifndef SX_GSSWRAP_H
#define SX_GSSWRAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "socks5_gssapi.h"
#include "sys.h"

/* The most plaintext one message carries when we write. */
#define GSSWRAP_CHUNK 16384

struct gsswrap;

/*
 * A protected connection over context ctx (taken over: deleted by the last
 * gsswrap_put()), with confidentiality when conf.  One reference.  NULL
 * when out of memory (ctx is then deleted).
 */
struct gsswrap *gsswrap_new(const struct socks5_gssapi_ops *ops, void *ctx,
			    bool conf);
/* One more reference. */
void gsswrap_hold(struct gsswrap *w);
/* One reference less; the last one deletes the context (NULL is fine). */
void gsswrap_put(struct gsswrap *w);
/*
 * In a forked child, which has one thread: the locks as new, whichever
 * threads of the parent held them at the fork.
 */
void gsswrap_after_fork(struct gsswrap *w);
/* True with confidentiality, false with integrity only. */
bool gsswrap_confidential(const struct gsswrap *w);

/*
 * Wrap len bytes (at most GSSWRAP_CHUNK) into one framed message in out
 * (cap bytes): the handshake's request.  Returns the message's length or
 * -errno with why filled.
 */
ssize_t gsswrap_seal(struct gsswrap *w, const uint8_t *in, size_t len,
		     uint8_t *out, size_t cap, char *why, size_t whylen);
/*
 * Write the bytes of iov (n entries) on fd as wrapped messages, sending
 * what the queue holds first.  flags are send()'s: MSG_DONTWAIT and
 * MSG_NOSIGNAL are passed on, MSG_MORE too.  Returns the plaintext bytes
 * taken, or -errno (-EAGAIN: the queue could not be emptied and nothing
 * was taken), with why filled for a failure of the mechanism.  A message
 * counts once queued; one that a socket error (EINTR included) met before
 * any of its bytes went out is dropped and not counted.
 */
ssize_t gsswrap_send(struct gsswrap *w, const struct sx_sys *sys, int fd,
		     const struct iovec *iov, size_t n, int flags, char *why,
		     size_t whylen);
/*
 * Send what the queue holds; flags as gsswrap_send().  0 when it is
 * empty, -EAGAIN when some remains, or -errno.
 */
int gsswrap_flush(struct gsswrap *w, const struct sx_sys *sys, int fd, int flags);
/*
 * Read unwrapped bytes into iov (n entries): the plaintext kept first,
 * then the next message, read whole.  flags are recv()'s: MSG_DONTWAIT,
 * MSG_PEEK (the bytes stay for the next read), MSG_WAITALL and MSG_TRUNC
 * (the bytes are dropped, not copied, as TCP does) are honoured.  Returns the bytes read, 0 at the end of the stream, or
 * -errno (-EAGAIN: no whole message yet), with why filled on the first
 * failure to unwrap (later calls return the same errno, why empty).
 */
ssize_t gsswrap_recv(struct gsswrap *w, const struct sx_sys *sys, int fd,
		     const struct iovec *iov, size_t n, int flags, char *why,
		     size_t whylen);
/*
 * Take in without blocking what fd has, and unwrap a whole message when
 * no plaintext is kept: for the readiness hooks.  True when a read would
 * not block now (plaintext kept, the end of the stream, or a failure to
 * report).  why is filled on a failure to unwrap.
 */
bool gsswrap_pull(struct gsswrap *w, const struct sx_sys *sys, int fd,
		  char *why, size_t whylen);
/* True when a read would not block now, without any I/O (no lock). */
bool gsswrap_readable(struct gsswrap *w);
/* True when wrapped bytes wait in the output queue (no lock). */
bool gsswrap_queued(struct gsswrap *w);
/* Unwrapped bytes kept, that a read returns at once (FIONREAD). */
size_t gsswrap_kept(struct gsswrap *w);

#endif

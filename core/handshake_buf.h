/*
 * The handshake's buffers: writing what is queued, reading the proxy's
 * answers, failing.  Internal to the handshake (handshake*.c).
 */
#ifndef SX_HANDSHAKE_BUF_H
#define SX_HANDSHAKE_BUF_H

#include <stddef.h>

#include "handshake.h"
#include "sys.h"

/* The reason given when the proxy closes during the handshake. */
extern const char hsbuf_closed_reason[];

/*
 * End hs with err (-errno) and a static reason; wipes what is queued (it
 * may hold the password) and lets go of any GSSAPI context or protection
 * (handshake_release()).  Returns err.
 */
int hsbuf_fail(struct handshake *hs, int err, const char *reason);
/* Write what is queued; 0 when all of it is out, SX_WANT_WRITE or -errno. */
int hsbuf_flush(struct handshake *hs, const struct sx_sys *sys, int fd);
/*
 * Read until hs->in holds need bytes, never more; 0 when it does,
 * SX_WANT_READ or -errno.
 */
int hsbuf_fill(struct handshake *hs, const struct sx_sys *sys, int fd, size_t need);
/* Drop the first n bytes of hs->in (the reply just decoded). */
void hsbuf_consume(struct handshake *hs, size_t n);

#endif

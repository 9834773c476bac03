/*
 * What the two files of the handshake share, and no other module uses:
 * handshake.c (the machine, and what the client sends) and
 * handshake_recv.c (the proxy's answers).  Both write and read through
 * handshake_buf.h, which also ends a failed exchange (hsbuf_fail()).
 */
#ifndef SX_HANDSHAKE_INT_H
#define SX_HANDSHAKE_INT_H

#include "handshake.h"
#include "sys.h"

/* Stands for the reason a scanned reply left in hs->scan.why. */
extern const char hs_scanned_reason[];

/* The state setter (hsbuf_fail() sets HS_FAILED itself). */
void hs_set_state(struct handshake *hs, int state);
/* Queue the request, or the authentication, as the next message. */
int hs_queue_request(struct handshake *hs);
int hs_queue_auth(struct handshake *hs);
/* The greeting's answer is in: the pipelined request's reply is timed. */
void hs_arm_probe(struct handshake *hs);
/* The answers: 0 when judged and the state moved on, a want, or -errno. */
int hs_recv_method(struct handshake *hs, const struct sx_sys *sys, int fd);
int hs_recv_auth(struct handshake *hs, const struct sx_sys *sys, int fd);
int hs_recv_reply(struct handshake *hs, const struct sx_sys *sys, int fd);

#endif

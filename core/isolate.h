/*
 * Stream isolation for Tor: with SOCKSIFY_ISOLATE=process every process
 * authenticates to its SOCKS5 proxy with a user name and password of its
 * own, so that Tor (IsolateSOCKSAuth, on by default) never puts the
 * streams of two processes on one circuit.  The user name is "<torS0X>0"
 * and the password a random token: Tor's extended SOCKS5 authentication
 * (proposal 351, Tor 0.4.9 and Arti) reads that pair as "isolate by the
 * password", and older Tor isolates by the whole pair, so both keep the
 * processes apart.
 *
 * State: one token per process.  It is set at init, before any hook uses
 * it, and made anew in a forked child (which has one thread then); an
 * exec'd program gets its own at its init.  No lock: no two threads ever
 * write it, and none reads it while it is written.
 */
#ifndef SX_ISOLATE_H
#define SX_ISOLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The user name of Tor's extended SOCKS5 authentication, format 0. */
#define ISOLATE_USER "<torS0X>0"
/* Random bytes in a token (it is sent as hex). */
#define ISOLATE_RANDOM_BYTES 16

/*
 * Make the token from n random bytes (ISOLATE_RANDOM_BYTES are used);
 * -EINVAL for fewer, and then no token is kept.
 */
int isolate_set_token(const uint8_t *random, size_t n);
/* Drop the token (its random source failed): isolated handshakes fail. */
void isolate_clear(void);
/* The token, as the SOCKS5 password, or NULL when there is none. */
const char *isolate_password(void);

#endif

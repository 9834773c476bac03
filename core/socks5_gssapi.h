/*
 * The GSSAPI method of SOCKS5 (RFC 1961) from the client's side: the
 * greeting that offers it, the security context establishment (tokens
 * framed by gssframe.h, as many round trips as the mechanism needs), and
 * the protection-level subnegotiation.  The GSS-API calls themselves
 * come through a table (struct socks5_gssapi_ops) that the preload layer
 * fills from the GSS-API library it loads on demand; unit tests pass
 * fakes.  core/ never loads a library itself.
 *
 * The protection level asked for and the ones taken follow
 * SOCKSIFY_GSSAPI_PROTECTION (config.h: none, integrity, confidentiality,
 * or any, which asks for confidentiality and takes what the proxy
 * selects); a level outside what the setting takes fails closed with one
 * line.  With integrity or confidentiality the context outlives the
 * exchange: it protects every later message of the connection, the SOCKS
 * request first (gsswrap.h).  UDP ASSOCIATE is refused before the context
 * is made, since RFC 1961 encapsulates datagrams, which socksify does
 * not; BIND is refused when the proxy selects protection.
 *
 * A struct socks5_gssapi belongs to one handshake (handshake.c), which
 * allocates it when the proxy selects the method and frees it when the
 * exchange ends: no lock.
 */
#ifndef SX_SOCKS5_GSSAPI_H
#define SX_SOCKS5_GSSAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "sys.h"

#define SOCKS5_METHOD_GSSAPI 0x01

/* Room for a failure's text: what failed and the GSS status text. */
#define SOCKS5_GSSAPI_WHY 240

/*
 * The GSS-API calls, each returning 0, -errno with why filled (the GSS
 * major and minor status text), or for init 1 (continue: the server's
 * next token is needed).  Output tokens are copied into out (cap bytes),
 * their length into *out_len; -EMSGSIZE when one does not fit.
 */
struct socks5_gssapi_ops {
	/*
	 * One call of gss_init_sec_context() towards target: a host-based
	 * service "service@host", or with principal a full principal name.
	 * *ctx is NULL at the first call (in_len 0) and the context after.
	 */
	int (*init)(void **ctx, const char *target, bool principal,
		    const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
		    size_t *out_len, char *why, size_t whylen);
	/*
	 * gss_wrap() of len bytes, with confidentiality when conf (a
	 * mechanism that did not apply it is a failure).
	 */
	int (*wrap)(void *ctx, bool conf, const uint8_t *in, size_t len,
		    uint8_t *out, size_t cap, size_t *out_len, char *why,
		    size_t whylen);
	/*
	 * gss_unwrap() of one token; *conf (when conf is not NULL) says
	 * whether it was encrypted.
	 */
	int (*unwrap)(void *ctx, const uint8_t *in, size_t len, uint8_t *out,
		      size_t cap, size_t *out_len, bool *conf, char *why,
		      size_t whylen);
	/* gss_delete_sec_context(); *ctx becomes NULL. */
	void (*drop)(void **ctx);
};

struct socks5_gssapi;
struct gsswrap;

/*
 * Use ops for every GSSAPI exchange from now on (NULL: none possible,
 * each fails with why_missing).  Set once at initialisation, before any
 * handshake runs.
 */
void socks5_gssapi_use(const struct socks5_gssapi_ops *ops);
/*
 * The greeting of a proxy configured for GSSAPI: methods X'01' and, with
 * a user name, X'02' after it.  Returns the bytes written or -ENOSPC.
 */
ssize_t socks5_gssapi_encode_greeting(uint8_t *buf, size_t cap, bool with_auth);
/* True when method is one that greeting offered. */
bool socks5_gssapi_offered(uint8_t method, bool with_auth);
/*
 * Start the exchange for command cmd (SOCKS5_CMD_*) through proxy p:
 * allocates *gs.  Returns 0 or -errno with why filled (no table, UDP,
 * no memory, a target name too long).
 */
int socks5_gssapi_start(struct socks5_gssapi **gs, const struct config_proxy *p,
			uint8_t cmd, char *why, size_t whylen);
/*
 * Advance the exchange on fd (non-blocking I/O through sys).  Returns 0
 * when it is complete and the SOCKS request may follow, SX_WANT_READ or
 * SX_WANT_WRITE, or -errno with why filled.
 */
int socks5_gssapi_step(struct socks5_gssapi *gs, const struct sx_sys *sys,
		       int fd, char *why, size_t whylen);
/*
 * Once the exchange is complete: the protection of the connection, with
 * the context taken over (*w NULL when the proxy selected none).  Returns
 * 0 or -ENOMEM with why filled.
 */
int socks5_gssapi_take_wrap(struct socks5_gssapi *gs, struct gsswrap **w,
			    char *why, size_t whylen);
/* Delete the context, wipe and free gs (NULL is fine). */
void socks5_gssapi_end(struct socks5_gssapi *gs);

#endif

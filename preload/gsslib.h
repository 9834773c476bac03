/*
 * The GSS-API library, loaded with dlopen() the first time a handshake
 * needs it, and only when SOCKSIFY_GSSAPI is set: programs that do not
 * use GSSAPI never load it.  gsslib_ops is the table core/socks5_gssapi.c
 * calls through.
 */
#ifndef SX_GSSLIB_H
#define SX_GSSLIB_H

#include "socks5_gssapi.h"

extern const struct socks5_gssapi_ops gsslib_ops;

#endif

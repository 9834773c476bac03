/*
 * The proxy URL: curl's socks schemes into struct config_proxy (declared
 * with the configuration it is part of).  proxyurl_parse() is pure and
 * never resolves a name; the loader resolves a host name once and stores
 * the address with proxyurl_set_addr().
 */
#ifndef SX_PROXYURL_H
#define SX_PROXYURL_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

/*
 * Parse a proxy URL into p (without resolving a host name).  On error fill
 * err (one line naming what is wrong, never the password), wipe p and
 * return -EINVAL.
 */
int proxyurl_parse(const char *url, struct config_proxy *p, char *err,
		   size_t errlen);
/*
 * The proxy's socket address: addr (4 or 16 bytes by family) with p's
 * port; scope only for IPv6.
 */
void proxyurl_set_addr(struct config_proxy *p, int family, const uint8_t *addr,
		       uint32_t scope);
/* Wipe p's password, so that no copy outlives the configuration. */
void proxyurl_wipe_password(struct config_proxy *p);

#endif

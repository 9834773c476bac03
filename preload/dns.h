/*
 * The resolver layer (hook_dns.c) as the other hook files see it.
 */
#ifndef SX_DNS_H
#define SX_DNS_H

#include <netdb.h>

/*
 * getaddrinfo() exactly as the hook answers it (fake addresses under
 * remote DNS, the hosts file, NO_PROXY names from the real resolver),
 * for callers inside the library that hold the guard: getaddrinfo_a() and
 * the res_query() family.  Returns what getaddrinfo() returns; errno is
 * meaningful only after EAI_SYSTEM.
 */
int dns_getaddrinfo_hooked(const char *node, const char *service,
			   const struct addrinfo *hints, struct addrinfo **res);

#endif

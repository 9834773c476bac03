/*
 * getaddrinfo() as the hook answers it, for the hooks and for callers
 * inside the library that hold the guard: getaddrinfo_a(), the res_query()
 * family, rcmd() and the Sun RPC clients.
 */
#ifndef SX_LOOKUP_H
#define SX_LOOKUP_H

#include <netdb.h>

/*
 * Answer as the getaddrinfo() hook answers (fake addresses under remote
 * DNS, the hosts file, NO_PROXY names from the real resolver).  Returns
 * what getaddrinfo() returns; errno is meaningful only after EAI_SYSTEM.
 */
int lookup_answer(const char *node, const char *service,
		  const struct addrinfo *hints, struct addrinfo **res);

#endif

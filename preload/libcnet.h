/*
 * Decisions for the network paths inside the C library (rcmd(), rexec()
 * and the Sun RPC clients): a destination is resolved as the getaddrinfo()
 * hook answers and routed as connect() routes; only one reached directly
 * may be used, since those paths cannot go through a SOCKS proxy.
 */
#ifndef SX_LIBCNET_H
#define SX_LIBCNET_H

#include <stddef.h>
#include <sys/socket.h>

/*
 * Route a connection or datagram of the C library's own (fn, socktype) to
 * sa, labelled host for the log: 0 when it may go directly, -errno with
 * one log line otherwise (why names what the proxy cannot carry).
 */
int libcnet_route(const char *fn, const char *host, const struct sockaddr *sa,
		  socklen_t len, int socktype, const char *why);

/*
 * Decide a connection of the C library's own (fn, socktype) to host (a
 * name or an address) on port (host order) in family af (AF_INET,
 * AF_INET6 or AF_UNSPEC): 0 when it may go directly, with text (cap
 * bytes) holding the first address in numeric form; -errno with one log
 * line otherwise.
 */
int libcnet_decide(const char *fn, const char *host, unsigned int port, int af,
		   int socktype, const char *why, char *text, size_t cap);

#endif

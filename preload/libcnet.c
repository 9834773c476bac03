/*
 * Network paths inside the C library that the other hooks cannot see: the
 * C library calls its own socket(), connect(), sendto(), getaddrinfo() and
 * resolver internally, never through the symbols this library interposes,
 * so each of these entry points is decided here, before the C library does
 * any of the work.
 *
 * This room holds the decision those entry points share (libcnet.h): the
 * hooks themselves are in hook_rcmd.c, hook_networks.c, hook_rpc_client.c
 * and hook_rpc_portmap.c.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <string.h>

#include "lookup.h"
#include "libcnet.h"
#include "log.h"
#include "preload.h"
#include "route.h"

/*
 * Route a connection or datagram of the C library's own (fn, socktype) to
 * sa, labelled host for the log: 0 when it may go directly, -errno with
 * one log line otherwise (why names what the proxy cannot carry).
 */
int
libcnet_route(const char *fn, const char *host, const struct sockaddr *sa,
	      socklen_t len, int socktype, const char *why)
{
	struct route r;
	unsigned int port;

	if (sa->sa_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	else
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	route_decide(&sx_cfg, sa, len, socktype, &r);
	if (r.action == ROUTE_DENY) {
		log_warn("refusing %s() to %s port %u: %s", fn, host, port, r.reason);
		return -r.error;
	}
	if (r.action == ROUTE_PROXY) {
		log_warn("refusing %s() to %s port %u: %s, which a SOCKS proxy cannot "
			 "carry (only destinations reached directly are allowed)",
			 fn, host, port, why);
		return -ENETUNREACH;
	}
	log_debug("direct %s() to %s port %u: %s", fn, host, port, r.reason);
	return 0;
}

/*
 * Decide a connection of the C library's own (fn, socktype) to host (a
 * name or an address) on port (host order) in family af (AF_INET,
 * AF_INET6 or AF_UNSPEC): 0 when it may go directly, with text (cap
 * bytes) holding the first address in numeric form; -errno with one log
 * line otherwise.
 */
int
libcnet_decide(const char *fn, const char *host, unsigned int port, int af,
	       int socktype, const char *why, char *text, size_t cap)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t len;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = af;
	hints.ai_socktype = socktype;
	rc = lookup_answer(host, NULL, &hints, &res);
	if (rc == EAI_FAMILY) {
		log_warn("refusing %s() to %s: address family %d", fn, host, af);
		return -EAFNOSUPPORT;
	}
	if (rc != 0) {
		log_warn("refusing %s() to %s: the name does not resolve (%s)", fn,
			 host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	len = res->ai_addrlen <= sizeof(ss) ? res->ai_addrlen : sizeof(ss);
	memcpy(&ss, res->ai_addr, len);
	real.freeaddrinfo(res);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	rc = libcnet_route(fn, host, (struct sockaddr *)&ss, len, socktype, why);
	if (rc < 0)
		return rc;
	rc = real.getnameinfo((struct sockaddr *)&ss, len, text, (socklen_t)cap,
			      NULL, 0, NI_NUMERICHOST);
	if (rc != 0) {
		log_warn("refusing %s() to %s: %s", fn, host, gai_strerror(rc));
		return -EINVAL;
	}
	return 0;
}


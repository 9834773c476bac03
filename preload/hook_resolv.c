/*
 * The resolver's packet interface: res_query(), res_search(),
 * res_querydomain() and res_send(), their res_n*() forms that take a
 * resolver state, and the __res_*() names programs built against older C
 * libraries were linked with (the same functions: both spellings are
 * hooked).  All of them send DNS queries themselves, through calls inside
 * the C library that no other hook sees, so under remote DNS they must
 * never reach the real functions.  The decisions and the messages:
 * resolv.c and core/dnsmsg.c.
 *
 * Under remote DNS (socks4a://, socks5h://, and with any invalid
 * configuration, when nothing may be resolved for real):
 *   - a question for an A or AAAA record of class IN is answered here with
 *     the addresses getaddrinfo() gives for the name (lookup.c): its
 *     fake address, or what the hosts file says.  The answer is a DNS
 *     message built here, so programs and tools that read the packet keep
 *     working, and a connect to the address goes to the proxy by name;
 *   - a PTR question for a fake address is answered with its name;
 *   - any other question (MX, TXT, SRV, PTR for other addresses, other
 *     classes, and anything res_send() is given that is not one plain
 *     query) fails closed: -1 with h_errno NO_RECOVERY (also in the
 *     state's res_h_errno) and errno ECONNREFUSED, as when no name server
 *     answers.  The first refusal is logged; the others only at debug
 *     level, so a program retrying in a loop cannot flood stderr.
 * A name NO_PROXY excludes (an address, for PTR) goes to the real
 * function, and so does every question under local DNS (socks4://,
 * socks5://).
 */
#include <errno.h>
#include <netdb.h>
#include <resolv.h>

/* Older C libraries name these as macros for the __res_*() functions. */
#undef res_query
#undef res_search
#undef res_querydomain
#undef res_send
#undef res_nquery
#undef res_nsearch
#undef res_nquerydomain
#undef res_nsend

#include "preload.h"
#include "resolv.h"

SX_EXPORT int
res_query(const char *name, int class, int type, unsigned char *answer,
	  int anslen)
{
	sx_ready();
	struct resolv_call c = {
		.kind = RESOLV_QUERY, .name = name, .class = class, .type = type,
		.answer = answer, .anslen = anslen,
	};

	return resolv_query_hook(&c);
}

SX_EXPORT int
res_search(const char *name, int class, int type, unsigned char *answer,
	   int anslen)
{
	sx_ready();
	struct resolv_call c = {
		.kind = RESOLV_SEARCH, .name = name, .class = class, .type = type,
		.answer = answer, .anslen = anslen,
	};

	return resolv_query_hook(&c);
}

SX_EXPORT int
res_querydomain(const char *name, const char *domain, int class, int type,
		unsigned char *answer, int anslen)
{
	sx_ready();
	struct resolv_call c = {
		.kind = RESOLV_QUERYDOMAIN, .name = name, .domain = domain,
		.class = class, .type = type, .answer = answer, .anslen = anslen,
	};

	return resolv_query_hook(&c);
}

SX_EXPORT int
res_send(const unsigned char *msg, int msglen, unsigned char *answer, int anslen)
{
	sx_ready();
	return resolv_send_hook(NULL, msg, msglen, answer, anslen);
}

SX_EXPORT int
res_nquery(res_state statp, const char *name, int class, int type,
	   unsigned char *answer, int anslen)
{
	sx_ready();
	struct resolv_call c = {
		.kind = RESOLV_QUERY, .statp = statp, .name = name,
		.class = class, .type = type, .answer = answer, .anslen = anslen,
	};

	return resolv_query_hook(&c);
}

SX_EXPORT int
res_nsearch(res_state statp, const char *name, int class, int type,
	    unsigned char *answer, int anslen)
{
	sx_ready();
	struct resolv_call c = {
		.kind = RESOLV_SEARCH, .statp = statp, .name = name,
		.class = class, .type = type, .answer = answer, .anslen = anslen,
	};

	return resolv_query_hook(&c);
}

SX_EXPORT int
res_nquerydomain(res_state statp, const char *name, const char *domain,
		 int class, int type, unsigned char *answer, int anslen)
{
	sx_ready();
	struct resolv_call c = {
		.kind = RESOLV_QUERYDOMAIN, .statp = statp, .name = name,
		.domain = domain, .class = class, .type = type, .answer = answer,
		.anslen = anslen,
	};

	return resolv_query_hook(&c);
}

SX_EXPORT int
res_nsend(res_state statp, const unsigned char *msg, int msglen,
	  unsigned char *answer, int anslen)
{
	sx_ready();
	return resolv_send_hook(statp, msg, msglen, answer, anslen);
}

/*
 * The names programs linked against glibc before 2.34 call (<resolv.h>
 * used to name them), declared as <resolv.h> declares the others.
 */
SX_EXPORT int __res_query(const char *, int, int, unsigned char *, int)
	__THROW __attribute__((alias("res_query")));
SX_EXPORT int __res_search(const char *, int, int, unsigned char *, int)
	__THROW __attribute__((alias("res_search")));
SX_EXPORT int __res_querydomain(const char *, const char *, int, int,
				unsigned char *, int)
	__THROW __attribute__((alias("res_querydomain")));
SX_EXPORT int __res_send(const unsigned char *, int, unsigned char *, int)
	__THROW __attribute__((alias("res_send")));
SX_EXPORT int __res_nquery(res_state, const char *, int, int, unsigned char *,
			   int)
	__THROW __attribute__((alias("res_nquery")));
SX_EXPORT int __res_nsearch(res_state, const char *, int, int, unsigned char *,
			    int)
	__THROW __attribute__((alias("res_nsearch")));
SX_EXPORT int __res_nquerydomain(res_state, const char *, const char *, int,
				 int, unsigned char *, int)
	__THROW __attribute__((alias("res_nquerydomain")));
SX_EXPORT int __res_nsend(res_state, const unsigned char *, int,
			  unsigned char *, int)
	__THROW __attribute__((alias("res_nsend")));

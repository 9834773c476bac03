/*
 * The bodies of the resolver's packet hooks (res_query(), res_search(),
 * res_querydomain(), res_send() and their res_n*() forms): the question
 * read from the call, the decision under remote DNS, the answer built
 * with core/dnsmsg.c, or the real function.
 */
#ifndef SX_RESOLV_H
#define SX_RESOLV_H

#include <netinet/in.h>
#include <resolv.h>

/* Which query function a call is. */
enum resolv_kind {
	RESOLV_QUERY,
	RESOLV_SEARCH,
	RESOLV_QUERYDOMAIN,
};

/* One call of res_query(), res_search(), res_querydomain() or their res_n*() forms. */
struct resolv_call {
	enum resolv_kind kind;
	struct __res_state *statp;	/* NULL: not an res_n*() form */
	const char *name;
	const char *domain;		/* res_querydomain() */
	int class;
	int type;
	unsigned char *answer;
	int anslen;
};

/* A query hook: the guard, then the answer (or the real function). */
int resolv_query_hook(const struct resolv_call *c);

/*
 * A send hook (statp NULL: res_send()): the guard, then the answer (or
 * the real function).
 */
int resolv_send_hook(struct __res_state *statp, const unsigned char *msg,
		     int msglen, unsigned char *answer, int anslen);

/*
 * The reply to one query message a program sends to a system nameserver
 * itself (localdns.c), built as res_send() builds it: the answer, a
 * NO_PROXY name through the real res_send(), and a refused question as a
 * reply of RCODE REFUSED (SERVFAIL when memory ran out).  Called with the
 * guard held.  The reply's length, or -EPROTO for a message that is not
 * one plain query (no reply is owed), -EMSGSIZE.
 */
int resolv_reply(const unsigned char *msg, size_t msglen, unsigned char *answer,
		 size_t anslen);

#endif

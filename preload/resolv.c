/*
 * What the resolver's packet hooks answer (see hook_resolv.c for the
 * rules).  A question is read from the call's arguments or, for res_send(),
 * from the message (core/dnsmsg.c); under remote DNS it is answered with a
 * message built here from the getaddrinfo() hook's addresses or a fake
 * address's name, passed to the real function when NO_PROXY excludes it,
 * or refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <resolv.h>
#include <string.h>

/* Older C libraries name these as macros for the __res_*() functions. */
#undef res_query
#undef res_search
#undef res_querydomain
#undef res_send
#undef res_nquery
#undef res_nsearch
#undef res_nquerydomain
#undef res_nsend

#include "dns.h"
#include "dnsmsg.h"
#include "fakeip.h"
#include "lookup.h"
#include "log.h"
#include "noproxy.h"
#include "preload.h"
#include "resolv.h"

/* resolv_decide()'s answers besides -errno. */
#define RESOLV_ANSWER 0

/* IDs of the messages res_query() and friends answer. */
static unsigned int resolv_next_id;

/* Set h_errno, and the state's copy for the res_n*() forms. */
static void
resolv_set_herr(struct __res_state *statp, int herr)
{
	h_errno = herr;
	if (statp)
		statp->res_h_errno = herr;
}

/* A PTR question: the name of a fake address. */
static int
resolv_decide_ptr(const struct dnsmsg_question *q, struct dnsmsg_answer *a)
{
	uint8_t addr[16];
	int family, rc;

	dnsmsg_answer_init(a, 0);
	if (dnsmsg_decode_reverse(q->name, &family, addr) < 0)
		return -ECONNREFUSED;
	if (dns_addr_excluded(family, addr))
		return SX_PASS;
	if (!fakeip_is_fake_raw(family, addr))
		return -ECONNREFUSED;
	rc = fakeip_lookup_raw(family, addr, a->name, sizeof(a->name));
	if (rc == -ENOENT) {
		a->rcode = DNSMSG_RCODE_NXDOMAIN;
		return RESOLV_ANSWER;
	}
	if (rc < 0)
		return -ECONNREFUSED;
	a->count = 1;
	return RESOLV_ANSWER;
}

/* An A or AAAA question: the addresses the getaddrinfo() hook gives. */
static int
resolv_decide_addr(const struct dnsmsg_question *q, struct dnsmsg_answer *a)
{
	struct addrinfo hints, *res = NULL;
	int family = dnsmsg_family(q);
	int rc;

	dnsmsg_answer_init(a, family);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	rc = lookup_answer(q->name, NULL, &hints, &res);
	if (rc == EAI_MEMORY)
		return -ENOMEM;
	if (rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_ADDRFAMILY)
		return RESOLV_ANSWER;	/* the name has no address of that family */
	if (rc != 0)
		return -ECONNREFUSED;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		const uint8_t *raw;

		if (ai->ai_family != family)
			continue;
		raw = dns_raw_addr(ai->ai_addr);
		if (dnsmsg_answer_add(a, raw) < 0)
			break;
	}
	real.freeaddrinfo(res);
	if (a->count > 0 && log_enabled(LOG_LEVEL_DEBUG)) {
		char text[INET6_ADDRSTRLEN];

		if (inet_ntop(family, a->addr[0], text, sizeof(text)))
			log_debug("DNS query %s (type %u) -> %s", q->name,
				  (unsigned)q->type, text);
	}
	return RESOLV_ANSWER;
}

/*
 * What to do with a question under remote DNS: RESOLV_ANSWER with a
 * filled, SX_PASS for the real function, or -ECONNREFUSED (refuse)
 * or -ENOMEM.  A NO_PROXY name passes whatever it asks.
 */
static int
resolv_decide(const struct dnsmsg_question *q, struct dnsmsg_answer *a)
{
	enum dnsmsg_kind kind = dnsmsg_classify(q);

	dnsmsg_answer_init(a, 0);
	if (q->name[0] == '\0')
		return -ECONNREFUSED;
	if (kind == DNSMSG_REVERSE)
		return resolv_decide_ptr(q, a);
	if (sx_cfg.valid && noproxy_matches(&sx_cfg, q->name, NULL, 0))
		return SX_PASS;
	if (kind != DNSMSG_ADDRESS)
		return -ECONNREFUSED;
	return resolv_decide_addr(q, a);
}
/* The real function behind a query call; fails closed when the C library lacks it. */
static int
resolv_call_real(const struct resolv_call *c)
{
	struct __res_state *s = c->statp;

	switch (c->kind) {
	case RESOLV_QUERY:
		if (s && real.res_nquery)
			return real.res_nquery(s, c->name, c->class, c->type,
					       c->answer, c->anslen);
		if (!s && real.res_query)
			return real.res_query(c->name, c->class, c->type,
					      c->answer, c->anslen);
		break;
	case RESOLV_SEARCH:
		if (s && real.res_nsearch)
			return real.res_nsearch(s, c->name, c->class, c->type,
						c->answer, c->anslen);
		if (!s && real.res_search)
			return real.res_search(c->name, c->class, c->type,
					       c->answer, c->anslen);
		break;
	case RESOLV_QUERYDOMAIN:
		if (s && real.res_nquerydomain)
			return real.res_nquerydomain(s, c->name, c->domain,
						     c->class, c->type,
						     c->answer, c->anslen);
		if (!s && real.res_querydomain)
			return real.res_querydomain(c->name, c->domain, c->class,
						    c->type, c->answer,
						    c->anslen);
		break;
	}
	resolv_set_herr(s, NO_RECOVERY);
	return sx_fail(ENOSYS);
}

/* The question of a query call: its name (joined with the domain for res_querydomain()). */
static int
resolv_question_of(const struct resolv_call *c, struct dnsmsg_question *q)
{
	char joined[NS_MAXDNAME];
	const char *name = c->name;

	memset(q, 0, sizeof(*q));
	if (!name)
		return -EINVAL;
	if (c->kind == RESOLV_QUERYDOMAIN && c->domain && c->domain[0]) {
		size_t n = strlen(name), d = strlen(c->domain);

		if (n + 1 + d >= sizeof(joined))
			return -EMSGSIZE;
		memcpy(joined, name, n);
		joined[n] = '.';
		memcpy(joined + n + 1, c->domain, d + 1);
		name = joined;
	}
	q->type = (uint16_t)c->type;
	q->class = (uint16_t)c->class;
	q->id = (uint16_t)__atomic_add_fetch(&resolv_next_id, 1, __ATOMIC_RELAXED);
	q->rd = true;
	return dnsmsg_set_name(q, name);
}

/* The body of every query hook; the guard is held. */
static int
resolv_query(const struct resolv_call *c, int saved_errno)
{
	struct dnsmsg_question q;
	struct dnsmsg_answer a;
	int rc, len;

	if (dns_local_resolution())
		return resolv_call_real(c);
	rc = resolv_question_of(c, &q);
	if (rc == -EMSGSIZE || rc == -ENAMETOOLONG) {
		resolv_set_herr(c->statp, NO_RECOVERY);
		return sx_fail(EMSGSIZE);
	}
	if (rc == 0 && c->type >= 0 && c->type <= 0xffff && c->class >= 0 &&
	    c->class <= 0xffff) {
		rc = resolv_decide(&q, &a);
	} else {
		if (rc < 0)
			strcpy(q.name, "(not a plain host name)");
		rc = -ECONNREFUSED;
	}
	if (rc == SX_PASS)
		return resolv_call_real(c);
	if (rc == -ECONNREFUSED)
		dnsmsg_log_refusal(&q);
	if (rc < 0) {
		resolv_set_herr(c->statp, rc == -ENOMEM ? NETDB_INTERNAL : NO_RECOVERY);
		return sx_fail((int)-rc);
	}
	len = (int)dnsmsg_encode_answer(c->answer, c->anslen > 0 ? (size_t)c->anslen : 0,
					&q, &a);
	if (len < 0) {
		resolv_set_herr(c->statp, NO_RECOVERY);
		return sx_fail(EMSGSIZE);
	}
	errno = saved_errno;
	if (a.rcode == DNSMSG_RCODE_NXDOMAIN) {
		resolv_set_herr(c->statp, HOST_NOT_FOUND);
		return -1;
	}
	if (a.count == 0) {
		resolv_set_herr(c->statp, NO_DATA);
		return -1;
	}
	resolv_set_herr(c->statp, NETDB_SUCCESS);
	return len;
}

int
resolv_query_hook(const struct resolv_call *c)
{
	int saved_errno = errno;
	int rc;

	if (sx_guarded())
		return resolv_call_real(c);
	sx_enter();
	rc = resolv_query(c, saved_errno);
	sx_leave();
	return rc;
}

/* The body of the send hooks; the guard is held.  statp NULL: res_send(). */
static int
resolv_send(struct __res_state *statp, const unsigned char *msg, int msglen,
	    unsigned char *answer, int anslen, int saved_errno)
{
	struct dnsmsg_question q;
	struct dnsmsg_answer a;
	int rc, len;

	memset(&q, 0, sizeof(q));
	if (dns_local_resolution())
		goto out_real;
	rc = -ECONNREFUSED;
	if (msglen > 0 && dnsmsg_decode_query(msg, (size_t)msglen, &q) > 0)
		rc = resolv_decide(&q, &a);
	else
		strcpy(q.name, "(not one plain query)");
	if (rc == SX_PASS)
		goto out_real;
	if (rc == -ECONNREFUSED)
		dnsmsg_log_refusal(&q);
	if (rc < 0) {
		resolv_set_herr(statp, NO_RECOVERY);
		return sx_fail((int)-rc);
	}
	len = (int)dnsmsg_encode_answer(answer, anslen > 0 ? (size_t)anslen : 0,
					&q, &a);
	if (len < 0) {
		resolv_set_herr(statp, NO_RECOVERY);
		return sx_fail(EMSGSIZE);
	}
	errno = saved_errno;
	return len;

out_real:
	if (statp && real.res_nsend)
		return real.res_nsend(statp, msg, msglen, answer, anslen);
	if (!statp && real.res_send)
		return real.res_send(msg, msglen, answer, anslen);
	resolv_set_herr(statp, NO_RECOVERY);
	return sx_fail(ENOSYS);
}

int
resolv_send_hook(struct __res_state *statp, const unsigned char *msg,
		 int msglen, unsigned char *answer, int anslen)
{
	int saved_errno = errno;
	int rc;

	if (sx_guarded()) {
		if (statp && real.res_nsend)
			return real.res_nsend(statp, msg, msglen, answer, anslen);
		if (!statp && real.res_send)
			return real.res_send(msg, msglen, answer, anslen);
		return sx_fail(ENOSYS);
	}
	sx_enter();
	rc = resolv_send(statp, msg, msglen, answer, anslen, saved_errno);
	sx_leave();
	return rc;
}

int
resolv_reply(const unsigned char *msg, size_t msglen, unsigned char *answer,
	     size_t anslen)
{
	struct dnsmsg_question q;
	struct dnsmsg_answer a;
	ssize_t len;
	int rc;

	if (msglen > INT_MAX || anslen > INT_MAX ||
	    dnsmsg_decode_query(msg, msglen, &q) <= 0)
		return -EPROTO;
	rc = resolv_decide(&q, &a);
	if (rc == SX_PASS && real.res_send) {
		rc = real.res_send(msg, (int)msglen, answer, (int)anslen);
		if (rc >= 0)
			return rc;
		log_debug("the real resolver had no answer for \"%s\"", q.name);
		rc = -ENOMEM;
	}
	if (rc == -ECONNREFUSED || rc == SX_PASS)
		dnsmsg_log_refusal(&q);
	if (rc != RESOLV_ANSWER) {
		dnsmsg_answer_init(&a, 0);
		a.rcode = rc == -ENOMEM ? DNSMSG_RCODE_SERVFAIL : DNSMSG_RCODE_REFUSED;
	}
	len = dnsmsg_encode_answer(answer, anslen, &q, &a);
	return len < 0 ? -EMSGSIZE : (int)len;
}

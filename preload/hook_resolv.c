/*
 * The resolver's packet interface: res_query(), res_search(),
 * res_querydomain() and res_send(), their res_n*() forms that take a
 * resolver state, and the __res_*() names programs built against older C
 * libraries were linked with (the same functions: both spellings are
 * hooked); and getaddrinfo_a().  All of them send DNS queries themselves,
 * through calls inside the C library that no other hook sees (glibc's
 * getaddrinfo_a() even from a thread of its own), so under remote DNS
 * they must never reach the real functions.
 *
 * Under remote DNS (socks4a://, socks5h://, and with any invalid
 * configuration, when nothing may be resolved for real):
 *   - a question for an A or AAAA record of class IN is answered here with
 *     the addresses getaddrinfo() gives for the name (hook_dns.c): its
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
 *
 * getaddrinfo_a() answers every request before it returns, through the
 * getaddrinfo() hook's logic, filling each gaicb's ar_result and its
 * result field.  glibc's gai_error() only reads that field, and its
 * gai_suspend() and gai_cancel() find no request of theirs under way
 * (EAI_ALLDONE), so those need no hook.  GAI_NOWAIT then notifies as the
 * sigevent asks, as the C library does once all requests are done:
 * SIGEV_SIGNAL queues the signal to the process, SIGEV_THREAD starts the
 * notification function in a new thread (the program asked for it).  The
 * notification can thus come before getaddrinfo_a() returns, as it can
 * with the C library when the lookups are quick.  Under local DNS the real
 * getaddrinfo_a() runs, asynchronously as ever; a NO_PROXY name under
 * remote DNS is resolved by the real getaddrinfo() before the return.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <resolv.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
#include "fakeip.h"
#include "log.h"
#include "noproxy.h"
#include "preload.h"

/*
 * A DNS message (RFC 1035 section 4.1):
 *
 *     +---------------------+
 *     |        Header       |
 *     +---------------------+
 *     |       Question      | the question for the name server
 *     +---------------------+
 *     |        Answer       | RRs answering the question
 *     +---------------------+
 *     |      Authority      | (none here)
 *     +---------------------+
 *     |      Additional     | (none here)
 *     +---------------------+
 *
 * The header (section 4.1.1):
 *
 *                                     1  1  1  1  1  1
 *       0  1  2  3  4  5  6  7  8  9  0  1  2  3  4  5
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *     |                      ID                       |
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *     |QR|   Opcode  |AA|TC|RD|RA|   Z    |   RCODE   |
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *     |                    QDCOUNT                    |
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *     |                    ANCOUNT                    |
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *     |                    NSCOUNT                    |
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *     |                    ARCOUNT                    |
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *
 * The question (section 4.1.2): QNAME as labels (a length byte, 1 to 63,
 * then that many bytes; a zero length ends the name, 255 bytes at most),
 * QTYPE (2 bytes), QCLASS (2 bytes).  An answer RR (section 4.1.3): NAME,
 * TYPE (2), CLASS (2), TTL (4), RDLENGTH (2), RDATA.  Here NAME is a
 * pointer to the question's name (section 4.1.4: the two top bits set,
 * then the offset, 12), and RDATA four address bytes (A), sixteen (AAAA,
 * RFC 3596) or a name (PTR, section 3.3.12).
 */
#define RESOLV_HDR_LEN 12
#define RESOLV_FLAG_QR 0x80		/* in the header's third byte */
#define RESOLV_FLAG_TC 0x02		/* in the third byte */
#define RESOLV_FLAG_RD 0x01		/* in the third byte */
#define RESOLV_FLAG_RA 0x80		/* in the fourth byte */
#define RESOLV_OPCODE_SHIFT 3
#define RESOLV_LABEL_MAX 63
#define RESOLV_WIRE_NAME_MAX 255
/* A name in text, without a trailing dot, whose labels fit 255 bytes. */
#define RESOLV_NAME_MAX (RESOLV_WIRE_NAME_MAX - 2)
#define RESOLV_PTR_TO_QUESTION 0xc0	/* then RESOLV_HDR_LEN */
#define RESOLV_TYPE_A 1
#define RESOLV_TYPE_PTR 12
#define RESOLV_TYPE_AAAA 28
#define RESOLV_CLASS_IN 1
#define RESOLV_RCODE_NOERROR 0
#define RESOLV_RCODE_NXDOMAIN 3
/* Fake addresses live as long as the process uses them: a short TTL. */
#define RESOLV_TTL 60
/* Addresses in one answer. */
#define RESOLV_ADDR_MAX 16

/* resolv_decide()'s answers besides -errno. */
#define RESOLV_ANSWER 0
#define RESOLV_PASS 1

/* The question of one call, in text. */
struct resolv_question {
	char name[RESOLV_NAME_MAX + 1];	/* no trailing dot; "" for the root */
	uint16_t type;
	uint16_t class;
	uint16_t id;
	bool rd;
	const uint8_t *wire;	/* res_send(): the question as sent, or NULL */
	size_t wire_len;
};

/* What to answer. */
struct resolv_answer {
	int rcode;
	size_t count;			/* answer RRs */
	size_t addr_len;		/* 4 (A) or 16 (AAAA); 0 for PTR */
	uint8_t addr[RESOLV_ADDR_MAX][16];
	char name[RESOLV_WIRE_NAME_MAX + 1];	/* PTR */
};

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

/* Set once the first refusal is logged. */
static int resolv_refusal_logged;
/* IDs of the messages res_query() and friends answer. */
static unsigned int resolv_next_id;

/* True when questions go to the real resolver: the user chose local DNS. */
static bool
resolv_local(void)
{
	return sx_cfg.valid && !sx_cfg.proxy.remote_dns;
}

static void
resolv_log_refusal(const struct resolv_question *q)
{
	if (__atomic_exchange_n(&resolv_refusal_logged, 1, __ATOMIC_RELAXED) == 0)
		log_warn("refusing a DNS query for \"%s\" (type %u): under remote DNS "
			 "only address questions are answered, and no query may "
			 "leave the machine (further refusals are logged at debug level)",
			 q->name, (unsigned)q->type);
	else
		log_debug("refusing a DNS query for \"%s\" (type %u)", q->name,
			  (unsigned)q->type);
}

/* Set h_errno, and the state's copy for the res_n*() forms. */
static void
resolv_set_herr(struct __res_state *statp, int herr)
{
	h_errno = herr;
	if (statp)
		statp->res_h_errno = herr;
}

/* A byte a name may hold here: printable, and no dot or escape inside a label. */
static bool
resolv_name_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '.' && c != '\\';
}

/*
 * Take name as the question's name: one trailing dot dropped, each label
 * 1 to 63 bytes of resolv_name_char(), 253 bytes in all.  -EMSGSIZE when
 * too long, -EINVAL otherwise.  "." and "" are the root, "".
 */
static int
resolv_set_name(struct resolv_question *q, const char *name)
{
	size_t n = strnlen(name, RESOLV_NAME_MAX + 2);
	size_t label = 0;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n > RESOLV_NAME_MAX)
		return -EMSGSIZE;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0)
				return -EINVAL;
			label = 0;
			continue;
		}
		if (!resolv_name_char(c) || ++label > RESOLV_LABEL_MAX)
			return -EINVAL;
	}
	if (n > 0 && label == 0)
		return -EINVAL;
	memcpy(q->name, name, n);
	q->name[n] = '\0';
	return 0;
}

/* Write name (checked by resolv_set_name()) as labels: bytes written or -EMSGSIZE. */
static int
resolv_put_name(uint8_t *out, size_t cap, const char *name)
{
	size_t n = 0;
	const char *p = name;

	while (*p) {
		size_t len = strcspn(p, ".");

		if (len == 0 || len > RESOLV_LABEL_MAX)
			return -EINVAL;
		if (cap - n < len + 1)
			return -EMSGSIZE;
		out[n++] = (uint8_t)len;
		memcpy(out + n, p, len);
		n += len;
		p += len;
		if (*p == '.')
			p++;
	}
	if (cap - n < 1)
		return -EMSGSIZE;
	out[n++] = 0;
	return (int)n;
}

static uint16_t
resolv_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Read the one question of a query message (see the layout above) into
 * q: -EINVAL for anything else (a response, another opcode, other than
 * one question, answer or authority records, compressed or odd names).
 * Additional records (an EDNS0 OPT) are left unread.
 */
static int
resolv_parse_query(const uint8_t *msg, size_t len, struct resolv_question *q)
{
	size_t off = RESOLV_HDR_LEN, n = 0;

	if (!msg || len < RESOLV_HDR_LEN)
		return -EINVAL;
	if ((msg[2] & RESOLV_FLAG_QR) || ((msg[2] >> RESOLV_OPCODE_SHIFT) & 0x0f) != 0)
		return -EINVAL;
	if (resolv_get16(msg + 4) != 1 || resolv_get16(msg + 6) != 0 ||
	    resolv_get16(msg + 8) != 0)
		return -EINVAL;
	for (;;) {
		size_t label;

		if (off >= len)
			return -EINVAL;
		label = msg[off++];
		if (label == 0)
			break;
		if (label > RESOLV_LABEL_MAX || label > len - off ||
		    n + label + 1 > RESOLV_NAME_MAX)
			return -EINVAL;
		if (n > 0)
			q->name[n++] = '.';
		for (size_t i = 0; i < label; i++) {
			if (!resolv_name_char(msg[off + i]))
				return -EINVAL;
			q->name[n++] = (char)msg[off + i];
		}
		off += label;
	}
	q->name[n] = '\0';
	if (len - off < 4)
		return -EINVAL;
	q->type = resolv_get16(msg + off);
	q->class = resolv_get16(msg + off + 2);
	off += 4;
	q->id = resolv_get16(msg);
	q->rd = msg[2] & RESOLV_FLAG_RD;
	q->wire = msg + RESOLV_HDR_LEN;
	q->wire_len = off - RESOLV_HDR_LEN;
	return 0;
}

/* A hex digit's value, or -1. */
static int
resolv_hex(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * The address a reverse name stands for: "d.c.b.a.in-addr.arpa" (RFC
 * 1035 section 3.5) or the 32 nibbles of "....ip6.arpa" (RFC 3596
 * section 2.5), lowest first.  -EINVAL for any other name.
 */
static int
resolv_parse_reverse(const char *name, int *family, uint8_t *addr)
{
	static const char v4[] = ".in-addr.arpa", v6[] = ".ip6.arpa";
	size_t n = strlen(name);

	if (n > sizeof(v4) - 1 &&
	    strcasecmp(name + n - (sizeof(v4) - 1), v4) == 0) {
		const char *p = name;

		for (int i = 3; i >= 0; i--) {
			unsigned int v = 0;
			size_t digits = strspn(p, "0123456789");

			if (digits == 0 || digits > 3 || p[digits] != '.')
				return -EINVAL;
			for (size_t d = 0; d < digits; d++)
				v = v * 10 + (unsigned int)(p[d] - '0');
			if (v > 255)
				return -EINVAL;
			addr[i] = (uint8_t)v;
			p += digits + 1;
		}
		if ((size_t)(p - 1 - name) != n - (sizeof(v4) - 1))
			return -EINVAL;
		*family = AF_INET;
		return 0;
	}
	if (n == 64 + sizeof(v6) - 2 &&
	    strcasecmp(name + 64 - 1, v6) == 0) {
		memset(addr, 0, 16);
		for (int i = 0; i < 32; i++) {
			int v = resolv_hex(name[2 * i]);

			if (v < 0 || name[2 * i + 1] != '.')
				return -EINVAL;
			addr[15 - i / 2] |= (uint8_t)(i % 2 ? v << 4 : v);
		}
		*family = AF_INET6;
		return 0;
	}
	return -EINVAL;
}

/* True when NO_PROXY excludes the raw address (family, 4 or 16 bytes). */
static bool
resolv_addr_excluded(int family, const uint8_t *addr)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (!sx_cfg.valid)
		return false;
	if (family == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		memcpy(&sin.sin_addr, addr, 4);
		return noproxy_matches(&sx_cfg, NULL, (struct sockaddr *)&sin,
				       sizeof(sin));
	}
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	memcpy(&sin6.sin6_addr, addr, 16);
	return noproxy_matches(&sx_cfg, NULL, (struct sockaddr *)&sin6,
			       sizeof(sin6));
}

/* A PTR question: the name of a fake address. */
static int
resolv_decide_ptr(const struct resolv_question *q, struct resolv_answer *a)
{
	uint8_t addr[16];
	int family, rc;

	if (resolv_parse_reverse(q->name, &family, addr) < 0)
		return -ECONNREFUSED;
	if (resolv_addr_excluded(family, addr))
		return RESOLV_PASS;
	if (!fakeip_is_fake_raw(family, addr))
		return -ECONNREFUSED;
	rc = fakeip_lookup_raw(family, addr, a->name, sizeof(a->name));
	if (rc == -ENOENT) {
		a->rcode = RESOLV_RCODE_NXDOMAIN;
		return RESOLV_ANSWER;
	}
	if (rc < 0)
		return -ECONNREFUSED;
	a->count = 1;
	return RESOLV_ANSWER;
}

/* An A or AAAA question: the addresses the getaddrinfo() hook gives. */
static int
resolv_decide_addr(const struct resolv_question *q, struct resolv_answer *a)
{
	struct addrinfo hints, *res = NULL;
	int family = q->type == RESOLV_TYPE_A ? AF_INET : AF_INET6;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	rc = dns_getaddrinfo_hooked(q->name, NULL, &hints, &res);
	if (rc == EAI_MEMORY)
		return -ENOMEM;
	if (rc == EAI_NONAME || rc == EAI_NODATA || rc == EAI_ADDRFAMILY)
		return RESOLV_ANSWER;	/* the name has no address of that family */
	if (rc != 0)
		return -ECONNREFUSED;
	a->addr_len = family == AF_INET ? 4 : 16;
	for (struct addrinfo *ai = res; ai && a->count < RESOLV_ADDR_MAX;
	     ai = ai->ai_next) {
		const uint8_t *raw;
		bool seen = false;

		if (ai->ai_family != family)
			continue;
		if (family == AF_INET)
			raw = (const uint8_t *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr;
		else
			raw = ((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr.s6_addr;
		for (size_t i = 0; i < a->count; i++) {
			if (memcmp(a->addr[i], raw, a->addr_len) == 0)
				seen = true;
		}
		if (!seen)
			memcpy(a->addr[a->count++], raw, a->addr_len);
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
 * filled, RESOLV_PASS for the real function, or -ECONNREFUSED (refuse)
 * or -ENOMEM.
 */
static int
resolv_decide(const struct resolv_question *q, struct resolv_answer *a)
{
	memset(a, 0, sizeof(*a));
	a->rcode = RESOLV_RCODE_NOERROR;
	if (q->name[0] == '\0')
		return -ECONNREFUSED;
	if (q->type == RESOLV_TYPE_PTR && q->class == RESOLV_CLASS_IN)
		return resolv_decide_ptr(q, a);
	if (sx_cfg.valid && noproxy_matches(&sx_cfg, q->name, NULL, 0))
		return RESOLV_PASS;
	if (q->class != RESOLV_CLASS_IN ||
	    (q->type != RESOLV_TYPE_A && q->type != RESOLV_TYPE_AAAA))
		return -ECONNREFUSED;
	return resolv_decide_addr(q, a);
}

/*
 * Build the response to q from a into out (see the layout above): its
 * length, or -EMSGSIZE when not even the question fits.  Answers that do
 * not fit are left out and TC is set.
 */
static int
resolv_build(const struct resolv_question *q, const struct resolv_answer *a,
	     uint8_t *out, size_t cap)
{
	size_t n = RESOLV_HDR_LEN, count = 0;
	uint8_t rdname[RESOLV_WIRE_NAME_MAX];
	size_t rdlen = a->addr_len;
	bool truncated = false;
	int rc;

	if (!out || cap < RESOLV_HDR_LEN)
		return -EMSGSIZE;
	if (q->wire) {
		if (cap - n < q->wire_len)
			return -EMSGSIZE;
		memcpy(out + n, q->wire, q->wire_len);
		n += q->wire_len;
	} else {
		rc = resolv_put_name(out + n, cap - n, q->name);
		if (rc < 0)
			return -EMSGSIZE;
		n += (size_t)rc;
		if (cap - n < 4)
			return -EMSGSIZE;
		out[n++] = (uint8_t)(q->type >> 8);
		out[n++] = (uint8_t)q->type;
		out[n++] = (uint8_t)(q->class >> 8);
		out[n++] = (uint8_t)q->class;
	}
	if (q->type == RESOLV_TYPE_PTR && a->count > 0) {
		rc = resolv_put_name(rdname, sizeof(rdname), a->name);
		if (rc < 0)
			return -EMSGSIZE;
		rdlen = (size_t)rc;
	}
	for (size_t i = 0; i < a->count; i++) {
		if (cap - n < 2 + 2 + 2 + 4 + 2 + rdlen) {
			truncated = true;
			break;
		}
		out[n++] = RESOLV_PTR_TO_QUESTION;
		out[n++] = RESOLV_HDR_LEN;
		out[n++] = (uint8_t)(q->type >> 8);
		out[n++] = (uint8_t)q->type;
		out[n++] = (uint8_t)(q->class >> 8);
		out[n++] = (uint8_t)q->class;
		out[n++] = (uint8_t)(RESOLV_TTL >> 24);
		out[n++] = (uint8_t)(RESOLV_TTL >> 16);
		out[n++] = (uint8_t)(RESOLV_TTL >> 8);
		out[n++] = (uint8_t)RESOLV_TTL;
		out[n++] = (uint8_t)(rdlen >> 8);
		out[n++] = (uint8_t)rdlen;
		memcpy(out + n, q->type == RESOLV_TYPE_PTR ? rdname : a->addr[i], rdlen);
		n += rdlen;
		count++;
	}
	out[0] = (uint8_t)(q->id >> 8);
	out[1] = (uint8_t)q->id;
	out[2] = RESOLV_FLAG_QR | (truncated ? RESOLV_FLAG_TC : 0) |
		 (q->rd ? RESOLV_FLAG_RD : 0);
	out[3] = RESOLV_FLAG_RA | (uint8_t)a->rcode;
	out[4] = 0;
	out[5] = 1;
	out[6] = (uint8_t)(count >> 8);
	out[7] = (uint8_t)count;
	out[8] = 0;
	out[9] = 0;
	out[10] = 0;
	out[11] = 0;
	return (int)n;
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
	errno = ENOSYS;
	return -1;
}

/* The question of a query call: its name (joined with the domain for res_querydomain()). */
static int
resolv_question_of(const struct resolv_call *c, struct resolv_question *q)
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
	return resolv_set_name(q, name);
}

/* The body of every query hook; the guard is held. */
static int
resolv_query(const struct resolv_call *c, int saved_errno)
{
	struct resolv_question q;
	struct resolv_answer a;
	int rc, len;

	if (resolv_local())
		return resolv_call_real(c);
	rc = resolv_question_of(c, &q);
	if (rc == -EMSGSIZE) {
		resolv_set_herr(c->statp, NO_RECOVERY);
		errno = EMSGSIZE;
		return -1;
	}
	if (rc == 0 && c->type >= 0 && c->type <= 0xffff && c->class >= 0 &&
	    c->class <= 0xffff) {
		rc = resolv_decide(&q, &a);
	} else {
		if (rc < 0)
			strcpy(q.name, "(not a plain host name)");
		rc = -ECONNREFUSED;
	}
	if (rc == RESOLV_PASS)
		return resolv_call_real(c);
	if (rc == -ECONNREFUSED)
		resolv_log_refusal(&q);
	if (rc < 0) {
		resolv_set_herr(c->statp, rc == -ENOMEM ? NETDB_INTERNAL : NO_RECOVERY);
		errno = -rc;
		return -1;
	}
	len = resolv_build(&q, &a, c->answer, c->anslen > 0 ? (size_t)c->anslen : 0);
	if (len < 0) {
		resolv_set_herr(c->statp, NO_RECOVERY);
		errno = EMSGSIZE;
		return -1;
	}
	errno = saved_errno;
	if (a.rcode == RESOLV_RCODE_NXDOMAIN) {
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

static int
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
	struct resolv_question q;
	struct resolv_answer a;
	int rc, len;

	memset(&q, 0, sizeof(q));
	if (resolv_local())
		goto out_real;
	rc = -ECONNREFUSED;
	if (msglen > 0 && resolv_parse_query(msg, (size_t)msglen, &q) == 0)
		rc = resolv_decide(&q, &a);
	else
		strcpy(q.name, "(not one plain query)");
	if (rc == RESOLV_PASS)
		goto out_real;
	if (rc == -ECONNREFUSED)
		resolv_log_refusal(&q);
	if (rc < 0) {
		resolv_set_herr(statp, NO_RECOVERY);
		errno = -rc;
		return -1;
	}
	len = resolv_build(&q, &a, answer, anslen > 0 ? (size_t)anslen : 0);
	if (len < 0) {
		resolv_set_herr(statp, NO_RECOVERY);
		errno = EMSGSIZE;
		return -1;
	}
	errno = saved_errno;
	return len;

out_real:
	if (statp && real.res_nsend)
		return real.res_nsend(statp, msg, msglen, answer, anslen);
	if (!statp && real.res_send)
		return real.res_send(msg, msglen, answer, anslen);
	resolv_set_herr(statp, NO_RECOVERY);
	errno = ENOSYS;
	return -1;
}

static int
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
		errno = ENOSYS;
		return -1;
	}
	sx_enter();
	rc = resolv_send(statp, msg, msglen, answer, anslen, saved_errno);
	sx_leave();
	return rc;
}

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

/* A SIGEV_THREAD notification: the function and its argument. */
struct resolv_notice {
	void (*fn)(union sigval);
	union sigval value;
};

static void *
resolv_notice_thread(void *arg)
{
	struct resolv_notice n;

	sx_ready();
	memcpy(&n, arg, sizeof(n));
	free(arg);
	n.fn(n.value);
	return NULL;
}

/* Notify that getaddrinfo_a()'s requests are done, as sev asks. */
static void
resolv_notify(const struct sigevent *sev)
{
	pthread_attr_t attr, *pattr = sev->sigev_notify_attributes;
	struct resolv_notice *n;
	pthread_t tid;
	int rc;

	if (sev->sigev_notify == SIGEV_SIGNAL) {
		if (sigqueue(getpid(), sev->sigev_signo, sev->sigev_value) < 0)
			log_warn("getaddrinfo_a(): cannot queue signal %d: %s",
				 sev->sigev_signo, strerror(errno));
		return;
	}
	if (sev->sigev_notify != SIGEV_THREAD || !sev->sigev_notify_function)
		return;
	n = malloc(sizeof(*n));
	if (!n) {
		log_warn("getaddrinfo_a(): out of memory for the notification thread");
		return;
	}
	n->fn = sev->sigev_notify_function;
	n->value = sev->sigev_value;
	if (!pattr) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pattr = &attr;
	}
	rc = pthread_create(&tid, pattr, resolv_notice_thread, n);
	if (pattr == &attr)
		pthread_attr_destroy(&attr);
	if (rc != 0) {
		free(n);
		log_warn("getaddrinfo_a(): cannot start the notification thread: %s",
			 strerror(rc));
	}
}

SX_EXPORT int
getaddrinfo_a(int mode, struct gaicb *list[], int nitems, struct sigevent *sevp)
{
	int saved_errno = errno;

	sx_ready();
	if (sx_guarded()) {
		if (real.getaddrinfo_a)
			return real.getaddrinfo_a(mode, list, nitems, sevp);
		errno = ENOSYS;
		return EAI_SYSTEM;
	}
	if (resolv_local() && real.getaddrinfo_a)
		return real.getaddrinfo_a(mode, list, nitems, sevp);
	if (mode != GAI_WAIT && mode != GAI_NOWAIT) {
		errno = EINVAL;
		return EAI_SYSTEM;
	}
	sx_enter();
	for (int i = 0; list && i < nitems; i++) {
		struct gaicb *cb = list[i];

		if (!cb)
			continue;
		cb->__return = dns_getaddrinfo_hooked(cb->ar_name, cb->ar_service,
						      cb->ar_request,
						      &cb->ar_result);
	}
	sx_leave();
	if (mode == GAI_NOWAIT && sevp)
		resolv_notify(sevp);
	errno = saved_errno;
	return 0;
}

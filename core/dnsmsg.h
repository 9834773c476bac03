/*
 * The DNS message codec the resolver's packet hooks speak (RFC 1035, RFC
 * 3596): reading the one question of a query, writing the answer to it
 * (A, AAAA, PTR, or none with an RCODE), and reading the address a
 * reverse name stands for.  Pure functions on byte buffers and strings, no
 * I/O, no state.  Encoders return bytes written or -ENOSPC / -EINVAL;
 * decoders return bytes consumed, 0 for "need more", or -EPROTO.
 */
#ifndef SX_DNSMSG_H
#define SX_DNSMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define DNSMSG_HDR_LEN 12
#define DNSMSG_LABEL_MAX 63
#define DNSMSG_WIRE_NAME_MAX 255
/* A name in text, without a trailing dot, whose labels fit 255 bytes. */
#define DNSMSG_NAME_MAX (DNSMSG_WIRE_NAME_MAX - 2)
#define DNSMSG_TYPE_A 1
#define DNSMSG_TYPE_PTR 12
#define DNSMSG_TYPE_MX 15
#define DNSMSG_TYPE_AAAA 28
#define DNSMSG_CLASS_IN 1
#define DNSMSG_RCODE_NOERROR 0
#define DNSMSG_RCODE_SERVFAIL 2
#define DNSMSG_RCODE_NXDOMAIN 3
#define DNSMSG_RCODE_REFUSED 5
/* Fake addresses live as long as the process uses them: a short TTL. */
#define DNSMSG_TTL 60
/* Addresses in one answer. */
#define DNSMSG_ADDR_MAX 16

/* The question of one message or call, in text. */
struct dnsmsg_question {
	char name[DNSMSG_NAME_MAX + 1];	/* no trailing dot; "" for the root */
	uint16_t type;
	uint16_t class;
	uint16_t id;
	bool rd;
	const uint8_t *wire;	/* the question as received, or NULL */
	size_t wire_len;
};

/* The answer to write: addresses (A, AAAA) or one name (PTR). */
struct dnsmsg_answer {
	int rcode;
	size_t count;			/* answer RRs */
	size_t addr_len;		/* 4 (A) or 16 (AAAA); 0 for PTR */
	uint8_t addr[DNSMSG_ADDR_MAX][16];
	char name[DNSMSG_WIRE_NAME_MAX + 1];	/* PTR */
};

/* What a question asks, as far as the codec can tell. */
enum dnsmsg_kind {
	DNSMSG_OTHER,		/* MX, TXT, SRV, other classes, the root */
	DNSMSG_ADDRESS,		/* A or AAAA of class IN */
	DNSMSG_REVERSE,		/* PTR of class IN */
};

/*
 * Decode the one question of a query message into q (wire points into
 * msg).  Bytes consumed (header and question; additional records such as
 * an EDNS0 OPT are left unread), 0 when msg ends inside the header or the
 * question, -EPROTO for anything but one plain query (a response, another
 * opcode, other than one question, answer or authority records,
 * compressed or odd names), -EINVAL for a NULL argument.
 */
ssize_t dnsmsg_decode_query(const uint8_t *msg, size_t len,
			    struct dnsmsg_question *q);

/*
 * Take name as q's name: one trailing dot dropped, each label 1 to 63
 * printable bytes without a backslash, 253 bytes in all.  0,
 * -ENAMETOOLONG, or -EINVAL.  "." and "" are the root, "".
 */
int dnsmsg_set_name(struct dnsmsg_question *q, const char *name);

/* Encode name (as dnsmsg_set_name() takes it) as labels. */
ssize_t dnsmsg_encode_name(uint8_t *out, size_t cap, const char *name);

/* What q asks (see enum dnsmsg_kind). */
enum dnsmsg_kind dnsmsg_classify(const struct dnsmsg_question *q);

/* The address family an A or AAAA question asks for (AF_INET, AF_INET6); 0 otherwise. */
int dnsmsg_family(const struct dnsmsg_question *q);

/*
 * Start an empty answer of RCODE NOERROR for addresses of family
 * (AF_INET, AF_INET6; 0 for a PTR answer).
 */
void dnsmsg_answer_init(struct dnsmsg_answer *a, int family);
/*
 * Log that question q is refused under remote DNS: a warning the first
 * time in the process, at debug level after that.
 */
void dnsmsg_log_refusal(const struct dnsmsg_question *q);

/*
 * Add an address (addr_len bytes) to a: 0 when added or already there,
 * -ENOSPC when a holds DNSMSG_ADDR_MAX already.
 */
int dnsmsg_answer_add(struct dnsmsg_answer *a, const uint8_t *addr);

/*
 * Encode the response to q carrying a.  Bytes written, -ENOSPC when not
 * even the header and the question fit (answers that do not fit are left
 * out and TC is set), -EINVAL for a name that cannot be encoded.
 */
ssize_t dnsmsg_encode_answer(uint8_t *out, size_t cap,
			     const struct dnsmsg_question *q,
			     const struct dnsmsg_answer *a);

/*
 * The address a reverse name stands for: "d.c.b.a.in-addr.arpa" (4 bytes
 * into addr, *family AF_INET) or the 32 nibbles of "...ip6.arpa" (16
 * bytes, AF_INET6), any case, no trailing dot.  Characters consumed
 * (the whole name), -EPROTO for any other name, -EINVAL for NULL.
 */
ssize_t dnsmsg_decode_reverse(const char *name, int *family, uint8_t *addr);

#endif

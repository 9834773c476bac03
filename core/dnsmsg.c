/*
 * The DNS message codec (see dnsmsg.h): the question of a query in, the
 * answer out, and reverse names read back into addresses.
 */
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dnsmsg.h"
#include "log.h"

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
 * The question (section 4.1.2):
 *
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *     /                     QNAME                     /
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *     |                     QTYPE                     |
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *     |                     QCLASS                    |
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *
 * QNAME is a sequence of labels (a length byte, 1 to 63, then that many
 * bytes; a zero length ends the name, 255 bytes at most).
 *
 * An answer RR (section 4.1.3):
 *
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *     /                      NAME                     /
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *     |                      TYPE                     |
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *     |                     CLASS                     |
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *     |                      TTL                      |
 *     |                                               |
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *     |                   RDLENGTH                    |
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--|
 *     /                     RDATA                     /
 *     +--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+--+
 *
 * Here NAME is a pointer to the question's name (section 4.1.4: the two
 * top bits set, then the offset, 12), and RDATA four address bytes (A),
 * sixteen (AAAA, RFC 3596) or a name (PTR, section 3.3.12).
 */
#define DNSMSG_FLAG_QR 0x80		/* in the header's third byte */
#define DNSMSG_FLAG_TC 0x02		/* in the third byte */
#define DNSMSG_FLAG_RD 0x01		/* in the third byte */
#define DNSMSG_FLAG_RA 0x80		/* in the fourth byte */
#define DNSMSG_OPCODE_SHIFT 3
#define DNSMSG_PTR_TO_QUESTION 0xc0	/* then DNSMSG_HDR_LEN */
/* NAME (a pointer), TYPE, CLASS, TTL and RDLENGTH of an answer RR. */
#define DNSMSG_RR_FIXED (2 + 2 + 2 + 4 + 2)

/* A byte a name may hold here: printable, and no dot or escape inside a label. */
static bool
dnsmsg_name_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && c != '.' && c != '\\';
}

static uint16_t
dnsmsg_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

ssize_t
dnsmsg_decode_query(const uint8_t *msg, size_t len, struct dnsmsg_question *q)
{
	size_t off = DNSMSG_HDR_LEN, n = 0;

	if (!msg || !q)
		return -EINVAL;
	if (len < DNSMSG_HDR_LEN)
		return 0;
	if ((msg[2] & DNSMSG_FLAG_QR) ||
	    ((msg[2] >> DNSMSG_OPCODE_SHIFT) & 0x0f) != 0)
		return -EPROTO;
	if (dnsmsg_get16(msg + 4) != 1 || dnsmsg_get16(msg + 6) != 0 ||
	    dnsmsg_get16(msg + 8) != 0)
		return -EPROTO;
	for (;;) {
		size_t label;

		if (off >= len)
			return 0;
		label = msg[off++];
		if (label == 0)
			break;
		/* A compression pointer (0xc0) is over 63 too: refused. */
		if (label > DNSMSG_LABEL_MAX || n + label + 1 > DNSMSG_NAME_MAX)
			return -EPROTO;
		if (label > len - off)
			return 0;
		if (n > 0)
			q->name[n++] = '.';
		for (size_t i = 0; i < label; i++) {
			if (!dnsmsg_name_char(msg[off + i]))
				return -EPROTO;
			q->name[n++] = (char)msg[off + i];
		}
		off += label;
	}
	q->name[n] = '\0';
	if (len - off < 4)
		return 0;
	q->type = dnsmsg_get16(msg + off);
	q->class = dnsmsg_get16(msg + off + 2);
	off += 4;
	q->id = dnsmsg_get16(msg);
	q->rd = msg[2] & DNSMSG_FLAG_RD;
	q->wire = msg + DNSMSG_HDR_LEN;
	q->wire_len = off - DNSMSG_HDR_LEN;
	return (ssize_t)off;
}

int
dnsmsg_set_name(struct dnsmsg_question *q, const char *name)
{
	size_t n, label = 0;

	if (!q || !name)
		return -EINVAL;
	n = strnlen(name, DNSMSG_NAME_MAX + 2);
	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n > DNSMSG_NAME_MAX)
		return -ENAMETOOLONG;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '.') {
			if (label == 0)
				return -EINVAL;
			label = 0;
			continue;
		}
		if (!dnsmsg_name_char(c) || ++label > DNSMSG_LABEL_MAX)
			return -EINVAL;
	}
	if (n > 0 && label == 0)
		return -EINVAL;
	memcpy(q->name, name, n);
	q->name[n] = '\0';
	return 0;
}

ssize_t
dnsmsg_encode_name(uint8_t *out, size_t cap, const char *name)
{
	size_t n = 0;
	const char *p = name;

	if (!out || !name)
		return -EINVAL;
	while (*p) {
		size_t len = strcspn(p, ".");

		if (len == 0 || len > DNSMSG_LABEL_MAX)
			return -EINVAL;
		if (n + 1 + len > DNSMSG_WIRE_NAME_MAX - 1)
			return -EINVAL;
		if (cap - n < len + 1)
			return -ENOSPC;
		out[n++] = (uint8_t)len;
		memcpy(out + n, p, len);
		n += len;
		p += len;
		if (*p == '.')
			p++;
	}
	if (cap - n < 1)
		return -ENOSPC;
	out[n++] = 0;
	return (ssize_t)n;
}

enum dnsmsg_kind
dnsmsg_classify(const struct dnsmsg_question *q)
{
	if (q->name[0] == '\0' || q->class != DNSMSG_CLASS_IN)
		return DNSMSG_OTHER;
	if (q->type == DNSMSG_TYPE_PTR)
		return DNSMSG_REVERSE;
	if (q->type == DNSMSG_TYPE_A || q->type == DNSMSG_TYPE_AAAA)
		return DNSMSG_ADDRESS;
	return DNSMSG_OTHER;
}

int
dnsmsg_family(const struct dnsmsg_question *q)
{
	if (q->type == DNSMSG_TYPE_A)
		return AF_INET;
	if (q->type == DNSMSG_TYPE_AAAA)
		return AF_INET6;
	return 0;
}

void
dnsmsg_answer_init(struct dnsmsg_answer *a, int family)
{
	memset(a, 0, sizeof(*a));
	a->rcode = DNSMSG_RCODE_NOERROR;
	if (family == AF_INET)
		a->addr_len = 4;
	else if (family == AF_INET6)
		a->addr_len = 16;
}

int
dnsmsg_answer_add(struct dnsmsg_answer *a, const uint8_t *addr)
{
	for (size_t i = 0; i < a->count; i++) {
		if (memcmp(a->addr[i], addr, a->addr_len) == 0)
			return 0;
	}
	if (a->count == DNSMSG_ADDR_MAX)
		return -ENOSPC;
	memcpy(a->addr[a->count++], addr, a->addr_len);
	return 0;
}

/* The question section of the response: as received, or encoded from q. */
static ssize_t
dnsmsg_encode_question(uint8_t *out, size_t cap, const struct dnsmsg_question *q)
{
	ssize_t rc;
	size_t n;

	if (q->wire) {
		if (cap < q->wire_len)
			return -ENOSPC;
		memcpy(out, q->wire, q->wire_len);
		return (ssize_t)q->wire_len;
	}
	rc = dnsmsg_encode_name(out, cap, q->name);
	if (rc < 0)
		return rc;
	n = (size_t)rc;
	if (cap - n < 4)
		return -ENOSPC;
	out[n++] = (uint8_t)(q->type >> 8);
	out[n++] = (uint8_t)q->type;
	out[n++] = (uint8_t)(q->class >> 8);
	out[n++] = (uint8_t)q->class;
	return (ssize_t)n;
}

ssize_t
dnsmsg_encode_answer(uint8_t *out, size_t cap, const struct dnsmsg_question *q,
		     const struct dnsmsg_answer *a)
{
	uint8_t rdname[DNSMSG_WIRE_NAME_MAX];
	size_t n = DNSMSG_HDR_LEN, count = 0, rdlen = a->addr_len;
	bool ptr = q->type == DNSMSG_TYPE_PTR;
	bool truncated = false;
	ssize_t rc;

	if (!out || cap < DNSMSG_HDR_LEN)
		return -ENOSPC;
	rc = dnsmsg_encode_question(out + n, cap - n, q);
	if (rc < 0)
		return rc;
	n += (size_t)rc;
	if (ptr && a->count > 0) {
		rc = dnsmsg_encode_name(rdname, sizeof(rdname), a->name);
		if (rc < 0)
			return -EINVAL;
		rdlen = (size_t)rc;
	}
	for (size_t i = 0; i < a->count; i++) {
		if (cap - n < DNSMSG_RR_FIXED + rdlen) {
			truncated = true;
			break;
		}
		out[n++] = DNSMSG_PTR_TO_QUESTION;
		out[n++] = DNSMSG_HDR_LEN;
		out[n++] = (uint8_t)(q->type >> 8);
		out[n++] = (uint8_t)q->type;
		out[n++] = (uint8_t)(q->class >> 8);
		out[n++] = (uint8_t)q->class;
		out[n++] = (uint8_t)(DNSMSG_TTL >> 24);
		out[n++] = (uint8_t)(DNSMSG_TTL >> 16);
		out[n++] = (uint8_t)(DNSMSG_TTL >> 8);
		out[n++] = (uint8_t)DNSMSG_TTL;
		out[n++] = (uint8_t)(rdlen >> 8);
		out[n++] = (uint8_t)rdlen;
		memcpy(out + n, ptr ? rdname : a->addr[i], rdlen);
		n += rdlen;
		count++;
	}
	out[0] = (uint8_t)(q->id >> 8);
	out[1] = (uint8_t)q->id;
	out[2] = DNSMSG_FLAG_QR | (truncated ? DNSMSG_FLAG_TC : 0) |
		 (q->rd ? DNSMSG_FLAG_RD : 0);
	out[3] = DNSMSG_FLAG_RA | (uint8_t)(a->rcode & 0x0f);
	out[4] = 0;
	out[5] = 1;
	out[6] = (uint8_t)(count >> 8);
	out[7] = (uint8_t)count;
	out[8] = 0;
	out[9] = 0;
	out[10] = 0;
	out[11] = 0;
	return (ssize_t)n;
}

/* A hex digit's value, or -1. */
static int
dnsmsg_hex(char c)
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
 * Reverse names (RFC 1035 section 3.5, RFC 3596 section 2.5): the address
 * written backwards, lowest part first, under a fixed suffix:
 *
 *     4.3.2.1.in-addr.arpa       for 1.2.3.4 (decimal bytes)
 *     1.0.0.0. ... .8.b.d.0.1.0.0.2.ip6.arpa
 *                                for 2001:db8::1 (32 hex nibbles)
 */
ssize_t
dnsmsg_decode_reverse(const char *name, int *family, uint8_t *addr)
{
	static const char v4[] = ".in-addr.arpa", v6[] = ".ip6.arpa";
	size_t n;

	if (!name || !family || !addr)
		return -EINVAL;
	n = strnlen(name, DNSMSG_NAME_MAX + 1);
	if (n > DNSMSG_NAME_MAX)
		return -EPROTO;
	if (n > sizeof(v4) - 1 &&
	    strcasecmp(name + n - (sizeof(v4) - 1), v4) == 0) {
		const char *p = name;
		uint8_t a[4];

		for (int i = 3; i >= 0; i--) {
			unsigned int v = 0;
			size_t digits = strspn(p, "0123456789");

			if (digits == 0 || digits > 3 || p[digits] != '.')
				return -EPROTO;
			for (size_t d = 0; d < digits; d++)
				v = v * 10 + (unsigned int)(p[d] - '0');
			if (v > 255)
				return -EPROTO;
			a[i] = (uint8_t)v;
			p += digits + 1;
		}
		if ((size_t)(p - 1 - name) != n - (sizeof(v4) - 1))
			return -EPROTO;
		memcpy(addr, a, 4);
		*family = AF_INET;
		return (ssize_t)n;
	}
	if (n == 64 + sizeof(v6) - 2 &&
	    strcasecmp(name + 64 - 1, v6) == 0) {
		uint8_t a[16];

		memset(a, 0, sizeof(a));
		for (int i = 0; i < 32; i++) {
			int v = dnsmsg_hex(name[2 * i]);

			if (v < 0 || name[2 * i + 1] != '.')
				return -EPROTO;
			a[15 - i / 2] |= (uint8_t)(i % 2 ? v << 4 : v);
		}
		memcpy(addr, a, 16);
		*family = AF_INET6;
		return (ssize_t)n;
	}
	return -EPROTO;
}

/* Set once the first refusal is logged. */
static int dnsmsg_refusal_logged;

void
dnsmsg_log_refusal(const struct dnsmsg_question *q)
{
	if (__atomic_exchange_n(&dnsmsg_refusal_logged, 1, __ATOMIC_RELAXED) == 0)
		log_warn("refusing a DNS query for \"%s\" (type %u): under remote DNS "
			 "only address questions are answered, and no query may "
			 "leave the machine (further refusals are logged at debug level)",
			 q->name, (unsigned)q->type);
	else
		log_debug("refusing a DNS query for \"%s\" (type %u)", q->name,
			  (unsigned)q->type);
}

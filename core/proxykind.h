/*
 * Proxy kinds: one descriptor per kind of proxy the configuration can
 * name (socks4, socks4a, socks5, socks5h, http), saying what routing, UDP,
 * BIND, DNS and init need to know about it without looking at its wire
 * format: its name and default port, who resolves host names, what it can
 * carry, and the steps the handshake state machine (handshake.c) calls to
 * encode the client's messages and decode the proxy's answers.  Only the
 * codec behind the steps (socks4.c, socks5.c, httpconnect.c) knows the
 * bytes.  A new kind is a codec with its steps and one row of the table in
 * proxykind.c.  The table is constant: no state, no lock.
 */
#ifndef SX_PROXYKIND_H
#define SX_PROXYKIND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"
#include "sx.h"

/* Who turns a host name into an address. */
enum proxykind_resolver {
	PROXYKIND_RESOLVES_CLIENT,	/* this library, before the request */
	PROXYKIND_RESOLVES_PROXY,	/* the proxy: names go in the request */
};

/* What one answer of the proxy says, filled in by a decoding step. */
struct proxykind_answer {
	int error;		/* 0, or the -errno the answer stands for */
	const char *reason;	/* with error: static text, never a secret */
	uint8_t code;		/* the proxy's reply code (HTTP: the status class) */
	bool auth_next;		/* greeting answer: authentication comes next */
	bool gssapi_next;	/* greeting answer: the GSSAPI exchange comes next */
	struct sx_endpoint bnd;	/* reply: the address the proxy names */
};

/*
 * What a scanning reply step keeps between the pieces of one reply it is
 * shown (a reply whose end only its text tells, as the empty line that
 * ends an HTTP response header).  The handshake owns it and zeroes it
 * before the reply; only the codec reads or writes its fields.
 */
struct proxykind_scan {
	uint32_t seen;		/* bytes of the reply taken so far */
	bool done;		/* the reply is complete and judged */
	bool at_line_start;	/* the last byte taken ended a line */
	bool line_done;		/* the first line is complete */
	uint16_t line_len;	/* bytes of the first line kept */
	uint16_t status;	/* the status the first line gives */
	char line[128];		/* the first line, cut to fit */
	char why[160];		/* the refusal in words, for the log */
};

/*
 * The handshake's steps for one kind.  Encoders write into buf (cap bytes)
 * and return the bytes written or -errno (-ENAMETOOLONG for a name too
 * long for the wire); decoders return the bytes consumed, 0 for "need
 * more", or -EPROTO for bytes that are not an answer, and fill *a.  A kind
 * without a greeting (the request opens the exchange) has greeting NULL,
 * and then no greeting_answer, auth or auth_answer either.
 */
struct proxykind_steps {
	ssize_t (*greeting)(uint8_t *buf, size_t cap, const struct config_proxy *p);
	ssize_t (*greeting_answer)(const uint8_t *buf, size_t len,
				   const struct config_proxy *p,
				   struct proxykind_answer *a);
	ssize_t (*auth)(uint8_t *buf, size_t cap, const struct config_proxy *p);
	ssize_t (*auth_answer)(const uint8_t *buf, size_t len,
			       struct proxykind_answer *a);
	ssize_t (*request)(uint8_t *buf, size_t cap, const struct config_proxy *p,
			   uint8_t cmd, const struct sx_endpoint *dst);
	/*
	 * How many bytes to hold before reply can decode what buf (len
	 * bytes so far) starts: never more than the reply's own length, so
	 * no byte after it is read.  With len 0, the reply's smallest prefix.
	 */
	size_t (*reply_need)(const uint8_t *buf, size_t len);
	ssize_t (*reply)(const uint8_t *buf, size_t len, struct proxykind_answer *a);
	/*
	 * In place of reply_need and reply, for a reply whose length only a
	 * scan of its text tells: shown the len bytes that have arrived
	 * (peeked, still in the socket), it returns how many of them belong
	 * to the reply, to be taken, and sets s->done with *a filled once the
	 * reply is complete; -EPROTO (a->reason says why) for bytes that are
	 * not a reply.  No byte after the reply is ever counted.
	 */
	ssize_t (*reply_scan)(struct proxykind_scan *s, const uint8_t *buf,
			      size_t len, const struct config_proxy *p,
			      struct proxykind_answer *a);
	uint8_t greeting_answer_len;	/* fixed length of the greeting's answer */
	uint8_t auth_answer_len;	/* fixed length of the authentication's answer */
};

struct proxykind {
	const char *name;		/* the URL scheme: "socks5h" */
	const char *protocol;		/* for messages: "SOCKS5" */
	uint16_t default_port;
	int resolver;			/* enum proxykind_resolver */
	bool carries_udp;		/* UDP ASSOCIATE */
	bool carries_bind;		/* BIND: a connection back from the peer */
	bool carries_ipv6;		/* IPv6 destinations */
	bool carries_names;		/* host-name destinations */
	bool pipelines;			/* greeting, auth and request in one write */
	const struct proxykind_steps *steps;
	/* Why a request it cannot carry is refused (static, one line each). */
	const char *refuse_command;
	const char *refuse_udp;		/* NULL: refuse_command says it */
	const char *refuse_ipv6;
	const char *refuse_names;
};

/*
 * The kind of a parsed proxy (never NULL: a proxy the table does not know,
 * as in a configuration that failed to parse, gets the default kind).
 */
const struct proxykind *proxykind_of(const struct config_proxy *p);
/* The kind named by scheme (len bytes, case-insensitive), or NULL. */
const struct proxykind *proxykind_find(const char *scheme, size_t len);
/* True when the kind takes destinations given by host name remotely. */
bool proxykind_resolves_remotely(const struct proxykind *k);
/*
 * True when the kind can carry cmd (SOCKS5_CMD_* numbers: CONNECT, BIND,
 * UDP ASSOCIATE) to a destination of type atyp (SX_ATYP_*); false names
 * the refusal's errno in *err (-EOPNOTSUPP, -EAFNOSUPPORT) and why in *why.
 */
bool proxykind_can_carry(const struct proxykind *k, uint8_t cmd, uint8_t atyp,
			 int *err, const char **why);

#endif

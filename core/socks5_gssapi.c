/*
 * The GSSAPI method of SOCKS5, RFC 1961 (see socks5_gssapi.h).
 *
 *   client                                   proxy
 *   VER NMETHODS X'01' [X'02']          ->
 *                                       <-   VER X'01'
 *   01 01 LEN token (gss_init_sec_context) ->
 *                                       <-   01 01 LEN token, as long as the
 *   01 01 LEN token ...                 ->   mechanism needs (or 01 FF: refused)
 *   01 02 LEN gss_wrap(level)           ->
 *                                       <-   01 02 LEN gss_wrap(level chosen)
 *   the SOCKS request, as without authentication (level 0), or in
 *   01 03 LEN gss_wrap(request) messages (levels 1 and 2, gsswrap.h)
 *
 * Each message is read whole and no further (gssframe_need()), so no
 * byte of what follows it is taken.  With no per-message protection the
 * context is deleted when the exchange ends; with protection it passes
 * to the connection (socks5_gssapi_take_wrap()).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gssframe.h"
#include "gsswrap.h"
#include "socks5.h"
#include "socks5_gssapi.h"
#include "sx.h"
#include "text.h"

enum gs_state {
	GS_SEND_TOKEN,		/* a context token is queued */
	GS_RECV_TOKEN,		/* the server's next context token */
	GS_SEND_LEVEL,		/* the protection level asked for is queued */
	GS_RECV_LEVEL,		/* the level the server selected */
	GS_DONE,
};

/* The longest message either way: the head and the longest token. */
#define GS_MSG_MAX (GSSFRAME_HEAD + GSSFRAME_TOKEN_MAX)

struct socks5_gssapi {
	int state;
	bool complete;		/* gss_init_sec_context() said so */
	bool principal;		/* target is a full principal name */
	uint8_t cmd;		/* the SOCKS command that follows */
	int prot;		/* CONFIG_GSS_PROT_*: what to ask and take */
	uint8_t level;		/* the level the proxy selected */
	void *ctx;
	char target[512];	/* "service@host" or the principal */
	size_t out_len, out_off;
	size_t in_len;
	uint8_t out[GS_MSG_MAX];
	uint8_t in[GS_MSG_MAX];
	uint8_t token[GSSFRAME_TOKEN_MAX];
};

static const struct socks5_gssapi_ops *gs_ops;

void
socks5_gssapi_use(const struct socks5_gssapi_ops *ops)
{
	gs_ops = ops;
}

ssize_t
socks5_gssapi_encode_greeting(uint8_t *buf, size_t cap, bool with_auth)
{
	size_t n = 0;

	if (cap < (with_auth ? 4u : 3u))
		return -ENOSPC;
	buf[n++] = SOCKS5_VER;
	buf[n++] = with_auth ? 2 : 1;
	buf[n++] = SOCKS5_METHOD_GSSAPI;
	if (with_auth)
		buf[n++] = SOCKS5_METHOD_USERPASS;
	return (ssize_t)n;
}

bool
socks5_gssapi_offered(uint8_t method, bool with_auth)
{
	return method == SOCKS5_METHOD_GSSAPI ||
	       (with_auth && method == SOCKS5_METHOD_USERPASS);
}

int
socks5_gssapi_start(struct socks5_gssapi **gs, const struct config_proxy *p,
		    uint8_t cmd, char *why, size_t whylen)
{
	struct socks5_gssapi *g;
	const char *svc = p->gss_service;
	int n;

	*gs = NULL;
	if (cmd == SOCKS5_CMD_UDP_ASSOCIATE) {
		text_set_err(why, whylen, "UDP through a proxy that uses GSSAPI "
			     "authentication is not supported (its datagrams "
			     "would need RFC 1961 encapsulation)");
		return -EOPNOTSUPP;
	}
	if (gs_ops == NULL) {
		text_set_err(why, whylen, "GSSAPI authentication is not available");
		return -ENOPROTOOPT;
	}
	g = calloc(1, sizeof(*g));
	if (g == NULL) {
		text_set_err(why, whylen, "no memory for the GSSAPI exchange");
		return -ENOMEM;
	}
	g->principal = strchr(svc, '/') != NULL;
	if (g->principal)
		n = snprintf(g->target, sizeof(g->target), "%s", svc);
	else
		n = snprintf(g->target, sizeof(g->target), "%s@%s", svc, p->host);
	if (n < 0 || (size_t)n >= sizeof(g->target)) {
		free(g);
		text_set_err(why, whylen, "GSSAPI service name too long");
		return -ENAMETOOLONG;
	}
	g->cmd = cmd;
	g->prot = p->gss_protection;
	g->state = GS_RECV_TOKEN;	/* the first init call has no input */
	*gs = g;
	return 0;
}

void
socks5_gssapi_end(struct socks5_gssapi *gs)
{
	if (gs == NULL)
		return;
	if (gs->ctx != NULL && gs_ops != NULL)
		gs_ops->drop(&gs->ctx);
	explicit_bzero(gs, sizeof(*gs));
	free(gs);
}

/* Frame len bytes of gs->token as a message of type mtyp in gs->out. */
static int
gs_queue(struct socks5_gssapi *gs, uint8_t mtyp, size_t len, char *why,
	 size_t whylen)
{
	ssize_t n = gssframe_encode(gs->out, sizeof(gs->out), mtyp, gs->token, len);

	if (n < 0) {
		text_set_err(why, whylen, "GSSAPI token too long for RFC 1961");
		return (int)n;
	}
	gs->out_len = (size_t)n;
	gs->out_off = 0;
	return 0;
}

/* Write what is queued; 0 when all of it is out. */
static int
gs_flush(struct socks5_gssapi *gs, const struct sx_sys *sys, int fd, char *why,
	 size_t whylen)
{
	while (gs->out_off < gs->out_len) {
		ssize_t n = sys->send(fd, gs->out + gs->out_off,
				      gs->out_len - gs->out_off,
				      MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return SX_WANT_WRITE;
			text_set_err(why, whylen, "GSSAPI authentication: %s",
				     strerror(errno));
			return -errno;
		}
		gs->out_off += (size_t)n;
	}
	return 0;
}

/*
 * Read one whole message of type mtyp into gs->in and decode it into *f;
 * 0 when it is there.
 */
static int
gs_recv(struct socks5_gssapi *gs, const struct sx_sys *sys, int fd,
	uint8_t mtyp, struct gssframe *f, char *why, size_t whylen)
{
	ssize_t n;

	for (;;) {
		size_t need = gssframe_need(gs->in, gs->in_len);

		if (gs->in_len >= need)
			break;
		n = sys->recv(fd, gs->in + gs->in_len, need - gs->in_len,
			      MSG_DONTWAIT);
		if (n == 0) {
			text_set_err(why, whylen, "proxy closed the connection "
				     "during GSSAPI authentication");
			return -ECONNRESET;
		}
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return SX_WANT_READ;
			text_set_err(why, whylen, "GSSAPI authentication: %s",
				     strerror(errno));
			return -errno;
		}
		gs->in_len += (size_t)n;
	}
	n = gssframe_decode(gs->in, gs->in_len, mtyp, f);
	if (n <= 0) {
		text_set_err(why, whylen, "proxy sent a malformed GSSAPI message");
		return -EPROTO;
	}
	gs->in_len = 0;
	if (f->mtyp == GSSFRAME_ABORT) {
		text_set_err(why, whylen, "proxy refused the GSSAPI authentication "
			     "(it sent an abort message)");
		return -EACCES;
	}
	return 0;
}

/* Wrap the protection level asked for and queue it. */
static int
gs_queue_level(struct socks5_gssapi *gs, char *why, size_t whylen)
{
	uint8_t level = GSSFRAME_LEVEL_CONFIDENTIALITY;
	size_t len = 0;
	int rc;

	/* "any" asks for the most and takes what the proxy selects. */
	if (gs->prot == CONFIG_GSS_PROT_NONE)
		level = GSSFRAME_LEVEL_CLEAR;
	else if (gs->prot == CONFIG_GSS_PROT_INTEGRITY)
		level = GSSFRAME_LEVEL_INTEGRITY;

	/* RFC 1961 4.4: the level is wrapped without confidentiality. */
	rc = gs_ops->wrap(gs->ctx, false, &level, 1, gs->token,
			  sizeof(gs->token), &len, why, whylen);
	if (rc < 0)
		return rc;
	rc = gs_queue(gs, GSSFRAME_PROTECTION, len, why, whylen);
	if (rc < 0)
		return rc;
	gs->state = GS_SEND_LEVEL;
	return 0;
}

/* One call of init with the server's token (none the first time). */
static int
gs_init(struct socks5_gssapi *gs, const uint8_t *in, size_t in_len, char *why,
	size_t whylen)
{
	size_t len = 0;
	int rc;

	rc = gs_ops->init(&gs->ctx, gs->target, gs->principal, in, in_len,
			  gs->token, sizeof(gs->token), &len, why, whylen);
	if (rc < 0)
		return rc;
	gs->complete = rc == 0;
	if (len > 0) {
		rc = gs_queue(gs, GSSFRAME_AUTH, len, why, whylen);
		if (rc < 0)
			return rc;
		gs->state = GS_SEND_TOKEN;
		return 0;
	}
	if (!gs->complete) {
		text_set_err(why, whylen, "GSSAPI wants another token but gave "
			     "none to send");
		return -EPROTO;
	}
	return gs_queue_level(gs, why, whylen);
}

/* True when level is one that the setting asked for takes. */
static bool
gs_level_taken(int prot, uint8_t level)
{
	switch (prot) {
	case CONFIG_GSS_PROT_NONE:
		return level == GSSFRAME_LEVEL_CLEAR;
	case CONFIG_GSS_PROT_INTEGRITY:
		return level == GSSFRAME_LEVEL_INTEGRITY ||
		       level == GSSFRAME_LEVEL_CONFIDENTIALITY;
	case CONFIG_GSS_PROT_CONFIDENTIALITY:
		return level == GSSFRAME_LEVEL_CONFIDENTIALITY;
	default:
		return level <= GSSFRAME_LEVEL_CONFIDENTIALITY;
	}
}

/* The word of SOCKSIFY_GSSAPI_PROTECTION for a setting. */
static const char *
gs_prot_name(int prot)
{
	static const char *const names[] = {
		"none", "integrity", "confidentiality", "any",
	};

	if (prot < 0 || prot >= (int)(sizeof(names) / sizeof(names[0])))
		return "?";
	return names[prot];
}

/* The level the server selected: none, integrity or confidentiality. */
static int
gs_judge_level(struct socks5_gssapi *gs, const struct gssframe *f, char *why,
	       size_t whylen)
{
	uint8_t level[16];
	size_t len = 0;
	int rc;

	rc = gs_ops->unwrap(gs->ctx, f->token, f->len, level, sizeof(level),
			    &len, NULL, why, whylen);
	if (rc < 0)
		return rc;
	if (len != 1) {
		text_set_err(why, whylen, "proxy sent a protection level of %zu bytes",
			     len);
		return -EPROTO;
	}
	if (level[0] == GSSFRAME_LEVEL_SELECTIVE) {
		text_set_err(why, whylen, "proxy selected GSSAPI per-message "
			     "protection chosen message by message, which "
			     "socksify does not carry");
		return -EPROTONOSUPPORT;
	}
	if (!gs_level_taken(gs->prot, level[0])) {
		text_set_err(why, whylen, "proxy selected GSSAPI %s for the "
			     "connection; SOCKSIFY_GSSAPI_PROTECTION is %s",
			     gssframe_level_name(level[0]), gs_prot_name(gs->prot));
		return -EPROTONOSUPPORT;
	}
	if (level[0] != GSSFRAME_LEVEL_CLEAR && gs->cmd != SOCKS5_CMD_CONNECT) {
		text_set_err(why, whylen, "proxy selected GSSAPI %s, which socksify "
			     "carries on CONNECT only, not on BIND",
			     gssframe_level_name(level[0]));
		return -EOPNOTSUPP;
	}
	gs->level = level[0];
	return 0;
}

int
socks5_gssapi_take_wrap(struct socks5_gssapi *gs, struct gsswrap **w,
			char *why, size_t whylen)
{
	*w = NULL;
	if (gs->state != GS_DONE || gs->level == GSSFRAME_LEVEL_CLEAR)
		return 0;
	*w = gsswrap_new(gs_ops, gs->ctx,
			 gs->level == GSSFRAME_LEVEL_CONFIDENTIALITY);
	gs->ctx = NULL;
	if (*w == NULL) {
		text_set_err(why, whylen, "no memory for GSSAPI protection");
		return -ENOMEM;
	}
	return 0;
}

int
socks5_gssapi_step(struct socks5_gssapi *gs, const struct sx_sys *sys, int fd,
		   char *why, size_t whylen)
{
	struct gssframe f;
	int rc = 0;

	while (rc == 0) {
		switch (gs->state) {
		case GS_SEND_TOKEN:
			rc = gs_flush(gs, sys, fd, why, whylen);
			if (rc != 0)
				break;
			if (gs->complete) {
				rc = gs_queue_level(gs, why, whylen);
				break;
			}
			gs->state = GS_RECV_TOKEN;
			return SX_WANT_READ;
		case GS_RECV_TOKEN:
			if (gs->ctx == NULL) {
				rc = gs_init(gs, NULL, 0, why, whylen);
				break;
			}
			rc = gs_recv(gs, sys, fd, GSSFRAME_AUTH, &f, why, whylen);
			if (rc != 0)
				break;
			rc = gs_init(gs, f.token, f.len, why, whylen);
			break;
		case GS_SEND_LEVEL:
			rc = gs_flush(gs, sys, fd, why, whylen);
			if (rc != 0)
				break;
			gs->state = GS_RECV_LEVEL;
			return SX_WANT_READ;
		case GS_RECV_LEVEL:
			rc = gs_recv(gs, sys, fd, GSSFRAME_PROTECTION, &f, why, whylen);
			if (rc != 0)
				break;
			rc = gs_judge_level(gs, &f, why, whylen);
			if (rc != 0)
				break;
			gs->state = GS_DONE;
			return 0;
		case GS_DONE:
		default:
			return 0;
		}
	}
	return rc;
}

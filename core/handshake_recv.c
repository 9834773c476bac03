/*
 * The proxy's answers, read and judged for the handshake (handshake.h):
 * the greeting's answer, the authentication's status and the reply, each
 * read in as few calls as the protocol allows without reading past it into
 * the application's data: fixed-size answers at once, a variable reply as
 * the kind's reply_need() step says, a reply only a scan of its text can
 * end (HTTP) by peeking.
 */
#include <errno.h>
#include <string.h>

#include "handshake.h"
#include "handshake_buf.h"
#include "handshake_int.h"

int
hs_recv_method(struct handshake *hs, const struct sx_sys *sys, int fd)
{
	const struct proxykind_steps *st = hs->kind->steps;
	struct proxykind_answer a;
	size_t len = st->greeting_answer_len, need = len;
	ssize_t n;
	int rc;

	/* Pipelined: the auth status and the reply's first part follow at once. */
	if (hs->pipeline)
		need += (hs->auth_pending ? st->auth_answer_len : 0) +
			st->reply_need(hs->in, 0);
	rc = hsbuf_fill(hs, sys, fd, hs->in_len >= len ? hs->in_len : need);
	if (rc != 0 && hs->in_len < len)
		return rc;
	n = st->greeting_answer(hs->in, hs->in_len, hs->proxy, &a);
	if (n < 0)
		return hsbuf_fail(hs, -EPROTO, a.reason);
	if (n == 0)
		return SX_WANT_READ;
	hsbuf_consume(hs, (size_t)n);
	hs->greeting_refused = a.error != 0;
	if (a.error)
		return hsbuf_fail(hs, a.error, a.reason);
	hs->hop_answered = true;
	if (hs->pipeline) {
		if (hs->probe)
			hs_arm_probe(hs);
		hs_set_state(hs, hs->auth_pending ? HS_RECV_AUTH : HS_RECV_REPLY);
		/* The read found nothing after the answer: wait, rather than read again. */
		return rc == SX_WANT_READ && hs->in_len == 0 ? SX_WANT_READ : 0;
	}
	if (a.gssapi_next) {
		rc = socks5_gssapi_start(&hs->gss, hs->proxy, hs->cmd, hs->gss_why,
					 sizeof(hs->gss_why));
		if (rc < 0)
			return hsbuf_fail(hs, rc, hs->gss_why);
		hs_set_state(hs, HS_GSSAPI);
		return 0;
	}
	if (a.auth_next && st->auth) {
		rc = hs_queue_auth(hs);
		if (rc < 0)
			return rc;
		hs_set_state(hs, HS_SEND_AUTH);
		return 0;
	}
	rc = hs_queue_request(hs);
	if (rc < 0)
		return rc;
	hs_set_state(hs, HS_SEND_REQUEST);
	return 0;
}

int
hs_recv_auth(struct handshake *hs, const struct sx_sys *sys, int fd)
{
	const struct proxykind_steps *st = hs->kind->steps;
	struct proxykind_answer a;
	size_t len = st->auth_answer_len;
	ssize_t n;
	int rc;

	rc = hsbuf_fill(hs, sys, fd, hs->in_len >= len ? hs->in_len : len);
	if (rc != 0 && hs->in_len < len)
		return rc;
	n = st->auth_answer(hs->in, hs->in_len, &a);
	if (n < 0)
		return hsbuf_fail(hs, -EPROTO, a.reason);
	if (n == 0)
		return SX_WANT_READ;
	hsbuf_consume(hs, (size_t)n);
	hs->auth_pending = false;
	hs->greeting_refused = a.error != 0;
	if (a.error)
		return hsbuf_fail(hs, a.error, a.reason);
	if (hs->pipeline) {
		hs_set_state(hs, HS_RECV_REPLY);
		return 0;
	}
	rc = hs_queue_request(hs);
	if (rc < 0)
		return rc;
	hs_set_state(hs, HS_SEND_REQUEST);
	return 0;
}

/*
 * A reply only a scan of its text can end (HTTP): peek at what has
 * arrived, let the kind's scan say how much of it is the reply, and take
 * exactly that, so the bytes after it stay in the socket for the program.
 */
static int
hs_recv_scanned(struct handshake *hs, const struct sx_sys *sys, int fd)
{
	const struct proxykind_steps *st = hs->kind->steps;
	struct proxykind_answer a;
	uint8_t peek[1024];
	ssize_t n, used, got;

	memset(&a, 0, sizeof(a));
	while (!hs->scan.done) {
		n = sys->recv(fd, peek, sizeof(peek), MSG_PEEK | MSG_DONTWAIT);
		if (n == 0 && hs->scan.seen == 0)
			return hsbuf_fail(hs, -ECONNREFUSED, "proxy closed the connection "
				       "instead of replying (the destination refused it)");
		if (n == 0)
			return hsbuf_fail(hs, -ECONNRESET, hsbuf_closed_reason);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return SX_WANT_READ;
			return hsbuf_fail(hs, -errno, "");
		}
		used = st->reply_scan(&hs->scan, peek, (size_t)n, hs->proxy, &a);
		if (used < 0)
			return hsbuf_fail(hs, -EPROTO, a.reason);
		/* Take what the scan counted: bytes already seen, so all there. */
		while (used > 0) {
			got = sys->recv(fd, peek, (size_t)used, MSG_DONTWAIT);
			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				return hsbuf_fail(hs, got < 0 ? -errno : -ECONNRESET,
					       hsbuf_closed_reason);
			used -= got;
		}
	}
	hs->rep = a.code;
	hs->hop_answered = true;
	if (a.error)
		return hsbuf_fail(hs, a.error, a.reason == hs->scan.why ?
				hs_scanned_reason : a.reason);
	return 0;
}

/* The reply to the request (or BIND's second reply): BND, or the refusal. */
int
hs_recv_reply(struct handshake *hs, const struct sx_sys *sys, int fd)
{
	const struct proxykind_steps *st = hs->kind->steps;
	bool first_reply = hs->state == HS_RECV_REPLY;
	struct proxykind_answer a;
	ssize_t n;
	int rc;

	if (st->reply_scan != NULL)
		return hs_recv_scanned(hs, sys, fd);
	for (;;) {
		size_t need = st->reply_need(hs->in, hs->in_len);

		if (hs->in_len >= need)
			break;
		if (need > sizeof(hs->in))
			return hsbuf_fail(hs, -EPROTO, "proxy sent a reply too long to hold");
		rc = hsbuf_fill(hs, sys, fd, need);
		/*
		 * A proxy that closes after the request without a byte of reply
		 * could not reach the destination: OpenSSH's ssh -D does this
		 * when the target refuses the connection.  A close in the middle
		 * of a reply stays a reset.
		 */
		if (rc == -ECONNRESET && first_reply && hs->in_len == 0 &&
		    hs->reason == hsbuf_closed_reason)
			return hsbuf_fail(hs, -ECONNREFUSED, "proxy closed the connection "
				       "instead of replying (the destination refused it)");
		if (rc != 0)
			return rc;
	}
	n = st->reply(hs->in, hs->in_len, &a);
	if (n < 0)
		return hsbuf_fail(hs, -EPROTO, a.reason);
	if (n == 0)
		return SX_WANT_READ;
	hsbuf_consume(hs, (size_t)n);
	hs->rep = a.code;
	hs->hop_answered = true;
	/*
	 * Any reply, a refusal too, shows that the proxy answers a pipelined
	 * request, or (the retry's, within the window) a lock-step one only.
	 */
	if (hs->probe && first_reply) {
		hs->took = true;
		hs->took_hops |= (uint8_t)(1u << hs->hop_pos);
	}
	if (hs->lockstep_retry && first_reply && hs->hop_pos == hs->lockstep_pos)
		hs->drops = handshake_now_ms() - hs->mark_ms < hs->window_ms;
	if (a.error)
		return hsbuf_fail(hs, a.error, a.reason);
	hs->bnd = a.bnd;
	return 0;
}

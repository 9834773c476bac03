/*
 * The proxy client handshake as a resumable state machine.  What goes on
 * the wire is the proxy kind's business (proxykind.h): the machine calls
 * its steps to encode each message and to judge each answer, and asks its
 * descriptor what it can carry before the request is made.
 *
 * Lock-step SOCKS5 (RFC 1928) with authentication:
 *
 *   client                                 proxy
 *   HS_SEND_GREETING  VER NMETHODS METHODS  ->
 *   HS_RECV_METHOD                          <-  VER METHOD
 *   HS_GSSAPI         the GSSAPI exchange (RFC 1961), when that method
 *                     was chosen (socks5_gssapi.c), or
 *   HS_SEND_AUTH      VER ULEN UNAME PLEN PASSWD ->        (RFC 1929)
 *   HS_RECV_AUTH                            <-  VER STATUS
 *   HS_SEND_REQUEST   VER CMD RSV ATYP DST.ADDR DST.PORT ->
 *   HS_RECV_REPLY                           <-  VER REP RSV ATYP BND.ADDR BND.PORT
 *
 * A chain of proxies is one such exchange per hop over the same socket:
 * each hop but the last is asked to CONNECT to the next (chain.h says to
 * what); only the last hop gets the program's command and destination.
 *
 * Pipelined, the three client messages leave in one write and the replies
 * are read back to back; that is only safe because the greeting offers
 * exactly one method.  SOCKS4 and SOCKS4a have no greeting: one request
 * and one reply.
 *
 * A proxy that answers a pipelined greeting and never the request that
 * came with it (microsocks reads both in one go and then waits for the
 * request it already swallowed) is found by a timer: after the greeting's
 * answer, a reply that has not begun within the probe's window makes the
 * step return SX_WANT_LOCKSTEP, and the caller redoes the exchange
 * lock-step on a fresh connection (nothing is ever sent again on the same
 * one).  Only a retry whose reply then comes within the window shows that
 * the proxy dropped the request; a slower one shows a slow destination
 * (handshake_probe.c starts the probe and the retry).
 *
 * The answers are read and judged in handshake_recv.c.
 */
#include <errno.h>
#include <string.h>

#include "handshake.h"
#include "handshake_buf.h"
#include "handshake_int.h"

void
hs_set_state(struct handshake *hs, int state)
{
	hs->state = state;
}

/* Speak to the hop at pos of the route from now on. */
static void
hs_select_hop(struct handshake *hs, uint8_t pos)
{
	hs->hop_pos = pos;
	hs->proxy = hs->hops[pos];
	hs->kind = proxykind_of(hs->proxy);
	/* Pipelining needs a greeting that offers one method: not GSSAPI's. */
	hs->pipeline = (hs->pipeline_hops & (1u << pos)) && hs->kind->pipelines &&
		       hs->kind->steps->greeting != NULL && !hs->proxy->gssapi;
	hs->probe = hs->pipeline && (hs->probe_hops & (1u << pos));
	hs->due_ms = 0;
	hs->hop_answered = hs->auth_pending = false;
	memset(&hs->scan, 0, sizeof(hs->scan));
}

void
handshake_set_route(struct handshake *hs,
		    const struct config_proxy *const *hops, size_t n)
{
	for (size_t i = 0; i < n && i < CONFIG_MAX_HOPS; i++)
		hs->hops[i] = hops[i];
	hs->hop_count = (uint8_t)(n < CONFIG_MAX_HOPS ? n : CONFIG_MAX_HOPS);
	hs->error = hs->rep = 0;
	hs->proxy_reached = hs->connect_started = hs->greeting_refused = false;
	hs->out_len = hs->out_off = hs->in_len = 0;
	hs->reason = "";
	memset(&hs->bnd, 0, sizeof(hs->bnd));
	hs_select_hop(hs, 0);
	memcpy(&hs->proxy_addr, &hops[0]->addr, sizeof(hs->proxy_addr));
	hs->proxy_addrlen = hops[0]->addrlen;
	hs_set_state(hs, HS_CONNECT_PROXY);
}

void
handshake_init(struct handshake *hs, const struct config_proxy *proxy,
	       uint8_t cmd, const struct sx_endpoint *dst, bool pipeline)
{
	memset(hs, 0, sizeof(*hs));
	hs->cmd = cmd;
	hs->dst = *dst;
	hs->pipeline_hops = pipeline ? 0xff : 0;
	handshake_set_route(hs, &proxy, 1);
}

/* The hop spoken to is the last: it gets the program's request. */
static bool
hs_at_last_hop(const struct handshake *hs)
{
	return hs->hop_pos + 1 >= hs->hop_count;
}

static const struct sx_endpoint *
hs_target(const struct handshake *hs)
{
	return hs_at_last_hop(hs) ? &hs->dst : &hs->hop_dst;
}

static uint8_t
hs_command(const struct handshake *hs)
{
	return hs_at_last_hop(hs) ? hs->cmd : SOCKS5_CMD_CONNECT;
}

/* True while a missing reply to a pipelined request is being timed. */
static bool
hs_probe_armed(const struct handshake *hs)
{
	return hs->probe && hs->due_ms != 0 && hs->in_len == 0 &&
	       (hs->state == HS_RECV_AUTH || hs->state == HS_RECV_REPLY);
}

int64_t
handshake_wake_ms(const struct handshake *hs, int64_t deadline_ms)
{
	if (hs_probe_armed(hs) && hs->due_ms < deadline_ms)
		return hs->due_ms;
	return deadline_ms;
}

/*
 * The greeting's answer is in: from now on the reply to the pipelined
 * request has the probe's window to begin.
 */
void
hs_arm_probe(struct handshake *hs)
{
	int64_t now = handshake_now_ms();
	int64_t window = (now - hs->mark_ms) * HS_PROBE_RTT_TIMES;

	if (window < HS_PROBE_MIN_MS)
		window = HS_PROBE_MIN_MS;
	if (window > hs->window_cap_ms)
		window = hs->window_cap_ms;
	hs->window_ms = (int)window;
	hs->due_ms = now + window;
}

/*
 * Stands for the text a scanned reply left in hs->scan.why, so that the
 * reason holds no pointer into the struct (drivers copy a handshake).
 */
const char hs_scanned_reason[] = "the proxy's answer";

const char *
handshake_reason(const struct handshake *hs)
{
	if (hs->reason == hs_scanned_reason && hs->scan.why[0])
		return hs->scan.why;
	if (hs->reason && hs->reason[0])
		return hs->reason;
	return strerror(-hs->error);
}

/* Queue the bytes of the next client message(s) in hs->out. */
static int
hs_queue(struct handshake *hs, ssize_t n)
{
	if (n < 0)
		return hsbuf_fail(hs, (int)n, n == -ENAMETOOLONG ?
				"host name too long for SOCKS" :
				"request cannot be encoded");
	hs->out_len = (uint16_t)(hs->out_len + n);
	return 0;
}

/*
 * Refuse, before the proxy is even connected, a request the kind cannot
 * carry: the command, or the destination's type (IPv6, a host name).
 */
static int
hs_refuse_uncarried(struct handshake *hs)
{
	const char *why;
	int err;

	if (proxykind_can_carry(hs->kind, hs_command(hs), hs_target(hs)->atyp,
				&err, &why))
		return 0;
	return hsbuf_fail(hs, err, why);
}

int
hs_queue_request(struct handshake *hs)
{
	hs->out_len = hs->out_off = 0;
	return hs_queue(hs, hs->kind->steps->request(hs->out, sizeof(hs->out),
						     hs->proxy, hs_command(hs),
						     hs_target(hs)));
}

int
hs_queue_auth(struct handshake *hs)
{
	hs->out_len = hs->out_off = 0;
	return hs_queue(hs, hs->kind->steps->auth(hs->out, sizeof(hs->out),
						  hs->proxy));
}

/* Queue the greeting, and when pipelined the authentication and request. */
static int
hs_queue_greeting(struct handshake *hs)
{
	const struct proxykind_steps *st = hs->kind->steps;
	int rc;

	hs->out_len = hs->out_off = 0;
	rc = hs_queue(hs, st->greeting(hs->out, sizeof(hs->out), hs->proxy));
	if (rc < 0 || !hs->pipeline)
		return rc;
	if (hs->proxy->has_auth && st->auth) {
		rc = hs_queue(hs, st->auth(hs->out + hs->out_len,
					   sizeof(hs->out) - hs->out_len, hs->proxy));
		if (rc < 0)
			return rc;
		hs->auth_pending = true;
	}
	return hs_queue(hs, st->request(hs->out + hs->out_len,
					sizeof(hs->out) - hs->out_len, hs->proxy,
					hs_command(hs), hs_target(hs)));
}

/* Queue the hop's first message(s): its greeting, or a request. */
static int
hs_open_hop(struct handshake *hs)
{
	bool greeting = hs->kind->steps->greeting != NULL;
	int rc;

	if (!hs_at_last_hop(hs) &&
	    chain_hop_endpoint(hs->proxy, hs->hops[hs->hop_pos + 1],
			       &hs->hop_dst) < 0)
		return hsbuf_fail(hs, -EHOSTUNREACH, "the next proxy's host name "
			       "did not resolve here");
	rc = hs_refuse_uncarried(hs);
	if (rc < 0)
		return rc;
	rc = greeting ? hs_queue_greeting(hs) : hs_queue_request(hs);
	if (rc < 0)
		return rc;
	hs_set_state(hs, greeting ? HS_SEND_GREETING : HS_SEND_REQUEST);
	return 0;
}

/* The GSSAPI exchange (handshake_gss.c), then the request. */
static int
hs_gssapi(struct handshake *hs, const struct sx_sys *sys, int fd)
{
	int rc = handshake_gss_step(hs, sys, fd);

	if (rc < 0)
		return hsbuf_fail(hs, rc, hs->gss_why);
	if (rc != 0)
		return rc;
	rc = hs_queue_request(hs);
	if (rc < 0)
		return rc;
	/* Under protection the request goes as one wrapped message. */
	if (hs->wrap != NULL) {
		rc = handshake_gss_seal(hs);
		if (rc < 0)
			return hsbuf_fail(hs, rc, hs->gss_why);
	}
	hs_set_state(hs, HS_SEND_REQUEST);
	return 0;
}

/* The hop spoken to said "succeeded": the next one's exchange starts. */
static int
hs_next_hop(struct handshake *hs)
{
	hs_select_hop(hs, (uint8_t)(hs->hop_pos + 1));
	return hs_open_hop(hs);
}

static int
hs_connect_proxy(struct handshake *hs, const struct sx_sys *sys, int fd)
{
	int rc;

	rc = hs_open_hop(hs);
	if (rc < 0)
		return rc;
	if (sys->connect(fd, (const struct sockaddr *)&hs->proxy_addr,
			 hs->proxy_addrlen) == 0) {
		hs->connect_started = true;
		return 0;
	}
	/*
	 * Try the first send at once: a proxy on loopback or the local network
	 * has usually answered the SYN before connect() returns, and the send
	 * says EAGAIN (wait for writability) when it has not.
	 */
	if (errno == EINPROGRESS || errno == EINTR) {
		hs->connect_started = true;
		return 0;
	}
	return hsbuf_fail(hs, -errno, "cannot connect to the proxy");
}

/*
 * Flush what is queued, then wait for the proxy's answer in state next.
 * No read is tried right after a send: the answer cannot be there yet,
 * unless earlier bytes of a pipelined exchange already are.
 */
static int
hs_send_then_wait(struct handshake *hs, const struct sx_sys *sys, int fd,
		  int next)
{
	int rc = hsbuf_flush(hs, sys, fd);

	if (rc != 0)
		return rc;
	/* The probe times the greeting, the retry its request. */
	if ((hs->probe && next == HS_RECV_METHOD) ||
	    (hs->lockstep_retry && next == HS_RECV_REPLY &&
	     hs->hop_pos == hs->lockstep_pos))
		hs->mark_ms = handshake_now_ms();
	hs_set_state(hs, next);
	return hs->in_len == 0 ? SX_WANT_READ : 0;
}

int
handshake_step(struct handshake *hs, const struct sx_sys *sys, int fd)
{
	int rc = 0;

	while (rc == 0) {
		switch (hs->state) {
		case HS_CONNECT_PROXY:
			rc = hs_connect_proxy(hs, sys, fd);
			break;
		case HS_SEND_GREETING:
			rc = hs_send_then_wait(hs, sys, fd, HS_RECV_METHOD);
			break;
		case HS_RECV_METHOD:
			rc = hs_recv_method(hs, sys, fd);
			break;
		case HS_GSSAPI:
			rc = hs_gssapi(hs, sys, fd);
			break;
		case HS_SEND_AUTH:
			rc = hs_send_then_wait(hs, sys, fd, HS_RECV_AUTH);
			break;
		case HS_RECV_AUTH:
			rc = hs_recv_auth(hs, sys, fd);
			break;
		case HS_SEND_REQUEST:
			rc = hs_send_then_wait(hs, sys, fd, HS_RECV_REPLY);
			break;
		case HS_RECV_REPLY:
		case HS_RECV_SECOND_REPLY:
			rc = hs_recv_reply(hs, sys, fd);
			if (rc == 0 && !hs_at_last_hop(hs)) {
				rc = hs_next_hop(hs);
				break;
			}
			if (rc == 0) {
				hs_set_state(hs, HS_DONE);
				return SX_DONE;
			}
			break;
		case HS_DONE:
			return SX_DONE;
		case HS_FAILED:
		default:
			return hs->error ? hs->error : -EPROTO;
		}
	}
	if (rc == SX_WANT_READ && hs_probe_armed(hs) &&
	    handshake_now_ms() >= hs->due_ms)
		return SX_WANT_LOCKSTEP;
	return rc;
}

void
handshake_expect_second_reply(struct handshake *hs)
{
	hs_set_state(hs, HS_RECV_SECOND_REPLY);
}

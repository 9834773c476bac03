/*
 * The SOCKS client handshake as a resumable state machine.
 *
 * Lock-step SOCKS5 (RFC 1928) with authentication:
 *
 *   client                                 proxy
 *   HS_SEND_GREETING  VER NMETHODS METHODS  ->
 *   HS_RECV_METHOD                          <-  VER METHOD
 *   HS_SEND_AUTH      VER ULEN UNAME PLEN PASSWD ->        (RFC 1929)
 *   HS_RECV_AUTH                            <-  VER STATUS
 *   HS_SEND_REQUEST   VER CMD RSV ATYP DST.ADDR DST.PORT ->
 *   HS_RECV_REPLY                           <-  VER REP RSV ATYP BND.ADDR BND.PORT
 *
 * Pipelined, the three client messages leave in one write and the replies
 * are read back to back; that is only safe because the greeting offers
 * exactly one method.  SOCKS4 and SOCKS4a are one request and one reply.
 *
 * Replies are read in as few calls as the protocol allows without reading
 * past the reply into the application's data: fixed-size replies at once,
 * the SOCKS5 reply as its fixed part (with the first address byte) and then
 * the rest its ATYP announces.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include <sys/signalfd.h>
#include <sys/time.h>

#include "handshake.h"
#include "log.h"
#include "socks4.h"
#include "socks5.h"

/* VER REP RSV ATYP and the first byte of BND.ADDR (a name's length). */
#define SOCKS5_REPLY_FIXED 5

static void
hs_set_state(struct handshake *hs, int state)
{
	hs->state = state;
}

static int
hs_fail(struct handshake *hs, int err, const char *reason)
{
	/* Nothing queued will be sent now, and it may hold the password. */
	explicit_bzero(hs->out, sizeof(hs->out));
	hs->error = err;
	hs->reason = reason;
	hs_set_state(hs, HS_FAILED);
	return err;
}

void
handshake_init(struct handshake *hs, const struct config_proxy *proxy,
	       uint8_t cmd, const struct sx_endpoint *dst, bool pipeline)
{
	memset(hs, 0, sizeof(*hs));
	hs->proxy = proxy;
	hs->cmd = cmd;
	hs->dst = *dst;
	hs->pipeline = pipeline && proxy->version == 5;
	hs->reason = "";
	memcpy(&hs->proxy_addr, &proxy->addr, sizeof(hs->proxy_addr));
	hs->proxy_addrlen = proxy->addrlen;
	hs_set_state(hs, HS_CONNECT_PROXY);
}

int64_t
handshake_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

const char *
handshake_reason(const struct handshake *hs)
{
	if (hs->reason && hs->reason[0])
		return hs->reason;
	return strerror(-hs->error);
}

/* Queue the bytes of the next client message(s) in hs->out. */
static int
hs_queue(struct handshake *hs, ssize_t n)
{
	if (n < 0)
		return hs_fail(hs, (int)n, n == -ENAMETOOLONG ?
				"host name too long for SOCKS" :
				"request cannot be encoded");
	hs->out_len = (uint16_t)(hs->out_len + n);
	return 0;
}

static int
hs_queue_socks5_greeting(struct handshake *hs)
{
	const struct config_proxy *p = hs->proxy;
	int rc;

	hs->out_len = hs->out_off = 0;
	rc = hs_queue(hs, socks5_encode_greeting(hs->out, sizeof(hs->out),
						 p->has_auth));
	if (rc < 0 || !hs->pipeline)
		return rc;
	if (p->has_auth) {
		rc = hs_queue(hs, socks5_encode_auth(hs->out + hs->out_len,
						     sizeof(hs->out) - hs->out_len,
						     p->user, p->pass));
		if (rc < 0)
			return rc;
		hs->auth_pending = true;
	}
	return hs_queue(hs, socks5_encode_request(hs->out + hs->out_len,
						  sizeof(hs->out) - hs->out_len,
						  hs->cmd, &hs->dst));
}

static int
hs_queue_request(struct handshake *hs)
{
	hs->out_len = hs->out_off = 0;
	if (hs->proxy->version == 4) {
		if (hs->cmd != SOCKS5_CMD_CONNECT && hs->cmd != SOCKS5_CMD_BIND)
			return hs_fail(hs, -EOPNOTSUPP,
				       "SOCKS4 cannot carry this command");
		if (hs->dst.atyp == SX_ATYP_IPV6)
			return hs_fail(hs, -EAFNOSUPPORT,
				       "SOCKS4 cannot carry IPv6 destinations");
		return hs_queue(hs, socks4_encode_request(hs->out, sizeof(hs->out),
							  hs->cmd, &hs->dst,
							  hs->proxy->user));
	}
	return hs_queue(hs, socks5_encode_request(hs->out, sizeof(hs->out),
						  hs->cmd, &hs->dst));
}

/* Write what is queued; 0 when all of it is out. */
static int
hs_flush(struct handshake *hs, const struct sx_sys *sys, int fd)
{
	while (hs->out_off < hs->out_len) {
		ssize_t n = sys->send(fd, hs->out + hs->out_off,
				      hs->out_len - hs->out_off,
				      MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK ||
			    errno == ENOTCONN)
				return SX_WANT_WRITE;
			return hs_fail(hs, -errno, hs->proxy_reached ? "" :
				       "cannot connect to the proxy");
		}
		hs->proxy_reached = true;
		hs->out_off = (uint16_t)(hs->out_off + n);
	}
	/* What went out may hold the password (RFC 1929): keep no copy of it. */
	explicit_bzero(hs->out, hs->out_len);
	return 0;
}

/*
 * Read until hs->in holds `need` bytes; 0 when it does.  Never asks for
 * more than `need`, so no byte after the reply is consumed.
 */
static int
hs_fill(struct handshake *hs, const struct sx_sys *sys, int fd, size_t need)
{
	while (hs->in_len < need) {
		ssize_t n = sys->recv(fd, hs->in + hs->in_len, need - hs->in_len,
				      MSG_DONTWAIT);

		if (n == 0)
			return hs_fail(hs, -ECONNRESET,
				       "proxy closed the connection during the handshake");
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return SX_WANT_READ;
			return hs_fail(hs, -errno, "");
		}
		hs->in_len = (uint16_t)(hs->in_len + n);
	}
	return 0;
}

/* Drop the first n bytes of hs->in (the reply just decoded). */
static void
hs_consume(struct handshake *hs, size_t n)
{
	memmove(hs->in, hs->in + n, hs->in_len - n);
	hs->in_len = (uint16_t)(hs->in_len - n);
}

/* Bytes to ask for while waiting for a SOCKS5 reply (plus what precedes it). */
static size_t
hs_socks5_reply_need(const struct handshake *hs, size_t before)
{
	size_t have = hs->in_len > before ? hs->in_len - before : 0;
	const uint8_t *r = hs->in + before;

	if (have < SOCKS5_REPLY_FIXED)
		return before + SOCKS5_REPLY_FIXED;
	switch (r[3]) {
	case SX_ATYP_IPV4:
		return before + 4 + 4 + 2;
	case SX_ATYP_IPV6:
		return before + 4 + 16 + 2;
	case SX_ATYP_DOMAIN:
		return before + 4 + 1 + r[4] + 2;
	default:
		return before + SOCKS5_REPLY_FIXED;	/* the decoder rejects it */
	}
}

static int
hs_recv_method(struct handshake *hs, const struct sx_sys *sys, int fd)
{
	size_t need = 2;
	uint8_t method;
	ssize_t n;
	int rc;

	/* Pipelined: the auth status and the reply's fixed part follow at once. */
	if (hs->pipeline)
		need += (hs->auth_pending ? 2 : 0) + SOCKS5_REPLY_FIXED;
	rc = hs_fill(hs, sys, fd, hs->in_len >= 2 ? hs->in_len : need);
	if (rc != 0 && hs->in_len < 2)
		return rc;
	n = socks5_decode_method(hs->in, hs->in_len, &method);
	if (n < 0)
		return hs_fail(hs, -EPROTO, "proxy sent a malformed method selection");
	if (n == 0)
		return SX_WANT_READ;
	hs_consume(hs, (size_t)n);
	if (method == SOCKS5_METHOD_UNACCEPTABLE)
		return hs_fail(hs, -EACCES, hs->proxy->has_auth ?
			       "proxy does not accept user name/password authentication" :
			       "proxy requires authentication (give user:password in the URL)");
	if (method != (hs->proxy->has_auth ? SOCKS5_METHOD_USERPASS :
					     SOCKS5_METHOD_NONE))
		return hs_fail(hs, -EPROTO, "proxy chose a method that was not offered");
	if (hs->pipeline) {
		hs_set_state(hs, hs->auth_pending ? HS_RECV_AUTH : HS_RECV_REPLY);
		return 0;
	}
	if (hs->proxy->has_auth) {
		hs->out_len = hs->out_off = 0;
		rc = hs_queue(hs, socks5_encode_auth(hs->out, sizeof(hs->out),
						     hs->proxy->user, hs->proxy->pass));
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

static int
hs_recv_auth(struct handshake *hs, const struct sx_sys *sys, int fd)
{
	uint8_t status;
	ssize_t n;
	int rc;

	rc = hs_fill(hs, sys, fd, hs->in_len >= 2 ? hs->in_len : 2);
	if (rc != 0 && hs->in_len < 2)
		return rc;
	n = socks5_decode_auth(hs->in, hs->in_len, &status);
	if (n < 0)
		return hs_fail(hs, -EPROTO, "proxy sent a malformed authentication reply");
	if (n == 0)
		return SX_WANT_READ;
	hs_consume(hs, (size_t)n);
	hs->auth_pending = false;
	if (status != 0)
		return hs_fail(hs, -EACCES, "proxy rejected the user name or password");
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

static int
hs_recv_socks4_reply(struct handshake *hs, const struct sx_sys *sys, int fd)
{
	struct socks4_reply r;
	ssize_t n;
	int rc;

	rc = hs_fill(hs, sys, fd, SOCKS4_REPLY_LEN);
	if (rc != 0)
		return rc;
	n = socks4_decode_reply(hs->in, hs->in_len, &r);
	if (n <= 0)
		return hs_fail(hs, -EPROTO, "proxy sent a malformed SOCKS4 reply");
	hs_consume(hs, (size_t)n);
	hs->rep = r.code;
	if (r.code != SOCKS4_REP_GRANTED)
		return hs_fail(hs, -socks4_reply_errno(r.code),
			       socks4_reply_message(r.code));
	memset(&hs->bnd, 0, sizeof(hs->bnd));
	hs->bnd.atyp = SX_ATYP_IPV4;
	hs->bnd.port = r.port;
	memcpy(hs->bnd.addr, r.addr, 4);
	return 0;
}

static int
hs_recv_socks5_reply(struct handshake *hs, const struct sx_sys *sys, int fd)
{
	struct socks5_reply r;
	ssize_t n;
	int rc;

	for (;;) {
		size_t need = hs_socks5_reply_need(hs, 0);

		if (hs->in_len >= need)
			break;
		rc = hs_fill(hs, sys, fd, need);
		if (rc != 0)
			return rc;
	}
	n = socks5_decode_reply(hs->in, hs->in_len, &r);
	if (n < 0)
		return hs_fail(hs, -EPROTO, "proxy sent a malformed SOCKS5 reply");
	if (n == 0)
		return SX_WANT_READ;
	hs_consume(hs, (size_t)n);
	hs->rep = r.rep;
	if (r.rep != SOCKS5_REP_SUCCEEDED)
		return hs_fail(hs, -socks5_reply_errno(r.rep),
			       socks5_reply_message(r.rep));
	hs->bnd = r.bnd;
	return 0;
}

static int
hs_connect_proxy(struct handshake *hs, const struct sx_sys *sys, int fd)
{
	const struct config_proxy *p = hs->proxy;
	int rc;

	if (p->version == 5)
		rc = hs_queue_socks5_greeting(hs);
	else
		rc = hs_queue_request(hs);
	if (rc < 0)
		return rc;
	hs_set_state(hs, p->version == 5 ? HS_SEND_GREETING : HS_SEND_REQUEST);
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
	return hs_fail(hs, -errno, "cannot connect to the proxy");
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
	int rc = hs_flush(hs, sys, fd);

	if (rc != 0)
		return rc;
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
			if (hs->proxy->version == 4)
				rc = hs_recv_socks4_reply(hs, sys, fd);
			else
				rc = hs_recv_socks5_reply(hs, sys, fd);
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
	return rc;
}

void
handshake_expect_second_reply(struct handshake *hs)
{
	hs_set_state(hs, HS_RECV_SECOND_REPLY);
}

/*
 * Signals during the blocking wait.  The kernel restarts connect() and
 * accept() after a handler installed with SA_RESTART and fails them with
 * EINTR after one without (signal(7)), but it never restarts poll(), so a
 * plain poll loop cannot tell the two apart.  While the driver waits, the
 * signals the thread accepts are therefore blocked and watched through a
 * signalfd, which sees them pending without consuming them.  When one
 * comes, its disposition decides, before the thread's mask is restored and
 * its handler runs right there, in this thread: ignored (explicitly or by
 * default), stopping or terminating, it interrupts nothing; a handler with
 * SA_RESTART lets the wait go on towards the same deadline, unless the
 * socket has a send timeout (the kernel's connect then fails with EINTR
 * whatever the flag, see sock_intr_errno()); any other handler ends the
 * wait with -EINTR.  A signal sent to another thread is not pending in this
 * one and changes nothing; a process-wide one that another thread takes
 * between the wake-up and the look counts as this thread's (at worst an
 * EINTR, which a program without SA_RESTART handles anyway).  The cost is
 * four calls per blocking exchange that has to wait (block, signalfd,
 * close, restore) and nothing when the first step finishes it.
 */
struct hs_signals {
	int sfd;		/* the signalfd, -1: the plain wait */
	sigset_t mask;		/* the thread's own mask */
	sigset_t watched;	/* the signals it accepts, blocked while waiting */
};

static void
hs_signals_block(struct hs_signals *s, const struct sx_sys *sys)
{
	sigset_t all;

	s->sfd = -1;
	if (!sys->sigprocmask || !sys->sigpending || !sys->sigaction ||
	    !sys->signalfd)
		return;
	/* The C library's own signals (thread cancellation, setxid) stay out. */
	sigfillset(&all);
	if (sys->sigprocmask(SIG_BLOCK, &all, &s->mask) < 0)
		return;
	sigfillset(&s->watched);
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(&s->mask, sig) == 1)
			sigdelset(&s->watched, sig);
	s->sfd = sys->signalfd(-1, &s->watched, SFD_NONBLOCK | SFD_CLOEXEC);
	/* No descriptor left (or none allowed): the plain wait. */
	if (s->sfd < 0)
		sys->sigprocmask(SIG_SETMASK, &s->mask, NULL);
}

static void
hs_signals_restore(struct hs_signals *s, const struct sx_sys *sys)
{
	if (s->sfd < 0)
		return;
	sys->close(s->sfd);
	s->sfd = -1;
	sys->sigprocmask(SIG_SETMASK, &s->mask, NULL);
}

/* True when fd has a send timeout (SO_SNDTIMEO). */
static bool
hs_has_send_timeout(const struct sx_sys *sys, int fd)
{
	struct timeval tv;
	socklen_t len = sizeof(tv);

	if (!sys->getsockopt ||
	    sys->getsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, &len) < 0)
		return false;
	return tv.tv_sec != 0 || tv.tv_usec != 0;
}

/*
 * The signalfd is readable: let the pending signals' handlers run, and
 * return 0 when the wait goes on, -EINTR when it ends (the mask restored).
 */
static int
hs_signals_arrived(struct hs_signals *s, const struct sx_sys *sys, int fd)
{
	struct sigaction sa;
	sigset_t pending;
	bool handler = false, interrupt = false;

	if (sys->sigpending(&pending) < 0)
		sigemptyset(&pending);
	for (int sig = 1; sig < NSIG; sig++) {
		if (sigismember(&s->watched, sig) != 1 ||
		    sigismember(&pending, sig) != 1)
			continue;
		if (sys->sigaction(sig, NULL, &sa) < 0 ||
		    sa.sa_handler == SIG_IGN || sa.sa_handler == SIG_DFL)
			continue;
		handler = true;
		if (!(sa.sa_flags & SA_RESTART))
			interrupt = true;
	}
	if (handler && !interrupt && hs_has_send_timeout(sys, fd))
		interrupt = true;
	/* The handlers run as the mask comes off, before the wait goes on. */
	sys->sigprocmask(SIG_SETMASK, &s->mask, NULL);
	if (interrupt) {
		sys->close(s->sfd);
		s->sfd = -1;
		return -EINTR;
	}
	sys->sigprocmask(SIG_BLOCK, &s->watched, NULL);
	return 0;
}

int
handshake_drive(struct handshake *hs, const struct sx_sys *sys, int fd,
		int64_t deadline_ms)
{
	struct hs_signals sigs = { .sfd = -1 };
	bool blocked = false;
	int rc;

	for (;;) {
		struct pollfd pfd[2];
		int64_t left;
		int n;

		rc = handshake_step(hs, sys, fd);
		if (rc <= 0)
			break;
		left = deadline_ms - handshake_now_ms();
		if (left <= 0) {
			rc = -ETIMEDOUT;
			break;
		}
		if (!blocked) {
			hs_signals_block(&sigs, sys);
			blocked = true;
		}
		pfd[0].fd = fd;
		pfd[0].events = rc == SX_WANT_READ ? POLLIN : POLLOUT;
		pfd[0].revents = 0;
		pfd[1].fd = sigs.sfd;
		pfd[1].events = POLLIN;
		pfd[1].revents = 0;
		n = sys->poll(pfd, sigs.sfd < 0 ? 1 : 2,
			      left > 60000 ? 60000 : (int)left);
		if (n < 0 && errno == EINTR && sigs.sfd >= 0)
			continue;	/* only the C library's own signals get here */
		if (n < 0) {
			rc = errno == EINTR ? -EINTR : -errno;
			break;
		}
		if (n > 0 && pfd[1].revents) {
			rc = hs_signals_arrived(&sigs, sys, fd);
			if (rc < 0)
				break;
		}
	}
	hs_signals_restore(&sigs, sys);
	return rc;
}

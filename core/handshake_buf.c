/*
 * The handshake's buffers (handshake.h): what is queued for the proxy goes
 * out with hsbuf_flush(), the proxy's answers come into hs->in with
 * hsbuf_fill() and leave it with hsbuf_consume(); hsbuf_fail() ends a
 * handshake.  Used by the steps in handshake.c.  Under GSSAPI protection
 * the reply is read as whole messages and unwrapped (handshake_gss.c).
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "handshake.h"
#include "handshake_buf.h"

int
hsbuf_fail(struct handshake *hs, int err, const char *reason)
{
	/* Nothing queued will be sent now, and it may hold the password. */
	explicit_bzero(hs->out, sizeof(hs->out));
	handshake_release(hs);
	hs->error = err;
	hs->reason = reason;
	hs->state = HS_FAILED;
	return err;
}

const char hsbuf_closed_reason[] =
	"proxy closed the connection during the handshake";

/* Write what is queued; 0 when all of it is out. */
int
hsbuf_flush(struct handshake *hs, const struct sx_sys *sys, int fd)
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
			return hsbuf_fail(hs, -errno, hs->proxy_reached ? "" :
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
 * more than `need`, so no byte after the reply is consumed.  A read that
 * brings less than it asked for has emptied the socket: SX_WANT_READ then,
 * without another read that could only say EAGAIN.
 */
int
hsbuf_fill(struct handshake *hs, const struct sx_sys *sys, int fd, size_t need)
{
	while (hs->in_len < need) {
		ssize_t n;

		if (hs->wrap != NULL) {
			/* Unwrapped from whole messages (handshake_gss.c). */
			n = handshake_gss_fill(hs, sys, fd, need);
			if (n == -ECONNRESET && hs->gss_why[0] == '\0')
				return hsbuf_fail(hs, -ECONNRESET, hsbuf_closed_reason);
			return n < 0 ? hsbuf_fail(hs, (int)n, hs->gss_why) : (int)n;
		}
		n = sys->recv(fd, hs->in + hs->in_len, need - hs->in_len,
			      MSG_DONTWAIT);
		if (n == 0)
			return hsbuf_fail(hs, -ECONNRESET, hsbuf_closed_reason);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return SX_WANT_READ;
			return hsbuf_fail(hs, -errno, "");
		}
		hs->in_len = (uint16_t)(hs->in_len + n);
		if (hs->in_len < need)
			return SX_WANT_READ;
	}
	return 0;
}

/* Drop the first n bytes of hs->in (the reply just decoded). */
void
hsbuf_consume(struct handshake *hs, size_t n)
{
	memmove(hs->in, hs->in + n, hs->in_len - n);
	hs->in_len = (uint16_t)(hs->in_len - n);
}

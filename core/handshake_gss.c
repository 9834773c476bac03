/*
 * The GSSAPI parts of the handshake (RFC 1961, see handshake.h): the
 * exchange of socks5_gssapi.c as one step of it, and with per-message
 * protection (gsswrap.h) the request wrapped and the reply unwrapped.
 * The protection the exchange made stays in hs->wrap until the caller
 * takes it (handshake_take_wrap()) or lets it go with the handshake.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "gsswrap.h"
#include "handshake.h"

int
handshake_gss_step(struct handshake *hs, const struct sx_sys *sys, int fd)
{
	int rc = socks5_gssapi_step(hs->gss, sys, fd, hs->gss_why,
				    sizeof(hs->gss_why));

	if (rc != 0)
		return rc;
	rc = socks5_gssapi_take_wrap(hs->gss, &hs->wrap, hs->gss_why,
				     sizeof(hs->gss_why));
	socks5_gssapi_end(hs->gss);
	hs->gss = NULL;
	return rc;
}

int
handshake_gss_seal(struct handshake *hs)
{
	uint8_t plain[HS_OUT_MAX];
	size_t len = hs->out_len;
	ssize_t n;

	memcpy(plain, hs->out, len);
	n = gsswrap_seal(hs->wrap, plain, len, hs->out, sizeof(hs->out),
			 hs->gss_why, sizeof(hs->gss_why));
	explicit_bzero(plain, len);
	if (n < 0)
		return (int)n;
	hs->out_len = (uint16_t)n;
	hs->out_off = 0;
	return 0;
}

/*
 * What follows the reply in its last message stays with the protection,
 * for the program's first read.
 */
int
handshake_gss_fill(struct handshake *hs, const struct sx_sys *sys, int fd,
		   size_t need)
{
	while (hs->in_len < need) {
		struct iovec iov = {
			.iov_base = hs->in + hs->in_len,
			.iov_len = need - hs->in_len,
		};
		ssize_t n = gsswrap_recv(hs->wrap, sys, fd, &iov, 1, MSG_DONTWAIT,
					 hs->gss_why, sizeof(hs->gss_why));

		if (n == 0) {
			hs->gss_why[0] = '\0';
			return -ECONNRESET;
		}
		if (n == -EINTR)
			continue;
		if (n == -EAGAIN || n == -EWOULDBLOCK)
			return SX_WANT_READ;
		if (n < 0)
			return (int)n;
		hs->in_len = (uint16_t)(hs->in_len + n);
	}
	return 0;
}

void
handshake_release(struct handshake *hs)
{
	socks5_gssapi_end(hs->gss);
	hs->gss = NULL;
	gsswrap_put(hs->wrap);
	hs->wrap = NULL;
}

struct gsswrap *
handshake_take_wrap(struct handshake *hs)
{
	struct gsswrap *w = hs->wrap;

	hs->wrap = NULL;
	return w;
}

void
handshake_free(struct handshake *hs)
{
	if (hs == NULL)
		return;
	handshake_release(hs);
	free(hs);
}

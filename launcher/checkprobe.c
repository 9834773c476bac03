/*
 * The probes of "socksify --check".  A probe's connection is non-blocking
 * and every wait on it is bounded by the probe's deadline.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "checkprobe.h"
#include "syslibc.h"
#include "handshake.h"
#include "socks5.h"

/* Microseconds on CLOCK_MONOTONIC. */
static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* Record a failure and why. */
static void
fail(struct checkprobe_result *r, int rc, const char *why)
{
	r->rc = rc;
	snprintf(r->why, sizeof(r->why), "%s", why);
}

/* Wait until fd is ready for events or the deadline (microseconds) passes. */
static int
wait_for(int fd, short events, int64_t deadline)
{
	struct pollfd p = { .fd = fd, .events = events };

	for (;;) {
		int64_t left = deadline - now_us();
		int n;

		if (left <= 0)
			return -ETIMEDOUT;
		n = poll(&p, 1, (int)((left + 999) / 1000));
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* A connected socket to the proxy, or -errno (why in r). */
static int
dial(const struct config *cfg, int64_t deadline, struct checkprobe_result *r)
{
	int err = 0, rc;
	socklen_t len = sizeof(err);
	int fd = socket(cfg->proxy.addr.ss_family,
			SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		rc = -errno;
		fail(r, rc, strerror(-rc));
		return rc;
	}
	if (connect(fd, (const struct sockaddr *)&cfg->proxy.addr, cfg->proxy.addrlen) < 0 &&
	    errno != EINPROGRESS) {
		rc = -errno;
		goto err_close;
	}
	rc = wait_for(fd, POLLOUT, deadline);
	if (rc < 0)
		goto err_close;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err) {
		rc = -err;
		goto err_close;
	}
	r->reached = true;
	return fd;

err_close:
	close(fd);
	fail(r, rc, rc == -ETIMEDOUT ? "no answer within the timeout" : strerror(-rc));
	return rc;
}

void
checkprobe_reach(const struct config *cfg, int timeout_ms,
		 struct checkprobe_result *r)
{
	int64_t start = now_us();
	int fd;

	memset(r, 0, sizeof(*r));
	fd = dial(cfg, start + (int64_t)timeout_ms * 1000, r);
	r->us = now_us() - start;
	if (fd >= 0)
		close(fd);
}

/* Read exactly len bytes before the deadline; -ECONNRESET on a close. */
static int
read_exactly(int fd, uint8_t *buf, size_t len, int64_t deadline)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;
		int rc = wait_for(fd, POLLIN, deadline);

		if (rc < 0)
			return rc;
		n = recv(fd, buf + got, len - got, MSG_DONTWAIT);
		if (n == 0)
			return -ECONNRESET;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n > 0)
			got += (size_t)n;
	}
	return 0;
}

void
checkprobe_method(const struct config *cfg, uint8_t offer, int timeout_ms,
		  uint8_t *method, struct checkprobe_result *r)
{
	int64_t start = now_us(), deadline = start + (int64_t)timeout_ms * 1000;
	uint8_t out[3], in[2];
	ssize_t n;
	int fd, rc;

	memset(r, 0, sizeof(*r));
	*method = SOCKS5_METHOD_UNACCEPTABLE;
	fd = dial(cfg, deadline, r);
	if (fd < 0)
		goto out;
	n = socks5_encode_greeting(out, sizeof(out), offer == SOCKS5_METHOD_USERPASS);
	if (n < 0 || send(fd, out, (size_t)n, MSG_NOSIGNAL) != n) {
		fail(r, -EIO, "cannot send the greeting");
		goto out_close;
	}
	rc = read_exactly(fd, in, sizeof(in), deadline);
	if (rc < 0) {
		fail(r, rc, rc == -ECONNRESET ? "the proxy closed the connection" :
			    rc == -ETIMEDOUT ? "no answer within the timeout" : strerror(-rc));
		goto out_close;
	}
	if (socks5_decode_method(in, sizeof(in), method) <= 0)
		fail(r, -EPROTO, "the answer is not SOCKS5");

out_close:
	close(fd);
out:
	r->us = now_us() - start;
}

/* Why an exchange failed, as the library's log line would say it. */
static void
explain(const struct handshake *hs, int rc, struct checkprobe_result *r)
{
	if (rc == -ETIMEDOUT && hs->pipeline &&
	    (hs->state == HS_RECV_AUTH || hs->state == HS_RECV_REPLY))
		fail(r, rc, "the proxy answered the greeting but not the pipelined "
			    "request within the timeout");
	else if (rc == -ETIMEDOUT && hs->state != HS_FAILED)
		fail(r, rc, "no answer within the timeout");
	else if (!hs->proxy_reached)
		fail(r, rc, strerror(-rc));
	else
		fail(r, rc, handshake_reason(hs));
}

/*
 * Step hs on fd until it is done, fails or the deadline (milliseconds)
 * passes, waiting for what each step asks for.  *step is the step the
 * exchange ended in: the one that failed, or the one left waiting.
 */
static int
drive(struct handshake *hs, int fd, int64_t deadline, int *step)
{
	for (;;) {
		int rc;

		*step = hs->state;
		rc = handshake_step(hs, &syslibc, fd);
		if (rc == SX_DONE || rc < 0)
			return rc;
		rc = wait_for(fd, rc == SX_WANT_WRITE ? POLLOUT : POLLIN, deadline * 1000);
		if (rc < 0) {
			*step = hs->state;
			return rc;
		}
	}
}

void
checkprobe_exchange(const struct config *cfg, uint8_t cmd,
		    const struct sx_endpoint *dst, bool pipeline, int timeout_ms,
		    struct checkprobe_result *r)
{
	int64_t start = now_us();
	struct handshake hs;
	int fd, rc;

	memset(r, 0, sizeof(*r));
	fd = socket(cfg->proxy.addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fail(r, -errno, strerror(errno));
		return;
	}
	handshake_init(&hs, &cfg->proxy, cmd, dst, pipeline);
	rc = drive(&hs, fd, handshake_now_ms() + timeout_ms, &r->state);
	r->us = now_us() - start;
	r->reached = hs.proxy_reached;
	r->bnd = hs.bnd;
	/*
	 * A refusal code is only ever read from the reply to the request; a
	 * close in place of that reply (ssh -D) answers it too.  One step
	 * can run through several states when the answers came together, so
	 * the step alone does not tell.
	 */
	r->answered = rc == 0 || hs.rep != 0 ||
		      (r->state >= HS_RECV_REPLY && rc != -ETIMEDOUT);
	if (rc < 0)
		explain(&hs, rc, r);
	/* The handshake's buffer may hold the password: it goes with it. */
	explicit_bzero(&hs, sizeof(hs));
	close(fd);
}

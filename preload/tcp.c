/*
 * The exchange of a proxied TCP socket that is still under way: the
 * readiness hooks (poll, select, epoll), the I/O hooks and connect() again
 * drive it through these calls, step by step without blocking, or to its
 * end for a blocking socket, keeping the program's epoll registration in
 * step and failing it at its deadline.  connect() starts it (hook_connect.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include <sys/epoll.h>
#include <sys/socket.h>

#include "bindtab.h"
#include "conntab.h"
#include "failmsg.h"
#include "fdident.h"
#include "handshake.h"
#include "log.h"
#include "pipefile.h"
#include "preload.h"
#include "tcp.h"
#include "tcpsock.h"

static uint32_t
want_events(int want)
{
	return want == SX_WANT_READ ? EPOLLIN : EPOLLOUT;
}

/*
 * Point the program's epoll registration of fd at what the exchange waits
 * for (one shot, re-armed at each step), or give it back its own events.
 */
void
tcp_steer_epoll(int fd, const struct conntab_info *info, int state, int want)
{
	struct epoll_event ev;

	if (info->epfd < 0)
		return;
	ev.data.u64 = info->ep_data;
	if (state == CONNTAB_PENDING)
		ev.events = want_events(want) | EPOLLONESHOT;
	else
		ev.events = info->ep_events;
	real.epoll_ctl(info->epfd, EPOLL_CTL_MOD, fd, &ev);
}

/*
 * The proxy answered the pipelined greeting of fd's exchange and not the
 * request: hs starts over lock-step and fd gets a fresh socket for it.
 * Nothing is sent again on the old connection, where the proxy holds what
 * it swallowed.  0 or -errno (hs then fails as a connect to the proxy).
 */
static int
tcp_restart_lockstep(int fd, struct handshake *hs)
{
	if (log_enabled(LOG_LEVEL_DEBUG)) {
		char dst[300];

		sx_endpoint_format(&hs->dst, dst, sizeof(dst));
		log_debug("%s via %s: no reply to the pipelined request within %d ms; "
			  "again lock-step on a new connection", dst,
			  sx_proxy_label(), hs->window_ms);
	}
	handshake_restart_lockstep(hs);
	return tcpsock_fresh(fd);
}

int
tcp_drive(int fd, struct handshake *hs, int64_t deadline_ms)
{
	int rc = handshake_drive(hs, &real_sys, fd, deadline_ms);

	if (rc != SX_WANT_LOCKSTEP)
		return rc;
	rc = tcp_restart_lockstep(fd, hs);
	if (rc < 0)
		return rc;
	return handshake_drive(hs, &real_sys, fd, deadline_ms);
}

/*
 * fd (entry info, handshake hs taken out) has a new socket since its
 * lock-step retry: the entry was the old socket's, so the old socket's
 * ends failed (a copy of the descriptor made before the retry still
 * stands for it; hs is freed) and fd gets a new one with a copy of hs and
 * the same destination, flags, deadline and epoll registration.  Returns
 * the copy, taken out of the new entry, or NULL when that failed (fd then
 * has no entry, and is shut down when it has none for lack of memory).
 */
static struct handshake *
tcp_rekey(int fd, const struct conntab_info *info, struct handshake *hs, int want)
{
	struct handshake *moved = malloc(sizeof(*moved));

	if (moved)
		memcpy(moved, hs, sizeof(*moved));
	conntab_put_handshake(fd, hs, -ECONNABORTED);
	conntab_remove(fd);
	/* The new entry is keyed to the new socket, not to the one pinned. */
	fdident_renewed(fd);
	if (!moved || conntab_set_pending(fd, (const struct sockaddr *)&info->peer,
					  info->peerlen, moved,
					  want > 0 ? want : SX_WANT_WRITE,
					  info->orig_flags, info->deadline_ms) < 0) {
		real.shutdown(fd, SHUT_RDWR);
		return NULL;
	}
	if (info->epfd >= 0)
		conntab_set_epoll(fd, info->epfd, info->ep_events, info->ep_data);
	return conntab_take_handshake(fd);
}

static int
tcp_advance_errno(int fd)
{
	struct conntab_info info;
	struct handshake *hs;
	int rc;

	if (!conntab_get(fd, &info))
		return -1;
	if (info.state != CONNTAB_PENDING)
		return info.state;
	hs = conntab_take_handshake(fd);
	if (!hs)
		return CONNTAB_PENDING;	/* another thread is stepping it */
	rc = handshake_step(hs, &real_sys, fd);
	if (rc == SX_WANT_LOCKSTEP) {
		rc = tcp_restart_lockstep(fd, hs);
		if (rc == 0)
			rc = handshake_step(hs, &real_sys, fd);
		hs = tcp_rekey(fd, &info, hs, rc);
		if (!hs)
			return -1;
	}
	/*
	 * Past the deadline: fail, leaving the state as it is, since
	 * failmsg_log() reads it to say which answer never came.
	 */
	if (rc > 0 && handshake_now_ms() >= info.deadline_ms)
		rc = -ETIMEDOUT;
	if (rc < 0) {
		failmsg_log("", &hs->dst, hs, rc, "no answer from the proxy", "");
		/* Readiness as after a failed connect: readable, writable, hung up. */
		real.shutdown(fd, SHUT_RDWR);
	} else if (rc == SX_DONE && log_enabled(LOG_LEVEL_INFO)) {
		char dst[300];

		sx_endpoint_format(&hs->dst, dst, sizeof(dst));
		log_info("%s via %s", dst, sx_proxy_label());
	}
	if (rc <= 0)
		pipefile_learn(hs);
	if (rc == SX_DONE)
		bindtab_add_conn(fd, info.peer.ss_family, &hs->dst, &hs->bnd);
	conntab_put_handshake(fd, hs, rc);
	if (rc > 0) {
		if (rc != info.want || info.epfd >= 0)
			tcp_steer_epoll(fd, &info, CONNTAB_PENDING, rc);
		return CONNTAB_PENDING;
	}
	tcp_steer_epoll(fd, &info, rc == SX_DONE ? CONNTAB_ESTABLISHED : CONNTAB_FAILED, 0);
	return rc == SX_DONE ? CONNTAB_ESTABLISHED : CONNTAB_FAILED;
}

/* The callers are hooks whose program must see its own errno. */
int
tcp_advance(int fd)
{
	int saved_errno = errno;
	int state;

	/* Its entries are looked up several times: the socket is asked once. */
	fdident_pin(fd);
	state = tcp_advance_errno(fd);
	fdident_unpin();
	errno = saved_errno;
	return state;
}

void
tcp_expire(void)
{
	int fds[64];
	int n = conntab_expired(handshake_now_ms(), fds, (int)SX_ARRAY_LEN(fds));

	for (int i = 0; i < n; i++)
		tcp_advance(fds[i]);
}

int
tcp_wait_cap(int limit_ms)
{
	int64_t next = conntab_next_deadline();
	int64_t left;

	if (next == INT64_MAX)
		return limit_ms;
	left = next - handshake_now_ms();
	if (left < 0)
		left = 0;
	if (limit_ms >= 0 && limit_ms < left)
		return limit_ms;
	return left > 60000 ? 60000 : (int)left;
}

/* Drive fd's pending exchange to its end, blocking (bounded by its deadline). */
int
tcp_finish_blocking(int fd, const struct conntab_info *info)
{
	struct handshake *hs = conntab_take_handshake(fd);
	int flags = info->orig_flags;
	int rc;

	if (!hs)
		return -EALREADY;
	if (!(flags & O_NONBLOCK))
		real.fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	rc = tcp_drive(fd, hs, info->deadline_ms);
	if (!(flags & O_NONBLOCK))
		real.fcntl(fd, F_SETFL, flags);
	/* A lock-step retry gave fd a new socket, which needs an entry of its own. */
	if (hs->lockstep_retry) {
		hs = tcp_rekey(fd, info, hs, rc > 0 ? rc : SX_WANT_READ);
		if (!hs)
			return rc < 0 ? rc : -ENOMEM;
	}
	if (rc < 0 && rc != -EINTR)
		failmsg_log("", &hs->dst, hs, rc, "no answer from the proxy", "");
	if (rc != -EINTR)
		pipefile_learn(hs);
	if (rc == 0)
		bindtab_add_conn(fd, info->peer.ss_family, &hs->dst, &hs->bnd);
	conntab_put_handshake(fd, hs, rc == -EINTR ? info->want : rc);
	if (rc != -EINTR)
		tcp_steer_epoll(fd, info, rc == 0 ? CONNTAB_ESTABLISHED : CONNTAB_FAILED, 0);
	/* The failure is this call's answer; the socket takes a new connect(). */
	if (rc < 0 && rc != -EINTR) {
		conntab_remove(fd);
		tcpsock_renew(fd);
	}
	return rc;
}

static int
tcp_io_gate_errno(int fd)
{
	struct conntab_info info;
	int state, flags, err;

	state = tcp_advance(fd);
	if (state < 0 || state == CONNTAB_ESTABLISHED)
		return 0;
	if (state == CONNTAB_FAILED) {
		err = conntab_take_error(fd);
		return err ? -err : -ENOTCONN;
	}
	flags = real.fcntl(fd, F_GETFL);
	if (flags < 0 || (flags & O_NONBLOCK))
		return -EAGAIN;
	if (!conntab_get(fd, &info) || info.state != CONNTAB_PENDING)
		return 0;
	return tcp_finish_blocking(fd, &info);
}

int
tcp_io_gate(int fd)
{
	int saved_errno = errno;
	int rc = tcp_io_gate_errno(fd);

	errno = saved_errno;
	return rc;
}

int
tcp_io_check(int fd)
{
	int rc;

	if (sx_guarded())
		return 0;
	rc = tcp_io_gate(fd);
	if (rc < 0)
		return sx_fail((int)-rc);
	return 0;
}

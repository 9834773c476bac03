/*
 * The exchange of a proxied TCP socket that is still under way: the
 * readiness hooks (poll, select, epoll), the I/O hooks and connect() again
 * drive it through these calls, step by step without blocking, or to its
 * end for a blocking socket, keeping the program's epoll registration in
 * step and failing it at its deadline.  connect() starts it (hook_connect.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>

#include <sys/epoll.h>
#include <sys/socket.h>

#include "bindtab.h"
#include "chainconn.h"
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

static int
tcp_advance_errno(int fd)
{
	struct conntab_info info;
	struct handshake *hs;
	bool renewed = false;
	int rc;

	if (!conntab_get(fd, &info))
		return -1;
	if (info.state != CONNTAB_PENDING)
		return info.state;
	hs = conntab_take_handshake(fd);
	if (!hs)
		return CONNTAB_PENDING;	/* another thread is stepping it */
	/*
	 * Past the attempt's deadline it fails, leaving the state as it is,
	 * since failmsg_log() reads it to say which answer never came; another
	 * attempt may follow on a fresh socket, recorded anew.
	 */
	rc = chainconn_step(fd, hs, &renewed);
	if (renewed) {
		hs = chainconn_rerecord(fd, hs, &info);
		if (!hs)
			return CONNTAB_FAILED;
		conntab_get(fd, &info);
	}
	if (rc < 0) {
		failmsg_log("", &hs->dst, hs, rc, "no answer from the proxy", "");
		/* Readiness as after a failed connect: readable, writable, hung up. */
		real.shutdown(fd, SHUT_RDWR);
	} else if (rc == SX_DONE && log_enabled(LOG_LEVEL_INFO)) {
		char dst[300], via[600];

		sx_endpoint_format(&hs->dst, dst, sizeof(dst));
		log_info("%s via %s", dst, chainconn_via(hs, via, sizeof(via)));
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
	bool renewed = false;
	int rc;

	if (!hs)
		return -EALREADY;
	if (!(flags & O_NONBLOCK))
		real.fcntl(fd, F_SETFL, flags | O_NONBLOCK);
	rc = chainconn_drive(fd, hs, &renewed);
	if (!(flags & O_NONBLOCK))
		real.fcntl(fd, F_SETFL, flags);
	if (renewed) {
		hs = chainconn_rerecord(fd, hs, info);
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

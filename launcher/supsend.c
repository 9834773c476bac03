#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"
#include "route.h"
#include "supconnect.h"
#include "supdns.h"
#include "supsend.h"
#include "suptarget.h"

/* The largest datagram a program can send (64 KiB less the headers). */
#define SUPSEND_DATA_MAX 65536
#define SUPSEND_CONTROL_MAX 4096
#define SUPSEND_IOV_MAX 1024
/* Messages of one sendmmsg() sent per notification (a short count is legal). */
#define SUPSEND_MMSG_MAX 64

/* One message as it lies in the program's memory. */
struct supsend_tmsg {
	uint64_t name;
	uint32_t namelen;
	uint64_t data;		/* the buffer (sendto) or the iovec array */
	uint64_t len;		/* its length, or the number of iovecs */
	bool is_iov;
	uint64_t control;
	uint64_t controllen;
};

/* Set once the first refused datagram is logged. */
static int supsend_logged;

static void
supsend_log_refusal(const struct sockaddr *sa, socklen_t len, const char *why)
{
	char text[INET6_ADDRSTRLEN + 8];

	sx_sockaddr_format(sa, len, text, sizeof(text));
	if (__atomic_exchange_n(&supsend_logged, 1, __ATOMIC_RELAXED) == 0)
		log_warn("datagram to %s refused: %s (further refusals are logged "
			 "at debug level)", text, why);
	else
		log_debug("datagram to %s refused: %s", text, why);
}

/*
 * Where the datagram goes: *dst and *dstlen rewritten, 0 to send to them
 * (dstlen 0: the connected peer), or -errno to refuse.
 */
static int
supsend_route(const struct supervise_ctx *ctx, const struct suptarget_sock *s,
	      struct sockaddr_storage *dst, socklen_t *dstlen)
{
	struct sockaddr_storage re;
	socklen_t relen;
	struct route r;
	const struct sockaddr *sa = (const struct sockaddr *)dst;

	if (*dstlen == 0)
		return 0;
	switch (route_datagram_dst(s->family, s->type, s->protocol, sa, *dstlen,
				   &re, &relen)) {
	case ROUTE_DST_IGNORED:
		*dstlen = 0;
		return 0;
	case ROUTE_DST_REREAD:
		memcpy(dst, &re, sizeof(re));
		*dstlen = relen;
		break;
	default:
		break;
	}
	if (supdns_is_nameserver(ctx->dns, sa, *dstlen)) {
		supdns_addr(ctx->dns, s->family, SOCK_DGRAM, dst, dstlen);
		return 0;
	}
	if (s->protocol != IPPROTO_UDP && s->protocol != IPPROTO_UDPLITE) {
		if (route_is_local(sa, *dstlen))
			return 0;
		supsend_log_refusal(sa, *dstlen, "only UDP may be sent");
		return -EACCES;
	}
	route_decide(ctx->cfg, sa, *dstlen, SOCK_DGRAM, &r);
	if (r.action == ROUTE_DIRECT || supdns_is_local_query(ctx->dns, sa, *dstlen) ||
	    supconnect_is_proxy_host(ctx->cfg, sa, *dstlen))
		return 0;
	supsend_log_refusal(sa, *dstlen, "a supervised program's datagrams cannot "
			    "go through the proxy, only its DNS queries are answered");
	return -ENETUNREACH;
}

/* Gather the message's data from the program's memory into buf; its length or -errno. */
static ssize_t
supsend_gather(const struct supervise_ctx *ctx, const struct seccomp_notif *n,
	       const struct supsend_tmsg *m, uint8_t *buf)
{
	struct iovec *iov;
	size_t total = 0;
	ssize_t rc;

	if (!m->is_iov) {
		if (m->len > SUPSEND_DATA_MAX)
			return -EMSGSIZE;
		rc = suptarget_read(ctx->listener, n, m->data, buf, (size_t)m->len);
		return rc < 0 ? rc : (ssize_t)m->len;
	}
	if (m->len > SUPSEND_IOV_MAX)
		return -EMSGSIZE;
	if (m->len == 0)
		return 0;
	iov = calloc((size_t)m->len, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	rc = suptarget_read(ctx->listener, n, m->data, iov,
			    (size_t)m->len * sizeof(*iov));
	if (rc < 0)
		goto out_free_iov;
	for (size_t i = 0; i < m->len; i++) {
		if (iov[i].iov_len > SUPSEND_DATA_MAX - total) {
			rc = -EMSGSIZE;
			goto out_free_iov;
		}
		rc = suptarget_read(ctx->listener, n, (uint64_t)(uintptr_t)iov[i].iov_base,
				    buf + total, iov[i].iov_len);
		if (rc < 0)
			goto out_free_iov;
		total += iov[i].iov_len;
	}
	rc = (ssize_t)total;
out_free_iov:
	free(iov);
	return rc;
}

/* Send one message on fd, the copy of the program's socket: bytes sent or -errno. */
static ssize_t
supsend_msg(const struct supervise_ctx *ctx, const struct seccomp_notif *n,
	    int fd, const struct suptarget_sock *s, const struct supsend_tmsg *m,
	    int flags, uint8_t *buf)
{
	uint8_t control[SUPSEND_CONTROL_MAX];
	struct sockaddr_storage dst;
	socklen_t dstlen = 0;
	struct msghdr msg;
	struct iovec iov;
	ssize_t len, rc;

	memset(&dst, 0, sizeof(dst));
	if (m->name && m->namelen > 0) {
		if (m->namelen > sizeof(dst))
			return -EINVAL;
		dstlen = m->namelen;
		rc = suptarget_read(ctx->listener, n, m->name, &dst, dstlen);
		if (rc < 0)
			return rc;
	}
	rc = supsend_route(ctx, s, &dst, &dstlen);
	if (rc < 0)
		return rc;
	len = supsend_gather(ctx, n, m, buf);
	if (len < 0)
		return len;
	memset(&msg, 0, sizeof(msg));
	if (m->control && m->controllen > 0) {
		if (m->controllen > sizeof(control))
			return -ENOBUFS;
		rc = suptarget_read(ctx->listener, n, m->control, control,
				    (size_t)m->controllen);
		if (rc < 0)
			return rc;
		msg.msg_control = control;
		msg.msg_controllen = (size_t)m->controllen;
	}
	iov.iov_base = buf;
	iov.iov_len = (size_t)len;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_name = dstlen ? &dst : NULL;
	msg.msg_namelen = dstlen;
	rc = sendmsg(fd, &msg, flags | MSG_NOSIGNAL);
	return rc < 0 ? -errno : rc;
}

static void
supsend_tmsg_from_msghdr(struct supsend_tmsg *m, const struct msghdr *h)
{
	m->name = (uint64_t)(uintptr_t)h->msg_name;
	m->namelen = h->msg_namelen;
	m->data = (uint64_t)(uintptr_t)h->msg_iov;
	m->len = h->msg_iovlen;
	m->is_iov = true;
	m->control = (uint64_t)(uintptr_t)h->msg_control;
	m->controllen = h->msg_controllen;
}

/* sendmmsg(): each message in turn, msg_len written back; the count sent or -errno. */
static int64_t
supsend_mmsg(const struct supervise_ctx *ctx, const struct seccomp_notif *n,
	     int fd, const struct suptarget_sock *s, uint8_t *buf)
{
	struct mmsghdr vec[SUPSEND_MMSG_MAX];
	uint64_t at = n->data.args[1];
	unsigned vlen = (unsigned)n->data.args[2];
	int flags = (int)n->data.args[3];
	struct supsend_tmsg m;
	int64_t sent = 0;
	ssize_t rc;

	if (vlen > SUPSEND_MMSG_MAX)
		vlen = SUPSEND_MMSG_MAX;
	if (vlen == 0)
		return 0;
	rc = suptarget_read(ctx->listener, n, at, vec, vlen * sizeof(vec[0]));
	if (rc < 0)
		return rc;
	for (unsigned i = 0; i < vlen; i++) {
		unsigned done;

		supsend_tmsg_from_msghdr(&m, &vec[i].msg_hdr);
		rc = supsend_msg(ctx, n, fd, s, &m, flags, buf);
		if (rc < 0)
			return sent > 0 ? sent : rc;
		done = (unsigned)rc;
		rc = suptarget_write(ctx->listener, n,
				     at + i * sizeof(vec[0]) + offsetof(struct mmsghdr, msg_len),
				     &done, sizeof(done));
		if (rc < 0)
			return sent > 0 ? sent : rc;
		sent++;
	}
	return sent;
}

void
supsend_handle(const struct supervise_ctx *ctx, const struct seccomp_notif *n)
{
	uint8_t buf[SUPSEND_DATA_MAX];
	struct suptarget_sock s;
	struct supsend_tmsg m;
	struct msghdr h;
	int flags, copy;
	int64_t rc;

	flags = (int)(n->data.nr == __NR_sendmsg ? n->data.args[2] : n->data.args[3]);
	copy = suptarget_fd(ctx->listener, n, (int)n->data.args[0]);
	if (copy < 0) {
		rc = copy;
		goto out_reply;
	}
	if (suptarget_sock(copy, &s) < 0 ||
	    (s.family != AF_INET && s.family != AF_INET6) ||
	    (s.type == SOCK_STREAM && !(flags & MSG_FASTOPEN))) {
		close(copy);
		suptarget_continue(ctx->listener, n->id);
		return;
	}
	if (s.type == SOCK_STREAM) {
		log_warn("TCP Fast Open (MSG_FASTOPEN) refused: a supervised program's "
			 "connections go through the proxy with connect()");
		rc = -EOPNOTSUPP;
		goto out_close_copy;
	}
	switch (n->data.nr) {
	case __NR_sendto:
		memset(&m, 0, sizeof(m));
		m.data = n->data.args[1];
		m.len = n->data.args[2];
		m.name = n->data.args[4];
		m.namelen = (uint32_t)n->data.args[5];
		rc = supsend_msg(ctx, n, copy, &s, &m, flags, buf);
		break;
	case __NR_sendmsg:
		rc = suptarget_read(ctx->listener, n, n->data.args[1], &h, sizeof(h));
		if (rc < 0)
			break;
		supsend_tmsg_from_msghdr(&m, &h);
		rc = supsend_msg(ctx, n, copy, &s, &m, flags, buf);
		break;
	default:
		rc = supsend_mmsg(ctx, n, copy, &s, buf);
		break;
	}
out_close_copy:
	close(copy);
out_reply:
	if (rc != -ENOENT)
		suptarget_reply(ctx->listener, n->id, rc < 0 ? 0 : rc,
				rc < 0 ? (int)rc : 0);
}

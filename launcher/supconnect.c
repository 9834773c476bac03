#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "fakeip.h"
#include "handshake.h"
#include "log.h"
#include "route.h"
#include "supconnect.h"
#include "supdns.h"
#include "supisolate.h"
#include "syslibc.h"
#include "suptarget.h"

/* Set once the first refused UDP connect is logged. */
static int supconnect_udp_logged;

bool
supconnect_is_proxy_host(const struct config *cfg, const struct sockaddr *sa,
			 socklen_t len)
{
	struct sx_endpoint dst, proxy;
	const struct config_proxy *p = &cfg->proxy;

	if (p->addrlen == 0)
		return false;
	if (sx_endpoint_from_sockaddr(&dst, sa, len) < 0 ||
	    sx_endpoint_from_sockaddr(&proxy, (const struct sockaddr *)&p->addr,
				      p->addrlen) < 0)
		return false;
	if (dst.atyp != proxy.atyp)
		return false;
	return memcmp(dst.addr, proxy.addr, dst.atyp == SX_ATYP_IPV4 ? 4 : 16) == 0;
}

static int
supconnect_direct(int fd, const struct sockaddr *sa, socklen_t len)
{
	if (connect(fd, sa, len) < 0)
		return -errno;
	return 0;
}

/* The proxy's address as a socket of family can reach it (v4-mapped for IPv6). */
static int
supconnect_proxy_addr(struct handshake *hs, int family)
{
	struct sockaddr_in in;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&hs->proxy_addr;

	if (hs->proxy_addr.ss_family == family)
		return 0;
	if (family != AF_INET6 || hs->proxy_addr.ss_family != AF_INET)
		return -EAFNOSUPPORT;
	memcpy(&in, &hs->proxy_addr, sizeof(in));
	memset(&hs->proxy_addr, 0, sizeof(hs->proxy_addr));
	in6->sin6_family = AF_INET6;
	in6->sin6_port = in.sin_port;
	in6->sin6_addr.s6_addr[10] = 0xff;
	in6->sin6_addr.s6_addr[11] = 0xff;
	memcpy(in6->sin6_addr.s6_addr + 12, &in.sin_addr, 4);
	hs->proxy_addrlen = sizeof(*in6);
	return 0;
}

/*
 * The SOCKS exchange on fd, to its end, whatever the socket's blocking
 * mode, for a thread of process tid.
 */
static int
supconnect_proxy(const struct config *cfg, int fd, int family,
		 const struct sx_endpoint *dst, pid_t tid)
{
	struct config_proxy isolated;
	const struct config_proxy *proxy = &cfg->proxy;
	struct handshake hs;
	char text[300];
	int flags, rc;

	sx_endpoint_format(dst, text, sizeof(text));
	/*
	 * SOCKSIFY_ISOLATE=process: the password is the token of the process
	 * that connects, not one of the supervisor's.
	 */
	if (proxy->isolate) {
		isolated = *proxy;
		isolated.isolate = false;
		rc = supisolate_token(tid, isolated.pass);
		if (rc < 0) {
			explicit_bzero(&isolated, sizeof(isolated));
			log_warn("connect to %s refused: no isolation token for "
				 "process %ld (%s)", text, (long)tid, strerror(-rc));
			return rc == -ENOENT || rc == -ESRCH ? -ECONNABORTED : rc;
		}
		proxy = &isolated;
	}
	/*
	 * Only SOCKSIFY_PIPELINE=1 pipelines here.  Under auto the library
	 * finds out a proxy that drops a pipelined request by starting over
	 * lock-step on a fresh socket under the program's descriptor; the
	 * supervisor holds a copy of the program's socket and cannot swap it,
	 * so it stays lock-step, which every proxy answers.
	 */
	handshake_init(&hs, proxy, SOCKS5_CMD_CONNECT, dst,
		       cfg->pipeline == CONFIG_PIPELINE_ON);
	rc = supconnect_proxy_addr(&hs, family);
	if (rc < 0) {
		log_warn("connect to %s refused: the proxy has an IPv6 address and "
			 "the program's socket is IPv4", text);
		goto out_forget;
	}
	flags = fcntl(fd, F_GETFL);
	if (flags < 0) {
		rc = -errno;
		goto out_forget;
	}
	if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
		rc = -errno;
		goto out_forget;
	}
	do {
		rc = handshake_drive(&hs, &syslibc, fd,
				     handshake_now_ms() + cfg->timeout_ms);
	} while (rc == -EINTR);
	if (!(flags & O_NONBLOCK))
		fcntl(fd, F_SETFL, flags);
	if (rc < 0) {
		log_warn("connect to %s through the proxy failed: %s", text,
			 hs.error || (hs.reason && hs.reason[0]) ?
			 handshake_reason(&hs) : strerror(-rc));
		goto out_forget;
	}
	log_info("connected to %s through the proxy (supervised)", text);
out_forget:
	/* The handshake and the copy hold the token: neither outlives the call. */
	if (proxy == &isolated) {
		explicit_bzero(&hs, sizeof(hs));
		explicit_bzero(&isolated, sizeof(isolated));
	}
	return rc;
}

/* A name NO_PROXY lets through behind a fake address: its real address, directly. */
static int
supconnect_by_name(int fd, int family, const struct sx_endpoint *dst)
{
	struct addrinfo hints, *res = NULL;
	char port[8];
	int rc = -EHOSTUNREACH;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family == AF_INET6 ? AF_UNSPEC : AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = family == AF_INET6 ? AI_V4MAPPED | AI_ALL : 0;
	snprintf(port, sizeof(port), "%u", (unsigned)dst->port);
	if (getaddrinfo(dst->name, port, &hints, &res) != 0)
		return -EHOSTUNREACH;
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		if (ai->ai_family != family)
			continue;
		rc = supconnect_direct(fd, ai->ai_addr, ai->ai_addrlen);
		break;
	}
	freeaddrinfo(res);
	return rc;
}

static int
supconnect_udp(const struct supervise_ctx *ctx, int fd,
	       const struct suptarget_sock *s, const struct sockaddr *sa,
	       socklen_t len)
{
	struct route r;
	char text[INET6_ADDRSTRLEN + 8];

	if (s->protocol != IPPROTO_UDP && s->protocol != IPPROTO_UDPLITE) {
		if (route_is_local(sa, len))
			return supconnect_direct(fd, sa, len);
		return -EACCES;
	}
	route_decide(ctx->cfg, sa, len, SOCK_DGRAM, &r);
	if (r.action == ROUTE_DIRECT || supdns_is_local_query(ctx->dns, sa, len) ||
	    supconnect_is_proxy_host(ctx->cfg, sa, len))
		return supconnect_direct(fd, sa, len);
	sx_sockaddr_format(sa, len, text, sizeof(text));
	/*
	 * Resolvers connect a UDP socket to each address they got, sending
	 * nothing, to learn the source address they would use (RFC 6724):
	 * for a fake address that is no news worth a warning.
	 */
	if (fakeip_is_fake(sa, len))
		log_debug("UDP to %s refused (a fake address)", text);
	else if (__atomic_exchange_n(&supconnect_udp_logged, 1, __ATOMIC_RELAXED) == 0)
		log_warn("UDP to %s refused: a supervised program's datagrams "
			 "cannot go through the proxy, only its DNS queries are "
			 "answered (further refusals are logged at debug level)", text);
	else
		log_debug("UDP to %s refused", text);
	return -ENETUNREACH;
}

static int
supconnect_decide(const struct supervise_ctx *ctx, int fd,
		  const struct suptarget_sock *s, const struct sockaddr *sa,
		  socklen_t len, pid_t tid)
{
	struct sockaddr_storage dns;
	socklen_t dnslen;
	struct route r;
	char text[300];

	/* AF_UNSPEC dissolves a datagram socket's association. */
	if (len < sizeof(sa_family_t) || sa->sa_family == AF_UNSPEC)
		return supconnect_direct(fd, sa, len);
	if ((s->type == SOCK_DGRAM || s->type == SOCK_STREAM) &&
	    supdns_is_nameserver(ctx->dns, sa, len)) {
		supdns_addr(ctx->dns, s->family, s->type, &dns, &dnslen);
		if (log_enabled(LOG_LEVEL_DEBUG)) {
			sx_sockaddr_format(sa, len, text, sizeof(text));
			log_debug("DNS over %s to %s: answered by the supervisor",
				  s->type == SOCK_STREAM ? "TCP" : "UDP", text);
		}
		return supconnect_direct(fd, (struct sockaddr *)&dns, dnslen);
	}
	if (s->type == SOCK_DGRAM)
		return supconnect_udp(ctx, fd, s, sa, len);
	route_decide(ctx->cfg, sa, len, s->type, &r);
	switch (r.action) {
	case ROUTE_DIRECT:
		return supconnect_direct(fd, sa, len);
	case ROUTE_DIRECT_NAME:
		return supconnect_by_name(fd, s->family, &r.dst);
	case ROUTE_PROXY:
		if (s->type == SOCK_STREAM)
			return supconnect_proxy(ctx->cfg, fd, s->family, &r.dst, tid);
		break;
	default:
		sx_sockaddr_format(sa, len, text, sizeof(text));
		log_warn("connect to %s refused: %s", text, r.reason);
		return -r.error;
	}
	sx_sockaddr_format(sa, len, text, sizeof(text));
	log_warn("connect to %s refused: only TCP goes through a SOCKS proxy", text);
	return -EACCES;
}

void
supconnect_handle(const struct supervise_ctx *ctx, const struct seccomp_notif *n)
{
	struct sockaddr_storage ss;
	struct suptarget_sock s;
	int64_t len = (int64_t)(int32_t)n->data.args[2];
	int copy, rc;

	copy = suptarget_fd(ctx->listener, n, (int)n->data.args[0]);
	if (copy < 0) {
		rc = copy;
		goto out_reply;
	}
	if (suptarget_sock(copy, &s) < 0 ||
	    (s.family != AF_INET && s.family != AF_INET6)) {
		/*
		 * Not an IP socket (or none): the kernel checks the address
		 * against the socket's own family, so it cannot reach the
		 * network whatever the memory says by then.
		 */
		close(copy);
		suptarget_continue(ctx->listener, n->id);
		return;
	}
	if (len < 0 || len > (int64_t)sizeof(ss)) {
		rc = -EINVAL;
		goto out_close_copy;
	}
	memset(&ss, 0, sizeof(ss));
	rc = suptarget_read(ctx->listener, n, n->data.args[1], &ss, (size_t)len);
	if (rc < 0)
		goto out_close_copy;
	rc = supconnect_decide(ctx, copy, &s, (struct sockaddr *)&ss, (socklen_t)len,
			       (pid_t)n->pid);
out_close_copy:
	close(copy);
out_reply:
	/* -ENOENT: the call is gone, there is no one to answer. */
	if (rc != -ENOENT)
		suptarget_reply(ctx->listener, n->id, 0, rc);
}

/*
 * The routing decision.  Order matters: non-IP families first (local by
 * nature, or refused), then fake addresses (proxied by name, unless NO_PROXY
 * excludes the name on that port), then
 * an invalid configuration (everything else refused), then the loopback,
 * proxy and NO_PROXY exclusions, then the proxy's ability to carry the
 * destination.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "directset.h"
#include "fakeip.h"
#include "chain.h"
#include "noproxy.h"
#include "proxykind.h"
#include "route.h"

/* Where name servers listen (RFC 1035 section 4.2). */
#define ROUTE_DNS_PORT 53
/* A struct sockaddr_in6 without its scope ID (RFC 2133), as the kernel accepts it. */
#define ROUTE_SIN6_LEN_RFC2133 24

static void
route_set(struct route *out, int action, int error, const char *reason)
{
	out->action = action;
	out->error = error;
	out->reason = reason;
}

/*
 * Families whose addresses never lead off the machine.  AF_UNSPEC given
 * to connect() dissolves the connection (TCP and UDP alike); as the
 * destination of a datagram it can mean an IP address, which is why the
 * send hooks read it through route_datagram_dst() before they decide.
 */
static bool
route_family_is_local(int family)
{
	return family == AF_UNIX || family == AF_NETLINK || family == AF_UNSPEC;
}

/* A UDP or UDP-Lite socket: both send through udp_sendmsg()/udpv6_sendmsg(). */
static bool
route_is_udp(int type, int protocol)
{
	return type == SOCK_DGRAM &&
	       (protocol == IPPROTO_UDP || protocol == IPPROTO_UDPLITE);
}

/*
 * The kernel's reading of an AF_UNSPEC destination, from its sendmsg
 * functions: net/ipv4/udp.c udp_sendmsg() and net/ipv4/raw.c
 * raw_sendmsg() take AF_UNSPEC for AF_INET once the length covers a
 * struct sockaddr_in; net/ipv6/raw.c rawv6_sendmsg() takes it for
 * AF_INET6 once the length reaches SIN6_LEN_RFC2133 (24 bytes, no scope
 * ID); net/ipv6/udp.c udpv6_sendmsg() drops the address and sends to the
 * connected peer.  ICMP ("ping") sockets refuse it (EAFNOSUPPORT), and
 * anything shorter is the kernel's EINVAL: those stand as given.
 */
int
route_datagram_dst(int family, int type, int protocol,
		   const struct sockaddr *sa, socklen_t len,
		   struct sockaddr_storage *out, socklen_t *outlen)
{
	socklen_t want;

	if (sa == NULL || len < sizeof(sa_family_t) || sa->sa_family != AF_UNSPEC)
		return ROUTE_DST_AS_GIVEN;
	if (family == AF_INET6 && route_is_udp(type, protocol))
		return ROUTE_DST_IGNORED;
	if (family == AF_INET && (route_is_udp(type, protocol) || type == SOCK_RAW))
		want = sizeof(struct sockaddr_in);
	else if (family == AF_INET6 && type == SOCK_RAW)
		want = ROUTE_SIN6_LEN_RFC2133;
	else
		return ROUTE_DST_AS_GIVEN;
	if (len < want)
		return ROUTE_DST_AS_GIVEN;
	memset(out, 0, sizeof(*out));
	if (family == AF_INET) {
		memcpy(out, sa, sizeof(struct sockaddr_in));
		*outlen = sizeof(struct sockaddr_in);
	} else {
		memcpy(out, sa, len < sizeof(struct sockaddr_in6) ? len :
				sizeof(struct sockaddr_in6));
		*outlen = sizeof(struct sockaddr_in6);
	}
	out->ss_family = (sa_family_t)family;
	return ROUTE_DST_REREAD;
}

bool
route_is_local(const struct sockaddr *sa, socklen_t len)
{
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)sa;
		const uint8_t *a = (const uint8_t *)&sin->sin_addr;

		return a[0] == 127 || sin->sin_addr.s_addr == htonl(INADDR_ANY);
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

		if (IN6_IS_ADDR_LOOPBACK(a) || IN6_IS_ADDR_UNSPECIFIED(a))
			return true;
		if (IN6_IS_ADDR_V4MAPPED(a))
			return a->s6_addr[12] == 127 ||
			       (a->s6_addr[12] | a->s6_addr[13] | a->s6_addr[14] |
				a->s6_addr[15]) == 0;
	}
	return false;
}

/* dst is the address of proxy p. */
static bool
route_is_one_proxy(const struct sx_endpoint *dst, const struct config_proxy *p)
{
	struct sx_endpoint proxy;

	if (p->addrlen == 0)
		return false;
	if (sx_endpoint_from_sockaddr(&proxy, (const struct sockaddr *)&p->addr,
				      p->addrlen) < 0)
		return false;
	if (dst->atyp != proxy.atyp || dst->port != proxy.port)
		return false;
	return memcmp(dst->addr, proxy.addr, dst->atyp == SX_ATYP_IPV4 ? 4 : 16) == 0;
}

bool
route_is_proxy(const struct config *cfg, const struct sockaddr *sa,
	       socklen_t len)
{
	struct sx_endpoint dst;

	if (sx_endpoint_from_sockaddr(&dst, sa, len) < 0)
		return false;
	if (route_is_one_proxy(&dst, &cfg->proxy))
		return true;
	/* Any proxy of a list, reached by the program itself. */
	for (size_t i = 1; i < cfg->hop_count && i < CONFIG_MAX_HOPS; i++)
		if (route_is_one_proxy(&dst, &cfg->hops[i]))
			return true;
	return false;
}

void
route_decide(const struct config *cfg, const struct sockaddr *sa,
	     socklen_t len, int socktype, struct route *out)
{
	const struct proxykind *kind = proxykind_of(chain_exit_proxy(cfg));
	char name[256];
	int rc;

	memset(out, 0, sizeof(*out));
	if (len < sizeof(sa_family_t)) {
		route_set(out, ROUTE_DIRECT, 0, "no address");
		return;
	}
	if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6) {
		if (route_family_is_local(sa->sa_family))
			route_set(out, ROUTE_DIRECT, 0, "local address family");
		else
			route_set(out, ROUTE_DENY, EAFNOSUPPORT,
				  "address family cannot go through a SOCKS proxy");
		return;
	}
	if (socktype != SOCK_STREAM && socktype != SOCK_DGRAM) {
		if (route_is_local(sa, len)) {
			route_set(out, ROUTE_DIRECT, 0, "local destination");
			return;
		}
		route_set(out, ROUTE_DENY, EACCES,
			  "raw and other non-TCP/UDP sockets cannot go through a SOCKS proxy");
		return;
	}
	if (sx_endpoint_from_sockaddr(&out->dst, sa, len) < 0) {
		route_set(out, ROUTE_DENY, EINVAL, "malformed address");
		return;
	}
	if (fakeip_is_fake(sa, len)) {
		uint16_t port = out->dst.port;

		rc = fakeip_lookup_name(sa, len, name, sizeof(name));
		if (rc < 0) {
			route_set(out, ROUTE_DENY, EHOSTUNREACH,
				  "fake address with no host name behind it");
			return;
		}
		sx_endpoint_from_name(&out->dst, name, port);
		if (!cfg->valid) {
			route_set(out, ROUTE_DENY, ENETUNREACH,
				  "configuration error, refusing to connect");
			return;
		}
		/*
		 * The lookup could not apply NO_PROXY entries with a port (it
		 * gave a fake address so that the name's other ports go through
		 * the proxy); the port is known now.
		 */
		if (socktype == SOCK_STREAM &&
		    noproxy_matches_name(cfg, name, port)) {
			route_set(out, ROUTE_DIRECT_NAME, 0, "excluded by NO_PROXY");
			return;
		}
		route_set(out, ROUTE_PROXY, 0, NULL);
		return;
	}
	/* An invalid configuration may have meant any policy: refuse everything. */
	if (!cfg->valid) {
		route_set(out, ROUTE_DENY, ENETUNREACH,
			  "configuration error, refusing to connect");
		return;
	}
	if (route_is_local(sa, len) && cfg->loopback_mode == CONFIG_LOOPBACK_DIRECT) {
		/*
		 * Under remote DNS a name server on the loopback (a caching stub
		 * such as systemd-resolved's 127.0.0.53) would resolve, outside
		 * the proxy, the names of programs with resolvers of their own.
		 */
		if (proxykind_resolves_remotely(kind) &&
		    out->dst.port == ROUTE_DNS_PORT &&
		    !noproxy_matches(cfg, NULL, sa, len)) {
			route_set(out, ROUTE_DENY, ECONNREFUSED,
				  "a name server on the loopback would resolve names "
				  "outside the proxy (remote DNS; NO_PROXY can allow it)");
			return;
		}
		route_set(out, ROUTE_DIRECT, 0, "loopback destination");
		return;
	}
	if (route_is_proxy(cfg, sa, len)) {
		route_set(out, ROUTE_DIRECT, 0, "the proxy itself");
		return;
	}
	if (noproxy_matches(cfg, NULL, sa, len)) {
		route_set(out, ROUTE_DIRECT, 0, "excluded by NO_PROXY");
		return;
	}
	if (directset_has(sa, len)) {
		route_set(out, ROUTE_DIRECT, 0, "address of a name excluded by NO_PROXY");
		return;
	}
	if (out->dst.atyp == SX_ATYP_IPV6 && !kind->carries_ipv6) {
		route_set(out, ROUTE_DENY, EAFNOSUPPORT, kind->refuse_ipv6);
		return;
	}
	route_set(out, ROUTE_PROXY, 0, NULL);
}

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
#include "route.h"

/* Where name servers listen (RFC 1035 section 4.2). */
#define ROUTE_DNS_PORT 53

static void
route_set(struct route *out, int action, int error, const char *reason)
{
	out->action = action;
	out->error = error;
	out->reason = reason;
}

/* Families whose sockets never leave the machine. */
static bool
route_family_is_local(int family)
{
	return family == AF_UNIX || family == AF_NETLINK || family == AF_UNSPEC;
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

bool
route_is_proxy(const struct config *cfg, const struct sockaddr *sa,
	       socklen_t len)
{
	struct sx_endpoint dst, proxy;
	const struct config_proxy *p = &cfg->proxy;

	if (p->addrlen == 0)
		return false;
	if (sx_endpoint_from_sockaddr(&dst, sa, len) < 0)
		return false;
	if (sx_endpoint_from_sockaddr(&proxy, (const struct sockaddr *)&p->addr,
				      p->addrlen) < 0)
		return false;
	if (dst.atyp != proxy.atyp || dst.port != proxy.port)
		return false;
	return memcmp(dst.addr, proxy.addr, dst.atyp == SX_ATYP_IPV4 ? 4 : 16) == 0;
}

void
route_decide(const struct config *cfg, const struct sockaddr *sa,
	     socklen_t len, int socktype, struct route *out)
{
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
		    config_noproxy_matches_name(cfg, name, port)) {
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
		if (cfg->proxy.remote_dns && out->dst.port == ROUTE_DNS_PORT &&
		    !config_noproxy_matches(cfg, NULL, sa, len)) {
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
	if (config_noproxy_matches(cfg, NULL, sa, len)) {
		route_set(out, ROUTE_DIRECT, 0, "excluded by NO_PROXY");
		return;
	}
	if (directset_has(sa, len)) {
		route_set(out, ROUTE_DIRECT, 0, "address of a name excluded by NO_PROXY");
		return;
	}
	if (cfg->proxy.version == 4 && out->dst.atyp == SX_ATYP_IPV6) {
		route_set(out, ROUTE_DENY, EAFNOSUPPORT,
			  "SOCKS4 cannot carry IPv6 destinations");
		return;
	}
	route_set(out, ROUTE_PROXY, 0, NULL);
}

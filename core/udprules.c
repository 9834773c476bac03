/*
 * The rules of a UDP association: pure decisions on endpoints and copies
 * of table entries, so that each is tested byte by byte without a proxy.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <strings.h>

#include "udprules.h"

bool
udprules_is_unspecified(const struct sx_endpoint *ep)
{
	size_t n = ep->atyp == SX_ATYP_IPV4 ? 4 : 16;

	if (ep->atyp == SX_ATYP_DOMAIN)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (ep->addr[i] != 0)
			return false;
	}
	return true;
}

bool
udprules_same_addr(const struct sx_endpoint *a, const struct sx_endpoint *b)
{
	if (a->atyp != b->atyp || a->port != b->port || a->atyp == SX_ATYP_DOMAIN)
		return false;
	return memcmp(a->addr, b->addr, a->atyp == SX_ATYP_IPV4 ? 4 : 16) == 0;
}

int
udprules_to_family(const struct sx_endpoint *ep, int family,
		   struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 sin6;

	if (ep->atyp == SX_ATYP_DOMAIN)
		return -EINVAL;
	if (family == AF_INET && ep->atyp == SX_ATYP_IPV6)
		return -EAFNOSUPPORT;
	if (family == AF_INET6 && ep->atyp == SX_ATYP_IPV4) {
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons(ep->port);
		sin6.sin6_addr.s6_addr[10] = 0xff;
		sin6.sin6_addr.s6_addr[11] = 0xff;
		memcpy(&sin6.sin6_addr.s6_addr[12], ep->addr, 4);
		memset(ss, 0, sizeof(*ss));
		memcpy(ss, &sin6, sizeof(sin6));
		*len = sizeof(sin6);
		return 0;
	}
	return sx_endpoint_to_sockaddr(ep, ss, len);
}

void
udprules_declared_source(const struct sx_endpoint *bound,
			 const struct sx_endpoint *ctrl_local,
			 struct sx_endpoint *out)
{
	*out = *bound;
	if (!ctrl_local || !udprules_is_unspecified(bound))
		return;
	*out = *ctrl_local;
	out->port = bound->port;
}

bool
udprules_relay_is_proxy(const struct sx_endpoint *bnd)
{
	return udprules_is_unspecified(bnd);
}

int
udprules_relay(const struct sx_endpoint *bnd, const struct sx_endpoint *proxy,
	       struct sx_endpoint *out)
{
	if (bnd->atyp == SX_ATYP_DOMAIN)
		return -EPROTO;
	*out = *bnd;
	if (!udprules_relay_is_proxy(bnd))
		return 0;
	if (!proxy || proxy->atyp == SX_ATYP_DOMAIN)
		return -EPROTO;
	*out = *proxy;
	out->port = bnd->port;
	return 0;
}

bool
udprules_filters(const struct udpassoc_info *info)
{
	if (info->local_dns)
		return true;
	if (info->state == UDPASSOC_DIRECT)
		return false;
	return info->state == UDPASSOC_ASSOCIATED || info->has_peer;
}

bool
udprules_from_relay(const struct udpassoc_info *info,
		    const struct sx_endpoint *relay,
		    const struct sx_endpoint *from)
{
	return info->state == UDPASSOC_ASSOCIATED && udprules_same_addr(from, relay);
}

bool
udprules_relayed_whole(const struct socks5_udp_header *hdr)
{
	return hdr->frag == 0;
}

bool
udprules_from_peer(const struct sx_endpoint *peer, const struct sx_endpoint *src)
{
	if (peer->atyp != SX_ATYP_DOMAIN)
		return udprules_same_addr(peer, src);
	if (src->port != peer->port)
		return false;
	if (src->atyp != SX_ATYP_DOMAIN)
		return true;
	return strcasecmp(src->name, peer->name) == 0;
}

bool
udprules_stranger_passes(const struct udpassoc_info *info, const struct route *r)
{
	return !info->has_peer &&
	       (r->action == ROUTE_DIRECT || info->state == UDPASSOC_DIRECT);
}

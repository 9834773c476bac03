/*
 * The addresses of BIND (bindaddr.h): comparisons of socket addresses and
 * endpoints, an IPv4 address the same whether it comes as AF_INET or
 * v4-mapped in AF_INET6.
 */
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "bindaddr.h"

/*
 * Normalise a socket address for comparison: an IPv4 address stays IPv4
 * whether it came as AF_INET or v4-mapped in AF_INET6.
 */
static bool
bindaddr_norm(const struct sockaddr *sa, socklen_t len, struct sx_endpoint *ep)
{
	return sa && sx_endpoint_from_sockaddr(ep, sa, len) == 0;
}

static bool
bindaddr_same(const struct sx_endpoint *a, const struct sx_endpoint *b)
{
	if (a->atyp != b->atyp)
		return false;
	return memcmp(a->addr, b->addr, a->atyp == SX_ATYP_IPV4 ? 4 : 16) == 0;
}

static bool
bindaddr_is_unspecified(const struct sx_endpoint *ep)
{
	static const uint8_t zero[16];

	if (ep->atyp == SX_ATYP_IPV4)
		return memcmp(ep->addr, zero, 4) == 0;
	if (ep->atyp == SX_ATYP_IPV6)
		return memcmp(ep->addr, zero, 16) == 0;
	return false;
}

static bool
bindaddr_is_loopback(const struct sx_endpoint *ep)
{
	static const uint8_t one[16] = { [15] = 1 };

	if (ep->atyp == SX_ATYP_IPV4)
		return ep->addr[0] == 127;
	if (ep->atyp == SX_ATYP_IPV6)
		return memcmp(ep->addr, one, 16) == 0;
	return false;
}

bool
bindaddr_is_addr(const struct sx_endpoint *ep)
{
	if (ep->atyp != SX_ATYP_IPV4 && ep->atyp != SX_ATYP_IPV6)
		return false;
	return !bindaddr_is_unspecified(ep);
}

bool
bindaddr_matches(const struct sockaddr *sa, socklen_t len,
		 const struct sx_endpoint *conn_bnd,
		 const struct sockaddr *local, socklen_t locallen)
{
	struct sx_endpoint want, mine;

	if (!bindaddr_norm(sa, len, &want))
		return false;
	if (bindaddr_is_unspecified(&want))
		return want.port == 0;
	if (conn_bnd && bindaddr_is_addr(conn_bnd))
		return bindaddr_same(&want, conn_bnd);
	if (want.port != 0 || bindaddr_is_loopback(&want))
		return false;
	return bindaddr_norm(local, locallen, &mine) && bindaddr_same(&want, &mine);
}

int
bindaddr_to_family(const struct sx_endpoint *ep, int family,
		   struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in6 sin6;

	if (ep->atyp == SX_ATYP_IPV4 && family == AF_INET6) {
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
	if ((ep->atyp == SX_ATYP_IPV4 && family == AF_INET) ||
	    (ep->atyp == SX_ATYP_IPV6 && family == AF_INET6))
		return sx_endpoint_to_sockaddr(ep, ss, len);
	return -EAFNOSUPPORT;
}

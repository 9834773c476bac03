/*
 * Conventions shared by every core/ module: return values, readiness wants,
 * and the endpoint type that names a SOCKS destination.
 * Inside the tree: 0 or a count on success, -errno on failure; predicates
 * return bool.  No module state lives here.
 */
#ifndef SX_H
#define SX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#define SX_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* What a resumable step needs before it can go on. */
enum sx_want {
	SX_DONE = 0,
	SX_WANT_READ = 1,
	SX_WANT_WRITE = 2,
	/*
	 * The proxy answered a pipelined greeting but not the request within
	 * the probe's window (handshake_probe()): redo the exchange lock-step
	 * on a fresh connection.
	 */
	SX_WANT_LOCKSTEP = 3,
};

/* Address types, numbered as SOCKS5 numbers them (RFC 1928 section 4). */
enum sx_atyp {
	SX_ATYP_IPV4 = 0x01,
	SX_ATYP_DOMAIN = 0x03,
	SX_ATYP_IPV6 = 0x04,
};

/*
 * A destination or bound address as SOCKS carries it: an IPv4 or IPv6
 * address or a host name, and a port in host byte order.
 */
struct sx_endpoint {
	uint8_t atyp;
	uint8_t name_len;	/* SX_ATYP_DOMAIN only, 1..255 */
	uint16_t port;
	uint8_t addr[16];	/* 4 bytes for IPv4, 16 for IPv6 */
	char name[256];		/* NUL-terminated, SX_ATYP_DOMAIN only */
};

/* Fill an endpoint from a socket address; -EAFNOSUPPORT for other families. */
int sx_endpoint_from_sockaddr(struct sx_endpoint *ep, const struct sockaddr *sa,
			      socklen_t len);
/* Fill an endpoint from a host name; -ENAMETOOLONG, -EINVAL for an empty one. */
int sx_endpoint_from_name(struct sx_endpoint *ep, const char *name,
			  uint16_t port);
/* Turn an address endpoint into a socket address; -EINVAL for a name. */
int sx_endpoint_to_sockaddr(const struct sx_endpoint *ep,
			    struct sockaddr_storage *ss, socklen_t *len);
/* Print "1.2.3.4:80", "[::1]:80" or "name:80" into buf (always terminated). */
void sx_endpoint_format(const struct sx_endpoint *ep, char *buf, size_t cap);
/* Print a socket address the same way. */
void sx_sockaddr_format(const struct sockaddr *sa, socklen_t len, char *buf,
			size_t cap);

#endif

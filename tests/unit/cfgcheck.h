/*
 * Checks shared by the unit tests of the configuration (test_proxyurl.c,
 * test_noproxy.c, test_config.c): error lines, zeroed memory, the proxy's
 * stored address, and socket addresses built from text.
 */
#ifndef SX_TEST_CFGCHECK_H
#define SX_TEST_CFGCHECK_H

#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "tap.h"

#define SIN_LEN ((socklen_t)sizeof(struct sockaddr_in))
#define SIN6_LEN ((socklen_t)sizeof(struct sockaddr_in6))

/* One line of printable ASCII, not empty. */
static inline bool
is_one_line(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return false;
	}
	return true;
}

static inline bool
has(const char *hay, const char *needle)
{
	return hay != NULL && strstr(hay, needle) != NULL;
}

static inline bool
is_zero(const void *p, size_t n)
{
	const unsigned char *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i] != 0)
			return false;
	}
	return true;
}

/* The proxy's address: family, bytes and port, as config stores it. */
static inline void
check_addr(const struct config_proxy *p, int family, const char *addr,
	   uint16_t port, const char *what)
{
	char label[256];
	uint8_t want[16];
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	if (family == 0) {
		snprintf(label, sizeof(label), "%s: no address until resolved",
			 what);
		is_int(p->addrlen, 0, label);
		return;
	}
	inet_pton(family, addr, want);
	snprintf(label, sizeof(label), "%s: address family", what);
	is_int(p->addr.ss_family, family, label);
	if (family == AF_INET) {
		memcpy(&sin, &p->addr, sizeof(sin));
		snprintf(label, sizeof(label), "%s: addrlen", what);
		is_int(p->addrlen, sizeof(sin), label);
		snprintf(label, sizeof(label), "%s: address bytes", what);
		is_bytes(&sin.sin_addr, want, 4, label);
		snprintf(label, sizeof(label), "%s: address port", what);
		is_int(ntohs(sin.sin_port), port, label);
	} else {
		memcpy(&sin6, &p->addr, sizeof(sin6));
		snprintf(label, sizeof(label), "%s: addrlen", what);
		is_int(p->addrlen, sizeof(sin6), label);
		snprintf(label, sizeof(label), "%s: address bytes", what);
		is_bytes(sin6.sin6_addr.s6_addr, want, 16, label);
		snprintf(label, sizeof(label), "%s: address port", what);
		is_int(ntohs(sin6.sin6_port), port, label);
	}
}

static struct sockaddr_storage sa_buf;

static inline const struct sockaddr *
sa4(const char *ip, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	memset(&sa_buf, 0, sizeof(sa_buf));
	memcpy(&sa_buf, &sin, sizeof(sin));
	return (const struct sockaddr *)&sa_buf;
}

static inline const struct sockaddr *
sa6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &sin6.sin6_addr);
	memset(&sa_buf, 0, sizeof(sa_buf));
	memcpy(&sa_buf, &sin6, sizeof(sin6));
	return (const struct sockaddr *)&sa_buf;
}

#endif

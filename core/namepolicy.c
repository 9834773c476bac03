/*
 * The resolver's name policy (see namepolicy.h): the rules the resolver
 * hooks share, kept apart from them so that they can be tested alone.
 */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "chain.h"
#include "namepolicy.h"
#include "noproxy.h"

bool
namepolicy_resolves_locally(const struct config *cfg)
{
	return cfg->valid && !chain_exit_proxy(cfg)->remote_dns;
}

size_t
namepolicy_name_len(const char *name)
{
	size_t n = strnlen(name, NAMEPOLICY_NAME_MAX + 2);

	if (n > 0 && name[n - 1] == '.')
		n--;
	return n;
}

bool
namepolicy_name_fits(const char *name)
{
	return name[0] != '\0' && namepolicy_name_len(name) <= NAMEPOLICY_NAME_MAX;
}

bool
namepolicy_is_localhost(const char *name)
{
	static const char suffix[] = "localhost";
	size_t n = namepolicy_name_len(name);
	size_t s = sizeof(suffix) - 1;

	if (n < s || n > NAMEPOLICY_NAME_MAX)
		return false;
	if (strncasecmp(name + n - s, suffix, s) != 0)
		return false;
	return n == s || name[n - s - 1] == '.';
}

bool
namepolicy_is_digits_dots(const char *name, int family)
{
	size_t n = strlen(name);

	if (n == 0)
		return false;
	if (isdigit((unsigned char)name[0]) &&
	    strspn(name, "0123456789.") == n && name[n - 1] != '.')
		return true;
	if ((isxdigit((unsigned char)name[0]) && strchr(name, ':')) ||
	    name[0] == ':') {
		if (family == AF_INET)
			return true;
		return strspn(name, "0123456789abcdefABCDEF:.") == n &&
		       name[n - 1] != '.';
	}
	return false;
}

bool
namepolicy_is_plain_name(const char *node)
{
	bool other = false;

	for (const char *c = node; *c; c++) {
		if (*c == ':')
			return false;
		if (!isxdigit((unsigned char)*c) && *c != 'x' && *c != 'X' && *c != '.')
			other = true;
	}
	return other;
}

enum namepolicy_source
namepolicy_decide(const struct config *cfg, const struct sx_sys *sys,
		  const char *hosts_path, const char *name,
		  struct hosts_answer *ans)
{
	if (namepolicy_is_localhost(name)) {
		if (hosts_lookup_name(hosts_path, sys, name, ans) == 0) {
			size_t n = namepolicy_name_len(name);

			memcpy(ans->canon, name, n);
			ans->canon[n] = '\0';
		}
		return NAMEPOLICY_LOCALHOST;
	}
	if (cfg->hosts_file && hosts_lookup_name(hosts_path, sys, name, ans) > 0)
		return NAMEPOLICY_LOCAL;
	if (cfg->valid && noproxy_matches(cfg, name, NULL, 0))
		return NAMEPOLICY_REAL;
	return NAMEPOLICY_FAKE;
}

void
namepolicy_complete_localhost(struct hosts_answer *ans, int family)
{
	struct hosts_addr *a;

	for (size_t i = 0; i < ans->count; i++) {
		if (family == AF_UNSPEC || ans->addr[i].family == family)
			return;
	}
	if (family == AF_UNSPEC) {
		namepolicy_complete_localhost(ans, AF_INET);
		namepolicy_complete_localhost(ans, AF_INET6);
		return;
	}
	if ((family != AF_INET && family != AF_INET6) ||
	    ans->count == HOSTS_ADDR_MAX)
		return;
	a = &ans->addr[ans->count++];
	memset(a, 0, sizeof(*a));
	a->family = family;
	if (family == AF_INET) {
		a->addr[0] = 127;
		a->addr[3] = 1;
	} else {
		a->addr[15] = 1;
	}
}

static const uint8_t namepolicy_v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

int
namepolicy_reverse_family(int family, const uint8_t **addr)
{
	static const uint8_t zero[12];
	const uint8_t *a = *addr;

	if (family != AF_INET6)
		return family;
	if (memcmp(a, namepolicy_v4mapped, sizeof(namepolicy_v4mapped)) == 0 ||
	    (memcmp(a, zero, sizeof(zero)) == 0 &&
	     ((a[12] | a[13] | a[14]) != 0 || a[15] > 1))) {
		*addr = a + 12;
		return AF_INET;
	}
	return family;
}

int
namepolicy_hosts_family(int family, const uint8_t **addr)
{
	if (family == AF_INET6 &&
	    memcmp(*addr, namepolicy_v4mapped, sizeof(namepolicy_v4mapped)) == 0) {
		*addr += 12;
		return AF_INET;
	}
	return family;
}

size_t
namepolicy_addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

int
namepolicy_byaddr_shape(int family, const void *addr, size_t len,
			const char **why)
{
	size_t alen;

	*why = NULL;
	if (family != AF_INET && family != AF_INET6) {
		*why = "the address family is neither AF_INET nor AF_INET6";
		return -EAFNOSUPPORT;
	}
	alen = namepolicy_addr_len(family);
	if (!addr) {
		*why = "the address is NULL";
		return -EINVAL;
	}
	if (len < alen) {
		*why = "the length is shorter than the family's address";
		return -EAFNOSUPPORT;
	}
	if (len != alen) {
		*why = "the length is not the family's address length "
		       "and the address is not a fake one";
		return NAMEPOLICY_BYADDR_LONG;
	}
	return 0;
}

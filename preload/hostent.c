/*
 * The hostent answers of the gethostbyname() and gethostbyaddr() families
 * under remote DNS, laid out in the caller's buffer (or one per thread):
 * a fake address, the hosts file's addresses, the real resolver's for a
 * NO_PROXY name, a reverse lookup's name; and the translation of the
 * result into h_errno, errno and the _r functions' return values.
 *
 * Under remote DNS the real functions are never reached with arguments
 * they would answer by asking DNS (core/namepolicy.c reads the shapes):
 *   - gethostbyaddr() with a length longer than the family's address (the
 *     C library's DNS module reads the first 4 or 16 bytes and asks about
 *     them; a classic bug passes sizeof(struct sockaddr_in)): a fake
 *     address there gives its name, anything else is HOST_NOT_FOUND;
 *   - a shorter length, or a family other than AF_INET and AF_INET6:
 *     NETDB_INTERNAL with EAFNOSUPPORT, as that module fails them;
 *   - a NULL address, name or result pointer: NETDB_INTERNAL with EINVAL
 *     (the C library would query first and crash afterwards).
 * A name the file lists, but not for the family asked for, is
 * HOST_NOT_FOUND rather than a question to DNS.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

#include "dns.h"
#include "fakeip.h"
#include "hostent.h"
#include "log.h"
#include "preload.h"

static __thread struct hostent_tls hostent_tls_answer
	__attribute__((tls_model("initial-exec")));

struct hostent_tls *
hostent_tls(void)
{
	return &hostent_tls_answer;
}

/*
 * Lay out a hostent in buf: the address pointers, an empty alias list,
 * the addresses (count of them, namepolicy_addr_len(family) bytes each, taken
 * from addrs[i]) and the name.  -ERANGE when buf is too small.
 */
static int
hostent_fill(struct hostent *he, char *buf, size_t buflen, const char *name,
	     size_t name_len, int family, const struct hosts_addr *addrs,
	     size_t count)
{
	size_t alen = namepolicy_addr_len(family);
	size_t pad = (alignof(char *) - (uintptr_t)buf % alignof(char *)) %
		     alignof(char *);
	size_t need = pad + (count + 2) * sizeof(char *) + count * alen +
		      name_len + 1;
	char **list, **aliases;
	char *p;

	if (!buf || buflen < need)
		return -ERANGE;
	list = (char **)(void *)(buf + pad);
	aliases = list + count + 1;
	p = (char *)(aliases + 1);
	for (size_t i = 0; i < count; i++) {
		memcpy(p, addrs[i].addr, alen);
		list[i] = p;
		p += alen;
	}
	list[count] = NULL;
	aliases[0] = NULL;
	memcpy(p, name, name_len);
	p[name_len] = '\0';
	he->h_name = p;
	he->h_aliases = aliases;
	he->h_addrtype = family;
	he->h_length = (int)alen;
	he->h_addr_list = list;
	return 0;
}

/* A NO_PROXY name for the gethostbyname family: the real resolver. */
static int
hostent_by_name_real(const char *name, int family, struct hostent *he,
		     char *buf, size_t buflen)
{
	struct hosts_addr picked[HOSTS_ADDR_MAX];
	struct addrinfo h, *res, *ai;
	const char *canon;
	size_t n = 0;
	int rc;

	memset(&h, 0, sizeof(h));
	h.ai_family = family;
	h.ai_socktype = SOCK_STREAM;
	h.ai_flags = AI_CANONNAME;
	if (real.getaddrinfo(name, NULL, &h, &res) != 0)
		return -ENOENT;
	dns_note_direct(res);
	for (ai = res; ai && n < HOSTS_ADDR_MAX; ai = ai->ai_next) {
		memset(&picked[n], 0, sizeof(picked[n]));
		picked[n].family = family;
		if (family == AF_INET)
			memcpy(picked[n].addr, &((struct sockaddr_in *)ai->ai_addr)->sin_addr, 4);
		else
			memcpy(picked[n].addr,
			       &((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr, 16);
		n++;
	}
	canon = res->ai_canonname ? res->ai_canonname : name;
	rc = hostent_fill(he, buf, buflen, canon, strlen(canon), family, picked, n);
	real.freeaddrinfo(res);
	return rc;
}

/*
 * Answer a forward lookup of name for family into he and buf: 0,
 * SX_PASS (the real call answers), -ENOENT (HOST_NOT_FOUND), -ERANGE,
 * -ENOMEM or -EAFNOSUPPORT.
 */
int
hostent_by_name(const char *name, int family, struct hostent *he, char *buf,
		size_t buflen)
{
	struct hosts_answer ans;
	struct hosts_addr picked[HOSTS_ADDR_MAX];
	struct sockaddr_storage ss;
	socklen_t len;
	size_t n = 0;
	int rc;

	if (dns_local_resolution())
		return SX_PASS;
	if (family != AF_INET && family != AF_INET6)
		return -EAFNOSUPPORT;
	if (namepolicy_is_digits_dots(name, family))
		return SX_PASS;
	if (!namepolicy_name_fits(name))
		return -ENOENT;
	switch (dns_decide(name, &ans)) {
	case NAMEPOLICY_REAL:
		return hostent_by_name_real(name, family, he, buf, buflen);
	case NAMEPOLICY_LOCALHOST:
		namepolicy_complete_localhost(&ans, family);
		/* fall through */
	case NAMEPOLICY_LOCAL:
		for (size_t i = 0; i < ans.count; i++) {
			if (ans.addr[i].family == family)
				picked[n++] = ans.addr[i];
		}
		if (n == 0)
			return -ENOENT;
		return hostent_fill(he, buf, buflen, ans.canon, strlen(ans.canon),
			       family, picked, n);
	default:
		break;
	}
	rc = dns_fake_assign(name, family, &ss, &len);
	if (rc == -ENOMEM || rc == -EAGAIN)
		return rc;
	if (rc < 0)
		return -ENOENT;
	memset(&picked[0], 0, sizeof(picked[0]));
	picked[0].family = family;
	memcpy(picked[0].addr, dns_raw_addr((struct sockaddr *)&ss),
	       namepolicy_addr_len(family));
	rc = hostent_fill(he, buf, buflen, name, namepolicy_name_len(name), family,
			  picked, 1);
	if (rc == 0 && log_enabled(LOG_LEVEL_DEBUG)) {
		char text[INET6_ADDRSTRLEN];

		if (inet_ntop(family, picked[0].addr, text, sizeof(text)))
			log_debug("%s -> %s", name, text);
	}
	return rc;
}


/*
 * gethostbyaddr() (fn names the caller for the log) for an address we
 * answer: see dns_reverse().  Under remote DNS the real call is reached
 * only with an address NO_PROXY excludes, given with its family's exact
 * length; every other shape of arguments is answered or refused here (see
 * the top of the file).
 */
int
hostent_by_addr(const char *fn, const void *addr, socklen_t len, int type,
		struct hostent *he, char *buf, size_t buflen)
{
	struct hosts_addr a;
	char name[NAMEPOLICY_NAME_MAX + 1];
	const char *why;
	int shape, rc;

	if (dns_local_resolution())
		return SX_PASS;
	shape = namepolicy_byaddr_shape(type, addr, len, &why);
	if (shape < 0) {
		dns_log_odd(fn, why);
		return shape;
	}
	memset(&a, 0, sizeof(a));
	a.family = type;
	memcpy(a.addr, addr, namepolicy_addr_len(type));
	if (shape == NAMEPOLICY_BYADDR_LONG && !fakeip_is_fake_raw(type, a.addr)) {
		dns_log_odd(fn, why);
		return -ENOENT;
	}
	rc = dns_reverse(type, a.addr, name, sizeof(name));
	if (rc == -ENODATA)
		return -ENOENT;
	if (rc != 0)
		return rc;
	return hostent_fill(he, buf, buflen, name, strlen(name), type, &a, 1);
}

/* Turn hostent_by_*()'s result into gethostbyname_r()'s; rc != SX_PASS. */
int
hostent_r_result(int rc, struct hostent *ret, struct hostent **result,
		 int *h_errnop, int saved_errno)
{
	/* Like the C library, set h_errno too: some programs read that one. */
	if (rc == 0) {
		*result = ret;
		*h_errnop = NETDB_SUCCESS;
		h_errno = NETDB_SUCCESS;
		errno = saved_errno;
		return 0;
	}
	*result = NULL;
	if (rc == -ENOENT) {
		*h_errnop = HOST_NOT_FOUND;
		h_errno = HOST_NOT_FOUND;
		errno = saved_errno;
		return 0;
	}
	/*
	 * No fake address free yet: TRY_AGAIN and EAGAIN, as the C library
	 * answers when a name server does not answer in time.
	 */
	if (rc == -EAGAIN) {
		*h_errnop = TRY_AGAIN;
		h_errno = TRY_AGAIN;
		errno = EAGAIN;
		return EAGAIN;
	}
	*h_errnop = NETDB_INTERNAL;
	h_errno = NETDB_INTERNAL;
	errno = -rc;
	return -rc;
}

/* Turn hostent_by_*()'s result into gethostbyname()'s; rc != SX_PASS. */
struct hostent *
hostent_result(int rc, int saved_errno)
{
	if (rc == 0) {
		errno = saved_errno;
		return &hostent_tls_answer.he;
	}
	if (rc == -ENOENT) {
		h_errno = HOST_NOT_FOUND;
		errno = saved_errno;
		return NULL;
	}
	if (rc == -EAGAIN) {
		h_errno = TRY_AGAIN;
		errno = saved_errno;
		return NULL;
	}
	h_errno = NETDB_INTERNAL;
	errno = -rc;
	return NULL;
}

/*
 * The _r functions under remote DNS with a NULL pointer the C library
 * would write through only after asking DNS: refused.
 */
int
hostent_r_null(const char *fn, struct hostent **result, int *h_errnop)
{
	dns_log_odd(fn, "a name, address or result pointer is NULL");
	if (result)
		*result = NULL;
	if (h_errnop)
		*h_errnop = NETDB_INTERNAL;
	h_errno = NETDB_INTERNAL;
	errno = EINVAL;
	return EINVAL;
}


/*
 * Forward lookups of the gethostbyname() family: gethostbyname(),
 * gethostbyname2(), their _r forms, and res_gethostbyname() and
 * res_gethostbyname2(), libresolv's old entry points, which ask DNS
 * through the C library's internal resolver and answer here as
 * gethostbyname() and gethostbyname2() do.
 *
 * Under remote DNS (socks4a://, socks5h://) no name is resolved here:
 * the answer is a fake address, the hosts file's (numeric names and
 * localhost resolve locally), or the real resolver's for a NO_PROXY name
 * (hostent.c, core/namepolicy.c).  Under local DNS the real functions
 * answer, the real gethostbyname() family for the res_*() names too.
 */
#include <errno.h>
#include <netdb.h>
#include <stdbool.h>

#include "dns.h"
#include "hostent.h"
#include "preload.h"

/* gethostbyname() and gethostbyname2() (v2: af given); the guard is not held. */
static struct hostent *
byname_hook(const char *fn, const char *name, int af, bool v2)
{
	struct hostent *he;
	int saved_errno = errno;
	int rc;

	sx_enter();
	if (!name && !dns_local_resolution()) {
		dns_log_odd(fn, "the name is NULL");
		rc = -EINVAL;
	} else if (!name) {
		rc = SX_PASS;
	} else {
		rc = hostent_by_name(name, af, &hostent_tls()->he,
				     hostent_tls()->buf, sizeof(hostent_tls()->buf));
	}
	if (rc == SX_PASS) {
		he = v2 ? real.gethostbyname2(name, af) : real.gethostbyname(name);
		sx_leave();
		return he;
	}
	sx_leave();
	return hostent_result(rc, saved_errno);
}

SX_EXPORT struct hostent *
gethostbyname(const char *name)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyname(name);
	return byname_hook("gethostbyname", name, AF_INET, false);
}

SX_EXPORT struct hostent *
gethostbyname2(const char *name, int af)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyname2(name, af);
	return byname_hook("gethostbyname2", name, af, true);
}

/*
 * res_gethostbyname() and res_gethostbyname2(): libresolv's old entry
 * points, kept for programs linked long ago, ask DNS through the C
 * library's internal resolver.  They answer as gethostbyname() and
 * gethostbyname2() do, the real ones of those under local DNS.
 */
/* Declared here: no header of the C library declares them any more. */
struct hostent *res_gethostbyname(const char *name);
struct hostent *res_gethostbyname2(const char *name, int af);

SX_EXPORT struct hostent *
res_gethostbyname(const char *name)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyname(name);
	return byname_hook("res_gethostbyname", name, AF_INET, false);
}

SX_EXPORT struct hostent *
res_gethostbyname2(const char *name, int af)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyname2(name, af);
	return byname_hook("res_gethostbyname2", name, af, true);
}

/* gethostbyname_r() and gethostbyname2_r() (v2: af given); the guard is not held. */
static int
byname_r_hook(const char *fn, const char *name, int af, bool v2,
	      struct hostent *ret, char *buf, size_t buflen,
	      struct hostent **result, int *h_errnop)
{
	int saved_errno = errno;
	int rc;

	sx_enter();
	if (!name || !ret || !result || !h_errnop) {
		if (!dns_local_resolution()) {
			sx_leave();
			return hostent_r_null(fn, result, h_errnop);
		}
		rc = SX_PASS;
	} else {
		rc = hostent_by_name(name, af, ret, buf, buflen);
	}
	if (rc == SX_PASS) {
		if (v2)
			rc = real.gethostbyname2_r(name, af, ret, buf, buflen,
						   result, h_errnop);
		else
			rc = real.gethostbyname_r(name, ret, buf, buflen, result,
						  h_errnop);
		sx_leave();
		return rc;
	}
	sx_leave();
	return hostent_r_result(rc, ret, result, h_errnop, saved_errno);
}

SX_EXPORT int
gethostbyname_r(const char *name, struct hostent *ret, char *buf, size_t buflen,
		struct hostent **result, int *h_errnop)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyname_r(name, ret, buf, buflen, result,
					    h_errnop);
	return byname_r_hook("gethostbyname_r", name, AF_INET, false, ret,
				buf, buflen, result, h_errnop);
}

SX_EXPORT int
gethostbyname2_r(const char *name, int af, struct hostent *ret, char *buf,
		 size_t buflen, struct hostent **result, int *h_errnop)
{
	sx_ready();
	if (sx_guarded())
		return real.gethostbyname2_r(name, af, ret, buf, buflen, result,
					     h_errnop);
	return byname_r_hook("gethostbyname2_r", name, af, true, ret, buf,
				buflen, result, h_errnop);
}


/*
 * getnetbyname(), getnetbyaddr() and their _r forms: the name service
 * switch's DNS module for the networks database asks DNS inside the C
 * library, where no other hook sees it.  Under remote DNS the networks
 * database is set, once for the process, to the files module alone
 * (__nss_configure_lookup(), <nss.h>), then the real functions answer
 * from /etc/networks.
 */
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <pthread.h>
#include <stdint.h>

#include "dns.h"
#include "log.h"
#include "preload.h"

static pthread_once_t networks_once = PTHREAD_ONCE_INIT;

/* Limit the networks database to the files module. */
static void
networks_files(void)
{
	if (__nss_configure_lookup("networks", "files") < 0)
		log_warn("cannot limit the networks database to files: "
			 "getnetbyname() and getnetbyaddr() may ask DNS");
	else
		log_debug("networks database limited to files (remote DNS)");
}

/*
 * Before a networks lookup: under remote DNS, make sure the files module
 * alone answers it.  The guard is not held.
 */
static void
networks_prepare(void)
{
	int saved_errno = errno;

	if (sx_guarded())
		return;
	if (dns_local_resolution())
		return;
	sx_enter();
	pthread_once(&networks_once, networks_files);
	sx_leave();
	errno = saved_errno;
}

SX_EXPORT struct netent *
getnetbyname(const char *name)
{
	sx_ready();
	networks_prepare();
	if (!real.getnetbyname)
		return NULL;
	return real.getnetbyname(name);
}

SX_EXPORT struct netent *
getnetbyaddr(uint32_t net, int type)
{
	sx_ready();
	networks_prepare();
	if (!real.getnetbyaddr)
		return NULL;
	return real.getnetbyaddr(net, type);
}

SX_EXPORT int
getnetbyname_r(const char *name, struct netent *ret, char *buf, size_t buflen,
	       struct netent **result, int *h_errnop)
{
	sx_ready();
	networks_prepare();
	if (!real.getnetbyname_r)
		return ENOSYS;
	return real.getnetbyname_r(name, ret, buf, buflen, result, h_errnop);
}

SX_EXPORT int
getnetbyaddr_r(uint32_t net, int type, struct netent *ret, char *buf,
	       size_t buflen, struct netent **result, int *h_errnop)
{
	sx_ready();
	networks_prepare();
	if (!real.getnetbyaddr_r)
		return ENOSYS;
	return real.getnetbyaddr_r(net, type, ret, buf, buflen, result,
				   h_errnop);
}

/*
 * Network paths inside the C library that the other hooks cannot see: the
 * C library calls its own socket(), connect(), sendto(), getaddrinfo() and
 * resolver internally, never through the symbols this library interposes,
 * so each of these entry points is decided here, before the C library does
 * any of the work.
 *
 *   rcmd(), rcmd_af(), rexec(), rexec_af() resolve a host and connect to
 *     it.  They cannot go through a SOCKS proxy: rcmd() needs a privileged
 *     source port (the server checks it, and the proxy's port is the
 *     proxy's), and both have the server open a second connection back to
 *     the client for the command's stderr.  The host is resolved here as
 *     getaddrinfo() answers it under this library (a fake address under
 *     remote DNS, NO_PROXY names for real) and its first address routed as
 *     connect() routes it: a destination reached directly (the loopback
 *     with SOCKSIFY_LOOPBACK=direct, NO_PROXY) gets the real call with
 *     that address in numeric form, so that the C library resolves nothing
 *     itself; anything else is refused: -1 with errno ENETUNREACH (or what
 *     the routing says) and one log line.  *ahost is left as the program
 *     gave it.  rexec() looks the host up in ~/.netrc by that numeric form.
 *   ruserok(), ruserok_af(), iruserok(), iruserok_af() resolve the host
 *     and every name in hosts.equiv and .rhosts through the C library's
 *     internal getaddrinfo().  Under remote DNS they are refused (-1, "not
 *     allowed") with one log line; under local DNS the real ones run.
 *   getnetbyname(), getnetbyaddr() and their _r forms: the name service
 *     switch's DNS module for the networks database asks DNS internally.
 *     Under remote DNS the networks database is set, once for the process,
 *     to the files module alone (__nss_configure_lookup(), <nss.h>), then
 *     the real functions answer from /etc/networks.
 *
 * Functions that need no hook: rresvport() and rresvport_af() only bind a
 * socket locally (the program's connect() on it is hooked as any other);
 * ruserpass() reads ~/.netrc; the services, protocols, rpc, ethers,
 * aliases and netgroup databases have no module inside the C library that
 * uses the network (modules outside it, such as NIS or LDAP, call the
 * exported functions, which are hooked); gethostent() reads the hosts
 * file (the C library's DNS module cannot enumerate).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#include "dns.h"
#include "log.h"
#include "preload.h"
#include "route.h"

/* True when names go to the real resolver: the user chose local DNS. */
static bool
libcnet_local_dns(void)
{
	return sx_cfg.valid && !sx_cfg.proxy.remote_dns;
}

/*
 * Decide a TCP connection of the C library's own to host (a name or an
 * address) on port (host order) in family af (AF_INET, AF_INET6 or
 * AF_UNSPEC), made by fn: 0 when it may go directly, with text (cap
 * bytes) holding the first address in numeric form; -errno with one log
 * line otherwise (why names what the proxy cannot carry).
 */
static int
libcnet_decide(const char *fn, const char *host, unsigned int port, int af,
	       const char *why, char *text, size_t cap)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	struct route r;
	socklen_t len;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = af;
	hints.ai_socktype = SOCK_STREAM;
	rc = dns_getaddrinfo_hooked(host, NULL, &hints, &res);
	if (rc == EAI_FAMILY) {
		log_warn("refusing %s() to %s: address family %d", fn, host, af);
		return -EAFNOSUPPORT;
	}
	if (rc != 0) {
		log_warn("refusing %s() to %s: the name does not resolve (%s)", fn,
			 host, gai_strerror(rc));
		return -EHOSTUNREACH;
	}
	len = res->ai_addrlen <= sizeof(ss) ? res->ai_addrlen : sizeof(ss);
	memcpy(&ss, res->ai_addr, len);
	real.freeaddrinfo(res);
	if (ss.ss_family == AF_INET)
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
	route_decide(&sx_cfg, (struct sockaddr *)&ss, len, SOCK_STREAM, &r);
	if (r.action == ROUTE_DENY) {
		log_warn("refusing %s() to %s port %u: %s", fn, host, port, r.reason);
		return -r.error;
	}
	if (r.action == ROUTE_PROXY) {
		log_warn("refusing %s() to %s port %u: %s, which a SOCKS proxy cannot "
			 "carry (only destinations reached directly are allowed)",
			 fn, host, port, why);
		return -ENETUNREACH;
	}
	rc = real.getnameinfo((struct sockaddr *)&ss, len, text, (socklen_t)cap,
			      NULL, 0, NI_NUMERICHOST);
	if (rc != 0) {
		log_warn("refusing %s() to %s: %s", fn, host, gai_strerror(rc));
		return -EINVAL;
	}
	log_debug("direct %s() to %s (%s) port %u: %s", fn, host, text, port,
		  r.reason);
	return 0;
}

static const char libcnet_rcmd_why[] =
	"it needs a privileged source port and a connection back from the "
	"server for stderr";
static const char libcnet_rexec_why[] =
	"it needs a connection back from the server for stderr";

/* rcmd() and rcmd_af(); rport in network order, as they take it. */
static int
libcnet_rcmd(const char *fn, char **ahost, unsigned short rport,
	     const char *locuser, const char *remuser, const char *cmd,
	     int *fd2p, sa_family_t af)
{
	char text[NI_MAXHOST];
	char *host = text;
	int saved_errno = errno;
	int rc;

	if (!real.rcmd_af) {
		errno = ENOSYS;
		return -1;
	}
	if (sx_guarded())
		return real.rcmd_af(ahost, rport, locuser, remuser, cmd, fd2p, af);
	sx_init();
	if (!ahost || !*ahost) {
		log_warn("refusing %s(): no host", fn);
		errno = EINVAL;
		return -1;
	}
	sx_enter();
	rc = libcnet_decide(fn, *ahost, ntohs(rport), af, libcnet_rcmd_why, text,
			    sizeof(text));
	if (rc < 0) {
		sx_leave();
		errno = -rc;
		return -1;
	}
	errno = saved_errno;
	rc = real.rcmd_af(&host, rport, locuser, remuser, cmd, fd2p, af);
	sx_leave();
	return rc;
}

SX_EXPORT int
rcmd(char **ahost, unsigned short rport, const char *locuser,
     const char *remuser, const char *cmd, int *fd2p)
{
	return libcnet_rcmd("rcmd", ahost, rport, locuser, remuser, cmd, fd2p,
			    AF_INET);
}

SX_EXPORT int
rcmd_af(char **ahost, unsigned short rport, const char *locuser,
	const char *remuser, const char *cmd, int *fd2p, sa_family_t af)
{
	return libcnet_rcmd("rcmd_af", ahost, rport, locuser, remuser, cmd, fd2p,
			    af);
}

/* rexec() and rexec_af(); rport in network order, as they take it. */
static int
libcnet_rexec(const char *fn, char **ahost, int rport, const char *name,
	      const char *pass, const char *cmd, int *fd2p, sa_family_t af)
{
	char text[NI_MAXHOST];
	char *host = text;
	int saved_errno = errno;
	int rc;

	if (!real.rexec_af) {
		errno = ENOSYS;
		return -1;
	}
	if (sx_guarded())
		return real.rexec_af(ahost, rport, name, pass, cmd, fd2p, af);
	sx_init();
	if (!ahost || !*ahost) {
		log_warn("refusing %s(): no host", fn);
		errno = EINVAL;
		return -1;
	}
	sx_enter();
	rc = libcnet_decide(fn, *ahost, ntohs((uint16_t)rport), af,
			    libcnet_rexec_why, text, sizeof(text));
	if (rc < 0) {
		sx_leave();
		errno = -rc;
		return -1;
	}
	errno = saved_errno;
	rc = real.rexec_af(&host, rport, name, pass, cmd, fd2p, af);
	sx_leave();
	return rc;
}

SX_EXPORT int
rexec(char **ahost, int rport, const char *name, const char *pass,
      const char *cmd, int *fd2p)
{
	return libcnet_rexec("rexec", ahost, rport, name, pass, cmd, fd2p,
			     AF_INET);
}

SX_EXPORT int
rexec_af(char **ahost, int rport, const char *name, const char *pass,
	 const char *cmd, int *fd2p, sa_family_t af)
{
	return libcnet_rexec("rexec_af", ahost, rport, name, pass, cmd, fd2p, af);
}

/*
 * True when the ruserok() family must be refused: under remote DNS (or an
 * invalid configuration), with one log line.  The guard is not held.
 */
static bool
libcnet_ruserok_refused(const char *fn, const char *host)
{
	if (sx_guarded())
		return false;
	sx_init();
	if (libcnet_local_dns())
		return false;
	log_warn("refusing %s() for %s: it resolves the host and the names in "
		 "hosts.equiv and .rhosts by asking DNS inside the C library, and "
		 "under remote DNS no query may leave the machine", fn,
		 host ? host : "(null)");
	return true;
}

SX_EXPORT int
ruserok(const char *rhost, int suser, const char *remuser, const char *locuser)
{
	int saved_errno = errno;

	if (libcnet_ruserok_refused("ruserok", rhost) || !real.ruserok_af) {
		errno = saved_errno;
		return -1;
	}
	return real.ruserok_af(rhost, suser, remuser, locuser, AF_INET);
}

SX_EXPORT int
ruserok_af(const char *rhost, int suser, const char *remuser,
	   const char *locuser, sa_family_t af)
{
	int saved_errno = errno;

	if (libcnet_ruserok_refused("ruserok_af", rhost) || !real.ruserok_af) {
		errno = saved_errno;
		return -1;
	}
	return real.ruserok_af(rhost, suser, remuser, locuser, af);
}

SX_EXPORT int
iruserok_af(const void *raddr, int suser, const char *remuser,
	    const char *locuser, sa_family_t af)
{
	char text[INET6_ADDRSTRLEN] = "an address";
	int saved_errno = errno;

	if (raddr && (af == AF_INET || af == AF_INET6))
		inet_ntop(af, raddr, text, sizeof(text));
	if (libcnet_ruserok_refused("iruserok_af", text) || !real.iruserok_af) {
		errno = saved_errno;
		return -1;
	}
	return real.iruserok_af(raddr, suser, remuser, locuser, af);
}

SX_EXPORT int
iruserok(uint32_t raddr, int suser, const char *remuser, const char *locuser)
{
	char text[INET_ADDRSTRLEN] = "an address";
	int saved_errno = errno;

	inet_ntop(AF_INET, &raddr, text, sizeof(text));
	if (libcnet_ruserok_refused("iruserok", text) || !real.iruserok_af) {
		errno = saved_errno;
		return -1;
	}
	return real.iruserok_af(&raddr, suser, remuser, locuser, AF_INET);
}

static pthread_once_t libcnet_networks_once = PTHREAD_ONCE_INIT;

/* Limit the networks database to the files module. */
static void
libcnet_networks_files(void)
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
libcnet_networks_prepare(void)
{
	int saved_errno = errno;

	if (sx_guarded())
		return;
	sx_init();
	if (libcnet_local_dns())
		return;
	sx_enter();
	pthread_once(&libcnet_networks_once, libcnet_networks_files);
	sx_leave();
	errno = saved_errno;
}

SX_EXPORT struct netent *
getnetbyname(const char *name)
{
	libcnet_networks_prepare();
	if (!real.getnetbyname)
		return NULL;
	return real.getnetbyname(name);
}

SX_EXPORT struct netent *
getnetbyaddr(uint32_t net, int type)
{
	libcnet_networks_prepare();
	if (!real.getnetbyaddr)
		return NULL;
	return real.getnetbyaddr(net, type);
}

SX_EXPORT int
getnetbyname_r(const char *name, struct netent *ret, char *buf, size_t buflen,
	       struct netent **result, int *h_errnop)
{
	libcnet_networks_prepare();
	if (!real.getnetbyname_r)
		return ENOSYS;
	return real.getnetbyname_r(name, ret, buf, buflen, result, h_errnop);
}

SX_EXPORT int
getnetbyaddr_r(uint32_t net, int type, struct netent *ret, char *buf,
	       size_t buflen, struct netent **result, int *h_errnop)
{
	libcnet_networks_prepare();
	if (!real.getnetbyaddr_r)
		return ENOSYS;
	return real.getnetbyaddr_r(net, type, ret, buf, buflen, result,
				   h_errnop);
}

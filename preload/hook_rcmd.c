/*
 * rcmd(), rexec() and ruserok(): network paths inside the C library that
 * the other hooks cannot see (it calls its own socket(), connect() and
 * getaddrinfo() internally), decided here before the C library does any
 * of the work.
 *
 *   rcmd(), rcmd_af(), rexec(), rexec_af() resolve a host and connect to
 *     it.  They cannot go through a SOCKS proxy: rcmd() needs a privileged
 *     source port (the server checks it, and the proxy's port is the
 *     proxy's), and both can have the server open a second connection back to
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
#include <stdint.h>
#include <sys/socket.h>

#include "dns.h"
#include "libcnet.h"
#include "log.h"
#include "preload.h"

static const char rcmd_rcmd_why[] =
	"it needs a privileged source port and a connection back from the "
	"server for stderr";
static const char rcmd_rexec_why[] =
	"it needs a connection back from the server for stderr";

/* rcmd() and rcmd_af(); rport in network order, as they take it. */
static int
rcmd_call(const char *fn, char **ahost, unsigned short rport,
	  const char *locuser, const char *remuser, const char *cmd,
	  int *fd2p, sa_family_t af)
{
	char text[NI_MAXHOST];
	char *host = text;
	int saved_errno = errno;
	int rc;

	if (!real.rcmd_af)
		return sx_fail(ENOSYS);
	if (sx_guarded())
		return real.rcmd_af(ahost, rport, locuser, remuser, cmd, fd2p, af);
	if (!ahost || !*ahost) {
		log_warn("refusing %s(): no host", fn);
		return sx_fail(EINVAL);
	}
	sx_enter();
	rc = libcnet_decide(fn, *ahost, ntohs(rport), af, SOCK_STREAM,
			    rcmd_rcmd_why, text, sizeof(text));
	if (rc < 0) {
		sx_leave();
		return sx_fail((int)-rc);
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
	sx_ready();
	return rcmd_call("rcmd", ahost, rport, locuser, remuser, cmd, fd2p,
			    AF_INET);
}

SX_EXPORT int
rcmd_af(char **ahost, unsigned short rport, const char *locuser,
	const char *remuser, const char *cmd, int *fd2p, sa_family_t af)
{
	sx_ready();
	return rcmd_call("rcmd_af", ahost, rport, locuser, remuser, cmd, fd2p,
			    af);
}

/* rexec() and rexec_af(); rport in network order, as they take it. */
static int
rcmd_rexec(const char *fn, char **ahost, int rport, const char *name,
	   const char *pass, const char *cmd, int *fd2p, sa_family_t af)
{
	char text[NI_MAXHOST];
	char *host = text;
	int saved_errno = errno;
	int rc;

	if (!real.rexec_af)
		return sx_fail(ENOSYS);
	if (sx_guarded())
		return real.rexec_af(ahost, rport, name, pass, cmd, fd2p, af);
	if (!ahost || !*ahost) {
		log_warn("refusing %s(): no host", fn);
		return sx_fail(EINVAL);
	}
	sx_enter();
	rc = libcnet_decide(fn, *ahost, ntohs((uint16_t)rport), af, SOCK_STREAM,
			    rcmd_rexec_why, text, sizeof(text));
	if (rc < 0) {
		sx_leave();
		return sx_fail((int)-rc);
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
	sx_ready();
	return rcmd_rexec("rexec", ahost, rport, name, pass, cmd, fd2p,
			     AF_INET);
}

SX_EXPORT int
rexec_af(char **ahost, int rport, const char *name, const char *pass,
	 const char *cmd, int *fd2p, sa_family_t af)
{
	sx_ready();
	return rcmd_rexec("rexec_af", ahost, rport, name, pass, cmd, fd2p, af);
}

/*
 * True when the ruserok() family must be refused: under remote DNS (or an
 * invalid configuration), with one log line.  The guard is not held.
 */
static bool
rcmd_ruserok_refused(const char *fn, const char *host)
{
	if (sx_guarded())
		return false;
	if (dns_local_resolution())
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

	sx_ready();
	if (rcmd_ruserok_refused("ruserok", rhost) || !real.ruserok_af) {
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

	sx_ready();
	if (rcmd_ruserok_refused("ruserok_af", rhost) || !real.ruserok_af) {
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

	sx_ready();
	if (raddr && (af == AF_INET || af == AF_INET6))
		inet_ntop(af, raddr, text, sizeof(text));
	if (rcmd_ruserok_refused("iruserok_af", text) || !real.iruserok_af) {
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

	sx_ready();
	inet_ntop(AF_INET, &raddr, text, sizeof(text));
	if (rcmd_ruserok_refused("iruserok", text) || !real.iruserok_af) {
		errno = saved_errno;
		return -1;
	}
	return real.iruserok_af(&raddr, suser, remuser, locuser, AF_INET);
}

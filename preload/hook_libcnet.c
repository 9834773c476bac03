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
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <nss.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>

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
 * Route a connection or datagram of the C library's own (fn, socktype) to
 * sa, labelled host for the log: 0 when it may go directly, -errno with
 * one log line otherwise (why names what the proxy cannot carry).
 */
static int
libcnet_route(const char *fn, const char *host, const struct sockaddr *sa,
	      socklen_t len, int socktype, const char *why)
{
	struct route r;
	unsigned int port;

	if (sa->sa_family == AF_INET)
		port = ntohs(((const struct sockaddr_in *)sa)->sin_port);
	else
		port = ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
	route_decide(&sx_cfg, sa, len, socktype, &r);
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
	log_debug("direct %s() to %s port %u: %s", fn, host, port, r.reason);
	return 0;
}

/*
 * Decide a connection of the C library's own (fn, socktype) to host (a
 * name or an address) on port (host order) in family af (AF_INET,
 * AF_INET6 or AF_UNSPEC): 0 when it may go directly, with text (cap
 * bytes) holding the first address in numeric form; -errno with one log
 * line otherwise.
 */
static int
libcnet_decide(const char *fn, const char *host, unsigned int port, int af,
	       int socktype, const char *why, char *text, size_t cap)
{
	struct addrinfo hints, *res = NULL;
	struct sockaddr_storage ss;
	socklen_t len;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = af;
	hints.ai_socktype = socktype;
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
	rc = libcnet_route(fn, host, (struct sockaddr *)&ss, len, socktype, why);
	if (rc < 0)
		return rc;
	rc = real.getnameinfo((struct sockaddr *)&ss, len, text, (socklen_t)cap,
			      NULL, 0, NI_NUMERICHOST);
	if (rc != 0) {
		log_warn("refusing %s() to %s: %s", fn, host, gai_strerror(rc));
		return -EINVAL;
	}
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
	if (!ahost || !*ahost) {
		log_warn("refusing %s(): no host", fn);
		errno = EINVAL;
		return -1;
	}
	sx_enter();
	rc = libcnet_decide(fn, *ahost, ntohs(rport), af, SOCK_STREAM,
			    libcnet_rcmd_why, text, sizeof(text));
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
	sx_ready();
	return libcnet_rcmd("rcmd", ahost, rport, locuser, remuser, cmd, fd2p,
			    AF_INET);
}

SX_EXPORT int
rcmd_af(char **ahost, unsigned short rport, const char *locuser,
	const char *remuser, const char *cmd, int *fd2p, sa_family_t af)
{
	sx_ready();
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
	if (!ahost || !*ahost) {
		log_warn("refusing %s(): no host", fn);
		errno = EINVAL;
		return -1;
	}
	sx_enter();
	rc = libcnet_decide(fn, *ahost, ntohs((uint16_t)rport), af, SOCK_STREAM,
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
	sx_ready();
	return libcnet_rexec("rexec", ahost, rport, name, pass, cmd, fd2p,
			     AF_INET);
}

SX_EXPORT int
rexec_af(char **ahost, int rport, const char *name, const char *pass,
	 const char *cmd, int *fd2p, sa_family_t af)
{
	sx_ready();
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

	sx_ready();
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

	sx_ready();
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

	sx_ready();
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

	sx_ready();
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
	sx_ready();
	libcnet_networks_prepare();
	if (!real.getnetbyname)
		return NULL;
	return real.getnetbyname(name);
}

SX_EXPORT struct netent *
getnetbyaddr(uint32_t net, int type)
{
	sx_ready();
	libcnet_networks_prepare();
	if (!real.getnetbyaddr)
		return NULL;
	return real.getnetbyaddr(net, type);
}

SX_EXPORT int
getnetbyname_r(const char *name, struct netent *ret, char *buf, size_t buflen,
	       struct netent **result, int *h_errnop)
{
	sx_ready();
	libcnet_networks_prepare();
	if (!real.getnetbyname_r)
		return ENOSYS;
	return real.getnetbyname_r(name, ret, buf, buflen, result, h_errnop);
}

SX_EXPORT int
getnetbyaddr_r(uint32_t net, int type, struct netent *ret, char *buf,
	       size_t buflen, struct netent **result, int *h_errnop)
{
	sx_ready();
	libcnet_networks_prepare();
	if (!real.getnetbyaddr_r)
		return ENOSYS;
	return real.getnetbyaddr_r(net, type, ret, buf, buflen, result,
				   h_errnop);
}

/*
 * The C library's Sun RPC client: clnt_create(), clnttcp_create(),
 * clntudp_create(), clntudp_bufcreate(), callrpc(), getrpcport(),
 * pmap_getport(), pmap_getmaps(), pmap_rmtcall(), clnt_broadcast(),
 * rtime(), and authdes_create() / authdes_pk_create() with a time server.
 * Since glibc 2.32 these exist only as old versioned symbols (GLIBC_2.2.5)
 * for programs linked before, and resolve hosts, ask the portmapper and
 * send or connect from inside the C library.  Each is decided on its
 * destination before the C library does anything: one reached directly
 * gets the real function; anything else is refused with one log line,
 * errno ENETUNREACH (or what the routing says) and, for the functions that
 * report through it, rpc_createerr set to RPC_SYSTEMERROR with that errno
 * (clnt_pcreateerror() prints it).  Proxying is not attempted: the
 * portmapper is asked over UDP from inside the C library, and a client
 * created on a socket the program did not connect cannot be handed one.
 * clnt_broadcast() sends to every interface's broadcast address: always
 * refused.  Unix-domain clients, servers (svc*(), which answer whoever
 * asked) and pmap_set() / pmap_unset() (the local portmapper) need no
 * hook.
 *
 * dlsym() never returns old versioned symbols, so the table of real
 * functions cannot hold these: they are looked up with dlvsym() the first
 * time one is needed.
 */
#define LIBCNET_RPC_VERSION "GLIBC_2.2.5"
#define LIBCNET_PMAP_PORT 111
#define LIBCNET_TIME_PORT 37
/* enum clnt_stat values (<rpc/clnt.h>). */
#define LIBCNET_RPC_CANTSEND 3
#define LIBCNET_RPC_SYSTEMERROR 12

/* struct rpc_createerr (<rpc/clnt.h>): the status, and the errno it carries. */
struct libcnet_createerr {
	int cf_stat;
	struct {
		int re_status;
		union {
			int re_errno;
			long re_pad[2];
		} ru;
	} cf_error;
};

typedef int (*libcnet_xdrproc)(void *, void *);

struct libcnet_rpc_fns {
	struct libcnet_createerr *(*thread_createerr)(void);
	void *(*clnt_create)(const char *, unsigned long, unsigned long,
			     const char *);
	void *(*clnttcp_create)(struct sockaddr_in *, unsigned long,
				unsigned long, int *, unsigned int,
				unsigned int);
	void *(*clntudp_create)(struct sockaddr_in *, unsigned long,
				unsigned long, struct timeval, int *);
	void *(*clntudp_bufcreate)(struct sockaddr_in *, unsigned long,
				   unsigned long, struct timeval, int *,
				   unsigned int, unsigned int);
	int (*callrpc)(const char *, unsigned long, unsigned long,
		       unsigned long, libcnet_xdrproc, const char *,
		       libcnet_xdrproc, char *);
	int (*getrpcport)(const char *, unsigned long, unsigned long,
			  unsigned int);
	unsigned short (*pmap_getport)(struct sockaddr_in *, unsigned long,
				       unsigned long, unsigned int);
	void *(*pmap_getmaps)(struct sockaddr_in *);
	int (*pmap_rmtcall)(struct sockaddr_in *, unsigned long, unsigned long,
			    unsigned long, libcnet_xdrproc, void *,
			    libcnet_xdrproc, void *, struct timeval,
			    unsigned long *);
	int (*rtime)(struct sockaddr_in *, void *, void *);
	void *(*authdes_create)(const char *, unsigned int, struct sockaddr *,
				void *);
	void *(*authdes_pk_create)(const char *, void *, unsigned int,
				   struct sockaddr *, void *);
};

/* Declared here: no header of the C library declares them any more. */
void *clnt_create(const char *host, unsigned long prog, unsigned long vers,
		  const char *proto);
void *clnttcp_create(struct sockaddr_in *raddr, unsigned long prog,
		     unsigned long vers, int *sockp, unsigned int sendsz,
		     unsigned int recvsz);
void *clntudp_create(struct sockaddr_in *raddr, unsigned long prog,
		     unsigned long vers, struct timeval wait, int *sockp);
void *clntudp_bufcreate(struct sockaddr_in *raddr, unsigned long prog,
			unsigned long vers, struct timeval wait, int *sockp,
			unsigned int sendsz, unsigned int recvsz);
int callrpc(const char *host, unsigned long prog, unsigned long vers,
	    unsigned long proc, libcnet_xdrproc inproc, const char *in,
	    libcnet_xdrproc outproc, char *out);
int getrpcport(const char *host, unsigned long prog, unsigned long vers,
	       unsigned int proto);
unsigned short
pmap_getport(struct sockaddr_in *addr, unsigned long prog, unsigned long vers,
	     unsigned int proto);
void *pmap_getmaps(struct sockaddr_in *addr);
int pmap_rmtcall(struct sockaddr_in *addr, unsigned long prog,
		 unsigned long vers, unsigned long proc, libcnet_xdrproc xdrargs,
		 void *argsp, libcnet_xdrproc xdrres, void *resp,
		 struct timeval tout, unsigned long *port_ptr);
int clnt_broadcast(unsigned long prog, unsigned long vers, unsigned long proc,
		   libcnet_xdrproc xargs, void *argsp, libcnet_xdrproc xresults,
		   void *resultsp, void *eachresult);
int rtime(struct sockaddr_in *addr, void *timep, void *timeout);
void *authdes_create(const char *servername, unsigned int window,
		     struct sockaddr *syncaddr, void *ckey);
void *authdes_pk_create(const char *servername, void *pkey,
			unsigned int window, struct sockaddr *syncaddr,
			void *ckey);

static struct libcnet_rpc_fns libcnet_rpc;
static pthread_once_t libcnet_rpc_once = PTHREAD_ONCE_INIT;

#define LIBCNET_RPC_SYM(n) { #n, offsetof(struct libcnet_rpc_fns, n) }

static void
libcnet_rpc_resolve(void)
{
	static const struct {
		const char *name;
		size_t offset;
	} syms[] = {
		{ "__rpc_thread_createerr",
		  offsetof(struct libcnet_rpc_fns, thread_createerr) },
		LIBCNET_RPC_SYM(clnt_create),
		LIBCNET_RPC_SYM(clnttcp_create),
		LIBCNET_RPC_SYM(clntudp_create),
		LIBCNET_RPC_SYM(clntudp_bufcreate),
		LIBCNET_RPC_SYM(callrpc),
		LIBCNET_RPC_SYM(getrpcport),
		LIBCNET_RPC_SYM(pmap_getport),
		LIBCNET_RPC_SYM(pmap_getmaps),
		LIBCNET_RPC_SYM(pmap_rmtcall),
		LIBCNET_RPC_SYM(rtime),
		LIBCNET_RPC_SYM(authdes_create),
		LIBCNET_RPC_SYM(authdes_pk_create),
	};

	for (size_t i = 0; i < SX_ARRAY_LEN(syms); i++) {
		void *p = dlvsym(RTLD_NEXT, syms[i].name, LIBCNET_RPC_VERSION);

		memcpy((char *)&libcnet_rpc + syms[i].offset, &p, sizeof(p));
	}
}

/* Enter an RPC hook: init, the guard, the real functions.  False when guarded. */
static bool
libcnet_rpc_enter(void)
{
	if (sx_guarded())
		return false;
	sx_enter();
	pthread_once(&libcnet_rpc_once, libcnet_rpc_resolve);
	return true;
}

/* The real function fn is missing: log it; -ENOSYS. */
static int
libcnet_rpc_missing(const char *fn)
{
	log_warn("refusing %s(): the C library's %s() cannot be found", fn, fn);
	return -ENOSYS;
}

/* Report a refusal (-errno) the way the RPC creation functions report errors. */
static void
libcnet_rpc_createerr(int rc)
{
	struct libcnet_createerr *ce;

	if (!libcnet_rpc.thread_createerr)
		return;
	ce = libcnet_rpc.thread_createerr();
	if (!ce)
		return;
	ce->cf_stat = LIBCNET_RPC_SYSTEMERROR;
	ce->cf_error.re_status = LIBCNET_RPC_SYSTEMERROR;
	ce->cf_error.ru.re_errno = -rc;
}

static const char libcnet_rpc_why[] =
	"the C library's Sun RPC sends and connects from inside the C library";

/*
 * Decide an RPC exchange with addr (port, host order, when its own is 0):
 * 0 for a direct one, -errno (logged) otherwise.
 */
static int
libcnet_rpc_route(const char *fn, const struct sockaddr_in *addr,
		  unsigned int port, int socktype)
{
	struct sockaddr_in sin;
	char text[INET_ADDRSTRLEN] = "?";

	if (!addr || addr->sin_family != AF_INET) {
		log_warn("refusing %s(): not an IPv4 address", fn);
		return -EINVAL;
	}
	memcpy(&sin, addr, sizeof(sin));
	if (sin.sin_port == 0)
		sin.sin_port = htons((uint16_t)port);
	inet_ntop(AF_INET, &sin.sin_addr, text, sizeof(text));
	return libcnet_route(fn, text, (const struct sockaddr *)&sin, sizeof(sin),
			     socktype, libcnet_rpc_why);
}

/* The socket type an RPC protocol name stands for (the portmapper's UDP otherwise). */
static int
libcnet_rpc_socktype(const char *proto)
{
	return proto && strcmp(proto, "tcp") == 0 ? SOCK_STREAM : SOCK_DGRAM;
}

SX_EXPORT void *
clnt_create(const char *host, unsigned long prog, unsigned long vers,
	    const char *proto)
{
	char text[NI_MAXHOST];
	void *c;
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!libcnet_rpc_enter()) {
		pthread_once(&libcnet_rpc_once, libcnet_rpc_resolve);
		return libcnet_rpc.clnt_create ?
			libcnet_rpc.clnt_create(host, prog, vers, proto) : NULL;
	}
	if (!libcnet_rpc.clnt_create)
		rc = libcnet_rpc_missing("clnt_create");
	else if (proto && strcmp(proto, "unix") == 0)
		rc = 0;
	else if (!host)
		rc = -EINVAL;
	else
		rc = libcnet_decide("clnt_create", host, LIBCNET_PMAP_PORT, AF_INET,
				    libcnet_rpc_socktype(proto), libcnet_rpc_why,
				    text, sizeof(text));
	if (rc < 0) {
		libcnet_rpc_createerr(rc);
		sx_leave();
		errno = -rc;
		return NULL;
	}
	errno = saved_errno;
	c = libcnet_rpc.clnt_create(proto && strcmp(proto, "unix") == 0 ? host : text,
				    prog, vers, proto);
	sx_leave();
	return c;
}

SX_EXPORT void *
clnttcp_create(struct sockaddr_in *raddr, unsigned long prog,
	       unsigned long vers, int *sockp, unsigned int sendsz,
	       unsigned int recvsz)
{
	void *c;
	int saved_errno = errno;
	int rc = 0;

	sx_ready();
	if (!libcnet_rpc_enter()) {
		pthread_once(&libcnet_rpc_once, libcnet_rpc_resolve);
		return libcnet_rpc.clnttcp_create ?
			libcnet_rpc.clnttcp_create(raddr, prog, vers, sockp, sendsz,
						   recvsz) : NULL;
	}
	if (!libcnet_rpc.clnttcp_create)
		rc = libcnet_rpc_missing("clnttcp_create");
	else if (!raddr || !sockp)
		rc = -EINVAL;
	else if (raddr->sin_port == 0)
		rc = libcnet_rpc_route("clnttcp_create", raddr, LIBCNET_PMAP_PORT,
				       SOCK_DGRAM);
	/* A socket of the program's own is connected already, by its connect(). */
	if (rc == 0 && *sockp < 0)
		rc = libcnet_rpc_route("clnttcp_create", raddr, LIBCNET_PMAP_PORT,
				       SOCK_STREAM);
	if (rc < 0) {
		libcnet_rpc_createerr(rc);
		sx_leave();
		errno = -rc;
		return NULL;
	}
	errno = saved_errno;
	c = libcnet_rpc.clnttcp_create(raddr, prog, vers, sockp, sendsz, recvsz);
	sx_leave();
	return c;
}

/* clntudp_create() and clntudp_bufcreate(): every call sends to raddr. */
static int
libcnet_rpc_udp(const char *fn, void *real_fn, struct sockaddr_in *raddr,
		int *sockp)
{
	if (!real_fn)
		return libcnet_rpc_missing(fn);
	if (!raddr || !sockp)
		return -EINVAL;
	return libcnet_rpc_route(fn, raddr, LIBCNET_PMAP_PORT, SOCK_DGRAM);
}

SX_EXPORT void *
clntudp_create(struct sockaddr_in *raddr, unsigned long prog,
	       unsigned long vers, struct timeval wait, int *sockp)
{
	void *c;
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!libcnet_rpc_enter()) {
		pthread_once(&libcnet_rpc_once, libcnet_rpc_resolve);
		return libcnet_rpc.clntudp_create ?
			libcnet_rpc.clntudp_create(raddr, prog, vers, wait, sockp) :
			NULL;
	}
	rc = libcnet_rpc_udp("clntudp_create", (void *)libcnet_rpc.clntudp_create,
			     raddr, sockp);
	if (rc < 0) {
		libcnet_rpc_createerr(rc);
		sx_leave();
		errno = -rc;
		return NULL;
	}
	errno = saved_errno;
	c = libcnet_rpc.clntudp_create(raddr, prog, vers, wait, sockp);
	sx_leave();
	return c;
}

SX_EXPORT void *
clntudp_bufcreate(struct sockaddr_in *raddr, unsigned long prog,
		  unsigned long vers, struct timeval wait, int *sockp,
		  unsigned int sendsz, unsigned int recvsz)
{
	void *c;
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!libcnet_rpc_enter()) {
		pthread_once(&libcnet_rpc_once, libcnet_rpc_resolve);
		return libcnet_rpc.clntudp_bufcreate ?
			libcnet_rpc.clntudp_bufcreate(raddr, prog, vers, wait, sockp,
						      sendsz, recvsz) : NULL;
	}
	rc = libcnet_rpc_udp("clntudp_bufcreate",
			     (void *)libcnet_rpc.clntudp_bufcreate, raddr, sockp);
	if (rc < 0) {
		libcnet_rpc_createerr(rc);
		sx_leave();
		errno = -rc;
		return NULL;
	}
	errno = saved_errno;
	c = libcnet_rpc.clntudp_bufcreate(raddr, prog, vers, wait, sockp, sendsz,
					  recvsz);
	sx_leave();
	return c;
}

SX_EXPORT int
callrpc(const char *host, unsigned long prog, unsigned long vers,
	unsigned long proc, libcnet_xdrproc inproc, const char *in,
	libcnet_xdrproc outproc, char *out)
{
	char text[NI_MAXHOST];
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!libcnet_rpc_enter()) {
		pthread_once(&libcnet_rpc_once, libcnet_rpc_resolve);
		return libcnet_rpc.callrpc ?
			libcnet_rpc.callrpc(host, prog, vers, proc, inproc, in,
					    outproc, out) : LIBCNET_RPC_CANTSEND;
	}
	if (!libcnet_rpc.callrpc)
		rc = libcnet_rpc_missing("callrpc");
	else if (!host)
		rc = -EINVAL;
	else
		rc = libcnet_decide("callrpc", host, LIBCNET_PMAP_PORT, AF_INET,
				    SOCK_DGRAM, libcnet_rpc_why, text, sizeof(text));
	if (rc < 0) {
		sx_leave();
		errno = -rc;
		return LIBCNET_RPC_CANTSEND;
	}
	errno = saved_errno;
	rc = libcnet_rpc.callrpc(text, prog, vers, proc, inproc, in, outproc, out);
	sx_leave();
	return rc;
}

SX_EXPORT int
getrpcport(const char *host, unsigned long prog, unsigned long vers,
	   unsigned int proto)
{
	char text[NI_MAXHOST];
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!libcnet_rpc_enter()) {
		pthread_once(&libcnet_rpc_once, libcnet_rpc_resolve);
		return libcnet_rpc.getrpcport ?
			libcnet_rpc.getrpcport(host, prog, vers, proto) : 0;
	}
	if (!libcnet_rpc.getrpcport)
		rc = libcnet_rpc_missing("getrpcport");
	else if (!host)
		rc = -EINVAL;
	else
		rc = libcnet_decide("getrpcport", host, LIBCNET_PMAP_PORT, AF_INET,
				    SOCK_DGRAM, libcnet_rpc_why, text, sizeof(text));
	if (rc < 0) {
		libcnet_rpc_createerr(rc);
		sx_leave();
		errno = -rc;
		return 0;
	}
	errno = saved_errno;
	rc = libcnet_rpc.getrpcport(text, prog, vers, proto);
	sx_leave();
	return rc;
}

SX_EXPORT unsigned short
pmap_getport(struct sockaddr_in *addr, unsigned long prog, unsigned long vers,
	     unsigned int proto)
{
	unsigned short port;
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!libcnet_rpc_enter()) {
		pthread_once(&libcnet_rpc_once, libcnet_rpc_resolve);
		return libcnet_rpc.pmap_getport ?
			libcnet_rpc.pmap_getport(addr, prog, vers, proto) : 0;
	}
	if (!libcnet_rpc.pmap_getport)
		rc = libcnet_rpc_missing("pmap_getport");
	else
		rc = libcnet_rpc_route("pmap_getport", addr, LIBCNET_PMAP_PORT,
				       SOCK_DGRAM);
	if (rc < 0) {
		libcnet_rpc_createerr(rc);
		sx_leave();
		errno = -rc;
		return 0;
	}
	errno = saved_errno;
	port = libcnet_rpc.pmap_getport(addr, prog, vers, proto);
	sx_leave();
	return port;
}

SX_EXPORT void *
pmap_getmaps(struct sockaddr_in *addr)
{
	void *maps;
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!libcnet_rpc_enter()) {
		pthread_once(&libcnet_rpc_once, libcnet_rpc_resolve);
		return libcnet_rpc.pmap_getmaps ? libcnet_rpc.pmap_getmaps(addr) :
						  NULL;
	}
	if (!libcnet_rpc.pmap_getmaps)
		rc = libcnet_rpc_missing("pmap_getmaps");
	else
		rc = libcnet_rpc_route("pmap_getmaps", addr, LIBCNET_PMAP_PORT,
				       SOCK_STREAM);
	if (rc < 0) {
		sx_leave();
		errno = -rc;
		return NULL;
	}
	errno = saved_errno;
	maps = libcnet_rpc.pmap_getmaps(addr);
	sx_leave();
	return maps;
}

SX_EXPORT int
pmap_rmtcall(struct sockaddr_in *addr, unsigned long prog, unsigned long vers,
	     unsigned long proc, libcnet_xdrproc xdrargs, void *argsp,
	     libcnet_xdrproc xdrres, void *resp, struct timeval tout,
	     unsigned long *port_ptr)
{
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!libcnet_rpc_enter()) {
		pthread_once(&libcnet_rpc_once, libcnet_rpc_resolve);
		return libcnet_rpc.pmap_rmtcall ?
			libcnet_rpc.pmap_rmtcall(addr, prog, vers, proc, xdrargs,
						 argsp, xdrres, resp, tout,
						 port_ptr) :
			LIBCNET_RPC_CANTSEND;
	}
	if (!libcnet_rpc.pmap_rmtcall)
		rc = libcnet_rpc_missing("pmap_rmtcall");
	else
		rc = libcnet_rpc_route("pmap_rmtcall", addr, LIBCNET_PMAP_PORT,
				       SOCK_DGRAM);
	if (rc < 0) {
		sx_leave();
		errno = -rc;
		return LIBCNET_RPC_CANTSEND;
	}
	errno = saved_errno;
	rc = libcnet_rpc.pmap_rmtcall(addr, prog, vers, proc, xdrargs, argsp,
				      xdrres, resp, tout, port_ptr);
	sx_leave();
	return rc;
}

SX_EXPORT int
clnt_broadcast(unsigned long prog, unsigned long vers, unsigned long proc,
	       libcnet_xdrproc xargs, void *argsp, libcnet_xdrproc xresults,
	       void *resultsp, void *eachresult)
{
	sx_ready();
	(void)prog;
	(void)vers;
	(void)proc;
	(void)xargs;
	(void)argsp;
	(void)xresults;
	(void)resultsp;
	(void)eachresult;
	log_warn("refusing clnt_broadcast(): it sends to the broadcast address of "
		 "every interface from inside the C library, which a SOCKS proxy "
		 "cannot carry");
	errno = ENETUNREACH;
	return LIBCNET_RPC_CANTSEND;
}

SX_EXPORT int
rtime(struct sockaddr_in *addr, void *timep, void *timeout)
{
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!libcnet_rpc_enter()) {
		pthread_once(&libcnet_rpc_once, libcnet_rpc_resolve);
		if (!libcnet_rpc.rtime) {
			errno = ENOSYS;
			return -1;
		}
		return libcnet_rpc.rtime(addr, timep, timeout);
	}
	if (!libcnet_rpc.rtime)
		rc = libcnet_rpc_missing("rtime");
	else
		rc = libcnet_rpc_route("rtime", addr, LIBCNET_TIME_PORT,
				       timeout ? SOCK_DGRAM : SOCK_STREAM);
	if (rc < 0) {
		sx_leave();
		errno = -rc;
		return -1;
	}
	errno = saved_errno;
	rc = libcnet_rpc.rtime(addr, timep, timeout);
	sx_leave();
	return rc;
}

/* authdes_*create(): with a time server, rtime() to it from inside the C library. */
static int
libcnet_authdes_route(const char *fn, const struct sockaddr *syncaddr)
{
	if (!syncaddr)
		return 0;
	return libcnet_rpc_route(fn, (const struct sockaddr_in *)syncaddr,
				 LIBCNET_TIME_PORT, SOCK_DGRAM);
}

SX_EXPORT void *
authdes_create(const char *servername, unsigned int window,
	       struct sockaddr *syncaddr, void *ckey)
{
	void *a;
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!libcnet_rpc_enter()) {
		pthread_once(&libcnet_rpc_once, libcnet_rpc_resolve);
		return libcnet_rpc.authdes_create ?
			libcnet_rpc.authdes_create(servername, window, syncaddr,
						   ckey) : NULL;
	}
	if (!libcnet_rpc.authdes_create)
		rc = libcnet_rpc_missing("authdes_create");
	else
		rc = libcnet_authdes_route("authdes_create", syncaddr);
	if (rc < 0) {
		sx_leave();
		errno = -rc;
		return NULL;
	}
	errno = saved_errno;
	a = libcnet_rpc.authdes_create(servername, window, syncaddr, ckey);
	sx_leave();
	return a;
}

SX_EXPORT void *
authdes_pk_create(const char *servername, void *pkey, unsigned int window,
		  struct sockaddr *syncaddr, void *ckey)
{
	void *a;
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!libcnet_rpc_enter()) {
		pthread_once(&libcnet_rpc_once, libcnet_rpc_resolve);
		return libcnet_rpc.authdes_pk_create ?
			libcnet_rpc.authdes_pk_create(servername, pkey, window,
						      syncaddr, ckey) : NULL;
	}
	if (!libcnet_rpc.authdes_pk_create)
		rc = libcnet_rpc_missing("authdes_pk_create");
	else
		rc = libcnet_authdes_route("authdes_pk_create", syncaddr);
	if (rc < 0) {
		sx_leave();
		errno = -rc;
		return NULL;
	}
	errno = saved_errno;
	a = libcnet_rpc.authdes_pk_create(servername, pkey, window, syncaddr,
					  ckey);
	sx_leave();
	return a;
}

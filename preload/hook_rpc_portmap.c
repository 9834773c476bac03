/*
 * The Sun RPC portmapper and time service clients: pmap_getport(),
 * pmap_getmaps(), pmap_rmtcall(), clnt_broadcast() (always refused),
 * rtime(), and authdes_create() / authdes_pk_create() with a time server,
 * each decided on its destination before the C library sends (see
 * sunrpc.c for the rules).
 */
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <string.h>
#include <sys/time.h>

#include "libcnet.h"
#include "log.h"
#include "preload.h"
#include "sunrpc.h"

SX_EXPORT unsigned short
pmap_getport(struct sockaddr_in *addr, unsigned long prog, unsigned long vers,
	     unsigned int proto)
{
	unsigned short port;
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!sunrpc_enter()) {
		sunrpc_load();
		return sunrpc_real.pmap_getport ?
			sunrpc_real.pmap_getport(addr, prog, vers, proto) : 0;
	}
	if (!sunrpc_real.pmap_getport)
		rc = sunrpc_missing("pmap_getport");
	else
		rc = sunrpc_route("pmap_getport", addr, SUNRPC_PMAP_PORT,
				       SOCK_DGRAM);
	if (rc < 0) {
		sunrpc_refuse(rc);
		return 0;
	}
	errno = saved_errno;
	port = sunrpc_real.pmap_getport(addr, prog, vers, proto);
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
	if (!sunrpc_enter()) {
		sunrpc_load();
		return sunrpc_real.pmap_getmaps ? sunrpc_real.pmap_getmaps(addr) :
						  NULL;
	}
	if (!sunrpc_real.pmap_getmaps)
		rc = sunrpc_missing("pmap_getmaps");
	else
		rc = sunrpc_route("pmap_getmaps", addr, SUNRPC_PMAP_PORT,
				       SOCK_STREAM);
	if (rc < 0) {
		sunrpc_fail(rc);
		return NULL;
	}
	errno = saved_errno;
	maps = sunrpc_real.pmap_getmaps(addr);
	sx_leave();
	return maps;
}

SX_EXPORT int
pmap_rmtcall(struct sockaddr_in *addr, unsigned long prog, unsigned long vers,
	     unsigned long proc, sunrpc_xdrproc xdrargs, void *argsp,
	     sunrpc_xdrproc xdrres, void *resp, struct timeval tout,
	     unsigned long *port_ptr)
{
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!sunrpc_enter()) {
		sunrpc_load();
		return sunrpc_real.pmap_rmtcall ?
			sunrpc_real.pmap_rmtcall(addr, prog, vers, proc, xdrargs,
						 argsp, xdrres, resp, tout,
						 port_ptr) :
			SUNRPC_CANTSEND;
	}
	if (!sunrpc_real.pmap_rmtcall)
		rc = sunrpc_missing("pmap_rmtcall");
	else
		rc = sunrpc_route("pmap_rmtcall", addr, SUNRPC_PMAP_PORT,
				       SOCK_DGRAM);
	if (rc < 0) {
		sunrpc_fail(rc);
		return SUNRPC_CANTSEND;
	}
	errno = saved_errno;
	rc = sunrpc_real.pmap_rmtcall(addr, prog, vers, proc, xdrargs, argsp,
				      xdrres, resp, tout, port_ptr);
	sx_leave();
	return rc;
}

SX_EXPORT int
clnt_broadcast(unsigned long prog, unsigned long vers, unsigned long proc,
	       sunrpc_xdrproc xargs, void *argsp, sunrpc_xdrproc xresults,
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
	return SUNRPC_CANTSEND;
}

SX_EXPORT int
rtime(struct sockaddr_in *addr, void *timep, void *timeout)
{
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!sunrpc_enter()) {
		sunrpc_load();
		if (!sunrpc_real.rtime)
			return sx_fail(ENOSYS);
		return sunrpc_real.rtime(addr, timep, timeout);
	}
	if (!sunrpc_real.rtime)
		rc = sunrpc_missing("rtime");
	else
		rc = sunrpc_route("rtime", addr, SUNRPC_TIME_PORT,
				       timeout ? SOCK_DGRAM : SOCK_STREAM);
	if (rc < 0) {
		sunrpc_fail(rc);
		return -1;
	}
	errno = saved_errno;
	rc = sunrpc_real.rtime(addr, timep, timeout);
	sx_leave();
	return rc;
}

/* authdes_*create(): with a time server, rtime() to it from inside the C library. */
SX_EXPORT void *
authdes_create(const char *servername, unsigned int window,
	       struct sockaddr *syncaddr, void *ckey)
{
	void *a;
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!sunrpc_enter()) {
		sunrpc_load();
		return sunrpc_real.authdes_create ?
			sunrpc_real.authdes_create(servername, window, syncaddr,
						   ckey) : NULL;
	}
	if (!sunrpc_real.authdes_create)
		rc = sunrpc_missing("authdes_create");
	else
		rc = sunrpc_authdes_route("authdes_create", syncaddr);
	if (rc < 0) {
		sunrpc_fail(rc);
		return NULL;
	}
	errno = saved_errno;
	a = sunrpc_real.authdes_create(servername, window, syncaddr, ckey);
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
	if (!sunrpc_enter()) {
		sunrpc_load();
		return sunrpc_real.authdes_pk_create ?
			sunrpc_real.authdes_pk_create(servername, pkey, window,
						      syncaddr, ckey) : NULL;
	}
	if (!sunrpc_real.authdes_pk_create)
		rc = sunrpc_missing("authdes_pk_create");
	else
		rc = sunrpc_authdes_route("authdes_pk_create", syncaddr);
	if (rc < 0) {
		sunrpc_fail(rc);
		return NULL;
	}
	errno = saved_errno;
	a = sunrpc_real.authdes_pk_create(servername, pkey, window, syncaddr,
					  ckey);
	sx_leave();
	return a;
}

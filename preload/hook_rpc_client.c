/*
 * The Sun RPC client creation functions and their one-shot forms:
 * clnt_create(), clnttcp_create(), clntudp_create(), clntudp_bufcreate(),
 * callrpc() and getrpcport(), each decided on its destination before the
 * C library resolves, asks the portmapper or connects (see sunrpc.c for
 * the rules).
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

SX_EXPORT void *
clnt_create(const char *host, unsigned long prog, unsigned long vers,
	    const char *proto)
{
	char text[NI_MAXHOST];
	void *c;
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!sunrpc_enter()) {
		sunrpc_load();
		return sunrpc_real.clnt_create ?
			sunrpc_real.clnt_create(host, prog, vers, proto) : NULL;
	}
	if (!sunrpc_real.clnt_create)
		rc = sunrpc_missing("clnt_create");
	else if (proto && strcmp(proto, "unix") == 0)
		rc = 0;
	else if (!host)
		rc = -EINVAL;
	else
		rc = libcnet_decide("clnt_create", host, SUNRPC_PMAP_PORT, AF_INET,
				    sunrpc_socktype(proto), sunrpc_why,
				    text, sizeof(text));
	if (rc < 0) {
		sunrpc_refuse(rc);
		return NULL;
	}
	errno = saved_errno;
	c = sunrpc_real.clnt_create(proto && strcmp(proto, "unix") == 0 ? host : text,
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
	if (!sunrpc_enter()) {
		sunrpc_load();
		return sunrpc_real.clnttcp_create ?
			sunrpc_real.clnttcp_create(raddr, prog, vers, sockp, sendsz,
						   recvsz) : NULL;
	}
	if (!sunrpc_real.clnttcp_create)
		rc = sunrpc_missing("clnttcp_create");
	else if (!raddr || !sockp)
		rc = -EINVAL;
	else if (raddr->sin_port == 0)
		rc = sunrpc_route("clnttcp_create", raddr, SUNRPC_PMAP_PORT,
				       SOCK_DGRAM);
	/* A socket of the program's own is connected already, by its connect(). */
	if (rc == 0 && *sockp < 0)
		rc = sunrpc_route("clnttcp_create", raddr, SUNRPC_PMAP_PORT,
				       SOCK_STREAM);
	if (rc < 0) {
		sunrpc_refuse(rc);
		return NULL;
	}
	errno = saved_errno;
	c = sunrpc_real.clnttcp_create(raddr, prog, vers, sockp, sendsz, recvsz);
	sx_leave();
	return c;
}

/* clntudp_create() and clntudp_bufcreate(): every call sends to raddr. */
SX_EXPORT void *
clntudp_create(struct sockaddr_in *raddr, unsigned long prog,
	       unsigned long vers, struct timeval wait, int *sockp)
{
	void *c;
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!sunrpc_enter()) {
		sunrpc_load();
		return sunrpc_real.clntudp_create ?
			sunrpc_real.clntudp_create(raddr, prog, vers, wait, sockp) :
			NULL;
	}
	rc = sunrpc_udp("clntudp_create", (void *)sunrpc_real.clntudp_create,
			     raddr, sockp);
	if (rc < 0) {
		sunrpc_refuse(rc);
		return NULL;
	}
	errno = saved_errno;
	c = sunrpc_real.clntudp_create(raddr, prog, vers, wait, sockp);
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
	if (!sunrpc_enter()) {
		sunrpc_load();
		return sunrpc_real.clntudp_bufcreate ?
			sunrpc_real.clntudp_bufcreate(raddr, prog, vers, wait, sockp,
						      sendsz, recvsz) : NULL;
	}
	rc = sunrpc_udp("clntudp_bufcreate",
			     (void *)sunrpc_real.clntudp_bufcreate, raddr, sockp);
	if (rc < 0) {
		sunrpc_refuse(rc);
		return NULL;
	}
	errno = saved_errno;
	c = sunrpc_real.clntudp_bufcreate(raddr, prog, vers, wait, sockp, sendsz,
					  recvsz);
	sx_leave();
	return c;
}

SX_EXPORT int
callrpc(const char *host, unsigned long prog, unsigned long vers,
	unsigned long proc, sunrpc_xdrproc inproc, const char *in,
	sunrpc_xdrproc outproc, char *out)
{
	char text[NI_MAXHOST];
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (!sunrpc_enter()) {
		sunrpc_load();
		return sunrpc_real.callrpc ?
			sunrpc_real.callrpc(host, prog, vers, proc, inproc, in,
					    outproc, out) : SUNRPC_CANTSEND;
	}
	if (!sunrpc_real.callrpc)
		rc = sunrpc_missing("callrpc");
	else if (!host)
		rc = -EINVAL;
	else
		rc = libcnet_decide("callrpc", host, SUNRPC_PMAP_PORT, AF_INET,
				    SOCK_DGRAM, sunrpc_why, text, sizeof(text));
	if (rc < 0) {
		sunrpc_fail(rc);
		return SUNRPC_CANTSEND;
	}
	errno = saved_errno;
	rc = sunrpc_real.callrpc(text, prog, vers, proc, inproc, in, outproc, out);
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
	if (!sunrpc_enter()) {
		sunrpc_load();
		return sunrpc_real.getrpcport ?
			sunrpc_real.getrpcport(host, prog, vers, proto) : 0;
	}
	if (!sunrpc_real.getrpcport)
		rc = sunrpc_missing("getrpcport");
	else if (!host)
		rc = -EINVAL;
	else
		rc = libcnet_decide("getrpcport", host, SUNRPC_PMAP_PORT, AF_INET,
				    SOCK_DGRAM, sunrpc_why, text, sizeof(text));
	if (rc < 0) {
		sunrpc_refuse(rc);
		return 0;
	}
	errno = saved_errno;
	rc = sunrpc_real.getrpcport(text, prog, vers, proto);
	sx_leave();
	return rc;
}


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
#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "libcnet.h"
#include "log.h"
#include "preload.h"
#include "sunrpc.h"

/* Written once under sunrpc_once, then only read. */
struct sunrpc_fns sunrpc_real;
static pthread_once_t sunrpc_once = PTHREAD_ONCE_INIT;
#define SUNRPC_SYM(n) { #n, offsetof(struct sunrpc_fns, n) }

static void
sunrpc_resolve(void)
{
	static const struct {
		const char *name;
		size_t offset;
	} syms[] = {
		{ "__rpc_thread_createerr",
		  offsetof(struct sunrpc_fns, thread_createerr) },
		SUNRPC_SYM(clnt_create),
		SUNRPC_SYM(clnttcp_create),
		SUNRPC_SYM(clntudp_create),
		SUNRPC_SYM(clntudp_bufcreate),
		SUNRPC_SYM(callrpc),
		SUNRPC_SYM(getrpcport),
		SUNRPC_SYM(pmap_getport),
		SUNRPC_SYM(pmap_getmaps),
		SUNRPC_SYM(pmap_rmtcall),
		SUNRPC_SYM(rtime),
		SUNRPC_SYM(authdes_create),
		SUNRPC_SYM(authdes_pk_create),
	};

	for (size_t i = 0; i < SX_ARRAY_LEN(syms); i++) {
		void *p = dlvsym(RTLD_NEXT, syms[i].name, SUNRPC_VERSION);

		memcpy((char *)&sunrpc_real + syms[i].offset, &p, sizeof(p));
	}
}

void
sunrpc_load(void)
{
	pthread_once(&sunrpc_once, sunrpc_resolve);
}

/* Enter an RPC hook: the guard, the real functions.  False when guarded. */
bool
sunrpc_enter(void)
{
	if (sx_guarded())
		return false;
	sx_enter();
	sunrpc_load();
	return true;
}

/* The real function fn is missing: log it; -ENOSYS. */
int
sunrpc_missing(const char *fn)
{
	log_warn("refusing %s(): the C library's %s() cannot be found", fn, fn);
	return -ENOSYS;
}

/* Report a refusal (-errno) the way the RPC creation functions report errors. */
void
sunrpc_createerr(int rc)
{
	struct sunrpc_rpc_createerr *ce;

	if (!sunrpc_real.thread_createerr)
		return;
	ce = sunrpc_real.thread_createerr();
	if (!ce)
		return;
	ce->cf_stat = SUNRPC_SYSTEMERROR;
	ce->cf_error.re_status = SUNRPC_SYSTEMERROR;
	ce->cf_error.ru.re_errno = -rc;
}

void
sunrpc_fail(int rc)
{
	sx_leave();
	(void)sx_fail(-rc);
}

void
sunrpc_refuse(int rc)
{
	sunrpc_createerr(rc);
	sunrpc_fail(rc);
}

const char sunrpc_why[] =
	"the C library's Sun RPC sends and connects from inside the C library";

/*
 * Decide an RPC exchange with addr (port, host order, when its own is 0):
 * 0 for a direct one, -errno (logged) otherwise.
 */
int
sunrpc_route(const char *fn, const struct sockaddr_in *addr,
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
			     socktype, sunrpc_why);
}

/* The socket type an RPC protocol name stands for (the portmapper's UDP otherwise). */
int
sunrpc_socktype(const char *proto)
{
	return proto && strcmp(proto, "tcp") == 0 ? SOCK_STREAM : SOCK_DGRAM;
}

int
sunrpc_udp(const char *fn, void *real_fn, struct sockaddr_in *raddr,
	   int *sockp)
{
	if (!real_fn)
		return sunrpc_missing(fn);
	if (!raddr || !sockp)
		return -EINVAL;
	return sunrpc_route(fn, raddr, SUNRPC_PMAP_PORT, SOCK_DGRAM);
}

int
sunrpc_authdes_route(const char *fn, const struct sockaddr *syncaddr)
{
	if (!syncaddr)
		return 0;
	return sunrpc_route(fn, (const struct sockaddr_in *)syncaddr,
				 SUNRPC_TIME_PORT, SOCK_DGRAM);
}


/*
 * The C library's Sun RPC client as the hooks reach it (sunrpc.c): its
 * functions, found with dlvsym() since they exist only as old versioned
 * symbols, and the decisions the hooks share (hook_rpc_client.c,
 * hook_rpc_portmap.c).
 */
#ifndef SX_SUNRPC_H
#define SX_SUNRPC_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>
#include <sys/time.h>

#define SUNRPC_VERSION "GLIBC_2.2.5"
#define SUNRPC_PMAP_PORT 111
#define SUNRPC_TIME_PORT 37
/* enum clnt_stat values (<rpc/clnt.h>). */
#define SUNRPC_CANTSEND 3
#define SUNRPC_SYSTEMERROR 12

/* struct rpc_createerr (<rpc/clnt.h>): the status, and the errno it carries. */
struct sunrpc_rpc_createerr {
	int cf_stat;
	struct {
		int re_status;
		union {
			int re_errno;
			long re_pad[2];
		} ru;
	} cf_error;
};

typedef int (*sunrpc_xdrproc)(void *, void *);

struct sunrpc_fns {
	struct sunrpc_rpc_createerr *(*thread_createerr)(void);
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
		       unsigned long, sunrpc_xdrproc, const char *,
		       sunrpc_xdrproc, char *);
	int (*getrpcport)(const char *, unsigned long, unsigned long,
			  unsigned int);
	unsigned short (*pmap_getport)(struct sockaddr_in *, unsigned long,
				       unsigned long, unsigned int);
	void *(*pmap_getmaps)(struct sockaddr_in *);
	int (*pmap_rmtcall)(struct sockaddr_in *, unsigned long, unsigned long,
			    unsigned long, sunrpc_xdrproc, void *,
			    sunrpc_xdrproc, void *, struct timeval,
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
	    unsigned long proc, sunrpc_xdrproc inproc, const char *in,
	    sunrpc_xdrproc outproc, char *out);
int getrpcport(const char *host, unsigned long prog, unsigned long vers,
	       unsigned int proto);
unsigned short
pmap_getport(struct sockaddr_in *addr, unsigned long prog, unsigned long vers,
	     unsigned int proto);
void *pmap_getmaps(struct sockaddr_in *addr);
int pmap_rmtcall(struct sockaddr_in *addr, unsigned long prog,
		 unsigned long vers, unsigned long proc, sunrpc_xdrproc xdrargs,
		 void *argsp, sunrpc_xdrproc xdrres, void *resp,
		 struct timeval tout, unsigned long *port_ptr);
int clnt_broadcast(unsigned long prog, unsigned long vers, unsigned long proc,
		   sunrpc_xdrproc xargs, void *argsp, sunrpc_xdrproc xresults,
		   void *resultsp, void *eachresult);
int rtime(struct sockaddr_in *addr, void *timep, void *timeout);
void *authdes_create(const char *servername, unsigned int window,
		     struct sockaddr *syncaddr, void *ckey);
void *authdes_pk_create(const char *servername, void *pkey,
			unsigned int window, struct sockaddr *syncaddr,
			void *ckey);


/* The real functions (NULL where the C library has none), once sunrpc_load() ran. */
extern struct sunrpc_fns sunrpc_real;

/* Look up the real functions, once for the process. */
void sunrpc_load(void);

/* Enter an RPC hook: the guard, the real functions.  False when guarded. */
bool sunrpc_enter(void);

/* The real function fn is missing: log it; -ENOSYS. */
int sunrpc_missing(const char *fn);

/* Report a refusal (-errno) the way the RPC creation functions report errors. */
void sunrpc_createerr(int rc);
/*
 * A call refused with -errno rc: rpc_createerr says why (as above), the
 * guard the hook took is left, and errno is set; the hook then returns its
 * failure value.
 */
void sunrpc_refuse(int rc);
/* The same without rpc_createerr, for the calls that do not report there. */
void sunrpc_fail(int rc);

/* Why the proxy cannot carry RPC, for the log. */
extern const char sunrpc_why[];

/*
 * Decide an RPC exchange with addr (port, host order, when its own is 0):
 * 0 for a direct one, -errno (logged) otherwise.
 */
int sunrpc_route(const char *fn, const struct sockaddr_in *addr,
		 unsigned int port, int socktype);

/* The socket type an RPC protocol name stands for (the portmapper's UDP otherwise). */
int sunrpc_socktype(const char *proto);

/* clntudp_create() and clntudp_bufcreate(): every call sends to raddr. */
int sunrpc_udp(const char *fn, void *real_fn, struct sockaddr_in *raddr,
	       int *sockp);

/* authdes_*create(): with a time server, rtime() to it from inside the C library. */
int sunrpc_authdes_route(const char *fn, const struct sockaddr *syncaddr);

#endif

/*
 * A client for the tests that calls the resolver with unusual arguments and
 * the C library's network functions that resolve and connect internally,
 * printing what each call answered as plain lines.
 *
 *   libcnet byaddr HOST FAMILY LEN    gethostbyaddr() on HOST's address in a
 *                                     LEN-byte buffer (zero-padded) with
 *                                     FAMILY: inet, inet6, unspec, unix, or
 *                                     mapped / compat (AF_INET6 with the
 *                                     IPv4-mapped / -compatible form)
 *   libcnet byaddr_r HOST FAMILY LEN  the same with gethostbyaddr_r()
 *   libcnet byaddr-null               gethostbyaddr(NULL, 4, AF_INET)
 *   libcnet byaddr_r-null HOST        gethostbyaddr_r() with NULL result pointers
 *   libcnet byname_r-null NAME        gethostbyname_r() with NULL result pointers
 *   libcnet gai-null NAME             getaddrinfo(NAME, NULL, NULL, NULL)
 *   libcnet gni HOST FAMILY SALEN [FLAGS]
 *                                     getnameinfo() on HOST's address in a
 *                                     SALEN-byte socket address; FLAGs
 *                                     namereqd, numericserv, bad (an unknown bit)
 *   libcnet rcmd HOST PORT [FAMILY]   rcmd() (rcmd_af() with a FAMILY)
 *   libcnet rexec HOST PORT [FAMILY]  rexec() (rexec_af() with a FAMILY)
 *   libcnet rresvport                 rresvport()
 *   libcnet ruserok HOST              ruserok()
 *   libcnet iruserok ADDR             iruserok()
 *   libcnet getnet name NAME          getnetbyname() and getnetbyname_r()
 *   libcnet getnet addr NET           getnetbyaddr() and getnetbyaddr_r()
 *   libcnet rpc create HOST PROTO     the C library's Sun RPC clnt_create()
 *   libcnet rpc callrpc HOST          callrpc() of the portmapper's null procedure
 *   libcnet rpc getport ADDR          pmap_getport() for the portmapper itself
 *   libcnet rpc tcp ADDR PORT         clnttcp_create()
 *   libcnet rpc udp ADDR PORT         clntudp_create()
 *
 * HOST is an address, or a name first resolved with getaddrinfo() (in this
 * process, so that a fake address names it).  Lines: "ADDR a" for the
 * address used, "NAME n" for a hostent, "HOST h" for getnameinfo(),
 * "HERR name" and "ERRNO name" for failures, "EAI name", "RC n", "FD n",
 * "NET name number", "CLIENT yes|no".  The exit status is 0 on success, 1
 * on a failure the call reported, 2 on a usage error.
 *
 * The Sun RPC functions are called by their old versioned names, as
 * programs linked before the C library stopped offering them to new
 * programs still call them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

struct name_code {
	const char *name;
	int code;
};

static const struct name_code herr_names[] = {
	{ "NETDB_INTERNAL", NETDB_INTERNAL },
	{ "NETDB_SUCCESS", NETDB_SUCCESS },
	{ "HOST_NOT_FOUND", HOST_NOT_FOUND },
	{ "TRY_AGAIN", TRY_AGAIN },
	{ "NO_RECOVERY", NO_RECOVERY },
	{ "NO_DATA", NO_DATA },
};

static const struct name_code eai_names[] = {
	{ "EAI_BADFLAGS", EAI_BADFLAGS },
	{ "EAI_NONAME", EAI_NONAME },
	{ "EAI_AGAIN", EAI_AGAIN },
	{ "EAI_FAIL", EAI_FAIL },
	{ "EAI_FAMILY", EAI_FAMILY },
	{ "EAI_MEMORY", EAI_MEMORY },
	{ "EAI_SYSTEM", EAI_SYSTEM },
	{ "EAI_OVERFLOW", EAI_OVERFLOW },
};

static const struct name_code errno_names[] = {
	{ "EAFNOSUPPORT", EAFNOSUPPORT },
	{ "EINVAL", EINVAL },
	{ "ENOENT", ENOENT },
	{ "ENETUNREACH", ENETUNREACH },
	{ "ECONNREFUSED", ECONNREFUSED },
	{ "EHOSTUNREACH", EHOSTUNREACH },
	{ "EACCES", EACCES },
	{ "EPERM", EPERM },
	{ "ETIMEDOUT", ETIMEDOUT },
	{ "ENOSYS", ENOSYS },
	{ "EAGAIN", EAGAIN },
	{ "ERANGE", ERANGE },
};

static const char *
name_of(const struct name_code *t, size_t n, int code)
{
	static char buf[32];

	for (size_t i = 0; i < n; i++) {
		if (t[i].code == code)
			return t[i].name;
	}
	snprintf(buf, sizeof(buf), "%d", code);
	return buf;
}

#define NAME_OF(t, c) name_of(t, sizeof(t) / sizeof(t[0]), c)

static int
usage(void)
{
	fprintf(stderr, "usage: see the comment at the top of libcnet.c\n");
	return 2;
}

static int
family_of(const char *s)
{
	if (strcmp(s, "inet") == 0 || strcmp(s, "mapped") == 0 ||
	    strcmp(s, "compat") == 0)
		return AF_INET;
	if (strcmp(s, "inet6") == 0)
		return AF_INET6;
	if (strcmp(s, "unspec") == 0)
		return AF_UNSPEC;
	if (strcmp(s, "unix") == 0)
		return AF_UNIX;
	return -1;
}

/*
 * HOST's address in family (AF_INET or AF_INET6) into out (16 bytes):
 * parsed, or resolved with getaddrinfo().  Prints "ADDR a".
 */
static int
address_of(const char *host, int family, uint8_t *out)
{
	struct addrinfo hints, *res;
	char text[INET6_ADDRSTRLEN];
	int rc;

	memset(out, 0, 16);
	if (inet_pton(family, host, out) != 1) {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = family;
		hints.ai_socktype = SOCK_STREAM;
		rc = getaddrinfo(host, NULL, &hints, &res);
		if (rc != 0) {
			printf("EAI %s\n", NAME_OF(eai_names, rc));
			return -1;
		}
		if (family == AF_INET)
			memcpy(out, &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
		else
			memcpy(out, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, 16);
		freeaddrinfo(res);
	}
	printf("ADDR %s\n", inet_ntop(family, out, text, sizeof(text)));
	return 0;
}

/*
 * The address bytes gethostbyaddr() is given for HOST and FAMILY (see the
 * top): into buf (LEN bytes at least), with *type the family passed.
 */
static int
byaddr_input(const char *host, const char *fam, uint8_t *buf, int *type)
{
	uint8_t raw[16];
	int family = family_of(fam);

	if (family < 0)
		return -2;
	if (address_of(host, family == AF_INET6 ? AF_INET6 : AF_INET, raw) < 0)
		return -1;
	*type = family;
	if (strcmp(fam, "mapped") == 0 || strcmp(fam, "compat") == 0) {
		memset(buf, 0, 12);
		if (fam[0] == 'm') {
			buf[10] = 0xff;
			buf[11] = 0xff;
		}
		memcpy(buf + 12, raw, 4);
		*type = AF_INET6;
		return 0;
	}
	memcpy(buf, raw, family == AF_INET6 ? 16 : 4);
	return 0;
}

static void
print_hostent(const struct hostent *he)
{
	printf("NAME %s\n", he->h_name);
}

static void
print_herr(int herr, int err)
{
	printf("HERR %s\n", NAME_OF(herr_names, herr));
	if (herr == NETDB_INTERNAL)
		printf("ERRNO %s\n", NAME_OF(errno_names, err));
}

static int
cmd_byaddr(int argc, char **argv, bool r)
{
	uint8_t buf[256];
	char hbuf[1024];
	struct hostent he, *res = NULL;
	int type, herr = 0, rc;
	long len;

	if (argc < 5)
		return usage();
	len = strtol(argv[4], NULL, 10);
	if (len < 0 || len > (long)sizeof(buf))
		return usage();
	memset(buf, 0, sizeof(buf));
	rc = byaddr_input(argv[2], argv[3], buf, &type);
	if (rc < 0)
		return rc == -2 ? usage() : 1;
	if (!r) {
		errno = 0;
		res = gethostbyaddr(buf, (socklen_t)len, type);
		if (!res) {
			print_herr(h_errno, errno);
			return 1;
		}
		print_hostent(res);
		return 0;
	}
	errno = 0;
	rc = gethostbyaddr_r(buf, (socklen_t)len, type, &he, hbuf, sizeof(hbuf),
			     &res, &herr);
	printf("RC %s\n", rc == 0 ? "0" : NAME_OF(errno_names, rc));
	if (!res) {
		print_herr(herr, rc);
		return 1;
	}
	print_hostent(res);
	return 0;
}

static int
cmd_byaddr_r_null(int argc, char **argv)
{
	uint8_t raw[16];
	char hbuf[1024];
	struct hostent he;
	int rc;

	if (argc < 3 || address_of(argv[2], AF_INET, raw) < 0)
		return usage();
	h_errno = 0;
	rc = gethostbyaddr_r(raw, 4, AF_INET, &he, hbuf, sizeof(hbuf), NULL, NULL);
	printf("RC %s\n", rc == 0 ? "0" : NAME_OF(errno_names, rc));
	printf("HERR %s\n", NAME_OF(herr_names, h_errno));
	return rc == 0 ? 0 : 1;
}

static int
cmd_byname_r_null(int argc, char **argv)
{
	char hbuf[1024];
	struct hostent he;
	int rc;

	if (argc < 3)
		return usage();
	h_errno = 0;
	rc = gethostbyname_r(argv[2], &he, hbuf, sizeof(hbuf), NULL, NULL);
	printf("RC %s\n", rc == 0 ? "0" : NAME_OF(errno_names, rc));
	printf("HERR %s\n", NAME_OF(herr_names, h_errno));
	return rc == 0 ? 0 : 1;
}

static int
cmd_gai_null(int argc, char **argv)
{
	int rc;

	if (argc < 3)
		return usage();
	errno = 0;
	rc = getaddrinfo(argv[2], NULL, NULL, NULL);
	printf("EAI %s\n", rc == 0 ? "0" : NAME_OF(eai_names, rc));
	if (rc == EAI_SYSTEM)
		printf("ERRNO %s\n", NAME_OF(errno_names, errno));
	return rc == 0 ? 0 : 1;
}

static int
cmd_gni(int argc, char **argv)
{
	uint8_t raw[16];
	union {
		struct sockaddr sa;
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;
		uint8_t bytes[128];
	} u;
	char host[1025], serv[64];
	int flags = 0, rc;
	long salen;

	if (argc < 5)
		return usage();
	salen = strtol(argv[4], NULL, 10);
	if (salen < 0 || salen > (long)sizeof(u))
		return usage();
	memset(&u, 0, sizeof(u));
	if (strcmp(argv[3], "inet6") == 0 || strcmp(argv[3], "compat") == 0) {
		if (strcmp(argv[3], "compat") == 0) {
			if (address_of(argv[2], AF_INET, raw) < 0)
				return 1;
			memmove(raw + 12, raw, 4);
			memset(raw, 0, 12);
		} else if (address_of(argv[2], AF_INET6, raw) < 0) {
			return 1;
		}
		u.sin6.sin6_family = AF_INET6;
		u.sin6.sin6_port = htons(80);
		memcpy(&u.sin6.sin6_addr, raw, 16);
	} else {
		if (address_of(argv[2], AF_INET, raw) < 0)
			return 1;
		u.sin.sin_family = (sa_family_t)family_of(argv[3]);
		u.sin.sin_port = htons(80);
		memcpy(&u.sin.sin_addr, raw, 4);
	}
	if (argc > 5) {
		if (strstr(argv[5], "namereqd"))
			flags |= NI_NAMEREQD;
		if (strstr(argv[5], "numericserv"))
			flags |= NI_NUMERICSERV;
		if (strstr(argv[5], "bad"))
			flags |= 0x4000;
	}
	rc = getnameinfo(&u.sa, (socklen_t)salen, host, sizeof(host), serv,
			 sizeof(serv), flags);
	if (rc != 0) {
		printf("EAI %s\n", NAME_OF(eai_names, rc));
		return 1;
	}
	printf("HOST %s\nSERV %s\n", host, serv);
	return 0;
}

static int
family_arg(int argc, char **argv, int i)
{
	return argc > i ? family_of(argv[i]) : -1;
}

static int
cmd_rcmd(int argc, char **argv, bool exec)
{
	char *host;
	int af, fd;

	if (argc < 4)
		return usage();
	host = argv[2];
	af = family_arg(argc, argv, 4);
	errno = 0;
	if (exec && af < 0)
		fd = rexec(&host, htons((uint16_t)atoi(argv[3])), "user", "password",
			   "true", NULL);
	else if (exec)
		fd = rexec_af(&host, htons((uint16_t)atoi(argv[3])), "user",
			      "password", "true", NULL, (sa_family_t)af);
	else if (af < 0)
		fd = rcmd(&host, htons((uint16_t)atoi(argv[3])), "root", "root",
			  "true", NULL);
	else
		fd = rcmd_af(&host, htons((uint16_t)atoi(argv[3])), "root", "root",
			     "true", NULL, (sa_family_t)af);
	if (fd < 0) {
		printf("RC -1\nERRNO %s\n", NAME_OF(errno_names, errno));
		return 1;
	}
	printf("FD %d\n", fd);
	close(fd);
	return 0;
}

static int
cmd_rresvport(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int port = IPPORT_RESERVED - 1;
	int fd = rresvport(&port);

	if (fd < 0) {
		printf("RC -1\nERRNO %s\n", NAME_OF(errno_names, errno));
		return 1;
	}
	getsockname(fd, (struct sockaddr *)&sin, &len);
	printf("FD %d\nPORT %s\n", fd,
	       ntohs(sin.sin_port) < IPPORT_RESERVED ? "reserved" : "other");
	close(fd);
	return 0;
}

static int
cmd_ruserok(int argc, char **argv, bool by_addr)
{
	uint32_t addr;
	int rc;

	if (argc < 3)
		return usage();
	if (by_addr) {
		if (inet_pton(AF_INET, argv[2], &addr) != 1)
			return usage();
		rc = iruserok(addr, 0, "root", "root");
	} else {
		rc = ruserok(argv[2], 0, "root", "root");
	}
	printf("RC %d\n", rc);
	return rc == 0 ? 0 : 1;
}

static int
cmd_getnet(int argc, char **argv)
{
	struct netent *ne, ne_r, *res = NULL;
	char buf[1024];
	uint32_t net = 0;
	int herr = 0, rc;
	bool by_name;

	if (argc < 4)
		return usage();
	by_name = strcmp(argv[2], "name") == 0;
	if (!by_name) {
		struct in_addr a;

		if (inet_aton(argv[3], &a) == 0)
			return usage();
		net = ntohl(a.s_addr);
	}
	ne = by_name ? getnetbyname(argv[3]) : getnetbyaddr(net, AF_INET);
	if (ne)
		printf("NET %s %u\n", ne->n_name, (unsigned)ne->n_net);
	else
		printf("NET none\n");
	if (by_name)
		rc = getnetbyname_r(argv[3], &ne_r, buf, sizeof(buf), &res, &herr);
	else
		rc = getnetbyaddr_r(net, AF_INET, &ne_r, buf, sizeof(buf), &res,
				    &herr);
	if (res)
		printf("NET_R %s %u\n", res->n_name, (unsigned)res->n_net);
	else
		printf("NET_R none RC %d\n", rc);
	return ne && res ? 0 : 1;
}

/* The C library's Sun RPC, by its old versioned names (no header declares them now). */
typedef int (*sx_xdrproc)(void *, void *, ...);
struct sx_rpc_timeval {
	long tv_sec;
	long tv_usec;
};

void *old_clnt_create(const char *host, unsigned long prog, unsigned long vers,
		      const char *proto);
int old_callrpc(const char *host, unsigned long prog, unsigned long vers,
		unsigned long proc, sx_xdrproc in, const char *inp, sx_xdrproc out,
		char *outp);
unsigned short old_pmap_getport(struct sockaddr_in *addr, unsigned long prog,
				unsigned long vers, unsigned int proto);
void *old_clnttcp_create(struct sockaddr_in *addr, unsigned long prog,
			 unsigned long vers, int *sockp, unsigned int sendsz,
			 unsigned int recvsz);
void *old_clntudp_create(struct sockaddr_in *addr, unsigned long prog,
			 unsigned long vers, struct sx_rpc_timeval wait,
			 int *sockp);
int old_xdr_void(void *, void *);
void old_clnt_pcreateerror(const char *s);
__asm__(".symver old_clnt_create, clnt_create@GLIBC_2.2.5");
__asm__(".symver old_callrpc, callrpc@GLIBC_2.2.5");
__asm__(".symver old_pmap_getport, pmap_getport@GLIBC_2.2.5");
__asm__(".symver old_clnttcp_create, clnttcp_create@GLIBC_2.2.5");
__asm__(".symver old_clntudp_create, clntudp_create@GLIBC_2.2.5");
__asm__(".symver old_xdr_void, xdr_void@GLIBC_2.2.5");
__asm__(".symver old_clnt_pcreateerror, clnt_pcreateerror@GLIBC_2.2.5");

#define PMAP_PROG 100000UL
#define PMAP_VERS 2UL

static int
cmd_rpc(int argc, char **argv)
{
	struct sockaddr_in sin;
	struct sx_rpc_timeval wait = { 2, 0 };
	void *client = NULL;
	int sock = -1, rc;

	if (argc < 4)
		return usage();
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (strcmp(argv[2], "create") == 0 && argc >= 5) {
		client = old_clnt_create(argv[3], PMAP_PROG, PMAP_VERS, argv[4]);
	} else if (strcmp(argv[2], "callrpc") == 0) {
		errno = 0;
		rc = old_callrpc(argv[3], PMAP_PROG, PMAP_VERS, 0,
				 (sx_xdrproc)old_xdr_void, NULL,
				 (sx_xdrproc)old_xdr_void, NULL);
		printf("RC %d\n", rc);
		return rc == 0 ? 0 : 1;
	} else if (strcmp(argv[2], "getport") == 0) {
		if (inet_pton(AF_INET, argv[3], &sin.sin_addr) != 1)
			return usage();
		rc = old_pmap_getport(&sin, PMAP_PROG, PMAP_VERS, IPPROTO_UDP);
		printf("PORT %d\n", rc);
		return rc != 0 ? 0 : 1;
	} else if ((strcmp(argv[2], "tcp") == 0 || strcmp(argv[2], "udp") == 0) &&
		   argc >= 5) {
		if (inet_pton(AF_INET, argv[3], &sin.sin_addr) != 1)
			return usage();
		sin.sin_port = htons((uint16_t)atoi(argv[4]));
		if (argv[2][0] == 't')
			client = old_clnttcp_create(&sin, PMAP_PROG, PMAP_VERS, &sock,
						    0, 0);
		else
			client = old_clntudp_create(&sin, PMAP_PROG, PMAP_VERS, wait,
						    &sock);
	} else {
		return usage();
	}
	printf("CLIENT %s\n", client ? "yes" : "no");
	if (!client) {
		old_clnt_pcreateerror("RPCERR");
		return 1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(argv[1], "byaddr") == 0)
		return cmd_byaddr(argc, argv, false);
	if (strcmp(argv[1], "byaddr_r") == 0)
		return cmd_byaddr(argc, argv, true);
	if (strcmp(argv[1], "byaddr-null") == 0) {
		struct hostent *he = gethostbyaddr(NULL, 4, AF_INET);

		if (he)
			return 0;
		print_herr(h_errno, errno);
		return 1;
	}
	if (strcmp(argv[1], "byaddr_r-null") == 0)
		return cmd_byaddr_r_null(argc, argv);
	if (strcmp(argv[1], "byname_r-null") == 0)
		return cmd_byname_r_null(argc, argv);
	if (strcmp(argv[1], "gai-null") == 0)
		return cmd_gai_null(argc, argv);
	if (strcmp(argv[1], "gni") == 0)
		return cmd_gni(argc, argv);
	if (strcmp(argv[1], "rcmd") == 0)
		return cmd_rcmd(argc, argv, false);
	if (strcmp(argv[1], "rexec") == 0)
		return cmd_rcmd(argc, argv, true);
	if (strcmp(argv[1], "rresvport") == 0)
		return cmd_rresvport();
	if (strcmp(argv[1], "ruserok") == 0)
		return cmd_ruserok(argc, argv, false);
	if (strcmp(argv[1], "iruserok") == 0)
		return cmd_ruserok(argc, argv, true);
	if (strcmp(argv[1], "getnet") == 0)
		return cmd_getnet(argc, argv);
	if (strcmp(argv[1], "rpc") == 0)
		return cmd_rpc(argc, argv);
	return usage();
}

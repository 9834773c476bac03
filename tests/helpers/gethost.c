/*
 * A resolver client for the tests: calls one resolver function the way a
 * program would and prints the answer as plain lines.
 *
 *   gethost byname NAME                    gethostbyname()
 *   gethost byname2 NAME inet|inet6        gethostbyname2()
 *   gethost byname_r NAME BUFLEN           gethostbyname_r() with BUFLEN bytes
 *   gethost byname2_r NAME FAMILY BUFLEN   gethostbyname2_r()
 *   gethost byaddr ADDR                    gethostbyaddr()
 *   gethost byaddr_r ADDR BUFLEN           gethostbyaddr_r()
 *   gethost gai NAME|- SERVICE|- [FAMILY [SOCKTYPE [FLAG,...]]]
 *                                          getaddrinfo(); "-" is NULL; FAMILY
 *                                          unspec|inet|inet6|null (NULL hints);
 *                                          SOCKTYPE 0|stream|dgram; FLAGs
 *                                          canon addrconfig v4mapped all
 *                                          numerichost passive
 *   gethost gni ADDR PORT [FLAG,...] [HOSTLEN]
 *                                          getnameinfo(); FLAGs namereqd
 *                                          numerichost numericserv dgram
 *   gethost connect NAME PORT [TEXT]       gethostbyname() then connect()
 *   gethost reverse NAME FAMILY            getaddrinfo(), then getnameinfo(),
 *                                          gethostbyaddr() and _r on its answer
 *   gethost threads COUNT SUFFIX           COUNT threads each resolving its
 *                                          own name with every call at once
 *
 * A hostent prints as "NAME n", "ALIAS a"..., "FAMILY inet|inet6",
 * "ADDR a"...; getaddrinfo() as one "AI family socktype protocol addr port
 * [canon]" line per entry; failures as "HERR HOST_NOT_FOUND",
 * "ERROR ERANGE" or "EAI EAI_NONAME".  The exit status is 0 on success,
 * 1 on a failure the call reported, 2 on a usage error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct name_code {
	const char *name;
	int code;
};

static const struct name_code eai_names[] = {
	{ "EAI_BADFLAGS", EAI_BADFLAGS },
	{ "EAI_NONAME", EAI_NONAME },
	{ "EAI_AGAIN", EAI_AGAIN },
	{ "EAI_FAIL", EAI_FAIL },
	{ "EAI_FAMILY", EAI_FAMILY },
	{ "EAI_SOCKTYPE", EAI_SOCKTYPE },
	{ "EAI_SERVICE", EAI_SERVICE },
	{ "EAI_MEMORY", EAI_MEMORY },
	{ "EAI_SYSTEM", EAI_SYSTEM },
	{ "EAI_OVERFLOW", EAI_OVERFLOW },
	{ "EAI_NODATA", EAI_NODATA },
	{ "EAI_ADDRFAMILY", EAI_ADDRFAMILY },
};

static const struct name_code herr_names[] = {
	{ "NETDB_INTERNAL", NETDB_INTERNAL },
	{ "NETDB_SUCCESS", NETDB_SUCCESS },
	{ "HOST_NOT_FOUND", HOST_NOT_FOUND },
	{ "TRY_AGAIN", TRY_AGAIN },
	{ "NO_RECOVERY", NO_RECOVERY },
	{ "NO_DATA", NO_DATA },
};

static const struct name_code errno_names[] = {
	{ "ERANGE", ERANGE },
	{ "EAFNOSUPPORT", EAFNOSUPPORT },
	{ "ENOMEM", ENOMEM },
	{ "EINVAL", EINVAL },
	{ "EAGAIN", EAGAIN },
	{ "ENOENT", ENOENT },
	{ "ECONNREFUSED", ECONNREFUSED },
	{ "EHOSTUNREACH", EHOSTUNREACH },
	{ "ENETUNREACH", ENETUNREACH },
	{ "ETIMEDOUT", ETIMEDOUT },
	{ "ECONNRESET", ECONNRESET },
};

static const char *
code_name(const struct name_code *t, size_t n, int code)
{
	static char other[32];

	for (size_t i = 0; i < n; i++) {
		if (t[i].code == code)
			return t[i].name;
	}
	snprintf(other, sizeof(other), "%d", code);
	return other;
}

#define EAI_NAME(c) code_name(eai_names, sizeof(eai_names) / sizeof(eai_names[0]), (c))
#define HERR_NAME(c) code_name(herr_names, sizeof(herr_names) / sizeof(herr_names[0]), (c))
#define ERRNO_NAME(c) code_name(errno_names, sizeof(errno_names) / sizeof(errno_names[0]), (c))

static int
usage(void)
{
	fprintf(stderr, "usage: see the comment at the top of gethost.c\n");
	return 2;
}

static int
parse_family(const char *s)
{
	if (strcmp(s, "inet") == 0)
		return AF_INET;
	if (strcmp(s, "inet6") == 0)
		return AF_INET6;
	if (strcmp(s, "unspec") == 0)
		return AF_UNSPEC;
	if (strcmp(s, "unix") == 0)
		return AF_UNIX;
	return -1;
}

static const char *
family_name(int family)
{
	if (family == AF_INET)
		return "inet";
	if (family == AF_INET6)
		return "inet6";
	return "other";
}

static void
print_hostent(const struct hostent *he)
{
	char text[INET6_ADDRSTRLEN];

	printf("NAME %s\n", he->h_name);
	for (char **a = he->h_aliases; a && *a; a++)
		printf("ALIAS %s\n", *a);
	printf("FAMILY %s\n", family_name(he->h_addrtype));
	for (char **a = he->h_addr_list; a && *a; a++) {
		if (!inet_ntop(he->h_addrtype, *a, text, sizeof(text)))
			strcpy(text, "?");
		printf("ADDR %s\n", text);
	}
}

static int
report_he(const struct hostent *he, int herr)
{
	if (!he) {
		printf("HERR %s\n", HERR_NAME(herr));
		return 1;
	}
	print_hostent(he);
	return 0;
}

static int
report_he_r(int rc, const struct hostent *he, int herr)
{
	if (rc != 0) {
		printf("ERROR %s\n", ERRNO_NAME(rc));
		printf("HERR %s\n", HERR_NAME(herr));
		return 1;
	}
	if (!he) {
		printf("HERR %s\n", HERR_NAME(herr));
		return 1;
	}
	print_hostent(he);
	return 0;
}

/* Parse an IPv4 or IPv6 address into addr; returns its family or -1. */
static int
parse_addr(const char *s, unsigned char *addr, socklen_t *len)
{
	if (inet_pton(AF_INET, s, addr) == 1) {
		*len = 4;
		return AF_INET;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*len = 16;
		return AF_INET6;
	}
	return -1;
}

static int
cmd_byaddr(int argc, char **argv, bool reentrant)
{
	unsigned char addr[16];
	socklen_t len;
	int family;

	if (argc < 1 || (reentrant && argc < 2))
		return usage();
	family = parse_addr(argv[0], addr, &len);
	if (family < 0)
		return usage();
	if (!reentrant) {
		struct hostent *he = gethostbyaddr(addr, len, family);

		return report_he(he, h_errno);
	} else {
		size_t buflen = strtoul(argv[1], NULL, 10);
		char *buf = malloc(buflen ? buflen : 1);
		struct hostent ret, *he = NULL;
		int herr = 0;
		int rc = gethostbyaddr_r(addr, len, family, &ret, buf, buflen,
					 &he, &herr);

		rc = report_he_r(rc, he, herr);
		free(buf);
		return rc;
	}
}

static int
cmd_byname_r(const char *name, bool two, int family, const char *buflen_text)
{
	size_t buflen = strtoul(buflen_text, NULL, 10);
	char *buf = malloc(buflen ? buflen : 1);
	struct hostent ret, *he = NULL;
	int herr = 0;
	int rc;

	if (!two)
		rc = gethostbyname_r(name, &ret, buf, buflen, &he, &herr);
	else
		rc = gethostbyname2_r(name, family, &ret, buf, buflen, &he, &herr);
	rc = report_he_r(rc, he, herr);
	free(buf);
	return rc;
}

static int
parse_flags(const char *s, const struct name_code *t, size_t n)
{
	char copy[256];
	int flags = 0;

	snprintf(copy, sizeof(copy), "%s", s);
	for (char *tok = strtok(copy, ","); tok; tok = strtok(NULL, ",")) {
		size_t i;

		for (i = 0; i < n; i++) {
			if (strcmp(tok, t[i].name) == 0)
				break;
		}
		if (i == n)
			return -1;
		flags |= t[i].code;
	}
	return flags;
}

static const struct name_code ai_flags[] = {
	{ "canon", AI_CANONNAME },
	{ "addrconfig", AI_ADDRCONFIG },
	{ "v4mapped", AI_V4MAPPED },
	{ "all", AI_ALL },
	{ "numerichost", AI_NUMERICHOST },
	{ "passive", AI_PASSIVE },
	{ "none", 0 },
};

static const struct name_code ni_flags[] = {
	{ "namereqd", NI_NAMEREQD },
	{ "numerichost", NI_NUMERICHOST },
	{ "numericserv", NI_NUMERICSERV },
	{ "dgram", NI_DGRAM },
	{ "none", 0 },
};

static int
cmd_gai(int argc, char **argv)
{
	struct addrinfo hints, *res = NULL;
	const char *node, *service;
	bool null_hints = false;
	int rc;

	if (argc < 2)
		return usage();
	node = strcmp(argv[0], "-") == 0 ? NULL : argv[0];
	service = strcmp(argv[1], "-") == 0 ? NULL : argv[1];
	memset(&hints, 0, sizeof(hints));
	if (argc > 2) {
		if (strcmp(argv[2], "null") == 0) {
			null_hints = true;
		} else {
			hints.ai_family = parse_family(argv[2]);
			if (hints.ai_family < 0)
				return usage();
		}
	}
	if (argc > 3) {
		if (strcmp(argv[3], "stream") == 0)
			hints.ai_socktype = SOCK_STREAM;
		else if (strcmp(argv[3], "dgram") == 0)
			hints.ai_socktype = SOCK_DGRAM;
		else if (strcmp(argv[3], "0") != 0)
			return usage();
	}
	if (argc > 4) {
		hints.ai_flags = parse_flags(argv[4], ai_flags,
					     sizeof(ai_flags) / sizeof(ai_flags[0]));
		if (hints.ai_flags < 0)
			return usage();
	}
	rc = getaddrinfo(node, service, null_hints ? NULL : &hints, &res);
	if (rc != 0) {
		printf("EAI %s\n", EAI_NAME(rc));
		return 1;
	}
	for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
		char host[INET6_ADDRSTRLEN] = "?";
		unsigned port = 0;

		if (ai->ai_family == AF_INET) {
			struct sockaddr_in *sin = (struct sockaddr_in *)ai->ai_addr;

			inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
			port = ntohs(sin->sin_port);
		} else if (ai->ai_family == AF_INET6) {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ai->ai_addr;

			inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
			port = ntohs(sin6->sin6_port);
		}
		printf("AI %s %s %d %s %u%s%s\n", family_name(ai->ai_family),
		       ai->ai_socktype == SOCK_STREAM ? "stream" :
		       ai->ai_socktype == SOCK_DGRAM ? "dgram" :
		       ai->ai_socktype == SOCK_RAW ? "raw" : "other",
		       ai->ai_protocol, host, port,
		       ai->ai_canonname ? " " : "",
		       ai->ai_canonname ? ai->ai_canonname : "");
	}
	freeaddrinfo(res);
	return 0;
}

static int
cmd_gni(int argc, char **argv)
{
	struct sockaddr_storage ss;
	unsigned char addr[16];
	char host[1025], serv[64];
	socklen_t len, salen, hostlen = sizeof(host);
	int family, flags = 0, rc;

	if (argc < 2)
		return usage();
	family = parse_addr(argv[0], addr, &len);
	if (family < 0)
		return usage();
	if (argc > 2) {
		flags = parse_flags(argv[2], ni_flags,
				    sizeof(ni_flags) / sizeof(ni_flags[0]));
		if (flags < 0)
			return usage();
	}
	if (argc > 3)
		hostlen = (socklen_t)strtoul(argv[3], NULL, 10);
	if (hostlen > sizeof(host))
		return usage();
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)atoi(argv[1]));
		memcpy(&sin->sin_addr, addr, 4);
		salen = sizeof(*sin);
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)atoi(argv[1]));
		memcpy(&sin6->sin6_addr, addr, 16);
		salen = sizeof(*sin6);
	}
	rc = getnameinfo((struct sockaddr *)&ss, salen, host, hostlen, serv,
			 sizeof(serv), flags);
	if (rc != 0) {
		printf("EAI %s\n", EAI_NAME(rc));
		return 1;
	}
	printf("HOST %s\nSERV %s\n", host, serv);
	return 0;
}

static int
cmd_connect(int argc, char **argv)
{
	struct sockaddr_in sin, peer;
	socklen_t peerlen = sizeof(peer);
	struct hostent *he;
	char line[512], text[INET_ADDRSTRLEN];
	ssize_t n;
	int fd;

	if (argc < 2)
		return usage();
	he = gethostbyname(argv[0]);
	if (!he) {
		printf("HERR %s\n", HERR_NAME(h_errno));
		return 1;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(argv[1]));
	memcpy(&sin.sin_addr, he->h_addr_list[0], 4);
	inet_ntop(AF_INET, &sin.sin_addr, text, sizeof(text));
	printf("RESOLVED %s\n", text);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		printf("ERRNO %s\n", ERRNO_NAME(errno));
		return 1;
	}
	printf("CONNECTED\n");
	if (getpeername(fd, (struct sockaddr *)&peer, &peerlen) == 0 &&
	    inet_ntop(AF_INET, &peer.sin_addr, text, sizeof(text)))
		printf("GETPEERNAME %s %u\n", text, ntohs(peer.sin_port));
	if (argc > 2) {
		size_t len = strlen(argv[2]);

		if (write(fd, argv[2], len) != (ssize_t)len) {
			printf("ERRNO %s\n", ERRNO_NAME(errno));
			return 1;
		}
	}
	n = read(fd, line, sizeof(line) - 1);
	if (n > 0) {
		line[n] = '\0';
		line[strcspn(line, "\r\n")] = '\0';
		printf("LINE %s\n", line);
	}
	close(fd);
	return 0;
}

/*
 * Resolve NAME for FAMILY with getaddrinfo(), then ask every reverse call
 * about the address it gave, in the same process.
 */
static int
cmd_reverse(int argc, char **argv)
{
	struct addrinfo hints, *res = NULL;
	struct hostent ret, *he;
	unsigned char addr[16];
	char text[INET6_ADDRSTRLEN], host[1025], small[4], buf[1024];
	socklen_t len;
	int family, herr = 0, rc;

	if (argc < 2)
		return usage();
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = parse_family(argv[1]);
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(argv[0], "80", &hints, &res);
	if (rc != 0) {
		printf("EAI %s\n", EAI_NAME(rc));
		return 1;
	}
	family = res->ai_family;
	if (family == AF_INET) {
		memcpy(addr, &((struct sockaddr_in *)res->ai_addr)->sin_addr, 4);
		len = 4;
	} else {
		memcpy(addr, &((struct sockaddr_in6 *)res->ai_addr)->sin6_addr, 16);
		len = 16;
	}
	inet_ntop(family, addr, text, sizeof(text));
	printf("RESOLVED %s\n", text);

	rc = getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof(host), NULL, 0, 0);
	printf("GNI %s\n", rc == 0 ? host : EAI_NAME(rc));
	rc = getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof(host), NULL, 0,
			 NI_NAMEREQD);
	printf("GNI-NAMEREQD %s\n", rc == 0 ? host : EAI_NAME(rc));
	rc = getnameinfo(res->ai_addr, res->ai_addrlen, host, sizeof(host), NULL, 0,
			 NI_NUMERICHOST);
	printf("GNI-NUMERICHOST %s\n", rc == 0 ? host : EAI_NAME(rc));
	rc = getnameinfo(res->ai_addr, res->ai_addrlen, small, sizeof(small), NULL, 0, 0);
	printf("GNI-SMALL %s\n", rc == 0 ? small : EAI_NAME(rc));
	freeaddrinfo(res);

	he = gethostbyaddr(addr, len, family);
	if (he)
		printf("BYADDR %s %s\n", he->h_name, family_name(he->h_addrtype));
	else
		printf("BYADDR %s\n", HERR_NAME(h_errno));
	he = NULL;
	rc = gethostbyaddr_r(addr, len, family, &ret, buf, sizeof(buf), &he, &herr);
	if (rc == 0 && he)
		printf("BYADDR_R %s\n", he->h_name);
	else
		printf("BYADDR_R %s %s\n", ERRNO_NAME(rc), HERR_NAME(herr));
	he = NULL;
	rc = gethostbyaddr_r(addr, len, family, &ret, buf, 8, &he, &herr);
	if (rc == 0 && he)
		printf("BYADDR_R-SMALL %s\n", he->h_name);
	else
		printf("BYADDR_R-SMALL %s %s\n", ERRNO_NAME(rc), HERR_NAME(herr));
	return 0;
}

struct worker {
	char name[64];
	int bad;
};

/* The first IPv4 address of a hostent as a number, or 0. */
static uint32_t
first_v4(const struct hostent *he)
{
	uint32_t a;

	if (!he || he->h_addrtype != AF_INET || !he->h_addr_list[0])
		return 0;
	memcpy(&a, he->h_addr_list[0], 4);
	return a;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct hostent ret, *he;
	struct addrinfo hints, *res;
	char buf[1024];
	int herr;

	for (int i = 0; i < 300; i++) {
		uint32_t a, b, c = 0;

		he = gethostbyname(w->name);
		if (!he || strcmp(he->h_name, w->name) != 0) {
			w->bad++;
			continue;
		}
		a = first_v4(he);
		he = NULL;
		if (gethostbyname_r(w->name, &ret, buf, sizeof(buf), &he, &herr) != 0 ||
		    !he || strcmp(he->h_name, w->name) != 0) {
			w->bad++;
			continue;
		}
		b = first_v4(he);
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_INET;
		hints.ai_socktype = SOCK_STREAM;
		if (getaddrinfo(w->name, "80", &hints, &res) == 0) {
			c = ((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr;
			freeaddrinfo(res);
		}
		if (a == 0 || a != b || a != c)
			w->bad++;
	}
	return NULL;
}

static int
cmd_threads(int argc, char **argv)
{
	struct worker *workers;
	pthread_t *tids;
	int count, bad = 0;

	if (argc < 2)
		return usage();
	count = atoi(argv[0]);
	if (count <= 0 || count > 256)
		return usage();
	workers = calloc((size_t)count, sizeof(*workers));
	tids = calloc((size_t)count, sizeof(*tids));
	if (!workers || !tids)
		return 1;
	for (int i = 0; i < count; i++) {
		snprintf(workers[i].name, sizeof(workers[i].name), "t%d.%s", i,
			 argv[1]);
		pthread_create(&tids[i], NULL, worker_main, &workers[i]);
	}
	for (int i = 0; i < count; i++) {
		pthread_join(tids[i], NULL);
		bad += workers[i].bad;
	}
	printf("THREADS %d BAD %d\n", count, bad);
	free(workers);
	free(tids);
	return bad == 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2)
		return usage();
	cmd = argv[1];
	argc -= 2;
	argv += 2;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (strcmp(cmd, "byname") == 0 && argc >= 1) {
		struct hostent *he = gethostbyname(argv[0]);

		return report_he(he, h_errno);
	}
	if (strcmp(cmd, "byname2") == 0 && argc >= 2) {
		struct hostent *he = gethostbyname2(argv[0], parse_family(argv[1]));

		return report_he(he, h_errno);
	}
	if (strcmp(cmd, "byname_r") == 0 && argc >= 2)
		return cmd_byname_r(argv[0], false, AF_INET, argv[1]);
	if (strcmp(cmd, "byname2_r") == 0 && argc >= 3)
		return cmd_byname_r(argv[0], true, parse_family(argv[1]), argv[2]);
	if (strcmp(cmd, "byaddr") == 0)
		return cmd_byaddr(argc, argv, false);
	if (strcmp(cmd, "byaddr_r") == 0)
		return cmd_byaddr(argc, argv, true);
	if (strcmp(cmd, "gai") == 0)
		return cmd_gai(argc, argv);
	if (strcmp(cmd, "gni") == 0)
		return cmd_gni(argc, argv);
	if (strcmp(cmd, "connect") == 0)
		return cmd_connect(argc, argv);
	if (strcmp(cmd, "reverse") == 0)
		return cmd_reverse(argc, argv);
	if (strcmp(cmd, "threads") == 0)
		return cmd_threads(argc, argv);
	return usage();
}

/*
 * A program that resolves names the ways that bypass getaddrinfo(): the
 * resolver's packet interface (res_query() and friends, which send DNS
 * queries themselves) and getaddrinfo_a().  One line per fact on stdout:
 *
 *   resquery query NAME TYPE           res_query()
 *   resquery search NAME TYPE          res_search()
 *   resquery querydomain NAME DOM TYPE res_querydomain()
 *   resquery nquery NAME TYPE          res_ninit() + res_nquery()
 *   resquery send NAME TYPE            res_mkquery() + res_send()
 *   resquery nsend NAME TYPE           res_ninit() + res_nmkquery() + res_nsend()
 *   resquery old NAME TYPE             __res_query(), found with dlsym()
 *   resquery ptr ADDRESS               res_query() of the reverse name, PTR
 *   resquery roundtrip NAME            res_query() for A, then PTR of the answer
 *   resquery gai MODE NAME...          getaddrinfo_a(), MODE wait, signal,
 *                                      thread or none (GAI_NOWAIT, no notice)
 *
 * TYPE is A, AAAA, MX, TXT, SRV or a number.  The query modes print
 * "RC <n> HERRNO <n> ERRNO <name>" and, for an answer, "RCODE <n> ANCOUNT
 * <n>" and one "A <addr>", "AAAA <addr>" or "PTR <name>" line per record.
 * gai prints "GAI <name> <rc> <address>" per request, and "NOTIFIED" once
 * the notification came.
 */
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <dlfcn.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <resolv.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t notified;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

static const char *
errno_name(int e)
{
	switch (e) {
	case 0: return "0";
	case ECONNREFUSED: return "ECONNREFUSED";
	case EMSGSIZE: return "EMSGSIZE";
	case ETIMEDOUT: return "ETIMEDOUT";
	case ENOSYS: return "ENOSYS";
	default: return strerror(e);
	}
}

static int
parse_type(const char *s)
{
	if (strcmp(s, "A") == 0)
		return ns_t_a;
	if (strcmp(s, "AAAA") == 0)
		return ns_t_aaaa;
	if (strcmp(s, "MX") == 0)
		return ns_t_mx;
	if (strcmp(s, "TXT") == 0)
		return ns_t_txt;
	if (strcmp(s, "SRV") == 0)
		return ns_t_srv;
	if (strcmp(s, "PTR") == 0)
		return ns_t_ptr;
	return atoi(s);
}

/* Skip a name at off: the offset after it, or -1. */
static int
skip_name(const unsigned char *m, int len, int off)
{
	while (off < len) {
		int l = m[off];

		if (l == 0)
			return off + 1;
		if ((l & 0xc0) == 0xc0)
			return off + 2;
		off += l + 1;
	}
	return -1;
}

/* Print a name at off (following pointers). */
static void
print_name(const unsigned char *m, int len, int off)
{
	int first = 1, hops = 0;

	while (off < len && hops < 20) {
		int l = m[off];

		if (l == 0)
			break;
		if ((l & 0xc0) == 0xc0) {
			off = ((l & 0x3f) << 8) | m[off + 1];
			hops++;
			continue;
		}
		printf("%s%.*s", first ? "" : ".", l, (const char *)m + off + 1);
		first = 0;
		off += l + 1;
	}
}

static void
print_answer(const unsigned char *m, int len)
{
	int off, qd, an;

	if (len < 12) {
		printf("SHORT %d\n", len);
		return;
	}
	qd = m[4] << 8 | m[5];
	an = m[6] << 8 | m[7];
	printf("RCODE %d ANCOUNT %d ID %d\n", m[3] & 0x0f, an, m[0] << 8 | m[1]);
	off = 12;
	for (int i = 0; i < qd && off >= 0; i++) {
		off = skip_name(m, len, off);
		if (off >= 0)
			off += 4;
	}
	for (int i = 0; i < an && off >= 0 && off < len; i++) {
		int type, rdlen;
		char text[INET6_ADDRSTRLEN];

		off = skip_name(m, len, off);
		if (off < 0 || off + 10 > len)
			break;
		type = m[off] << 8 | m[off + 1];
		rdlen = m[off + 8] << 8 | m[off + 9];
		off += 10;
		if (off + rdlen > len)
			break;
		if (type == ns_t_a && rdlen == 4) {
			printf("A %s\n", inet_ntop(AF_INET, m + off, text, sizeof(text)));
		} else if (type == ns_t_aaaa && rdlen == 16) {
			printf("AAAA %s\n", inet_ntop(AF_INET6, m + off, text, sizeof(text)));
		} else if (type == ns_t_ptr) {
			printf("PTR ");
			print_name(m, len, off);
			printf("\n");
		} else {
			printf("TYPE %d\n", type);
		}
		off += rdlen;
	}
}

static void
report(int rc, int herr, int err, const unsigned char *ans)
{
	printf("RC %d HERRNO %d ERRNO %s\n", rc, herr, errno_name(err));
	if (rc > 0)
		print_answer(ans, rc);
	else if (rc < 0 && (ans[2] & 0x80))
		print_answer(ans, 512);
}

static void
on_signal(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)si;
	(void)ctx;
	notified = 1;
}

static void
on_thread(union sigval v)
{
	(void)v;
	pthread_mutex_lock(&lock);
	notified = 1;
	pthread_cond_signal(&cond);
	pthread_mutex_unlock(&lock);
}

static int
run_gai(const char *mode, int n, char **names)
{
	struct gaicb *list[64];
	struct gaicb cbs[64];
	struct addrinfo hints;
	struct sigevent sev;
	int gmode = strcmp(mode, "wait") == 0 ? GAI_WAIT : GAI_NOWAIT;
	int rc;

	if (n > 64)
		n = 64;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_family = AF_INET;
	memset(&sev, 0, sizeof(sev));
	sev.sigev_notify = SIGEV_NONE;
	if (strcmp(mode, "signal") == 0) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = on_signal;
		sa.sa_flags = SA_SIGINFO;
		sigaction(SIGUSR1, &sa, NULL);
		sev.sigev_notify = SIGEV_SIGNAL;
		sev.sigev_signo = SIGUSR1;
	} else if (strcmp(mode, "thread") == 0) {
		sev.sigev_notify = SIGEV_THREAD;
		sev.sigev_notify_function = on_thread;
	}
	for (int i = 0; i < n; i++) {
		memset(&cbs[i], 0, sizeof(cbs[i]));
		cbs[i].ar_name = names[i];
		cbs[i].ar_request = &hints;
		list[i] = &cbs[i];
	}
	rc = getaddrinfo_a(gmode, list, n, gmode == GAI_WAIT ? NULL : &sev);
	printf("GETADDRINFO_A %d\n", rc);
	if (rc != 0)
		return 1;
	/* Wait (bounded) for every request, as a program would. */
	for (int tries = 0; tries < 100; tries++) {
		struct timespec ts = { 0, 100 * 1000 * 1000 };
		int pending = 0;

		for (int i = 0; i < n; i++)
			pending |= gai_error(list[i]) == EAI_INPROGRESS;
		if (!pending)
			break;
		gai_suspend((const struct gaicb *const *)list, n, &ts);
	}
	for (int i = 0; i < n; i++) {
		char text[INET6_ADDRSTRLEN] = "-";
		int e = gai_error(list[i]);

		if (e == 0 && list[i]->ar_result) {
			struct sockaddr_in *sin = (struct sockaddr_in *)list[i]->ar_result->ai_addr;

			inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
			freeaddrinfo(list[i]->ar_result);
		}
		printf("GAI %s %d %s\n", names[i], e, text);
	}
	if (strcmp(mode, "signal") == 0 || strcmp(mode, "thread") == 0) {
		for (int tries = 0; tries < 100 && !notified; tries++) {
			struct timespec ts = { 0, 50 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
		if (notified)
			printf("NOTIFIED\n");
	}
	return 0;
}

/* The reverse name of an address, for a PTR query. */
static int
reverse_name(const char *addr, char *out, size_t cap)
{
	unsigned char a[16];
	size_t n = 0;

	if (inet_pton(AF_INET, addr, a) == 1)
		return snprintf(out, cap, "%u.%u.%u.%u.in-addr.arpa", a[3], a[2],
				a[1], a[0]) < (int)cap ? 0 : -1;
	if (inet_pton(AF_INET6, addr, a) != 1)
		return -1;
	for (int i = 15; i >= 0; i--) {
		n += (size_t)snprintf(out + n, cap - n, "%x.%x.", a[i] & 0xf, a[i] >> 4);
		if (n >= cap)
			return -1;
	}
	return snprintf(out + n, cap - n, "ip6.arpa") < (int)(cap - n) ? 0 : -1;
}

int
main(int argc, char **argv)
{
	unsigned char ans[4096], q[512];
	struct __res_state st;
	const char *mode;
	int rc, herr, err;

	if (argc < 3) {
		fprintf(stderr, "usage: see the comment at the top of resquery.c\n");
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	mode = argv[1];
	if (strcmp(mode, "gai") == 0)
		return run_gai(argv[2], argc - 3, argv + 3);
	memset(ans, 0, sizeof(ans));
	errno = 0;
	h_errno = 0;
	if (strcmp(mode, "query") == 0 && argc == 4) {
		rc = res_query(argv[2], ns_c_in, parse_type(argv[3]), ans, sizeof(ans));
	} else if (strcmp(mode, "search") == 0 && argc == 4) {
		rc = res_search(argv[2], ns_c_in, parse_type(argv[3]), ans, sizeof(ans));
	} else if (strcmp(mode, "querydomain") == 0 && argc == 5) {
		rc = res_querydomain(argv[2], argv[3], ns_c_in, parse_type(argv[4]),
				     ans, sizeof(ans));
	} else if (strcmp(mode, "nquery") == 0 && argc == 4) {
		memset(&st, 0, sizeof(st));
		if (res_ninit(&st) < 0)
			return 3;
		rc = res_nquery(&st, argv[2], ns_c_in, parse_type(argv[3]), ans,
				sizeof(ans));
		err = errno;
		printf("STATE-HERRNO %d\n", st.res_h_errno);
		errno = err;
	} else if (strcmp(mode, "send") == 0 && argc == 4) {
		int qlen = res_mkquery(ns_o_query, argv[2], ns_c_in,
				       parse_type(argv[3]), NULL, 0, NULL, q,
				       sizeof(q));

		if (qlen < 0)
			return 3;
		printf("QUERY-ID %d\n", q[0] << 8 | q[1]);
		rc = res_send(q, qlen, ans, sizeof(ans));
	} else if (strcmp(mode, "nsend") == 0 && argc == 4) {
		int qlen;

		memset(&st, 0, sizeof(st));
		if (res_ninit(&st) < 0)
			return 3;
		qlen = res_nmkquery(&st, ns_o_query, argv[2], ns_c_in,
				    parse_type(argv[3]), NULL, 0, NULL, q, sizeof(q));
		if (qlen < 0)
			return 3;
		rc = res_nsend(&st, q, qlen, ans, sizeof(ans));
	} else if (strcmp(mode, "old") == 0 && argc == 4) {
		int (*old)(const char *, int, int, unsigned char *, int);
		void *p = dlsym(RTLD_DEFAULT, "__res_query");

		if (!p)
			return 3;
		memcpy(&old, &p, sizeof(old));
		rc = old(argv[2], ns_c_in, parse_type(argv[3]), ans, sizeof(ans));
	} else if (strcmp(mode, "ptr") == 0 && argc == 3) {
		char name[128];

		if (reverse_name(argv[2], name, sizeof(name)) < 0)
			return 3;
		rc = res_query(name, ns_c_in, ns_t_ptr, ans, sizeof(ans));
	} else if (strcmp(mode, "roundtrip") == 0 && argc == 3) {
		char name[128];
		char text[INET_ADDRSTRLEN];

		rc = res_query(argv[2], ns_c_in, ns_t_a, ans, sizeof(ans));
		report(rc, h_errno, errno, ans);
		/* The one A record ends the answer. */
		if (rc < 16 || !inet_ntop(AF_INET, ans + rc - 4, text, sizeof(text)) ||
		    reverse_name(text, name, sizeof(name)) < 0)
			return 3;
		rc = res_query(name, ns_c_in, ns_t_ptr, ans, sizeof(ans));
	} else {
		fprintf(stderr, "bad arguments\n");
		return 2;
	}
	err = errno;
	herr = h_errno;
	report(rc, herr, err, ans);
	return 0;
}

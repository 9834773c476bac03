/*
 * hostent answers for the gethostbyname() and gethostbyaddr() families
 * under remote DNS (hostent.c), and their translation into the return
 * values, h_errno and errno those functions give.
 */
#ifndef SX_HOSTENT_H
#define SX_HOSTENT_H

#include <netdb.h>
#include <stddef.h>

#include "hosts.h"

/*
 * Room for the largest hostent the library builds itself: alignment,
 * HOSTS_ADDR_MAX address pointers and the terminator, the empty alias
 * list, the addresses and a 255-byte name.
 */
#define HOSTENT_BUF \
	(8 + (HOSTS_ADDR_MAX + 2) * sizeof(char *) + HOSTS_ADDR_MAX * 16 + 256)

/* The hostent that gethostbyname() and friends return, one per thread. */
struct hostent_tls {
	struct hostent he;
	char buf[HOSTENT_BUF];
};

/* This thread's hostent for the non-_r functions. */
struct hostent_tls *hostent_tls(void);

/*
 * Answer a forward lookup of name for family into he and buf: 0,
 * SX_PASS (the real call answers), -ENOENT (HOST_NOT_FOUND), -ERANGE,
 * -ENOMEM, -EAGAIN (no fake address free) or -EAFNOSUPPORT.
 */
int hostent_by_name(const char *name, int family, struct hostent *he,
		    char *buf, size_t buflen);

/*
 * gethostbyaddr() (fn names the caller for the log) under remote DNS:
 * as hostent_by_name(), the real call reached (SX_PASS) only for an
 * address NO_PROXY excludes given with its family's exact length.
 */
int hostent_by_addr(const char *fn, const void *addr, socklen_t len, int type,
		    struct hostent *he, char *buf, size_t buflen);

/* Turn hostent_by_*()'s result into gethostbyname_r()'s; rc != SX_PASS. */
int hostent_r_result(int rc, struct hostent *ret, struct hostent **result,
		     int *h_errnop, int saved_errno);

/* Turn hostent_by_*()'s result into gethostbyname()'s; rc != SX_PASS. */
struct hostent *hostent_result(int rc, int saved_errno);

/*
 * The _r functions under remote DNS with a NULL pointer the C library
 * would write through only after asking DNS: refused, with one log line.
 */
int hostent_r_null(const char *fn, struct hostent **result, int *h_errnop);

#endif

/*
 * Host names for the fake-IP map (fakeip.h): the check a name passes before
 * it gets an address, and the case-insensitive hash and comparison the
 * map's index by name uses (DNS names are case-insensitive, so no
 * lower-cased copy is kept).  Pure functions, no state.
 */
#ifndef SX_FAKENAME_H
#define SX_FAKENAME_H

#include <stdbool.h>
#include <stddef.h>

/* Longest name accepted: what DNS can carry, without the trailing dot. */
#define FAKENAME_MAX 253
/* Longest name SOCKS can carry; longer ones are -ENAMETOOLONG. */
#define FAKENAME_WIRE_MAX 255
#define FAKENAME_LABEL_MAX 63

/*
 * The length of name without one trailing dot, or -ENAMETOOLONG beyond
 * 255 bytes, or -EINVAL for an empty name, a name of 254 or 255 bytes
 * (SOCKS could carry it, DNS cannot), a byte outside [A-Za-z0-9-_.], an
 * empty label or a label longer than 63 bytes.
 */
int fakename_check(const char *name);
/* Hash of the len bytes at key, ignoring ASCII case. */
unsigned fakename_hash(const void *key, unsigned len);
/* 0 when two names of length len are equal ignoring ASCII case, else 1. */
int fakename_cmp(const void *a, const void *b, size_t len);

#endif

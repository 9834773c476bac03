/*
 * The descriptor identity probe, and the kinds of the sockets the hooks
 * saw made.  The probes' pointers are written once at init, before any
 * table has an entry, and read without a lock.  The kinds are one word
 * per descriptor number, written and read with relaxed atomics: a word is
 * whole or absent, never half of two kinds.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include "fdident.h"

static _Atomic(fdident_probe_fn) fdident_probe;
static _Atomic(fdident_kind_probe_fn) fdident_kind_probe;

/* This thread's pinned descriptor (-1: none) and its identity, once asked. */
static _Thread_local int fdident_pin_fd = -1;
static _Thread_local bool fdident_pin_known;
static _Thread_local uint64_t fdident_pin_ident;

/*
 * Kinds by descriptor number, below FDIDENT_KINDS (256 KiB of address
 * space; only the pages of numbers in use are ever touched).  A word is 0
 * (not known) or FDIDENT_KNOWN | family << 16 | type << 8 | protocol.
 */
#define FDIDENT_KNOWN 0x80000000u
_Atomic uint32_t fdident_kinds[FDIDENT_KINDS];

void
fdident_set_probe(fdident_probe_fn probe)
{
	atomic_store_explicit(&fdident_probe, probe, memory_order_release);
}

uint64_t
fdident_of(int fd)
{
	fdident_probe_fn probe = atomic_load_explicit(&fdident_probe,
						       memory_order_acquire);

	if (!probe || fd < 0)
		return 0;
	if (fd != fdident_pin_fd)
		return probe(fd);
	if (!fdident_pin_known) {
		fdident_pin_ident = probe(fd);
		fdident_pin_known = true;
	}
	return fdident_pin_ident;
}

void
fdident_pin(int fd)
{
	fdident_pin_fd = fd;
	fdident_pin_known = false;
}

void
fdident_unpin(void)
{
	fdident_pin_fd = -1;
}

void
fdident_renewed(int fd)
{
	if (fd == fdident_pin_fd)
		fdident_pin_known = false;
}

void
fdident_set_kind_probe(fdident_kind_probe_fn probe)
{
	atomic_store_explicit(&fdident_kind_probe, probe, memory_order_release);
}

/* The word for a kind, 0 for a kind that is not recorded. */
static uint32_t
fdident_kind_word(int family, int type, int protocol)
{
	type &= 0xf;	/* SOCK_NONBLOCK and SOCK_CLOEXEC off: the kernel's SOCK_TYPE_MASK */
	if (family != AF_INET && family != AF_INET6 && family != AF_UNIX)
		return 0;
	if (protocol == 0 && family != AF_UNIX) {
		/* What the kernel picks for protocol 0 (raw sockets need one). */
		if (type == SOCK_STREAM)
			protocol = IPPROTO_TCP;
		else if (type == SOCK_DGRAM)
			protocol = IPPROTO_UDP;
		else
			return 0;
	}
	if (protocol < 0 || protocol > 0xff)
		return 0;
	return FDIDENT_KNOWN | (uint32_t)family << 16 | (uint32_t)type << 8 |
	       (uint32_t)protocol;
}

static void
fdident_kind_store(int fd, uint32_t word)
{
	if (fd >= 0 && fd < FDIDENT_KINDS)
		atomic_store_explicit(&fdident_kinds[fd], word, memory_order_relaxed);
}

void
fdident_kind_made(int fd, int family, int type, int protocol)
{
	fdident_kind_store(fd, fdident_kind_word(family, type, protocol));
}

void
fdident_kind_forget_range(unsigned int first, unsigned int last)
{
	for (unsigned int fd = first; fd <= last && fd < FDIDENT_KINDS; fd++)
		atomic_store_explicit(&fdident_kinds[fd], 0, memory_order_relaxed);
}

int
fdident_kind_of(int fd, struct fdident_kind *kind)
{
	fdident_kind_probe_fn probe;
	uint32_t word = 0;
	int rc;

	if (fd < 0)
		return -EBADF;
	if (fd < FDIDENT_KINDS)
		word = atomic_load_explicit(&fdident_kinds[fd], memory_order_relaxed);
	if (word & FDIDENT_KNOWN) {
		kind->family = (int)(word >> 16 & 0xff);
		kind->type = (int)(word >> 8 & 0xff);
		kind->protocol = (int)(word & 0xff);
		return 0;
	}
	probe = atomic_load_explicit(&fdident_kind_probe, memory_order_acquire);
	if (!probe)
		return -ENOSYS;
	rc = probe(fd, kind);
	if (rc < 0)
		return rc;
	fdident_kind_store(fd, fdident_kind_word(kind->family, kind->type,
						 kind->protocol));
	return 0;
}

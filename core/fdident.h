/*
 * Which open socket a descriptor stands for.  A number alone says little:
 * a socket closed where the library cannot see it (fclose(fdopen(s)), a
 * close inside another library, a raw system call) gives its number back
 * to the kernel, and the next socket or file to get it must not inherit
 * the old one's state.  Every table that keeps state by descriptor records
 * the socket's identity with it and checks it before the state is used.
 *
 * The identity is the socket's inode number in the kernel's socket file
 * system: unique among open sockets, 0 for anything that is not a socket.
 * It is read through a probe the caller installs once (the preload layer:
 * fstat()); unit tests install fakes.  With no probe every identity is 0:
 * an entry recorded with identity 0 is trusted (fdtable.c).
 */
#ifndef SX_FDIDENT_H
#define SX_FDIDENT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* The probe: the identity of the socket behind fd, or 0. */
typedef uint64_t (*fdident_probe_fn)(int fd);

/* Install the probe (once, at init; tests may install another). */
void fdident_set_probe(fdident_probe_fn probe);
/* The identity of the socket behind fd: 0 when not a socket or not known. */
uint64_t fdident_of(int fd);
/*
 * Within one call, fd's identity asked at most once: after fdident_pin(fd)
 * the first fdident_of(fd) in this thread asks the probe and the later ones
 * answer from memory, until fdident_unpin() (a hook that looks fd up in
 * several tables, or in one several times, asks once).  One descriptor at
 * a time per thread.
 */
void fdident_pin(int fd);
void fdident_unpin(void);
/*
 * fd now stands for another socket (a retry put a fresh one in its place):
 * when it is the pinned descriptor, its identity is asked again.
 */
void fdident_renewed(int fd);

/*
 * What kind of socket a descriptor is: family, type (without
 * SOCK_NONBLOCK and SOCK_CLOEXEC) and protocol, as the kernel's SO_DOMAIN,
 * SO_TYPE and SO_PROTOCOL give them.  The hooks that make sockets
 * (socket, accept, socketpair) and copy them (dup, dup2, dup3, fcntl
 * F_DUPFD) record it, close and close_range forget it, so the hooks that
 * decide by kind (connect, sendto, sendmsg, bind) ask the kernel nothing.
 * A descriptor made where no hook saw it (inherited across exec, received
 * over a UNIX socket, made by the C library for itself) is asked about
 * once, through a probe the caller installs, and then recorded.  Only
 * Internet and UNIX sockets are recorded; other kinds are asked about each
 * time.  A number closed where no hook sees it (fclose(fdopen(s)), a raw
 * system call) keeps its kind until a hook makes another socket on it:
 * the kernel still refuses a socket call on what is not a socket, and the
 * tables that keep state by descriptor check the identity above.
 */
struct fdident_kind {
	int family;
	int type;
	int protocol;
};

/* The kernel's answer for fd: 0, or -errno (-ENOTSOCK, -EBADF). */
typedef int (*fdident_kind_probe_fn)(int fd, struct fdident_kind *kind);

void fdident_set_kind_probe(fdident_kind_probe_fn probe);
/* Socket fd was made by socket(family, type, protocol) (or socketpair()). */
void fdident_kind_made(int fd, int family, int type, int protocol);

/* The recorded kinds by descriptor (fdident.c): for the inline calls below. */
#define FDIDENT_KINDS 65536
extern _Atomic uint32_t fdident_kinds[FDIDENT_KINDS];

/* newfd is a copy of oldfd, or accepted on listening socket oldfd. */
static inline void
fdident_kind_copy(int oldfd, int newfd)
{
	uint32_t word = 0;

	if (oldfd == newfd)
		return;
	if (oldfd >= 0 && oldfd < FDIDENT_KINDS)
		word = atomic_load_explicit(&fdident_kinds[oldfd], memory_order_relaxed);
	if (newfd >= 0 && newfd < FDIDENT_KINDS)
		atomic_store_explicit(&fdident_kinds[newfd], word, memory_order_relaxed);
}

/* fd was closed (or is about to be). */
static inline void
fdident_kind_forget(int fd)
{
	if (fd >= 0 && fd < FDIDENT_KINDS)
		atomic_store_explicit(&fdident_kinds[fd], 0, memory_order_relaxed);
}
/* Every descriptor in [first, last] was closed. */
void fdident_kind_forget_range(unsigned int first, unsigned int last);
/* The kind of socket fd: 0, or -errno from the probe (-ENOSYS without one). */
int fdident_kind_of(int fd, struct fdident_kind *kind);

#endif

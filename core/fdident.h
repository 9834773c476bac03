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

#include <stdbool.h>
#include <stdint.h>

/* The probe: the identity of the socket behind fd, or 0. */
typedef uint64_t (*fdident_probe_fn)(int fd);

/* Install the probe (once, at init; tests may install another). */
void fdident_set_probe(fdident_probe_fn probe);
/* The identity of the socket behind fd: 0 when not a socket or not known. */
uint64_t fdident_of(int fd);

#endif

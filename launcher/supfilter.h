/*
 * The seccomp filter the supervised program runs under (installed in the
 * child between fork() and exec(), inherited by every thread and child).
 * For x86_64 system calls it
 *   - traps connect(), sendmsg(), sendmmsg() and sendto() with an address
 *     to the supervisor (user notification), while sendto() without one
 *     (a plain send()) runs untouched;
 *   - refuses io_uring_setup() with ENOSYS, so programs fall back to
 *     system calls the filter sees;
 *   - refuses packet sockets (AF_PACKET, AF_XDP, SOCK_PACKET) and raw IP
 *     sockets with EPERM, unless packets may go direct;
 *   - refuses every x32 system call (ENOSYS), a way around the numbers;
 *   - traps seccomp() installing a filter with a listener of its own,
 *     which the kernel refuses anyway (EBUSY), to say so in a log line.
 * i386 system calls (int 0x80, a 32-bit program) get EACCES for every
 * network call, and any other architecture kills the process.
 */
#ifndef SX_SUPFILTER_H
#define SX_SUPFILTER_H

#include <stdbool.h>

struct supfilter_opts {
	bool packets_direct;	/* SOCKSIFY_PACKET=direct: packet sockets allowed */
};

/*
 * Whether this kernel can notify a supervisor: 0, or -errno (-ENOSYS:
 * no seccomp, -EINVAL: no user notification).
 */
int supfilter_probe(void);

/*
 * Set no_new_privs and install the filter on the calling thread.  The
 * listener's descriptor (close-on-exec), or -errno.
 */
int supfilter_install(const struct supfilter_opts *o);

/* A sentence saying why supfilter_install() or supfilter_probe() failed with err. */
const char *supfilter_strerror(int err);

#endif

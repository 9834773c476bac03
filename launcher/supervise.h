/*
 * The seccomp supervisor: runs a program that the library cannot be
 * loaded into (a static or Go binary), or any program in enforce mode,
 * under a filter (supfilter.h) whose trapped calls this process answers.
 * supervise_run() forks; the child sets no_new_privs, installs the filter
 * and execs the program; the parent takes the filter's listener, hands it
 * to a server process of its own that answers each notification for as
 * long as any process under the filter lives, and waits for the program: TCP connects go through the proxy with the
 * core/ handshake, performed on a copy of the program's socket; under
 * remote DNS, DNS to the system nameservers is answered from the fake-IP
 * map (supdns.h); loopback and NO_PROXY destinations, the proxy itself
 * and, under local DNS, the system nameservers are reached directly;
 * anything else is refused with one log line.  Nothing a supervised
 * process sends around the proxy leaves.
 */
#ifndef SX_SUPERVISE_H
#define SX_SUPERVISE_H

#include <linux/seccomp.h>
#include <stdbool.h>

#include "config.h"

struct supdns;

struct supervise_opts {
	const struct config *cfg;	/* loaded and valid */
	bool enforce;			/* the program also runs with the library */
};

/* What the notification handlers share (read-only once the program runs). */
struct supervise_ctx {
	const struct config *cfg;
	int listener;
	struct supdns *dns;
};

/*
 * Run the program at path with argv under the supervisor and return its
 * exit status as a shell would (128 + the signal that ended it).  125 when it cannot be supervised (one line says why: the kernel,
 * a seccomp policy, another supervisor), and it is then never run
 * unproxied; 126 / 127 when it cannot be executed / found.
 */
int supervise_run(const char *path, char *const argv[],
		  const struct supervise_opts *o);

#endif

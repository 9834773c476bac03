/*
 * seccompallow: run a program under a seccomp filter that allows every
 * system call, the least any seccomp-based tool can cost: the kernel takes
 * its slower entry path for every system call of a process with a filter,
 * whatever the filter says.  Installed as socksify's supervisor installs
 * its own (no_new_privs, SECCOMP_FILTER_FLAG_SPEC_ALLOW), with one
 * instruction.
 *
 *   seccompallow PROGRAM [ARGS...]     (PROGRAM looked up in PATH)
 *
 * Exits 126 when the filter cannot be installed, 127 when the exec fails.
 */
#include <errno.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef SECCOMP_FILTER_FLAG_SPEC_ALLOW
#define SECCOMP_FILTER_FLAG_SPEC_ALLOW (1UL << 2)
#endif

int
main(int argc, char **argv)
{
	struct sock_filter allow[] = {
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = { .len = 1, .filter = allow };

	if (argc < 2) {
		fprintf(stderr, "usage: seccompallow PROGRAM [ARGS...]\n");
		return 2;
	}
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
	    syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_SPEC_ALLOW,
		    &prog) != 0) {
		fprintf(stderr, "seccompallow: cannot install the filter: %s\n", strerror(errno));
		return 126;
	}
	execvp(argv[1], argv + 1);
	fprintf(stderr, "seccompallow: %s: %s\n", argv[1], strerror(errno));
	return 127;
}

/*
 * The filter is written as a list of instructions with symbolic jump
 * targets, resolved into BPF offsets by supfilter_assemble(), so that the
 * program reads top to bottom like the description in supfilter.h.
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supfilter.h"

#ifndef AF_XDP
#define AF_XDP 44
#endif
#define SUPFILTER_X32_BIT 0x40000000u
#define SUPFILTER_SOCK_TYPE_MASK 0xfu

/* i386 system call numbers of the network calls (arch/x86/entry/syscalls). */
#define SUPFILTER_I386_SOCKETCALL 102
#define SUPFILTER_I386_SENDMMSG 345
#define SUPFILTER_I386_SOCKET 359
#define SUPFILTER_I386_CONNECT 362
#define SUPFILTER_I386_SENDTO 369
#define SUPFILTER_I386_SENDMSG 370
#define SUPFILTER_I386_IO_URING_SETUP 425

/* Jump targets: the return statements and the blocks. */
enum supfilter_label {
	L_NEXT = 0,		/* the next instruction */
	L_ALLOW,
	L_NOTIFY,
	L_ENOSYS,
	L_EPERM,
	L_EACCES,
	L_PACKET,
	L_KILL,
	L_I386,
	L_SENDTO,
	L_SECCOMP,
	L_SOCKET,
	L_INET,
	L_COUNT,
};

struct supfilter_insn {
	int label;		/* this instruction starts the block, or L_NEXT */
	unsigned short code;
	unsigned k;
	int jt, jf;		/* labels for conditional jumps */
};

#define SF_LD(off) { L_NEXT, BPF_LD | BPF_W | BPF_ABS, (off), 0, 0 }
#define SF_JEQ(val, t, f) { L_NEXT, BPF_JMP | BPF_JEQ | BPF_K, (val), (t), (f) }
#define SF_JSET(val, t, f) { L_NEXT, BPF_JMP | BPF_JSET | BPF_K, (val), (t), (f) }
#define SF_AND(val) { L_NEXT, BPF_ALU | BPF_AND | BPF_K, (val), 0, 0 }
#define SF_RET(val) { L_NEXT, BPF_RET | BPF_K, (val), 0, 0 }
#define SF_JMP(t) { L_NEXT, BPF_JMP | BPF_JA, 0, (t), 0 }
#define SF_AT(lbl, insn) { (lbl), ((struct supfilter_insn)insn).code, \
	((struct supfilter_insn)insn).k, ((struct supfilter_insn)insn).jt, \
	((struct supfilter_insn)insn).jf }

#define SF_NR offsetof(struct seccomp_data, nr)
#define SF_ARCH offsetof(struct seccomp_data, arch)
#define SF_ARG_LO(i) (offsetof(struct seccomp_data, args) + 8 * (i))
#define SF_ARG_HI(i) (SF_ARG_LO(i) + 4)

/* At most this many instructions. */
#define SUPFILTER_MAX 64

static int
supfilter_assemble(const struct supfilter_insn *in, size_t n,
		   struct sock_filter *out)
{
	int at[L_COUNT];

	if (n > SUPFILTER_MAX)
		return -E2BIG;
	for (int l = 0; l < L_COUNT; l++)
		at[l] = -1;
	for (size_t i = 0; i < n; i++)
		if (in[i].label != L_NEXT)
			at[in[i].label] = (int)i;
	for (size_t i = 0; i < n; i++) {
		int t = in[i].jt == L_NEXT ? (int)i + 1 : at[in[i].jt];
		int f = in[i].jf == L_NEXT ? (int)i + 1 : at[in[i].jf];

		out[i].code = in[i].code;
		out[i].k = in[i].k;
		out[i].jt = 0;
		out[i].jf = 0;
		if (BPF_CLASS(in[i].code) != BPF_JMP)
			continue;
		if (t <= (int)i || (BPF_OP(in[i].code) != BPF_JA && f <= (int)i))
			return -EINVAL;
		if (BPF_OP(in[i].code) == BPF_JA) {
			out[i].k = (unsigned)(t - (int)i - 1);
			continue;
		}
		if (t - (int)i - 1 > 255 || f - (int)i - 1 > 255)
			return -E2BIG;
		out[i].jt = (unsigned char)(t - (int)i - 1);
		out[i].jf = (unsigned char)(f - (int)i - 1);
	}
	return 0;
}

int
supfilter_probe(void)
{
	struct seccomp_notif_sizes sizes;

	if (syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sizes) < 0)
		return errno == EINVAL ? -EINVAL : -errno;
	if (sizes.seccomp_notif < sizeof(struct seccomp_notif) ||
	    sizes.seccomp_notif_resp < sizeof(struct seccomp_notif_resp))
		return -EINVAL;
	return 0;
}

int
supfilter_install(const struct supfilter_opts *o)
{
	unsigned packet_ret = o->packets_direct ? SECCOMP_RET_ALLOW :
			      SECCOMP_RET_ERRNO | EPERM;
	const struct supfilter_insn prog[] = {
		SF_LD(SF_ARCH),
		SF_JEQ(AUDIT_ARCH_X86_64, L_NEXT, L_I386),
		SF_LD(SF_NR),
		SF_JSET(SUPFILTER_X32_BIT, L_ENOSYS, L_NEXT),
		SF_JEQ(__NR_connect, L_NOTIFY, L_NEXT),
		SF_JEQ(__NR_sendmsg, L_NOTIFY, L_NEXT),
		SF_JEQ(__NR_sendmmsg, L_NOTIFY, L_NEXT),
		SF_JEQ(__NR_sendto, L_SENDTO, L_NEXT),
		SF_JEQ(__NR_socket, L_SOCKET, L_NEXT),
		SF_JEQ(__NR_seccomp, L_SECCOMP, L_NEXT),
		SF_JEQ(__NR_io_uring_setup, L_ENOSYS, L_ALLOW),
		/* sendto(): only a non-NULL address argument needs a look. */
		SF_AT(L_SENDTO, SF_LD(SF_ARG_LO(4))),
		SF_JEQ(0, L_NEXT, L_NOTIFY),
		SF_LD(SF_ARG_HI(4)),
		SF_JEQ(0, L_ALLOW, L_NOTIFY),
		/* seccomp(): a filter with a listener of its own is reported. */
		SF_AT(L_SECCOMP, SF_LD(SF_ARG_LO(0))),
		SF_JEQ(SECCOMP_SET_MODE_FILTER, L_NEXT, L_ALLOW),
		SF_LD(SF_ARG_LO(1)),
		SF_JSET(SECCOMP_FILTER_FLAG_NEW_LISTENER, L_NOTIFY, L_ALLOW),
		/* socket(): packet and raw sockets. */
		SF_AT(L_SOCKET, SF_LD(SF_ARG_LO(0))),
		SF_JEQ(AF_PACKET, L_PACKET, L_NEXT),
		SF_JEQ(AF_XDP, L_PACKET, L_NEXT),
		SF_JEQ(AF_INET, L_INET, L_NEXT),
		SF_JEQ(AF_INET6, L_INET, L_ALLOW),
		SF_AT(L_INET, SF_LD(SF_ARG_LO(1))),
		SF_AND(SUPFILTER_SOCK_TYPE_MASK),
		SF_JEQ(SOCK_RAW, L_EPERM, L_NEXT),
		SF_JEQ(SOCK_PACKET, L_PACKET, L_ALLOW),
		/* i386: no network at all; other architectures: killed. */
		SF_AT(L_I386, SF_JEQ(AUDIT_ARCH_I386, L_NEXT, L_KILL)),
		SF_LD(SF_NR),
		SF_JEQ(SUPFILTER_I386_SOCKETCALL, L_EACCES, L_NEXT),
		SF_JEQ(SUPFILTER_I386_SOCKET, L_EACCES, L_NEXT),
		SF_JEQ(SUPFILTER_I386_CONNECT, L_EACCES, L_NEXT),
		SF_JEQ(SUPFILTER_I386_SENDTO, L_EACCES, L_NEXT),
		SF_JEQ(SUPFILTER_I386_SENDMSG, L_EACCES, L_NEXT),
		SF_JEQ(SUPFILTER_I386_SENDMMSG, L_EACCES, L_NEXT),
		SF_JEQ(SUPFILTER_I386_IO_URING_SETUP, L_ENOSYS, L_ALLOW),
		SF_AT(L_ALLOW, SF_RET(SECCOMP_RET_ALLOW)),
		SF_AT(L_NOTIFY, SF_RET(SECCOMP_RET_USER_NOTIF)),
		SF_AT(L_ENOSYS, SF_RET(SECCOMP_RET_ERRNO | ENOSYS)),
		SF_AT(L_EPERM, SF_RET(SECCOMP_RET_ERRNO | EPERM)),
		SF_AT(L_EACCES, SF_RET(SECCOMP_RET_ERRNO | EACCES)),
		SF_AT(L_PACKET, SF_RET(packet_ret)),
		SF_AT(L_KILL, SF_RET(SECCOMP_RET_KILL_PROCESS)),
	};
	struct sock_filter code[SUPFILTER_MAX];
	struct sock_fprog fprog;
	int fd, rc;

	rc = supfilter_assemble(prog, sizeof(prog) / sizeof(prog[0]), code);
	if (rc < 0)
		return rc;
	fprog.len = (unsigned short)(sizeof(prog) / sizeof(prog[0]));
	fprog.filter = code;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	/*
	 * SPEC_ALLOW: the filter confines where traffic goes, not what the
	 * program may speculate; without it the kernel turns on the
	 * speculative store bypass mitigation for the whole process, which
	 * slows every call the filter lets through.
	 */
	fd = (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
			  SECCOMP_FILTER_FLAG_NEW_LISTENER |
			  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV |
			  SECCOMP_FILTER_FLAG_SPEC_ALLOW, &fprog);
	if (fd < 0)
		return -errno;
	return fd;
}

const char *
supfilter_strerror(int err)
{
	switch (err) {
	case -ENOSYS:
		return "this kernel has no seccomp filters";
	case -EINVAL:
		return "this kernel cannot hand system calls to a supervisor "
		       "(seccomp user notification, Linux 5.19 or later)";
	case -EBUSY:
		return "another supervisor already watches this process "
		       "(only one seccomp listener is allowed)";
	case -EACCES:
	case -EPERM:
		return "the seccomp policy here (a container's?) forbids new filters";
	case -ENOMEM:
		return "out of memory";
	default:
		return "the seccomp filter could not be installed";
	}
}

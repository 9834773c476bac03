/*
 * Resolution of the real libc functions.  Each pointer comes from
 * dlsym(RTLD_NEXT) and is refused if it lands inside this library (which
 * would make a hook call itself).
 */
#include <dlfcn.h>
#include <link.h>
#include <signal.h>
#include <stdint.h>
#include <stddef.h>
#include <string.h>
#include <sys/signalfd.h>

#include "hook_signal.h"
#include "log.h"
#include "rawsys.h"
#include "real.h"
#include "sx.h"

struct real_fns real;
struct sx_sys real_sys;


struct real_sym {
	const char *name;
	size_t offset;
	bool required;
};

#define REAL_SYM(n, req) { #n, offsetof(struct real_fns, n), req }

static const struct real_sym real_syms[] = {
	REAL_SYM(socket, true),
	REAL_SYM(connect, true),
	REAL_SYM(bind, true),
	REAL_SYM(listen, true),
	REAL_SYM(accept, true),
	REAL_SYM(accept4, true),
	REAL_SYM(close, true),
	REAL_SYM(close_range, false),
	REAL_SYM(closefrom, false),
	REAL_SYM(dup, true),
	REAL_SYM(dup2, true),
	REAL_SYM(dup3, true),
	REAL_SYM(fcntl, true),
	REAL_SYM(fcntl64, false),
	REAL_SYM(read, true),
	REAL_SYM(write, true),
	REAL_SYM(readv, true),
	REAL_SYM(writev, true),
	REAL_SYM(send, true),
	REAL_SYM(recv, true),
	REAL_SYM(sendto, true),
	REAL_SYM(recvfrom, true),
	REAL_SYM(sendmsg, true),
	REAL_SYM(recvmsg, true),
	REAL_SYM(sendmmsg, true),
	REAL_SYM(recvmmsg, true),
	REAL_SYM(syscall, true),
	REAL_SYM(getsockopt, true),
	REAL_SYM(getsockname, true),
	REAL_SYM(getpeername, true),
	REAL_SYM(poll, true),
	REAL_SYM(ppoll, true),
	REAL_SYM(select, true),
	REAL_SYM(pselect, true),
	REAL_SYM(epoll_ctl, true),
	REAL_SYM(epoll_wait, true),
	REAL_SYM(epoll_pwait, true),
	REAL_SYM(epoll_pwait2, false),
	REAL_SYM(getaddrinfo, true),
	REAL_SYM(freeaddrinfo, true),
	REAL_SYM(getnameinfo, true),
	REAL_SYM(gethostbyname, true),
	REAL_SYM(gethostbyname2, true),
	REAL_SYM(gethostbyname_r, true),
	REAL_SYM(gethostbyname2_r, true),
	REAL_SYM(gethostbyaddr, true),
	REAL_SYM(gethostbyaddr_r, true),
	REAL_SYM(res_query, false),
	REAL_SYM(res_search, false),
	REAL_SYM(res_querydomain, false),
	REAL_SYM(res_send, false),
	REAL_SYM(res_nquery, false),
	REAL_SYM(res_nsearch, false),
	REAL_SYM(res_nquerydomain, false),
	REAL_SYM(res_nsend, false),
	REAL_SYM(getaddrinfo_a, false),
	REAL_SYM(rcmd_af, false),
	REAL_SYM(rexec_af, false),
	REAL_SYM(ruserok_af, false),
	REAL_SYM(iruserok_af, false),
	REAL_SYM(getnetbyname, false),
	REAL_SYM(getnetbyaddr, false),
	REAL_SYM(getnetbyname_r, false),
	REAL_SYM(getnetbyaddr_r, false),
	REAL_SYM(gethostid, false),
	REAL_SYM(ioctl, true),
	REAL_SYM(shutdown, true),
	REAL_SYM(sendfile, true),
	REAL_SYM(sendfile64, false),
	REAL_SYM(splice, true),
};

/* This shared object's loaded address range, found once. */
static uintptr_t real_own_lo, real_own_hi;

/* dl_iterate_phdr() callback: record the range of the object holding data. */
static int
real_find_own(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t target = (uintptr_t)data, lo = UINTPTR_MAX, hi = 0;

	(void)size;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t start = info->dlpi_addr + ph->p_vaddr;

		if (ph->p_type != PT_LOAD)
			continue;
		if (start < lo)
			lo = start;
		if (start + ph->p_memsz > hi)
			hi = start + ph->p_memsz;
	}
	if (target < lo || target >= hi)
		return 0;
	real_own_lo = lo;
	real_own_hi = hi;
	return 1;
}

/*
 * True when p points into this shared object.  The range is looked up once:
 * dladdr() on every symbol would scan the C library's symbol table each
 * time, most of the library's start-up cost.
 */
static bool
real_is_ours(void *p)
{
	return (uintptr_t)p >= real_own_lo && (uintptr_t)p < real_own_hi;
}

int
real_resolve(void)
{
	int missing = 0;

	dl_iterate_phdr(real_find_own, (void *)real_resolve);
	for (size_t i = 0; i < SX_ARRAY_LEN(real_syms); i++) {
		const struct real_sym *s = &real_syms[i];
		void *p = dlsym(RTLD_NEXT, s->name);

		if (p && real_is_ours(p))
			p = NULL;
		memcpy((char *)&real + s->offset, &p, sizeof(p));
	}
	/* Our own log lines go out through the real write(). */
	log_set_writer(real.write);
	for (size_t i = 0; i < SX_ARRAY_LEN(real_syms); i++) {
		const struct real_sym *s = &real_syms[i];
		void *p;

		memcpy(&p, (char *)&real + s->offset, sizeof(p));
		if (!p && s->required) {
			log_error("cannot find the C library's %s()", s->name);
			missing++;
		}
	}
	rawsys_init();
	real_sys.socket = real.socket;
	real_sys.connect = real.connect;
	real_sys.bind = real.bind;
	real_sys.close = real.close;
	real_sys.send = real.send;
	real_sys.recv = real.recv;
	real_sys.sendto = real.sendto;
	real_sys.recvfrom = real.recvfrom;
	real_sys.sendmsg = real.sendmsg;
	real_sys.recvmsg = real.recvmsg;
	real_sys.poll = real.poll;
	real_sys.getsockopt = real.getsockopt;
	real_sys.getsockname = real.getsockname;
	real_sys.getpeername = real.getpeername;
	real_sys.fcntl = real.fcntl;
	real_sys.getaddrinfo = real.getaddrinfo;
	real_sys.freeaddrinfo = real.freeaddrinfo;
	/*
	 * Not hooked: the C library's own functions; sigaction() is hooked
	 * (hook_signal.c), which also knows whether every handler restarts.
	 */
	real_sys.sigprocmask = sigprocmask;
	real_sys.sigpending = sigpending;
	real_sys.sigaction = hook_signal_real_sigaction;
	real_sys.signals_restart = hook_signal_all_restart;
	real_sys.signalfd = signalfd;
	return missing;
}

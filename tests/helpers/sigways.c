/*
 * A blocking TCP connect() under a stream of SIGALRM whose handler was
 * installed one of the many ways a program can, reporting how many
 * connect() calls failed with EINTR.  It knows nothing of SOCKS: run
 * through the library against a slow proxy, it checks that the library
 * knows which handlers restart calls however they were installed.
 *
 *   sigways WAY HOST PORT
 *
 * WAY, and whether the handler has SA_RESTART:
 *   none          no handler at all (SIGALRM is then ignored)       -
 *   sigaction-r   sigaction() with SA_RESTART                       yes
 *   sigaction     sigaction() without                               no
 *   signal        signal() (BSD semantics)                          yes
 *   sysv          sysv_signal()                                     no
 *   sigset        sigset()                                          no
 *   interrupt     signal(), then siginterrupt(SIGALRM, 1)           no
 *   raw           sigaction() with SA_RESTART, then the flag taken
 *                 off with syscall(SYS_rt_sigaction)                 no
 *   unseen        installed with the system call instruction itself,
 *                 where no C library function sees it (the C
 *                 library's return trampoline borrowed from a handler
 *                 sigaction() installed for SIGUSR2)                no
 * sysv_signal() resets the handler when it
 * runs; the handler installs itself again then.
 *
 * HOST:PORT is tests/helpers/dest.py in echo mode.  A SIGALRM comes every
 * 20 ms while connect() runs.  Prints "EINTR <n>", "SIGNALS <n>" (handlers
 * run meanwhile) and "RESULT ok" once connected and the destination's
 * first line was read; exit status 0 then, 1 on a failure, 2 on a usage
 * error.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <unistd.h>

/* The kernel's struct sigaction on x86_64 and the like. */
struct ksigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	uint64_t mask;
};

static atomic_int signals_seen;
static volatile sig_atomic_t reinstall;

static void
on_alarm(int sig)
{
	atomic_fetch_add(&signals_seen, 1);
	if (reinstall)
		sysv_signal(sig, on_alarm);
}

/* rt_sigaction(2) with the instruction itself, around every C function. */
static long
raw_rt_sigaction(int sig, const struct ksigaction *act, struct ksigaction *old)
{
#if defined(__x86_64__)
	long rc;
	register long r10 __asm__("r10") = 8;

	__asm__ volatile("syscall"
			 : "=a"(rc)
			 : "0"((long)SYS_rt_sigaction), "D"((long)sig), "S"(act),
			   "d"(old), "r"(r10)
			 : "rcx", "r11", "memory");
	return rc;
#else
	return syscall(SYS_rt_sigaction, sig, act, old, 8);
#endif
}

/*
 * Install what the C library installed for signal from (SA_RESTART and
 * its trampoline) on SIGALRM without SA_RESTART, through syscall() or
 * through the instruction itself.
 */
static int
copy_without_restart(int from, int use_instruction)
{
	struct ksigaction k;
	long rc;

	rc = syscall(SYS_rt_sigaction, from, NULL, &k, 8);
	if (rc != 0)
		return -1;
	k.flags &= ~(unsigned long)SA_RESTART;
	rc = use_instruction ? raw_rt_sigaction(SIGALRM, &k, NULL)
			     : syscall(SYS_rt_sigaction, SIGALRM, &k, NULL, 8);
	return rc == 0 ? 0 : -1;
}

/* sigset() and siginterrupt() are old, and what programs still call. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wdeprecated-declarations"
static int
install(const char *way)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	if (strcmp(way, "none") == 0)
		return signal(SIGALRM, SIG_IGN) == SIG_ERR ? -1 : 0;
	if (strcmp(way, "sigaction") == 0)
		return sigaction(SIGALRM, &sa, NULL);
	if (strcmp(way, "signal") == 0)
		return signal(SIGALRM, on_alarm) == SIG_ERR ? -1 : 0;
	if (strcmp(way, "sysv") == 0) {
		reinstall = 1;
		return sysv_signal(SIGALRM, on_alarm) == SIG_ERR ? -1 : 0;
	}
	if (strcmp(way, "sigset") == 0)
		return sigset(SIGALRM, on_alarm) == SIG_ERR ? -1 : 0;
	if (strcmp(way, "interrupt") == 0) {
		if (signal(SIGALRM, on_alarm) == SIG_ERR)
			return -1;
		return siginterrupt(SIGALRM, 1);
	}
	sa.sa_flags = SA_RESTART;
	if (strcmp(way, "sigaction-r") == 0)
		return sigaction(SIGALRM, &sa, NULL);
	if (strcmp(way, "raw") == 0) {
		if (sigaction(SIGALRM, &sa, NULL) < 0)
			return -1;
		return copy_without_restart(SIGALRM, 0);
	}
	if (strcmp(way, "unseen") == 0) {
		if (sigaction(SIGUSR2, &sa, NULL) < 0)
			return -1;
		return copy_without_restart(SIGUSR2, 1);
	}
	errno = EINVAL;
	return -1;
}
#pragma GCC diagnostic pop

int
main(int argc, char **argv)
{
	struct itimerval it = { { 0, 20000 }, { 0, 20000 } };
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	struct sockaddr_in sin;
	char c;
	int fd, eintr = 0, rc = -1;

	if (argc != 4) {
		fprintf(stderr, "usage: sigways WAY HOST PORT\n");
		return 2;
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)atoi(argv[3]));
	if (inet_pton(AF_INET, argv[2], &sin.sin_addr) != 1) {
		fprintf(stderr, "sigways: %s is not an IPv4 address\n", argv[2]);
		return 2;
	}
	if (install(argv[1]) < 0) {
		fprintf(stderr, "sigways: cannot install the handler (%s): %s\n",
			argv[1], strerror(errno));
		return 2;
	}
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || setitimer(ITIMER_REAL, &it, NULL) < 0) {
		fprintf(stderr, "sigways: %s\n", strerror(errno));
		return 1;
	}
	for (int i = 0; i < 10000; i++) {
		rc = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
		if (rc == 0 || errno == EISCONN) {
			rc = 0;
			break;
		}
		if (errno == EINTR)
			eintr++;
		else if (errno != EALREADY)
			break;
	}
	setitimer(ITIMER_REAL, &off, NULL);
	printf("EINTR %d\n", eintr);
	printf("SIGNALS %d\n", atomic_load(&signals_seen));
	if (rc != 0) {
		printf("RESULT %s\n", strerror(errno));
		return 1;
	}
	while ((rc = (int)read(fd, &c, 1)) == 1 && c != '\n')
		;
	printf("RESULT %s\n", rc == 1 ? "ok" : "no line from the destination");
	return rc == 1 ? 0 : 1;
}

/*
 * The system calls the launcher makes, for its freestanding build
 * (SX_FREESTANDING, x86_64): the entry point and the few POSIX functions
 * main.c and its modules call, each one system call.
 *
 * Why not the C library: a statically linked glibc program spends most of
 * its start-up in the library's own initialisation (CPU feature probing
 * with CPUID, which traps to the hypervisor on virtual machines; tunables;
 * TLS), several times what the launcher does itself, and the launcher
 * runs before every socksified program.  The functions keep their
 * standard names and prototypes, so the same sources build against the C
 * library where this file is not used (other architectures, sanitizers).
 */
#ifdef SX_FREESTANDING

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>

#if !defined(__x86_64__)
#error "the freestanding launcher is written for x86_64; build with LAUNCHER_FREESTANDING="
#endif

int main(int argc, char **argv);
/* Called by _start with the initial stack: argc, argv..., NULL, envp... */
void libc_start(long *sp) __attribute__((used, noreturn));

char **environ;
static int libc_errno;

/*
 * The entry point: the kernel leaves argc at the top of the stack.  The
 * stack is aligned to 16 bytes before the call, as the ABI asks.
 */
__asm__(".text\n"
	".global _start\n"
	".type _start, @function\n"
	"_start:\n"
	"	xor %ebp, %ebp\n"
	"	mov %rsp, %rdi\n"
	"	and $-16, %rsp\n"
	"	call libc_start\n"
	"	hlt\n");

void
libc_start(long *sp)
{
	int argc = (int)sp[0];
	char **argv = (char **)(sp + 1);

	environ = argv + argc + 1;
	exit(main(argc, argv));
}

int *
__errno_location(void)
{
	return &libc_errno;
}

/* One system call with up to six arguments: the result, or -errno. */
static long
sc(long nr, long a, long b, long c, long d, long e, long f)
{
	register long r10 __asm__("r10") = d;
	register long r8 __asm__("r8") = e;
	register long r9 __asm__("r9") = f;
	long ret;

	__asm__ volatile("syscall"
			 : "=a"(ret)
			 : "a"(nr), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9)
			 : "rcx", "r11", "memory");
	return ret;
}

/* A POSIX result from a raw one: -1 with errno set, or the value. */
static long
result(long ret)
{
	if (ret < 0 && ret > -4096) {
		libc_errno = (int)-ret;
		return -1;
	}
	return ret;
}

void
exit(int status)
{
	for (;;)
		sc(SYS_exit_group, status, 0, 0, 0, 0, 0);
}

ssize_t
read(int fd, void *buf, size_t len)
{
	return result(sc(SYS_read, fd, (long)buf, (long)len, 0, 0, 0));
}

ssize_t
write(int fd, const void *buf, size_t len)
{
	return result(sc(SYS_write, fd, (long)buf, (long)len, 0, 0, 0));
}

int
open(const char *path, int flags, ...)
{
	int mode = 0;

	/* The mode argument is there only when the flags create a file. */
	if ((flags & O_CREAT) || (flags & __O_TMPFILE) == __O_TMPFILE) {
		va_list ap;

		va_start(ap, flags);
		mode = va_arg(ap, int);
		va_end(ap);
	}
	return (int)result(sc(SYS_openat, AT_FDCWD, (long)path, flags, mode, 0, 0));
}

int
close(int fd)
{
	return (int)result(sc(SYS_close, fd, 0, 0, 0, 0, 0));
}

int
stat(const char *restrict path, struct stat *restrict st)
{
	return (int)result(sc(SYS_newfstatat, AT_FDCWD, (long)path, (long)st, 0, 0, 0));
}

int
fstat(int fd, struct stat *st)
{
	return (int)result(sc(SYS_fstat, fd, (long)st, 0, 0, 0, 0));
}

int
access(const char *path, int mode)
{
	return (int)result(sc(SYS_faccessat, AT_FDCWD, (long)path, mode, 0, 0, 0));
}

ssize_t
readlink(const char *restrict path, char *restrict buf, size_t size)
{
	return result(sc(SYS_readlinkat, AT_FDCWD, (long)path, (long)buf, (long)size, 0, 0));
}

char *
getcwd(char *buf, size_t size)
{
	if (result(sc(SYS_getcwd, (long)buf, (long)size, 0, 0, 0, 0)) < 0)
		return NULL;
	return buf;
}

ssize_t
getxattr(const char *path, const char *name, void *value, size_t size)
{
	return result(sc(SYS_getxattr, (long)path, (long)name, (long)value, (long)size, 0, 0));
}

pid_t
getpid(void)
{
	return (pid_t)sc(SYS_getpid, 0, 0, 0, 0, 0, 0);
}

ssize_t
getrandom(void *buf, size_t len, unsigned int flags)
{
	return result(sc(SYS_getrandom, (long)buf, (long)len, flags, 0, 0, 0));
}

int
execve(const char *path, char *const argv[], char *const envp[])
{
	return (int)result(sc(SYS_execve, (long)path, (long)argv, (long)envp, 0, 0, 0));
}

int
execv(const char *path, char *const argv[])
{
	return execve(path, argv, environ);
}

/*
 * Memory for the few things the launcher allocates (the environment it
 * passes on), never given back: the process execs or exits moments later.
 * A static arena first (its pages cost nothing until written, and no
 * system call), then pages from the kernel.
 */
#define LIBC_ARENA 16384
static char libc_arena[LIBC_ARENA] __attribute__((aligned(16)));

void *
malloc(size_t size)
{
	static char *next = libc_arena, *end = libc_arena + LIBC_ARENA;
	void *p;

	size = (size + 15) & ~(size_t)15;
	if (size == 0)
		size = 16;
	if ((size_t)(end - next) < size) {
		size_t chunk = size > 65536 ? (size + 4095) & ~(size_t)4095 : 65536;
		long ret = sc(SYS_mmap, 0, (long)chunk, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (ret < 0 && ret > -4096) {
			libc_errno = ENOMEM;
			return NULL;
		}
		next = (char *)ret;
		end = next + chunk;
	}
	p = next;
	next += size;
	return p;
}

void
free(void *p)
{
	(void)p;
}

#endif

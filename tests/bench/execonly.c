/*
 * execonly: replace itself with argv[1] (argv[1..] as its arguments, the
 * same environment) and do nothing else: no C library, one system call
 * before the exec.  Started in front of a program it measures the least
 * that any launcher which ends in an exec can cost, the floor under the
 * start-up of `socksify PROGRAM`.
 *
 *   execonly PROGRAM [ARGS...]      (PROGRAM is a path, not looked up)
 *
 * Built static, without the C library, for x86-64 only (the bench skips
 * the figure elsewhere).  Exits 127 when the exec fails.
 */
#if !defined(__x86_64__)
#error "execonly is for x86-64"
#endif

#include <sys/syscall.h>

void execonly_main(long *sp) __attribute__((noreturn, used));

__asm__(".globl _start\n"
	"_start:\n"
	"\tmov %rsp, %rdi\n"
	"\tand $-16, %rsp\n"
	"\tcall execonly_main\n"
	"\thlt\n");

void
execonly_main(long *sp)
{
	long argc = sp[0];
	char **argv = (char **)(sp + 1);
	char **envp = argv + argc + 1;
	long rc;

	if (argc >= 2)
		__asm__ volatile("syscall"
				 : "=a"(rc)
				 : "0"((long)SYS_execve), "D"(argv[1]), "S"(argv + 1), "d"(envp)
				 : "rcx", "r11", "memory");
	for (;;)
		__asm__ volatile("syscall" : : "a"((long)SYS_exit_group), "D"(127L) : "rcx", "r11");
}

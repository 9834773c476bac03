/*
 * The syscall() hook: the socket calls a program makes through syscall()
 * take the same paths as through the C library's wrappers.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "preload.h"
#include "tcp.h"
#include "udp.h"

/* connect(2) through syscall(): decided as connect() decides it. */
static long
syscall_connect(long (*fn)(long, ...), const long *a)
{
	int saved_errno = errno;
	int rc;

	sx_init();
	sx_enter();
	rc = tcp_connect((int)a[0], (const struct sockaddr *)a[1], (socklen_t)a[2]);
	sx_leave();
	if (rc == TCP_PASS) {
		errno = saved_errno;
		return fn(SYS_connect, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	errno = saved_errno;
	return 0;
}

/*
 * syscall(): programs that make socket calls through the C library's
 * syscall() rather than its wrappers.  libuv before 1.45 (under dig and
 * named, for one) sends and receives batches of datagrams with the raw
 * sendmmsg and recvmmsg; those go to the UDP hooks' bodies, and connect
 * goes where connect() goes.  Every other number goes to the C library
 * untouched.  Six arguments are always taken and passed on, as the C
 * library's own syscall() reads them.
 */
SX_EXPORT long
syscall(long number, ...)
{
	long (*fn)(long, ...) = real.syscall;
	va_list ap;
	long a[6];

	va_start(ap, number);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	/*
	 * Before init only the real syscall() is looked up: init allocates,
	 * and the caller may be a malloc setting itself up (jemalloc reads
	 * /proc/sys/vm/overcommit_memory through syscall()), which would then
	 * wait for itself forever.
	 */
	if (!fn) {
		void *p = dlsym(RTLD_NEXT, "syscall");

		memcpy(&fn, &p, sizeof(fn));
	}
	if (!fn) {
		errno = ENOSYS;
		return -1;
	}
	if (number == SYS_connect && !sx_guarded() && a[1] != 0)
		return syscall_connect(fn, a);
	if ((number == SYS_sendmmsg || number == SYS_recvmmsg) && !sx_guarded() &&
	    a[1] != 0) {
		sx_init();
		if (number == SYS_sendmmsg)
			return udp_sendmmsg((int)a[0], (struct mmsghdr *)a[1],
					    (unsigned int)a[2], (int)a[3]);
		if ((unsigned int)a[2] != 0)
			return udp_recvmmsg((int)a[0], (struct mmsghdr *)a[1],
					    (unsigned int)a[2], (int)a[3],
					    (struct timespec *)a[4]);
	}
	return fn(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

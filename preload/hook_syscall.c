/*
 * The syscall() hook: the socket calls a program makes through syscall()
 * take the same paths as through the C library's wrappers, and answer as
 * syscall() does (-1 and errno).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>

#include "hook_connect.h"
#include "hook_accept.h"
#include "hook_bind.h"
#include "hook_fd.h"
#include "preload.h"
#include "hook_recv.h"
#include "hook_send.h"
#include "hook_signal.h"
#include "hook_socket.h"
#include "tcp.h"

/*
 * The numbers taken over below.  Only these run init, which allocates:
 * any other number, made before init by a malloc setting itself up
 * (jemalloc reads /proc/sys/vm/overcommit_memory through syscall()), goes
 * straight to the kernel.
 */
static bool
syscall_is_socket_call(long number)
{
	switch (number) {
	case SYS_socket:
	case SYS_connect:
	case SYS_sendto:
	case SYS_recvfrom:
	case SYS_sendmsg:
	case SYS_recvmsg:
#ifdef SYS_send
	case SYS_send:
#endif
#ifdef SYS_recv
	case SYS_recv:
#endif
	case SYS_sendmmsg:
	case SYS_recvmmsg:
		return true;
	default:
		return false;
	}
}

/* connect(2) through syscall(): decided as connect() decides it. */
static long
syscall_connect(long (*fn)(long, ...), const long *a)
{
	int saved_errno = errno;
	int rc;

	sx_enter();
	rc = connect_decide((int)a[0], (const struct sockaddr *)a[1], (socklen_t)a[2]);
	sx_leave();
	if (rc == SX_PASS) {
		errno = saved_errno;
		return fn(SYS_connect, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	return sx_status(rc, saved_errno);
}

/*
 * The socket calls syscall() takes over: the hooks' own bodies, which
 * check the guard and run init themselves where they need to.  *taken
 * is false for any other number (and for the cases the kernel refuses by
 * itself before it reads anything: a NULL message).
 */
static long
syscall_socket_call(long (*fn)(long, ...), long number, const long *a,
		    bool *taken)
{
	*taken = true;
	if (syscall_is_socket_call(number))
		sx_ready();
	switch (number) {
	case SYS_socket:
		return socket_open((int)a[0], (int)a[1], (int)a[2]);
	case SYS_connect:
		if (a[1] != 0)
			return syscall_connect(fn, a);
		break;
	case SYS_sendto:
		return send_to((int)a[0], (const void *)a[1], (size_t)a[2],
			       (int)a[3], (const struct sockaddr *)a[4],
			       (socklen_t)a[5]);
	case SYS_recvfrom:
		return recv_from((int)a[0], (void *)a[1], (size_t)a[2],
				 (int)a[3], (struct sockaddr *)a[4],
				 (socklen_t *)a[5]);
	case SYS_sendmsg:
		return send_msg((int)a[0], (const struct msghdr *)a[1], (int)a[2]);
	case SYS_recvmsg:
		return recv_msg((int)a[0], (struct msghdr *)a[1], (int)a[2]);
#ifdef SYS_send
	/* send(2) and recv(2), where they are calls of their own. */
	case SYS_send:
		return send_to((int)a[0], (const void *)a[1], (size_t)a[2],
			       (int)a[3], NULL, 0);
#endif
#ifdef SYS_recv
	case SYS_recv:
		return recv_from((int)a[0], (void *)a[1], (size_t)a[2],
				 (int)a[3], NULL, NULL);
#endif
	case SYS_sendmmsg:
		if (a[1] == 0)
			break;
		return send_mmsg((int)a[0], (struct mmsghdr *)a[1],
				 (unsigned int)a[2], (int)a[3]);
	case SYS_recvmmsg:
		if (a[1] == 0 || (unsigned int)a[2] == 0)
			break;
		return recv_mmsg((int)a[0], (struct mmsghdr *)a[1],
				 (unsigned int)a[2], (int)a[3],
				 (struct timespec *)a[4]);
	default:
		break;
	}
	/*
	 * The calls that only read or end what the library recorded: before
	 * init nothing is recorded, so they go to the kernel as they are.
	 */
	if (__atomic_load_n(&sx_up, __ATOMIC_ACQUIRE)) {
		switch (number) {
		case SYS_bind:
			return hook_bind((int)a[0], (const struct sockaddr *)a[1],
					 (socklen_t)a[2]);
		case SYS_listen:
			return hook_listen((int)a[0], (int)a[1]);
#ifdef SYS_accept
		/* i386 has no accept system call: only accept4 and socketcall. */
		case SYS_accept:
			return hook_accept((int)a[0], (struct sockaddr *)a[1],
					   (socklen_t *)a[2]);
#endif
		case SYS_accept4:
			return hook_accept4((int)a[0], (struct sockaddr *)a[1],
					    (socklen_t *)a[2], (int)a[3]);
		case SYS_getsockname:
			return hook_getsockname((int)a[0], (struct sockaddr *)a[1],
						(socklen_t *)a[2]);
		case SYS_getpeername:
			return hook_getpeername((int)a[0], (struct sockaddr *)a[1],
						(socklen_t *)a[2]);
		case SYS_getsockopt:
			return hook_getsockopt((int)a[0], (int)a[1], (int)a[2],
					       (void *)a[3], (socklen_t *)a[4]);
		case SYS_close:
			return hook_close((int)a[0]);
		case SYS_dup:
			return hook_dup((int)a[0]);
#ifdef SYS_dup2
		case SYS_dup2:
			return hook_dup2((int)a[0], (int)a[1]);
#endif
		case SYS_dup3:
			return hook_dup3((int)a[0], (int)a[1], (int)a[2]);
#ifdef SYS_close_range
		case SYS_close_range:
			return hook_close_range((unsigned int)a[0], (unsigned int)a[1],
						(int)a[2]);
#endif
		default:
			break;
		}
	}
	*taken = false;
	return 0;
}

/*
 * syscall(): programs that make socket calls through the C library's
 * syscall() rather than its wrappers.  libuv before 1.45 (under dig and
 * named, for one) sends and receives batches of datagrams with the raw
 * sendmmsg and recvmmsg; other programs send with the raw sendto or
 * sendmsg (MSG_FASTOPEN included).  socket, connect, sendto, sendmsg,
 * sendmmsg, recvfrom, recvmsg and recvmmsg (and send and recv where they
 * have numbers) go to the bodies of the hooks of the same names; so do
 * bind, listen, accept(4), getsockname, getpeername, getsockopt, close,
 * dup, dup2, dup3 and close_range once init has run; rt_sigaction is
 * made and then read back (hook_signal.c).  Every other number
 * goes to the C library untouched.  Six arguments are
 * always taken and passed on, as the C library's own syscall() reads
 * them.
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
	if (!fn)
		return sx_fail(ENOSYS);
	/* A handler installed around the C library: what it is, read back. */
	if (number == SYS_rt_sigaction) {
		long rc;

		if (a[1] != 0)
			hook_signal_installing();
		rc = fn(number, a[0], a[1], a[2], a[3], a[4], a[5]);

		if (rc == 0 && a[1] != 0)
			hook_signal_changed((int)a[0]);
		return rc;
	}
	if (!sx_guarded()) {
		bool taken;
		long rc = syscall_socket_call(fn, number, a, &taken);

		if (taken)
			return rc;
	}
	return fn(number, a[0], a[1], a[2], a[3], a[4], a[5]);
}

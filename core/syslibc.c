/*
 * The C library's own functions as core/'s OS table (syslibc.h).
 */
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "syslibc.h"

const struct sx_sys syslibc = {
	.socket = socket,
	.connect = connect,
	.bind = bind,
	.close = close,
	.send = send,
	.recv = recv,
	.sendto = sendto,
	.recvfrom = recvfrom,
	.sendmsg = sendmsg,
	.recvmsg = recvmsg,
	.poll = poll,
	.getsockopt = getsockopt,
	.getsockname = getsockname,
	.getpeername = getpeername,
	.fcntl = fcntl,
	.getaddrinfo = getaddrinfo,
	.freeaddrinfo = freeaddrinfo,
	.sigprocmask = NULL,
	.sigpending = NULL,
	.sigaction = NULL,
	.signalfd = NULL,
};

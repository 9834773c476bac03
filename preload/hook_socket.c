/*
 * socket(): no packet socket while the library is in force.
 *
 * An AF_PACKET socket (and the old AF_INET SOCK_PACKET one, which the
 * kernel turns into an AF_PACKET socket) writes link-layer frames, which
 * leave the machine around the proxy whatever their contents.  They can
 * go out through write(), through send() without an address once the
 * socket is bound to an interface, through a PACKET_TX_RING, through
 * sendfile(): the one step they all share is the socket's creation, so
 * that is where they are refused, with -1/EACCES and one log line.
 * SOCKSIFY_PACKET=direct lets such sockets be made (and their frames go
 * out directly).  Programs that only capture (tcpdump) are refused too:
 * nothing tells them from programs that send.  A packet socket made
 * outside the library (inherited, or passed over a UNIX socket) is
 * refused at the sends that name a destination instead (udp_dst.c).
 *
 * Every socket made here has its kind recorded (core/fdident.h), so the
 * hooks that decide by kind need not ask the kernel.
 *
 * Raw IP sockets stay allowed: they send only to an address given with
 * the datagram or to the one they are connected to, and both are routed
 * (only loopback and NO_PROXY destinations are let through).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "fdident.h"
#include "log.h"
#include "preload.h"
#include "hook_socket.h"

/* The socket type without SOCK_NONBLOCK and SOCK_CLOEXEC (the kernel's SOCK_TYPE_MASK). */
#define SOCK_TYPE_BITS 0xf

/* A socket that would write link-layer frames. */
static bool
socket_is_packet(int domain, int type)
{
	return domain == AF_PACKET ||
	       (domain == AF_INET && (type & SOCK_TYPE_BITS) == SOCK_PACKET);
}

/* The real socket(), its kind recorded (core/fdident.h). */
static int
socket_make(int domain, int type, int protocol)
{
	int fd = real.socket(domain, type, protocol);

	if (fd >= 0)
		fdident_kind_made(fd, domain, type, protocol);
	return fd;
}

int
socket_open(int domain, int type, int protocol)
{
	if (!real.socket)
		return sx_fail(ENOSYS);
	if (sx_guarded() || !socket_is_packet(domain, type))
		return socket_make(domain, type, protocol);
	/* An invalid configuration may have meant anything: refused. */
	if (sx_cfg.valid && sx_cfg.packet_mode == CONFIG_PACKET_DIRECT)
		return socket_make(domain, type, protocol);
	log_warn("refusing to open a packet socket (AF_PACKET): its frames would leave around the proxy (SOCKSIFY_PACKET=direct allows it)");
	return sx_fail(EACCES);
}

SX_EXPORT int
socket(int domain, int type, int protocol)
{
	sx_ready();
	return socket_open(domain, type, protocol);
}

/*
 * socketpair(): the two sockets' kind recorded.  The C library's function
 * is looked up on first use (init does not need it).
 */
SX_EXPORT int
socketpair(int domain, int type, int protocol, int sv[2])
{
	int (*fn)(int, int, int, int *);
	void *p = __atomic_load_n((void **)&real.socketpair, __ATOMIC_ACQUIRE);
	int rc;

	if (!p) {
		p = dlsym(RTLD_NEXT, "socketpair");
		__atomic_store_n((void **)&real.socketpair, p, __ATOMIC_RELEASE);
	}
	if (!p)
		return sx_fail(ENOSYS);
	memcpy(&fn, &p, sizeof(fn));
	rc = fn(domain, type, protocol, sv);
	if (rc == 0) {
		fdident_kind_made(sv[0], domain, type, protocol);
		fdident_kind_made(sv[1], domain, type, protocol);
	}
	return rc;
}

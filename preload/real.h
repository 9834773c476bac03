/*
 * The real libc functions behind every hook, resolved once at init with
 * dlsym(RTLD_NEXT).  Inside the library a hooked function is only ever
 * called through `real.<name>` (or through `real_sys`, the same pointers in
 * the struct sx_sys that core/ takes).  A function the C library lacks stays
 * NULL; the hooks that can meet one check for it.
 */
#ifndef SX_REAL_H
#define SX_REAL_H

#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "sys.h"

struct __res_state;

struct real_fns {
	int (*socket)(int, int, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	int (*bind)(int, const struct sockaddr *, socklen_t);
	int (*listen)(int, int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*close)(int);
	int (*close_range)(unsigned int, unsigned int, int);
	void (*closefrom)(int);
	int (*dup)(int);
	int (*dup2)(int, int);
	int (*dup3)(int, int, int);
	int (*fcntl)(int, int, ...);
	int (*fcntl64)(int, int, ...);
	ssize_t (*read)(int, void *, size_t);
	ssize_t (*write)(int, const void *, size_t);
	ssize_t (*readv)(int, const struct iovec *, int);
	ssize_t (*writev)(int, const struct iovec *, int);
	ssize_t (*send)(int, const void *, size_t, int);
	ssize_t (*recv)(int, void *, size_t, int);
	ssize_t (*sendto)(int, const void *, size_t, int,
			  const struct sockaddr *, socklen_t);
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *,
			    socklen_t *);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*sendmmsg)(int, struct mmsghdr *, unsigned int, int);
	int (*recvmmsg)(int, struct mmsghdr *, unsigned int, int,
			struct timespec *);
	long (*syscall)(long, ...);
	int (*getsockopt)(int, int, int, void *, socklen_t *);
	int (*getsockname)(int, struct sockaddr *, socklen_t *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
	int (*poll)(struct pollfd *, nfds_t, int);
	int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *,
		     const sigset_t *);
	int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
	int (*pselect)(int, fd_set *, fd_set *, fd_set *,
		       const struct timespec *, const sigset_t *);
	int (*epoll_ctl)(int, int, int, struct epoll_event *);
	int (*epoll_wait)(int, struct epoll_event *, int, int);
	int (*epoll_pwait)(int, struct epoll_event *, int, int,
			   const sigset_t *);
	int (*epoll_pwait2)(int, struct epoll_event *, int,
			    const struct timespec *, const sigset_t *);
	int (*getaddrinfo)(const char *, const char *, const struct addrinfo *,
			   struct addrinfo **);
	void (*freeaddrinfo)(struct addrinfo *);
	int (*getnameinfo)(const struct sockaddr *, socklen_t, char *,
			   socklen_t, char *, socklen_t, int);
	struct hostent *(*gethostbyname)(const char *);
	struct hostent *(*gethostbyname2)(const char *, int);
	int (*gethostbyname_r)(const char *, struct hostent *, char *, size_t,
			       struct hostent **, int *);
	int (*gethostbyname2_r)(const char *, int, struct hostent *, char *,
				size_t, struct hostent **, int *);
	struct hostent *(*gethostbyaddr)(const void *, socklen_t, int);
	int (*gethostbyaddr_r)(const void *, socklen_t, int, struct hostent *,
			       char *, size_t, struct hostent **, int *);
	/* The resolver's packet interface and getaddrinfo_a(): optional. */
	int (*res_query)(const char *, int, int, unsigned char *, int);
	int (*res_search)(const char *, int, int, unsigned char *, int);
	int (*res_querydomain)(const char *, const char *, int, int,
			       unsigned char *, int);
	int (*res_send)(const unsigned char *, int, unsigned char *, int);
	int (*res_nquery)(struct __res_state *, const char *, int, int,
			  unsigned char *, int);
	int (*res_nsearch)(struct __res_state *, const char *, int, int,
			   unsigned char *, int);
	int (*res_nquerydomain)(struct __res_state *, const char *,
				const char *, int, int, unsigned char *, int);
	int (*res_nsend)(struct __res_state *, const unsigned char *, int,
			 unsigned char *, int);
	int (*getaddrinfo_a)(int, struct gaicb **, int, struct sigevent *);
	/*
	 * Network paths inside the C library (hook_rcmd.c, hook_networks.c,
	 * hook_hostid.c): optional.
	 */
	int (*rcmd_af)(char **, unsigned short, const char *, const char *,
		       const char *, int *, sa_family_t);
	int (*rexec_af)(char **, int, const char *, const char *, const char *,
			int *, sa_family_t);
	int (*ruserok_af)(const char *, int, const char *, const char *,
			  sa_family_t);
	int (*iruserok_af)(const void *, int, const char *, const char *,
			   sa_family_t);
	struct netent *(*getnetbyname)(const char *);
	struct netent *(*getnetbyaddr)(uint32_t, int);
	int (*getnetbyname_r)(const char *, struct netent *, char *, size_t,
			      struct netent **, int *);
	int (*getnetbyaddr_r)(uint32_t, int, struct netent *, char *, size_t,
			      struct netent **, int *);
	long (*gethostid)(void);
	/* Calls on a connection with GSSAPI protection (gssio.c). */
	int (*ioctl)(int, unsigned long, ...);
	int (*shutdown)(int, int);
	ssize_t (*sendfile)(int, int, off_t *, size_t);
	ssize_t (*sendfile64)(int, int, off64_t *, size_t);
	ssize_t (*splice)(int, off64_t *, int, off64_t *, size_t, unsigned int);
	/*
	 * The calls that install signal handlers (hook_signal.c): looked up
	 * there on first use, not at init.  sysv_signal_ is __sysv_signal.
	 */
	int (*sigaction)(int, const struct sigaction *, struct sigaction *);
	sighandler_t (*signal)(int, sighandler_t);
	sighandler_t (*bsd_signal)(int, sighandler_t);
	sighandler_t (*ssignal)(int, sighandler_t);
	sighandler_t (*sysv_signal)(int, sighandler_t);
	sighandler_t (*sysv_signal_)(int, sighandler_t);
	sighandler_t (*sigset)(int, sighandler_t);
	int (*siginterrupt)(int, int);
	/* Looked up on first use by hook_socket.c. */
	int (*socketpair)(int, int, int, int *);
};

extern struct real_fns real;
extern struct sx_sys real_sys;

/* Resolve every pointer; returns the number of required ones missing. */
int real_resolve(void);

#endif

/*
 * Another TCP socket under a program's descriptor (tcpsock.c).
 */
#ifndef SX_TCPSOCK_H
#define SX_TCPSOCK_H

/*
 * After a failed exchange: fd gets a fresh socket of its family, with its
 * flags and options, as after a failed TCP connect (nothing more reaches
 * the proxy, a new connect() works).  When none can be made, both
 * directions are shut.  errno is preserved.
 */
void tcpsock_renew(int fd);
/* The same without the shutdown: 0, or -errno with fd unchanged.  errno is preserved. */
int tcpsock_fresh(int fd);
/*
 * fd gets a fresh, unconnected socket of its family, with its flags,
 * options and epoll registration (the lock-step retry after a proxy dropped
 * a pipelined request).  0 or -errno (fd is then unchanged).
 */
int tcpsock_fresh(int fd);
/*
 * An IPv4 socket whose proxy has only an IPv6 address gets an IPv6 socket
 * (file status flags `flags`); -EAFNOSUPPORT, with a log line, when the
 * program bound it or registered it with epoll.  0 or -errno.
 */
int tcpsock_to_inet6(int fd, int flags);

#endif

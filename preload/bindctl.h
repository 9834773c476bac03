/*
 * A BIND for a listening socket, shared by the bind/listen/getsockname hooks
 * (hook_bind.c) and the accept hooks (hook_accept.c): asking the proxy,
 * the control connection's place in the program's epoll set, and the
 * checks that an entry of the table still stands for its socket.
 */
#ifndef SX_BINDCTL_H
#define SX_BINDCTL_H

#include <stdbool.h>

#include "bindtab.h"
#include "handshake.h"

/* A hook's answer for "let the real call handle it". */
#define BINDCTL_PASS 1

/*
 * Ask the proxy for a BIND for the listening socket fd unless one is under
 * way: a control connection, the request, and the first reply, waited for
 * up to the timeout.  0 when the proxy listens for fd, else -errno, which
 * later calls get again.
 */
int bindctl_ask(int fd);
/*
 * True when fd is still connected to the proxy: a descriptor closed behind
 * the library's back and given out again must not inherit an entry.
 */
bool bindctl_conn_is_live(int fd);
/* True when a socket recorded at bind() went on to connect() instead. */
bool bindctl_is_stale(int fd, const struct bindtab_info *info);
/* Take the control connection out of the program's epoll set. */
void bindctl_epoll_del(const struct bindtab_info *info);

#endif

/*
 * A trapped connect(): the destination is read from the program's memory
 * once, decided on (core/route.h), and the connect is performed by the
 * supervisor on a copy of the program's socket with the address it read
 * (never let through to the kernel, where the program could have changed
 * the memory in between).  Through the proxy, the whole SOCKS exchange
 * is done before the answer, also for a non-blocking socket, which then
 * sees a connect that completed at once; getpeername() in the program
 * names the proxy.  May block up to the configured timeout: only its
 * worker thread waits.
 */
#ifndef SX_SUPCONNECT_H
#define SX_SUPCONNECT_H

#include <linux/seccomp.h>

#include "supervise.h"

void supconnect_handle(const struct supervise_ctx *ctx,
		       const struct seccomp_notif *n);

/*
 * Whether a datagram to sa goes to the proxy's host (the UDP relay the
 * library in a supervised program talks to), which may be reached
 * directly.
 */
bool supconnect_is_proxy_host(const struct config *cfg,
			      const struct sockaddr *sa, socklen_t len);

#endif

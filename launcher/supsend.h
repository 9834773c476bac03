/*
 * A trapped sendto() with an address, sendmsg() or sendmmsg().  On a TCP
 * socket the kernel ignores the address (unless MSG_FASTOPEN, which is
 * refused: the connect it hides cannot be proxied here), and on non-IP
 * sockets it names a local peer, so those calls run on (CONTINUE).  On
 * an IP datagram socket the supervisor reads the message from the
 * program's memory (address, data, control), decides on its copy of the
 * destination, and sends it itself on a copy of the socket: to the
 * supervisor's name server for a nameserver (remote DNS), as given to
 * loopback, NO_PROXY, the proxy's host and (local DNS) the system
 * nameservers, and otherwise
 * not at all (ENETUNREACH, one log line).  Called from a worker thread
 * (64 KiB of its stack hold the datagram): it blocks only as long as the
 * program's own send would.
 */
#ifndef SX_SUPSEND_H
#define SX_SUPSEND_H

#include <linux/seccomp.h>

#include "supervise.h"

void supsend_handle(const struct supervise_ctx *ctx,
		    const struct seccomp_notif *n);

#endif

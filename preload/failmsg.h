/*
 * The one line that says why an exchange with the proxy failed (failmsg.c),
 * for a connection, a BIND and a UDP association alike.
 */
#ifndef SX_FAILMSG_H
#define SX_FAILMSG_H

#include "handshake.h"
#include "sx.h"

/*
 * "<prefix><dst> via <proxy>: <why>".  hs is the exchange (NULL when it
 * never began because the connection to the proxy failed), rc its -errno;
 * `silence` names what did not come within the timeout ("no answer from
 * the proxy"), `refusal` goes in front of the proxy's own reason ("" or
 * "UDP ASSOCIATE failed: ").  Never a credential.
 */
void failmsg_log(const char *prefix, const struct sx_endpoint *dst,
		 const struct handshake *hs, int rc, const char *silence,
		 const char *refusal);

#endif

/*
 * Addresses that NO_PROXY names resolved to: a connect to one of them goes
 * direct, as the name was meant to.  A bounded set (the oldest address
 * leaves first) behind its own mutex, taken inside each call and never held
 * across I/O; an empty set is answered without the lock.
 */
#ifndef SX_DIRECTSET_H
#define SX_DIRECTSET_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#define DIRECTSET_MAX 4096

/* Remember a raw address (AF_INET: 4 bytes, AF_INET6: 16). -ENOMEM. */
int directset_add(int family, const uint8_t *addr);
/* True when sa's address (v4-mapped IPv6 counts as IPv4) is in the set. */
bool directset_has(const struct sockaddr *sa, socklen_t len);

#endif

/*
 * The supervisor's own name server for programs that resolve names
 * themselves (Go's resolver, static glibc, busybox) under remote DNS: a
 * UDP socket and a TCP listener on 127.0.0.1, served by one thread.  A
 * program's connect() or datagram to a nameserver of /etc/resolv.conf
 * (or 127.0.0.53) on port 53 is redirected here; address questions are
 * answered with fake addresses from the supervisor's fake-IP map (names
 * NO_PROXY lets through: with their real addresses), a fake address's
 * PTR with its name, anything else with REFUSED.  No query leaves the
 * machine.
 */
#ifndef SX_SUPDNS_H
#define SX_SUPDNS_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "config.h"
#include "nsset.h"

struct supdns {
	const struct config *cfg;
	struct nsset ns;		/* the nameservers of /etc/resolv.conf */
	int udp_fd;
	int tcp_fd;
	struct sockaddr_in udp_addr;	/* where queries over UDP go */
	struct sockaddr_in tcp_addr;	/* where queries over TCP go */
};

/*
 * Read /etc/resolv.conf and open the sockets (their addresses are known
 * from then on).  0, or -errno (with a log line).
 */
int supdns_open(struct supdns *d, const struct config *cfg);
/* Start the thread that serves them: 0, or -errno (with a log line). */
int supdns_serve(struct supdns *d);

/*
 * Whether a connect or datagram to sa goes to supdns instead: remote DNS
 * and sa a nameserver on port 53 that NO_PROXY does not let through.
 */
bool supdns_is_nameserver(const struct supdns *d, const struct sockaddr *sa,
			  socklen_t len);

/*
 * Whether a datagram to sa is a query this machine resolves itself: local
 * DNS (socks4://, socks5://) and sa a nameserver on port 53.  Such a
 * program resolves as the C library does under the library, directly.
 */
bool supdns_is_local_query(const struct supdns *d, const struct sockaddr *sa,
			   socklen_t len);

/*
 * The responder's address for a socket of family (AF_INET, or AF_INET6:
 * v4-mapped) and type (SOCK_DGRAM or SOCK_STREAM), into *ss and *len.
 */
void supdns_addr(const struct supdns *d, int family, int type,
		 struct sockaddr_storage *ss, socklen_t *len);

/*
 * Answer the query msg (len bytes) into out (cap bytes): the answer's
 * length, or -EPROTO for a message that is no plain query.
 */
ssize_t supdns_answer(const struct supdns *d, const uint8_t *msg, size_t len,
		      uint8_t *out, size_t cap);

#endif

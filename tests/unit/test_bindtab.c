/*
 * The BIND table: proxied connections newest first, listening sockets and
 * their control connections through take / put, the lock-free prefilter
 * and counters, forgetting on close, and the rule that decides which bind()
 * asks for a BIND.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "bindaddr.h"
#include "bindtab.h"
#include "tap.h"

static const struct sx_endpoint dst_ftp = {
	.atyp = SX_ATYP_IPV4, .port = 21, .addr = { 198, 51, 100, 2 },
};
static const struct sx_endpoint dst_name = {
	.atyp = SX_ATYP_DOMAIN, .port = 21, .name_len = 15,
	.name = "ftp.example.org",
};
/* The proxy's end of a connection, as danted reports it. */
static const struct sx_endpoint bnd_out = {
	.atyp = SX_ATYP_IPV4, .port = 40000, .addr = { 198, 51, 100, 1 },
};
/* As microsocks and ssh -D report it: nothing. */
static const struct sx_endpoint bnd_zero = {
	.atyp = SX_ATYP_IPV4,
};
static const struct sx_endpoint bnd_listen = {
	.atyp = SX_ATYP_IPV4, .port = 50000, .addr = { 198, 51, 100, 1 },
};

static socklen_t
v4(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &sin, sizeof(sin));
	return sizeof(sin);
}

static socklen_t
v6(struct sockaddr_storage *ss, const char *ip, uint16_t port)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &sin6.sin6_addr);
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, &sin6, sizeof(sin6));
	return sizeof(sin6);
}

static struct handshake *
new_hs(void)
{
	return calloc(1, sizeof(struct handshake));
}

static void
test_conns(void)
{
	struct bindtab_info info;
	int fds[8];
	int n;

	ok(!bindtab_maybe(5), "an unknown descriptor is not ours");
	is_int(bindtab_conn_count(), 0, "no connections at first");
	is_int(bindtab_add_conn(5, AF_INET, &dst_ftp, &bnd_out), 0, "record connection 5");
	is_int(bindtab_add_conn(7, AF_INET, &dst_name, &bnd_zero), 0, "record connection 7");
	is_int(bindtab_add_conn(6, AF_INET6, &dst_ftp, &bnd_out), 0, "record connection 6");
	is_int(bindtab_conn_count(), 3, "three connections");
	ok(bindtab_maybe(5) && bindtab_maybe(6) && bindtab_maybe(7), "the prefilter knows them");
	ok(!bindtab_maybe_active(5), "a connection is not a waiting listener");

	n = bindtab_list_conns(fds, 8);
	is_int(n, 3, "list: three connections");
	ok(n == 3 && fds[0] == 6 && fds[1] == 7 && fds[2] == 5, "list: newest first");
	n = bindtab_list_conns(fds, 2);
	ok(n == 2 && fds[0] == 6 && fds[1] == 7, "list: capped to the newest two");

	ok(bindtab_get(7, &info), "get connection 7");
	ok(info.kind == BINDTAB_CONN && info.family == AF_INET &&
	   info.dst.atyp == SX_ATYP_DOMAIN && strcmp(info.dst.name, "ftp.example.org") == 0,
	   "connection 7 keeps its destination by name");

	bindtab_dup(5, 9);
	ok(bindtab_get(9, &info) && info.kind == BINDTAB_CONN &&
	   memcmp(info.bnd.addr, bnd_out.addr, 4) == 0, "dup copies a connection entry");
	n = bindtab_list_conns(fds, 8);
	ok(n == 4 && fds[0] == 9, "the copy is the most recent connection");

	is_int(bindtab_remove(9), -1, "forgetting a connection has nothing to close");
	is_int(bindtab_remove(7), -1, "forget connection 7");
	is_int(bindtab_remove(6), -1, "forget connection 6");
	ok(!bindtab_maybe(7) && !bindtab_get(7, &info), "connection 7 is gone");
	is_int(bindtab_conn_count(), 1, "one connection left");
	is_int(bindtab_remove(42), -1, "forgetting an unknown descriptor is harmless");
}

static void
test_listener(void)
{
	struct bindtab_info info;
	struct handshake *hs, *got;
	int rc;

	is_int(bindtab_add_listen(10, AF_INET, &dst_ftp), 0, "record listening socket 10");
	is_int(bindtab_add_listen(10, AF_INET, &dst_ftp), -EINVAL,
	       "a second bind() of the same socket is EINVAL");
	ok(bindtab_get(10, &info) && info.kind == BINDTAB_LISTEN &&
	   info.state == BINDTAB_BOUND && info.ctrl == -1 && !info.listening,
	   "bound, no BIND asked yet");
	ok(!bindtab_maybe_active(10) && bindtab_active_count() == 0, "not waiting yet");
	is_int(bindtab_ctrl(10), -1, "no control connection yet");

	/* Ask: take it, the first reply comes, give it back waiting on ctrl 11. */
	rc = bindtab_take(10, &info, &got);
	ok(rc == 0 && got == NULL && info.state == BINDTAB_BOUND, "take a bound socket");
	is_int(bindtab_take(10, &info, &got), -EBUSY, "a second taker is told it is busy");
	hs = new_hs();
	is_int(bindtab_put_waiting(10, 11, hs, &bnd_listen), 0, "put back waiting on 11");
	bindtab_set_listening(10);
	ok(bindtab_get(10, &info) && info.state == BINDTAB_WAITING && info.ctrl == 11 &&
	   info.bnd.port == 50000 && info.listening, "waiting on 11 at port 50000");
	ok(bindtab_maybe_active(10), "the prefilter marks it waiting");
	is_int(bindtab_active_count(), 1, "one socket waiting");
	is_int(bindtab_ctrl(10), 11, "its control connection");
	ok(bindtab_get(11, &info) && info.kind == BINDTAB_CTRL && info.owner == 10,
	   "the control connection is known, and whose it is");
	ok(!bindtab_maybe_active(11), "a control connection is not a waiting listener");

	/* Not there yet: back unchanged. */
	rc = bindtab_take(10, &info, &got);
	ok(rc == 0 && got == hs, "take hands out the waiting handshake");
	is_int(bindtab_put_back(10, got), 0, "put back unchanged");
	ok(bindtab_get(10, &info) && info.state == BINDTAB_WAITING, "still waiting");

	bindtab_set_ctrl_epoll(10, 99);
	ok(bindtab_get(10, &info) && info.ctrl_epfd == 99, "the control connection's epoll set");

	/* The peer came: hand over, the one BIND is spent. */
	rc = bindtab_take(10, &info, &got);
	ok(rc == 0 && got == hs, "take for the hand-over");
	is_int(bindtab_put_idle(10, got, 0), 0, "put back spent");
	ok(bindtab_get(10, &info) && info.state == BINDTAB_SPENT && info.ctrl == -1 &&
	   info.ctrl_epfd == -1, "spent: no control connection");
	ok(!bindtab_maybe_active(10) && bindtab_active_count() == 0, "nothing waiting");
	ok(!bindtab_get(11, &info), "the handed-over connection is no longer ours");

	/* A new BIND that the proxy refuses. */
	rc = bindtab_take(10, &info, &got);
	ok(rc == 0 && info.state == BINDTAB_SPENT, "take the spent socket to ask again");
	is_int(bindtab_put_idle(10, NULL, EOPNOTSUPP), 0, "refused");
	ok(bindtab_get(10, &info) && info.state == BINDTAB_FAILED &&
	   info.error == EOPNOTSUPP, "failed with EOPNOTSUPP, remembered");

	is_int(bindtab_remove(10), -1, "forget the failed socket: nothing to close");
	ok(!bindtab_maybe(10), "gone");
	is_int(bindtab_take(10, &info, &got), -ENOENT, "take of an unknown socket");
}

static void
test_close_paths(void)
{
	struct bindtab_info info;
	struct handshake *got;

	/* Closing a waiting listener hands its control connection to the caller. */
	bindtab_add_listen(20, AF_INET, &dst_ftp);
	bindtab_take(20, &info, &got);
	bindtab_put_waiting(20, 21, new_hs(), &bnd_listen);
	is_int(bindtab_remove(20), 21, "closing a waiting listener: close its control connection");
	ok(!bindtab_maybe(20) && !bindtab_maybe(21), "both entries are gone");
	is_int(bindtab_active_count(), 0, "nothing waiting");

	/* The program closes our control connection: its listener loses it. */
	bindtab_add_listen(22, AF_INET, &dst_ftp);
	bindtab_take(22, &info, &got);
	bindtab_put_waiting(22, 23, new_hs(), &bnd_listen);
	is_int(bindtab_remove(23), -1, "closing a control connection: the caller's close ends it");
	ok(bindtab_get(22, &info) && info.state == BINDTAB_SPENT && info.ctrl == -1,
	   "its listener is spent, without a control connection");
	is_int(bindtab_active_count(), 0, "nothing waiting");
	is_int(bindtab_remove(22), -1, "and then nothing is closed twice");

	/* Closed while another thread has it: that thread gets -EBADF. */
	bindtab_add_listen(24, AF_INET, &dst_ftp);
	bindtab_take(24, &info, &got);
	is_int(bindtab_remove(24), -1, "closing a taken socket leaves the close to the taker");
	is_int(bindtab_put_waiting(24, 25, new_hs(), &bnd_listen), -EBADF,
	       "the taker learns the socket is gone (and closes its connection)");
	ok(!bindtab_maybe(25), "no entry for that connection");

	bindtab_add_listen(26, AF_INET, &dst_ftp);
	bindtab_take(26, &info, &got);
	bindtab_put_waiting(26, 27, new_hs(), &bnd_listen);
	bindtab_take(26, &info, &got);
	is_int(bindtab_remove(26), -1, "closing a waiting socket that is taken");
	ok(!bindtab_maybe(27), "its control connection entry is gone at once");
	is_int(bindtab_put_back(26, got), -EBADF, "put back: gone, the handshake is freed");
	is_int(bindtab_active_count(), 0, "nothing waiting");

	/* A number reused for a proxied connection replaces a stale listener. */
	bindtab_add_listen(28, AF_INET, &dst_ftp);
	bindtab_add_conn(28, AF_INET, &dst_ftp, &bnd_out);
	ok(bindtab_get(28, &info) && info.kind == BINDTAB_CONN, "connect() after bind(): a connection");
	bindtab_remove(28);
}

static void
test_matches(void)
{
	struct sockaddr_storage sa, local;
	socklen_t len, llen;

	/* The proxy's end of the connection: any port. */
	len = v4(&sa, "198.51.100.1", 0);
	ok(bindaddr_matches((struct sockaddr *)&sa, len, &bnd_out, NULL, 0),
	   "bind to the proxy's end with port 0: BIND");
	len = v4(&sa, "198.51.100.1", 32000);
	ok(bindaddr_matches((struct sockaddr *)&sa, len, &bnd_out, NULL, 0),
	   "bind to the proxy's end with a port: BIND");
	len = v6(&sa, "::ffff:198.51.100.1", 0);
	ok(bindaddr_matches((struct sockaddr *)&sa, len, &bnd_out, NULL, 0),
	   "the same address v4-mapped: BIND");
	len = v4(&sa, "198.51.100.9", 0);
	ok(!bindaddr_matches((struct sockaddr *)&sa, len, &bnd_out, NULL, 0),
	   "another address: local");

	/* The any-address: only with port 0. */
	len = v4(&sa, "0.0.0.0", 0);
	ok(bindaddr_matches((struct sockaddr *)&sa, len, &bnd_zero, NULL, 0),
	   "0.0.0.0 port 0: BIND");
	len = v6(&sa, "::", 0);
	ok(bindaddr_matches((struct sockaddr *)&sa, len, &bnd_out, NULL, 0),
	   ":: port 0: BIND");
	len = v4(&sa, "0.0.0.0", 8080);
	ok(!bindaddr_matches((struct sockaddr *)&sa, len, &bnd_out, NULL, 0),
	   "0.0.0.0 with a fixed port is a local server");

	/* The proxy gave no address: the real local address, port 0, not loopback. */
	llen = v4(&local, "192.0.2.2", 41000);
	len = v4(&sa, "192.0.2.2", 0);
	ok(bindaddr_matches((struct sockaddr *)&sa, len, &bnd_zero,
				(struct sockaddr *)&local, llen),
	   "the connection's real local address, port 0: BIND");
	ok(!bindaddr_matches((struct sockaddr *)&sa, len, &bnd_zero, NULL, 0),
	   "without knowing the local address: local");
	ok(!bindaddr_matches((struct sockaddr *)&sa, len, &bnd_out,
				 (struct sockaddr *)&local, llen),
	   "the real address when the proxy named its end: local");
	len = v4(&sa, "192.0.2.2", 2121);
	ok(!bindaddr_matches((struct sockaddr *)&sa, len, &bnd_zero,
				 (struct sockaddr *)&local, llen),
	   "the real local address with a fixed port: local");
	llen = v4(&local, "127.0.0.1", 41000);
	len = v4(&sa, "127.0.0.1", 0);
	ok(!bindaddr_matches((struct sockaddr *)&sa, len, &bnd_zero,
				 (struct sockaddr *)&local, llen),
	   "loopback stays local even when the connection uses it");
	len = v4(&sa, "127.0.0.1", 0);
	ok(!bindaddr_matches((struct sockaddr *)&sa, len, &bnd_out, NULL, 0),
	   "loopback: local");
	ok(!bindaddr_matches((struct sockaddr *)&sa, 2, &bnd_out, NULL, 0),
	   "a truncated address: local");
}

static void
test_endpoints(void)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 sin6;
	struct sockaddr_in sin;
	static const uint8_t mapped[16] = { [10] = 0xff, [11] = 0xff, 198, 51, 100, 1 };
	struct sx_endpoint e6 = { .atyp = SX_ATYP_IPV6, .port = 1, .addr = { 0x20, 1, [15] = 1 } };
	socklen_t len;

	ok(bindaddr_is_addr(&bnd_out), "198.51.100.1 is an address");
	ok(!bindaddr_is_addr(&bnd_zero), "0.0.0.0 is none");
	ok(!bindaddr_is_addr(&dst_name), "a name is none");

	is_int(bindaddr_to_family(&bnd_listen, AF_INET, &ss, &len), 0, "IPv4 into AF_INET");
	memcpy(&sin, &ss, sizeof(sin));
	ok(len == sizeof(sin) && sin.sin_family == AF_INET && ntohs(sin.sin_port) == 50000 &&
	   ntohl(sin.sin_addr.s_addr) == 0xc6336401, "198.51.100.1:50000");
	is_int(bindaddr_to_family(&bnd_listen, AF_INET6, &ss, &len), 0,
	       "IPv4 into AF_INET6");
	memcpy(&sin6, &ss, sizeof(sin6));
	ok(len == sizeof(sin6) && sin6.sin6_family == AF_INET6 &&
	   ntohs(sin6.sin6_port) == 50000 && memcmp(&sin6.sin6_addr, mapped, 16) == 0,
	   "v4-mapped ::ffff:198.51.100.1 port 50000");
	is_int(bindaddr_to_family(&e6, AF_INET, &ss, &len), -EAFNOSUPPORT,
	       "IPv6 does not fit AF_INET");
	is_int(bindaddr_to_family(&dst_name, AF_INET, &ss, &len), -EAFNOSUPPORT,
	       "a name has no socket address");
}

static void
test_large_fd(void)
{
	struct bindtab_info info;

	is_int(bindtab_add_conn(70000, AF_INET, &dst_ftp, &bnd_out), 0,
	       "a descriptor beyond the prefilter's map");
	ok(bindtab_maybe(70000) && bindtab_get(70000, &info), "is found by lookup");
	bindtab_remove(70000);
	ok(!bindtab_get(70000, &info), "and forgotten");
}

int
main(void)
{
	test_conns();
	test_listener();
	test_close_paths();
	test_matches();
	test_endpoints();
	test_large_fd();
	bindtab_remove(5);
	is_int(bindtab_conn_count(), 0, "every entry forgotten");
	return tap_done();
}

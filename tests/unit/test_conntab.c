/*
 * Unit tests for core/conntab.c and the identity checks of the descriptor
 * tables: state shared by copies of a descriptor, and entries of sockets
 * closed behind the library's back dropped when their number comes back.
 * The identity probe is a fake: ident[fd] says which socket fd stands for.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "bindtab.h"
#include "conntab.h"
#include "fdident.h"
#include "gsswrap.h"
#include "tap.h"
#include "udpassoc.h"

#define NFD 128
static uint64_t ident[NFD];

static uint64_t
fake_probe(int fd)
{
	return fd >= 0 && fd < NFD ? ident[fd] : 0;
}

static int closed_ctrl = -1;
static uint64_t closed_ident;

static void
fake_closer(int ctrl, uint64_t id)
{
	closed_ctrl = ctrl;
	closed_ident = id;
}

static struct sockaddr_in
sin_of(uint32_t ip, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(ip);
	sin.sin_port = htons(port);
	return sin;
}

static struct handshake *
new_hs(void)
{
	return calloc(1, sizeof(struct handshake));
}

static void
test_copies_share_pending_state(void)
{
	struct sockaddr_in dst = sin_of(0xc0000201, 80);
	struct conntab_info info;
	struct handshake *hs;

	ident[10] = 1001;
	is_int(conntab_set_pending(10, (struct sockaddr *)&dst, sizeof(dst), new_hs(),
				   SX_WANT_READ, 0, 1000), 0, "fd 10 pending");
	ident[11] = 1001;
	conntab_dup(10, 11);
	ok(conntab_maybe_active(11), "the copy is active at once");
	ok(conntab_get(11, &info) && info.state == CONNTAB_PENDING,
	   "the copy is pending too");
	hs = conntab_take_handshake(11);
	ok(hs != NULL, "the copy hands out the one handshake");
	ok(conntab_take_handshake(10) == NULL, "the original sees it taken");
	conntab_put_handshake(11, hs, SX_DONE);
	ok(conntab_get(10, &info) && info.state == CONNTAB_ESTABLISHED,
	   "done through the copy: the original is established");
	ok(!conntab_maybe_active(10) && !conntab_maybe_active(11),
	   "neither is active any more");
	is_int(conntab_active_count(), 0, "no active socket left");
	conntab_remove(10);
	ok(conntab_get(11, &info) && info.state == CONNTAB_ESTABLISHED,
	   "closing the original leaves the copy its state");
	is_int(((struct sockaddr_in *)&info.peer)->sin_port, htons(80),
	       "the copy still names the destination");
	conntab_remove(11);
	ok(!conntab_maybe(11), "the last copy closed: nothing left");
}

static void
test_failed_state_shared(void)
{
	struct sockaddr_in dst = sin_of(0xc0000201, 81);
	struct conntab_info info;
	struct handshake *hs;

	ident[12] = ident[13] = 1002;
	conntab_set_pending(12, (struct sockaddr *)&dst, sizeof(dst), new_hs(),
			    SX_WANT_WRITE, 0, 1000);
	conntab_dup(12, 13);
	hs = conntab_take_handshake(12);
	conntab_put_handshake(12, hs, -ECONNREFUSED);
	ok(conntab_get(13, &info) && info.state == CONNTAB_FAILED,
	   "a failure seen through the original shows on the copy");
	is_int(conntab_take_error(13), ECONNREFUSED, "the copy reads the error once");
	is_int(conntab_take_error(12), 0, "and it is gone for the original too");
	conntab_remove(12);
	conntab_remove(13);
	is_int(conntab_active_count(), 0, "nothing active after both closed");
}

static void
test_stale_entry_dropped(void)
{
	struct sockaddr_in dst = sin_of(0xc0000201, 82);
	struct conntab_info info;

	ident[20] = 2001;
	conntab_set_established(20, (struct sockaddr *)&dst, sizeof(dst));
	ok(conntab_get(20, &info), "established entry found");
	/* The socket is closed where no hook sees it; another gets number 20. */
	ident[20] = 2002;
	ok(!conntab_get(20, &info), "the new socket does not inherit the entry");
	ok(!conntab_maybe(20), "and the stale entry is gone");
	ident[21] = 2003;
	conntab_set_pending(21, (struct sockaddr *)&dst, sizeof(dst), new_hs(),
			    SX_WANT_READ, 0, 1000);
	is_int(conntab_active_count(), 1, "one pending socket");
	ident[21] = 0;	/* now a pipe, say */
	ok(!conntab_get(21, &info), "a stale pending number is not found");
	ok(conntab_take_handshake(21) == NULL, "and hands out no handshake");
	is_int(conntab_active_count(), 0, "the stale pending socket stopped counting");
}

/* A fake mechanism: only its context's deletion is counted here. */
static int wrap_ctx, wrap_drops;

static void
wrap_drop(void **ctx)
{
	wrap_drops++;
	*ctx = NULL;
}

static const struct socks5_gssapi_ops wrap_ops = { .drop = wrap_drop };

static void
test_protection_shared(void)
{
	struct sockaddr_in dst = sin_of(0xc0000201, 83);
	struct gsswrap *w, *held;
	struct handshake *hs;
	int fds[4];

	ok(!conntab_maybe_wrapped(50), "no protection, nothing wrapped");
	is_int(conntab_wrapped_count(), 0, "none counted");
	ident[50] = 5001;
	ident[51] = 5001;
	conntab_set_established(50, (struct sockaddr *)&dst, sizeof(dst));
	conntab_set_wrap(50, gsswrap_new(&wrap_ops, &wrap_ctx, true));
	ok(conntab_maybe_wrapped(50), "an established socket takes a protection");
	is_int(conntab_wrapped_count(), 1, "counted once");
	conntab_dup(50, 51);
	w = conntab_hold_wrap(50);
	held = conntab_hold_wrap(51);
	ok(w != NULL && w == held, "its copy shares the same protection");
	ok(conntab_maybe_wrapped(51), "and says so without the lock");
	is_int(conntab_wrapped_fds(fds, 4), 2, "both descriptors are listed");
	conntab_remove(50);
	is_int(wrap_drops, 0, "closing one keeps the context");
	conntab_remove(51);
	is_int(conntab_wrapped_count(), 0, "the last close stops the count");
	is_int(wrap_drops, 0, "a reference still held keeps the context");
	gsswrap_put(held);
	gsswrap_put(w);
	is_int(wrap_drops, 1, "the last reference deletes it");

	/* A pending socket whose exchange ends with protection. */
	ident[52] = 5002;
	hs = new_hs();
	hs->wrap = gsswrap_new(&wrap_ops, &wrap_ctx, false);
	conntab_set_pending(52, (struct sockaddr *)&dst, sizeof(dst), hs,
			    SX_WANT_READ, 0, 1000);
	ok(!conntab_maybe_wrapped(52), "not wrapped while pending");
	hs = conntab_take_handshake(52);
	conntab_put_handshake(52, hs, SX_DONE);
	ok(conntab_maybe_wrapped(52), "wrapped once established");
	ident[52] = 5003;
	ok(conntab_hold_wrap(52) == NULL, "a new socket at the number has none");
	is_int(wrap_drops, 2, "and the stale one's context is deleted");
	is_int(conntab_wrapped_count(), 0, "nothing counted");

	ident[53] = 5004;
	conntab_set_wrap(53, gsswrap_new(&wrap_ops, &wrap_ctx, false));
	is_int(wrap_drops, 3, "a protection for a descriptor with no entry is let go");
}

static void
test_udpassoc_stale(void)
{
	struct sockaddr_in relay = sin_of(0x7f000001, 9000), peer = sin_of(0xc0000202, 53);
	struct sx_endpoint ep;
	struct udpassoc_info info;

	memset(&ep, 0, sizeof(ep));
	ident[30] = 3001;
	is_int(udpassoc_install(30, AF_INET, 100, 7001, (struct sockaddr *)&relay,
				sizeof(relay)), 0, "association installed");
	is_int(udpassoc_set_peer(30, AF_INET, (struct sockaddr *)&peer, sizeof(peer), &ep),
	       0, "default destination set");
	ok(udpassoc_get(30, &info) && info.has_peer, "entry found");
	ident[30] = 3002;
	closed_ctrl = -1;
	ok(!udpassoc_get(30, &info), "a new socket at 30 has no association");
	is_int(closed_ctrl, 100, "the stale control socket was closed");
	is_int(closed_ident, 7001, "by its identity");
	ok(!udpassoc_is_ctrl(100), "and is no control socket any more");
	ok(udpassoc_first_log(30, AF_INET), "a fresh entry for the new socket");
	ok(udpassoc_get(30, &info) && !info.has_peer && info.ctrl < 0,
	   "with nothing of the old one");
	udpassoc_remove(30, &(uint64_t){ 0 });
}

static void
test_bindtab_stale(void)
{
	struct sx_endpoint dst, bnd;
	struct bindtab_info info;

	memset(&dst, 0, sizeof(dst));
	memset(&bnd, 0, sizeof(bnd));
	ident[40] = 4001;
	is_int(bindtab_add_conn(40, AF_INET, &dst, &bnd), 0, "connection recorded");
	ok(bindtab_get(40, &info) && info.kind == BINDTAB_CONN, "found");
	ident[40] = 4002;
	ok(!bindtab_get(40, &info), "not found for the socket that got the number next");
	is_int(bindtab_conn_count(), 0, "and no longer counted");
}

int
main(void)
{
	fdident_set_probe(fake_probe);
	udpassoc_set_closer(fake_closer);
	bindtab_set_closer(fake_closer);
	test_copies_share_pending_state();
	test_failed_state_shared();
	test_stale_entry_dropped();
	test_protection_shared();
	test_udpassoc_stale();
	test_bindtab_stale();
	return tap_done();
}

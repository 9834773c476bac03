/*
 * The proxy-kind table (core/proxykind.c): each kind the configuration can
 * name, what it says about the kind, the steps it hangs on it, and the
 * steps' judgement of the proxy's answers, byte vector by byte vector.
 */
#include <errno.h>
#include <string.h>

#include "httpconnect.h"
#include "proxykind.h"
#include "socks4.h"
#include "socks5.h"
#include "tap.h"

#define V(s) (const uint8_t *)(s), (sizeof(s) - 1)

static const struct proxykind *
kind(int version, bool remote_dns)
{
	struct config_proxy p;

	memset(&p, 0, sizeof(p));
	p.version = version;
	p.remote_dns = remote_dns;
	return proxykind_of(&p);
}

static void
test_table(void)
{
	static const struct {
		int version;
		bool remote_dns;
		const char *name;
		int resolver;
		bool udp, ipv6;
	} rows[] = {
		{ 4, false, "socks4", PROXYKIND_RESOLVES_CLIENT, false, false },
		{ 4, true, "socks4a", PROXYKIND_RESOLVES_PROXY, false, false },
		{ 5, false, "socks5", PROXYKIND_RESOLVES_CLIENT, true, true },
		{ 5, true, "socks5h", PROXYKIND_RESOLVES_PROXY, true, true },
	};

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct proxykind *k = kind(rows[i].version, rows[i].remote_dns);
		const struct proxykind_steps *st = k->steps;
		char what[128];

#define CHECK(cond, text) do { \
		snprintf(what, sizeof(what), "%s: %s", rows[i].name, (text)); \
		ok((cond), what); \
	} while (0)
		CHECK(strcmp(k->name, rows[i].name) == 0, "the configuration finds its row");
		CHECK(proxykind_find(rows[i].name, strlen(rows[i].name)) == k,
		      "the scheme finds the same row");
		CHECK(k->default_port == 1080, "default port 1080");
		CHECK(k->resolver == rows[i].resolver, "who resolves names");
		CHECK(proxykind_resolves_remotely(k) ==
		      (rows[i].resolver == PROXYKIND_RESOLVES_PROXY), "resolves remotely");
		CHECK(k->carries_udp == rows[i].udp, "UDP");
		CHECK(k->carries_ipv6 == rows[i].ipv6, "IPv6");
		CHECK(k->carries_bind, "BIND");
		CHECK(k->carries_names, "names on the wire");
		CHECK(st && st->request && st->reply_need && st->reply,
		      "request and reply steps");
		CHECK(!st->greeting || (st->greeting_answer && st->greeting_answer_len > 0),
		      "a greeting has its answer");
		CHECK(!st->auth || (st->auth_answer && st->auth_answer_len > 0),
		      "authentication has its answer");
		CHECK(!k->pipelines || st->greeting, "pipelines only with a greeting");
		CHECK(k->refuse_command != NULL, "says why it refuses a command");
		CHECK(k->carries_ipv6 || k->refuse_ipv6 != NULL, "says why it refuses IPv6");
		CHECK(k->carries_udp || k->refuse_udp != NULL, "says why it refuses UDP");
#undef CHECK
	}
	ok(proxykind_find("SOCKS5H", 7) == kind(5, true), "schemes are case-insensitive");
	ok(proxykind_find("socks5hx", 7) == kind(5, true), "only len bytes are read");
	ok(proxykind_find("socks6", 6) == NULL, "an unknown scheme is NULL");
	ok(proxykind_find("socks", 5) == NULL, "a prefix is no scheme");
	ok(kind(0, false) == kind(5, true), "an unparsed proxy has the default kind");
	ok(kind(4, false)->steps == &socks4_steps && kind(5, false)->steps == &socks5_steps,
	   "each kind speaks its codec");
}

/* The http row: CONNECT tunnels only, names to the proxy, a scanned reply. */
static void
test_http_row(void)
{
	const struct proxykind *k = kind(CONFIG_HTTP_CONNECT, true);
	const char *why = NULL;
	int err = 0;

	is_str(k->name, "http", "http: the configuration finds its row");
	ok(proxykind_find("HTTP", 4) == k, "http: the scheme finds the same row");
	is_int(k->default_port, 1080, "http: default port 1080, as every kind");
	ok(proxykind_resolves_remotely(k), "http: the proxy resolves names");
	ok(k->carries_ipv6 && k->carries_names, "http: IPv6 and names on the wire");
	ok(!k->carries_udp && !k->carries_bind, "http: no UDP, no BIND");
	ok(k->steps == &httpconnect_steps && k->steps->greeting == NULL &&
	   k->steps->request && k->steps->reply_scan,
	   "http: the request opens the exchange, the reply is scanned");
	ok(!k->pipelines, "http: nothing to pipeline");
	ok(!proxykind_can_carry(k, SOCKS5_CMD_UDP_ASSOCIATE, SX_ATYP_IPV4, &err, &why),
	   "http cannot carry UDP");
	is_int(err, -EOPNOTSUPP, "http UDP: EOPNOTSUPP");
	is_str(why, "an HTTP proxy has no UDP", "http UDP: why");
	ok(!proxykind_can_carry(k, SOCKS5_CMD_BIND, SX_ATYP_IPV4, &err, &why),
	   "http cannot carry BIND");
	is_str(why, "an HTTP proxy carries only CONNECT tunnels, no BIND", "http BIND: why");
	ok(proxykind_can_carry(k, SOCKS5_CMD_CONNECT, SX_ATYP_IPV6, &err, &why),
	   "http carries CONNECT to IPv6");
}

static void
test_can_carry(void)
{
	const struct proxykind *s4 = kind(4, false), *s5 = kind(5, true);
	const char *why = NULL;
	int err = 0;

	ok(proxykind_can_carry(s4, SOCKS5_CMD_CONNECT, SX_ATYP_IPV4, &err, &why),
	   "socks4 carries CONNECT to IPv4");
	is_int(err, 0, "no error");
	ok(why == NULL, "no reason");
	ok(proxykind_can_carry(s4, SOCKS5_CMD_BIND, SX_ATYP_DOMAIN, &err, &why),
	   "socks4 carries BIND to a name (the SOCKS4a form)");
	ok(!proxykind_can_carry(s4, SOCKS5_CMD_CONNECT, SX_ATYP_IPV6, &err, &why),
	   "socks4 cannot carry IPv6");
	is_int(err, -EAFNOSUPPORT, "IPv6: EAFNOSUPPORT");
	is_str(why, "SOCKS4 cannot carry IPv6 destinations", "IPv6: why");
	ok(!proxykind_can_carry(s4, SOCKS5_CMD_UDP_ASSOCIATE, SX_ATYP_IPV4, &err, &why),
	   "socks4 cannot carry UDP ASSOCIATE");
	is_int(err, -EOPNOTSUPP, "UDP: EOPNOTSUPP");
	is_str(why, "SOCKS4 has no UDP", "UDP: why");
	ok(!proxykind_can_carry(s4, 0x09, SX_ATYP_IPV4, &err, &why),
	   "socks4 cannot carry an unknown command");
	is_str(why, "SOCKS4 cannot carry this command", "unknown command: why");
	ok(proxykind_can_carry(s5, SOCKS5_CMD_UDP_ASSOCIATE, SX_ATYP_IPV6, &err, &why),
	   "socks5h carries UDP ASSOCIATE for IPv6");
	ok(!proxykind_can_carry(s5, 0x09, SX_ATYP_IPV4, &err, &why),
	   "no kind carries an unknown command");
	is_int(err, -EOPNOTSUPP, "unknown command: EOPNOTSUPP");
}

static void
test_socks4_steps(void)
{
	const struct proxykind_steps *st = &socks4_steps;
	struct proxykind_answer a;
	static const uint8_t ip[4] = { 10, 0, 0, 1 };

	ok(st->greeting == NULL, "socks4: the request opens the exchange");
	is_int(st->reply_need(NULL, 0), 8, "socks4: the reply is 8 bytes");
	is_int(st->reply(V("\x00\x5a\x1f\x90\x0a\x00"), &a), 0, "socks4: 6 bytes need more");
	is_int(st->reply(V("\x00\x5a\x1f\x90\x0a\x00\x00\x01"), &a), 8, "socks4: granted");
	is_int(a.error, 0, "socks4: granted is no error");
	is_int(a.bnd.port, 8080, "socks4: BND port");
	is_bytes(a.bnd.addr, ip, 4, "socks4: BND address");
	is_int(st->reply(V("\x00\x5b\x00\x00\x00\x00\x00\x00"), &a), 8,
	       "socks4: CD 91 is an answer");
	is_int(a.error, -ECONNREFUSED, "socks4: CD 91 is ECONNREFUSED");
	is_int(a.code, 91, "socks4: CD 91 kept");
	is_int(st->reply(V("\x05\x00\x00\x01\x00\x00\x00\x00"), &a), -EPROTO,
	       "socks4: a SOCKS5 reply is EPROTO");
	is_str(a.reason, "proxy sent a malformed SOCKS4 reply", "socks4: malformed says so");
}

static void
test_socks5_steps(void)
{
	const struct proxykind_steps *st = &socks5_steps;
	struct config_proxy p;
	struct proxykind_answer a;
	uint8_t buf[600];

	memset(&p, 0, sizeof(p));
	p.version = 5;
	is_int(st->greeting(buf, sizeof(buf), &p), 3, "socks5: greeting is 3 bytes");
	is_bytes(buf, "\x05\x01\x00", 3, "socks5: greeting offers no-auth");
	is_int(st->greeting_answer(V("\x05\x00"), &p, &a), 2, "socks5: method no-auth");
	ok(a.error == 0 && !a.auth_next, "socks5: no-auth: the request next");
	is_int(st->greeting_answer(V("\x05\xff"), &p, &a), 2, "socks5: method X'FF'");
	is_int(a.error, -EACCES, "socks5: X'FF' is EACCES");
	is_int(st->greeting_answer(V("\x05"), &p, &a), 0, "socks5: one byte needs more");
	is_int(st->greeting_answer(V("\x04\x00"), &p, &a), -EPROTO, "socks5: VER 4 is EPROTO");

	p.has_auth = true;
	strcpy(p.user, "alice");
	strcpy(p.pass, "hunter2");
	is_int(st->greeting(buf, sizeof(buf), &p), 3, "socks5 auth: greeting");
	is_bytes(buf, "\x05\x01\x02", 3, "socks5 auth: greeting offers user/password");
	is_int(st->greeting_answer(V("\x05\x02"), &p, &a), 2, "socks5 auth: method 2");
	ok(a.error == 0 && a.auth_next, "socks5 auth: authentication next");
	is_int(st->greeting_answer(V("\x05\x00"), &p, &a), 2, "socks5 auth: method 0");
	is_int(a.error, -EPROTO, "socks5 auth: a method not offered is EPROTO");
	is_int(st->auth(buf, sizeof(buf), &p), 15, "socks5 auth: RFC 1929 request");
	is_bytes(buf, "\x01\x05" "alice" "\x07" "hunter2", 15, "socks5 auth: its bytes");
	is_int(st->auth_answer(V("\x01\x00"), &a), 2, "socks5 auth: status 0");
	is_int(a.error, 0, "socks5 auth: status 0 is success");
	is_int(st->auth_answer(V("\x01\x01"), &a), 2, "socks5 auth: status 1");
	is_int(a.error, -EACCES, "socks5 auth: status 1 is EACCES");
	ok(strstr(a.reason, "hunter2") == NULL, "socks5 auth: the reason holds no password");

	is_int(st->reply_need(NULL, 0), 5, "socks5: the reply's first part is 5 bytes");
	is_int(st->reply_need((const uint8_t *)"\x05\x00\x00\x01\x0a", 5), 10,
	       "socks5: an IPv4 reply is 10 bytes");
	is_int(st->reply_need((const uint8_t *)"\x05\x00\x00\x04\x20", 5), 22,
	       "socks5: an IPv6 reply is 22 bytes");
	is_int(st->reply_need((const uint8_t *)"\x05\x00\x00\x03\x0d", 5), 20,
	       "socks5: a reply with a 13-byte name is 20 bytes");
	is_int(st->reply(V("\x05\x00\x00\x01\x0a\x00\x00\x01\x1f\x90"), &a), 10,
	       "socks5: succeeded");
	is_int(a.bnd.port, 8080, "socks5: BND port");
	is_int(st->reply(V("\x05\x02\x00\x01\x00\x00\x00\x00\x00\x00"), &a), 10,
	       "socks5: REP 2 is an answer");
	is_int(a.error, -EACCES, "socks5: REP 2 is EACCES");
	is_int(st->reply(V("\x05\x00\x00\x09\x00"), &a), -EPROTO, "socks5: ATYP 9 is EPROTO");
}

int
main(void)
{
	test_table();
	test_http_row();
	test_can_carry();
	test_socks4_steps();
	test_socks5_steps();
	return tap_done();
}

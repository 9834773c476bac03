/*
 * NO_PROXY by host name and port where the name is known only at connect
 * time (behind a fake address): noproxy_matches_name(), and the
 * routes route_decide() gives a fake address, a NO_PROXY address and a
 * plain one; then the whole decision table: loopback, the proxy itself,
 * NO_PROXY, what each proxy kind can carry (IPv6 under SOCKS4), address
 * families and socket types, and a broken configuration.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "config.h"
#include "fakeip.h"
#include "noproxy.h"
#include "route.h"
#include "tap.h"

static const uint8_t NET4[4] = { 198, 18, 0, 0 };
static const uint8_t NET6[16] = {
	0xfd, 0x53, 0x6f, 0x63, 0x6b, 0x73, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* A valid socks5h configuration with proxy 127.0.0.1:1080 and NO_PROXY list. */
static void
config_with(struct config *cfg, const char *list)
{
	char err[CONFIG_ERR_LEN];
	struct sockaddr_in *sin = (struct sockaddr_in *)&cfg->proxy.addr;

	memset(cfg, 0, sizeof(*cfg));
	if (noproxy_parse(list, &cfg->noproxy, &cfg->noproxy_count, err,
			  sizeof(err)) != 0) {
		printf("Bail out! NO_PROXY \"%s\": %s\n", list, err);
		exit(1);
	}
	cfg->valid = true;
	cfg->proxy.version = 5;
	cfg->proxy.remote_dns = true;
	cfg->proxy.port = 1080;
	sin->sin_family = AF_INET;
	sin->sin_port = htons(1080);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	cfg->proxy.addrlen = sizeof(*sin);
}

/* The fake IPv4 address of name, with port. */
static struct sockaddr_in
fake4(const char *name, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in sin;
	socklen_t len;

	memset(&sin, 0, sizeof(sin));
	if (fakeip_assign(name, AF_INET, &ss, &len) != 0) {
		printf("Bail out! fakeip_assign %s\n", name);
		exit(1);
	}
	memcpy(&sin, &ss, sizeof(sin));
	sin.sin_port = htons(port);
	return sin;
}

static struct sockaddr_in6
fake6(const char *name, uint16_t port)
{
	struct sockaddr_storage ss;
	struct sockaddr_in6 sin6;
	socklen_t len;

	if (fakeip_assign(name, AF_INET6, &ss, &len) != 0) {
		printf("Bail out! fakeip_assign %s\n", name);
		exit(1);
	}
	memcpy(&sin6, &ss, sizeof(sin6));
	sin6.sin6_port = htons(port);
	return sin6;
}

static int
route4(const struct config *cfg, const struct sockaddr_in *sin, int socktype,
       struct route *r)
{
	route_decide(cfg, (const struct sockaddr *)sin, sizeof(*sin), socktype, r);
	return r->action;
}

static void
test_match_name(void)
{
	struct config cfg;

	config_with(&cfg, "web.test:8000 .svc.test:443 plain.test 10.1.2.3:22 "
			  "[fd00::1]:80 *.wild.test:9");
	ok(noproxy_matches_name(&cfg, "web.test", 8000),
	   "name:port matches the name on that port");
	ok(noproxy_matches_name(&cfg, "WEB.Test.", 8000),
	   "whatever its case and with a trailing dot");
	ok(noproxy_matches_name(&cfg, "a.web.test", 8000),
	   "and a subdomain on that port");
	ok(!noproxy_matches_name(&cfg, "web.test", 8001),
	   "but not another port");
	ok(!noproxy_matches_name(&cfg, "web.test", 0),
	   "nor an unknown port (0)");
	ok(!noproxy_matches_name(&cfg, "web.test", -1),
	   "nor an unknown port (-1)");
	ok(!noproxy_matches_name(&cfg, "web.test", 70000),
	   "nor a port out of range");
	ok(!noproxy_matches_name(&cfg, "xweb.test", 8000),
	   "nor a name that merely ends the same");
	ok(noproxy_matches_name(&cfg, "svc.test", 443),
	   ".svc.test:443 matches svc.test on 443");
	ok(noproxy_matches_name(&cfg, "api.svc.test", 443),
	   "and its subdomains on 443");
	ok(!noproxy_matches_name(&cfg, "api.svc.test", 80),
	   "not on 80");
	ok(noproxy_matches_name(&cfg, "plain.test", 1),
	   "an entry without a port matches on any port");
	ok(noproxy_matches_name(&cfg, "plain.test", 0),
	   "and with the port unknown");
	ok(noproxy_matches_name(&cfg, "x.wild.test", 9),
	   "*.wild.test:9 matches a subdomain on 9");
	ok(!noproxy_matches_name(&cfg, "other.test", 22),
	   "an address entry does not match a name");
	ok(noproxy_matches_name(&cfg, "10.1.2.3", 22),
	   "but matches a name that is that address literal, on its port");
	ok(!noproxy_matches_name(&cfg, "10.1.2.3", 23),
	   "not on another port");
	ok(noproxy_matches_name(&cfg, "[fd00::1]", 80),
	   "a bracketed IPv6 literal with its port");
	ok(!noproxy_matches_name(&cfg, NULL, 8000), "no name matches nothing");
	ok(!noproxy_matches_name(NULL, "web.test", 8000),
	   "no configuration matches nothing");
	config_free(&cfg);

	config_with(&cfg, "*");
	ok(noproxy_matches_name(&cfg, "any.test", 8000),
	   "\"*\" matches any name on any port");
	config_free(&cfg);
}

static void
test_route_fake(void)
{
	struct config cfg;
	struct route r;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;

	fakeip_init(NET4, 15, NET6, 96, 0);
	config_with(&cfg, "web.test:8000 local.test");

	sin = fake4("web.test", 8000);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_DIRECT_NAME,
	       "a stream connect to web.test's fake address on 8000 goes direct by name");
	is_int(r.dst.atyp, SX_ATYP_DOMAIN, "the destination is the name");
	is_str(r.dst.name, "web.test", "web.test");
	is_int(r.dst.port, 8000, "on port 8000");
	is_str(r.reason, "excluded by NO_PROXY", "with the reason for the log");

	sin = fake4("web.test", 8001);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_PROXY,
	       "on another port it goes through the proxy");
	is_str(r.dst.name, "web.test", "by name");
	is_int(r.dst.port, 8001, "on 8001");

	sin = fake4("sub.web.test", 8000);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_DIRECT_NAME,
	       "a subdomain on 8000 goes direct by name too");

	sin = fake4("other.test", 8000);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_PROXY,
	       "another name on 8000 goes through the proxy");

	sin = fake4("web.test", 8000);
	is_int(route4(&cfg, &sin, SOCK_DGRAM, &r), ROUTE_PROXY,
	       "a datagram to web.test:8000 stays with the proxy");

	sin6 = fake6("web.test", 8000);
	route_decide(&cfg, (struct sockaddr *)&sin6, sizeof(sin6), SOCK_STREAM, &r);
	is_int(r.action, ROUTE_DIRECT_NAME, "the IPv6 fake address on 8000 as well");

	sin = fake4("local.test", 5);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_DIRECT_NAME,
	       "a port-less entry's name behind a fake address goes direct too");

	cfg.valid = false;
	sin = fake4("web.test", 8000);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_DENY,
	       "with a broken configuration it is refused");
	is_int(r.error, ENETUNREACH, "ENETUNREACH");
	cfg.valid = true;

	/* An address nothing was assigned to stays refused, NO_PROXY or not. */
	config_free(&cfg);
	config_with(&cfg, "*");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(8000);
	sin.sin_addr.s_addr = htonl(0xc6120000u + 4000);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_DENY,
	       "a fake address with no name is refused");
	is_int(r.error, EHOSTUNREACH, "EHOSTUNREACH");
	config_free(&cfg);

	/* Plain addresses keep their rules. */
	config_with(&cfg, "192.0.2.7:8000");
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(8000);
	inet_pton(AF_INET, "192.0.2.7", &sin.sin_addr);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_DIRECT,
	       "a NO_PROXY address on its port goes direct");
	sin.sin_port = htons(8001);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_PROXY,
	       "on another port through the proxy");
	config_free(&cfg);
}

static struct sockaddr_in
addr4(const char *ip, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

static int
route6(const struct config *cfg, const char *ip, uint16_t port, int socktype,
       struct route *r)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	inet_pton(AF_INET6, ip, &sin6.sin6_addr);
	route_decide(cfg, (const struct sockaddr *)&sin6, sizeof(sin6), socktype, r);
	return r->action;
}

/* The same configuration with another proxy URL's kind. */
static void
config_kind(struct config *cfg, int version, bool remote_dns)
{
	cfg->proxy.version = version;
	cfg->proxy.remote_dns = remote_dns;
}

static void
test_route_decide(void)
{
	struct config cfg;
	struct route r;
	struct sockaddr_in sin;
	struct sockaddr_un sun;

	fakeip_init(NET4, 15, NET6, 96, 0);
	config_with(&cfg, "10.0.0.0/8 intranet.test");

	/* Loopback: direct, except a name server under remote DNS. */
	sin = addr4("127.0.0.5", 80);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_DIRECT, "127.0.0.5 goes direct");
	is_str(r.reason, "loopback destination", "as a loopback destination");
	is_int(route6(&cfg, "::1", 80, SOCK_STREAM, &r), ROUTE_DIRECT, "::1 goes direct");
	is_int(route6(&cfg, "::ffff:127.0.0.1", 80, SOCK_STREAM, &r), ROUTE_DIRECT,
	       "v4-mapped loopback goes direct");
	sin = addr4("127.0.0.53", 53);
	is_int(route4(&cfg, &sin, SOCK_DGRAM, &r), ROUTE_DENY,
	       "socks5h: a loopback name server is refused");
	is_int(r.error, ECONNREFUSED, "with ECONNREFUSED");
	config_kind(&cfg, 5, false);
	is_int(route4(&cfg, &sin, SOCK_DGRAM, &r), ROUTE_DIRECT,
	       "socks5 (local DNS): the loopback name server is direct");
	config_kind(&cfg, 4, true);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_DENY,
	       "socks4a (remote DNS): the loopback name server is refused");
	config_kind(&cfg, 5, true);
	cfg.loopback_mode = CONFIG_LOOPBACK_PROXY;
	sin = addr4("127.0.0.5", 80);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_PROXY,
	       "SOCKSIFY_LOOPBACK=proxy: loopback goes through the proxy");
	cfg.loopback_mode = CONFIG_LOOPBACK_DIRECT;

	/* NO_PROXY by address; the name entry cannot apply to an address. */
	sin = addr4("10.1.2.3", 443);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_DIRECT, "10.1.2.3 is in NO_PROXY");
	is_str(r.reason, "excluded by NO_PROXY", "excluded by NO_PROXY");
	sin = fake4("intranet.test", 80);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_DIRECT_NAME,
	       "a NO_PROXY name behind its fake address goes direct by name");

	/* Everything else goes through the proxy, as it was given. */
	sin = addr4("93.184.216.34", 80);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_PROXY,
	       "93.184.216.34 goes through the proxy");
	is_int(r.dst.atyp, SX_ATYP_IPV4, "as an IPv4 destination");
	is_int(r.dst.port, 80, "on port 80");
	is_int(route4(&cfg, &sin, SOCK_DGRAM, &r), ROUTE_PROXY, "datagrams too");
	sin = fake4("www.example.com", 443);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_PROXY,
	       "a fake address goes through the proxy");
	is_int(r.dst.atyp, SX_ATYP_DOMAIN, "as its name");
	is_str(r.dst.name, "www.example.com", "www.example.com");

	/* The proxy's own address and port are never proxied. */
	config_free(&cfg);
	config_with(&cfg, "");
	((struct sockaddr_in *)&cfg.proxy.addr)->sin_addr.s_addr = htonl(0xc0000201);
	sin = addr4("192.0.2.1", 1080);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_DIRECT, "the proxy goes direct");
	is_str(r.reason, "the proxy itself", "as the proxy itself");
	sin = addr4("192.0.2.1", 1081);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_PROXY,
	       "another port of the proxy's host is proxied");

	/* What each kind can carry: IPv6 under SOCKS4 is refused, never direct. */
	is_int(route6(&cfg, "2001:db8::1", 443, SOCK_STREAM, &r), ROUTE_PROXY,
	       "socks5h: IPv6 goes through the proxy");
	is_int(r.dst.atyp, SX_ATYP_IPV6, "as an IPv6 destination");
	config_kind(&cfg, 5, false);
	is_int(route6(&cfg, "2001:db8::1", 443, SOCK_STREAM, &r), ROUTE_PROXY,
	       "socks5: IPv6 goes through the proxy");
	config_kind(&cfg, 4, false);
	is_int(route6(&cfg, "2001:db8::1", 443, SOCK_STREAM, &r), ROUTE_DENY,
	       "socks4: IPv6 is refused");
	is_int(r.error, EAFNOSUPPORT, "with EAFNOSUPPORT");
	is_str(r.reason, "SOCKS4 cannot carry IPv6 destinations", "saying why");
	config_kind(&cfg, 4, true);
	is_int(route6(&cfg, "2001:db8::1", 443, SOCK_DGRAM, &r), ROUTE_DENY,
	       "socks4a: an IPv6 datagram is refused");
	is_int(route6(&cfg, "::1", 443, SOCK_STREAM, &r), ROUTE_DIRECT,
	       "socks4: IPv6 loopback still goes direct");
	sin = addr4("93.184.216.34", 80);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_PROXY,
	       "socks4a: IPv4 goes through the proxy");
	config_kind(&cfg, 5, true);

	/* Address families and socket types. */
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	route_decide(&cfg, (const struct sockaddr *)&sun, sizeof(sun), SOCK_STREAM, &r);
	is_int(r.action, ROUTE_DIRECT, "AF_UNIX goes direct");
	route_decide(&cfg, (const struct sockaddr *)&sun, 1, SOCK_STREAM, &r);
	is_int(r.action, ROUTE_DIRECT, "an address too short for a family goes direct");
	sin = addr4("93.184.216.34", 0);
	is_int(route4(&cfg, &sin, SOCK_RAW, &r), ROUTE_DENY, "a raw socket off the machine is refused");
	is_int(r.error, EACCES, "with EACCES");
	sin = addr4("127.0.0.1", 0);
	is_int(route4(&cfg, &sin, SOCK_RAW, &r), ROUTE_DIRECT, "a raw socket to loopback goes direct");
	sin = addr4("93.184.216.34", 80);
	route_decide(&cfg, (const struct sockaddr *)&sin, sizeof(sin) - 4, SOCK_STREAM, &r);
	is_int(r.action, ROUTE_DENY, "a truncated IPv4 address is refused");
	is_int(r.error, EINVAL, "with EINVAL");

	/* A broken configuration refuses everything it would have proxied. */
	cfg.valid = false;
	sin = addr4("93.184.216.34", 80);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_DENY,
	       "broken configuration: a plain address is refused");
	is_int(r.error, ENETUNREACH, "with ENETUNREACH");
	sin = fake4("www.example.com", 443);
	is_int(route4(&cfg, &sin, SOCK_STREAM, &r), ROUTE_DENY,
	       "broken configuration: a fake address is refused");
	is_int(route6(&cfg, "2001:db8::1", 443, SOCK_DGRAM, &r), ROUTE_DENY,
	       "broken configuration: an IPv6 datagram is refused");
	config_free(&cfg);
}

int
main(void)
{
	test_match_name();
	test_route_fake();
	test_route_decide();
	return tap_done();
}

/*
 * The rules of a UDP association, on bytes as they cross the wire: the
 * UDP ASSOCIATE request the declared source turns into, the relay a reply
 * names (an all-zero BND is the proxy's own address), and which received
 * datagrams reach the program (from the relay only, FRAG 0 only, from the
 * connected peer only, strangers only when direct).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "socks5.h"
#include "tap.h"
#include "udprules.h"

static struct sx_endpoint
ep4(uint8_t a, uint8_t b, uint8_t c, uint8_t d, uint16_t port)
{
	struct sx_endpoint ep;

	memset(&ep, 0, sizeof(ep));
	ep.atyp = SX_ATYP_IPV4;
	ep.addr[0] = a;
	ep.addr[1] = b;
	ep.addr[2] = c;
	ep.addr[3] = d;
	ep.port = port;
	return ep;
}

static struct sx_endpoint
ep6_last(uint8_t last, uint16_t port)
{
	struct sx_endpoint ep;

	memset(&ep, 0, sizeof(ep));
	ep.atyp = SX_ATYP_IPV6;
	ep.addr[15] = last;
	ep.port = port;
	return ep;
}

/* The UDP ASSOCIATE request for the declared source of bound/ctrl_local. */
static ssize_t
request_for(const struct sx_endpoint *bound, const struct sx_endpoint *ctrl_local,
	    uint8_t *buf, size_t cap)
{
	struct sx_endpoint src;

	udprules_declared_source(bound, ctrl_local, &src);
	return socks5_encode_request(buf, cap, SOCKS5_CMD_UDP_ASSOCIATE, &src);
}

static void
test_declared_source(void)
{
	static const uint8_t any_v4[] = { 5, 3, 0, 1, 127, 0, 0, 1, 0x14, 0xe9 };
	static const uint8_t bound_v4[] = { 5, 3, 0, 1, 192, 0, 2, 1, 0x14, 0xe9 };
	static const uint8_t unknown[] = { 5, 3, 0, 1, 0, 0, 0, 0, 0x14, 0xe9 };
	static const uint8_t any_v6[] = { 5, 3, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0,
					  0, 0, 0, 0, 0, 0, 0, 1, 0x00, 0x35 };
	struct sx_endpoint any = ep4(0, 0, 0, 0, 5353);
	struct sx_endpoint specific = ep4(192, 0, 2, 1, 5353);
	struct sx_endpoint ctrl = ep4(127, 0, 0, 1, 40000);
	struct sx_endpoint any6 = ep6_last(0, 53), ctrl6 = ep6_last(1, 41000);
	uint8_t buf[64];

	is_int(request_for(&any, &ctrl, buf, sizeof(buf)), sizeof(any_v4),
	       "a socket bound to 0.0.0.0 declares a 10-byte IPv4 request");
	is_bytes(buf, any_v4, sizeof(any_v4),
		 "with the control connection's local address and the socket's own port");
	is_int(request_for(&specific, &ctrl, buf, sizeof(buf)), sizeof(bound_v4),
	       "a socket bound to a specific address declares it");
	is_bytes(buf, bound_v4, sizeof(bound_v4), "as it is, whatever the control connection");
	is_int(request_for(&any, NULL, buf, sizeof(buf)), sizeof(unknown),
	       "without the control connection's address");
	is_bytes(buf, unknown, sizeof(unknown), "the any-address is declared as it is");
	is_int(request_for(&any6, &ctrl6, buf, sizeof(buf)), sizeof(any_v6),
	       "an IPv6 socket bound to :: declares a 22-byte request");
	is_bytes(buf, any_v6, sizeof(any_v6), "with ::1 and port 53");
}

/* The relay a UDP ASSOCIATE reply names, as an endpoint. */
static int
relay_of(const uint8_t *reply, size_t len, const struct sx_endpoint *proxy,
	 struct sx_endpoint *out)
{
	struct socks5_reply r;

	if (socks5_decode_reply(reply, len, &r) != (ssize_t)len)
		return -EBADMSG;
	return udprules_relay(&r.bnd, proxy, out);
}

static void
test_relay(void)
{
	static const uint8_t zero4[] = { 5, 0, 0, 1, 0, 0, 0, 0, 0x9c, 0x40 };
	static const uint8_t named4[] = { 5, 0, 0, 1, 10, 1, 2, 3, 0x9c, 0x41 };
	static const uint8_t zero6[] = { 5, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0,
					 0, 0, 0, 0, 0, 0, 0, 0, 0x9c, 0x42 };
	static const uint8_t name[] = { 5, 0, 0, 3, 5, 'r', 'e', 'l', 'a', 'y', 0x9c, 0x43 };
	struct sx_endpoint proxy = ep4(127, 0, 0, 2, 1080), want, got;
	struct socks5_reply r;

	is_int(relay_of(zero4, sizeof(zero4), &proxy, &got), 0,
	       "BND 0.0.0.0:40000 names a relay");
	want = ep4(127, 0, 0, 2, 40000);
	ok(udprules_same_addr(&got, &want), "the proxy's own address with BND.PORT");
	socks5_decode_reply(zero4, sizeof(zero4), &r);
	ok(udprules_relay_is_proxy(&r.bnd), "an all-zero BND.ADDR means the proxy");
	is_int(relay_of(zero4, sizeof(zero4), NULL, &got), -EPROTO,
	       "and without the proxy's address there is no relay");

	is_int(relay_of(named4, sizeof(named4), &proxy, &got), 0, "BND 10.1.2.3:40001");
	want = ep4(10, 1, 2, 3, 40001);
	ok(udprules_same_addr(&got, &want), "is the relay itself");
	socks5_decode_reply(named4, sizeof(named4), &r);
	ok(!udprules_relay_is_proxy(&r.bnd), "a real BND.ADDR is not the proxy's");

	proxy = ep6_last(1, 1080);
	is_int(relay_of(zero6, sizeof(zero6), &proxy, &got), 0, "BND [::]:40002");
	want = ep6_last(1, 40002);
	ok(udprules_same_addr(&got, &want), "is the proxy's IPv6 address with BND.PORT");

	is_int(relay_of(name, sizeof(name), &proxy, &got), -EPROTO,
	       "a relay named by a host name is refused");
}

static void
test_to_family(void)
{
	static const uint8_t mapped[] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
					  192, 0, 2, 7 };
	struct sx_endpoint v4 = ep4(192, 0, 2, 7, 53), v6 = ep6_last(1, 53), name;
	struct sockaddr_storage ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
	socklen_t len = 0;

	is_int(udprules_to_family(&v4, AF_INET6, &ss, &len), 0, "IPv4 into an IPv6 socket");
	is_int(len, sizeof(struct sockaddr_in6), "is a sockaddr_in6");
	is_bytes(sin6->sin6_addr.s6_addr, mapped, 16, "v4-mapped");
	is_int(ntohs(sin6->sin6_port), 53, "port 53");
	is_int(udprules_to_family(&v4, AF_INET, &ss, &len), 0, "IPv4 into an IPv4 socket");
	is_bytes(&sin->sin_addr, "\xc0\x00\x02\x07", 4, "as it is");
	is_int(udprules_to_family(&v6, AF_INET, &ss, &len), -EAFNOSUPPORT,
	       "IPv6 into an IPv4 socket cannot be");
	sx_endpoint_from_name(&name, "example.com", 53);
	is_int(udprules_to_family(&name, AF_INET, &ss, &len), -EINVAL, "a name is no address");
}

/* Decode a datagram's header, as the receive path does with the whole datagram. */
static bool
whole(const uint8_t *dgram, size_t len)
{
	struct socks5_udp_header hdr;

	if (socks5_decode_udp_header(dgram, len, &hdr) < 0)
		return false;
	return udprules_relayed_whole(&hdr);
}

static void
test_receive(void)
{
	static const uint8_t frag0[] = { 0, 0, 0, 1, 192, 0, 2, 7, 0, 53, 'x' };
	static const uint8_t frag1[] = { 0, 0, 1, 1, 192, 0, 2, 7, 0, 53, 'x' };
	static const uint8_t frag_end[] = { 0, 0, 0x81, 1, 192, 0, 2, 7, 0, 53, 'x' };
	struct udpassoc_info info;
	struct sx_endpoint relay = ep4(127, 0, 0, 1, 40000), from, peer, src;
	struct route r;

	ok(whole(frag0, sizeof(frag0)), "FRAG 0 is a whole datagram");
	ok(!whole(frag1, sizeof(frag1)), "FRAG 1 is a fragment, dropped");
	ok(!whole(frag_end, sizeof(frag_end)), "so is the last fragment (high bit)");

	memset(&info, 0, sizeof(info));
	info.state = UDPASSOC_NONE;
	ok(!udprules_filters(&info), "a socket with nothing proxied is not filtered");
	info.has_peer = true;
	ok(udprules_filters(&info), "a proxied default destination filters");
	info.state = UDPASSOC_DIRECT;
	ok(!udprules_filters(&info), "unless its UDP goes direct");
	info.state = UDPASSOC_ASSOCIATED;
	info.has_peer = false;
	ok(udprules_filters(&info), "an association filters");
	memset(&info, 0, sizeof(info));
	info.local_dns = true;
	ok(udprules_filters(&info), "a socket the library answered as the nameserver filters");
	info.state = UDPASSOC_DIRECT;
	ok(udprules_filters(&info), "also when its other UDP goes direct");
	info.state = UDPASSOC_ASSOCIATED;
	info.local_dns = false;

	from = relay;
	ok(udprules_from_relay(&info, &relay, &from), "the relay's address and port are the relay");
	from.port = 40001;
	ok(!udprules_from_relay(&info, &relay, &from), "another port of the proxy is not");
	from = ep4(127, 0, 0, 2, 40000);
	ok(!udprules_from_relay(&info, &relay, &from), "another address is not");
	info.state = UDPASSOC_NONE;
	ok(!udprules_from_relay(&info, &relay, &relay), "nothing is the relay before the association");

	peer = ep4(192, 0, 2, 7, 53);
	src = peer;
	ok(udprules_from_peer(&peer, &src), "a connected socket hears from its peer");
	src.port = 54;
	ok(!udprules_from_peer(&peer, &src), "not from its peer's other ports");
	sx_endpoint_from_name(&peer, "dns.example", 53);
	src = ep4(192, 0, 2, 7, 53);
	ok(udprules_from_peer(&peer, &src), "a peer named by a host name: any address on its port");
	sx_endpoint_from_name(&src, "DNS.example", 53);
	ok(udprules_from_peer(&peer, &src), "the same name in another case");
	sx_endpoint_from_name(&src, "other.example", 53);
	ok(!udprules_from_peer(&peer, &src), "not another name");

	memset(&r, 0, sizeof(r));
	memset(&info, 0, sizeof(info));
	r.action = ROUTE_DIRECT;
	ok(udprules_stranger_passes(&info, &r), "a direct stranger passes an unconnected socket");
	info.has_peer = true;
	ok(!udprules_stranger_passes(&info, &r), "but not a connected one");
	info.has_peer = false;
	r.action = ROUTE_PROXY;
	ok(!udprules_stranger_passes(&info, &r), "a stranger that would be proxied is dropped");
	info.state = UDPASSOC_DIRECT;
	ok(udprules_stranger_passes(&info, &r), "unless all UDP of the socket goes direct");
}

int
main(void)
{
	test_declared_source();
	test_relay();
	test_to_family();
	test_receive();
	return tap_done();
}

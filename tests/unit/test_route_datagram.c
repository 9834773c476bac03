/*
 * How a datagram's destination is read (route_datagram_dst()), case by
 * case as the kernel's sendmsg functions read it: an AF_UNSPEC address is
 * AF_INET to IPv4 UDP, UDP-Lite and raw sockets, AF_INET6 to IPv6 raw
 * sockets, no address to IPv6 UDP sockets, and stands as given to ICMP
 * sockets, TCP, and when it is too short; and what route_decide() makes
 * of the address read that way.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "config.h"
#include "route.h"
#include "tap.h"

static struct sockaddr_in
unspec4(const char *ip, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_UNSPEC;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

static void
test_ipv4(void)
{
	struct sockaddr_in sin = unspec4("198.51.100.2", 7), *got;
	struct sockaddr_storage out;
	socklen_t outlen = 0;

	is_int(route_datagram_dst(AF_INET, SOCK_DGRAM, IPPROTO_UDP,
				  (struct sockaddr *)&sin, sizeof(sin), &out, &outlen),
	       ROUTE_DST_REREAD, "IPv4 UDP reads AF_UNSPEC as AF_INET");
	got = (struct sockaddr_in *)&out;
	is_int(outlen, sizeof(struct sockaddr_in), "as a struct sockaddr_in");
	is_int(got->sin_family, AF_INET, "with its family set");
	is_int(ntohs(got->sin_port), 7, "the port kept");
	is_bytes(&got->sin_addr, &sin.sin_addr, 4, "the address kept");

	is_int(route_datagram_dst(AF_INET, SOCK_DGRAM, IPPROTO_UDPLITE,
				  (struct sockaddr *)&sin, sizeof(sin), &out, &outlen),
	       ROUTE_DST_REREAD, "so does UDP-Lite");
	is_int(route_datagram_dst(AF_INET, SOCK_RAW, IPPROTO_UDP,
				  (struct sockaddr *)&sin, sizeof(sin), &out, &outlen),
	       ROUTE_DST_REREAD, "so does a raw socket");
	is_int(route_datagram_dst(AF_INET, SOCK_RAW, IPPROTO_RAW,
				  (struct sockaddr *)&sin, sizeof(sin), &out, &outlen),
	       ROUTE_DST_REREAD, "of any protocol");
	is_int(route_datagram_dst(AF_INET, SOCK_DGRAM, IPPROTO_ICMP,
				  (struct sockaddr *)&sin, sizeof(sin), &out, &outlen),
	       ROUTE_DST_AS_GIVEN, "an ICMP socket refuses it (the kernel's EAFNOSUPPORT)");
	is_int(route_datagram_dst(AF_INET, SOCK_STREAM, IPPROTO_TCP,
				  (struct sockaddr *)&sin, sizeof(sin), &out, &outlen),
	       ROUTE_DST_AS_GIVEN, "TCP is not a datagram socket");
	is_int(route_datagram_dst(AF_INET, SOCK_DGRAM, IPPROTO_UDP,
				  (struct sockaddr *)&sin, sizeof(sin) - 1, &out, &outlen),
	       ROUTE_DST_AS_GIVEN, "shorter than a struct sockaddr_in: the kernel's EINVAL");
	is_int(route_datagram_dst(AF_INET, SOCK_DGRAM, IPPROTO_UDP,
				  (struct sockaddr *)&sin, 1, &out, &outlen),
	       ROUTE_DST_AS_GIVEN, "no room for a family");
	is_int(route_datagram_dst(AF_INET, SOCK_DGRAM, IPPROTO_UDP, NULL, 0, &out,
				  &outlen),
	       ROUTE_DST_AS_GIVEN, "no address");
	sin.sin_family = AF_INET;
	is_int(route_datagram_dst(AF_INET, SOCK_DGRAM, IPPROTO_UDP,
				  (struct sockaddr *)&sin, sizeof(sin), &out, &outlen),
	       ROUTE_DST_AS_GIVEN, "AF_INET stands as it is");
	sin.sin_family = AF_UNIX;
	is_int(route_datagram_dst(AF_INET, SOCK_DGRAM, IPPROTO_UDP,
				  (struct sockaddr *)&sin, sizeof(sin), &out, &outlen),
	       ROUTE_DST_AS_GIVEN, "another family is the kernel's EAFNOSUPPORT");
}

static void
test_ipv6(void)
{
	struct sockaddr_in6 sin6, *got;
	struct sockaddr_storage out;
	socklen_t outlen = 0;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_UNSPEC;
	sin6.sin6_port = htons(53);
	sin6.sin6_scope_id = 7;
	inet_pton(AF_INET6, "2001:db8::2", &sin6.sin6_addr);
	is_int(route_datagram_dst(AF_INET6, SOCK_DGRAM, IPPROTO_UDP,
				  (struct sockaddr *)&sin6, sizeof(sin6), &out, &outlen),
	       ROUTE_DST_IGNORED, "IPv6 UDP drops an AF_UNSPEC address");
	is_int(route_datagram_dst(AF_INET6, SOCK_DGRAM, IPPROTO_UDP,
				  (struct sockaddr *)&sin6, sizeof(sa_family_t), &out, &outlen),
	       ROUTE_DST_IGNORED, "whatever its length past the family");
	is_int(route_datagram_dst(AF_INET6, SOCK_RAW, IPPROTO_UDP,
				  (struct sockaddr *)&sin6, sizeof(sin6), &out, &outlen),
	       ROUTE_DST_REREAD, "IPv6 raw reads it as AF_INET6");
	got = (struct sockaddr_in6 *)&out;
	is_int(outlen, sizeof(struct sockaddr_in6), "as a struct sockaddr_in6");
	is_int(got->sin6_family, AF_INET6, "with its family set");
	is_bytes(&got->sin6_addr, &sin6.sin6_addr, 16, "the address kept");
	is_int((int)got->sin6_scope_id, 7, "the scope kept");
	is_int(route_datagram_dst(AF_INET6, SOCK_RAW, IPPROTO_UDP,
				  (struct sockaddr *)&sin6, 24, &out, &outlen),
	       ROUTE_DST_REREAD, "also without a scope (RFC 2133 length)");
	is_int((int)((struct sockaddr_in6 *)&out)->sin6_scope_id, 0, "which reads as 0");
	is_int(route_datagram_dst(AF_INET6, SOCK_RAW, IPPROTO_UDP,
				  (struct sockaddr *)&sin6, 23, &out, &outlen),
	       ROUTE_DST_AS_GIVEN, "shorter: the kernel's EINVAL");
	is_int(route_datagram_dst(AF_INET6, SOCK_DGRAM, IPPROTO_ICMPV6,
				  (struct sockaddr *)&sin6, sizeof(sin6), &out, &outlen),
	       ROUTE_DST_AS_GIVEN, "an ICMPv6 socket refuses it");
	is_int(route_datagram_dst(AF_PACKET, SOCK_DGRAM, 0,
				  (struct sockaddr *)&sin6, sizeof(sin6), &out, &outlen),
	       ROUTE_DST_AS_GIVEN, "other families are not ours to read");
}

/* The re-read address is routed as any AF_INET destination is. */
static void
test_routed(void)
{
	struct config cfg;
	struct sockaddr_in far = unspec4("198.51.100.2", 7), near = unspec4("127.0.0.1", 7);
	struct sockaddr_storage out;
	socklen_t outlen = 0;
	struct route r;

	config_load(&cfg, NULL, NULL);
	route_decide(&cfg, (struct sockaddr *)&far, sizeof(far), SOCK_DGRAM, &r);
	is_int(r.action, ROUTE_DIRECT, "as given, AF_UNSPEC reads as a local family");
	route_datagram_dst(AF_INET, SOCK_DGRAM, IPPROTO_UDP, (struct sockaddr *)&far,
			   sizeof(far), &out, &outlen);
	route_decide(&cfg, (struct sockaddr *)&out, outlen, SOCK_DGRAM, &r);
	is_int(r.action, ROUTE_PROXY, "re-read, it goes to the proxy");
	route_datagram_dst(AF_INET, SOCK_DGRAM, IPPROTO_UDP, (struct sockaddr *)&near,
			   sizeof(near), &out, &outlen);
	route_decide(&cfg, (struct sockaddr *)&out, outlen, SOCK_DGRAM, &r);
	is_int(r.action, ROUTE_DIRECT, "and a loopback one stays direct");
	config_free(&cfg);
}

int
main(void)
{
	test_ipv4();
	test_ipv6();
	test_routed();
	return tap_done();
}

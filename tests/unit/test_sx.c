/*
 * Endpoints: socket address and name conversions, and their printing,
 * including v4-mapped IPv6 and output cut short by a small buffer.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "sx.h"
#include "tap.h"

static struct sockaddr_in
make_sin(const char *ip, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (inet_pton(AF_INET, ip, &sin.sin_addr) != 1)
		printf("# bad test address %s\n", ip);
	return sin;
}

static struct sockaddr_in6
make_sin6(const char *ip, uint16_t port)
{
	struct sockaddr_in6 sin6;

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(port);
	if (inet_pton(AF_INET6, ip, &sin6.sin6_addr) != 1)
		printf("# bad test address %s\n", ip);
	return sin6;
}

static void
test_from_sockaddr(void)
{
	static const uint8_t v4[4] = { 1, 2, 3, 4 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
					0, 0, 0, 0, 0, 0, 0, 0x01 };
	static const uint8_t mapped[4] = { 10, 0, 0, 1 };
	struct sockaddr_in sin = make_sin("1.2.3.4", 80);
	struct sockaddr_in6 sin6 = make_sin6("2001:db8::1", 443);
	struct sockaddr_in6 m6 = make_sin6("::ffff:10.0.0.1", 53);
	struct sockaddr_in6 compat = make_sin6("::10.0.0.1", 53);
	struct sockaddr_un sun;
	struct sx_endpoint ep;

	memset(&ep, 0xee, sizeof(ep));
	is_int(sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&sin,
					 sizeof(sin)), 0, "IPv4 sockaddr converts");
	is_int(ep.atyp, SX_ATYP_IPV4, "IPv4 sockaddr gives ATYP 1");
	is_int(ep.port, 80, "IPv4 port is in host order");
	is_bytes(ep.addr, v4, 4, "IPv4 address bytes");
	is_int(ep.name_len, 0, "IPv4 endpoint has no name");

	memset(&ep, 0xee, sizeof(ep));
	is_int(sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&sin6,
					 sizeof(sin6)), 0, "IPv6 sockaddr converts");
	is_int(ep.atyp, SX_ATYP_IPV6, "IPv6 sockaddr gives ATYP 4");
	is_int(ep.port, 443, "IPv6 port is in host order");
	is_bytes(ep.addr, v6, 16, "IPv6 address bytes");

	memset(&ep, 0xee, sizeof(ep));
	is_int(sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&m6,
					 sizeof(m6)), 0, "v4-mapped IPv6 converts");
	is_int(ep.atyp, SX_ATYP_IPV4, "::ffff:10.0.0.1 becomes ATYP 1");
	is_bytes(ep.addr, mapped, 4, "::ffff:10.0.0.1 becomes 10.0.0.1");
	is_int(ep.port, 53, "v4-mapped keeps its port");

	is_int(sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&compat,
					 sizeof(compat)), 0, "::10.0.0.1 converts");
	is_int(ep.atyp, SX_ATYP_IPV6, "::10.0.0.1 is not v4-mapped and stays IPv6");

	is_int(sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&sin,
					 sizeof(sin) - 1), -EINVAL,
	       "a sockaddr_in one byte short is -EINVAL");
	is_int(sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&sin6, 23),
	       -EINVAL, "a sockaddr_in6 shorter than 24 bytes is -EINVAL");
	is_int(sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&sin6, 24), 0,
	       "a 24-byte sockaddr_in6 (no scope id, as the kernel takes) converts");
	is_bytes(ep.addr, v6, 16, "the 24-byte sockaddr_in6 keeps its address");
	is_int(sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&sin, 1),
	       -EINVAL, "a length shorter than the family is -EINVAL");
	is_int(sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&sin, 0),
	       -EINVAL, "a zero length is -EINVAL");

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	is_int(sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&sun,
					 sizeof(sun)), -EAFNOSUPPORT,
	       "AF_UNIX is -EAFNOSUPPORT");
	is_int(sx_endpoint_from_sockaddr(NULL, (struct sockaddr *)&sin,
					 sizeof(sin)), -EINVAL,
	       "a NULL endpoint is -EINVAL");
	is_int(sx_endpoint_from_sockaddr(&ep, NULL, sizeof(sin)), -EINVAL,
	       "a NULL sockaddr is -EINVAL");
}

static void
test_from_name(void)
{
	char name[300];
	struct sx_endpoint ep;

	memset(&ep, 0xee, sizeof(ep));
	is_int(sx_endpoint_from_name(&ep, "example.com", 443), 0,
	       "a host name converts");
	is_int(ep.atyp, SX_ATYP_DOMAIN, "a host name gives ATYP 3");
	is_int(ep.name_len, 11, "the name length is kept");
	is_str(ep.name, "example.com", "the name is copied and terminated");
	is_int(ep.port, 443, "the port is kept");

	is_int(sx_endpoint_from_name(&ep, "", 80), -EINVAL,
	       "an empty name is -EINVAL");
	is_int(sx_endpoint_from_name(&ep, NULL, 80), -EINVAL,
	       "a NULL name is -EINVAL");

	memset(name, 'a', 255);
	name[255] = '\0';
	is_int(sx_endpoint_from_name(&ep, name, 1), 0, "a 255-byte name converts");
	is_int(ep.name_len, 255, "a 255-byte name has name_len 255");
	is_int(ep.name[255], '\0', "a 255-byte name is terminated");
	is_int((long long)strlen(ep.name), 255, "all 255 bytes are copied");

	memset(name, 'a', 256);
	name[256] = '\0';
	is_int(sx_endpoint_from_name(&ep, name, 1), -ENAMETOOLONG,
	       "a 256-byte name is -ENAMETOOLONG");
	memset(name, 'b', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	is_int(sx_endpoint_from_name(&ep, name, 1), -ENAMETOOLONG,
	       "a 299-byte name is -ENAMETOOLONG");
}

static void
test_to_sockaddr(void)
{
	struct sockaddr_in sin = make_sin("192.0.2.7", 8080), sin_out;
	struct sockaddr_in6 sin6 = make_sin6("2001:db8::42", 5353), sin6_out;
	struct sockaddr_storage ss;
	struct sx_endpoint ep;
	socklen_t len;

	sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&sin, sizeof(sin));
	memset(&ss, 0xee, sizeof(ss));
	len = 0;
	is_int(sx_endpoint_to_sockaddr(&ep, &ss, &len), 0,
	       "an IPv4 endpoint converts back");
	is_int(len, sizeof(struct sockaddr_in), "IPv4 length is sizeof(sockaddr_in)");
	memcpy(&sin_out, &ss, sizeof(sin_out));
	is_int(sin_out.sin_family, AF_INET, "family is AF_INET");
	is_int(ntohs(sin_out.sin_port), 8080, "port is in network order");
	is_bytes(&sin_out.sin_addr, &sin.sin_addr, 4, "IPv4 address round-trips");

	sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&sin6, sizeof(sin6));
	memset(&ss, 0xee, sizeof(ss));
	is_int(sx_endpoint_to_sockaddr(&ep, &ss, &len), 0,
	       "an IPv6 endpoint converts back");
	is_int(len, sizeof(struct sockaddr_in6), "IPv6 length is sizeof(sockaddr_in6)");
	memcpy(&sin6_out, &ss, sizeof(sin6_out));
	is_int(sin6_out.sin6_family, AF_INET6, "family is AF_INET6");
	is_int(ntohs(sin6_out.sin6_port), 5353, "IPv6 port is in network order");
	is_bytes(&sin6_out.sin6_addr, &sin6.sin6_addr, 16, "IPv6 address round-trips");
	is_int(sin6_out.sin6_scope_id, 0, "scope id is zeroed");
	is_int(sin6_out.sin6_flowinfo, 0, "flow info is zeroed");

	sx_endpoint_from_name(&ep, "example.org", 80);
	is_int(sx_endpoint_to_sockaddr(&ep, &ss, &len), -EINVAL,
	       "a name endpoint is -EINVAL");
	ep.atyp = 0x02;
	is_int(sx_endpoint_to_sockaddr(&ep, &ss, &len), -EINVAL,
	       "an unknown ATYP is -EINVAL");
}

/*
 * Print with every cap from 1 to one past the full length, each into a heap
 * buffer of exactly cap bytes: the output is always the full text cut to
 * cap - 1 characters and terminated.
 */
static void
check_truncation(const struct sx_endpoint *ep, const struct sockaddr *sa,
		 socklen_t len, const char *full, const char *what)
{
	size_t n = strlen(full);
	char msg[160];

	for (size_t cap = 1; cap <= n + 1; cap++) {
		char *buf = malloc(cap);

		if (buf == NULL) {
			ok(0, "malloc");
			return;
		}
		memset(buf, 'Z', cap);
		if (ep != NULL)
			sx_endpoint_format(ep, buf, cap);
		else
			sx_sockaddr_format(sa, len, buf, cap);
		if (strlen(buf) != cap - 1 || strncmp(buf, full, cap - 1) != 0) {
			snprintf(msg, sizeof(msg), "%s: cap %zu gives a prefix",
				 what, cap);
			ok(0, msg);
			printf("#   got \"%s\"\n", buf);
			free(buf);
			return;
		}
		free(buf);
	}
	snprintf(msg, sizeof(msg),
		 "%s: every cap 1..%zu gives the terminated prefix", what, n + 1);
	ok(1, msg);
}

static void
test_format(void)
{
	struct sockaddr_in sin = make_sin("1.2.3.4", 80);
	struct sockaddr_in6 lo6 = make_sin6("::1", 80);
	struct sockaddr_in6 m6 = make_sin6("::ffff:1.2.3.4", 80);
	struct sockaddr_in6 ll = make_sin6("fe80::1", 22);
	struct sockaddr_in any = make_sin("0.0.0.0", 0);
	struct sockaddr_in top = make_sin("255.255.255.255", 65535);
	struct sockaddr_un sun;
	struct sx_endpoint ep;
	char buf[128];

	sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&sin, sizeof(sin));
	sx_endpoint_format(&ep, buf, sizeof(buf));
	is_str(buf, "1.2.3.4:80", "IPv4 endpoint prints as 1.2.3.4:80");
	check_truncation(&ep, NULL, 0, "1.2.3.4:80", "IPv4 endpoint");

	sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&lo6, sizeof(lo6));
	sx_endpoint_format(&ep, buf, sizeof(buf));
	is_str(buf, "[::1]:80", "IPv6 endpoint prints as [::1]:80");
	check_truncation(&ep, NULL, 0, "[::1]:80", "IPv6 endpoint");

	sx_endpoint_from_sockaddr(&ep, (struct sockaddr *)&m6, sizeof(m6));
	sx_endpoint_format(&ep, buf, sizeof(buf));
	is_str(buf, "1.2.3.4:80", "v4-mapped endpoint prints as IPv4");

	sx_endpoint_from_name(&ep, "example.com", 80);
	sx_endpoint_format(&ep, buf, sizeof(buf));
	is_str(buf, "example.com:80", "name endpoint prints as example.com:80");
	check_truncation(&ep, NULL, 0, "example.com:80", "name endpoint");

	sx_endpoint_from_name(&ep, "a\033[2Jb\nc\x7f", 1);
	sx_endpoint_format(&ep, buf, sizeof(buf));
	is_str(buf, "a?[2Jb?c?:1", "control bytes in a name print as '?'");

	memset(&ep, 0, sizeof(ep));
	ep.atyp = 0x09;
	sx_endpoint_format(&ep, buf, sizeof(buf));
	is_str(buf, "(address type 9)", "an unknown ATYP prints its number");
	sx_endpoint_format(NULL, buf, sizeof(buf));
	is_str(buf, "(null)", "a NULL endpoint prints (null)");

	memcpy(buf, "untouched", 10);
	sx_endpoint_format(&ep, buf, 0);
	is_str(buf, "untouched", "cap 0 writes nothing");
	sx_sockaddr_format((struct sockaddr *)&sin, sizeof(sin), buf, 0);
	is_str(buf, "untouched", "cap 0 writes nothing (sockaddr)");

	sx_sockaddr_format((struct sockaddr *)&sin, sizeof(sin), buf, sizeof(buf));
	is_str(buf, "1.2.3.4:80", "IPv4 sockaddr prints as 1.2.3.4:80");
	check_truncation(NULL, (struct sockaddr *)&sin, sizeof(sin),
			 "1.2.3.4:80", "IPv4 sockaddr");
	sx_sockaddr_format((struct sockaddr *)&lo6, sizeof(lo6), buf, sizeof(buf));
	is_str(buf, "[::1]:80", "IPv6 sockaddr prints as [::1]:80");
	sx_sockaddr_format((struct sockaddr *)&m6, sizeof(m6), buf, sizeof(buf));
	is_str(buf, "[::ffff:1.2.3.4]:80",
	       "a v4-mapped sockaddr prints as it is, [::ffff:1.2.3.4]:80");
	check_truncation(NULL, (struct sockaddr *)&m6, sizeof(m6),
			 "[::ffff:1.2.3.4]:80", "v4-mapped sockaddr");
	ll.sin6_scope_id = 2;
	sx_sockaddr_format((struct sockaddr *)&ll, sizeof(ll), buf, sizeof(buf));
	is_str(buf, "[fe80::1%2]:22", "a scoped IPv6 sockaddr shows its scope");
	sx_sockaddr_format((struct sockaddr *)&any, sizeof(any), buf, sizeof(buf));
	is_str(buf, "0.0.0.0:0", "port 0 prints as 0");
	sx_sockaddr_format((struct sockaddr *)&top, sizeof(top), buf, sizeof(buf));
	is_str(buf, "255.255.255.255:65535", "the longest IPv4 text prints whole");

	sx_sockaddr_format((struct sockaddr *)&sin, sizeof(sin) - 1, buf,
			   sizeof(buf));
	is_str(buf, "(short address)", "a short sockaddr_in prints (short address)");
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	sx_sockaddr_format((struct sockaddr *)&sun, sizeof(sun), buf, sizeof(buf));
	is_str(buf, "(address family 1)", "AF_UNIX prints its family number");
	sx_sockaddr_format(NULL, 0, buf, sizeof(buf));
	is_str(buf, "(null)", "a NULL sockaddr prints (null)");
}

int
main(void)
{
	test_from_sockaddr();
	test_from_name();
	test_to_sockaddr();
	test_format();
	return tap_done();
}

/*
 * dnsmsg_decode_reverse() on arbitrary names: it reads nothing past the
 * terminating NUL, consumes the whole name or refuses it, and the address
 * it gives written back as a reverse name reads back the same (for
 * ip6.arpa, that name is the input in lower case).
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "dnsmsg.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char name[DNSMSG_NAME_MAX + 2], back[DNSMSG_NAME_MAX + 2];
	uint8_t addr[16], again[16];
	int family = 0, family2 = 0;
	size_t len = size < sizeof(name) - 1 ? size : sizeof(name) - 1;
	size_t n = 0;
	ssize_t rc;

	memcpy(name, data, len);
	name[len] = '\0';
	rc = dnsmsg_decode_reverse(name, &family, addr);
	fuzz_check(rc == -EPROTO || rc == (ssize_t)strlen(name),
		   "the whole name or -EPROTO");
	if (rc < 0)
		return 0;
	if (family == AF_INET) {
		snprintf(back, sizeof(back), "%u.%u.%u.%u.in-addr.arpa",
			 addr[3], addr[2], addr[1], addr[0]);
	} else {
		fuzz_check(family == AF_INET6, "IPv4 or IPv6");
		for (int i = 15; i >= 0; i--) {
			n += (size_t)snprintf(back + n, sizeof(back) - n, "%x.%x.",
					      addr[i] & 0x0f, addr[i] >> 4);
		}
		snprintf(back + n, sizeof(back) - n, "ip6.arpa");
		fuzz_check(strcasecmp(back, name) == 0,
			   "an ip6.arpa name has one spelling, in any case");
	}
	fuzz_check(dnsmsg_decode_reverse(back, &family2, again) ==
		   (ssize_t)strlen(back), "the name written back reads");
	fuzz_check(family2 == family &&
		   memcmp(again, addr, family == AF_INET ? 4 : 16) == 0,
		   "to the same address");
	return 0;
}

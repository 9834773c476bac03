/*
 * gethostid() reads /etc/hostid, and without it the C library derives the
 * id from the address its internal gethostbyname_r() finds for the host's
 * own name, which may ask DNS.  Under remote DNS that address comes from
 * the hosts file (or the loopback, for localhost) and the id is derived
 * the same way; a name the file does not list gives 0, as the C library
 * gives for a name that does not resolve, with one log line.  A NO_PROXY
 * name, and everything under local DNS, goes to the real gethostid().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "preload.h"

/* Where gethostid() and sethostid() keep the id. */
#define HOSTID_FILE "/etc/hostid"

/* The id the C library derives from an IPv4 address (4 bytes, network order). */
static long
hostid_of(const uint8_t *addr)
{
	uint32_t a;

	memcpy(&a, addr, sizeof(a));
	return (int32_t)(a << 16 | a >> 16);
}

/*
 * gethostid() under remote DNS (see the top of the file): 0 with *id
 * set, or SX_PASS when the real gethostid() may resolve the host's name.
 */
static int
hostid_decide(long *id)
{
	struct hosts_answer ans;
	char name[NAMEPOLICY_NAME_MAX + 2];
	uint8_t a[4];
	int32_t stored;
	ssize_t n;
	int fd;

	*id = 0;
	fd = open(HOSTID_FILE, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = real.read(fd, &stored, sizeof(stored));
		real.close(fd);
		if (n == (ssize_t)sizeof(stored)) {
			*id = stored;
			return 0;
		}
	}
	if (gethostname(name, sizeof(name)) < 0 || name[0] == '\0')
		return 0;
	name[sizeof(name) - 1] = '\0';
	if (namepolicy_is_digits_dots(name, AF_INET)) {
		if (inet_pton(AF_INET, name, a) == 1)
			*id = hostid_of(a);
		return 0;
	}
	if (namepolicy_name_len(name) > NAMEPOLICY_NAME_MAX)
		return 0;
	switch (dns_decide(name, &ans)) {
	case NAMEPOLICY_REAL:
		return SX_PASS;
	case NAMEPOLICY_LOCALHOST:
		namepolicy_complete_localhost(&ans, AF_INET);
		/* fall through */
	case NAMEPOLICY_LOCAL:
		for (size_t i = 0; i < ans.count; i++) {
			if (ans.addr[i].family == AF_INET) {
				*id = hostid_of(ans.addr[i].addr);
				return 0;
			}
		}
		break;
	default:
		break;
	}
	dns_log_odd("gethostid", "there is no /etc/hostid and the host's name is not "
		    "in the hosts file, so finding its address would ask DNS; the id is 0");
	return 0;
}

SX_EXPORT long
gethostid(void)
{
	int saved_errno = errno;
	long id;

	sx_ready();
	if (!real.gethostid)
		return 0;
	if (sx_guarded())
		return real.gethostid();
	if (dns_local_resolution())
		return real.gethostid();
	sx_enter();
	if (hostid_decide(&id) == SX_PASS) {
		errno = saved_errno;
		id = real.gethostid();
	}
	sx_leave();
	errno = saved_errno;
	return id;
}

/*
 * noproxy_parse() and noproxy_matches() on arbitrary input:
 *
 *	LIST NUL NAME NUL FAMILY ADDR[16] PORT[2] LENCUT
 *
 * LIST is parsed as a NO_PROXY value.  Every accepted entry must be well
 * formed and must match what it names (its name, a subdomain of it, its
 * network address, at its port) and not a name that merely ends in it.
 * Then the whole list is asked about NAME (absent without the first NUL)
 * and a socket address built from the rest (none, IPv4 or IPv6 by FAMILY,
 * its length cut short by LENCUT).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "config.h"
#include "noproxy.h"
#include "fuzz.h"

static bool
is_name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
	       c == '.' || c == '_';
}

/* The entry on its own, as a list of one. */
static bool
matches_alone(const struct config_noproxy *e, const char *name,
	      const struct sockaddr *sa, socklen_t salen)
{
	struct config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.noproxy = (struct config_noproxy *)e;
	cfg.noproxy_count = 1;
	return noproxy_matches(&cfg, name, sa, salen);
}

/* A socket address for an entry's network address at port. */
static socklen_t
entry_sockaddr(const struct config_noproxy *e, uint16_t port,
	       struct sockaddr_storage *ss)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (e->family == AF_INET) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, e->addr, 4);
		return sizeof(*sin);
	}
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	memcpy(sin6->sin6_addr.s6_addr, e->addr, 16);
	return sizeof(*sin6);
}

static void
check_name_entry(const struct config_noproxy *e, uint16_t port)
{
	struct sockaddr_in sin;
	char name[300], other[300];
	const struct sockaddr *sa = NULL;
	socklen_t salen = 0;

	fuzz_check(e->name != NULL, "a name entry has a name");
	fuzz_check(e->name_len >= 1 && e->name_len <= 255, "name length 1..255");
	fuzz_check(strlen(e->name) == e->name_len, "name length is its length");
	fuzz_check(e->name[0] != '.' && e->name[e->name_len - 1] != '.',
		   "no leading or trailing dot");
	for (size_t i = 0; i < e->name_len; i++)
		fuzz_check(is_name_char(e->name[i]), "lower-case host characters");

	/* An entry with a port is asked at that port. */
	if (e->port != 0) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons(port);
		sin.sin_addr.s_addr = htonl(0xc0000201);
		sa = (const struct sockaddr *)&sin;
		salen = sizeof(sin);
	}
	fuzz_check(matches_alone(e, e->name, sa, salen), "matches its own name");
	for (size_t i = 0; i <= e->name_len; i++) {
		char c = e->name[i];

		name[i] = c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
	}
	fuzz_check(matches_alone(e, name, sa, salen), "case does not matter");
	snprintf(name, sizeof(name), "%s.", e->name);
	fuzz_check(matches_alone(e, name, sa, salen), "a trailing dot does not matter");
	/* Longer than 256 bytes, a name matches nothing. */
	if (e->name_len + 2 <= 256) {
		snprintf(name, sizeof(name), "a.%s", e->name);
		fuzz_check(matches_alone(e, name, sa, salen), "matches a subdomain");
	}
	snprintf(other, sizeof(other), "a%s", e->name);
	fuzz_check(!matches_alone(e, other, sa, salen),
		   "does not match a name that only ends in it");
	if (e->port != 0) {
		sin.sin_port = htons((uint16_t)(port + 1));
		fuzz_check(!matches_alone(e, e->name, sa, salen),
			   "does not match at another port");
	}
}

static void
check_cidr_entry(const struct config_noproxy *e)
{
	struct sockaddr_storage ss;
	char text[INET6_ADDRSTRLEN + 2];
	uint8_t masked[16];
	uint16_t port = e->port != 0 ? e->port : 443;
	size_t alen = e->family == AF_INET ? 4 : 16;
	socklen_t len;

	fuzz_check(e->family == AF_INET || e->family == AF_INET6, "a family");
	fuzz_check(e->prefix <= alen * 8, "prefix within the address");
	memcpy(masked, e->addr, alen);
	for (size_t i = 0; i < alen; i++) {
		unsigned int bits = e->prefix > i * 8 ? e->prefix - i * 8 : 0;

		if (bits < 8)
			masked[i] &= (uint8_t)(0xff << (8 - bits));
	}
	fuzz_check(memcmp(masked, e->addr, alen) == 0, "no host bits");

	len = entry_sockaddr(e, port, &ss);
	fuzz_check(matches_alone(e, NULL, (struct sockaddr *)&ss, len),
		   "matches its network address");
	if (e->port == 0) {
		fuzz_check(inet_ntop(e->family, e->addr, text, sizeof(text)) != NULL,
			   "printable");
		fuzz_check(matches_alone(e, text, NULL, 0),
			   "matches its network address written as a name");
	} else {
		len = entry_sockaddr(e, (uint16_t)(port + 1), &ss);
		fuzz_check(!matches_alone(e, NULL, (struct sockaddr *)&ss, len),
			   "does not match at another port");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config_noproxy *np = NULL;
	struct sockaddr_storage ss;
	struct config cfg;
	char err[CONFIG_ERR_LEN];
	const uint8_t *nul, *rest, *end = data + size;
	char *list, *name = NULL;
	const struct sockaddr *sa = NULL;
	socklen_t salen = 0;
	size_t count = 7, list_len;
	bool any_all = false;
	int rc;

	nul = memchr(data, '\0', size);
	list_len = nul != NULL ? (size_t)(nul - data) : size;
	list = malloc(list_len + 1);
	fuzz_check(list != NULL, "memory");
	memcpy(list, data, list_len);
	list[list_len] = '\0';
	rest = end;
	if (nul != NULL) {
		const uint8_t *name_start = nul + 1;
		const uint8_t *name_end = memchr(name_start, '\0',
						 (size_t)(end - name_start));
		size_t name_len;

		if (name_end == NULL)
			name_end = end;
		name_len = (size_t)(name_end - name_start);
		name = malloc(name_len + 1);
		fuzz_check(name != NULL, "memory");
		memcpy(name, name_start, name_len);
		name[name_len] = '\0';
		rest = name_end < end ? name_end + 1 : end;
	}
	if (rest + 1 + 16 + 2 + 1 <= end) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
		uint16_t port = (uint16_t)(rest[17] << 8 | rest[18]);

		memset(&ss, 0, sizeof(ss));
		if (rest[0] % 3 == 1) {
			sin->sin_family = AF_INET;
			sin->sin_port = htons(port);
			memcpy(&sin->sin_addr, rest + 1, 4);
			salen = sizeof(*sin);
		} else if (rest[0] % 3 == 2) {
			sin6->sin6_family = AF_INET6;
			sin6->sin6_port = htons(port);
			memcpy(sin6->sin6_addr.s6_addr, rest + 1, 16);
			salen = sizeof(*sin6);
		}
		if (salen != 0) {
			salen = salen > rest[19] % 32 ? salen - rest[19] % 32 : 0;
			sa = (const struct sockaddr *)&ss;
		}
	}

	memset(err, 0x5a, sizeof(err));
	rc = noproxy_parse(list, &np, &count, err, sizeof(err));
	fuzz_check(rc == 0 || rc == -EINVAL || rc == -ENOMEM,
		   "0, -EINVAL or -ENOMEM");
	fuzz_check(memchr(err, '\0', sizeof(err)) != NULL, "the error is terminated");
	if (rc < 0) {
		fuzz_check(np == NULL && count == 0, "nothing on failure");
		fuzz_check(err[0] != '\0', "an error says why");
		goto out_free;
	}
	fuzz_check((np == NULL) == (count == 0), "entries when counted");

	for (size_t i = 0; i < count; i++) {
		const struct config_noproxy *e = &np[i];

		switch (e->kind) {
		case CONFIG_NP_ALL:
			fuzz_check(e->port == 0, "\"*\" has no port");
			any_all = true;
			break;
		case CONFIG_NP_NAME:
			check_name_entry(e, e->port);
			break;
		case CONFIG_NP_CIDR:
			check_cidr_entry(e);
			break;
		default:
			fuzz_check(false, "a known kind");
		}
	}

	memset(&cfg, 0, sizeof(cfg));
	cfg.noproxy = np;
	cfg.noproxy_count = count;
	rc = noproxy_matches(&cfg, name, sa, salen);
	if (any_all)
		fuzz_check(rc, "\"*\" matches everything");
	noproxy_matches(&cfg, name, NULL, 0);
	noproxy_matches(&cfg, NULL, sa, salen);

out_free:
	noproxy_free(np, count);
	free(name);
	free(list);
	return 0;
}

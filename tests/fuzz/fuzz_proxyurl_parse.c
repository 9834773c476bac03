/*
 * proxyurl_parse() on arbitrary text.  The input is parsed as it is, and
 * three times more inside a URL that carries a known user name and
 * password: as the rest of the password, as the host part, and right after
 * the password when the host was forgotten.  An accepted URL must
 * describe a usable proxy; a refused one leaves nothing behind and an
 * error that names neither the user nor the password.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>

#include "config.h"
#include "proxyurl.h"
#include "fuzz.h"

#define USER_MARK "Us3rN4meMark"
#define PASS_MARK "S3cr3tPwMark"

static const char *const schemes[] = {
	"socks4", "socks4a", "socks5", "socks5h", "http",
};

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		if (b[i] != 0)
			return false;
	}
	return true;
}

/* The properties of an accepted proxy. */
static void
check_proxy(const struct config_proxy *p)
{
	size_t ulen = strnlen(p->user, sizeof(p->user));
	size_t plen = strnlen(p->pass, sizeof(p->pass));
	size_t hlen = strnlen(p->host, sizeof(p->host));

	fuzz_check(p->version == 4 || p->version == 5 ||
		   p->version == CONFIG_HTTP_CONNECT, "version 4 or 5, or HTTP");
	if (p->version == CONFIG_HTTP_CONNECT)
		fuzz_check(p->remote_dns && strchr(p->user, ':') == NULL,
			   "HTTP: names resolved by the proxy, no ':' in the user");
	fuzz_check(p->port != 0, "a port");
	fuzz_check(ulen < sizeof(p->user) && plen < sizeof(p->pass) &&
		   hlen < sizeof(p->host), "fields are terminated");
	fuzz_check(hlen > 0, "a host");
	fuzz_check(p->has_auth == (ulen > 0), "credentials mean a user name");
	if (p->version == 4)
		fuzz_check(plen == 0, "SOCKS4 carries no password");
	if (p->addrlen != 0) {
		const struct sockaddr_in *sin = (const void *)&p->addr;
		const struct sockaddr_in6 *sin6 = (const void *)&p->addr;

		if (p->addr.ss_family == AF_INET) {
			fuzz_check(p->addrlen == sizeof(*sin), "IPv4 length");
			fuzz_check(ntohs(sin->sin_port) == p->port, "IPv4 port");
		} else {
			fuzz_check(p->addr.ss_family == AF_INET6, "IPv4 or IPv6");
			fuzz_check(p->addrlen == sizeof(*sin6), "IPv6 length");
			fuzz_check(ntohs(sin6->sin6_port) == p->port, "IPv6 port");
		}
	}
}

/* Parse url; check the result; return what proxyurl_parse returned. */
static int
parse(const char *url, struct config_proxy *p, char *err, size_t errlen)
{
	int rc;

	memset(err, 0x5a, errlen);
	rc = proxyurl_parse(url, p, err, errlen);
	fuzz_check(rc == 0 || rc == -EINVAL, "0 or -EINVAL");
	fuzz_check(memchr(err, '\0', errlen) != NULL, "the error is terminated");
	if (rc == 0) {
		fuzz_check(err[0] == '\0', "no error on success");
		check_proxy(p);
	} else {
		fuzz_check(errlen < 2 || err[0] != '\0', "an error says why");
		fuzz_check(all_zero(p, sizeof(*p)), "a refused URL leaves nothing");
	}
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = strnlen((const char *)data, size);
	const char *scheme = schemes[size % SX_ARRAY_LEN(schemes)];
	struct config_proxy p;
	char err[CONFIG_ERR_LEN];
	size_t cap, small;
	char *text, *url, *tiny;
	bool marked;
	int rc;

	text = malloc(len + 1);
	fuzz_check(text != NULL, "memory");
	memcpy(text, data, len);
	text[len] = '\0';

	/* The input itself, also with an error buffer of every small size. */
	parse(text, &p, err, sizeof(err));
	small = size > 0 ? 1 + data[0] % 48 : 1;
	tiny = malloc(small);
	fuzz_check(tiny != NULL, "memory");
	parse(text, &p, tiny, small);
	free(tiny);
	fuzz_check(proxyurl_parse(text, &p, NULL, 0) <= 0, "no error buffer");
	fuzz_check(proxyurl_parse(text, NULL, err, sizeof(err)) == -EINVAL,
		   "no place for the proxy");

	/* The markers must not be in the input for the checks to hold. */
	marked = memmem(text, len, USER_MARK, strlen(USER_MARK)) != NULL ||
		 memmem(text, len, PASS_MARK, strlen(PASS_MARK)) != NULL;
	cap = strlen(scheme) + len + 64;
	url = malloc(cap);
	fuzz_check(url != NULL, "memory");

	/* The input as the rest of the password. */
	snprintf(url, cap, "%s://" USER_MARK ":" PASS_MARK "%s@127.0.0.1:1080",
		 scheme, text);
	rc = parse(url, &p, err, sizeof(err));
	if (!marked) {
		fuzz_check(strstr(err, USER_MARK) == NULL, "no user name in the error");
		fuzz_check(strstr(err, PASS_MARK) == NULL, "no password in the error");
	}
	if (rc == 0) {
		fuzz_check(strcmp(p.user, USER_MARK) == 0, "the user name");
		fuzz_check(strncmp(p.pass, PASS_MARK, strlen(PASS_MARK)) == 0,
			   "the password");
	}

	/* The input as the host part, after known credentials. */
	snprintf(url, cap, "%s://" USER_MARK ":" PASS_MARK "@%s", scheme, text);
	rc = parse(url, &p, err, sizeof(err));
	if (!marked) {
		fuzz_check(strstr(err, USER_MARK) == NULL, "no user name in the error");
		fuzz_check(strstr(err, PASS_MARK) == NULL, "no password in the error");
	}
	if (rc == 0 && memchr(text, '@', len) == NULL) {
		fuzz_check(strcmp(p.user, USER_MARK) == 0, "the user name");
		fuzz_check(strcmp(p.pass, PASS_MARK) == 0, "the password");
	}

	/*
	 * The host forgotten: the password stands where the port goes, and
	 * the port's text must not be shown either.
	 */
	snprintf(url, cap, "%s://" USER_MARK ":" PASS_MARK "%s", scheme, text);
	parse(url, &p, err, sizeof(err));
	if (!marked)
		fuzz_check(strstr(err, PASS_MARK) == NULL,
			   "no password in the error when the host is missing");

	explicit_bzero(&p, sizeof(p));
	free(url);
	free(text);
	return 0;
}

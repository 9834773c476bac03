/*
 * chain_parse_list() on arbitrary text.  The input is parsed as it is, and
 * again as the second element of a list whose first element carries a
 * known user name and password.  An accepted list holds 1 to
 * CONFIG_MAX_HOPS usable hops, one per comma plus one; a refused one
 * leaves a count of 0, no password in the hops parsed before the bad
 * element, and an error that names the element by its place, never the
 * user name or the password.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "chain.h"
#include "config.h"
#include "fuzz.h"

#define USER_MARK "Us3rN4meMark"
#define PASS_MARK "S3cr3tPwMark"

static struct config_proxy hops[CONFIG_MAX_HOPS];

/* Parse list; check the result; return what chain_parse_list returned. */
static int
parse(const char *list, char *err, size_t errlen)
{
	size_t count = 99, commas = 0;
	int rc;

	for (const char *c = list; *c != '\0'; c++)
		commas += *c == ',';
	memset(hops, 0x5a, sizeof(hops));
	memset(err, 0x5a, errlen);
	rc = chain_parse_list(list, hops, CONFIG_MAX_HOPS, &count, err, errlen);
	fuzz_check(rc == 0 || rc == -EINVAL, "0 or -EINVAL");
	fuzz_check(memchr(err, '\0', errlen) != NULL, "the error is terminated");
	if (rc == 0) {
		fuzz_check(count == commas + 1 && count <= CONFIG_MAX_HOPS,
			   "one hop per element, at most CONFIG_MAX_HOPS");
		for (size_t i = 0; i < count; i++)
			fuzz_check(hops[i].port != 0 && hops[i].host[0] != '\0',
				   "each hop has a host and a port");
		return rc;
	}
	fuzz_check(count == 0, "no hops after an error");
	fuzz_check(strncmp(err, "proxy ", 6) == 0 || strncmp(err, "a list of ", 10) == 0,
		   "the error names the element or the list's length");
	for (size_t i = 0; i < CONFIG_MAX_HOPS && i < commas + 1; i++)
		fuzz_check(memmem(hops[i].pass, sizeof(hops[i].pass), PASS_MARK,
				  strlen(PASS_MARK)) == NULL,
			   "no password left in a hop of a refused list");
	return rc;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = strnlen((const char *)data, size);
	char err[CONFIG_ERR_LEN];
	char *text, *list;
	bool marked;
	int rc;

	text = malloc(len + 1);
	fuzz_check(text != NULL, "memory");
	memcpy(text, data, len);
	text[len] = '\0';
	parse(text, err, sizeof(err));

	marked = memmem(text, len, USER_MARK, strlen(USER_MARK)) != NULL ||
		 memmem(text, len, PASS_MARK, strlen(PASS_MARK)) != NULL;
	list = malloc(len + 64);
	fuzz_check(list != NULL, "memory");
	snprintf(list, len + 64, "socks5://" USER_MARK ":" PASS_MARK "@127.0.0.1,%s",
		 text);
	rc = parse(list, err, sizeof(err));
	if (!marked) {
		fuzz_check(strstr(err, USER_MARK) == NULL, "no user name in the error");
		fuzz_check(strstr(err, PASS_MARK) == NULL, "no password in the error");
	}
	if (rc == 0)
		fuzz_check(strcmp(hops[0].pass, PASS_MARK) == 0, "the first hop's password");
	explicit_bzero(hops, sizeof(hops));
	free(list);
	free(text);
	return 0;
}

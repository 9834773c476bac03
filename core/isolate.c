/*
 * The process's isolation token (isolate.h): random bytes as lower-case
 * hex, the password of the "<torS0X>0" user.  Never logged.
 */
#include <errno.h>
#include <string.h>

#include "isolate.h"

static char isolate_token[2 * ISOLATE_RANDOM_BYTES + 1];

int
isolate_set_token(const uint8_t *random, size_t n)
{
	static const char hex[] = "0123456789abcdef";

	if (random == NULL || n < ISOLATE_RANDOM_BYTES) {
		isolate_clear();
		return -EINVAL;
	}
	for (size_t i = 0; i < ISOLATE_RANDOM_BYTES; i++) {
		isolate_token[2 * i] = hex[random[i] >> 4];
		isolate_token[2 * i + 1] = hex[random[i] & 15];
	}
	isolate_token[2 * ISOLATE_RANDOM_BYTES] = '\0';
	return 0;
}

void
isolate_clear(void)
{
	explicit_bzero(isolate_token, sizeof(isolate_token));
}

const char *
isolate_password(void)
{
	return isolate_token[0] != '\0' ? isolate_token : NULL;
}

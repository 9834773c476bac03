/*
 * The text of a session (core/sessmap.h): SOCKSIFY_SESSION's value
 * "<id>-<pid>", the id being SESSID_BYTES random bytes in lower-case hex.
 * Made here for everyone who starts a session: the launcher (no C
 * library), the library's constructor (which runs in every process and
 * keeps away from the C library's printf machinery) and the supervisor.
 * Header only, no system call.
 */
#ifndef SX_SESSID_H
#define SX_SESSID_H

#include <stddef.h>
#include <stdint.h>

/* The environment variable that names the session. */
#define SESSID_ENV "SOCKSIFY_SESSION"
#define SESSID_BYTES 16
#define SESSID_LEN (2 * SESSID_BYTES)
/* Room for a value: the id, '-', a pid of up to 10 digits, the NUL. */
#define SESSID_VALUE_MAX (SESSID_LEN + 1 + 10 + 1)

/* raw (SESSID_BYTES bytes) as an id into id (SESSID_LEN + 1 bytes). */
static inline void
sessid_hex(char *id, const unsigned char *raw)
{
	static const char hex[] = "0123456789abcdef";

	for (size_t i = 0; i < SESSID_BYTES; i++) {
		id[2 * i] = hex[raw[i] >> 4];
		id[2 * i + 1] = hex[raw[i] & 15];
	}
	id[SESSID_LEN] = '\0';
}

/* "<id>-<leader>" into value (SESSID_VALUE_MAX bytes). */
static inline void
sessid_value(char *value, const char *id, uint32_t leader)
{
	char digits[10];
	size_t nd = 0, at = 0;

	for (; at < SESSID_LEN && id[at]; at++)
		value[at] = id[at];
	value[at++] = '-';
	do {
		digits[nd++] = (char)('0' + leader % 10);
		leader /= 10;
	} while (leader > 0 && nd < sizeof(digits));
	while (nd > 0)
		value[at++] = digits[--nd];
	value[at] = '\0';
}

#endif

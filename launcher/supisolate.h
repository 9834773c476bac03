/*
 * SOCKSIFY_ISOLATE=process for supervised programs: the supervisor makes
 * the SOCKS5 handshakes of every process it watches, so it keeps, for
 * each process, a random token of its own (core/isolate.h says what the
 * token is for), as the library does in the processes it is loaded into.
 * A process is known by its thread group id and its start time, so a pid
 * used again by a new process gets a new token.  Tokens are never logged.
 */
#ifndef SX_SUPISOLATE_H
#define SX_SUPISOLATE_H

#include <stddef.h>
#include <sys/types.h>

#include "isolate.h"

/* Room for a token and its NUL. */
#define SUPISOLATE_TOKEN_LEN (2 * ISOLATE_RANDOM_BYTES + 1)

/*
 * The token of the process that thread tid (as a seccomp notification
 * names it) belongs to, into token (SUPISOLATE_TOKEN_LEN bytes): the one
 * already made for that process, else a new one.  0 or -errno (the
 * process is gone, no random bytes); token is then empty.
 */
int supisolate_token(pid_t tid, char *token);

#endif

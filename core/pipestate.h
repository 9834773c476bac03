/*
 * What is known of proxies and pipelined SOCKS5 requests: per proxy
 * address, that it answers them or that it drops them, and since when.
 * The state file that the processes of one user share (preload/pipefile.c)
 * holds one line per proxy:
 *
 *   127.0.0.1:1080 drops 1764921600
 *   [::1]:1080 takes 1764921600
 *
 * the proxy's address and port as pipestate_key() writes them, the
 * verdict, and when it was found, in seconds since the epoch.  A verdict
 * lasts PIPESTATE_TTL_S, so that a proxy upgraded since is tried again.
 * This module is the pure part: keys, the set, reading and writing the
 * text; no I/O and no lock (a set is owned by its caller).
 */
#ifndef SX_PIPESTATE_H
#define SX_PIPESTATE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* The state file: PIPESTATE_DIR/PIPESTATE_NAME in the user's runtime directory. */
#define PIPESTATE_DIR "socksify"
#define PIPESTATE_NAME "pipeline"

/* Entries in a set; the oldest goes when a new one finds it full. */
#define PIPESTATE_MAX 32
/* "[" IPv6 "]:" port and the NUL. */
#define PIPESTATE_KEY_LEN 56
/* How long a verdict holds: a day. */
#define PIPESTATE_TTL_S (24 * 3600)
/* The longest line (key, verdict, time, newline), and the longest text. */
#define PIPESTATE_LINE_MAX (PIPESTATE_KEY_LEN + 32)
#define PIPESTATE_TEXT_MAX (PIPESTATE_MAX * PIPESTATE_LINE_MAX)

enum pipestate_verdict {
	PIPESTATE_UNKNOWN,	/* nothing known: pipeline and watch */
	PIPESTATE_DROPS,	/* answers the greeting, drops the request */
	PIPESTATE_TAKES,	/* answered a pipelined request: no need to watch */
};

struct pipestate_entry {
	char key[PIPESTATE_KEY_LEN];
	int verdict;		/* enum pipestate_verdict */
	int64_t since;		/* when it was found, seconds since the epoch */
};

struct pipestate {
	struct pipestate_entry e[PIPESTATE_MAX];
	size_t n;
};

/*
 * The user's runtime directory, where PIPESTATE_DIR goes: xdg (the value
 * of XDG_RUNTIME_DIR) when it is an absolute path, else /run/user/UID,
 * into base (cap bytes).  0, or -ENAMETOOLONG.
 */
int pipestate_runtime_dir(const char *xdg, uid_t uid, char *base, size_t cap);
/* Empty a set. */
void pipestate_clear(struct pipestate *st);
/*
 * Write the key of a proxy address (AF_INET or AF_INET6) into key (cap
 * bytes): "192.0.2.1:1080", "[2001:db8::1]:1080".  0, -EAFNOSUPPORT or
 * -ENOSPC.
 */
int pipestate_key(const struct sockaddr *sa, socklen_t len, char *key,
		  size_t cap);
/* The verdict on key that holds at now (PIPESTATE_UNKNOWN when none). */
int pipestate_get(const struct pipestate *st, const char *key, int64_t now);
/*
 * Record verdict on key as found at `since` (replacing what the set said
 * of key; the oldest entry makes room when the set is full).  -EINVAL for
 * a key pipestate_key() would not write.
 */
int pipestate_set(struct pipestate *st, const char *key, int verdict,
		  int64_t since);
/*
 * Add the verdicts of text (len bytes, the state file) that still hold at
 * now, unless st already has one for that key.  Lines that do not parse,
 * verdicts that have expired and times in the future are skipped.
 * Returns how many entries were added.
 */
size_t pipestate_parse(struct pipestate *st, const char *text, size_t len,
		       int64_t now);
/*
 * Write the verdicts of st that still hold at now into buf (cap bytes),
 * one line each.  The length, or -ENOSPC.
 */
ssize_t pipestate_format(const struct pipestate *st, int64_t now, char *buf,
			 size_t cap);

#endif

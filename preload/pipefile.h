/*
 * Whether a handshake pipelines, and what the library has learnt of the
 * proxies that drop a pipelined request: an in-process table, shared with
 * the user's other processes through a small state file,
 * $XDG_RUNTIME_DIR/socksify/pipeline (or /run/user/UID/socksify/pipeline),
 * read once per process at its first proxied connect.  See
 * core/pipestate.h for the file's lines.
 */
#ifndef SX_PIPEFILE_H
#define SX_PIPEFILE_H

#include <stdbool.h>

#include "config.h"
#include "handshake.h"

/*
 * Whether a CONNECT handshake with proxy p pipelines under pipelining mode
 * `mode` (CONFIG_PIPELINE_*): on and off are forced; auto pipelines unless
 * p is known to drop pipelined requests, and *probe is then true when
 * nothing is known of p yet (the handshake watches for a dropped request:
 * handshake_probe()).  The first call in auto mode reads the state file.
 */
bool pipefile_pipelines(const struct config_proxy *p, int mode, bool *probe);
/*
 * A handshake has ended, done or failed: when its lock-step retry showed
 * that its proxy drops pipelined requests (hs->drops), remember that in
 * this process and in the state file, with one info line the first time;
 * when its probe saw the proxy answer the pipelined request (hs->took),
 * remember that.
 */
void pipefile_learn(const struct handshake *hs);

#endif

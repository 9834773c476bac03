/*
 * The only place that includes uthash.  Running out of memory inside a
 * uthash macro is an error the caller returns, never a process exit:
 * HASH_NONFATAL_OOM makes the macros leave the table as it was, and each
 * module checks its own out-of-memory flag after an insertion.
 */
#ifndef SX_TABLE_H
#define SX_TABLE_H

#include <stdlib.h>

#define HASH_NONFATAL_OOM 1
#include <uthash.h>

#endif

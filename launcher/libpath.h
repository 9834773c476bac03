/*
 * Where the library is and how it goes into LD_PRELOAD.  The entry is
 * "<root>/$LIB/socksify/libsocksify.so": the dynamic linker expands $LIB
 * for each program ("lib/x86_64-linux-gnu"; for i386 programs
 * "lib/i386-linux-gnu", or "lib32" with Debian's multilib C library), so
 * one entry serves programs of every ABI.  The root is the launcher's own
 * directory in the build tree, or the installation prefix compiled in
 * (SX_ROOT).  SOCKSIFY_LIB names one library instead, literally.
 */
#ifndef LIBPATH_H
#define LIBPATH_H

#include <linux/limits.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "elfinfo.h"

struct libpath {
	char entry[PATH_MAX];	/* what goes into LD_PRELOAD */
	char file[PATH_MAX];	/* entry with $LIB expanded for this ABI */
	struct stat st;		/* that file's identity */
	size_t root_len;	/* entry[0..root_len) is the root; 0 for SOCKSIFY_LIB */
};

/*
 * Find the library and check that the file for the launcher's own ABI
 * exists; on failure exit 127 with one line.
 */
void libpath_find(struct libpath *lp);
/*
 * When the command is a program of the other ABI of this machine (a
 * 32-bit i386 program on x86_64), check that $LIB leads to a library for
 * it too; the dynamic linker would only warn and run it unproxied.  info
 * is what elfinfo_read() found in the command's file (NULL when it could
 * not be read: nothing to check).  On failure exit 127 with one line.
 */
void libpath_check_abi(const struct libpath *lp, const char *command,
		       const struct elfinfo *info);
/*
 * Write the path of socksify-check, the program "socksify --check" runs,
 * into buf (size PATH_MAX): next to the launcher in the build tree, in
 * SX_LIBEXEC once installed.
 */
void libpath_check_program(char *buf);
/*
 * Write the path of socksify-supervise, the supervisor of static programs
 * and of enforce mode, into buf (size PATH_MAX): next to the launcher in
 * the build tree, in SX_LIBEXEC once installed.
 */
void libpath_supervisor_program(char *buf);
/* Does LD_PRELOAD already list the library (socksify inside socksify)? */
bool libpath_is_preloaded(const struct libpath *lp, const char *preload);
/* Prepend the library to LD_PRELOAD, unless it is there already. */
void libpath_apply(const struct libpath *lp);

#endif

/*
 * Where the library is and how it goes into LD_PRELOAD.  The entry is
 * "<root>/$LIB/socksify/libsocksify.so": the dynamic linker expands $LIB
 * for each program (lib/x86_64-linux-gnu, lib/i386-linux-gnu), so one entry
 * serves programs of every ABI.  The root is the launcher's own directory
 * in the build tree, or the installation prefix compiled in (SX_ROOT).
 * SOCKSIFY_LIB names one library instead, literally.
 */
#ifndef LIBPATH_H
#define LIBPATH_H

#include <linux/limits.h>
#include <stdbool.h>
#include <sys/stat.h>

struct libpath {
	char entry[PATH_MAX];	/* what goes into LD_PRELOAD */
	char file[PATH_MAX];	/* entry with $LIB expanded for this ABI */
	struct stat st;		/* that file's identity */
};

/*
 * Find the library and check that the file for the launcher's own ABI
 * exists; on failure exit 127 with one line.
 */
void libpath_find(struct libpath *lp);
/*
 * The root: the installation prefix, or the directory of the launcher's
 * own executable in the build tree; on failure exit 127 with one line.
 */
void libpath_root(char *root, size_t size);
/* Does LD_PRELOAD already list the library (socksify inside socksify)? */
bool libpath_is_preloaded(const struct libpath *lp, const char *preload);
/* Prepend the library to LD_PRELOAD, unless it is there already. */
void libpath_apply(const struct libpath *lp);

#endif

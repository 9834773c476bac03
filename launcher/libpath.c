/*
 * Finding the library.  Every path is checked with one stat(): the
 * launcher's start is part of every socksified program's start, so nothing
 * here forks, reads a configuration file or walks directories.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "libpath.h"
#include "out.h"

#ifndef SX_MULTIARCH
#error "SX_MULTIARCH (what $(CC) -print-multiarch prints) must be defined"
#endif

/* What the dynamic linker makes of $LIB for a program of this ABI. */
#define LIBPATH_LIB "lib/" SX_MULTIARCH
#define LIBPATH_TAIL "/socksify/libsocksify.so"
#define LIBPATH_TOKEN "$LIB"

/*
 * Copy src into dst (size PATH_MAX) with "$LIB" and "${LIB}" replaced by
 * this ABI's directory, as the dynamic linker does; false if it is too long.
 */
static bool
expand_lib(char *dst, const char *src)
{
	size_t len = 0;

	while (*src) {
		const char *with = NULL;
		size_t skip = 0;

		if (strncmp(src, LIBPATH_TOKEN, 4) == 0 &&
		    !(src[4] == '_' || (src[4] >= 'A' && src[4] <= 'Z') ||
		      (src[4] >= 'a' && src[4] <= 'z') ||
		      (src[4] >= '0' && src[4] <= '9'))) {
			with = LIBPATH_LIB;
			skip = 4;
		} else if (strncmp(src, "${LIB}", 6) == 0) {
			with = LIBPATH_LIB;
			skip = 6;
		}
		if (with) {
			size_t n = strlen(with);

			if (len + n >= PATH_MAX)
				return false;
			memcpy(dst + len, with, n);
			len += n;
			src += skip;
			continue;
		}
		if (len + 1 >= PATH_MAX)
			return false;
		dst[len++] = *src++;
	}
	dst[len] = '\0';
	return true;
}

/* Is path a regular file (after symbolic links)?  Its identity in st. */
static bool
is_file(const char *path, struct stat *st)
{
	return stat(path, st) == 0 && S_ISREG(st->st_mode);
}

/*
 * Make path absolute in buf (size PATH_MAX): a library named relative to
 * the current directory would be looked for relative to each program's.
 */
static bool
make_absolute(const char *path, char *buf)
{
	size_t n, len = strlen(path);

	if (path[0] == '/') {
		if (len >= PATH_MAX)
			return false;
		memcpy(buf, path, len + 1);
		return true;
	}
	while (path[0] == '.' && path[1] == '/') {
		path += 2;
		len -= 2;
	}
	if (!getcwd(buf, PATH_MAX))
		return false;
	n = strlen(buf);
	if (n + 1 + len >= PATH_MAX)
		return false;
	if (n > 1)
		buf[n++] = '/';
	memcpy(buf + n, path, len + 1);
	return true;
}

/*
 * The root the entry hangs from: SX_ROOT when installed, else the
 * directory of the launcher's own executable.
 */
static void
find_root(char *root, size_t size)
{
#ifdef SX_ROOT
	size_t n = strlen(SX_ROOT);

	if (n >= size)
		out_die(OUT_NOT_FOUND, "the installation prefix is too long: ",
			SX_ROOT, (const char *)NULL);
	memcpy(root, SX_ROOT, n + 1);
#else
	ssize_t n = readlink("/proc/self/exe", root, size - 1);
	char *slash;

	if (n <= 0 || (size_t)n >= size - 1)
		out_die(OUT_NOT_FOUND, "cannot find the directory of this program ",
			"(/proc/self/exe): ", strerror(n < 0 ? errno : ENAMETOOLONG),
			"; set SOCKSIFY_LIB", (const char *)NULL);
	root[n] = '\0';
	slash = strrchr(root, '/');
	if (slash == root)
		slash[1] = '\0';
	else if (slash)
		*slash = '\0';
#endif
}

/*
 * Characters that an LD_PRELOAD entry cannot carry: the separators, and
 * '$', which the dynamic linker would take for the start of a token.
 */
static void
check_carriable(const char *path, const char *shown)
{
	if (strpbrk(path, ": \t$"))
		out_die(OUT_NOT_FOUND, "the library path contains a space, a colon ",
			"or a dollar sign, which LD_PRELOAD cannot carry: ", shown,
			(const char *)NULL);
}

void
libpath_find(struct libpath *lp)
{
	const char *env = getenv("SOCKSIFY_LIB");
	char root[PATH_MAX];
	size_t n;

	if (env && env[0]) {
		if (!is_file(env, &lp->st) || !make_absolute(env, lp->file))
			out_die(OUT_NOT_FOUND, "SOCKSIFY_LIB: no such file: ", env,
				(const char *)NULL);
		check_carriable(lp->file, lp->file);
		memcpy(lp->entry, lp->file, strlen(lp->file) + 1);
		lp->root_len = 0;
		return;
	}
	find_root(root, sizeof(root));
	check_carriable(root, root);
	n = strlen(root);
	if (n + sizeof("/" LIBPATH_LIB LIBPATH_TAIL) > PATH_MAX)
		out_die(OUT_NOT_FOUND, "the library path is too long: ", root,
			(const char *)NULL);
	/* "/" as the root gives "/$LIB/...", not "//$LIB/...". */
	if (n > 0 && root[n - 1] == '/')
		root[--n] = '\0';
	lp->root_len = n;
	memcpy(lp->entry, root, n);
	memcpy(lp->entry + n, "/" LIBPATH_TOKEN LIBPATH_TAIL,
	       sizeof("/" LIBPATH_TOKEN LIBPATH_TAIL));
	memcpy(lp->file, root, n);
	memcpy(lp->file + n, "/" LIBPATH_LIB LIBPATH_TAIL,
	       sizeof("/" LIBPATH_LIB LIBPATH_TAIL));
	if (is_file(lp->file, &lp->st))
		return;
#ifdef SX_ROOT
	out_die(OUT_NOT_FOUND, "library not found: ", lp->file,
		" (reinstall socksify, or set SOCKSIFY_LIB)", (const char *)NULL);
#else
	out_die(OUT_NOT_FOUND, "library not found: ", lp->file,
		" (run 'make' first, or set SOCKSIFY_LIB)", (const char *)NULL);
#endif
}

/* What $LIB expands to for x86_64 programs. */
static const char *
x86_64_lib(void)
{
	return "lib/x86_64-linux-gnu";
}

/*
 * What $LIB expands to for i386 programs.  Debian has two C libraries for
 * them: the multiarch one (libc6:i386), whose dynamic linker says
 * "lib/i386-linux-gnu", and the multilib one (libc6-i386, what gcc -m32
 * uses), whose dynamic linker lives in /lib32 and says "lib32".  They are
 * told apart by where the i386 interpreter, /lib/ld-linux.so.2, leads.
 */
static const char *
i386_lib(void)
{
	char path[PATH_MAX] = "/lib/ld-linux.so.2", target[PATH_MAX];

	for (int hops = 0; hops < 8; hops++) {
		ssize_t n = readlink(path, target, sizeof(target) - 1);
		char *slash = strrchr(path, '/');
		size_t dir = (size_t)(slash - path) + 1;

		if (n <= 0)
			break;
		target[n] = '\0';
		if (target[0] == '/') {
			memcpy(path, target, (size_t)n + 1);
		} else if (dir + (size_t)n < sizeof(path)) {
			memcpy(path + dir, target, (size_t)n + 1);
		} else {
			break;
		}
	}
	return strstr(path, "/lib32/") ? "lib32" : "lib/i386-linux-gnu";
}

/* The ABIs whose libraries $LIB can lead to, by ELF class and machine. */
static const struct {
	unsigned char elf_class;
	unsigned short machine;
	const char *(*lib)(void);	/* what $LIB expands to */
	const char *what;		/* for the message */
} libpath_abis[] = {
	{ ELFCLASS64, EM_X86_64, x86_64_lib, "a 64-bit x86_64 program" },
	{ ELFCLASS32, EM_386, i386_lib, "a 32-bit i386 program" },
};

/*
 * The index in libpath_abis of the ELF program described by info (as
 * elfinfo_read() found it), or -1 when it is none of them (or a script,
 * or unreadable: exec will tell).
 */
static int
abi_of(const struct elfinfo *info)
{
	if (!info || !info->is_elf || !info->lsb)
		return -1;
	for (size_t i = 0; i < sizeof(libpath_abis) / sizeof(libpath_abis[0]); i++) {
		if (info->elf_class == (libpath_abis[i].elf_class == ELFCLASS64 ? 64 : 32) &&
		    info->machine == libpath_abis[i].machine)
			return (int)i;
	}
	return -1;
}

void
libpath_check_abi(const struct libpath *lp, const char *command,
		  const struct elfinfo *info)
{
	char file[PATH_MAX];
	const char *lib;
	struct stat st;
	size_t n;
	int abi;

	if (lp->root_len == 0)
		return;
	abi = abi_of(info);
	if (abi < 0)
		return;
	lib = libpath_abis[abi].lib();
	if (strcmp(lib, LIBPATH_LIB) == 0)
		return;
	n = lp->root_len;
	if (n + 1 + strlen(lib) + sizeof(LIBPATH_TAIL) > sizeof(file))
		return;
	memcpy(file, lp->entry, n);
	file[n++] = '/';
	memcpy(file + n, lib, strlen(lib));
	n += strlen(lib);
	memcpy(file + n, LIBPATH_TAIL, sizeof(LIBPATH_TAIL));
	if (is_file(file, &st))
		return;
#ifdef SX_ROOT
	out_die(OUT_NOT_FOUND, "library not found: ", file, ", which ", command, " (",
		libpath_abis[abi].what, ") needs (install it, or set SOCKSIFY_LIB)",
		(const char *)NULL);
#else
	out_die(OUT_NOT_FOUND, "library not found: ", file, ", which ", command, " (",
		libpath_abis[abi].what, ") needs (build it with make, or set SOCKSIFY_LIB)",
		(const char *)NULL);
#endif
}

/* The path of the helper program name into buf (size PATH_MAX). */
static void
helper_program(char *buf, const char *name)
{
	size_t len = strlen(name);
#ifdef SX_LIBEXEC
	size_t n = sizeof(SX_LIBEXEC) - 1;

	if (n + 1 + len + 1 > PATH_MAX)
		out_die(OUT_NOT_FOUND, "the installation prefix is too long: ",
			SX_LIBEXEC, (const char *)NULL);
	memcpy(buf, SX_LIBEXEC, n);
#else
	size_t n;

	find_root(buf, PATH_MAX);
	n = strlen(buf);
	if (n + 1 + len + 1 > PATH_MAX)
		out_die(OUT_NOT_FOUND, "the path of ", name, " is too long: ", buf,
			(const char *)NULL);
#endif
	buf[n] = '/';
	memcpy(buf + n + 1, name, len + 1);
}

void
libpath_check_program(char *buf)
{
	helper_program(buf, "socksify-check");
}

void
libpath_supervisor_program(char *buf)
{
	helper_program(buf, "socksify-supervise");
}

/*
 * Does one LD_PRELOAD entry name the library: the same text, or a path
 * to the same file (a symbolic link, another spelling)?
 */
static bool
entry_names(const struct libpath *lp, const char *entry)
{
	char expanded[PATH_MAX];
	struct stat st;

	if (strcmp(entry, lp->entry) == 0)
		return true;
	if (!expand_lib(expanded, entry) || !is_file(expanded, &st))
		return false;
	return st.st_dev == lp->st.st_dev && st.st_ino == lp->st.st_ino;
}

bool
libpath_is_preloaded(const struct libpath *lp, const char *preload)
{
	char entry[PATH_MAX];
	const char *p = preload;

	/* The dynamic linker splits LD_PRELOAD at colons and blanks. */
	while (*p) {
		size_t n = strcspn(p, ": \t");

		if (n > 0 && n < sizeof(entry)) {
			memcpy(entry, p, n);
			entry[n] = '\0';
			if (entry_names(lp, entry))
				return true;
		}
		p += n;
		if (*p)
			p++;
	}
	return false;
}

void
libpath_apply(const struct libpath *lp)
{
	static const char name[] = "LD_PRELOAD=";
	const char *old = getenv("LD_PRELOAD");
	size_t elen = strlen(lp->entry), olen;
	char *var;

	if (old && libpath_is_preloaded(lp, old))
		return;
	olen = old && old[0] ? strlen(old) + 1 : 0;
	var = malloc(sizeof(name) - 1 + elen + olen + 1);
	if (!var)
		out_die(OUT_CANNOT_EXEC, "out of memory", (const char *)NULL);
	memcpy(var, name, sizeof(name) - 1);
	memcpy(var + sizeof(name) - 1, lp->entry, elen);
	if (olen) {
		var[sizeof(name) - 1 + elen] = ':';
		memcpy(var + sizeof(name) + elen, old, olen - 1);
	}
	var[sizeof(name) - 1 + elen + olen] = '\0';
	/* putenv keeps the string: it belongs to the environment now. */
	if (putenv(var) != 0)
		out_die(OUT_CANNOT_EXEC, "out of memory", (const char *)NULL);
}

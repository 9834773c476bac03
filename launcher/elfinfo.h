/*
 * What the dynamic linker will do with a program, read from its ELF
 * header: whether it has an interpreter (PT_INTERP) at all, and its class.
 * A program without one is statically linked (or a static-pie): no
 * LD_PRELOAD library is ever loaded into it, so only the supervisor
 * (supervise.h) can see its system calls.
 */
#ifndef SX_ELFINFO_H
#define SX_ELFINFO_H

#include <stdbool.h>
#include <stddef.h>

struct elfinfo {
	bool is_elf;		/* an ELF file at all (else a script or other) */
	int elf_class;		/* 32 or 64 */
	int machine;		/* e_machine (EM_X86_64, EM_386, ...) */
	bool has_interp;	/* a PT_INTERP header: the dynamic linker runs it */
};

/*
 * Find cmd as execvp() would (a name with a slash as it is, else along
 * PATH, or the default path when PATH is unset) and copy its path into
 * path (cap bytes).  0, -ENOENT, -EACCES or -ENAMETOOLONG.
 */
int elfinfo_find(const char *cmd, char *path, size_t cap);

/*
 * Read the ELF header and program headers of the file at path into *out.
 * 0 (also for a file that is not ELF: out->is_elf false), or -errno when
 * it cannot be read, -ENOEXEC for a truncated or malformed ELF file.
 */
int elfinfo_read(const char *path, struct elfinfo *out);

/* True when the dynamic linker would not run the program (no interpreter). */
bool elfinfo_is_static(const struct elfinfo *info);

#endif

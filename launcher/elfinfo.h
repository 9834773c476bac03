/*
 * What the dynamic linker will do with a program, read from the start of
 * its file: whether it has an interpreter (PT_INTERP) at all, and its
 * class.  A program without one is statically linked (or a static-pie):
 * no LD_PRELOAD library is ever loaded into it, so only the supervisor
 * can see its system calls.  Uses open(), read() and close() only, so the
 * freestanding launcher can call it.
 */
#ifndef SX_ELFINFO_H
#define SX_ELFINFO_H

#include <stdbool.h>

struct elfinfo {
	bool is_elf;		/* an ELF file at all (else a script or other) */
	int elf_class;		/* 32 or 64 */
	int machine;		/* e_machine (EM_X86_64, EM_386, ...) */
	bool lsb;		/* little-endian (ELFDATA2LSB) */
	bool has_interp;	/* a PT_INTERP header: the dynamic linker runs it */
};

/*
 * Read the ELF header and program headers of the file at path into *out.
 * 0 (also for a file that is not ELF: out->is_elf false), or -errno when
 * it cannot be read, -ENOEXEC for a malformed ELF file or one whose
 * program headers lie beyond the first ELFINFO_HEAD bytes.
 */
int elfinfo_read(const char *path, struct elfinfo *out);

/* Bytes read from the start of the file (where linkers put the headers). */
#define ELFINFO_HEAD 4096

#endif

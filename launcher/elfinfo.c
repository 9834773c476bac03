/*
 * The first ELFINFO_HEAD bytes of the file hold the ELF header and, for
 * every program a linker makes, the program header table right after it;
 * a PT_INTERP among those names the dynamic linker.  Both classes are
 * read, each with its own structures, every offset checked against what
 * was read.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "elfinfo.h"

/* Read up to cap bytes from the start of fd: the count, or -errno. */
static long
elfinfo_head(int fd, unsigned char *buf, size_t cap)
{
	size_t have = 0;

	while (have < cap) {
		ssize_t n = read(fd, buf + have, cap - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		have += (size_t)n;
	}
	return (long)have;
}

/* Scan n program headers of size entsize at off in buf (len bytes). */
static int
elfinfo_scan(const unsigned char *buf, size_t len, unsigned long off,
	     unsigned n, unsigned entsize, bool is64, struct elfinfo *out)
{
	if (entsize != (is64 ? sizeof(Elf64_Phdr) : sizeof(Elf32_Phdr)) ||
	    off > len || (unsigned long)n * entsize > len - off)
		return -ENOEXEC;
	for (unsigned i = 0; i < n; i++) {
		uint32_t type;

		/* p_type is the first word of both classes' program header. */
		memcpy(&type, buf + off + (unsigned long)i * entsize, sizeof(type));
		if (type == PT_INTERP)
			out->has_interp = true;
	}
	return 0;
}

int
elfinfo_read(const char *path, struct elfinfo *out)
{
	unsigned char buf[ELFINFO_HEAD];
	long len;
	int fd, rc = 0;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = elfinfo_head(fd, buf, sizeof(buf));
	if (len < 0) {
		rc = (int)len;
		goto out_close;
	}
	if ((size_t)len < EI_NIDENT || memcmp(buf, ELFMAG, SELFMAG) != 0)
		goto out_close;
	out->is_elf = true;
	out->lsb = buf[EI_DATA] == ELFDATA2LSB;
	if (buf[EI_CLASS] == ELFCLASS64 && (size_t)len >= sizeof(Elf64_Ehdr)) {
		Elf64_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		out->elf_class = 64;
		out->machine = eh.e_machine;
		rc = elfinfo_scan(buf, (size_t)len, eh.e_phoff > (Elf64_Off)len ?
				  (unsigned long)len + 1 : (unsigned long)eh.e_phoff,
				  eh.e_phnum, eh.e_phentsize, true, out);
	} else if (buf[EI_CLASS] == ELFCLASS32 && (size_t)len >= sizeof(Elf32_Ehdr)) {
		Elf32_Ehdr eh;

		memcpy(&eh, buf, sizeof(eh));
		out->elf_class = 32;
		out->machine = eh.e_machine;
		rc = elfinfo_scan(buf, (size_t)len, eh.e_phoff, eh.e_phnum,
				  eh.e_phentsize, false, out);
	} else {
		rc = -ENOEXEC;
	}
out_close:
	close(fd);
	return rc;
}

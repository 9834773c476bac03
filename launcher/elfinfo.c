/*
 * The ELF header and the program header table, read with pread(): the
 * first 64 bytes say the class and where the program headers lie; a
 * PT_INTERP among them names the dynamic linker.  Both classes are read,
 * each with its own structures, bounds checked before every read.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elfinfo.h"

/* Program headers read at most (real programs have about a dozen). */
#define ELFINFO_PHDR_MAX 256
#define ELFINFO_DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

static bool
elfinfo_is_exec_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
	       access(path, X_OK) == 0;
}

int
elfinfo_find(const char *cmd, char *path, size_t cap)
{
	const char *dirs = getenv("PATH");
	const char *p, *end;
	size_t clen = strlen(cmd);
	int err = -ENOENT;

	if (clen == 0)
		return -ENOENT;
	if (strchr(cmd, '/')) {
		if (clen + 1 > cap)
			return -ENAMETOOLONG;
		memcpy(path, cmd, clen + 1);
		return 0;
	}
	if (!dirs)
		dirs = ELFINFO_DEFAULT_PATH;
	for (p = dirs;; p = end + 1) {
		size_t dlen;

		end = strchr(p, ':');
		if (!end)
			end = p + strlen(p);
		dlen = (size_t)(end - p);
		/* An empty entry is the current directory. */
		if (dlen + 1 + clen + 1 <= cap) {
			if (dlen == 0) {
				memcpy(path, cmd, clen + 1);
			} else {
				memcpy(path, p, dlen);
				path[dlen] = '/';
				memcpy(path + dlen + 1, cmd, clen + 1);
			}
			if (elfinfo_is_exec_file(path))
				return 0;
			if (access(path, F_OK) == 0)
				err = -EACCES;
		}
		if (*end == '\0')
			break;
	}
	return err;
}

static int
elfinfo_pread(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -ENOEXEC;
}

static int
elfinfo_read64(int fd, struct elfinfo *out)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int rc;

	rc = elfinfo_pread(fd, &eh, sizeof(eh), 0);
	if (rc < 0)
		return rc;
	out->machine = eh.e_machine;
	if (eh.e_phnum > ELFINFO_PHDR_MAX || eh.e_phentsize != sizeof(ph))
		return -ENOEXEC;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		rc = elfinfo_pread(fd, &ph, sizeof(ph),
				   (off_t)(eh.e_phoff + (uint64_t)i * sizeof(ph)));
		if (rc < 0)
			return rc;
		if (ph.p_type == PT_INTERP)
			out->has_interp = true;
	}
	return 0;
}

static int
elfinfo_read32(int fd, struct elfinfo *out)
{
	Elf32_Ehdr eh;
	Elf32_Phdr ph;
	int rc;

	rc = elfinfo_pread(fd, &eh, sizeof(eh), 0);
	if (rc < 0)
		return rc;
	out->machine = eh.e_machine;
	if (eh.e_phnum > ELFINFO_PHDR_MAX || eh.e_phentsize != sizeof(ph))
		return -ENOEXEC;
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		rc = elfinfo_pread(fd, &ph, sizeof(ph),
				   (off_t)(eh.e_phoff + (uint32_t)i * sizeof(ph)));
		if (rc < 0)
			return rc;
		if (ph.p_type == PT_INTERP)
			out->has_interp = true;
	}
	return 0;
}

int
elfinfo_read(const char *path, struct elfinfo *out)
{
	unsigned char ident[EI_NIDENT];
	ssize_t n;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = pread(fd, ident, sizeof(ident), 0);
	if (n < 0) {
		rc = -errno;
		goto out_close;
	}
	rc = 0;
	if ((size_t)n < sizeof(ident) || memcmp(ident, ELFMAG, SELFMAG) != 0)
		goto out_close;
	out->is_elf = true;
	if (ident[EI_CLASS] == ELFCLASS64) {
		out->elf_class = 64;
		rc = elfinfo_read64(fd, out);
	} else if (ident[EI_CLASS] == ELFCLASS32) {
		out->elf_class = 32;
		rc = elfinfo_read32(fd, out);
	} else {
		rc = -ENOEXEC;
	}
out_close:
	close(fd);
	return rc;
}

bool
elfinfo_is_static(const struct elfinfo *info)
{
	return info->is_elf && !info->has_interp;
}

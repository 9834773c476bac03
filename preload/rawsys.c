/*
 * Whether the hooks may make dup() and epoll_wait() themselves
 * (rawsys.h): only when the next function in line is the C library's own,
 * found by asking the C library for its definition.
 */
#include <dlfcn.h>
#include <gnu/lib-names.h>
#include <stdbool.h>

#include "rawsys.h"
#include "real.h"

bool rawsys_dup_ok;
bool rawsys_epoll_wait_ok;

/* True when p is the C library's own definition of name. */
static bool
rawsys_is_libc(void *p, const char *name)
{
	void *libc, *own;

	if (!p)
		return false;
	libc = dlopen(LIBC_SO, RTLD_LAZY | RTLD_NOLOAD);
	if (!libc)
		return false;
	own = dlsym(libc, name);
	dlclose(libc);
	return own == p;
}

void
rawsys_init(void)
{
	rawsys_dup_ok = rawsys_is_libc((void *)real.dup, "dup");
	rawsys_epoll_wait_ok = rawsys_is_libc((void *)real.epoll_wait, "epoll_wait");
}

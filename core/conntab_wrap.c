/*
 * The GSSAPI protection of proxied sockets (gsswrap.h), kept with the
 * socket in the connection table (conntab_int.h) and so shared by every
 * descriptor of it; the table's mutex guards the pointer, and each user
 * holds its own reference for as long as it uses the protection.  The
 * counter of protected sockets is written under the mutex and read
 * without it: while it is 0 the I/O hooks skip everything with one load.
 */
#include <stdatomic.h>

#include "conntab.h"
#include "conntab_int.h"
#include "fdtable.h"
#include "gsswrap.h"

/* Sockets with GSSAPI protection. */
static _Atomic int conntab_wrapped;

void
conntab_sock_wrap(struct conntab_sock *s, struct gsswrap *w)
{
	if (s->wrap) {
		gsswrap_put(s->wrap);
		atomic_fetch_sub(&conntab_wrapped, 1);
	}
	s->wrap = w;
	if (w)
		atomic_fetch_add(&conntab_wrapped, 1);
	for (struct conntab_slot *sl = s->slots; sl; sl = sl->sib_next)
		fdtable_mark(conntab_fdtable(), sl->fd, conntab_map_value(s));
}

bool
conntab_maybe_wrapped(int fd)
{
	int mark;

	if (atomic_load_explicit(&conntab_wrapped, memory_order_relaxed) == 0)
		return false;
	mark = fdtable_mark_of(conntab_fdtable(), fd);
	return mark == CONNTAB_MAP_WRAPPED || mark == FDTABLE_MARK_UNKNOWN;
}

int
conntab_wrapped_count(void)
{
	return atomic_load_explicit(&conntab_wrapped, memory_order_relaxed);
}

void
conntab_set_wrap(int fd, struct gsswrap *w)
{
	struct fdtable_call call;
	struct conntab_slot *sl;

	if (w == NULL)
		return;
	sl = fdtable_enter(conntab_fdtable(), fd, &call);
	if (sl && sl->sock->state == CONNTAB_ESTABLISHED)
		conntab_sock_wrap(sl->sock, w);
	else
		gsswrap_put(w);
	fdtable_leave(conntab_fdtable(), &call);
}

struct gsswrap *
conntab_hold_wrap(int fd)
{
	struct fdtable_call call;
	struct conntab_slot *sl;
	struct gsswrap *w = NULL;

	if (!conntab_maybe_wrapped(fd))
		return NULL;
	sl = fdtable_enter(conntab_fdtable(), fd, &call);
	if (sl && sl->sock->wrap) {
		w = sl->sock->wrap;
		gsswrap_hold(w);
	}
	fdtable_leave(conntab_fdtable(), &call);
	return w;
}

int
conntab_wrapped_fds(int *fds, int cap)
{
	struct conntab_slot *sl;
	int n = 0;

	if (conntab_wrapped_count() == 0)
		return 0;
	fdtable_lock(conntab_fdtable());
	for (sl = fdtable_next(conntab_fdtable(), NULL); sl != NULL && n < cap;
	     sl = fdtable_next(conntab_fdtable(), sl)) {
		if (sl->sock->wrap)
			fds[n++] = sl->fd;
	}
	fdtable_unlock(conntab_fdtable());
	return n;
}

void
conntab_wrap_after_fork(void)
{
	struct conntab_slot *sl;

	if (conntab_wrapped_count() == 0)
		return;
	fdtable_lock(conntab_fdtable());
	for (sl = fdtable_next(conntab_fdtable(), NULL); sl != NULL;
	     sl = fdtable_next(conntab_fdtable(), sl)) {
		if (sl->sock->wrap)
			gsswrap_after_fork(sl->sock->wrap);
	}
	fdtable_unlock(conntab_fdtable());
}

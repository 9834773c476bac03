/*
 * Fake addresses held by proxied connections, by descriptor.  A lock-free
 * array of tickets (core/fakeip.h), one per small descriptor number: an
 * atomic exchange hands a ticket over, so two threads never drop the same
 * hold twice.  Forked children inherit the array and share the map, so
 * they take their own hold for each ticket they inherit.
 */
#include <stdatomic.h>
#include <stdint.h>

#include "fakeip.h"
#include "fakepin.h"
#include "fdany.h"
#include "log.h"
#include "sx.h"

/* The ticket each descriptor holds, 0: none. */
static _Atomic uint32_t fakepin_ticket[FAKEPIN_FD_MAX];
/* One past the highest descriptor that ever held a ticket. */
static _Atomic int fakepin_top;

void
fakepin_hold(int fd, const struct sockaddr *sa, socklen_t len)
{
	uint32_t ticket;
	uint32_t old;

	if (!fakeip_is_fake(sa, len) || fakeip_hold(sa, len, &ticket) < 0)
		return;
	if (log_enabled(LOG_LEVEL_DEBUG)) {
		char dst[300];

		sx_sockaddr_format(sa, len, dst, sizeof(dst));
		log_debug("fake address %s held by descriptor %d", dst, fd);
	}
	if (fd < 0 || fd >= FAKEPIN_FD_MAX)
		return;
	fdany_note(fd);
	old = atomic_exchange(&fakepin_ticket[fd], ticket);
	for (int top = atomic_load(&fakepin_top); top <= fd;) {
		if (atomic_compare_exchange_weak(&fakepin_top, &top, fd + 1))
			break;
	}
	if (old != 0)
		fakeip_release(old);
}

void
fakepin_forget(int fd)
{
	uint32_t old;

	if (fd < 0 || fd >= FAKEPIN_FD_MAX ||
	    atomic_load_explicit(&fakepin_ticket[fd], memory_order_relaxed) == 0)
		return;
	old = atomic_exchange(&fakepin_ticket[fd], 0);
	if (old == 0)
		return;
	fakeip_release(old);
	log_debug("descriptor %d no longer holds fake address number %u", fd,
		  (unsigned)old);
}

void
fakepin_after_fork(void)
{
	int top = atomic_load(&fakepin_top);

	for (int fd = 0; fd < top; fd++) {
		uint32_t t = atomic_load_explicit(&fakepin_ticket[fd],
						  memory_order_relaxed);

		if (t != 0 && fakeip_rehold(t) < 0)
			atomic_store(&fakepin_ticket[fd], 0);
	}
}

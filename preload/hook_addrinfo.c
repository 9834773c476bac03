/*
 * The getaddrinfo() family: getaddrinfo() and getaddrinfo_a().
 *
 * With a proxy that resolves names (socks4a://, socks5h://) no name is
 * resolved here: the program gets a fake address from the fake-IP map, and
 * a connect to that address asks the proxy for the name.  Names that
 * resolve locally instead (core/namepolicy.c):
 *   - numeric addresses, which the real calls parse without asking anyone;
 *   - "localhost" and names under ".localhost" (RFC 6761): from the hosts
 *     file when it lists them, else the loopback addresses;
 *   - names listed in the hosts file, when SOCKSIFY_HOSTS is on: answered
 *     from the file by the library itself (core/hosts.c), so that no other
 *     source of names is asked whatever order nsswitch.conf gives and
 *     whichever family the program asks for;
 *   - names excluded by NO_PROXY: the real resolver.
 * With socks4:// or socks5:// every call goes to the real resolver and the
 * address then goes to the proxy.  How the answers are built: lookup.c.
 *
 * getaddrinfo_a() sends its queries through calls inside the C library
 * that no other hook sees (glibc's even from a thread of its own), so
 * under remote DNS it must never reach the real function.  It answers
 * every request before it returns, through the getaddrinfo() hook's
 * logic, filling each gaicb's ar_result and its result field.  glibc's
 * gai_error() only reads that field, and its gai_suspend() and
 * gai_cancel() find no request of theirs under way (EAI_ALLDONE), so those
 * need no hook.  GAI_NOWAIT then notifies as the sigevent asks, as the C
 * library does once all requests are done: SIGEV_SIGNAL queues the signal
 * to the process, SIGEV_THREAD starts the notification function in a new
 * thread (the program asked for it).  The notification can thus come
 * before getaddrinfo_a() returns, as it can with the C library when the
 * lookups are quick.  Under local DNS the real getaddrinfo_a() runs,
 * asynchronously as ever; a NO_PROXY name under remote DNS is resolved by
 * the real getaddrinfo() before the return.
 */
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dns.h"
#include "lookup.h"
#include "log.h"
#include "preload.h"

SX_EXPORT int
getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
	    struct addrinfo **res)
{
	int saved_errno = errno;
	int rc;

	sx_ready();
	if (sx_guarded())
		return real.getaddrinfo(node, service, hints, res);
	sx_enter();
	rc = lookup_answer(node, service, hints, res);
	sx_leave();
	if (rc != EAI_SYSTEM)
		errno = saved_errno;
	return rc;
}

/* A SIGEV_THREAD notification: the function and its argument. */
struct addrinfo_notice {
	void (*fn)(union sigval);
	union sigval value;
};

static void *
addrinfo_notice_thread(void *arg)
{
	struct addrinfo_notice n;

	sx_ready();
	memcpy(&n, arg, sizeof(n));
	free(arg);
	n.fn(n.value);
	return NULL;
}

/* Notify that getaddrinfo_a()'s requests are done, as sev asks. */
static void
addrinfo_notify(const struct sigevent *sev)
{
	pthread_attr_t attr, *pattr = sev->sigev_notify_attributes;
	struct addrinfo_notice *n;
	pthread_t tid;
	int rc;

	if (sev->sigev_notify == SIGEV_SIGNAL) {
		if (sigqueue(getpid(), sev->sigev_signo, sev->sigev_value) < 0)
			log_warn("getaddrinfo_a(): cannot queue signal %d: %s",
				 sev->sigev_signo, strerror(errno));
		return;
	}
	if (sev->sigev_notify != SIGEV_THREAD || !sev->sigev_notify_function)
		return;
	n = malloc(sizeof(*n));
	if (!n) {
		log_warn("getaddrinfo_a(): out of memory for the notification thread");
		return;
	}
	n->fn = sev->sigev_notify_function;
	n->value = sev->sigev_value;
	if (!pattr) {
		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		pattr = &attr;
	}
	rc = pthread_create(&tid, pattr, addrinfo_notice_thread, n);
	if (pattr == &attr)
		pthread_attr_destroy(&attr);
	if (rc != 0) {
		free(n);
		log_warn("getaddrinfo_a(): cannot start the notification thread: %s",
			 strerror(rc));
	}
}

SX_EXPORT int
getaddrinfo_a(int mode, struct gaicb *list[], int nitems, struct sigevent *sevp)
{
	int saved_errno = errno;

	sx_ready();
	if (sx_guarded()) {
		if (real.getaddrinfo_a)
			return real.getaddrinfo_a(mode, list, nitems, sevp);
		errno = ENOSYS;
		return EAI_SYSTEM;
	}
	if (dns_local_resolution() && real.getaddrinfo_a)
		return real.getaddrinfo_a(mode, list, nitems, sevp);
	if (mode != GAI_WAIT && mode != GAI_NOWAIT) {
		errno = EINVAL;
		return EAI_SYSTEM;
	}
	sx_enter();
	for (int i = 0; list && i < nitems; i++) {
		struct gaicb *cb = list[i];

		if (!cb)
			continue;
		cb->__return = lookup_answer(cb->ar_name, cb->ar_service,
					  cb->ar_request, &cb->ar_result);
	}
	sx_leave();
	if (mode == GAI_NOWAIT && sevp)
		addrinfo_notify(sevp);
	errno = saved_errno;
	return 0;
}

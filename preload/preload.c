/*
 * Library init: resolve the real functions, read the configuration, set up
 * the fake-IP ranges and the fork handlers.  It runs once, from the
 * constructor or from the first hook called before it, with the guard held
 * so that everything init itself calls goes to libc directly.  No thread is
 * started, ever: that would break unshare(CLONE_NEWUSER) in the program.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "atfork.h"
#include "chain.h"
#include "bindtab.h"
#include "conntab.h"
#include "fakeip.h"
#include "fakepin.h"
#include "fakeshm.h"
#include "fdident.h"
#include "gsslib.h"
#include "isolation.h"
#include "log.h"
#include "preload.h"
#include "proxykind.h"
#include "udpassoc.h"

__thread int sx_depth __attribute__((tls_model("initial-exec")));
struct config sx_cfg;
bool sx_up;

static pthread_once_t sx_once = PTHREAD_ONCE_INIT;
static char sx_label[300];

/* The identity of the socket behind fd (fdident.h): its inode, 0 if none. */
static uint64_t
sx_fd_ident(int fd)
{
	int saved_errno = errno;
	struct stat st;
	uint64_t ident = 0;

	if (fstat(fd, &st) == 0 && S_ISSOCK(st.st_mode))
		ident = (uint64_t)st.st_ino;
	errno = saved_errno;
	return ident;
}

/* The kernel's kind of socket fd (core/fdident.h): 0 or -errno. */
static int
sx_fd_kind(int fd, struct fdident_kind *kind)
{
	int saved_errno = errno;
	socklen_t len = sizeof(int);
	int rc = 0;

	if (real.getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &kind->family, &len) < 0)
		goto out_errno;
	len = sizeof(int);
	if (real.getsockopt(fd, SOL_SOCKET, SO_TYPE, &kind->type, &len) < 0)
		goto out_errno;
	len = sizeof(int);
	if (real.getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &kind->protocol, &len) < 0)
		goto out_errno;
	goto out_restore;
out_errno:
	rc = -errno;
out_restore:
	errno = saved_errno;
	return rc;
}

/*
 * Close a control connection the tables dropped with a stale entry, if
 * the number still holds that socket.
 */
static void
sx_close_stale_ctrl(int ctrl, uint64_t ident)
{
	int saved_errno = errno;

	if (ident == 0 || sx_fd_ident(ctrl) == ident)
		real.close(ctrl);
	errno = saved_errno;
}

/*
 * A list of proxies is named as a whole: "socks5 a:1080 > socks5 b:1080"
 * for a chain, with " | " between proxies used one at a time.
 */
static void
sx_label_list(void)
{
	bool chain = !chain_is_single_hop(&sx_cfg);
	size_t n = 0;

	for (size_t i = 0; i < sx_cfg.hop_count && sx_cfg.hop_count > 1; i++) {
		char label[300];
		int w;

		chain_hop_label(&sx_cfg.hops[i], label, sizeof(label));
		w = snprintf(sx_label + n, sizeof(sx_label) - n, "%s%s",
			     i == 0 ? "" : chain ? " > " : " | ", label);
		if (w < 0 || (size_t)w >= sizeof(sx_label) - n)
			break;
		n += (size_t)w;
	}
}

static char *
sx_getenv(const char *name)
{
	return getenv(name);
}

static void
sx_do_init(void)
{
	const struct config_proxy *p = &sx_cfg.proxy;
	bool v6;
	int missing;

	sx_enter();
	missing = real_resolve();
	fdident_set_probe(sx_fd_ident);
	fdident_set_kind_probe(sx_fd_kind);
	udpassoc_set_closer(sx_close_stale_ctrl);
	bindtab_set_closer(sx_close_stale_ctrl);
	config_load(&sx_cfg, &real_sys, sx_getenv);
	if (missing && sx_cfg.valid) {
		sx_cfg.valid = false;
		snprintf(sx_cfg.error, sizeof(sx_cfg.error),
			 "the C library lacks functions this library needs");
	}
	log_set_level(sx_cfg.log_level);
	/* The GSS-API library itself is loaded by the first exchange. */
	if (sx_cfg.proxy.gssapi)
		socks5_gssapi_use(&gsslib_ops);
	if (!sx_cfg.valid)
		log_error("%s; connections through the proxy will fail", sx_cfg.error);
	/* One map for the session (fakeshm.h), else one for this process. */
	if (fakeip_set_ranges(sx_cfg.fake_net, sx_cfg.fake_prefix,
			      sx_cfg.fake_net6, sx_cfg.fake_prefix6, 0) == 0 &&
	    fakeshm_init() < 0)
		fakeip_init(sx_cfg.fake_net, sx_cfg.fake_prefix, sx_cfg.fake_net6,
			    sx_cfg.fake_prefix6, 0);
	v6 = strchr(p->host, ':') != NULL;
	snprintf(sx_label, sizeof(sx_label), "%s %s%s%s:%u",
		 proxykind_of(p)->name, v6 ? "[" : "", p->host,
		 v6 ? "]" : "", (unsigned)p->port);
	sx_label_list();
	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	pthread_atfork(NULL, NULL, fakepin_after_fork);
	pthread_atfork(NULL, NULL, conntab_wrap_after_fork);
	isolation_start();
	log_debug("loaded: proxy %s, timeout %d ms", sx_label, sx_cfg.timeout_ms);
	__atomic_store_n(&sx_up, true, __ATOMIC_RELEASE);
	sx_leave();
}

void
sx_init(void)
{
	pthread_once(&sx_once, sx_do_init);
}

/*
 * A hook reached before init: run it, unless this thread is the one doing
 * it (a call from inside init goes to the real functions, resolved first).
 */
void
sx_init_early(void)
{
	int saved_errno = errno;

	if (sx_depth == 0)
		sx_init();
	errno = saved_errno;
}

const char *
sx_proxy_label(void)
{
	return sx_label;
}

/*
 * The constructor only joins or starts the session (fakeshm.h), so that
 * the programs started from here share one fake-address map; everything
 * else waits for the first hook (sx_ready()), so a program that never
 * calls one, or calls one late, pays nothing at start.
 */
__attribute__((constructor)) static void
sx_constructor(void)
{
	int saved_errno = errno;

	fakeshm_session();
	errno = saved_errno;
}

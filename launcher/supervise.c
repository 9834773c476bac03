/*
 * Two processes: the one supervise_run() runs in forks the program (the
 * child installs the filter and execs) and waits for it, to return its
 * status; a server it forks holds the filter's listener and answers the
 * notifications for as long as any process under the filter lives, also
 * after the program itself has ended (a daemon it left behind keeps its
 * supervisor).  In the server, a pool of worker threads, each blocked in
 * SECCOMP_IOCTL_NOTIF_RECV on the listener (the kernel hands each
 * notification to one of them), answers the calls: no thread is started
 * per call, and a connect that waits for the proxy stalls only its own
 * worker.  When the last idle worker takes a call, it starts another
 * first, up to SUPERVISE_WORKERS.  Workers block every signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdnoreturn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fakeip.h"
#include "log.h"
#include "sessmap.h"
#include "supconnect.h"
#include "supdns.h"
#include "supervise.h"
#include "supfilter.h"
#include "supsend.h"
#include "syslibc.h"
#include "suptarget.h"

/* The variable that names the supervisor to the programs it watches. */
#define SUPERVISE_ENV "SOCKSIFY_SUPERVISOR"
/* Workers at most (calls beyond wait for one), and at the start. */
#define SUPERVISE_WORKERS 256
#define SUPERVISE_WORKERS_FIRST 2
#define SUPERVISE_WORKER_STACK (512 * 1024)
/* The statuses of a program that could not be run (as env(1) and shells use them). */
#define SUPERVISE_EXIT_REFUSED 125
#define SUPERVISE_EXIT_NOEXEC 126
#define SUPERVISE_EXIT_NOTFOUND 127

/* What the child tells the parent before exec, over a close-on-exec pipe. */
enum supervise_stage {
	SUPERVISE_LISTENING,	/* val: the listener's descriptor in the child */
	SUPERVISE_NO_FILTER,	/* val: -errno of supfilter_install() */
	SUPERVISE_NO_EXEC,	/* val: -errno of execv() */
};

struct supervise_msg {
	int stage;
	int val;
};

/* The pool's counts, changed with atomics only. */
static int supervise_idle;
static int supervise_total;
static volatile pid_t supervise_child;

static void
supervise_forward(int sig)
{
	if (supervise_child > 0)
		kill(supervise_child, sig);
}

static void
supervise_answer(const struct supervise_ctx *ctx, const struct seccomp_notif *n)
{
	switch (n->data.nr) {
	case __NR_connect:
		supconnect_handle(ctx, n);
		break;
	case __NR_sendto:
	case __NR_sendmsg:
	case __NR_sendmmsg:
		supsend_handle(ctx, n);
		break;
	case __NR_seccomp:
		log_error("process %u tried to install a seccomp supervisor of its "
			  "own: refused (EBUSY), its network calls stay supervised",
			  (unsigned)n->pid);
		suptarget_reply(ctx->listener, n->id, 0, -EBUSY);
		break;
	default:
		suptarget_reply(ctx->listener, n->id, 0, -ENOSYS);
		break;
	}
}

static void *supervise_worker(void *arg);

/* Start one more worker; false when none can be started. */
static bool
supervise_spawn(const struct supervise_ctx *ctx)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t tid;
	int rc;

	if (__atomic_add_fetch(&supervise_total, 1, __ATOMIC_RELAXED) >
	    SUPERVISE_WORKERS)
		goto err_uncount;
	__atomic_add_fetch(&supervise_idle, 1, __ATOMIC_RELAXED);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, SUPERVISE_WORKER_STACK);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	rc = pthread_create(&tid, &attr, supervise_worker, (void *)ctx);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	if (rc == 0)
		return true;
	__atomic_sub_fetch(&supervise_idle, 1, __ATOMIC_RELAXED);
err_uncount:
	__atomic_sub_fetch(&supervise_total, 1, __ATOMIC_RELAXED);
	return false;
}

static void *
supervise_worker(void *arg)
{
	const struct supervise_ctx *ctx = arg;
	struct seccomp_notif n;

	for (;;) {
		memset(&n, 0, sizeof(n));
		if (ioctl(ctx->listener, SECCOMP_IOCTL_NOTIF_RECV, &n) < 0) {
			/* ENOENT: the caller went away before it was received. */
			if (errno == EINTR || errno == ENOENT)
				continue;
			break;
		}
		/* The last idle worker: another waits for the next call. */
		if (__atomic_sub_fetch(&supervise_idle, 1, __ATOMIC_RELAXED) == 0)
			supervise_spawn(ctx);
		supervise_answer(ctx, &n);
		__atomic_add_fetch(&supervise_idle, 1, __ATOMIC_RELAXED);
	}
	log_error("the supervisor's listener failed: %s", strerror(errno));
	__atomic_sub_fetch(&supervise_idle, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&supervise_total, 1, __ATOMIC_RELAXED);
	return NULL;
}

static int
supervise_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return SUPERVISE_EXIT_REFUSED;
}

/* Wait until the program (not its children) ends: its status. */
static int
supervise_wait(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR)
			return SUPERVISE_EXIT_REFUSED;
	}
	return supervise_status(status);
}

/*
 * The server: answer notifications until no process is under the filter
 * any more (the listener reports POLLHUP), then end.  It keeps standard
 * error for its log lines and lets go of the rest.
 */
static noreturn void
supervise_serve(const struct supervise_ctx *ctx)
{
	struct pollfd p = { .fd = ctx->listener, .events = 0 };
	struct sigaction sa;
	int null;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	/* The terminal's interrupt reaches the program too: it decides. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	/* The main process forwards these to the program; the server ends. */
	sa.sa_handler = SIG_DFL;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, 0);
		dup2(null, 1);
		close(null);
	}
	if (supdns_serve(ctx->dns) < 0 || !supervise_spawn(ctx)) {
		log_error("the supervisor cannot serve: no thread can be started");
		_exit(SUPERVISE_EXIT_REFUSED);
	}
	for (int i = 1; i < SUPERVISE_WORKERS_FIRST; i++)
		supervise_spawn(ctx);
	while (poll(&p, 1, -1) < 0 || !(p.revents & (POLLHUP | POLLERR)))
		;
	_exit(0);
}

/*
 * The fake-IP map: the session's (core/sessmap.h), which the library in
 * the programs started under the supervisor shares through
 * SOCKSIFY_SESSION, else one of the supervisor's own.  0 or -errno.
 */
static int
supervise_session(const struct config *cfg)
{
	char id[SESSID_LEN + 1], value[SESSID_VALUE_MAX];
	int32_t leader;

	if (fakeip_set_ranges(cfg->fake_net, cfg->fake_prefix, cfg->fake_net6,
			      cfg->fake_prefix6, 0) < 0)
		goto own_map;
	if (!sessmap_parse(getenv(SESSID_ENV), id, &leader)) {
		if (sessmap_new_id(id) < 0)
			goto own_map;
		leader = (int32_t)getpid();
		sessid_value(value, id, (uint32_t)leader);
		if (setenv(SESSID_ENV, value, 1) < 0)
			goto own_map;
	}
	sessmap_use(id, leader, &syslibc);
	return 0;
own_map:
	return fakeip_init(cfg->fake_net, cfg->fake_prefix, cfg->fake_net6,
			   cfg->fake_prefix6, 0);
}

static bool
supervise_read_msg(int fd, struct supervise_msg *m)
{
	ssize_t n;

	do {
		n = read(fd, m, sizeof(*m));
	} while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof(*m);
}

static void
supervise_write_msg(int fd, int stage, int val)
{
	struct supervise_msg m = { .stage = stage, .val = val };
	ssize_t n;

	do {
		n = write(fd, &m, sizeof(m));
	} while (n < 0 && errno == EINTR);
}

/* The child: filter, hand over the listener, wait for the parent to take it, exec. */
static void
supervise_child_run(const char *path, char *const argv[],
		    const struct supervise_opts *o, int to_parent, int from_parent)
{
	struct supfilter_opts fo = {
		.packets_direct = o->cfg->packet_mode == CONFIG_PACKET_DIRECT,
	};
	char server[16];
	sigset_t none;
	pid_t ack;
	int fd;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	fd = supfilter_install(&fo);
	if (fd < 0) {
		supervise_write_msg(to_parent, SUPERVISE_NO_FILTER, fd);
		_exit(SUPERVISE_EXIT_REFUSED);
	}
	supervise_write_msg(to_parent, SUPERVISE_LISTENING, fd);
	if (read(from_parent, &ack, sizeof(ack)) != (ssize_t)sizeof(ack))
		_exit(SUPERVISE_EXIT_REFUSED);
	close(fd);
	/*
	 * Tell nested launchers that their programs are watched already, and
	 * by which process (the parent is single-threaded until the server
	 * starts: setenv() is safe here).
	 */
	snprintf(server, sizeof(server), "%d", (int)ack);
	if (setenv(SUPERVISE_ENV, server, 1) < 0)
		_exit(SUPERVISE_EXIT_REFUSED);
	close(from_parent);
	execv(path, argv);
	supervise_write_msg(to_parent, SUPERVISE_NO_EXEC, -errno);
	_exit(errno == ENOENT ? SUPERVISE_EXIT_NOTFOUND : SUPERVISE_EXIT_NOEXEC);
}

static void
supervise_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	/* The terminal's interrupt reaches the program too: it decides. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = supervise_forward;
	sa.sa_flags = SA_RESTART;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
}

/* Reap the child after a failure before exec; its status is ours to decide. */
static void
supervise_reap(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
}

int
supervise_run(const char *path, char *const argv[], const struct supervise_opts *o)
{
	static struct supdns dns;
	static struct supervise_ctx ctx;
	int up[2], down[2], pidfd, rc;
	struct supervise_msg m;
	pid_t pid, server;

	ctx.cfg = o->cfg;
	log_debug("supervising %s%s", path,
		  o->enforce ? " (enforce mode: with the library)" : "");
	rc = supfilter_probe();
	if (rc < 0) {
		log_error("cannot supervise %s: %s; it is not run unproxied",
			  path, supfilter_strerror(rc));
		return SUPERVISE_EXIT_REFUSED;
	}
	rc = supervise_session(o->cfg);
	if (rc < 0 || supdns_open(&dns, o->cfg) < 0) {
		log_error("cannot supervise %s: no fake-address map or name server; "
			  "it is not run unproxied", path);
		return SUPERVISE_EXIT_REFUSED;
	}
	ctx.dns = &dns;
	if (pipe2(up, O_CLOEXEC) < 0)
		goto err_log_errno;
	if (pipe2(down, O_CLOEXEC) < 0)
		goto err_close_up;
	pid = fork();
	if (pid < 0)
		goto err_close_down;
	if (pid == 0) {
		close(up[0]);
		close(down[1]);
		supervise_child_run(path, argv, o, up[1], down[0]);
	}
	supervise_child = pid;
	close(up[1]);
	close(down[0]);
	supervise_signals();
	pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (!supervise_read_msg(up[0], &m) || pidfd < 0) {
		log_error("cannot supervise %s: the child ended before its filter "
			  "was in place; it is not run", path);
		rc = SUPERVISE_EXIT_REFUSED;
		goto out_reap;
	}
	if (m.stage == SUPERVISE_NO_FILTER) {
		log_error("cannot supervise %s: %s; it is not run unproxied",
			  path, supfilter_strerror(m.val));
		rc = SUPERVISE_EXIT_REFUSED;
		goto out_reap;
	}
	ctx.listener = (int)syscall(SYS_pidfd_getfd, pidfd, m.val, 0);
	if (ctx.listener < 0) {
		log_error("cannot supervise %s: cannot take the filter's listener: %s; "
			  "it is not run", path, strerror(errno));
		rc = SUPERVISE_EXIT_REFUSED;
		goto out_reap;
	}
	server = fork();
	if (server < 0) {
		log_error("cannot supervise %s: %s; it is not run", path, strerror(errno));
		rc = SUPERVISE_EXIT_REFUSED;
		goto out_close_listener;
	}
	if (server == 0) {
		close(up[0]);
		close(down[1]);
		close(pidfd);
		supervise_serve(&ctx);
	}
	close(ctx.listener);
	if (write(down[1], &server, sizeof(server)) != (ssize_t)sizeof(server)) {
		rc = SUPERVISE_EXIT_REFUSED;
		goto out_reap;
	}
	if (supervise_read_msg(up[0], &m) && m.stage == SUPERVISE_NO_EXEC) {
		log_error("%s: cannot be executed: %s", path, strerror(-m.val));
		rc = m.val == -ENOENT ? SUPERVISE_EXIT_NOTFOUND : SUPERVISE_EXIT_NOEXEC;
		goto out_reap;
	}
	close(up[0]);
	close(down[1]);
	close(pidfd);
	return supervise_wait(pid);
out_close_listener:
	close(ctx.listener);
out_reap:
	kill(pid, SIGKILL);
	supervise_reap(pid);
	if (pidfd >= 0)
		close(pidfd);
	close(up[0]);
	close(down[1]);
	return rc;
err_close_down:
	close(down[0]);
	close(down[1]);
err_close_up:
	close(up[0]);
	close(up[1]);
err_log_errno:
	log_error("cannot supervise %s: %s", path, strerror(errno));
	return SUPERVISE_EXIT_REFUSED;
}

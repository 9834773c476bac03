/*
 * Unit tests for core/atfork.c: the registry of locks taken around fork(),
 * in registration order before it and released in reverse after it, so
 * that a forked child can take every registered lock again.
 */
#include <errno.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "atfork.h"
#include "tap.h"

static pthread_mutex_t lock_a = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t lock_b = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t extra[ATFORK_MAX];

/* A module registering itself as the library's modules do. */
static pthread_mutex_t module_lock = PTHREAD_MUTEX_INITIALIZER;
ATFORK_LOCK(module, module_lock)

static void
test_register(void)
{
	is_int(atfork_count(), 1, "the module registered its lock at load time");
	is_int(atfork_register(&lock_a), 0, "a lock registers");
	is_int(atfork_register(&lock_b), 0, "another lock registers");
	is_int(atfork_register(&lock_a), 0, "registering again is no error");
	is_int(atfork_count(), 3, "and counts once");
	is_int(atfork_register(NULL), -EINVAL, "NULL is refused");
}

static void
test_prepare_takes_all(void)
{
	atfork_prepare();
	is_int(pthread_mutex_trylock(&module_lock), EBUSY, "prepare took the module's lock");
	is_int(pthread_mutex_trylock(&lock_a), EBUSY, "prepare took the first lock");
	is_int(pthread_mutex_trylock(&lock_b), EBUSY, "prepare took the second lock");
	atfork_parent();
	is_int(pthread_mutex_trylock(&lock_a), 0, "the parent handler released it");
	pthread_mutex_unlock(&lock_a);
	is_int(pthread_mutex_trylock(&lock_b), 0, "and the second");
	pthread_mutex_unlock(&lock_b);
}

/* Another thread holds a lock while the program forks: the child can take it. */
static void *
holder_run(void *arg)
{
	(void)arg;
	for (int i = 0; i < 2000; i++) {
		pthread_mutex_lock(&lock_a);
		pthread_mutex_unlock(&lock_a);
	}
	return NULL;
}

static void
test_fork(void)
{
	pthread_t th;
	int bad = 0;

	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	pthread_create(&th, NULL, holder_run, NULL);
	for (int i = 0; i < 20 && bad == 0; i++) {
		int status = -1;
		pid_t pid = fork();

		if (pid == 0) {
			alarm(5);
			pthread_mutex_lock(&lock_a);
			pthread_mutex_lock(&lock_b);
			pthread_mutex_lock(&module_lock);
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	pthread_join(th, NULL);
	is_int(bad, 0, "every child took every registered lock");
}

static void
test_full(void)
{
	size_t n = atfork_count();
	int rc = 0;

	for (size_t i = 0; n + i < ATFORK_MAX; i++) {
		pthread_mutex_init(&extra[i], NULL);
		if (atfork_register(&extra[i]) != 0)
			rc = -1;
	}
	is_int(rc, 0, "the registry fills up to ATFORK_MAX");
	is_int(atfork_count(), ATFORK_MAX, "full");
	is_int(atfork_register(&extra[ATFORK_MAX - 1]), -ENOSPC,
	       "one more is -ENOSPC");
	atfork_prepare();
	atfork_child();
	is_int(pthread_mutex_trylock(&extra[0]), 0, "the child handler released all");
	pthread_mutex_unlock(&extra[0]);
}

int
main(void)
{
	test_register();
	test_prepare_takes_all();
	test_fork();
	test_full();
	return tap_done();
}

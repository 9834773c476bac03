/*
 * The UDP association table: every call on one entry, descriptors past
 * the byte map, many descriptors, many threads, fork while other threads
 * hold the lock.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "socks5.h"
#include "tap.h"
#include "atfork.h"
#include "udpassoc.h"

static struct sockaddr_in
sin_of(const char *ip, uint16_t port)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	inet_pton(AF_INET, ip, &sin.sin_addr);
	return sin;
}

static void
test_empty(void)
{
	struct udpassoc_info info;
	uint64_t ino = 99;

	ok(!udpassoc_maybe(5), "an empty table has nothing for descriptor 5");
	ok(!udpassoc_maybe_any(5), "nor any control socket at 5");
	ok(!udpassoc_maybe(-1), "a negative descriptor is never ours");
	ok(!udpassoc_get(5, &info), "get finds nothing");
	ok(!udpassoc_is_ctrl(5), "5 is no control socket");
	is_int(udpassoc_remove(5, &ino), -1, "removing nothing returns no control socket");
	is_int(ino, 0, "and inode 0");
	is_int(udpassoc_count(), 0, "no entries");
	is_int(udpassoc_next_fd(0), -1, "no first descriptor");
	is_int(udpassoc_next_ctrl(0), -1, "no first control socket");
}

static void
test_one_entry(void)
{
	struct sockaddr_in peer = sin_of("192.0.2.7", 53);
	struct sockaddr_in relay = sin_of("127.0.0.1", 40000);
	struct sx_endpoint ep;
	struct udpassoc_info info;
	uint64_t ino;

	sx_endpoint_from_name(&ep, "dns.example", 53);
	is_int(udpassoc_set_peer(5, AF_INET, (struct sockaddr *)&peer, sizeof(peer), &ep),
	       0, "set_peer creates the entry");
	ok(udpassoc_maybe(5), "5 may be ours now");
	ok(udpassoc_maybe_any(5), "also for maybe_any");
	ok(!udpassoc_maybe(6), "6 is still not");
	ok(udpassoc_get(5, &info), "get finds 5");
	is_int(info.state, UDPASSOC_NONE, "not associated yet");
	is_int(info.family, AF_INET, "family kept");
	is_int(info.ctrl, -1, "no control socket");
	is_int(info.hdr_hint, UDPASSOC_HDR_DEFAULT, "header hint starts at 10");
	ok(info.has_peer, "has a default destination");
	is_int(info.peerlen, sizeof(peer), "its length");
	is_bytes(&info.peer, &peer, sizeof(peer), "its address");
	is_str(info.peer_ep.name, "dns.example", "its name for the proxy");
	ok(!info.logged, "nothing logged yet");

	is_int(udpassoc_install(5, AF_INET, 1030, 77, (struct sockaddr *)&relay,
				sizeof(relay)), 0, "install an association");
	ok(udpassoc_get(5, &info), "get after install");
	is_int(info.state, UDPASSOC_ASSOCIATED, "associated");
	is_int(info.ctrl, 1030, "control socket 1030");
	is_int(info.ctrl_ino, 77, "its inode");
	is_int(info.relaylen, sizeof(relay), "relay length");
	is_bytes(&info.relay, &relay, sizeof(relay), "relay address");
	ok(info.has_peer, "the default destination survives");
	ok(udpassoc_is_ctrl(1030), "1030 is a control socket");
	ok(udpassoc_maybe_any(1030), "maybe_any sees it");
	ok(!udpassoc_maybe(1030), "but it is no UDP socket of ours");
	is_int(udpassoc_install(5, AF_INET, 1031, 78, (struct sockaddr *)&relay,
				sizeof(relay)), -EEXIST, "a second install loses");
	ok(!udpassoc_is_ctrl(1031), "and leaves no trace");
	is_int(udpassoc_set_state(5, AF_INET, UDPASSOC_REFUSED, ENETUNREACH), -EBUSY,
	       "an associated socket cannot be marked refused");

	ok(udpassoc_first_log(5, AF_INET), "the first failure is logged");
	ok(!udpassoc_first_log(5, AF_INET), "the second is not");
	{
		struct udpassoc_info got;

		is_int(udpassoc_set_local_dns(5, AF_INET), 0, "mark a local DNS answer");
		ok(udpassoc_get(5, &got) && got.local_dns, "the mark is in the entry");
		is_int(udpassoc_set_local_dns(-1, AF_INET), -EINVAL, "no mark on -1");
	}

	udpassoc_set_hint(5, 22);
	udpassoc_get(5, &info);
	is_int(info.hdr_hint, 22, "header hint kept");

	is_int(udpassoc_move_ctrl(1030, 1031), 0, "move the control socket");
	ok(!udpassoc_is_ctrl(1030), "1030 is free");
	ok(!udpassoc_maybe_any(1030), "also in the map");
	ok(udpassoc_is_ctrl(1031), "1031 is the control socket");
	udpassoc_get(5, &info);
	is_int(info.ctrl, 1031, "the entry knows");
	is_int(info.ctrl_ino, 77, "same inode");
	is_int(info.state, UDPASSOC_ASSOCIATED, "still associated");
	is_int(udpassoc_move_ctrl(1030, 1032), -ENOENT, "moving a stranger fails");

	is_int(udpassoc_copy(5, 9, 1040), 0, "copy 5 to 9 (dup2)");
	ok(udpassoc_get(9, &info), "9 has an entry");
	is_int(info.ctrl, 1040, "with its own control socket");
	is_int(info.state, UDPASSOC_ASSOCIATED, "associated");
	ok(info.has_peer, "same default destination");
	is_int(info.hdr_hint, 22, "same hint");
	ok(udpassoc_is_ctrl(1040), "1040 is a control socket");
	is_int(udpassoc_copy(7, 8, -1), -ENOENT, "copying nothing fails");

	is_int(udpassoc_next_fd(0), 5, "first descriptor 5");
	is_int(udpassoc_next_fd(6), 9, "then 9");
	is_int(udpassoc_next_fd(10), -1, "then none");
	is_int(udpassoc_next_ctrl(0), 1031, "first control socket 1031");
	is_int(udpassoc_next_ctrl(1032), 1040, "then 1040");
	is_int(udpassoc_count(), 2, "two entries");

	ok(!udpassoc_drop_ctrl(5, 999), "dropping with the wrong control socket does nothing");
	ok(udpassoc_drop_ctrl(5, 1031), "dropping with the right one works");
	udpassoc_get(5, &info);
	is_int(info.state, UDPASSOC_NONE, "5 is no longer associated");
	is_int(info.ctrl, -1, "and has no control socket");
	ok(!udpassoc_is_ctrl(1031), "1031 is forgotten");
	ok(!udpassoc_drop_ctrl(5, 1031), "dropping twice does nothing");

	is_int(udpassoc_remove(9, &ino), 1040, "remove 9 returns its control socket");
	is_int(ino, 77, "and the inode");
	ok(!udpassoc_maybe(9), "9 is gone");
	ok(!udpassoc_is_ctrl(1040), "1040 too");

	udpassoc_clear_peer(5);
	udpassoc_get(5, &info);
	ok(!info.has_peer, "clear_peer forgets the default destination");
	is_int(udpassoc_set_state(5, AF_INET, UDPASSOC_REFUSED, ENETUNREACH), 0,
	       "mark 5 refused");
	udpassoc_get(5, &info);
	is_int(info.state, UDPASSOC_REFUSED, "refused");
	is_int(info.error, ENETUNREACH, "with its errno");
	is_int(udpassoc_set_state(5, AF_INET, UDPASSOC_ASSOCIATED, 0), -EINVAL,
	       "set_state does not associate");
	is_int(udpassoc_set_state(5, AF_INET, UDPASSOC_DIRECT, 0), 0, "mark 5 direct");
	udpassoc_get(5, &info);
	is_int(info.state, UDPASSOC_DIRECT, "direct");
	is_int(info.error, 0, "no errno");

	is_int(udpassoc_install(5, AF_INET, 1050, 5, (struct sockaddr *)&relay,
				sizeof(relay)), 0, "associate 5 again");
	is_int(udpassoc_move_ctrl(1050, -1), 0, "a control socket that cannot move is forgotten");
	udpassoc_get(5, &info);
	is_int(info.state, UDPASSOC_NONE, "5 then has no association");
	ok(!udpassoc_is_ctrl(1050), "nor control socket");

	is_int(udpassoc_remove(5, &ino), -1, "remove 5");
	is_int(udpassoc_count(), 0, "the table is empty again");
}

static void
test_beyond_map(void)
{
	struct sockaddr_in relay = sin_of("127.0.0.1", 40000);
	struct udpassoc_info info;
	int fd = UDPASSOC_MAP_SIZE + 4464, ctrl = UDPASSOC_MAP_SIZE + 4465;
	uint64_t ino;

	ok(udpassoc_maybe(fd), "past the map every descriptor may be ours");
	ok(!udpassoc_get(fd, &info), "but a lookup says no");
	ok(!udpassoc_is_ctrl(ctrl), "nor is it a control socket");
	is_int(udpassoc_install(fd, AF_INET6, ctrl, 3, (struct sockaddr *)&relay,
				sizeof(relay)), 0, "install past the map");
	ok(udpassoc_get(fd, &info), "found by lookup");
	is_int(info.family, AF_INET6, "with its family");
	ok(udpassoc_is_ctrl(ctrl), "its control socket is known");
	is_int(udpassoc_next_fd(0), fd, "next_fd finds it");
	is_int(udpassoc_remove(fd, &ino), ctrl, "removed");
	ok(!udpassoc_is_ctrl(ctrl), "the control socket with it");
}

static void
test_many(void)
{
	struct sockaddr_in relay = sin_of("127.0.0.1", 40000);
	struct udpassoc_info info;
	int bad = 0;
	uint64_t ino;

	for (int fd = 3; fd < 5003; fd++) {
		if (udpassoc_install(fd, AF_INET, fd + 10000, (uint64_t)fd,
				     (struct sockaddr *)&relay, sizeof(relay)) != 0)
			bad++;
	}
	is_int(bad, 0, "5000 associations installed");
	is_int(udpassoc_count(), 5000, "5000 entries");
	for (int fd = 3; fd < 5003; fd++) {
		if (!udpassoc_get(fd, &info) || info.ctrl != fd + 10000 ||
		    !udpassoc_is_ctrl(fd + 10000))
			bad++;
	}
	is_int(bad, 0, "each found with its control socket");
	is_int(udpassoc_next_ctrl(12000), 12000, "next_ctrl in the middle");
	for (int fd = 3; fd < 5003; fd += 2) {
		if (udpassoc_remove(fd, &ino) != fd + 10000 || ino != (uint64_t)fd)
			bad++;
	}
	is_int(bad, 0, "every other one removed");
	is_int(udpassoc_count(), 2500, "2500 left");
	is_int(udpassoc_next_fd(3), 4, "the first left is 4");
	for (int fd = 4; fd < 5003; fd += 2)
		udpassoc_remove(fd, &ino);
	is_int(udpassoc_count(), 0, "all removed");
	ok(!udpassoc_maybe_any(4) && !udpassoc_maybe_any(10004), "the map is clear");
}

#define THREADS 8
#define ROUNDS 20000

struct worker {
	pthread_t thread;
	int base;
	int errors;
};

static void *
worker_run(void *arg)
{
	struct worker *w = arg;
	struct sockaddr_in relay = sin_of("127.0.0.1", 40000);
	struct udpassoc_info info;
	uint64_t ino;

	for (int i = 0; i < ROUNDS; i++) {
		int fd = w->base + i % 64, ctrl = fd + 100000;

		if (udpassoc_install(fd, AF_INET, ctrl, (uint64_t)i,
				     (struct sockaddr *)&relay, sizeof(relay)) != 0)
			w->errors++;
		if (!udpassoc_get(fd, &info) || info.ctrl != ctrl)
			w->errors++;
		if (!udpassoc_is_ctrl(ctrl))
			w->errors++;
		udpassoc_set_hint(fd, 22);
		if (i % 3 == 0)
			udpassoc_next_fd(w->base);
		if (udpassoc_remove(fd, &ino) != ctrl || ino != (uint64_t)i)
			w->errors++;
		if (udpassoc_maybe(fd) && udpassoc_get(fd, &info))
			w->errors++;
	}
	return NULL;
}

static void
test_threads(void)
{
	struct worker w[THREADS];
	int errors = 0;

	for (int t = 0; t < THREADS; t++) {
		w[t].base = 1000 + t * 100;
		w[t].errors = 0;
		pthread_create(&w[t].thread, NULL, worker_run, &w[t]);
	}
	for (int t = 0; t < THREADS; t++) {
		pthread_join(w[t].thread, NULL);
		errors += w[t].errors;
	}
	is_int(errors, 0, "8 threads install, look up and remove without a slip");
	is_int(udpassoc_count(), 0, "and leave the table empty");
}

static volatile bool hammering;

static void *
hammer_run(void *arg)
{
	struct sockaddr_in relay = sin_of("127.0.0.1", 40000);
	int fd = *(int *)arg;
	uint64_t ino;

	while (hammering) {
		udpassoc_install(fd, AF_INET, fd + 100000, 1, (struct sockaddr *)&relay,
				 sizeof(relay));
		udpassoc_remove(fd, &ino);
	}
	return NULL;
}

static void
test_fork(void)
{
	struct sockaddr_in relay = sin_of("127.0.0.1", 40000);
	pthread_t th[3];
	int fds[3] = { 300, 301, 302 };
	int status = -1, bad = 0;

	pthread_atfork(atfork_prepare, atfork_parent, atfork_child);
	udpassoc_install(400, AF_INET, 1400, 9, (struct sockaddr *)&relay, sizeof(relay));
	hammering = true;
	for (int t = 0; t < 3; t++)
		pthread_create(&th[t], NULL, hammer_run, &fds[t]);
	for (int i = 0; i < 20; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			struct udpassoc_info info;
			uint64_t ino;

			/* The lock must be usable and the entry there. */
			if (!udpassoc_get(400, &info) || info.ctrl != 1400)
				_exit(2);
			if (udpassoc_remove(400, &ino) != 1400)
				_exit(3);
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0)
			bad++;
	}
	hammering = false;
	for (int t = 0; t < 3; t++)
		pthread_join(th[t], NULL);
	is_int(bad, 0, "20 children forked while 3 threads held the lock work on the table");
	ok(udpassoc_is_ctrl(1400), "the parent's entry is untouched by the children");
	{
		uint64_t ino;

		udpassoc_remove(400, &ino);
	}
}

int
main(void)
{
	test_empty();
	test_one_entry();
	test_beyond_map();
	test_many();
	test_threads();
	test_fork();
	return tap_done();
}

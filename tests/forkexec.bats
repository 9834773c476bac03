#!/usr/bin/env bats
# fork(), exec() and daemons: a forked child keeps the names its parent
# resolved (also once the parent is gone); a daemon that closes every
# descriptor (close_range, closefrom, a close() loop over /proc/self/fd)
# and detaches keeps working; the library's own descriptors do not cross
# exec(); an exec'd program is socksified again; no thread is ever started,
# so unshare(CLONE_NEWUSER) works.  The proxy is danted (TCP and UDP),
# resolving the test names in a /etc/hosts of its own (tests/lib/hardening);
# tests/helpers/forkexec.c plays the program.

load lib/common
load lib/udp
load lib/hardening

DOMAIN=stress.test

setup_file() {
	require_library
	start_names_danted dante "$DOMAIN" 4 || return 1
	export PROXY_PORT=$PORT DANTE_LOG=$LOG
	export PROXY_URL="socks5h://127.0.0.1:$PORT"
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT ECHO_LOG=$LOG
	start_udpecho uecho 127.0.0.1
	export UECHO_PORT=$PORT UECHO_LOG=$LOG
	export FE="$REPO/build/tests/helpers/forkexec"
}

# fe ARGS...: forkexec through socksify and danted, loopback proxied.
fe() {
	through "$PROXY_URL" "$FE" "$@"
}

# dest_saw_only_proxy: every connection the echo server got came from
# danted (127.0.0.4), none from the program itself.
dest_saw_only_proxy() {
	log_has "$ECHO_LOG" '^CONN 127\.0\.0\.4 '
	log_lacks "$ECHO_LOG" '^CONN 127\.0\.0\.1 '
}

@test "a forked child connects to a name its parent resolved" {
	run --separate-stderr fe fork "t1.$DOMAIN" "$ECHO_PORT"
	assert_success
	assert_line --regexp '^ADDR 198\.1[89]\.[0-9]+\.[0-9]+$'
	assert_line "CHILD-OK"
	dest_saw_only_proxy
}

@test "a forked child still connects to its parent's name after the parent has exited" {
	run --separate-stderr fe fork "t2.$DOMAIN" "$ECHO_PORT" --parent-exits
	assert_success
	assert_line "CHILD-ORPHANED yes"
	assert_line "CHILD-OK"
	dest_saw_only_proxy
}

# daemon_ok METHOD: a daemon that swept everything above its UDP socket
# with METHOD kept our control socket (LEFT 1: nothing else), and its old
# UDP socket, a new one and a new TCP connection all work.
daemon_ok() {
	run --separate-stderr fe sweep "$1" "t3.$DOMAIN" "$ECHO_PORT" "$UECHO_PORT"
	assert_success
	assert_line "SWEPT $1"
	assert_line "LEFT 1"
	assert_line "SETSID yes"
	assert_line "UDP-OLD ok"
	assert_line "UDP-NEW ok"
	assert_line "TCP ok"
	assert_line "DAEMON-OK"
	refute_regex "$stderr" 'socksify: '
}

# daemon_all_ok METHOD: the same, sweeping from 3 on: our control socket
# went with its UDP socket (LEFT 0), and new sockets work.
daemon_all_ok() {
	run --separate-stderr fe sweep "$1" "t3.$DOMAIN" "$ECHO_PORT" "$UECHO_PORT" --all
	assert_success
	assert_line "LEFT 0"
	assert_line "UDP-NEW ok"
	assert_line "TCP ok"
	assert_line "DAEMON-OK"
}

@test "a daemon that closes its descriptors with close_range() keeps working" {
	daemon_ok close_range
	daemon_all_ok close_range
	dest_saw_only_proxy
}

@test "a daemon that closes its descriptors with closefrom() keeps working" {
	daemon_ok closefrom
	daemon_all_ok closefrom
	dest_saw_only_proxy
}

@test "closefrom() keeps working where the kernel lacks close_range (seccomp makes it ENOSYS)" {
	daemon_ok closefrom-nosys
	daemon_all_ok closefrom-nosys
}

@test "a daemon that close()s every entry of /proc/self/fd keeps working" {
	daemon_ok procloop
	daemon_all_ok procloop
	dest_saw_only_proxy
}

@test "a sweep of descriptors leaves a pending SOCKS BIND alone: the peer's call still comes in" {
	local m
	start_reporting peer "$PY" "$HELPERS/backpeer.py" --log "$BATS_TEST_TMPDIR/peer.log" 127.0.0.1 0
	for m in close_range closefrom procloop; do
		run --separate-stderr through "socks5://127.0.0.1:$PROXY_PORT" env SOCKSIFY_TIMEOUT=3 \
			"$FE" bindsweep "$m" 127.0.0.1 "$PORT"
		assert_success
		assert_line --regexp '^LISTEN 127\.0\.0\.4 [0-9]+$'
		# The BIND's control connection is all that is left above the
		# listening socket.
		assert_line "LEFT 1"
		assert_line --regexp '^DATA HELLO 127\.0\.0\.1 [0-9]+$'
		assert_line "BIND-OK"
		refute_regex "$stderr" 'socksify: '
	done
}

@test "the library's descriptors are close-on-exec: an exec'd program holds only its own" {
	local dir out pid i hex want got
	dir=$BATS_TEST_TMPDIR
	out="$dir/exec.out"
	# forkexec opens a UDP association (a control connection to the proxy)
	# and a proxied TCP connection without close-on-exec, then execs sleep.
	fe exec "$ECHO_PORT" "$UECHO_PORT" sleep 3 >"$out" 2>"$dir/exec.err" 3>&- &
	for i in $(seq 1 100); do
		pid=$(sed -n 's/^PID //p' "$out")
		[ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ] && break
		sleep 0.05
	done
	[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ] || {
		echo "# the program did not exec sleep:" >&2
		cat "$out" "$dir/exec.err" | sed 's/^/# /' >&2
		return 1
	}
	# Sockets connected to the proxy's port, by inode.
	hex=$(printf '%04X' "$PROXY_PORT")
	want=$(readlink "/proc/$pid/fd/$(sed -n 's/^TCPFD //p' "$out")" | tr -dc 0-9)
	got=$(for f in /proc/"$pid"/fd/*; do readlink "$f"; done | sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' |
		while read -r ino; do
			awk -v ino="$ino" -v port=":$hex" \
				'$3 ~ port"$" && $10 == ino { print ino }' /proc/net/tcp /proc/net/tcp6 2>/dev/null
		done | sort -u | tr '\n' ' ')
	assert_equal "$got" "$want "
	# The program's own UDP socket crossed exec() too.
	[[ $(readlink "/proc/$pid/fd/$(sed -n 's/^UDPFD //p' "$out")") == socket:* ]]
	kill "$pid"
	wait || true
}

@test "an exec'd program is socksified again" {
	local before
	before=$(grep -c '^CONN 127\.0\.0\.4 ' "$ECHO_LOG" || true)
	# exec() from C with the environment as it is.
	run --separate-stderr fe exec "$ECHO_PORT" "$UECHO_PORT" "$FE" connect 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "CONNECTED"
	# exec() by a shell, and what the exec'd program's environment holds.
	run --separate-stderr through "$PROXY_URL" sh -c 'exec "$0" connect 127.0.0.1 "$1"' "$FE" "$ECHO_PORT"
	assert_success
	assert_line "CONNECTED"
	run --separate-stderr through "$PROXY_URL" sh -c 'exec env'
	assert_success
	# The launcher's entry (with $LIB for the dynamic linker), or the
	# library under test when one is named.
	local entry="$REPO/build/\$LIB/socksify/libsocksify.so" preload
	[ -z "${SOCKSIFY_TEST_LIB:-}" ] || entry=$LIB
	preload=$(printf '%s\n' "$output" | sed -n 's/^LD_PRELOAD=//p' | tr ' ' ':')
	[[ ":$preload:" == *":$entry:"* ]]
	# Three connections through the proxy (two from the first program, one
	# from the second), none direct.
	[ "$(grep -c '^CONN 127\.0\.0\.4 ' "$ECHO_LOG")" -eq $((before + 3)) ]
	log_lacks "$ECHO_LOG" '^CONN 127\.0\.0\.1 '
}

@test "no thread is started: unshare -U works under socksify, and a busy program has one task" {
	local pid i
	run --separate-stderr through "$PROXY_URL" unshare -U true
	assert_success
	# After DNS, a proxied connection and a UDP association: still one
	# thread, so unshare(CLONE_NEWUSER) (EINVAL with threads) works.
	run --separate-stderr fe tasks "t1.$DOMAIN" "$ECHO_PORT" "$UECHO_PORT"
	assert_success
	assert_line "TASKS 1"
	assert_line "UNSHARE ok"
	# A socksified sleep, seen from outside.
	through "$PROXY_URL" sleep 2 3>&- &
	for i in $(seq 1 40); do
		pid=$(for p in $(descendants "$!"); do
			[ "$(cat "/proc/$p/comm" 2>/dev/null)" = sleep ] && echo "$p"
		done | head -n1)
		[ -n "$pid" ] && break
		sleep 0.05
	done
	[ -n "$pid" ]
	[ "$(ls "/proc/$pid/task" | wc -l)" -eq 1 ]
	grep -q 'libsocksify' "/proc/$pid/maps"
	kill "$pid" 2>/dev/null || true
	wait || true
}

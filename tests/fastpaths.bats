#!/usr/bin/env bats
# The calls the library answers with the real call as its last step, as
# fast as without it: what a program sees must not change.  dup() of a
# descriptor the library keeps nothing for may be a system call of the
# hook's own (tests/helpers/fastpaths.c dup: errno as the C library's
# wrapper sets it); epoll_wait() with a zero timeout acts on a pending
# cancellation as the C library's does; and recvfrom() skips its second
# look only while nothing can open an association during the receive: a
# signal handler that does (SA_RESTART, so the kernel restarts the receive
# after it) still gets the echo unwrapped, from the destination's address.

load lib/common
load lib/udp

FASTP="$REPO/build/tests/helpers/fastpaths"

setup_file() {
	require_library
	[ -x "$FASTP" ] || {
		echo "# $FASTP is missing: run make" >&2
		return 1
	}
	start_danted_udp dante
	export DANTE_PORT=$PORT
}

@test "dup() of a closed descriptor fails with EBADF, and a copy reads the original's data" {
	run --separate-stderr through "socks5://127.0.0.1:$DANTE_PORT" "$FASTP" dup
	assert_success
	assert_line "DUP -1 EBADF"
	assert_line "DUP ok"
}

@test "epoll_wait() with a zero timeout acts on a pending deferred cancellation" {
	run --separate-stderr through "socks5://127.0.0.1:$DANTE_PORT" "$FASTP" cancel
	assert_success
	assert_output "CANCELLED"
}

@test "a receive during which a signal handler opens the socket's association gets the echo unwrapped" {
	start_udpecho echo 127.0.0.1
	run --separate-stderr through "socks5://127.0.0.1:$DANTE_PORT" "$FASTP" sigrecv 127.0.0.1 "$PORT"
	assert_success
	assert_output "RECV ping FROM 127.0.0.1 $PORT"
	[ "$(count_lines "$LOG" '^FROM 127\.0\.0\.4 ')" -eq 1 ]
}

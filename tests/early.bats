#!/usr/bin/env bats
# Every hook works before the library's constructor has run and during
# exit(): a library preloaded after libsocksify.so runs its constructor
# first and its destructor during exit(), and whatever it calls then
# (tests/early/libearly.c) must behave as usual: a connect it makes crosses
# the proxy.

load lib/common

EARLY="$REPO/build/tests/early/libearly.so"

setup_file() {
	require_library
	[ -f "$EARLY" ] || {
		echo "# $EARLY is missing: run make" >&2
		return 1
	}
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT
	LOG="$(bg_dir)/slow.log"
	start_reporting slow "$PY" "$HELPERS/slowsocks.py" --log "$LOG" 127.0.0.1 0
	export SLOW_PORT=$PORT SLOW_LOG=$LOG
}

@test "hooks called from a constructor that runs before the library's, and from a destructor during exit(), work and cross the proxy" {
	run --separate-stderr timeout -k 2 "$CLIENT_TIMEOUT" env SOCKSIFY_LOOPBACK=proxy \
		SOCKS_PROXY="socks5://127.0.0.1:$SLOW_PORT" EARLY_ECHO_PORT="$ECHO_PORT" \
		LD_PRELOAD="$LIB${SOCKSIFY_TEST_PRELOAD:+:$SOCKSIFY_TEST_PRELOAD}:$EARLY" /bin/true
	printf '# %s\n' "${lines[@]}" "$stderr" >&2
	assert_success
	local step
	for step in write read writev readv select poll epoll_ctl epoll_wait dup dup2 \
		dup3 fcntl close getsockopt connect getpeername getsockname send \
		shutdown bind listen; do
		assert_line "EARLY $step ok"
	done
	assert_line --regexp '^EARLY DEST PEER 127\.0\.0\.6 '
	assert_line "EARLY done"
	# And from its destructor, during exit().
	assert_line "LATE connect ok"
	assert_line --regexp '^LATE DEST PEER 127\.0\.0\.6 '

	log_has "$SLOW_LOG" " REQUEST 127\.0\.0\.1 $ECHO_PORT\$"
}

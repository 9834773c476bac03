#!/usr/bin/env bats
# While a non-blocking connect() is negotiating with the proxy, the socket
# is reported as a connecting TCP socket is: neither readable nor writable,
# then writable once the proxy said "succeeded".  The proxy's answers are
# not the program's data: a socket reported readable always has something
# to read.  tests/helpers/rwclient is the program: it asks for readability
# (and writability) at once with every readiness API and counts the
# wake-ups that said readable too early, or readable with nothing to read.
# tests/helpers/slowsocks.py answers after 300 ms.

load lib/common

RW="$REPO/build/tests/helpers/rwclient"

setup_file() {
	require_library
	[ -x "$RW" ] || {
		echo "# $RW is missing: run make" >&2
		return 1
	}
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT
	LOG="$(bg_dir)/slow.log"
	: >"$LOG"
	start_reporting slow "$PY" "$HELPERS/slowsocks.py" --log "$LOG" \
		--reply-delay 0.3 127.0.0.1 0
	export SLOW_URL="socks5://127.0.0.1:$PORT"
}

# rw_clean ARGS...: rwclient through the slow proxy to the echo server; it
# must read the destination's line through the proxy with no wake-up that
# said readable (or writable) when it should not have.  The handshake is
# lock-step: pipelined, the destination's line often arrives a few
# microseconds after the proxy's reply (the client has nothing to send, so
# it acknowledges the reply at once), and the wake-up that completes the
# connect then rightly says readable too, which rwclient counts as early.
rw_clean() {
	run through "$SLOW_URL" env SOCKSIFY_PIPELINE=0 "$RW" "$@" 127.0.0.1 "$ECHO_PORT"
	if [ "$status" -ne 0 ] ||
		! printf '%s\n' "$output" | grep -qE '^PEER-LINE PEER 127\.0\.0\.6 [0-9]+$' ||
		[ "$(line_value EARLY-READABLE)" != 0 ] ||
		[ "$(line_value EARLY-WRITABLE)" != 0 ] ||
		[ "$(line_value EMPTY-READABLE)" != 0 ]; then
		echo "# rwclient $*:" >&2
		printf '#   %s\n' "${lines[@]}" >&2
		return 1
	fi
}

@test "a pending socket is never readable, and readable means data, with every readiness API" {
	local mode
	for mode in poll ppoll select pselect epoll-lt epoll-et epoll-et-before; do
		rw_clean "$mode"
		rw_clean -r "$mode"
	done
}

@test "a thread already in epoll_wait() never sees the exchange of a connect another thread starts" {
	local mode
	for mode in epoll-lt epoll-et; do
		rw_clean -t "$mode"
		rw_clean -t -r "$mode"
	done
}

#!/usr/bin/env bats
# A blocking connect() through the proxy meets signals as the kernel's own
# connect does: a handler installed with SA_RESTART leaves it waiting, one
# without makes it fail with EINTR, and connect() called again finishes the
# exchange.  tests/helpers/sigconnect is the program: it knows nothing of
# SOCKS, connects while SIGALRM arrives every 20 ms, and reports how many
# connect() calls said EINTR, how many handlers ran and in which thread.
# tests/helpers/slowsocks.py answers after half a second, so some twenty
# signals arrive during each exchange.

load lib/common

SIGC="$REPO/build/tests/helpers/sigconnect"

setup_file() {
	require_library
	[ -x "$SIGC" ] || {
		echo "# $SIGC is missing: run make" >&2
		return 1
	}
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT
	LOG="$(bg_dir)/slow.log"
	: >"$LOG"
	start_reporting slow "$PY" "$HELPERS/slowsocks.py" --log "$LOG" \
		--reply-delay 0.5 127.0.0.1 0
	export SLOW_URL="socks5://127.0.0.1:$PORT" SLOW_LOG=$LOG
}

# sigc ARGS...: sigconnect through the slow proxy to the echo server.
sigc() {
	run through "$SLOW_URL" "$SIGC" "$@" 127.0.0.1 "$ECHO_PORT"
}

# signals_ran: handlers ran during the connect (the test means something).
signals_ran() {
	local n
	n=$(line_value SIGNALS)
	[ -n "$n" ] && [ "$n" -ge 5 ] || {
		echo "# only '$n' signals arrived during the connect" >&2
		return 1
	}
}

# proxied: the data went through the proxy (it connects from 127.0.0.6).
proxied() {
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.6 [0-9]+$'
	assert_line "ECHO hello"
	assert_line "RESULT ok"
}

@test "a blocking connect() rides over signals whose handler has SA_RESTART" {
	sigc -r
	assert_success
	signals_ran
	# Every handler ran, in the connecting thread, and none broke the call.
	assert_line "EINTR 0"
	assert_line "CONNECT 0"
	assert_equal "$(line_value IN-CONNECTOR)" "$(line_value SIGNALS)"
	proxied
}

@test "without SA_RESTART it fails with EINTR, and connect() again finishes the exchange" {
	local before
	before=$(grep -c ' CONN ' "$SLOW_LOG" || true)
	sigc
	assert_success
	signals_ran
	local eintr
	eintr=$(line_value EINTR)
	[ "$eintr" -ge 5 ] || {
		echo "# connect() said EINTR $eintr times" >&2
		return 1
	}
	assert_line "CONNECT 0"
	proxied
	# One exchange with the proxy, resumed after each EINTR, not started anew.
	assert_equal "$(grep -c ' CONN ' "$SLOW_LOG")" "$((before + 1))"
}

@test "a second thread that connects rides over SA_RESTART signals sent to it, and stops at the others" {
	sigc -r -w thread
	assert_success
	signals_ran
	assert_line "EINTR 0"
	assert_equal "$(line_value IN-CONNECTOR)" "$(line_value SIGNALS)"
	proxied

	sigc -w thread
	assert_success
	signals_ran
	[ "$(line_value EINTR)" -ge 5 ]
	proxied
}

@test "signals taken by another thread never interrupt the connecting one" {
	sigc -w other
	assert_success
	signals_ran
	assert_line "IN-CONNECTOR 0"
	assert_line "EINTR 0"
	proxied
}

@test "with a send timeout (SO_SNDTIMEO) even an SA_RESTART handler interrupts it, as in the kernel" {
	sigc -r -s 10000
	assert_success
	signals_ran
	[ "$(line_value EINTR)" -ge 5 ]
	proxied
}

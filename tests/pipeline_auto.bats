#!/usr/bin/env bats
# Pipelining by default: the SOCKS5 greeting and request leave in one write
# to every proxy that takes it (danted, ssh -D, ss-local), and a proxy that
# answers the greeting and drops the request (microsocks) is found out by
# the probe's window (800 ms here), the connection redone lock-step on a
# fresh connection to the proxy, and the verdict remembered: in the
# process, and for the user's next processes in
# $XDG_RUNTIME_DIR/socksify/pipeline.  A proxy that answered a pipelined
# request is remembered too, and no longer watched.
#
# strace shows what the library wrote to the proxy: a pipelined handshake
# writes greeting and CONNECT request together (PIPELINED below), a
# lock-step one the greeting alone (GREETING).

load lib/common

NB="$REPO/build/tests/helpers/nbclient"

# As strace prints them: greeting with "no authentication", then a CONNECT
# request for 127.0.0.1; and the greeting alone.
PIPELINED='"\5\1\0\5\1\0\1\177\0\0\1'
GREETING='"\5\1\0", 3'

setup_file() {
	require_library
	[ -x "$NB" ] || {
		echo "# $NB is missing: run make" >&2
		return 1
	}
	command -v strace >/dev/null || {
		echo "# strace is not installed (make deps)" >&2
		return 1
	}
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT ECHO_LOG=$LOG
	start_danted dante
	export DANTE_URL="socks5://127.0.0.1:$PORT"
}

setup() {
	XDG=$BATS_TEST_TMPDIR/xdg
	mkdir -m 700 "$XDG"
	STATE=$XDG/socksify/pipeline
	EXTRA_ENV=()
	TRACE_N=0
}

# traced URL CMD...: CMD with the library under test, SOCKS_PROXY=URL,
# SOCKSIFY_LOG=info, XDG_RUNTIME_DIR=$XDG and the VAR=VALUE words of
# EXTRA_ENV, under strace; the writes of the run are recorded in $TRACE (a
# new file each time).  Sets $output, $stderr and $status as bats' run does.
traced() {
	local url=$1 v preload=$LIB
	shift
	TRACE_N=$((TRACE_N + 1))
	TRACE=$BATS_TEST_TMPDIR/trace.$TRACE_N
	# A sanitizer's runtime goes first (SOCKSIFY_TEST_PRELOAD), the library
	# under test after it unless that list names it already.
	if [ -n "${SOCKSIFY_TEST_PRELOAD:-}" ]; then
		case $SOCKSIFY_TEST_PRELOAD in
		*libsocksify.so*) preload=$SOCKSIFY_TEST_PRELOAD ;;
		*) preload="$SOCKSIFY_TEST_PRELOAD:$LIB" ;;
		esac
	fi
	local -a envs=(-E LD_PRELOAD="$preload"
		-E SOCKS_PROXY="$url" -E SOCKSIFY_LOOPBACK=proxy
		-E SOCKSIFY_LOG=info -E XDG_RUNTIME_DIR="$XDG")
	for v in "${EXTRA_ENV[@]}"; do
		envs+=(-E "$v")
	done
	run --separate-stderr timeout -k 2 "$CLIENT_TIMEOUT" \
		strace -f -qq -e trace=sendto,sendmsg,write -o "$TRACE" \
		"${envs[@]}" "$@"
}

# count TEXT: how many calls in $TRACE wrote TEXT (fixed string).
count() {
	grep -cF -- "$1" "$TRACE" || true
}

# writes_are PIPELINED_COUNT GREETING_COUNT: $TRACE has that many pipelined
# handshakes and that many lock-step greetings.
writes_are() {
	local p g
	p=$(count "$PIPELINED")
	g=$(count "$GREETING")
	[ "$p" = "$1" ] && [ "$g" = "$2" ] || {
		echo "# expected $1 pipelined and $2 lock-step handshakes, found $p and $g:" >&2
		grep -E 'sendto|sendmsg' "$TRACE" | sed 's/^/# /' >&2
		return 1
	}
}

# The info line of a detection.
DETECTED='answered a pipelined greeting but dropped the request.*SOCKSIFY_PIPELINE'

@test "by default danted gets greeting and request in one write and carries the connection" {
	traced "$DANTE_URL" "$NB" block 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "ECHO hello"
	writes_are 1 0
	# It is remembered as a proxy that takes them, silently.
	grep -qE "^127\.0\.0\.1:${DANTE_URL##*:} takes [0-9]+$" "$STATE"
	[ "$(stat -c %a "$STATE")" = 600 ]
	refute_regex "$stderr" "SOCKSIFY_PIPELINE"
}

@test "by default ssh -D gets greeting and request in one write and carries the connection" {
	[ "$(id -u)" -eq 0 ] || skip "a private sshd needs root"
	start_ssh_socks sshsocks
	traced "socks5://127.0.0.1:$PORT" "$NB" block 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "ECHO hello"
	writes_are 1 0
}

@test "by default ss-local gets greeting and request in one write and carries the connection" {
	load lib/udp
	start_shadowsocks ss
	traced "socks5://127.0.0.1:$PORT" "$NB" block 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "ECHO hello"
	writes_are 1 0
}

@test "microsocks by default: found out once, redone lock-step, remembered in the process and in the state file" {
	start_microsocks ms
	local url="socks5://127.0.0.1:$PORT"
	traced "$url" "$PY" "$HELPERS/client.py" --send hello --count 3 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_equal "$(grep -c '^ECHO hello$' <<<"$output")" 3
	# One pipelined attempt, then three lock-step handshakes: the retry and
	# the two later connections, which do not try pipelining again.
	writes_are 1 3
	assert_equal "$(grep -cE "$DETECTED" <<<"$stderr")" 1
	assert_regex "$stderr" "proxy socks5 127\.0\.0\.1:$PORT $DETECTED"
	# The window (800 ms) is paid once, not three times.
	local elapsed
	elapsed=$(line_value ELAPSED)
	"$PY" -c "import sys; sys.exit(0 if 0.8 <= $elapsed < 1.8 else 1)" || {
		echo "# three connections took ${elapsed}s" >&2
		return 1
	}
	# The state file: the user's only, one line for this proxy.
	[ "$(stat -c %a "$XDG/socksify")" = 700 ]
	[ "$(stat -c %a "$STATE")" = 600 ]
	grep -qE "^127\.0\.0\.1:$PORT drops [0-9]+$" "$STATE"
	assert_equal "$(wc -l <"$STATE")" 1

	# A second process reads it and goes lock-step at once, saying nothing.
	traced "$url" "$NB" block 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "ECHO hello"
	writes_are 0 1
	refute_regex "$stderr" "$DETECTED"
	local ms
	ms=$(line_value CONNECT-MS)
	[ "${ms%.*}" -lt 400 ] || {
		echo "# the second process took $ms ms to connect" >&2
		return 1
	}
}

@test "a non-blocking connect through microsocks works on first contact, from poll, select and epoll" {
	start_microsocks ms
	local url="socks5://127.0.0.1:$PORT" mode
	for mode in poll select epoll-et epoll-before-connect; do
		rm -rf "$XDG/socksify"
		traced "$url" "$NB" "$mode" 127.0.0.1 "$ECHO_PORT"
		assert_success
		assert_line "CONNECT-RC EINPROGRESS"
		assert_line "QUIET yes"
		assert_line "SO_ERROR 0"
		assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.3 [0-9]+$'
		assert_line "ECHO hello"
		writes_are 1 1
		assert_regex "$stderr" "$DETECTED"
		grep -qE "^127\.0\.0\.1:$PORT drops [0-9]+$" "$STATE"
	done
}

@test "a non-blocking python client (select) through microsocks on first contact" {
	start_microsocks ms
	traced "socks5://127.0.0.1:$PORT" "$PY" "$HELPERS/client.py" --mode nonblock --send hello \
		--count 2 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_equal "$(grep -c '^ECHO hello$' <<<"$output")" 2
	writes_are 1 2
}

@test "SOCKSIFY_PIPELINE=0 forces lock-step with danted, and SOCKSIFY_PIPELINE=1 pipelines despite the state file" {
	EXTRA_ENV=(SOCKSIFY_PIPELINE=0)
	traced "$DANTE_URL" "$NB" block 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "ECHO hello"
	writes_are 0 1

	start_microsocks ms
	mkdir -m 700 "$XDG/socksify"
	(umask 077 && echo "127.0.0.1:$PORT drops $(date +%s)" >"$STATE")
	EXTRA_ENV=(SOCKSIFY_PIPELINE=1 SOCKSIFY_TIMEOUT=1)
	traced "socks5://127.0.0.1:$PORT" "$NB" --no-pending-io block 127.0.0.1 "$ECHO_PORT"
	assert_failure
	assert_line "RESULT ETIMEDOUT"
	writes_are 1 0
	# Forced, it is not the probe's to judge; the line says how to turn it off.
	assert_regex "$stderr" "pipelining \(SOCKSIFY_PIPELINE=0 turns it off\)"
}

@test "a slow destination behind a pipelining proxy is not taken for a proxy that drops requests" {
	local slow_log=$BATS_TEST_TMPDIR/slow.log
	start_reporting slow "$PY" "$HELPERS/slowsocks.py" --log "$slow_log" \
		--upstream-delay 1.2 127.0.0.1 0
	local url="socks5://127.0.0.1:$PORT"
	traced "$url" "$PY" "$HELPERS/client.py" --send hello --count 2 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_equal "$(grep -c '^ECHO hello$' <<<"$output")" 2
	# Each connection waited out the window and was redone lock-step, whose
	# reply was as slow: nothing is recorded, so both tried pipelining.
	writes_are 2 2
	refute_regex "$stderr" "$DETECTED"
	[ ! -e "$STATE" ]
}

@test "a destination as slow as the benchmark's (200 ms) is carried pipelined, without a retry" {
	local slow_log=$BATS_TEST_TMPDIR/slow.log
	start_reporting slow "$PY" "$HELPERS/slowsocks.py" --log "$slow_log" \
		--upstream-delay 0.2 127.0.0.1 0
	traced "socks5://127.0.0.1:$PORT" "$NB" block 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "ECHO hello"
	writes_are 1 0
	grep -qE "^127\.0\.0\.1:$PORT takes [0-9]+$" "$STATE"
}

@test "a proxy known to take pipelined requests is not watched: a destination slower than the window costs no retry" {
	local slow_log=$BATS_TEST_TMPDIR/slow.log
	start_reporting slow "$PY" "$HELPERS/slowsocks.py" --log "$slow_log" \
		--upstream-delay 1.2 127.0.0.1 0
	mkdir -m 700 "$XDG/socksify"
	(umask 077 && echo "127.0.0.1:$PORT takes $(date +%s)" >"$STATE")
	traced "socks5://127.0.0.1:$PORT" "$NB" block 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "ECHO hello"
	writes_are 1 0
	assert_equal "$(grep -c ' CONN ' "$slow_log")" 1
}

@test "no state file outside a runtime directory of the user's own" {
	start_microsocks ms
	local url="socks5://127.0.0.1:$PORT"
	[ "$(id -u)" -eq 0 ] || skip "changing a directory's owner needs root"
	chown nobody "$XDG"
	traced "$url" "$NB" block 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "ECHO hello"
	writes_are 1 1
	[ ! -e "$XDG/socksify" ]
	# A state file someone else may write is not read either.
	chown root "$XDG"
	mkdir -m 700 "$XDG/socksify"
	echo "127.0.0.1:$PORT drops $(date +%s)" >"$STATE"
	chmod 666 "$STATE"
	traced "$url" "$NB" block 127.0.0.1 "$ECHO_PORT"
	assert_success
	writes_are 1 1
}

@test "an expired verdict is tried again" {
	start_microsocks ms
	local url="socks5://127.0.0.1:$PORT"
	mkdir -m 700 "$XDG/socksify"
	(umask 077 && echo "127.0.0.1:$PORT drops $(($(date +%s) - 86400 - 5))" >"$STATE")
	traced "$url" "$NB" block 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "ECHO hello"
	writes_are 1 1
	assert_regex "$stderr" "$DETECTED"
}

@test "pipelined by default, the proxy's answers never show a pending socket readable or writable" {
	local rw="$REPO/build/tests/helpers/rwclient" slow_log=$BATS_TEST_TMPDIR/slow.log mode
	start_reporting slow "$PY" "$HELPERS/slowsocks.py" --log "$slow_log" \
		--reply-delay 0.3 127.0.0.1 0
	for mode in poll select epoll-lt epoll-et-before; do
		traced "socks5://127.0.0.1:$PORT" "$rw" "$mode" 127.0.0.1 "$ECHO_PORT"
		assert_success
		assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.6 [0-9]+$'
		# The method answer came first: had it been shown, the program
		# would have found nothing to read, or a socket not connected.
		assert_line "EMPTY-READABLE 0"
		assert_line "EARLY-WRITABLE 0"
		writes_are 1 0
	done
}

@test "a blocking connect that signals interrupt on first contact with microsocks is resumed, retried lock-step and carried" {
	start_microsocks ms
	traced "socks5://127.0.0.1:$PORT" "$REPO/build/tests/helpers/sigconnect" \
		127.0.0.1 "$ECHO_PORT"
	assert_success
	# Each EINTR left the exchange pending; connect() again resumed it.
	[ "$(line_value EINTR)" -ge 5 ]
	assert_line "CONNECT 0"
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.3 [0-9]+$'
	assert_line "RESULT ok"
	writes_are 1 1
	assert_regex "$stderr" "$DETECTED"
}

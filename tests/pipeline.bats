#!/usr/bin/env bats
# The pipelined SOCKS5 handshake forced on and off (SOCKSIFY_PIPELINE=1 and
# 0): greeting and request leave in one write and the replies are read back
# to back, which saves a round trip to the proxy.  danted and OpenSSH's
# "ssh -D" take it; microsocks answers the greeting and drops the request,
# so pipelining forced on against microsocks must fail within the timeout
# with a line that says why instead of hanging, and forced off must work.
# What happens by default (pipelining, with microsocks found out and
# remembered) is in pipeline_auto.bats.
#
# strace shows what the library wrote: the first sendto() of the exchange
# carries the greeting alone (3 bytes: 05 01 00) in lock-step, and greeting
# plus CONNECT request (3 + 10 bytes for an IPv4 destination) pipelined.

load lib/common

NB="$REPO/build/tests/helpers/nbclient"

setup_file() {
	require_library
	[ -x "$NB" ] || {
		echo "# $NB is missing: run make" >&2
		return 1
	}
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT ECHO_LOG=$LOG
	start_danted dante
	export DANTE_URL="socks5://127.0.0.1:$PORT" DANTE_LOG=$LOG
	start_microsocks ms
	export MS_URL="socks5://127.0.0.1:$PORT"
}

# traced URL PIPELINE NBCLIENT ARGS...: nbclient through the proxy at URL
# under strace, with SOCKSIFY_PIPELINE=PIPELINE (left unset when PIPELINE is
# "default") and SOCKSIFY_TIMEOUT=2; its sendto() calls are recorded in
# $TRACE.  Sets $output, $stderr and $status as bats' run does.
traced() {
	local url=$1 pipeline=$2
	shift 2
	command -v strace >/dev/null || skip "strace is not installed"
	TRACE=$BATS_TEST_TMPDIR/sendto.trace
	local -a envs=(-E LD_PRELOAD="$LIB" -E SOCKS_PROXY="$url"
		-E SOCKSIFY_LOOPBACK=proxy -E SOCKSIFY_TIMEOUT=2)
	if [ "$pipeline" != default ]; then
		envs+=(-E SOCKSIFY_PIPELINE="$pipeline")
	fi
	run --separate-stderr timeout -k 2 "$CLIENT_TIMEOUT" \
		strace -f -qq -e trace=sendto -o "$TRACE" "${envs[@]}" \
		"$NB" "$@" 127.0.0.1 "$ECHO_PORT"
}

# first_send_is BYTES: the first sendto() in $TRACE (the library's first
# write to the proxy) sent BYTES bytes.
first_send_is() {
	local first
	first=$(grep -m1 -E 'sendto\(' "$TRACE")
	[[ "$first" =~ \)\ =\ ([0-9]+)$ ]] && [ "${BASH_REMATCH[1]}" = "$1" ] || {
		echo "# expected a first sendto() of $1 bytes, the trace has:" >&2
		sed 's/^/# /' "$TRACE" >&2
		return 1
	}
}

# The greeting offering "no authentication" followed by a CONNECT request for
# 127.0.0.1, as strace prints the bytes.
PIPELINED_BYTES='"\5\1\0\5\1\0\1\177\0\0\1'

@test "SOCKSIFY_PIPELINE=1 sends greeting and request to danted in one write, and danted carries the connection" {
	traced "$DANTE_URL" 1 block
	assert_success
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.4 [0-9]+$'
	assert_line "ECHO hello"
	first_send_is 13
	grep -m1 -F "$PIPELINED_BYTES" "$TRACE" >/dev/null
	log_has "$DANTE_LOG" "pass\(1\): tcp/connect .*127\.0\.0\.4\.[0-9]+ 127\.0\.0\.1\.$ECHO_PORT"
}

@test "a pipelined handshake with danted runs from poll and from epoll on a non-blocking socket" {
	local mode
	for mode in poll epoll-et; do
		traced "$DANTE_URL" 1 --quiet-ms 0 --no-pending-io "$mode"
		assert_success
		assert_line "CONNECT-RC EINPROGRESS"
		assert_line "SO_ERROR 0"
		assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.4 [0-9]+$'
		assert_line "ECHO hello"
		first_send_is 13
	done
}

@test "SOCKSIFY_PIPELINE=1 sends greeting and request to ssh -D in one write, and ssh carries the connection" {
	[ "$(id -u)" -eq 0 ] || skip "a private sshd needs root"
	start_ssh_socks sshsocks
	local sshd_log=$LOG
	traced "socks5://127.0.0.1:$PORT" 1 block
	assert_success
	assert_line "ECHO hello"
	first_send_is 13
	# sshd opened a direct-tcpip channel to the destination for it.
	log_has "$sshd_log" "server_request_direct_tcpip: originator 127\.0\.0\.1 port [0-9]+, target 127\.0\.0\.1 port $ECHO_PORT$"
}

@test "SOCKSIFY_PIPELINE=0: the greeting goes alone and microsocks carries the connection" {
	traced "$MS_URL" 0 block
	assert_success
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.3 [0-9]+$'
	assert_line "ECHO hello"
	first_send_is 3
	grep -m1 -F 'sendto(' "$TRACE" | grep -qF '"\5\1\0", 3'
}

@test "SOCKSIFY_PIPELINE=1 against microsocks fails within the timeout with a line that names pipelining" {
	local mode before
	before=$(wc -l <"$ECHO_LOG")
	for mode in block poll; do
		SECONDS=0
		traced "$MS_URL" 1 --no-pending-io "$mode"
		assert_failure 1
		assert_line "RESULT ETIMEDOUT"
		[ "$SECONDS" -le 4 ] || {
			echo "# $mode: took ${SECONDS}s with SOCKSIFY_TIMEOUT=2" >&2
			return 1
		}
		assert_regex "$stderr" "socksify: 127\.0\.0\.1:$ECHO_PORT via socks5 127\.0\.0\.1:[0-9]+: .*pipelin.*SOCKSIFY_PIPELINE"
		first_send_is 13
	done
	# microsocks never connected anywhere for them.
	assert_equal "$(wc -l <"$ECHO_LOG")" "$before"
}

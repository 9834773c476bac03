#!/usr/bin/env bats
# A proxy that breaks at every step of the handshake, in every way
# tests/helpers/faultsocks.py knows, for SOCKS4 and SOCKS5 (and SOCKS5 with
# a password): the program gets a clear errno within SOCKSIFY_TIMEOUT, does
# not crash, keeps no descriptor, and its other connection through the
# same proxy goes on echoing all along (tests/helpers/faultclient.py keeps
# one busy from a thread while it makes the others).  failures.bats covers
# the reply codes and the simpler cases with badsocks.py.

load lib/common

# The handshake timeout of every run, and how much later than it a failure
# may come.
FAULT_TIMEOUT=1
FAULT_SLACK=1.5

setup_file() {
	require_library
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT ECHO_LOG=$LOG
}

# fault_run URL-PREFIX MODE [FAULTSOCKS OPTIONS...]: faultsocks.py in MODE
# (the first connection served properly), and faultclient.py through it to
# the echo server with SOCKSIFY_TIMEOUT=$FAULT_TIMEOUT, making $ATTEMPTS
# attempts (default 4; blocking and non-blocking in turn).  URL-PREFIX is
# the scheme, with credentials when wanted ("socks5://user:pw@").
fault_run() {
	local prefix=$1 mode=$2
	shift 2
	start_badfault "$mode" "$@"
	run --separate-stderr timeout -k 2 "$CLIENT_TIMEOUT" env SOCKSIFY_LOOPBACK=proxy \
		SOCKS_PROXY="${prefix}127.0.0.1:$PORT" SOCKSIFY_TIMEOUT=$FAULT_TIMEOUT \
		"$SOCKSIFY" "$PY" "$HELPERS/faultclient.py" --attempts "${ATTEMPTS:-4}" \
		127.0.0.1 "$ECHO_PORT"
}

# start_badfault MODE [OPTIONS...]: faultsocks.py on 127.0.0.1; PORT, PID, LOG.
start_badfault() {
	local mode=$1
	shift
	FAULT_N=$((${FAULT_N:-0} + 1))
	LOG="$(bg_dir)/fault-$FAULT_N-$mode.log"
	start_reporting "fault-$FAULT_N-$mode" "$PY" "$HELPERS/faultsocks.py" \
		--log "$LOG" --good-first 1 "$@" "$mode" 127.0.0.1 0
}

# fault_ok RESULT-REGEX [MIN-SECONDS [MAX-SECONDS]]: the run ended normally
# (no signal, no hang), every attempt (blocking and non-blocking) ended with
# a result matching RESULT-REGEX after at least MIN-SECONDS and within
# MAX-SECONDS (default: the timeout plus slack), the good connection echoed
# all along, no descriptor was left behind, nothing reached the destination
# around the proxy, and no password showed.
fault_ok() {
	local want=$1 min=${2:-0} max=${3:-} line result secs n=0
	[ -n "$max" ] || max=$(awk -v a=$FAULT_TIMEOUT -v b=$FAULT_SLACK 'BEGIN { print a + b }')
	[ "$status" -eq 0 ] || {
		echo "# faultclient exited with status $status" >&2
		printf '%s\n%s\n' "$output" "$stderr" | sed 's/^/# /' >&2
		return 1
	}
	assert_line "DONE"
	assert_line --regexp '^GOOD PEER 127\.0\.0\.5 [0-9]+$'
	while IFS= read -r line; do
		[[ $line == ATTEMPT* ]] || continue
		n=$((n + 1))
		result=$(printf '%s' "$line" | cut -d' ' -f4- | sed 's/ [0-9.]*$//')
		secs=${line##* }
		[[ $result =~ ^($want)$ ]] || {
			echo "# '$line': expected a result matching '$want'" >&2
			return 1
		}
		awk -v t="$secs" -v lo="$min" -v hi="$max" 'BEGIN { exit !(t >= lo && t < hi) }' || {
			echo "# '$line': took ${secs}s, expected between ${min}s and ${max}s" >&2
			return 1
		}
	done <<<"$output"
	[ "$n" -eq "${ATTEMPTS:-4}" ] || {
		echo "# $n ATTEMPT lines, expected ${ATTEMPTS:-4}" >&2
		return 1
	}
	assert_line --regexp '^OTHER ok [1-9][0-9]*$'
	line=$(line_value FDS)
	[ "${line% *}" = "${line#* }" ] || {
		echo "# descriptors before and after the attempts: $line" >&2
		return 1
	}
	log_lacks "$ECHO_LOG" '^CONN 127\.0\.0\.1 '
	refute_regex "$stderr" 'secretpw'
}

# fault_logged: every failed attempt left one clear line on stderr.
fault_logged() {
	local n
	n=$(printf '%s\n' "$stderr" | grep -c '^socksify: 127\.0\.0\.1:[0-9]* via socks[45] 127\.0\.0\.1:[0-9]*: ' || true)
	[ "$n" -eq "${ATTEMPTS:-4}" ] || {
		echo "# expected ${ATTEMPTS:-4} socksify lines naming the destination and the proxy, got $n:" >&2
		printf '%s\n' "$stderr" | sed 's/^/# /' >&2
		return 1
	}
}

CLOSED='ERRNO (ECONNRESET|EPROTO)'
# A failure that needs no waiting comes within this many seconds.
AT_ONCE=0.5

@test "a proxy closing right after accepting gives ECONNRESET at once" {
	for v in socks4:// socks5:// socks5://user:secretpw@; do
		fault_run "$v" close-on-accept
		fault_ok "$CLOSED" 0 $AT_ONCE
		fault_logged
	done
}

@test "a proxy closing after each step of the handshake fails at once: a reset before the request is out, a refused destination after it" {
	local mode
	for mode in close-after-greeting close-mid-reply; do
		for v in socks5:// socks5://user:secretpw@; do
			fault_run "$v" "$mode"
			fault_ok "$CLOSED" 0 $AT_ONCE
			fault_logged
		done
	done
	fault_run socks5://user:secretpw@ close-after-method
	fault_ok "$CLOSED" 0 $AT_ONCE
	fault_logged
	fault_run socks4:// close-mid-reply
	fault_ok "$CLOSED" 0 $AT_ONCE
	fault_logged
	# Once the request is out, a close before any byte of the reply is a
	# refused destination (ssh -D's way of saying it); the request may
	# also meet the close first.
	for v in socks4:// socks5://; do
		for mode in close-after-greeting close-after-method; do
			[ "$v" = socks5:// ] && [ "$mode" = close-after-greeting ] && continue
			fault_run "$v" "$mode"
			fault_ok 'ERRNO (ECONNREFUSED|ECONNRESET|EPIPE)' 0 $AT_ONCE
			fault_logged
		done
	done
	fault_run socks5://user:secretpw@ close-after-auth
	fault_ok 'ERRNO (ECONNREFUSED|ECONNRESET|EPIPE)' 0 $AT_ONCE
	fault_logged
}

@test "a proxy closing after the request without a reply is a refused destination: ECONNREFUSED at once" {
	for v in socks4:// socks5:// socks5://user:secretpw@; do
		fault_run "$v" close-after-request
		fault_ok 'ERRNO ECONNREFUSED' 0 $AT_ONCE
		fault_logged
	done
}

@test "a proxy resetting the connection after the request gives ECONNRESET" {
	for v in socks4:// socks5:// socks5://user:secretpw@; do
		fault_run "$v" reset-after-request
		fault_ok 'ERRNO ECONNRESET' 0 $AT_ONCE
		fault_logged
	done
}

@test "replies sent byte by byte within the timeout still connect" {
	local ATTEMPTS=2
	for v in socks4:// socks5:// socks5://user:secretpw@; do
		fault_run "$v" trickle --delay 0.03
		fault_ok 'CONNECTED PEER 127\.0\.0\.5 [0-9]+'
	done
}

@test "replies trickling in slower than the timeout end in ETIMEDOUT at the timeout" {
	local ATTEMPTS=2
	# 0.3 s a byte: the reply would need several seconds.
	for v in socks4:// socks5://; do
		fault_run "$v" trickle --delay 0.3
		fault_ok 'ERRNO ETIMEDOUT' 0.8
		fault_logged
	done
}

@test "a reply that stops one byte short ends in ETIMEDOUT at the timeout" {
	local ATTEMPTS=2
	for v in socks4:// socks5:// socks5://user:secretpw@; do
		fault_run "$v" trickle-stall --delay 0.02
		fault_ok 'ERRNO ETIMEDOUT' 0.8
		fault_logged
	done
}

@test "garbage instead of a reply gives EPROTO at once, at the method and at the request step" {
	local mode
	for mode in garbage-method garbage-reply; do
		for v in socks4:// socks5://; do
			fault_run "$v" "$mode"
			fault_ok 'ERRNO EPROTO' 0 $AT_ONCE
			fault_logged
		done
	done
}

@test "a megabyte of 0xff instead of a reply gives EPROTO at once" {
	for v in socks4:// socks5://; do
		fault_run "$v" flood
		fault_ok 'ERRNO EPROTO' 0 $AT_ONCE
		fault_logged
	done
}

@test "oversized method and authentication replies give EPROTO" {
	fault_run socks5:// oversized-method
	fault_ok 'ERRNO EPROTO' 0 $AT_ONCE
	fault_logged
	fault_run socks5://user:secretpw@ oversized-auth
	fault_ok 'ERRNO EPROTO' 0 $AT_ONCE
	fault_logged
}

@test "a BND name of the longest legal length connects; an empty BND name is EPROTO" {
	fault_run socks5:// long-name
	fault_ok 'CONNECTED PEER 127\.0\.0\.5 [0-9]+'
	fault_run socks5:// zero-name
	fault_ok 'ERRNO EPROTO' 0 $AT_ONCE
	fault_logged
}

@test "an IPv6 BND in the reply to an IPv4 request connects" {
	fault_run socks5:// ipv6-bnd
	fault_ok 'CONNECTED PEER 127\.0\.0\.5 [0-9]+'
}

@test "success followed at once by a reset or a close is a clear ECONNRESET or end of file" {
	for v in socks4:// socks5://; do
		fault_run "$v" success-reset
		fault_ok '(READ-)?ERRNO ECONNRESET|READ-EOF'
		fault_run "$v" success-close
		fault_ok 'READ-EOF|(READ-)?ERRNO ECONNRESET'
	done
}

@test "a proxy that never answers, or answers the greeting only, ends in ETIMEDOUT at the timeout" {
	local ATTEMPTS=2
	local mode
	for mode in silent silent-after-method; do
		for v in socks4:// socks5://; do
			fault_run "$v" "$mode"
			fault_ok 'ERRNO ETIMEDOUT' 0.8
			fault_logged
		done
	done
}

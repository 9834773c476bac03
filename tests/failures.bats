#!/usr/bin/env bats
# What a program sees when the proxy is down, misbehaves or refuses:
# tests/helpers/badsocks.py plays the misbehaving proxy (a real server on
# loopback, scripted per mode) and logs what it received.  Every failure must
# be quick, bounded by SOCKSIFY_TIMEOUT, and carry an errno that says what
# happened; nothing may reach the destination around the proxy.

load lib/common

setup_file() {
	require_library
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT ECHO_LOG=$LOG
}

# elapsed_below SECONDS: client.py's ELAPSED line is below SECONDS.
elapsed_below() {
	local t
	t=$(line_value ELAPSED)
	[ -n "$t" ] || {
		echo "# no ELAPSED line in the output" >&2
		return 1
	}
	awk -v t="$t" -v max="$1" 'BEGIN { exit !(t < max) }' || {
		echo "# took ${t}s, expected under $1s" >&2
		return 1
	}
}

# elapsed_above SECONDS
elapsed_above() {
	local t
	t=$(line_value ELAPSED)
	awk -v t="$t" -v min="$1" 'BEGIN { exit !(t >= min) }' || {
		echo "# took ${t}s, expected at least $1s" >&2
		return 1
	}
}

# The destination got no connection during the test.
dest_untouched() {
	assert_equal "$(wc -l <"$ECHO_LOG")" "$ECHO_BEFORE"
}

setup() {
	ECHO_BEFORE=$(wc -l <"$ECHO_LOG")
}

# bad_client SCHEME MODE [BADSOCKS OPTIONS...] -- [CLIENT OPTIONS...]: start
# badsocks in MODE and run client.py through it to the echo server with
# SOCKSIFY_TIMEOUT=5.  SCHEME may also be the start of a URL with user
# information ("socks5://user:pass@").
bad_client() {
	local prefix=$1 mode=$2
	case $prefix in
	*://*) ;;
	*) prefix="$prefix://" ;;
	esac
	shift 2
	local -a bopts=()
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		bopts+=("$1")
		shift
	done
	[ "${1:-}" = -- ] && shift
	start_badsocks bad "$mode" "${bopts[@]}"
	BAD_LOG=$LOG
	run --separate-stderr through "${prefix}127.0.0.1:$PORT" env SOCKSIFY_TIMEOUT=5 \
		"$PY" "$HELPERS/client.py" --timeout 15 "$@" 127.0.0.1 "$ECHO_PORT"
}

@test "a proxy that is down makes connect fail fast with ECONNREFUSED" {
	local port
	port=$(free_port)
	run --separate-stderr through "socks5://127.0.0.1:$port" "$PY" "$HELPERS/client.py" \
		127.0.0.1 "$ECHO_PORT"
	assert_failure 1
	assert_line "ERRNO ECONNREFUSED"
	elapsed_below 2
	assert_regex "$stderr" "socksify: .*proxy"
	run --separate-stderr through "socks4://127.0.0.1:$port" "$PY" "$HELPERS/client.py" \
		--mode nonblock 127.0.0.1 "$ECHO_PORT"
	assert_failure 1
	assert_line "ERRNO ECONNREFUSED"
	elapsed_below 2
	dest_untouched
}

@test "curl fails fast and clearly when the proxy is down" {
	local port
	port=$(free_port)
	SECONDS=0
	run --separate-stderr through "socks5h://127.0.0.1:$port" curl -q -sS --max-time 15 \
		"http://127.0.0.1:$ECHO_PORT/"
	assert_failure 7
	[ "$SECONDS" -lt 5 ]
	assert_regex "$stderr" "socksify: .*proxy"
	dest_untouched
}

@test "a proxy closing the connection after the greeting gives ECONNRESET or EPROTO" {
	bad_client socks5 close-after-greeting
	assert_failure 1
	assert_line --regexp '^ERRNO (ECONNRESET|EPROTO)$'
	elapsed_below 3
	log_has "$BAD_LOG" "RECV 050"
	assert_regex "$stderr" "socksify: "
	dest_untouched
}

@test "a SOCKS4 proxy closing the connection after the request, without a reply, gives ECONNREFUSED" {
	bad_client socks4 close-after-request
	assert_failure 1
	assert_line "ERRNO ECONNREFUSED"
	elapsed_below 3
	log_has "$BAD_LOG" "REQUEST4 1 127\.0\.0\.1 $ECHO_PORT"
	dest_untouched
}

@test "a SOCKS5 proxy closing the connection after the request, without a reply, gives ECONNREFUSED" {
	bad_client socks5 close-after-request
	assert_failure 1
	assert_line "ERRNO ECONNREFUSED"
	elapsed_below 3
	log_has "$BAD_LOG" "REQUEST5 1 127\.0\.0\.1 $ECHO_PORT"
}

@test "a proxy closing in the middle of its reply gives ECONNRESET or EPROTO" {
	bad_client socks5 close-mid-reply
	assert_failure 1
	assert_line --regexp '^ERRNO (ECONNRESET|EPROTO)$'
	elapsed_below 3
	bad_client socks4 close-mid-reply
	assert_failure 1
	assert_line --regexp '^ERRNO (ECONNRESET|EPROTO)$'
	elapsed_below 3
}

@test "a proxy answering garbage gives EPROTO at once, not a timeout" {
	bad_client socks5 garbage
	assert_failure 1
	assert_line --regexp '^ERRNO (EPROTO|ECONNRESET)$'
	elapsed_below 3
	assert_regex "$stderr" "socksify: "
	bad_client socks4 garbage
	assert_failure 1
	assert_line --regexp '^ERRNO (EPROTO|ECONNRESET)$'
	elapsed_below 3
	dest_untouched
}

@test "a proxy answering with the wrong version gives EPROTO" {
	bad_client socks5 wrong-version
	assert_failure 1
	assert_line "ERRNO EPROTO"
	elapsed_below 3
	bad_client socks4 wrong-version
	assert_failure 1
	assert_line "ERRNO EPROTO"
	elapsed_below 3
}

@test "a SOCKS5 reply with an unknown address type gives EPROTO" {
	bad_client socks5 bad-atyp
	assert_failure 1
	assert_line "ERRNO EPROTO"
	elapsed_below 3
}

@test "a SOCKS5 reply announcing a long name and closing gives ECONNRESET or EPROTO" {
	bad_client socks5 long-name
	assert_failure 1
	assert_line --regexp '^ERRNO (ECONNRESET|EPROTO)$'
	elapsed_below 3
}

@test "every SOCKS5 reply code becomes its errno" {
	# badsocks answers with the destination port as the reply code.
	start_badsocks bad refuse --rep port
	local url="socks5://127.0.0.1:$PORT" code want
	local -a expect=([1]=EIO [2]=EACCES [3]=ENETUNREACH [4]=EHOSTUNREACH
		[5]=ECONNREFUSED [6]=ETIMEDOUT [7]=EOPNOTSUPP [8]=EAFNOSUPPORT)
	for code in 1 2 3 4 5 6 7 8; do
		want=${expect[$code]}
		run --separate-stderr through "$url" "$PY" "$HELPERS/client.py" 127.0.0.1 "$code"
		assert_failure 1
		assert_line "ERRNO $want"
		elapsed_below 3
		assert_regex "$stderr" "socksify: "
	done
}

@test "SOCKS4 rejection 91 becomes ECONNREFUSED, and 92 and 93 fail too" {
	start_badsocks bad refuse --cd port
	local url="socks4://127.0.0.1:$PORT"
	run --separate-stderr through "$url" "$PY" "$HELPERS/client.py" 127.0.0.1 91
	assert_failure 1
	assert_line "ERRNO ECONNREFUSED"
	assert_regex "$stderr" "socksify: "
	for code in 92 93; do
		run --separate-stderr through "$url" "$PY" "$HELPERS/client.py" 127.0.0.1 "$code"
		assert_failure 1
		assert_line --regexp '^ERRNO E[A-Z]+$'
		refute_line "CONNECTED"
	done
}

@test "a proxy that never answers times out in about SOCKSIFY_TIMEOUT=1 with ETIMEDOUT" {
	start_badsocks bad silent
	run --separate-stderr through "socks5://127.0.0.1:$PORT" env SOCKSIFY_TIMEOUT=1 \
		"$PY" "$HELPERS/client.py" --timeout 15 127.0.0.1 "$ECHO_PORT"
	assert_failure 1
	assert_line "ERRNO ETIMEDOUT"
	elapsed_above 0.8
	elapsed_below 3
	assert_regex "$stderr" "socksify: "
	dest_untouched
}

@test "a fractional SOCKSIFY_TIMEOUT is honoured" {
	start_badsocks bad silent
	run --separate-stderr through "socks4://127.0.0.1:$PORT" env SOCKSIFY_TIMEOUT=0.5 \
		"$PY" "$HELPERS/client.py" --timeout 15 127.0.0.1 "$ECHO_PORT"
	assert_failure 1
	assert_line "ERRNO ETIMEDOUT"
	elapsed_above 0.4
	elapsed_below 2
}

@test "a proxy that answers the greeting but never the request times out too" {
	start_badsocks bad silent-after-method
	run --separate-stderr through "socks5://127.0.0.1:$PORT" env SOCKSIFY_TIMEOUT=1 \
		"$PY" "$HELPERS/client.py" --timeout 15 127.0.0.1 "$ECHO_PORT"
	assert_failure 1
	assert_line "ERRNO ETIMEDOUT"
	elapsed_above 0.8
	elapsed_below 3
	log_has "$LOG" "SENT 0500"
}

@test "a non-blocking connect to a silent proxy fails with ETIMEDOUT within the bound" {
	start_badsocks bad silent
	run --separate-stderr through "socks5://127.0.0.1:$PORT" env SOCKSIFY_TIMEOUT=1 \
		"$PY" "$HELPERS/client.py" --mode nonblock --timeout 10 127.0.0.1 "$ECHO_PORT"
	assert_failure 1
	assert_line "ERRNO ETIMEDOUT"
	elapsed_below 3
}

@test "curl gives up within SOCKSIFY_TIMEOUT when the proxy never answers" {
	start_badsocks bad silent
	SECONDS=0
	run --separate-stderr through "socks5://127.0.0.1:$PORT" env SOCKSIFY_TIMEOUT=1 \
		curl -q -sS --max-time 15 "http://127.0.0.1:$ECHO_PORT/"
	assert_failure
	[ "$SECONDS" -lt 5 ]
}

@test "a proxy replying one byte at a time still carries the connection" {
	bad_client socks5 slow -- --send hello
	assert_success
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.5 [0-9]+$'
	assert_line "ECHO hello"
	assert_line "GETPEERNAME 127.0.0.1 $ECHO_PORT"
	log_has "$BAD_LOG" "RELAY 127\.0\.0\.1 $ECHO_PORT"
	bad_client socks4 slow -- --mode nonblock --send hello
	assert_success
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.5 [0-9]+$'
	assert_line "ECHO hello"
}

@test "a blocking connect interrupted by signals still completes through the proxy" {
	# The reply trickles in over about half a second while SIGALRM arrives
	# every 20 ms; Python, like C programs, then waits for writability and
	# reads SO_ERROR, or calls connect() again.
	bad_client socks5 slow --delay 0.05 -- --interrupt 0.02 --send hello
	assert_success
	assert_line --regexp '^SIGNALS [1-9][0-9]*$'
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.5 [0-9]+$'
	assert_line "ECHO hello"
}

@test "user and password reach a SOCKS5 proxy exactly as given" {
	bad_client 'socks5://us%65r:p%40ss@' ok --user user --password 'p@ss' -- --send hello
	assert_success
	assert_line "ECHO hello"
	# RFC 1929: version 1, length 4, "user", length 4, "p@ss".
	log_has "$BAD_LOG" "RECV .*0104757365720470407373"
	refute_regex "$stderr" "p@ss|p%40ss"
}

#!/usr/bin/env bats
# Real clients through Dante's sockd (SOCKS4 and SOCKS5, no authentication).
# Its outgoing connections come from 127.0.0.4 ("external"), so a
# destination that sees 127.0.0.4 proves the proxy carried the connection,
# and danted's own log records each one.

load lib/common

setup_file() {
	require_library
	start_dest web 127.0.0.1 --http
	export WEB_PORT=$PORT WEB_LOG=$LOG
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT ECHO_LOG=$LOG
	start_dest once 127.0.0.1 --once
	export ONCE_PORT=$PORT
	start_danted dante
	export DANTE_PORT=$PORT DANTE_LOG=$LOG
}

assert_web_via_dante() {
	local path=$1
	assert_line --regexp '^PEER 127\.0\.0\.4 [0-9]+$'
	assert_line "PATH $path"
	log_has "$WEB_LOG" "^GET $path 127\.0\.0\.4 [0-9]+$"
	# danted logged the connection it made to the destination.
	log_has "$DANTE_LOG" "pass\(1\): tcp/connect .*127\.0\.0\.4\.[0-9]+ 127\.0\.0\.1\.$WEB_PORT"
}

assert_echo_via_dante() {
	assert_line "CONNECTED"
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.4 [0-9]+$'
	assert_line "GETPEERNAME 127.0.0.1 $ECHO_PORT"
	assert_line "ECHO hello"
}

@test "curl fetches a page through danted over socks5" {
	run through "socks5://127.0.0.1:$DANTE_PORT" curl -q -sS --max-time 15 \
		"http://127.0.0.1:$WEB_PORT/curl-socks5"
	assert_success
	assert_web_via_dante /curl-socks5
}

@test "curl fetches a page through danted over socks4" {
	run through "socks4://127.0.0.1:$DANTE_PORT" curl -q -sS --max-time 15 \
		"http://127.0.0.1:$WEB_PORT/curl-socks4"
	assert_success
	assert_web_via_dante /curl-socks4
}

@test "curl fetches a page through danted over socks5h" {
	run through "socks5h://127.0.0.1:$DANTE_PORT" curl -q -sS --max-time 15 \
		"http://127.0.0.1:$WEB_PORT/curl-socks5h"
	assert_success
	assert_web_via_dante /curl-socks5h
}

@test "wget downloads a page through danted over socks4 with a user id" {
	run through "socks4://someone@127.0.0.1:$DANTE_PORT" wget --no-config -q -O - \
		--tries=1 --timeout=15 "http://127.0.0.1:$WEB_PORT/wget-socks4"
	assert_success
	assert_web_via_dante /wget-socks4
}

@test "nc talks to an echo server through danted over socks5" {
	run through "socks5://127.0.0.1:$DANTE_PORT" nc -w 10 127.0.0.1 "$ONCE_PORT" \
		<<<"hello from nc"
	assert_success
	assert_line --regexp '^PEER 127\.0\.0\.4 [0-9]+$'
	assert_line "hello from nc"
}

@test "python3 connects a blocking socket through danted over socks4" {
	run through "socks4://127.0.0.1:$DANTE_PORT" "$PY" "$HELPERS/client.py" \
		--mode block --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_echo_via_dante
	assert_line "NONBLOCK no"
	assert_line "FLAGS-KEPT yes"
}

@test "python3 connects a non-blocking socket with select through danted over socks5" {
	run through "socks5://127.0.0.1:$DANTE_PORT" "$PY" "$HELPERS/client.py" \
		--mode nonblock --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line --regexp '^CONNECT-RC (0|EINPROGRESS)$'
	assert_echo_via_dante
	assert_line "NONBLOCK yes"
	assert_line "FLAGS-KEPT yes"
}

@test "python3 asyncio open_connection goes through danted over socks5" {
	run through "socks5://127.0.0.1:$DANTE_PORT" "$PY" "$HELPERS/client.py" \
		--mode asyncio --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_echo_via_dante
}

@test "python3 asyncio open_connection goes through danted over socks4" {
	run through "socks4://127.0.0.1:$DANTE_PORT" "$PY" "$HELPERS/client.py" \
		--mode asyncio --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_echo_via_dante
}

@test "danted refusing a closed port gives ECONNREFUSED over socks5" {
	local closed
	closed=$(free_port)
	run --separate-stderr through "socks5://127.0.0.1:$DANTE_PORT" "$PY" \
		"$HELPERS/client.py" 127.0.0.1 "$closed"
	assert_failure 1
	assert_line "ERRNO ECONNREFUSED"
	assert_regex "$stderr" "socksify: "
}

@test "danted refusing a closed port over socks4 (91) gives ECONNREFUSED" {
	local closed
	closed=$(free_port)
	run --separate-stderr through "socks4://127.0.0.1:$DANTE_PORT" "$PY" \
		"$HELPERS/client.py" --mode nonblock 127.0.0.1 "$closed"
	assert_failure 1
	assert_line "ERRNO ECONNREFUSED"
}

@test "socks4a to an IP address is plain SOCKS4, which danted carries" {
	# Dante 1.4 rejects SOCKS4a requests (a host name after the user id) with
	# 91, but a destination given as an address needs no name: the request
	# is plain SOCKS4 and goes through.
	run --separate-stderr through "socks4a://127.0.0.1:$DANTE_PORT" "$PY" \
		"$HELPERS/client.py" --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_echo_via_dante
}

@test "socks4a with a host name is answered 91 by danted and fails with ECONNREFUSED" {
	# Dante 1.4 does not implement SOCKS4a.  The name is one only the proxy
	# could resolve, so the request carries it.
	local before
	before=$(wc -l <"$ECHO_LOG")
	run --separate-stderr through "socks4a://127.0.0.1:$DANTE_PORT" "$PY" \
		"$HELPERS/client.py" web.test "$ECHO_PORT"
	assert_failure 1
	assert_line "ERRNO ECONNREFUSED"
	assert_regex "$stderr" "socksify: .*web\.test"
	assert_equal "$(wc -l <"$ECHO_LOG")" "$before"
}

@test "curl through danted over socks4 sees a refused destination as a failed connect" {
	local closed
	closed=$(free_port)
	run --separate-stderr through "socks4://127.0.0.1:$DANTE_PORT" curl -q -sS \
		--max-time 15 "http://127.0.0.1:$closed/"
	assert_failure 7
}

@test "ten threads connect at once through danted over socks5" {
	run through "socks5://127.0.0.1:$DANTE_PORT" "$PY" "$HELPERS/client.py" \
		--threads 10 --send t 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "THREADS 10/10"
	assert_equal "$(printf '%s\n' "$output" | grep -cE '^THREAD [0-9]+ PEER 127\.0\.0\.4 ')" 10
}

#!/usr/bin/env bats
# Real clients through microsocks (SOCKS5, no authentication and
# user/password).  microsocks binds its outgoing connections to 127.0.0.3,
# so a destination that sees 127.0.0.3 proves the proxy carried the
# connection; a direct connection would come from 127.0.0.1.

load lib/common

setup_file() {
	require_library
	start_dest web 127.0.0.1 --http
	export WEB_PORT=$PORT WEB_LOG=$LOG
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT ECHO_LOG=$LOG
	start_dest once 127.0.0.1 --once
	export ONCE_PORT=$PORT
	start_microsocks ms
	export MS_PORT=$PORT
	# The password holds ':' and '@', percent-encoded in the URL.
	start_microsocks msauth -u alice -P 'pa:ss@w0rd'
	export MSA_PORT=$PORT
	export MS_URL="socks5://127.0.0.1:$MS_PORT"
	export MSA_URL="socks5://alice:pa%3Ass%40w0rd@127.0.0.1:$MSA_PORT"
}

# The reply of dest.py's HTTP mode and its log must both show the proxy.
assert_web_via_proxy() {
	local path=$1
	assert_line --regexp '^PEER 127\.0\.0\.3 [0-9]+$'
	assert_line "PATH $path"
	log_has "$WEB_LOG" "^GET $path 127\.0\.0\.3 [0-9]+$"
}

# client.py's report for one echo connection carried by microsocks.
assert_echo_via_proxy() {
	assert_line "CONNECTED"
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.3 [0-9]+$'
	assert_line "GETPEERNAME 127.0.0.1 $ECHO_PORT"
	assert_line "ECHO hello"
}

@test "curl fetches a page through microsocks over socks5" {
	run through "$MS_URL" curl -q -sS --max-time 15 "http://127.0.0.1:$WEB_PORT/curl-socks5"
	assert_success
	assert_web_via_proxy /curl-socks5
}

@test "curl fetches a page through microsocks over socks5h" {
	run through "socks5h://127.0.0.1:$MS_PORT" curl -q -sS --max-time 15 \
		"http://127.0.0.1:$WEB_PORT/curl-socks5h"
	assert_success
	assert_web_via_proxy /curl-socks5h
}

@test "wget downloads a page through microsocks" {
	run through "$MS_URL" wget --no-config -q -O - --tries=1 --timeout=15 \
		"http://127.0.0.1:$WEB_PORT/wget"
	assert_success
	assert_web_via_proxy /wget
}

@test "nc talks to an echo server through microsocks" {
	run through "$MS_URL" nc -w 10 127.0.0.1 "$ONCE_PORT" <<<"hello from nc"
	assert_success
	assert_line --regexp '^PEER 127\.0\.0\.3 [0-9]+$'
	assert_line "hello from nc"
}

@test "python3 connects a blocking socket through microsocks" {
	run through "$MS_URL" "$PY" "$HELPERS/client.py" --mode block --send hello \
		127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_echo_via_proxy
	assert_line "NONBLOCK no"
	assert_line "FLAGS-KEPT yes"
}

@test "a connect made through syscall(SYS_connect) goes through microsocks too" {
	[ "$(uname -m)" = x86_64 ] || skip "the helper knows x86_64's system call numbers"
	run through "$MS_URL" "$PY" "$HELPERS/rawconnect.py" 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "CONNECTED"
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.3 [0-9]+$'
}

@test "python3 connects a non-blocking socket with select through microsocks" {
	run through "$MS_URL" "$PY" "$HELPERS/client.py" --mode nonblock --send hello \
		127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line --regexp '^CONNECT-RC (0|EINPROGRESS)$'
	assert_echo_via_proxy
	assert_line "NONBLOCK yes"
	assert_line "FLAGS-KEPT yes"
}

@test "python3 asyncio open_connection goes through microsocks" {
	run through "$MS_URL" "$PY" "$HELPERS/client.py" --mode asyncio --send hello \
		127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_echo_via_proxy
	assert_line "NONBLOCK yes"
}

@test "curl authenticates to microsocks with a percent-encoded user and password" {
	run --separate-stderr through "$MSA_URL" curl -q -sS --max-time 15 \
		"http://127.0.0.1:$WEB_PORT/curl-auth"
	assert_success
	assert_web_via_proxy /curl-auth
	refute_regex "$stderr" "pa(:|%3A)ss"
}

@test "python3 authenticates to microsocks with user and password" {
	run through "$MSA_URL" "$PY" "$HELPERS/client.py" --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_echo_via_proxy
}

@test "a wrong password fails with EACCES and a clear message" {
	local before
	before=$(wc -l <"$ECHO_LOG")
	run --separate-stderr through "socks5://alice:wrong-secret@127.0.0.1:$MSA_PORT" \
		"$PY" "$HELPERS/client.py" --timeout 10 127.0.0.1 "$ECHO_PORT"
	assert_failure 1
	assert_line "ERRNO EACCES"
	assert_regex "$stderr" "socksify: .*(user name or password|authentication)"
	refute_regex "$stderr" "wrong-secret"
	# The destination was never reached.
	assert_equal "$(wc -l <"$ECHO_LOG")" "$before"
}

@test "curl fails with a clear error when the password is wrong" {
	run --separate-stderr through "socks5://alice:wrong-secret@127.0.0.1:$MSA_PORT" \
		curl -q -sS --max-time 15 "http://127.0.0.1:$WEB_PORT/wrong-password"
	# curl: "Failed to connect" is exit status 7.
	assert_failure 7
	assert_regex "$stderr" "socksify: .*(user name or password|authentication)"
	refute_regex "$stderr" "wrong-secret"
	log_lacks "$WEB_LOG" "/wrong-password"
}

@test "no credentials against a proxy that requires them fails with EACCES" {
	run --separate-stderr through "socks5://127.0.0.1:$MSA_PORT" \
		"$PY" "$HELPERS/client.py" --timeout 10 127.0.0.1 "$ECHO_PORT"
	assert_failure 1
	assert_line "ERRNO EACCES"
	assert_regex "$stderr" "socksify: .*authentication"
}

@test "microsocks refusing a closed port gives ECONNREFUSED" {
	local closed
	closed=$(free_port)
	run --separate-stderr through "$MS_URL" "$PY" "$HELPERS/client.py" 127.0.0.1 "$closed"
	assert_failure 1
	assert_line "ERRNO ECONNREFUSED"
	run --separate-stderr through "$MS_URL" "$PY" "$HELPERS/client.py" --mode nonblock \
		127.0.0.1 "$closed"
	assert_failure 1
	assert_line "ERRNO ECONNREFUSED"
	run --separate-stderr through "$MS_URL" "$PY" "$HELPERS/client.py" --mode asyncio \
		127.0.0.1 "$closed"
	assert_failure 1
	assert_line "ERRNO ECONNREFUSED"
	# curl reports it as a failed connection.
	run --separate-stderr through "$MS_URL" curl -q -sS --max-time 15 "http://127.0.0.1:$closed/"
	assert_failure 7
}

@test "a proxy at a bracketed IPv6 address carries an IPv4 connection" {
	local port
	port=$(free_port ::1)
	start_microsocks ms6 -i ::1 -p "$port"
	run through "socks5://[::1]:$port" "$PY" "$HELPERS/client.py" --send hello \
		127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_echo_via_proxy
}

@test "an IPv6 destination goes through a proxy at an IPv6 address" {
	local port
	port=$(free_port ::1)
	# No -b here: microsocks would bind its IPv6 connection to an IPv4 address.
	start_bg ms6 microsocks -i ::1 -p "$port"
	wait_port ::1 "$port" "$START_TIMEOUT" "$BG_PID" || server_failed ms6 "did not start"
	start_dest echo6 ::1
	local echo6=$PORT
	run through "socks5://[::1]:$port" "$PY" "$HELPERS/client.py" --send hello ::1 "$echo6"
	assert_success
	assert_line "GETPEERNAME ::1 $echo6"
	assert_line "ECHO hello"
	# The destination's peer is microsocks's socket, not the client's own.
	local mine theirs
	mine=$(line_value LOCAL | cut -d' ' -f2)
	theirs=$(line_value PEER-LINE | cut -d' ' -f3)
	[ -n "$mine" ] && [ -n "$theirs" ] && [ "$mine" != "$theirs" ]
	log_has "$(bg_dir)/echo6.log" "^CONN ::1 $theirs$"
}

@test "a proxy given by host name is resolved and used" {
	# localhost may resolve to 127.0.0.1 or ::1: a microsocks on each, same port.
	local port
	port=$(free_port)
	start_microsocks mslo4 -i 127.0.0.1 -p "$port"
	if "$PY" -c "import socket,sys; s=socket.socket(socket.AF_INET6); s.bind(('::1', int(sys.argv[1])))" "$port" 2>/dev/null; then
		start_microsocks mslo6 -i ::1 -p "$port"
	fi
	run through "socks5://localhost:$port" "$PY" "$HELPERS/client.py" --send hello \
		127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_echo_via_proxy
}

@test "a child started through sh is proxied too" {
	run through "$MS_URL" sh -c \
		"curl -q -sS --max-time 15 http://127.0.0.1:$WEB_PORT/child-of-sh"
	assert_success
	assert_web_via_proxy /child-of-sh
}

@test "a forked child's connection is proxied too" {
	run through "$MS_URL" "$PY" "$HELPERS/client.py" --fork --send hello \
		127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.3 [0-9]+$'
	assert_line --regexp '^CHILD PEER-LINE PEER 127\.0\.0\.3 [0-9]+$'
	assert_line "CHILD ECHO hello"
}

@test "twenty threads connect at once through microsocks" {
	run through "$MS_URL" "$PY" "$HELPERS/client.py" --threads 20 --send t \
		127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "THREADS 20/20"
	local i
	for i in $(seq 0 19); do
		assert_line --regexp "^THREAD $i PEER 127\.0\.0\.3 [0-9]+ \| t-$i$"
	done
}

@test "SOCKSIFY_LOG=info logs one line per proxied connection" {
	run --separate-stderr through "$MS_URL" env SOCKSIFY_LOG=info \
		"$PY" "$HELPERS/client.py" --count 3 --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | grep -c '^PEER-LINE PEER 127\.0\.0\.3 ')" 3
	# And one more, once: microsocks drops a pipelined request.
	assert_equal "$(printf '%s\n' "${stderr_lines[@]}" | grep -c '^socksify: ')" 4
	assert_equal "$(printf '%s\n' "${stderr_lines[@]}" | grep -c "127.0.0.1:$ECHO_PORT")" 3
	assert_equal "$(printf '%s\n' "${stderr_lines[@]}" | grep -c "dropped the request.*SOCKSIFY_PIPELINE")" 1
}

@test "-q keeps a successful run silent and -v shows the handshake" {
	run --separate-stderr -0 timeout "$CLIENT_TIMEOUT" env SOCKSIFY_LOOPBACK=proxy \
		"$SOCKSIFY" -q -p "$MSA_URL" "$PY" "$HELPERS/client.py" --send hello 127.0.0.1 "$ECHO_PORT"
	assert_echo_via_proxy
	assert_equal "$stderr" ""
	run --separate-stderr -0 timeout "$CLIENT_TIMEOUT" env SOCKSIFY_LOOPBACK=proxy \
		"$SOCKSIFY" -v -p "$MSA_URL" "$PY" "$HELPERS/client.py" --send hello 127.0.0.1 "$ECHO_PORT"
	assert_echo_via_proxy
	# More than the wrapper's own line, and never the password.
	[ "${#stderr_lines[@]}" -ge 2 ]
	refute_regex "$stderr" "pa(:|%3A)ss"
	refute_regex "$stderr" "w0rd"
}

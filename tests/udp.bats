#!/usr/bin/env bats
# UDP through SOCKS5 UDP ASSOCIATE (RFC 1928 section 7) against two real
# servers that relay UDP, Dante's sockd and shadowsocks-libev (ss-local -u
# in front of ss-server), and a scriptable UDP-only SOCKS5 server
# (tests/helpers/udpsocks.py) for what real servers do not do on demand.
# danted's relay sends from 127.0.0.4 and ss-server from 127.0.0.6, so a
# destination that logs one of those saw the datagram come through the
# proxy, never straight from the client.

load lib/common
load lib/udp

setup_file() {
	require_library
	start_danted_udp dante
	export DANTE_PORT=$PORT DANTE_LOG=$LOG
	start_shadowsocks ss
	export SS_PORT=$PORT
	start_udpdns dns 127.0.0.5
	export DNS_PORT=$PORT DNS_LOG=$LOG
	start_microsocks micro
	export MICRO_PORT=$PORT
}

# output_count REGEX: how many lines of $output match REGEX.
output_count() {
	printf '%s\n' "$output" | grep -cE -- "$1" || true
}

@test "dig resolves a name over UDP through danted, asked from the relay's address" {
	run through "socks5://127.0.0.1:$DANTE_PORT" dig +tries=1 +time=5 +short \
		@127.0.0.5 -p "$DNS_PORT" www.dante.test A
	assert_success
	assert_output "192.0.2.53"
	log_has "$DNS_LOG" "^QUERY www\.dante\.test 1 FROM 127\.0\.0\.4 [0-9]+$"
	log_lacks "$DNS_LOG" "^QUERY www\.dante\.test .* FROM 127\.0\.0\.1 "
}

@test "dig resolves a name over UDP through ss-local, asked from ss-server's address" {
	run through "socks5://127.0.0.1:$SS_PORT" dig +tries=1 +time=5 +short \
		@127.0.0.5 -p "$DNS_PORT" www.shadowsocks.test A
	assert_success
	assert_output "192.0.2.53"
	log_has "$DNS_LOG" "^QUERY www\.shadowsocks\.test 1 FROM 127\.0\.0\.6 [0-9]+$"
	log_lacks "$DNS_LOG" "^QUERY www\.shadowsocks\.test .* FROM 127\.0\.0\.1 "
}

@test "1,000 datagrams of 0 to 1,400 bytes echo intact and in order through danted (sendto, recvfrom)" {
	start_udpecho echo 127.0.0.1
	run udp_through "socks5://127.0.0.1:$DANTE_PORT" echo --how unconnected 127.0.0.1 "$PORT"
	assert_success
	assert_line "ECHOED 1000"
	[ "$(count_lines "$LOG" '^FROM 127\.0\.0\.4 ')" -eq 1000 ]
}

@test "1,000 datagrams echo through danted on a connected socket (connect, send, recv)" {
	start_udpecho echo 127.0.0.1
	run udp_through "socks5://127.0.0.1:$DANTE_PORT" echo --how connected 127.0.0.1 "$PORT"
	assert_success
	assert_line "ECHOED 1000"
	assert_line "GETPEERNAME 127.0.0.1 $PORT"
	[ "$(count_lines "$LOG" '^FROM 127\.0\.0\.4 ')" -eq 1000 ]
}

@test "1,000 datagrams echo through danted from and into two buffers (sendmsg, recvmsg)" {
	start_udpecho echo 127.0.0.1
	run udp_through "socks5://127.0.0.1:$DANTE_PORT" echo --how sendmsg 127.0.0.1 "$PORT"
	assert_success
	assert_line "ECHOED 1000"
	[ "$(count_lines "$LOG" '^FROM 127\.0\.0\.4 ')" -eq 1000 ]
}

@test "1,000 datagrams of 0 to 1,400 bytes echo intact and in order through ss-local (sendto, recvfrom)" {
	start_udpecho echo 127.0.0.1
	run udp_through "socks5://127.0.0.1:$SS_PORT" echo --how unconnected 127.0.0.1 "$PORT"
	assert_success
	assert_line "ECHOED 1000"
	[ "$(count_lines "$LOG" '^FROM 127\.0\.0\.6 ')" -eq 1000 ]
}

@test "1,000 datagrams echo through ss-local on a connected socket (connect, send, recv)" {
	start_udpecho echo 127.0.0.1
	run udp_through "socks5://127.0.0.1:$SS_PORT" echo --how connected 127.0.0.1 "$PORT"
	assert_success
	assert_line "ECHOED 1000"
	assert_line "GETPEERNAME 127.0.0.1 $PORT"
	[ "$(count_lines "$LOG" '^FROM 127\.0\.0\.6 ')" -eq 1000 ]
}

@test "1,000 datagrams echo through ss-local from and into two buffers (sendmsg, recvmsg)" {
	start_udpecho echo 127.0.0.1
	run udp_through "socks5://127.0.0.1:$SS_PORT" echo --how sendmsg 127.0.0.1 "$PORT"
	assert_success
	assert_line "ECHOED 1000"
	[ "$(count_lines "$LOG" '^FROM 127\.0\.0\.6 ')" -eq 1000 ]
}

@test "sendmmsg and recvmmsg carry batches through danted, and errno survives calls that succeed" {
	start_udpecho echo 127.0.0.1
	run through "socks5://127.0.0.1:$DANTE_PORT" "$REPO/build/tests/helpers/udpmmsg" 127.0.0.1 "$PORT"
	assert_success
	assert_line "MMSG 8 8"
	assert_line "ERRNO-KEPT"
	[ "$(count_lines "$LOG" '^FROM 127\.0\.0\.4 ')" -eq 9 ]
}

@test "a thread already waiting in recvfrom, recv or recvmsg gets the payload of the association opened meanwhile" {
	start_udpecho echo 127.0.0.1
	local how
	for how in recvfrom recv recvmsg connected; do
		run udp_through "socks5://127.0.0.1:$DANTE_PORT" thread --how "$how" 127.0.0.1 "$PORT"
		assert_success
		assert_line "THREAD-OK"
	done
}

@test "MSG_PEEK, MSG_TRUNC, short buffers and EAGAIN behave as without a proxy (danted, ss-local)" {
	start_udpecho echo 127.0.0.1
	run udp_through "socks5://127.0.0.1:$DANTE_PORT" peek 127.0.0.1 "$PORT"
	assert_success
	assert_line "PEEK-OK"
	run udp_through "socks5://127.0.0.1:$SS_PORT" peek 127.0.0.1 "$PORT"
	assert_success
	assert_line "PEEK-OK"
	log_lacks "$LOG" "^FROM 127\.0\.0\.1 "
}

@test "an IPv6 destination is reached through danted" {
	start_udpecho echo6 ::1
	run udp_through "socks5://127.0.0.1:$DANTE_PORT" echo --count 200 ::1 "$PORT"
	assert_success
	assert_line "ECHOED 200"
	# The echo server saw danted's socket, not the client's.
	local client_port
	client_port=$(line_value LOCAL | cut -d' ' -f2)
	[ "$(count_lines "$LOG" '^FROM ::1 ')" -eq 200 ]
	log_lacks "$LOG" "^FROM ::1 $client_port "
}

@test "a proxy at an IPv6 address carries UDP from IPv6 sockets, IPv4 destinations too" {
	start_danted_udp dante6 -6
	local proxy="socks5://[::1]:$PORT"
	start_udpecho echo 127.0.0.1
	run udp_through "$proxy" echo --count 100 ::ffff:127.0.0.1 "$PORT"
	assert_success
	assert_line "ECHOED 100"
	[ "$(count_lines "$LOG" '^FROM 127\.0\.0\.4 ')" -eq 100 ]
	# An IPv4 socket cannot reach an IPv6 proxy: said once, nothing sent.
	run udp_through "$proxy" once 127.0.0.1 "$PORT"
	assert_line "ERRNO EAFNOSUPPORT"
	assert_line "NO-REPLY"
	[ "$(count_lines "$LOG" '^FROM ')" -eq 100 ]
}

@test "200 UDP sockets leave no control connection and no descriptor behind (danted)" {
	start_udpecho echo 127.0.0.1
	run udp_through "socks5://127.0.0.1:$DANTE_PORT" many --sockets 200 \
		--proxy-port "$DANTE_PORT" 127.0.0.1 "$PORT"
	assert_success
	assert_line --regexp '^FDS ([0-9]+) \1$'
	assert_line "CTRL 0"
	[ "$(count_lines "$LOG" '^FROM 127\.0\.0\.4 ')" -eq 200 ]
}

@test "200 UDP sockets leave no control connection and no descriptor behind (ss-local)" {
	start_udpecho echo 127.0.0.1
	run udp_through "socks5://127.0.0.1:$SS_PORT" many --sockets 200 \
		--proxy-port "$SS_PORT" 127.0.0.1 "$PORT"
	assert_success
	assert_line --regexp '^FDS ([0-9]+) \1$'
	assert_line "CTRL 0"
	[ "$(count_lines "$LOG" '^FROM 127\.0\.0\.6 ')" -eq 200 ]
}

@test "control sockets are the library's: high, close-on-exec, kept through the program's close, dup2 and close_range" {
	start_udpecho echo 127.0.0.1
	run through "socks5://127.0.0.1:$DANTE_PORT" "$PY" "$HELPERS/udpfd.py" 127.0.0.1 "$PORT"
	assert_success
	assert_line --regexp '^OK ctrl [0-9]+$'
	assert_line "OK close-ctrl"
	assert_line --regexp '^OK dup2-ctrl [0-9]+$'
	assert_line "OK closerange"
	assert_line "OK dup2-udp"
	assert_line --regexp '^OK fds ([0-9]+) \1$'
}

@test "the association is opened again when the proxy has dropped it" {
	start_udpecho echo 127.0.0.1
	local echo_port=$PORT echo_log=$LOG out="$BATS_TEST_TMPDIR/twice.out" go="$BATS_TEST_TMPDIR/go"
	start_danted_udp dante2
	local proxy_port=$PORT proxy_pid=$PID client deadline
	SOCKSIFY_LOG=info udp_through "socks5://127.0.0.1:$proxy_port" twice --go "$go" \
		127.0.0.1 "$echo_port" >"$out" 2>&1 3>&- &
	client=$!
	deadline=$((SECONDS + 10))
	until grep -qx FIRST "$out" 2>/dev/null; do
		[ "$SECONDS" -lt "$deadline" ] || {
			cat "$out" >&2
			false
		}
		sleep 0.05
	done
	# danted and its children go, the control connection with them.
	stop_pid "$proxy_pid"
	start_danted_udp dante3 -p "$proxy_port"
	touch "$go"
	wait "$client"
	run cat "$out"
	assert_line "SECOND"
	assert_line --partial "the proxy ended the UDP association"
	[ "$(count_lines "$echo_log" '^FROM 127\.0\.0\.4 ')" -eq 2 ]
}

@test "microsocks refuses UDP ASSOCIATE: every send fails with ENETUNREACH, one log line, nothing sent" {
	start_udpecho echo 127.0.0.1
	run udp_through "socks5://127.0.0.1:$MICRO_PORT" once --sends 3 127.0.0.1 "$PORT"
	assert_success
	[ "$(output_count '^ERRNO ENETUNREACH$')" -eq 3 ]
	refute_line "SENT"
	assert_line "NO-REPLY"
	[ "$(output_count 'cannot carry UDP')" -eq 1 ]
	assert_line --partial 'answered UDP ASSOCIATE with "command not supported"'
	[ ! -s "$LOG" ]
}

@test "a SOCKS4 proxy cannot carry UDP: every send fails with ENETUNREACH, one log line, nothing sent" {
	start_udpecho echo 127.0.0.1
	run udp_through "socks4://127.0.0.1:$DANTE_PORT" once --sends 3 127.0.0.1 "$PORT"
	assert_success
	[ "$(output_count '^ERRNO ENETUNREACH$')" -eq 3 ]
	refute_line "SENT"
	[ "$(output_count 'cannot carry UDP')" -eq 1 ]
	[ ! -s "$LOG" ]
}

@test "SOCKSIFY_UDP=direct sends UDP directly when the proxy cannot carry it (microsocks, SOCKS4)" {
	start_udpecho echo 127.0.0.1
	SOCKSIFY_UDP=direct run udp_through "socks5://127.0.0.1:$MICRO_PORT" once 127.0.0.1 "$PORT"
	assert_success
	assert_line "SENT"
	assert_line "REPLY 127.0.0.1 $PORT ping"
	[ "$(output_count 'goes direct')" -eq 1 ]
	SOCKSIFY_UDP=direct run udp_through "socks4://127.0.0.1:$DANTE_PORT" once 127.0.0.1 "$PORT"
	assert_success
	assert_line "REPLY 127.0.0.1 $PORT ping"
	[ "$(count_lines "$LOG" '^FROM 127\.0\.0\.1 ')" -eq 2 ]
}

@test "SOCKSIFY_UDP=direct still sends through a proxy that carries UDP" {
	start_udpecho echo 127.0.0.1
	SOCKSIFY_UDP=direct run udp_through "socks5://127.0.0.1:$DANTE_PORT" once 127.0.0.1 "$PORT"
	assert_success
	assert_line "REPLY 127.0.0.1 $PORT ping"
	log_has "$LOG" '^FROM 127\.0\.0\.4 '
	log_lacks "$LOG" '^FROM 127\.0\.0\.1 '
}

@test "a destination excluded by NO_PROXY is reached directly" {
	start_udpecho echo 127.0.0.1
	NO_PROXY=127.0.0.1 run udp_through "socks5://127.0.0.1:$DANTE_PORT" echo --count 10 \
		127.0.0.1 "$PORT"
	assert_success
	assert_line "ECHOED 10"
	log_has "$LOG" "^FROM 127\.0\.0\.1 $(line_value LOCAL | cut -d' ' -f2) "
}

@test "a host name goes to the proxy as ATYP 3, and a name the relay sends back becomes a fake IP" {
	start_udpecho echo 127.0.0.1
	local echo_port=$PORT
	start_udpsocks names --map echo.udp.test=127.0.0.1 --reply-name echo.udp.test
	run udp_through "socks5h://127.0.0.1:$PORT" once echo.udp.test "$echo_port"
	assert_success
	assert_line "SENT"
	assert_line --regexp "^REPLY 198\.(18|19)\.[0-9]+\.[0-9]+ $echo_port ping$"
	log_has "$LOG" "^SEND 3 echo\.udp\.test $echo_port 4$"
}

@test "fragments and datagrams from anyone but the relay are dropped; BND 0.0.0.0 means the proxy's address" {
	start_udpecho echo 127.0.0.1
	local echo_port=$PORT
	start_udpsocks tricky --bnd-zero --inject-frag --inject-foreign
	run udp_through "socks5://127.0.0.1:$PORT" echo --count 200 --how connected \
		127.0.0.1 "$echo_port"
	assert_success
	assert_line "ECHOED 200"
	run udp_through "socks5://127.0.0.1:$PORT" echo --count 200 --how sendmsg \
		127.0.0.1 "$echo_port"
	assert_success
	assert_line "ECHOED 200"
	run udp_through "socks5://127.0.0.1:$PORT" peek 127.0.0.1 "$echo_port"
	assert_success
	assert_line "PEEK-OK"
}

#!/usr/bin/env bats
# Real clients through OpenSSH's dynamic forwarding ("ssh -D"), which speaks
# SOCKS4, SOCKS4a and SOCKS5 without authentication.  sshd makes the
# outgoing connections from 127.0.0.1 too, so carriage is proven twice: the
# destination's peer port differs from the client's own local port (a
# direct connection would show the same port), and sshd's log records a
# direct-tcpip channel whose originator is the client's local port and whose
# target is the destination.

load lib/common

setup_file() {
	require_library
	start_dest web 127.0.0.1 --http
	export WEB_PORT=$PORT WEB_LOG=$LOG
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT ECHO_LOG=$LOG
	start_dest once 127.0.0.1 --once
	export ONCE_PORT=$PORT ONCE_LOG=$LOG
	start_ssh_socks sshsocks
	export SSH_PORT=$PORT SSHD_LOG=$LOG
}

# assert_via_ssh LOCAL_PORT PEER_PORT TARGET TARGET_PORT: the client's end
# was LOCAL_PORT, the destination saw PEER_PORT, and sshd opened a channel
# from LOCAL_PORT to TARGET:TARGET_PORT.
assert_via_ssh() {
	local local_port=$1 peer_port=$2 target=$3 target_port=$4
	[ -n "$local_port" ] && [ -n "$peer_port" ] || {
		echo "# missing ports: local '$local_port', peer '$peer_port'" >&2
		return 1
	}
	[ "$local_port" != "$peer_port" ] || {
		echo "# the destination saw the client's own port $local_port: a direct connection" >&2
		return 1
	}
	log_has "$SSHD_LOG" "server_request_direct_tcpip: originator 127\.0\.0\.1 port $local_port, target ${target//./\\.} port $target_port$"
}

# curl's output: the page, then "LOCAL <ip> <port>" from --write-out.
curl_via_ssh() {
	local scheme=$1 path=$2
	run --separate-stderr through "$scheme://127.0.0.1:$SSH_PORT" curl -q -sS --max-time 15 \
		-w 'LOCAL %{local_ip} %{local_port}\n' "http://127.0.0.1:$WEB_PORT$path"
	assert_success
	assert_line "PATH $path"
	assert_via_ssh "$(line_value LOCAL | cut -d' ' -f2)" \
		"$(line_value PEER | cut -d' ' -f2)" 127.0.0.1 "$WEB_PORT"
}

# client.py's report for one echo connection carried by ssh -D.
assert_echo_via_ssh() {
	local host=${1:-127.0.0.1} port=${2:-$ECHO_PORT}
	assert_line "CONNECTED"
	assert_line "GETPEERNAME $host $port"
	assert_line "ECHO hello"
	assert_via_ssh "$(line_value LOCAL | cut -d' ' -f2)" \
		"$(line_value PEER-LINE | cut -d' ' -f3)" "$host" "$port"
}

@test "curl fetches a page through ssh -D over socks5" {
	curl_via_ssh socks5 /curl-socks5
}

@test "curl fetches a page through ssh -D over socks4" {
	curl_via_ssh socks4 /curl-socks4
}

@test "curl fetches a page through ssh -D over socks4a" {
	curl_via_ssh socks4a /curl-socks4a
}

@test "curl fetches a page through ssh -D over socks5h" {
	curl_via_ssh socks5h /curl-socks5h
}

@test "wget downloads a page through ssh -D over socks5h" {
	run through "socks5h://127.0.0.1:$SSH_PORT" wget --no-config -q -O - --tries=1 \
		--timeout=15 "http://127.0.0.1:$WEB_PORT/wget-socks5h"
	assert_success
	assert_line "PATH /wget-socks5h"
	local peer
	peer=$(line_value PEER | cut -d' ' -f2)
	log_has "$WEB_LOG" "^GET /wget-socks5h 127\.0\.0\.1 $peer$"
	log_has "$SSHD_LOG" "target 127\.0\.0\.1 port $WEB_PORT$"
	# The peer port is sshd's: no originator (a client's port) equals it.
	log_lacks "$SSHD_LOG" "originator 127\.0\.0\.1 port $peer,"
}

@test "nc talks to an echo server through ssh -D over socks4a" {
	run through "socks4a://127.0.0.1:$SSH_PORT" nc -w 10 127.0.0.1 "$ONCE_PORT" \
		<<<"hello from nc"
	assert_success
	assert_line "hello from nc"
	local peer
	peer=$(line_value PEER | cut -d' ' -f2)
	log_has "$ONCE_LOG" "^CONN 127\.0\.0\.1 $peer$"
	log_has "$SSHD_LOG" "target 127\.0\.0\.1 port $ONCE_PORT$"
	log_lacks "$SSHD_LOG" "originator 127\.0\.0\.1 port $peer,"
}

@test "python3 connects a blocking socket through ssh -D over socks5" {
	run through "socks5://127.0.0.1:$SSH_PORT" "$PY" "$HELPERS/client.py" \
		--mode block --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_echo_via_ssh
	assert_line "NONBLOCK no"
	assert_line "FLAGS-KEPT yes"
}

@test "python3 connects a non-blocking socket with select through ssh -D over socks4" {
	run through "socks4://127.0.0.1:$SSH_PORT" "$PY" "$HELPERS/client.py" \
		--mode nonblock --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line --regexp '^CONNECT-RC (0|EINPROGRESS)$'
	assert_echo_via_ssh
	assert_line "NONBLOCK yes"
	assert_line "FLAGS-KEPT yes"
}

@test "python3 asyncio open_connection goes through ssh -D over socks5h" {
	run through "socks5h://127.0.0.1:$SSH_PORT" "$PY" "$HELPERS/client.py" \
		--mode asyncio --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_echo_via_ssh
}

@test "python3 asyncio open_connection goes through ssh -D over socks4a" {
	run through "socks4a://127.0.0.1:$SSH_PORT" "$PY" "$HELPERS/client.py" \
		--mode asyncio --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_echo_via_ssh
}

@test "an IPv6 destination goes through ssh -D over socks5" {
	start_dest echo6 ::1
	local port6=$PORT
	run through "socks5://127.0.0.1:$SSH_PORT" "$PY" "$HELPERS/client.py" \
		--send hello ::1 "$port6"
	assert_success
	assert_echo_via_ssh ::1 "$port6"
}

@test "an IPv6 destination over socks4 fails without going direct" {
	start_dest echo6 ::1
	local port6=$PORT log6=$LOG
	run --separate-stderr through "socks4://127.0.0.1:$SSH_PORT" "$PY" \
		"$HELPERS/client.py" ::1 "$port6"
	assert_failure 1
	assert_line --regexp '^ERRNO E[A-Z]+$'
	assert_regex "$stderr" "socksify: .*IPv6"
	log_lacks "$log6" "^CONN "
}

@test "eight threads connect at once through ssh -D" {
	run through "socks5://127.0.0.1:$SSH_PORT" "$PY" "$HELPERS/client.py" \
		--threads 8 --send t 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "THREADS 8/8"
}

@test "a closed port behind ssh -D, which closes without a reply, is ECONNREFUSED (as nmap -sT needs), blocking and not" {
	local closed mode
	closed=$(free_port)
	for mode in block nonblock; do
		run through "socks5://127.0.0.1:$SSH_PORT" "$PY" "$HELPERS/client.py" \
			--mode "$mode" 127.0.0.1 "$closed"
		assert_failure 1
		assert_line "ERRNO ECONNREFUSED"
	done
	log_has "$SSHD_LOG" "target 127\.0\.0\.1 port $closed"
}

#!/usr/bin/env bats
# Remote DNS end to end, in network namespaces the file builds
# (tests/lib/netns.bash): real programs reach web.test, a name only the
# proxy can resolve, while tcpdump on the client's only interface sees
# nothing but the connection to the proxy -- in particular no DNS query.
#
# Proxies: microsocks (SOCKS5), danted (SOCKS5) and ssh -D (SOCKS4a), all
# in the proxy namespace; dest.py (HTTP on 80, echo on 7) and an sshd in
# the destination namespace.

load lib/common
load lib/netns

MICROSOCKS_PORT=1080
DANTED_PORT=1081
SSH_SOCKS_PORT=1082
DOWN_PORT=1099

setup_file() {
	require_library
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	netns_setup
	start_ns_dest web "$NETNS_DEST" "$DEST_IP" 80 --http
	export WEB_LOG=$LOG
	start_ns_dest echo "$NETNS_DEST" "$DEST_IP" 7
	export ECHO_LOG=$LOG
	start_ns_sshd dest-sshd "$NETNS_DEST" "$DEST_IP" 22
	export DEST_SSH_KEY=$SSH_KEY
	start_ns_microsocks microsocks "$NETNS_PROXY" "$PROXY_IP" "$MICROSOCKS_PORT"
	start_ns_danted danted "$NETNS_PROXY" "$PROXY_IP" "$DANTED_PORT" "$PROXY_OUT_IP"
	export DANTED_LOG=$LOG
	start_ns_ssh_socks sshsocks "$NETNS_PROXY" "$PROXY_IP" "$SSH_SOCKS_PORT"
	export SSH_SOCKS_LOG=$LOG
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
	netns_teardown
}

@test "the topology catches a leak: a lookup without the library sends a DNS query" {
	capture_start
	run in_client getent hosts web.test
	capture_stop
	assert_failure
	# The query went out towards the name server, and nothing answered it.
	[ -n "$(capture_show "udp and dst host $NAMESERVER_IP and dst port 53")" ]
	run assert_no_leak "$MICROSOCKS_PORT"
	assert_failure
}

@test "the client cannot reach the destination without the proxy" {
	run in_client timeout 3 "$PY" "$HELPERS/client.py" --timeout 1 "$DEST_IP" 7
	assert_failure
}

@test "curl fetches http://web.test/ through microsocks (socks5h) and sends no DNS query" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		curl -q -sS --max-time 15 http://web.test/curl-microsocks
	capture_stop
	assert_success
	assert_line "PATH /curl-microsocks"
	assert_line "PEER $PROXY_OUT_IP $(line_value PEER | cut -d' ' -f2)"
	log_has "$WEB_LOG" "^GET /curl-microsocks $PROXY_OUT_IP "
	assert_proxy_used "$MICROSOCKS_PORT"
	assert_no_leak "$MICROSOCKS_PORT"
}

@test "wget downloads http://web.test/ through danted (socks5h) and sends no DNS query" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DANTED_PORT" \
		wget --no-config -q -O - --tries=1 --timeout=15 http://web.test/wget-danted
	capture_stop
	assert_success
	assert_line "PATH /wget-danted"
	log_has "$WEB_LOG" "^GET /wget-danted $PROXY_OUT_IP "
	assert_proxy_used "$DANTED_PORT"
	assert_no_leak "$DANTED_PORT"
}

@test "curl fetches http://web.test/ through ssh -D (socks4a) and sends no DNS query" {
	capture_start
	run --separate-stderr client_socksified "socks4a://$PROXY_IP:$SSH_SOCKS_PORT" \
		curl -q -sS --max-time 15 http://web.test/curl-socks4a
	capture_stop
	assert_success
	assert_line "PATH /curl-socks4a"
	# sshd was asked for the name, not for an address.
	log_has "$SSH_SOCKS_LOG" "target web\.test port 80$"
	assert_no_leak "$SSH_SOCKS_PORT"
}

@test "python3 create_connection, urllib and asyncio reach web.test through microsocks" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		"$PY" "$HELPERS/resolve.py" python web.test 7 80
	capture_stop
	assert_success
	assert_line --regexp "^CREATE-CONNECTION PEER $PROXY_OUT_IP [0-9]+$"
	assert_line --regexp "^URLLIB PEER $PROXY_OUT_IP [0-9]+\|PATH /urllib$"
	assert_line --regexp "^ASYNCIO PEER $PROXY_OUT_IP [0-9]+$"
	assert_no_leak "$MICROSOCKS_PORT"
}

@test "python3 create_connection, urllib and asyncio reach web.test through danted" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DANTED_PORT" \
		"$PY" "$HELPERS/resolve.py" python web.test 7 80
	capture_stop
	assert_success
	assert_line --regexp "^CREATE-CONNECTION PEER $PROXY_OUT_IP [0-9]+$"
	assert_line --regexp "^URLLIB PEER $PROXY_OUT_IP [0-9]+\|PATH /urllib$"
	assert_line --regexp "^ASYNCIO PEER $PROXY_OUT_IP [0-9]+$"
	assert_no_leak "$DANTED_PORT"
}

@test "a C program using gethostbyname and connect reaches echo.test through ssh -D (socks4a)" {
	capture_start
	run --separate-stderr client_socksified "socks4a://$PROXY_IP:$SSH_SOCKS_PORT" \
		"$REPO/build/tests/helpers/gethost" connect echo.test 7
	capture_stop
	assert_success
	assert_line --regexp '^RESOLVED 198\.(18|19)\.[0-9]+\.[0-9]+$'
	assert_line "CONNECTED"
	# getpeername() shows the address the program connected to: the fake one.
	assert_line "GETPEERNAME $(line_value RESOLVED) 7"
	assert_line --regexp "^LINE PEER $PROXY_OUT_IP [0-9]+$"
	log_has "$SSH_SOCKS_LOG" "target echo\.test port 7$"
	assert_no_leak "$SSH_SOCKS_PORT"
}

@test "the same C program reaches echo.test through microsocks (socks5h)" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		"$REPO/build/tests/helpers/gethost" connect echo.test 7
	capture_stop
	assert_success
	assert_line --regexp "^LINE PEER $PROXY_OUT_IP [0-9]+$"
	assert_no_leak "$MICROSOCKS_PORT"
}

@test "ssh logs into ssh.test by name through microsocks and sends no DNS query" {
	local -a opts
	mapfile -t opts < <(ssh_options "$DEST_SSH_KEY")
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		ssh "${opts[@]}" root@ssh.test echo hello-from-ssh.test
	capture_stop
	assert_success
	assert_output "hello-from-ssh.test"
	assert_no_leak "$MICROSOCKS_PORT"
}

@test "with the proxy down, curl fails and nothing but the attempt to reach the proxy leaves" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DOWN_PORT" \
		curl -q -sS --max-time 15 http://web.test/down
	capture_stop
	assert_failure
	assert_proxy_used "$DOWN_PORT"
	assert_no_leak "$DOWN_PORT"
}

@test "when the proxy cannot resolve the name, curl fails and no DNS query leaves" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		curl -q -sS --max-time 15 http://nowhere.test/
	capture_stop
	assert_failure
	assert_no_leak "$MICROSOCKS_PORT"
}

@test "when the proxy refuses the connection, curl fails and no DNS query leaves" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DANTED_PORT" \
		curl -q -sS --max-time 15 http://web.test:81/
	capture_stop
	assert_failure
	assert_proxy_used "$DANTED_PORT"
	assert_no_leak "$DANTED_PORT"
}

@test "resolving names and reversing the answers, without connecting, sends nothing at all" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		"$PY" "$HELPERS/resolve.py" lookups web.test never-connected.test nowhere.test \
		192.0.2.200 local.test
	capture_stop
	assert_success
	assert_line --regexp "^GETHOSTBYNAME never-connected\.test 198\.(18|19)\.[0-9]+\.[0-9]+$"
	assert_line "GETNAMEINFO $(line_value 'GETHOSTBYNAME never-connected.test') ('never-connected.test', 'http')"
	assert_line --regexp "^GETHOSTBYADDR 192\.0\.2\.200 EAI_NONAME$|^GETHOSTBYADDR 192\.0\.2\.200 ERROR "
	assert_line "GETHOSTBYNAME local.test $LOCAL_TEST_IP"
	run --separate-stderr client_socksified "socks4a://$PROXY_IP:$SSH_SOCKS_PORT" \
		"$REPO/build/tests/helpers/gethost" reverse legacy.test inet
	capture_stop
	assert_success
	assert_line "BYADDR legacy.test inet"
	assert_silent
}

@test "with socks5:// (local DNS) the local resolver is used: its query is what leaves" {
	capture_start
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$MICROSOCKS_PORT" \
		"$REPO/build/tests/helpers/gethost" gai web.test 80 inet stream
	capture_stop
	assert_failure
	refute_output --regexp '198\.(18|19)\.'
	[ -n "$(capture_show "udp and dst host $NAMESERVER_IP and dst port 53")" ]
}

#!/usr/bin/env bats
# UDP on the wire, in the network namespaces of tests/lib/netns.bash: the
# client can reach only the proxy, and tcpdump on its one interface shows
# every packet it sends.  Through danted the only packets are the control
# connection and the datagrams to the relay, both at the proxy's address;
# when the proxy cannot carry UDP (microsocks, SOCKS4) no datagram leaves.

load lib/common
load lib/netns
load lib/udp

DANTED_PORT=1081
MICROSOCKS_PORT=1080
ECHO_PORT=7

setup_file() {
	require_library
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	netns_setup
	start_ns_danted danted "$NETNS_PROXY" "$PROXY_IP" "$DANTED_PORT" "$PROXY_OUT_IP"
	start_ns_microsocks microsocks "$NETNS_PROXY" "$PROXY_IP" "$MICROSOCKS_PORT"
	LOG="$(bg_dir)/echo.log"
	: >"$LOG"
	start_reporting echo ip netns exec "$NETNS_DEST" "$PY" "$HELPERS/udpecho.py" \
		--log "$LOG" "$DEST_IP" "$ECHO_PORT"
	export UDP_ECHO_LOG=$LOG
	LOG="$(bg_dir)/dns.log"
	: >"$LOG"
	start_reporting dns ip netns exec "$NETNS_DEST" "$PY" "$HELPERS/udpdns.py" \
		--log "$LOG" "$NAMESERVER_IP" 53
	export UDP_DNS_LOG=$LOG
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
	netns_teardown
}

# assert_only_proxy PORT: nothing on the client's interface but TCP with the
# proxy's PORT and UDP with the proxy's address (its relay), ARP and the
# marker.  Prints the capture on failure.
assert_only_proxy() {
	local port=$1 leaks
	leaks=$(capture_show "not arp and not (host $PROXY_IP and (tcp port $port or (udp and not port $MARKER_PORT))) and not ($(capture_marker_filter))")
	if [ -n "$leaks" ]; then
		echo "# packets to something other than the proxy:" >&2
		printf '%s\n' "$leaks" | sed 's/^/# /' | head -n 40 >&2
		return 1
	fi
}

@test "dig through danted: only the proxy and its relay appear on the wire" {
	capture_start
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$DANTED_PORT" \
		dig +tries=1 +time=5 +short "@$NAMESERVER_IP" web.test A
	capture_stop
	assert_success
	assert_output "192.0.2.53"
	assert_only_proxy "$DANTED_PORT"
	assert_proxy_used "$DANTED_PORT"
	[ -n "$(capture_show "udp and dst host $PROXY_IP")" ]
	log_has "$UDP_DNS_LOG" "^QUERY web\.test 1 FROM $PROXY_OUT_IP "
}

@test "datagrams echo through danted with nothing but the proxy on the wire" {
	capture_start
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$DANTED_PORT" \
		"$PY" "$HELPERS/udpclient.py" echo --count 100 "$DEST_IP" "$ECHO_PORT"
	capture_stop
	assert_success
	assert_line "ECHOED 100"
	assert_only_proxy "$DANTED_PORT"
	log_has "$UDP_ECHO_LOG" "^FROM $PROXY_OUT_IP "
}

@test "microsocks refuses UDP: the send fails and only the control connection is seen" {
	capture_start
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$MICROSOCKS_PORT" \
		"$PY" "$HELPERS/udpclient.py" once --sends 3 "$DEST_IP" "$ECHO_PORT"
	capture_stop
	assert_success
	assert_line "ERRNO ENETUNREACH"
	refute_line "SENT"
	assert_no_leak "$MICROSOCKS_PORT"
	[ -z "$(capture_show udp and not port "$MARKER_PORT")" ]
}

@test "a SOCKS4 proxy cannot carry UDP: nothing at all leaves the client" {
	capture_start
	run --separate-stderr client_socksified "socks4://$PROXY_IP:$DANTED_PORT" \
		"$PY" "$HELPERS/udpclient.py" once "$DEST_IP" "$ECHO_PORT"
	capture_stop
	assert_success
	assert_line "ERRNO ENETUNREACH"
	assert_silent
}

#!/usr/bin/env bats
# Sends that do not look like a sendto() with an AF_INET address, in the
# network namespaces of tests/lib/netns.bash (the client reaches only the
# proxy; tcpdump on its one interface sees every packet it sends):
#
#   - datagrams to an AF_UNSPEC address, which the kernel sends to the
#     AF_INET address it holds (sendto, sendmsg, sendmmsg, on a socket
#     with and without a UDP association, and on a raw socket), or, from an
#     IPv6 UDP socket, to the socket's peer (that one on loopback);
#   - sends made through syscall(SYS_sendto / SYS_sendmsg), also with
#     MSG_FASTOPEN on a TCP socket;
#   - packet sockets (AF_PACKET), made with socket(), made through
#     syscall(SYS_socket), or inherited from a process without the library.
#
# Each either crosses the proxy (danted for UDP and TCP) or is refused with
# one log line; nothing leaves the client directly.

load lib/common
load lib/netns
load lib/udp

DANTED_PORT=1081
MICROSOCKS_PORT=1080
ECHO_PORT=7

unset SOCKSIFY_PACKET

setup_file() {
	require_library
	[ "$(id -u)" -eq 0 ] || skip "network namespaces and packet sockets need root"
	[ -x "$REPO/build/tests/helpers/sendpaths" ] || {
		echo "# build/tests/helpers/sendpaths is missing: run make" >&2
		return 1
	}
	netns_setup
	start_ns_danted danted "$NETNS_PROXY" "$PROXY_IP" "$DANTED_PORT" "$PROXY_OUT_IP"
	start_ns_microsocks microsocks "$NETNS_PROXY" "$PROXY_IP" "$MICROSOCKS_PORT"
	start_ns_dest tcpecho "$NETNS_DEST" "$DEST_IP" "$ECHO_PORT"
	LOG="$(bg_dir)/echo.log"
	: >"$LOG"
	start_reporting echo ip netns exec "$NETNS_DEST" "$PY" "$HELPERS/udpecho.py" \
		--log "$LOG" "$DEST_IP" "$ECHO_PORT"
	export UDP_ECHO_LOG=$LOG
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
	netns_teardown
}

SENDPATHS="$REPO/build/tests/helpers/sendpaths"

# sendpaths URL [VAR=VALUE...] ARGS...: tests/helpers/sendpaths in the
# client namespace through socksify with SOCKS_PROXY=URL (and the library
# under test, when SOCKSIFY_TEST_LIB names another build).
sendpaths() {
	local url=$1
	local -a vars=("SOCKS_PROXY=$url")
	shift
	[ -n "${SOCKSIFY_TEST_LIB:-}" ] && vars+=(SOCKSIFY_LIB="$LIB")
	[ -n "${SOCKSIFY_TEST_PRELOAD:-}" ] && vars+=(LD_PRELOAD="$SOCKSIFY_TEST_PRELOAD")
	while [ $# -gt 0 ] && [[ $1 == [A-Za-z_]*=* ]]; do
		vars+=("$1")
		shift
	done
	in_client env "${vars[@]}" "$SOCKSIFY" "$SENDPATHS" "$@"
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

# relayed_echo MODE: MODE's datagram reaches the echo server from the
# proxy's outgoing address, its echo comes back, and only the proxy and its
# relay appear on the wire.
relayed_echo() {
	local mode=$1 before
	before=$(count_from_proxy)
	capture_start
	run --separate-stderr sendpaths "socks5://$PROXY_IP:$DANTED_PORT" \
		"$mode" "$DEST_IP" "$ECHO_PORT"
	capture_stop
	assert_success
	assert_line "SENT 18"
	assert_line "ECHO sendpaths-datagram"
	assert_only_proxy "$DANTED_PORT"
	[ -n "$(capture_show "udp and dst host $PROXY_IP and not port $MARKER_PORT")" ]
	[ "$(count_from_proxy)" -gt "$before" ]
}

# count_from_proxy: datagrams the echo server got from the proxy's address.
count_from_proxy() {
	grep -c "^FROM $PROXY_OUT_IP " "$UDP_ECHO_LOG" || true
}

@test "sendto() to an AF_UNSPEC address goes through the proxy, as the kernel reads it as AF_INET" {
	relayed_echo sendto-unspec
}

@test "sendmsg() to an AF_UNSPEC address goes through the proxy" {
	relayed_echo sendmsg-unspec
}

@test "sendmmsg() to an AF_UNSPEC address goes through the proxy" {
	relayed_echo sendmmsg-unspec
}

@test "an AF_UNSPEC address on a socket that already has a UDP association goes through it" {
	local before
	before=$(count_from_proxy)
	capture_start
	run --separate-stderr sendpaths "socks5://$PROXY_IP:$DANTED_PORT" \
		assoc-unspec "$DEST_IP" "$ECHO_PORT"
	capture_stop
	assert_success
	[ "$(printf '%s\n' "$output" | grep -c '^ECHO sendpaths-datagram$')" -eq 2 ]
	assert_only_proxy "$DANTED_PORT"
	[ "$(count_from_proxy)" -ge $((before + 2)) ]
}

@test "an IPv6 socket's AF_UNSPEC address means its proxied peer, as the kernel has it" {
	# On loopback: danted on 127.0.0.1 relays from 127.0.0.4.
	start_danted_udp dante
	local dante_port=$PORT
	start_udpecho echo4 127.0.0.1
	run --separate-stderr through "socks5://127.0.0.1:$dante_port" "$SENDPATHS" \
		v6-peer-unspec ::ffff:127.0.0.1 "$PORT"
	assert_success
	assert_line "SENT 18"
	assert_line "ECHO sendpaths-datagram"
	[ "$(count_lines "$LOG" '^FROM 127\.0\.0\.4 ')" -eq 1 ]
}

@test "an AF_UNSPEC datagram a proxy cannot carry is refused with one log line, and nothing leaves" {
	capture_start
	run --separate-stderr sendpaths "socks5://$PROXY_IP:$MICROSOCKS_PORT" \
		sendto-unspec "$DEST_IP" "$ECHO_PORT"
	capture_stop
	assert_success
	assert_line "ERRNO ENETUNREACH"
	refute_line --partial "SENT"
	[ "$(printf '%s\n' "$stderr" | grep -c "^socksify: UDP to $DEST_IP:$ECHO_PORT: .*cannot carry UDP")" -eq 1 ]
	assert_no_leak "$MICROSOCKS_PORT"
	[ -z "$(capture_show udp and not port "$MARKER_PORT")" ]
}

@test "a raw socket's datagram to an AF_UNSPEC address is refused with one log line, and nothing leaves" {
	capture_start
	run --separate-stderr sendpaths "socks5://$PROXY_IP:$DANTED_PORT" \
		raw-unspec "$DEST_IP"
	capture_stop
	assert_success
	assert_line "ERRNO EACCES"
	[ "$(printf '%s\n' "$stderr" | grep -c "^socksify: refusing to send to $DEST_IP:0: only TCP and UDP")" -eq 1 ]
	assert_silent
}

@test "syscall(SYS_sendto) and syscall(SYS_recvfrom) go through the proxy's relay" {
	relayed_echo sys-sendto
}

@test "syscall(SYS_sendmsg) and syscall(SYS_recvmsg) go through the proxy's relay" {
	relayed_echo sys-sendmsg
}

@test "syscall(SYS_sendto) with MSG_FASTOPEN connects through the proxy" {
	capture_start
	run --separate-stderr sendpaths "socks5://$PROXY_IP:$DANTED_PORT" \
		sys-fastopen "$DEST_IP" "$ECHO_PORT"
	capture_stop
	assert_success
	assert_line --partial "PEER $PROXY_OUT_IP "
	assert_line "ECHO sendpaths-datagram"
	assert_no_leak "$DANTED_PORT"
	assert_proxy_used "$DANTED_PORT"
}

@test "syscall(SYS_sendmsg) with MSG_FASTOPEN connects through the proxy" {
	capture_start
	run --separate-stderr sendpaths "socks5://$PROXY_IP:$DANTED_PORT" \
		sys-fastopen-msg "$DEST_IP" "$ECHO_PORT"
	capture_stop
	assert_success
	assert_line --partial "PEER $PROXY_OUT_IP "
	assert_line "ECHO sendpaths-datagram"
	assert_no_leak "$DANTED_PORT"
	assert_proxy_used "$DANTED_PORT"
}

@test "a packet socket is refused with one log line, and no frame leaves" {
	capture_start
	run --separate-stderr sendpaths "socks5://$PROXY_IP:$DANTED_PORT" \
		packet "$NETNS_CLIENT_IF" "$DEST_IP" "$ECHO_PORT"
	capture_stop
	assert_success
	assert_line "ERRNO EACCES"
	[ "$(printf '%s\n' "$stderr" | grep -c '^socksify: refusing to open a packet socket (AF_PACKET): .*SOCKSIFY_PACKET=direct')" -eq 1 ]
	assert_silent
}

@test "a packet socket made through syscall(SYS_socket) is refused too" {
	capture_start
	run --separate-stderr sendpaths "socks5://$PROXY_IP:$DANTED_PORT" \
		sys-packet "$NETNS_CLIENT_IF" "$DEST_IP" "$ECHO_PORT"
	capture_stop
	assert_success
	assert_line "ERRNO EACCES"
	[ "$(printf '%s\n' "$stderr" | grep -c '^socksify: refusing to open a packet socket')" -eq 1 ]
	assert_silent
}

@test "a packet socket inherited from a process without the library cannot send" {
	local -a vars=("SOCKS_PROXY=socks5://$PROXY_IP:$DANTED_PORT")
	[ -n "${SOCKSIFY_TEST_LIB:-}" ] && vars+=(SOCKSIFY_LIB="$LIB")
	[ -n "${SOCKSIFY_TEST_PRELOAD:-}" ] && vars+=(LD_PRELOAD="$SOCKSIFY_TEST_PRELOAD")
	capture_start
	# The socket is made before socksify runs, then inherited through exec.
	run --separate-stderr in_client env "${vars[@]}" "$SENDPATHS" packet-inherit \
		"$NETNS_CLIENT_IF" "$DEST_IP" "$ECHO_PORT" "$SOCKSIFY" "$SENDPATHS"
	capture_stop
	assert_success
	assert_line "ERRNO EACCES"
	[ "$(printf '%s\n' "$stderr" | grep -c "^socksify: refusing to send on a packet socket (AF_PACKET) to .*SOCKSIFY_PACKET=direct")" -eq 1 ]
	assert_silent
}

@test "SOCKSIFY_PACKET=direct is the way out: the packet socket works and its frame leaves" {
	run --separate-stderr sendpaths "socks5://$PROXY_IP:$DANTED_PORT" \
		SOCKSIFY_PACKET=refuse packet "$NETNS_CLIENT_IF" "$DEST_IP" "$ECHO_PORT"
	assert_success
	assert_line "ERRNO EACCES"
	capture_start
	run --separate-stderr sendpaths "socks5://$PROXY_IP:$DANTED_PORT" \
		SOCKSIFY_PACKET=direct packet "$NETNS_CLIENT_IF" "$DEST_IP" "$ECHO_PORT"
	capture_stop
	assert_success
	assert_line "SENT 46"
	[ -z "$stderr" ]
	[ -n "$(capture_show "udp and dst host $DEST_IP and dst port $ECHO_PORT")" ]
}

@test "a bad SOCKSIFY_PACKET is one line on stderr, and the program's sends fail closed; any bad setting refuses packet sockets" {
	capture_start
	run --separate-stderr sendpaths "socks5://$PROXY_IP:$DANTED_PORT" \
		SOCKSIFY_PACKET=sometimes sendto-unspec "$DEST_IP" "$ECHO_PORT"
	assert_success
	assert_line "ERRNO ENETUNREACH"
	[ "$(printf '%s\n' "$stderr" | grep -c '^socksify: SOCKSIFY_PACKET: "sometimes" is not refuse or direct')" -eq 1 ]
	# Another bad setting: SOCKSIFY_PACKET=direct no longer holds either.
	run --separate-stderr sendpaths "socks5://$PROXY_IP:$DANTED_PORT" \
		SOCKSIFY_PACKET=direct SOCKSIFY_UDP=sometimes \
		packet "$NETNS_CLIENT_IF" "$DEST_IP" "$ECHO_PORT"
	assert_success
	assert_line "ERRNO EACCES"
	capture_stop
	assert_silent
}

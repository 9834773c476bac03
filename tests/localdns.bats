#!/usr/bin/env bats
# DNS queries that programs write themselves to the system nameserver
# (c-ares in aria2c and Node, dig), in the network namespaces of
# tests/lib/netns.bash: under remote DNS the library answers them from the
# fake address map, so they work although the nameserver cannot be reached,
# and tcpdump on the client's interface sees no DNS packet.  A query to
# another server still goes through the proxy's UDP relay.

load lib/common
load lib/netns

DANTED_PORT=1081
SSH_SOCKS_PORT=1082
OTHER_DNS_IP=198.51.100.2

setup_file() {
	require_library
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	netns_setup
	start_ns_dest web "$NETNS_DEST" "$DEST_IP" 80 --http
	export WEB_LOG=$LOG
	start_ns_danted danted "$NETNS_PROXY" "$PROXY_IP" "$DANTED_PORT" "$PROXY_OUT_IP"
	export DANTED_LOG=$LOG
	start_ns_ssh_socks sshsocks "$NETNS_PROXY" "$PROXY_IP" "$SSH_SOCKS_PORT"
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
	netns_teardown
}

# assert_no_dns: no packet to or from port 53 on the client's interface.
assert_no_dns() {
	local dns
	dns=$(capture_show "port 53")
	if [ -n "$dns" ]; then
		echo "# DNS packets on the client's interface:" >&2
		printf '%s\n' "$dns" | sed 's/^/# /' | head -n 20 >&2
		return 1
	fi
}

@test "aria2c (c-ares) downloads http://web.test/ through danted (socks5h) and sends no DNS query" {
	command -v aria2c >/dev/null || skip "aria2c is not installed (make deps)"
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DANTED_PORT" \
		aria2c --async-dns=true --max-tries=1 --timeout=10 --connect-timeout=10 \
		--console-log-level=warn --summary-interval=0 --allow-overwrite=true \
		-d "$BATS_TEST_TMPDIR" -o aria2.out http://web.test/aria2-danted
	capture_stop
	assert_success
	grep -qx "PATH /aria2-danted" "$BATS_TEST_TMPDIR/aria2.out"
	log_has "$WEB_LOG" "^GET /aria2-danted $PROXY_OUT_IP "
	assert_proxy_used "$DANTED_PORT"
	assert_no_dns
	assert_no_leak "$DANTED_PORT"
}

@test "node's dns.promises.resolve4 gets a fake address for web.test (socks5h) and sends no DNS query" {
	command -v node >/dev/null || skip "node is not installed (make deps)"
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DANTED_PORT" \
		node -e 'require("dns").promises.resolve4("web.test").then(
			(a) => console.log("A " + a.join(" ")),
			(e) => { console.log("ERR " + e.code); process.exit(1); })'
	capture_stop
	assert_success
	[[ $(line_value A) == 198.1[89].* ]]
	assert_no_dns
	assert_silent
}

@test "node's dns.resolve4 also answers under socks4a (ssh -D)" {
	command -v node >/dev/null || skip "node is not installed (make deps)"
	capture_start
	run --separate-stderr client_socksified "socks4a://$PROXY_IP:$SSH_SOCKS_PORT" \
		node -e 'require("dns").resolve4("web.test", (e, a) => {
			if (e) { console.log("ERR " + e.code); process.exit(1); }
			console.log("A " + a.join(" ")); })'
	capture_stop
	assert_success
	[[ $(line_value A) == 198.1[89].* ]]
	assert_no_dns
	assert_silent
}

@test "dig web.test asks the system nameserver and gets a fake address (socks5h), and no DNS packet leaves" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DANTED_PORT" \
		dig +tries=1 +time=3 +noedns web.test A
	capture_stop
	assert_success
	assert_output --partial "status: NOERROR"
	assert_output --partial "SERVER: $NAMESERVER_IP#53"
	[[ $(printf '%s\n' "$output" | awk '$1 == "web.test." && $4 == "A" {print $5}') == 198.1[89].* ]]
	assert_no_dns
	assert_silent
}

@test "dig @another-server still goes through the proxy's UDP relay" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DANTED_PORT" \
		dig +tries=1 +time=2 @"$OTHER_DNS_IP" web.test A
	capture_stop
	# Nothing answers DNS there: the query timed out at the far side.
	assert_failure
	[ -n "$(capture_show "udp and dst host $PROXY_IP and not dst port $MARKER_PORT")" ]
	assert_no_dns
	log_has "$DANTED_LOG" "udpassociate|UDP"
}

@test "dig +tcp to the system nameserver is refused with a line saying why, and nothing leaves" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DANTED_PORT" \
		dig +tcp +tries=1 +time=3 web.test A
	capture_stop
	assert_failure
	[[ $stderr == *"refusing DNS over TCP to the nameserver $NAMESERVER_IP:53"* ]]
	assert_no_dns
	assert_silent
}

@test "dig gets REFUSED for a MX record, the name of a fake address for its PTR, a hosts-file address" {
	# The fake map is the process's own: one dig asks both, in order.
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DANTED_PORT" \
		dig +short +tries=1 +time=3 web.test A -x 198.18.0.1 local.test A
	assert_success
	assert_line --index 0 "198.18.0.1"
	assert_line --index 1 "web.test."
	# A name of the hosts file gets its address there, as getaddrinfo() does.
	assert_line --index 2 "$LOCAL_TEST_IP"
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DANTED_PORT" \
		dig +tries=1 +time=3 web.test MX
	assert_success
	assert_output --partial "status: REFUSED"
	assert_output --partial "SERVER: $NAMESERVER_IP#53"
}

@test "every receive call and readiness wait gets the answer from the nameserver's address, connected or not" {
	local recv wait conn
	capture_start
	for recv in recvfrom recvmsg recvmmsg read; do
		for wait in poll select epoll; do
			for conn in 0 1; do
				# read() reports no sender: only on a connected socket.
				[ "$recv" = read ] && [ "$conn" = 0 ] && continue
				run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DANTED_PORT" \
					"$REPO/build/tests/helpers/dnsask" "$recv" "$wait" "$conn" "$NAMESERVER_IP" web.test
				assert_success
				assert_line "FROM $NAMESERVER_IP 53"
				[[ $(line_value A) == 198.1[89].* ]]
			done
		done
	done
	capture_stop
	assert_no_dns
	assert_silent
}

@test "an IPv6 socket asking the nameserver by its v4-mapped address gets the answer from that address" {
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DANTED_PORT" "$PY" -c '
import socket, struct, sys
q = struct.pack(">HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x03web\x04test\x00" + struct.pack(">HH", 1, 1)
s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
s.settimeout(5)
s.sendto(q, ("::ffff:" + sys.argv[1], 53))
data, sender = s.recvfrom(512)
print("FROM", sender[0], sender[1])
print("ID", hex(struct.unpack(">H", data[:2])[0]), "ANSWERS", struct.unpack(">H", data[6:8])[0])
print("A", socket.inet_ntoa(data[-4:]))' "$NAMESERVER_IP"
	assert_success
	assert_line "FROM ::ffff:$NAMESERVER_IP 53"
	assert_line "ID 0x1234 ANSWERS 1"
	[[ $(line_value A) == 198.1[89].* ]]
}

@test "dig @127.0.0.53 (systemd-resolved's stub) is answered too, and a nameserver NO_PROXY names is asked itself" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DANTED_PORT" \
		dig +short +tries=1 +time=3 @127.0.0.53 web.test A
	assert_success
	[[ $output == 198.1[89].* ]]
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DANTED_PORT" \
		NO_PROXY="$NAMESERVER_IP" dig +tries=1 +time=2 web.test A
	capture_stop
	# Nothing answers there: the query went out, as NO_PROXY asked.
	assert_failure
	[ -n "$(capture_show "udp and dst host $NAMESERVER_IP and dst port 53")" ]
}

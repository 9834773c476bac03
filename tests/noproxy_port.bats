#!/usr/bin/env bats
# NO_PROXY entries with a port under remote DNS ("web.test:8000" with
# socks5h): the lookup cannot know the port, so it still answers with a
# fake address; the connect knows it, and a connect to that port goes
# directly to the address the real resolver gives for the name, while the
# name's other ports still go through the proxy.
#
# Topology: tests/lib/netns.bash, plus 192.0.2.80 on the proxy namespace's
# client-side interface: an address the client reaches directly, where
# dest.py listens on 8000 (echo) and 8080 (HTTP).  The client resolves
# web.test for real through a name server of its own (udpdns.py on
# 127.0.0.1:53 in the client namespace, answering 192.0.2.80), so its
# queries never show on the captured interface; the proxy resolves
# web.test to the destination (198.51.100.2), where dest.py listens on 7,
# 80 and 8000.  A connection that went through the proxy therefore shows
# the proxy's outgoing address (198.51.100.1) as its peer; a direct one
# shows the client's own (192.0.2.1).

load lib/common
load lib/netns

MICROSOCKS_PORT=1080
DIRECT_IP=192.0.2.80

setup_file() {
	require_library
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	netns_setup
	ip -n "$NETNS_PROXY" addr add "$DIRECT_IP/24" dev "${NETNS_ID}p0"
	start_ns_dest direct "$NETNS_PROXY" "$DIRECT_IP" 8000
	export DIRECT_LOG=$LOG
	start_ns_dest direct-http "$NETNS_PROXY" "$DIRECT_IP" 8080 --http
	export DIRECT_HTTP_LOG=$LOG
	start_ns_dest far "$NETNS_DEST" "$DEST_IP" 8000
	export FAR_LOG=$LOG
	start_ns_dest far-echo "$NETNS_DEST" "$DEST_IP" 7
	start_ns_dest far-http "$NETNS_DEST" "$DEST_IP" 80 --http
	start_ns_microsocks microsocks "$NETNS_PROXY" "$PROXY_IP" "$MICROSOCKS_PORT"
	export DNS_LOG="$(bg_dir)/dns.log"
	: >"$DNS_LOG"
	start_reporting dns ip netns exec "$NETNS_CLIENT" "$PY" "$HELPERS/udpdns.py" \
		--log "$DNS_LOG" --answer "$DIRECT_IP" 127.0.0.1 53
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
	netns_teardown
}

# client_resolver IP: the client's resolv.conf names IP.
client_resolver() {
	printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$1" \
		>"/etc/netns/$NETNS_CLIENT/resolv.conf"
}

# queries: how many questions the client's name server got so far.
queries() {
	grep -c '^QUERY ' "$DNS_LOG" || true
}

# assert_nothing_to_proxy: no packet to the proxy's port, and none to a
# fake address, on the client's interface.
assert_nothing_to_proxy() {
	local packets
	packets=$(capture_show "(tcp and host $PROXY_IP and port $MICROSOCKS_PORT) or net 198.18.0.0/15")
	if [ -n "$packets" ]; then
		echo "# packets to the proxy or to a fake address:" >&2
		printf '%s\n' "$packets" | sed 's/^/# /' | head -n 20 >&2
		return 1
	fi
}

@test "NO_PROXY=web.test:8000 under socks5h: a connect to web.test:8000 goes directly to the real address" {
	client_resolver 127.0.0.1
	local before far_before
	before=$(queries)
	far_before=$(grep -c '^CONN ' "$FAR_LOG" || true)
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		NO_PROXY=web.test:8000 SOCKSIFY_LOG=info \
		"$REPO/build/tests/helpers/gethost" connect web.test 8000 hello
	capture_stop
	assert_success
	# The lookup still gave a fake address: the port was not known yet.
	assert_line --regexp '^RESOLVED 198\.1[89]\.[0-9]+\.[0-9]+$'
	assert_line "CONNECTED"
	assert_line "GETPEERNAME $DIRECT_IP 8000"
	assert_line --regexp "^LINE PEER $CLIENT_IP [0-9]+$"
	[[ $stderr == *"web.test:8000 direct (NO_PROXY) at $DIRECT_IP:8000"* ]]
	# The SYN went out of the client's own interface to the real address.
	[ -n "$(capture_show "tcp and dst host $DIRECT_IP and dst port 8000 and tcp[tcpflags] & tcp-syn != 0")" ]
	assert_nothing_to_proxy
	log_has "$DIRECT_LOG" "^CONN $CLIENT_IP "
	[ "$(grep -c '^CONN ' "$FAR_LOG" || true)" -eq "$far_before" ]
	# The name was resolved for real once, at connect time.
	[ "$(queries)" -eq $((before + 1)) ]
	log_has "$DNS_LOG" "^QUERY web\.test 1 FROM 127\.0\.0\.1 "
}

@test "NO_PROXY=web.test:8000 under socks5h: another port of web.test goes through the proxy" {
	client_resolver 127.0.0.1
	local before
	before=$(queries)
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		NO_PROXY=web.test:8000 "$REPO/build/tests/helpers/gethost" connect web.test 7 hello
	capture_stop
	assert_success
	assert_line --regexp '^RESOLVED 198\.1[89]\.[0-9]+\.[0-9]+$'
	assert_line --regexp "^LINE PEER $PROXY_OUT_IP [0-9]+$"
	assert_proxy_used "$MICROSOCKS_PORT"
	assert_no_leak "$MICROSOCKS_PORT"
	[ "$(queries)" -eq "$before" ]
}

@test "curl: NO_PROXY=web.test:8080 sends web.test:8080 direct and web.test:80 through the proxy" {
	client_resolver 127.0.0.1
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		NO_PROXY=web.test:8080 \
		curl -q -sS --max-time 15 http://web.test:8080/direct http://web.test/proxied
	capture_stop
	assert_success
	assert_line --regexp "^PEER $CLIENT_IP [0-9]+$"
	assert_line "PATH /direct"
	assert_line --regexp "^PEER $PROXY_OUT_IP [0-9]+$"
	assert_line "PATH /proxied"
	log_has "$DIRECT_HTTP_LOG" "^GET /direct $CLIENT_IP "
	[ -n "$(capture_show "tcp and dst host $DIRECT_IP and dst port 8080")" ]
	assert_proxy_used "$MICROSOCKS_PORT"
	# Nothing else left: no DNS query on the interface, nothing to a fake address.
	leaks=$(capture_show "not arp and not (tcp and host $PROXY_IP and port $MICROSOCKS_PORT) and not (tcp and host $DIRECT_IP and port 8080) and not ($(capture_marker_filter))")
	[ -z "$leaks" ] || {
		printf '# %s\n' "$leaks" >&2
		false
	}
}

@test "a NO_PROXY name:port that does not resolve fails the connect with a log line and sends nothing" {
	# Nothing answers on 127.0.0.2: the real lookup fails.
	client_resolver 127.0.0.2
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		NO_PROXY=web.test:8000 "$REPO/build/tests/helpers/gethost" connect web.test 8000 hello
	capture_stop
	client_resolver 127.0.0.1
	assert_failure
	assert_line --regexp '^RESOLVED 198\.1[89]\.[0-9]+\.[0-9]+$'
	assert_line "ERRNO EHOSTUNREACH"
	[[ $stderr == *"web.test:8000 is excluded by NO_PROXY but the name does not resolve here"* ]]
	[[ $stderr == *"not connecting"* ]]
	assert_silent
}

@test "at lookup time an entry with a port gives a fake address, one without a port the real one" {
	client_resolver 127.0.0.1
	run client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		NO_PROXY=web.test:8000 "$REPO/build/tests/helpers/gethost" gai web.test 8000 inet stream
	assert_success
	assert_line --regexp '^AI inet stream [0-9]+ 198\.1[89]\.[0-9]+\.[0-9]+ 8000'
	run client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		NO_PROXY=web.test "$REPO/build/tests/helpers/gethost" gai web.test 8000 inet stream
	assert_success
	assert_line --regexp "^AI inet stream [0-9]+ $DIRECT_IP 8000"
}

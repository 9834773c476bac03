#!/usr/bin/env bats
# A fake address never silently comes to name another host: with a fake
# range far smaller than the names a program looks up (SOCKSIFY_FAKE_NET
# 198.18.0.0/28 holds 14), a name whose connection is open, or that was
# used in the last ten minutes, keeps its address, and a lookup that
# would need one fails ("try again later") with a log line instead.
#
# Topology: tests/lib/netns.bash; the proxy namespace's hosts file gives
# n1.test ... n16.test the destination's address, where dest.py echoes on
# port 7 after a "PEER <ip> <port>" line.  microsocks (SOCKS5) is the proxy.

load lib/common
load lib/netns

MICROSOCKS_PORT=1080
SMALL_NET=198.18.0.0/28

setup_file() {
	require_library
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	netns_setup
	local i
	for i in $(seq 1 16); do
		printf '%s n%d.test\n' "$DEST_IP" "$i" >>"/etc/netns/$NETNS_PROXY/hosts"
	done
	start_ns_dest echo "$NETNS_DEST" "$DEST_IP" 7
	export ECHO_LOG=$LOG
	start_ns_microsocks microsocks "$NETNS_PROXY" "$PROXY_IP" "$MICROSOCKS_PORT"
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
	netns_teardown
}

# names FIRST LAST: nFIRST.test ... nLAST.test
names() {
	local i
	for i in $(seq "$1" "$2"); do
		printf 'n%d.test\n' "$i"
	done
}

# fill [OPTIONS...]: tests/helpers/fakefill.py through microsocks with the
# small range, on port 7, over n1.test ... n16.test.
fill() {
	local -a opts=()
	while [ $# -gt 0 ] && [[ $1 == --* ]]; do
		opts+=("$1")
		shift
	done
	client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		SOCKSIFY_FAKE_NET="$SMALL_NET" "$@" \
		"$PY" "$HELPERS/fakefill.py" "${opts[@]}" 7 $(names 1 16)
}

@test "a full range of names with open connections refuses the next lookup (EAI_AGAIN) instead of reusing one" {
	capture_start
	run --separate-stderr fill
	capture_stop
	assert_success
	refute_line --partial "CLASH"
	[ "$(printf '%s\n' "$output" | grep -c '^LINE n[0-9]*\.test PEER ')" -eq 14 ]
	assert_line "EAI n15.test EAI_AGAIN"
	assert_line "EAI n16.test EAI_AGAIN"
	# n1.test still has the address it had, its connection open.
	assert_line "AGAIN n1.test $(line_value 'ADDR n1.test')"
	assert_line "OPEN 14"
	[[ $stderr == *"n15.test: no fake address free: all 14 addresses of the fake range are held by open connections or were used in the last 10 minutes"* ]]
	[[ $stderr == *"n16.test: no fake address free"* ]]
	assert_proxy_used "$MICROSOCKS_PORT"
	assert_no_leak "$MICROSOCKS_PORT"
}

@test "gethostbyname on a full range fails with TRY_AGAIN and a log line" {
	run --separate-stderr fill --byname
	assert_success
	refute_line --partial "CLASH"
	assert_line "HERR n15.test TRY_AGAIN"
	assert_line "HERR n16.test TRY_AGAIN"
	assert_line "AGAIN n1.test $(line_value 'ADDR n1.test')"
	[[ $stderr == *"n15.test: no fake address free"* ]]
}

@test "closed connections release their address, which still keeps its name for the grace period" {
	run --separate-stderr fill --close SOCKSIFY_LOG=debug
	assert_success
	refute_line --partial "CLASH"
	assert_line "EAI n15.test EAI_AGAIN"
	assert_line "AGAIN n1.test $(line_value 'ADDR n1.test')"
	assert_line "OPEN 0"
	# Each proxied connection held its fake address, and each close gave it back.
	[ "$(printf '%s\n' "$stderr" | grep -c 'fake address 198\.18\.0\.[0-9]*:7 held by descriptor')" -eq 14 ]
	[ "$(printf '%s\n' "$stderr" | grep -c 'no longer holds fake address number')" -eq 14 ]
}

@test "a name already in a full map still resolves to its address" {
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		SOCKSIFY_FAKE_NET="$SMALL_NET" \
		"$PY" "$HELPERS/fakefill.py" 7 $(names 1 14) n3.test n15.test n3.test
	assert_success
	[ "$(printf '%s\n' "$output" | grep -c '^LINE n3\.test PEER ')" -eq 3 ]
	assert_line "EAI n15.test EAI_AGAIN"
	# n3.test's second and third answers equal its first.
	[ "$(printf '%s\n' "$output" | grep '^ADDR n3\.test ' | sort -u | wc -l)" -eq 1 ]
}

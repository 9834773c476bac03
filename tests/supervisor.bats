#!/usr/bin/env bats
# The seccomp supervisor, end to end, in the network namespaces of
# tests/lib/netns.bash: programs no LD_PRELOAD library can enter (a static
# C client, busybox, a pure-Go program) reach the destination namespace
# only through the proxy, by address and by a name only the proxy can
# resolve, while tcpdump on the client's only interface sees nothing but
# the proxy connection -- no DNS query, no stray datagram.
#
# Proxies in the proxy namespace: danted and microsocks (SOCKS5), ss-local
# (SOCKS5, shadowsocks); dest.py (HTTP on 80, echo on 7) in the
# destination namespace.

load lib/common
load lib/netns

MICROSOCKS_PORT=1080
DANTED_PORT=1081
SS_PORT=1083
TOR_PORT=1084

# SOCKSIFY_TEST_LAUNCHER: another build's launcher (its supervisor beside it).
LAUNCHER="${SOCKSIFY_TEST_LAUNCHER:-$REPO/build/socksify}"
SUPERVISOR="$(dirname "$LAUNCHER")/socksify-supervise"
STATIC="$REPO/build/tests/static"
GOFETCH="$REPO/build/tests/go/fetch"

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	[ -x "$LAUNCHER" ] && [ -x "$SUPERVISOR" ] ||
		skip "the launcher and the supervisor are not built (make)"
	netns_setup
	start_ns_dest web "$NETNS_DEST" "$DEST_IP" 80 --http
	export WEB_LOG=$LOG
	start_ns_dest echo "$NETNS_DEST" "$DEST_IP" 7
	export ECHO_LOG=$LOG
	start_ns_microsocks microsocks "$NETNS_PROXY" "$PROXY_IP" "$MICROSOCKS_PORT"
	start_ns_danted danted "$NETNS_PROXY" "$PROXY_IP" "$DANTED_PORT" "$PROXY_OUT_IP"
	export DANTED_LOG=$LOG
	start_ns_shadowsocks ss "$NETNS_PROXY" "$PROXY_IP" "$SS_PORT" "$PROXY_OUT_IP"
	LOG="$(bg_dir)/udpecho.log"
	: >"$LOG"
	start_reporting udpecho ip netns exec "$NETNS_DEST" "$PY" "$HELPERS/udpecho.py" \
		--log "$LOG" "$DEST_IP" 7
	export UDP_ECHO_LOG=$LOG
	LOG="$(bg_dir)/torlike.log"
	: >"$LOG"
	start_reporting torlike ip netns exec "$NETNS_PROXY" "$PY" "$HELPERS/torlike.py" \
		--log "$LOG" "$PROXY_IP" "$TOR_PORT"
	export TOR_LOG=$LOG
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
	netns_teardown
}

# supervised URL [VAR=VALUE...] CMD...: run CMD in the client namespace
# through the launcher, with SOCKS_PROXY=URL and the given settings: a
# static CMD runs under the supervisor.
supervised() {
	local url=$1
	local -a vars=("SOCKS_PROXY=$url")
	shift
	while [ $# -gt 0 ] && [[ $1 == [A-Za-z_]*=* ]]; do
		vars+=("$1")
		shift
	done
	mapfile -t -O "${#vars[@]}" vars < <(test_lib_vars)
	in_client env "${vars[@]}" "$LAUNCHER" "$@"
}

@test "without the supervisor a static client's own DNS query leaves the machine" {
	require_library
	capture_start
	run --separate-stderr preloaded "socks5h://$PROXY_IP:$DANTED_PORT" \
		"$STATIC/sxget" echo.test 7
	capture_stop
	assert_failure
	[ -n "$(capture_show "udp and dst host $NAMESERVER_IP and dst port 53")" ]
}

@test "a static C client reaches the destination by address through danted" {
	capture_start
	run --separate-stderr supervised "socks5://$PROXY_IP:$DANTED_PORT" \
		"$STATIC/sxget" "$DEST_IP" 7
	capture_stop
	assert_success
	assert_line --regexp "^PEER $PROXY_OUT_IP [0-9]+$"
	assert_line "hello"
	# getpeername() in the program names the proxy.
	assert_line "PEERNAME $PROXY_IP $DANTED_PORT"
	assert_proxy_used "$DANTED_PORT"
	assert_no_leak "$DANTED_PORT"
}

@test "a static C client reaches echo.test by name through danted (socks5h), blocking connect, no DNS query" {
	capture_start
	run --separate-stderr supervised "socks5h://$PROXY_IP:$DANTED_PORT" \
		"$STATIC/sxget" -b echo.test 7
	capture_stop
	assert_success
	assert_line --regexp "^PEER $PROXY_OUT_IP [0-9]+$"
	assert_line --regexp '^RESOLVED (198\.1[89]\.[0-9]+\.[0-9]+|fd53:6f63:6b73::[0-9a-f]+)$'
	assert_line "hello"
	assert_proxy_used "$DANTED_PORT"
	assert_no_leak "$DANTED_PORT"
}

@test "a static C client reaches echo.test by name through microsocks (socks5h), non-blocking connect" {
	capture_start
	run --separate-stderr supervised "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		"$STATIC/sxget" echo.test 7
	capture_stop
	assert_success
	assert_line --regexp "^PEER $PROXY_OUT_IP [0-9]+$"
	# An IPv6 socket (to a fake IPv6 address) names the proxy v4-mapped.
	assert_line --regexp "^PEERNAME (::ffff:)?$PROXY_IP $MICROSOCKS_PORT$"
	assert_no_leak "$MICROSOCKS_PORT"
}

@test "busybox wget (static) fetches http://web.test/ through danted (socks5h) and sends no DNS query" {
	local bb
	bb=$(command -v busybox) || skip "busybox-static is not installed (make deps)"
	file -L "$bb" | grep -q "statically linked" || skip "$bb is not the static busybox"
	capture_start
	run --separate-stderr supervised "socks5h://$PROXY_IP:$DANTED_PORT" \
		"$bb" wget -q -O - http://web.test/busybox-danted
	capture_stop
	assert_success
	assert_line "PATH /busybox-danted"
	log_has "$WEB_LOG" "^GET /busybox-danted $PROXY_OUT_IP "
	assert_no_leak "$DANTED_PORT"
}

@test "a pure-Go program resolves web.test itself and fetches it through danted (socks5h)" {
	[ -x "$GOFETCH" ] || skip "the Go client is not built (golang-go, make)"
	capture_start
	run --separate-stderr supervised "socks5h://$PROXY_IP:$DANTED_PORT" \
		"$GOFETCH" web.test 80 /go-danted
	capture_stop
	assert_success
	assert_line --regexp '^RESOLVED 198\.1[89]\.[0-9]+\.[0-9]+$'
	assert_line "PATH /go-danted"
	assert_line "REMOTE $PROXY_IP:$DANTED_PORT"
	log_has "$WEB_LOG" "^GET /go-danted $PROXY_OUT_IP "
	assert_no_leak "$DANTED_PORT"
}

@test "the same Go program fetches web.test through ss-local (socks5h)" {
	[ -x "$GOFETCH" ] || skip "the Go client is not built (golang-go, make)"
	capture_start
	run --separate-stderr supervised "socks5h://$PROXY_IP:$SS_PORT" \
		"$GOFETCH" web.test 80 /go-ss
	capture_stop
	assert_success
	assert_line "PATH /go-ss"
	log_has "$WEB_LOG" "^GET /go-ss $PROXY_OUT_IP "
	assert_no_leak "$SS_PORT"
}

@test "DNS over TCP to the nameserver is answered by the supervisor too (static glibc with use-vc)" {
	capture_start
	run --separate-stderr supervised "socks5h://$PROXY_IP:$DANTED_PORT" RES_OPTIONS=use-vc \
		SOCKSIFY_LOG=debug "$STATIC/sxget" echo.test 7
	capture_stop
	assert_success
	[[ $stderr == *"DNS over TCP to $NAMESERVER_IP:53: answered by the supervisor"* ]]
	assert_line --regexp '^RESOLVED (198\.1[89]\.[0-9]+\.[0-9]+|fd53:6f63:6b73::[0-9a-f]+)$'
	assert_line --regexp "^PEER $PROXY_OUT_IP [0-9]+$"
	assert_no_leak "$DANTED_PORT"
}

@test "under local DNS (socks5://) a static program's own DNS query goes to the nameserver, as the C library's would" {
	capture_start
	run --separate-stderr supervised "socks5://$PROXY_IP:$DANTED_PORT" \
		"$STATIC/sxget" echo.test 7
	capture_stop
	# The nameserver is out of the client's reach: the lookup fails.
	assert_failure
	[ -n "$(capture_show "udp and dst host $NAMESERVER_IP and dst port 53")" ]
	[[ $stderr != *"refused"* ]]
}

@test "a static program's other UDP fails closed with ENETUNREACH and one log line" {
	capture_start
	run --separate-stderr supervised "socks5h://$PROXY_IP:$DANTED_PORT" \
		"$STATIC/sxprobe" udp "$DEST_IP" 9
	capture_stop
	assert_success
	assert_output "ERR ENETUNREACH"
	[ "$(printf '%s\n' "$stderr" | grep -c "datagram to $DEST_IP:9 refused")" -eq 1 ]
	run supervised "socks5h://$PROXY_IP:$DANTED_PORT" \
		"$STATIC/sxprobe" udpconn "$DEST_IP" 9
	assert_line "ERR ENETUNREACH"
	assert_silent
}

@test "raw and packet sockets are refused (EPERM), io_uring is not there (ENOSYS)" {
	run supervised "socks5h://$PROXY_IP:$DANTED_PORT" "$STATIC/sxprobe" raw
	assert_output "ERR EPERM"
	run supervised "socks5h://$PROXY_IP:$DANTED_PORT" "$STATIC/sxprobe" packet
	assert_output "ERR EPERM"
	run supervised "socks5h://$PROXY_IP:$DANTED_PORT" "$STATIC/sxprobe" iouring
	assert_output "ERR ENOSYS"
	# Without the supervisor the same calls succeed.
	run in_client "$STATIC/sxprobe" raw
	assert_output "OK"
	run in_client "$STATIC/sxprobe" iouring
	assert_output "OK"
}

@test "a program's own allow-all seccomp filter does not lift the supervisor's" {
	capture_start
	run --separate-stderr supervised "socks5://$PROXY_IP:$DANTED_PORT" \
		"$STATIC/sxprobe" allowall tcp "$DEST_IP" 7
	capture_stop
	assert_success
	assert_line --regexp "^PEER $PROXY_OUT_IP [0-9]+$"
	assert_no_leak "$DANTED_PORT"
	run supervised "socks5://$PROXY_IP:$DANTED_PORT" "$STATIC/sxprobe" allowall udp "$DEST_IP" 9
	assert_line "ERR ENETUNREACH"
}

@test "a program cannot install a second supervisor (EBUSY), and one line says so" {
	run --separate-stderr supervised "socks5://$PROXY_IP:$DANTED_PORT" \
		"$STATIC/sxprobe" ownlistener
	assert_output "ERR EBUSY"
	[[ $stderr == "socksify: process "*" tried to install a seccomp supervisor of its own: refused (EBUSY), its network calls stay supervised" ]]
}

@test "where seccomp is forbidden the program is not run, with one line saying why" {
	run --separate-stderr in_client env "SOCKS_PROXY=socks5://$PROXY_IP:$DANTED_PORT" \
		"$STATIC/sxprobe" noseccomp "$LAUNCHER" "$STATIC/sxprobe" tcp "$DEST_IP" 7
	assert_equal "$status" 125
	assert_output ""
	assert_equal "$stderr" "socksify: cannot supervise $STATIC/sxprobe: the seccomp policy here (a container's?) forbids new filters; it is not run unproxied"
}

@test "on a kernel without seccomp user notification the program is not run, with one line saying why" {
	run --separate-stderr in_client env "SOCKS_PROXY=socks5://$PROXY_IP:$DANTED_PORT" \
		"$STATIC/sxprobe" oldkernel "$LAUNCHER" "$STATIC/sxprobe" tcp "$DEST_IP" 7
	assert_equal "$status" 125
	assert_output ""
	assert_equal "$stderr" "socksify: cannot supervise $STATIC/sxprobe: this kernel cannot hand system calls to a supervisor (seccomp user notification, Linux 5.19 or later); it is not run unproxied"
}

@test "under a supervisor that is not socksify's the program is not run, with one line saying why" {
	# The supervisor program run by hand, its mark removed: to the inner
	# socksify it is some other seccomp supervisor.
	run --separate-stderr in_client env "SOCKS_PROXY=socks5://$PROXY_IP:$DANTED_PORT" \
		"$SUPERVISOR" -- /bin/sh sh -c \
		"env -u SOCKSIFY_SUPERVISOR $LAUNCHER $STATIC/sxprobe tcp $DEST_IP 7"
	assert_equal "$status" 125
	assert_output ""
	# The outer supervisor reports the attempt, the inner one its refusal.
	[[ ${stderr_lines[0]} == "socksify: process "*" tried to install a seccomp supervisor of its own: refused (EBUSY), its network calls stay supervised" ]]
	assert_equal "${stderr_lines[1]}" "socksify: cannot supervise $STATIC/sxprobe: another supervisor already watches this process (only one seccomp listener is allowed); it is not run unproxied"
	assert_equal "${#stderr_lines[@]}" 2
}

@test "socksify inside a supervised program leaves its static program to the supervisor it is under" {
	capture_start
	run --separate-stderr enforced "socks5://$PROXY_IP:$DANTED_PORT" \
		sh -c "$LAUNCHER -v $STATIC/sxget $DEST_IP 7"
	capture_stop
	assert_success
	assert_line --regexp "^PEER $PROXY_OUT_IP [0-9]+$"
	[[ $stderr == *"socksify: already under a supervisor: $STATIC/sxget stays under it, with its proxy"* ]]
	assert_no_leak "$DANTED_PORT"
	# socksify running socksify starts one supervisor, not two.
	run --separate-stderr supervised "socks5://$PROXY_IP:$DANTED_PORT" \
		"$LAUNCHER" "$STATIC/sxget" "$DEST_IP" 7
	assert_success
	assert_line --regexp "^PEER $PROXY_OUT_IP [0-9]+$"
}

@test "the program's exit status is passed on, a signal's as 128 + its number" {
	run supervised "socks5://$PROXY_IP:$DANTED_PORT" sh -c 'exit 7'
	assert_equal "$status" 7
	run supervised "socks5://$PROXY_IP:$DANTED_PORT" sh -c 'kill -TERM $$'
	assert_equal "$status" 143
	run -127 --separate-stderr supervised "socks5://$PROXY_IP:$DANTED_PORT" /nonexistent/program
	assert_equal "$status" 127
	assert_equal "$stderr" "socksify: /nonexistent/program: no such file"
}

# preloaded URL CMD...: run CMD in the client namespace with the library
# preloaded and no supervisor, as before the supervisor existed.
preloaded() {
	local url=$1 preload=$LIB
	shift
	[ -n "${SOCKSIFY_TEST_PRELOAD:-}" ] && preload="$SOCKSIFY_TEST_PRELOAD:$LIB"
	in_client env "SOCKS_PROXY=$url" "LD_PRELOAD=$preload" "$@"
}

# enforced URL [VAR=VALUE...] CMD...: the same in enforce mode: the
# library preloaded and the supervisor watching what reaches the kernel.
enforced() {
	local url=$1
	shift
	supervised "$url" SOCKSIFY_ENFORCE=1 "$@"
}

@test "the library alone: a child started with env -i resolves and connects around it" {
	require_library
	capture_start
	run --separate-stderr preloaded "socks5h://$PROXY_IP:$DANTED_PORT" \
		sh -c "env -i $REPO/build/tests/helpers/gethost connect echo.test 7"
	capture_stop
	assert_failure
	[ -n "$(capture_show "udp and dst host $NAMESERVER_IP and dst port 53")" ]
}

@test "enforce mode: a child started with env -i resolves and connects through the supervisor" {
	require_library
	capture_start
	run --separate-stderr enforced "socks5h://$PROXY_IP:$DANTED_PORT" \
		sh -c "env -i $REPO/build/tests/helpers/gethost connect echo.test 7"
	capture_stop
	assert_success
	assert_line --regexp '^RESOLVED 198\.1[89]\.[0-9]+\.[0-9]+$'
	assert_line --regexp "^LINE PEER $PROXY_OUT_IP [0-9]+$"
	assert_no_leak "$DANTED_PORT"
}

@test "enforce mode: the library still does its work (curl by name through danted)" {
	require_library
	capture_start
	run --separate-stderr enforced "socks5h://$PROXY_IP:$DANTED_PORT" \
		curl -q -sS --max-time 15 http://web.test/curl-enforced
	capture_stop
	assert_success
	assert_line "PATH /curl-enforced"
	log_has "$WEB_LOG" "^GET /curl-enforced $PROXY_OUT_IP "
	assert_no_leak "$DANTED_PORT"
}

@test "the library alone: a datagram sent with the raw system call leaves directly" {
	require_library
	capture_start
	run preloaded "socks5h://$PROXY_IP:$DANTED_PORT" \
		"$REPO/build/tests/helpers/sxprobe" udp "$DEST_IP" 9
	capture_stop
	assert_output "OK"
	[ -n "$(capture_show "udp and dst host $DEST_IP and dst port 9")" ]
}

@test "enforce mode: a datagram sent with the raw system call is refused" {
	require_library
	capture_start
	run --separate-stderr enforced "socks5h://$PROXY_IP:$DANTED_PORT" \
		"$REPO/build/tests/helpers/sxprobe" udp "$DEST_IP" 9
	capture_stop
	assert_output "ERR ENETUNREACH"
	assert_silent
}

@test "the library alone: a connect submitted through io_uring leaves directly" {
	require_library
	capture_start
	run preloaded "socks5h://$PROXY_IP:$DANTED_PORT" \
		"$REPO/build/tests/helpers/sxprobe" iouconnect "$DEST_IP" 7
	capture_stop
	[ -n "$(capture_show "tcp and dst host $DEST_IP and dst port 7")" ]
}

@test "enforce mode: io_uring is not there (ENOSYS), and nothing leaves" {
	require_library
	capture_start
	run --separate-stderr enforced "socks5h://$PROXY_IP:$DANTED_PORT" \
		"$REPO/build/tests/helpers/sxprobe" iouconnect "$DEST_IP" 7
	capture_stop
	assert_output "ERR ENOSYS"
	assert_silent
}

@test "enforce mode: a raw-syscall TCP connect goes through the proxy" {
	require_library
	capture_start
	run --separate-stderr enforced "socks5://$PROXY_IP:$DANTED_PORT" \
		"$REPO/build/tests/helpers/sxprobe" tcp "$DEST_IP" 7
	capture_stop
	assert_line --regexp "^PEER $PROXY_OUT_IP [0-9]+$"
	assert_no_leak "$DANTED_PORT"
}

@test "enforce mode: a fake address the library gave out leads to its name in a child without the library" {
	require_library
	capture_start
	run --separate-stderr enforced "socks5h://$PROXY_IP:$DANTED_PORT" sh -c \
		"a=\$(getent ahostsv4 echo.test | head -n1 | cut -d' ' -f1) && echo \"FAKE \$a\" &&
		env -i $REPO/build/tests/helpers/sxprobe tcp \"\$a\" 7"
	capture_stop
	assert_success
	assert_line --regexp '^FAKE 198\.1[89]\.[0-9]+\.[0-9]+$'
	assert_line --regexp "^PEER $PROXY_OUT_IP [0-9]+$"
	assert_no_leak "$DANTED_PORT"
}

@test "enforce mode: the library's UDP through danted's relay still flows, and nothing else leaves" {
	require_library
	capture_start
	run --separate-stderr enforced "socks5://$PROXY_IP:$DANTED_PORT" \
		"$PY" "$HELPERS/udpclient.py" echo --count 20 "$DEST_IP" 7
	capture_stop
	assert_success
	assert_line "ECHOED 20"
	log_has "$UDP_ECHO_LOG" "^FROM $PROXY_OUT_IP "
	leaks=$(capture_show "not arp and not (host $PROXY_IP and (tcp port $DANTED_PORT or (udp and not port $MARKER_PORT))) and not ($(capture_marker_filter))")
	[ -z "$leaks" ] || { printf '# %s\n' "$leaks" >&2; false; }
}

@test "a process the program leaves running keeps its supervisor after the program ended" {
	local out=$BATS_TEST_TMPDIR/late.out i
	run --separate-stderr enforced "socks5://$PROXY_IP:$DANTED_PORT" sh -c \
		"(sleep 1; $REPO/build/tests/helpers/sxprobe tcp $DEST_IP 7 >$out 2>&1) >/dev/null 2>&1 &
		echo started"
	assert_success
	assert_output "started"
	for i in $(seq 1 50); do
		grep -q '^OK$' "$out" 2>/dev/null && break
		sleep 0.1
	done
	run cat "$out"
	assert_line --regexp "^PEER $PROXY_OUT_IP [0-9]+$"
	assert_line "OK"
}

@test "SOCKSIFY_ISOLATE=process: two supervised static processes authenticate with passwords of their own, never logged" {
	local bb first
	bb=$(command -v busybox) || skip "busybox-static is not installed (make deps)"
	file -L "$bb" | grep -q "statically linked" || skip "$bb is not the static busybox"
	: >"$TOR_LOG"
	run --separate-stderr supervised "socks5h://$PROXY_IP:$TOR_PORT" \
		SOCKSIFY_ISOLATE=process SOCKSIFY_LOG=debug \
		"$bb" sh -c '"$0" -b "$1" 7 && "$0" -b "$1" 7' "$STATIC/sxget" "$DEST_IP"
	assert_success
	assert_line "PEER torlike"
	first=$stderr
	run sed -n 's/^AUTH <torS0X>0 //p' "$TOR_LOG"
	assert_equal "${#lines[@]}" 2
	[[ ${lines[0]} =~ ^[0-9a-f]{32}$ ]]
	[[ ${lines[1]} =~ ^[0-9a-f]{32}$ ]]
	[ "${lines[0]}" != "${lines[1]}" ]
	[[ $first != *"${lines[0]}"* ]] && [[ $first != *"${lines[1]}"* ]]
}

#!/usr/bin/env bats
# One fake-address map for the whole process tree of a session: a name
# resolved in one process can be connected to from another -- an exec'd
# program, a child that closed every descriptor first (as Chromium's
# zygote does), a child that outlived its parent, lynx (which resolves in
# a forked child and hands the address to its parent) -- while two
# sessions never share a map, and a process of another user that cannot
# open the session's map fails closed with one line.
#
# Topology: tests/lib/netns.bash (web.test and echo.test resolve in the
# proxy namespace only); danted is the proxy; a capture on the client's
# interface shows nothing but the proxy connection.  tests/helpers/
# sharedmap.c plays the programs.

load lib/common
load lib/netns

DANTED_PORT=1081

setup_file() {
	require_library
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	netns_setup
	start_ns_dest web "$NETNS_DEST" "$DEST_IP" 80 --http
	export WEB_LOG=$LOG
	start_ns_dest echo "$NETNS_DEST" "$DEST_IP" 7
	export ECHO_LOG=$LOG
	start_ns_danted danted "$NETNS_PROXY" "$PROXY_IP" "$DANTED_PORT" "$PROXY_OUT_IP"
	export URL="socks5h://$PROXY_IP:$DANTED_PORT"
	export SM="$REPO/build/tests/helpers/sharedmap"
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
	netns_teardown
}

# The session map files this test made (their ids are in $output lines).
teardown() {
	local id
	for id in $(printf '%s\n' "${output:-}" "${stderr:-}" $(cat "$BATS_TEST_TMPDIR"/*.out 2>/dev/null) |
		sed -n 's/^SESSION \([0-9a-f]\{32\}\)-[0-9]*$/\1/p'); do
		rm -f "/dev/shm/socksify-$id"
	done
	stop_all "$BATS_TEST_TMPDIR"
}

# sm [VAR=VALUE...] ARGS...: the helper through socksify and danted in the
# client namespace, with SOCKSIFY_SESSION printed after it for teardown.
sm() {
	client_socksified "$URL" "$@"
}

# connected_through_proxy: the helper's connect reached the echo server
# from danted's address, and nothing but the proxy connection left.
connected_through_proxy() {
	assert_line --regexp "^CONNECT-OK PEER $PROXY_OUT_IP [0-9]+$"
	assert_proxy_used "$DANTED_PORT"
	assert_no_leak "$DANTED_PORT"
}

@test "an exec'd program connects to the fake address its parent resolved" {
	capture_start
	run --separate-stderr sm "$SM" exec echo.test 7
	capture_stop
	assert_success
	assert_line --regexp '^ADDR 198\.1[89]\.[0-9]+\.[0-9]+$'
	connected_through_proxy
	refute_regex "$stderr" 'socksify: '
}

@test "a child that closed every descriptor and exec'd connects to its parent's fake address" {
	capture_start
	run --separate-stderr sm "$SM" closed echo.test 7
	capture_stop
	assert_success
	connected_through_proxy
	refute_regex "$stderr" 'socksify: '
}

@test "a child exec'd after its parent exited connects to the parent's fake address" {
	capture_start
	run --separate-stderr sm "$SM" orphan echo.test 7
	capture_stop
	assert_success
	assert_line "ORPHANED yes"
	connected_through_proxy
	refute_regex "$stderr" 'socksify: '
}

@test "lynx -dump fetches http://web.test/ by name through danted (socks5h), no DNS query" {
	command -v lynx >/dev/null || skip "lynx is not installed (scripts/deps.sh installs it)"
	capture_start
	run --separate-stderr sm HOME="$BATS_TEST_TMPDIR" lynx -dump -noreferer \
		-connect_timeout=15 http://web.test/lynx-danted
	capture_stop
	assert_success
	assert_output --partial "PATH /lynx-danted"
	log_has "$WEB_LOG" "^GET /lynx-danted $PROXY_OUT_IP "
	assert_proxy_used "$DANTED_PORT"
	assert_no_leak "$DANTED_PORT"
	refute_regex "$stderr" 'socksify: '
}

@test "the session's map is a 0600 file named by SOCKSIFY_SESSION, and a second session has another" {
	run --separate-stderr sm "$SM" resolve echo.test
	assert_success
	local first addr
	first=$(line_value SESSION)
	addr=$(line_value ADDR)
	[[ $first =~ ^[0-9a-f]{32}-[0-9]+$ ]]
	[ "$(stat -c '%a %u' "/dev/shm/socksify-${first%-*}")" = "600 0" ]
	local out1=$output
	# A new session (no SOCKSIFY_SESSION given) has no name behind the
	# first session's address: it is refused, never sent anywhere.
	run --separate-stderr sm "$SM" connect "$addr" 7
	output="$out1"$'\n'"$output"
	assert_failure
	assert_line --partial "CONNECT-FAIL"
	[[ $stderr == *"fake address with no host name behind it"* ]]
}

@test "a program of another user that cannot open the session's map fails closed with one line" {
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	capture_start
	run --separate-stderr sm sh -c '
		out=$("$1" resolve echo.test) || exit 1
		echo "$out"
		addr=$(echo "$out" | sed -n "s/^ADDR //p")
		exec setpriv --reuid=65534 --regid=65534 --clear-groups "$1" connect "$addr" 7' sh "$SM"
	capture_stop
	assert_failure
	assert_line --regexp '^ADDR 198\.1[89]\.'
	assert_line --partial "CONNECT-FAIL"
	local session
	session=$(line_value SESSION)
	[[ $stderr == *"cannot open the fake-address map /dev/shm/socksify-${session%-*}: Permission denied"* ]]
	[ "$(printf '%s\n' "$stderr" | grep -c 'fake-address map')" -eq 1 ]
	assert_silent
}

@test "a program started under another user resolves and connects in a session of its own making" {
	command -v setpriv >/dev/null || skip "setpriv is not installed"
	capture_start
	run --separate-stderr sm setpriv --reuid=65534 --regid=65534 --clear-groups \
		sh -c '"$1" exec echo.test 7; echo "SESSION $SOCKSIFY_SESSION"' sh "$SM"
	capture_stop
	assert_success
	connected_through_proxy
	refute_regex "$stderr" 'socksify: '
}

@test "a new session removes the maps of ended sessions and half-made ones, never one whose first process lives" {
	local ended live fresh deadline
	run --separate-stderr sm "$SM" resolve echo.test
	assert_success
	ended=$(line_value SESSION)
	ended=${ended%-*}
	[ -f "/dev/shm/socksify-$ended" ]
	# A live session: its shell outlives the program that made the map.
	start_bg live ip netns exec "$NETNS_CLIENT" env SOCKS_PROXY="$URL" $(test_lib_vars) \
		"$SOCKSIFY" sh -c 'echo "SESSION $SOCKSIFY_SESSION"; "$1" resolve echo.test; sleep 30' sh "$SM"
	deadline=$((SECONDS + 10))
	until grep -q '^ADDR ' "$BG_OUT" || [ "$SECONDS" -ge "$deadline" ]; do
		sleep 0.1
	done
	live=$(sed -n 's/^SESSION \([0-9a-f]*\)-.*/\1/p' "$BG_OUT" | head -n1)
	[ -n "$live" ] && [ -f "/dev/shm/socksify-$live" ]
	# A map left half made by a process that died making it.
	local dead half
	dead=$(sh -c 'echo $$')
	half="/dev/shm/socksify-${ended}.$dead.new"
	: >"$half"
	run --separate-stderr sm "$SM" resolve echo.test
	assert_success
	fresh=$(line_value SESSION)
	[ -f "/dev/shm/socksify-${fresh%-*}" ]
	[ ! -e "/dev/shm/socksify-$ended" ]
	[ ! -e "$half" ]
	[ -f "/dev/shm/socksify-$live" ]
}

@test "without a writable /dev/shm a process keeps a map of its own, with one line, and its forked child connects" {
	command -v unshare >/dev/null || skip "unshare is not installed"
	capture_start
	run --separate-stderr sm unshare -m sh -c \
		'mount -t tmpfs -o ro none /dev/shm && exec "$@"' sh \
		"$REPO/build/tests/helpers/forkexec" fork echo.test 7
	capture_stop
	assert_success
	assert_line "CHILD-OK"
	[ "$(printf '%s\n' "$stderr" | grep -c 'cannot make the fake-address map')" -eq 1 ]
	assert_proxy_used "$DANTED_PORT"
	assert_no_leak "$DANTED_PORT"
}

@test "socksify run inside a session starts a session of its own" {
	run --separate-stderr sm sh -c 'echo "SESSION $SOCKSIFY_SESSION"; "$1" sh -c '\''echo "SESSION $SOCKSIFY_SESSION"'\' sh "$SOCKSIFY"
	assert_success
	[ "$(printf '%s\n' "$output" | grep -cE '^SESSION [0-9a-f]{32}-[0-9]+$')" -eq 2 ]
	[ "$(printf '%s\n' "$output" | sort -u | wc -l)" -eq 2 ]
}

# start_ns_page: a web server in the destination namespace on port 8080
# whose page loads a script that fetches a text with XMLHttpRequest.
# Sets PAGE_LOG (the server's request log).
start_ns_page() {
	local dir
	dir="$BATS_TEST_TMPDIR/www"
	mkdir -p "$dir"
	cat >"$dir/index.html" <<'HTML'
<!DOCTYPE html>
<html><body><p id="script">the script did not run</p><p id="xhr">no XHR answer</p>
<script src="/app.js"></script></body></html>
HTML
	cat >"$dir/app.js" <<'JS'
document.getElementById('script').textContent = 'the script ran';
var r = new XMLHttpRequest();
r.open('GET', '/data.txt', false);
r.send();
document.getElementById('xhr').textContent = 'XHR ' + r.status + ' ' + r.responseText.trim();
JS
	printf 'shared-map-ok\n' >"$dir/data.txt"
	start_bg page ip netns exec "$NETNS_DEST" "$PY" -m http.server --bind "$DEST_IP" \
		--directory "$dir" 8080
	PAGE_LOG=$BG_ERR
	ns_wait_port "$NETNS_DEST" "$DEST_IP" 8080 "$BG_PID" || server_failed page "did not start"
}

# chromium_through URL PROXY_PORT [sandbox]: headless Chromium through the
# proxy at URL loads http://web.test:8080/ (a page, its script and its XHR)
# by name; with "sandbox", as nobody with Chromium's sandbox on (root
# cannot have it).
chromium_through() {
	local url=$1 proxy_port=$2 how=${3:-} chromium leaks home=$BATS_TEST_TMPDIR
	local -a as=() sandbox=(--no-sandbox)
	chromium=$(command -v chromium || command -v chromium-browser) ||
		skip "chromium is not installed (scripts/deps.sh installs it)"
	if [ "$how" = sandbox ]; then
		# A home nobody can reach (the test's own directory is private).
		home=$(mktemp -d /tmp/socksify-chromium.XXXXXX)
		chmod 777 "$home"
		as=(runuser -u nobody --)
		sandbox=()
	fi
	start_ns_page
	capture_start
	run --separate-stderr client_socksified "$url" HOME="$home" CLIENT_TIMEOUT=60 \
		"${as[@]}" "$chromium" --headless "${sandbox[@]}" --disable-gpu \
		--disable-background-networking --disable-component-update --disable-sync \
		--no-first-run --user-data-dir="$home/profile" \
		--dump-dom http://web.test:8080/
	capture_stop
	[ "$home" = "$BATS_TEST_TMPDIR" ] || rm -rf "$home"
	assert_success
	assert_output --partial "the script ran"
	assert_output --partial "XHR 200 shared-map-ok"
	log_has "$PAGE_LOG" "^$PROXY_OUT_IP .*GET /app.js "
	log_has "$PAGE_LOG" "^$PROXY_OUT_IP .*GET /data.txt "
	assert_proxy_used "$proxy_port"
	# Nothing but the proxy host may appear (a datagram Chromium sends
	# to another server goes to the proxy's UDP relay).
	leaks=$(capture_show "not arp and not host $PROXY_IP and not ($(capture_marker_filter))")
	[ -z "$leaks" ] || {
		printf '# %s\n' "$leaks" >&2
		false
	}
	[[ $stderr != *"fake address with no host name"* ]]
}

@test "chromium --dump-dom loads a page, its script and its XHR from http://web.test:8080/ through danted" {
	chromium_through "$URL" "$DANTED_PORT"
}

@test "chromium with its sandbox, as nobody, loads the same page by name through danted" {
	chromium_through "$URL" "$DANTED_PORT" sandbox
}

@test "chromium --dump-dom loads the same page by name through ss-local" {
	# ss-server resolves names with its own DNS client, not the hosts
	# file: a name server in the proxy namespace answers web.test.
	start_bg ns-dns ip netns exec "$NETNS_PROXY" "$PY" "$HELPERS/udpdns.py" \
		--answer "$DEST_IP" 127.0.0.1 53
	start_ns_shadowsocks ss "$NETNS_PROXY" "$PROXY_IP" 1082 "$PROXY_OUT_IP"
	chromium_through "socks5h://$PROXY_IP:1082" 1082
}

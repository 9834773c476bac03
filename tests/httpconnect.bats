#!/usr/bin/env bats
# HTTP CONNECT on loopback against tests/helpers/httpfake.py, a proxy that
# answers the way real ones rarely do: the tunnel's first bytes in the same
# segment as the response header, a header cut in pieces, an interim 100,
# a header that never ends, odd reason phrases.  It logs every request, and
# after its 200 plays the destination ("BANNER <target>", then echo), so the
# program sees exactly the bytes the proxy sent after its header.  Also:
# what an HTTP proxy cannot carry (UDP; BIND is in httpproxy.bats, where
# the connection's local address is not loopback), and the URL rules.

load lib/common
load lib/udp

setup_file() {
	require_library
	local mode
	for mode in banner split interim huge refuse oddphrase; do
		LOG="$BATS_FILE_TMPDIR/fake-$mode.log"
		: >"$LOG"
		start_reporting "fake-$mode" "$PY" "$HELPERS/httpfake.py" --log "$LOG" \
			"$mode" 127.0.0.1 0
		eval "export FAKE_${mode^^}_PORT=$PORT FAKE_${mode^^}_LOG=$LOG"
	done
	export BANNER_URL="http://127.0.0.1:$FAKE_BANNER_PORT"
}

setup() {
	: >"$FAKE_BANNER_LOG"
}

@test "the tunnel's first bytes, sent in the segment of the 200, reach the program" {
	run through "$BANNER_URL" "$PY" "$HELPERS/client.py" --send hello 127.0.0.1 4321
	assert_success
	assert_line "CONNECTED"
	assert_line "PEER-LINE BANNER 127.0.0.1:4321"
	assert_line "ECHO hello"
	assert_line "GETPEERNAME 127.0.0.1 4321"
}

@test "a response cut in five segments: a non-blocking connect completes, nothing of the tunnel is lost" {
	run through "http://127.0.0.1:$FAKE_SPLIT_PORT" "$PY" "$HELPERS/client.py" \
		--mode nonblock --send hello 127.0.0.1 4322
	assert_success
	assert_line "NONBLOCK yes"
	assert_line "FLAGS-KEPT yes"
	assert_line "PEER-LINE BANNER 127.0.0.1:4322"
	assert_line "ECHO hello"
	run through "http://127.0.0.1:$FAKE_SPLIT_PORT" "$PY" "$HELPERS/client.py" \
		--mode asyncio --send again 127.0.0.1 4323
	assert_success
	assert_line "PEER-LINE BANNER 127.0.0.1:4323"
	assert_line "ECHO again"
}

@test "an interim 100 Continue is passed over" {
	run through "http://127.0.0.1:$FAKE_INTERIM_PORT" "$PY" "$HELPERS/client.py" \
		--send hello 127.0.0.1 4324
	assert_success
	assert_line "PEER-LINE BANNER 127.0.0.1:4324"
	assert_line "ECHO hello"
}

@test "a response header over 16 KiB: EPROTO and one log line" {
	run --separate-stderr through "http://127.0.0.1:$FAKE_HUGE_PORT" \
		"$PY" "$HELPERS/client.py" 127.0.0.1 4325
	assert_failure
	assert_output --partial "ERRNO EPROTO"
	[ "$(grep -c "longer than 16 KiB" <<<"$stderr")" -eq 1 ]
}

@test "a 502 with a body: ECONNREFUSED, and the proxy's reason phrase in the log line" {
	run --separate-stderr through "http://127.0.0.1:$FAKE_REFUSE_PORT" \
		"$PY" "$HELPERS/client.py" 127.0.0.1 4326
	assert_failure
	assert_output --partial "ERRNO ECONNREFUSED"
	[[ $stderr == *"socksify: 127.0.0.1:4326 via http 127.0.0.1:$FAKE_REFUSE_PORT: proxy answered 502 Bad Gateway"* ]]
}

@test "a reason phrase with control bytes is logged printable" {
	run --separate-stderr through "http://127.0.0.1:$FAKE_ODDPHRASE_PORT" \
		"$PY" "$HELPERS/client.py" 127.0.0.1 4327
	assert_failure
	assert_output --partial "ERRNO EACCES"
	[[ $stderr == *"proxy answered 403 Go?[31maway"* ]]
	[[ $stderr != *$'\e'* ]]
}

@test "a name goes to the proxy in the CONNECT line and Host, with the Basic credentials" {
	run --separate-stderr through "http://bob:pa%3Ass%40w0rd@127.0.0.1:$FAKE_BANNER_PORT" \
		"$PY" "$HELPERS/connectname.py" some.name.test 8080 hi
	assert_success
	assert_line "LINE BANNER some.name.test:8080"
	assert_line "ECHO hi"
	run cat "$FAKE_BANNER_LOG"
	assert_line "REQ CONNECT some.name.test:8080 HTTP/1.1"
	assert_line "REQ Host: some.name.test:8080"
	# base64("bob:pa:ss@w0rd")
	assert_line "REQ Proxy-Authorization: Basic $(printf '%s' 'bob:pa:ss@w0rd' | base64)"
	[[ $stderr != *"pa:ss@w0rd"* && $stderr != *"pa%3Ass"* ]]
}

@test "an IPv6 destination goes to the proxy in brackets" {
	run through "$BANNER_URL" "$PY" "$HELPERS/client.py" --send six 2001:db8::5 443
	assert_success
	assert_line "PEER-LINE BANNER [2001:db8::5]:443"
	assert_line "ECHO six"
	run cat "$FAKE_BANNER_LOG"
	assert_line "REQ CONNECT [2001:db8::5]:443 HTTP/1.1"
}

@test "socksify -p takes an http:// URL" {
	local -a pre
	mapfile -t pre < <(test_lib_vars)
	run timeout -k 2 "$CLIENT_TIMEOUT" env SOCKSIFY_LOOPBACK=proxy "${pre[@]}" \
		"$SOCKSIFY" -p "$BANNER_URL" "$PY" "$HELPERS/client.py" 127.0.0.1 4328
	assert_success
	assert_line "PEER-LINE BANNER 127.0.0.1:4328"
}

@test "ALL_PROXY=http:// is left to the tools that read it: the default SOCKS proxy is used" {
	local -a pre
	mapfile -t pre < <(test_lib_vars)
	run --separate-stderr timeout -k 2 "$CLIENT_TIMEOUT" env SOCKSIFY_LOOPBACK=proxy \
		ALL_PROXY="$BANNER_URL" "${pre[@]}" "$SOCKSIFY" "$PY" "$HELPERS/client.py" \
		127.0.0.1 4329
	refute_line "PEER-LINE BANNER 127.0.0.1:4329"
	[[ $stderr == *"via socks5h 127.0.0.1:1080"* ]]
	[ ! -s "$FAKE_BANNER_LOG" ]
}

@test "https:// is refused as not supported, and nothing goes out" {
	run --separate-stderr through "https://127.0.0.1:$FAKE_BANNER_PORT" \
		"$PY" "$HELPERS/client.py" 127.0.0.1 4330
	assert_failure
	assert_output --partial "ERRNO ENETUNREACH"
	[[ $stderr == *"SOCKS_PROXY: https:// (TLS to the proxy) is not supported: use http:// for an HTTP proxy"* ]]
	[ ! -s "$FAKE_BANNER_LOG" ]
}

@test "--help says http:// takes port 1080 by default too" {
	run "$SOCKSIFY" --help
	assert_success
	assert_output --partial "socks5h://  http://"
	assert_output --partial "port 1080 by default for every scheme"
}

@test "UDP through an HTTP proxy: every send fails with ENETUNREACH, one log line, nothing sent" {
	start_udpecho echo 127.0.0.1
	run udp_through "$BANNER_URL" once --sends 3 127.0.0.1 "$PORT"
	assert_success
	[ "$(grep -c '^ERRNO ENETUNREACH$' <<<"$output")" -eq 3 ]
	refute_line "SENT"
	[ "$(grep -c 'cannot carry UDP (an HTTP proxy has no UDP)' <<<"$output")" -eq 1 ]
	[ ! -s "$LOG" ]
}

@test "UDP through an HTTP proxy goes direct with SOCKSIFY_UDP=direct" {
	start_udpecho echo 127.0.0.1
	SOCKSIFY_UDP=direct run udp_through "$BANNER_URL" once 127.0.0.1 "$PORT"
	assert_success
	assert_line "SENT"
	assert_line "REPLY 127.0.0.1 $PORT ping"
	[ "$(grep -c 'goes direct' <<<"$output")" -eq 1 ]
}

@test "after HTTP connections with Basic credentials the process holds the password once and its base64 nowhere" {
	local pass='Hq4vY:s3cr3t@pw%!' pass_url='Hq4vY%3As3cr3t%40pw%25%21' pid i
	local -a pre
	mapfile -t pre < <(test_lib_vars)
	# A blocking and a non-blocking connection, then a pause (teardown ends it).
	start_bg target env SOCKSIFY_LOOPBACK=proxy "${pre[@]}" \
		SOCKS_PROXY="http://carol:$pass_url@127.0.0.1:$FAKE_BANNER_PORT" \
		"$SOCKSIFY" "$PY" -c '
import os, socket, sys, time
for timeout in (None, 5):
    s = socket.create_connection(("127.0.0.1", 4340), timeout=timeout)
    s.makefile().readline()
    s.close()
print("PID", os.getpid(), flush=True)
time.sleep(60)'
	for i in $(seq 1 100); do
		pid=$(sed -n 's/^PID //p' "$BG_OUT")
		[ -n "$pid" ] && break
		sleep 0.05
	done
	[ -n "$pid" ] || {
		show_logs target
		return 1
	}
	log_has "$FAKE_BANNER_LOG" "^REQ Proxy-Authorization: Basic $(printf '%s' "carol:$pass" | base64)$"
	run -0 "$PY" - "$pid" "$pass" "$(printf '%s' "carol:$pass" | base64)" <<'PYEOF'
import sys
# The password's tail (what a shorter message written over a copy leaves),
# and the middle of the credentials' base64.
pid, tail, b64 = sys.argv[1], sys.argv[2].encode()[-11:], sys.argv[3].encode()[4:20]
counts = [0, 0]
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        fields = line.split()
        lo, hi = (int(x, 16) for x in fields[0].split("-"))
        if "r" not in fields[1] or (len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]")):
            continue
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except OSError:
            continue
        counts[0] += data.count(tail)
        counts[1] += data.count(b64)
print("COPIES", counts[0], "BASE64", counts[1])
PYEOF
	assert_output "COPIES 1 BASE64 0"
}

@test "every event loop's non-blocking connect waits for the whole cut response, and none of the tunnel is lost" {
	local mode
	for mode in poll ppoll select pselect epoll-lt epoll-et epoll-oneshot epoll-pwait2 \
		epoll-before-connect epoll-after-connect; do
		run through "http://127.0.0.1:$FAKE_SPLIT_PORT" \
			"$REPO/build/tests/helpers/nbclient" --send "via-$mode" "$mode" 127.0.0.1 4350
		assert_success
		assert_line "CONNECT-RC EINPROGRESS"
		assert_line "QUIET yes"
		# While the response comes in, the program reads none of it.
		assert_line "PENDING-RECV EAGAIN"
		assert_line "PENDING-READ EAGAIN"
		assert_line "SO_ERROR 0"
		assert_line "GETPEERNAME 127.0.0.1 4350"
		assert_line "PEER-LINE BANNER 127.0.0.1:4350"
		assert_line "ECHO via-$mode"
		assert_line "RESULT ok"
	done
}

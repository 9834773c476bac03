#!/usr/bin/env bats
# Configuration from the environment: which proxy is used, what goes direct,
# and what a malformed value does: one line on stderr naming the variable
# (never a password), then every proxied connect fails with ENETUNREACH and
# nothing reaches the destination.

load lib/common

setup_file() {
	require_library
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT ECHO_LOG=$LOG
	start_microsocks ms
	export MS_PORT=$PORT
	export MS_URL="socks5://127.0.0.1:$MS_PORT"
}

setup() {
	ECHO_BEFORE=$(wc -l <"$ECHO_LOG")
}

dest_untouched() {
	assert_equal "$(wc -l <"$ECHO_LOG")" "$ECHO_BEFORE"
}

# Two connections from one process; the output of client.py.
client_twice() {
	socksified "$@" "$PY" "$HELPERS/client.py" --count 2 --timeout 10 127.0.0.1 "$ECHO_PORT"
}

# assert_config_error VAR: stderr holds exactly one "socksify: VAR: ..." line,
# the connects failed with ENETUNREACH, and the destination saw nothing.
assert_config_error() {
	local var=$1
	assert_failure 1
	assert_line "ERRNO ENETUNREACH"
	refute_line "CONNECTED"
	local n
	n=$(printf '%s\n' "${stderr_lines[@]}" | grep -c "^socksify: $var: " || true)
	if [ "$n" != 1 ]; then
		echo "# expected one 'socksify: $var: ' line on stderr, got $n:" >&2
		printf '# %s\n' "${stderr_lines[@]}" >&2
		return 1
	fi
	dest_untouched
}

@test "a SOCKS_PROXY with an unknown scheme is reported once and nothing goes direct" {
	run --separate-stderr client_twice SOCKSIFY_LOOPBACK=proxy \
		SOCKS_PROXY="ftp://127.0.0.1:$MS_PORT"
	assert_config_error SOCKS_PROXY
}

@test "a SOCKS_PROXY with a bad port is reported once and nothing goes direct" {
	local url
	for url in "socks5://127.0.0.1:99999" "socks5://127.0.0.1:0" "socks5://127.0.0.1:x" \
		"socks5://127.0.0.1:"; do
		run --separate-stderr client_twice SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$url"
		assert_config_error SOCKS_PROXY
	done
}

@test "a SOCKS_PROXY with an unterminated bracket or an empty host is rejected" {
	local url
	for url in "socks5://[::1:$MS_PORT" "socks5://:$MS_PORT" "socks5://" "socks5h://[]:1080"; do
		run --separate-stderr client_twice SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$url"
		assert_config_error SOCKS_PROXY
	done
}

@test "a SOCKS_PROXY host of 256 bytes is rejected" {
	local host
	host=$(printf 'a%.0s' $(seq 1 256))
	run --separate-stderr client_twice SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="socks5://$host:1080"
	assert_config_error SOCKS_PROXY
}

@test "a SOCKS_PROXY host name that does not resolve fails closed" {
	run --separate-stderr client_twice SOCKSIFY_LOOPBACK=proxy \
		SOCKS_PROXY="socks5://no-such-host.invalid:$MS_PORT"
	assert_config_error SOCKS_PROXY
}

@test "a malformed proxy URL never shows its password" {
	local url
	for url in "socks5://alice:hunter2@127.0.0.1:99999" "socks9://alice:hunter2@127.0.0.1" \
		"socks5://alice:hunter2@[::1" "socks5://alice:hunter2%ZZ@127.0.0.1" \
		"socks4://alice:hunter2@127.0.0.1:$MS_PORT"; do
		run --separate-stderr client_twice SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$url"
		assert_config_error SOCKS_PROXY
		refute_regex "$stderr" "hunter2"
	done
}

@test "a malformed socks URL in ALL_PROXY is reported under ALL_PROXY" {
	run --separate-stderr client_twice SOCKSIFY_LOOPBACK=proxy \
		ALL_PROXY="socks5://bob:hunter2@127.0.0.1:99999"
	assert_config_error ALL_PROXY
	refute_regex "$stderr" "hunter2"
}

@test "a malformed NO_PROXY is reported once and nothing goes direct" {
	local v
	for v in "10.0.0.0/33" "::1/129" "127.0.0.1:99999" "10.0.0.0/8,,[::1"; do
		run --separate-stderr client_twice SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$MS_URL" \
			NO_PROXY="$v"
		assert_config_error NO_PROXY
	done
}

@test "a malformed SOCKSIFY_TIMEOUT is reported once and nothing goes direct" {
	local v
	for v in abc -1 0 5s 1e3 99999; do
		run --separate-stderr client_twice SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$MS_URL" \
			SOCKSIFY_TIMEOUT="$v"
		assert_config_error SOCKSIFY_TIMEOUT
	done
}

@test "a malformed SOCKSIFY_LOG is reported once and nothing goes direct" {
	run --separate-stderr client_twice SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$MS_URL" \
		SOCKSIFY_LOG=loud
	assert_config_error SOCKSIFY_LOG
}

@test "a malformed SOCKSIFY_LOOPBACK is reported once and loopback does not go direct" {
	run --separate-stderr client_twice SOCKS_PROXY="$MS_URL" SOCKSIFY_LOOPBACK=sideways
	assert_config_error SOCKSIFY_LOOPBACK
}

@test "ALL_PROXY with a socks URL is used when SOCKS_PROXY is unset" {
	run socksified SOCKSIFY_LOOPBACK=proxy ALL_PROXY="$MS_URL" \
		"$PY" "$HELPERS/client.py" --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.3 [0-9]+$'
	run socksified SOCKSIFY_LOOPBACK=proxy all_proxy="socks5h://127.0.0.1:$MS_PORT" \
		"$PY" "$HELPERS/client.py" --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.3 [0-9]+$'
}

@test "SOCKS_PROXY wins over ALL_PROXY, and an http ALL_PROXY is not ours" {
	local dead
	dead=$(free_port)
	run socksified SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$MS_URL" \
		ALL_PROXY="socks5://127.0.0.1:$dead" \
		"$PY" "$HELPERS/client.py" --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.3 [0-9]+$'
	# An http:// ALL_PROXY is left to the tools that read it; SOCKS_PROXY is used.
	run --separate-stderr socksified SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$MS_URL" \
		ALL_PROXY="http://127.0.0.1:$dead" \
		"$PY" "$HELPERS/client.py" --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.3 [0-9]+$'
	assert_equal "$stderr" ""
}

@test "with nothing configured the proxy is socks5h://127.0.0.1:1080" {
	if is_listening 127.0.0.1 1080; then
		skip "port 1080 on 127.0.0.1 is in use by another program"
	fi
	start_microsocks ms1080 -p 1080
	run socksified SOCKSIFY_LOOPBACK=proxy "$PY" "$HELPERS/client.py" --send hello \
		127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.3 [0-9]+$'
}

@test "loopback destinations are reached directly by default" {
	run --separate-stderr socksified SOCKS_PROXY="$MS_URL" SOCKSIFY_LOG=debug \
		"$PY" "$HELPERS/client.py" --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	local mine
	mine=$(line_value LOCAL | cut -d' ' -f2)
	assert_line "PEER-LINE PEER 127.0.0.1 $mine"
	assert_line "GETPEERNAME 127.0.0.1 $ECHO_PORT"
}

@test "a NO_PROXY address, CIDR block or * is reached directly" {
	local v mine
	for v in 127.0.0.1 127.0.0.0/8 "10.0.0.0/8, 127.0.0.1" "*" "127.0.0.1:$ECHO_PORT"; do
		run socksified SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$MS_URL" NO_PROXY="$v" \
			"$PY" "$HELPERS/client.py" --send hello 127.0.0.1 "$ECHO_PORT"
		assert_success
		mine=$(line_value LOCAL | cut -d' ' -f2)
		assert_line "PEER-LINE PEER 127.0.0.1 $mine"
	done
	# no_proxy in lower case works as well.
	run socksified SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$MS_URL" no_proxy=127.0.0.1 \
		"$PY" "$HELPERS/client.py" --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	mine=$(line_value LOCAL | cut -d' ' -f2)
	assert_line "PEER-LINE PEER 127.0.0.1 $mine"
}

@test "a NO_PROXY that does not match still sends the connection through the proxy" {
	local v
	for v in 10.0.0.0/8 127.0.0.2 "127.0.0.1:1" example.com ::1; do
		run socksified SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$MS_URL" NO_PROXY="$v" \
			"$PY" "$HELPERS/client.py" --send hello 127.0.0.1 "$ECHO_PORT"
		assert_success
		assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.3 [0-9]+$'
	done
}

@test "SOCKSIFY_LOG=none silences even failures" {
	local dead
	dead=$(free_port)
	run --separate-stderr socksified SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="socks5://127.0.0.1:$dead" \
		SOCKSIFY_LOG=none "$PY" "$HELPERS/client.py" 127.0.0.1 "$ECHO_PORT"
	assert_failure 1
	assert_line "ERRNO ECONNREFUSED"
	assert_equal "$stderr" ""
}

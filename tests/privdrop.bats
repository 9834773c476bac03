#!/usr/bin/env bats
# Programs that drop privileges to another user before they connect:
# setpriv and runuser link libcap-ng, whose library constructor calls read()
# before the library's own constructor has run, and then the program runs
# as nobody.  Both must connect through the proxy.

load lib/common

setup_file() {
	require_library
	start_dest web 127.0.0.1 --http
	export WEB_PORT=$PORT
	start_microsocks socks
	export SOCKS_PORT=$PORT
}

setup() {
	[ "$(id -u)" -eq 0 ] || skip "dropping privileges needs root"
}

@test "setpriv --reuid=nobody curl goes through the proxy" {
	command -v setpriv >/dev/null || skip "setpriv (util-linux) is not installed"
	run --separate-stderr through "socks5://127.0.0.1:$SOCKS_PORT" setpriv \
		--reuid=65534 --regid=65534 --clear-groups curl -q -sS --max-time 10 \
		"http://127.0.0.1:$WEB_PORT/setpriv"
	assert_success
	assert_line --regexp '^PEER 127\.0\.0\.3 [0-9]+$'
	assert_line "PATH /setpriv"
}

@test "runuser -u nobody curl goes through the proxy" {
	command -v runuser >/dev/null || skip "runuser (util-linux) is not installed"
	run --separate-stderr through "socks5://127.0.0.1:$SOCKS_PORT" runuser -u nobody -- \
		curl -q -sS --max-time 10 "http://127.0.0.1:$WEB_PORT/runuser"
	assert_success
	assert_line --regexp '^PEER 127\.0\.0\.3 [0-9]+$'
	assert_line "PATH /runuser"
}

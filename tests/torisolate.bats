#!/usr/bin/env bats
# Tor stream isolation (SOCKSIFY_ISOLATE=process) and Tor's extended SOCKS5
# replies, against tests/helpers/torlike.py: a SOCKS5 server that takes
# user name/password whenever it is offered, as Tor does, logs the pair of
# every connection, and answers X'F0'-X'F7' for f0.onion ... f7.onion.  No
# real Tor: it would contact the network as it starts.

load lib/common

setup_file() {
	require_library
	LOG="$BATS_FILE_TMPDIR/torlike.log"
	: >"$LOG"
	start_reporting torlike "$PY" "$HELPERS/torlike.py" --log "$LOG" 127.0.0.1 0
	export TOR_PORT=$PORT TOR_LOG=$LOG
	export TOR_URL="socks5h://127.0.0.1:$TOR_PORT"
}

setup() {
	: >"$TOR_LOG"
}

# The passwords of the AUTH lines the server logged, in order.
passwords() {
	sed -n 's/^AUTH <torS0X>0 //p' "$TOR_LOG"
}

@test "isolated: two processes use different passwords, the connections of one process the same" {
	SOCKSIFY_ISOLATE=process run through "$TOR_URL" sh -c \
		'"$0" "$1" --count 2 127.0.0.1 80 && "$0" "$1" 127.0.0.1 80' \
		"$PY" "$HELPERS/client.py"
	assert_success
	run passwords
	assert_equal "${#lines[@]}" 3
	[[ ${lines[0]} =~ ^[0-9a-f]{32}$ ]]
	[[ ${lines[2]} =~ ^[0-9a-f]{32}$ ]]
	assert_equal "${lines[0]}" "${lines[1]}"
	[ "${lines[0]}" != "${lines[2]}" ]
	# Every connection authenticated with Tor's extended user name.
	run grep -c '^AUTH <torS0X>0 ' "$TOR_LOG"
	assert_output 3
}

@test "isolated: a forked child uses a password of its own" {
	SOCKSIFY_ISOLATE=process run through "$TOR_URL" "$PY" "$HELPERS/client.py" \
		--fork 127.0.0.1 80
	assert_success
	assert_line "CHILD CONNECTED"
	run passwords
	assert_equal "${#lines[@]}" 2
	[ "${lines[0]}" != "${lines[1]}" ]
}

@test "isolated: each run gets a new password, and no log line shows it" {
	SOCKSIFY_ISOLATE=process SOCKSIFY_LOG=debug run --separate-stderr \
		through "$TOR_URL" "$PY" "$HELPERS/client.py" 127.0.0.1 80
	assert_success
	first=$(passwords)
	[[ $stderr == *"stream isolation: SOCKS5 user <torS0X>0"* ]]
	[[ $stderr != *"$first"* ]]
	: >"$TOR_LOG"
	SOCKSIFY_ISOLATE=process run through "$TOR_URL" "$PY" "$HELPERS/client.py" \
		127.0.0.1 80
	assert_success
	[ -n "$(passwords)" ] && [ "$(passwords)" != "$first" ]
}

@test "isolated: credentials in the URL win" {
	SOCKSIFY_ISOLATE=process run through "socks5h://alice:s3cret@127.0.0.1:$TOR_PORT" \
		"$PY" "$HELPERS/client.py" 127.0.0.1 80
	assert_success
	run cat "$TOR_LOG"
	assert_line "AUTH alice s3cret"
	refute_line --regexp '^AUTH <torS0X>0'
}

@test "without SOCKSIFY_ISOLATE no credentials are sent" {
	run through "$TOR_URL" "$PY" "$HELPERS/client.py" 127.0.0.1 80
	assert_success
	run cat "$TOR_LOG"
	assert_line NOAUTH
	refute_line --regexp '^AUTH'
}

@test "isolation through a SOCKS4 proxy is a configuration error, and nothing goes out" {
	SOCKSIFY_ISOLATE=process run --separate-stderr through \
		"socks4a://127.0.0.1:$TOR_PORT" "$PY" "$HELPERS/client.py" 127.0.0.1 80
	assert_failure
	assert_line "ERRNO ENETUNREACH"
	[[ $stderr == *"SOCKSIFY_ISOLATE: process isolation needs a socks5:// or socks5h:// proxy (Tor's SocksPort), not socks4a://"* ]]
	[ ! -s "$TOR_LOG" ]
}

@test "Tor's extended replies X'F0'-X'F7' each get their own log line and errno" {
	local -A want_errno=(
		[f0]=EHOSTUNREACH [f1]=EHOSTUNREACH [f2]=EHOSTUNREACH [f3]=EHOSTUNREACH
		[f4]=EACCES [f5]=EACCES [f6]=EHOSTUNREACH [f7]=ETIMEDOUT
	)
	local -A want_text=(
		[f0]="onion service descriptor can not be found"
		[f1]="onion service descriptor is invalid"
		[f2]="onion service introduction failed"
		[f3]="onion service rendezvous failed"
		[f4]="onion service missing client authorization"
		[f5]="onion service wrong client authorization"
		[f6]="onion service invalid address"
		[f7]="onion service introduction timed out"
	)
	local code
	for code in f0 f1 f2 f3 f4 f5 f6 f7; do
		run --separate-stderr through "$TOR_URL" "$PY" "$HELPERS/connectname.py" \
			"abcdef.$code.onion" 80
		assert_failure
		assert_output "ERRNO ${want_errno[$code]}"
		[[ $stderr == *"abcdef.$code.onion:80 via socks5h 127.0.0.1:$TOR_PORT: ${want_text[$code]}"* ]] ||
			{ echo "# $code: $stderr" >&2; false; }
	done
	run grep -c '^CONNECT abcdef\.f[0-7]\.onion 80$' "$TOR_LOG"
	assert_output 8
}

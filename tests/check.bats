#!/usr/bin/env bats
# socksify --check: a table of what the configured proxy answers and
# carries, against real servers (microsocks, danted, ssh -D, ss-local) and
# a proxy that is down; the exit status says whether the proxy carries what
# the settings need, and the password never shows.

load lib/common

# The row NAME of the table in $output (the text after the name).
row() {
	printf '%s\n' "$output" | sed -n "s/^$1  *//p" | head -n1
}

# check [VAR=VALUE...] ARGS...: socksify --check with exactly the given
# settings, bounded by CLIENT_TIMEOUT.
check() {
	socksified "$@"
}

@test "a proxy that is down: not reachable, nothing else tried, exit status 1" {
	local port
	port=$(free_port)
	run --separate-stderr check "$SOCKSIFY" --check -p "socks5h://127.0.0.1:$port"
	assert_failure 1
	assert_equal "$stderr" ""
	assert_equal "$(row proxy)" "socks5h://127.0.0.1:$port"
	assert_equal "$(row reachable)" "no: Connection refused"
	assert_equal "$(row verdict)" "not ok: the proxy cannot be reached: Connection refused"
	refute_output --partial "CONNECT"
}

@test "microsocks: CONNECT to the named target goes through the proxy; no UDP nor BIND; exit status 0" {
	start_microsocks msa
	local ms=$PORT
	start_dest web 127.0.0.2
	run --separate-stderr check "$SOCKSIFY" --check -p "socks5h://127.0.0.1:$ms" \
		--check-target "127.0.0.2:$PORT"
	assert_success
	assert_regex "$(row reachable)" '^yes, in [0-9]+\.[0-9]{2} ms$'
	assert_equal "$(row methods)" "no authentication: accepted; user and password: refused"
	assert_equal "$(row authentication)" "none configured"
	assert_regex "$(row CONNECT)" "^yes, to 127\.0\.0\.2:$PORT, in [0-9.]+ ms$"
	assert_equal "$(row 'UDP ASSOCIATE')" "refused: command not supported; programs' UDP fails (SOCKSIFY_UDP=proxy)"
	assert_equal "$(row BIND)" "refused: command not supported"
	# microsocks drops a pipelined request: reported, not needed (the
	# library finds it out and goes lock-step).
	assert_regex "$(row pipelining)" "^not accepted: .*; the library finds this out at the first connection and goes lock-step with this proxy; nothing remembered$"
	assert_equal "$(row verdict)" "ok: the proxy carries what the configuration needs"
	# The CONNECT reached the destination, from the proxy's address.
	log_has "$LOG" '^CONN 127\.0\.0\.3 '
	log_lacks "$LOG" '^CONN 127\.0\.0\.1 '
	# Without --check-target: the proxy's own address.
	run --separate-stderr check "$SOCKSIFY" --check -p "socks5h://127.0.0.1:$ms"
	assert_success
	assert_regex "$(row CONNECT)" "^yes, to 127\.0\.0\.1:$ms \(the proxy's own address\), in "
	# A connection through the library learns that microsocks drops
	# pipelined requests and remembers it for the user: --check says so.
	export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/xdg
	mkdir -m 0700 "$XDG_RUNTIME_DIR"
	run -0 --separate-stderr timeout -k 2 "$CLIENT_TIMEOUT" env SOCKSIFY_LOOPBACK=proxy \
		"$SOCKSIFY" -p "socks5h://127.0.0.1:$ms" "$PY" -c '
import socket, sys
socket.create_connection(("127.0.0.2", int(sys.argv[1])), timeout=5).close()
print("CONNECTED")' "$PORT"
	assert_line CONNECTED
	run --separate-stderr check "$SOCKSIFY" --check -p "socks5h://127.0.0.1:$ms"
	assert_success
	assert_regex "$(row pipelining)" "; remembered: drops pipelined requests, so connections go lock-step$"
}

@test "SOCKSIFY_PIPELINE=1 with a proxy that drops pipelined requests fails the check" {
	start_microsocks msa
	run --separate-stderr check SOCKSIFY_PIPELINE=1 SOCKSIFY_TIMEOUT=2 "$SOCKSIFY" --check -p "socks5://127.0.0.1:$PORT"
	assert_failure 1
	assert_regex "$(row pipelining)" "^not accepted: the proxy answered the greeting but not the pipelined request within the timeout; unset SOCKSIFY_PIPELINE$"
	assert_regex "$(row verdict)" "^not ok: pipelining \(SOCKSIFY_PIPELINE=1\): "
}

@test "SOCKSIFY_GSSAPI=1: pipelining is not used, whatever SOCKSIFY_PIPELINE says" {
	start_microsocks msg
	local mode
	for mode in 1 auto; do
		run --separate-stderr check SOCKSIFY_GSSAPI=1 SOCKSIFY_PIPELINE=$mode \
			"$SOCKSIFY" --check -p "socks5://127.0.0.1:$PORT"
		assert_equal "$(row pipelining)" \
			"not used with GSSAPI authentication (its greeting offers more than one method)"
	done
}

@test "a user and password: accepted from a proxy file, refused when wrong, asked for when missing, never printed" {
	local secret=Zq7wXs3cr3t f=$BATS_TEST_TMPDIR/proxy
	start_microsocks msa -u alice -P "$secret"
	printf 'socks5://alice:%s@127.0.0.1:%s\n' "$secret" "$PORT" >"$f"
	chmod 600 "$f"
	run --separate-stderr check "$SOCKSIFY" --check --proxy-file "$f"
	assert_success
	assert_equal "$(row methods)" "no authentication: refused; user and password: accepted"
	assert_equal "$(row authentication)" "accepted"
	refute_output --partial "$secret"
	refute_output --partial "alice"
	printf 'socks5://alice:wrong%s@127.0.0.1:%s\n' "$secret" "$PORT" >"$f"
	run --separate-stderr check "$SOCKSIFY" --check --proxy-file "$f"
	assert_failure 1
	assert_equal "$(row authentication)" "refused: proxy rejected the user name or password"
	assert_equal "$(row BIND)" "not tried: proxy rejected the user name or password"
	assert_equal "$(row verdict)" "not ok: CONNECT: proxy rejected the user name or password"
	refute_output --partial "$secret"
	refute_regex "$stderr" "$secret"
	run --separate-stderr check "$SOCKSIFY" --check -p "socks5://127.0.0.1:$PORT"
	assert_failure 1
	assert_regex "$(row authentication)" "^none configured, but the proxy wants it: "
}

@test "danted carries CONNECT, UDP ASSOCIATE, BIND and a pipelined request" {
	start_danted dante
	local dante=$PORT dlog=$LOG
	start_dest web 127.0.0.2
	run --separate-stderr check SOCKSIFY_PIPELINE=1 "$SOCKSIFY" --check \
		-p "socks5://127.0.0.1:$dante" --check-target "127.0.0.2:$PORT"
	assert_success
	assert_regex "$(row CONNECT)" "^yes, to 127\.0\.0\.2:$PORT, in "
	assert_regex "$(row 'UDP ASSOCIATE')" '^yes, relay at 127\.0\.0\.1:[0-9]+$'
	assert_regex "$(row BIND)" '^yes, listening at 127\.0\.0\.4:[0-9]+$'
	assert_equal "$(row pipelining)" "accepted, and used (SOCKSIFY_PIPELINE=1); nothing remembered"
	assert_equal "$(row verdict)" "ok: the proxy carries what the configuration needs"
	log_has "$LOG" '^CONN 127\.0\.0\.4 '
	# A destination the ruleset refuses (danted will not connect to
	# itself): CONNECT refused, exit status 1; the pipelined request
	# was answered all the same.
	run --separate-stderr check SOCKSIFY_PIPELINE=1 "$SOCKSIFY" --check -p "socks5://127.0.0.1:$dante"
	assert_failure 1
	assert_regex "$(row CONNECT)" "^refused, to 127\.0\.0\.1:$dante \(the proxy's own address\): "
	assert_regex "$(row pipelining)" '^accepted: the pipelined request was answered '
	assert_equal "$(row authentication)" "none configured"
}

@test "ssh -D as SOCKS5 and as SOCKS4" {
	start_ssh_socks sshd
	run --separate-stderr check "$SOCKSIFY" --check -p "socks5h://127.0.0.1:$PORT"
	assert_success
	assert_regex "$(row CONNECT)" "^yes, to 127\.0\.0\.1:$PORT \(the proxy's own address\), in "
	assert_regex "$(row 'UDP ASSOCIATE')" '^refused: '
	run --separate-stderr check "$SOCKSIFY" --check -p "socks4://127.0.0.1:$PORT"
	assert_success
	assert_equal "$(row methods)" "none: SOCKS4 has no authentication methods"
	assert_equal "$(row 'UDP ASSOCIATE')" "no: SOCKS4 has no UDP; programs' UDP fails (SOCKSIFY_UDP=proxy)"
	assert_equal "$(row IPv6)" "no: SOCKS4 cannot carry IPv6 destinations"
	assert_equal "$(row pipelining)" "not used with SOCKS4"
	run --separate-stderr check SOCKSIFY_UDP=direct "$SOCKSIFY" --check -p "socks4://127.0.0.1:$PORT"
	assert_equal "$(row 'UDP ASSOCIATE')" "no: SOCKS4 has no UDP; programs' UDP goes direct (SOCKSIFY_UDP=direct)"
}

@test "ss-local carries CONNECT, UDP ASSOCIATE and IPv6 destinations" {
	command -v ss-server >/dev/null && command -v ss-local >/dev/null || {
		echo "# shadowsocks-libev is not installed (make deps)" >&2
		return 1
	}
	local sport lport conf=$BATS_TEST_TMPDIR/ss.json
	sport=$(free_port)
	lport=$(free_port)
	(
		umask 077
		printf '{"server": "127.0.0.1", "server_port": %s, "local_address": "127.0.0.1", "local_port": %s, "password": "%s", "method": "chacha20-ietf-poly1305", "timeout": 60}\n' \
			"$sport" "$lport" "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" >"$conf"
	)
	start_bg ss-server ss-server -c "$conf" -u
	wait_port 127.0.0.1 "$sport" "$START_TIMEOUT" "$BG_PID"
	start_bg ss-local ss-local -c "$conf" -u
	wait_port 127.0.0.1 "$lport" "$START_TIMEOUT" "$BG_PID"
	start_dest web 127.0.0.2
	run --separate-stderr check "$SOCKSIFY" --check -p "socks5h://127.0.0.1:$lport" \
		--check-target "127.0.0.2:$PORT"
	assert_success
	assert_regex "$(row 'UDP ASSOCIATE')" '^yes, relay at '
	assert_regex "$(row IPv6)" '^yes'
	assert_regex "$(row CONNECT)" "^yes, to 127\.0\.0\.2:$PORT, in "
	assert_equal "$(row verdict)" "ok: the proxy carries what the configuration needs"
	# ss-local answers a CONNECT at once and sends the destination on with
	# the first data, which the check does not send: no connection to see.
}

@test "--check with a command, --check-target without --check, a bad target or setting: one line, exit status 2" {
	run --separate-stderr -2 "$SOCKSIFY" --check true
	assert_equal "$stderr" "socksify: --check runs no command: true (see 'socksify --help')"
	run --separate-stderr -2 "$SOCKSIFY" --check-target 127.0.0.1:1 true
	assert_equal "$stderr" "socksify: option --check-target goes with --check (see 'socksify --help')"
	run --separate-stderr -2 "$SOCKSIFY" --check --check-target
	assert_equal "$stderr" "socksify: option --check-target needs HOST:PORT (see 'socksify --help')"
	local t
	for t in 127.0.0.1 127.0.0.1:0 127.0.0.1:65536 :80 '[::1]80' 'host:x'; do
		run --separate-stderr -2 "$SOCKSIFY" --check -p socks5://127.0.0.1:1 --check-target "$t"
		assert_equal "${#stderr_lines[@]}" 1
		assert_regex "$stderr" "^socksify: --check-target .*: "
		assert_output ""
	done
	run --separate-stderr -2 "$SOCKSIFY" --check -p 'socks5://alice:s3cr3t@127.0.0.1:99999'
	assert_equal "${#stderr_lines[@]}" 2
	assert_regex "${stderr_lines[1]}" "^socksify: SOCKS_PROXY: "
	refute_regex "$stderr" "s3cr3t"
	assert_output ""
}

@test "--check runs socksify-check in the launcher's place, and nothing else" {
	command -v strace >/dev/null || {
		echo "# strace is missing (make deps)" >&2
		return 1
	}
	local log=$BATS_TEST_TMPDIR/strace.log port
	port=$(free_port)
	run strace -f -qq -o "$log" -e trace=execve,fork,vfork,clone,clone3 \
		"$SOCKSIFY" --check -p "socks5://127.0.0.1:$port"
	assert_failure 1
	[ "$(grep -c 'execve(' "$log")" -eq 2 ]
	grep -q "execve(\"$(dirname "$SOCKSIFY")/socksify-check\"" "$log"
	run grep -cE 'fork|clone' "$log"
	assert_output 0
}

#!/usr/bin/env bats
# Many threads at once: tests/helpers/stress.c runs 64 threads for a few
# seconds, each resolving names (fake addresses), connecting through the
# proxy (blocking, poll, epoll), echoing a line of its own, being refused
# by a closed port, sending UDP through the same proxy, and closing; one
# of them forks now and then.
# Nothing may crash or hang, no answer may be another thread's, and no
# descriptor may be left behind.  The same program runs under
# ThreadSanitizer and helgrind in scripts/tsan-check.sh.

load lib/common
load lib/udp
load lib/hardening

DOMAIN=stress.test
THREADS=64

setup_file() {
	require_library
	start_names_danted dante "$DOMAIN" "$THREADS" || return 1
	export PROXY_PORT=$PORT
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT ECHO_LOG=$LOG
	start_udpecho uecho 127.0.0.1
	export UECHO_PORT=$PORT
	# A port where nothing listens: connections there must be refused.
	CLOSED_PORT=$(free_port)
	export CLOSED_PORT
}

# counts KIND: the numbers on stress's "KIND ..." line.
counts() {
	line_value "$1"
}

# stress_ok: the run ended by itself with STRESS-OK, no connection or
# send failed, and (almost) every datagram came back.
stress_ok() {
	local tcp udp
	if [ "$status" -ne 0 ]; then
		echo "# stress exited with status $status" >&2
		printf '%s\n' "$output" | tail -n 20 | sed 's/^/# /' >&2
		printf '%s\n' "$stderr" | sort | uniq -c | sort -rn | head -n 20 | sed 's/^/# /' >&2
		return 1
	fi
	assert_line "STRESS-OK"
	assert_line "MISMATCH 0"
	refute_line --partial "DEADLOCK"
	tcp=($(counts TCP))
	[ "${tcp[0]}" -gt 0 ] && [ "${tcp[1]}" -eq 0 ] || {
		echo "# TCP ok/errors: ${tcp[*]}" >&2
		return 1
	}
	udp=($(counts UDP))
	if [ "${#udp[@]}" -eq 4 ] && [ "${udp[0]}" -gt 0 ]; then
		# Errors none; datagrams lost on loopback under load: under 1%.
		[ "${udp[1]}" -eq 0 ] && [ $((udp[2] * 100)) -le "${udp[0]}" ] || {
			echo "# UDP ok/errors/lost/late: ${udp[*]}" >&2
			return 1
		}
	fi
	local fds
	fds=($(counts FDS))
	assert_equal "${fds[0]}" "${fds[1]}"
}

@test "64 threads resolving, connecting, sending UDP and forking at once: no crash, hang, mix-up or leak" {
	run --separate-stderr timeout -k 2 60 env SOCKS_PROXY="socks5h://127.0.0.1:$PROXY_PORT" \
		SOCKSIFY_LOOPBACK=proxy "$SOCKSIFY" "$(stress_bin)" -t "$THREADS" -s 3 \
		-p "$ECHO_PORT" -u "$UECHO_PORT" -c "$CLOSED_PORT" -d "$DOMAIN" -f
	stress_ok
	local udp fork refused
	udp=($(counts UDP))
	[ "${udp[0]}" -gt 0 ]
	fork=($(counts FORK))
	[ "${fork[0]}" -gt 0 ] && [ "${fork[1]}" -eq 0 ]
	refused=($(counts REFUSED))
	[ "${refused[0]}" -gt 0 ] && [ "${refused[1]}" -eq 0 ]
	# Every connection the destination got came through the proxy.
	log_lacks "$ECHO_LOG" '^CONN 127\.0\.0\.1 '
}

@test "the same through socks4a: 64 threads on the SOCKS4 code path" {
	# danted takes no names over SOCKS4a: a small scripted proxy does.
	start_names_socks s4 "$DOMAIN" "$THREADS"
	run --separate-stderr timeout -k 2 60 env SOCKS_PROXY="socks4a://127.0.0.1:$PORT" \
		SOCKSIFY_LOOPBACK=proxy "$SOCKSIFY" "$(stress_bin)" -t "$THREADS" -s 2 \
		-p "$ECHO_PORT" -c "$CLOSED_PORT" -d "$DOMAIN"
	stress_ok
}

@test "the stress program can fail: answers it does not expect are mismatches" {
	# Told that the fake addresses are in 10.0.0.0/8, every answer is wrong.
	run --separate-stderr timeout -k 2 30 env SOCKS_PROXY="socks5h://127.0.0.1:$PROXY_PORT" \
		SOCKSIFY_LOOPBACK=proxy "$SOCKSIFY" "$(stress_bin)" -t 2 -s 1 \
		-p "$ECHO_PORT" -d "$DOMAIN" -F 10.0.0.0/8
	assert_failure 1
	assert_line "STRESS-FAIL mismatch"
	assert_regex "$stderr" 'MISMATCH thread [01]: getaddrinfo t[01]\.stress\.test: 198\.1[89]\.'
}

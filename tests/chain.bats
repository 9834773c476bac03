#!/usr/bin/env bats
# Several proxies in SOCKS_PROXY, used as SOCKSIFY_CHAIN says: chains of two
# and three real proxies (microsocks, danted, ssh -D, tinyproxy), failover,
# dynamic chains and round-robin.  Each microsocks binds its outgoing
# connections to an address of its own (127.0.0.5, .6, .7), danted to
# 127.0.0.4, tinyproxy to 127.0.0.8, so the destination's log tells which
# proxy made the last hop, and each proxy's own log tells who connected to
# it and where it went: together they prove every hop carried the
# connection, in order.

load lib/common
load lib/ftp

# start_ms NAME OUT_ADDR [MICROSOCKS OPTIONS...]: microsocks on 127.0.0.1
# whose outgoing connections come from OUT_ADDR; it logs "client[N] <ip>:
# connected to <host>:<port>" for each connection to $BG_ERR.  Sets PORT
# and MSLOG.
start_ms() {
	local name=$1 out=$2 port
	shift 2
	port=$(free_port)
	start_bg "$name" microsocks -i 127.0.0.1 -p "$port" -b "$out" "$@"
	MSLOG=$BG_ERR
	PORT=$port
	wait_port 127.0.0.1 "$port" "$START_TIMEOUT" "$BG_PID" ||
		server_failed "$name" "did not start"
}

# start_tp NAME OUT_ADDR: tinyproxy (HTTP CONNECT) on 127.0.0.1 whose
# outgoing connections come from OUT_ADDR, logging each client ("Connect
# (file descriptor N): <ip>") and each request ("CONNECT <host>:<port>").
# Sets PORT and LOG.
start_tp() {
	local name=$1 out=$2 port dir
	command -v tinyproxy >/dev/null || {
		echo "# tinyproxy is not installed (make deps)" >&2
		return 1
	}
	dir=$(bg_dir)
	port=$(free_port)
	LOG="$dir/$name.log"
	: >"$LOG"
	cat >"$dir/$name.conf" <<EOF
Port $port
Listen 127.0.0.1
Bind $out
Timeout 30
LogFile "$LOG"
LogLevel Connect
MaxClients 50
EOF
	start_bg "$name" tinyproxy -d -c "$dir/$name.conf"
	PORT=$port
	wait_port 127.0.0.1 "$port" "$START_TIMEOUT" "$BG_PID" ||
		server_failed "$name" "did not start" "$LOG"
}

# start_silent NAME: a proxy that accepts TCP and never answers.  Sets PORT
# and LOG.
start_silent() {
	local name=$1
	LOG="$(bg_dir)/$name.log"
	: >"$LOG"
	start_reporting "$name" "$PY" "$HELPERS/silentproxy.py" --log "$LOG" 127.0.0.1 0
}

setup_file() {
	require_library
	start_dest web 127.0.0.1 --http
	export WEB_PORT=$PORT WEB_LOG=$LOG
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT ECHO_LOG=$LOG
	start_ms msa 127.0.0.5
	export MSA_PORT=$PORT MSA_LOG=$MSLOG
	start_ms msb 127.0.0.6
	export MSB_PORT=$PORT MSB_LOG=$MSLOG
	start_ms msc 127.0.0.7
	export MSC_PORT=$PORT MSC_LOG=$MSLOG
	start_danted dante
	export DANTE_PORT=$PORT DANTE_LOG=$LOG
	start_tp tp 127.0.0.8
	export TP_PORT=$PORT TP_LOG=$LOG
	start_silent silent
	export SILENT_PORT=$PORT SILENT_LOG=$LOG
	# A port nothing listens on: a proxy that is down.
	export DOWN_PORT=$(free_port)
}

# The BIND test builds the network namespaces of tests/lib/ftp.bash.
teardown() {
	stop_all "$BATS_TEST_TMPDIR"
	lab_down
}

# via LIST [VAR=VALUE...] CMD...: run CMD through socksify with
# SOCKS_PROXY=LIST and the settings given, loopback destinations proxied,
# bounded by CLIENT_TIMEOUT.
via() {
	local list=$1
	local -a pre=() vars=()
	shift
	while [[ $1 == [A-Za-z_]*=* ]]; do
		vars+=("$1")
		shift
	done
	mapfile -t pre < <(test_lib_vars)
	timeout -k 2 "$CLIENT_TIMEOUT" env SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$list" \
		"${vars[@]}" "${pre[@]}" "$SOCKSIFY" "$@"
}

# count_lines FILE REGEX: how many lines of FILE match REGEX.
count_lines() {
	tr -d '\r' <"$1" | grep -cE -- "$2" || true
}

@test "a chain of two microsocks carries a non-blocking connect (curl) through both, in order" {
	run via "socks5://127.0.0.1:$MSA_PORT,socks5h://127.0.0.1:$MSB_PORT" SOCKSIFY_LOG=info \
		curl -q -sS --max-time 15 \
		"http://127.0.0.1:$WEB_PORT/two-ms"
	assert_success
	# The destination saw the last hop; each hop saw the one before it.
	assert_line --regexp '^PEER 127\.0\.0\.6 [0-9]+$'
	log_has "$WEB_LOG" "^GET /two-ms 127\.0\.0\.6 [0-9]+$"
	log_has "$MSA_LOG" "127\.0\.0\.1: connected to 127\.0\.0\.1:$MSB_PORT\$"
	log_has "$MSB_LOG" "127\.0\.0\.5: connected to 127\.0\.0\.1:$WEB_PORT\$"
	assert_line "socksify: 127.0.0.1:$WEB_PORT via socks5 127.0.0.1:$MSA_PORT > socks5h 127.0.0.1:$MSB_PORT"
}

@test "a blocking connect goes through danted, then microsocks" {
	run via "socks5://127.0.0.1:$DANTE_PORT,socks5://127.0.0.1:$MSB_PORT" \
		"$PY" "$HELPERS/client.py" \
		--mode block --send hello 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "CONNECTED"
	assert_line "NONBLOCK no"
	assert_line "FLAGS-KEPT yes"
	assert_line "GETPEERNAME 127.0.0.1 $ECHO_PORT"
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.6 [0-9]+$'
	assert_line "ECHO hello"
	# danted connected to microsocks from its external address ...
	log_has "$DANTE_LOG" "tcp/connect .*127\.0\.0\.4\.[0-9]+ 127\.0\.0\.1\.$MSB_PORT"
	# ... and microsocks saw danted and went on to the destination.
	log_has "$MSB_LOG" "127\.0\.0\.4: connected to 127\.0\.0\.1:$ECHO_PORT\$"
}

# nb_modes LIST [VAR=VALUE...]: tests/helpers/nbclient in each of its
# waiting modes through LIST, each reporting as a plain TCP connect would,
# and reaching the destination from 127.0.0.6.  With NB_PLAIN set, nbclient
# only connects and waits (an exchange over loopback proxies may end within
# its quiet wait), without it the checks made while the connect is pending
# must see a connecting socket.
nb_modes() {
	local list=$1 mode
	local -a opts=()
	shift
	[ -z "${NB_PLAIN:-}" ] || opts=(--plain)
	for mode in poll select epoll-lt epoll-et epoll-oneshot epoll-before-connect \
		epoll-after-connect block-eintr; do
		run via "$list" "$@" "$REPO/build/tests/helpers/nbclient" "${opts[@]}" \
			"$mode" 127.0.0.1 "$ECHO_PORT"
		[ "$status" -eq 0 ] || { echo "# mode $mode" >&2; printf '# %s\n' "$output" >&2; return 1; }
		assert_line "RESULT ok"
		assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.6 [0-9]+$'
		assert_line "GETPEERNAME 127.0.0.1 $ECHO_PORT"
		case $mode${NB_PLAIN:-} in
		block*) ;;
		*plain) assert_line "CONNECT-RC EINPROGRESS" ;;
		*)
			assert_line "CONNECT-RC EINPROGRESS"
			assert_line "QUIET yes"
			assert_line "PENDING-SEND EAGAIN"
			assert_line "SO_ERROR 0"
			;;
		esac
		case $mode in
		epoll*) assert_line "EPOLL-DATA ok" ;;
		esac
	done
}

@test "non-blocking connects stay non-blocking over every hop, in each way of waiting" {
	NB_PLAIN=plain nb_modes "socks5://127.0.0.1:$MSA_PORT,socks5://127.0.0.1:$DANTE_PORT,socks5://127.0.0.1:$MSB_PORT"
	log_has "$DANTE_LOG" "tcp/connect .*127\.0\.0\.4\.[0-9]+ 127\.0\.0\.1\.$MSB_PORT"
}

@test "a non-blocking connect fails over to the next proxy on a fresh socket, in each way of waiting" {
	NB_PLAIN= nb_modes "socks5://127.0.0.1:$SILENT_PORT,socks5://127.0.0.1:$MSB_PORT" \
		SOCKSIFY_CHAIN=failover SOCKSIFY_TIMEOUT=1
	NB_PLAIN= nb_modes "socks5://127.0.0.1:$SILENT_PORT,socks5://127.0.0.1:$MSB_PORT" \
		SOCKSIFY_CHAIN=dynamic SOCKSIFY_TIMEOUT=1
}

@test "a chain of three: microsocks, ssh -D over socks4a given the next hop by name, danted" {
	start_ssh_socks sshd
	local ssh_port=$PORT ssh_log=$LOG
	run via "socks5://127.0.0.1:$MSA_PORT, socks4a://127.0.0.1:$ssh_port, socks5://localhost:$DANTE_PORT" SOCKSIFY_LOG=info \
		curl -q -sS --max-time 15 \
		"http://127.0.0.1:$WEB_PORT/three"
	assert_success
	assert_line --regexp '^PEER 127\.0\.0\.4 [0-9]+$'
	log_has "$WEB_LOG" "^GET /three 127\.0\.0\.4 [0-9]+$"
	# Hop 1 connected to hop 2; hop 2 (ssh -D, so sshd) was asked for hop 3
	# by name, by a client coming from hop 1's address; hop 3 reached the
	# destination.
	log_has "$MSA_LOG" "127\.0\.0\.1: connected to 127\.0\.0\.1:$ssh_port\$"
	log_has "$ssh_log" "originator 127\.0\.0\.5 port [0-9]+, target localhost port $DANTE_PORT"
	log_has "$DANTE_LOG" "tcp/connect .*127\.0\.0\.4\.[0-9]+ 127\.0\.0\.1\.$WEB_PORT"
}

@test "a chain of three: tinyproxy over HTTP CONNECT, danted, microsocks" {
	run via "http://127.0.0.1:$TP_PORT,socks5://127.0.0.1:$DANTE_PORT,socks5h://127.0.0.1:$MSC_PORT" \
		SOCKSIFY_LOG=info "$PY" "$HELPERS/client.py" --mode nonblock --send hello \
		127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "ECHO hello"
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.7 [0-9]+$'
	log_has "$TP_LOG" "Request \(file descriptor [0-9]+\): CONNECT 127\.0\.0\.1:$DANTE_PORT HTTP"
	log_has "$DANTE_LOG" "tcp/connect .*127\.0\.0\.4\.[0-9]+ 127\.0\.0\.1\.$MSC_PORT"
	log_has "$MSC_LOG" "127\.0\.0\.4: connected to 127\.0\.0\.1:$ECHO_PORT\$"
	assert_line "socksify: 127.0.0.1:$ECHO_PORT via http 127.0.0.1:$TP_PORT > socks5 127.0.0.1:$DANTE_PORT > socks5h 127.0.0.1:$MSC_PORT"
}

@test "a chain of two ending at tinyproxy: curl through microsocks, then HTTP CONNECT" {
	run via "socks5://127.0.0.1:$MSA_PORT,http://127.0.0.1:$TP_PORT" \
		curl -q -sS --max-time 15 "http://127.0.0.1:$WEB_PORT/ms-tp"
	assert_success
	assert_line --regexp '^PEER 127\.0\.0\.8 [0-9]+$'
	log_has "$WEB_LOG" "^GET /ms-tp 127\.0\.0\.8 [0-9]+$"
	log_has "$MSA_LOG" "127\.0\.0\.1: connected to 127\.0\.0\.1:$TP_PORT\$"
	log_has "$TP_LOG" "Connect \(file descriptor [0-9]+\): 127\.0\.0\.5"
	log_has "$TP_LOG" "CONNECT 127\.0\.0\.1:$WEB_PORT HTTP"
}

@test "each hop of a chain gets its own user and password, and no log line shows one" {
	start_ms msauth1 127.0.0.5 -u alice -P 'first:pa@ss'
	local p1=$PORT l1=$MSLOG
	start_ms msauth2 127.0.0.6 -u bob -P second-secret
	local p2=$PORT l2=$MSLOG
	run via "socks5://alice:first%3Apa%40ss@127.0.0.1:$p1,socks5h://bob:second-secret@127.0.0.1:$p2" \
		SOCKSIFY_LOG=debug "$PY" "$HELPERS/client.py" --mode block --send hi \
		127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.6 [0-9]+$'
	log_has "$l1" "127\.0\.0\.1: connected to 127\.0\.0\.1:$p2\$"
	log_has "$l2" "127\.0\.0\.5: connected to 127\.0\.0\.1:$ECHO_PORT\$"
	refute_output --partial "pa@ss"
	refute_output --partial "first%3A"
	refute_output --partial "second-secret"
	# A wrong password at the second hop is its refusal, not a hop down.
	run via "socks5://alice:first%3Apa%40ss@127.0.0.1:$p1,socks5h://bob:wrong@127.0.0.1:$p2" \
		SOCKSIFY_CHAIN=dynamic "$PY" "$HELPERS/client.py" --mode block 127.0.0.1 "$ECHO_PORT"
	assert_failure
	assert_line --regexp '^ERRNO E'
	refute_line --partial "is down"
	refute_output --partial "wrong@"
}

@test "a strict chain with a hop down fails closed and names the hop" {
	run via "socks5://127.0.0.1:$MSC_PORT,socks5://127.0.0.1:$DOWN_PORT" \
		"$PY" "$HELPERS/client.py" \
		--mode block 127.0.0.1 "$ECHO_PORT"
	assert_failure
	assert_line --regexp '^ERRNO E'
	assert_line --partial "via socks5 127.0.0.1:$MSC_PORT (hop 1 of 2, asked for the next hop, 127.0.0.1:$DOWN_PORT): connection refused"
	# Strict skips nothing, and nothing reached the destination.
	refute_line --partial "is down"
	log_lacks "$ECHO_LOG" "^CONN 127\.0\.0\.1 "
}

@test "dynamic leaves out a proxy that is down and goes through the others" {
	run via "socks5://127.0.0.1:$MSA_PORT,socks5://127.0.0.1:$DOWN_PORT,socks5://127.0.0.1:$MSC_PORT" SOCKSIFY_CHAIN=dynamic \
		"$PY" "$HELPERS/client.py" \
		--mode nonblock --count 2 --send hi 127.0.0.1 "$ECHO_PORT"
	assert_success
	[ "$(printf '%s\n' "$output" | grep -c '^PEER-LINE PEER 127\.0\.0\.7 ')" -eq 2 ]
	assert_line "socksify: proxy 2 of 3 (socks5 127.0.0.1:$DOWN_PORT) is down: skipped for 30 s"
	# Found down once: the second connection left it out from the start.
	[ "$(printf '%s\n' "$output" | grep -c 'is down')" -eq 1 ]
	log_has "$MSA_LOG" "127\.0\.0\.1: connected to 127\.0\.0\.1:$MSC_PORT\$"
	log_has "$MSC_LOG" "127\.0\.0\.5: connected to 127\.0\.0\.1:$ECHO_PORT\$"
}

@test "dynamic: a middle proxy that never answers is left out after its share of the time" {
	: >"$SILENT_LOG"
	run via "socks5://127.0.0.1:$MSA_PORT,socks5://127.0.0.1:$SILENT_PORT,socks5://127.0.0.1:$MSC_PORT" \
		SOCKSIFY_CHAIN=dynamic SOCKSIFY_TIMEOUT=3 SOCKSIFY_PIPELINE=0 \
		"$PY" "$HELPERS/client.py" --mode block --send hi 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.7 [0-9]+$'
	assert_line --partial "via socks5 127.0.0.1:$SILENT_PORT (hop 2 of 3, asked for the next hop, 127.0.0.1:$MSC_PORT): no answer from the proxy within the timeout"
	assert_line "socksify: proxy 2 of 3 (socks5 127.0.0.1:$SILENT_PORT) is down: skipped for 30 s"
	# Hop 1 carried the first attempt to the silent proxy, the second past it.
	log_has "$SILENT_LOG" '^CONN 127\.0\.0\.5 '
	log_has "$MSA_LOG" "127\.0\.0\.1: connected to 127\.0\.0\.1:$MSC_PORT\$"
	elapsed=$(line_value ELAPSED)
	# Three hops, 3 s: the first attempt had a third of it (lock-step, so
	# that no pipelining probe adds to the time).
	awk -v e="$elapsed" 'BEGIN { exit !(e >= 0.9 && e < 2) }'
}

@test "failover: with the first proxy down the second carries the connection within 3 s" {
	run via "socks5://127.0.0.1:$DOWN_PORT,socks5://127.0.0.1:$MSB_PORT" SOCKSIFY_CHAIN=failover \
		"$PY" "$HELPERS/client.py" \
		--mode block --count 3 --send hi 127.0.0.1 "$ECHO_PORT"
	assert_success
	[ "$(printf '%s\n' "$output" | grep -c '^PEER-LINE PEER 127\.0\.0\.6 ')" -eq 3 ]
	assert_line --partial "via socks5 127.0.0.1:$DOWN_PORT: cannot connect to the proxy: Connection refused"
	assert_line "socksify: proxy 1 of 2 (socks5 127.0.0.1:$DOWN_PORT) is down: skipped for 30 s"
	# Later connections skip it: one failure for three connections.
	[ "$(printf '%s\n' "$output" | grep -c 'cannot connect to the proxy')" -eq 1 ]
	elapsed=$(line_value ELAPSED)
	awk -v e="$elapsed" 'BEGIN { exit !(e < 3) }'
}

@test "failover: a proxy that accepts TCP and never answers costs its share of the timeout, not all of it" {
	: >"$SILENT_LOG"
	run via "socks5://127.0.0.1:$SILENT_PORT,socks5://127.0.0.1:$MSB_PORT" SOCKSIFY_CHAIN=failover SOCKSIFY_TIMEOUT=6 \
		"$PY" "$HELPERS/client.py" \
		--mode nonblock --count 2 --send hi 127.0.0.1 "$ECHO_PORT"
	assert_success
	[ "$(printf '%s\n' "$output" | grep -c '^PEER-LINE PEER 127\.0\.0\.6 ')" -eq 2 ]
	assert_line --partial "via socks5 127.0.0.1:$SILENT_PORT: no answer from the proxy within the timeout"
	assert_line "socksify: proxy 1 of 2 (socks5 127.0.0.1:$SILENT_PORT) is down: skipped for 30 s"
	# The silent proxy was reached once, and held the first connection for
	# half of the 6 s (two proxies), not for the whole timeout.
	[ "$(count_lines "$SILENT_LOG" '^CONN ')" -eq 1 ]
	elapsed=$(line_value ELAPSED)
	awk -v e="$elapsed" 'BEGIN { exit !(e >= 2.5 && e < 5) }'
}

@test "the whole set-up stays within SOCKSIFY_TIMEOUT when every proxy is silent" {
	start_silent silent2
	local silent2=$PORT mode
	for mode in failover dynamic strict; do
		: >"$ECHO_LOG"
		run via "socks5://127.0.0.1:$SILENT_PORT,socks5://127.0.0.1:$silent2" \
			SOCKSIFY_CHAIN=$mode SOCKSIFY_TIMEOUT=2 \
			"$PY" "$HELPERS/client.py" --mode block 127.0.0.1 "$ECHO_PORT"
		assert_failure
		assert_line "ERRNO ETIMEDOUT"
		elapsed=$(line_value ELAPSED)
		awk -v e="$elapsed" 'BEGIN { exit !(e >= 1.8 && e < 3) }' ||
			{ echo "# $mode took $elapsed s" >&2; false; }
		[ "$(count_lines "$ECHO_LOG" '^CONN ')" -eq 0 ]
	done
}

@test "round-robin spreads connections over the proxies and skips one that is down" {
	: >"$ECHO_LOG"
	run via "socks5://127.0.0.1:$MSA_PORT,socks5://127.0.0.1:$DOWN_PORT,socks5://127.0.0.1:$MSB_PORT,socks5://127.0.0.1:$MSC_PORT" SOCKSIFY_CHAIN=round-robin \
		"$PY" "$HELPERS/client.py" \
		--mode block --count 8 --send hi 127.0.0.1 "$ECHO_PORT"
	assert_success
	[ "$(printf '%s\n' "$output" | grep -c '^ECHO hi$')" -eq 8 ]
	# Eight connections over three proxies up: each carried at least two.
	for out in 5 6 7; do
		n=$(count_lines "$ECHO_LOG" "^CONN 127\.0\.0\.$out ")
		[ "$n" -ge 2 ] || { echo "# 127.0.0.$out carried $n" >&2; false; }
	done
	[ "$(count_lines "$ECHO_LOG" '^CONN 127\.0\.0\.1 ')" -eq 0 ]
	[ "$(printf '%s\n' "$output" | grep -c 'is down')" -eq 1 ]
}

@test "round-robin from twelve threads at once: every connection made, every proxy used" {
	: >"$ECHO_LOG"
	run via "socks5://127.0.0.1:$MSA_PORT,socks5://127.0.0.1:$MSB_PORT,socks5://127.0.0.1:$MSC_PORT" \
		SOCKSIFY_CHAIN=round-robin "$PY" "$HELPERS/client.py" --threads 12 --send hi \
		127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "THREADS 12/12"
	for out in 5 6 7; do
		n=$(count_lines "$ECHO_LOG" "^CONN 127\.0\.0\.$out ")
		[ "$n" -eq 4 ] || { echo "# 127.0.0.$out carried $n of 12" >&2; false; }
	done
}

@test "BIND through a chain fails closed with one line; failover takes it through the first proxy" {
	local why
	why=$(lab_can_run) || skip "$why"
	lab_up || {
		lab_down
		echo "# cannot build the network namespaces" >&2
		return 1
	}
	start_lab_danted labd1 1080
	local d1_log=$LOG
	start_lab_danted labd2 1082
	start_lab_backpeer peer
	local peer_port=$PORT list="socks5://$LAB_PROXY_IP:1080,socks5://$LAB_PROXY_IP:1082"
	run lab_client "$list" "$REPO/build/tests/helpers/bindclient" -w poll \
		"$LAB_SERVER_IP" "$peer_port"
	assert_failure
	assert_line --regexp '^CONTROL 198\.51\.100\.1 [0-9]+$'
	assert_line --partial "a chain of proxies cannot carry BIND"
	assert_line --regexp '^ERRNO EOPNOTSUPP '
	refute_line "ACCEPTED"
	run lab_client "$list" env SOCKSIFY_CHAIN=failover \
		"$REPO/build/tests/helpers/bindclient" -w poll "$LAB_SERVER_IP" "$peer_port"
	assert_success
	assert_line "ACCEPTED"
	assert_line "FDS-LEAKED 0"
	log_has "$d1_log" 'tcp/bind \['
}

@test "UDP through a chain fails closed with one line saying why" {
	run via "socks5://127.0.0.1:$DANTE_PORT,socks5://127.0.0.1:$MSA_PORT" \
		"$PY" "$HELPERS/udpclient.py" \
		--timeout 3 once 127.0.0.1 "$ECHO_PORT" --wait 1
	assert_line "ERRNO ENETUNREACH"
	assert_line --partial "a chain of proxies cannot carry SOCKS5 UDP"
	refute_line "SENT"
}

@test "a malformed list names the element by its place and never connects" {
	: >"$ECHO_LOG"
	run via "socks5://127.0.0.1:$MSA_PORT,socks5://user:s3cret@127.0.0.1:99999" \
		"$PY" "$HELPERS/client.py" \
		--mode block 127.0.0.1 "$ECHO_PORT"
	assert_failure
	assert_line --regexp '^socksify: SOCKS_PROXY: proxy 2 of 2: .*port'
	refute_output --partial "s3cret"
	assert_line "ERRNO ENETUNREACH"
	[ "$(count_lines "$ECHO_LOG" '^CONN ')" -eq 0 ]
}

@test "an unknown SOCKSIFY_CHAIN is reported with the four modes" {
	run via "socks5://127.0.0.1:$MSA_PORT,socks5://127.0.0.1:$MSB_PORT" SOCKSIFY_CHAIN=random \
		"$PY" "$HELPERS/client.py" \
		--mode block 127.0.0.1 "$ECHO_PORT"
	assert_failure
	assert_line --partial 'SOCKSIFY_CHAIN: "random" is not strict, dynamic, failover or round-robin'
	assert_line "ERRNO ENETUNREACH"
}

@test "socksify -v shows the list of proxies without user or password" {
	run via "socks5://user:s3cret@127.0.0.1:$MSA_PORT,socks5h://127.0.0.1:$MSB_PORT" -v true
	assert_success
	assert_output --partial "; proxy socks5://127.0.0.1:$MSA_PORT,socks5h://127.0.0.1:$MSB_PORT (SOCKS_PROXY)"
	refute_output --partial "s3cret"
	refute_output --partial "user"
}

@test "socksify --check with a list checks each proxy in turn and names the one that fails" {
	local down
	down=$(free_port)
	run via "socks5://127.0.0.1:$MSA_PORT,socks5h://127.0.0.1:$down" --check
	assert_failure 1
	assert_line --regexp "^proxy +socks5://127\.0\.0\.1:$MSA_PORT \(proxy 1 of the 2 listed, checked alone\)$"
	assert_line --regexp "^proxy +socks5h://127\.0\.0\.1:$down \(proxy 2 of the 2 listed, checked alone\)$"
	assert_line --regexp "^verdict +not ok: proxy 2 of 2: the proxy cannot be reached: Connection refused$"
}

@test "SOCKSIFY_GSSAPI=1 with a list of proxies is one configuration error, and nothing connects" {
	: >"$ECHO_LOG"
	run via "socks5://127.0.0.1:$MSA_PORT,socks5://127.0.0.1:$MSB_PORT" SOCKSIFY_GSSAPI=1 \
		"$PY" "$HELPERS/client.py" --mode block 127.0.0.1 "$ECHO_PORT"
	assert_failure
	assert_line --partial "SOCKSIFY_GSSAPI: works with one proxy, not with a list of 2"
	[ "$(count_lines "$ECHO_LOG" '^CONN ')" -eq 0 ]
}

@test "the supervisor refuses a chain with one line, and takes the first proxy for failover" {
	run via "socks5://127.0.0.1:$MSA_PORT,socks5://127.0.0.1:$MSB_PORT" --enforce true
	assert_failure
	assert_line --partial "the supervisor cannot go through a chain of 2 proxies (SOCKSIFY_CHAIN=strict): "
	run via "socks5://127.0.0.1:$MSA_PORT,socks5://127.0.0.1:$MSB_PORT" SOCKSIFY_CHAIN=failover \
		--enforce true
	assert_success
	assert_line --partial "the supervisor uses only the first of the 2 proxies listed"
}

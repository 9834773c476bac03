#!/usr/bin/env bats
# Non-blocking connect through the proxy: connect() returns EINPROGRESS at
# once, the program's own poll/select/epoll calls drive the SOCKS exchange,
# and the socket turns writable only when the proxy has answered, exactly as
# a slow TCP connect would look.
#
# tests/helpers/slowsocks.py plays a proxy that answers after a delay (or
# refuses, or never answers) and binds its outgoing connections to
# 127.0.0.6, so the destination's "PEER 127.0.0.6 ..." line proves the proxy
# carried the connection.  tests/helpers/nbclient is the program: a C client
# that knows nothing of SOCKS and reports what each readiness API showed it.

load lib/common

NB="$REPO/build/tests/helpers/nbclient"
# Every non-blocking mode of nbclient.
NB_MODES="poll ppoll select pselect epoll-lt epoll-et epoll-oneshot epoll-pwait2
epoll-before-connect epoll-after-connect"
# How long the slow proxy waits before its reply, in ms.
REPLY_DELAY_MS=500

# start_slowsocks NAME OPTIONS...: slowsocks.py on 127.0.0.1.  Sets PORT,
# PID and LOG.
start_slowsocks() {
	local name=$1
	shift
	LOG="$(bg_dir)/$name.log"
	: >"$LOG"
	start_reporting "$name" "$PY" "$HELPERS/slowsocks.py" --log "$LOG" "$@" \
		127.0.0.1 0
}

setup_file() {
	require_library
	[ -x "$NB" ] || {
		echo "# $NB is missing: run make" >&2
		return 1
	}
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT ECHO_LOG=$LOG
	start_dest web 127.0.0.1 --http
	export WEB_PORT=$PORT
	start_slowsocks slow --reply-delay "0.$REPLY_DELAY_MS"
	export SLOW_URL="socks5://127.0.0.1:$PORT" SLOW_LOG=$LOG
	start_slowsocks upstream --upstream-delay 0.2
	export UPSTREAM_URL="socks5://127.0.0.1:$PORT" UPSTREAM_LOG=$LOG
	start_slowsocks silent --silent
	export SILENT_URL="socks5://127.0.0.1:$PORT"
	local rep
	for rep in 3 4 5 6; do
		start_slowsocks "rep$rep" --reply-delay "0.$REPLY_DELAY_MS" --rep "$rep"
		export "REP${rep}_URL=socks5://127.0.0.1:$PORT"
	done
}

# nb URL [ENV=VALUE...] -- NBCLIENT ARGS...: nbclient through the proxy at URL.
nb() {
	local url=$1
	shift
	local -a envs=()
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	through "$url" env "${envs[@]}" "$NB" "$@"
}

# nb_all DIR URL [ENV=VALUE...] -- NBCLIENT OPTIONS...: one nbclient per
# non-blocking mode, all at once, to the echo server; the output of mode M
# goes to DIR/M.out (stdout) and DIR/M.err (stderr).
nb_all() {
	local dir=$1 url=$2 mode
	shift 2
	local -a envs=()
	while [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	mkdir -p "$dir"
	for mode in $NB_MODES; do
		nb "$url" "${envs[@]}" -- "$@" "$mode" 127.0.0.1 "$ECHO_PORT" \
			>"$dir/$mode.out" 2>"$dir/$mode.err" &
	done
	wait
}

# load_mode DIR MODE: make nbclient's report for MODE the current $output
# (and $stderr), so that bats-assert's checks apply to it.
load_mode() {
	output=$(cat "$1/$2.out")
	stderr=$(cat "$1/$2.err")
	mapfile -t lines <"$1/$2.out"
	echo "# --- nbclient $2" >&2
	sed 's/^/# /' "$1/$2.out" "$1/$2.err" >&2
}

# value_in KEY LOW HIGH: the number on nbclient's KEY line is in [LOW, HIGH).
value_in() {
	local v
	v=$(line_value "$1")
	[ -n "$v" ] || {
		echo "# no $1 line" >&2
		return 1
	}
	awk -v v="$v" -v lo="$2" -v hi="$3" 'BEGIN { exit !(v >= lo && v < hi) }' || {
		echo "# $1 is $v, expected at least $2 and under $3" >&2
		return 1
	}
}

# The events a mode reports for a writable socket, as a regex.
writable_events() {
	case $1 in
	*select) echo '^EVENTS WRITABLE$' ;;
	epoll*) echo '^EVENTS (EPOLLIN\|)?EPOLLOUT$' ;;
	*) echo '^EVENTS POLLOUT$' ;;
	esac
}

# The events of a failed connect, as a regex.
failed_events() {
	case $1 in
	*select) echo '^EVENTS WRITABLE$' ;;
	epoll*) echo '^EVENTS (EPOLLIN\|)?EPOLLOUT\|EPOLLERR\|EPOLLHUP(\|EPOLLRDHUP)?$' ;;
	*) echo '^EVENTS POLLOUT\|POLLERR\|POLLHUP$' ;;
	esac
}

# assert_pending_phase MODE: connect() returned at once, and while the proxy
# was still silent the socket showed nothing and connect() said EALREADY.
assert_pending_phase() {
	assert_line "CONNECT-RC EINPROGRESS"
	value_in CONNECT-MS 0 100
	assert_line "PENDING-CONNECT EALREADY"
	assert_line "QUIET yes"
	assert_line "PENDING-GETPEERNAME ENOTCONN"
	assert_line "PENDING-CONNECT-LATE EALREADY"
	# One wait with no timeout, which returned when the proxy answered.
	assert_line "WAKEUPS 1"
	value_in READY-MS "$((REPLY_DELAY_MS - 100))" 3000
	case $1 in
	epoll*) assert_line "EPOLL-DATA ok" ;;
	esac
}

# check_mode MODE: nbclient in MODE through the slow proxy succeeds only
# after the proxy's reply, and the connection is carried by the proxy.
check_mode() {
	local mode=$1
	run --separate-stderr nb "$SLOW_URL" -- --no-pending-io "$mode" 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_pending_phase "$mode"
	assert_line --regexp "$(writable_events "$mode")"
	assert_line "SO_ERROR 0"
	assert_line "CONNECTED-CONNECT EISCONN"
	assert_line "GETPEERNAME 127.0.0.1 $ECHO_PORT"
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.6 [0-9]+$'
	assert_line "ECHO hello"
	assert_line "RESULT ok"
}

# check_refusal REP ERRNO: every mode sees the proxy's reply code REP as a
# failed connect with SO_ERROR = ERRNO, after the reply and not before.
check_refusal() {
	local rep=$1 err=$2 url dir=$BATS_TEST_TMPDIR/nb mode
	url="REP${rep}_URL"
	nb_all "$dir" "${!url}" -- --no-pending-io
	for mode in $NB_MODES; do
		load_mode "$dir" "$mode"
		assert_pending_phase "$mode"
		assert_line --regexp "$(failed_events "$mode")"
		assert_line "SO_ERROR $err"
		# SO_ERROR is cleared once read, as the kernel's is.
		assert_line "SO_ERROR-AGAIN 0"
		assert_line "RESULT $err"
		assert_regex "$stderr" "socksify: 127\.0\.0\.1:$ECHO_PORT via socks5 127\.0\.0\.1:[0-9]+: "
	done
}

@test "poll: connect() returns at once and the socket turns writable only with the proxy's reply" {
	check_mode poll
}

@test "ppoll: connect() returns at once and the socket turns writable only with the proxy's reply" {
	check_mode ppoll
}

@test "select: connect() returns at once and the socket turns writable only with the proxy's reply" {
	check_mode select
}

@test "pselect: connect() returns at once and the socket turns writable only with the proxy's reply" {
	check_mode pselect
}

@test "epoll level-triggered: writable only with the reply, with the program's epoll data" {
	check_mode epoll-lt
}

@test "epoll edge-triggered: writable only with the reply, with the program's epoll data" {
	check_mode epoll-et
}

@test "epoll one-shot: writable only with the reply, with the program's epoll data" {
	check_mode epoll-oneshot
}

@test "epoll_pwait2: writable only with the reply, with the program's epoll data" {
	check_mode epoll-pwait2
}

@test "a socket added to epoll before connect(), as nginx does, waits for the reply" {
	check_mode epoll-before-connect
}

@test "a socket added to epoll after connect(), as libuv does, waits for the reply" {
	check_mode epoll-after-connect
}

@test "send, write, recv and read on a socket still negotiating return EAGAIN" {
	local sym missing=
	for sym in send write recv read; do
		nm -D --defined-only "$LIB" | grep -qE " T $sym\$" || missing="$missing $sym"
	done
	if [ -n "$missing" ]; then
		skip "the library does not hook$missing yet"
	fi
	local dir=$BATS_TEST_TMPDIR/nb mode
	nb_all "$dir" "$SLOW_URL" --
	for mode in $NB_MODES; do
		load_mode "$dir" "$mode"
		assert_line "PENDING-SEND EAGAIN"
		assert_line "PENDING-WRITE EAGAIN"
		assert_line "PENDING-RECV EAGAIN"
		assert_line "PENDING-READ EAGAIN"
		# Nothing the program wrote early reached the destination.
		assert_line "ECHO hello"
		assert_line "RESULT ok"
	done
}

@test "reply 05 reaches every readiness API as ECONNREFUSED with POLLERR / EPOLLERR" {
	check_refusal 5 ECONNREFUSED
}

@test "reply 04 reaches every readiness API as EHOSTUNREACH" {
	check_refusal 4 EHOSTUNREACH
}

@test "reply 03 reaches every readiness API as ENETUNREACH" {
	check_refusal 3 ENETUNREACH
}

@test "reply 06 reaches every readiness API as ETIMEDOUT" {
	check_refusal 6 ETIMEDOUT
}

@test "a proxy that is down shows up in every readiness API as ECONNREFUSED" {
	local port dir=$BATS_TEST_TMPDIR/nb mode
	port=$(free_port)
	# --plain: connect, then wait, as most programs do.
	nb_all "$dir" "socks5://127.0.0.1:$port" -- --plain
	for mode in $NB_MODES; do
		load_mode "$dir" "$mode"
		assert_line "CONNECT-RC EINPROGRESS"
		value_in CONNECT-MS 0 100
		value_in READY-MS 0 1000
		assert_line --regexp "$(failed_events "$mode")"
		assert_line "SO_ERROR ECONNREFUSED"
		assert_line "RESULT ECONNREFUSED"
		assert_regex "$stderr" "socksify: .*cannot connect to the proxy"
	done
	run --separate-stderr nb "socks5://127.0.0.1:$port" -- block 127.0.0.1 "$ECHO_PORT"
	assert_failure 1
	assert_line "RESULT ECONNREFUSED"
}

@test "a proxy that never answers fails an infinite wait with ETIMEDOUT after SOCKSIFY_TIMEOUT=1" {
	local dir=$BATS_TEST_TMPDIR/nb mode before
	before=$(wc -l <"$ECHO_LOG")
	SECONDS=0
	nb_all "$dir" "$SILENT_URL" SOCKSIFY_TIMEOUT=1 -- --no-pending-io
	[ "$SECONDS" -lt 4 ] || {
		echo "# the clients took ${SECONDS}s" >&2
		return 1
	}
	for mode in $NB_MODES; do
		load_mode "$dir" "$mode"
		assert_line "CONNECT-RC EINPROGRESS"
		assert_line "QUIET yes"
		# The program's own wait has no timeout: the library ends it.
		assert_line "WAKEUPS 1"
		value_in READY-MS 800 2500
		assert_line --regexp "$(failed_events "$mode")"
		assert_line "SO_ERROR ETIMEDOUT"
		assert_line "RESULT ETIMEDOUT"
		assert_regex "$stderr" "socksify: .*no answer from the proxy within the timeout"
	done
	# Nothing reached the destination, through the proxy or around it.
	assert_equal "$(wc -l <"$ECHO_LOG")" "$before"
}

@test "a blocking connect() does the whole exchange and waits for the reply" {
	run --separate-stderr nb "$SLOW_URL" -- block 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "CONNECT-RC 0"
	value_in CONNECT-MS "$((REPLY_DELAY_MS - 50))" 3000
	assert_line "CONNECTED-CONNECT EISCONN"
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.6 [0-9]+$'
	assert_line "ECHO hello"
}

@test "a blocking connect() interrupted by a signal returns EINTR and connect() again completes it" {
	local before
	before=$(grep -c " REQUEST 127\.0\.0\.1 $ECHO_PORT\$" "$SLOW_LOG" || true)
	run --separate-stderr nb "$SLOW_URL" -- --alarm-ms 200 block-eintr 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "CONNECT-RC EINTR"
	value_in CONNECT-MS 150 "$((REPLY_DELAY_MS - 50))"
	assert_line "CONNECT2-RC 0"
	assert_line "GETPEERNAME 127.0.0.1 $ECHO_PORT"
	assert_line --regexp '^PEER-LINE PEER 127\.0\.0\.6 [0-9]+$'
	assert_line "ECHO hello"
	# One request reached the proxy: the second connect() resumed the first
	# exchange instead of starting another.
	run grep -c " REQUEST 127\.0\.0\.1 $ECHO_PORT\$" "$SLOW_LOG"
	assert_output "$((before + 1))"
}

@test "curl, which connects non-blocking and polls, fetches a page through the slow proxy" {
	run --separate-stderr through "$SLOW_URL" curl -sS --max-time 15 \
		"http://127.0.0.1:$WEB_PORT/nonblocking-curl"
	assert_success
	assert_line --regexp '^PEER 127\.0\.0\.6 [0-9]+$'
	assert_line "PATH /nonblocking-curl"
}

@test "python3 asyncio runs 50 connections at once through a proxy with a 200 ms upstream delay in about one delay" {
	cat >"$BATS_TEST_TMPDIR/fifty.py" <<'EOF'
import asyncio, sys, time

host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

async def one(i):
    r, w = await asyncio.open_connection(host, port)
    peer = (await r.readline()).decode().strip()
    w.write(b"conn-%d\n" % i)
    await w.drain()
    echo = (await r.readline()).decode().strip()
    w.close()
    return peer, echo

async def main():
    start = time.monotonic()
    res = await asyncio.wait_for(
        asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True), 15)
    took = time.monotonic() - start
    ok = 0
    for i, r in enumerate(res):
        if isinstance(r, Exception):
            print("FAIL %d %r" % (i, r))
        elif r[0].startswith("PEER 127.0.0.6 ") and r[1] == "conn-%d" % i:
            ok += 1
        else:
            print("BAD %d %r" % (i, r))
    print("OK %d/%d" % (ok, n))
    print("ELAPSED %.3f" % took)

asyncio.run(main())
EOF
	run --separate-stderr through "$UPSTREAM_URL" "$PY" "$BATS_TEST_TMPDIR/fifty.py" \
		127.0.0.1 "$ECHO_PORT" 50
	assert_success
	assert_line "OK 50/50"
	# Fifty sequential exchanges would take 50 x 0.2 s = 10 s.
	value_in ELAPSED 0.2 1.5
}

@test "node net.connect goes through the slow proxy, twenty connections at once" {
	command -v node >/dev/null || skip "node is not installed"
	cat >"$BATS_TEST_TMPDIR/conn.js" <<'EOF'
const net = require("net");
const [host, port, n] = [process.argv[2], +process.argv[3], +process.argv[4]];
const start = process.hrtime.bigint();
let ok = 0, done = 0;
function finish() {
  if (++done < n) return;
  console.log(`OK ${ok}/${n}`);
  console.log(`ELAPSED ${(Number(process.hrtime.bigint() - start) / 1e9).toFixed(3)}`);
}
for (let i = 0; i < n; i++) {
  const s = net.connect({ host, port });
  let buf = "", lines = [];
  s.setTimeout(10000, () => { console.log(`TIMEOUT ${i}`); s.destroy(); finish(); });
  s.on("error", (e) => { console.log(`ERROR ${i} ${e.code}`); finish(); });
  s.on("data", (d) => {
    buf += d;
    let k;
    while ((k = buf.indexOf("\n")) >= 0) {
      lines.push(buf.slice(0, k));
      buf = buf.slice(k + 1);
      if (lines.length === 1) s.write(`node-${i}\n`);
      if (lines.length === 2) {
        if (/^PEER 127\.0\.0\.6 \d+$/.test(lines[0]) && lines[1] === `node-${i}`) ok++;
        else console.log(`BAD ${i} ${JSON.stringify(lines)}`);
        s.end();
        finish();
      }
    }
  });
}
EOF
	run --separate-stderr through "$SLOW_URL" node "$BATS_TEST_TMPDIR/conn.js" \
		127.0.0.1 "$ECHO_PORT" 20
	assert_success
	assert_line "OK 20/20"
	value_in ELAPSED 0.4 2.5
}

@test "one proxied connect costs at most 20 system calls" {
	command -v strace >/dev/null || skip "strace is not installed"
	local mode reads
	start_slowsocks fast
	for mode in block poll; do
		run --separate-stderr timeout -k 2 "$CLIENT_TIMEOUT" "$HELPERS/syscount.sh" \
			-m "$mode" "socks5://127.0.0.1:$PORT" 127.0.0.1 "$ECHO_PORT"
		assert_success
		printf '# %s\n' "${lines[@]}" >&3
		value_in PROXIED 1 21
		# The count can fail: a direct connect is socket() and connect().
		if [ "$mode" = block ]; then
			assert_line "DIRECT 2"
		fi
		# Method selection, then the reply in two reads at most: its fixed
		# part and the rest its address type announces.
		reads=$(line_value PROXIED-CALLS | tr ' ' '\n' | sed -n 's/^recvfrom://p')
		[ -n "$reads" ] && [ "$reads" -le 3 ] || {
			echo "# $mode: $reads reads from the proxy" >&2
			return 1
		}
	done
}

#!/bin/bash
# Race checks: tests/helpers/stress.c (many threads resolving, connecting,
# echoing, sending UDP and forking through the library at once) run
#   1. under ThreadSanitizer, the library and the program both built with
#      -fsanitize=thread into build/tsan, 64 threads, through danted
#      (SOCKS5, TCP and UDP) and through a scripted SOCKS4a proxy;
#   2. under valgrind's helgrind and DRD, with the normal build and fewer
#      threads.
# Any report fails the run, as does a stress failure (a mix-up, a leak, a
# hang).  Takes well under three minutes.  Needs root (the proxies resolve
# test names from a /etc/hosts of their own, bind-mounted in a private
# mount namespace), gcc's libtsan, valgrind, danted and python3.
#
# Why gcc for ThreadSanitizer: clang links its TSan runtime statically into
# the program, so the runtime's interceptors come before the preloaded
# library and call into it from inside their "blocking call" sections
# (poll, recv, ...), where TSan ignores the mutex operations it would
# otherwise see: every lock the library takes there goes unseen, and TSan
# reports races on data those locks guard.  gcc's libtsan is a shared
# library that comes after the preloaded one, so the library's hooks run
# first and every lock is seen.  (clang 14's shared TSan runtime crashes at
# start-up in this arrangement.)  TSAN_CC overrides the compiler.
#
# Helgrind and DRD do not know C11 atomics: the tables' lock-free byte maps
# and counters (read and written with relaxed atomics on purpose) are
# suppressed by the names of the only functions that touch them.
#
# Usage: scripts/tsan-check.sh   (from anywhere; exit status 0 when clean)

set -euo pipefail

cd "$(dirname "$0")/.."
REPO=$PWD
TSAN_CC=${TSAN_CC:-gcc}
TSAN_BUILD=build/tsan
DOMAIN=stress.test
THREADS=64
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

say() {
	printf 'tsan-check: %s\n' "$*"
}

die() {
	say "$*" >&2
	exit 1
}

for tool in "$TSAN_CC" valgrind danted unshare "$PY"; do
	command -v "$tool" >/dev/null || die "$tool is not installed (make deps)"
done
[ "$(id -u)" -eq 0 ] || die "needs root: the proxies get a private /etc/hosts (unshare -m)"

WORK=$(mktemp -d /tmp/tsan-check.XXXXXX)
PIDS=()

cleanup() {
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${PIDS[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$WORK"
}
trap cleanup EXIT

# start NAME CMD...: CMD in its own process group, output to $WORK/NAME.*.
start() {
	local name=$1
	shift
	setsid "$@" </dev/null >"$WORK/$name.out" 2>"$WORK/$name.err" &
	PIDS+=("$!")
}

# reported_port NAME: the first line of NAME's output (the helpers print
# the port they listen on), waited for up to 10 s.
reported_port() {
	local i port
	for i in $(seq 1 200); do
		port=$(head -n1 "$WORK/$1.out" 2>/dev/null || true)
		if [ -n "$port" ]; then
			printf '%s' "$port"
			return 0
		fi
		sleep 0.05
	done
	cat "$WORK/$1.err" >&2
	die "$1 reported no port"
}

free_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

wait_listening() {
	local port=$1 i
	for i in $(seq 1 200); do
		ss -Hltn "sport = :$port" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	die "nothing listens on port $port"
}

# run_stress LABEL CMD...: run one stress program, keep its output in
# $WORK/LABEL.log, fail on a non-zero status.
run_stress() {
	local label=$1 start=$SECONDS rc=0
	shift
	say "$label ..."
	"$@" >"$WORK/$label.log" 2>&1 || rc=$?
	say "$label: status $rc in $((SECONDS - start)) s: $(grep -E '^(TCP|UDP|REFUSED|FORK|MISMATCH|FDS|STRESS-)' "$WORK/$label.log" | tr '\n' ' ')"
	if [ "$rc" -ne 0 ]; then
		tail -n 60 "$WORK/$label.log" >&2
		die "$label failed"
	fi
}

# --- builds ---------------------------------------------------------------
say "building the library and the stress program with $TSAN_CC -fsanitize=thread into $TSAN_BUILD"
make -s BUILD="$TSAN_BUILD" CC="$TSAN_CC" CFLAGS="-fsanitize=thread" \
	LDFLAGS="-fsanitize=thread" "$TSAN_BUILD/libsocksify.so" \
	"$TSAN_BUILD/tests/helpers/stress" >/dev/null
say "building the normal library and stress program"
make -s build/libsocksify.so build/tests/helpers/stress >/dev/null

# --- servers --------------------------------------------------------------
{
	echo "127.0.0.1 localhost"
	echo "127.0.0.1 shared.$DOMAIN child.$DOMAIN"
	for ((i = 0; i < THREADS; i++)); do
		echo "127.0.0.1 t$i.$DOMAIN"
	done
} >"$WORK/hosts"
chmod 0644 "$WORK/hosts"
chmod 0755 "$WORK"

DANTE_PORT=$(free_port)
cat >"$WORK/danted.conf" <<EOF
logoutput: $WORK/danted.log
internal: 127.0.0.1 port = $DANTE_PORT
external: 127.0.0.4
socksmethod: none
clientmethod: none
user.privileged: root
user.unprivileged: nobody
client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 log: error }
socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 log: error }
EOF
start danted unshare -m sh -c 'mount --bind "$1" /etc/hosts && exec danted -f "$2" -N 1 -p "$3"' \
	sh "$WORK/hosts" "$WORK/danted.conf" "$WORK/danted.pid"
start s4 unshare -m sh -c 'mount --bind "$1" /etc/hosts && shift && exec "$@"' sh "$WORK/hosts" \
	"$PY" "$REPO/tests/helpers/faultsocks.py" --log "$WORK/s4.log" good 127.0.0.1 0
start dest "$PY" "$REPO/tests/helpers/dest.py" --log "$WORK/dest.log" 127.0.0.1 0
start uecho "$PY" "$REPO/tests/helpers/udpecho.py" --log /dev/null 127.0.0.1 0
wait_listening "$DANTE_PORT"
S4_PORT=$(reported_port s4)
TCP_PORT=$(reported_port dest)
UDP_PORT=$(reported_port uecho)
CLOSED_PORT=$(free_port)

export SOCKSIFY_LOOPBACK=proxy
unset SOCKS_PROXY ALL_PROXY all_proxy NO_PROXY no_proxy SOCKSIFY_LOG SOCKSIFY_TIMEOUT \
	SOCKSIFY_PIPELINE SOCKSIFY_UDP SOCKSIFY_HOSTS SOCKSIFY_FAKE_NET SOCKSIFY_FAKE_NET6
S5="socks5h://127.0.0.1:$DANTE_PORT"
S4="socks4a://127.0.0.1:$S4_PORT"

# --- ThreadSanitizer ------------------------------------------------------
TSAN_OPTIONS="halt_on_error=0 exitcode=66 second_deadlock_stack=1 history_size=4"
export TSAN_OPTIONS
run_stress tsan-socks5 timeout -k 5 150 env SOCKS_PROXY="$S5" \
	LD_PRELOAD="$REPO/$TSAN_BUILD/libsocksify.so" "$TSAN_BUILD/tests/helpers/stress" \
	-t "$THREADS" -s 5 -p "$TCP_PORT" -u "$UDP_PORT" -c "$CLOSED_PORT" -d "$DOMAIN" -f -w 60
run_stress tsan-socks4a timeout -k 5 150 env SOCKS_PROXY="$S4" \
	LD_PRELOAD="$REPO/$TSAN_BUILD/libsocksify.so" "$TSAN_BUILD/tests/helpers/stress" \
	-t 32 -s 2 -p "$TCP_PORT" -c "$CLOSED_PORT" -d "$DOMAIN" -w 60
unset TSAN_OPTIONS
for label in tsan-socks5 tsan-socks4a; do
	if grep -q 'WARNING: ThreadSanitizer' "$WORK/$label.log"; then
		grep -A 40 'WARNING: ThreadSanitizer' "$WORK/$label.log" | head -n 200 >&2
		die "$label: ThreadSanitizer reported $(grep -c 'WARNING: ThreadSanitizer' "$WORK/$label.log") problem(s)"
	fi
done
say "ThreadSanitizer: no report"

# --- helgrind and DRD -----------------------------------------------------
# The lock-free byte maps and counters of the tables, the map of
# descriptors with any state (fdany), the recorded socket kinds, the signal
# handlers' flags, the pipelining verdicts' load flag and
# the addresses found direct (C11 relaxed atomics),
# and the fake-IP map's pointer, published once with a release store and
# read with acquire loads (double-checked under attach_lock): helgrind and
# DRD do not model C11 atomics.  Nor do they see the library's init, run
# by the first hook under pthread_once and published to the other threads
# by a release store that every hook reads with an acquire load: here the
# stress program makes one hooked call before its threads start (-I), and
# ThreadSanitizer above checks the init racing with the threads.
for tool in helgrind drd; do
	kind=Helgrind:Race
	[ "$tool" = drd ] && kind=drd:ConflictingAccess
	for fn in 'conntab_maybe*' conntab_mark conntab_active_count 'bindtab_maybe*' \
		bindtab_mark 'bindtab_*_count' 'epwatch_*' map_load map_set 'directset_*' \
		udpassoc_any udpassoc_nentries_add hosts_checked_get hosts_checked_set \
		'fdtable_maybe*' 'fdtable_mark*' 'fdtable_count*' 'fdtable_active*' \
		map_get fakeip_attach 'fdident_kind_*' fdident_of \
		sig_record sig_sync sig_real hook_signal_all_restart 'fdany_*' recv_alone \
		sig_quiet_update sig_installing hook_signal_installing hook_signal_settle \
		pipefile_load pipefile_pipelines 'udp_send_direct_known' 'udp_send_note_direct'; do
		printf '{\n   relaxed-atomic-%s\n   %s\n   fun:%s\n}\n' "$fn" "$kind" "$fn"
	done >"$WORK/$tool.supp"
	run_stress "$tool" timeout -k 5 150 env SOCKS_PROXY="$S5" \
		LD_PRELOAD="$REPO/build/libsocksify.so" valgrind --tool="$tool" \
		--suppressions="$WORK/$tool.supp" --error-exitcode=99 \
		build/tests/helpers/stress -t 16 -s 3 -p "$TCP_PORT" -u "$UDP_PORT" -c "$CLOSED_PORT" \
		-d "$DOMAIN" -f -w 120 -I
	grep -q 'ERROR SUMMARY: 0 errors' "$WORK/$tool.log" ||
		die "$tool reported errors"
done
say "helgrind and DRD: no report"
say "all clean"

#!/bin/sh
# Run the library under AddressSanitizer, UndefinedBehaviorSanitizer and
# valgrind memcheck:
#
#  1. build the library, the unit tests and the helpers with SANITIZE=1
#     into $ASAN_BUILD (default build/asan) and run the unit tests;
#  2. carry real programs (curl, python3) through microsocks on loopback
#     to a python3 http.server on 127.0.0.2 with the sanitized library
#     preloaded, and fail on any sanitizer report;
#  3. run curl the same way under valgrind memcheck with the normal build
#     ($BUILD, default build) and fail on any error or definite leak.
#
#   scripts/sanitize-check.sh [--no-valgrind] [--bats "FILE.bats..."]
#
# The end-to-end suites named by --bats (default: $SANITIZE_BATS, else
# tests/microsocks.bats and tests/failures.bats; --bats "" for none) also
# run against the sanitized library, when tests/lib/common.bash lets them
# (SOCKSIFY_TEST_LIB and SOCKSIFY_TEST_PRELOAD).
#
# Environment: CC (default cc), BUILD, ASAN_BUILD, SANITIZE_TIMEOUT (the
# bound on each client, default 30 s), VALGRIND_SUPP (a suppressions file
# for errors outside libsocksify.so, used when set).  Logs go to
# $ASAN_BUILD/sanitize-check/.
#
# Programs that were not built with ASan need its runtime loaded first
# (LD_PRELOAD="<runtime>:libsocksify.so", verify_asan_link_order=0), and
# their own leaks are not ours (detect_leaks=0): leaks of the library are
# valgrind's part.  Such a late-loaded runtime initialises itself on the
# first malloc; when that malloc happens inside newlocale(), as it does in
# p11-kit's constructor (linked into curl through GnuTLS), glibc's locale
# lock is taken twice and the program hangs before main.  A small shim
# built here defines newlocale() to make one allocation first, so the
# runtime is up before the lock is taken.

set -u

cd "$(dirname "$0")/.." || exit 2
REPO=$(pwd)

me=sanitize-check
CC=${CC:-cc}
BUILD=${BUILD:-build}
ASAN_BUILD=${ASAN_BUILD:-build/asan}
SANITIZE_TIMEOUT=${SANITIZE_TIMEOUT:-30}
LOGS="$ASAN_BUILD/sanitize-check"
JOBS=$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)
if [ -x /usr/bin/python3 ]; then
	PY=/usr/bin/python3
else
	PY=$(command -v python3)
fi

# Sanitizer reports, as they start in a program's stderr.
REPORT='AddressSanitizer|LeakSanitizer|runtime error|ERROR: .*Sanitizer'

failures=0
pids=

say() {
	printf '%s: %s\n' "$me" "$*"
}

fail() {
	say "FAIL: $*"
	failures=$((failures + 1))
}

die() {
	say "$*" >&2
	exit 2
}

cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null
	done
	for p in $pids; do
		wait "$p" 2>/dev/null
	done
	pids=
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM

# free_port HOST: a TCP port free on HOST.
free_port() {
	"$PY" -c 'import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 0))
print(s.getsockname()[1])' "$1"
}

# wait_port HOST PORT: wait up to 10 s until something listens there.
wait_port() {
	"$PY" -c 'import socket, sys, time
end = time.monotonic() + 10
while time.monotonic() < end:
    try:
        socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.05)
sys.exit(1)' "$1" "$2"
}

# start NAME CMD...: a background server, stopped by id when the script ends.
start() {
	name=$1
	shift
	"$@" </dev/null >"$LOGS/$name.out" 2>"$LOGS/$name.err" &
	pids="$pids $!"
}

# show FILE: the end of a log, indented.
show() {
	[ -s "$1" ] || return 0
	echo "    --- $1"
	tail -n 40 "$1" | sed 's/^/    /'
}

# check NAME WANT STATUS: judge a client run whose output is in
# $LOGS/NAME.out and .err.  WANT is a fixed string its stdout must hold
# (empty: none); STATUS "ok" wants exit 0, "fails" a non-zero exit.
check() {
	name=$1 want=$2 expect=$3 rc=$4
	out="$LOGS/$name.out" err="$LOGS/$name.err"
	if grep -qE "$REPORT" "$err"; then
		fail "$name: sanitizer report"
		sed -En "/$REPORT/,\$p" "$err" | head -n 40 | sed 's/^/    /'
		return
	fi
	if [ "$rc" -ge 124 ] && [ "$rc" -le 137 ]; then
		fail "$name: timed out or killed (exit $rc)"
		show "$err"
		return
	fi
	if [ "$expect" = ok ] && [ "$rc" -ne 0 ]; then
		fail "$name: exit $rc"
		show "$err"
		return
	fi
	if [ "$expect" = fails ] && [ "$rc" -eq 0 ]; then
		fail "$name: succeeded where it must fail"
		return
	fi
	if [ -n "$want" ] && ! grep -qF -- "$want" "$out"; then
		fail "$name: output lacks \"$want\""
		show "$out"
		show "$err"
		return
	fi
	say "ok: $name"
}

# asan NAME WANT STATUS ENV... -- CMD...: run CMD with the sanitized
# library (and ENV) preloaded.
asan() {
	name=$1 want=$2 expect=$3
	shift 3
	timeout -k 2 "$SANITIZE_TIMEOUT" env \
		LD_PRELOAD="$ASAN_RT:$SHIM:$REPO/$ASAN_BUILD/libsocksify.so" \
		ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0:halt_on_error=1 \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$@" >"$LOGS/$name.out" 2>"$LOGS/$name.err"
	check "$name" "$want" "$expect" $?
}

# memcheck NAME WANT ENV... CMD...: run CMD under valgrind with the normal
# library (and ENV) preloaded.
memcheck() {
	name=$1 want=$2
	shift 2
	(
		while [ $# -gt 0 ]; do
			case $1 in
			*=*) export "${1?}" ;;
			*) break ;;
			esac
			shift
		done
		export LD_PRELOAD="$REPO/$BUILD/libsocksify.so"
		# shellcheck disable=SC2086 # SUPP is one option or none
		exec timeout -k 2 $((SANITIZE_TIMEOUT * 4)) valgrind -q \
			--error-exitcode=99 --errors-for-leak-kinds=definite \
			--leak-check=full --show-leak-kinds=definite \
			--log-file="$LOGS/$name.valgrind" $SUPP "$@"
	) >"$LOGS/$name.out" 2>"$LOGS/$name.err"
	rc=$?
	if [ "$rc" -eq 99 ] || [ -s "$LOGS/$name.valgrind" ]; then
		fail "$name: valgrind found errors"
		show "$LOGS/$name.valgrind"
		return
	fi
	check "$name" "$want" ok "$rc"
}

# The ASan runtime the sanitized library was linked against.
find_asan_runtime() {
	lib=$1
	rt=$(ldd "$lib" 2>/dev/null | awk '/libasan\.so/ && $3 ~ /^\// { print $3; exit }')
	if [ -n "$rt" ]; then
		printf '%s' "$rt"
		return
	fi
	if readelf -d "$lib" 2>/dev/null | grep -q 'libclang_rt\.asan'; then
		rt=$($CC -print-file-name="libclang_rt.asan-$(uname -m).so")
		[ -f "$rt" ] && printf '%s' "$rt"
		return
	fi
	rt=$($CC -print-file-name=libasan.so)
	[ -f "$rt" ] && printf '%s' "$rt"
}

# The newlocale() shim (see the top of this file), built without sanitizers.
build_shim() {
	cat >"$LOGS/asan-early.c" <<'EOF'
/*
 * Make one allocation before the real newlocale() runs, so that a
 * preloaded sanitizer runtime initialises outside glibc's locale lock.
 */
#include <dlfcn.h>
#include <locale.h>
#include <stdlib.h>

locale_t newlocale(int mask, const char *name, locale_t base);

locale_t
newlocale(int mask, const char *name, locale_t base)
{
	static locale_t (*next)(int, const char *, locale_t);
	void *volatile first = malloc(1);

	free(first);
	if (next == NULL)
		next = (locale_t (*)(int, const char *, locale_t))dlsym(RTLD_NEXT,
									"newlocale");
	if (next == NULL)
		return (locale_t)0;
	return next(mask, name, base);
}
EOF
	$CC -std=gnu11 -O2 -Wall -Wextra -Werror -D_GNU_SOURCE -shared -fPIC \
		-o "$LOGS/libasan-early.so" "$LOGS/asan-early.c" -ldl
}

use_valgrind=1
bats_files=${SANITIZE_BATS-tests/microsocks.bats tests/failures.bats}
bats_given=
while [ $# -gt 0 ]; do
	case $1 in
	--no-valgrind) use_valgrind= ;;
	--bats)
		[ $# -ge 2 ] || die "--bats needs a list of .bats files"
		[ -n "$bats_given" ] || bats_files=
		bats_given=1
		[ -z "$2" ] || bats_files="$bats_files $2"
		shift
		;;
	*) die "unknown argument $1 (see the top of $0)" ;;
	esac
	shift
done

mkdir -p "$ASAN_BUILD" || die "cannot create $ASAN_BUILD"
rm -rf "$LOGS"
mkdir -p "$LOGS" || die "cannot create $LOGS"
start_time=$(date +%s)

# 1. The sanitized build and the unit tests.
say "building with $CC and SANITIZE=1 into $ASAN_BUILD"
if ! make -s -j"$JOBS" CC="$CC" BUILD="$ASAN_BUILD" SANITIZE=1 all \
	>"$LOGS/build.log" 2>&1; then
	show "$LOGS/build.log"
	die "the sanitized build failed"
fi
if make -s CC="$CC" BUILD="$ASAN_BUILD" SANITIZE=1 test-unit \
	>"$LOGS/test-unit.log" 2>&1 && ! grep -qE "$REPORT" "$LOGS/test-unit.log"; then
	say "ok: unit tests under ASan and UBSan ($(grep -cE '^ok ' "$LOGS/test-unit.log") checks)"
else
	fail "unit tests under ASan and UBSan"
	grep -E "^not ok|$REPORT" "$LOGS/test-unit.log" | head -n 20 | sed 's/^/    /'
	show "$LOGS/test-unit.log"
fi

# The normal build: for valgrind, and for the suites' own direct uses of
# the wrapper.
plain_built=
if make -s -j"$JOBS" CC="$CC" BUILD="$BUILD" all >"$LOGS/build-plain.log" 2>&1; then
	plain_built=1
fi

ASAN_RT=$(find_asan_runtime "$ASAN_BUILD/libsocksify.so")
[ -n "$ASAN_RT" ] || die "cannot find the ASan runtime of $ASAN_BUILD/libsocksify.so"
build_shim || die "cannot build the newlocale shim"
SHIM="$REPO/$LOGS/libasan-early.so"
say "ASan runtime $ASAN_RT"

# 2. Servers on loopback: files over HTTP on 127.0.0.2 (and on 127.0.0.1
# for names the proxy resolves), microsocks without and with a password.
command -v microsocks >/dev/null || die "microsocks is not installed (make deps)"
command -v curl >/dev/null || die "curl is not installed (make deps)"
www="$LOGS/www"
mkdir -p "$www"
token="socksify-sanitize-$$"
echo "$token" >"$www/index.txt"
http2=$(free_port 127.0.0.2)
http1=$(free_port 127.0.0.1)
socks=$(free_port 127.0.0.1)
socks_auth=$(free_port 127.0.0.1)
closed=$(free_port 127.0.0.1)
start http2 "$PY" -m http.server --bind 127.0.0.2 --directory "$www" "$http2"
start http1 "$PY" -m http.server --bind 127.0.0.1 --directory "$www" "$http1"
start microsocks microsocks -i 127.0.0.1 -p "$socks"
start microsocks-auth microsocks -i 127.0.0.1 -p "$socks_auth" -u sanuser -P 'san pass'
for hp in "127.0.0.2 $http2" "127.0.0.1 $http1" "127.0.0.1 $socks" \
	"127.0.0.1 $socks_auth"; do
	# shellcheck disable=SC2086 # host and port
	wait_port $hp || die "nothing listens on $hp (logs in $LOGS)"
done

url="http://127.0.0.2:$http2/index.txt"
p5h="socks5h://127.0.0.1:$socks"
p5="socks5://127.0.0.1:$socks"
pauth="socks5://sanuser:san%20pass@127.0.0.1:$socks_auth"
fetch='import sys, urllib.request
print(urllib.request.urlopen(sys.argv[1], timeout=20).read().decode(), end="")'
udp='import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b"ping", ("127.0.0.2", int(sys.argv[1])))
    print("sent")
except OSError as e:
    print("refused", e.errno)'

say "programs through microsocks with the sanitized library"
asan curl-socks5h "$token" ok SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$p5h" \
	curl -q -sS "$url"
asan curl-socks5 "$token" ok SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$p5" \
	curl -q -sS "$url"
asan curl-socks5-password "$token" ok SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$pauth" \
	curl -q -sS "$url"
asan curl-name-through-proxy "$token" ok SOCKSIFY_LOOPBACK=proxy SOCKSIFY_HOSTS=0 \
	SOCKS_PROXY="$p5h" curl -q -sS "http://localhost:$http1/index.txt"
asan curl-debug-log "$token" ok SOCKSIFY_LOOPBACK=proxy SOCKSIFY_LOG=debug \
	SOCKS_PROXY="$p5h" curl -q -sS "$url"
grep -q 'via socks5h' "$LOGS/curl-debug-log.err" ||
	fail "curl-debug-log: no log line says the connection went through the proxy"
asan curl-proxy-down "" fails SOCKSIFY_LOOPBACK=proxy \
	SOCKS_PROXY="socks5h://127.0.0.1:$closed" curl -q -sS "$url"
asan curl-bad-config "" fails SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="socks9://x" \
	curl -q -sS "$url"
asan python-name-through-proxy "$token" ok SOCKSIFY_LOOPBACK=proxy SOCKSIFY_HOSTS=0 \
	SOCKS_PROXY="$p5h" "$PY" -c "$fetch" "http://localhost:$http1/index.txt"
asan python-udp-fails-closed "refused" ok SOCKSIFY_LOOPBACK=proxy \
	SOCKS_PROXY="$p5h" "$PY" -c "$udp" "$http2"

# The end-to-end suites, where tests/lib/common.bash can run them against
# another build (SOCKSIFY_TEST_LIB) with libraries loaded before it
# (SOCKSIFY_TEST_PRELOAD).  Sanitizer reports go to files, since the
# suites keep a client's stderr to themselves.
if [ -n "$bats_files" ]; then
	if grep -q SOCKSIFY_TEST_PRELOAD tests/lib/common.bash; then
		say "bats:$bats_files with the sanitized library"
		mkdir -p "$LOGS/reports"
		# shellcheck disable=SC2086 # the files are words
		if SOCKSIFY_TEST_LIB="$REPO/$ASAN_BUILD/libsocksify.so" \
			SOCKSIFY_TEST_PRELOAD="$ASAN_RT:$SHIM" \
			ASAN_OPTIONS="detect_leaks=0:verify_asan_link_order=0:halt_on_error=1:log_path=$REPO/$LOGS/reports/asan" \
			UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$REPO/$LOGS/reports/ubsan" \
			bats $bats_files >"$LOGS/bats.log" 2>&1; then
			say "ok: bats ($(grep -c '^ok ' "$LOGS/bats.log") tests)"
		else
			fail "bats with the sanitized library"
			grep -E '^not ok' "$LOGS/bats.log" | head -n 20 | sed 's/^/    /'
		fi
		for r in "$LOGS"/reports/*; do
			[ -f "$r" ] || continue
			fail "sanitizer report in $r"
			head -n 30 "$r" | sed 's/^/    /'
		done
	else
		say "skipped bats: tests/lib/common.bash has no SOCKSIFY_TEST_LIB/SOCKSIFY_TEST_PRELOAD"
	fi
fi

# 3. valgrind memcheck on the normal build.
if [ -n "$use_valgrind" ]; then
	if ! command -v valgrind >/dev/null; then
		fail "valgrind is not installed"
	elif [ -z "$plain_built" ]; then
		fail "the normal build failed"
		show "$LOGS/build-plain.log"
	else
		SUPP=
		[ -n "${VALGRIND_SUPP:-}" ] && SUPP="--suppressions=$VALGRIND_SUPP"
		say "curl under valgrind memcheck with the normal library"
		memcheck valgrind-curl-socks5h "$token" SOCKSIFY_LOOPBACK=proxy \
			SOCKS_PROXY="$p5h" curl -q -sS "$url"
		memcheck valgrind-curl-password "$token" SOCKSIFY_LOOPBACK=proxy \
			SOCKS_PROXY="$pauth" curl -q -sS "$url"
		memcheck valgrind-curl-name "$token" SOCKSIFY_LOOPBACK=proxy \
			SOCKSIFY_HOSTS=0 SOCKS_PROXY="$p5h" curl -q -sS \
			"http://localhost:$http1/index.txt"
	fi
fi

cleanup
say "$((failures)) failures in $(($(date +%s) - start_time)) s; logs in $LOGS"
[ "$failures" -eq 0 ]

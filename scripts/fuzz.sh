#!/bin/sh
# Fuzz the decoders and the handshake of core/ (tests/fuzz/fuzz_<target>.c).
#
#   scripts/fuzz.sh [TARGET...]           build with clang and libFuzzer,
#                                         run each target for FUZZ_SECONDS
#   scripts/fuzz.sh --replay [TARGET...]  build without libFuzzer and feed
#                                         every file of the seed corpus and
#                                         of the regressions to each target
#   scripts/fuzz.sh --list                print the target names
#
# Without TARGET arguments every target is used.  Environment:
#   FUZZ_SECONDS  seconds per target (default 60)
#   FUZZ_JOBS     targets fuzzed at the same time (default: the CPU count)
#   FUZZ_CC       compiler for fuzzing (default clang)
#   CC            compiler for --replay (default cc)
#   BUILD         build directory (default build); binaries go to
#                 $BUILD/fuzz, logs to $BUILD/fuzz/logs and the inputs that
#                 fail to $BUILD/fuzz/artifacts/<target>/
#
# A run never writes into tests/fuzz/: each target starts from a scratch
# copy of tests/fuzz/corpus/<target> and tests/fuzz/regressions/<target>.
# Any crash, sanitizer report, leak, timeout or failed check fails the run
# and prints the path of the input that reproduces it; such an input, once
# the bug is fixed, belongs in tests/fuzz/regressions/<target>/.

set -u

cd "$(dirname "$0")/.." || exit 2
self="$(pwd)/scripts/fuzz.sh"

me=fuzz.sh
BUILD=${BUILD:-build}
OUT="$BUILD/fuzz"
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_CC=${FUZZ_CC:-clang}
REPLAY_CC=${CC:-cc}
FUZZ_JOBS=${FUZZ_JOBS:-$(getconf _NPROCESSORS_ONLN 2>/dev/null || echo 1)}

WARN="-Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
-Wmissing-prototypes -Wformat=2 -Wvla"
BASE="-std=gnu11 -O1 -g -fno-omit-frame-pointer $WARN -D_GNU_SOURCE -Icore -Itests/fuzz"
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

say() {
	printf '%s: %s\n' "$me" "$*"
}

die() {
	say "$*" >&2
	exit 2
}

# The targets there are sources for.  A target is named for the module it
# drives (socks5_decode_reply: core/socks5.h); one whose module is not in
# core/ is left out.
all_targets() {
	for f in tests/fuzz/fuzz_*.c; do
		[ -f "$f" ] || continue
		t=${f#tests/fuzz/fuzz_}
		t=${t%.c}
		[ -f "core/${t%%_*}.h" ] || continue
		printf '%s\n' "$t"
	done
}

# build_core DIR CC FLAGS: compile core/*.c into DIR/libsxcore.a.
build_core() {
	dir=$1 cc=$2 flags=$3
	mkdir -p "$dir/core" || return 1
	rm -f "$dir/libsxcore.a" "$dir"/core/*.o
	# One compiler per CPU; xargs fails when any of them does.  The inner
	# script's variables are its own arguments.
	# shellcheck disable=SC2016
	find core -maxdepth 1 -name '*.c' -print0 | xargs -0 -P "$FUZZ_JOBS" -I{} sh -c \
		'o="$1/core/$(basename "$2" .c).o"; $3 $4 -c -o "$o" "$2"' \
		sh "$dir" {} "$cc" "$flags" || return 1
	ar rcs "$dir/libsxcore.a" "$dir"/core/*.o
}

# run_one TARGET: fuzz one target (called through xargs, in its own sh).
run_one() {
	t=$1
	bin="$OUT/fuzz_$t"
	log="$OUT/logs/$t.log"
	art="$OUT/artifacts/$t"
	corpus="$FUZZ_WORK/$t"
	mkdir -p "$corpus" "$art" "$OUT/logs" || return 2
	for src in "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t"; do
		[ -d "$src" ] || continue
		find "$src" -maxdepth 1 -type f ! -name '.*' -exec cp {} "$corpus/" \;
	done
	# Leaks are findings; a slow input (10 s) is a hang.
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
		UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
		"$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$art/" "$corpus" \
		>"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^Done \([0-9]*\) runs in \([0-9]*\) second.*/\1 runs in \2 s/p' "$log" | tail -n 1)
	size=$(find "$corpus" -type f | wc -l | tr -d ' ')
	if [ "$rc" -eq 0 ]; then
		say "$t: ok, ${runs:-? runs}, corpus $size inputs"
		return 0
	fi
	say "$t: FAILED (exit $rc); log $log"
	grep -E 'ERROR|runtime error|fuzz check failed|SUMMARY|Test unit written' "$log" |
		head -n 12 | sed 's/^/    /'
	for a in "$art"/*; do
		[ -f "$a" ] && say "$t: reproduce with $bin $a"
	done
	return 1
}

# build_fuzz TARGET...: clang with libFuzzer, ASan and UBSan.
build_fuzz() {
	command -v "$FUZZ_CC" >/dev/null || die "$FUZZ_CC not found (FUZZ_CC)"
	say "building with $FUZZ_CC into $OUT"
	build_core "$OUT" "$FUZZ_CC" "$BASE $SAN -fsanitize=fuzzer-no-link" ||
		die "core/ does not build for fuzzing"
	for t in "$@"; do
		# shellcheck disable=SC2086 # flags are words
		$FUZZ_CC $BASE $SAN -fsanitize=fuzzer -o "$OUT/fuzz_$t" \
			"tests/fuzz/fuzz_$t.c" "$OUT/libsxcore.a" -lpthread ||
			die "fuzz_$t does not build"
	done
}

# build_replay TARGET...: the targets with tests/fuzz/replay.c as main().
build_replay() {
	rdir="$OUT/replay"
	say "building the replay runners with $REPLAY_CC into $rdir"
	build_core "$rdir" "$REPLAY_CC" "$BASE $SAN" ||
		die "core/ does not build with $REPLAY_CC"
	for t in "$@"; do
		# shellcheck disable=SC2086 # flags are words
		$REPLAY_CC $BASE $SAN -o "$rdir/fuzz_$t" tests/fuzz/replay.c \
			"tests/fuzz/fuzz_$t.c" "$rdir/libsxcore.a" -lpthread ||
			die "the replay runner of fuzz_$t does not build"
	done
}

replay() {
	build_replay "$@"
	mkdir -p "$OUT/logs"
	failed=
	for t in "$@"; do
		log="$OUT/logs/replay-$t.log"
		dirs=
		for d in "tests/fuzz/corpus/$t" "tests/fuzz/regressions/$t"; do
			[ -d "$d" ] && dirs="$dirs $d"
		done
		if [ -z "$dirs" ]; then
			say "$t: no corpus and no regressions"
			failed="$failed $t"
			continue
		fi
		# shellcheck disable=SC2086 # the directories are words
		if ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} \
			UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
			"$OUT/replay/fuzz_$t" $dirs >"$log" 2>&1; then
			say "$t: $(tail -n 1 "$log")"
		else
			say "$t: FAILED; log $log"
			tail -n 30 "$log" | sed 's/^/    /'
			failed="$failed $t"
		fi
	done
	if [ -n "$failed" ]; then
		say "replay failed for:$failed"
		return 1
	fi
	say "replay: all targets pass"
}

fuzz() {
	build_fuzz "$@"
	FUZZ_WORK=$(mktemp -d "${TMPDIR:-/tmp}/socksify-fuzz.XXXXXX") ||
		die "cannot make a scratch directory"
	export FUZZ_WORK OUT FUZZ_SECONDS BUILD
	trap 'rm -rf "$FUZZ_WORK"' EXIT
	trap 'rm -rf "$FUZZ_WORK"; exit 130' INT TERM
	rm -rf "$OUT/artifacts"
	say "fuzzing $# targets for ${FUZZ_SECONDS}s each, $FUZZ_JOBS at a time"
	printf '%s\n' "$@" | xargs -P "$FUZZ_JOBS" -I{} sh "$self" --run-one {}
	rc=$?
	if [ "$rc" -ne 0 ]; then
		say "fuzzing found a problem (inputs under $OUT/artifacts/)"
		return 1
	fi
	say "fuzzing: no finding"
}

mode=fuzz
case ${1-} in
--replay)
	mode=replay
	shift
	;;
--list)
	all_targets
	exit 0
	;;
--run-one)
	run_one "$2"
	exit $?
	;;
-h | --help)
	sed -n '2,/^$/s/^# \{0,1\}//p' "$self"
	exit 0
	;;
-*)
	die "unknown option $1 (see --help)"
	;;
esac

if [ $# -eq 0 ]; then
	# shellcheck disable=SC2046 # one word per target
	set -- $(all_targets)
fi
[ $# -gt 0 ] || die "no fuzz targets in tests/fuzz/"
for t in "$@"; do
	[ -f "tests/fuzz/fuzz_$t.c" ] || die "no target $t (see --list)"
done

case $FUZZ_SECONDS in
'' | *[!0-9]*) die "FUZZ_SECONDS must be a whole number of seconds" ;;
esac

"$mode" "$@"

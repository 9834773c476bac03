#!/bin/sh
# syscount.sh: the system calls of one TCP connect, direct and through the
# proxy with the library preloaded, counted with strace.
#
#   syscount.sh [-m MODE] PROXY_URL HOST PORT
#
# Runs tests/helpers/nbclient (MODE "block" by default, or "poll", or any
# other nbclient mode) once directly and once with libsocksify.so preloaded
# and SOCKS_PROXY=PROXY_URL (loopback proxied too), each under
# "strace -f".  nbclient marks the start (before socket()) and the end (once
# connected) of its connect with write(-1, "SX-MARK-...") calls; the calls
# between the marks are the cost of one connect.  HOST:PORT must accept
# connections (nothing is sent).  Prints:
#
#   DIRECT <n>              calls of one direct connect
#   PROXIED <n>             calls of one proxied connect
#   EXTRA <n>               the difference
#   DIRECT-CALLS <name>:<count> ...
#   PROXIED-CALLS <name>:<count> ...
#   PROXIED-IDENTITY <n>    of those, fstat() calls on a socket (its
#                           identity; a stat of a path or of a file, such as
#                           the pipelining state file, is not one)
#   PROCESS-DIRECT <n>      calls of the whole run (what strace -c counts)
#   PROCESS-PROXIED <n>     the same with the library (its init included)
#
# Exits 1 when a run fails to connect, 2 on a usage error.  Environment:
# NBCLIENT and SOCKSIFY_LIB override where the client and the library are;
# SYSCOUNT_TIMEOUT (seconds, default 20) bounds each run.

set -u

me=syscount.sh
mode=block
if [ "${1:-}" = "-m" ]; then
	[ $# -ge 2 ] || {
		echo "$me: -m needs a mode" >&2
		exit 2
	}
	mode=$2
	shift 2
fi
if [ $# -ne 3 ]; then
	echo "usage: $me [-m MODE] PROXY_URL HOST PORT" >&2
	exit 2
fi
url=$1
host=$2
port=$3

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
client=${NBCLIENT:-$repo/build/tests/helpers/nbclient}
lib=${SOCKSIFY_LIB:-$repo/build/libsocksify.so}

command -v strace >/dev/null || {
	echo "$me: strace is not installed" >&2
	exit 2
}
for f in "$client" "$lib"; do
	[ -f "$f" ] || {
		echo "$me: $f is missing: run make" >&2
		exit 2
	}
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/syscount.XXXXXX") || exit 2
trap '[ -n "${SYSCOUNT_KEEP:-}" ] || rm -rf "$tmp"' EXIT

# trace NAME [-E VAR=VALUE]...: run the client under strace, with the
# variables given set for the client alone (not for strace).
trace() {
	name=$1
	shift
	timeout -k 2 "${SYSCOUNT_TIMEOUT:-20}" env -u LD_PRELOAD \
		strace -f -qq -o "$tmp/$name.trace" -E LD_PRELOAD= "$@" \
		"$client" --mark --plain --no-talk "$mode" "$host" "$port" \
		>"$tmp/$name.out" 2>"$tmp/$name.err"
	if ! grep -qx 'RESULT ok' "$tmp/$name.out"; then
		echo "$me: the $name run did not connect:" >&2
		sed 's/^/  /' "$tmp/$name.out" "$tmp/$name.err" >&2
		return 1
	fi
}

# calls FILE: the names of the system calls in a trace, one per line (a call
# that strace split into "unfinished" and "resumed" counts once).
calls() {
	sed -n 's/^\([0-9][0-9]*  *\)\{0,1\}\([a-z_0-9][a-z_0-9]*\)(.*/\2/p' "$1"
}

# between FILE: the calls strictly between the two marks.
between() {
	awk '
		/write\(-1, "SX-MARK-BEGIN"/ { on = 1; next }
		/write\(-1, "SX-MARK-END"/ { on = 0; next }
		on { print }
	' "$1"
}

# summary: "name:count ..." from names on stdin.
summary() {
	sort | uniq -c | awk '{ printf "%s%s:%s", sep, $2, $1; sep = " " } END { print "" }'
}

trace direct || exit 1
# The URL without its user information, for the report.
label=$(printf '%s' "$url" | sed 's#//[^@/]*@#//#')
trace proxied -E SOCKS_PROXY="$url" -E SOCKSIFY_LOOPBACK=proxy \
	-E SOCKSIFY_LOG=error -E LD_PRELOAD="$lib" || exit 1

between "$tmp/direct.trace" >"$tmp/direct.region"
between "$tmp/proxied.trace" >"$tmp/proxied.region"
direct=$(calls "$tmp/direct.region" | wc -l)
proxied=$(calls "$tmp/proxied.region" | wc -l)

echo "MODE $mode"
echo "PROXY $label"
echo "DIRECT $direct"
echo "PROXIED $proxied"
echo "EXTRA $((proxied - direct))"
echo "DIRECT-CALLS $(calls "$tmp/direct.region" | summary)"
echo "PROXIED-CALLS $(calls "$tmp/proxied.region" | summary)"
echo "PROXIED-IDENTITY $(grep -E '(^|[0-9] +)(fstat\([0-9]+,|newfstatat\([0-9]+, "",)' "$tmp/proxied.region" |
	grep -c 'S_IFSOCK')"
echo "PROCESS-DIRECT $(calls "$tmp/direct.trace" | wc -l)"
echo "PROCESS-PROXIED $(calls "$tmp/proxied.trace" | wc -l)"

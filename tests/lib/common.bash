# Shared helpers for the end-to-end tests: paths, ports, background servers
# (started on loopback, waited for with bounded loops, always stopped), and a
# way to run a client through socksify.  Loaded by every .bats file with
# "load lib/common".
#
# Background servers run in their own process group (setsid) with fd 3
# closed, so bats never waits on them; a server started in setup_file lives
# for the file, one started in a test lives for the test.  The teardown and
# teardown_file defined here stop them all: a file that needs its own
# teardown calls stop_all itself.

bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

REPO="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
# SOCKSIFY_TEST_LIB: another build of the library to test (e.g. build/asan);
# SOCKSIFY_TEST_PRELOAD: the whole LD_PRELOAD to use with it (a sanitizer
# runtime first).  scripts/sanitize-check.sh sets both.
# SOCKSIFY_TEST_LAUNCHER: another build of the launcher (it preloads the
# library of its own build directory).
LIB="${SOCKSIFY_TEST_LIB:-$REPO/build/libsocksify.so}"
SOCKSIFY="${SOCKSIFY_TEST_LAUNCHER:-$REPO/build/socksify}"
HELPERS="$REPO/tests/helpers"
if [ -x /usr/bin/python3 ]; then
	PY=/usr/bin/python3
else
	PY=$(command -v python3)
fi
# The bound on every client command: a bug must not hang the suite.
CLIENT_TIMEOUT=${CLIENT_TIMEOUT:-20}
# The bound on waiting for a server to start.
START_TIMEOUT=${START_TIMEOUT:-10}

# Nothing from the caller's environment may steer a test: no proxy settings
# for socksify, nor for curl and wget, which read them themselves.
unset SOCKS_PROXY ALL_PROXY all_proxy NO_PROXY no_proxy \
	http_proxy https_proxy HTTP_PROXY HTTPS_PROXY ftp_proxy FTP_PROXY \
	SOCKS_SERVER SOCKS5_SERVER SOCKS_VERSION \
	SOCKSIFY_LOG SOCKSIFY_TIMEOUT SOCKSIFY_LOOPBACK SOCKSIFY_PIPELINE SOCKSIFY_CHAIN \
	SOCKSIFY_UDP SOCKSIFY_PACKET SOCKSIFY_ISOLATE SOCKSIFY_HOSTS SOCKSIFY_FAKE_NET SOCKSIFY_FAKE_NET6 \
	SOCKSIFY_GSSAPI SOCKSIFY_GSSAPI_SERVICE SOCKSIFY_GSSAPI_PROTECTION \
	SOCKSIFY_ENFORCE \
	SOCKSIFY_LIB LD_PRELOAD
# Tests run curl with -q first (no ~/.curlrc) and wget with --no-config.

# The library keeps the proxies that drop pipelined requests in the user's
# runtime directory: the tests neither read nor write the user's, and
# start with none (this directory does not exist unless a test makes it).
export XDG_RUNTIME_DIR="$BATS_RUN_TMPDIR/xdg"

# The directory of the current scope: the test's, or the file's in
# setup_file / teardown_file.
bg_dir() {
	printf '%s' "${BATS_TEST_TMPDIR:-$BATS_FILE_TMPDIR}"
}

# free_port [HOST]: print a TCP port that is free on HOST (default 127.0.0.1).
free_port() {
	"$PY" - "${1:-127.0.0.1}" <<'EOF'
import socket, sys
host = sys.argv[1]
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
s.bind((host, 0))
print(s.getsockname()[1])
s.close()
EOF
}

# is_alive PID: true while PID runs (a zombie counts as gone).
is_alive() {
	local state
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1 || true)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# is_listening HOST PORT: a TCP socket listens on HOST:PORT (checked with
# ss, so no connection is made to the server).
is_listening() {
	local host=$1 port=$2
	case $host in
	*:*) host="[$host]" ;;
	esac
	ss -Hltn "sport = :$port" 2>/dev/null | awk '{print $4}' |
		grep -qxF "$host:$port"
}

# wait_port HOST PORT [TIMEOUT [PID]]: wait until HOST:PORT listens; fail
# after TIMEOUT seconds (default START_TIMEOUT) or as soon as PID dies.
wait_port() {
	local host=$1 port=$2 timeout=${3:-$START_TIMEOUT} pid=${4:-}
	local deadline=$((SECONDS + ${timeout%.*} + 1))
	while ! is_listening "$host" "$port"; do
		if [ -n "$pid" ] && ! is_alive "$pid"; then
			echo "# the server (pid $pid) died before listening on $host:$port" >&2
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "# nothing listens on $host:$port after ${timeout}s" >&2
			return 1
		fi
		sleep 0.05
	done
}

# start_bg NAME CMD...: start CMD in the background in its own process group,
# stdin from /dev/null, stdout and stderr to NAME.out and NAME.err in the
# scope's directory, fd 3 closed.  Sets BG_PID and BG_OUT / BG_ERR.  The
# server and everything it starts carry SOCKSIFY_TEST_SERVER in their
# environment, so leftovers can be found (leftover_servers).
start_bg() {
	local name=$1 dir
	shift
	dir=$(bg_dir)
	BG_OUT="$dir/$name.out"
	BG_ERR="$dir/$name.err"
	SOCKSIFY_TEST_SERVER="$BATS_RUN_TMPDIR" setsid "$@" \
		<"/dev/null" >"$BG_OUT" 2>"$BG_ERR" 3>&- &
	BG_PID=$!
	printf '%s %s\n' "$BG_PID" "$name" >>"$dir/.bg_pids"
}

# show_logs NAME [FILE...]: print a server's output and logs (to stderr, which
# bats shows when the test fails).
show_logs() {
	local name=$1 dir f
	shift
	dir=$(bg_dir)
	for f in "$dir/$name.out" "$dir/$name.err" "$@"; do
		[ -s "$f" ] || continue
		echo "# --- $f" >&2
		sed 's/^/# /' "$f" | tail -n 60 >&2
	done
}

# server_failed NAME MESSAGE [LOG...]: report a server that did not start.
server_failed() {
	local name=$1 msg=$2
	shift 2
	echo "# $name: $msg" >&2
	show_logs "$name" "$@"
	return 1
}

# descendants PID: the process ids below PID, deepest last.
descendants() {
	local child
	for child in $(pgrep -P "$1" 2>/dev/null || true); do
		echo "$child"
		descendants "$child"
	done
}

# stop_pid PID: stop one background server and everything it started: TERM
# to its process group and to every descendant (some, like sshd's session
# processes, leave the group), KILL after a grace period, then reap.
stop_pid() {
	local pid=$1 all p i
	all="$pid $(descendants "$pid" | tr '\n' ' ')"
	kill -TERM -- "-$pid" 2>/dev/null || true
	for p in $all; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for i in $(seq 1 40); do
		local any=
		for p in $all; do
			if is_alive "$p"; then
				any=1
				break
			fi
		done
		[ -z "$any" ] && break
		sleep 0.05
	done
	kill -KILL -- "-$pid" 2>/dev/null || true
	for p in $all; do
		if is_alive "$p"; then
			kill -KILL "$p" 2>/dev/null || true
		fi
	done
	wait "$pid" 2>/dev/null || true
	return 0
}

# stop_all [DIR]: stop every server started in the scope, newest first.
stop_all() {
	local dir=${1:-$(bg_dir)} pid name
	[ -f "$dir/.bg_pids" ] || return 0
	while read -r pid name; do
		stop_pid "$pid"
	done < <(tac "$dir/.bg_pids")
	rm -f "$dir/.bg_pids"
}

teardown() {
	stop_all "$BATS_TEST_TMPDIR"
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
}

# start_reporting NAME CMD...: start a server that prints its port as the
# first line of stdout (tests/helpers/*.py); sets PORT and PID.
start_reporting() {
	local name=$1 deadline
	shift
	start_bg "$name" "$@"
	PID=$BG_PID
	PORT=
	deadline=$((SECONDS + START_TIMEOUT))
	while [ -z "$PORT" ]; do
		PORT=$(head -n1 "$BG_OUT" 2>/dev/null || true)
		[ -n "$PORT" ] && break
		if ! is_alive "$PID"; then
			server_failed "$name" "exited before reporting its port"
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			server_failed "$name" "reported no port within ${START_TIMEOUT}s"
			return 1
		fi
		sleep 0.05
	done
	case $PORT in
	*[!0-9]*)
		server_failed "$name" "printed '$PORT' instead of a port"
		return 1
		;;
	esac
}

# start_dest NAME HOST [--http | --once]: tests/helpers/dest.py on HOST.  Sets PORT,
# PID and LOG (one "CONN <ip> <port>" line per connection).
start_dest() {
	local name=$1 host=$2
	shift 2
	LOG="$(bg_dir)/$name.log"
	: >"$LOG"
	start_reporting "$name" "$PY" "$HELPERS/dest.py" "$@" --log "$LOG" "$host" 0
}

# start_badsocks NAME MODE [OPTIONS...]: tests/helpers/badsocks.py on
# 127.0.0.1.  Sets PORT, PID and LOG.
start_badsocks() {
	local name=$1 mode=$2
	shift 2
	LOG="$(bg_dir)/$name.log"
	: >"$LOG"
	start_reporting "$name" "$PY" "$HELPERS/badsocks.py" --log "$LOG" "$@" \
		"$mode" 127.0.0.1 0
}

# start_microsocks NAME [-i HOST] [-p PORT] [-u USER -P PASSWORD]: microsocks
# on loopback with its outgoing connections bound to 127.0.0.3, so a
# destination sees 127.0.0.3 for everything it carried.  Sets PORT and PID.
start_microsocks() {
	local name=$1 host=127.0.0.1 port='' opt
	local -a extra=()
	shift
	while [ $# -gt 0 ]; do
		opt=$1
		case $opt in
		-i) host=$2 ;;
		-p) port=$2 ;;
		-u | -P) extra+=("$opt" "$2") ;;
		*)
			echo "# start_microsocks: unknown option $opt" >&2
			return 1
			;;
		esac
		shift 2
	done
	command -v microsocks >/dev/null || {
		echo "# microsocks is not installed (make deps)" >&2
		return 1
	}
	[ -n "$port" ] || port=$(free_port "$host")
	start_bg "$name" microsocks -i "$host" -p "$port" -b 127.0.0.3 "${extra[@]}"
	PID=$BG_PID
	PORT=$port
	wait_port "$host" "$port" "$START_TIMEOUT" "$PID" ||
		server_failed "$name" "did not start"
}

# start_danted NAME: Dante's sockd on 127.0.0.1 with no authentication, its
# outgoing connections from 127.0.0.4.  Sets PORT, PID and LOG (connections
# are logged there).
start_danted() {
	local name=$1 dir conf
	dir=$(bg_dir)
	command -v danted >/dev/null || {
		echo "# danted is not installed (make deps)" >&2
		return 1
	}
	PORT=$(free_port)
	LOG="$dir/$name.log"
	conf="$dir/$name.conf"
	: >"$LOG"
	{
		echo "logoutput: $LOG"
		echo "internal: 127.0.0.1 port = $PORT"
		echo "external: 127.0.0.4"
		echo "socksmethod: none"
		echo "clientmethod: none"
		if [ "$(id -u)" -eq 0 ]; then
			echo "user.privileged: root"
			echo "user.unprivileged: nobody"
		fi
		cat <<'EOF'
client pass {
	from: 127.0.0.0/8 to: 0.0.0.0/0
	log: connect disconnect error
}
socks pass {
	from: 127.0.0.0/8 to: 0.0.0.0/0
	log: connect disconnect error
}
EOF
	} >"$conf"
	start_bg "$name" danted -f "$conf" -N 1 -p "$dir/$name.pid"
	PID=$BG_PID
	wait_port 127.0.0.1 "$PORT" "$START_TIMEOUT" "$PID" ||
		server_failed "$name" "did not start" "$LOG" "$conf"
}

# start_ssh_socks NAME: a private sshd on 127.0.0.1 and "ssh -N -D" logged
# into it, which is a SOCKS4/4a/5 server.  Sets PORT (the -D port), PID (the
# ssh client), SSHD_PID and LOG (sshd's log at DEBUG1: one
# "server_request_direct_tcpip: originator <ip> port <p>, target <host> port
# <p>" line per carried connection).
start_ssh_socks() {
	local name=$1 dir sshd_port user
	dir=$(bg_dir)
	if [ "$(id -u)" -ne 0 ]; then
		echo "# a private sshd needs root (privilege separation)" >&2
		return 1
	fi
	[ -x /usr/sbin/sshd ] || {
		echo "# /usr/sbin/sshd is not installed (make deps)" >&2
		return 1
	}
	user=$(id -un)
	mkdir -p /run/sshd
	rm -f "$dir/$name.hostkey" "$dir/$name.id" "$dir/$name.id.pub"
	ssh-keygen -q -t ed25519 -N '' -C "$name-host" -f "$dir/$name.hostkey" </dev/null >/dev/null &&
		ssh-keygen -q -t ed25519 -N '' -C "$name-client" -f "$dir/$name.id" </dev/null >/dev/null || {
		echo "# ssh-keygen failed" >&2
		return 1
	}
	cp "$dir/$name.id.pub" "$dir/$name.authorized_keys"
	sshd_port=$(free_port)
	LOG="$dir/$name-sshd.err"
	cat >"$dir/$name.sshd_config" <<EOF
Port $sshd_port
ListenAddress 127.0.0.1
HostKey $dir/$name.hostkey
PidFile $dir/$name.sshd.pid
AuthorizedKeysFile $dir/$name.authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
AllowTcpForwarding yes
PermitOpen any
PermitTTY no
X11Forwarding no
PrintMotd no
LogLevel DEBUG1
EOF
	start_bg "$name-sshd" /usr/sbin/sshd -D -e -f "$dir/$name.sshd_config"
	SSHD_PID=$BG_PID
	wait_port 127.0.0.1 "$sshd_port" "$START_TIMEOUT" "$SSHD_PID" ||
		server_failed "$name-sshd" "did not start" "$dir/$name.sshd_config" ||
		return 1
	PORT=$(free_port)
	start_bg "$name" ssh -N -F /dev/null -D "127.0.0.1:$PORT" -i "$dir/$name.id" \
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
		-o BatchMode=yes -o ExitOnForwardFailure=yes -o LogLevel=ERROR \
		-o ServerAliveInterval=0 -p "$sshd_port" "$user@127.0.0.1"
	PID=$BG_PID
	wait_port 127.0.0.1 "$PORT" "$START_TIMEOUT" "$PID" ||
		server_failed "$name" "ssh -D did not start" "$LOG"
}

# test_lib_vars: the variables that make socksify use the library under
# test (SOCKSIFY_TEST_LIB, SOCKSIFY_TEST_PRELOAD), one per line, if any.
test_lib_vars() {
	[ -n "${SOCKSIFY_TEST_LIB:-}" ] && echo "SOCKSIFY_LIB=$LIB"
	[ -n "${SOCKSIFY_TEST_PRELOAD:-}" ] && echo "LD_PRELOAD=$SOCKSIFY_TEST_PRELOAD"
	return 0
}

# through URL CMD...: run CMD through socksify with SOCKS_PROXY=URL, loopback
# destinations proxied too, bounded by CLIENT_TIMEOUT.
through() {
	local url=$1
	local -a pre=()
	shift
	mapfile -t pre < <(test_lib_vars)
	timeout -k 2 "$CLIENT_TIMEOUT" env SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$url" \
		"${pre[@]}" "$SOCKSIFY" "$@"
}

# pyclient ARGS...: tests/helpers/client.py (see there for its output).
pyclient() {
	"$PY" "$HELPERS/client.py" "$@"
}

# line_value PREFIX: from $output, the rest of the first line starting with
# "PREFIX ".
line_value() {
	printf '%s\n' "$output" | sed -n "s/^$1 //p" | head -n1
}

# log_has FILE REGEX: FILE has a line matching the extended REGEX (carriage
# returns removed: sshd -e ends lines with CR LF); on failure print FILE.
log_has() {
	if tr -d '\r' <"$1" | grep -qE -- "$2"; then
		return 0
	fi
	echo "# no line matching '$2' in $1:" >&2
	sed 's/^/# /' "$1" | tail -n 40 >&2
	return 1
}

# log_lacks FILE REGEX: the opposite of log_has.
log_lacks() {
	if ! tr -d '\r' <"$1" | grep -qE -- "$2"; then
		return 0
	fi
	echo "# unexpected line matching '$2' in $1:" >&2
	tr -d '\r' <"$1" | grep -E -- "$2" | sed 's/^/# /' >&2
	return 1
}

# require_library: the library must be built (make builds it before the
# tests run).
require_library() {
	[ -f "$LIB" ] || {
		echo "# $LIB is missing: run make" >&2
		return 1
	}
}

# socksified [VAR=VALUE...] CMD...: run CMD through socksify with exactly the
# given settings (nothing else is set), bounded by CLIENT_TIMEOUT.
socksified() {
	local -a vars=()
	while [ $# -gt 0 ] && [[ $1 == [A-Za-z_]*=* ]]; do
		vars+=("$1")
		shift
	done
	timeout -k 2 "$CLIENT_TIMEOUT" env "${vars[@]}" "$SOCKSIFY" "$@"
}

# leftover_servers: print "pid command" for every process still running that
# a test of this run started (found by SOCKSIFY_TEST_SERVER in its
# environment).
leftover_servers() {
	local f pid
	for f in /proc/[0-9]*/environ; do
		pid=${f#/proc/}
		pid=${pid%/environ}
		if { tr '\0' '\n' <"$f"; } 2>/dev/null | grep -qxF "SOCKSIFY_TEST_SERVER=$BATS_RUN_TMPDIR"; then
			is_alive "$pid" || continue
			printf '%s %s\n' "$pid" "$({ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null)"
		fi
	done
}

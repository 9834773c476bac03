#!/usr/bin/env bats
# Secrets: a distinctive password in SOCKS_PROXY or ALL_PROXY never shows
# in anything the library or the wrapper prints -- at any SOCKSIFY_LOG
# level, with -v and -q, for connections that work and connections that
# fail (wrong password, proxy down) and for every kind of malformed URL --
# neither as written in the URL (percent-encoded) nor decoded.  Children
# get no variable the user did not set beyond LD_PRELOAD (and what -p, -q
# and -v stand for), and a process holds the decoded password in one place
# only: the configuration.
#
# Servers, all on loopback: microsocks asking for alice and the password,
# and dest.py echoing.  The client is tests/helpers/gethost, which reads
# no proxy variable itself (curl would use ALL_PROXY on its own).

load lib/common

# The password, with ':', '@', '%' and '!' to percent-encode in a URL.
PASSWORD='Zq7wX:s3cr3t@pw%!'
PASSWORD_URL='Zq7wX%3As3cr3t%40pw%25%21'
# What no output may hold: the password's distinctive pieces, in any case,
# and in hex (lower and upper case).
SECRET_PATTERNS=(-e 'zq7wx' -e 's3cr3t' -e '5a71377758' -e '%3As3cr' -e '73336372337')

LEVELS=(none error warn info debug)

setup_file() {
	require_library
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT
	start_microsocks msauth -u alice -P "$PASSWORD"
	export MSA_PORT=$PORT
	export DOWN_PORT
	DOWN_PORT=$(free_port)
}

# refute_secret FILE: FILE holds no piece of the password; else show where.
refute_secret() {
	if grep -qi "${SECRET_PATTERNS[@]}" "$1"; then
		echo "# the password shows in $1:" >&2
		grep -ni "${SECRET_PATTERNS[@]}" "$1" | sed 's/^/# /' | head -n 20 >&2
		return 1
	fi
}

# client_run VAR=VALUE... [-v|-q]: a connection to the echo server
# (tests/helpers/gethost, which reads no proxy variable itself) through
# socksify with exactly these settings, loopback proxied; stdout and
# stderr appended to $OUT; returns the client's status.
client_run() {
	socksified SOCKSIFY_LOOPBACK=proxy SOCKSIFY_TIMEOUT=3 "$@" \
		"$REPO/build/tests/helpers/gethost" connect 127.0.0.1 "$ECHO_PORT" \
		>>"$OUT" 2>&1
}

# every_level VAR URL: client_run with VAR=URL at every SOCKSIFY_LOG level
# and through the wrapper's -v and -q; prints each run's status after a
# "## case" line that names the level (never the URL).
every_level() {
	local var=$1 url=$2 level rc
	for level in "${LEVELS[@]}"; do
		echo "## $var level $level" >>"$OUT"
		client_run SOCKSIFY_LOG="$level" "$var=$url" && rc=0 || rc=$?
		echo "## status $rc" >>"$OUT"
	done
	echo "## $var -v" >>"$OUT"
	client_run "$var=$url" -v && rc=0 || rc=$?
	echo "## status $rc" >>"$OUT"
	echo "## $var -q" >>"$OUT"
	client_run "$var=$url" -q && rc=0 || rc=$?
	echo "## status $rc" >>"$OUT"
}

@test "the pieces searched for are those of the password, and they are found when present" {
	OUT=$BATS_TEST_TMPDIR/probe
	printf '%s\n' "$PASSWORD" >"$OUT"
	run refute_secret "$OUT"
	assert_failure
	printf '%s\n' "$PASSWORD_URL" >"$OUT"
	run refute_secret "$OUT"
	assert_failure
	printf '%s' "$PASSWORD" | od -An -tx1 | tr -d ' \n' >"$OUT"
	run refute_secret "$OUT"
	assert_failure
	: >"$OUT"
	run refute_secret "$OUT"
	assert_success
}

@test "a working authenticated connection shows no password at any level" {
	local var
	OUT=$BATS_TEST_TMPDIR/out
	: >"$OUT"
	for var in SOCKS_PROXY ALL_PROXY; do
		every_level "$var" "socks5h://alice:$PASSWORD_URL@127.0.0.1:$MSA_PORT"
	done
	# Every run connected (14 of them), and debug and info said so.
	[ "$(grep -c '^## status 0$' "$OUT")" -eq 14 ]
	[ "$(grep -c '^LINE PEER 127\.0\.0\.3 ' "$OUT")" -eq 14 ]
	grep -q "socksify: 127.0.0.1:$ECHO_PORT via socks5h 127.0.0.1:$MSA_PORT" "$OUT"
	grep -q "socksify: preloading .*; proxy socks5h://127.0.0.1:$MSA_PORT (SOCKS_PROXY)" "$OUT"
	grep -q "socksify: preloading .*; proxy socks5h://127.0.0.1:$MSA_PORT (ALL_PROXY)" "$OUT"
	refute_secret "$OUT"
}

@test "a wrong password and a proxy that is down show no password at any level" {
	local var
	OUT=$BATS_TEST_TMPDIR/out
	: >"$OUT"
	for var in SOCKS_PROXY ALL_PROXY; do
		every_level "$var" "socks5h://alice:${PASSWORD_URL}-wrong@127.0.0.1:$MSA_PORT"
		every_level "$var" "socks5h://alice:$PASSWORD_URL@127.0.0.1:$DOWN_PORT"
	done
	[ "$(grep -c '^## status 0$' "$OUT")" -eq 0 ]
	grep -q "proxy rejected the user name or password" "$OUT"
	grep -q "cannot connect to the proxy" "$OUT"
	refute_secret "$OUT"
}

@test "malformed proxy URLs holding the password never show it, whatever is wrong with them" {
	local var url
	local -a urls=(
		"socks5h://alice:$PASSWORD_URL@127.0.0.1:notaport"
		"socks5h://alice:$PASSWORD_URL@127.0.0.1:99999"
		"socks5h://alice:$PASSWORD_URL@127.0.0.1:"
		"socks5h://alice:$PASSWORD_URL@[::1"
		"socks5h://alice:$PASSWORD_URL@[zz::1]:1080"
		"socks5h://alice:$PASSWORD_URL@bad host:1080"
		"socks5h://alice:$PASSWORD_URL@127.0.0.1:1080/path"
		"socks5h://alice:$PASSWORD_URL@"
		"socks5h://alice:$PASSWORD@127.0.0.1:1080"
		"socks5h://alice:Zq7wX%zzs3cr3t@127.0.0.1:1080"
		"socks5h://alice:Zq7wX%00s3cr3t@127.0.0.1:1080"
		"socks5h://alice:Zq7wX s3cr3t@127.0.0.1:1080"
		"socks5h://alice:Zq7wX/s3cr3t@127.0.0.1:1080"
		"socks5h://alice:Zq7wX$(printf 's3cr3t%.0s' $(seq 1 60))@127.0.0.1:1080"
		"socks4a://alice:$PASSWORD_URL@127.0.0.1:$MSA_PORT"
		"socks9://alice:$PASSWORD_URL@127.0.0.1:1080"
		"socks5h:alice:$PASSWORD_URL@127.0.0.1:1080"
		"socks5h://alice:Zq7wX-s3cr3t"
		"socks5h://alice:Zq7wX-s3cr3t:1080"
	)
	OUT=$BATS_TEST_TMPDIR/out
	: >"$OUT"
	for url in "${urls[@]}"; do
		every_level SOCKS_PROXY "$url"
		case $url in
		socks*://*) every_level ALL_PROXY "$url" ;;
		esac
	done
	# None connected; each said what is wrong (the default level, warn,
	# and above show the configuration error).
	[ "$(grep -c '^## status 0$' "$OUT")" -eq 0 ]
	grep -q "SOCKS_PROXY: port is not a decimal number" "$OUT"
	grep -q "SOCKS_PROXY: bad percent escape in the password" "$OUT"
	grep -q "ALL_PROXY: SOCKS4 has no password" "$OUT"
	refute_secret "$OUT"
}

@test "a child sees only the variables the user set, LD_PRELOAD, what -p, -q and -v stand for, and the session id" {
	[ -z "${SOCKSIFY_TEST_PRELOAD:-}" ] || skip "a sanitizer build adds its own variables"
	local url="socks5h://alice:$PASSWORD_URL@127.0.0.1:$MSA_PORT"
	# What the launcher preloads: $LIB is the dynamic linker's to expand.
	local lib="$REPO/build/\$LIB/socksify/libsocksify.so"
	# The environments below are given a PWD, as a user's shell gives it.
	cd "$BATS_TEST_TMPDIR"
	# The program itself, in a clean environment.
	run -0 --separate-stderr env -i PWD="$PWD" PATH="$PATH" HOME=/nonexistent USER_VAR=kept SOCKS_PROXY="$url" \
		"$SOCKSIFY" "$PY" -c 'import os; print(os.getpid()); print(open("/proc/self/environ").read().replace("\0", "\n"), end="")'
	# The session the launcher started: a random id and the program's pid.
	assert_line --regexp "^SOCKSIFY_SESSION=[0-9a-f]{32}-${lines[0]}\$"
	assert_equal "$(printf '%s\n' "${lines[@]:1}" | grep -v '^SOCKSIFY_SESSION=' | sort)" "$(printf '%s\n' \
		"HOME=/nonexistent" "LD_PRELOAD=$lib" "PATH=$PATH" "PWD=$PWD" "SOCKS_PROXY=$url" \
		"USER_VAR=kept" | sort)"
	# A grandchild, started by the program with the environment it got
	# (a UTF-8 locale, or python3 would add LC_CTYPE for its children),
	# and the session id of the fake-address map.
	run -0 --separate-stderr env -i PWD="$PWD" PATH="$PATH" HOME=/nonexistent USER_VAR=kept LANG=C.UTF-8 \
		SOCKS_PROXY="$url" \
		"$SOCKSIFY" "$PY" -c 'import subprocess
subprocess.run(["sh", "-c", "tr \"\\0\" \"\\n\" </proc/$$/environ"])'
	assert_line --regexp '^SOCKSIFY_SESSION=[0-9a-f]{32}-[0-9]+$'
	assert_equal "$(printf '%s\n' "$output" | grep -v '^SOCKSIFY_SESSION=' | sort)" "$(printf '%s\n' \
		"HOME=/nonexistent" "LANG=C.UTF-8" "LD_PRELOAD=$lib" "PATH=$PATH" "PWD=$PWD" \
		"SOCKS_PROXY=$url" "USER_VAR=kept" | sort)"
	# -p sets SOCKS_PROXY and -v SOCKSIFY_LOG: what the user asked for.
	run -0 --separate-stderr env -i PWD="$PWD" PATH="$PATH" USER_VAR=kept \
		"$SOCKSIFY" -v -p "$url" "$PY" -c 'print(open("/proc/self/environ").read().replace("\0", "\n"), end="")'
	assert_equal "$(printf '%s\n' "$output" | grep -v '^SOCKSIFY_SESSION=' | sort)" "$(printf '%s\n' \
		"LD_PRELOAD=$lib" "PATH=$PATH" "PWD=$PWD" "SOCKSIFY_LOG=debug" "SOCKS_PROXY=$url" \
		"USER_VAR=kept" | sort)"
	printf '%s\n' "$stderr" >"$BATS_TEST_TMPDIR/stderr"
	refute_secret "$BATS_TEST_TMPDIR/stderr"
	run -0 --separate-stderr env -i PWD="$PWD" PATH="$PATH" USER_VAR=kept \
		"$SOCKSIFY" -q "$PY" -c 'print(open("/proc/self/environ").read().replace("\0", "\n"), end="")'
	assert_equal "$(printf '%s\n' "$output" | grep -v '^SOCKSIFY_SESSION=' | sort)" "$(printf '%s\n' \
		"LD_PRELOAD=$lib" "PATH=$PATH" "PWD=$PWD" "SOCKSIFY_LOG=error" "USER_VAR=kept" | sort)"
}

@test "the library sets no environment variable but its session id, and keeps the password only in the configuration" {
	# One place in the library's code changes the environment: the
	# session's id (no secret), put there by the first process of a
	# session so that the programs it execs share its fake-address map
	# (preload/fakeshm.c, into environ without an allocation, or with
	# setenv() for a long environment).  Nothing else: no putenv(), no
	# unsetenv(), and what is written is FAKESHM_ENV alone.
	run grep -lE '\b(setenv|putenv|unsetenv|clearenv)\b|\benviron\b' \
		"$REPO"/preload/*.c "$REPO"/core/*.c
	assert_output "$REPO/preload/fakeshm.c"
	run grep -nE '^[^*]*\b(setenv|putenv|unsetenv|clearenv)\(' "$REPO"/preload/fakeshm.c
	assert_output --regexp '^[0-9]+:		return setenv\(FAKESHM_ENV, value, 1\) == 0 \? 0 : -ENOMEM;$'
	run grep -nE '^[^*]*\benviron(\[n\])? = ' "$REPO"/preload/fakeshm.c
	assert_equal "${#lines[@]}" 2
	assert_output --partial "environ[n] = fakeshm_env_entry;"
	assert_output --partial "environ = fakeshm_env_array;"
	# The password field is read by the URL parser (which fills it, and
	# wipes it when the configuration is freed), SOCKS5's authentication
	# step (which encodes it, RFC 1929), HTTP CONNECT's request (Basic
	# authentication, RFC 7617, which also keeps it out of a logged reason
	# phrase) and nothing else.
	run grep -lE '(\.|->)pass\b' "$REPO"/preload/*.c "$REPO"/core/*.c
	assert_output "$REPO/core/httpconnect.c
$REPO/core/proxyurl.c
$REPO/core/socks5_steps.c"
}

@test "after authenticated connections the process holds the decoded password once: in the configuration" {
	local url="socks5h://alice:$PASSWORD_URL@127.0.0.1:$MSA_PORT" pid i
	# A blocking and a non-blocking connection, then a pause (teardown ends it).
	start_bg target env SOCKSIFY_LOOPBACK=proxy SOCKS_PROXY="$url" "$SOCKSIFY" "$PY" -c '
import os, socket, sys, time
for timeout in (None, 5):
    s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=timeout)
    s.sendall(b"hello\n")
    s.recv(100)
    s.close()
print("PID", os.getpid(), flush=True)
time.sleep(60)' "$ECHO_PORT"
	for i in $(seq 1 100); do
		pid=$(sed -n 's/^PID //p' "$BG_OUT")
		[ -n "$pid" ] && break
		sleep 0.05
	done
	[ -n "$pid" ] || {
		show_logs target
		return 1
	}
	run -0 "$PY" - "$pid" "$PASSWORD" <<'EOF'
import re, sys
# The password's tail: what a shorter message written over a copy leaves.
pid, secret = sys.argv[1], sys.argv[2].encode()[-11:]
count = 0
with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", 0) as mem:
    for line in maps:
        fields = line.split()
        lo, hi = (int(x, 16) for x in fields[0].split("-"))
        if "r" not in fields[1] or (len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]")):
            continue
        try:
            mem.seek(lo)
            data = mem.read(hi - lo)
        except OSError:
            continue
        count += data.count(secret)
print("COPIES", count)
EOF
	assert_output "COPIES 1"
}

# scan_cmdlines FILE: set SCAN_CMD to a command for socksify that writes
# the command line of every process on the machine to FILE, one a line (its
# own marked by its name), then connects through the proxy to the echo
# server.
scan_cmdlines() {
	SCAN_CMD=(sh -c 'for f in /proc/[0-9]*/cmdline; do
	{ tr "\0" " " <"$f"; } 2>/dev/null
	echo
done >"$1"
exec "$2" connect 127.0.0.1 "$3"' socksify-cmdline-scan "$1" \
		"$REPO/build/tests/helpers/gethost" "$ECHO_PORT")
}

@test "with --proxy-file the password reaches the proxy and is in no process's command line" {
	local f=$BATS_TEST_TMPDIR/proxy scan=$BATS_TEST_TMPDIR/scan
	scan_cmdlines "$scan"
	printf 'socks5h://alice:%s@127.0.0.1:%s\n' "$PASSWORD_URL" "$MSA_PORT" >"$f"
	chmod 600 "$f"
	OUT=$BATS_TEST_TMPDIR/out
	: >"$OUT"
	run --separate-stderr socksified SOCKSIFY_LOOPBACK=proxy --proxy-file "$f" "${SCAN_CMD[@]}"
	assert_success
	assert_output --partial "LINE PEER 127.0.0.3 "
	printf '%s\n' "$stderr" >"$OUT"
	refute_secret "$OUT"
	# The scan saw the processes, its own included, and no password.
	grep -q ' socksify-cmdline-scan ' "$scan"
	[ "$(wc -l <"$scan")" -gt 3 ]
	refute_secret "$scan"
	# The same URL given with -p: the scan finds it in the command line of
	# the process that started socksify (here timeout), and socksify warned.
	run --separate-stderr socksified SOCKSIFY_LOOPBACK=proxy \
		-p "socks5h://alice:$PASSWORD_URL@127.0.0.1:$MSA_PORT" "${SCAN_CMD[@]}"
	assert_success
	assert_regex "$stderr" "^socksify: warning: the password in the -p URL can be read by every user"
	run refute_secret "$scan"
	assert_failure
}

@test "with SOCKS_PROXY in the environment the password is in no process's command line" {
	local scan=$BATS_TEST_TMPDIR/scan
	scan_cmdlines "$scan"
	# Set here, not on the command line of env (as socksified would).
	export SOCKS_PROXY="socks5h://alice:$PASSWORD_URL@127.0.0.1:$MSA_PORT"
	run --separate-stderr socksified SOCKSIFY_LOOPBACK=proxy "${SCAN_CMD[@]}"
	assert_success
	assert_output --partial "LINE PEER 127.0.0.3 "
	assert_equal "$stderr" ""
	grep -q ' socksify-cmdline-scan ' "$scan"
	refute_secret "$scan"
}

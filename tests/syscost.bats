#!/usr/bin/env bats
# What a proxied connect costs in system calls, and the knowledge that
# keeps it low without changing what a program sees.  A blocking connect()
# waits for the proxy in poll(); it blocks signals and opens a signalfd
# only when the process has a handler without SA_RESTART, the one case in
# which a signal must end the wait with EINTR (hook_signal.c).
# tests/helpers/sigways installs its SIGALRM handler each way a program can
# (sigaction, signal, sysv_signal, sigset, siginterrupt, syscall() and the
# system call instruction itself) and connects under a stream of signals
# through tests/helpers/slowsocks.py, which answers after half a second.

load lib/common

SIGW="$REPO/build/tests/helpers/sigways"

setup_file() {
	require_library
	[ -x "$SIGW" ] || {
		echo "# $SIGW is missing: run make" >&2
		return 1
	}
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT
	start_reporting slow "$PY" "$HELPERS/slowsocks.py" --log "$(bg_dir)/slow.log" \
		--reply-delay 0.5 127.0.0.1 0
	export SLOW_URL="socks5://127.0.0.1:$PORT" SLOW_PORT=$PORT
}

# sigw WAY: sigways through the slow proxy to the echo server.
sigw() {
	run --separate-stderr through "$SLOW_URL" "$SIGW" "$1" 127.0.0.1 "$ECHO_PORT"
}

# restarted WAY: the handler ran during the connect, which never said EINTR.
restarted() {
	sigw "$1"
	assert_success
	assert_line "RESULT ok"
	[ "$(line_value SIGNALS)" -ge 5 ] || {
		echo "# $1: only $(line_value SIGNALS) signals during the connect" >&2
		return 1
	}
	assert_line "EINTR 0"
}

# interrupted WAY: connect() said EINTR, and connect() again finished.
interrupted() {
	sigw "$1"
	assert_success
	assert_line "RESULT ok"
	[ "$(line_value EINTR)" -ge 3 ] || {
		echo "# $1: connect() said EINTR $(line_value EINTR) times" >&2
		return 1
	}
}

@test "a blocking connect through a slow proxy blocks no signal and opens no signalfd" {
	command -v strace >/dev/null || skip "strace is not installed"
	run --separate-stderr timeout -k 2 "$CLIENT_TIMEOUT" env SOCKSIFY_LIB="$LIB" "$HELPERS/syscount.sh" \
		"$SLOW_URL" 127.0.0.1 "$ECHO_PORT"
	assert_success
	printf '# %s\n' "${lines[@]}" >&3
	local calls
	calls=$(line_value PROXIED-CALLS)
	# It waited for the proxy: the reply came half a second later.
	[[ " $calls " == *" poll:"* ]] || {
		echo "# no wait in: $calls" >&2
		return 1
	}
	[[ " $calls " != *" signalfd"* && " $calls " != *" rt_sigprocmask:"* ]] || {
		echo "# signal calls in: $calls" >&2
		return 1
	}
}

@test "a blocking connect through the proxy asks nothing of the socket's type, and its identity once" {
	command -v strace >/dev/null || skip "strace is not installed"
	run --separate-stderr timeout -k 2 "$CLIENT_TIMEOUT" env SOCKSIFY_LIB="$LIB" "$HELPERS/syscount.sh" \
		"$SLOW_URL" 127.0.0.1 "$ECHO_PORT"
	assert_success
	local calls
	calls=$(line_value PROXIED-CALLS)
	printf '# %s\n' "$calls" >&3
	[[ " $calls " != *" getsockopt:"* ]] || {
		echo "# getsockopt in: $calls" >&2
		return 1
	}
	# A stat of the pipelining state file's directory is no identity probe.
	[ "$(line_value PROXIED-IDENTITY)" = 1 ] || {
		echo "# not one identity probe in: $calls" >&2
		return 1
	}
}

@test "a non-blocking connect driven by poll() asks the socket's identity once per readiness step" {
	command -v strace >/dev/null || skip "strace is not installed"
	run --separate-stderr timeout -k 2 "$CLIENT_TIMEOUT" env SOCKSIFY_LIB="$LIB" "$HELPERS/syscount.sh" \
		-m poll "$SLOW_URL" 127.0.0.1 "$ECHO_PORT"
	assert_success
	local calls n
	calls=$(line_value PROXIED-CALLS)
	printf '# %s\n' "$calls" >&3
	# The program's own SO_ERROR is the one getsockopt.
	[[ " $calls " == *" getsockopt:1 "* ]] || {
		echo "# getsockopt other than the program's in: $calls" >&2
		return 1
	}
	# Recording the pending exchange, then one for each of the two
	# answers the program's poll() waits through.
	n=$(line_value PROXIED-IDENTITY)
	[ -n "$n" ] && [ "$n" -le 3 ] || {
		echo "# $n identity probes in: $calls" >&2
		return 1
	}
}

@test "handlers installed with SA_RESTART (sigaction, signal) leave the connect waiting" {
	restarted sigaction-r
	restarted signal
}

@test "with SIGALRM ignored signals change nothing" {
	sigw none
	assert_success
	assert_line "EINTR 0"
	assert_line "RESULT ok"
}

@test "handlers without SA_RESTART end it with EINTR: sigaction, sysv_signal, sigset" {
	interrupted sigaction
	interrupted sysv
	interrupted sigset
}

@test "SA_RESTART taken off by siginterrupt() ends it with EINTR" {
	interrupted interrupt
}

@test "SA_RESTART taken off through syscall(SYS_rt_sigaction) ends it with EINTR" {
	interrupted raw
}

@test "a handler without SA_RESTART installed where no hook sees it ends it with EINTR" {
	interrupted unseen
}

@test "a handler without SA_RESTART still costs no signal call until the wait" {
	command -v strace >/dev/null || skip "strace is not installed"
	# The same program, traced: the signalfd wait is used then, and only then.
	run --separate-stderr timeout -k 2 "$CLIENT_TIMEOUT" env -u LD_PRELOAD \
		strace -f -qq -o "$BATS_TEST_TMPDIR/trace" -E LD_PRELOAD="$LIB" \
		-E SOCKS_PROXY="$SLOW_URL" -E SOCKSIFY_LOOPBACK=proxy -E SOCKSIFY_LOG=error \
		"$SIGW" sigaction 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_line "RESULT ok"
	grep -q 'signalfd' "$BATS_TEST_TMPDIR/trace" || {
		echo "# no signalfd although a handler lacks SA_RESTART" >&2
		return 1
	}
}

# region_calls PROGRAM ARGS...: run PROGRAM with the library under strace
# and print, for each region between its marks, the calls it made, one
# region per line.
region_calls() {
	local trace=$BATS_TEST_TMPDIR/trace
	timeout -k 2 "$CLIENT_TIMEOUT" env -u LD_PRELOAD strace -f -qq -o "$trace" \
		-E LD_PRELOAD="$LIB" -E SOCKS_PROXY="socks5h://127.0.0.1:9" -E SOCKSIFY_LOG=error \
		"$@" >"$BATS_TEST_TMPDIR/out" || return 1
	grep -qx 'RESULT ok' "$BATS_TEST_TMPDIR/out" || return 1
	awk '
		/write\(-1, "SX-MARK-BEGIN"/ { on = 1; line = ""; next }
		/write\(-1, "SX-MARK-END"/ { on = 0; print line; next }
		on {
			sub(/^[0-9]+ +/, "")
			sub(/\(.*/, "")
			line = line (line == "" ? "" : " ") $0
		}
	' "$trace"
}

@test "connect, send, recv and close(dup()) on a loopback UDP socket ask the kernel nothing more" {
	command -v strace >/dev/null || skip "strace is not installed"
	run region_calls "$REPO/build/tests/helpers/kindcalls" udp
	assert_success
	printf '# %s\n' "${lines[@]}" >&3
	# The resolver's file is read once per process, at its first decision,
	# and the signal handlers no hook saw once, at the first receive that
	# may end in the real call (hook_recv.c).
	assert_output --regexp '^(openat read read close (futex )?)?connect sendto (openat read close )?recvfrom dup close$'
}

@test "calls on a UNIX socketpair ask the kernel nothing more" {
	command -v strace >/dev/null || skip "strace is not installed"
	run region_calls "$REPO/build/tests/helpers/kindcalls" unix
	assert_success
	printf '# %s\n' "${lines[@]}" >&3
	# The signal handlers no hook saw are read back once, at the first receive.
	assert_output --regexp '^sendto (openat read close )?recvfrom write read dup close$'
}

@test "an inherited socket is asked about once, then known" {
	command -v strace >/dev/null || skip "strace is not installed"
	run region_calls "$REPO/build/tests/helpers/kindcalls" inherit
	assert_success
	printf '# %s\n' "${lines[@]}" >&3
	assert_line --index 0 --regexp '^getsockopt getsockopt getsockopt .*connect$'
	assert_line --index 1 "connect"
}

# brk_calls VAR=VALUE...: how many brk() calls /bin/true makes with the
# variables given (LD_PRELOAD among them or not), without SOCKSIFY_SESSION.
brk_calls() {
	timeout -k 2 "$CLIENT_TIMEOUT" env -u LD_PRELOAD -u SOCKSIFY_SESSION strace -qq \
		-o "$BATS_TEST_TMPDIR/start" -E LD_PRELOAD= "${@/#/-E}" /bin/true || return 1
	grep -c '^brk(' "$BATS_TEST_TMPDIR/start"
}

@test "a bare LD_PRELOAD start allocates nothing to put the session into the environment" {
	command -v strace >/dev/null || skip "strace is not installed"
	[ -z "${SOCKSIFY_TEST_PRELOAD:-}" ] || skip "a sanitizer's runtime allocates at start"
	local plain preloaded
	plain=$(brk_calls X=1)
	preloaded=$(brk_calls LD_PRELOAD="$LIB")
	printf '# brk calls: %s plain, %s with the library\n' "$plain" "$preloaded" >&3
	[ -n "$plain" ] && [ "$preloaded" = "$plain" ]
}

# preload: LD_PRELOAD for the library under test, after a sanitizer's
# runtime when there is one (SOCKSIFY_TEST_PRELOAD).
preload() {
	case ${SOCKSIFY_TEST_PRELOAD:-} in
	'') printf '%s' "$LIB" ;;
	*libsocksify.so*) printf '%s' "$SOCKSIFY_TEST_PRELOAD" ;;
	*) printf '%s:%s' "$SOCKSIFY_TEST_PRELOAD" "$LIB" ;;
	esac
}

@test "the session put into the environment at start reaches children, once, and setenv still works" {
	run --separate-stderr env -u SOCKSIFY_SESSION LD_PRELOAD="$(preload)" sh -c \
		'printf "SESSION %s\n" "$SOCKSIFY_SESSION"; export SX_EXTRA=1; env | grep -c "^SOCKSIFY_SESSION="; env | grep "^SX_EXTRA="; env | grep "^SOCKSIFY_SESSION=" | cut -d= -f2'
	assert_success
	assert_line --index 0 --regexp '^SESSION [0-9a-f]{32}-[0-9]+$'
	assert_line --index 1 "1"
	assert_line --index 2 "SX_EXTRA=1"
	assert_equal "SESSION ${lines[3]}" "${lines[0]}"
}

@test "a bad session in the environment is replaced in place, not added twice" {
	run --separate-stderr env SOCKSIFY_SESSION=nonsense LD_PRELOAD="$(preload)" sh -c \
		'env | grep "^SOCKSIFY_SESSION="'
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 --regexp '^SOCKSIFY_SESSION=[0-9a-f]{32}-[0-9]+$'
}

#!/usr/bin/env bats
# The state of a proxied socket belongs to the open socket, not to its
# number: copies made while the SOCKS exchange is under way behave as the
# original, a number closed where the library cannot see it (fclose of an
# fdopen()ed socket) never hands its state to the next socket, and a socket
# whose proxied connect failed behaves as after a failed TCP connect.  A
# program reaching these calls through the C library's second names
# (__connect, __read...) gets the same hooks.
#
# tests/helpers/slowsocks.py is the proxy (its reply comes after a delay, or
# is a refusal) and binds its outgoing connections to 127.0.0.6, so the
# echo server's "PEER 127.0.0.6 ..." line proves the proxy carried the
# connection; tests/helpers/fdstate is the program.

load lib/common

FDSTATE="$REPO/build/tests/helpers/fdstate"

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
	[ -x "$FDSTATE" ] || {
		echo "# $FDSTATE is missing: run make" >&2
		return 1
	}
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT
	start_dest direct 127.0.0.2
	export DIRECT_PORT=$PORT DIRECT_LOG=$LOG
	start_slowsocks slow --reply-delay 0.5
	export SLOW_URL="socks5://127.0.0.1:$PORT" SLOW_LOG=$LOG
	start_slowsocks fast
	export FAST_URL="socks5://127.0.0.1:$PORT" FAST_LOG=$LOG
	start_slowsocks refusing --reply-delay 0.2 --rep 5
	export REFUSING_URL="socks5://127.0.0.1:$PORT" REFUSING_LOG=$LOG
}

# fdstate URL ARGS...: the program through the proxy at URL, with
# 127.0.0.2 (the second echo server) reached directly.
fdstate() {
	local url=$1
	shift
	run --separate-stderr through "$url" env NO_PROXY=127.0.0.2 "$FDSTATE" "$@"
	echo "# $output" | sed '2,$s/^/# /' >&2
	echo "# stderr: $stderr" >&2
	assert_success
}

dup_pending() {
	fdstate "$SLOW_URL" dup-pending 127.0.0.1 "$ECHO_PORT" "$1"
	assert_line "EARLY none"
	assert_line "WRITE-EARLY EAGAIN"
	assert_line "SO_ERROR ok"
	assert_line "PEER 127.0.0.1 $ECHO_PORT"
	assert_line --regexp '^DEST PEER 127\.0\.0\.6 '
	assert_line "ECHO hello"
}

@test "a dup() of a socket still negotiating waits for the proxy, names the destination and carries the data" {
	dup_pending dup
}

@test "a dup2() copy of a socket still negotiating behaves as the original" {
	dup_pending dup2
}

@test "a dup3() copy of a socket still negotiating behaves as the original" {
	dup_pending dup3
}

@test "an fcntl(F_DUPFD) copy of a socket still negotiating behaves as the original" {
	dup_pending fcntl
}

@test "an fcntl(F_DUPFD_CLOEXEC) copy of a socket still negotiating behaves as the original" {
	dup_pending fcntl-cloexec
}

@test "a copy made through syscall(SYS_dup) behaves as the original, and syscall(SYS_getpeername) names the destination" {
	dup_pending syscall-dup
}

@test "a socket closed by fclose(fdopen()) leaves nothing to the next socket with its number" {
	fdstate "$FAST_URL" stale-tcp 127.0.0.1 "$ECHO_PORT"
	assert_line "SAME-NUMBER yes"
	assert_line "CONNECT2 ok"
	assert_line --regexp '^DEST PEER 127\.0\.0\.6 '
	assert_line "ECHO hello"
}

@test "a UDP socket closed by fclose(fdopen()) leaves no destination to the TCP socket that gets its number" {
	fdstate "$FAST_URL" stale-udp 127.0.0.1 "$ECHO_PORT"
	assert_line "UDP-CONNECT ok"
	assert_line "SAME-NUMBER yes"
	assert_line "CONNECT2 ok"
	assert_line --regexp '^DEST PEER 127\.0\.0\.6 '
	assert_line "ECHO hello"
}

@test "connect(AF_UNSPEC) dissolves a proxied connection as the kernel's disconnect does, and the socket connects again" {
	fdstate "$FAST_URL" unspec 127.0.0.1 "$ECHO_PORT"
	assert_line "CONNECT ok"
	assert_line "DISCONNECT ok"
	assert_line "CONNECT2 ok"
	assert_line --regexp '^DEST PEER 127\.0\.0\.6 '
	assert_line "ECHO hello"
}

@test "after a refused blocking connect nothing reaches the proxy and connect() works again" {
	fdstate "$REFUSING_URL" fail-block 127.0.0.1 "$ECHO_PORT" 127.0.0.2 "$DIRECT_PORT"
	assert_line "CONNECT ECONNREFUSED"
	assert_line "WRITE EPIPE"
	refute_line --regexp '^READ [1-9][0-9]* bytes'
	assert_line "CONNECT2 ok"
	assert_line "ECHO hello"
	assert_line --regexp '^DEST PEER 127\.0\.0\.1 '
}

@test "after a refused non-blocking connect the socket fails writes and connects again as the kernel's would" {
	fdstate "$REFUSING_URL" fail-nb 127.0.0.1 "$ECHO_PORT" 127.0.0.2 "$DIRECT_PORT"
	assert_line "CONNECT EINPROGRESS"
	assert_line "SO_ERROR ECONNREFUSED"
	refute_line "WRITE ok"
	refute_line --regexp '^READ [1-9][0-9]* bytes'
	assert_line "CONNECT2 ECONNABORTED"
	assert_line "CONNECT3 ok"
	assert_line "ECHO hello"
}

@test "a program calling the C library's second names (__connect, __poll, __send, __read...) goes through the proxy" {
	run --separate-stderr through "$SLOW_URL" "$REPO/build/tests/helpers/libcnames" \
		127.0.0.1 "$ECHO_PORT"
	echo "# $output" | sed '2,$s/^/# /' >&2
	assert_success
	assert_line "SO_ERROR 0"
	assert_line --regexp '^DEST PEER 127\.0\.0\.6 '
	assert_line "ECHO hello"
}

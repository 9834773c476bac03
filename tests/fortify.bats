#!/usr/bin/env bats
# Programs built with _FORTIFY_SOURCE (as Debian builds nearly all of its
# packages) read and wait through __read_chk, __recv_chk, __recvfrom_chk,
# __poll_chk and __ppoll_chk instead of read, recv, recvfrom, poll and
# ppoll.  Through the library they must behave as the plain calls do: a
# relayed datagram arrives without its SOCKS header and from its real
# sender, a socket still negotiating with the proxy reads EAGAIN and never
# the proxy's bytes, and poll/ppoll show it writable only once the proxy
# has answered.
#
# The client is tests/helpers/fortified, built -O2 with _FORTIFY_SOURCE=2;
# each test first checks that it really imports the checked function it
# is about.  Servers, all on loopback: danted and ss-local relaying UDP to
# a UDP echo server, and tests/helpers/slowsocks.py answering a CONNECT
# after half a second (its outgoing connections come from 127.0.0.6) in
# front of dest.py, which sends "PEER <ip> <port>" and then echoes.

load lib/common
load lib/udp

FORTIFIED="$REPO/build/tests/helpers/fortified"
# How long the slow proxy waits before its reply, in seconds.
REPLY_DELAY=0.5

setup_file() {
	require_library
	[ -x "$FORTIFIED" ] || {
		echo "# $FORTIFIED is missing: run make" >&2
		return 1
	}
	start_danted_udp dante
	export DANTE_PORT=$PORT
	start_shadowsocks ss
	export SS_PORT=$PORT
	start_udpecho echo 127.0.0.1
	export UDPECHO_PORT=$PORT
	start_dest dest 127.0.0.1
	export DEST_PORT=$PORT
	LOG="$(bg_dir)/slow.log"
	start_reporting slow "$PY" "$HELPERS/slowsocks.py" --log "$LOG" \
		--reply-delay "$REPLY_DELAY" 127.0.0.1 0
	export SLOW_URL="socks5://127.0.0.1:$PORT"
}

# assert_imports BINARY SYMBOL...: BINARY calls each SYMBOL from the C
# library (so the test exercises the checked function, not the plain one).
assert_imports() {
	local bin=$1 sym imported
	shift
	imported=$(nm -D --undefined-only "$bin" | awk '{print $2}' | sed 's/@.*//')
	for sym in "$@"; do
		printf '%s\n' "$imported" | grep -qxF "$sym" || {
			echo "# $bin does not import $sym; it imports:" >&2
			printf '%s\n' "$imported" | sed 's/^/#   /' >&2
			return 1
		}
	done
}

# fortified URL ARGS...: the fortified client through socksify.
fortified() {
	local url=$1
	shift
	through "$url" "$FORTIFIED" "$@"
}

# assert_tcp_clean: the TCP client never read a byte of the
# proxy's (a SOCKS5 reply starts with \x05) and got the destination's line
# through the proxy, then its own echo.
assert_tcp_clean() {
	refute_output --partial '\x05'
	assert_line --regexp '^RECEIVED PEER 127\.0\.0\.6 [0-9]+$'
	assert_line "ECHO hello"
}

@test "a fortified recvfrom (__recvfrom_chk) through danted gets the echo's payload from the echo's address" {
	assert_imports "$FORTIFIED" __recvfrom_chk
	run fortified "socks5://127.0.0.1:$DANTE_PORT" udp-recvfrom 127.0.0.1 "$UDPECHO_PORT"
	assert_success
	assert_line "FROM 127.0.0.1 $UDPECHO_PORT"
	assert_line "DATA fortified udp-recvfrom"
}

@test "a fortified recvfrom (__recvfrom_chk) through ss-local gets the echo's payload from the echo's address" {
	assert_imports "$FORTIFIED" __recvfrom_chk
	run fortified "socks5://127.0.0.1:$SS_PORT" udp-recvfrom 127.0.0.1 "$UDPECHO_PORT"
	assert_success
	assert_line "FROM 127.0.0.1 $UDPECHO_PORT"
	assert_line "DATA fortified udp-recvfrom"
}

@test "a fortified recv (__recv_chk) on a connected UDP socket through danted gets the payload without the SOCKS header" {
	assert_imports "$FORTIFIED" __recv_chk
	run fortified "socks5://127.0.0.1:$DANTE_PORT" udp-recv 127.0.0.1 "$UDPECHO_PORT"
	assert_success
	assert_output "DATA fortified udp-recv"
}

@test "a fortified read (__read_chk) on a connected UDP socket through ss-local gets the payload without the SOCKS header" {
	assert_imports "$FORTIFIED" __read_chk
	run fortified "socks5://127.0.0.1:$SS_PORT" udp-read 127.0.0.1 "$UDPECHO_PORT"
	assert_success
	assert_output "DATA fortified udp-read"
}

# The wait is a plain poll(), which steps the exchange up to the proxy's
# slow reply; the client then sleeps past that reply, which sits unread in
# the socket, and reads with the checked call.
@test "a fortified read (__read_chk) while a non-blocking connect is pending gets EAGAIN, then the destination's bytes, never the proxy's" {
	assert_imports "$FORTIFIED" __read_chk
	run fortified "$SLOW_URL" --wait plain --pause-ms 800 --read read tcp 127.0.0.1 "$DEST_PORT"
	assert_success
	assert_line "CONNECT-RC EINPROGRESS"
	assert_line "PENDING-READ EAGAIN"
	assert_line "QUIET yes"
	assert_tcp_clean
}

@test "a fortified recv (__recv_chk) while a non-blocking connect is pending never gets the proxy's reply" {
	assert_imports "$FORTIFIED" __recv_chk
	run fortified "$SLOW_URL" --wait plain --pause-ms 800 --read recv tcp 127.0.0.1 "$DEST_PORT"
	assert_success
	assert_line "PENDING-READ EAGAIN"
	assert_tcp_clean
}

@test "a fortified recvfrom (__recvfrom_chk) while a non-blocking connect is pending never gets the proxy's reply" {
	assert_imports "$FORTIFIED" __recvfrom_chk
	run fortified "$SLOW_URL" --wait plain --pause-ms 800 --read recvfrom tcp 127.0.0.1 "$DEST_PORT"
	assert_success
	assert_line "PENDING-READ EAGAIN"
	assert_tcp_clean
}

@test "a fortified poll (__poll_chk) drives a non-blocking connect and shows it writable only once the proxy answered" {
	assert_imports "$FORTIFIED" __poll_chk
	run fortified "$SLOW_URL" --wait poll tcp 127.0.0.1 "$DEST_PORT"
	assert_success
	assert_line "CONNECT-RC EINPROGRESS"
	assert_line "QUIET yes"
	assert_line "WRITABLE yes"
	assert_line "SO_ERROR 0"
	assert_tcp_clean
}

@test "a fortified ppoll (__ppoll_chk) drives a non-blocking connect and shows it writable only once the proxy answered" {
	assert_imports "$FORTIFIED" __ppoll_chk
	run fortified "$SLOW_URL" --wait ppoll tcp 127.0.0.1 "$DEST_PORT"
	assert_success
	assert_line "CONNECT-RC EINPROGRESS"
	assert_line "QUIET yes"
	assert_line "WRITABLE yes"
	assert_line "SO_ERROR 0"
	assert_tcp_clean
}

@test "the checked calls still stop a program whose buffer is smaller than its length, as the C library does" {
	assert_imports "$FORTIFIED" __read_chk __poll_chk
	local mode
	for mode in overflow-read overflow-poll; do
		run --separate-stderr through "$SLOW_URL" "$FORTIFIED" "$mode"
		[ "$status" -eq 134 ] || {
			echo "# $mode: status $status, expected 134 (SIGABRT)" >&2
			return 1
		}
		refute_output --partial "NOT STOPPED"
		[[ $stderr == *"buffer overflow detected"* ]] || {
			echo "# $mode: stderr: $stderr" >&2
			return 1
		}
	done
}

# A library preloaded after libsocksify.so runs its constructor before
# libsocksify.so's: the checked calls it makes find the library not yet
# initialised.
@test "checked calls made from a constructor that runs before the library's behave as after it" {
	local d=$BATS_TEST_TMPDIR
	cat >"$d/early.c" <<'EOF'
#undef _FORTIFY_SOURCE
#define _FORTIFY_SOURCE 2
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static volatile size_t cap = 4096;
static volatile nfds_t one = 1;

__attribute__((constructor)) static void
early(void)
{
	struct timeval tv = { 5, 0 };
	struct sockaddr_in sa, from;
	socklen_t fromlen = sizeof(from);
	struct pollfd pfd[1];
	char buf[256], ip[INET_ADDRSTRLEN];
	size_t len = cap < sizeof(buf) ? cap : sizeof(buf);
	ssize_t n;
	int p[2], fd;

	/* The first hooked call is a checked one. */
	if (pipe(p) < 0)
		return;
	pfd[0].fd = p[1];
	pfd[0].events = POLLOUT;
	printf("EARLY-POLL %d\n", poll(pfd, one, 1000));
	if (write(p[1], "x", 1) != 1)
		return;
	printf("EARLY-READ %zd\n", read(p[0], buf, len));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)atoi(getenv("EARLY_ECHO_PORT")));
	inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	sendto(fd, "early", 5, 0, (struct sockaddr *)&sa, sizeof(sa));
	n = recvfrom(fd, buf, len, 0, (struct sockaddr *)&from, &fromlen);
	if (n < 0) {
		printf("EARLY-RECV-ERROR\n");
		return;
	}
	printf("EARLY-FROM %s %u\n", inet_ntop(AF_INET, &from.sin_addr, ip, sizeof(ip)),
	       (unsigned)ntohs(from.sin_port));
	printf("EARLY-DATA %.*s\n", (int)n, buf);
	fflush(stdout);
}
EOF
	cc -O2 -D_GNU_SOURCE -shared -fPIC -o "$d/early.so" "$d/early.c"
	assert_imports "$d/early.so" __poll_chk __read_chk __recvfrom_chk
	run timeout -k 2 "$CLIENT_TIMEOUT" env SOCKSIFY_LOOPBACK=proxy \
		SOCKS_PROXY="socks5://127.0.0.1:$DANTE_PORT" EARLY_ECHO_PORT="$UDPECHO_PORT" \
		LD_PRELOAD="$LIB${SOCKSIFY_TEST_PRELOAD:+:$SOCKSIFY_TEST_PRELOAD}:$d/early.so" /bin/true
	assert_success
	assert_line "EARLY-POLL 1"
	assert_line "EARLY-READ 1"
	assert_line "EARLY-FROM 127.0.0.1 $UDPECHO_PORT"
	assert_line "EARLY-DATA early"
}

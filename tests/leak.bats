#!/usr/bin/env bats
# No leak, ever: in the network namespaces of tests/lib/netns.bash the
# client can reach only the proxy, its resolv.conf names a name server in
# the destination namespace, and tcpdump on its one interface shows every
# packet it sends.  Whatever a program does -- the resolver's packet
# interface (res_query() and friends), getaddrinfo_a(), its own DNS code
# (dig, host), TCP Fast Open, or plain connections -- and whatever goes
# wrong (the proxy down, the proxy refusing, an invalid configuration),
# nothing but the exchange with the proxy may appear there.
#
# Proxies in the proxy namespace: microsocks (SOCKS5, TCP only), danted
# (SOCKS5 with UDP), and badsocks.py answering every request with REP 02
# ("connection not allowed by ruleset").  In the destination namespace:
# dest.py (HTTP on 80, echo on 7), an sshd on 22 and a DNS responder on the
# name server's address.

load lib/common
load lib/netns

MICROSOCKS_PORT=1080
DANTED_PORT=1081
REFUSING_PORT=1083
DOWN_PORT=1099
BAD_URL='socks5h://user:pw@bad host:1080'

setup_file() {
	require_library
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	[ -x "$REPO/build/tests/helpers/resquery" ] || {
		echo "# build/tests/helpers/resquery is missing: run make" >&2
		return 1
	}
	netns_setup
	start_ns_dest web "$NETNS_DEST" "$DEST_IP" 80 --http
	export WEB_LOG=$LOG
	start_ns_dest echo "$NETNS_DEST" "$DEST_IP" 7
	start_ns_sshd dest-sshd "$NETNS_DEST" "$DEST_IP" 22
	export DEST_SSH_KEY=$SSH_KEY
	LOG="$(bg_dir)/dns.log"
	: >"$LOG"
	start_reporting dns ip netns exec "$NETNS_DEST" "$PY" "$HELPERS/udpdns.py" \
		--log "$LOG" "$NAMESERVER_IP" 53
	export DNS_LOG=$LOG
	# Another name server than the system's (whose queries the library
	# answers itself under remote DNS): programs asking it go through UDP.
	LOG="$(bg_dir)/other-dns.log"
	: >"$LOG"
	start_reporting other-dns ip netns exec "$NETNS_DEST" "$PY" "$HELPERS/udpdns.py" \
		--log "$LOG" "$DEST_IP" 53
	export OTHER_DNS_LOG=$LOG
	start_ns_microsocks microsocks "$NETNS_PROXY" "$PROXY_IP" "$MICROSOCKS_PORT"
	start_ns_danted danted "$NETNS_PROXY" "$PROXY_IP" "$DANTED_PORT" "$PROXY_OUT_IP"
	LOG="$(bg_dir)/refusing.log"
	: >"$LOG"
	start_reporting refusing ip netns exec "$NETNS_PROXY" "$PY" "$HELPERS/badsocks.py" \
		--log "$LOG" --rep 2 refuse "$PROXY_IP" "$REFUSING_PORT"
	export REFUSING_LOG=$LOG
	# An audit library (rtld-audit(7)) that makes the dynamic linker answer
	# the library's own lookups of $HIDE_SYMBOL with nothing, as a C
	# library lacking the function would.
	cat >"$BATS_FILE_TMPDIR/hide.c" <<'EOF'
#include <link.h>
#include <stdlib.h>
#include <string.h>

unsigned int
la_version(unsigned int v)
{
	(void)v;
	return LAV_CURRENT;
}

unsigned int
la_objopen(struct link_map *map, Lmid_t lmid, uintptr_t *cookie)
{
	(void)lmid;
	(void)cookie;
	return strstr(map->l_name, "libsocksify") ? LA_FLG_BINDFROM : 0;
}

uintptr_t
la_symbind64(Elf64_Sym *sym, unsigned int ndx, uintptr_t *refcook,
	     uintptr_t *defcook, unsigned int *flags, const char *symname)
{
	const char *hide = getenv("HIDE_SYMBOL");

	(void)ndx;
	(void)refcook;
	(void)defcook;
	(void)flags;
	return hide && strcmp(symname, hide) == 0 ? 0 : sym->st_value;
}
EOF
	cc -D_GNU_SOURCE -shared -fPIC -o "$BATS_FILE_TMPDIR/hide.so" "$BATS_FILE_TMPDIR/hide.c"
	export HIDE_LIB=$BATS_FILE_TMPDIR/hide.so
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
	netns_teardown
}

RESQUERY() {
	"$REPO/build/tests/helpers/resquery" "$@"
}

# assert_only_proxy PORT: nothing on the client's interface but TCP with
# the proxy's PORT and UDP with the proxy's address (a relay), ARP and
# the marker.  Prints the capture on failure.
assert_only_proxy() {
	local port=$1 leaks
	leaks=$(capture_show "not arp and not (host $PROXY_IP and (tcp port $port or (udp and not port $MARKER_PORT))) and not ($(capture_marker_filter))")
	if [ -n "$leaks" ]; then
		echo "# packets to something other than the proxy:" >&2
		printf '%s\n' "$leaks" | sed 's/^/# /' | head -n 40 >&2
		return 1
	fi
}

# no_dns_query: the name server saw nothing, and no packet went to port 53.
no_dns_query() {
	[ -z "$(capture_show "port 53")" ] || {
		echo "# DNS packets on the wire:" >&2
		capture_show "port 53" | sed 's/^/# /' >&2
		return 1
	}
	[ ! -s "$DNS_LOG" ] || {
		echo "# the name server was asked:" >&2
		sed 's/^/# /' "$DNS_LOG" >&2
		return 1
	}
}

# Every program of the mix, run once each against URL with VAR=VALUE
# settings; prints "<program> <exit status>" lines.  Each must fail, since
# the proxy in URL cannot carry anything.
run_mix() {
	local url=$1
	shift
	local -a opts
	mapfile -t opts < <(ssh_options "$DEST_SSH_KEY")
	client_socksified "$url" "$@" curl -q -sS --max-time 10 http://web.test/mix
	echo "curl $?"
	client_socksified "$url" "$@" wget --no-config -q -O - --tries=1 --timeout=10 \
		http://web.test/mix
	echo "wget $?"
	client_socksified "$url" "$@" "$PY" -c '
import socket, sys, urllib.request
try:
    socket.create_connection(("web.test", 80), timeout=10)
    sys.exit(0)
except OSError as e:
    print("PYTHON-SOCKET", type(e).__name__)
try:
    urllib.request.urlopen("http://web.test/mix", timeout=10)
    sys.exit(0)
except OSError as e:
    print("PYTHON-URLLIB", type(e).__name__)
sys.exit(1)'
	echo "python3 $?"
	client_socksified "$url" "$@" ssh "${opts[@]}" root@ssh.test true
	echo "ssh $?"
	# dig and host ask another server than the system's: their queries
	# need the proxy's UDP relay.
	client_socksified "$url" "$@" dig +tries=1 +time=2 +short "@$DEST_IP" web.test A
	echo "dig $?"
	client_socksified "$url" "$@" host -W 2 web.test "$DEST_IP"
	echo "host $?"
}

@test "the capture catches a leak: res_query() without the library sends a DNS query" {
	: >"$DNS_LOG"
	capture_start
	run --separate-stderr in_client "$REPO/build/tests/helpers/resquery" query web.test A
	capture_stop
	assert_success
	# The responder in the destination namespace cannot answer back (the
	# proxy namespace does not forward), so the query times out.
	assert_line --regexp "^RC -1 "
	[ -n "$(capture_show "udp and dst host $NAMESERVER_IP and dst port 53")" ]
	run assert_silent
	assert_failure
}

@test "res_query, res_search, res_querydomain, res_send and their res_n forms answer A and AAAA with fake addresses and send nothing" {
	local mode
	: >"$DNS_LOG"
	capture_start
	for mode in query search nquery send nsend old; do
		run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
			"$REPO/build/tests/helpers/resquery" "$mode" web.test A
		assert_success
		assert_line --regexp '^RC [0-9]+ HERRNO 0 '
		assert_line --regexp '^A 198\.(18|19)\.[0-9]+\.[0-9]+$'
	done
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		"$REPO/build/tests/helpers/resquery" querydomain web test AAAA
	assert_success
	assert_line --regexp '^AAAA fd53:6f63:6b73::[0-9a-f]+$'
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		"$REPO/build/tests/helpers/resquery" roundtrip web.test
	assert_success
	assert_line "PTR web.test"
	capture_stop
	assert_silent
	no_dns_query
}

@test "questions the proxy cannot answer (MX, TXT, SRV, PTR of a real address) fail closed with one log line" {
	: >"$DNS_LOG"
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		"$REPO/build/tests/helpers/resquery" query web.test MX
	assert_success
	assert_line "RC -1 HERRNO 3 ERRNO ECONNREFUSED"
	[ "$(printf '%s\n' "$stderr" | grep -c 'refusing a DNS query')" -eq 1 ]
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		"$REPO/build/tests/helpers/resquery" nquery web.test TXT
	assert_line "STATE-HERRNO 3"
	assert_line "RC -1 HERRNO 3 ERRNO ECONNREFUSED"
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		"$REPO/build/tests/helpers/resquery" send _sip._tcp.web.test SRV
	assert_line --regexp "^RC -1 HERRNO 3 ERRNO ECONNREFUSED$"
	run --separate-stderr client_socksified "socks4a://$PROXY_IP:$MICROSOCKS_PORT" \
		"$REPO/build/tests/helpers/resquery" ptr "$DEST_IP"
	assert_line "RC -1 HERRNO 3 ERRNO ECONNREFUSED"
	capture_stop
	assert_silent
	no_dns_query
}

@test "with local DNS (socks5://) res_query goes to the real resolver, which is seen on the wire" {
	capture_start
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$MICROSOCKS_PORT" \
		"$REPO/build/tests/helpers/resquery" query web.test A
	capture_stop
	assert_success
	[ -n "$(capture_show "udp and dst host $NAMESERVER_IP and dst port 53")" ]
}

@test "getaddrinfo_a answers at once, waiting, by signal and by thread, and sends nothing" {
	local mode
	: >"$DNS_LOG"
	capture_start
	for mode in wait signal thread none; do
		run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
			"$REPO/build/tests/helpers/resquery" gai "$mode" web.test echo.test
		assert_success
		assert_line "GETADDRINFO_A 0"
		assert_line --regexp '^GAI web\.test 0 198\.(18|19)\.[0-9]+\.[0-9]+$'
		assert_line --regexp '^GAI echo\.test 0 198\.(18|19)\.[0-9]+\.[0-9]+$'
		case $mode in
		signal | thread) assert_line "NOTIFIED" ;;
		esac
	done
	capture_stop
	assert_silent
	no_dns_query
}

@test "python3 res_query through ctypes gets a fake address and connects through microsocks by name" {
	: >"$DNS_LOG"
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" "$PY" -c '
import ctypes, socket
libc = ctypes.CDLL(None)
buf = ctypes.create_string_buffer(512)
n = libc.res_query(b"web.test", 1, 1, buf, 512)
assert n > 16, n
addr = socket.inet_ntoa(buf.raw[n - 4:n])
print("ADDRESS", addr)
s = socket.create_connection((addr, 80), timeout=10)
s.sendall(b"GET /ctypes HTTP/1.0\r\nHost: web.test\r\n\r\n")
print(s.makefile("rb").read().split(b"\r\n\r\n", 1)[1].decode().strip())'
	capture_stop
	assert_success
	assert_line --regexp '^ADDRESS 198\.(18|19)\.[0-9]+\.[0-9]+$'
	assert_line "PATH /ctypes"
	assert_line "PEER $PROXY_OUT_IP $(line_value PEER | cut -d' ' -f2)"
	assert_no_leak "$MICROSOCKS_PORT"
	no_dns_query
}

@test "getent hosts resolves through the getaddrinfo hook and sends nothing" {
	: >"$DNS_LOG"
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		getent hosts web.test
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		getent ahosts web.test
	capture_stop
	assert_success
	assert_line --regexp '^198\.(18|19)\.[0-9]+\.[0-9]+ +STREAM web\.test$'
	assert_silent
	no_dns_query
}

@test "dig and host through microsocks, which cannot carry UDP: they fail and no datagram leaves" {
	: >"$DNS_LOG"
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		dig +tries=1 +time=2 "@$DEST_IP" web.test A
	assert_failure
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		host -W 2 web.test "$DEST_IP"
	assert_failure
	capture_stop
	assert_no_leak "$MICROSOCKS_PORT"
	[ -z "$(capture_show udp and not port "$MARKER_PORT")" ]
	no_dns_query
}

@test "dig through danted: its query reaches the name server from the proxy, nothing else leaves" {
	: >"$OTHER_DNS_LOG"
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$DANTED_PORT" \
		dig +tries=1 +time=5 +short "@$DEST_IP" web.test A
	capture_stop
	assert_success
	assert_output "192.0.2.53"
	assert_only_proxy "$DANTED_PORT"
	[ -z "$(capture_show "port 53")" ]
	log_has "$OTHER_DNS_LOG" "^QUERY web\.test 1 FROM $PROXY_OUT_IP "
}

@test "a name server on the client's loopback is not asked under remote DNS, unless NO_PROXY allows it" {
	local log="$BATS_TEST_TMPDIR/localdns.log"
	: >"$log"
	start_reporting localdns ip netns exec "$NETNS_CLIENT" "$PY" "$HELPERS/udpdns.py" \
		--log "$log" 127.0.0.1 53
	# Without the library dig asks it, as a program with a resolver of
	# its own asks a caching stub (which would then ask the network).
	run in_client dig +tries=1 +time=2 +short @127.0.0.1 web.test A
	assert_success
	assert_output "192.0.2.53"
	[ "$(grep -c '^QUERY web\.test ' "$log")" -eq 1 ]
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		dig +tries=1 +time=2 +short @127.0.0.1 web.test A
	assert_failure
	assert_regex "$stderr" "refusing UDP to 127\.0\.0\.1:53: a name server on the loopback"
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		dig +tcp +tries=1 +time=2 +short @127.0.0.1 web.test A
	assert_failure
	[ "$(grep -c '^QUERY web\.test ' "$log")" -eq 1 ]
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		NO_PROXY=127.0.0.1 dig +tries=1 +time=2 +short @127.0.0.1 web.test A
	assert_success
	assert_output "192.0.2.53"
	# With local DNS (socks5://) the loopback name server is the user's choice.
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$MICROSOCKS_PORT" \
		dig +tries=1 +time=2 +short @127.0.0.1 web.test A
	assert_success
	[ "$(grep -c '^QUERY web\.test ' "$log")" -eq 3 ]
}

@test "curl --tcp-fastopen goes through the proxy" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		curl -q -sS --tcp-fastopen --max-time 10 http://web.test/tfo
	capture_stop
	assert_success
	assert_line "PATH /tfo"
	assert_line "PEER $PROXY_OUT_IP $(line_value PEER | cut -d' ' -f2)"
	assert_no_leak "$MICROSOCKS_PORT"
}

@test "sendto with MSG_FASTOPEN connects through the proxy instead of around it" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" "$PY" -c '
import select, socket

def body(s):
    return s.makefile("rb").read().split(b"\r\n\r\n", 1)[1].decode().strip()

# A blocking socket: the connect and the data in one call, as the kernel does it.
s = socket.socket()
n = s.sendto(b"GET /blocking HTTP/1.0\r\n\r\n", socket.MSG_FASTOPEN, ("web.test", 80))
print("SENT", n)
print(body(s))
# A non-blocking one: EINPROGRESS with nothing sent, as without a cookie.
s = socket.socket()
s.setblocking(False)
try:
    s.sendto(b"GET /nonblocking HTTP/1.0\r\n\r\n", socket.MSG_FASTOPEN, ("web.test", 80))
except BlockingIOError as e:
    print("EINPROGRESS", e.errno == 115)
select.select([], [s], [], 10)
s.setblocking(True)
s.sendall(b"GET /nonblocking HTTP/1.0\r\n\r\n")
print(body(s))'
	capture_stop
	assert_success
	assert_line "SENT 26"
	assert_line "PATH /blocking"
	assert_line "EINPROGRESS True"
	assert_line "PATH /nonblocking"
	log_has "$WEB_LOG" "^GET /blocking $PROXY_OUT_IP "
	log_has "$WEB_LOG" "^GET /nonblocking $PROXY_OUT_IP "
	assert_no_leak "$MICROSOCKS_PORT"
}

@test "with the proxy down, curl, wget, python3, ssh, dig and host fail and only the attempts to reach the proxy leave" {
	: >"$DNS_LOG"
	capture_start
	run --separate-stderr run_mix "socks5h://$PROXY_IP:$DOWN_PORT"
	capture_stop
	refute_line --regexp ' 0$'
	assert_proxy_used "$DOWN_PORT"
	assert_no_leak "$DOWN_PORT"
	no_dns_query
}

@test "with a proxy that refuses every request (REP 02), the mix fails and only the proxy is spoken to" {
	: >"$DNS_LOG"
	capture_start
	run --separate-stderr run_mix "socks5h://$PROXY_IP:$REFUSING_PORT"
	capture_stop
	refute_line --regexp ' 0$'
	assert_proxy_used "$REFUSING_PORT"
	assert_no_leak "$REFUSING_PORT"
	log_has "$REFUSING_LOG" " CONN $CLIENT_IP "
	no_dns_query
}

@test "with an invalid configuration the mix fails and not a single packet leaves" {
	: >"$DNS_LOG"
	capture_start
	run --separate-stderr run_mix "$BAD_URL"
	refute_line --regexp ' 0$'
	assert_regex "$stderr" "socksify: SOCKS_PROXY: invalid character .* connections through the proxy will fail"
	run --separate-stderr client_socksified "$BAD_URL" \
		"$REPO/build/tests/helpers/resquery" query web.test MX
	assert_line "RC -1 HERRNO 3 ERRNO ECONNREFUSED"
	capture_stop
	assert_silent
	no_dns_query
}

@test "when the C library lacks a function the library needs, it says so and the mix fails without a packet" {
	: >"$DNS_LOG"
	capture_start
	run --separate-stderr run_mix "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		LD_AUDIT="$HIDE_LIB" HIDE_SYMBOL=gethostbyaddr_r
	capture_stop
	refute_line --regexp ' 0$'
	assert_regex "$stderr" "socksify: cannot find the C library's gethostbyaddr_r\(\)"
	assert_regex "$stderr" "socksify: the C library lacks functions this library needs; connections through the proxy will fail"
	assert_regex "$stderr" "refusing to connect to .*: configuration error"
	assert_silent
	no_dns_query
}

@test "fake addresses with no name, IPv6 with SOCKS4, UDP the proxy cannot carry and other families are refused without a packet" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		"$PY" "$HELPERS/client.py" --timeout 5 198.18.200.200 80
	assert_failure
	assert_line "ERRNO EHOSTUNREACH"
	run --separate-stderr client_socksified "socks4://$PROXY_IP:$MICROSOCKS_PORT" \
		"$PY" "$HELPERS/client.py" --timeout 5 2001:db8::1 80
	assert_failure
	assert_line "ERRNO EAFNOSUPPORT"
	run --separate-stderr client_socksified "socks4a://$PROXY_IP:$MICROSOCKS_PORT" "$PY" -c '
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.sendto(b"x", ("198.51.100.2", 7))
    print("SENT")
except OSError as e:
    print("ERRNO", e.errno)'
	assert_line "ERRNO 101"
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" "$PY" -c '
import errno, socket
try:
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.connect(("lo", 0))
    print("CONNECTED")
except OSError as e:
    print("ERRNO", errno.errorcode[e.errno])'
	assert_line "ERRNO EACCES"
	assert_regex "$stderr" "refusing to open a packet socket"
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$MICROSOCKS_PORT" \
		SOCKSIFY_PACKET=direct "$PY" -c '
import errno, socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
try:
    s.connect(("lo", 0))
    print("CONNECTED")
except OSError as e:
    print("ERRNO", errno.errorcode[e.errno])'
	assert_line "ERRNO EAFNOSUPPORT"
	assert_regex "$stderr" "address family cannot go through a SOCKS proxy"
	capture_stop
	assert_silent
}

#!/usr/bin/env bats
# The shapes of the resolver's answers under remote DNS: every getaddrinfo()
# hint, service names, canonical names, the legacy calls and their _r
# forms, reverse lookups of fake and real addresses, invalid names, and the
# names that must resolve for real.  Clients run in the client namespace of
# tests/lib/netns.bash (no IPv6 there; its hosts file lists local.test),
# with microsocks in the proxy namespace for the connections.

load lib/common
load lib/netns

PORT_SOCKS=1080
GETHOST="$REPO/build/tests/helpers/gethost"
FAKE4='198\.(18|19)\.[0-9]+\.[0-9]+'
FAKE6='fd53:6f63:6b73::[0-9a-f:]+'

setup_file() {
	require_library
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	netns_setup
	start_ns_dest echo "$NETNS_DEST" "$DEST_IP" 7
	start_ns_microsocks microsocks "$NETNS_PROXY" "$PROXY_IP" "$PORT_SOCKS"
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
	netns_teardown
}

# gethost ARGS...: the C resolver client in the client namespace, through
# socksify with socks5h and the given VAR=VALUE settings first.
gethost() {
	local -a vars=()
	while [ $# -gt 0 ] && [[ $1 == [A-Za-z_]*=* ]]; do
		vars+=("$1")
		shift
	done
	client_socksified "socks5h://$PROXY_IP:$PORT_SOCKS" "${vars[@]}" "$GETHOST" "$@"
}

@test "getaddrinfo AF_UNSPEC without a socket type: one IPv4 fake entry per socket type" {
	run --separate-stderr gethost gai web.test -
	assert_success
	assert_line --index 0 --regexp "^AI inet stream 6 $FAKE4 0$"
	assert_line --index 1 --regexp "^AI inet dgram 17 $FAKE4 0$"
	assert_line --index 2 --regexp "^AI inet raw 0 $FAKE4 0$"
	[ "${#lines[@]}" -eq 3 ]
	# The three entries carry the same address.
	[ "$(printf '%s\n' "${lines[@]}" | cut -d' ' -f5 | sort -u | wc -l)" -eq 1 ]
}

@test "getaddrinfo with NULL hints answers like the C library's defaults" {
	run --separate-stderr gethost gai web.test 80 null
	assert_success
	assert_line --index 0 --regexp "^AI inet stream 6 $FAKE4 80$"
	refute_output --partial inet6
}

@test "getaddrinfo AF_INET SOCK_STREAM with the service http: port 80" {
	run --separate-stderr gethost gai web.test http inet stream
	assert_success
	assert_output --regexp "^AI inet stream 6 $FAKE4 80$"
}

@test "getaddrinfo SOCK_DGRAM with a numeric service: one UDP entry" {
	run --separate-stderr gethost gai web.test 5353 inet dgram
	assert_success
	assert_output --regexp "^AI inet dgram 17 $FAKE4 5353$"
}

@test "getaddrinfo without a socket type and the service http: what /etc/services has" {
	run --separate-stderr gethost gai web.test http
	assert_success
	assert_line --index 0 --regexp "^AI inet stream 6 $FAKE4 80$"
	refute_output --partial " raw "
}

@test "getaddrinfo with an unknown service or one of another protocol: EAI_SERVICE" {
	run --separate-stderr gethost gai web.test no-such-service inet stream
	assert_failure
	assert_output "EAI EAI_SERVICE"
	run --separate-stderr gethost gai web.test http inet dgram
	assert_failure
	assert_output "EAI EAI_SERVICE"
}

@test "getaddrinfo AF_INET6: the IPv6 fake address" {
	run --separate-stderr gethost gai web.test 443 inet6 stream
	assert_success
	assert_output --regexp "^AI inet6 stream 6 $FAKE6 443$"
}

@test "getaddrinfo AF_INET6 with AI_V4MAPPED: still the IPv6 fake, not a mapped one" {
	run --separate-stderr gethost gai web.test 443 inet6 stream v4mapped
	assert_success
	assert_output --regexp "^AI inet6 stream 6 $FAKE6 443$"
	refute_output --partial ffff
}

@test "AI_ADDRCONFIG as the C library applies it: no IPv6 here, so AF_INET6 is EAI_NONAME" {
	run --separate-stderr gethost gai web.test 443 inet6 stream addrconfig
	assert_failure
	assert_output "EAI EAI_NONAME"
	run --separate-stderr gethost gai web.test 443 unspec stream addrconfig
	assert_success
	assert_output --regexp "^AI inet stream 6 $FAKE4 443$"
	run --separate-stderr gethost gai web.test 443 inet stream addrconfig
	assert_success
	assert_output --regexp "^AI inet stream 6 $FAKE4 443$"
}

@test "AI_CANONNAME: the name on the first entry, without a trailing dot" {
	run --separate-stderr gethost gai Web.Test. 80 unspec 0 canon
	assert_success
	assert_line --index 0 --regexp "^AI inet stream 6 $FAKE4 80 Web\.Test$"
	assert_line --index 1 --regexp "^AI inet dgram 17 $FAKE4 80$"
}

@test "AI_NUMERICHOST with a name is never faked: EAI_NONAME" {
	run --separate-stderr gethost gai web.test 80 unspec stream numerichost
	assert_failure
	assert_output "EAI EAI_NONAME"
}

@test "AI_PASSIVE with a NULL node gives the wildcard addresses" {
	run --separate-stderr gethost gai - 8080 unspec stream passive
	assert_success
	assert_line "AI inet stream 6 0.0.0.0 8080"
}

@test "numeric hosts are parsed, not faked" {
	run --separate-stderr gethost gai 192.0.2.5 80 unspec stream
	assert_success
	assert_output "AI inet stream 6 192.0.2.5 80"
	run --separate-stderr gethost gai 2001:db8::5 80 inet6 stream
	assert_success
	assert_output "AI inet6 stream 6 2001:db8::5 80"
	run --separate-stderr gethost byname 192.0.2.6
	assert_success
	assert_line "ADDR 192.0.2.6"
	run --separate-stderr gethost byname2 2001:db8::6 inet6
	assert_success
	assert_line "ADDR 2001:db8::6"
}

@test "one name, one address: stable, case-insensitive, distinct between names" {
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$PORT_SOCKS" \
		"$PY" "$HELPERS/resolve.py" addrs a.test b.test A.TEST a.test. b.test
	assert_success
	local a b
	a=$(line_value "ADDR a.test")
	b=$(line_value "ADDR b.test")
	[[ $a =~ ^$FAKE4$ ]] && [[ $b =~ ^$FAKE4$ ]]
	[ "$a" != "$b" ]
	assert_line "ADDR A.TEST $a"
	assert_line "ADDR a.test. $a"
}

@test "gethostbyname and gethostbyname_r give the IPv4 fake, gethostbyname2 AF_INET6 the IPv6 one" {
	run --separate-stderr gethost byname legacy.test
	assert_success
	assert_line "NAME legacy.test"
	assert_line "FAMILY inet"
	assert_line --regexp "^ADDR $FAKE4$"
	run --separate-stderr gethost byname_r legacy.test 512
	assert_success
	assert_line --regexp "^ADDR $FAKE4$"
	run --separate-stderr gethost byname2 legacy.test inet6
	assert_success
	assert_line "FAMILY inet6"
	assert_line --regexp "^ADDR $FAKE6$"
	run --separate-stderr gethost byname2_r legacy.test inet6 512
	assert_success
	assert_line --regexp "^ADDR $FAKE6$"
}

@test "the _r functions report ERANGE for a buffer too small, and fit in a just large one" {
	run --separate-stderr gethost byname_r legacy.test 16
	assert_failure
	assert_line "ERROR ERANGE"
	assert_line "HERR NETDB_INTERNAL"
	run --separate-stderr gethost byname2_r legacy.test inet6 0
	assert_failure
	assert_line "ERROR ERANGE"
	# Pointers (two lists), a 4-byte address, the name: at most 7 bytes of
	# alignment more than that.
	run --separate-stderr gethost byname_r legacy.test 52
	assert_success
	assert_line "NAME legacy.test"
}

@test "gethostbyname2 with a family other than IPv4 or IPv6 fails with NETDB_INTERNAL" {
	run --separate-stderr gethost byname2 legacy.test unix
	assert_failure
	assert_output "HERR NETDB_INTERNAL"
}

@test "an IPv6 fake address is connectable: the proxy is asked for the name" {
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$PORT_SOCKS" \
		"$PY" "$HELPERS/resolve.py" connect inet6 web.test 7 --send hello
	assert_success
	assert_line --regexp "^RESOLVED $FAKE6$"
	assert_line "GETPEERNAME $(line_value RESOLVED) 7"
	assert_line --regexp "^LINE PEER $PROXY_OUT_IP [0-9]+$"
	assert_line "ECHO hello"
}

@test "getnameinfo and gethostbyaddr on a fake address give the name back" {
	run --separate-stderr gethost reverse back.test inet
	assert_success
	assert_line --regexp "^RESOLVED $FAKE4$"
	assert_line "GNI back.test"
	assert_line "GNI-NAMEREQD back.test"
	assert_line "GNI-NUMERICHOST $(line_value RESOLVED)"
	assert_line "GNI-SMALL EAI_OVERFLOW"
	assert_line "BYADDR back.test inet"
	assert_line "BYADDR_R back.test"
	assert_line "BYADDR_R-SMALL ERANGE NETDB_INTERNAL"
	run --separate-stderr gethost reverse back.test inet6
	assert_success
	assert_line --regexp "^RESOLVED $FAKE6$"
	assert_line "GNI back.test"
	assert_line "BYADDR back.test inet6"
}

@test "getnameinfo also fills the service for a fake address" {
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$PORT_SOCKS" "$PY" -c '
import socket
a = socket.getaddrinfo("svc.test", 80, socket.AF_INET, socket.SOCK_STREAM)[0][4]
print(socket.getnameinfo(a, 0))
print(socket.getnameinfo(a, socket.NI_NUMERICSERV))
v4mapped = ("::ffff:" + a[0], 443, 0, 0)
print(socket.getnameinfo(v4mapped, 0))
'
	assert_success
	assert_line "('svc.test', 'http')"
	assert_line "('svc.test', '80')"
	assert_line "('svc.test', 'https')"
}

@test "a fake address that names nothing: EAI_NONAME, HOST_NOT_FOUND, and connect fails" {
	run --separate-stderr gethost gni 198.18.200.1 80
	assert_failure
	assert_output "EAI EAI_NONAME"
	run --separate-stderr gethost byaddr 198.18.200.1
	assert_failure
	assert_output "HERR HOST_NOT_FOUND"
	run --separate-stderr gethost byaddr_r fd53:6f63:6b73::c801 256
	assert_failure
	assert_output "HERR HOST_NOT_FOUND"
	run --separate-stderr gethost gni 198.18.200.1 80 numerichost
	assert_success
	assert_line "HOST 198.18.200.1"
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$PORT_SOCKS" \
		"$PY" "$HELPERS/client.py" --timeout 5 198.18.200.1 7
	assert_failure
}

@test "reverse lookups of real addresses send no query: numeric, or not found" {
	run --separate-stderr gethost gni 192.0.2.200 53
	assert_success
	assert_line "HOST 192.0.2.200"
	assert_line "SERV domain"
	run --separate-stderr gethost gni 192.0.2.200 53 namereqd
	assert_failure
	assert_output "EAI EAI_NONAME"
	run --separate-stderr gethost byaddr 192.0.2.200
	assert_failure
	assert_output "HERR HOST_NOT_FOUND"
	run --separate-stderr gethost byaddr_r 192.0.2.200 256
	assert_failure
	assert_output "HERR HOST_NOT_FOUND"
}

@test "reverse lookups of addresses in the hosts file answer from it" {
	run --separate-stderr gethost gni "$LOCAL_TEST_IP" 80 namereqd
	assert_success
	assert_line "HOST local.test"
	run --separate-stderr gethost byaddr 127.0.0.1
	assert_success
	assert_line "NAME localhost"
}

@test "invalid names: EAI_NONAME and HOST_NOT_FOUND, never a fake address" {
	local long256 long254 label64 ok253 l63
	long256=$(printf 'a%.0s' $(seq 1 256))
	l63=$(printf 'a%.0s' $(seq 1 63))
	# Labels of 63 bytes: 253 bytes is the longest DNS name, 254 is one too many.
	ok253="$l63.$l63.$l63.${l63:0:61}"
	long254="$l63.$l63.$l63.${l63:0:62}"
	label64=$(printf 'x%.0s' $(seq 1 64)).test
	for name in "" "$long256" "$long254" "$label64" "bad name" "a..b" "semi;colon.test" \
		"percent%.test" ".leading.test"; do
		run --separate-stderr gethost gai "$name" 80 unspec stream
		assert_failure
		assert_output "EAI EAI_NONAME"
		run --separate-stderr gethost byname "$name"
		assert_failure
		assert_output "HERR HOST_NOT_FOUND"
		run --separate-stderr gethost byname_r "$name" 1024
		assert_failure
		assert_output "HERR HOST_NOT_FOUND"
	done
	run --separate-stderr gethost gai "$ok253" 80 inet stream
	assert_success
	assert_output --regexp "^AI inet stream 6 $FAKE4 80$"
}

@test "localhost and names under .localhost resolve to loopback" {
	run --separate-stderr gethost gai localhost 80 inet stream canon
	assert_success
	assert_output "AI inet stream 6 127.0.0.1 80 localhost"
	run --separate-stderr gethost gai app.localhost 80 inet6 stream
	assert_success
	assert_output "AI inet6 stream 6 ::1 80"
	run --separate-stderr gethost byname LOCALHOST
	assert_success
	assert_line "ADDR 127.0.0.1"
	run --separate-stderr gethost byname2_r x.y.localhost. inet6 256
	assert_success
	assert_line "ADDR ::1"
}

@test "names in the hosts file resolve from it; SOCKSIFY_HOSTS=0 sends them to the proxy" {
	run --separate-stderr gethost gai local.test 80 unspec stream canon
	assert_success
	assert_output "AI inet stream 6 $LOCAL_TEST_IP 80 local.test"
	run --separate-stderr gethost byname_r LOCAL.test 256
	assert_success
	assert_line "NAME local.test"
	assert_line "ADDR $LOCAL_TEST_IP"
	# Listed for IPv4 only: no IPv6 answer, and no question to DNS either.
	run --separate-stderr gethost gai local.test 80 inet6 stream
	assert_failure
	assert_output "EAI EAI_NONAME"
	run --separate-stderr gethost gai local.test 80 inet6 stream v4mapped
	assert_success
	assert_output "AI inet6 stream 6 ::ffff:$LOCAL_TEST_IP 80"
	run --separate-stderr gethost SOCKSIFY_HOSTS=0 gai local.test 80 inet stream
	assert_success
	assert_output --regexp "^AI inet stream 6 $FAKE4 80$"
}

@test "names excluded by NO_PROXY go to the real resolver" {
	run --separate-stderr gethost SOCKSIFY_HOSTS=0 NO_PROXY=local.test gai local.test 80 inet stream
	assert_success
	assert_output "AI inet stream 6 $LOCAL_TEST_IP 80"
	run --separate-stderr gethost NO_PROXY=.elsewhere.test gai a.elsewhere.test 80 inet stream
	assert_failure
	refute_output --regexp "$FAKE4"
	run --separate-stderr gethost NO_PROXY=.elsewhere.test gai web.test 80 inet stream
	assert_success
	assert_output --regexp "^AI inet stream 6 $FAKE4 80$"
}

@test "a NO_PROXY name connects directly to the address it resolved to" {
	# local.test lives in the client namespace only: the proxy cannot reach
	# it, so only a direct connection can succeed.
	in_client ip addr add "$LOCAL_TEST_IP/32" dev lo
	start_ns_dest local "$NETNS_CLIENT" "$LOCAL_TEST_IP" 7
	run --separate-stderr gethost SOCKSIFY_HOSTS=0 NO_PROXY=local.test \
		connect local.test 7 hello
	in_client ip addr del "$LOCAL_TEST_IP/32" dev lo
	assert_success
	assert_line "RESOLVED $LOCAL_TEST_IP"
	assert_line "CONNECTED"
	# Without the exclusion the same address goes to the proxy, which
	# cannot reach it.
	run --separate-stderr gethost SOCKSIFY_HOSTS=0 connect "$LOCAL_TEST_IP" 7 hello
	assert_failure
}

@test "with socks5:// and socks4:// (local DNS) names go to the real resolver" {
	local url
	for url in "socks5://$PROXY_IP:$PORT_SOCKS" "socks4://$PROXY_IP:$PORT_SOCKS"; do
		run --separate-stderr client_socksified "$url" SOCKSIFY_HOSTS=0 \
			"$GETHOST" gai local.test 80 inet stream
		assert_success
		assert_output "AI inet stream 6 $LOCAL_TEST_IP 80"
		run --separate-stderr client_socksified "$url" "$GETHOST" byname web.test
		assert_failure
		refute_output --regexp "$FAKE4"
	done
}

@test "with an invalid configuration a name still gets a fake address, and connect fails closed" {
	run --separate-stderr client_socksified "bogus://$PROXY_IP:$PORT_SOCKS" \
		"$GETHOST" connect web.test 7
	assert_failure
	assert_line --regexp "^RESOLVED $FAKE4$"
	assert_line --regexp "^ERRNO "
	refute_line "CONNECTED"
}

@test "sixteen threads resolving at once each get their own answers" {
	run --separate-stderr gethost threads 16 threads.test
	assert_success
	assert_output "THREADS 16 BAD 0"
}

@test "the answers are freed by the C library's freeaddrinfo without error" {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	[ -z "${SOCKSIFY_TEST_PRELOAD:-}" ] || skip "valgrind cannot run a sanitizer build"
	local args
	for args in "web.test http unspec 0 canon" "multi.test http unspec 0 canon" \
		"localhost 22 inet6 0 canon"; do
		# shellcheck disable=SC2086 # the arguments are words
		run --separate-stderr in_client env SOCKS_PROXY="socks5h://$PROXY_IP:$PORT_SOCKS" \
			LD_PRELOAD="$LIB" valgrind -q --error-exitcode=9 --leak-check=full \
			--errors-for-leak-kinds=definite "$GETHOST" gai $args
		[ -z "$stderr" ] || echo "# $stderr" >&2
		assert_success
	done
}

@test "a hosts file name with several addresses gets them all, in file order" {
	run --separate-stderr gethost gai multi.test http unspec 0 canon
	assert_success
	assert_line --index 0 "AI inet stream 6 192.0.2.78 80 multi.test"
	assert_line --index 1 "AI inet6 stream 6 2001:db8::78 80"
	[ "${#lines[@]}" -eq 2 ]
	run --separate-stderr gethost byname multi.test
	assert_success
	assert_output "NAME multi.test
FAMILY inet
ADDR 192.0.2.78"
	run --separate-stderr gethost byname2 multi.test inet6
	assert_success
	assert_line "ADDR 2001:db8::78"
}

# libcnet ARGS...: tests/helpers/libcnet in the client namespace through
# socksify with socks5h and the given VAR=VALUE settings first.
libcnet() {
	local -a vars=()
	while [ $# -gt 0 ] && [[ $1 == [A-Za-z_]*=* ]]; do
		vars+=("$1")
		shift
	done
	client_socksified "socks5h://$PROXY_IP:$PORT_SOCKS" "${vars[@]}" \
		"$REPO/build/tests/helpers/libcnet" "$@"
}

@test "gethostbyaddr with the length of a socket address: a fake address gives its name, another is refused, and no PTR query leaves" {
	capture_start
	run --separate-stderr libcnet byaddr web.test inet 16
	assert_success
	assert_line --regexp "^ADDR $FAKE4$"
	assert_line "NAME web.test"
	run --separate-stderr libcnet byaddr 192.0.2.200 inet 16
	assert_failure
	assert_line "HERR HOST_NOT_FOUND"
	[[ $stderr == *"socksify: refusing gethostbyaddr(): the length is not the family's address length and the address is not a fake one"* ]]
	run --separate-stderr libcnet byaddr_r web.test inet 16
	assert_success
	assert_line "NAME web.test"
	run --separate-stderr libcnet byaddr_r 192.0.2.200 inet 16
	assert_failure
	assert_line "RC 0"
	assert_line "HERR HOST_NOT_FOUND"
	[[ $stderr == *"refusing gethostbyaddr_r()"* ]]
	run --separate-stderr libcnet byaddr web.test inet6 28
	assert_success
	assert_line "NAME web.test"
	run --separate-stderr libcnet byaddr_r 2001:db8::200 inet6 28
	assert_failure
	assert_line "HERR HOST_NOT_FOUND"
	capture_stop
	assert_silent
}

@test "gethostbyaddr with another family, a short length, a NULL address or an IPv4-compatible address answers or fails as the C library does, sending nothing" {
	capture_start
	run --separate-stderr libcnet byaddr web.test unspec 4
	assert_failure
	assert_line "HERR NETDB_INTERNAL"
	assert_line "ERRNO EAFNOSUPPORT"
	[[ $stderr == *"refusing gethostbyaddr(): the address family is neither AF_INET nor AF_INET6"* ]]
	run --separate-stderr libcnet byaddr_r 192.0.2.200 unix 110
	assert_failure
	assert_line "RC EAFNOSUPPORT"
	assert_line "HERR NETDB_INTERNAL"
	run --separate-stderr libcnet byaddr web.test inet 2
	assert_failure
	assert_line "HERR NETDB_INTERNAL"
	assert_line "ERRNO EAFNOSUPPORT"
	[[ $stderr == *"the length is shorter than the family's address"* ]]
	run --separate-stderr libcnet byaddr-null
	assert_failure
	assert_line "HERR NETDB_INTERNAL"
	assert_line "ERRNO EINVAL"
	[[ $stderr == *"refusing gethostbyaddr(): the address is NULL"* ]]
	# AF_INET6 with ::ffff:a.b.c.d or ::a.b.c.d stands for the IPv4 address.
	run --separate-stderr libcnet byaddr web.test mapped 16
	assert_success
	assert_line "NAME web.test"
	run --separate-stderr libcnet byaddr_r web.test compat 16
	assert_success
	assert_line "NAME web.test"
	capture_stop
	assert_silent
}

@test "NULL result pointers under remote DNS are refused before any query" {
	capture_start
	run --separate-stderr libcnet byaddr_r-null 192.0.2.200
	assert_failure
	assert_line "RC EINVAL"
	assert_line "HERR NETDB_INTERNAL"
	[[ $stderr == *"refusing gethostbyaddr_r(): a name, address or result pointer is NULL"* ]]
	run --separate-stderr libcnet byname_r-null web.test
	assert_failure
	assert_line "RC EINVAL"
	assert_line "HERR NETDB_INTERNAL"
	run --separate-stderr libcnet gai-null web.test
	assert_failure
	assert_line "EAI EAI_SYSTEM"
	assert_line "ERRNO EINVAL"
	[[ $stderr == *"refusing getaddrinfo(): the result pointer is NULL"* ]]
	capture_stop
	assert_silent
}

@test "getnameinfo with a long socket address, an IPv4-compatible address, bad flags or another family answers without a query" {
	capture_start
	run --separate-stderr libcnet gni web.test inet 32
	assert_success
	assert_line "HOST web.test"
	assert_line "SERV http"
	run --separate-stderr libcnet gni web.test compat 28
	assert_success
	assert_line "HOST web.test"
	run --separate-stderr libcnet gni web.test inet 16 bad
	assert_failure
	assert_output --partial "EAI EAI_BADFLAGS"
	run --separate-stderr libcnet gni web.test inet 4
	assert_failure
	assert_output --partial "EAI EAI_FAMILY"
	run --separate-stderr libcnet gni web.test unspec 16
	assert_failure
	assert_output --partial "EAI EAI_FAMILY"
	run --separate-stderr libcnet gni 192.0.2.200 inet 32 namereqd
	assert_failure
	assert_output --partial "EAI EAI_NONAME"
	run --separate-stderr libcnet gni 192.0.2.200 compat 28 numericserv
	assert_success
	assert_line "HOST ::192.0.2.200"
	assert_line "SERV 80"
	capture_stop
	assert_silent
}

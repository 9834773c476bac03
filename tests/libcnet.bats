#!/usr/bin/env bats
# The C library's own network paths, which call its socket(), connect(),
# sendto() and resolver internally where no interposed symbol sees them:
# rcmd(), rexec(), the ruserok() family, getnetbyname()/getnetbyaddr(), the
# Sun RPC clients old programs still call, and libresolv's old
# res_gethostbyname() family.  In the namespaces of tests/lib/netns.bash
# (the client reaches only the proxy, its resolv.conf names a name server
# behind the proxy), tcpdump on the client's interface shows that none of
# them sends a DNS query or opens a direct connection, and each answers or
# refuses with one clear log line.  The client's nsswitch.conf here also
# asks DNS for the networks database, as some systems do.

load lib/common
load lib/netns

PORT_SOCKS=1080
LIBCNET="$REPO/build/tests/helpers/libcnet"

setup_file() {
	require_library
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	[ -x "$LIBCNET" ] || {
		echo "# build/tests/helpers/libcnet is missing: run make" >&2
		return 1
	}
	netns_setup
	sed 's/^networks:.*/networks: files dns/' /etc/nsswitch.conf \
		>"/etc/netns/$NETNS_CLIENT/nsswitch.conf"
	grep -q '^networks: files dns$' "/etc/netns/$NETNS_CLIENT/nsswitch.conf" ||
		echo 'networks: files dns' >>"/etc/netns/$NETNS_CLIENT/nsswitch.conf"
	start_ns_microsocks microsocks "$NETNS_PROXY" "$PROXY_IP" "$PORT_SOCKS"
	# A stand-in for rshd and rexecd on the client's loopback: it reads the
	# four NUL-terminated strings both protocols send, and answers the
	# single NUL byte that means "accepted".
	start_reporting rshd ip netns exec "$NETNS_CLIENT" "$PY" -c '
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
while True:
    c, _ = s.accept()
    c.settimeout(5)
    data = b""
    try:
        while data.count(b"\0") < 4:
            d = c.recv(1024)
            if not d:
                break
            data += d
        c.sendall(b"\0")
    except OSError:
        pass
    c.close()
'
	export RSHD_PORT=$PORT
	# An old program calling libresolv's res_gethostbyname() family, which
	# only old versioned symbols offer now.
	cat >"$BATS_FILE_TMPDIR/oldresolv.c" <<'EOF'
#include <arpa/inet.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

struct hostent *old_byname(const char *);
struct hostent *old_byname2(const char *, int);
struct hostent *old_byaddr(const void *, socklen_t, int);
__asm__(".symver old_byname, res_gethostbyname@GLIBC_2.2.5");
__asm__(".symver old_byname2, res_gethostbyname2@GLIBC_2.2.5");
__asm__(".symver old_byaddr, res_gethostbyaddr@GLIBC_2.2.5");

int
main(int argc, char **argv)
{
	char text[INET6_ADDRSTRLEN], addr[16];
	struct hostent *he;

	if (argc < 2)
		return 2;
	he = old_byname(argv[1]);
	if (!he) {
		printf("BYNAME HERR %d\n", h_errno);
		return 1;
	}
	memcpy(addr, he->h_addr_list[0], 4);
	printf("BYNAME %s\n", inet_ntop(AF_INET, addr, text, sizeof(text)));
	he = old_byaddr(addr, 4, AF_INET);
	printf("BYADDR %s\n", he ? he->h_name : "none");
	he = old_byname2(argv[1], AF_INET6);
	printf("BYNAME2 %s\n", he ? inet_ntop(AF_INET6, he->h_addr_list[0], text,
					       sizeof(text)) : "none");
	return 0;
}
EOF
	cc -o "$BATS_FILE_TMPDIR/oldresolv" "$BATS_FILE_TMPDIR/oldresolv.c" -lresolv
	export OLDRESOLV=$BATS_FILE_TMPDIR/oldresolv
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
	netns_teardown
}

# libcnet [VAR=VALUE...] ARGS...: the helper in the client namespace through
# socksify with socks5h and the given settings.
libcnet() {
	local -a vars=()
	while [ $# -gt 0 ] && [[ $1 == [A-Za-z_]*=* ]]; do
		vars+=("$1")
		shift
	done
	client_socksified "socks5h://$PROXY_IP:$PORT_SOCKS" "${vars[@]}" "$LIBCNET" "$@"
}

@test "rcmd and rcmd_af are refused for a name or an address behind the proxy, go directly to the loopback, and send nothing" {
	capture_start
	run --separate-stderr libcnet rcmd web.test 514
	assert_failure
	assert_line "ERRNO ENETUNREACH"
	[[ $stderr == *"socksify: refusing rcmd() to web.test port 514: it needs a privileged source port"* ]]
	run --separate-stderr libcnet rcmd "$DEST_IP" 514
	assert_failure
	assert_line "ERRNO ENETUNREACH"
	[[ $stderr == *"refusing rcmd() to $DEST_IP port 514"* ]]
	run --separate-stderr libcnet rcmd web.test 514 unspec
	assert_failure
	assert_line "ERRNO ENETUNREACH"
	[[ $stderr == *"refusing rcmd_af() to web.test"* ]]
	# The loopback is reached directly, as connect() reaches it.
	run --separate-stderr libcnet rcmd 127.0.0.1 "$RSHD_PORT"
	assert_success
	assert_line --regexp '^FD [0-9]+$'
	run --separate-stderr libcnet rcmd localhost "$RSHD_PORT" inet
	assert_success
	# ... unless the loopback goes through the proxy too.
	run --separate-stderr libcnet SOCKSIFY_LOOPBACK=proxy rcmd 127.0.0.1 "$RSHD_PORT"
	assert_failure
	assert_line "ERRNO ENETUNREACH"
	[[ $stderr == *"refusing rcmd() to 127.0.0.1 port $RSHD_PORT"* ]]
	# rresvport() only binds locally: it works as ever.
	run --separate-stderr libcnet rresvport
	assert_success
	assert_line "PORT reserved"
	capture_stop
	assert_silent
}

@test "rexec and rexec_af are refused for hosts behind the proxy, go directly to the loopback, and send nothing" {
	capture_start
	run --separate-stderr libcnet rexec web.test 512
	assert_failure
	assert_line "ERRNO ENETUNREACH"
	[[ $stderr == *"socksify: refusing rexec() to web.test port 512: it needs a connection back from the server"* ]]
	run --separate-stderr libcnet rexec "$DEST_IP" 512 inet
	assert_failure
	assert_line "ERRNO ENETUNREACH"
	[[ $stderr == *"refusing rexec_af() to $DEST_IP port 512"* ]]
	run --separate-stderr libcnet rexec 127.0.0.1 "$RSHD_PORT"
	assert_success
	assert_line --regexp '^FD [0-9]+$'
	run --separate-stderr libcnet SOCKSIFY_LOOPBACK=proxy rexec 127.0.0.1 "$RSHD_PORT"
	assert_failure
	assert_line "ERRNO ENETUNREACH"
	capture_stop
	assert_silent
}

@test "a NO_PROXY host is reached directly by rcmd, and an invalid configuration refuses it" {
	run --separate-stderr libcnet NO_PROXY=127.0.0.0/8 SOCKSIFY_LOOPBACK=proxy \
		rcmd 127.0.0.1 "$RSHD_PORT"
	assert_success
	assert_line --regexp '^FD [0-9]+$'
	run --separate-stderr client_socksified "bogus://$PROXY_IP:$PORT_SOCKS" \
		"$LIBCNET" rcmd "$DEST_IP" 514
	assert_failure
	assert_line "ERRNO ENETUNREACH"
	[[ $stderr == *"refusing rcmd() to $DEST_IP port 514: configuration error"* ]]
}

@test "ruserok and iruserok are refused under remote DNS with a log line and ask no name server" {
	capture_start
	run --separate-stderr libcnet ruserok web.test
	assert_failure
	assert_output "RC -1"
	[[ $stderr == *"socksify: refusing ruserok() for web.test: it resolves the host"* ]]
	run --separate-stderr libcnet iruserok "$DEST_IP"
	assert_failure
	assert_output "RC -1"
	[[ $stderr == *"refusing iruserok() for $DEST_IP"* ]]
	capture_stop
	assert_silent
}

@test "getnetbyname and getnetbyaddr answer from /etc/networks and never ask DNS, though nsswitch.conf lists it" {
	capture_start
	run --separate-stderr libcnet getnet name link-local
	assert_success
	assert_line "NET link-local 2851995648"
	assert_line "NET_R link-local 2851995648"
	run --separate-stderr libcnet getnet name web.test
	assert_failure
	assert_line "NET none"
	run --separate-stderr libcnet getnet addr 198.51.100.0
	assert_failure
	assert_line "NET none"
	capture_stop
	assert_silent
}

@test "the C library's Sun RPC clients are refused for hosts behind the proxy and send nothing" {
	capture_start
	run --separate-stderr libcnet rpc create web.test udp
	assert_failure
	assert_output "CLIENT no"
	[[ $stderr == *"socksify: refusing clnt_create() to web.test port 111"* ]]
	[[ $stderr == *"RPCERR: RPC: Remote system error - Network is unreachable"* ]]
	run --separate-stderr libcnet rpc create web.test tcp
	assert_failure
	assert_output "CLIENT no"
	run --separate-stderr libcnet rpc callrpc "$DEST_IP"
	assert_failure
	assert_output "RC 3"
	[[ $stderr == *"refusing callrpc() to $DEST_IP port 111"* ]]
	run --separate-stderr libcnet rpc getport "$DEST_IP"
	assert_failure
	assert_output "PORT 0"
	[[ $stderr == *"refusing pmap_getport() to $DEST_IP port 111"* ]]
	run --separate-stderr libcnet rpc tcp "$DEST_IP" 0
	assert_failure
	assert_output "CLIENT no"
	run --separate-stderr libcnet rpc udp "$DEST_IP" 2049
	assert_failure
	assert_output "CLIENT no"
	[[ $stderr == *"refusing clntudp_create() to $DEST_IP port 2049"* ]]
	# A client of the loopback is made as ever.
	run --separate-stderr libcnet rpc udp 127.0.0.1 2049
	assert_success
	assert_output "CLIENT yes"
	capture_stop
	assert_silent
}

@test "libresolv's old res_gethostbyname family answers from the fake-IP map and sends nothing" {
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$PORT_SOCKS" \
		"$OLDRESOLV" old.test
	capture_stop
	assert_success
	assert_line --regexp '^BYNAME 198\.(18|19)\.[0-9]+\.[0-9]+$'
	assert_line "BYADDR old.test"
	assert_line --regexp '^BYNAME2 fd53:6f63:6b73::[0-9a-f:]+$'
	assert_silent
}

@test "gethostid derives the id from the hosts file and asks no name server for the host's own name" {
	local expected
	[ ! -e /etc/hostid ] || skip "/etc/hostid exists: gethostid reads it"
	command -v hostid >/dev/null || skip "hostid (coreutils) is not installed"
	# local.test is in the client's hosts file: the C library finds it there.
	expected=$(in_client unshare -u sh -c 'hostname local.test && exec hostid')
	[ "$expected" != 00000000 ]
	capture_start
	run --separate-stderr in_client unshare -u sh -c \
		'hostname local.test && exec env SOCKS_PROXY="$1" "$2" hostid' sh \
		"socks5h://$PROXY_IP:$PORT_SOCKS" "$SOCKSIFY"
	assert_success
	assert_output "$expected"
	# This host's own name is not in the client's hosts file.
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$PORT_SOCKS" hostid
	assert_success
	assert_output "00000000"
	[[ $stderr == *"socksify: refusing gethostid(): there is no /etc/hostid and the host's name is not in the hosts file"* ]]
	capture_stop
	assert_silent
}

#!/usr/bin/env bats
# SOCKS5 with GSSAPI authentication (RFC 1961), with a real MIT Kerberos
# realm (tests/lib/krb5.bash) and network namespaces (tests/lib/netns.bash):
# the KDC and the GSSAPI SOCKS5 servers (tests/helpers/gsssocks.py, one per
# protection level it selects: none, integrity, confidentiality) in the
# proxy namespace, the web server in the destination namespace, kinit and
# the socksified clients in the client namespace.
#
# Neither Debian's danted (built without GSSAPI: "socksmethod: gssapi" is
# refused) nor Debian's curl 7.88 (its SOCKS5 GSS-API client forgets that
# it offered the method once the server's answer takes a second read) can
# play the other side here, so the server is python3-gssapi over the same
# MIT library.

load lib/common
load lib/netns
load lib/krb5

CLEAR_PORT=1080
INTEG_PORT=1081
CONF_PORT=1082
ASKED_PORT=1083
SPLIT_PORT=1084
BATCH_PORT=1085
CORRUPT_PORT=1086
SLOW_PORT=1087

setup_file() {
	require_library
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	netns_setup
	krb5_setup
	start_ns_dest web "$NETNS_DEST" "$DEST_IP" 80 --http
	export WEB_LOG=$LOG
	start_ns_dest echo "$NETNS_DEST" "$DEST_IP" 7
	start_ns_gsssocks clear "$CLEAR_PORT" clear
	export CLEAR_LOG=$LOG
	start_ns_gsssocks integrity "$INTEG_PORT" integrity
	export INTEG_LOG=$LOG
	start_ns_gsssocks confidentiality "$CONF_PORT" confidentiality
	export CONF_LOG=$LOG
	start_ns_gsssocks asked "$ASKED_PORT" asked
	export ASKED_LOG=$LOG
	start_ns_gsssocks split "$SPLIT_PORT" confidentiality --split 7
	export SPLIT_LOG=$LOG
	start_ns_gsssocks batch "$BATCH_PORT" confidentiality --batch 100
	export BATCH_LOG=$LOG
	start_ns_gsssocks corrupt "$CORRUPT_PORT" integrity --corrupt 2
	export CORRUPT_LOG=$LOG
	start_ns_gsssocks slow "$SLOW_PORT" confidentiality --slow-read 0.005
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
	netns_teardown
}

setup() {
	krb5_kinit
}

@test "the realm works: the client gets a ticket for the proxy's service rcmd/<proxy address>" {
	run in_client kvno "$KRB5_SERVICE/$PROXY_IP@$KRB5_REALM"
	assert_success
	assert_output --partial "$KRB5_SERVICE/$PROXY_IP@$KRB5_REALM: kvno = "
}

@test "curl fetches a page by address through a GSSAPI proxy that selects no protection" {
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$CLEAR_PORT" \
		SOCKSIFY_GSSAPI=1 curl -q -sS --max-time 15 "http://$DEST_IP/curl-gss-ip"
	assert_success
	assert_line "PATH /curl-gss-ip"
	log_has "$WEB_LOG" "^GET /curl-gss-ip $PROXY_OUT_IP "
	log_has "$CLEAR_LOG" "^AUTH $KRB5_CLIENT@$KRB5_REALM ASKED 2 LEVEL 0$"
	log_has "$CLEAR_LOG" "^CONNECT $DEST_IP 80$"
}

@test "GSSAPI never pipelines: with SOCKSIFY_PIPELINE=1 or auto the exchange goes lock-step and curl fetches the page" {
	local mode
	for mode in 1 auto; do
		run --separate-stderr client_socksified "socks5://$PROXY_IP:$CLEAR_PORT" \
			SOCKSIFY_GSSAPI=1 SOCKSIFY_PIPELINE=$mode \
			curl -q -sS --max-time 15 "http://$DEST_IP/curl-gss-pipe-$mode"
		assert_success
		assert_line "PATH /curl-gss-pipe-$mode"
		log_has "$CLEAR_LOG" "^CONNECT $DEST_IP 80$"
	done
}

@test "curl fetches http://web.test/ by name through the GSSAPI proxy (socks5h)" {
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$CLEAR_PORT" \
		SOCKSIFY_GSSAPI=1 curl -q -sS --max-time 15 http://web.test/curl-gss-name
	assert_success
	assert_line "PATH /curl-gss-name"
	log_has "$WEB_LOG" "^GET /curl-gss-name $PROXY_OUT_IP "
	log_has "$CLEAR_LOG" "^CONNECT web.test 80$"
}

@test "wget downloads by address and by name through the GSSAPI proxy" {
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$CLEAR_PORT" \
		SOCKSIFY_GSSAPI=1 wget --no-config -q -O - --tries=1 --timeout=15 \
		"http://$DEST_IP/wget-gss-ip" http://web.test/wget-gss-name
	assert_success
	assert_line "PATH /wget-gss-ip"
	assert_line "PATH /wget-gss-name"
	log_has "$WEB_LOG" "^GET /wget-gss-ip $PROXY_OUT_IP "
	log_has "$WEB_LOG" "^GET /wget-gss-name $PROXY_OUT_IP "
	log_has "$CLEAR_LOG" "^CONNECT web.test 80$"
}

@test "with the service ticket in the cache, nothing but the proxy connection leaves the client" {
	in_client kvno -q "$KRB5_SERVICE/$PROXY_IP@$KRB5_REALM"
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$CLEAR_PORT" \
		SOCKSIFY_GSSAPI=1 curl -q -sS --max-time 15 http://web.test/curl-gss-capture
	capture_stop
	assert_success
	assert_line "PATH /curl-gss-capture"
	assert_no_leak "$CLEAR_PORT"
}

@test "a non-blocking connect through the GSSAPI proxy completes from poll, epoll and select" {
	local mode
	for mode in poll epoll-lt select; do
		run --separate-stderr client_socksified "socks5://$PROXY_IP:$CLEAR_PORT" \
			SOCKSIFY_GSSAPI=1 "$REPO/build/tests/helpers/nbclient" --quiet-ms 0 \
			"$mode" "$DEST_IP" 7
		assert_success
		assert_line "GETPEERNAME $DEST_IP 7"
		assert_line "RESULT ok"
	done
}

@test "8 MB through the GSSAPI proxy to an echo server come back intact (sha256)" {
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$CLEAR_PORT" \
		SOCKSIFY_GSSAPI=1 "$PY" -c '
import hashlib, os, socket, sys, threading
data = os.urandom(8 << 20)
s = socket.create_connection((sys.argv[1], 7), timeout=15)
peer = b""
while not peer.endswith(b"\n"):
    peer += s.recv(1)
def send():
    s.sendall(data)
t = threading.Thread(target=send)
t.start()
got = hashlib.sha256()
n = 0
while n < len(data):
    chunk = s.recv(65536)
    if not chunk:
        break
    got.update(chunk)
    n += len(chunk)
t.join()
print("SENT", hashlib.sha256(data).hexdigest())
print("GOT ", got.hexdigest(), n)
' "$DEST_IP"
	assert_success
	[ "$(line_value SENT)" = "$(line_value "GOT " | cut -d" " -f1)" ]
	[ "$(line_value "GOT " | cut -d" " -f2)" = $((8 << 20)) ]
}

@test "the service may be a whole principal" {
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$CLEAR_PORT" \
		SOCKSIFY_GSSAPI=1 SOCKSIFY_GSSAPI_SERVICE="$KRB5_SERVICE/$PROXY_IP@$KRB5_REALM" \
		curl -q -sS --max-time 15 "http://$DEST_IP/curl-gss-principal"
	assert_success
	assert_line "PATH /curl-gss-principal"
}

# assert_gss_refused PATTERN: the last command failed with one socksify line
# matching PATTERN, and the web server saw no request from it ($1 path).
assert_gss_refused() {
	local pattern=$1 path=$2
	assert_failure
	[ "$(printf '%s\n' "$stderr" | grep -c '^socksify: ')" -eq 1 ] || {
		echo "# expected one socksify line, got: $stderr" >&2
		return 1
	}
	printf '%s\n' "$stderr" | grep -E "^socksify: .*$pattern" >/dev/null || {
		echo "# no line matching '$pattern' in: $stderr" >&2
		return 1
	}
	! grep -q "^GET $path " "$WEB_LOG"
}

@test "curl fetches by address and by name through a proxy that selects integrity: every message is wrapped" {
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$INTEG_PORT" \
		SOCKSIFY_GSSAPI=1 curl -q -sS --max-time 15 "http://$DEST_IP/curl-gss-integ"
	assert_success
	assert_line "PATH /curl-gss-integ"
	log_has "$INTEG_LOG" "^AUTH $KRB5_CLIENT@$KRB5_REALM ASKED 2 LEVEL 1$"
	log_has "$INTEG_LOG" "^CONNECT $DEST_IP 80$"
	log_has "$INTEG_LOG" "^UNWRAPPED [0-9]+$"
	log_has "$WEB_LOG" "^GET /curl-gss-integ $PROXY_OUT_IP "
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$INTEG_PORT" \
		SOCKSIFY_GSSAPI=1 curl -q -sS --max-time 15 http://web.test/curl-gss-integ-name
	assert_success
	assert_line "PATH /curl-gss-integ-name"
	log_has "$INTEG_LOG" "^CONNECT web.test 80$"
}

@test "curl and wget by address and by name through a proxy that selects confidentiality" {
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$CONF_PORT" \
		SOCKSIFY_GSSAPI=1 curl -q -sS --max-time 15 "http://$DEST_IP/curl-gss-conf" \
		http://web.test/curl-gss-conf-name
	assert_success
	assert_line "PATH /curl-gss-conf"
	assert_line "PATH /curl-gss-conf-name"
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$CONF_PORT" \
		SOCKSIFY_GSSAPI=1 wget --no-config -q -O - --tries=1 --timeout=15 \
		"http://$DEST_IP/wget-gss-conf" http://web.test/wget-gss-conf-name
	assert_success
	assert_line "PATH /wget-gss-conf"
	assert_line "PATH /wget-gss-conf-name"
	log_has "$CONF_LOG" "^AUTH $KRB5_CLIENT@$KRB5_REALM ASKED 2 LEVEL 2$"
	log_has "$CONF_LOG" "^CONNECT web.test 80$"
	log_has "$WEB_LOG" "^GET /wget-gss-conf-name $PROXY_OUT_IP "
}

@test "under confidentiality neither the request nor the page crosses the wire in clear" {
	in_client kvno -q "$KRB5_SERVICE/$PROXY_IP@$KRB5_REALM"
	capture_start
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$CONF_PORT" \
		SOCKSIFY_GSSAPI=1 curl -q -sS --max-time 15 http://web.test/curl-gss-secret-path
	capture_stop
	assert_success
	assert_line "PATH /curl-gss-secret-path"
	assert_no_leak "$CONF_PORT"
	! grep -a -q "secret-path" "$CAPTURE_FILE"
	! grep -a -q "web.test" "$CAPTURE_FILE"
}

@test "SOCKSIFY_GSSAPI_PROTECTION asks for a level and refuses a proxy that selects another, with one line" {
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$ASKED_PORT" \
		SOCKSIFY_GSSAPI=1 SOCKSIFY_GSSAPI_PROTECTION=integrity \
		curl -q -sS --max-time 15 "http://$DEST_IP/curl-gss-ask-integ"
	assert_success
	assert_line "PATH /curl-gss-ask-integ"
	log_has "$ASKED_LOG" "^AUTH $KRB5_CLIENT@$KRB5_REALM ASKED 1 LEVEL 1$"
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$ASKED_PORT" \
		SOCKSIFY_GSSAPI=1 SOCKSIFY_GSSAPI_PROTECTION=none \
		curl -q -sS --max-time 15 "http://$DEST_IP/curl-gss-ask-none"
	assert_success
	log_has "$ASKED_LOG" "^AUTH $KRB5_CLIENT@$KRB5_REALM ASKED 0 LEVEL 0$"
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$INTEG_PORT" \
		SOCKSIFY_GSSAPI=1 SOCKSIFY_GSSAPI_PROTECTION=none \
		curl -q -sS --max-time 15 "http://$DEST_IP/curl-gss-none-integ"
	assert_gss_refused "proxy selected GSSAPI integrity for the connection; SOCKSIFY_GSSAPI_PROTECTION is none" \
		/curl-gss-none-integ
	log_has "$INTEG_LOG" "^AUTH $KRB5_CLIENT@$KRB5_REALM ASKED 0 LEVEL 1$"
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$INTEG_PORT" \
		SOCKSIFY_GSSAPI=1 SOCKSIFY_GSSAPI_PROTECTION=confidentiality \
		curl -q -sS --max-time 15 "http://$DEST_IP/curl-gss-conf-integ"
	assert_gss_refused "proxy selected GSSAPI integrity for the connection; SOCKSIFY_GSSAPI_PROTECTION is confidentiality" \
		/curl-gss-conf-integ
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$CLEAR_PORT" \
		SOCKSIFY_GSSAPI=1 SOCKSIFY_GSSAPI_PROTECTION=integrity \
		curl -q -sS --max-time 15 "http://$DEST_IP/curl-gss-integ-clear"
	assert_gss_refused "proxy selected GSSAPI no protection for the connection; SOCKSIFY_GSSAPI_PROTECTION is integrity" \
		/curl-gss-integ-clear
}

@test "a bad SOCKSIFY_GSSAPI_PROTECTION is reported and nothing is connected" {
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$CONF_PORT" \
		SOCKSIFY_GSSAPI=1 SOCKSIFY_GSSAPI_PROTECTION=strong \
		curl -q -sS --max-time 15 "http://$DEST_IP/curl-gss-badprot"
	assert_failure
	[[ $stderr == *'SOCKSIFY_GSSAPI_PROTECTION: "strong" is not none, integrity, confidentiality or any'* ]]
	! grep -q "^GET /curl-gss-badprot " "$WEB_LOG"
}

# bulk PORT: 8 MB both ways through the echo server, checked by sha256.
bulk() {
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$1" \
		SOCKSIFY_GSSAPI=1 "$PY" -c '
import hashlib, os, socket, sys, threading
data = os.urandom(int(sys.argv[2]))
s = socket.create_connection((sys.argv[1], 7), timeout=30)
peer = b""
while not peer.endswith(b"\n"):
    peer += s.recv(1)
def send():
    s.sendall(data)
t = threading.Thread(target=send)
t.start()
got = hashlib.sha256()
n = 0
while n < len(data):
    chunk = s.recv(65536)
    if not chunk:
        break
    got.update(chunk)
    n += len(chunk)
t.join()
print("SENT", hashlib.sha256(data).hexdigest())
print("GOT ", got.hexdigest(), n)
' "$DEST_IP" "${2:-$((8 << 20))}"
	assert_success
	[ "$(line_value SENT)" = "$(line_value "GOT " | cut -d" " -f1)" ]
	[ "$(line_value "GOT " | cut -d" " -f2)" = "${2:-$((8 << 20))}" ]
}

@test "8 MB both ways under confidentiality come back intact (sha256)" {
	bulk "$CONF_PORT"
	log_has "$CONF_LOG" "^UNWRAPPED 16384$"
}

@test "messages cut into 7-byte pieces, and many messages in one segment, are read whole" {
	bulk "$SPLIT_PORT" $((256 << 10))
	bulk "$BATCH_PORT" $((1 << 20))
	run --separate-stderr client_socksified "socks5h://$PROXY_IP:$SPLIT_PORT" \
		SOCKSIFY_GSSAPI=1 curl -q -sS --max-time 15 http://web.test/curl-gss-split
	assert_success
	assert_line "PATH /curl-gss-split"
}

@test "non-blocking clients under confidentiality: select, poll and epoll see whole messages only" {
	local mode port
	for port in "$CONF_PORT" "$SPLIT_PORT" "$BATCH_PORT"; do
		for mode in select poll epoll; do
			run --separate-stderr client_socksified "socks5://$PROXY_IP:$port" \
				SOCKSIFY_GSSAPI=1 "$PY" "$HELPERS/nbecho.py" "$mode" "$DEST_IP" 7 300000
			assert_success
			assert_line "RESULT ok"
		done
	done
}

@test "readable means a whole message, with every readiness API, while messages come in 7-byte pieces" {
	local mode opt
	for mode in poll ppoll select pselect epoll-lt epoll-et epoll-et-before; do
		for opt in "" -r -t; do
			[[ $opt != -t || $mode == epoll-lt || $mode == epoll-et ]] || continue
			run --separate-stderr client_socksified "socks5://$PROXY_IP:$SPLIT_PORT" \
				SOCKSIFY_GSSAPI=1 "$REPO/build/tests/helpers/rwclient" $opt "$mode" \
				"$DEST_IP" 7
			if [ "$status" -ne 0 ] ||
				! printf '%s\n' "$output" | grep -qE "^PEER-LINE PEER $PROXY_OUT_IP [0-9]+$" ||
				[ "$(line_value EARLY-READABLE)" != 0 ] ||
				[ "$(line_value EMPTY-READABLE)" != 0 ]; then
				echo "# rwclient $opt $mode:" >&2
				printf '#   %s\n' "${lines[@]}" "$stderr" >&2
				return 1
			fi
		done
	done
}

@test "short writes on a non-blocking socket with a tiny send buffer, to a slow proxy, lose and repeat nothing" {
	local mode
	for mode in select poll epoll; do
		run --separate-stderr client_socksified "socks5://$PROXY_IP:$SLOW_PORT" \
			SOCKSIFY_GSSAPI=1 "$PY" "$HELPERS/nbecho.py" "$mode" "$DEST_IP" 7 \
			$((1 << 20)) 4096 40000
		assert_success
		assert_line "RESULT ok"
		# Messages were left queued: sends came back short or took nothing.
		[ $(($(line_value SHORT) + $(line_value EAGAIN))) -gt 0 ]
	done
}

@test "readv, writev, MSG_PEEK, FIONREAD, splice, sendfile, dup and MSG_OOB on a protected connection" {
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$BATCH_PORT" \
		SOCKSIFY_GSSAPI=1 "$REPO/build/tests/helpers/gssrw" "$DEST_IP" 7
	assert_success
	assert_line "PEEK ok"
	assert_line "FIONREAD ok"
	assert_line "READV ok"
	assert_line "SPLICE EOPNOTSUPP"
	assert_line "SENDFILE ok"
	assert_line "DUP ok"
	assert_line "OOB EOPNOTSUPP"
}

@test "a child forked while a thread of the parent waits in a read on a protected connection can use it" {
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$CONF_PORT" \
		SOCKSIFY_GSSAPI=1 timeout 20 "$PY" -c '
import errno, os, socket, sys, threading, time
s = socket.create_connection((sys.argv[1], 7), timeout=15)
peer = b""
while not peer.endswith(b"\n"):
    peer += s.recv(1)
s.settimeout(None)
t = threading.Thread(target=lambda: s.recv(1), daemon=True)
t.start()
time.sleep(0.5)
pid = os.fork()
if pid == 0:
    try:
        s.recv(1, socket.MSG_DONTWAIT)
        print("CHILD data")
    except BlockingIOError:
        print("CHILD EAGAIN")
    sys.stdout.flush()
    os._exit(0)
os.waitpid(pid, 0)
print("PARENT done")
' "$DEST_IP"
	assert_success
	assert_line "CHILD EAGAIN"
	assert_line "PARENT done"
}

@test "a BIND through a proxy that selects protection is refused with one line" {
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$INTEG_PORT" \
		SOCKSIFY_GSSAPI=1 "$PY" -c '
import errno, socket, sys
s = socket.create_connection((sys.argv[1], 7), timeout=15)
print("CONNECTED")
l = socket.socket()
try:
    l.bind((s.getsockname()[0], 0))
    l.listen(1)
    l.settimeout(3)
    l.accept()
    print("ACCEPTED")
except OSError as e:
    print("ERRNO", errno.errorcode.get(e.errno, e.errno))
' "$DEST_IP"
	assert_line "CONNECTED"
	refute_line "ACCEPTED"
	assert_line --regexp "^ERRNO E"
	[ "$(printf '%s\n' "$stderr" | grep -c '^socksify: ')" -eq 1 ]
	printf '%s\n' "$stderr" | grep -q "^socksify: .*proxy selected GSSAPI integrity, which socksify carries on CONNECT only, not on BIND" || {
		echo "# $stderr" >&2
		return 1
	}
}

@test "a corrupted token fails the connection closed with one line naming the GSS status" {
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$CORRUPT_PORT" \
		SOCKSIFY_GSSAPI=1 "$PY" -c '
import errno, socket, sys
s = socket.create_connection((sys.argv[1], 7), timeout=15)
s.sendall(b"x" * 300)
got = b""
try:
    while True:
        chunk = s.recv(65536)
        if not chunk:
            print("EOF")
            break
        got += chunk
except OSError as e:
    print("ERRNO", errno.errorcode[e.errno])
try:
    s.sendall(b"more")
    print("SEND ok")
except OSError as e:
    print("SEND", errno.errorcode[e.errno])
print("GOT", len(got))
' "$DEST_IP"
	assert_line "ERRNO EIO"
	assert_line "SEND EIO"
	[ "$(printf '%s\n' "$stderr" | grep -c '^socksify: ')" -eq 1 ]
	printf '%s\n' "$stderr" | grep -E "^socksify: GSSAPI-protected connection .* closed: gss_unwrap failed: A token had an invalid Message Integrity Check \(MIC\)$" >/dev/null || {
		echo "# $stderr" >&2
		return 1
	}
}

@test "without a ticket the connection fails with the GSS status text" {
	krb5_kdestroy
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$CLEAR_PORT" \
		SOCKSIFY_GSSAPI=1 curl -q -sS --max-time 15 "http://$DEST_IP/curl-gss-noticket"
	assert_gss_refused "GSSAPI authentication failed: .*No Kerberos credentials available" \
		/curl-gss-noticket
}

@test "with an expired ticket the connection fails with the GSS status text" {
	krb5_kdestroy
	krb5_kinit -l 2s
	sleep 3
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$CLEAR_PORT" \
		SOCKSIFY_GSSAPI=1 curl -q -sS --max-time 15 "http://$DEST_IP/curl-gss-expired"
	assert_gss_refused "GSSAPI authentication failed: .*expired" /curl-gss-expired
}

@test "a wrong service principal fails with the KDC's answer" {
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$CLEAR_PORT" \
		SOCKSIFY_GSSAPI=1 SOCKSIFY_GSSAPI_SERVICE=nosuch \
		curl -q -sS --max-time 15 "http://$DEST_IP/curl-gss-wrongsvc"
	assert_gss_refused "GSSAPI authentication failed: .*nosuch/$PROXY_IP@$KRB5_REALM not found in Kerberos database" \
		/curl-gss-wrongsvc
}

@test "a missing GSS-API library fails the connection with one line" {
	local lib
	lib=$(readlink -f /lib/x86_64-linux-gnu/libgssapi_krb5.so.2)
	# python3 does not link the library itself: only our dlopen() would load it.
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$CLEAR_PORT" \
		SOCKSIFY_GSSAPI=1 unshare -m sh -c 'mount --bind /dev/null "$1" && shift && exec "$@"' \
		sh "$lib" "$PY" "$HELPERS/client.py" --timeout 5 "$DEST_IP" 80
	assert_gss_refused "cannot load the GSS-API library libgssapi_krb5.so.2: " /
}

@test "UDP through a GSSAPI proxy is refused with one line, before any context is made" {
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$CLEAR_PORT" \
		SOCKSIFY_GSSAPI=1 "$PY" "$HELPERS/udpclient.py" --timeout 3 once "$DEST_IP" 7
	assert_line "ERRNO ENOTSUP"
	[ "$(printf '%s\n' "$stderr" | grep -c '^socksify: ')" -eq 1 ]
	printf '%s\n' "$stderr" | grep -q "^socksify: .*UDP through a proxy that uses GSSAPI authentication is not supported" || {
		echo "# $stderr" >&2
		return 1
	}
	# No GSSAPI exchange reached the proxy.
	! tail -n 2 "$CLEAR_LOG" | grep -q "^AUTH "
}

@test "without SOCKSIFY_GSSAPI the method is not offered and the GSS-API library is not loaded" {
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$CLEAR_PORT" \
		"$PY" -c '
import socket, sys
s = socket.socket()
try:
    s.connect((sys.argv[1], 80))
    print("CONNECTED")
except OSError as e:
    print("ERROR", e.errno)
print("GSSAPI-LOADED" if "libgssapi_krb5" in open("/proc/self/maps").read() else "GSSAPI-NOT-LOADED")
' "$DEST_IP"
	assert_line --regexp '^ERROR [0-9]+$'
	assert_line "GSSAPI-NOT-LOADED"
	[[ $stderr == *"proxy requires authentication"* ]]
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$CLEAR_PORT" \
		SOCKSIFY_GSSAPI=1 "$PY" -c '
import socket, sys
s = socket.socket()
s.connect((sys.argv[1], 80))
print("CONNECTED")
print("GSSAPI-LOADED" if "libgssapi_krb5" in open("/proc/self/maps").read() else "GSSAPI-NOT-LOADED")
' "$DEST_IP"
	assert_success
	assert_line "CONNECTED"
	assert_line "GSSAPI-LOADED"
}

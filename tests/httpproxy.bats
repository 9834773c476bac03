#!/usr/bin/env bats
# HTTP CONNECT proxies end to end: tinyproxy and squid, with and without
# Basic authentication, in the proxy namespace of tests/lib/netns.bash;
# curl, wget and Python in the client namespace, which can reach nothing
# but the proxy.  Names like web.test are in the proxy namespace's hosts
# file only, so reaching them by name proves the proxy resolved them, and
# the capture on the client's interface shows that no DNS query left.  The
# proxies' own logs show each CONNECT, and the destination sees the
# proxy's outgoing address.

load lib/common
load lib/netns

TP_PORT=3128
TPA_PORT=3129
SQ_PORT=3130
SQA_PORT=3131
# The Basic credentials of the authenticating proxies.  squid's password
# holds ':' and '@', percent-encoded in its URL; tinyproxy's configuration
# takes only letters, digits, '_' and '-'.
USER_NAME=alice
USER_PASS='pa:ss@w0rd'
USER_URL='alice:pa%3Ass%40w0rd'
TP_PASS=s3cret_pw

# start_ns_tinyproxy NAME PORT [USER PASSWORD]: tinyproxy in the proxy
# namespace on PROXY_IP:PORT, allowing CONNECT to ports 7, 9 and 80, logging
# every request.  Sets PID and LOG.
start_ns_tinyproxy() {
	local name=$1 port=$2 user=${3:-} pass=${4:-} dir conf
	dir=$(bg_dir)
	command -v tinyproxy >/dev/null || {
		echo "# tinyproxy is not installed (make deps)" >&2
		return 1
	}
	LOG="$dir/$name.log"
	conf="$dir/$name.conf"
	: >"$LOG"
	{
		echo "Port $port"
		echo "Listen $PROXY_IP"
		echo "Timeout 30"
		echo "LogFile \"$LOG\""
		echo "LogLevel Connect"
		echo "MaxClients 50"
		echo "ConnectPort 7"
		echo "ConnectPort 9"
		echo "ConnectPort 80"
		[ -z "$user" ] || echo "BasicAuth $user $pass"
	} >"$conf"
	start_bg "$name" ip netns exec "$NETNS_PROXY" tinyproxy -d -c "$conf"
	PID=$BG_PID
	ns_wait_port "$NETNS_PROXY" "$PROXY_IP" "$port" "$PID" ||
		server_failed "$name" "did not start" "$LOG" "$conf"
}

# start_ns_squid NAME PORT [USER PASSWORD]: squid in the proxy namespace on
# PROXY_IP:PORT, no cache, CONNECT allowed to ports 7, 9 and 80 only, with
# Basic authentication (basic_ncsa_auth, an htpasswd file) when USER is
# given.  squid drops root for its "proxy" user, so its files live in a
# directory of their own that user can reach, SQUID_DIRS lists them for
# teardown_file.  Sets PID and LOG (the access log).
start_ns_squid() {
	local name=$1 port=$2 user=${3:-} pass=${4:-} dir conf
	command -v squid >/dev/null || {
		echo "# squid is not installed (make deps)" >&2
		return 1
	}
	dir=$(mktemp -d /tmp/socksify-squid.XXXXXX) || return 1
	echo "$dir" >>"$BATS_FILE_TMPDIR/squid-dirs"
	chmod 0777 "$dir"
	LOG="$dir/access.log"
	conf="$dir/squid.conf"
	{
		echo "http_port $PROXY_IP:$port"
		echo "pid_filename $dir/squid.pid"
		echo "cache_log $dir/cache.log"
		echo "access_log stdio:$LOG"
		echo "cache_store_log none"
		echo "cache deny all"
		echo "cache_mem 4 MB"
		echo "coredump_dir $dir"
		echo "netdb_filename none"
		echo "pinger_enable off"
		echo "shutdown_lifetime 0 seconds"
		echo "dns_timeout 2 seconds"
		echo "acl testports port 7 9 80"
		echo "http_access deny CONNECT !testports"
		if [ -n "$user" ]; then
			printf '%s:%s\n' "$user" "$(openssl passwd -apr1 "$pass")" >"$dir/htpasswd"
			chmod 0644 "$dir/htpasswd"
			echo "auth_param basic program /usr/lib/squid/basic_ncsa_auth $dir/htpasswd"
			echo "auth_param basic realm socksify-test"
			echo "acl authed proxy_auth REQUIRED"
			echo "http_access allow CONNECT authed"
		else
			echo "http_access allow CONNECT"
		fi
		echo "http_access deny all"
	} >"$conf"
	start_bg "$name" ip netns exec "$NETNS_PROXY" squid -N -f "$conf"
	PID=$BG_PID
	ns_wait_port "$NETNS_PROXY" "$PROXY_IP" "$port" "$PID" ||
		server_failed "$name" "did not start" "$dir/cache.log" "$conf"
}

setup_file() {
	require_library
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	netns_setup
	start_ns_dest web "$NETNS_DEST" "$DEST_IP" 80 --http
	export WEB_LOG=$LOG
	start_ns_dest echo "$NETNS_DEST" "$DEST_IP" 7
	export ECHO_LOG=$LOG
	start_ns_tinyproxy tinyproxy "$TP_PORT"
	export TP_LOG=$LOG
	start_ns_tinyproxy tinyproxy-auth "$TPA_PORT" "$USER_NAME" "$TP_PASS"
	export TPA_LOG=$LOG
	start_ns_squid squid "$SQ_PORT"
	export SQ_LOG=$LOG
	start_ns_squid squid-auth "$SQA_PORT" "$USER_NAME" "$USER_PASS"
	export SQA_LOG=$LOG
	export TP_URL="http://$PROXY_IP:$TP_PORT"
	export TPA_URL="http://$USER_NAME:$TP_PASS@$PROXY_IP:$TPA_PORT"
	export SQ_URL="http://$PROXY_IP:$SQ_PORT"
	export SQA_URL="http://$USER_URL@$PROXY_IP:$SQA_PORT"
}

teardown_file() {
	local dir
	stop_all "$BATS_FILE_TMPDIR"
	netns_teardown
	if [ -f "$BATS_FILE_TMPDIR/squid-dirs" ]; then
		while read -r dir; do
			case $dir in
			/tmp/socksify-squid.*) rm -rf "$dir" ;;
			esac
		done <"$BATS_FILE_TMPDIR/squid-dirs"
	fi
}

# The destination's HTTP answer and log show the proxy's outgoing address.
assert_web_via_proxy() {
	local path=$1
	assert_line --regexp "^PEER $PROXY_OUT_IP [0-9]+$"
	assert_line "PATH $path"
	log_has "$WEB_LOG" "^GET $path $PROXY_OUT_IP [0-9]+$"
}

# The line of the helper's output that is the echo of TEXT, carried through.
assert_echo_via_proxy() {
	assert_line --regexp "^LINE PEER $PROXY_OUT_IP [0-9]+$"
	assert_line "ECHO $1"
}

@test "curl fetches http://web.test/ through tinyproxy, which resolves the name; no DNS query leaves" {
	capture_start
	run --separate-stderr client_socksified "$TP_URL" \
		curl -q -sS --max-time 15 http://web.test/curl-tinyproxy
	capture_stop
	assert_success
	assert_web_via_proxy /curl-tinyproxy
	log_has "$TP_LOG" 'CONNECT web\.test:80 HTTP/1\.1'
	assert_no_leak "$TP_PORT"
	assert_proxy_used "$TP_PORT"
}

@test "wget downloads by address through tinyproxy with Basic authentication" {
	run --separate-stderr client_socksified "$TPA_URL" \
		wget --no-config -q -O - --tries=1 --timeout=15 "http://$DEST_IP/wget-tinyproxy"
	assert_success
	assert_web_via_proxy /wget-tinyproxy
	log_has "$TPA_LOG" "CONNECT $DEST_IP:80 HTTP/1\.1"
	[[ $stderr != *"$TP_PASS"* ]]
}

@test "python3 reaches echo.test by name through tinyproxy with Basic authentication; no DNS query leaves" {
	capture_start
	run client_socksified "$TPA_URL" "$PY" "$HELPERS/connectname.py" echo.test 7 hello
	capture_stop
	assert_success
	assert_echo_via_proxy hello
	log_has "$TPA_LOG" 'CONNECT echo\.test:7 HTTP/1\.1'
	assert_no_leak "$TPA_PORT"
}

@test "a non-blocking python3 socket connects through tinyproxy and keeps its flags" {
	run client_socksified "$TP_URL" "$PY" "$HELPERS/client.py" --mode nonblock \
		--send hello "$DEST_IP" 7
	assert_success
	assert_line "CONNECTED"
	assert_line "NONBLOCK yes"
	assert_line "FLAGS-KEPT yes"
	assert_line --regexp "^PEER-LINE PEER $PROXY_OUT_IP [0-9]+$"
	assert_line "GETPEERNAME $DEST_IP 7"
	assert_line "ECHO hello"
}

@test "python3 asyncio connects through tinyproxy" {
	run client_socksified "$TP_URL" "$PY" "$HELPERS/client.py" --mode asyncio \
		--send hello "$DEST_IP" 7
	assert_success
	assert_line "ECHO hello"
	assert_line --regexp "^PEER-LINE PEER $PROXY_OUT_IP [0-9]+$"
}

@test "tinyproxy's wrong password: 401 in its words, EACCES, and no password in the log" {
	run --separate-stderr client_socksified "http://alice:wrong%40pw@$PROXY_IP:$TPA_PORT" \
		"$PY" "$HELPERS/client.py" "$DEST_IP" 7
	assert_failure
	assert_output --partial "ERRNO EACCES"
	[[ $stderr == *"$DEST_IP:7 via http $PROXY_IP:$TPA_PORT: proxy answered 401 Unauthorized (the proxy rejected the user name or password)"* ]]
	[[ $stderr != *"wrong@pw"* && $stderr != *"wrong%40pw"* ]]
}

@test "tinyproxy cannot reach a closed port: ECONNREFUSED with its reason phrase" {
	run --separate-stderr client_socksified "$TP_URL" "$PY" "$HELPERS/client.py" "$DEST_IP" 9
	assert_failure
	assert_output --partial "ERRNO ECONNREFUSED"
	[[ $stderr == *"proxy answered 500 Unable to connect"* ]]
}

@test "tinyproxy refuses a port it does not allow: 403, EACCES" {
	run --separate-stderr client_socksified "$TP_URL" "$PY" "$HELPERS/client.py" "$DEST_IP" 22
	assert_failure
	assert_output --partial "ERRNO EACCES"
	[[ $stderr == *"proxy answered 403 Access violation"* ]]
}

@test "curl fetches http://web.test/ through squid with Basic authentication; no DNS query leaves" {
	capture_start
	run --separate-stderr client_socksified "$SQA_URL" \
		curl -q -sS --max-time 15 http://web.test/curl-squid
	capture_stop
	assert_success
	assert_web_via_proxy /curl-squid
	log_has "$SQA_LOG" "TCP_TUNNEL/200 .* CONNECT web\.test:80 $USER_NAME "
	assert_no_leak "$SQA_PORT"
	[[ $stderr != *"$USER_PASS"* ]]
}

@test "wget downloads http://web.test/ through squid without authentication" {
	run client_socksified "$SQ_URL" \
		wget --no-config -q -O - --tries=1 --timeout=15 http://web.test/wget-squid
	assert_success
	assert_web_via_proxy /wget-squid
	log_has "$SQ_LOG" 'TCP_TUNNEL/200 .* CONNECT web\.test:80 '
}

@test "python3 reaches echo.test by name and by address through squid" {
	run client_socksified "$SQA_URL" "$PY" "$HELPERS/connectname.py" echo.test 7 by-name
	assert_success
	assert_echo_via_proxy by-name
	run client_socksified "$SQ_URL" "$PY" "$HELPERS/client.py" --send by-address "$DEST_IP" 7
	assert_success
	assert_line "ECHO by-address"
	log_has "$SQ_LOG" "CONNECT $DEST_IP:7 "
}

@test "squid without credentials: 407 with the hint to give them, EACCES" {
	run --separate-stderr client_socksified "http://$PROXY_IP:$SQA_PORT" \
		curl -q -sS --max-time 15 http://web.test/no-auth
	assert_failure
	[[ $stderr == *"web.test:80 via http $PROXY_IP:$SQA_PORT: proxy answered 407 Proxy Authentication Required (give user:password in the URL)"* ]]
	run client_socksified "http://$PROXY_IP:$SQA_PORT" "$PY" "$HELPERS/client.py" "$DEST_IP" 7
	assert_output --partial "ERRNO EACCES"
}

@test "squid denies a port outside its rules: 403 Forbidden, EACCES" {
	run --separate-stderr client_socksified "$SQ_URL" "$PY" "$HELPERS/client.py" "$DEST_IP" 22
	assert_failure
	assert_output --partial "ERRNO EACCES"
	[[ $stderr == *"proxy answered 403 Forbidden"* ]]
}

@test "squid cannot reach a closed port: 503, ECONNREFUSED" {
	run --separate-stderr client_socksified "$SQ_URL" "$PY" "$HELPERS/client.py" "$DEST_IP" 9
	assert_failure
	assert_output --partial "ERRNO ECONNREFUSED"
	[[ $stderr == *"proxy answered 503 Service Unavailable"* ]]
}

@test "squid cannot resolve a name: the program's connect fails, and still no DNS query leaves" {
	capture_start
	run --separate-stderr client_socksified "$SQ_URL" "$PY" "$HELPERS/connectname.py" \
		nowhere.test 80
	capture_stop
	assert_failure
	[[ $stderr == *"nowhere.test:80 via http $PROXY_IP:$SQ_PORT: proxy answered 5"* ]]
	log_has "$SQ_LOG" 'CONNECT nowhere\.test:80 '
	assert_no_leak "$SQ_PORT"
}

@test "BIND through tinyproxy fails with EOPNOTSUPP and one log line" {
	run --separate-stderr client_socksified "$TP_URL" "$REPO/build/tests/helpers/bindclient" \
		-x "$DEST_IP" 7
	assert_failure
	assert_line "ERRNO EOPNOTSUPP getsockname-listen"
	[ "$(grep -c "BIND via http $PROXY_IP:$TP_PORT: an HTTP proxy carries only CONNECT tunnels, no BIND" <<<"$stderr")" -eq 1 ]
}

#!/usr/bin/env bats
# SOCKS BIND: programs that take a connection back from their peer (FTP's
# active mode) get it through the proxy.  Everything runs in three network
# namespaces (tests/lib/ftp.bash): the client can reach the proxy and
# nothing else, the FTP server (vsftpd) and tests/helpers/backpeer.py sit
# behind the proxy.  danted implements BIND; microsocks refuses it.

load lib/common
load lib/ftp

FTP_PORT=2121
DANTE_PORT=1080
MS_PORT=1081

setup_file() {
	local why
	require_library
	why=$(lab_can_run) || skip "$why"
	lab_up || {
		lab_down
		echo "# cannot build the network namespaces" >&2
		return 1
	}
	export FTP_ROOT="$BATS_FILE_TMPDIR/ftproot"
	mkdir -p "$FTP_ROOT"
	chmod 755 "$FTP_ROOT"
	head -c 300000 /dev/urandom >"$FTP_ROOT/file.bin"
	chmod 644 "$FTP_ROOT/file.bin"
	export FILE_SHA
	FILE_SHA=$(sha256sum <"$FTP_ROOT/file.bin" | cut -d' ' -f1)
	start_lab_danted dante "$DANTE_PORT"
	export DANTE_LOG=$LOG
	start_lab_microsocks ms "$MS_PORT"
	start_lab_vsftpd ftp "$FTP_PORT" "$FTP_ROOT"
	export FTP_LOG=$LOG
	start_lab_backpeer peer
	export PEER_PORT=$PORT PEER_LOG=$LOG
	export DANTE="socks5://$LAB_PROXY_IP:$DANTE_PORT"
	export MS="socks5://$LAB_PROXY_IP:$MS_PORT"
	export FTP_URL="ftp://$LAB_SERVER_IP:$FTP_PORT/file.bin"
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
	lab_down
}

# assert_file_intact FILE: FILE is the one the FTP server serves.
assert_file_intact() {
	local got
	got=$(sha256sum <"$1" | cut -d' ' -f1)
	[ "$got" = "$FILE_SHA" ] || {
		echo "# $1: sha256 $got, expected $FILE_SHA" >&2
		return 1
	}
}

# binds_logged: how many BIND sessions danted has logged so far.
binds_logged() {
	grep -c 'tcp/bind \[' "$DANTE_LOG" || true
}

# bindclient ARGS...: tests/helpers/bindclient through danted, talking to
# backpeer.py.
bindclient() {
	lab_client "$DANTE" "$REPO/build/tests/helpers/bindclient" "$@" \
		"$LAB_SERVER_IP" "$PEER_PORT"
}

# assert_called_back: bindclient's report of one connection the peer made
# back through danted to where getsockname() said the socket listens.
assert_called_back() {
	local listen peer
	assert_line --regexp "^CONTROL ${LAB_PROXY_OUT//./\\.} [0-9]+$"
	listen=$(line_value LISTEN)
	[[ $listen =~ ^${LAB_PROXY_OUT//./\\.}\ [0-9]+$ ]] || {
		echo "# LISTEN '$listen' is not the proxy's outside address" >&2
		return 1
	}
	assert_line "ACCEPTED"
	peer=$(line_value PEER)
	[[ $peer =~ ^${LAB_SERVER_IP//./\\.}\ [0-9]+$ ]] || {
		echo "# PEER '$peer' is not the server" >&2
		return 1
	}
	assert_line "ADDR $peer"
	assert_line "LOCAL $listen"
	assert_line "DATA HELLO $peer"
	assert_line "PEER-SAYS CALLED $peer"
	assert_line "FDS-LEAKED 0"
	log_has "$PEER_LOG" "^CALL ${listen// / }$"
}

@test "curl --ftp-port - downloads a file through danted's BIND" {
	local before out="$BATS_TEST_TMPDIR/curl.bin"
	before=$(binds_logged)
	run --separate-stderr lab_client "$DANTE" curl -q -sS --ftp-port - -o "$out" "$FTP_URL"
	assert_success
	assert_file_intact "$out"
	[ "$(binds_logged)" -eq $((before + 1)) ]
	log_has "$DANTE_LOG" "tcp/bindreply \[: ${LAB_SERVER_IP//./\\.}\.[0-9]+ ${LAB_PROXY_OUT//./\\.}\.[0-9]+ -> ${LAB_PROXY_IP//./\\.}\.$DANTE_PORT ${LAB_CLIENT_IP//./\\.}\."
	log_has "$FTP_LOG" "OK DOWNLOAD: Client \"${LAB_PROXY_OUT//./\\.}\", \"/file.bin\", 300000 bytes"
}

@test "wget --no-passive-ftp downloads a file through danted's BIND" {
	local before out="$BATS_TEST_TMPDIR/wget.bin"
	before=$(binds_logged)
	run --separate-stderr lab_client "$DANTE" wget --no-config -q --no-passive-ftp \
		--tries=1 --timeout=15 -O "$out" "$FTP_URL"
	assert_success
	assert_file_intact "$out"
	[ "$(binds_logged)" -eq $((before + 1)) ]
}

@test "a blocking accept() in wget without a timeout gets the connection too" {
	local out="$BATS_TEST_TMPDIR/wget-block.bin"
	run --separate-stderr lab_client "$DANTE" wget --no-config -q --no-passive-ftp \
		--tries=1 -O "$out" "$FTP_URL"
	assert_success
	assert_file_intact "$out"
}

@test "socks4 carries the BIND as well" {
	local out="$BATS_TEST_TMPDIR/curl4.bin"
	run --separate-stderr lab_client "socks4://$LAB_PROXY_IP:$DANTE_PORT" \
		curl -q -sS --ftp-port - -o "$out" "$FTP_URL"
	assert_success
	assert_file_intact "$out"
}

@test "passive mode keeps working through danted (no BIND)" {
	local before
	before=$(binds_logged)
	run --separate-stderr lab_client "$DANTE" curl -q -sS -o "$BATS_TEST_TMPDIR/p1.bin" "$FTP_URL"
	assert_success
	assert_file_intact "$BATS_TEST_TMPDIR/p1.bin"
	run --separate-stderr lab_client "$DANTE" wget --no-config -q --passive-ftp \
		--tries=1 --timeout=15 -O "$BATS_TEST_TMPDIR/p2.bin" "$FTP_URL"
	assert_success
	assert_file_intact "$BATS_TEST_TMPDIR/p2.bin"
	[ "$(binds_logged)" -eq "$before" ]
}

@test "the client's wire carries nothing but its traffic with the proxy" {
	local pcap="$BATS_TEST_TMPDIR/client.pcap" cap
	start_lab_capture capture "$pcap"
	cap=$PID
	run --separate-stderr lab_client "$DANTE" curl -q -sS --ftp-port - \
		-o "$BATS_TEST_TMPDIR/a.bin" "$FTP_URL"
	assert_success
	run --separate-stderr lab_client "$DANTE" wget --no-config -q --no-passive-ftp \
		--tries=1 --timeout=15 -O "$BATS_TEST_TMPDIR/b.bin" "$FTP_URL"
	assert_success
	run --separate-stderr lab_client "$DANTE" curl -q -sS -o "$BATS_TEST_TMPDIR/c.bin" "$FTP_URL"
	assert_success
	stop_pid "$cap"
	run tcpdump -nn -r "$pcap"
	assert_success
	# Something was captured, and every packet is to or from the proxy.
	assert_line --regexp "IP ${LAB_CLIENT_IP//./\\.}\.[0-9]+ > ${LAB_PROXY_IP//./\\.}\.$DANTE_PORT: "
	local bad
	bad=$(printf '%s\n' "$output" | grep -vE \
		-e "IP ${LAB_CLIENT_IP//./\\.}\.[0-9]+ > ${LAB_PROXY_IP//./\\.}\.$DANTE_PORT: " \
		-e "IP ${LAB_PROXY_IP//./\\.}\.$DANTE_PORT > ${LAB_CLIENT_IP//./\\.}\.[0-9]+: " \
		-e "ARP, (Request who-has|Reply) ${LAB_PROXY_IP//./\\.}|ARP, (Request who-has|Reply) ${LAB_CLIENT_IP//./\\.}" \
		-e '^reading from file' || true)
	[ -z "$bad" ] || {
		echo "# packets that are not traffic with the proxy:" >&2
		printf '%s\n' "$bad" | sed 's/^/# /' >&2
		return 1
	}
}

@test "getsockname() names the proxy's ends, and the peer's connection comes in whatever the program waits with" {
	local mode
	for mode in block nonblock poll select epoll; do
		run bindclient -w "$mode"
		assert_success
		assert_called_back
	done
	# Added to the epoll set before bind(): the BIND's readiness still shows.
	run bindclient -w epoll -E
	assert_success
	assert_called_back
	assert_line "READY 1"
}

@test "accept4() gives the connection the flags it asked for; accept() none" {
	run bindclient -4 nonblock,cloexec
	assert_success
	assert_called_back
	assert_line "NONBLOCK yes"
	assert_line "CLOEXEC yes"
	run bindclient -w poll -4 cloexec
	assert_success
	assert_line "NONBLOCK no"
	assert_line "CLOEXEC yes"
	run bindclient -w poll
	assert_success
	assert_line "NONBLOCK no"
	assert_line "CLOEXEC no"
}

@test "one BIND serves one connection: the next one gets a new BIND and address" {
	local before ports
	before=$(binds_logged)
	run bindclient -w poll -n 2
	assert_success
	ports=$(printf '%s\n' "$output" | sed -n 's/^LISTEN [0-9.]* //p' | sort -u | wc -l)
	[ "$ports" -eq 2 ]
	[ "$(printf '%s\n' "$output" | grep -c '^ACCEPTED$')" -eq 2 ]
	assert_line "FDS-LEAKED 0"
	[ "$(binds_logged)" -eq $((before + 2)) ]
}

@test "a socket bound to the any-address with port 0 listens through the proxy" {
	run bindclient -b any -l -w select
	assert_success
	assert_called_back
}

@test "a socket bound to AF_UNSPEC 0.0.0.0, which the kernel takes as AF_INET, listens through the proxy too" {
	local before
	before=$(binds_logged)
	run bindclient -b unspec -l -w select
	assert_success
	assert_called_back
	[ "$(binds_logged)" -eq $((before + 1)) ]
}

@test "a client bound to the any-address with port 0 gets its real address from getsockname(), and no BIND" {
	local before
	before=$(binds_logged)
	run bindclient -b any -C
	assert_success
	assert_line --regexp '^BOUND 0\.0\.0\.0 [1-9][0-9]*$'
	assert_line "CLIENT-CONNECT 0"
	assert_line "FDS-LEAKED 0"
	[ "$(binds_logged)" -eq "$before" ]
}

@test "a socket bound to loopback stays a local listener" {
	local before
	before=$(binds_logged)
	run bindclient -b loopback -L -w poll
	assert_success
	assert_line --regexp '^LISTEN 127\.0\.0\.1 [0-9]+$'
	assert_line "DATA HELLO local"
	assert_line "FDS-LEAKED 0"
	[ "$(binds_logged)" -eq "$before" ]
}

@test "a blocking accept() with no peer gives up after the timeout; closing frees everything" {
	local ms
	run --separate-stderr lab_exec c timeout -k 2 "$CLIENT_TIMEOUT" env \
		SOCKS_PROXY="$DANTE" SOCKSIFY_TIMEOUT=1 "$SOCKSIFY" \
		"$REPO/build/tests/helpers/bindclient" -x "$LAB_SERVER_IP" "$PEER_PORT"
	assert_success
	assert_line "ACCEPT-ERRNO ETIMEDOUT"
	assert_line "FDS-LEAKED 0"
	ms=$(line_value ELAPSED-MS)
	[ "$ms" -ge 900 ] && [ "$ms" -lt 5000 ]
	[[ $stderr == *"socksify: BIND for $LAB_SERVER_IP:$PEER_PORT via socks5 $LAB_PROXY_IP:$DANTE_PORT: no peer connected to the proxy within the timeout"* ]]
}

@test "a non-blocking listener is not ready and says EAGAIN while no peer came" {
	local mode
	for mode in poll select epoll nonblock; do
		run bindclient -x -w "$mode" -t 400
		assert_success
		if [ "$mode" != nonblock ]; then
			assert_line "READY 0"
		fi
		assert_line "ACCEPT-ERRNO EAGAIN"
		assert_line "FDS-LEAKED 0"
	done
}

@test "microsocks refuses BIND: curl's active FTP fails at once, with one clear line" {
	local start=$SECONDS
	run --separate-stderr lab_client "$MS" curl -q -sS --ftp-port - \
		-o "$BATS_TEST_TMPDIR/ms.bin" "$FTP_URL"
	assert_failure 30
	[ $((SECONDS - start)) -lt 5 ]
	[ "$(printf '%s\n' "$stderr" | grep -c '^socksify:')" -eq 1 ]
	[[ $stderr == *"socksify: BIND for $LAB_SERVER_IP:$FTP_PORT via socks5 $LAB_PROXY_IP:$MS_PORT: command not supported"* ]]
	[[ $stderr == *"Operation not supported"* ]]
}

@test "microsocks refuses BIND: wget's active FTP fails, passive mode still works" {
	run --separate-stderr lab_client "$MS" wget --no-config -nv --no-passive-ftp \
		--tries=1 --timeout=10 -O "$BATS_TEST_TMPDIR/ms.bin" "$FTP_URL"
	assert_failure
	[[ $stderr == *"command not supported"* ]]
	run --separate-stderr lab_client "$MS" curl -q -sS -o "$BATS_TEST_TMPDIR/msp.bin" "$FTP_URL"
	assert_success
	assert_file_intact "$BATS_TEST_TMPDIR/msp.bin"
}

@test "a refused BIND leaves no descriptor behind" {
	run lab_client "$MS" "$REPO/build/tests/helpers/bindclient" "$LAB_SERVER_IP" "$PEER_PORT"
	assert_failure 1
	assert_line "ERRNO EOPNOTSUPP getsockname-listen"
	assert_line "FDS-LEAKED 0"
}

# Network namespaces for the remote DNS tests: a client that can reach only
# the proxy, a destination that only the proxy can reach, and host names
# that only the proxy can resolve.  Load after lib/common.
#
#   client                     proxy                         destination
#   <id>c0 192.0.2.1/24 ---- <id>p0 192.0.2.2/24
#                            <id>p1 198.51.100.1/24 ---- <id>d0 198.51.100.2/24
#                                                               198.51.100.53/24
#
# The client's default route points at the proxy namespace, which does not
# forward: a packet the client sends to anything but the proxy still leaves
# the client's interface (where tcpdump sees it) and goes no further.  The
# client's resolv.conf names 198.51.100.53, a nameserver address in the
# destination namespace, so that a DNS leak is a packet on that interface.
# Test names (web.test, echo.test, ssh.test) are in the proxy namespace's
# hosts file only; the client's hosts file lists localhost and local.test.
# IPv6 is disabled in all three namespaces to keep the capture quiet.
#
# "ip netns exec NS" bind-mounts /etc/netns/NS/* over /etc/*; those files
# and the namespaces (and with them the veth pairs) are removed by
# netns_teardown, which every file using this calls from teardown_file,
# also after a failed setup.

CLIENT_IP=192.0.2.1
PROXY_IP=192.0.2.2
PROXY_OUT_IP=198.51.100.1
DEST_IP=198.51.100.2
NAMESERVER_IP=198.51.100.53
LOCAL_TEST_IP=192.0.2.77

# A prefix unique to this run, short enough for interface names (15 bytes).
netns_id() {
	printf 'sx%x%02x' "$$" "$((RANDOM % 256))"
}

# netns_sysctl NS: no IPv6 on any interface of NS.
netns_sysctl() {
	ip netns exec "$1" sysctl -q -w net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 >/dev/null
}

# netns_setup: build the topology above.  Exports NETNS_ID, NETNS_CLIENT,
# NETNS_PROXY, NETNS_DEST and NETNS_CLIENT_IF.  Returns 1 (after printing
# why) when any step fails; netns_teardown removes whatever was made.
netns_setup() {
	local id c p d
	command -v ip >/dev/null || {
		echo "# ip (iproute2) is not installed" >&2
		return 1
	}
	id=$(netns_id)
	export NETNS_ID=$id
	export NETNS_CLIENT="$id-client" NETNS_PROXY="$id-proxy" NETNS_DEST="$id-dest"
	export NETNS_CLIENT_IF="${id}c0"
	c=$NETNS_CLIENT
	p=$NETNS_PROXY
	d=$NETNS_DEST

	mkdir -p "/etc/netns/$c" "/etc/netns/$p" "/etc/netns/$d" || return 1
	printf '127.0.0.1 localhost\n%s local.test\n%s\n%s\n' "$LOCAL_TEST_IP" \
		"192.0.2.78 multi.test" "2001:db8::78 multi.test" >"/etc/netns/$c/hosts"
	printf 'nameserver %s\noptions timeout:1 attempts:1\n' "$NAMESERVER_IP" \
		>"/etc/netns/$c/resolv.conf"
	printf '127.0.0.1 localhost\n%s web.test echo.test ssh.test\n' "$DEST_IP" \
		>"/etc/netns/$p/hosts"
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' \
		>"/etc/netns/$p/resolv.conf"
	printf '127.0.0.1 localhost\n' >"/etc/netns/$d/hosts"
	printf 'nameserver 127.0.0.1\noptions timeout:1 attempts:1\n' \
		>"/etc/netns/$d/resolv.conf"

	{
		ip netns add "$c" && ip netns add "$p" && ip netns add "$d" &&
			netns_sysctl "$c" && netns_sysctl "$p" && netns_sysctl "$d" &&
			ip link add "${id}c0" netns "$c" type veth peer name "${id}p0" netns "$p" &&
			ip link add "${id}p1" netns "$p" type veth peer name "${id}d0" netns "$d" &&
			ip -n "$c" addr add "$CLIENT_IP/24" dev "${id}c0" &&
			ip -n "$p" addr add "$PROXY_IP/24" dev "${id}p0" &&
			ip -n "$p" addr add "$PROXY_OUT_IP/24" dev "${id}p1" &&
			ip -n "$d" addr add "$DEST_IP/24" dev "${id}d0" &&
			ip -n "$d" addr add "$NAMESERVER_IP/24" dev "${id}d0" &&
			ip -n "$c" link set lo up && ip -n "$p" link set lo up &&
			ip -n "$d" link set lo up &&
			ip -n "$c" link set "${id}c0" up &&
			ip -n "$p" link set "${id}p0" up &&
			ip -n "$p" link set "${id}p1" up &&
			ip -n "$d" link set "${id}d0" up &&
			ip -n "$c" route add default via "$PROXY_IP" &&
			ip netns exec "$p" sysctl -q -w net.ipv4.ip_forward=0 >/dev/null
	} || {
		echo "# could not build the network namespaces $id-*" >&2
		return 1
	}
}

# netns_teardown: stop what runs in the namespaces, delete them and their
# /etc/netns files.  Safe to call when setup stopped half-way, or twice.
netns_teardown() {
	local ns pid
	[ -n "${NETNS_ID:-}" ] || return 0
	for ns in "$NETNS_CLIENT" "$NETNS_PROXY" "$NETNS_DEST"; do
		if [ -e "/run/netns/$ns" ]; then
			# Only processes this file started can live in its namespaces.
			for pid in $(ip netns pids "$ns" 2>/dev/null); do
				stop_pid "$pid"
			done
			ip netns del "$ns" 2>/dev/null || true
		fi
		rm -rf "/etc/netns/$ns"
	done
	rmdir /etc/netns 2>/dev/null || true
	return 0
}

# in_ns NS CMD...: run CMD inside NS, bounded by CLIENT_TIMEOUT.
in_ns() {
	local ns=$1
	shift
	timeout -k 2 "$CLIENT_TIMEOUT" ip netns exec "$ns" "$@"
}

# in_client CMD...: run CMD in the client namespace (without the library).
in_client() {
	in_ns "$NETNS_CLIENT" "$@"
}

# client_socksified URL [VAR=VALUE...] CMD...: run CMD in the client
# namespace through socksify with SOCKS_PROXY=URL and the given settings.
client_socksified() {
	local url=$1
	local -a vars=("SOCKS_PROXY=$url")
	shift
	mapfile -t -O 1 vars < <(test_lib_vars)
	while [ $# -gt 0 ] && [[ $1 == [A-Za-z_]*=* ]]; do
		vars+=("$1")
		shift
	done
	in_client env "${vars[@]}" "$SOCKSIFY" "$@"
}

# ns_is_listening NS HOST PORT: a TCP socket listens on HOST:PORT in NS.
ns_is_listening() {
	ip netns exec "$1" ss -Hltn "sport = :$3" 2>/dev/null |
		awk '{print $4}' | grep -qxF "$2:$3"
}

# ns_wait_port NS HOST PORT PID: wait (bounded) until HOST:PORT listens in
# NS; fail early when PID dies.
ns_wait_port() {
	local ns=$1 host=$2 port=$3 pid=$4
	local deadline=$((SECONDS + START_TIMEOUT))
	while ! ns_is_listening "$ns" "$host" "$port"; do
		if ! is_alive "$pid"; then
			echo "# the server (pid $pid) died before listening on $host:$port in $ns" >&2
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "# nothing listens on $host:$port in $ns after ${START_TIMEOUT}s" >&2
			return 1
		fi
		sleep 0.05
	done
}

# start_ns_dest NAME NS HOST PORT [--http]: tests/helpers/dest.py in NS.
# Sets PID and LOG.
start_ns_dest() {
	local name=$1 ns=$2 host=$3 port=$4
	shift 4
	LOG="$(bg_dir)/$name.log"
	: >"$LOG"
	start_reporting "$name" ip netns exec "$ns" "$PY" "$HELPERS/dest.py" "$@" \
		--log "$LOG" "$host" "$port"
}

# start_ns_microsocks NAME NS HOST PORT: microsocks in NS.  Sets PID.
start_ns_microsocks() {
	local name=$1 ns=$2 host=$3 port=$4
	command -v microsocks >/dev/null || {
		echo "# microsocks is not installed (make deps)" >&2
		return 1
	}
	start_bg "$name" ip netns exec "$ns" microsocks -i "$host" -p "$port"
	PID=$BG_PID
	ns_wait_port "$ns" "$host" "$port" "$PID" ||
		server_failed "$name" "did not start"
}

# start_ns_danted NAME NS HOST PORT EXTERNAL [COMMANDS]: Dante's sockd in
# NS on HOST:PORT, without authentication, connecting out from EXTERNAL,
# allowing COMMANDS (sockd's "command:" list; default: every command).  It
# resolves names with the C library, from NS's hosts file.  Sets PID, LOG.
start_ns_danted() {
	local name=$1 ns=$2 host=$3 port=$4 external=$5 commands=${6:-} dir conf
	dir=$(bg_dir)
	command -v danted >/dev/null || {
		echo "# danted is not installed (make deps)" >&2
		return 1
	}
	LOG="$dir/$name.log"
	conf="$dir/$name.conf"
	: >"$LOG"
	cat >"$conf" <<EOF
logoutput: $LOG
internal: $host port = $port
external: $external
socksmethod: none
clientmethod: none
user.privileged: root
user.unprivileged: nobody
client pass {
	from: 0.0.0.0/0 to: 0.0.0.0/0
	log: connect disconnect error
}
socks pass {
	from: 0.0.0.0/0 to: 0.0.0.0/0${commands:+
	command: $commands}
	log: connect disconnect error
}
EOF
	start_bg "$name" ip netns exec "$ns" danted -f "$conf" -N 1 -p "$dir/$name.pid"
	PID=$BG_PID
	ns_wait_port "$ns" "$host" "$port" "$PID" ||
		server_failed "$name" "did not start" "$LOG" "$conf"
}

# start_ns_shadowsocks NAME NS HOST PORT OUT: ss-server on NS's loopback and
# "ss-local -u" in front of it on HOST:PORT (shadowsocks-libev), both in NS,
# with a password kept in a private config file: a SOCKS5 proxy that also
# carries UDP, whose traffic leaves NS from the address OUT.  Sets PID
# (ss-local).
start_ns_shadowsocks() {
	local name=$1 ns=$2 host=$3 port=$4 out=$5 dir conf server_port=8388
	dir=$(bg_dir)
	command -v ss-server >/dev/null && command -v ss-local >/dev/null || {
		echo "# shadowsocks-libev is not installed (make deps)" >&2
		return 1
	}
	conf="$dir/$name.json"
	(
		umask 077
		cat >"$conf" <<EOF
{"server": "127.0.0.1", "server_port": $server_port,
 "local_address": "$host", "local_port": $port,
 "password": "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')",
 "method": "chacha20-ietf-poly1305", "timeout": 60}
EOF
	)
	start_bg "$name-server" ip netns exec "$ns" ss-server -c "$conf" -u -b "$out"
	ns_wait_port "$ns" 127.0.0.1 "$server_port" "$BG_PID" ||
		server_failed "$name-server" "did not start" || return 1
	start_bg "$name" ip netns exec "$ns" ss-local -c "$conf" -u
	PID=$BG_PID
	ns_wait_port "$ns" "$host" "$port" "$PID" ||
		server_failed "$name" "did not start"
}

# start_ns_sshd NAME NS HOST PORT: a private sshd in NS on HOST:PORT that
# lets root in with the key NAME.id (in the scope's directory).  Sets PID,
# LOG and SSH_KEY.
start_ns_sshd() {
	local name=$1 ns=$2 host=$3 port=$4 dir
	dir=$(bg_dir)
	[ -x /usr/sbin/sshd ] || {
		echo "# /usr/sbin/sshd is not installed (make deps)" >&2
		return 1
	}
	mkdir -p /run/sshd
	rm -f "$dir/$name.hostkey" "$dir/$name.id" "$dir/$name.id.pub"
	if ! ssh-keygen -q -t ed25519 -N '' -C "$name-host" -f "$dir/$name.hostkey" \
		</dev/null >/dev/null ||
		! ssh-keygen -q -t ed25519 -N '' -C "$name-client" -f "$dir/$name.id" \
			</dev/null >/dev/null; then
		echo "# ssh-keygen failed" >&2
		return 1
	fi
	cp "$dir/$name.id.pub" "$dir/$name.authorized_keys"
	SSH_KEY="$dir/$name.id"
	LOG="$dir/$name.err"
	cat >"$dir/$name.sshd_config" <<EOF
Port $port
ListenAddress $host
HostKey $dir/$name.hostkey
PidFile $dir/$name.sshd.pid
AuthorizedKeysFile $dir/$name.authorized_keys
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
UseDNS no
StrictModes no
AllowTcpForwarding yes
PermitOpen any
PermitTTY no
X11Forwarding no
PrintMotd no
LogLevel DEBUG1
EOF
	start_bg "$name" ip netns exec "$ns" /usr/sbin/sshd -D -e -f "$dir/$name.sshd_config"
	PID=$BG_PID
	ns_wait_port "$ns" "$host" "$port" "$PID" ||
		server_failed "$name" "did not start" "$dir/$name.sshd_config"
}

# ssh_options KEY: the options of a non-interactive ssh client with KEY.
ssh_options() {
	printf '%s\n' -F /dev/null -i "$1" -o StrictHostKeyChecking=no \
		-o UserKnownHostsFile=/dev/null -o BatchMode=yes -o LogLevel=ERROR \
		-o ConnectTimeout=10
}

# start_ns_ssh_socks NAME NS HOST PORT: "ssh -N -D HOST:PORT" in NS, logged
# into a private sshd on 127.0.0.1:22 of NS: a SOCKS4/4a/5 server whose
# connections (and name lookups) are made by that sshd.  Sets PID and LOG
# (sshd's log: one "server_request_direct_tcpip: ... target <host> port
# <p>" line per carried connection).
start_ns_ssh_socks() {
	local name=$1 ns=$2 host=$3 port=$4 sshd_log
	local -a opts
	start_ns_sshd "$name-sshd" "$ns" 127.0.0.1 22 || return 1
	sshd_log=$LOG
	mapfile -t opts < <(ssh_options "$SSH_KEY")
	start_bg "$name" ip netns exec "$ns" ssh -N "${opts[@]}" \
		-o ExitOnForwardFailure=yes -o GatewayPorts=yes \
		-D "$host:$port" root@127.0.0.1
	PID=$BG_PID
	LOG=$sshd_log
	ns_wait_port "$ns" "$host" "$port" "$PID" ||
		server_failed "$name" "ssh -D did not start" "$LOG"
}

# capture_start [NAME]: tcpdump on the client's interface into NAME.pcap in
# the scope's directory (CAPTURE_FILE); returns once tcpdump listens.  In
# immediate mode, each packet is handed to tcpdump (and written: -U) as it
# comes, not a ring buffer block later, so stopping it loses nothing.
capture_start() {
	local name=${1:-capture} deadline
	CAPTURE_FILE="$(bg_dir)/$name.pcap"
	start_bg "$name" ip netns exec "$NETNS_CLIENT" tcpdump -i "$NETNS_CLIENT_IF" \
		--immediate-mode -n -U -w "$CAPTURE_FILE"
	CAPTURE_PID=$BG_PID
	deadline=$((SECONDS + START_TIMEOUT))
	until grep -q "listening on" "$BG_ERR" 2>/dev/null; do
		if ! is_alive "$CAPTURE_PID" || [ "$SECONDS" -ge "$deadline" ]; then
			server_failed "$name" "tcpdump did not start"
			return 1
		fi
		sleep 0.05
	done
}

# capture_stop: send a marker datagram to the proxy's discard port from the
# client namespace, wait (boundedly) until the capture holds it -- so every
# packet before it is written too -- then stop tcpdump and wait for it.
capture_stop() {
	local i
	for i in $(seq 1 100); do
		if [ $((i % 20)) -eq 1 ]; then
			ip netns exec "$NETNS_CLIENT" bash -c \
				"printf mark >/dev/udp/$PROXY_IP/$MARKER_PORT" 2>/dev/null || true
		fi
		[ -n "$(capture_show "udp and dst host $PROXY_IP and dst port $MARKER_PORT")" ] &&
			break
		sleep 0.05
	done
	kill -INT "$CAPTURE_PID" 2>/dev/null || true
	for i in $(seq 1 60); do
		is_alive "$CAPTURE_PID" || break
		sleep 0.05
	done
	stop_pid "$CAPTURE_PID"
}

# The marker and the proxy namespace's answer to it (port unreachable).
MARKER_PORT=9
capture_marker_filter() {
	printf '(udp and dst host %s and dst port %s) or (icmp and src host %s)' \
		"$PROXY_IP" "$MARKER_PORT" "$PROXY_IP"
}

# capture_show [FILTER]: the captured packets matching FILTER, one per line.
capture_show() {
	tcpdump -n -r "$CAPTURE_FILE" "$@" 2>/dev/null
}

# assert_no_leak PORT: nothing on the client's interface but the TCP
# exchange with the proxy's PORT (and ARP, and the marker).  Prints the
# capture on failure.
assert_no_leak() {
	local port=$1 leaks
	leaks=$(capture_show "not arp and not (tcp and host $PROXY_IP and port $port) and not ($(capture_marker_filter))")
	if [ -n "$leaks" ]; then
		echo "# packets to something other than the proxy ($PROXY_IP:$port):" >&2
		printf '%s\n' "$leaks" | sed 's/^/# /' | head -n 40 >&2
		return 1
	fi
}

# assert_silent: nothing at all but ARP (and the marker) on the client's
# interface.
assert_silent() {
	local packets
	packets=$(capture_show "not arp and not ($(capture_marker_filter))")
	if [ -n "$packets" ]; then
		echo "# packets where none were expected:" >&2
		printf '%s\n' "$packets" | sed 's/^/# /' | head -n 40 >&2
		return 1
	fi
}

# assert_proxy_used PORT: at least one packet went to the proxy's PORT.
assert_proxy_used() {
	local port=$1
	[ -n "$(capture_show "tcp and dst host $PROXY_IP and dst port $port")" ] || {
		echo "# no packet to the proxy $PROXY_IP:$port was captured" >&2
		return 1
	}
}

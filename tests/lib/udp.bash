# Servers and clients for the UDP tests, on top of lib/common: Dante's sockd
# and shadowsocks-libev set up to carry UDP, a UDP echo server, a tiny DNS
# server, a scriptable UDP-only SOCKS5 server, and the UDP client helpers.
# Load after lib/common ("load lib/common" then "load lib/udp").

# start_danted_udp NAME [-6] [-p PORT]: Dante's sockd listening on 127.0.0.1
# (with -6 on ::1), no authentication, UDP ASSOCIATE allowed for IPv4 and
# IPv6 destinations.  Its traffic leaves from 127.0.0.4 (IPv4) and ::1
# (IPv6), so a destination that sees 127.0.0.4 proves the relay carried it.
# Sets PORT, PID and LOG (danted's log: one udpassociate line per datagram).
start_danted_udp() {
	local name=$1 host=127.0.0.1 port= dir conf opt
	shift
	while [ $# -gt 0 ]; do
		opt=$1
		case $opt in
		-6)
			host=::1
			shift
			;;
		-p)
			port=$2
			shift 2
			;;
		*)
			echo "# start_danted_udp: unknown option $opt" >&2
			return 1
			;;
		esac
	done
	command -v danted >/dev/null || {
		echo "# danted is not installed (make deps)" >&2
		return 1
	}
	dir=$(bg_dir)
	[ -n "$port" ] || port=$(free_port "$host")
	LOG="$dir/$name.log"
	conf="$dir/$name.conf"
	: >"$LOG"
	{
		echo "logoutput: $LOG"
		echo "internal: $host port = $port"
		echo "external: 127.0.0.4"
		echo "external: ::1"
		echo "socksmethod: none"
		echo "clientmethod: none"
		if [ "$(id -u)" -eq 0 ]; then
			echo "user.privileged: root"
			echo "user.unprivileged: nobody"
		fi
		cat <<'EOF'
client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }
client pass { from: ::/0 to: ::/0 }
socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 log: connect disconnect error iooperation }
socks pass { from: 0.0.0.0/0 to: ::/0 log: connect disconnect error iooperation }
socks pass { from: ::/0 to: 0.0.0.0/0 log: connect disconnect error iooperation }
socks pass { from: ::/0 to: ::/0 log: connect disconnect error iooperation }
EOF
	} >"$conf"
	start_bg "$name" danted -f "$conf" -N 1 -p "$dir/$name.pid"
	PID=$BG_PID
	PORT=$port
	wait_port "$host" "$port" "$START_TIMEOUT" "$PID" ||
		server_failed "$name" "did not start" "$LOG" "$conf"
}

# start_shadowsocks NAME: ss-server and "ss-local -u" (shadowsocks-libev),
# both on 127.0.0.1, chacha20-ietf-poly1305 with a password kept in a
# private config file.  ss-server's traffic leaves from 127.0.0.6.  Sets
# PORT (ss-local's SOCKS5 port, which also carries UDP) and PID (ss-local).
start_shadowsocks() {
	local name=$1 dir conf server_port local_port
	command -v ss-server >/dev/null && command -v ss-local >/dev/null || {
		echo "# shadowsocks-libev is not installed (make deps)" >&2
		return 1
	}
	dir=$(bg_dir)
	server_port=$(free_port)
	local_port=$(free_port)
	conf="$dir/$name.json"
	(
		umask 077
		cat >"$conf" <<EOF
{"server": "127.0.0.1", "server_port": $server_port,
 "local_address": "127.0.0.1", "local_port": $local_port,
 "password": "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')",
 "method": "chacha20-ietf-poly1305", "timeout": 60}
EOF
	)
	start_bg "$name-server" ss-server -c "$conf" -u -b 127.0.0.6
	wait_port 127.0.0.1 "$server_port" "$START_TIMEOUT" "$BG_PID" ||
		server_failed "$name-server" "did not start" || return 1
	start_bg "$name" ss-local -c "$conf" -u
	PID=$BG_PID
	PORT=$local_port
	wait_port 127.0.0.1 "$local_port" "$START_TIMEOUT" "$PID" ||
		server_failed "$name" "did not start"
}

# start_udpecho NAME HOST: tests/helpers/udpecho.py on HOST.  Sets PORT, PID
# and LOG ("FROM <ip> <port> <length>" per datagram).
start_udpecho() {
	local name=$1 host=$2
	LOG="$(bg_dir)/$name.log"
	: >"$LOG"
	start_reporting "$name" "$PY" "$HELPERS/udpecho.py" --log "$LOG" "$host" 0
}

# start_udpdns NAME HOST: tests/helpers/udpdns.py on HOST, answering every A
# question with 192.0.2.53.  Sets PORT, PID and LOG ("QUERY <name> <type>
# FROM <ip> <port>" per query).
start_udpdns() {
	local name=$1 host=$2
	LOG="$(bg_dir)/$name.log"
	: >"$LOG"
	start_reporting "$name" "$PY" "$HELPERS/udpdns.py" --log "$LOG" "$host" 0
}

# start_udpsocks NAME [OPTIONS...]: tests/helpers/udpsocks.py on 127.0.0.1
# (see there for the options).  Sets PORT, PID and LOG.
start_udpsocks() {
	local name=$1
	shift
	LOG="$(bg_dir)/$name.log"
	: >"$LOG"
	start_reporting "$name" "$PY" "$HELPERS/udpsocks.py" --log "$LOG" "$@" 127.0.0.1 0
}

# udpclient ARGS...: tests/helpers/udpclient.py (see there for its output).
udpclient() {
	"$PY" "$HELPERS/udpclient.py" "$@"
}

# udp_through URL ARGS...: udpclient through socksify with SOCKS_PROXY=URL
# (loopback proxied, bounded by CLIENT_TIMEOUT).
udp_through() {
	local url=$1
	shift
	through "$url" "$PY" "$HELPERS/udpclient.py" "$@"
}

# count_lines FILE REGEX: the number of lines of FILE matching REGEX.
count_lines() {
	grep -cE -- "$2" "$1" || true
}

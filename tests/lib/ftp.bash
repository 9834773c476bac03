# A small network of three namespaces for the BIND tests (tests/bind.bats):
#
#   client ns  vc 192.0.2.2/24 ---- vp 192.0.2.1/24       proxy ns
#                                     vps 198.51.100.1/24 ---- vs 198.51.100.2/24  server ns
#
# The client reaches nothing but the proxy's namespace (no route beyond, no
# forwarding there), so whatever the client exchanges with the server went
# through the proxy.  The namespaces are named "sxbind-<pid>-c|p|s" after
# the bats process that made them; lab_down removes them and everything
# running in them, and lab_up first removes those of runs that are gone.
# Nothing is changed outside these namespaces.  Needs root and iproute2.
# Loaded after lib/common; it reuses tests/lib/netns.bash's server starters.

# shellcheck source=tests/lib/netns.bash
source "${BASH_SOURCE[0]%/*}/netns.bash"

LAB_CLIENT_IP=192.0.2.2
LAB_PROXY_IP=192.0.2.1
LAB_PROXY_OUT=198.51.100.1
LAB_SERVER_IP=198.51.100.2
LAB_PREFIX=sxbind

# lab_can_run: print why the lab cannot be built here, and fail; succeed
# silently when it can.
lab_can_run() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "network namespaces need root"
		return 1
	fi
	if ! command -v ip >/dev/null; then
		echo "iproute2 (ip) is not installed"
		return 1
	fi
	return 0
}

# lab_exec NS CMD...: run CMD in one of the lab's namespaces (c, p or s).
lab_exec() {
	local ns=$1
	shift
	ip netns exec "$LAB-$ns" "$@"
}

# lab_kill_ns NAME: stop every process in namespace NAME, then delete it.
lab_kill_ns() {
	local ns=$1 pid tries=0
	while [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] && [ "$tries" -lt 20 ]; do
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		tries=$((tries + 1))
		sleep 0.05
	done
	ip netns del "$ns" 2>/dev/null || true
}

# lab_sweep: remove the namespaces of earlier runs whose bats process is gone.
lab_sweep() {
	local ns owner
	for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$LAB_PREFIX-[0-9]*-[cps]$"); do
		owner=${ns#"$LAB_PREFIX"-}
		owner=${owner%-*}
		kill -0 "$owner" 2>/dev/null && continue
		lab_kill_ns "$ns"
	done
}

# lab_up: build the three namespaces and their links; sets and exports LAB.
lab_up() {
	local ns
	lab_sweep
	export LAB="$LAB_PREFIX-$$"
	for ns in c p s; do
		ip netns add "$LAB-$ns" || return 1
		# No IPv6 at all: nothing but IPv4 to the proxy on the client's wire.
		lab_exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
			net.ipv6.conf.default.disable_ipv6=1 >/dev/null || return 1
		lab_exec "$ns" ip link set lo up || return 1
	done
	ip -n "$LAB-c" link add vc type veth peer name vp netns "$LAB-p" &&
		ip -n "$LAB-p" link add vps type veth peer name vs netns "$LAB-s" &&
		ip -n "$LAB-c" addr add "$LAB_CLIENT_IP/24" dev vc &&
		ip -n "$LAB-p" addr add "$LAB_PROXY_IP/24" dev vp &&
		ip -n "$LAB-p" addr add "$LAB_PROXY_OUT/24" dev vps &&
		ip -n "$LAB-s" addr add "$LAB_SERVER_IP/24" dev vs &&
		ip -n "$LAB-c" link set vc up &&
		ip -n "$LAB-p" link set vp up &&
		ip -n "$LAB-p" link set vps up &&
		ip -n "$LAB-s" link set vs up
}

# lab_down: remove the lab (processes in it first).
lab_down() {
	local ns
	[ -n "${LAB:-}" ] || return 0
	for ns in c p s; do
		lab_kill_ns "$LAB-$ns"
	done
}

# lab_wait_port NS HOST PORT [PID]: wait until HOST:PORT listens in the lab
# namespace NS; fail after START_TIMEOUT seconds or once PID died.
lab_wait_port() {
	local ns=$1 host=$2 port=$3 pid=${4:-}
	local deadline=$((SECONDS + START_TIMEOUT + 1))
	until lab_exec "$ns" ss -Hltn "sport = :$port" 2>/dev/null | awk '{print $4}' |
		grep -qxF "$host:$port"; do
		if [ -n "$pid" ] && ! is_alive "$pid"; then
			echo "# the server (pid $pid) died before listening on $host:$port" >&2
			return 1
		fi
		if [ "$SECONDS" -ge "$deadline" ]; then
			echo "# nothing listens on $host:$port in $LAB-$ns after ${START_TIMEOUT}s" >&2
			return 1
		fi
		sleep 0.05
	done
}

# start_lab_danted NAME PORT: danted in the proxy namespace on
# LAB_PROXY_IP:PORT, going out from LAB_PROXY_OUT, allowing CONNECT and
# BIND (tests/lib/netns.bash starts it).  Sets PID and LOG.
start_lab_danted() {
	start_ns_danted "$1" "$LAB-p" "$LAB_PROXY_IP" "$2" "$LAB_PROXY_OUT" \
		"bind connect bindreply"
}

# start_lab_microsocks NAME PORT: microsocks (CONNECT only) in the proxy
# namespace on LAB_PROXY_IP:PORT.  Sets PID.
start_lab_microsocks() {
	local name=$1 port=$2
	command -v microsocks >/dev/null || {
		echo "# microsocks is not installed (make deps)" >&2
		return 1
	}
	start_bg "$name" ip netns exec "$LAB-p" microsocks -i "$LAB_PROXY_IP" -p "$port"
	PID=$BG_PID
	lab_wait_port p "$LAB_PROXY_IP" "$port" "$PID" || server_failed "$name" "did not start"
}

# start_lab_vsftpd NAME PORT ROOT: vsftpd in the server namespace on
# LAB_SERVER_IP:PORT, anonymous, serving ROOT, active and passive mode,
# data connections from any port.  Sets PID and LOG (its transfer log).
start_lab_vsftpd() {
	local name=$1 port=$2 root=$3 dir conf
	dir=$(bg_dir)
	[ -x /usr/sbin/vsftpd ] || {
		echo "# vsftpd is not installed (make deps)" >&2
		return 1
	}
	LOG="$dir/$name.log"
	conf="$dir/$name.conf"
	mkdir -p "$dir/$name.empty"
	chmod 755 "$dir/$name.empty"
	: >"$LOG"
	cat >"$conf" <<EOF
listen=YES
listen_address=$LAB_SERVER_IP
listen_port=$port
background=NO
anonymous_enable=YES
local_enable=NO
write_enable=NO
anon_root=$root
port_enable=YES
pasv_enable=YES
connect_from_port_20=NO
seccomp_sandbox=NO
secure_chroot_dir=$dir/$name.empty
run_as_launching_user=NO
xferlog_enable=YES
vsftpd_log_file=$LOG
EOF
	start_bg "$name" ip netns exec "$LAB-s" /usr/sbin/vsftpd "$conf"
	PID=$BG_PID
	lab_wait_port s "$LAB_SERVER_IP" "$port" "$PID" ||
		server_failed "$name" "did not start" "$LOG" "$conf"
}

# start_lab_backpeer NAME: tests/helpers/backpeer.py in the server namespace
# on LAB_SERVER_IP.  Sets PORT, PID and LOG.
start_lab_backpeer() {
	local name=$1
	LOG="$(bg_dir)/$name.log"
	: >"$LOG"
	start_reporting "$name" ip netns exec "$LAB-s" "$PY" "$HELPERS/backpeer.py" \
		--log "$LOG" "$LAB_SERVER_IP" 0
}

# start_lab_capture NAME FILE: tcpdump on the client's interface, every
# packet into FILE.  Sets PID; returns once tcpdump listens.
start_lab_capture() {
	local name=$1 file=$2 deadline
	command -v tcpdump >/dev/null || {
		echo "# tcpdump is not installed" >&2
		return 1
	}
	start_bg "$name" ip netns exec "$LAB-c" tcpdump -i vc -nn -U -w "$file"
	PID=$BG_PID
	deadline=$((SECONDS + START_TIMEOUT))
	until grep -q "listening on" "$BG_ERR" 2>/dev/null; do
		if ! is_alive "$PID" || [ "$SECONDS" -ge "$deadline" ]; then
			server_failed "$name" "did not start"
			return 1
		fi
		sleep 0.05
	done
}

# lab_client URL CMD...: run CMD in the client namespace through socksify
# with SOCKS_PROXY=URL, bounded by CLIENT_TIMEOUT.
lab_client() {
	local url=$1
	shift
	local -a pre=()
	mapfile -t pre < <(test_lib_vars)
	lab_exec c timeout -k 2 "$CLIENT_TIMEOUT" env SOCKS_PROXY="$url" "${pre[@]}" \
		"$SOCKSIFY" "$@"
}

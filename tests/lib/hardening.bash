# Servers for the hardening tests (threads, fork and exec), on top of
# lib/common: Dante's sockd carrying TCP and UDP, run in a mount namespace
# of its own whose /etc/hosts gives test names to 127.0.0.1, so that names
# only the proxy can resolve reach the loopback echo servers.
# Load after lib/common ("load lib/common" then "load lib/hardening").

# hosts_file FILE DOMAIN COUNT: write a hosts file naming shared.DOMAIN,
# t0.DOMAIN ... t<COUNT-1>.DOMAIN and child.DOMAIN as 127.0.0.1.
hosts_file() {
	local file=$1 domain=$2 count=$3 i
	{
		echo "127.0.0.1 localhost"
		echo "127.0.0.1 shared.$domain child.$domain"
		for ((i = 0; i < count; i++)); do
			echo "127.0.0.1 t$i.$domain"
		done
	} >"$file"
	chmod 0644 "$file"
}

# start_names_danted NAME DOMAIN COUNT: danted on 127.0.0.1 with no
# authentication, TCP and UDP for IPv4, its traffic leaving from
# 127.0.0.4, resolving the names of hosts_file DOMAIN COUNT (its own
# /etc/hosts, bind-mounted in a private mount namespace).  Sets PORT, PID
# and LOG.  Needs root (unshare -m).
start_names_danted() {
	local name=$1 domain=$2 count=$3 dir conf hosts
	command -v danted >/dev/null || {
		echo "# danted is not installed (make deps)" >&2
		return 1
	}
	if [ "$(id -u)" -ne 0 ]; then
		echo "# a private /etc/hosts for danted needs root (unshare -m)" >&2
		return 1
	fi
	dir=$(bg_dir)
	PORT=$(free_port)
	LOG="$dir/$name.log"
	conf="$dir/$name.conf"
	hosts="$dir/$name.hosts"
	: >"$LOG"
	hosts_file "$hosts" "$domain" "$count"
	{
		echo "logoutput: $LOG"
		echo "internal: 127.0.0.1 port = $PORT"
		echo "external: 127.0.0.4"
		echo "socksmethod: none"
		echo "clientmethod: none"
		echo "user.privileged: root"
		echo "user.unprivileged: nobody"
		cat <<'CONF'
client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 log: error }
socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 log: error }
CONF
	} >"$conf"
	start_bg "$name" unshare -m sh -c \
		'mount --bind "$1" /etc/hosts && exec danted -f "$2" -N 1 -p "$3"' \
		sh "$hosts" "$conf" "$dir/$name.pid"
	PID=$BG_PID
	wait_port 127.0.0.1 "$PORT" "$START_TIMEOUT" "$PID" ||
		server_failed "$name" "did not start" "$LOG" "$conf"
}

# stress_bin: the stress helper of the build the tests use.
stress_bin() {
	printf '%s' "$REPO/build/tests/helpers/stress"
}

# start_names_socks NAME DOMAIN COUNT: tests/helpers/faultsocks.py in mode
# good (SOCKS4, SOCKS4a and SOCKS5, names resolved with the system
# resolver, outgoing from 127.0.0.5) with the hosts file of hosts_file
# DOMAIN COUNT, in a mount namespace of its own.  Sets PORT, PID and LOG.
start_names_socks() {
	local name=$1 domain=$2 count=$3 dir hosts
	if [ "$(id -u)" -ne 0 ]; then
		echo "# a private /etc/hosts needs root (unshare -m)" >&2
		return 1
	fi
	dir=$(bg_dir)
	hosts="$dir/$name.hosts"
	LOG="$dir/$name.log"
	: >"$LOG"
	hosts_file "$hosts" "$domain" "$count"
	start_reporting "$name" unshare -m sh -c \
		'mount --bind "$1" /etc/hosts && shift && exec "$@"' sh "$hosts" \
		"$PY" "$HELPERS/faultsocks.py" --log "$LOG" good 127.0.0.1 0
}

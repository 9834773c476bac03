#!/bin/sh
# The benchmark behind "make bench": socksify's cost against proxychains-ng,
# torsocks, Dante's socksify, a client that speaks SOCKS5 itself and the
# direct path, measured side by side in one run, written as a Markdown
# report (build/bench/report.md, also printed).  See tests/bench/README.md
# for how to read it.
#
#   sh tests/bench/run.sh
#
# Steps: install the peers from Debian's packages when missing; build the
# small C programs of tests/bench into build/bench; as root, enter a
# network namespace created for the run (the destination gets 192.0.2.2 on
# its loopback interface, so no tool treats it as loopback), otherwise run
# on this machine's loopback; start the servers (microsocks, danted with
# its UDP relay, tests/helpers/slowsocks.py for a slow upstream, the
# destination tests/bench/benchsrv, and a 5 ms link: netem on a veth pair
# when the kernel has it, else tests/bench/delayrelay); check which proxy
# address each tool's connections really come from; run the workloads,
# every tool on the same binary, runs interleaved; write the report.
# Traffic goes only to loopback and to the namespaces created here; every
# client run is bounded by timeout(1); every server is stopped on exit.
#
# Environment: BENCH_RUNS (repetitions of the timed workloads, default 5),
# BENCH_QUICK=1 (smaller sizes, for trying the script out), BENCH_NETNS=0
# (stay on this machine's loopback even as root), CC (default cc),
# SOCKSIFY_LIB (the library, default build/libsocksify.so).

set -u

me=bench
here=$(cd "$(dirname "$0")" && pwd)
self=$here/$(basename "$0")
repo=$(cd "$here/../.." && pwd)
OUT=$repo/build/bench
RUN=$OUT/run
LIB=${SOCKSIFY_LIB:-$repo/build/libsocksify.so}
SUP=$repo/build/socksify-supervise
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || echo python3)
tab=$(printf '\t')

RUNS=${BENCH_RUNS:-5}
case $RUNS in
'' | *[!0-9]*) RUNS=5 ;;
esac
[ "$RUNS" -ge 1 ] || RUNS=1
[ "$RUNS" -le 20 ] || RUNS=20
# Fewer runs where one run takes seconds: parallel connects, bulk, DNS.
RUNS_SLOW=$((RUNS < 3 ? RUNS : 3))

N_CONNECT=600		# connects per connect-rate run
N_LATENCY=10		# connects per latency run
N_PARALLEL=50		# connects at once
BULK_BYTES=1073741824	# 1 GiB
N_UDP=3000		# UDP round trips per run
N_NAMES=100000		# names per fake-DNS run
DNS_SECONDS=5		# cap on one fake-DNS run
N_SPAWN=100		# starts of each profile per start-up run
DELAY_MS=5		# one way, client to proxy, for the latency workload
UPSTREAM_MS=200		# proxy to destination, for the parallel workload
if [ "${BENCH_QUICK:-}" = 1 ]; then
	N_CONNECT=100
	N_LATENCY=4
	BULK_BYTES=134217728
	N_UDP=500
	N_NAMES=20000
	DNS_SECONDS=2
	N_SPAWN=30
fi

PROGS="benchsrv delayrelay netclient callcost fakedns spawn seccompallow"
PEER_PACKAGES="proxychains4 torsocks dante-client microsocks dante-server strace python3 iproute2"

say() {
	printf '%s: %s\n' "$me" "$*" >&2
}

die() {
	say "$*"
	exit 1
}

# ---------------------------------------------------------------------------
# Outside the namespace: packages, build, namespace.

install_peers() {
	local missing='' p as_root='' policy=/usr/sbin/policy-rc.d own_policy=''

	if ! command -v dpkg-query >/dev/null 2>&1; then
		say "not a Debian system: install these yourself if missing: $PEER_PACKAGES"
		return 0
	fi
	for p in $PEER_PACKAGES; do
		case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) in
		*" installed") ;;
		*) missing="$missing $p" ;;
		esac
	done
	[ -n "$missing" ] || return 0
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null 2>&1; then
			say "missing:$missing (not root, no sudo): those tools will show n/a"
			return 0
		fi
		as_root=sudo
	fi
	say "installing:$missing"
	# Keep package scripts from starting danted as a system service.
	if [ ! -e "$policy" ] &&
		printf '#!/bin/sh\nexit 101\n' | $as_root tee "$policy" >/dev/null &&
		$as_root chmod 0755 "$policy"; then
		own_policy=1
	fi
	# shellcheck disable=SC2086 # one word per package
	$as_root env DEBIAN_FRONTEND=noninteractive apt-get update >&2 &&
		$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y \
			--no-install-recommends $missing </dev/null >&2 ||
		say "apt-get failed: the tools still missing will show n/a"
	[ -z "$own_policy" ] || $as_root rm -f "$policy"
}

build() {
	local p

	[ -f "$LIB" ] || die "$LIB is missing: run make"
	mkdir -p "$OUT" || die "cannot create $OUT"
	for p in $PROGS; do
		if [ ! -x "$OUT/$p" ] || [ "$here/$p.c" -nt "$OUT/$p" ]; then
			"${CC:-cc}" -std=gnu11 -O2 -g -Wall -Wextra -D_GNU_SOURCE \
				-o "$OUT/$p" "$here/$p.c" || die "building $p failed"
		fi
	done
	# The floor of any launcher: static, no C library, x86-64 only.
	if [ "$(uname -m)" = x86_64 ] &&
		{ [ ! -x "$OUT/execonly" ] || [ "$here/execonly.c" -nt "$OUT/execonly" ]; }; then
		"${CC:-cc}" -std=gnu11 -O2 -Wall -Wextra -static -nostdlib -fno-stack-protector \
			-o "$OUT/execonly" "$here/execonly.c" 2>/dev/null || rm -f "$OUT/execonly"
	fi
}

# Root gets a network namespace of its own for the run.
can_netns() {
	[ "$(id -u)" -eq 0 ] && command -v ip >/dev/null 2>&1
}

outside() {
	local ns rc

	install_peers
	build
	rm -rf "$RUN"
	mkdir -p "$RUN"
	if [ "${BENCH_NETNS:-1}" != 0 ] && can_netns && ip netns add "sxbench-$$" 2>/dev/null; then
		ns=sxbench-$$
		trap 'outside_cleanup '"$ns" EXIT
		trap 'exit 130' INT
		trap 'exit 143' TERM
		ip netns exec "$ns" ip link set lo up &&
			ip netns exec "$ns" ip addr add 192.0.2.2/32 dev lo ||
			die "cannot set up the namespace $ns"
		SXBENCH_INSIDE=1 SXBENCH_MODE=netns SXBENCH_NS=$ns \
			ip netns exec "$ns" sh "$self"
		rc=$?
	else
		SXBENCH_INSIDE=1 SXBENCH_MODE=loopback sh "$self"
		rc=$?
	fi
	[ -f "$OUT/report.md" ] && cat "$OUT/report.md"
	return "$rc"
}

# The namespaces go, and any process the run left in them (all started here).
outside_cleanup() {
	local ns=$1 n pid

	for n in "$ns-far" "$ns"; do
		[ -e "/run/netns/$n" ] || continue
		for pid in $(ip netns pids "$n" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$n" 2>/dev/null
	done
}

# ---------------------------------------------------------------------------
# Inside: servers.

# start_bg NAME CMD...: CMD in its own process group, output to RUN/NAME.*;
# sets BG_PID.
start_bg() {
	local name=$1

	shift
	setsid "$@" </dev/null >"$RUN/$name.out" 2>"$RUN/$name.err" &
	BG_PID=$!
	printf '%s %s\n' "$BG_PID" "$name" >>"$RUN/pids"
}

# first_line FILE PID: the first line PID writes to FILE, waited for (10 s).
first_line() {
	local i=0

	while [ "$i" -lt 200 ]; do
		if [ -s "$1" ]; then
			head -n1 "$1"
			return 0
		fi
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

# wait_listen [NS] HOST PORT PID: wait (10 s) until HOST:PORT listens.
wait_listen() {
	local i=0 pre=''

	if [ $# -eq 4 ]; then
		pre="ip netns exec $1"
		shift
	fi
	while [ "$i" -lt 200 ]; do
		if $pre ss -Hltn "sport = :$2" 2>/dev/null | awk '{ print $4 }' |
			grep -qxF "$1:$2"; then
			return 0
		fi
		kill -0 "$3" 2>/dev/null || return 1
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}

stop_all() {
	local pid name i

	[ -f "$RUN/pids" ] || return 0
	while read -r pid name; do
		kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null
	done <"$RUN/pids"
	i=0
	while [ "$i" -lt 40 ]; do
		alive=''
		while read -r pid name; do
			kill -0 "$pid" 2>/dev/null && alive=1
		done <"$RUN/pids"
		[ -z "$alive" ] && break
		sleep 0.05
		i=$((i + 1))
	done
	while read -r pid name; do
		kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null
	done <"$RUN/pids"
	wait 2>/dev/null
	rm -f "$RUN/pids"
	if [ -n "${FAR:-}" ]; then
		ip link del sxb0 2>/dev/null
		ip netns del "$FAR" 2>/dev/null
	fi
}

pick_port() {
	"$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# danted_conf FILE INTERNAL PORT EXTERNAL
danted_conf() {
	{
		echo "logoutput: $RUN/danted-$3.log"
		echo "internal: $2 port = $3"
		echo "external: $4"
		echo "socksmethod: none"
		echo "clientmethod: none"
		if [ "$(id -u)" -eq 0 ]; then
			echo "user.privileged: root"
			echo "user.unprivileged: nobody"
		fi
		echo "client pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }"
		echo "socks pass { from: 0.0.0.0/0 to: 0.0.0.0/0 }"
	} >"$1"
}

# Proxies by short name: PX_<name> is IP:PORT, OUTADDR_<name> the address
# its connections to the destination come from.
set_proxy() {
	eval "PX_$1=\$2"
	eval "OUTADDR_$1=\$3"
}

px_addr() {
	eval "printf '%s' \"\${PX_$1:-}\""
}

outaddr() {
	eval "printf '%s' \"\${OUTADDR_$1:-}\""
}

px_host() {
	px_addr "$1" | sed 's/:[0-9]*$//'
}

px_port() {
	px_addr "$1" | sed 's/^.*://'
}

start_servers() {
	local port pid

	E_PORT=$(pick_port)
	S_PORT=$(pick_port)
	W_PORT=$(pick_port)
	# -c 64: the destination closes each echo connection first (see benchsrv.c).
	start_bg benchsrv "$OUT/benchsrv" -e "$E_PORT" -c 64 -s "$S_PORT" -w "$W_PORT" \
		-u "$E_PORT" -W "$W_PORT" "$DEST"
	[ "$(first_line "$RUN/benchsrv.out" "$BG_PID")" = READY ] ||
		die "benchsrv did not start: $(cat "$RUN/benchsrv.err")"

	HAVE_MICROSOCKS=''
	if command -v microsocks >/dev/null 2>&1; then
		port=$(pick_port)
		start_bg microsocks microsocks -i 127.0.0.1 -p "$port" -b 127.0.0.3
		if wait_listen 127.0.0.1 "$port" "$BG_PID"; then
			set_proxy ms "127.0.0.1:$port" 127.0.0.3
			HAVE_MICROSOCKS=1
		fi
	fi
	HAVE_DANTED=''
	if command -v danted >/dev/null 2>&1; then
		port=$(pick_port)
		danted_conf "$RUN/danted.conf" 127.0.0.1 "$port" 127.0.0.4
		start_bg danted danted -f "$RUN/danted.conf" -N 1 -p "$RUN/danted.pid"
		if wait_listen 127.0.0.1 "$port" "$BG_PID"; then
			set_proxy dd "127.0.0.1:$port" 127.0.0.4
			HAVE_DANTED=1
		fi
	fi
	start_bg slowsocks "$PY" "$repo/tests/helpers/slowsocks.py" --log /dev/null \
		--upstream-delay "$(awk "BEGIN { print $UPSTREAM_MS / 1000 }")" \
		--bind 127.0.0.6 127.0.0.1 0
	port=$(first_line "$RUN/slowsocks.out" "$BG_PID") ||
		die "slowsocks.py did not start: $(cat "$RUN/slowsocks.err")"
	set_proxy slow "127.0.0.1:$port" 127.0.0.6
	start_link
}

# The 5 ms link for the latency workload: proxies msl/ddl and LAT_HOST /
# LAT_PORT (the destination through them) and LATD_HOST / LATD_PORT (the
# destination for the direct client).  netem on a veth pair to a second
# namespace when the kernel has it, else delaying relays on loopback.
start_link() {
	RTT_MS=$((2 * DELAY_MS))
	if start_netem; then
		return 0
	fi
	LINK="a user-space relay (tests/bench/delayrelay) holding each chunk ${DELAY_MS} ms each way${NETEM_WHY:+ (netem: $NETEM_WHY)}"
	LAT_HOST=$DEST
	LAT_PORT=$E_PORT
	LAT_RELAYED=1
	relay_to() {
		local port

		port=$(pick_port)
		start_bg "relay-$1" "$OUT/delayrelay" 127.0.0.1 "$port" "$2" "$3" "$DELAY_MS"
		[ "$(first_line "$RUN/relay-$1.out" "$BG_PID")" = READY ] || return 1
		RELAY_PORT=$port
	}
	relay_to direct "$DEST" "$E_PORT" || die "delayrelay did not start"
	LATD_HOST=127.0.0.1
	LATD_PORT=$RELAY_PORT
	if [ -n "$HAVE_MICROSOCKS" ] && relay_to ms "$(px_host ms)" "$(px_port ms)"; then
		set_proxy msl "127.0.0.1:$RELAY_PORT" 127.0.0.3
	fi
	if [ -n "$HAVE_DANTED" ] && relay_to dd "$(px_host dd)" "$(px_port dd)"; then
		set_proxy ddl "127.0.0.1:$RELAY_PORT" 127.0.0.4
	fi
}

# netem in both directions of a veth pair; the far namespace runs its own
# destination, microsocks and danted.
start_netem() {
	local pid

	NETEM_WHY=''
	if [ "$MODE" != netns ]; then
		NETEM_WHY="needs root and a network namespace"
		return 1
	fi
	FAR=${SXBENCH_NS}-far
	if ! ip netns add "$FAR" 2>/dev/null; then
		NETEM_WHY="cannot create a second namespace"
		FAR=''
		return 1
	fi
	if ! ip link add sxb0 type veth peer name sxb1 2>"$RUN/netem.err" ||
		! ip link set sxb1 netns "$FAR" ||
		! ip addr add 10.203.0.1/24 dev sxb0 || ! ip link set sxb0 up ||
		! ip netns exec "$FAR" ip link set lo up ||
		! ip netns exec "$FAR" ip addr add 10.203.0.2/24 dev sxb1 ||
		! ip netns exec "$FAR" ip link set sxb1 up; then
		NETEM_WHY="no veth pair: $(head -n1 "$RUN/netem.err")"
		ip link del sxb0 2>/dev/null
		ip netns del "$FAR"
		FAR=''
		return 1
	fi
	if ! tc qdisc add dev sxb0 root netem delay "${DELAY_MS}ms" 2>"$RUN/netem.err" ||
		! ip netns exec "$FAR" tc qdisc add dev sxb1 root netem delay "${DELAY_MS}ms" \
			2>>"$RUN/netem.err"; then
		NETEM_WHY="$(head -n1 "$RUN/netem.err" | tr -d '\r')"
		[ -n "$NETEM_WHY" ] || NETEM_WHY="tc failed"
		ip link del sxb0 2>/dev/null
		ip netns del "$FAR"
		FAR=''
		return 1
	fi
	LINK="netem, ${DELAY_MS} ms each way on a veth pair to a second namespace"
	LAT_HOST=10.203.0.2
	LAT_PORT=7001
	LATD_HOST=10.203.0.2
	LATD_PORT=7001
	LAT_RELAYED=''
	start_bg far-benchsrv ip netns exec "$FAR" "$OUT/benchsrv" -e 7001 -c 64 -w 7003 \
		10.203.0.2
	[ "$(first_line "$RUN/far-benchsrv.out" "$BG_PID")" = READY ] ||
		die "benchsrv did not start in $FAR"
	if [ -n "$HAVE_MICROSOCKS" ]; then
		start_bg far-microsocks ip netns exec "$FAR" microsocks -i 10.203.0.2 -p 1080 \
			-b 127.0.0.3
		wait_listen "$FAR" 10.203.0.2 1080 "$BG_PID" &&
			set_proxy msl 10.203.0.2:1080 127.0.0.3
	fi
	if [ -n "$HAVE_DANTED" ]; then
		danted_conf "$RUN/far-danted.conf" 10.203.0.2 1081 127.0.0.4
		start_bg far-danted ip netns exec "$FAR" danted -f "$RUN/far-danted.conf" -N 1 \
			-p "$RUN/far-danted.pid"
		wait_listen "$FAR" 10.203.0.2 1081 "$BG_PID" &&
			set_proxy ddl 10.203.0.2:1081 127.0.0.4
	fi
	return 0
}

# ---------------------------------------------------------------------------
# Inside: the tools.

find_torsocks_lib() {
	local f

	for f in /usr/lib/*/torsocks/libtorsocks.so /usr/lib/torsocks/libtorsocks.so \
		/usr/local/lib/torsocks/libtorsocks.so; do
		if [ -f "$f" ]; then
			printf '%s' "$f"
			return 0
		fi
	done
	return 1
}

# Configuration files of the peers, one per proxy.
write_configs() {
	local px host port

	for px in ms dd slow msl ddl; do
		[ -n "$(px_addr "$px" 2>/dev/null)" ] || continue
		host=$(px_host "$px")
		port=$(px_port "$px")
		printf 'strict_chain\nquiet_mode\n[ProxyList]\nsocks5 %s %s\n' "$host" "$port" \
			>"$RUN/pc-$px.conf"
		printf 'strict_chain\nquiet_mode\nproxy_dns\nremote_dns_subnet 224\n[ProxyList]\nsocks5 %s %s\n' \
			"$host" "$port" >"$RUN/pc-dns-$px.conf"
		printf 'TorAddress %s\nTorPort %s\nAllowOutboundLocalhost 1\n' "$host" "$port" \
			>"$RUN/ts-$px.conf"
		{
			echo "errorlog: stderr"
			echo "route {"
			echo "	from: 0.0.0.0/0 to: 0.0.0.0/0 via: $host port = $port"
			echo "	proxyprotocol: socks_v5"
			echo "	command: connect udpassociate"
			echo "}"
		} >"$RUN/dante-$px.conf"
		{
			echo "resolveprotocol: fake"
			cat "$RUN/dante-$px.conf"
		} >"$RUN/dante-dns-$px.conf"
	done
}

# The tools, each a way to run a program.  "native" rows run the bare
# program with --socks5.
have_tool() {
	case $1 in
	pc | pc-dns) command -v proxychains4 >/dev/null 2>&1 ;;
	ts) command -v torsocks >/dev/null 2>&1 ;;
	dante | dante-dns | dante-poll) [ -x /usr/bin/socksify ] ;;
	ours-sup | sup-calls) [ -x "$SUP" ] ;;
	sec-floor) [ -x "$OUT/seccompallow" ] ;;
	*) return 0 ;;
	esac
}

# run_pfx CMD...: CMD bounded by TMO seconds, under strace -f into TRACE
# when that is set.
TMO=60
TRACE=''
run_pfx() {
	if [ -n "$TRACE" ]; then
		timeout -k 2 "$TMO" strace -f -qq -o "$TRACE" "$@"
	else
		timeout -k 2 "$TMO" "$@"
	fi
}

# with_tool TOOL PX CMD...: run CMD under TOOL configured for proxy PX
# (through run_pfx).
with_tool() {
	local tool=$1 px=$2 lb=''

	shift 2
	[ "$MODE" = loopback ] && lb="SOCKSIFY_LOOPBACK=proxy"
	case $tool in
	direct | native | native-pipe | bare)
		run_pfx "$@"
		;;
	ours | ours-poll)
		run_pfx env LD_PRELOAD="$LIB" SOCKS_PROXY="socks5://$(px_addr "$px")" \
			SOCKSIFY_LOG=error $lb "$@"
		;;
	ours-pipe)
		run_pfx env LD_PRELOAD="$LIB" SOCKS_PROXY="socks5://$(px_addr "$px")" \
			SOCKSIFY_LOG=error SOCKSIFY_PIPELINE=1 $lb "$@"
		;;
	ours-ls | ours-ls-nb)
		run_pfx env LD_PRELOAD="$LIB" SOCKS_PROXY="socks5://$(px_addr "$px")" \
			SOCKSIFY_LOG=error SOCKSIFY_PIPELINE=0 $lb "$@"
		;;
	ours-nb)
		run_pfx env LD_PRELOAD="$LIB" SOCKS_PROXY="socks5://$(px_addr "$px")" \
			SOCKSIFY_LOG=error $lb "$@"
		;;
	ours-np)
		run_pfx env LD_PRELOAD="$LIB" SOCKS_PROXY="socks5://$(px_addr "$px")" \
			SOCKSIFY_LOG=error NO_PROXY="$DEST" "$@"
		;;
	ours-dns | ours-calls)
		run_pfx env LD_PRELOAD="$LIB" SOCKS_PROXY="socks5h://$(px_addr "$px")" \
			SOCKSIFY_LOG=error "$@"
		;;
	ours-sup)
		# The seccomp supervisor alone, as for a static program.
		run_pfx env SOCKS_PROXY="socks5://$(px_addr "$px")" SOCKSIFY_LOG=error \
			$lb "$SUP" -- "$1" "$@"
		;;
	sup-calls)
		run_pfx env SOCKS_PROXY="socks5h://$(px_addr "$px")" SOCKSIFY_LOG=error \
			"$SUP" -- "$1" "$@"
		;;
	sec-floor)
		# Any seccomp filter: one that allows every call.
		run_pfx "$OUT/seccompallow" "$@"
		;;
	pc)
		run_pfx proxychains4 -q -f "$RUN/pc-$px.conf" "$@"
		;;
	pc-dns)
		run_pfx proxychains4 -q -f "$RUN/pc-dns-$px.conf" "$@"
		;;
	ts)
		run_pfx env TORSOCKS_CONF_FILE="$RUN/ts-$px.conf" torsocks "$@"
		;;
	dante | dante-poll)
		run_pfx env SOCKS_CONF="$RUN/dante-$px.conf" SOCKS_AUTOADD_LANROUTES=no \
			/usr/bin/socksify "$@"
		;;
	dante-dns)
		run_pfx env SOCKS_CONF="$RUN/dante-dns-$px.conf" SOCKS_AUTOADD_LANROUTES=no \
			/usr/bin/socksify "$@"
		;;
	*)
		say "unknown tool $tool"
		return 2
		;;
	esac
}

# client TOOL PX MODE HOST PORT [OPTION...]: netclient under TOOL.
client() {
	local tool=$1 px=$2 mode=$3 host=$4 port=$5

	shift 5
	case $tool in
	native) set -- "$@" --socks5 "$(px_addr "$px")" ;;
	native-pipe) set -- "$@" --socks5 "$(px_addr "$px")" --pipeline ;;
	ours-poll | dante-poll) set -- "$@" --poll ;;
	ours-nb | ours-ls-nb) [ "$mode" = connect ] && set -- "$@" --nonblock ;;
	esac
	with_tool "$tool" "$px" "$OUT/netclient" "$mode" "$@" "$host" "$port"
}

# ---------------------------------------------------------------------------
# Inside: recording.  results.tsv: WL ROW RUN VALUE; na.tsv: WL ROW REASON
# (the row shows n/a); notes.tsv: WL ROW NOTE (shown beside a figure).

na() {
	grep -q "^$1$tab$2$tab" "$RUN/na.tsv" 2>/dev/null ||
		printf '%s\t%s\t%s\n' "$1" "$2" "$(printf '%s' "$3" | tr '|\t\n' '/  ')" \
			>>"$RUN/na.tsv"
}

note() {
	grep -q "^$1$tab$2$tab" "$RUN/notes.tsv" 2>/dev/null ||
		printf '%s\t%s\t%s\n' "$1" "$2" "$(printf '%s' "$3" | tr '|\t\n' '/  ')" \
			>>"$RUN/notes.tsv"
}

is_na() {
	grep -q "^$1$tab$2$tab" "$RUN/na.tsv" 2>/dev/null
}

record() {
	printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RUN/results.tsv"
}

# field NAME LINE: the value of NAME=... in a RESULT line.
field() {
	printf '%s\n' "$2" | tr ' ' '\n' | sed -n "s/^$1=//p" | head -n1
}

# why_failed RC: one line on what went wrong in the last run.
why_failed() {
	local msg

	if [ "$1" -eq 124 ] || [ "$1" -eq 137 ]; then
		printf 'no result within the time limit (%s s)' "$TMO"
		return
	fi
	msg=$(grep -E '^(netclient|callcost|fakedns|spawn): ' "$RUN/last.err" | head -n1)
	[ -n "$msg" ] || msg=$(grep -v '^[[:space:]]*$' "$RUN/last.err" | tail -n1 | cut -c1-160)
	[ -n "$msg" ] || msg="exit status $1"
	printf '%s' "$msg"
}

# measure WL ROW RUN FIELD SECONDS CMD...: run CMD (a function that goes
# through run_pfx) bounded by SECONDS and record FIELD of its RESULT line;
# the whole line is left in LAST.  A failed run marks the row n/a and later
# runs of it are skipped.
measure() {
	local wl=$1 row=$2 run=$3 name=$4 rc val

	TMO=$5
	shift 5
	LAST=''
	is_na "$wl" "$row" && return 1
	"$@" >"$RUN/last.out" 2>"$RUN/last.err"
	rc=$?
	LAST=$(grep '^RESULT ' "$RUN/last.out" | tail -n1)
	val=$(field "$name" "$LAST")
	if [ -z "$val" ]; then
		na "$wl" "$row" "failed: $(why_failed "$rc")"
		return 1
	fi
	record "$wl" "$row" "$run" "$val"
	return 0
}

progress() {
	say "$(date +%H:%M:%S) $*"
}

# ---------------------------------------------------------------------------
# Inside: which proxy carried each tool's connection.

# check PX TOOL KIND: a whoami through TOOL; the tool is n/a for PX (in
# CHECK_WL) unless its connection reached the destination from the proxy.
check() {
	local px=$1 tool=$2 kind=$3 host=$DEST port=$W_PORT mode=whoami peer want

	[ "$kind" = udp ] && mode=udpwho
	if [ "$px" = msl ] || [ "$px" = ddl ]; then
		host=$LAT_HOST
		[ -z "$LAT_RELAYED" ] && port=7003
		[ -n "$LAT_RELAYED" ] && port=$W_PORT
	fi
	if ! have_tool "$tool"; then
		printf '%s\t%s\t%s\tnot installed\n' "$px" "$tool" "$kind" >>"$RUN/checks.tsv"
		return 1
	fi
	TMO=20
	peer=$(client "$tool" "$px" "$mode" "$host" "$port" 2>"$RUN/last.err" |
		sed -n 's/^PEER //p')
	want=$(outaddr "$px")
	if [ -z "$peer" ]; then
		printf '%s\t%s\t%s\tfailed: %s\n' "$px" "$tool" "$kind" "$(why_failed 1)" \
			>>"$RUN/checks.tsv"
		return 1
	fi
	printf '%s\t%s\t%s\t%s\n' "$px" "$tool" "$kind" "$peer" >>"$RUN/checks.tsv"
	[ "$tool" = direct ] && return 0
	[ "$peer" = "$want" ]
}

# ok PX TOOL KIND: the check's verdict, computed once.
ok() {
	local line

	line=$(grep "^$1$tab$2$tab$3$tab" "$RUN/checks.tsv" 2>/dev/null | head -n1)
	if [ -z "$line" ]; then
		check "$1" "$2" "$3"
		line=$(grep "^$1$tab$2$tab$3$tab" "$RUN/checks.tsv" | head -n1)
	fi
	CHECK_PEER=$(printf '%s' "$line" | cut -f4)
	case $CHECK_PEER in
	failed* | "not installed") return 1 ;;
	esac
	[ "$2" = direct ] && return 0
	[ "$CHECK_PEER" = "$(outaddr "$1")" ]
}

# usable WL ROW PX TOOL KIND: ok, or mark the row n/a with the reason.
usable() {
	local wl=$1 row=$2 px=$3 tool=$4 kind=$5

	[ -n "$(px_addr "$px" 2>/dev/null)" ] || {
		na "$wl" "$row" "proxy not running"
		return 1
	}
	ok "$px" "$tool" "$kind" && return 0
	case $CHECK_PEER in
	"not installed") na "$wl" "$row" "not installed" ;;
	failed*) na "$wl" "$row" "$CHECK_PEER" ;;
	*) na "$wl" "$row" "went direct: the destination saw $CHECK_PEER, not the proxy ($(outaddr "$px"))" ;;
	esac
	return 1
}

# ---------------------------------------------------------------------------
# Inside: the workloads.

# The socksify rows: ours-ls lock-step (SOCKSIFY_PIPELINE=0), ours the
# default (no SOCKSIFY_PIPELINE), ours-pipe pipelined (=1); -nb: each
# connect() on a non-blocking socket.  microsocks drops a pipelined request.
TOOLS_MS="direct native ours-ls ours ours-nb pc ts dante"
TOOLS_DD="direct native native-pipe ours-ls ours ours-nb ours-pipe pc ts dante"
# The supervisor: in the connect rate only.
TOOLS_SUP="ours-sup"

tools_for() {
	case $1 in
	ms | msl) echo "$TOOLS_MS" ;;
	*) echo "$TOOLS_DD" ;;
	esac
}

# 1. Connect rate: N x (connect, 64-byte echo, close).
wl_connect() {
	local run px tool

	for px in ms dd; do
		for tool in $(tools_for $px) $TOOLS_SUP; do
			usable "c_$px" "$tool" "$px" "$tool" tcp
		done
	done
	for run in $(seq 1 "$RUNS"); do
		progress "connect rate, run $run/$RUNS"
		for px in ms dd; do
			for tool in $(tools_for $px) $TOOLS_SUP; do
				measure "c_$px" "$tool" "$run" rate50 60 \
					client "$tool" "$px" connect "$DEST" "$E_PORT" -n "$N_CONNECT"
			done
		done
	done
}

# System calls per connect: strace, N+1 connects minus 1, over N.
trace_calls() {
	local rc

	TMO=60
	TRACE=$RUN/trace
	"$@" >/dev/null 2>"$RUN/last.err"
	rc=$?
	TRACE=''
	[ "$rc" -eq 0 ] || return 1
	sed -n 's/^\([0-9][0-9]*  *\)\{0,1\}\([a-z_0-9][a-z_0-9]*\)(.*/\2/p' "$RUN/trace" |
		wc -l
}

wl_syscalls() {
	local px tool one many n=100

	command -v strace >/dev/null 2>&1 || {
		SYSCOUNT_OUT="(strace is not installed)"
		return
	}
	progress "system calls per connect"
	for px in ms dd; do
		for tool in $(tools_for $px); do
			usable "sc_$px" "$tool" "$px" "$tool" tcp || continue
			one=$(trace_calls client "$tool" "$px" connect "$DEST" "$E_PORT" -n 1) &&
				many=$(trace_calls client "$tool" "$px" connect "$DEST" "$E_PORT" \
					-n $((n + 1))) || {
				na "sc_$px" "$tool" "failed under strace: $(why_failed 1)"
				continue
			}
			record "sc_$px" "$tool" 1 "$(awk "BEGIN { printf \"%.1f\", ($many - $one) / $n }")"
		done
	done
	SYSCOUNT_OUT=''
	if [ -n "$HAVE_DANTED" ] && [ -x "$repo/build/tests/helpers/nbclient" ]; then
		SYSCOUNT_OUT=$(SOCKSIFY_LIB=$LIB timeout -k 2 60 sh "$repo/tests/helpers/syscount.sh" \
			"socks5://$(px_addr dd)" "$DEST" "$E_PORT" 2>&1 |
			grep -E '^(DIRECT|PROXIED|EXTRA|PROXIED-CALLS) ')
	fi
}

# 2. Connect latency over a link with a known round-trip time.
wl_latency() {
	local run px tool host port

	for px in msl ddl; do
		for tool in $(tools_for $px); do
			usable "l_$px" "$tool" "$px" "$tool" tcp
		done
	done
	for run in $(seq 1 "$RUNS"); do
		progress "connect latency, run $run/$RUNS"
		for px in msl ddl; do
			for tool in $(tools_for $px); do
				host=$LAT_HOST
				port=$LAT_PORT
				if [ "$tool" = direct ]; then
					host=$LATD_HOST
					port=$LATD_PORT
				fi
				measure "l_$px" "$tool" "$run" p50_ms 60 \
					client "$tool" "$px" connect "$host" "$port" -n "$N_LATENCY"
			done
		done
	done
}

# 3. Parallel non-blocking connects through a slow upstream.
TOOLS_PAR="native native-pipe ours ours-poll ours-pipe pc ts dante dante-poll"

wl_parallel() {
	local run tool

	for tool in $TOOLS_PAR; do
		case $tool in
		*-poll) usable p "$tool" slow "${tool%-poll}" tcp ;;
		*) usable p "$tool" slow "$tool" tcp ;;
		esac
	done
	for run in $(seq 1 "$RUNS_SLOW"); do
		progress "parallel connects, run $run/$RUNS_SLOW"
		for tool in $TOOLS_PAR; do
			measure p "$tool" "$run" ms 45 \
				client "$tool" slow parallel "$DEST" "$E_PORT" -n "$N_PARALLEL" -t 30
		done
	done
}

# 4. Bulk: one connection reading BULK_BYTES from the source.
TOOLS_BULK="direct ours-np native ours pc ts dante"

wl_bulk() {
	local run tool

	for tool in $TOOLS_BULK; do
		case $tool in
		ours-np) usable b "$tool" dd direct tcp ;;
		*) usable b "$tool" dd "$tool" tcp ;;
		esac
	done
	for run in $(seq 1 "$RUNS_SLOW"); do
		progress "bulk, run $run/$RUNS_SLOW"
		for tool in $TOOLS_BULK; do
			measure b "$tool" "$run" mbps 120 \
				client "$tool" dd bulk "$DEST" "$S_PORT" -b "$BULK_BYTES" -t 110
		done
	done
}

# 5. UDP request/response through danted's relay.
TOOLS_UDP="direct native ours dante pc ts"

wl_udp() {
	local run tool

	for tool in $TOOLS_UDP; do
		usable u "$tool" dd "$tool" udp
	done
	for run in $(seq 1 "$RUNS"); do
		progress "UDP, run $run/$RUNS"
		for tool in $TOOLS_UDP; do
			measure u "$tool" "$run" rate50 60 \
				client "$tool" dd udp "$DEST" "$E_PORT" -n "$N_UDP"
		done
	done
}

# 6. Calls the tools should leave alone.
TOOLS_CALLS="bare ours-calls sup-calls sec-floor pc ts dante"
CALLS="sendto recvfrom udp_connect dup_close epoll write read"

wl_calls() {
	local run tool c v opt px=dd

	[ -n "$(px_addr dd 2>/dev/null)" ] || px=ms
	for run in $(seq 1 "$RUNS"); do
		progress "unproxied calls, run $run/$RUNS"
		for tool in $TOOLS_CALLS; do
			have_tool "$tool" || {
				for c in $CALLS; do
					na k "$c:$tool" "not installed"
				done
				continue
			}
			opt=''
			# Dante relays every datagram of a UDP socket (see README).
			[ "$tool" = dante ] && opt=--no-udp
			measure k "run:$tool" "$run" dup_close 60 \
				with_tool "$tool" "$px" "$OUT/callcost" $opt || {
				for c in $CALLS; do
					na k "$c:$tool" "$(grep "^k${tab}run:$tool$tab" "$RUN/na.tsv" | cut -f3)"
				done
				continue
			}
			for c in $CALLS; do
				v=$(field "$c" "$LAST")
				if [ "$v" = na ] || [ -z "$v" ]; then
					case $tool in
					ts) na k "$c:$tool" "torsocks refuses UDP sockets (socket() fails with EPERM)" ;;
					dante) na k "$c:$tool" "Dante takes over every UDP socket (it fakes bind() and relays the socket's datagrams through the proxy): a loopback UDP socket cannot be left alone" ;;
					*) na k "$c:$tool" "the UDP socket did not hear itself: $(grep -m1 '^callcost' "$RUN/last.err")" ;;
					esac
				else
					record k "$c:$tool" "$run" "$v"
				fi
			done
		done
	done
}

# 7. Fake DNS: getaddrinfo on distinct names.
TOOLS_DNS="bare ours-dns pc-dns dante-dns ts"

wl_dns() {
	local run tool px=dd cnt hwm0 hwm1 len opt

	[ -n "$(px_addr dd 2>/dev/null)" ] || px=ms
	for run in $(seq 1 "$RUNS_SLOW"); do
		progress "fake DNS, run $run/$RUNS_SLOW"
		for tool in $TOOLS_DNS; do
			have_tool "$tool" || {
				na d "$tool" "not installed"
				continue
			}
			opt=''
			[ "$tool" = bare ] && opt=--numeric
			measure d "$tool" "$run" rate $((DNS_SECONDS + 30)) \
				with_tool "$tool" "$px" "$OUT/fakedns" -n "$N_NAMES" -t "$DNS_SECONDS" $opt ||
				continue
			cnt=$(field count "$LAST")
			hwm0=$(field hwm_start_kb "$LAST")
			hwm1=$(field hwm_end_kb "$LAST")
			len=$(field name_len "$LAST")
			if [ "$(field failed "$LAST")" = 1 ]; then
				# Drop the figure: a lookup failed.
				sed -i "/^d${tab}$tool${tab}$run$tab/d" "$RUN/results.tsv"
				na d "$tool" "answered $cnt names, then failed: $(field error "$LAST" | tr '_' ' ')"
				continue
			fi
			record d_cnt "$tool" "$run" "$cnt"
			record d_bpn "$tool" "$run" \
				"$(awk "BEGIN { printf \"%.0f\", ($hwm1 - $hwm0) * 1024 / $cnt - $len }")"
			if [ "$cnt" -lt "$N_NAMES" ]; then
				note d "$tool" "stopped at the ${DNS_SECONDS} s cap: lookups slow down as its table grows"
			fi
		done
	done
}

# socksify's own wrapper command: the C launcher when it is built, else the
# script.
wrapper() {
	if [ -x "$repo/build/socksify" ]; then
		printf '%s' "$repo/build/socksify"
	else
		printf '%s' "$repo/scripts/socksify"
	fi
}

# 8. Start-up: `true` under each tool, all tools in one spawn process
# taking turns (see spawn.c).
TOOLS_SPAWN="bare ours pc ts dante ours-w pc-w ts-w dante-w"

# spawn_all N: run spawn with a profile per usable tool; SPAWN_ORDER lists
# the tools in profile order.
spawn_all() {
	local n=$1 px=dd tl tool

	[ -n "$(px_addr dd)" ] || px=ms
	tl=$(find_torsocks_lib) || tl=''
	set -- "$OUT/spawn" -n "$n" -w 10
	SPAWN_ORDER=''
	for tool in $TOOLS_SPAWN; do
		if ! have_tool "${tool%-w}"; then
			na s "$tool" "not installed"
			continue
		fi
		if [ "$tool" = ts ] && [ -z "$tl" ]; then
			na s "$tool" "libtorsocks.so not found"
			continue
		fi
		[ -n "$SPAWN_ORDER" ] && set -- "$@" :::
		SPAWN_ORDER="$SPAWN_ORDER $tool"
		case $tool in
		bare) set -- "$@" -- true ;;
		ours)
			set -- "$@" -e "LD_PRELOAD=$LIB" -e "SOCKS_PROXY=socks5h://$(px_addr $px)" \
				-- true
			;;
		pc)
			set -- "$@" -e LD_PRELOAD=libproxychains.so.4 \
				-e "PROXYCHAINS_CONF_FILE=$RUN/pc-$px.conf" -e PROXYCHAINS_QUIET_MODE=1 \
				-- true
			;;
		ts) set -- "$@" -e "LD_PRELOAD=$tl" -e "TORSOCKS_CONF_FILE=$RUN/ts-$px.conf" -- true ;;
		dante)
			set -- "$@" -e LD_PRELOAD=libdsocksd.so.0 -e "SOCKS_CONF=$RUN/dante-$px.conf" \
				-e SOCKS_AUTOADD_LANROUTES=no -- true
			;;
		ours-w)
			set -- "$@" -e "SOCKS_PROXY=socks5h://$(px_addr $px)" -e "SOCKSIFY_LIB=$LIB" \
				-- "$(wrapper)" true
			;;
		pc-w) set -- "$@" -- proxychains4 -q -f "$RUN/pc-$px.conf" true ;;
		ts-w) set -- "$@" -e "TORSOCKS_CONF_FILE=$RUN/ts-$px.conf" -- torsocks true ;;
		dante-w)
			set -- "$@" -e "SOCKS_CONF=$RUN/dante-$px.conf" -e SOCKS_AUTOADD_LANROUTES=no \
				-- /usr/bin/socksify true
			;;
		esac
	done
	run_pfx "$@"
}

wl_spawn() {
	local run tool k rc line v

	for run in $(seq 1 "$RUNS"); do
		progress "start-up, run $run/$RUNS"
		TMO=240
		spawn_all "$N_SPAWN" >"$RUN/last.out" 2>"$RUN/last.err"
		rc=$?
		k=0
		for tool in $SPAWN_ORDER; do
			line=$(grep "^RESULT profile=$k " "$RUN/last.out")
			v=$(field p10_us "$line")
			if [ -n "$v" ]; then
				record s "$tool" "$run" "$v"
			else
				na s "$tool" "failed: $(why_failed "$rc")"
			fi
			k=$((k + 1))
		done
	done
}

# ---------------------------------------------------------------------------
# Inside: the report.

# stats.tsv: WL ROW MEDIAN MIN MAX RUNS from results.tsv.
summarise() {
	awk -F'\t' '
		{
			k = $1 "\t" $2
			n[k]++
			v[k, n[k]] = $4 + 0
		}
		END {
			for (k in n) {
				m = n[k]
				for (i = 2; i <= m; i++) {
					x = v[k, i]
					for (j = i - 1; j >= 1 && v[k, j] > x; j--)
						v[k, j + 1] = v[k, j]
					v[k, j + 1] = x
				}
				med = m % 2 ? v[k, (m + 1) / 2] : (v[k, m / 2] + v[k, m / 2 + 1]) / 2
				printf "%s\t%s\t%s\t%s\t%d\n", k, med, v[k, 1], v[k, m], m
			}
		}
	' "$RUN/results.tsv" >"$RUN/stats.tsv" 2>/dev/null
	touch "$RUN/na.tsv" "$RUN/notes.tsv"
}

# med WL ROW: the median, or nothing.
med() {
	awk -F'\t' -v wl="$1" -v row="$2" '$1 == wl && $2 == row { print $3; exit }' \
		"$RUN/stats.tsv"
}

# table WL BASE FMT UNIT RATIOHEAD EXTRAS: a Markdown table of the rows
# "ROW|LABEL" on stdin.
#   BASE   the baseline row, "=N" for a constant, or "%bare" for the row
#          whose key is this row's with ":bare" after its first colon
#   FMT    printf format of the figures
#   EXTRAS extra columns "HEAD=SPEC;...", SPEC one of rt:RTT (median/RTT),
#          per:K:FMT (K/median), add:FMT[:DIV] ((median - baseline)/DIV),
#          ratio:ROW (median / median of ROW), wl:WL:FMT (the median of the
#          same row in workload WL)
table() {
	local wl=$1 base=$2 fmt=$3 unit=$4 rhead=$5 extras=$6

	awk -F'|' -v wl="$wl" -v base="$base" -v fmt="$fmt" -v unit="$unit" \
		-v rhead="$rhead" -v extras="$extras" -v stats="$RUN/stats.tsv" \
		-v nafile="$RUN/na.tsv" -v notefile="$RUN/notes.tsv" '
	function stat_load(file, arr,    line, f) {
		while ((getline line < file) > 0) {
			split(line, f, "\t")
			arr[f[1], f[2]] = f[3]
			lo[f[1], f[2]] = f[4]
			hi[f[1], f[2]] = f[5]
			cnt[f[1], f[2]] = f[6]
		}
	}
	function text_load(file, arr,    line, f) {
		while ((getline line < file) > 0) {
			split(line, f, "\t")
			arr[f[1], f[2]] = f[3]
		}
	}
	BEGIN {
		stat_load(stats, m)
		text_load(nafile, why)
		text_load(notefile, nt)
		nx = extras == "" ? 0 : split(extras, xs, ";")
		head = "| Tool | Median " unit " | Min–max | Runs | " rhead
		rule = "|---|---:|---:|---:|---:"
		for (i = 1; i <= nx; i++) {
			split(xs[i], kv, "=")
			xhead[i] = kv[1]
			xspec[i] = kv[2]
			head = head " | " kv[1]
			rule = rule "|---:"
		}
		print head " | Note |"
		print rule "|---|"
	}
	{
		row = $1
		label = $2
		if (!((wl, row) in m)) {
			reason = (wl, row) in why ? why[wl, row] : "no result"
			line = "| " label " | n/a | | | "
			for (i = 1; i <= nx; i++)
				line = line " | "
			print line " | " reason " |"
			next
		}
		v = m[wl, row]
		bkey = base
		if (substr(base, 1, 1) == "%") {
			split(row, rp, ":")
			bkey = rp[1] ":" substr(base, 2)
		}
		if (substr(base, 1, 1) == "=")
			bv = substr(base, 2) + 0
		else
			bv = (wl, bkey) in m ? m[wl, bkey] : ""
		ratio = "–"
		if (bv != "" && bv + 0 != 0)
			ratio = sprintf(v / bv < 0.1 ? "%.3f" : "%.2f", v / bv)
		line = sprintf("| %s | " fmt " | " fmt "–" fmt " | %d | %s", label, v,
			       lo[wl, row], hi[wl, row], cnt[wl, row], ratio)
		for (i = 1; i <= nx; i++) {
			ns = split(xspec[i], sp, ":")
			x = "–"
			if (sp[1] == "rt")
				x = sprintf("%.1f", v / sp[2])
			else if (sp[1] == "per")
				x = sprintf(sp[3], sp[2] / v)
			else if (sp[1] == "add" && bv != "")
				x = sprintf(sp[2], (v - bv) / (ns > 2 ? sp[3] : 1))
			else if (sp[1] == "ratio" && ((wl, sp[2]) in m) && m[wl, sp[2]] + 0 != 0)
				x = sprintf("%.2f", v / m[wl, sp[2]])
			else if (sp[1] == "wl" && ((sp[2], row) in m))
				x = sprintf(sp[3], m[sp[2], row])
			line = line " | " x
		}
		print line " | " ((wl, row) in nt ? nt[wl, row] : "") " |"
	}'
}

# verdict OK TEXT: one line of the targets list.
verdict() {
	if [ "$1" = met ]; then
		printf -- '- **met**: %s\n' "$2"
	elif [ "$1" = missed ]; then
		printf -- '- **MISSED**: %s\n' "$2"
	else
		printf -- '- **not measured**: %s\n' "$2"
	fi
}

# fcmp A OP B: a float comparison (OP: ge, gt, le, lt).
fcmp() {
	[ -n "$1" ] && [ -n "$3" ] || return 2
	awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
		if (op == "ge") exit !(a >= b)
		if (op == "gt") exit !(a > b)
		if (op == "le") exit !(a <= b)
		exit !(a < b)
	}'
}

fmt() {
	awk -v x="$1" -v f="$2" 'BEGIN { printf f, x }'
}

# Other check lines for the connect rate through PX: ahead of each peer.
targets_peers() {
	local px=$1 name o p label v

	case $px in
	ms) name=microsocks ;;
	*) name=danted ;;
	esac
	o=$(med "c_$px" ours)
	for p in pc ts dante; do
		label=$(tool_label "$p")
		v=$(med "c_$px" "$p")
		if [ -z "$o" ] || [ -z "$v" ]; then
			verdict na "connect rate through $name ahead of $label: no figure for $label ($(grep "^c_$px$tab$p$tab" "$RUN/na.tsv" | cut -f3))"
		elif fcmp "$o" gt "$v"; then
			verdict met "connect rate through $name ahead of $label: $(fmt "$o" %.0f)/s against $(fmt "$v" %.0f)/s"
		else
			verdict missed "connect rate through $name ahead of $label: $(fmt "$o" %.0f)/s against $(fmt "$v" %.0f)/s; system calls per connect: socksify $(med "sc_$px" ours), $label $(med "sc_$px" "$p") (see the system call target above for what socksify's keep)"
		fi
	done
}

# The supervisor: a connect costs at most 1.2 × the library's through the
# same proxy; calls its filter lets through cost at most 1.02 × (or 3 ns).
targets_supervisor() {
	local px name o s x c d f

	for px in ms dd; do
		name=microsocks
		[ "$px" = dd ] && name=danted
		o=$(med "c_$px" ours)
		s=$(med "c_$px" ours-sup)
		if [ -z "$o" ] || [ -z "$s" ]; then
			verdict na "supervised connect through $name: no figure ($(grep "^c_$px${tab}ours-sup$tab" "$RUN/na.tsv" | cut -f3))"
			continue
		fi
		x="supervised connect through $name: $(fmt "$(awk "BEGIN { print 1000000 / $s }")" %.0f) µs = $(fmt "$(awk "BEGIN { print $o / $s }")" %.2f) × the preloaded connect (target ≤ 1.2)"
		if fcmp "$(awk "BEGIN { print $o / $s }")" le 1.2; then verdict met "$x"; else verdict missed "$x"; fi
	done
	for c in recvfrom dup_close epoll write read; do
		s=$(med k "$c:sup-calls")
		d=$(med k "$c:bare")
		if [ -z "$s" ] || [ -z "$d" ]; then
			verdict na "$c under the supervisor: no figure"
			continue
		fi
		x="$(echo "$c" | sed 's/dup_close/close(dup())/; s/epoll/epoll_wait/') under the supervisor: $(fmt "$s" %.1f) ns against $(fmt "$d" %.1f) ns = $(fmt "$(awk "BEGIN { print $s / $d }")" %.3f) × (target ≤ 1.02 or ≤ 3 ns)"
		if fcmp "$s" le "$(awk "BEGIN { print 1.02 * $d }")" ||
			fcmp "$(awk "BEGIN { print $s - $d }")" le 3; then
			verdict met "$x"
		else
			f=$(med k "$c:sec-floor")
			if [ -n "$f" ]; then
				x="$x; a seccomp filter that allows every call (tests/bench/seccompallow.c) costs $(fmt "$f" %.1f) ns here, $(fmt "$(awk "BEGIN { print $f / $d }")" %.3f) ×: the kernel takes its slower system call entry for every call of a process with a filter, whatever the filter says"
			fi
			verdict missed "$x"
		fi
	done
}

# check_le TEXT VALUE LIMIT [WHY]: met when VALUE <= LIMIT; WHY is added
# to a miss.
check_le() {
	if [ -z "$2" ]; then
		verdict na "$1: no figure"
	elif fcmp "$2" le "$3"; then
		verdict met "$1"
	else
		verdict missed "$1${4:+; $4}"
	fi
}

# ratio A B: A / B with two decimals; nothing when either is missing.
ratio() {
	[ -n "$1" ] && [ -n "$2" ] || return 0
	awk "BEGIN { printf \"%.2f\", $1 / $2 }"
}

# startup_split: where the start-up of `true` goes, measured: one spawn
# process times, taking turns, a plain start, a start with an empty shared
# object preloaded (what any preloaded object costs: opening and mapping
# one more file), one with the library, one through the launcher, and one
# through execonly (the least any launcher ending in an exec costs); and
# the dynamic loader's own statistics (LD_DEBUG=statistics) without and
# with the library.  Prints two lines: why for the bare start, why for the
# start through the launcher.
startup_split() {
	local bare ours pat='s/.*total startup time in dynamic loader: *\([0-9]*\).*/\1/p'
	local out plain empty lib floor wrapped truebin sum

	# The least of five starts each: the first ones after a build are cold.
	bare=$(for _ in 1 2 3 4 5; do LD_DEBUG=statistics /bin/true 2>&1 | sed -n "$pat"; done |
		sort -n | head -n1)
	ours=$(for _ in 1 2 3 4 5; do LD_DEBUG=statistics LD_PRELOAD="$LIB" \
		SOCKS_PROXY=socks5h://127.0.0.1:9 SOCKSIFY_LOG=error /bin/true 2>&1 | sed -n "$pat"; done |
		sort -n | head -n1)
	if [ ! -f "$OUT/empty.so" ]; then
		printf 'int sx_bench_empty;\n' |
			"${CC:-cc}" -shared -fPIC -x c -o "$OUT/empty.so" - 2>/dev/null || return 0
	fi
	# A path for execonly, which looks nothing up (`command -v` names the builtin).
	truebin=''
	for truebin in /usr/bin/true /bin/true ''; do
		[ -x "$truebin" ] && break
	done
	set -- -- true ::: \
		-e "LD_PRELOAD=$OUT/empty.so" -- true ::: \
		-e "LD_PRELOAD=$LIB" -e SOCKS_PROXY=socks5h://127.0.0.1:9 -e SOCKSIFY_LOG=error -- true ::: \
		-e SOCKS_PROXY=socks5h://127.0.0.1:9 -e SOCKSIFY_LOG=error -- "$(wrapper)" true
	[ -x "$OUT/execonly" ] && [ -n "$truebin" ] && set -- "$@" ::: -- "$OUT/execonly" "$truebin"
	out=$(timeout -k 2 120 "$OUT/spawn" -n "$N_SPAWN" -w 10 "$@" 2>/dev/null) || return 0
	p10() { printf '%s\n' "$out" | sed -n "s/^RESULT profile=$1 .* p10_us=\([0-9.]*\).*/\1/p"; }
	plain=$(p10 0)
	empty=$(p10 1)
	lib=$(p10 2)
	wrapped=$(p10 3)
	floor=$(p10 4)
	[ -n "$plain" ] && [ -n "$empty" ] && [ -n "$lib" ] && [ -n "$wrapped" ] || return 0
	d() { awk "BEGIN { printf \"%.0f\", $1 - $2 }"; }
	printf '%s\n' "measured in one spawn run: a plain start $(fmt "$plain" %.0f) µs; any preloaded object adds $(d "$empty" "$plain") µs (an empty one: the loader opens, maps and relocates one more object), socksify's library $(d "$lib" "$plain") µs, $(d "$lib" "$empty") µs more than the empty object (its constructor only joins the session, init waits for the first hook; the rest is the kernel and the loader mapping a larger object: the loader counts ${bare:-?} cycles for a plain start and ${ours:-?} with the library); the target leaves $(awk "BEGIN { printf \"%.0f\", 0.10 * $plain }") µs, of which an empty object takes $(d "$empty" "$plain")"
	printf '%s' "measured in one spawn run: a plain start $(fmt "$plain" %.0f) µs, with the library preloaded $(fmt "$lib" %.0f) µs, through the launcher $(fmt "$wrapped" %.0f) µs: the launcher's own part is $(d "$wrapped" "$lib") µs"
	if [ -n "$floor" ]; then
		sum=$(awk "BEGIN { printf \"%.2f\", ($lib - $plain + $floor - $plain) / $plain }")
		printf '%s' "; a launcher that does nothing but exec (tests/bench/execonly.c: static, no C library, one system call) adds $(d "$floor" "$plain") µs by itself: the library and a bare exec alone already add $sum × a plain start, against the 0.15 the target allows"
	fi
	printf '\n'
}

# The targets, in the order the report lists them.
targets_issue() {
	local o d n r x px name rt want row why calls split

	# 1. Start-up.
	o=$(med s ours)
	d=$(med s bare)
	r=$(ratio "$o" "$d")
	split=$(startup_split)
	why=$(printf '%s\n' "$split" | sed -n 1p)
	check_le "start-up with LD_PRELOAD: $(fmt "${o:-0}" %.0f) µs against $(fmt "${d:-0}" %.0f) µs without, ${r:-?} × (target ≤ 1.10)" \
		"$r" 1.10 "$why"
	o=$(med s ours-w)
	r=$(ratio "$o" "$d")
	why=$(printf '%s\n' "$split" | sed -n 2p)
	check_le "start-up through the wrapper ($(tool_label ours-w)): $(fmt "${o:-0}" %.0f) µs, ${r:-?} × a plain start (target ≤ 1.15)" \
		"$r" 1.15 "$why"
	# 2. Round trips by default, through danted over the slow link.
	want=2
	[ -z "$LAT_RELAYED" ] && want=3
	o=$(med l_ddl ours)
	rt=''
	[ -n "$o" ] && rt=$(awk "BEGIN { printf \"%.1f\", $o / $RTT_MS }")
	x=''
	for row in ours-ls ours-pipe native; do
		n=$(med l_ddl "$row")
		[ -n "$n" ] && x="$x $(tool_label "$row") $(awk "BEGIN { printf \"%.1f\", $n / $RTT_MS }"),"
	done
	check_le "round trips per connect by default (no SOCKSIFY_PIPELINE) through danted: ${rt:-?} (target $want;${x%,})" \
		"$rt" "$want.5" "by default each SOCKS5 message waits for the answer to the one before"
	# 3. System calls per connect through danted, UDP connect() to
	# loopback, and the calls left alone.
	n=$(med sc_dd native)
	calls=$(printf '%s\n' "${SYSCOUNT_OUT:-}" | sed -n 's/^PROXIED-CALLS //p')
	why="the native lock-step client makes ${n:-?}; one connect of socksify by default, by call (tests/helpers/syscount.sh): ${calls:-not counted}"
	if [ -n "$calls" ]; then
		cnt() { printf '%s\n' "$calls" | tr ' ' '\n' | sed -n "s/^$1://p"; }
		why="$why; beyond the native client's: $(cnt fcntl) fcntl (the connect to the proxy runs non-blocking so that SOCKSIFY_TIMEOUT bounds it: the flags are read, set and put back), $(cnt poll) poll (each answer is awaited within the timeout, where the native client blocks without a bound), one fstat of the socket (its identity, kept with the connection's state so that a descriptor number reused behind the library's back never inherits it) and a reply read in two parts (its length shows only in its first bytes, and no byte past it may be taken from the program); the first connect of a process also reads the pipelining state file (getresuid, openat, newfstatat)"
	fi
	o=$(med sc_dd ours-ls)
	check_le "system calls per connect, lock-step (SOCKSIFY_PIPELINE=0): ${o:-?} (target ≤ 10)" "$o" 10 "$why"
	o=$(med sc_dd ours)
	check_le "system calls per connect, default settings: ${o:-?} (target ≤ 10)" "$o" 10 "$why"
	o=$(med sc_dd ours-pipe)
	check_le "system calls per connect, pipelined (SOCKSIFY_PIPELINE=1): ${o:-?} (target ≤ 9)" "$o" 9 "$why"
	for x in $CALLS; do
		o=$(med k "$x:ours-calls")
		d=$(med k "$x:bare")
		r=$(ratio "$o" "$d")
		if [ "$x" = udp_connect ]; then
			check_le "$(call_name "$x"): $(fmt "${o:-0}" %.1f) ns against $(fmt "${d:-0}" %.1f) ns, ${r:-?} × (target ≤ 1.10)" "$r" 1.10
		else
			check_le "$(call_name "$x") left alone: $(fmt "${o:-0}" %.1f) ns against $(fmt "${d:-0}" %.1f) ns, ${r:-?} × (target ≤ 1.02)" "$r" 1.02
		fi
	done
	# 4. Fake DNS.
	o=$(med d ours-dns)
	if [ -z "$o" ]; then
		verdict na "fake DNS: no figure for socksify ($(grep "^d${tab}ours-dns$tab" "$RUN/na.tsv" | cut -f3))"
	else
		x="fake DNS: $(fmt "$o" %.0f) lookups/s (target ≥ 1,000,000)"
		if fcmp "$o" ge 1000000; then verdict met "$x"; else verdict missed "$x"; fi
		check_le "fake DNS memory: $(med d_bpn ours-dns) bytes per name beyond the name, at $(med d_cnt ours-dns) names (target ≤ 100)" \
			"$(med d_bpn ours-dns)" 100
	fi
	# 5. Connection rate against the native lock-step client.
	for px in ms dd; do
		case $px in
		ms) name=microsocks ;;
		*) name=danted ;;
		esac
		n=$(med "c_$px" native)
		for row in ours ours-nb; do
			o=$(med "c_$px" "$row")
			r=$(ratio "$n" "$o")
			check_le "time per connect through $name, $(tool_label "$row"): $(fmt "${o:-0}" %.0f)/s against the native lock-step client's $(fmt "${n:-0}" %.0f)/s, ${r:-?} × its time (target ≤ 1.00)" \
				"$r" 1.00 "system calls per connect: socksify $(med "sc_$px" "$row"), the native client $(med "sc_$px" native)"
		done
	done
}

tool_label() {
	case $1 in
	direct) echo "direct (no proxy)" ;;
	native) echo "native SOCKS5 client, lock-step" ;;
	native-pipe) echo "native SOCKS5 client, pipelined" ;;
	ours) echo "socksify (default settings)" ;;
	ours-poll) echo "socksify (poll instead of epoll)" ;;
	ours-pipe) echo "socksify, SOCKSIFY_PIPELINE=1" ;;
	ours-ls) echo "socksify, SOCKSIFY_PIPELINE=0 (lock-step)" ;;
	ours-nb) echo "socksify, non-blocking connect()" ;;
	ours-ls-nb) echo "socksify, SOCKSIFY_PIPELINE=0, non-blocking connect()" ;;
	ours-np) echo "socksify loaded, destination in NO_PROXY" ;;
	ours-calls) echo "socksify" ;;
	ours-dns) echo "socksify (socks5h)" ;;
	ours-sup) echo "socksify's seccomp supervisor (no library)" ;;
	sup-calls) echo "socksify's seccomp supervisor" ;;
	sec-floor) echo "a seccomp filter that allows every call" ;;
	pc) echo "proxychains-ng" ;;
	pc-dns) echo "proxychains-ng (proxy_dns)" ;;
	ts) echo "torsocks" ;;
	dante) echo "Dante socksify" ;;
	dante-dns) echo "Dante socksify (resolveprotocol fake)" ;;
	dante-poll) echo "Dante socksify (poll instead of epoll)" ;;
	bare) echo "no tool" ;;
	ours-w) echo "socksify via $(wrapper | sed "s#^$repo/##")" ;;
	pc-w) echo "proxychains-ng via proxychains4 -q -f" ;;
	ts-w) echo "torsocks via torsocks" ;;
	dante-w) echo "Dante via /usr/bin/socksify" ;;
	*) echo "$1" ;;
	esac
}

# check_rows: the rows of the "who carried" table.
check_rows() {
	local px tool kind peer name

	while IFS="$tab" read -r px tool kind peer; do
		case $px in
		ms) name=microsocks ;;
		dd) name=danted ;;
		msl) name="microsocks over the ${DELAY_MS} ms link" ;;
		ddl) name="danted over the ${DELAY_MS} ms link" ;;
		slow) name="slowsocks ($UPSTREAM_MS ms upstream)" ;;
		*) name=$px ;;
		esac
		printf '| %s | %s | %s | %s |\n' "$name" "$(tool_label "$tool")" \
			"$(echo "$kind" | tr "[:lower:]" "[:upper:]")" "$peer"
	done <"$RUN/checks.tsv"
}

# call_name CALL: how the report names a call of callcost.
call_name() {
	case $1 in
	dup_close) echo "close(dup())" ;;
	epoll) echo "epoll_wait" ;;
	udp_connect) echo "connect() of a UDP socket to loopback" ;;
	*) echo "$1" ;;
	esac
}

# call_rows: the rows of the unproxied-calls table.
call_rows() {
	local c t

	for c in $CALLS; do
		for t in $TOOLS_CALLS; do
			printf '%s:%s|%s — %s\n' "$c" "$t" \
				"$(call_name "$c")" \
				"$(tool_label "$t")"
		done
	done
}

# rows TOOL...: "TOOL|label" for table.
rows() {
	local t

	for t in "$@"; do
		printf '%s|%s\n' "$t" "$(tool_label "$t")"
	done
}

versions() {
	local p v sep=''

	for p in proxychains4 torsocks dante-client dante-server microsocks; do
		v=$(dpkg-query -W -f='${Version}' "$p" 2>/dev/null)
		printf '%s%s %s' "$sep" "$p" "${v:-not installed}"
		sep='; '
	done
}

report() {
	local o n v d rtp peers best x

	summarise
	cat <<EOF
# socksify benchmark

$(date -u '+%Y-%m-%d %H:%M UTC'), $(uname -sr), $(nproc) CPUs, load average
$LOAD0 at the start and $(cut -d' ' -f1-3 /proc/loadavg) at the end. Source tree $(git -C "$repo" --no-optional-locks describe --always --dirty 2>/dev/null || echo unknown) (library $(date -u -r "$LIB" "+built %Y-%m-%d %H:%M UTC" 2>/dev/null)).
Peers: $(versions).
Network: $(if [ "$MODE" = netns ]; then echo "a namespace created for the run; the destination is 192.0.2.2 on its loopback interface, the proxies listen on 127.0.0.1"; else echo "this machine's loopback (not root: no namespace); socksify runs with SOCKSIFY_LOOPBACK=proxy"; fi).
Timed workloads ran $RUNS times (parallel connects, bulk and fake DNS
$RUNS_SLOW times), tools interleaved within each run. Medians and ratios are
what to read: absolute figures move with the machine; ratios measured in one
run do not. "n/a" rows say why.

## Who carried the connections

Each tool's connection was checked before it was timed: the destination
answers with the address the connection came from, which is the proxy's
outgoing address when the proxy carried it (microsocks 127.0.0.3, danted
127.0.0.4, slowsocks 127.0.0.6). A tool whose connection came from elsewhere
is shown n/a ("went direct"), never timed.

| Proxy | Tool | Kind | The destination saw |
|---|---|---|---|
$(check_rows)

## 1. Connect rate

$N_CONNECT × (connect, write 64 bytes, read the echo, close) per run, one
after the other, each timed. Figure: connections per second, one over the
median time of one connect in a run (a run's total is at the mercy of
whatever else the machine does meanwhile); higher is better. Ratio to the
native SOCKS5 client in lock-step, a program that speaks SOCKS5 itself with
one write per message and exact-length reads: the best a socksifier could do
without pipelining. "direct" is the same program without a proxy.

### Through microsocks

$(rows $TOOLS_MS $TOOLS_SUP | table c_ms native %.0f "(connects/s)" "× native" "µs per connect=per:1000000:%.0f")

### Through danted

$(rows $TOOLS_DD $TOOLS_SUP | table c_dd native %.0f "(connects/s)" "× native" "µs per connect=per:1000000:%.0f")

microsocks drops a request pipelined behind the greeting, so the pipelined
rows are for danted only. The supervisor's row is the same dynamic program
run under socksify-supervise without the library, as a static
program runs: each connect is trapped by its seccomp filter and made by the
supervisor on a copy of the program's socket.

### System calls per connect

Counted with strace -f over $((100 + 1)) connects minus 1 connect, divided
by 100: every system call of the process (and of any helper process it forks)
for one connect, 64-byte echo and close. Exact counts, one run.

$(rows $TOOLS_MS | table sc_ms direct %.1f "(calls)" "× direct" "extra calls=add:%+.1f")

$(rows $TOOLS_DD | table sc_dd direct %.1f "(calls)" "× direct" "extra calls=add:%+.1f")

EOF
	if [ -n "${SYSCOUNT_OUT:-}" ]; then
		cat <<EOF
tests/helpers/syscount.sh (socksify only; a blocking connect through danted,
between marks, no echo):

\`\`\`
$SYSCOUNT_OUT
\`\`\`

EOF
	fi
	cat <<EOF
## 2. Connect latency over a ${RTT_MS} ms round trip

The link between client and proxy: $LINK. $N_LATENCY connects per run, each
connect + 64-byte echo. Figure: the median milliseconds of one connect in a
run (lower is better); round trips = that divided by ${RTT_MS} ms. $(if [ -n "$LAT_RELAYED" ]; then echo "The relay does not delay the TCP handshake, so the expected counts are: direct 1 (the echo), lock-step SOCKS5 3 (greeting, request, echo), pipelined 2."; else echo "netem delays the TCP handshake too, so the expected counts are: direct 2 (handshake, echo), lock-step SOCKS5 4 (handshake, greeting, request, echo), pipelined 3."; fi)

### microsocks

$(rows $TOOLS_MS | table l_msl native %.1f "(ms)" "× native" "round trips=rt:$RTT_MS")

### danted

$(rows $TOOLS_DD | table l_ddl native %.1f "(ms)" "× native" "round trips=rt:$RTT_MS")

## 3. Parallel connects through a slow upstream

$N_PARALLEL non-blocking connects started at once, then one epoll loop (one
poll loop for the "poll" row) until all are connected; the proxy
(tests/helpers/slowsocks.py) waits $UPSTREAM_MS ms before it connects to the
destination. Figure: milliseconds until all $N_PARALLEL are connected (lower is
better); ratio to one upstream delay, the least possible. A tool that blocks
inside connect() serialises the $N_PARALLEL delays. Each connection then
carried a 64-byte echo (not timed).

$(rows $TOOLS_PAR | table p "=$UPSTREAM_MS" %.0f "(ms)" "× one delay" "")

## 4. Bulk

One connection reading $(awk "BEGIN { printf \"%.0f\", $BULK_BYTES / 1048576 }") MiB from the destination through danted. Figure: MB/s
(10^6 bytes/s, higher is better); ratio to direct. After the handshake a
socksifier is out of the data path, so everything below direct is the
proxy's relaying (the same for every client); the column "× native" compares
with the native client through the same proxy, which is what a socksifier can
still influence. "socksify loaded, destination in NO_PROXY" is the library in
the process with the connection not proxied: the cost of its read() hook.

$(rows $TOOLS_BULK | table b direct %.0f "(MB/s)" "× direct" "× native=ratio:native")

## 5. UDP

$N_UDP round trips of a 64-byte datagram (sendto, recvfrom) through danted's
UDP relay to a UDP echo. Figure: round trips per second, one over the median
round trip of a run (higher is better);
ratio to a native UDP ASSOCIATE client (TCP control connection, SOCKS5 UDP
header written and stripped by the program itself). "direct" is without the
proxy.

$(rows $TOOLS_UDP | table u native %.0f "(round trips/s)" "× native" "")

## 6. Calls a socksifier should leave alone

Nanoseconds per call, the median over batches of calls (the mean per call
within a batch): sendto/recvfrom of 32
bytes on a UDP socket bound to 127.0.0.1 sending to itself (loopback, so
socksify leaves it alone by default), close(dup(fd)), epoll_wait with a
zero timeout and nothing pending, a 1-byte write/read on a pipe. Figure: ns
per call (lower is better); ratio and added ns against the same call with no
tool. socksify runs with a socks5h proxy configured, nothing else.
proxychains-ng hooks none of recvfrom, epoll_wait, read and write: its rows
for those calls show how far apart two processes making the very same libc
calls land on this machine. Under the supervisor only sendto (it names an
address) is trapped and answered by the supervisor; the other calls pass its
seccomp filter. The rows of "a seccomp filter that allows every call"
(tests/bench/seccompallow.c) are the least any seccomp-based tool costs.

$(call_rows | table k %bare %.1f "(ns)" "× no tool" "added ns=add:%+.1f")

## 7. Fake DNS

getaddrinfo() (AF_INET, SOCK_STREAM) on $N_NAMES distinct names
(h0000000.bench.example, 22 bytes each), freeaddrinfo() after each, capped at
$DNS_SECONDS s per run. Figure: lookups per second (higher is better). Memory:
the growth of the peak resident set (VmHWM) over the run, divided by the
names answered, less the 22 bytes of the name itself. Ratio to "no tool",
glibc's getaddrinfo() on numeric addresses (the cheapest lookup there is; no
tool resolves names without a proxy, and nothing here may leave the machine).

$(rows $TOOLS_DNS | table d bare %.0f "(lookups/s)" "× glibc numeric" "names answered=wl:d_cnt:%.0f;bytes per name beyond the name=wl:d_bpn:%.0f")

## 8. Start-up

\`true\` started $N_SPAWN times per run for each row (posix_spawn to exit),
the rows taking turns: the library preloaded through LD_PRELOAD with its
configuration in the environment (the first five rows), or through each
tool's own wrapper command (the last four, which add a shell or an exec).
Figure: the 10th percentile of a run's start times in microseconds (on a
busy machine some starts wait a whole scheduler tick; the low percentile
leaves those out); lower is better. Added ms against no tool.

$(rows $TOOLS_SPAWN | table s bare %.0f "(µs)" "× no tool" "added ms=add:%+.3f:1000")

## Targets

The targets, each against figures measured in this run.

EOF
	targets_issue
	cat <<EOF

### Other checks

EOF
	for x in ms dd; do
		targets_peers "$x"
	done
	targets_supervisor
	# Pipelining: one round trip fewer than every peer (latency, danted).
	o=$(med l_ddl ours-pipe)
	if [ -z "$o" ]; then
		verdict na "pipelining: no figure for socksify with SOCKSIFY_PIPELINE=1 through danted"
	else
		best=''
		peers=''
		for p in pc ts dante; do
			v=$(med l_ddl "$p")
			[ -n "$v" ] || continue
			peers="$peers $(tool_label "$p") $(fmt "$(awk "BEGIN { print $v / $RTT_MS }")" %.1f),"
			if [ -z "$best" ] || fcmp "$v" lt "$best"; then
				best=$v
			fi
		done
		rtp=$(awk "BEGIN { print $o / $RTT_MS }")
		if [ -z "$best" ]; then
			verdict na "pipelining: no peer has a latency figure"
		elif fcmp "$(awk "BEGIN { print ($best - $o) / $RTT_MS }")" ge 0.75; then
			verdict met "pipelining saves a round trip: socksify pipelined $(fmt "$rtp" %.1f) round trips per connect through danted; peers:${peers%,}"
		else
			verdict missed "pipelining saves a round trip: socksify pipelined $(fmt "$rtp" %.1f) round trips per connect through danted; peers:${peers%,}"
		fi
	fi
	for x in ours ours-poll; do
		o=$(med p "$x")
		if [ -z "$o" ]; then
			verdict na "$N_PARALLEL parallel connects, $(tool_label "$x"): no figure"
		elif fcmp "$o" le "$(awk "BEGIN { print 1.5 * $UPSTREAM_MS }")"; then
			verdict met "$N_PARALLEL parallel connects through a $UPSTREAM_MS ms upstream, $(tool_label "$x"): $(fmt "$o" %.0f) ms = $(fmt "$(awk "BEGIN { print $o / $UPSTREAM_MS }")" %.2f) × one delay (target ≤ 1.5)"
		else
			verdict missed "$N_PARALLEL parallel connects through a $UPSTREAM_MS ms upstream, $(tool_label "$x"): $(fmt "$o" %.0f) ms = $(fmt "$(awk "BEGIN { print $o / $UPSTREAM_MS }")" %.2f) × one delay (target ≤ 1.5)"
		fi
	done
	o=$(med b ours)
	d=$(med b direct)
	n=$(med b native)
	if [ -z "$o" ] || [ -z "$d" ]; then
		verdict na "bulk: no figure for socksify or direct"
	else
		x="bulk through danted: socksify $(fmt "$o" %.0f) MB/s = $(fmt "$(awk "BEGIN { print $o / $d }")" %.2f) × direct (target ≥ 0.98)"
		if fcmp "$o" ge "$(awk "BEGIN { print 0.98 * $d }")"; then
			verdict met "$x"
		else
			[ -n "$n" ] && x="$x; the proxy's relay is the limit: the native client through it gets $(fmt "$(awk "BEGIN { print $n / $d }")" %.2f) × direct, and socksify $(fmt "$(awk "BEGIN { print $o / $n }")" %.2f) × the native client"
			verdict missed "$x"
		fi
		v=$(med b ours-np)
		if [ -n "$v" ]; then
			if fcmp "$v" ge "$(awk "BEGIN { print 0.98 * $d }")"; then
				verdict met "bulk, library loaded but the connection not proxied: $(fmt "$(awk "BEGIN { print $v / $d }")" %.2f) × direct (target ≥ 0.98)"
			else
				verdict missed "bulk, library loaded but the connection not proxied: $(fmt "$(awk "BEGIN { print $v / $d }")" %.2f) × direct (target ≥ 0.98)"
			fi
		fi
	fi
	o=$(med u ours)
	n=$(med u native)
	v=$(med u dante)
	if [ -z "$o" ] || [ -z "$n" ]; then
		verdict na "UDP: no figure for socksify or the native client"
	else
		x="UDP: socksify $(fmt "$o" %.0f) round trips/s = $(fmt "$(awk "BEGIN { print $o / $n }")" %.2f) × the native client (target ≥ 0.9)"
		if fcmp "$o" ge "$(awk "BEGIN { print 0.9 * $n }")"; then verdict met "$x"; else verdict missed "$x"; fi
		if [ -n "$v" ]; then
			x="UDP: socksify $(fmt "$o" %.0f)/s against Dante's socksify $(fmt "$v" %.0f)/s (target ≥ Dante)"
			if fcmp "$o" ge "$v"; then verdict met "$x"; else verdict missed "$x"; fi
		else
			verdict na "UDP against Dante's socksify: no figure for Dante"
		fi
	fi
	cat <<EOF

Total time: $(($(date +%s) - T0)) s.
EOF
}

inside() {
	T0=$(date +%s)
	MODE=${SXBENCH_MODE:-loopback}
	LOAD0=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)
	trap stop_all EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	mkdir -p "$RUN"
	: >"$RUN/results.tsv"
	: >"$RUN/na.tsv"
	: >"$RUN/notes.tsv"
	: >"$RUN/checks.tsv"
	if [ "$MODE" = netns ]; then
		DEST=192.0.2.2
		# Our own namespace: reuse TIME_WAIT ports of the direct runs too,
		# and more ephemeral ports for thousands of connects a second.
		sysctl -qw net.ipv4.tcp_tw_reuse=1 2>/dev/null
		sysctl -qw net.ipv4.ip_local_port_range="10000 65000" 2>/dev/null
	else
		DEST=127.0.0.1
	fi
	progress "starting the servers ($MODE)"
	start_servers
	write_configs
	progress "checking who carries each tool's connections"
	wl_connect
	wl_syscalls
	wl_latency
	wl_parallel
	wl_bulk
	wl_udp
	wl_calls
	wl_dns
	wl_spawn
	progress "writing the report"
	report >"$OUT/report.md"
	progress "done in $(($(date +%s) - T0)) s: $OUT/report.md"
}

if [ "${SXBENCH_INSIDE:-}" = 1 ]; then
	inside
else
	outside
fi

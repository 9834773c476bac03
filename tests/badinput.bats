#!/usr/bin/env bats
# Malformed values in every environment variable the library reads: empty,
# as long as exec() allows (and 1 MiB, set inside a process before the
# library is loaded), not UTF-8, control characters, out-of-range numbers,
# huge NO_PROXY lists.  Whatever the value: no crash, no hang, one clear
# line naming the variable when the value is refused (then every proxied
# connection fails), never a connection around the proxy, never a password
# on the terminal.  The proxy is microsocks (its connections come from
# 127.0.0.3); the destination logs who connected.

load lib/common

VARS=(SOCKS_PROXY ALL_PROXY all_proxy NO_PROXY no_proxy SOCKSIFY_LOG
	SOCKSIFY_TIMEOUT SOCKSIFY_LOOPBACK SOCKSIFY_PIPELINE SOCKSIFY_UDP
	SOCKSIFY_HOSTS SOCKSIFY_FAKE_NET SOCKSIFY_FAKE_NET6)

# The longest value exec() passes for VAR (a string of the environment is
# at most 32 pages, NUL included).
longest() {
	echo $((131072 - ${#1} - 2))
}

# A client that starts fast (tests/helpers/forkexec.c, mode connect).
CLIENT="$REPO/build/tests/helpers/forkexec"

setup_file() {
	require_library
	start_dest echo 127.0.0.1
	export ECHO_PORT=$PORT ECHO_LOG=$LOG
	start_microsocks ms
	export MS_URL="socks5://127.0.0.1:$PORT"
}

# try_env [-u VAR] [VAR=VALUE...]: a client to the echo server through
# socksify, with SOCKS_PROXY=microsocks and loopback proxied unless the
# assignments say otherwise (-u SOCKS_PROXY: no SOCKS_PROXY at all).
# Remembers where the destination's log stood.
try_env() {
	local -a unset=()
	if [ "${1:-}" = -u ]; then
		unset=(-u "$2")
		shift 2
	fi
	DEST_BEFORE=$(wc -l <"$ECHO_LOG")
	run --separate-stderr timeout -k 2 "$CLIENT_TIMEOUT" env SOCKS_PROXY="$MS_URL" \
		SOCKSIFY_LOOPBACK=proxy env "${unset[@]}" "$@" "$SOCKSIFY" "$CLIENT" \
		connect 127.0.0.1 "$ECHO_PORT"
}

# dest_conns: who connected to the destination since try_env.
dest_conns() {
	tail -n +"$((DEST_BEFORE + 1))" "$ECHO_LOG" | awk '$1 == "CONN" { print $2 }'
}

# ended_normally: the client ran to its end: no signal, no timeout.
ended_normally() {
	if [ "$status" -ne 0 ] && [ "$status" -ne 1 ]; then
		echo "# the client ended with status $status" >&2
		printf '%s\n' "$output" "$stderr" | sed 's/^/# /' | head -20 >&2
		return 1
	fi
	assert_line --regexp '^ELAPSED [0-9.]+$'
}

# clean_stderr: no raw control character (other than the line ends) and
# no password reached the terminal.
clean_stderr() {
	if printf '%s' "$stderr" | LC_ALL=C tr -d '\n' | LC_ALL=C grep -q '[[:cntrl:]]'; then
		echo "# raw control characters on stderr:" >&2
		printf '%s' "$stderr" | od -c | head -5 | sed 's/^/# /' >&2
		return 1
	fi
	refute_regex "$stderr" 'secretpw'
}

# refused VAR: the value was refused: one line on stderr names VAR, and
# the only other line is the refusal of the connection itself; the
# connection failed and the destination got nothing.
refused() {
	local var=$1 named others
	ended_normally
	clean_stderr
	named=$(printf '%s\n' "$stderr" | grep -c "^socksify: $var: " || true)
	others=$(printf '%s\n' "$stderr" | grep -v "^socksify: $var: " |
		grep -vc '^socksify: refusing to connect to 127\.0\.0\.1:[0-9]*: configuration error, refusing to connect$' || true)
	[ "$named" -eq 1 ] && [ "$others" -eq 0 ] || {
		echo "# expected one line naming $var and nothing else but the refused connect:" >&2
		printf '%s\n' "$stderr" | head -5 | cut -c1-300 | sed 's/^/# /' >&2
		return 1
	}
	assert_failure 1
	assert_line --regexp '^ERRNO E[A-Z0-9]+$'
	[ -z "$(dest_conns)" ] || {
		echo "# the destination got connections: $(dest_conns | tr '\n' ' ')" >&2
		return 1
	}
}

# accepted: the value was taken: nothing names a setting on stderr, and
# the destination heard only from the proxy (or from nobody, when the
# default proxy, which does not run, was used).
accepted() {
	local who
	ended_normally
	clean_stderr
	refute_regex "$stderr" 'socksify: [A-Za-z_]+: '
	who=$(dest_conns | sort -u | tr '\n' ' ')
	[ -z "$who" ] || [ "$who" = "127.0.0.3 " ] || {
		echo "# the destination heard from: $who" >&2
		return 1
	}
}

# refused_or_accepted VAR: either of the two, decided by what stderr says.
refused_or_accepted() {
	if [[ $stderr == "socksify: $1: "* ]]; then
		refused "$1"
	else
		accepted
	fi
}

@test "an empty value is the same as no value, for every variable" {
	local var
	for var in "${VARS[@]}"; do
		try_env "$var="
		if [ "$var" = SOCKSIFY_LOOPBACK ]; then
			# The default: loopback is reached directly.
			ended_normally
			clean_stderr
			assert_success
			[ "$(dest_conns)" = 127.0.0.1 ]
		elif [ "$var" = SOCKS_PROXY ]; then
			# The default proxy, socks5h://127.0.0.1:1080, is not running.
			accepted
			assert_line "ERRNO ECONNREFUSED"
		else
			accepted
			assert_success
		fi
	done
}

@test "values as long as exec() allows are refused with one line, for every variable" {
	local var url=socks5://user:secretpw@ long
	for var in "${VARS[@]}"; do
		long=$(head -c "$(longest "$var")" /dev/zero | tr '\0' a)
		case $var in
		ALL_PROXY | all_proxy)
			# Only a socks URL there is ours to read.
			try_env -u SOCKS_PROXY "$var=$url${long:${#url}}"
			;;
		SOCKS_PROXY)
			try_env "$var=$url${long:${#url}}"
			;;
		*)
			try_env "$var=$long"
			;;
		esac
		refused "$var"
	done
}

@test "values that are not UTF-8, or hold control characters, are refused and shown escaped" {
	local var val
	for var in "${VARS[@]}"; do
		for val in $'\xff\xfe' $'caf\xe9' $'a\x1b[31mb\nc' $'x\x01\x7f' $'\t'; do
			case $var in
			ALL_PROXY | all_proxy)
				try_env -u SOCKS_PROXY "$var=socks5://user:secretpw@host$val:1080"
				;;
			SOCKS_PROXY)
				try_env "$var=socks5://user:secretpw@host$val:1080"
				;;
			*)
				try_env "$var=$val"
				;;
			esac
			if [ "$val" = $'\t' ] && [[ $var == [Nn][Oo]_[Pp][Rr][Oo][Xx][Yy] ]]; then
				# A tab separates NO_PROXY entries: an empty list.
				accepted
				continue
			fi
			refused "$var"
		done
	done
}

@test "out-of-range and odd numbers are refused where a number or word is wanted" {
	local var val
	for var in SOCKSIFY_LOG SOCKSIFY_TIMEOUT SOCKSIFY_LOOPBACK SOCKSIFY_PIPELINE \
		SOCKSIFY_UDP SOCKSIFY_HOSTS SOCKSIFY_FAKE_NET SOCKSIFY_FAKE_NET6; do
		for val in -1 1e308 nan inf 99999999999999999999 0x10 ' 1' '1 ' 3601 0.0; do
			try_env "$var=$val"
			refused "$var"
		done
	done
	for val in 0 0.0000 3600.001 -0; do
		try_env "SOCKSIFY_TIMEOUT=$val"
		refused SOCKSIFY_TIMEOUT
	done
	for val in 198.18.0.0/7 198.18.0.0/31 198.18.0.1/15 127.0.0.0/8 0.0.0.0/8 300.0.0.0/8 198.18.0.0/99999999999; do
		try_env "SOCKSIFY_FAKE_NET=$val"
		refused SOCKSIFY_FAKE_NET
	done
	for val in fd53::/7 fd53::/121 fd53::1/96 ::1/128 ::/0 ff02::/16 'fd53::/-1'; do
		try_env "SOCKSIFY_FAKE_NET6=$val"
		refused SOCKSIFY_FAKE_NET6
	done
}

@test "odd NO_PROXY entries are refused with one line or taken as names, never as everything" {
	local var val
	for var in NO_PROXY no_proxy; do
		for val in -1 0 1e308 nan inf 99999999999999999999 ' 1' 127.0.0.1/33 \
			'127.0.0.1:99999' '[::1' 'a..b' '.' '*.*' '::1/129' 'host:-1' '1.2.3.4/-0'; do
			try_env "$var=$val"
			refused_or_accepted "$var"
		done
	done
}

@test "malformed proxy URLs are refused with one line and never show the password" {
	local var val
	for var in SOCKS_PROXY ALL_PROXY all_proxy; do
		for val in 'socks5://user:secretpw@127.0.0.1:99999999999999999999' \
			'socks5://user:secretpw@127.0.0.1:-1' 'socks5://user:secretpw@127.0.0.1:0' \
			'socks5://user:secretpw@[::1:1080' 'socks5://user:secretpw@:1080' \
			'socks5://user:secretpw@' 'socks5://user:secret%zzpw@127.0.0.1' \
			'socks9://user:secretpw@127.0.0.1' 'socks5://user:secretpw@127.0.0.1:1080/path' \
			"socks5://user:secretpw@$(printf 'h%.0s' {1..300}):1080" \
			"socks5://$(printf 'u%.0s' {1..300}):secretpw@127.0.0.1" \
			"socks5://user:secretpw$(printf 'p%.0s' {1..300})@127.0.0.1" \
			'socks5://user:secretpw@[1e308]:1080' 'socks5://user:secretpw@[nan]'; do
			if [ "$var" = SOCKS_PROXY ]; then
				try_env "$var=$val"
			else
				try_env -u SOCKS_PROXY "$var=$val"
			fi
			refused "$var"
		done
	done
}

@test "an ALL_PROXY that is no socks URL is left to other programs" {
	local val
	for val in http://127.0.0.1:3128 nan -1 $'\xff' ''; do
		try_env -u SOCKS_PROXY "ALL_PROXY=$val" "all_proxy=$val"
		accepted
		# So the default proxy is used, which does not run here.
		assert_line "ERRNO ECONNREFUSED"
	done
}

@test "10,000 NO_PROXY entries work, and a connect still takes well under a second" {
	local list
	list=$(seq 1 10000 | sed 's/^/h/; s/$/.x/' | paste -sd,)
	try_env "NO_PROXY=$list"
	accepted
	# Lock-step: what is timed is the list, not microsocks' pipelining probe.
	run --separate-stderr timeout -k 2 "$CLIENT_TIMEOUT" env SOCKS_PROXY="$MS_URL" \
		SOCKSIFY_LOOPBACK=proxy SOCKSIFY_PIPELINE=0 NO_PROXY="$list" "$SOCKSIFY" \
		"$PY" "$HELPERS/client.py" --count 10 --timeout 5 127.0.0.1 "$ECHO_PORT"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | grep -c '^PEER-LINE PEER 127\.0\.0\.3 ')" 10
	awk -v t="$(line_value ELAPSED)" 'BEGIN { exit !(t < 1) }' || {
		echo "# 10 connects took $(line_value ELAPSED)s" >&2
		return 1
	}
	# The last entry still counts: the destination is then reached directly.
	DEST_BEFORE=$(wc -l <"$ECHO_LOG")
	run --separate-stderr timeout -k 2 "$CLIENT_TIMEOUT" env SOCKS_PROXY="$MS_URL" \
		SOCKSIFY_LOOPBACK=proxy NO_PROXY="$list,127.0.0.1" "$SOCKSIFY" "$PY" \
		"$HELPERS/client.py" --timeout 5 127.0.0.1 "$ECHO_PORT"
	assert_success
	[ "$(dest_conns)" = 127.0.0.1 ]
	awk -v t="$(line_value ELAPSED)" 'BEGIN { exit !(t < 1) }'
}

# in_process VAR VALUE-EXPRESSION: a Python process sets VAR to the value of
# the Python expression, loads the library, calls one of its hooks (init,
# which reads the environment, runs at the first hook) and exits.  This
# reaches sizes exec() cannot carry.
in_process() {
	run --separate-stderr timeout -k 2 "$CLIENT_TIMEOUT" "$PY" -c '
import ctypes, os, sys
os.environ[sys.argv[1]] = eval(sys.argv[2])
ctypes.CDLL(sys.argv[3]).close(-1)
print("LOADED")
' "$1" "$2" "$LIB"
}

@test "1 MiB values are refused with one line, for every variable" {
	local var
	for var in "${VARS[@]}"; do
		case $var in
		SOCKS_PROXY | ALL_PROXY | all_proxy)
			in_process "$var" '"socks5://user:secretpw@" + "a" * (1 << 20)'
			;;
		*)
			in_process "$var" '"a" * (1 << 20)'
			;;
		esac
		assert_success
		assert_line LOADED
		[[ $stderr == "socksify: $var: "* ]] || {
			echo "# $var: ${stderr:0:300}" >&2
			return 1
		}
		[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
		refute_regex "$stderr" secretpw
	done
}

@test "100,000 NO_PROXY entries are taken, 100,001 are refused with one line" {
	in_process NO_PROXY '",".join("h%d.x" % i for i in range(100000))'
	assert_success
	assert_line LOADED
	assert_equal "$stderr" ""
	in_process NO_PROXY '",".join("h%d.x" % i for i in range(100001))'
	assert_success
	assert_line LOADED
	[[ $stderr == "socksify: NO_PROXY: too many entries"* ]]
	[ "$(printf '%s\n' "$stderr" | grep -c .)" -eq 1 ]
	in_process no_proxy '"a " * 100001'
	assert_success
	[[ $stderr == "socksify: no_proxy: too many entries"* ]]
}

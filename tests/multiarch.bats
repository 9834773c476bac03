#!/usr/bin/env bats
# 32-bit and 64-bit programs under one LD_PRELOAD entry,
# <root>/$LIB/socksify/libsocksify.so, as "make install" lays the libraries
# out: the dynamic linker of each program expands $LIB for its own kind, so
# a 64-bit program that execs a 32-bit one, and the other way round, each
# load the library built for them, with no "wrong ELF class" message.
#
# In the network namespaces of tests/lib/netns.bash, with tcpdump on the
# client's one interface: the client reaches only microsocks in the proxy
# namespace, and the echo server (dest.py on 198.51.100.2:7, echo.test in
# the proxy's hosts file) only through it.  tests/helpers/archclient, built
# for both kinds, says which kind it is, whether the library is in it,
# resolves and echoes a line, then execs the next program given.
#
# How the i386 programs run (natively, or through qemu where the kernel has
# no IA32 emulation) is chosen by tests/lib/i386.bash and printed first.

load lib/common
load lib/netns
load lib/i386

MICROSOCKS_PORT=1080
ECHO_PORT=7

setup_file() {
	require_library
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	if [ ! -f "$I386_LIB" ] || [ ! -x "$A32" ]; then
		# With a 32-bit toolchain, make must have built them.
		if printf 'int main(void) { return 0; }\n' |
			"${CC:-cc}" -m32 -x c -o /dev/null - >/dev/null 2>&1; then
			echo "# $I386_LIB or $A32 is missing although ${CC:-cc} -m32 links: run make" >&2
			return 1
		fi
		skip "no 32-bit toolchain (make deps installs gcc-multilib and libc6-dev-i386)"
	fi
	[ -x "$A64" ] || {
		echo "# $A64 is missing: run make" >&2
		return 1
	}
	i386_choose_way || skip "$I386_WHY"
	echo "# i386 programs run $I386_WHY" >&3
	export ROOT="$BATS_FILE_TMPDIR/root"
	make -C "$REPO" --no-print-directory -s DESTDIR="$ROOT" PREFIX=/usr install >&2 || {
		echo "# make install into $ROOT failed" >&2
		return 1
	}
	# The literal token: each program's dynamic linker expands it.
	# shellcheck disable=SC2016
	export PRELOAD_ALL="$ROOT/usr/"'$LIB'"/socksify/libsocksify.so"
	export PROXY_URL="socks5h://$PROXY_IP:$MICROSOCKS_PORT"
	netns_setup
	start_ns_dest echo "$NETNS_DEST" "$DEST_IP" "$ECHO_PORT"
	export ECHO_LOG=$LOG
	start_ns_microsocks microsocks "$NETNS_PROXY" "$PROXY_IP" "$MICROSOCKS_PORT"
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
	netns_teardown
}

# elf_class FILE: 32 or 64.
elf_class() {
	case $(od -An -tx1 -j4 -N1 "$1" | tr -d ' ') in
	01) echo 32 ;;
	02) echo 64 ;;
	*) echo "?" ;;
	esac
}

# assert_carried N: the echo server saw N connections (since the test
# began), every one from the proxy's outgoing address.
assert_carried() {
	local want=$1 got
	got=$(grep -c '^CONN ' "$ECHO_LOG" || true)
	[ "$got" -eq "$want" ] || {
		echo "# the echo server saw $got connections, not $want:" >&2
		sed 's/^/# /' "$ECHO_LOG" >&2
		return 1
	}
	! grep '^CONN ' "$ECHO_LOG" | grep -qv "^CONN $PROXY_OUT_IP " || {
		echo "# a connection came from elsewhere than the proxy:" >&2
		sed 's/^/# /' "$ECHO_LOG" >&2
		return 1
	}
}

# assert_clean: only the exchange with the proxy on the wire, no DNS, and
# no dynamic linker complaint.
assert_clean() {
	assert_no_leak "$MICROSOCKS_PORT"
	[ -z "$(capture_show "port 53")" ] || {
		echo "# DNS packets on the wire:" >&2
		capture_show "port 53" | sed 's/^/# /' >&2
		return 1
	}
	assert_proxy_used "$MICROSOCKS_PORT"
	if printf '%s\n' "$stderr" | grep -q 'wrong ELF class\|cannot be preloaded'; then
		echo "# the dynamic linker complained:" >&2
		printf '%s\n' "$stderr" | sed 's/^/# /' >&2
		return 1
	fi
}

@test "make install puts each library where \$LIB finds it: lib/x86_64-linux-gnu, lib/i386-linux-gnu and lib32" {
	[ "$(elf_class "$ROOT/usr/lib/x86_64-linux-gnu/socksify/libsocksify.so")" = 64 ]
	[ "$(elf_class "$ROOT/usr/lib/i386-linux-gnu/socksify/libsocksify.so")" = 32 ]
	[ "$(elf_class "$ROOT/usr/lib32/socksify/libsocksify.so")" = 32 ]
	[ "$(readlink "$ROOT/usr/lib32/socksify/libsocksify.so")" = \
		../../lib/i386-linux-gnu/socksify/libsocksify.so ]
}

@test "the in-tree links under build/lib name the i386 library" {
	[ "$(elf_class "$REPO/build/lib/i386-linux-gnu/socksify/libsocksify.so")" = 32 ]
	[ "$(elf_class "$REPO/build/lib32/socksify/libsocksify.so")" = 32 ]
}

@test "the control: a 64-bit library named in a 32-bit program's LD_PRELOAD gives 'wrong ELF class' and is not loaded" {
	cmd_i386 "$ROOT/usr/lib/x86_64-linux-gnu/socksify/libsocksify.so" "$A32" "$PROXY_IP" 9
	run --separate-stderr in_client env SOCKS_PROXY="$PROXY_URL" "${CMD[@]}"
	assert_line --index 0 "ABI 32 PRELOADED no"
	assert_line "MACHINE $I386_MACHINE"
	printf '%s\n' "$stderr" | grep -q 'wrong ELF class'
}

@test "a 32-bit client reaches the echo server by address through socks5, with the library from \$LIB" {
	: >"$ECHO_LOG"
	cmd_i386 "$PRELOAD_ALL" "$A32" "$DEST_IP" "$ECHO_PORT"
	capture_start
	run --separate-stderr in_client env SOCKS_PROXY="socks5://$PROXY_IP:$MICROSOCKS_PORT" "${CMD[@]}"
	capture_stop
	assert_success
	assert_line --index 0 "ABI 32 PRELOADED yes"
	assert_line "MACHINE $I386_MACHINE"
	assert_line "ADDR $DEST_IP"
	assert_line "ECHO 32 ok"
	assert_carried 1
	assert_clean
}

@test "a 32-bit client reaches echo.test by name through socks5h and sends no DNS query" {
	: >"$ECHO_LOG"
	cmd_i386 "$PRELOAD_ALL" "$A32" echo.test "$ECHO_PORT"
	capture_start
	run --separate-stderr in_client env SOCKS_PROXY="$PROXY_URL" "${CMD[@]}"
	capture_stop
	assert_success
	assert_line --index 0 "ABI 32 PRELOADED yes"
	assert_line "MACHINE $I386_MACHINE"
	assert_line --regexp '^ADDR 198\.1[89]\.[0-9]+\.[0-9]+$'
	assert_line "ECHO 32 ok"
	assert_carried 1
	assert_clean
}

@test "a 64-bit parent execs the 32-bit client: each loads its own library through \$LIB, both by name" {
	: >"$ECHO_LOG"
	exec_i386 "$PRELOAD_ALL" "$A32"
	cmd_64 "$PRELOAD_ALL" "$A64" echo.test "$ECHO_PORT" "${EXEC[@]}" echo.test "$ECHO_PORT"
	capture_start
	run --separate-stderr in_client env SOCKS_PROXY="$PROXY_URL" "${CMD[@]}"
	capture_stop
	assert_success
	assert_line --index 0 "ABI 64 PRELOADED yes"
	assert_line "ECHO 64 ok"
	assert_line "ABI 32 PRELOADED yes"
	assert_line "MACHINE $I386_MACHINE"
	assert_line "ECHO 32 ok"
	assert_carried 2
	assert_clean
}

@test "a 64-bit shell that execs the 32-bit client passes the library on" {
	: >"$ECHO_LOG"
	exec_i386 "$PRELOAD_ALL" "$A32"
	cmd_64 "$PRELOAD_ALL" /bin/sh -c 'exec "$@"' sh "${EXEC[@]}" echo.test "$ECHO_PORT"
	capture_start
	run --separate-stderr in_client env SOCKS_PROXY="$PROXY_URL" "${CMD[@]}"
	capture_stop
	assert_success
	assert_line --index 0 "ABI 32 PRELOADED yes"
	assert_line "ECHO 32 ok"
	assert_carried 1
	assert_clean
}

@test "a 32-bit parent execs a 64-bit client: each loads its own library through \$LIB, both by name" {
	: >"$ECHO_LOG"
	cmd_i386 "$PRELOAD_ALL" "$A32" echo.test "$ECHO_PORT" "$A64" echo.test "$ECHO_PORT"
	capture_start
	run --separate-stderr in_client env SOCKS_PROXY="$PROXY_URL" "${CMD[@]}"
	capture_stop
	assert_success
	assert_line --index 0 "ABI 32 PRELOADED yes"
	assert_line "MACHINE $I386_MACHINE"
	assert_line "ECHO 32 ok"
	assert_line "ABI 64 PRELOADED yes"
	assert_line "MACHINE x86_64"
	assert_line "ECHO 64 ok"
	assert_carried 2
	assert_clean
}

#!/usr/bin/env bats
# The Debian package: "make deb" builds it (reused when build/deb holds one
# newer than every file of the tree), it holds what it must, lintian finds
# nothing to say, and the library, the launcher and the supervisor unpacked
# from it carry a connection through microsocks on loopback to dest.py.  microsocks binds
# its outgoing connections to 127.0.0.3, so the destination's log tells a
# proxied connection from a direct one.

load lib/common
load lib/i386

setup_file() {
	local deb newer start
	command -v dpkg-buildpackage >/dev/null ||
		skip "dpkg-buildpackage is not installed (make deps installs dpkg-dev and debhelper)"
	[ -x "$A64" ] || {
		echo "# $A64 is missing: run make" >&2
		return 1
	}
	deb=$(ls "$REPO"/build/deb/socksify_*.deb 2>/dev/null | head -n1 || true)
	newer=
	if [ -n "$deb" ]; then
		newer=$(find "$REPO" \( -path "$REPO/build" -o -path "$REPO/.git" -o \
			-name __pycache__ \) -prune -o -type f -newer "$deb" -print -quit)
	fi
	if [ -z "$deb" ] || [ -n "$newer" ]; then
		start=$SECONDS
		make -C "$REPO" --no-print-directory deb >"$BATS_FILE_TMPDIR/make-deb.log" 2>&1 || {
			echo "# make deb failed:" >&2
			tail -n 40 "$BATS_FILE_TMPDIR/make-deb.log" | sed 's/^/# /' >&2
			return 1
		}
		echo "# make deb built the package in $((SECONDS - start)) s" >&3
		deb=$(ls "$REPO"/build/deb/socksify_*.deb | head -n1)
	else
		echo "# reusing $deb (newer than the tree)" >&3
	fi
	export DEB=$deb
	export UNPACKED="$BATS_FILE_TMPDIR/unpacked"
	dpkg-deb -x "$DEB" "$UNPACKED"
	export ARCH
	ARCH=$(dpkg-deb -f "$DEB" Architecture)
}

# start_pair: microsocks and an echo server on loopback; sets PROXY_PORT,
# DEST_PORT and DEST_LOG.
start_pair() {
	start_microsocks socks
	PROXY_PORT=$PORT
	start_dest dest 127.0.0.1
	DEST_PORT=$PORT
	DEST_LOG=$LOG
}

@test "the package is socksify at the version of the VERSION file" {
	run dpkg-deb -f "$DEB" Package Version
	assert_success
	assert_line "Package: socksify"
	assert_line "Version: $(cat "$REPO/VERSION")-1"
}

@test "the package holds the launcher, its helpers, the library where \$LIB finds it, the manual page, README and copyright" {
	local triplet
	triplet=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
	run dpkg-deb -c "$DEB"
	assert_success
	assert_line --regexp '^-rwxr-xr-x .* \./usr/bin/socksify$'
	assert_line --regexp '^-rwxr-xr-x .* \./usr/libexec/socksify/socksify-check$'
	assert_line --regexp '^-rwxr-xr-x .* \./usr/libexec/socksify/socksify-supervise$'
	assert_line --regexp "^-rw-r--r-- .* \./usr/lib/$triplet/socksify/libsocksify\.so$"
	assert_line --regexp '^-rw-r--r-- .* \./usr/share/man/man1/socksify\.1\.gz$'
	assert_line --regexp '^-rw-r--r-- .* \./usr/share/doc/socksify/README\.md\.gz$'
	assert_line --regexp '^-rw-r--r-- .* \./usr/share/doc/socksify/copyright$'
	# Nothing from the tests or the build tree.
	refute_line --regexp 'tests|helpers|\.o$|\.a$'
}

@test "on amd64 the package also holds the i386 library, and lib32 links to it" {
	[ "$ARCH" = amd64 ] || skip "the i386 library comes with amd64 packages only"
	run dpkg-deb -c "$DEB"
	assert_line --regexp '^-rw-r--r-- .* \./usr/lib/i386-linux-gnu/socksify/libsocksify\.so$'
	assert_line --regexp '^lrwxrwxrwx .* \./usr/lib32/socksify/libsocksify\.so -> \.\./\.\./lib/i386-linux-gnu/socksify/libsocksify\.so$'
	[ "$(od -An -tx1 -j4 -N1 "$UNPACKED/usr/lib/i386-linux-gnu/socksify/libsocksify.so" | tr -d ' ')" = 01 ]
	[ "$(od -An -tx1 -j4 -N1 "$UNPACKED/usr/lib/x86_64-linux-gnu/socksify/libsocksify.so" | tr -d ' ')" = 02 ]
}

@test "the copyright file is machine-readable and says Expat, as LICENSE does" {
	run head -n1 "$UNPACKED/usr/share/doc/socksify/copyright"
	assert_output "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/"
	grep -qx 'License: Expat' "$UNPACKED/usr/share/doc/socksify/copyright"
	grep -q 'Permission is hereby granted' "$REPO/LICENSE"
}

@test "lintian finds no error and no warning in the package" {
	command -v lintian >/dev/null || skip "lintian is not installed (make deps)"
	run lintian --fail-on error,warning "$DEB"
	assert_success
	refute_line --regexp '^[EW]: '
}

@test "the unpacked library, named through \$LIB, carries a 64-bit client through microsocks" {
	start_pair
	# shellcheck disable=SC2016 # the dynamic linker expands $LIB
	run --separate-stderr env LD_PRELOAD="$UNPACKED/usr/"'$LIB'"/socksify/libsocksify.so" \
		SOCKS_PROXY="socks5h://127.0.0.1:$PROXY_PORT" SOCKSIFY_LOOPBACK=proxy \
		timeout -k 2 "$CLIENT_TIMEOUT" "$A64" 127.0.0.1 "$DEST_PORT"
	assert_success
	assert_line "ABI 64 PRELOADED yes"
	assert_line "ECHO 64 ok"
	log_has "$DEST_LOG" '^CONN 127\.0\.0\.3 '
	log_lacks "$DEST_LOG" '^CONN 127\.0\.0\.1 '
}

@test "the unpacked library, named through \$LIB, carries a 32-bit client through microsocks" {
	[ "$ARCH" = amd64 ] || skip "the i386 library comes with amd64 packages only"
	[ -x "$A32" ] || skip "no i386 test client (no 32-bit toolchain)"
	i386_choose_way || skip "$I386_WHY"
	echo "# i386 programs run $I386_WHY" >&3
	start_pair
	# shellcheck disable=SC2016 # the dynamic linker expands $LIB
	cmd_i386 "$UNPACKED/usr/"'$LIB'"/socksify/libsocksify.so" "$A32" 127.0.0.1 "$DEST_PORT"
	run --separate-stderr env SOCKS_PROXY="socks5h://127.0.0.1:$PROXY_PORT" \
		SOCKSIFY_LOOPBACK=proxy timeout -k 2 "$CLIENT_TIMEOUT" "${CMD[@]}"
	assert_success
	assert_line "ABI 32 PRELOADED yes"
	assert_line "MACHINE $I386_MACHINE"
	assert_line "ECHO 32 ok"
	log_has "$DEST_LOG" '^CONN 127\.0\.0\.3 '
	log_lacks "$DEST_LOG" '^CONN 127\.0\.0\.1 '
}

@test "the unpacked launcher runs a client through microsocks with the unpacked library" {
	start_pair
	# The launcher looks for the library under /usr, where the package
	# installs it; SOCKSIFY_LIB points it at the unpacked one instead.
	run --separate-stderr env \
		SOCKSIFY_LIB="$UNPACKED/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/socksify/libsocksify.so" \
		SOCKSIFY_LOOPBACK=proxy timeout -k 2 "$CLIENT_TIMEOUT" \
		"$UNPACKED/usr/bin/socksify" -p "socks5h://127.0.0.1:$PROXY_PORT" \
		"$A64" 127.0.0.1 "$DEST_PORT"
	assert_success
	assert_line "ABI 64 PRELOADED yes"
	assert_line "ECHO 64 ok"
	log_has "$DEST_LOG" '^CONN 127\.0\.0\.3 '
	log_lacks "$DEST_LOG" '^CONN 127\.0\.0\.1 '
}

@test "the unpacked supervisor runs a static client through microsocks" {
	local sxget="$REPO/build/tests/static/sxget"
	[ -x "$sxget" ] || skip "$sxget is not built (make)"
	start_pair
	run --separate-stderr env SOCKS_PROXY="socks5://127.0.0.1:$PROXY_PORT" \
		SOCKSIFY_LOOPBACK=proxy timeout -k 2 "$CLIENT_TIMEOUT" \
		"$UNPACKED/usr/libexec/socksify/socksify-supervise" -- \
		"$sxget" sxget -b 127.0.0.1 "$DEST_PORT"
	assert_success
	assert_line "hello"
	assert_line "PEERNAME 127.0.0.1 $PROXY_PORT"
	log_has "$DEST_LOG" '^CONN 127\.0\.0\.3 '
	log_lacks "$DEST_LOG" '^CONN 127\.0\.0\.1 '
}

#!/usr/bin/env bats
# The launcher, build/socksify: options, finding the library, LD_PRELOAD,
# exit status, and the shim scripts/socksify.  Most tests preload a stub
# library (an empty shared object) through a copy of the launcher laid out
# like the build tree (build/socksify, build/libsocksify.so and the $LIB
# link build/lib/<triplet>/socksify/libsocksify.so), so they exercise the
# launcher alone; the credential tests use the real library.

load lib/common

setup_file() {
	local d=$BATS_FILE_TMPDIR triplet
	triplet=$(cc -print-multiarch)
	mkdir -p "$d/repo/scripts" "$d/repo/build/lib/$triplet/socksify" "$d/other"
	cp "$SOCKSIFY" "$d/repo/build/socksify"
	cp "$REPO/scripts/socksify" "$d/repo/scripts/socksify"
	printf 'int socksify_stub;\n' >"$d/stub.c"
	cc -shared -fPIC -o "$d/repo/build/libsocksify.so" "$d/stub.c"
	ln -s ../../../libsocksify.so "$d/repo/build/lib/$triplet/socksify/libsocksify.so"
	cc -shared -fPIC -o "$d/other/libother.so" "$d/stub.c"
	export TRIPLET=$triplet
	export STUB_WRAPPER="$d/repo/build/socksify"
	export STUB_LIB="$d/repo/build/libsocksify.so"
	# What the launcher puts into LD_PRELOAD: $LIB is the dynamic linker's.
	export STUB_ENTRY="$d/repo/build/\$LIB/socksify/libsocksify.so"
	export OTHER_LIB="$d/other/libother.so"
}

@test "help states the default proxy and the environment variables" {
	run -0 "$SOCKSIFY" --help
	assert_output --partial "socks5h://127.0.0.1:1080"
	assert_output --partial "Usage: socksify [-p URL | --proxy-file FILE] [-q] [-v] [--] COMMAND [ARGS...]"
	for v in SOCKS_PROXY ALL_PROXY NO_PROXY SOCKSIFY_LOG SOCKSIFY_TIMEOUT SOCKSIFY_LOOPBACK; do
		assert_output --partial "$v"
	done
	run -0 "$SOCKSIFY" -h
	assert_output --partial "socks5h://127.0.0.1:1080"
	assert_output --partial "--version"
}

@test "--version prints the version of the VERSION file" {
	run --separate-stderr -0 "$SOCKSIFY" --version
	assert_output "socksify $(cat "$REPO/VERSION")"
	assert_equal "$stderr" ""
	run -0 "$SOCKSIFY" -q --version
	assert_output "socksify $(cat "$REPO/VERSION")"
}

@test "an unknown option is a usage error with exit status 2" {
	run --separate-stderr -2 "$SOCKSIFY" -x true
	assert_equal "$stderr" "socksify: unknown option: -x (see 'socksify --help')"
	assert_output ""
	run --separate-stderr -2 "$SOCKSIFY" --bogus true
	assert_equal "${#stderr_lines[@]}" 1
}

@test "a missing command is a usage error with exit status 2" {
	run --separate-stderr -2 "$SOCKSIFY"
	assert_equal "$stderr" "socksify: no command given (see 'socksify --help')"
	run --separate-stderr -2 "$SOCKSIFY" -q --
	assert_equal "$stderr" "socksify: no command given (see 'socksify --help')"
	run --separate-stderr -2 "$SOCKSIFY" -p
	assert_equal "$stderr" "socksify: option -p needs a proxy URL (see 'socksify --help')"
}

@test "a command that does not exist exits 127 with one line" {
	run --separate-stderr -127 "$STUB_WRAPPER" no-such-command-for-socksify
	assert_equal "$stderr" "socksify: no-such-command-for-socksify: command not found"
	run --separate-stderr -127 "$STUB_WRAPPER" ./no/such/file
	assert_equal "$stderr" "socksify: ./no/such/file: no such file"
}

@test "a command that cannot be executed exits 126" {
	printf '#!/bin/sh\necho hi\n' >"$BATS_TEST_TMPDIR/notexec"
	chmod 0644 "$BATS_TEST_TMPDIR/notexec"
	run --separate-stderr -126 "$STUB_WRAPPER" "$BATS_TEST_TMPDIR/notexec"
	assert_equal "$stderr" "socksify: $BATS_TEST_TMPDIR/notexec: permission denied"
	run --separate-stderr -126 "$STUB_WRAPPER" "$BATS_TEST_TMPDIR"
	assert_equal "$stderr" "socksify: $BATS_TEST_TMPDIR: is a directory"
}

@test "a missing library is a clear error with exit status 127" {
	local d=$BATS_TEST_TMPDIR/bare
	mkdir -p "$d/build"
	cp "$STUB_WRAPPER" "$d/build/socksify"
	run --separate-stderr -127 "$d/build/socksify" true
	assert_equal "$stderr" "socksify: library not found: $d/build/lib/$TRIPLET/socksify/libsocksify.so (run 'make' first, or set SOCKSIFY_LIB)"
	# A link whose library is gone counts as missing.
	mkdir -p "$d/build/lib/$TRIPLET/socksify"
	ln -s ../../../libsocksify.so "$d/build/lib/$TRIPLET/socksify/libsocksify.so"
	run --separate-stderr -127 "$d/build/socksify" true
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^socksify: library not found: "
	run --separate-stderr -127 env SOCKSIFY_LIB=/nonexistent/libsocksify.so "$STUB_WRAPPER" true
	assert_equal "$stderr" "socksify: SOCKSIFY_LIB: no such file: /nonexistent/libsocksify.so"
}

@test "the library is found under the launcher's own directory, through \$LIB" {
	run -0 "$STUB_WRAPPER" env
	assert_line "LD_PRELOAD=$STUB_ENTRY"
	# The dynamic linker expands $LIB: the stub is loaded, with no complaint.
	run --separate-stderr -0 "$STUB_WRAPPER" sh -c 'grep -c "/libsocksify.so$" /proc/$$/maps'
	refute_output 0
	assert_equal "$stderr" ""
	# Also through a symbolic link to the launcher, a relative path, and
	# the shim scripts/socksify.
	ln -s "$STUB_WRAPPER" "$BATS_TEST_TMPDIR/socksify-link"
	run -0 "$BATS_TEST_TMPDIR/socksify-link" env
	assert_line "LD_PRELOAD=$STUB_ENTRY"
	cd "$BATS_FILE_TMPDIR/repo"
	run -0 build/socksify env
	assert_line "LD_PRELOAD=$STUB_ENTRY"
	run -0 scripts/socksify env
	assert_line "LD_PRELOAD=$STUB_ENTRY"
	cd scripts
	run -0 sh socksify env
	assert_line "LD_PRELOAD=$STUB_ENTRY"
}

@test "make install installs a launcher that looks for the library under PREFIX" {
	require_library
	local d=$BATS_TEST_TMPDIR/destdir
	run -0 make -s -C "$REPO" install DESTDIR="$d" PREFIX=/opt/sx
	[ -x "$d/opt/sx/bin/socksify" ]
	run -0 "$d/opt/sx/bin/socksify" --version
	assert_output "socksify $(cat "$REPO/VERSION")"
	run --separate-stderr -127 "$d/opt/sx/bin/socksify" true
	assert_equal "$stderr" "socksify: library not found: /opt/sx/lib/$TRIPLET/socksify/libsocksify.so (reinstall socksify, or set SOCKSIFY_LIB)"
	run -0 make -s -C "$REPO" uninstall DESTDIR="$d" PREFIX=/opt/sx
	[ ! -e "$d/opt/sx/bin/socksify" ]
}

@test "an installed launcher preloads PREFIX/\$LIB/socksify/libsocksify.so" {
	require_library
	local p=$BATS_TEST_TMPDIR/prefix
	run -0 make -s -C "$REPO" install PREFIX="$p"
	mkdir -p "$p/lib/$TRIPLET/socksify"
	cp "$STUB_LIB" "$p/lib/$TRIPLET/socksify/libsocksify.so"
	run -0 "$p/bin/socksify" env
	assert_line "LD_PRELOAD=$p/\$LIB/socksify/libsocksify.so"
	rm "$p/lib/$TRIPLET/socksify/libsocksify.so"
	run --separate-stderr -127 "$p/bin/socksify" true
	assert_equal "$stderr" "socksify: library not found: $p/lib/$TRIPLET/socksify/libsocksify.so (reinstall socksify, or set SOCKSIFY_LIB)"
}

@test "SOCKSIFY_LIB overrides where the library is looked for" {
	run -0 env SOCKSIFY_LIB="$OTHER_LIB" "$STUB_WRAPPER" env
	assert_line "LD_PRELOAD=$OTHER_LIB"
	# A relative path is made absolute: programs change directories.
	cd "$BATS_FILE_TMPDIR"
	run -0 env SOCKSIFY_LIB=other/libother.so "$STUB_WRAPPER" env
	assert_line "LD_PRELOAD=$OTHER_LIB"
	run -0 env SOCKSIFY_LIB=./other/libother.so "$STUB_WRAPPER" env
	assert_line "LD_PRELOAD=$OTHER_LIB"
}

@test "a library path that LD_PRELOAD cannot carry is refused with exit status 127" {
	local dir
	for dir in "a b" "a:b" 'a$LIB' "a	b"; do
		mkdir -p "$BATS_TEST_TMPDIR/$dir"
		cp "$OTHER_LIB" "$BATS_TEST_TMPDIR/$dir/lib.so"
		run --separate-stderr -127 env SOCKSIFY_LIB="$BATS_TEST_TMPDIR/$dir/lib.so" \
			"$STUB_WRAPPER" touch "$BATS_TEST_TMPDIR/ran"
		assert_equal "$stderr" "socksify: the library path contains a space, a colon or a dollar sign, which LD_PRELOAD cannot carry: $BATS_TEST_TMPDIR/$dir/lib.so"
		[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	done
}

@test "the library is prepended to an existing LD_PRELOAD" {
	run -0 env LD_PRELOAD="$OTHER_LIB" "$STUB_WRAPPER" env
	assert_line "LD_PRELOAD=$STUB_ENTRY:$OTHER_LIB"
}

@test "nested socksify preloads the library once" {
	run -0 "$STUB_WRAPPER" "$STUB_WRAPPER" "$STUB_WRAPPER" env
	assert_line "LD_PRELOAD=$STUB_ENTRY"
	# Entries separated by spaces count too, wherever the library is.
	run -0 env LD_PRELOAD="$OTHER_LIB $STUB_LIB" "$STUB_WRAPPER" env
	assert_line "LD_PRELOAD=$OTHER_LIB $STUB_LIB"
	run -0 env LD_PRELOAD="$OTHER_LIB:$STUB_LIB" "$STUB_WRAPPER" "$STUB_WRAPPER" env
	assert_line "LD_PRELOAD=$OTHER_LIB:$STUB_LIB"
	# Also when the earlier entry names the library through a symbolic link.
	ln -s "$STUB_LIB" "$BATS_TEST_TMPDIR/alias.so"
	run -0 env LD_PRELOAD="$BATS_TEST_TMPDIR/alias.so" "$STUB_WRAPPER" env
	assert_line "LD_PRELOAD=$BATS_TEST_TMPDIR/alias.so"
	# Or through $LIB, spelled either way, or expanded.
	local link="$BATS_FILE_TMPDIR/repo/build/lib/$TRIPLET/socksify/libsocksify.so"
	run -0 env LD_PRELOAD="$link" "$STUB_WRAPPER" env
	assert_line "LD_PRELOAD=$link"
	run -0 env LD_PRELOAD="$BATS_FILE_TMPDIR/repo/build/\${LIB}/socksify/libsocksify.so" "$STUB_WRAPPER" env
	assert_line "LD_PRELOAD=$BATS_FILE_TMPDIR/repo/build/\${LIB}/socksify/libsocksify.so"
	# Through the shim, nested in the launcher, too.
	run -0 "$STUB_WRAPPER" "$BATS_FILE_TMPDIR/repo/scripts/socksify" env
	assert_line "LD_PRELOAD=$STUB_ENTRY"
}

@test "the command's exit status is passed through" {
	run -42 "$STUB_WRAPPER" sh -c 'exit 42'
	run -0 "$STUB_WRAPPER" true
	run -1 "$STUB_WRAPPER" false
	# A command killed by a signal: the shell sees 128 + SIGTERM.
	run -143 "$STUB_WRAPPER" sh -c 'kill -TERM $$'
}

@test "the command keeps its arguments, options included" {
	run -0 "$STUB_WRAPPER" printf '[%s]' -q -v -p 'two words' -- ''
	assert_output "[-q][-v][-p][two words][--][]"
	run -0 "$STUB_WRAPPER" -- printf '[%s]' -x
	assert_output "[-x]"
}

@test "-p sets SOCKS_PROXY, -q sets SOCKSIFY_LOG=error, -v sets SOCKSIFY_LOG=debug" {
	run -0 "$STUB_WRAPPER" -p socks4://10.1.2.3:1081 env
	assert_line "SOCKS_PROXY=socks4://10.1.2.3:1081"
	run -0 "$STUB_WRAPPER" '--proxy=socks5h://[::1]:9050' env
	assert_line "SOCKS_PROXY=socks5h://[::1]:9050"
	run -0 "$STUB_WRAPPER" --proxy socks5://h env
	assert_line "SOCKS_PROXY=socks5://h"
	run -0 "$STUB_WRAPPER" -q env
	assert_line "SOCKSIFY_LOG=error"
	run --separate-stderr -0 "$STUB_WRAPPER" -v env
	assert_line "SOCKSIFY_LOG=debug"
	# The last of -q and -v wins.
	run --separate-stderr -0 "$STUB_WRAPPER" -v -q env
	assert_line "SOCKSIFY_LOG=error"
	# Without options nothing is set for the library.
	run -0 "$STUB_WRAPPER" env
	refute_line --regexp '^(SOCKS_PROXY|SOCKSIFY_LOG)='
}

@test "-v names the library and the proxy without credentials" {
	run --separate-stderr -0 "$STUB_WRAPPER" -v -p 'socks5://alice:s3cr3t%40x@127.0.0.1:1081' true
	assert_equal "${stderr_lines[1]}" "socksify: preloading $STUB_ENTRY; proxy socks5://127.0.0.1:1081 (SOCKS_PROXY)"
	refute_regex "$stderr" "s3cr3t"
	run --separate-stderr -0 "$STUB_WRAPPER" -v true
	assert_equal "$stderr" "socksify: preloading $STUB_ENTRY; proxy socks5h://127.0.0.1:1080 (the default)"
	run --separate-stderr -0 env ALL_PROXY='socks4a://bob:pw@[::1]:1082' "$STUB_WRAPPER" -v true
	assert_equal "$stderr" "socksify: preloading $STUB_ENTRY; proxy socks4a://[::1]:1082 (ALL_PROXY)"
}

@test "credentials never appear on stderr with -v and the real library" {
	require_library
	local port
	port=$(free_port)
	# Nothing listens on the port: the connection fails and is logged at
	# debug level, with the password nowhere.
	run --separate-stderr timeout 20 "$SOCKSIFY" -v \
		-p "socks5://alice:s3cr3t%3Apw@127.0.0.1:$port" \
		env SOCKSIFY_LOOPBACK=proxy "$PY" "$HELPERS/client.py" --timeout 5 127.0.0.1 9
	assert_output --partial "ERRNO ECONNREFUSED"
	assert_regex "$stderr" "socksify: "
	refute_regex "$stderr" "s3cr3t"
	refute_regex "$stderr" "%3Apw"
	refute_regex "$stderr" "alice:"
	# The same through socks4 (user id, no password) and a malformed URL.
	run --separate-stderr timeout 20 "$SOCKSIFY" -v \
		-p "socks5://alice:s3cr3t@127.0.0.1:99999" \
		env SOCKSIFY_LOOPBACK=proxy "$PY" "$HELPERS/client.py" --timeout 5 127.0.0.1 9
	assert_output --partial "ERRNO "
	assert_regex "$stderr" "socksify: SOCKS_PROXY: "
	refute_regex "$stderr" "s3cr3t"
}

@test "a setuid command draws a warning that it will run unproxied" {
	cp /bin/true "$BATS_TEST_TMPDIR/suid-true"
	chmod 4755 "$BATS_TEST_TMPDIR/suid-true"
	[ -u "$BATS_TEST_TMPDIR/suid-true" ]
	run --separate-stderr -0 "$STUB_WRAPPER" "$BATS_TEST_TMPDIR/suid-true"
	assert_equal "${#stderr_lines[@]}" 1
	assert_regex "$stderr" "^socksify: warning: .*/suid-true is setuid; the dynamic linker ignores LD_PRELOAD for it"
	cp /bin/true "$BATS_TEST_TMPDIR/sgid-true"
	chmod 2755 "$BATS_TEST_TMPDIR/sgid-true"
	run --separate-stderr -0 "$STUB_WRAPPER" "$BATS_TEST_TMPDIR/sgid-true"
	assert_regex "$stderr" "is setgid"
	# An ordinary program draws no warning.
	run --separate-stderr -0 "$STUB_WRAPPER" true
	assert_equal "$stderr" ""
}

@test "a command with file capabilities draws the same warning" {
	command -v setcap >/dev/null || {
		echo "# setcap is missing (libcap2-bin, make deps)" >&2
		return 1
	}
	cp /bin/true "$BATS_TEST_TMPDIR/cap-true"
	if ! setcap cap_net_raw+ep "$BATS_TEST_TMPDIR/cap-true" 2>/dev/null; then
		skip "this file system or user cannot set file capabilities"
	fi
	run --separate-stderr "$STUB_WRAPPER" "$BATS_TEST_TMPDIR/cap-true"
	assert_regex "$stderr" "^socksify: warning: .*/cap-true is given file capabilities"
}

@test "help recommends --proxy-file or SOCKS_PROXY over -p for a password" {
	run -0 "$SOCKSIFY" --help
	assert_output --partial "--proxy-file FILE"
	assert_output --regexp "-p, --proxy URL +the proxy to use \(sets SOCKS_PROXY\); not for a URL with"
	assert_output --partial "list (socksify warns): use --proxy-file or SOCKS_PROXY"
	assert_output --partial "chmod 600 FILE"
}

@test "--proxy-file sets SOCKS_PROXY from the one line of the file" {
	local f=$BATS_TEST_TMPDIR/proxy
	printf 'socks5h://alice:s3cr3t@127.0.0.1:1081\n' >"$f"
	chmod 600 "$f"
	run -0 "$STUB_WRAPPER" --proxy-file "$f" env
	assert_line "SOCKS_PROXY=socks5h://alice:s3cr3t@127.0.0.1:1081"
	# Without the trailing newline, in the --opt=value form, and from a pipe.
	printf 'socks4a://127.0.0.1:9050' >"$f"
	run -0 "$STUB_WRAPPER" "--proxy-file=$f" env
	assert_line "SOCKS_PROXY=socks4a://127.0.0.1:9050"
	run -0 "$STUB_WRAPPER" --proxy-file <(printf 'socks5://bob:pw@[::1]:1080\n') env
	assert_line "SOCKS_PROXY=socks5://bob:pw@[::1]:1080"
	# The last of -p and --proxy-file wins.
	run -0 "$STUB_WRAPPER" -p socks5://127.0.0.9:1 --proxy-file "$f" env
	assert_line "SOCKS_PROXY=socks4a://127.0.0.1:9050"
	# -v names the file's proxy without its credentials.
	printf 'socks5h://alice:s3cr3t@127.0.0.1:1081\n' >"$f"
	run --separate-stderr -0 "$STUB_WRAPPER" -v --proxy-file "$f" true
	assert_equal "$stderr" "socksify: preloading $STUB_ENTRY; proxy socks5h://127.0.0.1:1081 (SOCKS_PROXY)"
}

@test "a proxy file holding a password that group or others can read is refused, and nothing runs" {
	local f=$BATS_TEST_TMPDIR/proxy mode
	printf 'socks5h://alice:s3cr3t@127.0.0.1:1081\n' >"$f"
	for mode in 640 604 644 666; do
		chmod "$mode" "$f"
		run --separate-stderr -2 "$STUB_WRAPPER" --proxy-file "$f" touch "$BATS_TEST_TMPDIR/ran"
		assert_equal "$stderr" "socksify: --proxy-file $f: holds a password but group or others can read it (chmod 600 $f)"
		assert_output ""
		[ ! -e "$BATS_TEST_TMPDIR/ran" ]
	done
	# A user name alone is no password; a URL without one may be public.
	printf 'socks4a://alice@127.0.0.1:9050\n' >"$f"
	run -0 "$STUB_WRAPPER" --proxy-file "$f" env
	assert_line "SOCKS_PROXY=socks4a://alice@127.0.0.1:9050"
}

@test "a missing, empty, many-line or spaced proxy file, or a directory, is one line naming --proxy-file" {
	local d=$BATS_TEST_TMPDIR
	: >"$d/empty"
	printf 'socks5://127.0.0.1:1080\nsocks5://127.0.0.1:1081\n' >"$d/two"
	printf 'socks5://127.0.0.1:1080\n\n' >"$d/blank"
	printf ' socks5://127.0.0.1:1080\n' >"$d/spaced"
	printf 'socks5://127.0.0.1:1080\r\n' >"$d/crlf"
	run --separate-stderr -2 "$STUB_WRAPPER" --proxy-file "$d/none" true
	assert_equal "$stderr" "socksify: --proxy-file $d/none: no such file"
	run --separate-stderr -2 "$STUB_WRAPPER" --proxy-file "$d/empty" true
	assert_equal "$stderr" "socksify: --proxy-file $d/empty: is empty; it must hold one proxy URL"
	run --separate-stderr -2 "$STUB_WRAPPER" --proxy-file "$d/two" true
	assert_equal "$stderr" "socksify: --proxy-file $d/two: holds more than one line; it must hold one proxy URL"
	run --separate-stderr -2 "$STUB_WRAPPER" --proxy-file "$d/spaced" true
	assert_equal "$stderr" "socksify: --proxy-file $d/spaced: the URL contains white space"
	run --separate-stderr -2 "$STUB_WRAPPER" --proxy-file "$d/crlf" true
	assert_equal "$stderr" "socksify: --proxy-file $d/crlf: the URL contains white space"
	run --separate-stderr -2 "$STUB_WRAPPER" --proxy-file "$d" true
	assert_equal "$stderr" "socksify: --proxy-file $d: is a directory"
	run --separate-stderr -2 "$STUB_WRAPPER" --proxy-file
	assert_equal "$stderr" "socksify: option --proxy-file needs a file name (see 'socksify --help')"
	# A trailing blank line is only trailing newlines: accepted.
	run -0 "$STUB_WRAPPER" --proxy-file "$d/blank" env
	assert_line "SOCKS_PROXY=socks5://127.0.0.1:1080"
}

@test "a password given with -p draws one warning, without the password, unless errors only are asked for" {
	local url
	for url in 'socks5://alice:s3cr3t@127.0.0.1:1081' 'socks5h://alice:@127.0.0.1:1081' \
		'socks5://a:b@c:s3cr3t@127.0.0.1:1081'; do
		run --separate-stderr -0 "$STUB_WRAPPER" -p "$url" true
		assert_equal "$stderr" "socksify: warning: the password in the -p URL can be read by every user in the process list (ps, /proc/PID/cmdline); give it with --proxy-file FILE or SOCKS_PROXY instead"
		run --separate-stderr -0 "$STUB_WRAPPER" "--proxy=$url" -p "$url" true
		assert_equal "${#stderr_lines[@]}" 1
		run --separate-stderr -0 "$STUB_WRAPPER" "-p$url" true
		assert_equal "${#stderr_lines[@]}" 1
	done
	# -q (errors only) and SOCKSIFY_LOG=none or error keep it quiet.
	url='socks5://alice:s3cr3t@127.0.0.1:1081'
	run --separate-stderr -0 "$STUB_WRAPPER" -q -p "$url" true
	assert_equal "$stderr" ""
	run --separate-stderr -0 env SOCKSIFY_LOG=none "$STUB_WRAPPER" -p "$url" true
	assert_equal "$stderr" ""
	run --separate-stderr -0 "$STUB_WRAPPER" -q -v -p "$url" true
	assert_equal "${#stderr_lines[@]}" 2
	for url in 'socks5://127.0.0.1:1081' 'socks4://alice@127.0.0.1:1081' 'socks5h://[::1]:1080'; do
		run --separate-stderr -0 "$STUB_WRAPPER" -p "$url" true
		assert_equal "$stderr" ""
	done
	run --separate-stderr -0 env SOCKS_PROXY='socks5://alice:s3cr3t@127.0.0.1:1081' "$STUB_WRAPPER" true
	assert_equal "$stderr" ""
}

@test "scripts/socksify is a POSIX sh shim that shellcheck accepts and that starts no process" {
	local shim=$REPO/scripts/socksify
	run -0 sh -n "$shim"
	run -0 head -n1 "$shim"
	assert_output "#!/bin/sh"
	if command -v shellcheck >/dev/null; then
		run -0 shellcheck -s sh "$shim"
	fi
	# No command substitution or pipeline: the shell execs the launcher.
	run grep -nE '\$\(|`|\|' "$shim"
	assert_failure
	run -0 "$shim" --version
	assert_output "socksify $(cat "$REPO/VERSION")"
	# Without a built launcher: one line and exit status 127.
	mkdir -p "$BATS_TEST_TMPDIR/clone/scripts"
	cp "$shim" "$BATS_TEST_TMPDIR/clone/scripts/socksify"
	run --separate-stderr -127 "$BATS_TEST_TMPDIR/clone/scripts/socksify" true
	assert_equal "$stderr" "socksify: $BATS_TEST_TMPDIR/clone/scripts/../build/socksify is missing (run make first)"
}

@test "socksify starts no helper process: the launcher execs the program, and nothing else runs" {
	command -v strace >/dev/null || {
		echo "# strace is missing (make deps)" >&2
		return 1
	}
	local log=$BATS_TEST_TMPDIR/strace.log
	run -0 strace -f -qq -o "$log" -e trace=execve,execveat,fork,vfork,clone,clone3 \
		"$STUB_WRAPPER" -v -p 'socks5h://127.0.0.1:1' true
	[ "$(grep -c 'execve' "$log")" -eq 2 ] || {
		sed 's/^/# /' "$log" >&2
		return 1
	}
	run grep -cE 'fork|clone' "$log"
	assert_output 0
	run -0 grep -E 'execve\(' "$log"
	assert_line --index 0 --partial "execve(\"$STUB_WRAPPER\""
	assert_line --index 1 --regexp 'execve\("[^"]*/true", \["true"\]'
	# The same with a proxy file and a program found far down PATH.
	printf 'socks5h://127.0.0.1:1\n' >"$BATS_TEST_TMPDIR/proxy"
	run -0 env PATH="/nonexistent/a:/nonexistent/b:$PATH" strace -f -qq -o "$log" \
		-e trace=execve,execveat,fork,vfork,clone,clone3 \
		"$STUB_WRAPPER" --proxy-file "$BATS_TEST_TMPDIR/proxy" true
	[ "$(grep -c 'execve' "$log")" -eq 2 ]
	run grep -cE 'fork|clone' "$log"
	assert_output 0
}

@test "the file-capability warning comes from the file itself, not from getcap in PATH" {
	command -v setcap >/dev/null || {
		echo "# setcap is missing (libcap2-bin, make deps)" >&2
		return 1
	}
	cp /bin/true "$BATS_TEST_TMPDIR/cap-true"
	if ! setcap cap_net_raw+ep "$BATS_TEST_TMPDIR/cap-true" 2>/dev/null; then
		skip "this file system or user cannot set file capabilities"
	fi
	# A PATH without getcap (nor anything else).
	run --separate-stderr -0 env PATH=/nonexistent "$STUB_WRAPPER" "$BATS_TEST_TMPDIR/cap-true"
	assert_equal "$stderr" "socksify: warning: $BATS_TEST_TMPDIR/cap-true is given file capabilities; the dynamic linker ignores LD_PRELOAD for it, so it will probably run unproxied"
	# Capabilities removed: no warning.
	setcap -r "$BATS_TEST_TMPDIR/cap-true"
	run --separate-stderr -0 env PATH=/nonexistent "$STUB_WRAPPER" "$BATS_TEST_TMPDIR/cap-true"
	assert_equal "$stderr" ""
	# setuid found through PATH is named by the path it runs as.
	chmod u+s "$BATS_TEST_TMPDIR/cap-true"
	run --separate-stderr -0 env PATH="$BATS_TEST_TMPDIR" "$STUB_WRAPPER" cap-true
	assert_equal "$stderr" "socksify: warning: $BATS_TEST_TMPDIR/cap-true is setuid; the dynamic linker ignores LD_PRELOAD for it, so it will probably run unproxied"
}

@test "PATH is searched as execvp searches it" {
	local d=$BATS_TEST_TMPDIR
	mkdir -p "$d/a" "$d/b" "$d/c/prog"
	printf '#!/bin/sh\necho a\n' >"$d/a/prog"
	printf '#!/bin/sh\necho b\n' >"$d/b/prog"
	chmod 0644 "$d/a/prog"
	chmod 0755 "$d/b/prog"
	# A directory and a file that cannot be executed are passed over.
	run -0 env PATH="$d/c:$d/a:$d/b" "$STUB_WRAPPER" prog
	assert_output b
	# Only a file that cannot be executed: permission denied, 126.
	run --separate-stderr -126 env PATH="$d/c:$d/a" "$STUB_WRAPPER" prog
	assert_equal "$stderr" "socksify: $d/a/prog: permission denied"
	# An empty element is the current directory.
	cd "$d/b"
	run -0 env PATH="/nonexistent::/nonexistent" "$STUB_WRAPPER" prog
	assert_output b
	run -0 env PATH="/nonexistent:" "$STUB_WRAPPER" prog
	assert_output b
	run --separate-stderr -127 env PATH="/nonexistent" "$STUB_WRAPPER" prog
	assert_equal "$stderr" "socksify: prog: command not found"
	# Without PATH: /bin:/usr/bin.
	run -0 env -u PATH "$STUB_WRAPPER" printf ok
	assert_output ok
}

@test "a script without #! runs under /bin/sh, and a missing interpreter exits 127" {
	local d=$BATS_TEST_TMPDIR
	printf 'echo "plain script: $0 $*"\n' >"$d/plain"
	chmod 0755 "$d/plain"
	run -0 "$STUB_WRAPPER" "$d/plain" one two
	assert_output "plain script: $d/plain one two"
	printf '#!/nonexistent/interpreter\n' >"$d/orphan"
	chmod 0755 "$d/orphan"
	run --separate-stderr -127 "$STUB_WRAPPER" "$d/orphan"
	assert_equal "$stderr" "socksify: $d/orphan: cannot be executed: its interpreter or dynamic linker is missing"
}

@test "a proxy file that is too long or holds a NUL byte is one line naming --proxy-file" {
	local d=$BATS_TEST_TMPDIR
	head -c 5000 /dev/zero | tr '\0' a >"$d/long"
	printf 'socks5://127.0.0.1\0:1080\n' >"$d/nul"
	run --separate-stderr -2 "$STUB_WRAPPER" --proxy-file "$d/long" true
	assert_equal "$stderr" "socksify: --proxy-file $d/long: is longer than 4096 bytes; it must hold one proxy URL"
	run --separate-stderr -2 "$STUB_WRAPPER" --proxy-file /dev/zero true
	assert_equal "$stderr" "socksify: --proxy-file /dev/zero: is longer than 4096 bytes; it must hold one proxy URL"
	run --separate-stderr -2 "$STUB_WRAPPER" --proxy-file "$d/nul" true
	assert_equal "$stderr" "socksify: --proxy-file $d/nul: the URL contains a NUL byte"
}

@test "a 32-bit program needs the 32-bit library behind \$LIB, or nothing runs" {
	local d=$BATS_TEST_TMPDIR lib32
	printf 'int main(void) { return 0; }\n' >"$d/prog.c"
	cc -m32 -o "$d/prog32" "$d/prog.c" 2>/dev/null || skip "cc -m32 cannot link a program here"
	# What the i386 dynamic linker makes of $LIB: "lib32" for Debian's
	# multilib C library (libc6-i386), else the multiarch directory.
	case $(readlink -f /lib/ld-linux.so.2) in
	*/lib32/*) lib32=lib32 ;;
	*) lib32=lib/i386-linux-gnu ;;
	esac
	cp -a "$BATS_FILE_TMPDIR/repo" "$d/repo"
	run --separate-stderr -127 "$d/repo/build/socksify" "$d/prog32"
	assert_equal "$stderr" "socksify: library not found: $d/repo/build/$lib32/socksify/libsocksify.so, which $d/prog32 (a 32-bit i386 program) needs (build it with make, or set SOCKSIFY_LIB)"
	# With a 32-bit library there, the program runs with it loaded, and
	# the dynamic linker has nothing to say.
	mkdir -p "$d/repo/build/i386" "$d/repo/build/$lib32/socksify"
	cc -m32 -shared -fPIC -o "$d/repo/build/i386/libsocksify.so" "$BATS_FILE_TMPDIR/stub.c"
	ln -s "$d/repo/build/i386/libsocksify.so" "$d/repo/build/$lib32/socksify/libsocksify.so"
	printf '#include <stdio.h>\nint main(void) { char l[512]; FILE *f = fopen("/proc/self/maps", "r");\n' >"$d/maps.c"
	printf 'while (fgets(l, sizeof l, f)) fputs(l, stdout); return 0; }\n' >>"$d/maps.c"
	cc -m32 -o "$d/maps32" "$d/maps.c"
	run --separate-stderr -0 "$d/repo/build/socksify" "$d/maps32"
	assert_equal "$stderr" ""
	assert_output --partial "$d/repo/build/i386/libsocksify.so"
	# 64-bit programs are not concerned, nor is a library named by SOCKSIFY_LIB.
	rm "$d/repo/build/$lib32/socksify/libsocksify.so"
	run --separate-stderr -0 "$d/repo/build/socksify" true
	run --separate-stderr -0 env SOCKSIFY_LIB="$d/repo/build/i386/libsocksify.so" \
		"$d/repo/build/socksify" "$d/prog32"
	assert_equal "$stderr" ""
}

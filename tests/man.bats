#!/usr/bin/env bats
# The manual page: mandoc finds nothing to say about it, it documents what
# socksify does (its options and exit statuses), and make install puts it
# under $PREFIX/share/man.  That it names exactly the knobs of core/knobs.c
# is tests/knobs.bats' part.

load lib/common

MAN="$REPO/man/socksify.1"

@test "the manual page is clean for mandoc -Tlint, warnings included" {
	command -v mandoc >/dev/null || skip "mandoc is not installed (make deps)"
	run mandoc -Tlint -W warning "$MAN"
	assert_success
	assert_output ""
}

@test "the manual page documents every option of socksify --help and its exit statuses" {
	local opt
	run -0 "$SOCKSIFY" --help
	for opt in $(printf '%s\n' "$output" | grep -oE '(^|[ ,])--?[a-z][a-z-]*' | tr -d ' ,' | sort -u); do
		grep -qE "^\\.(It|Op|Fl).*Fl ${opt#-}( |$)|Fl ${opt#-}( |$)" "$MAN" || {
			echo "# $opt is in --help but not in the manual page" >&2
			return 1
		}
	done
	grep -q '^\.Sh EXIT STATUS' "$MAN"
	grep -q '126' "$MAN"
	grep -q '127' "$MAN"
}

@test "make install puts the manual page under PREFIX/share/man/man1" {
	require_library
	local d=$BATS_TEST_TMPDIR/destdir
	run -0 make -s -C "$REPO" install DESTDIR="$d" PREFIX=/opt/sx
	cmp "$MAN" "$d/opt/sx/share/man/man1/socksify.1"
	run -0 make -s -C "$REPO" uninstall DESTDIR="$d" PREFIX=/opt/sx
	[ ! -e "$d/opt/sx/share/man/man1/socksify.1" ]
}

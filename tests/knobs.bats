#!/usr/bin/env bats
# scripts/check-knobs.sh: the README's variable table, "build/socksify --help", the
# man page's ENVIRONMENT section and the test environment's unset list name
# exactly the knobs of core/knobs.c,
# and the check catches a knob added to, or left out of, any one of them
# (on a copy of those files made for the test).

load lib/common

# A copy of the four places and the checker, in a tree of its own.  The
# launcher's help is compiled in, so the tree's build/socksify is a script
# that prints a copy of it, build/help.txt, which the tests edit.
make_tree() {
	local t=$BATS_TEST_TMPDIR/tree
	mkdir -p "$t/scripts" "$t/core" "$t/tests/lib" "$t/man" "$t/build"
	cp "$REPO/scripts/check-knobs.sh" "$t/scripts/"
	"$REPO/build/socksify" --help >"$t/build/help.txt"
	printf '#!/bin/sh\nexec cat "${0%%/*}/help.txt"\n' >"$t/build/socksify"
	chmod 0755 "$t/build/socksify"
	cp "$REPO/core/knobs.c" "$t/core/"
	cp "$REPO/README.md" "$t/"
	cp "$REPO/tests/lib/common.bash" "$t/tests/lib/"
	cp "$REPO/man/socksify.1" "$t/man/"
	printf '%s' "$t"
}

# A knob in the table that no other place names.
add_knob() {
	sed -i 's/^const struct knobs_knob knobs_table\[\] = {$/&\n\t{\n\t\t.name = "SOCKSIFY_NEWKNOB",\n\t\t.kind = KNOBS_BOOL,\n\t\t.def = "0",\n\t},/' \
		"$1/core/knobs.c"
}

@test "the README, build/socksify --help and the test environment name exactly the knobs of core/knobs.c" {
	run sh "$REPO/scripts/check-knobs.sh"
	assert_success
	assert_output --regexp '^check-knobs: ok \([0-9]+ knobs\)$'
}

@test "the copied tree passes the check as the real one does" {
	local t
	t=$(make_tree)
	run sh "$t/scripts/check-knobs.sh"
	assert_success
}

@test "a knob added to the table alone fails the check in all four places" {
	local t
	t=$(make_tree)
	add_knob "$t"
	grep -q 'SOCKSIFY_NEWKNOB' "$t/core/knobs.c"
	run sh "$t/scripts/check-knobs.sh"
	assert_failure 1
	assert_line 'check-knobs: README.md: the environment table lacks SOCKSIFY_NEWKNOB'
	assert_line 'check-knobs: build/socksify --help: the Environment section lacks SOCKSIFY_NEWKNOB'
	assert_line 'check-knobs: tests/lib/common.bash: the unset list lacks SOCKSIFY_NEWKNOB'
	assert_line 'check-knobs: man/socksify.1: the ENVIRONMENT section lacks SOCKSIFY_NEWKNOB'
}

@test "a knob added everywhere passes the check" {
	local t
	t=$(make_tree)
	add_knob "$t"
	sed -i 's/^| `SOCKSIFY_LIB` |.*/&\n| `SOCKSIFY_NEWKNOB` | `0` | new |/' "$t/README.md"
	sed -i 's/^  SOCKSIFY_LIB  .*/&\n  SOCKSIFY_NEWKNOB    new/' "$t/build/help.txt"
	sed -i 's/^\tSOCKSIFY_LIB LD_PRELOAD$/\tSOCKSIFY_LIB SOCKSIFY_NEWKNOB LD_PRELOAD/' \
		"$t/tests/lib/common.bash"
	sed -i 's/^\.It Ev SOCKSIFY_LIB$/.It Ev SOCKSIFY_NEWKNOB\nnew\n&/' "$t/man/socksify.1"
	run sh "$t/scripts/check-knobs.sh"
	assert_success
}

@test "a man page that names a variable the library does not read fails the check" {
	local t
	t=$(make_tree)
	sed -i 's/^\.It Ev SOCKSIFY_LIB$/.It Ev SOCKSIFY_GONE\ngone\n&/' "$t/man/socksify.1"
	run sh "$t/scripts/check-knobs.sh"
	assert_failure 1
	assert_line 'check-knobs: man/socksify.1: the ENVIRONMENT section names SOCKSIFY_GONE, which core/knobs.c does not'
}

@test "a knob missing from the README's table fails the check" {
	local t
	t=$(make_tree)
	sed -i '/^| `SOCKSIFY_PACKET` |/d' "$t/README.md"
	run sh "$t/scripts/check-knobs.sh"
	assert_failure 1
	assert_output 'check-knobs: README.md: the environment table lacks SOCKSIFY_PACKET'
}

@test "a README row for a variable the library does not read fails the check" {
	local t
	t=$(make_tree)
	sed -i 's/^| `SOCKSIFY_LIB` |.*/&\n| `SOCKSIFY_NOSUCH` | | nothing |/' "$t/README.md"
	run sh "$t/scripts/check-knobs.sh"
	assert_failure 1
	assert_output 'check-knobs: README.md: the environment table names SOCKSIFY_NOSUCH, which core/knobs.c does not'
}

@test "a README default that differs from the table's fails the check" {
	local t
	t=$(make_tree)
	sed -i 's/^| `SOCKSIFY_TIMEOUT` | `10` |/| `SOCKSIFY_TIMEOUT` | `30` |/' "$t/README.md"
	run sh "$t/scripts/check-knobs.sh"
	assert_failure 1
	assert_output 'check-knobs: README.md: SOCKSIFY_TIMEOUT defaults to "30" in the environment table, to "10" in core/knobs.c'
}

@test "a knob missing from socksify --help fails the check" {
	local t
	t=$(make_tree)
	sed -i '/^  SOCKSIFY_HOSTS  /d' "$t/build/help.txt"
	run sh "$t/scripts/check-knobs.sh"
	assert_failure 1
	assert_output 'check-knobs: build/socksify --help: the Environment section lacks SOCKSIFY_HOSTS'
}

@test "one of two names on a line of socksify --help missing fails the check" {
	local t
	t=$(make_tree)
	sed -i 's/^  NO_PROXY, no_proxy  /  NO_PROXY            /' "$t/build/help.txt"
	run sh "$t/scripts/check-knobs.sh"
	assert_failure 1
	assert_output 'check-knobs: build/socksify --help: the Environment section lacks no_proxy'
}

@test "a knob missing from the test environment's unset list fails the check" {
	local t
	t=$(make_tree)
	sed -i 's/ SOCKSIFY_PACKET / /' "$t/tests/lib/common.bash"
	run sh "$t/scripts/check-knobs.sh"
	assert_failure 1
	assert_output 'check-knobs: tests/lib/common.bash: the unset list lacks SOCKSIFY_PACKET'
}

@test "a SOCKSIFY_ variable in the unset list that is no knob fails the check; other tools' variables do not" {
	local t
	t=$(make_tree)
	sed -i 's/^\tSOCKSIFY_LIB LD_PRELOAD$/\tSOCKSIFY_LIB SOCKSIFY_GONE LD_PRELOAD/' \
		"$t/tests/lib/common.bash"
	run sh "$t/scripts/check-knobs.sh"
	assert_failure 1
	assert_output 'check-knobs: tests/lib/common.bash: the unset list names SOCKSIFY_GONE, which core/knobs.c does not'
}

@test "a place that cannot be read is an error of its own" {
	local t
	t=$(make_tree)
	rm "$t/README.md"
	run sh "$t/scripts/check-knobs.sh"
	assert_failure 2
	assert_output --partial 'check-knobs: README.md: cannot be read'
}

#!/bin/sh
# Check that every list of the configuration knobs names exactly the knobs
# of the table in core/knobs.c (the environment variables socksify reads):
#
#  1. README.md, the table under "### Environment": the same names, and in
#     its default column the default the table gives (empty when none).
#  2. "build/socksify --help" (the launcher; $BUILD/socksify when BUILD is
#     set), its "Environment:" section: the same names.
#  3. tests/lib/common.bash, the "unset" that scrubs the test environment:
#     every knob, and no SOCKSIFY_* variable that is not one (the list also
#     clears other tools' proxy variables, which are not ours to check).
#  4. man/socksify.1, its ENVIRONMENT section: the same names (the ".Ev"
#     names of its ".It" lines).
#
# Every difference prints one line naming the place and the variable; the
# exit status is 1 on any difference, 2 when a place cannot be read.

set -u

cd "$(dirname "$0")/.." || exit 2

me=check-knobs
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT

die() {
	printf '%s: %s\n' "$me" "$*" >&2
	exit 2
}

# The table: "NAME<TAB>DEFAULT" per knob, one ".name" and at most one
# ".def" string literal per entry.
awk '
	function flush() { if (name != "") print name "\t" def; name = ""; def = "" }
	/\.name = "/ { flush(); s = $0; sub(/.*\.name = "/, "", s); sub(/".*/, "", s); name = s }
	/\.def = "/ { s = $0; sub(/.*\.def = "/, "", s); sub(/",?[ \t]*$/, "", s); def = s }
	END { flush() }
' core/knobs.c >"$tmp/table" || die "core/knobs.c: cannot be read"
[ -s "$tmp/table" ] || die "core/knobs.c: no knobs found"
cut -f1 "$tmp/table" | sort >"$tmp/names"

# README.md: the rows of the first table after "### Environment"; the
# first cell holds the names in backquotes, the second the default.
awk '
	/^### Environment[ \t]*$/ { inside = 1; next }
	inside && /^#/ { exit }
	inside && /^\|/ { seen = 1 }
	inside && seen && !/^\|/ { exit }
	inside && /^\|/ {
		n = split($0, cell, "|")
		if (n < 4 || cell[2] ~ /^ *-+ *$/ || cell[2] ~ /^ *variable *$/)
			next
		d = cell[3]
		gsub(/^ +| +$/, "", d)
		gsub(/`/, "", d)
		names = cell[2]
		while (match(names, /`[^`]+`/)) {
			print substr(names, RSTART + 1, RLENGTH - 2) "\t" d
			names = substr(names, RSTART + RLENGTH)
		}
	}
' README.md >"$tmp/readme" || die "README.md: cannot be read"
[ -s "$tmp/readme" ] || die "README.md: no variable table under \"### Environment\""

# socksify --help: in the "Environment:" section, the lines that start
# with two spaces and a name (descriptions are indented further).
launcher=${BUILD:-build}/socksify
"$launcher" --help >"$tmp/help.txt" 2>/dev/null ||
	die "$launcher --help failed (run make first)"
awk '
	/^Environment:/ { inside = 1; next }
	inside && /^[^ ]/ { exit }
	inside && /^  [A-Za-z_]/ {
		line = substr($0, 3)
		sub(/   .*/, "", line)
		sub(/  [^ ,].*/, "", line)
		n = split(line, w, /, */)
		for (i = 1; i <= n; i++)
			if (w[i] != "")
				print w[i]
	}
' "$tmp/help.txt" | sort >"$tmp/help"
[ -s "$tmp/help" ] || die "$launcher --help: no \"Environment:\" section"

# man/socksify.1: the names on the ".It Ev" lines of the ENVIRONMENT section.
awk '
	/^\.Sh / { inside = ($0 ~ /^\.Sh ENVIRONMENT/); next }
	inside && /^\.It Ev / {
		n = split($0, w, /[ \t,]+/)
		for (i = 1; i <= n; i++)
			if (w[i - 1] == "Ev")
				print w[i]
	}
' man/socksify.1 2>/dev/null | sort >"$tmp/man"
[ -s "$tmp/man" ] || die "man/socksify.1: no ENVIRONMENT section"

# tests/lib/common.bash: the words of the first "unset" command, with its
# continuation lines.
awk '
	/^unset / { inside = 1 }
	inside {
		line = $0
		more = line ~ /\\[ \t]*$/
		sub(/\\[ \t]*$/, "", line)
		sub(/^unset /, "", line)
		n = split(line, w, /[ \t]+/)
		for (i = 1; i <= n; i++)
			if (w[i] != "")
				print w[i]
		if (!more)
			exit
	}
' tests/lib/common.bash | sort >"$tmp/unset"
[ -s "$tmp/unset" ] || die "tests/lib/common.bash: no unset list"

bad=0
report() {
	printf '%s: %s\n' "$me" "$*"
	bad=1
}

cut -f1 "$tmp/readme" | sort >"$tmp/readme.names"
for n in $(comm -23 "$tmp/names" "$tmp/readme.names"); do
	report "README.md: the environment table lacks $n"
done
for n in $(comm -13 "$tmp/names" "$tmp/readme.names"); do
	report "README.md: the environment table names $n, which core/knobs.c does not"
done
while IFS="$(printf '\t')" read -r n d; do
	want=$(awk -F '\t' -v n="$n" '$1 == n { print $2 }' "$tmp/table")
	grep -qx "$n" "$tmp/names" || continue
	[ "$d" = "$want" ] ||
		report "README.md: $n defaults to \"$d\" in the environment table, to \"$want\" in core/knobs.c"
done <"$tmp/readme"

# differ FILE PLACE SECTION [FILTER]: report the knobs FILE lacks and the
# names it has that are no knob (those FILTER lets through: a grep regex).
differ() {
	for n in $(comm -23 "$tmp/names" "$1"); do
		report "$2: $3 lacks $n"
	done
	for n in $(comm -13 "$tmp/names" "$1" | grep -- "${4:-.}"); do
		report "$2: $3 names $n, which core/knobs.c does not"
	done
}

differ "$tmp/help" "$launcher --help" "the Environment section"
differ "$tmp/man" "man/socksify.1" "the ENVIRONMENT section"
differ "$tmp/unset" "tests/lib/common.bash" "the unset list" '^SOCKSIFY_'

[ "$bad" -eq 0 ] || exit 1
printf '%s: ok (%s knobs)\n' "$me" "$(wc -l <"$tmp/names" | tr -d ' ')"

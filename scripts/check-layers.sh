#!/bin/sh
# Check the layering rules of DESIGN.md by grepping the sources:
#
#  1. core/ never includes a preload/ header or <dlfcn.h>.
#  2. core/ calls hooked libc functions only through the sys table
#     (sys->connect(...)), never by their bare name.
#  3. preload/ calls hooked functions only through real.* (real.connect(...));
#     a bare name is allowed only where a hook is defined (the name at the
#     start of a line) or declared.
#  4. Library code never ends the host process: no exit, _exit, abort or
#     assert in core/ or preload/.
#  5. Rooms stay small: no source file in core/, preload/ or launcher/ is
#     over LAYER_MAX_LINES lines (default 500).
#  6. Every preload/X.h has its preload/X.c (the header is the room's door).
#  7. core/ and preload/ never include a launcher/ header, and launcher/
#     never includes a preload/ header (the launcher may use core/).
#
# Comments and string literals are stripped roughly before matching.  Every
# failure prints the rule and file:line; the exit status is 1 on any failure.

set -u

cd "$(dirname "$0")/.." || exit 2

# The hooked names: the fixed list plus every function preload/ exports
# (the name on the line after SX_EXPORT).
fixed="connect sendto send recv recvfrom sendmsg recvmsg close poll getaddrinfo gethostbyname gethostbyname2 gethostbyname_r gethostbyname2_r"
exported=$(awk '
	prev ~ /SX_EXPORT/ && match($0, /^[A-Za-z_][A-Za-z_0-9]*[ \t]*\(/) {
		name = substr($0, 1, RLENGTH)
		sub(/[ \t]*\($/, "", name)
		print name
	}
	{ prev = $0 }
' preload/*.c 2>/dev/null | sort -u | tr '\n' ' ')
hooked=$(printf '%s %s\n' "$fixed" "$exported" | tr ' ' '\n' | sed '/^$/d' | sort -u | tr '\n' ' ' | sed 's/ $//')

preload_headers=
for h in preload/*.h; do
	[ -f "$h" ] && preload_headers="$preload_headers ${h#preload/}"
done

launcher_headers=
for h in launcher/*.h; do
	[ -f "$h" ] && launcher_headers="$launcher_headers ${h#launcher/}"
done

core_files=$(ls core/*.c core/*.h 2>/dev/null)
preload_files=$(ls preload/*.c preload/*.h 2>/dev/null)
launcher_files=$(ls launcher/*.c launcher/*.h 2>/dev/null)

if [ -z "$core_files" ]; then
	echo "check-layers: no sources in core/" >&2
	exit 1
fi

# check LAYER FILE...: run the rules for one layer (core, preload or
# launcher) over the files; print failures; exit status 1 if any.
check() {
	layer=$1
	shift
	awk -v layer="$layer" -v hooked="$hooked" -v pheaders="$preload_headers" \
		-v lheaders="$launcher_headers" '
	BEGIN {
		nh = split(hooked, names, " ")
		np = split(pheaders, ph, " ")
		for (i = 1; i <= np; i++)
			is_pheader[ph[i]] = 1
		nl = split(lheaders, lh, " ")
		for (i = 1; i <= nl; i++)
			is_lheader[lh[i]] = 1
		bad = 0
	}
	FNR == 1 { incomment = 0 }

	function fail(rule, text) {
		printf "check-layers: %s: %s:%d: %s\n", rule, FILENAME, FNR, text
		bad = 1
	}

	# The line without comments, string and character literals.
	function code_of(line,    out, i) {
		gsub(/"([^"\\]|\\.)*"/, "\"\"", line)
		gsub(/\047(\\.|[^\047\\])\047/, "\047\047", line)
		out = ""
		while (length(line) > 0) {
			if (incomment) {
				i = index(line, "*/")
				if (i == 0)
					return out
				line = substr(line, i + 2)
				incomment = 0
				continue
			}
			i = index(line, "/*")
			if (i == 0) {
				out = out line
				break
			}
			out = out substr(line, 1, i - 1)
			line = substr(line, i + 2)
			incomment = 1
		}
		sub(/\/\/.*/, "", out)
		return out
	}

	# Is the text before a name (a call site) a declaration of it?
	function is_declaration(before) {
		if (before ~ /(^|[^A-Za-z_0-9])(int|ssize_t|void|bool|long|char|size_t|socklen_t|unsigned)[ \t]*\*?[ \t]*$/)
			return 1
		if (before ~ /(^|[^A-Za-z_0-9])struct[ \t]+[A-Za-z_0-9]+[ \t]*\*[ \t]*$/)
			return 1
		return 0
	}

	# Report every bare call of name in code.
	function scan(code, name, text,    rest, offset, pos, before, re) {
		re = "(^|[^A-Za-z_0-9])" name "[ \t]*\\("
		rest = code
		offset = 0
		while (match(rest, re)) {
			pos = offset + RSTART
			if (substr(rest, RSTART, 1) !~ /[A-Za-z_]/)
				pos++
			before = substr(code, 1, pos - 1)
			rest = substr(rest, RSTART + RLENGTH)
			offset = length(code) - length(rest)
			if (before ~ /(->|\.)[ \t]*$/)
				continue
			if (layer == "preload" && pos == 1)
				continue
			if (is_declaration(before))
				continue
			if (layer == "core")
				fail("core/ calls " name "() by its bare name; use sys->" name "()", text)
			else
				fail("preload/ calls " name "() by its bare name outside its hook definition; use real." name "()", text)
		}
	}

	# The directory of the file being read, for headers named without one.
	function dir_of(path) {
		if (match(path, /.*\//))
			return substr(path, 1, RLENGTH)
		return "./"
	}

	{
		text = $0
		if (layer != "launcher" && text ~ /^[ \t]*#[ \t]*include/) {
			if (text ~ /"([^"]*\/)?launcher\//)
				fail(layer "/ includes a launcher/ header", text)
			else if (match(text, /"[^"\/]+\.h"/)) {
				h = substr(text, RSTART + 1, RLENGTH - 2)
				if ((h in is_lheader) && system("test -f " dir_of(FILENAME) h) != 0)
					fail(layer "/ includes a launcher/ header", text)
			}
		}
		if (layer == "launcher") {
			if (text ~ /^[ \t]*#[ \t]*include/) {
				if (text ~ /"([^"]*\/)?preload\//)
					fail("launcher/ includes a preload/ header", text)
				else if (match(text, /"[^"\/]+\.h"/)) {
					h = substr(text, RSTART + 1, RLENGTH - 2)
					if ((h in is_pheader) && system("test -f launcher/" h) != 0)
						fail("launcher/ includes a preload/ header", text)
				}
			}
			next
		}
		if (layer == "core" && text ~ /^[ \t]*#[ \t]*include/) {
			if (text ~ /<dlfcn\.h>/)
				fail("core/ includes <dlfcn.h>", text)
			if (text ~ /"([^"]*\/)?preload\//)
				fail("core/ includes a preload/ header", text)
			else if (match(text, /"[^"\/]+\.h"/)) {
				h = substr(text, RSTART + 1, RLENGTH - 2)
				if ((h in is_pheader) && system("test -f core/" h) != 0)
					fail("core/ includes a preload/ header", text)
			}
		}
		code = code_of(text)
		if (code ~ /^[ \t]*$/)
			next
		if (code ~ /(^|[^A-Za-z_0-9])(exit|_exit|_Exit|abort|assert)[ \t]*\(/)
			fail("library code must never end the process (exit/abort/assert)", text)
		if (layer == "core" && code ~ /(^|[^A-Za-z_0-9])(dlsym|dlopen|RTLD_NEXT)([^A-Za-z_0-9]|$)/)
			fail("core/ uses the dynamic linker", text)
		for (i = 1; i <= nh; i++)
			if (index(code, names[i]) > 0)
				scan(code, names[i], text)
	}
	END { exit bad }
	' "$@"
}

status=0
# shellcheck disable=SC2086 # the file lists are plain paths without spaces
check core $core_files || status=1
if [ -n "$preload_files" ]; then
	# shellcheck disable=SC2086
	check preload $preload_files || status=1
fi
if [ -n "$launcher_files" ]; then
	# shellcheck disable=SC2086
	check launcher $launcher_files || status=1
fi

max_lines=${LAYER_MAX_LINES:-500}
for f in core/*.c core/*.h preload/*.c preload/*.h launcher/*.c launcher/*.h; do
	[ -f "$f" ] || continue
	n=$(wc -l <"$f")
	if [ "$n" -gt "$max_lines" ]; then
		echo "check-layers: a room is too big: $f has $n lines (at most $max_lines): split it by concern"
		status=1
	fi
done
for h in preload/*.h; do
	[ -f "$h" ] || continue
	if [ ! -f "${h%.h}.c" ]; then
		echo "check-layers: $h has no ${h%.h}.c: a header is the door of the file of the same name"
		status=1
	fi
done

if [ "$status" -eq 0 ]; then
	echo "check-layers: ok (hooked names: $hooked)"
fi
exit "$status"

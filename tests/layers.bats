#!/usr/bin/env bats
# scripts/check-layers.sh: the tree passes, and each rule catches what it is
# for (on a small tree made up for the test).

load lib/common

# A copy of the checker in a made-up tree: core/ and preload/ as given.
make_tree() {
	local t=$BATS_TEST_TMPDIR/tree
	mkdir -p "$t/scripts" "$t/core" "$t/preload"
	cp "$REPO/scripts/check-layers.sh" "$t/scripts/"
	cat >"$t/core/ok.c" <<'EOF'
#include <errno.h>
#include "sys.h"
/*
 * connect(2) and close(2) are named in this comment only.
 */
static int
ok_dial(const struct sx_sys *sys, int fd)
{
	log_debug("connect(%d)", fd);	/* close(fd) would be wrong here */
	if (sys->connect(fd, 0, 0) < 0)
		return sys->close(fd);
	return sx_close(fd) + fclose(0) + atexit(0);
}
EOF
	touch "$t/core/sys.h" "$t/preload/real.h" "$t/preload/real.c"
	cat >"$t/preload/hook.c" <<'EOF'
SX_EXPORT int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	return real.connect(fd, sa, len);
}
int connect(int fd, const struct sockaddr *sa, socklen_t len);
struct hostent *gethostbyname(const char *name);
EOF
	printf '%s' "$t"
}

@test "the source tree keeps its layers" {
	run sh "$REPO/scripts/check-layers.sh"
	assert_success
	assert_output --partial "check-layers: ok"
}

@test "check-layers accepts calls through sys-> and real. and hook definitions" {
	local t
	t=$(make_tree)
	run sh "$t/scripts/check-layers.sh"
	assert_success
}

@test "check-layers catches a bare hooked call in core/" {
	local t
	t=$(make_tree)
	printf 'static int f(int fd) { return close(fd); }\n' >"$t/core/bad.c"
	run sh "$t/scripts/check-layers.sh"
	assert_failure 1
	assert_output --partial "core/ calls close() by its bare name; use sys->close(): core/bad.c:1:"
}

@test "check-layers catches <dlfcn.h> and preload/ headers in core/" {
	local t
	t=$(make_tree)
	printf '#include <dlfcn.h>\n#include "real.h"\n#include "../preload/hook.h"\n' >"$t/core/inc.c"
	run sh "$t/scripts/check-layers.sh"
	assert_failure 1
	assert_line "check-layers: core/ includes <dlfcn.h>: core/inc.c:1: #include <dlfcn.h>"
	assert_line 'check-layers: core/ includes a preload/ header: core/inc.c:2: #include "real.h"'
	assert_line 'check-layers: core/ includes a preload/ header: core/inc.c:3: #include "../preload/hook.h"'
}

@test "check-layers catches a bare hooked call inside a hook" {
	local t
	t=$(make_tree)
	printf 'SX_EXPORT int\nclose(int fd)\n{\n\treturn send(fd, 0, 0, 0);\n}\n' >"$t/preload/fd.c"
	run sh "$t/scripts/check-layers.sh"
	assert_failure 1
	assert_output --partial "preload/ calls send() by its bare name outside its hook definition; use real.send(): preload/fd.c:4:"
}

@test "check-layers catches exit, abort and assert in library code" {
	local t
	t=$(make_tree)
	printf 'static void f(void) { abort(); }\nstatic void g(void) { assert(1); }\n' >"$t/core/die.c"
	printf 'static void h(void) { _exit(1); }\n' >"$t/preload/die.c"
	run sh "$t/scripts/check-layers.sh"
	assert_failure 1
	assert_output --partial "core/die.c:1:"
	assert_output --partial "core/die.c:2:"
	assert_output --partial "preload/die.c:1:"
}

@test "check-layers refuses a room over the line limit" {
	local t
	t=$(make_tree)
	seq 1 501 | sed 's/^/\/\* line /; s/$/ \*\//' >"$t/core/big.c"
	run sh "$t/scripts/check-layers.sh"
	assert_failure
	assert_output --partial "a room is too big: core/big.c has 501 lines (at most 500)"
	run env LAYER_MAX_LINES=600 sh "$t/scripts/check-layers.sh"
	assert_success
}

@test "check-layers refuses a preload header without the source of the same name" {
	local t
	t=$(make_tree)
	touch "$t/preload/lonely.h"
	run sh "$t/scripts/check-layers.sh"
	assert_failure
	assert_output --partial "preload/lonely.h has no preload/lonely.c"
}

@test "check-layers keeps launcher/ and preload/ apart, and core/ below launcher/" {
	local t
	t=$(make_tree)
	mkdir -p "$t/launcher"
	printf '#include "core/sx.h"\n#include "sys.h"\nint\nmain(void)\n{\n\texit(0);\n}\n' \
		>"$t/launcher/main.c"
	printf '/* The launcher'"'"'s messages. */\n' >"$t/launcher/out.h"
	run sh "$t/scripts/check-layers.sh"
	assert_success
	printf '#include "out.h"\n' >"$t/core/uses_launcher.c"
	printf '#include "../launcher/out.h"\n' >"$t/preload/uses_launcher.c"
	printf '#include "real.h"\n#include "../preload/real.h"\n' >"$t/launcher/uses_preload.c"
	run sh "$t/scripts/check-layers.sh"
	assert_failure 1
	assert_output --partial "core/ includes a launcher/ header: core/uses_launcher.c:1:"
	assert_output --partial "preload/ includes a launcher/ header: preload/uses_launcher.c:1:"
	assert_output --partial "launcher/ includes a preload/ header: launcher/uses_preload.c:1:"
	assert_output --partial "launcher/ includes a preload/ header: launcher/uses_preload.c:2:"
}

@test "check-layers refuses a launcher/ room over the line limit" {
	local t
	t=$(make_tree)
	mkdir -p "$t/launcher"
	seq 1 501 | sed 's/^/\/\* line /; s/$/ \*\//' >"$t/launcher/big.c"
	run sh "$t/scripts/check-layers.sh"
	assert_failure
	assert_output --partial "a room is too big: launcher/big.c has 501 lines (at most 500)"
}

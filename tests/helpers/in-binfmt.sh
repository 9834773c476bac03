#!/bin/sh
# in-binfmt.sh CMD [ARGS...]: run CMD in a new user and mount namespace
# (the caller mapped to root) whose own binfmt_misc instance (Linux 6.7
# and later) hands i386 programs to qemu-i386-static, on every exec made
# inside it.  The entry lives and dies with the namespace: the machine's
# binfmt_misc is left alone.  Exits 125 with one line on stderr when the
# namespace cannot be made this way.
#
# The entry matches i386 ELF executables and position-independent ones, as
# qemu's scripts/qemu-binfmt-conf.sh writes it, with the flags F (qemu is
# opened now, so it runs in any mount namespace) and P (argv[0] is kept).
# A static qemu reads no LD_PRELOAD: a library in it reaches the guest,
# whose dynamic linker expands $LIB for i386.

if [ "${1-}" != --inside ]; then
	qemu=$(command -v qemu-i386-static) || {
		echo "in-binfmt: qemu-i386-static is not installed (qemu-user-static)" >&2
		exit 125
	}
	command -v unshare >/dev/null 2>&1 || {
		echo "in-binfmt: unshare (util-linux) is not installed" >&2
		exit 125
	}
	exec unshare --user --map-root-user --mount sh "$0" --inside "$qemu" "$@"
fi
qemu=$2
shift 2
dir=$(mktemp -d) || exit 125
if ! mount -t binfmt_misc binfmt_misc "$dir" 2>/dev/null; then
	echo "in-binfmt: binfmt_misc cannot be mounted in a user namespace (it needs Linux 6.7 or later)" >&2
	exit 125
fi
entry=':qemu-i386:M::\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x03\x00:\xff\xff\xff\xff\xff\xfe\xfe\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff:%s:FP'
# shellcheck disable=SC2059 # the entry is the format
if ! printf "$entry" "$qemu" >"$dir/register" 2>/dev/null; then
	echo "in-binfmt: the kernel refused the qemu-i386 entry" >&2
	exit 125
fi
exec "$@"

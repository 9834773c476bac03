# Running i386 programs in the tests, on kernels with and without IA32
# emulation.  Load after lib/common.
#
# i386_choose_way sets I386_WAY, one of:
#   native  the kernel runs i386 programs itself: a 64-bit program execs a
#           32-bit one, and the other way round, as on any multilib system.
#   binfmt  the kernel does not, but tests/helpers/in-binfmt.sh can make a
#           user namespace whose own binfmt_misc hands i386 programs to
#           qemu-i386-static (Linux 6.7 and later, qemu-user-static): the
#           kernel starts them through qemu on every exec, so a 64-bit
#           program execs a 32-bit one as it would natively.  The machine's
#           binfmt_misc is untouched.
#   qemu    otherwise, with qemu-i386 (qemu-user): the i386 program runs as
#           "qemu-i386 -E LD_PRELOAD=... PROGRAM", the library handed to the
#           guest and not to qemu, whose own LD_PRELOAD is removed.  A 64-bit
#           parent starts its 32-bit child that way too; a 32-bit program
#           under qemu execs a 64-bit one through the kernel.
# SOCKSIFY_TEST_I386=native|binfmt|qemu forces a way (to test each of them
# on a kernel that runs i386 programs).  I386_WHY says which way runs, and
# why.  Under qemu, an i386 program's uname() says i686 (natively x86_64),
# which is how the tests check that the way said is the way that ran.

A32="$REPO/build/i386/tests/helpers/archclient"
A64="$REPO/build/tests/helpers/archclient"
I386_LIB="$REPO/build/i386/libsocksify.so"
IN_BINFMT="$REPO/tests/helpers/in-binfmt.sh"

# i386_kernel_runs: the kernel execs an i386 program (archclient without
# arguments exits 2 after its usage line).
i386_kernel_runs() {
	local rc=0
	"$A32" >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 2 ]
}

# i386_binfmt_runs: in-binfmt.sh runs an i386 program here.
i386_binfmt_runs() {
	local rc=0
	"$IN_BINFMT" "$A32" >/dev/null 2>&1 || rc=$?
	[ "$rc" -eq 2 ]
}

# i386_choose_way: set and export I386_WAY, I386_WHY and I386_MACHINE
# (what uname() tells an i386 program); returns 1 with I386_WHY saying why
# when no way works here.
i386_choose_way() {
	I386_WAY=${SOCKSIFY_TEST_I386:-}
	case $I386_WAY in
	native) I386_WHY="natively (SOCKSIFY_TEST_I386)" ;;
	binfmt) I386_WHY="through qemu-i386-static in a user namespace's own binfmt_misc (SOCKSIFY_TEST_I386)" ;;
	qemu) I386_WHY="through qemu-i386 -E LD_PRELOAD=... (SOCKSIFY_TEST_I386)" ;;
	'')
		if i386_kernel_runs; then
			I386_WAY=native
			I386_WHY="natively: the kernel runs i386 programs"
		elif i386_binfmt_runs; then
			I386_WAY=binfmt
			I386_WHY="through qemu-i386-static in a user namespace's own binfmt_misc: the kernel runs no i386 program"
		elif command -v qemu-i386 >/dev/null 2>&1; then
			I386_WAY=qemu
			I386_WHY="through qemu-i386 -E LD_PRELOAD=...: the kernel runs no i386 program and in-binfmt.sh cannot work here"
		else
			I386_WHY="the kernel runs no i386 program and qemu-i386 is missing (make deps installs qemu-user)"
			return 1
		fi
		;;
	*)
		I386_WHY="SOCKSIFY_TEST_I386=$I386_WAY: expected native, binfmt or qemu"
		return 1
		;;
	esac
	if [ "$I386_WAY" = native ]; then
		I386_MACHINE=x86_64
	else
		I386_MACHINE=i686
	fi
	export I386_WAY I386_WHY I386_MACHINE
}

# cmd_i386 PRELOAD PROGRAM [ARGS...]: set CMD to the words that run the
# i386 PROGRAM with LD_PRELOAD=PRELOAD (and nothing else preloaded into
# anything on the way), the way I386_WAY says.  Settings for the program
# go in front: env VAR=VALUE... "${CMD[@]}".
cmd_i386() {
	local preload=$1
	shift
	case $I386_WAY in
	native) CMD=(env LD_PRELOAD="$preload" "$@") ;;
	binfmt) CMD=("$IN_BINFMT" env LD_PRELOAD="$preload" "$@") ;;
	qemu) CMD=(env -u LD_PRELOAD "$(command -v qemu-i386)" -E LD_PRELOAD="$preload" "$@") ;;
	esac
}

# cmd_64 PRELOAD PROGRAM [ARGS...]: the same for a 64-bit PROGRAM, in the
# surroundings where the i386 programs it execs run (the binfmt
# namespace for the binfmt way).
cmd_64() {
	local preload=$1
	shift
	case $I386_WAY in
	binfmt) CMD=("$IN_BINFMT" env LD_PRELOAD="$preload" "$@") ;;
	*) CMD=(env LD_PRELOAD="$preload" "$@") ;;
	esac
}

# exec_i386 PRELOAD PROGRAM: set EXEC to the words a 64-bit program execs
# to start the i386 PROGRAM that inherits LD_PRELOAD=PRELOAD: PROGRAM itself,
# or for the qemu way qemu-i386 with the library handed to the guest.
exec_i386() {
	case $I386_WAY in
	qemu) EXEC=(/usr/bin/env -u LD_PRELOAD "$(command -v qemu-i386)" -E "LD_PRELOAD=$1" "$2") ;;
	*) EXEC=("$2") ;;
	esac
}

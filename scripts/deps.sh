#!/bin/sh
# Install the Debian packages that building socksify, its demo and its tests
# need, when any is missing.  With everything present it does nothing (no
# apt-get update).  Package scripts are kept from starting system services
# (danted, sshd, ss-server) during the install.

set -u

packages="
	build-essential
	gcc
	make
	clang
	uthash-dev
	bats
	bats-assert
	bats-support
	microsocks
	dante-server
	openssh-server
	openssh-client
	curl
	wget
	python3
	netcat-openbsd
	dnsutils
	iproute2
	tcpdump
	strace
	shadowsocks-libev
	procps
	psmisc
	libcap2-bin
	vsftpd
	valgrind
	nodejs
	aria2
	shellcheck
	mandoc
	libclang-rt-14-dev
	lynx
	chromium
	libkrb5-dev
	krb5-kdc
	krb5-admin-server
	krb5-user
	python3-gssapi
	tinyproxy
	squid
	gcc-multilib
	libc6-dev-i386
	qemu-user
	qemu-user-static
	debhelper
	dpkg-dev
	fakeroot
	lintian
	golang-go
	busybox-static
"

say() {
	printf 'deps: %s\n' "$*"
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	say "dpkg-query not found: this is not a Debian system."
	# shellcheck disable=SC2086 # one word per package
	say "Install the equivalents of these packages yourself:" $packages
	missing_cmds=
	for c in cc make bats microsocks danted sshd ssh curl wget python3 nc ss; do
		command -v "$c" >/dev/null 2>&1 || missing_cmds="$missing_cmds $c"
	done
	if [ -n "$missing_cmds" ]; then
		say "missing commands:$missing_cmds"
		exit 1
	fi
	exit 0
fi

missing=
for p in $packages; do
	status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)
	case $status in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done

if [ -z "$missing" ]; then
	say "all packages present"
	exit 0
fi

say "missing:$missing"

if [ "$(id -u)" -eq 0 ]; then
	as_root=
elif command -v sudo >/dev/null 2>&1; then
	as_root=sudo
	say "not root: using sudo"
else
	say "not root and sudo is not installed: install them as root with"
	say "  apt-get install$missing"
	exit 1
fi

# While installing, tell invoke-rc.d not to start services: a policy-rc.d
# that answers 101 ("action forbidden").  Only ours is removed afterwards.
policy=/usr/sbin/policy-rc.d
own_policy=
cleanup() {
	if [ -n "$own_policy" ]; then
		$as_root rm -f "$policy"
		own_policy=
	fi
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT
trap 'cleanup; exit 143' TERM

if [ ! -e "$policy" ]; then
	if printf '#!/bin/sh\nexit 101\n' | $as_root tee "$policy" >/dev/null &&
		$as_root chmod 0755 "$policy"; then
		own_policy=1
	else
		say "could not create $policy; services may start during the install"
	fi
fi

export DEBIAN_FRONTEND=noninteractive
$as_root env DEBIAN_FRONTEND=noninteractive apt-get update || {
	say "apt-get update failed"
	exit 1
}
# shellcheck disable=SC2086 # one word per package
$as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y \
	--no-install-recommends $missing </dev/null || {
	say "apt-get install failed"
	exit 1
}
say "installed:$missing"

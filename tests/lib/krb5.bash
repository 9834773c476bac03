# A Kerberos realm for the GSSAPI tests: an MIT KDC in the proxy
# namespace, a client principal with its keytab, and the proxy's service
# principal rcmd/<proxy address> with the keytab the proxy reads.  Load after
# lib/common and lib/netns, and call krb5_setup after netns_setup.
#
#   client namespace                  proxy namespace
#   kinit, the socksified client ---> krb5kdc     192.0.2.2:KRB5_KDC_PORT
#                                 \-> gsssocks.py 192.0.2.2:port (GSSAPI only)
#
# Everything lives in the file's directory: KRB5_CONFIG and
# KRB5_KDC_PROFILE point at files made there, and the client's credential
# cache is KRB5CCNAME=FILE:<dir>/client.ccache.  Nothing in /etc changes.

KRB5_REALM=SOCKSIFY.TEST
KRB5_CLIENT=alice
KRB5_SERVICE=rcmd

# krb5_setup: make the realm and start the KDC in the proxy namespace.
# Exports KRB5_CONFIG, KRB5_KDC_PROFILE, KRB5CCNAME, KRB5_DIR,
# KRB5_KDC_PORT, KRB5_PROXY_KEYTAB and KRB5_CLIENT_KEYTAB.
krb5_setup() {
	local dir port c
	for c in krb5kdc kdb5_util kadmin.local kinit; do
		command -v "$c" >/dev/null || {
			echo "# $c is not installed (make deps: krb5-kdc, krb5-admin-server, krb5-user)" >&2
			return 1
		}
	done
	dir="$(bg_dir)/krb5"
	mkdir -p "$dir"
	port=$(ip netns exec "$NETNS_PROXY" "$PY" -c '
import socket
s = socket.socket()
s.bind(("0.0.0.0", 0))
print(s.getsockname()[1])')
	export KRB5_DIR=$dir KRB5_KDC_PORT=$port
	export KRB5_CONFIG="$dir/krb5.conf" KRB5_KDC_PROFILE="$dir/kdc.conf"
	export KRB5CCNAME="FILE:$dir/client.ccache"
	export KRB5_PROXY_KEYTAB="$dir/proxy.keytab" KRB5_CLIENT_KEYTAB="$dir/client.keytab"
	# No DNS anywhere: the realm's KDC is named, host names are taken as
	# written, and an acceptor that names rcmd@<its own host name> still
	# accepts any rcmd/ principal in its keytab.
	cat >"$KRB5_CONFIG" <<EOF
[libdefaults]
	default_realm = $KRB5_REALM
	dns_lookup_kdc = false
	dns_lookup_realm = false
	dns_canonicalize_hostname = false
	rdns = false
	ignore_acceptor_hostname = true
	udp_preference_limit = 1
[realms]
	$KRB5_REALM = {
		kdc = $PROXY_IP:$port
	}
EOF
	cat >"$KRB5_KDC_PROFILE" <<EOF
[kdcdefaults]
	kdc_ports = $port
	kdc_tcp_ports = $port
[realms]
	$KRB5_REALM = {
		database_name = $dir/principal
		key_stash_file = $dir/stash
		acl_file = $dir/kadm5.acl
		kdc_listen = $PROXY_IP:$port
		kdc_tcp_listen = $PROXY_IP:$port
		max_life = 1h
		max_renewable_life = 0
	}
[logging]
	kdc = FILE:$dir/kdc.log
EOF
	: >"$dir/kadm5.acl"
	{
		kdb5_util -r "$KRB5_REALM" -P "$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')" \
			create -s &&
			kadmin.local -r "$KRB5_REALM" -q "addprinc -randkey $KRB5_CLIENT" &&
			kadmin.local -r "$KRB5_REALM" -q "addprinc -randkey $KRB5_SERVICE/$PROXY_IP" &&
			kadmin.local -r "$KRB5_REALM" -q "ktadd -k $KRB5_PROXY_KEYTAB $KRB5_SERVICE/$PROXY_IP" &&
			kadmin.local -r "$KRB5_REALM" -q "ktadd -k $KRB5_CLIENT_KEYTAB $KRB5_CLIENT"
	} >"$dir/setup.log" 2>&1 || {
		echo "# could not make the Kerberos realm" >&2
		sed 's/^/# /' "$dir/setup.log" >&2
		return 1
	}
	start_bg krb5kdc ip netns exec "$NETNS_PROXY" krb5kdc -n -r "$KRB5_REALM"
	ns_wait_port "$NETNS_PROXY" "$PROXY_IP" "$port" "$BG_PID" ||
		server_failed krb5kdc "did not start" "$dir/kdc.log"
}

# krb5_kinit [KINIT OPTIONS...]: a fresh ticket for the client principal in
# its credential cache, obtained in the client namespace from its keytab.
krb5_kinit() {
	in_client kinit "$@" -k -t "$KRB5_CLIENT_KEYTAB" "$KRB5_CLIENT@$KRB5_REALM"
}

# krb5_kdestroy: no ticket in the client's credential cache.
krb5_kdestroy() {
	in_client kdestroy -q 2>/dev/null || true
}

# start_ns_gsssocks NAME PORT LEVEL [OPTIONS...]: tests/helpers/gsssocks.py,
# a SOCKS5 server with only the GSSAPI method, in the proxy namespace on
# PROXY_IP:PORT, accepting with the proxy's keytab, selecting protection
# LEVEL (clear, integrity, confidentiality), connecting out from
# PROXY_OUT_IP.  (Debian's danted is built without GSSAPI: its
# configuration refuses "socksmethod: gssapi".)  Sets PID and LOG.
start_ns_gsssocks() {
	local name=$1 port=$2 level=$3
	shift 3
	/usr/bin/python3 -c 'import gssapi' 2>/dev/null || {
		echo "# python3-gssapi is not installed (make deps)" >&2
		return 1
	}
	LOG="$(bg_dir)/$name.log"
	: >"$LOG"
	start_reporting "$name" ip netns exec "$NETNS_PROXY" /usr/bin/python3 \
		"$HELPERS/gsssocks.py" --keytab "$KRB5_PROXY_KEYTAB" --level "$level" \
		--out "$PROXY_OUT_IP" --log "$LOG" "$@" "$PROXY_IP" "$port"
}

#!/usr/bin/env bats
# SOCKS5 with GSSAPI authentication (RFC 1961), with a real MIT Kerberos
# realm (tests/lib/krb5.bash) and network namespaces (tests/lib/netns.bash):
# the KDC and the GSSAPI SOCKS5 servers (tests/helpers/gsssocks.py, one per
# protection level it selects: none, integrity, confidentiality) in the
# proxy namespace, the web server in the destination namespace, kinit and
# the socksified clients in the client namespace.
#
# Neither Debian's danted (built without GSSAPI: "socksmethod: gssapi" is
# refused) nor Debian's curl 7.88 (its SOCKS5 GSS-API client forgets that
# it offered the method once the server's answer takes a second read) can
# play the other side here, so the server is python3-gssapi over the same
# MIT library.

load lib/common
load lib/netns
load lib/krb5

CLEAR_PORT=1080
INTEG_PORT=1081
CONF_PORT=1082

setup_file() {
	require_library
	[ "$(id -u)" -eq 0 ] || skip "network namespaces need root"
	netns_setup
	krb5_setup
	start_ns_dest web "$NETNS_DEST" "$DEST_IP" 80 --http
	export WEB_LOG=$LOG
	start_ns_gsssocks clear "$CLEAR_PORT" clear
	export CLEAR_LOG=$LOG
	start_ns_gsssocks integrity "$INTEG_PORT" integrity
	export INTEG_LOG=$LOG
	start_ns_gsssocks confidentiality "$CONF_PORT" confidentiality
	export CONF_LOG=$LOG
}

teardown_file() {
	stop_all "$BATS_FILE_TMPDIR"
	netns_teardown
}

setup() {
	krb5_kinit
}

@test "the realm works: the client gets a ticket for the proxy's service rcmd/<proxy address>" {
	run in_client kvno "$KRB5_SERVICE/$PROXY_IP@$KRB5_REALM"
	assert_success
	assert_output --partial "$KRB5_SERVICE/$PROXY_IP@$KRB5_REALM: kvno = "
}

@test "curl fetches a page by address through a GSSAPI proxy that selects no protection" {
	run --separate-stderr client_socksified "socks5://$PROXY_IP:$CLEAR_PORT" \
		SOCKSIFY_GSSAPI=1 curl -q -sS --max-time 15 "http://$DEST_IP/curl-gss-ip"
	assert_success
	assert_line "PATH /curl-gss-ip"
	log_has "$WEB_LOG" "^GET /curl-gss-ip $PROXY_OUT_IP "
	log_has "$CLEAR_LOG" "^AUTH $KRB5_CLIENT@$KRB5_REALM ASKED 0 LEVEL 0$"
	log_has "$CLEAR_LOG" "^CONNECT $DEST_IP 80$"
}

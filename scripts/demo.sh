#!/bin/sh
# A demonstration of socksify's main job, on loopback only: a SOCKS5 proxy
# (microsocks) whose outgoing connections come from 127.0.0.3, a web server
# on 127.0.0.2 that logs who connects, and curl run unchanged under socksify.
# The web server's log shows the request arriving from the proxy's address,
# not curl's.  Run by "make demo", which builds the library first.

set -u

cd "$(dirname "$0")/.." || exit 1

# Only what this demo sets may steer socksify and curl: no proxy settings
# or exclusions from the caller's environment.
unset SOCKS_PROXY ALL_PROXY all_proxy NO_PROXY no_proxy http_proxy HTTP_PROXY \
	https_proxy HTTPS_PROXY SOCKSIFY_LOG SOCKSIFY_LIB
repo=$(pwd)
lib="$repo/build/libsocksify.so"
launcher="$repo/build/socksify"

say() {
	printf '%s\n' "$*"
}

step() {
	printf '\n== %s\n' "$*"
}

fail() {
	printf 'demo: %s\n' "$*" >&2
	exit 1
}

for cmd in microsocks python3 curl; do
	command -v "$cmd" >/dev/null 2>&1 || fail "$cmd is not installed (run: make deps)"
done
[ -f "$lib" ] || fail "$lib is missing (run: make)"
[ -x "$launcher" ] || fail "$launcher is missing (run: make)"

work=$(mktemp -d "${TMPDIR:-/tmp}/socksify-demo.XXXXXX") || fail "cannot create a temporary directory"
proxy_pid=
web_pid=

cleanup() {
	for pid in $web_pid $proxy_pid; do
		kill "$pid" 2>/dev/null
	done
	for pid in $web_pid $proxy_pid; do
		wait "$pid" 2>/dev/null
	done
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A TCP port that is free on an address.
free_port() {
	python3 -c '
import socket, sys
s = socket.socket()
s.bind((sys.argv[1], 0))
print(s.getsockname()[1])
' "$1"
}

# Wait (at most 10 s) until something accepts connections on host:port.
wait_port() {
	python3 -c '
import socket, sys, time
deadline = time.monotonic() + 10
while True:
    try:
        socket.create_connection((sys.argv[1], int(sys.argv[2])), 1).close()
        sys.exit(0)
    except OSError:
        if time.monotonic() > deadline:
            sys.exit(1)
        time.sleep(0.05)
' "$1" "$2"
}

proxy_port=$(free_port 127.0.0.1) || fail "no free port"
web_port=$(free_port 127.0.0.2) || fail "no free port"

step "Starting a SOCKS5 proxy"
say "microsocks listens on 127.0.0.1:$proxy_port and makes its outgoing"
say "connections from the address 127.0.0.3."
microsocks -i 127.0.0.1 -p "$proxy_port" -b 127.0.0.3 \
	>"$work/proxy.log" 2>&1 </dev/null &
proxy_pid=$!

step "Starting a web server"
say "python3 -m http.server listens on 127.0.0.2:$web_port and logs the"
say "address of every client."
mkdir -p "$work/site"
printf 'Hello from the demo web server.\n' >"$work/site/index.html"
(cd "$work/site" && exec python3 -u -m http.server --bind 127.0.0.2 "$web_port") \
	>"$work/web.log" 2>&1 </dev/null &
web_pid=$!

wait_port 127.0.0.1 "$proxy_port" || fail "the proxy did not start: $(cat "$work/proxy.log")"
wait_port 127.0.0.2 "$web_port" || fail "the web server did not start: $(cat "$work/web.log")"

step "Fetching the page through the proxy"
say "\$ SOCKSIFY_LOOPBACK=proxy build/socksify -p socks5h://127.0.0.1:$proxy_port curl -sS http://127.0.0.2:$web_port/"
say "(SOCKSIFY_LOOPBACK=proxy: this demo's web server is on loopback, which"
say "socksify would otherwise reach directly.)"
page=$(SOCKSIFY_LOOPBACK=proxy timeout 20 build/socksify \
	-p "socks5h://127.0.0.1:$proxy_port" curl -sS --max-time 15 \
	"http://127.0.0.2:$web_port/") || fail "curl through socksify failed"
say "curl printed: $page"
sleep 0.2
via=$(grep 'GET / ' "$work/web.log" | tail -n1)
say "The web server logged: $via"

step "Fetching the same page directly, for contrast"
say "\$ curl -sS http://127.0.0.2:$web_port/"
direct=$(timeout 20 curl -sS --max-time 15 "http://127.0.0.2:$web_port/") ||
	fail "direct curl failed"
say "curl printed: $direct"
sleep 0.2
plain=$(grep 'GET / ' "$work/web.log" | tail -n1)
say "The web server logged: $plain"

step "Result"
case $via in
127.0.0.3\ *)
	say "Through socksify the request came from 127.0.0.3, the proxy's"
	say "address; directly it came from ${plain%% *}.  The proxy carried"
	say "curl's connection, and curl was not changed or configured at all."
	;;
*)
	fail "the request through socksify did not come from the proxy (127.0.0.3)"
	;;
esac

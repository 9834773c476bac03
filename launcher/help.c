/*
 * The help and the version.  The Environment section lists every knob of
 * core/knobs.c, two spaces in, one per line: scripts/check-knobs.sh reads
 * it from "socksify --help".
 */
#include "help.h"
#include "out.h"

#ifndef SX_VERSION
#error "SX_VERSION (the contents of the VERSION file) must be defined"
#endif

static const char help_text[] =
	"Usage: socksify [-p URL | --proxy-file FILE] [-q] [-v] [--] COMMAND [ARGS...]\n"
	"       socksify --check [-p URL | --proxy-file FILE] [--check-target HOST:PORT]\n"
	"\n"
	"Run COMMAND with libsocksify.so preloaded, so that its TCP connections (and\n"
	"those of every program it starts) go through a SOCKS4, SOCKS4a or SOCKS5\n"
	"proxy, or an HTTP proxy's CONNECT tunnels.  The exit status is COMMAND's.\n"
	"\n"
	"Options:\n"
	"  -p, --proxy URL  the proxy to use (sets SOCKS_PROXY); not for a URL with\n"
	"                   a password, which every user could read in the process\n"
	"                   list (socksify warns): use --proxy-file or SOCKS_PROXY\n"
	"  --proxy-file FILE\n"
	"                   read the proxy URL from FILE (one line; sets\n"
	"                   SOCKS_PROXY): the way to give a password.  A FILE whose\n"
	"                   URL holds a password must not be readable by group or\n"
	"                   others (chmod 600 FILE), or socksify refuses it\n"
	"  -q, --quiet      report errors only (sets SOCKSIFY_LOG=error)\n"
	"  -v, --verbose    report every step of every handshake (SOCKSIFY_LOG=debug)\n"
	"  --enforce        also watch what reaches the kernel around the library\n"
	"                   (sets SOCKSIFY_ENFORCE=1; see below)\n"
	"  -h, --help       show this help and exit\n"
	"  --version        show the version and exit\n"
	"  --check          check the proxy instead of running a command: a table of\n"
	"                   what it answers and carries; exit status 0 when it\n"
	"                   carries what the settings need\n"
	"  --check-target HOST:PORT\n"
	"                   with --check, where the test CONNECT goes (default:\n"
	"                   the proxy's own address)\n"
	"  --               end of options\n"
	"\n"
	"Proxy URL:  socks4://  socks4a://  socks5://  socks5h://  http://  then\n"
	"  [user[:password]@]host[:port]   (port 1080 by default for every scheme,\n"
	"  http:// too; IPv6 hosts in brackets; user and password percent-decoded).\n"
	"  socks4a, socks5h and http let the proxy resolve host names.  http:// is\n"
	"  an HTTP CONNECT proxy (Basic authentication; TCP only: no UDP, no BIND);\n"
	"  https:// is not supported.  Several URLs separated by commas make a\n"
	"  chain, or a set of proxies to fail over between (SOCKSIFY_CHAIN).\n"
	"\n"
	"Without -p, --proxy-file and SOCKS_PROXY, a socks URL in ALL_PROXY or all_proxy\n"
	"is used; with nothing set the default proxy is socks5h://127.0.0.1:1080\n"
	"(what \"ssh -D 1080 host\" provides).\n"
	"\n"
	"Environment:\n"
	"  SOCKS_PROXY         the proxy URL, or several separated by commas\n"
	"  SOCKSIFY_CHAIN      how a list of proxies is used: strict (default: through\n"
	"                      every one, in order), dynamic (the same, skipping those\n"
	"                      found down), failover (one per connection: the first\n"
	"                      up) or round-robin (one per connection, in turn); a\n"
	"                      proxy found down is skipped for 30 s\n"
	"  ALL_PROXY, all_proxy  used when SOCKS_PROXY is unset and they hold a\n"
	"                      socks URL (an http:// URL there is left alone)\n"
	"  NO_PROXY, no_proxy  destinations reached directly: host names, .suffixes,\n"
	"                      IP addresses, CIDR blocks, or *, each with an optional\n"
	"                      :port, separated by commas\n"
	"  SOCKSIFY_LOG        none, error, warn (default), info or debug; messages go\n"
	"                      to stderr and start with \"socksify: \"\n"
	"  SOCKSIFY_TIMEOUT    seconds (decimals allowed, default 10) that setting up\n"
	"                      one connection through the proxy may take\n"
	"  SOCKSIFY_LOOPBACK   direct (default: 127.0.0.0/8 and ::1 are reached\n"
	"                      directly) or proxy (loopback goes through the proxy too)\n"
	"  SOCKSIFY_PIPELINE   auto (default): send the SOCKS5 greeting and request in\n"
	"                      one write (saves a round trip), except to proxies found\n"
	"                      to drop such a request (as microsocks does), remembered\n"
	"                      for a day in $XDG_RUNTIME_DIR/socksify/pipeline;\n"
	"                      1: always; 0: never\n"
	"  SOCKSIFY_UDP        proxy (default: UDP through SOCKS5 UDP ASSOCIATE, or\n"
	"                      fail) or direct (direct when the proxy cannot carry UDP)\n"
	"  SOCKSIFY_PACKET     refuse (default: no packet sockets, AF_PACKET, whose\n"
	"                      frames would bypass the proxy) or direct (allowed)\n"
	"  SOCKSIFY_ISOLATE    none (default) or process: each process uses SOCKS5\n"
	"                      credentials of its own (user <torS0X>0, a random\n"
	"                      password), so Tor isolates its streams; URL\n"
	"                      credentials win; socks5/socks5h only\n"
	"  SOCKSIFY_HOSTS      1 (default): names in /etc/hosts resolve locally; 0: no\n"
	"  SOCKSIFY_FAKE_NET   fake IPv4 range for remote DNS (default 198.18.0.0/15)\n"
	"  SOCKSIFY_FAKE_NET6  fake IPv6 range (default fd53:6f63:6b73::/96)\n"
	"  SOCKSIFY_GSSAPI     1: offer SOCKS5 GSSAPI (Kerberos) authentication with\n"
	"                      the user's ticket (kinit); default 0; one proxy only\n"
	"  SOCKSIFY_GSSAPI_SERVICE  the proxy's service (default rcmd: principal\n"
	"                      rcmd/<proxy host>); with a / the whole principal\n"
	"  SOCKSIFY_GSSAPI_PROTECTION  per-message protection: any (default: ask for\n"
	"                      confidentiality, take what the proxy selects), none,\n"
	"                      integrity (or more) or confidentiality\n"
	"  SOCKSIFY_LIB        the library to preload, overriding the built-in search\n"
	"  SOCKSIFY_ENFORCE    1: run every program under the seccomp supervisor too,\n"
	"                      so that nothing leaves around the proxy; default 0\n"
	"\n"
	"A malformed setting is reported once on stderr, and the program's proxied\n"
	"connections then fail: nothing is ever sent around the proxy.\n"
	"\n"
	"A statically linked program (Go, busybox, musl), into which no library can\n"
	"be loaded, runs under a seccomp supervisor instead: socksify stays its\n"
	"parent and answers its connect() calls through the proxy, and its DNS\n"
	"queries under remote DNS; its other datagrams are refused.  With\n"
	"--enforce every program runs so, with the library as well: children that\n"
	"drop LD_PRELOAD, raw system calls and io_uring cannot reach the network\n"
	"around the proxy.  Setuid, setgid or file-capability programs (for which\n"
	"the dynamic linker ignores LD_PRELOAD) are not proxied, except under the\n"
	"supervisor, where they run without their privileges.\n"
	;

static const char version_text[] = "socksify " SX_VERSION "\n";

void
help_print(void)
{
	out_write(1, help_text, sizeof(help_text) - 1);
}

void
help_version(void)
{
	out_write(1, version_text, sizeof(version_text) - 1);
}

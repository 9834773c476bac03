/*
 * The configuration, read once from the environment at init and immutable
 * afterwards (no lock).  config_load() reads every variable of the knob
 * table (knobs.h) and resolves a proxy host name once; the proxy URL is
 * parsed by proxyurl.h, NO_PROXY by noproxy.h (which also matches
 * destinations against it), the other knobs by knobval.h.  The password
 * is kept only here and never formatted into a message.
 */
#ifndef SX_CONFIG_H
#define SX_CONFIG_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "sx.h"
#include "sys.h"

#define CONFIG_DEFAULT_URL "socks5h://127.0.0.1:1080"
#define CONFIG_DEFAULT_PORT 1080
/* The version of an HTTP CONNECT proxy (http://) in struct config_proxy. */
#define CONFIG_HTTP_CONNECT 1
#define CONFIG_DEFAULT_TIMEOUT_MS 10000
#define CONFIG_DEFAULT_FAKE_NET "198.18.0.0/15"
#define CONFIG_DEFAULT_FAKE_NET6 "fd53:6f63:6b73::/96"
#define CONFIG_ERR_LEN 256
#define CONFIG_MAX_HOPS 8		/* proxies in a SOCKS_PROXY list */

/* One proxy, as parsed from a URL in curl's socks and http schemes. */
struct config_proxy {
	int version;		/* 4 or 5 (SOCKS), or CONFIG_HTTP_CONNECT */
	bool remote_dns;	/* socks4a://, socks5h:// or http:// */
	bool has_auth;		/* a user (SOCKS5: and a password) was given */
	bool isolate;		/* SOCKS5: credentials made per process (isolate.h) */
	char user[256];		/* percent-decoded, 0..255 bytes */
	char pass[256];		/* percent-decoded, 0..255 bytes; never logged */
	char host[256];		/* as written in the URL, brackets removed */
	uint16_t port;
	struct sockaddr_storage addr;	/* resolved address of the proxy */
	socklen_t addrlen;		/* 0 until resolved */
	bool gssapi;			/* SOCKS5: offer GSSAPI (RFC 1961) first */
	char gss_service[256];		/* its service, or a full principal with a '/' */
	int gss_protection;		/* CONFIG_GSS_PROT_*: the level asked for */
};

#define CONFIG_GSS_SERVICE_MAX 255

/* SOCKSIFY_GSSAPI_PROTECTION: the per-message protection asked for. */
enum config_gss_protection {
	CONFIG_GSS_PROT_NONE,		/* ask for none, take only none */
	CONFIG_GSS_PROT_INTEGRITY,	/* ask for integrity, take it or more */
	CONFIG_GSS_PROT_CONFIDENTIALITY,	/* ask for it, take only it */
	CONFIG_GSS_PROT_ANY,		/* ask for confidentiality, take any */
};

/* One NO_PROXY entry. */
enum config_np_kind {
	CONFIG_NP_ALL,		/* "*" */
	CONFIG_NP_NAME,		/* "example.com" or ".example.com": the name and its subdomains */
	CONFIG_NP_CIDR,		/* "10.0.0.0/8", "192.168.1.7", "::1", "fd00::/8" */
};

struct config_noproxy {
	int kind;
	int family;		/* CIDR: AF_INET or AF_INET6 */
	uint8_t prefix;		/* CIDR: prefix length in bits */
	uint16_t port;		/* 0: any port */
	uint8_t addr[16];	/* CIDR: network address */
	char *name;		/* NAME: lower case, without leading dot */
	size_t name_len;
};

enum config_udp_mode {
	CONFIG_UDP_PROXY,	/* UDP ASSOCIATE; fail closed when impossible */
	CONFIG_UDP_DIRECT,	/* let UDP go direct when the proxy cannot carry it */
};

enum config_packet_mode {
	CONFIG_PACKET_REFUSE,	/* no AF_PACKET socket: its frames bypass the proxy */
	CONFIG_PACKET_DIRECT,	/* AF_PACKET sockets allowed, their frames go direct */
};

/* How a list of proxies is used (SOCKSIFY_CHAIN; chain.h). */
enum config_chain_mode {
	CONFIG_CHAIN_STRICT,		/* through every proxy, in order */
	CONFIG_CHAIN_DYNAMIC,		/* as strict, skipping proxies that are down */
	CONFIG_CHAIN_FAILOVER,		/* one proxy: the first that is up */
	CONFIG_CHAIN_ROUND_ROBIN,	/* one proxy: the next in turn that is up */
};

/*
 * Pipelining (SOCKSIFY_PIPELINE): forced off, forced on, or on unless the
 * proxy is known to drop a pipelined request (found out and remembered by
 * the library, see handshake_probe()).
 */
enum config_pipeline_mode {
	CONFIG_PIPELINE_OFF,
	CONFIG_PIPELINE_ON,
	CONFIG_PIPELINE_AUTO,
};

enum config_loopback_mode {
	CONFIG_LOOPBACK_DIRECT,	/* 127.0.0.0/8 and ::1 connect directly */
	CONFIG_LOOPBACK_PROXY,	/* loopback destinations go through the proxy too */
};

enum config_isolate_mode {
	CONFIG_ISOLATE_NONE,	/* the URL's credentials, or none */
	CONFIG_ISOLATE_PROCESS,	/* SOCKS5 credentials of each process's own */
};

struct config {
	bool valid;			/* false: proxied calls fail closed */
	char error[CONFIG_ERR_LEN];	/* why not valid: one line, no secrets */
	struct config_proxy proxy;	/* the first proxy of the list */
	/* The whole list, in order; hops[0] without its password (chain_hop()). */
	struct config_proxy hops[CONFIG_MAX_HOPS];
	size_t hop_count;		/* 1 for a single proxy */
	int chain_mode;			/* enum config_chain_mode */
	struct config_noproxy *noproxy;	/* NO_PROXY entries */
	size_t noproxy_count;
	int log_level;
	int timeout_ms;			/* connect + handshake, per wait on the proxy */
	int pipeline;			/* CONFIG_PIPELINE_*: greeting, auth and request in one write */
	int udp_mode;
	int packet_mode;
	int loopback_mode;
	int isolate_mode;
	bool hosts_file;		/* names in /etc/hosts resolve locally */
	uint8_t fake_net[4];		/* fake IPv4 range, network address */
	uint8_t fake_prefix;		/* its prefix length, 8..30 */
	uint8_t fake_net6[16];		/* fake IPv6 range */
	uint8_t fake_prefix6;		/* its prefix length, 8..120 */
	bool gssapi;			/* SOCKSIFY_GSSAPI: copied into proxy */
	char gss_service[CONFIG_GSS_SERVICE_MAX + 1];	/* SOCKSIFY_GSSAPI_SERVICE */
	int gss_protection;		/* SOCKSIFY_GSSAPI_PROTECTION */
};

/*
 * Read the environment into cfg (getenv is passed in for tests).  Never
 * fails as a call: an error leaves cfg->valid false and cfg->error set, with
 * every other field at a safe default.  A proxy host name is resolved
 * with sys->getaddrinfo.
 */
void config_load(struct config *cfg, const struct sx_sys *sys,
		 char *(*get)(const char *));
/* Free what config_load allocated. */
void config_free(struct config *cfg);

#endif

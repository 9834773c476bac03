/*
 * The configuration, read once from the environment at init and immutable
 * afterwards (no lock).  config_parse_*() are pure and unit-tested;
 * config_load() reads the environment and resolves a proxy host name once.
 * The password is kept only here and never formatted into a message.
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
#define CONFIG_DEFAULT_TIMEOUT_MS 10000
#define CONFIG_DEFAULT_FAKE_NET "198.18.0.0/15"
#define CONFIG_DEFAULT_FAKE_NET6 "fd53:6f63:6b73::/96"
#define CONFIG_ERR_LEN 256

/* One proxy, as parsed from a URL in curl's socks schemes. */
struct config_proxy {
	int version;		/* 4 or 5 */
	bool remote_dns;	/* socks4a:// or socks5h:// */
	bool has_auth;		/* a user (SOCKS5: and a password) was given */
	char user[256];		/* percent-decoded, 0..255 bytes */
	char pass[256];		/* percent-decoded, 0..255 bytes; never logged */
	char host[256];		/* as written in the URL, brackets removed */
	uint16_t port;
	struct sockaddr_storage addr;	/* resolved address of the proxy */
	socklen_t addrlen;		/* 0 until resolved */
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

enum config_loopback_mode {
	CONFIG_LOOPBACK_DIRECT,	/* 127.0.0.0/8 and ::1 connect directly */
	CONFIG_LOOPBACK_PROXY,	/* loopback destinations go through the proxy too */
};

struct config {
	bool valid;			/* false: proxied calls fail closed */
	char error[CONFIG_ERR_LEN];	/* why not valid: one line, no secrets */
	struct config_proxy proxy;
	struct config_noproxy *noproxy;	/* NO_PROXY entries */
	size_t noproxy_count;
	int log_level;
	int timeout_ms;			/* connect + handshake, per wait on the proxy */
	bool pipeline;			/* send greeting, auth and request in one write */
	int udp_mode;
	int packet_mode;
	int loopback_mode;
	bool hosts_file;		/* names in /etc/hosts resolve locally */
	uint8_t fake_net[4];		/* fake IPv4 range, network address */
	uint8_t fake_prefix;		/* its prefix length, 8..30 */
	uint8_t fake_net6[16];		/* fake IPv6 range */
	uint8_t fake_prefix6;		/* its prefix length, 8..120 */
};

/*
 * Parse a proxy URL into p (without resolving a host name).  On error fill
 * err (one line naming what is wrong, never the password) and return -EINVAL.
 */
int config_parse_url(const char *url, struct config_proxy *p, char *err,
		     size_t errlen);
/* Parse a NO_PROXY list (comma or space separated); same error contract. */
int config_parse_noproxy(const char *list, struct config_noproxy **out,
			 size_t *count, char *err, size_t errlen);
void config_free_noproxy(struct config_noproxy *np, size_t count);
/*
 * True when a destination is excluded by NO_PROXY: name may be NULL (an
 * address only), sa may be NULL (a name only).
 */
bool config_noproxy_matches(const struct config *cfg, const char *name,
			    const struct sockaddr *sa, socklen_t salen);
/*
 * True when host name `name` reached on `port` is excluded by NO_PROXY
 * (port 0 or -1: unknown, so entries with a port do not apply).  Used where
 * the name is known only at connect time, behind a fake address: address
 * entries apply only to a name that is an address literal.
 */
bool config_noproxy_matches_name(const struct config *cfg, const char *name,
				 int port);

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

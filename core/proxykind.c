/*
 * The table of proxy kinds and the questions asked of it.  A row says what
 * a kind can do; its steps (in its codec) say how.  The configuration
 * records a proxy as its SOCKS version and whether names are resolved
 * remotely, which is how a parsed proxy finds its row.
 *
 * "Carries names" is about the wire: SOCKS4 requests carry a host name in
 * the SOCKS4a form whoever resolves (socks4:// resolves names itself, so
 * hands its proxy none unless a caller asks for it).
 *
 * An HTTP proxy (http://) is asked for CONNECT tunnels alone: it always
 * resolves names itself and has nothing for BIND or UDP, so those fail
 * closed with the row's words (UDP may still go direct when
 * SOCKSIFY_UDP=direct says so).
 */
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "httpconnect.h"
#include "proxykind.h"
#include "socks4.h"
#include "socks5.h"

static const struct proxykind proxykind_table[] = {
	{
		.name = "socks4", .protocol = "SOCKS4",
		.default_port = CONFIG_DEFAULT_PORT,
		.resolver = PROXYKIND_RESOLVES_CLIENT,
		.carries_bind = true, .carries_names = true,
		.steps = &socks4_steps,
		.refuse_command = "SOCKS4 cannot carry this command",
		.refuse_udp = "SOCKS4 has no UDP",
		.refuse_ipv6 = "SOCKS4 cannot carry IPv6 destinations",
	},
	{
		.name = "socks4a", .protocol = "SOCKS4",
		.default_port = CONFIG_DEFAULT_PORT,
		.resolver = PROXYKIND_RESOLVES_PROXY,
		.carries_bind = true, .carries_names = true,
		.steps = &socks4_steps,
		.refuse_command = "SOCKS4 cannot carry this command",
		.refuse_udp = "SOCKS4 has no UDP",
		.refuse_ipv6 = "SOCKS4 cannot carry IPv6 destinations",
	},
	{
		.name = "socks5", .protocol = "SOCKS5",
		.default_port = CONFIG_DEFAULT_PORT,
		.resolver = PROXYKIND_RESOLVES_CLIENT,
		.carries_udp = true, .carries_bind = true,
		.carries_ipv6 = true, .carries_names = true,
		.pipelines = true,
		.steps = &socks5_steps,
		.refuse_command = "SOCKS5 has no such command",
	},
	{
		.name = "socks5h", .protocol = "SOCKS5",
		.default_port = CONFIG_DEFAULT_PORT,
		.resolver = PROXYKIND_RESOLVES_PROXY,
		.carries_udp = true, .carries_bind = true,
		.carries_ipv6 = true, .carries_names = true,
		.pipelines = true,
		.steps = &socks5_steps,
		.refuse_command = "SOCKS5 has no such command",
	},
	{
		.name = "http", .protocol = "HTTP",
		.default_port = CONFIG_DEFAULT_PORT,
		.resolver = PROXYKIND_RESOLVES_PROXY,
		.carries_ipv6 = true, .carries_names = true,
		.steps = &httpconnect_steps,
		.refuse_command = "an HTTP proxy carries only CONNECT tunnels, no BIND",
		.refuse_udp = "an HTTP proxy has no UDP",
	},
};

/* The row of the default URL's kind (CONFIG_DEFAULT_URL: socks5h). */
#define PROXYKIND_DEFAULT 3

/* How the configuration records each row: its version, remote DNS. */
static const struct {
	int version;
	bool remote_dns;
} proxykind_config[SX_ARRAY_LEN(proxykind_table)] = {
	{ 4, false }, { 4, true }, { 5, false }, { 5, true },
	{ CONFIG_HTTP_CONNECT, true },
};

const struct proxykind *
proxykind_of(const struct config_proxy *p)
{
	for (size_t i = 0; i < SX_ARRAY_LEN(proxykind_table); i++)
		if (proxykind_config[i].version == p->version &&
		    proxykind_config[i].remote_dns == p->remote_dns)
			return &proxykind_table[i];
	return &proxykind_table[PROXYKIND_DEFAULT];
}

const struct proxykind *
proxykind_find(const char *scheme, size_t len)
{
	for (size_t i = 0; i < SX_ARRAY_LEN(proxykind_table); i++) {
		const char *name = proxykind_table[i].name;

		if (strlen(name) == len && strncasecmp(name, scheme, len) == 0)
			return &proxykind_table[i];
	}
	return NULL;
}

bool
proxykind_resolves_remotely(const struct proxykind *k)
{
	return k->resolver == PROXYKIND_RESOLVES_PROXY;
}

bool
proxykind_can_carry(const struct proxykind *k, uint8_t cmd, uint8_t atyp,
		    int *err, const char **why)
{
	bool cmd_ok;

	switch (cmd) {
	case SOCKS5_CMD_CONNECT:
		cmd_ok = true;
		break;
	case SOCKS5_CMD_BIND:
		cmd_ok = k->carries_bind;
		break;
	case SOCKS5_CMD_UDP_ASSOCIATE:
		cmd_ok = k->carries_udp;
		break;
	default:
		cmd_ok = false;
		break;
	}
	*err = -EOPNOTSUPP;
	*why = cmd == SOCKS5_CMD_UDP_ASSOCIATE && k->refuse_udp ? k->refuse_udp :
								  k->refuse_command;
	if (!cmd_ok)
		return false;
	*err = -EAFNOSUPPORT;
	*why = k->refuse_ipv6;
	if (atyp == SX_ATYP_IPV6 && !k->carries_ipv6)
		return false;
	*why = k->refuse_names;
	if (atyp == SX_ATYP_DOMAIN && !k->carries_names)
		return false;
	*err = 0;
	*why = NULL;
	return true;
}

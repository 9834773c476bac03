/*
 * The grammar of each simple kind of knob.  Words compare without ASCII
 * case; numbers are plain decimal; a fake range must be a whole CIDR
 * block of a size the fake-IP map can use, clear of the blocks a program
 * reaches for real (loopback, multicast, IPv4-mapped addresses).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "cidr.h"
#include "knobval.h"
#include "text.h"

#define KNOBVAL_TIMEOUT_MAX_S 3600
#define KNOBVAL_TIMEOUT_MAX_MS (KNOBVAL_TIMEOUT_MAX_S * 1000)
#define KNOBVAL_FAKE_PREFIX_MIN 8
#define KNOBVAL_FAKE_PREFIX_MAX 30
#define KNOBVAL_FAKE_PREFIX6_MIN 8
#define KNOBVAL_FAKE_PREFIX6_MAX 120

/* A fixed block that a fake range must not overlap. */
struct knobval_block {
	uint8_t addr[16];
	uint8_t prefix;
	const char *what;
};

static const struct knobval_block knobval_fake_forbidden[] = {
	{ { 0 }, 8, "0.0.0.0/8" },
	{ { 127 }, 8, "loopback 127.0.0.0/8" },
	{ { 224 }, 3, "multicast and reserved space 224.0.0.0/3" },
};

static const struct knobval_block knobval_fake6_forbidden[] = {
	{ { [15] = 1 }, 128, "loopback ::1" },
	{ { [10] = 0xff, [11] = 0xff }, 96, "IPv4-mapped ::ffff:0:0/96" },
	{ { 0xff }, 8, "multicast ff00::/8" },
};

/* The words of a log level, in the order of enum log_level. */
static const char *const knobval_levels[] = { "none", "error", "warn", "info",
					      "debug" };
static const char *const knobval_no[] = { "0", "no", "off", "false" };
static const char *const knobval_yes[] = { "1", "yes", "on", "true" };

static int
parse_level(const char *v, int *out, char *why, size_t whylen)
{
	size_t n = strlen(v);

	if (n == 1 && v[0] >= '0' && v[0] <= '4') {
		*out = v[0] - '0';
		return 0;
	}
	for (size_t i = 0; i < SX_ARRAY_LEN(knobval_levels); i++) {
		if (text_word_is(v, n, knobval_levels[i])) {
			*out = (int)i;
			return 0;
		}
	}
	text_set_err(why, whylen,
		     "is not a log level (none, error, warn, info, debug or 0-4)");
	return -EINVAL;
}

/*
 * Seconds with an optional decimal fraction, rounded up to whole
 * milliseconds, more than 0 and at most an hour.
 */
static int
parse_seconds(const char *s, int *ms, char *why, size_t whylen)
{
	unsigned long whole = 0, frac = 0, total;
	bool digits = false, beyond = false;
	unsigned int frac_digits = 0;
	size_t i = 0;

	for (; text_is_digit(s[i]); i++) {
		digits = true;
		if (whole <= KNOBVAL_TIMEOUT_MAX_S)
			whole = whole * 10 + (unsigned long)(s[i] - '0');
	}
	if (s[i] == '.') {
		for (i++; text_is_digit(s[i]); i++) {
			digits = true;
			if (frac_digits < 3) {
				frac = frac * 10 + (unsigned long)(s[i] - '0');
				frac_digits++;
			} else if (s[i] != '0') {
				beyond = true;
			}
		}
	}
	if (!digits || s[i] != '\0') {
		text_set_err(why, whylen,
			     "is not a number of seconds (such as 10 or 2.5)");
		return -EINVAL;
	}
	for (; frac_digits < 3; frac_digits++)
		frac *= 10;
	total = whole * 1000 + frac + (beyond ? 1 : 0);
	if (whole > KNOBVAL_TIMEOUT_MAX_S || total == 0 ||
	    total > KNOBVAL_TIMEOUT_MAX_MS) {
		text_set_err(why, whylen,
			     "out of range (more than 0, at most 3600 seconds)");
		return -EINVAL;
	}
	*ms = (int)total;
	return 0;
}

static int
parse_bool(const char *v, bool *out, char *why, size_t whylen)
{
	size_t n = strlen(v);

	for (size_t i = 0; i < SX_ARRAY_LEN(knobval_no); i++) {
		if (text_word_is(v, n, knobval_no[i])) {
			*out = false;
			return 0;
		}
		if (text_word_is(v, n, knobval_yes[i])) {
			*out = true;
			return 0;
		}
	}
	text_set_err(why, whylen,
		     "is not a boolean (use 0/1, no/yes, off/on or false/true)");
	return -EINVAL;
}

/* "auto" (kept as 2) or a boolean (0 or 1). */
static int
parse_autobool(const char *v, int *out, char *why, size_t whylen)
{
	bool on;

	if (text_word_is(v, strlen(v), "auto")) {
		*out = 2;
		return 0;
	}
	if (parse_bool(v, &on, NULL, 0) < 0) {
		text_set_err(why, whylen, "is not auto or a boolean "
			     "(use auto, 0/1, no/yes, off/on or false/true)");
		return -EINVAL;
	}
	*out = on ? 1 : 0;
	return 0;
}

/* One of up to four words, kept as its index; the error lists them all. */
static int
parse_choice(const char *v, const char *const words[4], int *out, char *why,
	     size_t whylen)
{
	size_t n = strlen(v);
	int count = 0;

	for (int i = 0; i < 4 && words[i] != NULL; i++) {
		count++;
		if (text_word_is(v, n, words[i])) {
			*out = i;
			return 0;
		}
	}
	if (count == 2)
		text_set_err(why, whylen, "is not %s or %s", words[0], words[1]);
	else if (count == 3)
		text_set_err(why, whylen, "is not %s, %s or %s", words[0], words[1],
			     words[2]);
	else
		text_set_err(why, whylen, "is not %s, %s, %s or %s", words[0],
			     words[1], words[2], words[3]);
	return -EINVAL;
}

/*
 * A fake range: "address/prefix" of the family, prefix in [min, max], no
 * host bits, overlapping none of the forbidden blocks.
 */
static int
parse_range(const char *s, int family, uint8_t *net, uint8_t *prefix,
	    char *why, size_t whylen)
{
	bool v4 = family == AF_INET;
	size_t alen = v4 ? 4 : 16;
	unsigned int min =
		v4 ? KNOBVAL_FAKE_PREFIX_MIN : KNOBVAL_FAKE_PREFIX6_MIN;
	unsigned int max =
		v4 ? KNOBVAL_FAKE_PREFIX_MAX : KNOBVAL_FAKE_PREFIX6_MAX;
	const struct knobval_block *forbidden =
		v4 ? knobval_fake_forbidden : knobval_fake6_forbidden;
	size_t nforbidden = v4 ? SX_ARRAY_LEN(knobval_fake_forbidden) :
				 SX_ARRAY_LEN(knobval_fake6_forbidden);
	uint8_t addr[16], masked[16];
	const char *slash = strchr(s, '/');
	unsigned int bits;

	if (slash == NULL ||
	    !cidr_parse_addr(family, s, (size_t)(slash - s), addr) ||
	    text_parse_prefix(slash + 1, strlen(slash + 1), 128, &bits)) {
		text_set_err(why, whylen, "is not an %s CIDR block such as %s",
			     v4 ? "IPv4" : "IPv6",
			     v4 ? CONFIG_DEFAULT_FAKE_NET :
				  CONFIG_DEFAULT_FAKE_NET6);
		return -EINVAL;
	}
	if (bits < min || bits > max) {
		text_set_err(why, whylen,
			     "has prefix length /%u, out of range %u-%u", bits,
			     min, max);
		return -EINVAL;
	}
	memcpy(masked, addr, alen);
	cidr_mask_host_bits(masked, alen, bits);
	if (memcmp(masked, addr, alen) != 0) {
		text_set_err(why, whylen, "has host bits set after /%u", bits);
		return -EINVAL;
	}
	for (size_t i = 0; i < nforbidden; i++) {
		const struct knobval_block *b = &forbidden[i];

		if (cidr_prefix_equal(addr, b->addr,
				      bits < b->prefix ? bits : b->prefix)) {
			text_set_err(why, whylen, "overlaps %s", b->what);
			return -EINVAL;
		}
	}
	memcpy(net, addr, alen);
	*prefix = (uint8_t)bits;
	return 0;
}

/* A name: 1-255 printable ASCII bytes without spaces, kept as a string. */
static int
parse_name(const char *v, char *field, char *why, size_t whylen)
{
	size_t n = strlen(v);

	if (n == 0 || n > CONFIG_GSS_SERVICE_MAX) {
		text_set_err(why, whylen, "is not a name of 1 to %d bytes",
			     CONFIG_GSS_SERVICE_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < n; i++) {
		if (v[i] <= ' ' || v[i] > '~') {
			text_set_err(why, whylen, "holds a space or a byte that "
				     "is not printable ASCII");
			return -EINVAL;
		}
	}
	memcpy(field, v, n + 1);
	return 0;
}

int
knobval_parse(const struct knobs_knob *k, const char *v, struct config *cfg,
	      char *why, size_t whylen)
{
	char *field = (char *)cfg + k->field;
	uint8_t *prefix = (uint8_t *)cfg + k->field_prefix;

	switch (k->kind) {
	case KNOBS_LEVEL:
		return parse_level(v, (int *)field, why, whylen);
	case KNOBS_SECONDS:
		return parse_seconds(v, (int *)field, why, whylen);
	case KNOBS_BOOL:
		return parse_bool(v, (bool *)field, why, whylen);
	case KNOBS_AUTOBOOL:
		return parse_autobool(v, (int *)field, why, whylen);
	case KNOBS_CHOICE:
		return parse_choice(v, k->words, (int *)field, why, whylen);
	case KNOBS_RANGE4:
		return parse_range(v, AF_INET, (uint8_t *)field, prefix, why,
				   whylen);
	case KNOBS_RANGE6:
		return parse_range(v, AF_INET6, (uint8_t *)field, prefix, why,
				   whylen);
	case KNOBS_NAME:
		return parse_name(v, field, why, whylen);
	default:
		text_set_err(why, whylen, "is not a value of a simple knob");
		return -EINVAL;
	}
}

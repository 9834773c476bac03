/*
 * RFC 1961 message framing (see gssframe.h).
 */
#include <errno.h>
#include <string.h>

#include "gssframe.h"

ssize_t
gssframe_encode(uint8_t *buf, size_t cap, uint8_t mtyp, const uint8_t *token,
		size_t len)
{
	size_t n = 0;

	if (mtyp == GSSFRAME_ABORT || (token == NULL && len > 0) || buf == NULL)
		return -EINVAL;
	if (len > GSSFRAME_TOKEN_MAX)
		return -EMSGSIZE;
	if (cap < GSSFRAME_HEAD + len)
		return -ENOSPC;
	buf[n++] = GSSFRAME_VERSION;
	buf[n++] = mtyp;
	buf[n++] = (uint8_t)(len >> 8);
	buf[n++] = (uint8_t)(len & 0xff);
	if (len > 0)
		memcpy(buf + n, token, len);
	return (ssize_t)(n + len);
}

size_t
gssframe_need(const uint8_t *buf, size_t len)
{
	if (len < 2)
		return 2;
	if (buf[1] == GSSFRAME_ABORT)
		return 2;
	if (len < GSSFRAME_HEAD)
		return GSSFRAME_HEAD;
	return GSSFRAME_HEAD + (((size_t)buf[2] << 8) | buf[3]);
}

ssize_t
gssframe_decode(const uint8_t *buf, size_t len, uint8_t want,
		struct gssframe *f)
{
	size_t tlen;

	if (f == NULL)
		return -EINVAL;
	memset(f, 0, sizeof(*f));
	if (len >= 1 && buf[0] != GSSFRAME_VERSION)
		return -EPROTO;
	if (len < 2)
		return 0;
	if (buf[1] == GSSFRAME_ABORT) {
		f->mtyp = GSSFRAME_ABORT;
		return 2;
	}
	if (buf[1] != want)
		return -EPROTO;
	if (len < GSSFRAME_HEAD)
		return 0;
	tlen = ((size_t)buf[2] << 8) | buf[3];
	if (len < GSSFRAME_HEAD + tlen)
		return 0;
	f->mtyp = buf[1];
	f->len = (uint16_t)tlen;
	f->token = buf + GSSFRAME_HEAD;
	return (ssize_t)(GSSFRAME_HEAD + tlen);
}

const char *
gssframe_level_name(uint8_t level)
{
	switch (level) {
	case GSSFRAME_LEVEL_CLEAR:
		return "no protection";
	case GSSFRAME_LEVEL_INTEGRITY:
		return "integrity";
	case GSSFRAME_LEVEL_CONFIDENTIALITY:
		return "confidentiality";
	case GSSFRAME_LEVEL_SELECTIVE:
		return "selective per-message protection";
	default:
		return "an unknown protection level";
	}
}

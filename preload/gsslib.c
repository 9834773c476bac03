/*
 * The GSS-API calls of the SOCKS5 GSSAPI method (core/socks5_gssapi.h),
 * made through libgssapi_krb5.so.2, which is opened on the first call:
 * the program pays for it only when the proxy selects GSSAPI.  A library
 * that cannot be loaded, or lacks a function, fails that call (and every
 * later one) with one line that says which.  The credentials are the
 * user's: the Kerberos credential cache (KRB5CCNAME, kinit).  Only the
 * types come from <gssapi/gssapi.h>; nothing is linked.
 *
 * Every call holds the re-entrancy guard, whoever called us (a readiness
 * hook steps handshakes without it): what the Kerberos library does on
 * its own -- reading krb5.conf, asking the KDC for a service ticket over
 * UDP or TCP, polling -- goes straight to the C library, never back into
 * the proxy.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <gssapi/gssapi.h>
#include <gssapi/gssapi_krb5.h>

#include "gsslib.h"
#include "preload.h"
#include "text.h"

#define GSSLIB_SONAME "libgssapi_krb5.so.2"

struct gsslib_fns {
	OM_uint32 (*import_name)(OM_uint32 *, gss_buffer_t, gss_OID, gss_name_t *);
	OM_uint32 (*release_name)(OM_uint32 *, gss_name_t *);
	OM_uint32 (*init_sec_context)(OM_uint32 *, gss_cred_id_t, gss_ctx_id_t *,
				      gss_name_t, gss_OID, OM_uint32, OM_uint32,
				      gss_channel_bindings_t, gss_buffer_t,
				      gss_OID *, gss_buffer_t, OM_uint32 *,
				      OM_uint32 *);
	OM_uint32 (*wrap)(OM_uint32 *, gss_ctx_id_t, int, gss_qop_t, gss_buffer_t,
			  int *, gss_buffer_t);
	OM_uint32 (*unwrap)(OM_uint32 *, gss_ctx_id_t, gss_buffer_t, gss_buffer_t,
			    int *, gss_qop_t *);
	OM_uint32 (*release_buffer)(OM_uint32 *, gss_buffer_t);
	OM_uint32 (*delete_sec_context)(OM_uint32 *, gss_ctx_id_t *, gss_buffer_t);
	OM_uint32 (*display_status)(OM_uint32 *, OM_uint32, int, gss_OID,
				    OM_uint32 *, gss_buffer_t);
	gss_OID *nt_hostbased_service;
	gss_OID *nt_principal_name;
};

static struct gsslib_fns gsslib;
static char gsslib_error[200];	/* why loading failed, empty when it did not */
static pthread_once_t gsslib_once = PTHREAD_ONCE_INIT;

/* The library's symbols, by name, into the table. */
static const struct {
	const char *name;
	size_t off;
} gsslib_syms[] = {
	{ "gss_import_name", offsetof(struct gsslib_fns, import_name) },
	{ "gss_release_name", offsetof(struct gsslib_fns, release_name) },
	{ "gss_init_sec_context", offsetof(struct gsslib_fns, init_sec_context) },
	{ "gss_wrap", offsetof(struct gsslib_fns, wrap) },
	{ "gss_unwrap", offsetof(struct gsslib_fns, unwrap) },
	{ "gss_release_buffer", offsetof(struct gsslib_fns, release_buffer) },
	{ "gss_delete_sec_context", offsetof(struct gsslib_fns, delete_sec_context) },
	{ "gss_display_status", offsetof(struct gsslib_fns, display_status) },
	{ "GSS_C_NT_HOSTBASED_SERVICE", offsetof(struct gsslib_fns, nt_hostbased_service) },
	{ "GSS_KRB5_NT_PRINCIPAL_NAME", offsetof(struct gsslib_fns, nt_principal_name) },
};

static void
gsslib_load(void)
{
	struct gsslib_fns fns;
	const char *err;
	void *h;

	h = dlopen(GSSLIB_SONAME, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		err = dlerror();
		snprintf(gsslib_error, sizeof(gsslib_error),
			 "cannot load the GSS-API library %s: %s", GSSLIB_SONAME,
			 err ? err : "unknown error");
		return;
	}
	for (size_t i = 0; i < SX_ARRAY_LEN(gsslib_syms); i++) {
		void *p = dlsym(h, gsslib_syms[i].name);

		if (p == NULL) {
			snprintf(gsslib_error, sizeof(gsslib_error),
				 "the GSS-API library %s lacks %s", GSSLIB_SONAME,
				 gsslib_syms[i].name);
			return;
		}
		memcpy((char *)&fns + gsslib_syms[i].off, &p, sizeof(p));
	}
	/* The library stays loaded: contexts may outlive any one caller. */
	gsslib = fns;
}

/* 0 when the library is there, else -ENOPROTOOPT with why filled. */
static int
gsslib_ready(char *why, size_t whylen)
{
	pthread_once(&gsslib_once, gsslib_load);
	if (gsslib_error[0] == '\0')
		return 0;
	text_set_err(why, whylen, "%s", gsslib_error);
	return -ENOPROTOOPT;
}

/* Append the text of status (of type kind) to buf at *n. */
static void
gsslib_status_text(char *buf, size_t len, size_t *n, OM_uint32 status, int kind)
{
	OM_uint32 minor, more = 0;
	gss_buffer_desc text;

	do {
		if (GSS_ERROR(gsslib.display_status(&minor, status, kind,
						    GSS_C_NO_OID, &more, &text)))
			return;
		/*
		 * MIT's mechanism gives some failures (a bad MIC) a minor status
		 * whose text is the C library's "Success": it says nothing.
		 */
		if (kind == GSS_C_MECH_CODE && text.length == 7 &&
		    memcmp(text.value, "Success", 7) == 0) {
			gsslib.release_buffer(&minor, &text);
			break;
		}
		if (*n < len) {
			int w = snprintf(buf + *n, len - *n, "%s%.*s",
					 *n > 0 ? ": " : "", (int)text.length,
					 (const char *)text.value);

			*n += w > 0 ? (size_t)w : 0;
		}
		gsslib.release_buffer(&minor, &text);
	} while (more != 0);
}

/*
 * Fill why with what failed and the major and minor status text; the
 * -errno: -EACCES for credentials the library refused, -EPROTO else.
 */
static int
gsslib_fail(const char *what, OM_uint32 major, OM_uint32 minor, char *why,
	    size_t whylen)
{
	char text[SOCKS5_GSSAPI_WHY];
	size_t n = 0;

	text[0] = '\0';
	gsslib_status_text(text, sizeof(text), &n, major, GSS_C_GSS_CODE);
	if (minor != 0)
		gsslib_status_text(text, sizeof(text), &n, minor, GSS_C_MECH_CODE);
	text_set_err(why, whylen, "%s failed: %s", what, text);
	switch (GSS_ROUTINE_ERROR(major)) {
	case GSS_S_NO_CRED:
	case GSS_S_CREDENTIALS_EXPIRED:
	case GSS_S_DEFECTIVE_CREDENTIAL:
	case GSS_S_BAD_NAME:
		return -EACCES;
	default:
		return -EPROTO;
	}
}

/* Copy a GSS buffer into out and release it. */
static int
gsslib_take(gss_buffer_t buf, uint8_t *out, size_t cap, size_t *out_len,
	    char *why, size_t whylen)
{
	OM_uint32 minor;
	int rc = 0;

	*out_len = 0;
	if (buf->length > cap) {
		text_set_err(why, whylen, "GSS-API token of %zu bytes is too long",
			     buf->length);
		rc = -EMSGSIZE;
	} else if (buf->length > 0) {
		memcpy(out, buf->value, buf->length);
		*out_len = buf->length;
	}
	if (buf->value != NULL) {
		explicit_bzero(buf->value, buf->length);
		gsslib.release_buffer(&minor, buf);
	}
	return rc;
}

static int
gsslib_init_guarded(void **ctx, const char *target, bool principal,
		    const uint8_t *in, size_t in_len, uint8_t *out, size_t cap,
		    size_t *out_len, char *why, size_t whylen)
{
	gss_buffer_desc name_buf, in_buf, out_buf = GSS_C_EMPTY_BUFFER;
	gss_ctx_id_t c = *ctx;
	gss_name_t name = GSS_C_NO_NAME;
	OM_uint32 major, minor, ignored, flags = 0;
	int rc;

	*out_len = 0;
	rc = gsslib_ready(why, whylen);
	if (rc < 0)
		return rc;
	name_buf.value = (void *)target;
	name_buf.length = strlen(target);
	major = gsslib.import_name(&minor, &name_buf, principal ?
				   *gsslib.nt_principal_name :
				   *gsslib.nt_hostbased_service, &name);
	if (GSS_ERROR(major))
		return gsslib_fail("GSS-API name of the proxy", major, minor, why,
				   whylen);
	in_buf.value = (void *)in;
	in_buf.length = in_len;
	major = gsslib.init_sec_context(&minor, GSS_C_NO_CREDENTIAL, &c, name,
					GSS_C_NO_OID,
					GSS_C_MUTUAL_FLAG | GSS_C_INTEG_FLAG |
					GSS_C_CONF_FLAG, 0,
					GSS_C_NO_CHANNEL_BINDINGS,
					in_len > 0 ? &in_buf : GSS_C_NO_BUFFER,
					NULL, &out_buf, &flags, NULL);
	*ctx = c;
	gsslib.release_name(&ignored, &name);
	if (GSS_ERROR(major)) {
		gsslib.release_buffer(&ignored, &out_buf);
		return gsslib_fail("GSSAPI authentication", major, minor, why,
				   whylen);
	}
	rc = gsslib_take(&out_buf, out, cap, out_len, why, whylen);
	if (rc < 0)
		return rc;
	return (major & GSS_S_CONTINUE_NEEDED) ? 1 : 0;
}

static int
gsslib_wrap_guarded(void *ctx, bool conf, const uint8_t *in, size_t len,
		    uint8_t *out, size_t cap, size_t *out_len, char *why,
		    size_t whylen)
{
	gss_buffer_desc in_buf, out_buf = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;
	int rc, conf_state = 0;

	rc = gsslib_ready(why, whylen);
	if (rc < 0)
		return rc;
	in_buf.value = (void *)in;
	in_buf.length = len;
	major = gsslib.wrap(&minor, ctx, conf, GSS_C_QOP_DEFAULT, &in_buf,
			    &conf_state, &out_buf);
	if (GSS_ERROR(major))
		return gsslib_fail("gss_wrap", major, minor, why, whylen);
	/* A mechanism that could not encrypt must not send the bytes signed only. */
	if (conf && !conf_state) {
		gsslib.release_buffer(&minor, &out_buf);
		text_set_err(why, whylen, "gss_wrap did not apply confidentiality");
		return -EPROTO;
	}
	return gsslib_take(&out_buf, out, cap, out_len, why, whylen);
}

static int
gsslib_unwrap_guarded(void *ctx, const uint8_t *in, size_t len,
		      uint8_t *out, size_t cap, size_t *out_len, bool *conf,
		      char *why, size_t whylen)
{
	gss_buffer_desc in_buf, out_buf = GSS_C_EMPTY_BUFFER;
	OM_uint32 major, minor;
	int rc, conf_state = 0;

	rc = gsslib_ready(why, whylen);
	if (rc < 0)
		return rc;
	in_buf.value = (void *)in;
	in_buf.length = len;
	major = gsslib.unwrap(&minor, ctx, &in_buf, &out_buf, &conf_state, NULL);
	if (GSS_ERROR(major))
		return gsslib_fail("gss_unwrap", major, minor, why, whylen);
	if (conf != NULL)
		*conf = conf_state != 0;
	return gsslib_take(&out_buf, out, cap, out_len, why, whylen);
}

static void
gsslib_drop_guarded(void **ctx)
{
	gss_ctx_id_t c = *ctx;
	OM_uint32 minor;

	if (c != GSS_C_NO_CONTEXT && gsslib_error[0] == '\0')
		gsslib.delete_sec_context(&minor, &c, GSS_C_NO_BUFFER);
	*ctx = NULL;
}

static int
gsslib_init(void **ctx, const char *target, bool principal, const uint8_t *in,
	    size_t in_len, uint8_t *out, size_t cap, size_t *out_len, char *why,
	    size_t whylen)
{
	int rc;

	sx_enter();
	rc = gsslib_init_guarded(ctx, target, principal, in, in_len, out, cap,
				 out_len, why, whylen);
	sx_leave();
	return rc;
}

static int
gsslib_wrap(void *ctx, bool conf, const uint8_t *in, size_t len, uint8_t *out,
	    size_t cap, size_t *out_len, char *why, size_t whylen)
{
	int rc;

	sx_enter();
	rc = gsslib_wrap_guarded(ctx, conf, in, len, out, cap, out_len, why,
				 whylen);
	sx_leave();
	return rc;
}

static int
gsslib_unwrap(void *ctx, const uint8_t *in, size_t len, uint8_t *out,
	      size_t cap, size_t *out_len, bool *conf, char *why, size_t whylen)
{
	int rc;

	sx_enter();
	rc = gsslib_unwrap_guarded(ctx, in, len, out, cap, out_len, conf, why,
				   whylen);
	sx_leave();
	return rc;
}

static void
gsslib_drop(void **ctx)
{
	sx_enter();
	gsslib_drop_guarded(ctx);
	sx_leave();
}

const struct socks5_gssapi_ops gsslib_ops = {
	.init = gsslib_init,
	.wrap = gsslib_wrap,
	.unwrap = gsslib_unwrap,
	.drop = gsslib_drop,
};

/*
 * The proxy URL given on the command line or in a file.  A password on a
 * command line can be read by every user (ps), so -p draws a warning and
 * --proxy-file refuses a file others can read; nothing here ever prints
 * the user or the password.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "out.h"
#include "proxyarg.h"

/* The longest proxy file read: far more than any valid URL needs. */
#define PROXYARG_FILE_MAX 4096

/* The part after the first "://", or the whole URL without one. */
/*
 * The next URL of a list separated by commas, from *pos: its start and
 * length, without the blanks around it; false after the last.
 */
static bool
next_url(const char **pos, const char **url, size_t *n)
{
	const char *s = *pos, *comma;

	if (s == NULL)
		return false;
	comma = strchr(s, ',');
	*n = comma ? (size_t)(comma - s) : strlen(s);
	*pos = comma ? comma + 1 : NULL;
	while (*n > 0 && (s[0] == ' ' || s[0] == '\t')) {
		s++;
		(*n)--;
	}
	while (*n > 0 && (s[*n - 1] == ' ' || s[*n - 1] == '\t'))
		(*n)--;
	*url = s;
	return true;
}

/* The "://" in the URL of n bytes, or NULL. */
static const char *
find_scheme_end(const char *url, size_t n)
{
	for (size_t i = 0; i + 3 <= n; i++) {
		if (url[i] == ':' && url[i + 1] == '/' && url[i + 2] == '/')
			return url + i;
	}
	return NULL;
}

/* Does the URL of n bytes hold a password? */
static bool
url_has_password(const char *url, size_t n)
{
	const char *sep = find_scheme_end(url, n);
	const char *rest = sep ? sep + 3 : url;
	const char *at = NULL;

	/* The last '@' ends the user part, as the library reads it. */
	for (const char *p = rest; p < url + n; p++) {
		if (*p == '@')
			at = p;
	}
	if (!at)
		return false;
	return memchr(rest, ':', (size_t)(at - rest)) != NULL;
}

bool
proxyarg_has_password(const char *list)
{
	const char *pos = list, *url;
	size_t n;

	while (next_url(&pos, &url, &n)) {
		if (url_has_password(url, n))
			return true;
	}
	return false;
}

/* Append n bytes of s to buf (length *len, size size, kept terminated). */
static void
append(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
	if (*len >= size)
		return;
	if (n > size - 1 - *len)
		n = size - 1 - *len;
	memcpy(buf + *len, s, n);
	*len += n;
	buf[*len] = '\0';
}

/* Is the port shown: only digits, at most five of them? */
static bool
port_is_shown(const char *port, size_t n)
{
	if (n > 5)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (port[i] < '0' || port[i] > '9')
			return false;
	}
	return true;
}

/* Append the URL of url_len bytes to buf without its user and password. */
static void
redact_one(const char *url, size_t url_len, char *buf, size_t size, size_t *lenp)
{
	const char *sep = find_scheme_end(url, url_len);
	const char *rest, *end, *at = NULL, *host, *port = NULL;
	size_t len = *lenp, host_len, port_len = 0;

	if (!sep) {
		append(buf, size, &len, "(not a URL)", 11);
		*lenp = len;
		return;
	}
	rest = sep + 3;
	/* Without an '@', "user:password" reads as host:port. */
	for (const char *p = rest; p < url + url_len; p++) {
		if (*p == '@')
			at = p;
	}
	if (at)
		rest = at + 1;
	end = memchr(rest, '/', (size_t)(url + url_len - rest));
	if (!end)
		end = url + url_len;
	host = rest;
	host_len = (size_t)(end - rest);
	if (rest[0] == '[' && memchr(rest, ']', host_len)) {
		const char *close = memchr(rest, ']', host_len);

		host_len = (size_t)(close - rest) + 1;
		port = close + 1;
		if (port < end && *port == ':')
			port++;
		port_len = (size_t)(end - port);
	} else if (memchr(rest, ':', host_len)) {
		const char *colon = memchr(rest, ':', host_len);

		host_len = (size_t)(colon - rest);
		port = colon + 1;
		port_len = (size_t)(end - port);
	}
	append(buf, size, &len, url, (size_t)(sep - url));
	append(buf, size, &len, "://", 3);
	append(buf, size, &len, host, host_len);
	if (port_len > 0) {
		append(buf, size, &len, ":", 1);
		if (port_is_shown(port, port_len))
			append(buf, size, &len, port, port_len);
		else
			append(buf, size, &len, "(port not shown)", 16);
	}
	*lenp = len;
}

void
proxyarg_redact(const char *list, char *buf, size_t size)
{
	const char *pos = list, *url;
	size_t len = 0, n;
	bool first = true;

	if (size == 0)
		return;
	buf[0] = '\0';
	while (next_url(&pos, &url, &n)) {
		if (!first)
			append(buf, size, &len, ",", 1);
		redact_one(url, n, buf, size, &len);
		first = false;
	}
}

/* Does the value name a socks proxy: "socks...://..." in any case? */
static bool
is_socks_url(const char *val)
{
	return strncasecmp(val, "socks", 5) == 0 && strstr(val + 5, "://");
}

void
proxyarg_describe(char *buf, size_t size)
{
	static const char *const alt[] = { "ALL_PROXY", "all_proxy" };
	const char *val = getenv("SOCKS_PROXY");
	size_t len;

	if (val && val[0]) {
		proxyarg_redact(val, buf, size);
		len = strlen(buf);
		append(buf, size, &len, " (SOCKS_PROXY)", 14);
		return;
	}
	for (size_t i = 0; i < sizeof(alt) / sizeof(alt[0]); i++) {
		val = getenv(alt[i]);
		if (!val || !is_socks_url(val))
			continue;
		proxyarg_redact(val, buf, size);
		len = strlen(buf);
		append(buf, size, &len, " (", 2);
		append(buf, size, &len, alt[i], strlen(alt[i]));
		append(buf, size, &len, ")", 1);
		return;
	}
	len = 0;
	buf[0] = '\0';
	append(buf, size, &len, "socks5h://127.0.0.1:1080 (the default)", 38);
}

/* Exit 2 with "--proxy-file FILE: <why>". */
static noreturn void
file_error(const char *file, const char *why)
{
	out_die(OUT_USAGE, "--proxy-file ", file, ": ", why, (const char *)NULL);
}

/*
 * Read the whole file into buf (NUL-terminated); the byte count, or -errno;
 * -EFBIG when it holds more than size - 1 bytes.
 */
static ssize_t
read_all(int fd, char *buf, size_t size)
{
	size_t len = 0;

	for (;;) {
		ssize_t n = read(fd, buf + len, size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == size)
			return -EFBIG;
	}
	buf[len] = '\0';
	return (ssize_t)len;
}

/* Check the text of the file: one line, no white space, no NUL byte. */
static void
check_url_text(const char *file, const char *url, size_t len)
{
	if (len == 0)
		file_error(file, "is empty; it must hold one proxy URL");
	if (memchr(url, '\n', len))
		file_error(file, "holds more than one line; it must hold one proxy URL");
	for (size_t i = 0; i < len; i++) {
		if (strchr(" \t\v\f\r", url[i]) && url[i] != '\0')
			file_error(file, "the URL contains white space");
	}
	if (strlen(url) != len)
		file_error(file, "the URL contains a NUL byte");
}

void
proxyarg_read_file(const char *file)
{
	char url[PROXYARG_FILE_MAX + 1];
	struct stat st;
	ssize_t len;
	int fd;

	if (!file[0])
		out_usage("option --proxy-file needs a file name", (const char *)NULL);
	if (stat(file, &st) != 0) {
		if (errno == EACCES)
			file_error(file, "permission denied");
		file_error(file, "no such file");
	}
	if (S_ISDIR(st.st_mode))
		file_error(file, "is a directory");
	if (access(file, R_OK) != 0)
		file_error(file, "permission denied");
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		file_error(file, "cannot be read");
	len = read_all(fd, url, sizeof(url));
	if (len == -EFBIG)
		file_error(file, "is longer than 4096 bytes; it must hold one proxy URL");
	if (len < 0)
		file_error(file, "cannot be read");
	/* The permissions of what was read, not of whatever the name is now. */
	if (fstat(fd, &st) != 0)
		file_error(file, "cannot read its permissions");
	close(fd);
	/* Trailing newlines end the line; they are not part of the URL. */
	while (len > 0 && url[len - 1] == '\n')
		url[--len] = '\0';
	check_url_text(file, url, (size_t)len);
	if (proxyarg_has_password(url) && (st.st_mode & (S_IRGRP | S_IROTH))) {
		out_die(OUT_USAGE, "--proxy-file ", file,
			": holds a password but group or others can read it (chmod 600 ",
			file, ")", (const char *)NULL);
	}
	if (setenv("SOCKS_PROXY", url, 1) != 0)
		out_die(OUT_USAGE, "--proxy-file ", file, ": out of memory",
			(const char *)NULL);
}

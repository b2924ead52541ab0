/* http_status: libmicrohttpd daemon for /metrics, /api/status and the page.
 *
 * One internal polling thread serves every request, so the scratch
 * snapshot below is only ever touched by that thread. Output buffers are
 * allocated per request and handed to libmicrohttpd (MHD_RESPMEM_MUST_FREE).
 */
#include "http_status.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gcrypt.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "log.h"
#include "status_page.h"

#define METRICS_BUF0 (16u << 10)
#define JSON_BUF0 (64u << 10)
#define BUF_MAX (4u << 20)

struct http_status {
	struct MHD_Daemon *d;
	struct status *st;
	status_fill_fn fill;
	void *ctx;
	int started;                 /* __atomic: the logger's mode */
	char lasterr[160];           /* libmicrohttpd's message during start */
	char csp[256];
	struct metrics_snapshot snap;   /* the daemon thread's scratch */
};

const char *http_status_page(void)
{
	return STATUS_PAGE;
}

static void __attribute__((format(printf, 2, 0)))
mhd_log(void *cls, const char *fmt, va_list ap)
{
	struct http_status *h = cls;
	char msg[sizeof(h->lasterr)];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	msg[strcspn(msg, "\n")] = 0;
	if (!__atomic_load_n(&h->started, __ATOMIC_ACQUIRE))
		memcpy(h->lasterr, msg, sizeof(msg));
	else
		log_debug("http: %s", msg);   /* clients' bad requests: noise */
}

/* "ADDR:PORT", "[ADDR6]:PORT" or "PORT" (loopback: 127.0.0.1), numeric,
 * into ss. 0 or -EINVAL. */
static int parse_listen(const char *s, struct sockaddr_storage *ss,
			int *loopback)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *p, *port;
	size_t hl;
	unsigned long v = 0;
	int v6 = 0;

	if (!s || !*s)
		return -EINVAL;
	if (strspn(s, "0123456789") == strlen(s) && strlen(s) <= 5) {
		/* a port alone: loopback, the safe default for metrics */
		snprintf(host, sizeof(host), "127.0.0.1:%s", s);
		return parse_listen(host, ss, loopback);
	}
	if (s[0] == '[') {
		p = strchr(s, ']');
		if (!p || p[1] != ':')
			return -EINVAL;
		hl = (size_t)(p - s - 1);
		s++;
		port = p + 2;
		v6 = 1;
	} else {
		p = strrchr(s, ':');
		if (!p || memchr(s, ':', (size_t)(p - s)))
			return -EINVAL;    /* no port, or IPv6 without brackets */
		hl = (size_t)(p - s);
		port = p + 1;
	}
	if (hl == 0 || hl >= sizeof(host) || !*port || strlen(port) > 5)
		return -EINVAL;
	for (p = port; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(*p - '0');
	}
	if (v > 65535)
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = 0;
	memset(ss, 0, sizeof(*ss));
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (!v6 && inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)v);
		*loopback = (ntohl(a4->sin_addr.s_addr) >> 24) == 127;
		return 0;
	}
	if (v6 && inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)v);
		*loopback = IN6_IS_ADDR_LOOPBACK(&a6->sin6_addr) ||
			    (IN6_IS_ADDR_V4MAPPED(&a6->sin6_addr) &&
			     a6->sin6_addr.s6_addr[12] == 127);
		return 0;
	}
	return -EINVAL;
}

/* Content-Security-Policy allowing exactly the page's own script. */
static void make_csp(struct http_status *h)
{
	static const char b64[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char d[33] = { 0 };     /* one zero byte pads the last group */
	char e[48];
	size_t o = 0;

	gcry_check_version(NULL);
	gcry_md_hash_buffer(GCRY_MD_SHA256, d, STATUS_PAGE_SCRIPT,
			    sizeof(STATUS_PAGE_SCRIPT) - 1);
	for (int i = 0; i < 33; i += 3) {       /* 32 bytes: 43 chars + '=' */
		unsigned v = (unsigned)d[i] << 16 | (unsigned)d[i + 1] << 8 | d[i + 2];
		e[o++] = b64[v >> 18 & 63];
		e[o++] = b64[v >> 12 & 63];
		e[o++] = b64[v >> 6 & 63];
		e[o++] = b64[v & 63];
	}
	e[43] = '=';
	e[44] = 0;
	snprintf(h->csp, sizeof(h->csp),
		 "default-src 'none'; script-src 'sha256-%s'; "
		 "style-src 'unsafe-inline'; connect-src 'self'; img-src 'self'; "
		 "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
		 e);
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code,
			     const char *type, void *body, size_t len,
			     enum MHD_ResponseMemoryMode mode, const char *csp)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	if (code == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	if (csp) {
		MHD_add_response_header(r, "Content-Security-Policy", csp);
		MHD_add_response_header(r, "X-Frame-Options", "DENY");
		MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	}
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned code,
				  const char *text)
{
	return reply(c, code, "text/plain; charset=utf-8", (void *)text,
		     strlen(text), MHD_RESPMEM_PERSISTENT, NULL);
}

static void fill_snapshot(struct http_status *h)
{
	struct metrics_snapshot *m = &h->snap;

	memset(m, 0, sizeof(*m));
#ifdef VIGIA_VERSION
	snprintf(m->version, sizeof(m->version), "%s", VIGIA_VERSION);
#endif
	if (h->fill)
		h->fill(h->ctx, m);
	m->sensor[sizeof(m->sensor) - 1] = 0;
	m->version[sizeof(m->version) - 1] = 0;
	if (m->ndetectors > STATUS_MAX_DETECTORS)
		m->ndetectors = STATUS_MAX_DETECTORS;
	if (m->nworkers > STATUS_MAX_WORKERS)
		m->nworkers = STATUS_MAX_WORKERS;
}

/* Render with a growing buffer: render returns 0 when it does not fit. */
static enum MHD_Result reply_rendered(struct http_status *h,
				      struct MHD_Connection *c, const char *type,
				      size_t cap, int json)
{
	for (; cap <= BUF_MAX; cap *= 2) {
		char *buf = malloc(cap);
		size_t n;
		if (!buf)
			break;
		n = json ? status_json(h->st, buf, cap)
			 : status_prometheus(&h->snap, buf, cap);
		if (n)
			return reply(c, MHD_HTTP_OK, type, buf, n,
				     MHD_RESPMEM_MUST_FREE, NULL);
		free(buf);
	}
	return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "too large\n");
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_size, void **con_cls)
{
	struct http_status *h = cls;
	struct timespec ts;

	(void)version;
	(void)upload_data;
	/* Refused at once, before any body is read: libmicrohttpd then
	 * closes the connection rather than read what follows. */
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 &&
	    strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED,
				  "method not allowed\n");
	/* The first call has the headers only; answering on the second keeps
	 * the connection alive for the next request (a scraper's, a page's). */
	if (!*con_cls) {
		*con_cls = h;
		return MHD_YES;
	}
	if (*upload_size)
		return MHD_NO;          /* a GET with a body: drop the connection */
	if (strcmp(url, "/metrics") == 0) {
		fill_snapshot(h);
		return reply_rendered(h, c, "text/plain; version=0.0.4; charset=utf-8",
				      METRICS_BUF0, 0);
	}
	if (strcmp(url, "/api/status") == 0) {
		fill_snapshot(h);
		clock_gettime(CLOCK_REALTIME, &ts);
		status_sample(h->st, &h->snap, (double)ts.tv_sec + ts.tv_nsec / 1e9);
		return reply_rendered(h, c, "application/json", JSON_BUF0, 1);
	}
	if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0)
		return reply(c, MHD_HTTP_OK, "text/html; charset=utf-8",
			     (void *)STATUS_PAGE, sizeof(STATUS_PAGE) - 1,
			     MHD_RESPMEM_PERSISTENT, h->csp);
	return reply_text(c, MHD_HTTP_NOT_FOUND, "not found\n");
}

struct http_status *http_status_start(const char *listen, struct status *st,
				      status_fill_fn fill, void *ctx,
				      char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct http_status *h = NULL;
	int loopback = 0, e;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
			 MHD_USE_ITC | MHD_USE_ERROR_LOG;

	if (!st) {
		snprintf(err, errlen, "metrics: no status to serve");
		e = EINVAL;
		goto err;
	}
	if (parse_listen(listen, &ss, &loopback)) {
		snprintf(err, errlen, "metrics listen address '%s': want "
			 "PORT (loopback), IPv4:PORT or [IPv6]:PORT, numeric", listen ? listen : "");
		e = EINVAL;
		goto err;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "out of memory");
		e = ENOMEM;
		goto err;
	}
	h->st = st;
	h->fill = fill;
	h->ctx = ctx;
	make_csp(h);
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	errno = 0;
	h->d = MHD_start_daemon(
		flags, 0, NULL, NULL, on_request, h,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
		MHD_OPTION_CONNECTION_LIMIT, (unsigned)HTTP_STATUS_MAX_CONNECTIONS,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)HTTP_STATUS_TIMEOUT_S,
		MHD_OPTION_EXTERNAL_LOGGER, mhd_log, h,
		MHD_OPTION_END);
	if (!h->d) {
		e = errno ? errno : EIO;
		snprintf(err, errlen, "metrics on %s: %s", listen,
			 h->lasterr[0] ? h->lasterr : strerror(e));
		goto err;
	}
	__atomic_store_n(&h->started, 1, __ATOMIC_RELEASE);
	if (!loopback)
		log_warn("metrics and status page on %s, a non-loopback address, "
			 "without authentication", listen);
	return h;
err:
	free(h);
	errno = e;
	return NULL;
}

unsigned http_status_port(const struct http_status *h)
{
	const union MHD_DaemonInfo *i;

	if (!h || !h->d)
		return 0;
	i = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
	return i ? i->port : 0;
}

void http_status_stop(struct http_status *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	free(h);
}

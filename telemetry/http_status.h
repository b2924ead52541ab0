/* http_status: Prometheus metrics and the live status page over HTTP
 * (libmicrohttpd, one internal polling thread).
 *
 *   GET /metrics      text/plain; version=0.0.4   fill, status_prometheus
 *   GET /api/status   application/json            fill, status_sample,
 *                                                 status_json
 *   GET / /index.html the status page (status_page.h)
 *   anything else     404; a method other than GET or HEAD: 405;
 *                     a malformed request: 400 (libmicrohttpd's own)
 *
 * There is no authentication: bind to loopback (the default an owner
 * should offer) and reach it through an SSH tunnel or a reverse proxy.
 * Binding to another address is the operator's explicit choice; it is
 * logged as a warning.
 */
#ifndef VIGIA_HTTP_STATUS_H
#define VIGIA_HTTP_STATUS_H

#include <stddef.h>

#include "status.h"

#define HTTP_STATUS_MAX_CONNECTIONS 32
#define HTTP_STATUS_TIMEOUT_S 10     /* idle connection timeout */

struct http_status;

/* Serve on exactly `listen`: a numeric IPv4 address and port
 * ("127.0.0.1:9477") or a bracketed IPv6 one ("[::1]:9477"); port 0 picks
 * a free port (http_status_port tells which). Requests are served on the
 * daemon's thread: fill (may be NULL: zeros) is called there for every
 * /metrics and /api/status request, st must outlive the server. Returns
 * NULL with errno set (EINVAL: bad address or st NULL; EADDRINUSE,
 * EACCES, ...: the daemon could not start) and a reason in err. */
struct http_status *http_status_start(const char *listen, struct status *st,
				      status_fill_fn fill, void *ctx,
				      char *err, size_t errlen);

/* The bound port (useful after port 0), 0 if it cannot be read. */
unsigned http_status_port(const struct http_status *h);

/* Stop serving, close connections, join the thread, free. NULL: no-op. */
void http_status_stop(struct http_status *h);

/* The embedded page (NUL-terminated HTML). */
const char *http_status_page(void);

#endif

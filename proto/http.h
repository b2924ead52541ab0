/* http: HTTP/1.x transactions through libhtp (Suricata's parser), for the
 * detectors: per transaction, libhtp's anomaly flags and the answer code.
 *
 * libhtp wants each direction's bytes in order: a flow is fed while its
 * segments arrive in sequence (retransmissions skipped); a gap ends its
 * parsing. Parsers alive at once are bounded per worker, as are the bytes
 * parsed per flow: beyond either, a flow is simply not parsed (counted).
 */
#ifndef VIGIA_HTTP_H
#define VIGIA_HTTP_H

#include <stddef.h>
#include <stdint.h>

#define HTTP_NONE UINT32_MAX

/* A finished request or response. */
struct http_tx {
	int response;                 /* 0: request complete, 1: response */
	uint64_t flags;               /* libhtp HTP_* anomaly flags */
	int status;                   /* response code, 0 none */
	int invalid_line;             /* unparseable request/status line */
	char method[12];
	char uri[96];
	char host[64];
	int login;                    /* response: enum http_login */
};

/* What a response says of a login: a 401 or 407 anywhere; on a POST to a
 * login form (its path says login, logon, signin, auth or session), a 403
 * or a page saying the login failed ("failed", "invalid", "incorrect",
 * "wrong", "denied" in the first bytes of the body) is a failure, any other
 * 2xx/3xx answer a success. */
enum http_login { HTTP_LOGIN_NONE = 0, HTTP_LOGIN_FAILED, HTTP_LOGIN_OK };
int http_login_outcome(const char *method, const char *uri, int status, const char *body,
		       size_t body_len);

typedef void (*http_tx_fn)(void *ctx, const struct http_tx *tx);

struct http_pool;

struct http_stats {
	uint64_t parsed_flows, transactions, gaps, no_slot, limit;
};

struct http_pool *http_pool_create(unsigned max_alive, uint32_t max_bytes);
void http_pool_destroy(struct http_pool *p);

/* A parser for a flow (HTTP_NONE: none free). */
uint32_t http_open(struct http_pool *p);
/* Bytes of direction dir (0 client->server) at TCP sequence seq. Finished
 * transactions are reported through fn. Returns 0 while the flow is being
 * parsed, -1 when its parsing ended (gap, limit, error): the slot is free. */
int http_data(struct http_pool *p, uint32_t slot, int dir, uint32_t seq,
	      const uint8_t *data, size_t len, http_tx_fn fn, void *ctx);
void http_close(struct http_pool *p, uint32_t slot);
void http_get_stats(const struct http_pool *p, struct http_stats *s);

#endif

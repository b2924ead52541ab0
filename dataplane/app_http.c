/* app_http: HTTP/1.x through libhtp (proto/http.c) on the usual web ports
 * (the server's), for the HTTP detectors and failed logins. */
#include "worker_impl.h"
#include "../proto/auth.h"
#include "../proto/http.h"

#include <string.h>

#define HTTP_DONE (HTTP_NONE - 1) /* a flow parsed, or that never will be */

/* libhtp finished a request or a response of the flow in ctx. */
static void http_done(void *ctx, const struct http_tx *tx)
{
	struct det_call *c = ctx;
	struct det_flow df;
	struct det_call call;

	wk_det_call_init(c->w, &call, &df, c->f, c->m);
	struct det_http h = { .response = tx->response, .flags = tx->flags,
			      .status = tx->status, .invalid_line = tx->invalid_line,
			      .method = tx->method, .uri = tx->uri, .host = tx->host };
	detectors_http(&df, &h);
	if (tx->response && tx->login && c->w->feed) {
		/* a failed login (or one let in): the brute-force detector counts them */
		struct det_rec *r = wk_flow_rec(c->w, c->f, c->m, DR_AUTH, 0);
		if (r) {
			memset(&r->u.auth, 0, sizeof(r->u.auth));
			r->u.auth.service = AUTH_HTTP;
			r->u.auth.ok = tx->login == HTTP_LOGIN_OK;
			r->u.auth.count = 1;
			det_feed_commit(c->w->feed, r);
		}
	}
}

static void http_packet(struct worker *w, void *st, struct flow *f, struct flow_meta *m,
			const struct decoded *d, unsigned dir)
{
	struct http_pool *pool = st;

	if (f->http_slot == HTTP_NONE) {
		/* a request first, or this is not HTTP as libhtp reads it */
		f->http_slot = dir == 0 ? http_open(pool) : HTTP_NONE;
		if (f->http_slot == HTTP_NONE) {
			f->http_slot = HTTP_DONE;
			return;
		}
	}
	struct det_call c = { .w = w, .f = f, .m = m };
	if (http_data(pool, f->http_slot, (int)dir, d->tcp_seq, d->payload, d->payload_len,
		      http_done, &c) != 0)
		f->http_slot = HTTP_DONE;
}

static int http_match(const struct worker *w, const struct flow *f, const struct decoded *d,
		      unsigned dir)
{
	(void)w;
	(void)d;
	(void)dir;
	return f->http_slot != HTTP_DONE;
}

static int http_init(struct worker *w, void **st)
{
	(void)w;
	/* 4096 HTTP parsers alive per worker, 16 KiB parsed per flow: the
	 * requests and answers of a session (some 30 logins on one keep-alive
	 * connection), not bulk bodies */
	*st = http_pool_create(4096, 16 * 1024);
	return *st ? 0 : -1;
}

static void http_fini(void *st)
{
	http_pool_destroy(st);
}

static void http_flow_start(void *st, struct flow *f)
{
	(void)st;
	f->http_slot = HTTP_NONE;
	f->http_alerted = 0;
}

static void http_flow_end(struct worker *w, void *st, struct flow *f)
{
	(void)w;
	if (f->http_slot < HTTP_DONE) {
		http_close(st, f->http_slot);
		f->http_slot = HTTP_DONE;
	}
}

const struct app_layer al_http = {
	.name = "http",
	.l4 = 6,
	.flags = AL_FEED | AL_SERVER,
	.ports = { 80, 8080, 8000, 8008, 8081, 8888 },
	.match = http_match,
	.init = http_init,
	.fini = http_fini,
	.flow_start = http_flow_start,
	.packet = http_packet,
	.flow_end = http_flow_end,
};

#include "http.h"

#include <stdlib.h>
#include <string.h>

#include <htp/htp.h>

struct http_pool;

struct hslot {
	htp_connp_t *cp;
	struct http_pool *pool;
	uint32_t next_seq[2];
	uint8_t have_seq[2];
	uint32_t bytes;
	uint32_t next_free;
	http_tx_fn fn;                /* for the call being made */
	void *ctx;
	int stop;                     /* not HTTP after all: parse no further */
	char body[256];               /* the response body's first bytes */
	uint32_t body_len;
};

struct http_pool {
	htp_cfg_t *cfg;
	struct hslot *slots;
	unsigned n;
	uint32_t free_head;
	uint32_t max_bytes;
	struct http_stats st;
};

static void bcopy_str(char *dst, size_t cap, const bstr *b)
{
	size_t l = b ? bstr_len(b) : 0;

	if (l >= cap)
		l = cap - 1;
	if (l)
		memcpy(dst, bstr_ptr(b), l);
	dst[l] = 0;
}

static void report(htp_tx_t *tx, int response)
{
	struct hslot *s = htp_connp_get_user_data(tx->connp);
	struct http_tx t;

	if (!s || !s->fn)
		return;
	s->pool->st.transactions++;
	memset(&t, 0, sizeof(t));
	t.response = response;
	t.flags = tx->flags;
	if (response) {
		t.status = tx->response_status_number > 0 ? tx->response_status_number : 0;
		t.invalid_line = (tx->flags & HTP_STATUS_LINE_INVALID) != 0;
	} else {
		t.invalid_line = (tx->flags & HTP_REQUEST_INVALID) != 0 ||
				 tx->request_method_number == HTP_M_UNKNOWN ||
				 tx->is_protocol_0_9;
	}
	bcopy_str(t.method, sizeof(t.method), tx->request_method);
	bcopy_str(t.uri, sizeof(t.uri), tx->request_uri);
	bcopy_str(t.host, sizeof(t.host), tx->request_hostname);
	if (response) {
		t.login = http_login_outcome(t.method, t.uri, t.status, s->body, s->body_len);
		s->body_len = 0;
	}
	s->fn(s->ctx, &t);
	/* an invalid request line is reported once; what follows it is not
	 * HTTP libhtp can say more about, only slowly */
	if (t.invalid_line && !response)
		s->stop = 1;
}

/* Lower case ASCII substring of a bounded buffer. */
static int has_word(const char *b, size_t n, const char *w)
{
	size_t wl = strlen(w);
	for (size_t i = 0; i + wl <= n; i++) {
		size_t j = 0;
		while (j < wl && (b[i + j] | 0x20) == w[j])
			j++;
		if (j == wl)
			return 1;
	}
	return 0;
}

int http_login_outcome(const char *method, const char *uri, int status, const char *body,
		       size_t body_len)
{
	static const char *const form[] = { "login", "logon", "signin", "sign-in", "sign_in",
					    "auth", "session", NULL };
	static const char *const fail[] = { "fail", "invalid", "incorrect", "wrong", "denied",
					    "unauthori", NULL };
	if (status == 401 || status == 407)
		return HTTP_LOGIN_FAILED;
	if (strcmp(method, "POST"))
		return HTTP_LOGIN_NONE;
	const char *q = strchr(uri, '?');
	size_t plen = q ? (size_t)(q - uri) : strlen(uri);
	int is_form = 0;
	for (int i = 0; form[i] && !is_form; i++)
		is_form = has_word(uri, plen, form[i]);
	if (!is_form || status < 200 || status >= 500)
		return HTTP_LOGIN_NONE;
	if (status == 403)
		return HTTP_LOGIN_FAILED;
	if (status >= 400)
		return HTTP_LOGIN_NONE;
	for (int i = 0; fail[i]; i++)
		if (has_word(body, body_len, fail[i]))
			return HTTP_LOGIN_FAILED;
	return HTTP_LOGIN_OK;
}

static int on_body(htp_tx_data_t *d)
{
	struct hslot *s = htp_connp_get_user_data(d->tx->connp);
	if (s && d->data && s->body_len < sizeof(s->body)) {
		size_t n = sizeof(s->body) - s->body_len;
		if (n > d->len)
			n = d->len;
		memcpy(s->body + s->body_len, d->data, n);
		s->body_len += (uint32_t)n;
	}
	return HTP_OK;
}

static int on_request(htp_tx_t *tx)
{
	report(tx, 0);
	return HTP_OK;
}

static int on_response(htp_tx_t *tx)
{
	report(tx, 1);
	return HTP_OK;
}

struct http_pool *http_pool_create(unsigned max_alive, uint32_t max_bytes)
{
	struct http_pool *p = calloc(1, sizeof(*p));

	if (!p || !max_alive)
		goto err;
	p->n = max_alive;
	p->max_bytes = max_bytes;
	p->slots = calloc(max_alive, sizeof(*p->slots));
	p->cfg = htp_config_create();
	if (!p->slots || !p->cfg)
		goto err;
	htp_config_set_server_personality(p->cfg, HTP_SERVER_IDS);
	htp_config_register_request_complete(p->cfg, on_request);
	htp_config_register_response_complete(p->cfg, on_response);
	htp_config_register_response_body_data(p->cfg, on_body);
	htp_config_set_tx_auto_destroy(p->cfg, 1);
	for (unsigned i = 0; i < max_alive; i++)
		p->slots[i].next_free = i + 1 < max_alive ? i + 1 : HTTP_NONE;
	p->free_head = 0;
	return p;
err:
	http_pool_destroy(p);
	return NULL;
}

void http_pool_destroy(struct http_pool *p)
{
	if (!p)
		return;
	if (p->slots)
		for (unsigned i = 0; i < p->n; i++)
			if (p->slots[i].cp)
				htp_connp_destroy_all(p->slots[i].cp);
	free(p->slots);
	if (p->cfg)
		htp_config_destroy(p->cfg);
	free(p);
}

uint32_t http_open(struct http_pool *p)
{
	uint32_t i = p->free_head;

	if (i == HTTP_NONE) {
		p->st.no_slot++;
		return HTTP_NONE;
	}
	struct hslot *s = &p->slots[i];
	s->cp = htp_connp_create(p->cfg);
	if (!s->cp) {
		p->st.no_slot++;
		return HTTP_NONE;
	}
	p->free_head = s->next_free;
	htp_connp_open(s->cp, NULL, 0, NULL, 0, NULL);
	htp_connp_set_user_data(s->cp, s);
	s->pool = p;
	s->stop = 0;
	memset(s->have_seq, 0, sizeof(s->have_seq));
	s->bytes = 0;
	s->body_len = 0;
	p->st.parsed_flows++;
	return i;
}

void http_close(struct http_pool *p, uint32_t slot)
{
	if (slot >= p->n || !p->slots[slot].cp)
		return;
	struct hslot *s = &p->slots[slot];
	htp_connp_destroy_all(s->cp);
	s->cp = NULL;
	s->next_free = p->free_head;
	p->free_head = slot;
}

int http_data(struct http_pool *p, uint32_t slot, int dir, uint32_t seq,
	      const uint8_t *data, size_t len, http_tx_fn fn, void *ctx)
{
	if (slot >= p->n || !p->slots[slot].cp)
		return -1;
	struct hslot *s = &p->slots[slot];
	if (!len)
		return 0;
	if (s->have_seq[dir]) {
		int32_t d = (int32_t)(seq - s->next_seq[dir]);
		if (d < 0) {
			/* a retransmission: skip what was fed already (the
			 * distance back as unsigned: -INT32_MIN is no int) */
			uint32_t back = s->next_seq[dir] - seq;
			if (back >= len)
				return 0;
			data += back;
			len -= back;
		} else if (d > 0) {
			p->st.gaps++; /* a hole libhtp cannot read across */
			http_close(p, slot);
			return -1;
		}
	}
	s->have_seq[dir] = 1;
	s->next_seq[dir] = seq + (uint32_t)len;
	if (s->bytes + len > p->max_bytes) {
		p->st.limit++;
		http_close(p, slot);
		return -1;
	}
	s->bytes += (uint32_t)len;
	s->fn = fn;
	s->ctx = ctx;
	int r = dir ? htp_connp_res_data(s->cp, NULL, data, len)
		    : htp_connp_req_data(s->cp, NULL, data, len);
	s->fn = NULL;
	if (r == HTP_STREAM_ERROR || s->stop) {
		http_close(p, slot);
		return -1;
	}
	return 0;
}

void http_get_stats(const struct http_pool *p, struct http_stats *s)
{
	*s = p->st;
}

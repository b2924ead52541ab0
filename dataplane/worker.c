#include "worker.h"

#include "../detectors/detector.h"
#include "../proto/dns.h"
#include "../proto/http.h"
#include "../proto/gtpc.h"
#include "../proto/ics.h"
#include "../proto/iotproto.h"
#include "../proto/pfcp.h"
#include "session.h"
#include "../telemetry/eve.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define APP_SLOTS 1024          /* distinct labels tracked for the summary */
#define EXPIRE_EVERY_US 100000  /* expiry scan granularity, packet time */
#define FLOWLESS_EVERY_US 1000000

struct app_count {
	uint32_t key;               /* master << 16 | app, +1 so 0 = empty */
	char label[40];
	uint64_t flows, bytes;
};

#define ICS_SEEN 65536
#define IOT_SLOTS 33       /* segments 0..31, then everything else */
#define ICS_EXC 4096

struct session;
struct flow_meta;
struct worker;
static void emit_iot(struct worker *w);
static void bind_session(struct worker *w, struct flow *f, struct flow_meta *m, uint32_t teid);
static void sess_ended(void *ctx, const struct session *s, enum sess_end why, uint64_t ts);

struct worker {
	struct worker_cfg cfg;
	clockid_t cpu_clock;         /* its thread's CPU clock */
	/* st as published to other threads (word by word, relaxed atomics:
	 * each counter whole, never torn) */
	struct worker_stats pub;
	unsigned pub_bursts;
	/* sessions with use not yet in an interim report: handle, generation;
	 * all of the interval that ends at interim_due */
	uint32_t *idirty, *idirty_gen;
	unsigned nidirty, idirty_cap;
	uint64_t interim_due;
	int has_cpu_clock;           /* atomic: cpu_clock is set */
	struct flow_table *ft;
	struct classifier *cls;
	struct evq *q;
	uint64_t now_us;
	uint64_t next_expire_us;
	uint64_t active_us;
	uint64_t stats_us, next_stats_us;
	struct worker_stats st;
	/* flow-less anomalies: one event per kind per second, with a count */
	uint64_t flowless_last[DEC_A_MAX];
	uint32_t flowless_pending[DEC_A_MAX];
	struct app_count apps[APP_SLOTS];
	/* the policy for the burst being processed (RCU read side) */
	const struct policy *pol;
	uint8_t pol_gen;
	int pol_online;            /* this thread reports quiescent states */
	struct det_feed *feed;     /* records and sketches for analytics */
	struct http_pool *http;    /* libhtp parsers of HTTP flows */
	/* probes waiting for their answer, in deadline order per segment */
	struct probe_ent {
		struct flow *f;
		uint64_t flow_id, deadline;
		uint8_t flags;
	} *probes;
	unsigned p_head, p_n;
	struct sess_table *sess;   /* PDU sessions learnt from PFCP */
	/* ICS: (flow, function) pairs already told to the detectors, and
	 * exception counts per flow and second (direct-mapped, lossy: a
	 * collision only repeats a record) */
	uint64_t *ics_seen;        /* ICS_SEEN entries */
	struct ics_exc { uint64_t flow_id, win_us; uint32_t n, sent; } *ics_exc;
	/* MQTT/CoAP telemetry per segment, for the stats events */
	struct iot_bucket { int used, seg; struct ev_iot v; } iot[IOT_SLOTS];
};

#define PROBE_RING 65536

#define HTTP_DONE (HTTP_NONE - 1) /* a flow parsed, or that never will be */

/* The flow a worker detector hook is about (its emit/describe context). */
struct det_call {
	struct worker *w;
	struct flow *f;
	struct flow_meta *m;
	int described;
	struct ev_app full;
};

static void on_flow_end(void *ctx, struct flow *f, struct flow_meta *m,
			enum ev_flow_reason reason);
static void set_segment(struct worker *w, struct event *ev, struct flow *f,
			const struct flow_meta *m);

struct worker *worker_create(const struct worker_cfg *cfg, char *err,
			     unsigned errlen)
{
	struct worker *w = calloc(1, sizeof(*w));
	int e;

	if (!w)
		return NULL;
	w->cfg = *cfg;
	w->q = cfg->q;
	w->feed = cfg->feed;
	w->active_us = (uint64_t)cfg->ft.active_timeout_s * 1000000;
	w->stats_us = (uint64_t)cfg->stats_interval_s * 1000000;
	w->cls = classifier_create(&cfg->cls, err, errlen);
	if (!w->cls)
		goto err;
	w->ft = flow_table_create(&cfg->ft, on_flow_end, w);
	if (!w->ft)
		goto err;
	/* 4096 HTTP parsers alive per worker, 16 KiB parsed per flow: the
	 * requests and answers of a session (some 30 logins on one keep-alive
	 * connection), not bulk bodies */
	w->http = http_pool_create(4096, 16 * 1024);
	w->probes = malloc(PROBE_RING * sizeof(*w->probes));
	/* 16384 sessions per worker; a day without N4 news ends one */
	unsigned max_sess = cfg->max_sessions ? cfg->max_sessions : 16384;
	w->sess = sess_create(max_sess, 86400ULL * 1000000);
	w->idirty = malloc(max_sess * sizeof(*w->idirty));
	w->idirty_gen = malloc(max_sess * sizeof(*w->idirty_gen));
	w->idirty_cap = max_sess;
	w->ics_seen = calloc(ICS_SEEN, sizeof(*w->ics_seen));
	w->ics_exc = calloc(ICS_EXC, sizeof(*w->ics_exc));
	if (w->sess)
		sess_on_end(w->sess, sess_ended, w);
	if (!w->http || !w->probes || !w->sess || !w->ics_seen || !w->ics_exc || !w->idirty ||
	    !w->idirty_gen)
		goto err;
	return w;
err:
	e = errno;
	worker_destroy(w);
	errno = e;
	return NULL;
}

void worker_destroy(struct worker *w)
{
	if (!w)
		return;
	flow_table_destroy(w->ft);
	http_pool_destroy(w->http);
	free(w->probes);
	sess_destroy(w->sess);
	free(w->idirty);
	free(w->idirty_gen);
	free(w->ics_seen);
	free(w->ics_exc);
	classifier_destroy(w->cls);
	free(w);
}

/* Deterministic 51-bit id (JSON-safe), the same whichever worker sees it. */
static uint64_t make_flow_id(uint32_t hash, uint64_t first_us)
{
	uint64_t z = ((uint64_t)hash << 32) ^ first_us;

	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	z &= (1ULL << 51) - 1;
	return z ? z : 1;
}

static void app_account(struct worker *w, const struct cls_result *a,
			uint64_t bytes)
{
	uint32_t key = ((uint32_t)a->master_id << 16 | a->app_id) + 1;
	uint32_t i = (key * 2654435761u) & (APP_SLOTS - 1);

	for (unsigned n = 0; n < APP_SLOTS; n++, i = (i + 1) & (APP_SLOTS - 1)) {
		struct app_count *c = &w->apps[i];
		if (c->key == key || c->key == 0) {
			if (c->key == 0) {
				struct ev_app full;
				classifier_describe(w->cls, a, &full);
				c->key = key;
				memcpy(c->label, full.proto, sizeof(c->label));
				c->label[sizeof(c->label) - 1] = 0;
			}
			c->flows++;
			c->bytes += bytes;
			return;
		}
	}
}

/* A record to fill, its header set; NULL (counted) when the queue is full
 * and this worker may not wait. */
static struct event *new_event(struct worker *w, enum ev_type type, uint64_t ts_us)
{
	struct event *ev = type == EV_ALERT ? evq_reserve(w->q) : evq_reserve_bulk(w->q);

	if (!ev) {
		w->st.events_dropped++;
		return NULL;
	}
	ev->type = (uint8_t)type;
	ev->worker = (uint16_t)w->cfg.id;
	ev->ts_us = ts_us;
	return ev;
}

static void interim_mark(struct worker *w, struct session *s);
static void publish_stats(struct worker *w);
static inline void pol_enter(struct worker *w);
static inline void pol_leave(struct worker *w);

/* Who a PDU session is (UE, DNN, subscriber), as this worker knows it
 * now; a deleted session leaves only its SEID. */
static void session_fill(const struct session *s, struct ev_session *o)
{
	o->ue_ipver = s->ue_ipver;
	memcpy(o->ue, s->ue, 16);
	snprintf(o->dnn, sizeof(o->dnn), "%.39s", s->dnn);
	memcpy(o->subscriber, s->subscriber, sizeof(o->subscriber));
	memcpy(o->msisdn, s->msisdn, sizeof(o->msisdn));
}

static void session_id(struct worker *w, uint64_t seid, struct ev_session *o)
{
	const struct session *s = sess_by_seid(w->sess, seid);

	if (s)
		session_fill(s, o);
}

/* Which inner endpoints of a flow are a UE (bit 0 src, bit 1 dst): its
 * session's UE when one is bound; a GTP-U flow no session explains (its
 * N4/S11 not seen, or after the session's deletion) still carries a UE's
 * traffic, and UEs open their flows (the UPF lets little in): its client. */
static inline uint8_t ue_side(const struct flow *f, const struct flow_meta *m)
{
	if (m->tuple.seid)
		return f->sess_ue_side;
	return m->tuple.tun_type == DEC_TUN_GTPU ? 1 : 0;
}

/* The flow an event is about: id, tuple, segment. */
static void event_flow(struct worker *w, struct event *ev, struct flow *f,
		       const struct flow_meta *m)
{
	ev->flow_id = f->flow_id;
	ev->t = m->tuple;
	set_segment(w, ev, f, m);
	if (m->tuple.seid) {
		/* the session as it is now (or was: deleted, only its SEID) */
		session_id(w, m->tuple.seid, &ev->sess);
		ev->sess.has = 1;
	}
	uint8_t ue = ue_side(f, m);
	if (ue || m->tuple.seid) {
		/* a subscriber's address is personal data: a pseudonym unless
		 * the segment allows it in clear (session{} too, when neither
		 * end is the UE: a forged source) */
		ev->clear_subscriber = (uint8_t)(w->pol && f->seg >= 0 &&
						 policy_segment_clear_subscribers(w->pol, f->seg));
		if (!ev->clear_subscriber)
			ev->pseudo |= ue;
	}
}

static void emit_flow(struct worker *w, struct flow *f, struct flow_meta *m,
		      enum ev_flow_reason reason)
{
	struct event *ev = new_event(w, EV_FLOW, f->last_us);

	if (!ev)
		return;
	event_flow(w, ev, f, m);
	struct ev_flow *r = &ev->u.flow;
	r->start_us = f->first_us;
	r->end_us = f->last_us;
	r->pkts[0] = f->pkts[0];
	r->pkts[1] = f->pkts[1];
	memcpy(r->bytes, f->bytes, sizeof(r->bytes));
	r->state = f->state;
	r->reason = (uint8_t)reason;
	r->tcp_flags[0] = f->tcp_flags[0];
	r->tcp_flags[1] = f->tcp_flags[1];
	r->anomalies = f->anomalies;
	r->classified = f->classify_done;
	if (f->classify_done)
		classifier_describe(w->cls, &m->app, &r->app);
	evq_commit(w->q, ev);
}

/* The flow's segment under the current policy (recomputed when a reload
 * happened since the flow was created): inner address of the client, then
 * of the server, then VLAN, then GTP TEID. */
static int flow_segment(struct worker *w, struct flow *f, const struct flow_meta *m)
{
	const struct policy *p = w->pol;
	const struct ev_tuple *t = &m->tuple;

	if (!p)
		return -1;
	if (f->seg_gen == w->pol_gen)
		return f->seg;
	int s = -1;
	if (t->tun_type == DEC_TUN_GTPU) {
		/* a PDU session's DNN says what the UE is for: it goes first */
		const struct session *ss = sess_by_teid(w->sess, t->tun_id[0]);
		if (!ss)
			ss = sess_by_ue(w->sess, t->ipver, t->src);
		if (!ss)
			ss = sess_by_ue(w->sess, t->ipver, t->dst); /* downlink first */
		if (ss)
			s = policy_segment_by_dnn(p, ss->dnn);
	}
	if (s < 0)
		s = policy_segment(p, t->ipver, t->src, t->vlan_count ? t->vlan[0] : 0);
	if (s < 0)
		s = policy_segment(p, t->ipver, t->dst, 0);
	if (s < 0 && t->tun_type)
		s = policy_segment_by_teid(p, t->tun_id[0]);
	f->seg = (int16_t)s;
	f->seg_gen = w->pol_gen;
	return s;
}

static void set_segment(struct worker *w, struct event *ev, struct flow *f,
			const struct flow_meta *m)
{
	int s = flow_segment(w, f, m);
	const char *n = s >= 0 ? policy_segment_name(w->pol, s) : NULL;

	if (n)
		snprintf(ev->segment, sizeof(ev->segment), "%s", n);
	/* personal data: the segment's own devices appear as pseudonyms */
	if (s >= 0 && policy_segment_pseudonymise(w->pol, s)) {
		const struct ev_tuple *t = &m->tuple;
		if (policy_segment(w->pol, t->ipver, t->src, 0) == s)
			ev->pseudo |= 1;
		if (policy_segment(w->pol, t->ipver, t->dst, 0) == s)
			ev->pseudo |= 2;
		if (!ev->pseudo) /* chosen by VLAN or TEID: the client is the device */
			ev->pseudo = 1;
	}
}

static const struct ev_app *call_describe(void *ctx)
{
	struct det_call *c = ctx;

	if (!c->described) {
		classifier_describe(c->w->cls, &c->m->app, &c->full);
		c->described = 1;
	}
	return &c->full;
}

/* A worker detector's alert about the flow of the call. */
static void call_emit(void *ctx, struct ev_alert *a)
{
	struct det_call *c = ctx;
	struct worker *w = c->w;
	struct event *ev = new_event(w, EV_ALERT, w->now_us);

	if (!ev)
		return;
	w->st.alerts++;
	event_flow(w, ev, c->f, c->m);
	if (c->f->classify_done && !a->app[0])
		snprintf(a->app, sizeof(a->app), "%s", call_describe(ctx)->proto);
	ev->u.alert = *a;
	evq_commit(w->q, ev);
}

static void det_call_init(struct worker *w, struct det_call *c, struct det_flow *df,
			  struct flow *f, struct flow_meta *m)
{
	c->w = w;
	c->f = f;
	c->m = m;
	c->described = 0;
	memset(df, 0, sizeof(*df));
	df->t = &m->tuple;
	df->pol = w->pol;
	df->seg = w->pol ? flow_segment(w, f, m) : -1;
	df->alerted = &f->alerted;
	df->alerted_http = &f->http_alerted;
	df->now_us = w->now_us;
	df->host = "";
	df->ctx = c;
	df->emit = call_emit;
	df->describe = call_describe;
}

/* A record for the analytics thread about this flow. */
static struct det_rec *flow_rec(struct worker *w, struct flow *f,
				const struct flow_meta *m, enum det_rec_kind kind,
				uint8_t flags)
{
	struct det_rec *r = det_feed_reserve(w->feed);
	const struct ev_tuple *t = &m->tuple;

	if (!r)
		return NULL;
	r->kind = (uint8_t)kind;
	r->ipver = t->ipver;
	r->proto = t->proto;
	r->flags = flags;
	r->seg = (int16_t)(w->pol ? flow_segment(w, f, m) : -1);
	r->sport = t->sport;
	r->dport = t->dport;
	r->hash = (uint32_t)(f->flow_id ^ (f->flow_id >> 32));
	r->flow_id = f->flow_id;
	r->ue_side = ue_side(f, m);
	r->ts_us = w->now_us;
	memcpy(r->src, t->src, 16);
	memcpy(r->dst, t->dst, 16);
	r->tun.type = t->tun_type;
	r->tun.has_qfi = t->has_qfi;
	r->tun.qfi = t->qfi;
	r->tun.outer_ipver = t->outer_ipver;
	r->tun.id[0] = t->tun_id[0];
	r->tun.id[1] = t->tun_id[1];
	memcpy(r->tun.outer_src, t->outer_src, 16);
	memcpy(r->tun.outer_dst, t->outer_dst, 16);
	r->tun.seid = t->seid;
	memset(&r->sess, 0, sizeof(r->sess));
	if (t->seid)
		session_id(w, t->seid, &r->sess);
	return r;
}

/* A probe that got no answer by its deadline (or a refusal): the scan
 * detector's input, stamped with the moment it failed. */
static void probe_failed(struct worker *w, struct flow *f, uint8_t flags, uint64_t ts)
{
	struct det_rec *r = flow_rec(w, f, flow_table_meta(w->ft, f), DR_FAILED, flags);

	if (!r)
		return;
	r->ts_us = ts;
	det_feed_commit(w->feed, r);
}

/* Packet time moved to w->now_us: judge the probes whose answer time ran
 * out and close the sketch ticks that ended, in time order, so that this
 * worker's records stay in nondecreasing time (the analytics thread's
 * watermarks rely on it). */
static void advance_records(struct worker *w)
{
	while (w->p_n && w->probes[w->p_head].deadline <= w->now_us) {
		struct probe_ent *e = &w->probes[w->p_head];
		det_feed_clock(w->feed, e->deadline); /* ticks that ended before */
		struct flow *f = e->f;
		if (f->in_use && f->flow_id == e->flow_id && f->pkts[1] == 0)
			probe_failed(w, f, e->flags, e->deadline);
		w->p_head = (w->p_head + 1) % PROBE_RING;
		w->p_n--;
	}
	det_feed_clock(w->feed, w->now_us);
}

static void flow_started(struct worker *w, struct flow *f, struct flow_meta *m,
			 uint8_t flags)
{
	struct det_call c;
	struct det_flow df;

	det_call_init(w, &c, &df, f, m);
	detectors_flow_start(&df);
	if (!w->feed)
		return;
	if (det_is_probe(m->tuple.proto, flags)) {
		/* the scan detector hears of it only if it fails */
		if (w->p_n == PROBE_RING) {
			struct probe_ent *o = &w->probes[w->p_head];
			if (o->f->in_use && o->f->flow_id == o->flow_id && o->f->pkts[1] == 0)
				probe_failed(w, o->f, o->flags, w->now_us);
			w->p_head = (w->p_head + 1) % PROBE_RING;
			w->p_n--;
		}
		struct probe_ent *e = &w->probes[(w->p_head + w->p_n) % PROBE_RING];
		e->f = f;
		e->flow_id = f->flow_id;
		e->flags = flags;
		e->deadline = w->now_us + det_answer_us(w->pol, df.seg);
		w->p_n++;
	}
	struct det_rec probe;
	memset(&probe, 0, offsetof(struct det_rec, u));
	probe.kind = DR_START;
	probe.proto = m->tuple.proto;
	probe.ipver = m->tuple.ipver;
	probe.flags = flags;
	probe.seg = (int16_t)df.seg;
	probe.sport = m->tuple.sport;
	probe.dport = m->tuple.dport;
	memcpy(probe.dst, m->tuple.dst, 16);
	if (detectors_want_start(&probe, w->pol)) {
		struct det_rec *r = flow_rec(w, f, m, DR_START, flags);
		if (r)
			det_feed_commit(w->feed, r);
	}
}

/* Once classification is over: the worker detectors, and a record for the
 * analytics thread when there is something for it (DNS names, HTTP 401). */
static void flow_classified(struct worker *w, struct flow *f, struct flow_meta *m)
{
	const struct cls_result *a = &m->app;
	struct det_call c;
	struct det_flow df;

	det_call_init(w, &c, &df, f, m);
	df.master_id = a->master_id;
	df.app_id = a->app_id;
	df.category_id = a->category_id;
	df.host_kind = a->host_kind;
	df.has_ja3c = a->has_ja3c;
	df.guessed = a->guessed;
	df.risk = a->risk;
	df.host = a->host;
	detectors_flow_classified(&df);
	if (f->sess != FLOW_NIL) {
		struct session *s = sess_use(w->sess, f->sess, f->sess_gen);
		const char *app = s ? call_describe(&c)->proto : NULL;
		if (app && app[0] && strcmp(app, "Unknown")) {
			unsigned k = 0;
			while (k < s->use.napps && strncmp(s->use.apps[k], app, 23))
				k++;
			if (k == s->use.napps && k < SESS_APPS)
				snprintf(s->use.apps[s->use.napps++], sizeof(s->use.apps[0]),
					 "%.23s", app);
		}
	}
	uint64_t risk = a->guessed ? 0 : det_risk_mapped(a->risk);
	if (w->feed && risk) {
		struct det_rec *r = flow_rec(w, f, m, DR_APP, 0);
		if (!r)
			return;
		r->u.app.risk = risk;
		if (risk)
			snprintf(r->u.app.label, sizeof(r->u.app.label), "%s",
				 call_describe(&c)->proto);
		r->u.app.master_id = a->master_id;
		r->u.app.app_id = a->app_id;
		r->u.app.dns_qtype = a->dns_qtype;
		r->u.app.http_status = a->http_status;
		r->u.app.dns_rcode = a->dns_rcode;
		r->u.app.has_dns = a->has_dns;
		r->u.app.host_kind = a->host_kind;
		memcpy(r->u.app.host, a->host, sizeof(r->u.app.host));
		det_feed_commit(w->feed, r);
	}
}

/* A flow of a segment whose devices are baselined (policy `mode:`) ended:
 * what it did, for the baseline detector. Either side may be the device. */
static void baseline_end(struct worker *w, struct flow *f, struct flow_meta *m)
{
	const struct ev_tuple *t = &m->tuple;
	int ss = policy_segment(w->pol, t->ipver, t->src, 0);
	int sd = policy_segment(w->pol, t->ipver, t->dst, 0);

	if (policy_segment_mode(w->pol, ss) == POLICY_MODE_NONE &&
	    policy_segment_mode(w->pol, sd) == POLICY_MODE_NONE)
		return;
	struct det_rec *r = flow_rec(w, f, m, DR_END, 0);
	if (!r)
		return;
	memset(&r->u.end, 0, sizeof(r->u.end));
	r->u.end.first_us = f->first_us;
	r->u.end.last_us = f->last_us;
	r->u.end.bytes[0] = f->bytes[0];
	r->u.end.bytes[1] = f->bytes[1];
	r->u.end.pkts[0] = f->pkts[0];
	r->u.end.pkts[1] = f->pkts[1];
	r->u.end.has_mac = m->has_mac;
	memcpy(r->u.end.mac, m->mac, sizeof(r->u.end.mac));
	if (f->classify_done) {
		r->u.end.app_id = m->app.app_id;
		r->u.end.master_id = m->app.master_id;
		struct ev_app a;
		classifier_describe(w->cls, &m->app, &a);
		snprintf(r->u.end.app, sizeof(r->u.end.app), "%.23s",
			 a.app[0] ? a.app : a.master);
	}
	det_feed_commit(w->feed, r);
}

static void on_flow_end(void *ctx, struct flow *f, struct flow_meta *m,
			enum ev_flow_reason reason)
{
	struct worker *w = ctx;

	if (f->http_slot < HTTP_DONE) {
		http_close(w->http, f->http_slot);
		f->http_slot = HTTP_DONE;
	}
	if (f->cls_slot != FLOW_NIL) {
		classifier_finish(w->cls, f->cls_slot, &m->app);
		f->cls_slot = FLOW_NIL;
		f->classify_done = 1;
		flow_classified(w, f, m);
	}
	if (f->sess == FLOW_NIL && !m->tuple.seid && m->tuple.tun_type == DEC_TUN_GTPU) {
		/* a last look: N4 seen on another queue after the flow's packets */
		bind_session(w, f, m, m->tuple.tun_id[0]);
	}
	if (w->feed && w->pol)
		baseline_end(w, f, m);
	w->st.flows_ended++;
	if (reason == EV_REASON_EVICTED)
		w->st.flows_evicted++;
	if (f->classify_done)
		app_account(w, &m->app, f->bytes[0] + f->bytes[1]);
	emit_flow(w, f, m, reason);
}

static void emit_anomaly(struct worker *w, unsigned kind, struct flow *f,
			 const struct flow_meta *m, uint32_t count)
{
	struct event *ev = new_event(w, EV_ANOMALY, w->now_us);

	if (!ev)
		return;
	ev->u.anomaly.kind = (uint16_t)kind;
	ev->u.anomaly.count = count;
	if (f) {
		event_flow(w, ev, f, m);
		ev->u.anomaly.has_flow = 1;
	}
	evq_commit(w->q, ev);
}

static void emit_stats(struct worker *w)
{
	struct event *ev = new_event(w, EV_STATS, w->now_us);
	struct classify_stats cs;

	if (!ev)
		return;
	classifier_get_stats(w->cls, &cs);
	struct ev_stats *s = &ev->u.stats;
	s->interval_s = w->cfg.stats_interval_s;
	s->pkts = w->st.pkts;
	s->bytes = w->st.bytes;
	s->flows_created = w->st.flows_created;
	s->flows_ended = w->st.flows_ended;
	s->flows_active = flow_table_count(w->ft);
	s->flows_evicted = w->st.flows_evicted;
	s->anomalies = w->st.anomalies;
	s->not_ip = w->st.not_ip;
	s->decode_bad = w->st.decode_bad;
	s->frag_later = w->st.frag_later;
	s->tunnelled = w->st.tunnelled;
	s->events_dropped = w->st.events_dropped;
	s->dpi_pkts = cs.dpi_pkts;
	s->alerts = w->st.alerts;
	if (w->cfg.policy) {
		const struct policy *p = policy_ref_get(w->cfg.policy);
		s->policy_hash = p ? policy_hash(p) : 0;
		policy_ref_reloads(w->cfg.policy, &s->policy_reloads_ok,
				   &s->policy_reloads_failed);
	}
	/* top labels by bytes: a partial selection over the small table */
	for (unsigned i = 0; i < APP_SLOTS; i++) {
		const struct app_count *a = &w->apps[i];
		if (!a->key)
			continue;
		unsigned pos = s->napps;
		while (pos > 0 && s->apps[pos - 1].bytes < a->bytes)
			pos--;
		if (pos >= EV_STATS_APPS)
			continue;
		unsigned last = s->napps < EV_STATS_APPS ? s->napps : EV_STATS_APPS - 1;
		memmove(&s->apps[pos + 1], &s->apps[pos], (last - pos) * sizeof(s->apps[0]));
		memcpy(s->apps[pos].label, a->label, sizeof(s->apps[pos].label));
		s->apps[pos].flows = a->flows;
		s->apps[pos].bytes = a->bytes;
		if (s->napps < EV_STATS_APPS)
			s->napps++;
	}
	evq_commit(w->q, ev);
	emit_iot(w);
}

static void stats_tick(struct worker *w)
{
	if (!w->stats_us || !w->now_us)
		return;
	if (!w->next_stats_us) {
		w->next_stats_us = (w->now_us / w->stats_us + 1) * w->stats_us;
		return;
	}
	if (w->now_us >= w->next_stats_us) {
		emit_stats(w);
		w->next_stats_us = (w->now_us / w->stats_us + 1) * w->stats_us;
	}
}

static void count_anomalies(struct worker *w, uint64_t bits)
{
	while (bits) {
		unsigned b = (unsigned)__builtin_ctzll(bits);
		bits &= bits - 1;
		w->st.anomalies++;
		w->st.anomaly_kind[b]++;
	}
}

static void flowless_anomalies(struct worker *w, uint64_t bits)
{
	while (bits) {
		unsigned b = (unsigned)__builtin_ctzll(bits);
		bits &= bits - 1;
		w->flowless_pending[b]++;
		if (w->flowless_last[b] == 0 ||
		    w->now_us >= w->flowless_last[b] + FLOWLESS_EVERY_US) {
			emit_anomaly(w, b, NULL, NULL, w->flowless_pending[b]);
			w->flowless_last[b] = w->now_us ? w->now_us : 1;
			w->flowless_pending[b] = 0;
		}
	}
}

static void init_meta(struct flow_meta *m, const struct decoded *d)
{
	struct ev_tuple *t = &m->tuple;

	memset(t, 0, sizeof(*t));
	m->tcp_has_next = m->rtt_done = 0;
	m->gsig_win_us = 0;
	m->gsig_n = m->gsig_sent = 0;
	memcpy(t->src, d->src, 16);
	memcpy(t->dst, d->dst, 16);
	t->sport = d->sport;
	t->dport = d->dport;
	t->ipver = d->ipver;
	t->proto = d->proto;
	t->icmp_type = d->icmp_type;
	t->icmp_code = d->icmp_code;
	t->vlan_count = d->vlan_count;
	t->vlan[0] = d->vlan[0];
	t->vlan[1] = d->vlan[1];
	t->tun_type = d->tun_type;
	t->tun_id[0] = d->tun_type ? d->tun_id : 0; /* the first packet's */
	if (d->tun_depth) {
		t->outer_ipver = d->outer_ipver;
		memcpy(t->outer_src, d->outer_src, 16);
		memcpy(t->outer_dst, d->outer_dst, 16);
	}
}

static enum flow_class tcp_update(struct flow *f, unsigned dir, uint8_t flags)
{
	if (flags & 0x04) { /* RST */
		f->state = EV_STATE_CLOSED;
	} else if (flags & 0x01) { /* FIN */
		f->fin_seen |= (uint8_t)(1u << dir);
		if (f->fin_seen == 3)
			f->state = EV_STATE_CLOSED;
	}
	if (f->state == EV_STATE_CLOSED)
		return FC_CLOSED;
	if (f->pkts[0] && f->pkts[1]) {
		f->state = EV_STATE_ESTABLISHED;
		return FC_TCP_EST;
	}
	return FC_TCP_NEW;
}

/* First pass over a burst: decode and hash, and start fetching the hash
 * bucket, so the lookups of the second pass find it in cache. */
struct prep {
	struct decoded d;
	struct flow_key k;
	uint32_t h;
	int r;
	int from_lo;
};

static void prepare(struct worker *w, const struct pkt *p, struct prep *x)
{
	x->r = decode_packet(&x->d, p->link, p->data, p->caplen, p->wirelen);
	if (x->r == DEC_OK && x->d.frag != DEC_FRAG_LATER) {
		x->from_lo = flow_key_make(&x->k, &x->d);
		x->h = flow_key_hash(&x->k);
		flow_table_prefetch(w->ft, x->h);
	}
}

/* Every DNS query, and every error answer, for the DNS detectors: one
 * flow may carry thousands of queries (tunnels reuse their socket). */
static void dns_packet(struct worker *w, struct flow *f, struct flow_meta *m,
		       const struct decoded *d)
{
	struct dns_msg msg;

	if (dns_parse(d->payload, d->payload_len, &msg) || (msg.qr && !msg.rcode))
		return;
	struct det_rec *r = flow_rec(w, f, m, DR_DNS, 0);
	if (!r)
		return;
	r->u.dns.qtype = msg.qtype;
	r->u.dns.qr = msg.qr;
	r->u.dns.rcode = msg.rcode;
	memcpy(r->u.dns.name, msg.name, (size_t)msg.name_len + 1);
	det_feed_commit(w->feed, r);
}

static int http_port(uint16_t p)
{
	return p == 80 || p == 8080 || p == 8000 || p == 8008 || p == 8081 || p == 8888;
}

/* libhtp finished a request or a response of the flow in ctx. */
static void http_done(void *ctx, const struct http_tx *tx)
{
	struct det_call *c = ctx;
	struct det_flow df;
	struct det_call call;

	det_call_init(c->w, &call, &df, c->f, c->m);
	struct det_http h = { .response = tx->response, .flags = tx->flags,
			      .status = tx->status, .invalid_line = tx->invalid_line,
			      .method = tx->method, .uri = tx->uri, .host = tx->host };
	detectors_http(&df, &h);
	if (tx->response && tx->status == 401 && c->w->feed) {
		/* one failed login: the brute-force detector counts them */
		struct det_rec *r = flow_rec(c->w, c->f, c->m, DR_APP, 0);
		if (r) {
			r->u.app.http_status = 401;
			det_feed_commit(c->w->feed, r);
		}
	}
}

static void http_feed(struct worker *w, struct flow *f, struct flow_meta *m,
		      const struct decoded *d, unsigned dir)
{
	if (f->http_slot == HTTP_NONE) {
		/* a request first, or this is not HTTP as libhtp reads it */
		f->http_slot = dir == 0 ? http_open(w->http) : HTTP_NONE;
		if (f->http_slot == HTTP_NONE) {
			f->http_slot = HTTP_DONE;
			return;
		}
	}
	struct det_call c = { .w = w, .f = f, .m = m };
	if (http_data(w->http, f->http_slot, (int)dir, d->tcp_seq, d->payload,
		      d->payload_len, http_done, &c) != 0)
		f->http_slot = HTTP_DONE;
}

/* N4: learn PDU sessions (every worker, from every PFCP packet). The
 * flow's owner (f non-NULL) also tells the detectors of establishment and
 * deletion requests, judging a deletion against the session's SMF before
 * the session is gone. */
static void pfcp_packet(struct worker *w, const struct decoded *d, struct flow *f,
			struct flow_meta *fm)
{
	struct pfcp_msg m;

	if (pfcp_parse(d->payload, d->payload_len, &m) != 0) {
		w->st.pfcp_malformed++;
		return;
	}
	if (f && w->feed && (m.type == PFCP_SESS_EST_REQ || m.type == PFCP_SESS_DEL_REQ)) {
		struct det_rec *r = flow_rec(w, f, fm, DR_PFCP, 0);
		if (r) {
			/* the packet's own direction: a request comes from its sender */
			memcpy(r->src, d->src, 16);
			memcpy(r->dst, d->dst, 16);
			r->sport = d->sport;
			r->dport = d->dport;
			memset(&r->u.pfcp, 0, sizeof(r->u.pfcp));
			r->u.pfcp.type = m.type;
			r->u.pfcp.seid = m.seid;
			const struct session *s = m.type == PFCP_SESS_DEL_REQ && m.has_seid
							  ? sess_by_seid(w->sess, m.seid)
							  : NULL;
			if (s && !s->deleted && s->cp_ipver) {
				r->u.pfcp.cp_ipver = s->cp_ipver;
				memcpy(r->u.pfcp.cp_ip, s->cp_ip, 16);
				r->u.pfcp.unexpected =
					s->cp_ipver != d->ipver ||
					memcmp(s->cp_ip, d->src, d->ipver == 6 ? 16 : 4) != 0;
				/* the session it is about, for session{} on the alert */
				r->tun.seid = m.seid;
				session_id(w, m.seid, &r->sess);
			}
			det_feed_commit(w->feed, r);
		}
	}
	sess_learn(w->sess, &m, w->now_us);
}

/* S11/S5 (4G without CUPS): learn sessions from GTPv2-C, every worker. A
 * piggybacked message (P flag) follows its carrier. */
static void gtpc_packet(struct worker *w, const struct decoded *d)
{
	struct gtpc_msg m;
	size_t off = 0;

	for (int k = 0; k < 2 && off < d->payload_len; k++) {
		if (gtpc_parse(d->payload + off, d->payload_len - off, &m) != 0) {
			w->st.gtpc_malformed++;
			return;
		}
		sess_learn_gtpc(w->sess, &m, w->now_us);
		if (!m.piggybacked)
			return;
		off += m.msg_len;
	}
}

/* GTP-U signalling and broken GTP-U: counted per flow and second, reported
 * at counts 1, 2, 4, 8... (detector.h). */
static void gtp_signal(struct worker *w, struct flow *f, struct flow_meta *m,
		       const struct decoded *d, uint8_t anom)
{
	if (w->now_us >= m->gsig_win_us + 1000000) {
		m->gsig_win_us = w->now_us;
		m->gsig_n = m->gsig_sent = 0;
	}
	uint32_t n = ++m->gsig_n;
	if (n & (n - 1))
		return;
	struct det_rec *r = flow_rec(w, f, m, DR_GTP, 0);
	if (!r)
		return;
	memset(&r->u.gtp, 0, sizeof(r->u.gtp));
	r->u.gtp.what = anom ? DET_GTP_MALFORMED : DET_GTP_SIG;
	r->u.gtp.msg = d->gtp_msg;
	r->u.gtp.anom = anom;
	r->u.gtp.count = n - m->gsig_sent;
	m->gsig_sent = n;
	/* the nodes and direction of the GTP-U packet itself (its outer
	 * header when a G-PDU was decapsulated): who sends the echo, the
	 * error indication, the broken packet */
	if (d->tun_depth) {
		r->ipver = d->outer_ipver;
		memcpy(r->src, d->outer_src, 16);
		memcpy(r->dst, d->outer_dst, 16);
		r->proto = 17;
		r->sport = r->dport = 2152;
	} else {
		memcpy(r->src, d->src, 16);
		memcpy(r->dst, d->dst, 16);
		r->sport = d->sport;
		r->dport = d->dport;
	}
	r->u.gtp.outer_ipver = r->ipver;
	/* about the nodes, not a UE's flow */
	memset(&r->tun, 0, sizeof(r->tun));
	r->ue_side = 0;
	det_feed_commit(w->feed, r);
}

/* The GTP-U decoder anomalies of a packet, as DET_GTPA_* bits. */
static inline uint8_t gtp_anomalies(uint64_t a)
{
	return (uint8_t)(((a >> DEC_A_GTPU_PKT_TOO_SMALL) & 1) * DET_GTPA_SHORT |
			 ((a >> DEC_A_GTPU_EXTHDR_INVALID) & 1) * DET_GTPA_EXTHDR |
			 ((a >> DEC_A_GTPU_BAD_PAYLOAD) & 1) * DET_GTPA_PAYLOAD |
			 ((a >> DEC_A_GTPU_LEN_MISMATCH) & 1) * DET_GTPA_LENGTH);
}

/* A new GTP-U flow against its PDU session (the 5g detector's input). */
static void gtp_check(struct worker *w, struct flow *f, struct flow_meta *m,
		      const struct decoded *d)
{
	const struct ev_tuple *t = &m->tuple;
	struct sess_stats ss;
	uint8_t what = 0;

	if (d->gtp_layers > 1)
		what |= DET_GTP_NESTED;
	if (d->proto == 17 && (d->sport == PFCP_PORT || d->dport == PFCP_PORT ||
			       d->sport == GTPC_PORT || d->dport == GTPC_PORT))
		what |= DET_GTP_CTRL;
	const struct session *s = sess_by_teid(w->sess, d->tun_id);
	if (!s) {
		sess_get_stats(w->sess, &ss);
		if (ss.messages) /* N4 is in view: a TEID nobody owns is news */
			what |= DET_GTP_UNKNOWN;
	} else {
		int uplink = sess_teid_dir(s, d->tun_id) == 0;
		/* a dual-stack UE sends from its IPv4 address or its /64; a
		 * family the session has no address of is not the UE's */
		if (uplink && s->ue_ipver && !sess_is_ue(s, t->ipver, t->src))
			what |= DET_GTP_SPOOF;
		if (uplink && w->pol && policy_is_core(w->pol, t->ipver, t->dst))
			what |= DET_GTP_CORE;
		if (d->has_qfi && s->qfi_mask && !(s->qfi_mask & (1ULL << d->qfi)))
			what |= DET_GTP_QFI;
	}
	if (!what)
		return;
	struct det_rec *r = flow_rec(w, f, m, DR_GTP, 0);
	if (!r)
		return;
	memset(&r->u.gtp, 0, sizeof(r->u.gtp));
	r->u.gtp.what = what;
	r->u.gtp.depth = d->gtp_layers;
	r->u.gtp.qfi = d->qfi;
	r->u.gtp.teid = d->tun_id;
	r->u.gtp.outer_ipver = d->outer_ipver;
	memcpy(r->u.gtp.outer_src, d->outer_src, 16);
	memcpy(r->u.gtp.outer_dst, d->outer_dst, 16);
	if (s) {
		r->u.gtp.seid = s->up_seid ? s->up_seid : s->cp_seid;
		r->u.gtp.ue_ipver = s->ue_ipver;
		memcpy(r->u.gtp.ue, s->ue, 16);
		snprintf(r->u.gtp.dnn, sizeof(r->u.gtp.dnn), "%.47s", s->dnn);
	}
	det_feed_commit(w->feed, r);
}

/* UDP source ports of the services reflection/amplification attacks abuse. */
static inline int is_reflector_port(uint16_t port)
{
	switch (port) {
	case 53: case 123: case 1900: case 11211: case 389: case 161: case 19:
		return 1;
	default:
		return 0;
	}
}

/* A GTP-U flow's PDU session, for every event about the flow: by TEID,
 * else by the UE address on either side. Tried when the flow starts, and
 * on its first packets while none is found (the session's PFCP may come
 * through another queue a moment later). */
static void bind_session(struct worker *w, struct flow *f, struct flow_meta *m, uint32_t teid)
{
	const struct ev_tuple *t = &m->tuple;
	const struct session *ss = sess_by_teid(w->sess, teid);

	if (!ss)
		ss = sess_by_ue(w->sess, t->ipver, t->src);
	if (!ss)
		ss = sess_by_ue(w->sess, t->ipver, t->dst);
	if (!ss)
		return;
	m->tuple.seid = ss->up_seid ? ss->up_seid : ss->cp_seid;
	f->sess = sess_handle(w->sess, ss, &f->sess_gen);
	f->seg_gen = 0; /* its segment may come from the session's DNN */
	f->sess_ue_side = 0;
	if (sess_is_ue(ss, t->ipver, t->src))
		f->sess_ue_side |= 1;
	if (sess_is_ue(ss, t->ipver, t->dst))
		f->sess_ue_side |= 2;
	struct session *su = sess_use(w->sess, f->sess, f->sess_gen);
	if (su) {
		interim_mark(w, su);
		su->use.flows++;
	}
}

/* A PDU session's flow: its packet counts into the session's use (this
 * worker's share, sent to the analytics thread when the session ends). */
static void sess_account(struct worker *w, struct flow *f, struct flow_meta *m,
			 const struct decoded *d, unsigned dir, uint32_t bytes)
{
	struct session *s = sess_use(w->sess, f->sess, f->sess_gen);

	if (!s) { /* deleted, or its record reused: the session is over */
		f->sess = FLOW_NIL;
		return;
	}
	/* by the tunnel when it says (gNB -> UPF is uplink), else by the UE */
	int td = sess_teid_dir(s, d->tun_id);
	unsigned up = td >= 0 ? (unsigned)td : (dir == 0) == ((f->sess_ue_side & 1) != 0) ? 0 : 1;
	interim_mark(w, s);
	s->use.pkts[up]++;
	s->use.bytes[up] += bytes;
	if (d->proto != 6)
		return;
	/* handshake: the client's first ACK after the server's SYN-ACK */
	if (!m->rtt_done && dir == 0 && (d->tcp_flags & 0x12) == 0x10 &&
	    (f->tcp_flags[0] & 0x02) && (f->tcp_flags[1] & 0x12) == 0x12) {
		uint64_t rtt = w->now_us - f->first_us;
		m->rtt_done = 1;
		if (!s->use.rtt_n || rtt < s->use.rtt_min_us)
			s->use.rtt_min_us = rtt;
		if (rtt > s->use.rtt_max_us)
			s->use.rtt_max_us = rtt;
		s->use.rtt_n++;
		s->use.rtt_sum_us += rtt;
	}
	if (!d->payload_len)
		return;
	uint32_t end = d->tcp_seq + d->payload_len;
	if ((m->tcp_has_next >> dir) & 1) {
		/* data that starts before what was already sent: sent again */
		if ((int32_t)(d->tcp_seq - m->tcp_next[dir]) < 0)
			s->use.retrans++;
		if ((int32_t)(end - m->tcp_next[dir]) > 0)
			m->tcp_next[dir] = end;
	} else {
		m->tcp_has_next |= (uint8_t)(1u << dir);
		m->tcp_next[dir] = end;
	}
}

/* This worker's share of a session's use u: at its end (or the input's),
 * or over the interim interval that ended at ts. */
static void sess_share(struct worker *w, const struct session *s, enum sess_end why,
		       uint64_t ts, const struct sess_usage *use)
{
	struct det_rec *r = det_feed_reserve(w->feed);
	if (!r)
		return;
	uint64_t seid = s->up_seid ? s->up_seid : s->cp_seid;
	memset(r, 0, offsetof(struct det_rec, u) + sizeof(r->u.sess));
	r->kind = DR_SESS;
	r->worker = (uint16_t)w->cfg.id;
	r->seg = -1;
	/* every worker's share sorts next to the others (same key): shares
	 * of sessions still up at the end all at one time, after the rest */
	r->ts_us = why == SESS_ACTIVE ? UINT64_MAX - 1 : ts;
	/* an interim report and the end may share a time: never one key */
	r->hash = (uint32_t)(seid ^ (seid >> 32) ^ s->first_us) ^
		  (why == SESS_INTERIM ? 0x9e3779b9u : 0);
	r->ipver = s->ue_ipver;
	memcpy(r->src, s->ue, 16);
	memcpy(r->dst, &seid, 8);
	memcpy(r->dst + 8, &s->first_us, 8);
	r->u.sess.seg = -1;
	if (w->pol && s->dnn[0])
		r->u.sess.seg = (int16_t)policy_segment_by_dnn(w->pol, s->dnn);
	if (r->u.sess.seg < 0 && w->pol && s->ue_ipver)
		r->u.sess.seg = (int16_t)policy_segment(w->pol, s->ue_ipver, s->ue, 0);
	r->u.sess.id.has = 1;
	session_fill(s, &r->u.sess.id);
	struct ev_sess *u = &r->u.sess.use;
	u->seid = seid;
	u->start_us = s->first_us;
	u->end_us = ts;
	u->end = (uint8_t)why;
	memcpy(u->pkts, use->pkts, sizeof(u->pkts));
	memcpy(u->bytes, use->bytes, sizeof(u->bytes));
	u->flows = use->flows;
	u->rtt_n = use->rtt_n;
	u->rtt_sum_us = use->rtt_sum_us;
	u->rtt_min_us = use->rtt_min_us;
	u->rtt_max_us = use->rtt_max_us;
	u->retrans = use->retrans;
	u->napps = use->napps;
	memcpy(u->apps, use->apps, sizeof(u->apps));
	det_feed_commit(w->feed, r);
}

/* A session ended (or the input did): this worker's share of its use;
 * what an interim report would have said is in it (none follows). */
static void sess_ended(void *ctx, const struct session *s, enum sess_end why, uint64_t ts)
{
	struct worker *w = ctx;
	uint32_t gen, h = sess_handle(w->sess, s, &gen);
	struct session *ms = sess_use(w->sess, h, gen);

	if (ms)
		ms->bin_end = 0;
	if (w->feed)
		sess_share(w, s, why, ts, &s->use);
}

/* Interim reports: with a stats interval, every session this worker saw
 * used during an interval reports what it did in it (deltas), stamped
 * with the interval's end, before this worker's clock passes that end (so
 * the analytics thread sums every worker's share into one event). A worker
 * that did not see the session in that interval sends nothing for it. */
static void interim_mark(struct worker *w, struct session *s)
{
	/* a record ended and reused within one interval comes back: with the
	 * list full its use waits for the next interval's report (or the end) */
	if (s->bin_end || !w->stats_us || !w->feed || w->nidirty == w->idirty_cap)
		return;
	s->bin_end = (w->now_us / w->stats_us + 1) * w->stats_us;
	if (!w->nidirty)
		w->interim_due = s->bin_end;
	uint32_t gen;
	w->idirty[w->nidirty] = sess_handle(w->sess, s, &gen);
	w->idirty_gen[w->nidirty++] = gen;
}

static void interim_flush(struct worker *w)
{
	for (unsigned i = 0; i < w->nidirty; i++) {
		struct session *s = sess_use(w->sess, w->idirty[i], w->idirty_gen[i]);
		if (!s || !s->bin_end)
			continue; /* ended since: its end says it all */
		struct sess_usage d = s->use;
		for (int k = 0; k < 2; k++) {
			d.pkts[k] -= s->rep.pkts[k];
			d.bytes[k] -= s->rep.bytes[k];
		}
		d.flows -= s->rep.flows;
		d.rtt_n -= s->rep.rtt_n;
		d.rtt_sum_us -= s->rep.rtt_sum_us;
		d.retrans -= s->rep.retrans;
		/* which worker knew an application first depends on how flows
		 * were spread: the end event lists them, summed over workers */
		d.napps = 0;
		sess_share(w, s, SESS_INTERIM, s->bin_end, &d);
		s->rep = s->use;
		s->bin_end = 0;
	}
	w->nidirty = 0;
	w->interim_due = 0;
}

/* The clock is about to move to now_us: interims of intervals it ends. */
static inline void interim_before_clock(struct worker *w, uint64_t now_us)
{
	if (w->nidirty && now_us >= w->interim_due) {
		/* the segment of a session comes from the policy: read it
		 * (also between bursts, where the worker holds none) */
		int enter = !w->pol && w->cfg.policy;
		if (enter)
			pol_enter(w);
		interim_flush(w);
		if (enter)
			pol_leave(w);
	}
}

static void ics_rec(struct worker *w, struct flow *f, struct flow_meta *m, int proto,
		    unsigned fc, unsigned cls, unsigned unit, uint16_t start, uint16_t qty,
		    int exc, unsigned exc_code, uint32_t count)
{
	struct det_rec *r = flow_rec(w, f, m, DR_ICS, 0);

	if (!r)
		return;
	memset(&r->u.ics, 0, sizeof(r->u.ics));
	r->u.ics.proto = (uint8_t)proto;
	r->u.ics.fc = (uint8_t)fc;
	r->u.ics.cls = (uint8_t)cls;
	r->u.ics.unit = (uint16_t)unit;
	r->u.ics.start = start;
	r->u.ics.qty = qty;
	r->u.ics.exception = (uint8_t)exc;
	r->u.ics.exc_code = (uint8_t)exc_code;
	r->u.ics.count = count;
	det_feed_commit(w->feed, r);
}

/* One request function: told once per flow, a write or control every time
 * it is new on the flow (the detector judges who sent it). */
static void ics_function(struct worker *w, struct flow *f, struct flow_meta *m, int proto,
			 unsigned fc, unsigned cls, unsigned unit, uint16_t start, uint16_t qty)
{
	uint64_t key = f->flow_id << 9 | (uint64_t)proto << 8 | fc;
	uint64_t *slot = &w->ics_seen[(key * 0x9e3779b97f4a7c15ULL) >> 48];

	if (*slot == key)
		return;
	*slot = key;
	ics_rec(w, f, m, proto, fc, cls, unit, start, qty, 0, 0, 0);
}

/* Exception responses: counted per flow and second, reported at 1, 2, 4... */
static void ics_exception(struct worker *w, struct flow *f, struct flow_meta *m, int proto,
			  unsigned fc, unsigned unit, unsigned code)
{
	struct ics_exc *e = &w->ics_exc[(f->flow_id * 0x9e3779b97f4a7c15ULL) >> 52];

	if (e->flow_id != f->flow_id || w->now_us >= e->win_us + 1000000) {
		e->flow_id = f->flow_id;
		e->win_us = w->now_us;
		e->n = e->sent = 0;
	}
	uint32_t n = ++e->n;
	if (n & (n - 1))
		return;
	ics_rec(w, f, m, proto, fc, ICS_RESPONSE, unit, 0, 0, 1, code, n - e->sent);
	e->sent = n;
}

/* Modbus/TCP and DNP3 segments: what the detectors need to police who
 * writes and operates the city's SCADA. */
static void ics_packet(struct worker *w, struct flow *f, struct flow_meta *m,
		       const struct decoded *d, unsigned dir)
{
	uint16_t dport = dir ? d->sport : d->dport; /* the server's */

	if (dport == MODBUS_PORT) {
		struct modbus_msg mm[8];
		unsigned n = 0;
		if (modbus_parse(d->payload, d->payload_len, dir == 0, mm, 8, &n) != 0)
			return;
		for (unsigned i = 0; i < n; i++) {
			if (mm[i].is_exception && dir == 1)
				ics_exception(w, f, m, DET_ICS_MODBUS, mm[i].fc, mm[i].unit,
					      mm[i].exc_code);
			else if (dir == 0)
				ics_function(w, f, m, DET_ICS_MODBUS, mm[i].fc, mm[i].cls,
					     mm[i].unit, mm[i].has_wr ? mm[i].wr.start : 0,
					     mm[i].has_wr ? mm[i].wr.qty : 0);
		}
	} else if (dport == DNP3_PORT) {
		struct dnp3_msg dm[8];
		unsigned n = 0;
		if (dnp3_parse(d->payload, d->payload_len, dm, 8, &n) != 0)
			return;
		for (unsigned i = 0; i < n; i++) {
			if (!dm[i].has_app)
				continue;
			/* DNP3 has no exception; a response's IIN "function code not
			 * supported" / "parameter error" bits play that part */
			uint16_t bad = DNP3_IIN_NO_FUNC_CODE | DNP3_IIN_OBJECT_UNKNOWN |
				       DNP3_IIN_PARAMETER_ERROR;
			if (dir == 1 && dm[i].has_iin && (dm[i].iin & bad))
				ics_exception(w, f, m, DET_ICS_DNP3, dm[i].fc, dm[i].dst,
					      dm[i].iin & bad);
			else if (dir == 0 && dm[i].cls != ICS_RESPONSE)
				ics_function(w, f, m, DET_ICS_DNP3, dm[i].fc, dm[i].cls, dm[i].dst, 0,
					     0);
		}
	}
}

/* ---- IoT protocol telemetry (stats events, per segment) ---------------- */

static struct ev_iot *iot_of(struct worker *w, struct flow *f, struct flow_meta *m)
{
	int seg = w->pol ? flow_segment(w, f, m) : -1;
	struct iot_bucket *b = &w->iot[seg >= 0 && seg < IOT_SLOTS - 1 ? seg : IOT_SLOTS - 1];

	if (!b->used) {
		b->used = 1;
		b->seg = seg;
	}
	return &b->v;
}

#define IOT_SAMPLE(arr, str)                                                   \
	do {                                                                   \
		for (int i_ = 0; i_ < EV_IOT_SAMPLES && (str)[0]; i_++) {      \
			if (!(arr)[i_][0]) {                                   \
				size_t l_ = strnlen((str), sizeof((arr)[i_]) - 1); \
				memcpy((arr)[i_], (str), l_);                  \
				(arr)[i_][l_] = 0; /* cut: a sample */         \
				break;                                         \
			}                                                      \
			if (!strncmp((arr)[i_], (str), sizeof((arr)[i_]) - 1)) \
				break;                                         \
		}                                                              \
	} while (0)

static void mqtt_packet(struct worker *w, struct flow *f, struct flow_meta *m,
			const struct decoded *d)
{
	struct mqtt_pkt pk[4];
	unsigned n = 0;

	if (mqtt_parse(d->payload, d->payload_len, pk, 4, &n) != 0)
		return;
	struct ev_iot *v = iot_of(w, f, m);
	for (unsigned i = 0; i < n; i++) {
		if (pk[i].anomalies & (1u << MQTT_A_INVALID_QOS))
			v->mqtt_invalid_qos++;
		if (pk[i].anomalies & ~((1u << MQTT_A_INVALID_QOS) | (1u << MQTT_A_TRUNCATED)))
			v->mqtt_anomalies++;
		switch (pk[i].type) {
		case MQTT_CONNECT:
			v->mqtt_connects++;
			if (pk[i].connect.cleartext_credentials)
				v->mqtt_cleartext_credentials++;
			IOT_SAMPLE(v->client_ids, pk[i].connect.client_id);
			break;
		case MQTT_PUBLISH:
			v->mqtt_publishes++;
			IOT_SAMPLE(v->topics, pk[i].publish.topic);
			break;
		case MQTT_SUBSCRIBE:
			v->mqtt_subscribes++;
			for (unsigned k = 0; k < pk[i].sub.nfilter; k++)
				IOT_SAMPLE(v->topics, pk[i].sub.filter[k].topic);
			break;
		default:
			break;
		}
	}
}

static void coap_packet(struct worker *w, struct flow *f, struct flow_meta *m,
			const struct decoded *d)
{
	struct coap_msg c;
	int rc = coap_parse(d->payload, d->payload_len, &c);

	if (rc != 0 && !c.anomalies)
		return; /* not CoAP */
	struct ev_iot *v = iot_of(w, f, m);
	if (c.anomalies)
		v->coap_anomalies++;
	if (rc != 0 || !c.is_request)
		return;
	v->coap_requests++;
	switch (c.code_detail) {
	case 1: v->coap_get++; break;
	case 2: v->coap_post++; break;
	case 3: v->coap_put++; break;
	case 4: v->coap_delete++; break;
	default: break;
	}
	IOT_SAMPLE(v->coap_paths, c.uri_path);
}

static void emit_iot(struct worker *w)
{
	for (unsigned i = 0; i < IOT_SLOTS; i++) {
		struct iot_bucket *b = &w->iot[i];
		if (!b->used)
			continue;
		struct event *ev = new_event(w, EV_IOT, w->now_us);
		if (ev) {
			memset(&ev->flow_id, 0, offsetof(struct event, u) - offsetof(struct event, flow_id));
			const char *n = w->pol && b->seg >= 0 ? policy_segment_name(w->pol, b->seg) : NULL;
			if (n)
				snprintf(ev->segment, sizeof(ev->segment), "%s", n);
			ev->u.iot = b->v;
			ev->u.iot.interval_s = w->cfg.stats_interval_s;
			evq_commit(w->q, ev);
		}
		memset(b, 0, sizeof(*b));
	}
}

static void process_one(struct worker *w, const struct pkt *p, struct prep *x)
{
	struct decoded d_, *dp = &x->d;
#define d (*dp)
	int created;

	(void)d_;
	w->st.pkts++;
	w->st.bytes += p->wirelen;
	if (p->ts_us > w->now_us) {
		interim_before_clock(w, p->ts_us);
		w->now_us = p->ts_us;
		if (w->feed)
			advance_records(w);
	}

	int r = x->r;
	if (d.anomalies)
		count_anomalies(w, d.anomalies);
	if (r != DEC_OK) {
		if (r == DEC_BAD)
			w->st.decode_bad++;
		else
			w->st.not_ip++;
		if (d.anomalies)
			flowless_anomalies(w, d.anomalies);
		return;
	}
	if (d.frag == DEC_FRAG_LATER) {
		w->st.frag_later++;
		if (d.anomalies)
			flowless_anomalies(w, d.anomalies);
		return;
	}
	if (d.tun_depth)
		w->st.tunnelled++;
	int from_lo = x->from_lo;
	uint32_t h = x->h;
	const struct flow_key *kp = &x->k;
#define k (*kp)
	struct flow *f = flow_table_get(w->ft, &k, h, w->now_us, &created);
	struct flow_meta *m = flow_table_meta(w->ft, f);

	if (!created && f->state == EV_STATE_CLOSED && d.proto == 6 &&
	    (d.tcp_flags & 0x12) == 0x02) {
		/* a new SYN on a closed connection: a new flow */
		w->st.tcp_reuse++;
		flow_table_end(w->ft, f, EV_REASON_TCP_REUSE);
		f = flow_table_get(w->ft, &k, h, w->now_us, &created);
		m = flow_table_meta(w->ft, f);
	}
	if (created) {
		w->st.flows_created++;
		if (flow_table_count(w->ft) > w->st.flows_peak)
			w->st.flows_peak = flow_table_count(w->ft);
		f->client_is_lo = (uint8_t)from_lo;
		f->flow_id = make_flow_id(h, w->now_us);
		init_meta(m, &d);
		m->has_mac = p->link == DEC_LINK_ETH && p->caplen >= 14 && !d.tun_depth;
		if (m->has_mac) {
			memcpy(m->mac[0], p->data + 6, 6); /* the client sent it */
			memcpy(m->mac[1], p->data, 6);
		}
		f->cls_slot = classifier_begin(w->cls);
		if (f->cls_slot == CLASSIFY_NO_SLOT) {
			f->cls_slot = FLOW_NIL;
			w->st.classify_no_slot++;
		}
		f->seg_gen = 0; /* no generation yet: computed on first use */
		f->http_slot = HTTP_NONE;
		f->http_alerted = 0;
		f->sess = FLOW_NIL;
		f->sess_ue_side = 0;
		if (d.tun_type == DEC_TUN_GTPU)
			bind_session(w, f, m, d.tun_id);
		flow_started(w, f, m, d.proto == 6 ? d.tcp_flags : d.icmp_type);
		if (w->feed && d.tun_type == DEC_TUN_GTPU)
			gtp_check(w, f, m, &d);
	}
	else if (f->sess == FLOW_NIL && d.tun_type == DEC_TUN_GTPU &&
		 f->pkts[0] + f->pkts[1] < 16 && !m->tuple.seid)
		bind_session(w, f, m, d.tun_id); /* its N4/S11 came late (other queue) */
	unsigned dir = (unsigned)from_lo == f->client_is_lo ? 0 : 1;

	if (d.proto == 17 && !d.tun_depth && (d.sport == PFCP_PORT || d.dport == PFCP_PORT) &&
	    d.payload_len)
		pfcp_packet(w, &d, f, m);
	if (d.proto == 17 && !d.tun_depth && (d.sport == GTPC_PORT || d.dport == GTPC_PORT) &&
	    d.payload_len)
		gtpc_packet(w, &d);
	if (w->feed && d.gtp_layers) { /* any GTP-U header, whatever its type */
		uint8_t ga = gtp_anomalies(d.anomalies);
		if (ga || d.gtp_msg != 0xff)
			gtp_signal(w, f, m, &d, ga);
	}

	if (w->feed) {
		struct sketch *sk = det_feed_sketch(w->feed);
		if (sk) {
			int syn = d.proto == 6 && (d.tcp_flags & 0x12) == 0x02;
			int amp = d.proto == 17 && is_reflector_port(d.sport);
			sk_add(sk, sk_hash(d.ipver, d.dst), d.ipver, d.dst, p->wirelen, syn, amp);
		}
		/* the packet's own ports: the flow's cold metadata stays cold */
		if (d.proto == 17 && (d.dport == 53 || d.sport == 53) && d.payload_len)
			dns_packet(w, f, m, &d);
		if (d.proto == 6 && d.payload_len && f->http_slot != HTTP_DONE &&
		    http_port(dir ? d.sport : d.dport))
			http_feed(w, f, m, &d, dir);
		if (d.proto == 6 && d.payload_len &&
		    ((dir ? d.sport : d.dport) == MODBUS_PORT ||
		     (dir ? d.sport : d.dport) == DNP3_PORT))
			ics_packet(w, f, m, &d, dir);
		/* a refused probe fails now; one answered never will */
		if (dir == 1 && f->pkts[1] == 0 && d.proto == 6 && (d.tcp_flags & 0x04) &&
		    det_is_probe(6, f->tcp_flags[0]))
			probe_failed(w, f, f->tcp_flags[0], w->now_us);
	}
	if (w->stats_us && d.payload_len) {
		/* the server's port: MQTT brokers, CoAP servers */
		uint16_t sp = dir ? d.sport : d.dport;
		if (d.proto == 6 && sp == MQTT_PORT)
			mqtt_packet(w, f, m, &d);
		else if (d.proto == 17 && sp == COAP_PORT)
			coap_packet(w, f, m, &d);
	}

	if (w->active_us && w->now_us >= f->first_us + w->active_us) {
		/* long-lived flow: export what it did so far, keep going */
		w->st.flows_active_export++;
		emit_flow(w, f, m, EV_REASON_ACTIVE_TIMEOUT);
		memset(f->pkts, 0, sizeof(f->pkts));
		memset(f->bytes, 0, sizeof(f->bytes));
		f->first_us = w->now_us;
	}
	f->pkts[dir]++;
	/* a tunnelled flow's bytes are its own, not the tunnel's (as EVE) */
	uint32_t own = d.tun_depth ? p->wirelen - d.inner_off : p->wirelen;
	f->bytes[dir] += own;
	if (f->sess != FLOW_NIL)
		sess_account(w, f, m, &d, dir, own);
	if (d.tun_type && !m->tuple.tun_id[dir])
		m->tuple.tun_id[dir] = d.tun_id;
	if (dir && (d.proto == 1 || d.proto == 58) && d.has_l4 &&
	    !m->tuple.has_resp_icmp) {
		m->tuple.has_resp_icmp = 1;
		m->tuple.resp_icmp_type = d.icmp_type;
		m->tuple.resp_icmp_code = d.icmp_code;
	}
	if (d.has_qfi && !m->tuple.has_qfi) {
		m->tuple.has_qfi = 1;
		m->tuple.qfi = d.qfi;
	}
	if (d.rqi)
		m->tuple.rqi = 1;
	if (d.has_ppi && !m->tuple.has_ppi) {
		m->tuple.has_ppi = 1;
		m->tuple.ppi = d.ppi;
	}
	if (d.anomalies & ~f->anomalies) {
		uint64_t fresh = d.anomalies & ~f->anomalies;
		f->anomalies |= d.anomalies;
		while (fresh) {
			unsigned b = (unsigned)__builtin_ctzll(fresh);
			fresh &= fresh - 1;
			emit_anomaly(w, b, f, m, 1);
		}
	}

	enum flow_class fc;
	if (d.proto == 6) {
		f->tcp_flags[dir] |= d.tcp_flags;
		fc = tcp_update(f, dir, d.tcp_flags);
	} else {
		if (f->pkts[0] && f->pkts[1])
			f->state = EV_STATE_ESTABLISHED;
		fc = FC_OTHER;
	}
	flow_table_touch(w->ft, f, fc, w->now_us);

	if (f->cls_slot != FLOW_NIL) {
		if (classifier_packet(w->cls, f->cls_slot, d.l3, d.l3_len,
				      w->now_us, d.proto,
				      f->pkts[0] + f->pkts[1], &m->app)) {
			f->cls_slot = FLOW_NIL;
			f->classify_done = 1;
			flow_classified(w, f, m);
		}
	}
}

#undef d
#undef k

#define PREP_BURST 16

static inline void pol_enter(struct worker *w)
{
	if (w->cfg.policy) {
		w->pol = policy_ref_get(w->cfg.policy);
		w->pol_gen = policy_ref_gen(w->cfg.policy);
	}
}

static inline void pol_leave(struct worker *w)
{
	if (w->cfg.policy) {
		w->pol = NULL;
		if (w->pol_online)
			policy_ref_quiescent(w->cfg.policy, w->cfg.id);
	}
}

void worker_policy_online(struct worker *w)
{
	clockid_t c;

	if (!__atomic_load_n(&w->has_cpu_clock, __ATOMIC_ACQUIRE) &&
	    !pthread_getcpuclockid(pthread_self(), &c)) {
		w->cpu_clock = c;
		__atomic_store_n(&w->has_cpu_clock, 1, __ATOMIC_RELEASE);
	}
	if (w->cfg.policy) {
		policy_ref_online(w->cfg.policy, w->cfg.id);
		w->pol_online = 1;
	}
}

int worker_cpu_ns(const struct worker *w, uint64_t *ns)
{
	struct timespec ts;

	if (!__atomic_load_n(&w->has_cpu_clock, __ATOMIC_ACQUIRE) ||
	    clock_gettime(w->cpu_clock, &ts))
		return -1;
	*ns = (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
	return 0;
}

void worker_policy_offline(struct worker *w)
{
	if (w->cfg.policy) {
		w->pol_online = 0;
		policy_ref_offline(w->cfg.policy, w->cfg.id);
	}
}

void worker_process(struct worker *w, const struct pkt *pkts, unsigned n)
{
	struct prep x[PREP_BURST];

	pol_enter(w);
	for (unsigned base = 0; base < n; base += PREP_BURST) {
		unsigned m = n - base < PREP_BURST ? n - base : PREP_BURST;
		for (unsigned i = 0; i < m; i++)
			prepare(w, &pkts[base + i], &x[i]);
		for (unsigned i = 0; i < m; i++)
			process_one(w, &pkts[base + i], &x[i]);
	}
	if (w->now_us >= w->next_expire_us) {
		flow_table_expire(w->ft, w->now_us);
		w->next_expire_us = w->now_us + EXPIRE_EVERY_US;
	}
	stats_tick(w);
	pol_leave(w);
	if ((++w->pub_bursts & 15) == 0)
		publish_stats(w);
}

void worker_advance(struct worker *w, uint64_t now_us)
{
	if (now_us > w->now_us) {
		interim_before_clock(w, now_us);
		w->now_us = now_us;
	}
	if (w->feed)
		advance_records(w);
	pol_enter(w);
	flow_table_expire(w->ft, w->now_us);
	w->next_expire_us = w->now_us + EXPIRE_EVERY_US;
	stats_tick(w);
	pol_leave(w);
	publish_stats(w);
}

void worker_control(struct worker *w, const struct pkt *p)
{
	struct decoded d;

	worker_clock(w, p->ts_us);
	if (decode_packet(&d, p->link, p->data, p->caplen, p->wirelen) != DEC_OK ||
	    d.proto != 17 || d.tun_depth || !d.payload_len)
		return;
	pol_enter(w); /* a session that ends here is reported with its segment */
	if (d.sport == PFCP_PORT || d.dport == PFCP_PORT)
		pfcp_packet(w, &d, NULL, NULL);
	else if (d.sport == GTPC_PORT || d.dport == GTPC_PORT)
		gtpc_packet(w, &d);
	pol_leave(w);
}

int worker_is_control(const struct decoded *d)
{
	return d->proto == 17 && !d->tun_depth &&
	       (d->sport == PFCP_PORT || d->dport == PFCP_PORT || d->sport == GTPC_PORT ||
		d->dport == GTPC_PORT);
}

void worker_clock(struct worker *w, uint64_t ts_us)
{
	if (ts_us > w->now_us) {
		interim_before_clock(w, ts_us);
		w->now_us = ts_us;
		if (w->feed)
			advance_records(w);
	}
	if (w->stats_us && w->now_us >= w->next_stats_us)
		stats_tick(w);
}

void worker_flush(struct worker *w)
{
	/* runs with the workers stopped (offline): a plain read is safe */
	if (w->cfg.policy) {
		w->pol = policy_ref_get(w->cfg.policy);
		w->pol_gen = policy_ref_gen(w->cfg.policy);
	}
	flow_table_flush(w->ft);
	if (w->stats_us)
		emit_stats(w); /* the final figures, flows all ended */
	for (unsigned b = 0; b < DEC_A_MAX; b++)
		if (w->flowless_pending[b]) {
			emit_anomaly(w, b, NULL, NULL, w->flowless_pending[b]);
			w->flowless_pending[b] = 0;
		}
	if (w->feed) {
		sess_report_active(w->sess, w->now_us);
		det_feed_eof(w->feed, w->now_us);
		w->feed = NULL; /* the analytics thread may now finish */
	}
	publish_stats(w);
}

void worker_get_stats(const struct worker *w, struct worker_stats *s)
{
	*s = w->st;
}

_Static_assert(sizeof(struct worker_stats) % sizeof(uint64_t) == 0, "counters are words");

static void publish_stats(struct worker *w)
{
	uint64_t *dst = (uint64_t *)&w->pub;
	const uint64_t *src = (const uint64_t *)&w->st;

	for (size_t i = 0; i < sizeof(w->st) / sizeof(uint64_t); i++)
		__atomic_store_n(&dst[i], src[i], __ATOMIC_RELAXED);
}

void worker_peek_stats(const struct worker *w, struct worker_stats *s)
{
	uint64_t *dst = (uint64_t *)s;
	const uint64_t *src = (const uint64_t *)&w->pub;

	for (size_t i = 0; i < sizeof(*s) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void worker_get_classify_stats(const struct worker *w, struct classify_stats *s)
{
	classifier_get_stats(w->cls, s);
}

void worker_foreach_app(const struct worker *w, worker_app_fn fn, void *ctx)
{
	for (unsigned i = 0; i < APP_SLOTS; i++)
		if (w->apps[i].key)
			fn(ctx, w->apps[i].label, w->apps[i].flows,
			   w->apps[i].bytes);
}

uint32_t worker_flow_count(const struct worker *w)
{
	return flow_table_count(w->ft);
}

size_t worker_bytes_per_flow(const struct worker *w)
{
	return flow_table_bytes_per_flow(w->ft);
}

void worker_get_session_stats(const struct worker *w, struct sess_stats *s)
{
	sess_get_stats(w->sess, s);
}

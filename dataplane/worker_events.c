/* worker_events: the events a worker writes (flow, anomaly, stats) and
 * what every event about a flow carries: id, tuple, segment, session. */
#include "worker_impl.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#define FLOWLESS_EVERY_US 1000000

static void set_segment(struct worker *w, struct event *ev, struct flow *f,
			const struct flow_meta *m);

/* Deterministic 51-bit id (JSON-safe), the same whichever worker sees it. */
uint64_t wk_flow_id(uint32_t hash, uint64_t first_us)
{
	uint64_t z = ((uint64_t)hash << 32) ^ first_us;

	z += 0x9e3779b97f4a7c15ULL;
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	z ^= z >> 31;
	z &= (1ULL << 51) - 1;
	return z ? z : 1;
}

void wk_app_account(struct worker *w, const struct cls_result *a,
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
struct event *wk_new_event(struct worker *w, enum ev_type type, uint64_t ts_us)
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
/* Who a PDU session is (UE, DNN, subscriber), as this worker knows it
 * now; a deleted session leaves only its SEID. */
void wk_session_fill(const struct session *s, struct ev_session *o)
{
	o->ue_ipver = s->ue_ipver;
	memcpy(o->ue, s->ue, 16);
	snprintf(o->dnn, sizeof(o->dnn), "%.39s", s->dnn);
	memcpy(o->subscriber, s->subscriber, sizeof(o->subscriber));
	memcpy(o->msisdn, s->msisdn, sizeof(o->msisdn));
}

void wk_session_id(struct worker *w, uint64_t seid, struct ev_session *o)
{
	const struct session *s = sess_by_seid(w->sess, seid);

	if (s)
		wk_session_fill(s, o);
}

/* Which inner endpoints of a flow are a UE (bit 0 src, bit 1 dst): its
 * session's UE when one is bound; a GTP-U flow no session explains (its
 * N4/S11 not seen, or after the session's deletion) still carries a UE's
 * traffic, and UEs open their flows (the UPF lets little in): its client. */
uint8_t wk_ue_side(const struct flow *f, const struct flow_meta *m)
{
	if (m->tuple.seid)
		return f->sess_ue_side;
	return m->tuple.tun_type == DEC_TUN_GTPU ? 1 : 0;
}

/* The flow an event is about: id, tuple, segment. */
void wk_event_flow(struct worker *w, struct event *ev, struct flow *f,
		       const struct flow_meta *m)
{
	ev->flow_id = f->flow_id;
	ev->t = m->tuple;
	set_segment(w, ev, f, m);
	if (m->tuple.seid) {
		/* the session as it is now (or was: deleted, only its SEID) */
		wk_session_id(w, m->tuple.seid, &ev->sess);
		ev->sess.has = 1;
	}
	uint8_t ue = wk_ue_side(f, m);
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

void wk_emit_flow(struct worker *w, struct flow *f, struct flow_meta *m,
		      enum ev_flow_reason reason)
{
	struct event *ev = wk_new_event(w, EV_FLOW, f->last_us);

	if (!ev)
		return;
	wk_event_flow(w, ev, f, m);
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
	r->icmp_errors = m->icmp_errors;
	r->classified = f->classify_done;
	if (f->classify_done)
		classifier_describe(w->cls, &m->app, &r->app);
	evq_commit(w->q, ev);
}

/* The flow's segment under the current policy (recomputed when a reload
 * happened since the flow was created): inner address of the client, then
 * of the server, then VLAN, then GTP TEID. */
int wk_flow_segment(struct worker *w, struct flow *f, const struct flow_meta *m)
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
	int s = wk_flow_segment(w, f, m);
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
void wk_emit_anomaly(struct worker *w, unsigned kind, struct flow *f,
			 const struct flow_meta *m, uint32_t count)
{
	struct event *ev = wk_new_event(w, EV_ANOMALY, w->now_us);

	if (!ev)
		return;
	ev->u.anomaly.kind = (uint16_t)kind;
	ev->u.anomaly.count = count;
	if (f) {
		wk_event_flow(w, ev, f, m);
		ev->u.anomaly.has_flow = 1;
	}
	evq_commit(w->q, ev);
}

void wk_emit_stats(struct worker *w)
{
	struct event *ev = wk_new_event(w, EV_STATS, w->now_us);
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
	al_stats(w, w->al, w->nal); /* the entries' own telemetry (MQTT, CoAP) */
}

void wk_stats_tick(struct worker *w)
{
	if (!w->stats_us || !w->now_us)
		return;
	if (!w->next_stats_us) {
		w->next_stats_us = (w->now_us / w->stats_us + 1) * w->stats_us;
		return;
	}
	if (w->now_us >= w->next_stats_us) {
		wk_emit_stats(w);
		w->next_stats_us = (w->now_us / w->stats_us + 1) * w->stats_us;
	}
}

void wk_count_anomalies(struct worker *w, uint64_t bits)
{
	while (bits) {
		unsigned b = (unsigned)__builtin_ctzll(bits);
		bits &= bits - 1;
		w->st.anomalies++;
		w->st.anomaly_kind[b]++;
	}
}

void wk_flowless_anomalies(struct worker *w, uint64_t bits)
{
	while (bits) {
		unsigned b = (unsigned)__builtin_ctzll(bits);
		bits &= bits - 1;
		w->flowless_pending[b]++;
		if (w->flowless_last[b] == 0 ||
		    w->now_us >= w->flowless_last[b] + FLOWLESS_EVERY_US) {
			wk_emit_anomaly(w, b, NULL, NULL, w->flowless_pending[b]);
			w->flowless_last[b] = w->now_us ? w->now_us : 1;
			w->flowless_pending[b] = 0;
		}
	}
}

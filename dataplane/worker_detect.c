/* worker_detect: the worker side of the detectors - their hooks on a
 * flow (start, classification, HTTP) and the records for the analytics
 * thread (scan probes, starts, ends of baselined devices). */
#include "worker_impl.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "../policies/policy.h"
#include "../proto/l2.h"

const struct ev_app *wk_call_describe(void *ctx)
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
	struct event *ev = wk_new_event(w, EV_ALERT, w->now_us);

	if (!ev)
		return;
	w->st.alerts++;
	wk_event_flow(w, ev, c->f, c->m);
	if (c->f->classify_done && !a->app[0])
		snprintf(a->app, sizeof(a->app), "%s", wk_call_describe(ctx)->proto);
	ev->u.alert = *a;
	evq_commit(w->q, ev);
}

void wk_det_call_init(struct worker *w, struct det_call *c, struct det_flow *df,
			  struct flow *f, struct flow_meta *m)
{
	c->w = w;
	c->f = f;
	c->m = m;
	c->described = 0;
	memset(df, 0, sizeof(*df));
	df->t = &m->tuple;
	df->pol = w->pol;
	df->seg = w->pol ? wk_flow_segment(w, f, m) : -1;
	df->alerted = &f->alerted;
	df->alerted_http = &f->http_alerted;
	df->now_us = w->now_us;
	df->host = "";
	df->ctx = c;
	df->emit = call_emit;
	df->describe = wk_call_describe;
}

/* A record for the analytics thread about this flow. */
struct det_rec *wk_flow_rec(struct worker *w, struct flow *f,
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
	r->seg = (int16_t)(w->pol ? wk_flow_segment(w, f, m) : -1);
	r->sport = t->sport;
	r->dport = t->dport;
	r->hash = (uint32_t)(f->flow_id ^ (f->flow_id >> 32));
	r->flow_id = f->flow_id;
	r->ue_side = wk_ue_side(f, m);
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
		wk_session_id(w, t->seid, &r->sess);
	return r;
}

/* A probe that got no answer by its deadline (or a refusal): the scan
 * detector's input, stamped with the moment it failed. */
void wk_probe_failed(struct worker *w, struct flow *f, uint8_t flags, uint64_t ts)
{
	struct det_rec *r = wk_flow_rec(w, f, flow_table_meta(w->ft, f), DR_FAILED, flags);

	if (!r)
		return;
	r->ts_us = ts;
	det_feed_commit(w->feed, r);
}

/* Packet time moved to w->now_us: judge the probes whose answer time ran
 * out and close the sketch ticks that ended, in time order, so that this
 * worker's records stay in nondecreasing time (the analytics thread's
 * watermarks rely on it). */
void wk_advance_records(struct worker *w)
{
	while (w->p_n && w->probes[w->p_head].deadline <= w->now_us) {
		struct probe_ent *e = &w->probes[w->p_head];
		det_feed_clock(w->feed, e->deadline); /* ticks that ended before */
		struct flow *f = e->f;
		if (f->in_use && f->flow_id == e->flow_id && f->pkts[1] == 0)
			wk_probe_failed(w, f, e->flags, e->deadline);
		w->p_head = (w->p_head + 1) % PROBE_RING;
		w->p_n--;
	}
	det_feed_clock(w->feed, w->now_us);
}

void wk_flow_started(struct worker *w, struct flow *f, struct flow_meta *m,
			 uint8_t flags)
{
	struct det_call c;
	struct det_flow df;

	wk_det_call_init(w, &c, &df, f, m);
	detectors_flow_start(&df);
	if (!w->feed)
		return;
	if (det_is_probe(m->tuple.proto, flags)) {
		/* the scan detector hears of it only if it fails */
		if (w->p_n == PROBE_RING) {
			struct probe_ent *o = &w->probes[w->p_head];
			if (o->f->in_use && o->f->flow_id == o->flow_id && o->f->pkts[1] == 0)
				wk_probe_failed(w, o->f, o->flags, w->now_us);
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
		struct det_rec *r = wk_flow_rec(w, f, m, DR_START, flags);
		if (r)
			det_feed_commit(w->feed, r);
	}
}

/* Once classification is over: the worker detectors, and a record for the
 * analytics thread when there is something for it (DNS names, HTTP 401). */
void wk_flow_classified(struct worker *w, struct flow *f, struct flow_meta *m)
{
	const struct cls_result *a = &m->app;
	struct det_call c;
	struct det_flow df;

	wk_det_call_init(w, &c, &df, f, m);
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
		const char *app = s ? wk_call_describe(&c)->proto : NULL;
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
		struct det_rec *r = wk_flow_rec(w, f, m, DR_APP, 0);
		if (!r)
			return;
		r->u.app.risk = risk;
		if (risk)
			snprintf(r->u.app.label, sizeof(r->u.app.label), "%s",
				 wk_call_describe(&c)->proto);
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
void wk_baseline_end(struct worker *w, struct flow *f, struct flow_meta *m)
{
	const struct ev_tuple *t = &m->tuple;
	int ss = policy_segment(w->pol, t->ipver, t->src, 0);
	int sd = policy_segment(w->pol, t->ipver, t->dst, 0);

	if (policy_segment_mode(w->pol, ss) == POLICY_MODE_NONE &&
	    policy_segment_mode(w->pol, sd) == POLICY_MODE_NONE)
		return;
	struct det_rec *r = wk_flow_rec(w, f, m, DR_END, 0);
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


/* ARP, DHCP and neighbour discovery: every message is a record for the L2
 * detectors (the messages are few; a storm of them is what they judge).
 * Only the outermost link's: a tunnelled LAN is not this sensor's LAN. */
void wk_l2(struct worker *w, const struct pkt *p, const struct decoded *d)
{
	struct l2_arp arp;
	struct l2_dhcp dh;
	struct l2_nd nd;
	int what;

	if (d->arp) {
		if (l2_arp_parse(d->arp, d->arp_len, &arp))
			return;
		what = DET_L2_ARP;
	} else if (d->tun_depth || !d->has_l4) {
		return;
	} else if (d->proto == 17) {
		if (l2_dhcp_parse(d->payload, d->payload_len, &dh))
			return;
		what = DET_L2_DHCP;
	} else if (d->proto == 58 && d->payload_len >= 4 && d->ipver == 6) {
		if (l2_nd_parse(d->payload - 4, d->payload_len + 4, &nd))
			return;
		what = DET_L2_ND;
	} else {
		return;
	}
	struct det_rec *r = det_feed_reserve(w->feed);
	if (!r)
		return;
	memset(r, 0, offsetof(struct det_rec, u));
	memset(&r->u.l2, 0, sizeof(r->u.l2));
	r->kind = DR_L2;
	r->ts_us = w->now_us;
	r->worker = (uint16_t)w->cfg.id;
	r->u.l2.what = (uint8_t)what;
	r->u.l2.vlan = d->vlan_count ? d->vlan[0] : 0;
	if (p->link == DEC_LINK_ETH && p->caplen >= 14) {
		memcpy(r->u.l2.eth_dst, p->data, 6);
		memcpy(r->u.l2.eth_src, p->data + 6, 6);
	}
	if (what == DET_L2_ARP) {
		r->ipver = 4;
		r->u.l2.op = (uint8_t)(arp.op > 255 ? 255 : arp.op);
		memcpy(r->src, arp.spa, 4);
		memcpy(r->dst, arp.tpa, 4);
		memcpy(r->u.l2.hw, arp.sha, 6);
		r->u.l2.has_hw = 1;
		memcpy(r->u.l2.ip, arp.spa, 4);
		memcpy(r->u.l2.ip2, arp.tpa, 4);
	} else {
		r->ipver = d->ipver;
		r->proto = d->proto;
		r->sport = d->sport;
		r->dport = d->dport;
		memcpy(r->src, d->src, 16);
		memcpy(r->dst, d->dst, 16);
		if (what == DET_L2_DHCP) {
			r->u.l2.op = dh.msg;
			memcpy(r->u.l2.hw, dh.chaddr, 6);
			r->u.l2.has_hw = 1;
			memcpy(r->u.l2.ip, dh.has_server_id ? dh.server_id : d->src, 4);
			memcpy(r->u.l2.ip2, dh.op == 2 ? dh.yiaddr : dh.requested, 4);
		} else {
			r->u.l2.op = nd.type;
			r->u.l2.flags = nd.type == ND_RA ? nd.router_lifetime > 0 : nd.flags;
			memcpy(r->u.l2.hw, nd.lladdr, 6);
			r->u.l2.has_hw = nd.has_lladdr;
			memcpy(r->u.l2.ip, nd.has_target && nd.type != ND_REDIRECT ? nd.target : d->src,
			       16);
			if (nd.has_prefix) {
				memcpy(r->u.l2.ip2, nd.prefix, 16);
				r->u.l2.has_prefix = 1;
				r->u.l2.prefix_len = nd.prefix_len;
			}
		}
	}
	/* the segment of the address the message is about */
	const uint8_t *a = what == DET_L2_ND && r->u.l2.has_prefix ? r->u.l2.ip2 : r->u.l2.ip;
	int seg = w->pol ? policy_segment(w->pol, r->ipver, a, r->u.l2.vlan) : -1;
	if (seg < 0 && w->pol)
		seg = policy_segment(w->pol, r->ipver, r->u.l2.ip2, r->u.l2.vlan);
	r->seg = (int16_t)seg;
	uint32_t h = 2166136261u; /* a stable tie-break: FNV-1a of the sender */
	for (int i = 0; i < 6; i++)
		h = (h ^ r->u.l2.eth_src[i]) * 16777619u;
	r->hash = h;
	det_feed_commit(w->feed, r);
}

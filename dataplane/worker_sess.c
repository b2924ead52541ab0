/* worker_sess: the 5G user plane against its PDU sessions - a GTP-U
 * flow bound to its session, the session's use (packets, bytes, RTT,
 * retransmissions), and its interim and end reports for analytics. */
#include "worker_impl.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

static void interim_mark(struct worker *w, struct session *s);
static void sess_share(struct worker *w, const struct session *s, enum sess_end why,
		       uint64_t ts, const struct sess_usage *use);

/* A new GTP-U flow against its PDU session (the 5g detector's input). */
void wk_gtp_check(struct worker *w, struct flow *f, struct flow_meta *m,
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
	struct det_rec *r = wk_flow_rec(w, f, m, DR_GTP, 0);
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

/* A GTP-U flow's PDU session, for every event about the flow: by TEID,
 * else by the UE address on either side. Tried when the flow starts, and
 * on its first packets while none is found (the session's PFCP may come
 * through another queue a moment later). */
void wk_bind_session(struct worker *w, struct flow *f, struct flow_meta *m, uint32_t teid)
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
void wk_sess_account(struct worker *w, struct flow *f, struct flow_meta *m,
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
	wk_session_fill(s, &r->u.sess.id);
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
void wk_sess_ended(void *ctx, const struct session *s, enum sess_end why, uint64_t ts)
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

/* The clock passed the end of an interval with sessions in use. */
void wk_interim_due(struct worker *w)
{
	/* the segment of a session comes from the policy: read it (also
	 * between bursts, where the worker holds none) */
	int enter = !w->pol && w->cfg.policy;
	if (enter)
		wk_pol_enter(w);
	interim_flush(w);
	if (enter)
		wk_pol_leave(w);
}

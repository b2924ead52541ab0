/* worker: the per-core pipeline's burst loop - decode, flow table,
 * application layers, classification - with its clock, expiry and
 * counters. What a packet leads to lives beside it (worker_impl.h). */
#include "worker_impl.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define EXPIRE_EVERY_US 100000  /* expiry scan granularity, packet time */

static void on_flow_end(void *ctx, struct flow *f, struct flow_meta *m,
			enum ev_flow_reason reason);
static void publish_stats(struct worker *w);

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
	w->probes = malloc(PROBE_RING * sizeof(*w->probes));
	w->peers = calloc(1, sizeof(*w->peers));
	/* 16384 sessions per worker; a day without N4 news ends one */
	unsigned max_sess = cfg->max_sessions ? cfg->max_sessions : 16384;
	w->sess = sess_create(max_sess, 86400ULL * 1000000);
	w->idirty = malloc(max_sess * sizeof(*w->idirty));
	w->idirty_gen = malloc(max_sess * sizeof(*w->idirty_gen));
	w->idirty_cap = max_sess;
	if (w->sess)
		sess_on_end(w->sess, wk_sess_ended, w);
	if (!w->probes || !w->peers || !w->sess || !w->idirty || !w->idirty_gen ||
	    al_init(w, w->al, &w->nal, cfg->feed != NULL, w->stats_us != 0) != 0)
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
	al_fini(w->al, w->nal);
	free(w->probes);
	free(w->peers);
	sess_destroy(w->sess);
	free(w->idirty);
	free(w->idirty_gen);
	classifier_destroy(w->cls);
	free(w);
}


static void on_flow_end(void *ctx, struct flow *f, struct flow_meta *m,
			enum ev_flow_reason reason)
{
	struct worker *w = ctx;

	al_flow_end(w, w->al, w->nal, f);
	if (f->cls_slot != FLOW_NIL) {
		classifier_finish(w->cls, f->cls_slot, &m->app);
		f->cls_slot = FLOW_NIL;
		f->classify_done = 1;
		wk_flow_classified(w, f, m);
	}
	if (f->sess == FLOW_NIL && !m->tuple.seid && m->tuple.tun_type == DEC_TUN_GTPU) {
		/* a last look: N4 seen on another queue after the flow's packets */
		wk_bind_session(w, f, m, m->tuple.tun_id[0]);
	}
	if (w->feed && w->pol)
		wk_baseline_end(w, f, m);
	w->st.flows_ended++;
	if (reason == EV_REASON_EVICTED)
		w->st.flows_evicted++;
	if (f->classify_done)
		wk_app_account(w, &m->app, f->bytes[0] + f->bytes[1]);
	wk_emit_flow(w, f, m, reason);
}

static void init_meta(struct flow_meta *m, const struct decoded *d)
{
	struct ev_tuple *t = &m->tuple;

	memset(t, 0, sizeof(*t));
	m->tcp_has_next = m->rtt_done = 0;
	m->gsig_win_us = 0;
	m->gsig_n = m->gsig_sent = 0;
	m->icmp_errors = 0;
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

/* The key (k may be NULL) and hash of the flow an ICMP error quotes. */
static uint32_t quoted_key(const struct decoded *d, struct flow_key *k)
{
	struct decoded q = *d;
	struct flow_key kk;

	q.ipver = d->q_ipver;
	q.proto = d->q_proto;
	memcpy(q.src, d->q_src, 16);
	memcpy(q.dst, d->q_dst, 16);
	q.sport = d->q_sport;
	q.dport = d->q_dport;
	if (!k)
		k = &kk;
	flow_key_make(k, &q);
	return flow_key_hash(k);
}

void worker_decode(const struct pkt *p, struct pkt_decoded *x, const struct gtpu_peers *peers)
{
	x->r = decode_packet_peers(&x->d, p->link, p->data, p->caplen, p->wirelen, peers);
	if (pkt_has_flow(x)) {
		x->from_lo = flow_key_make(&x->k, &x->d);
		x->hash = x->owner_hash = flow_key_hash(&x->k);
		if (x->d.icmp_err)
			x->owner_hash = quoted_key(&x->d, NULL);
	}
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

/* DHCP (both ports 67/68) or IPv6 neighbour discovery on the outer link */
static inline int is_l2_control(const struct decoded *d)
{
	if (d->tun_depth || !d->has_l4)
		return 0;
	if (d->proto == 17)
		return (d->sport == 67 || d->sport == 68) && (d->dport == 67 || d->dport == 68);
	return d->proto == 58 && d->icmp_type >= 133 && d->icmp_type <= 137;
}

/* An ICMP error about a flow this worker tracks: counted there, no flow
 * of its own (as Suricata attaches it to the flow it quotes). The quote
 * travelled the same way as the error: same tunnel, same VLANs. */
static int icmp_error(struct worker *w, const struct decoded *d)
{
	struct flow_key k;
	uint32_t h = quoted_key(d, &k);
	struct flow *f = flow_table_find(w->ft, &k, h, w->now_us);
	if (!f)
		return 0;
	flow_table_meta(w->ft, f)->icmp_errors++;
	w->st.icmp_errors++;
	return 1;
}

/* A packet ahead of the clock. Flows idle past their timeout end at
 * their own last packet (flow_table_get() ends one it meets). */
static void advance_to(struct worker *w, uint64_t ts_us)
{
	if (!w->cfg.time_decided) {
		/* live: a jump is followed once packets confirm it */
		w->clock.now = w->now_us;
		ts_us = pktclock_live(&w->clock, ts_us);
		if (ts_us <= w->now_us)
			return;
	}
	wk_interim_before_clock(w, ts_us);
	w->now_us = ts_us;
	if (w->feed)
		wk_advance_records(w);
}

static void process_one(struct worker *w, const struct pkt *p, const struct pkt_decoded *x)
{
	const struct decoded *dp = &x->d;
#define d (*dp)
	int created;

	w->st.pkts++;
	w->st.bytes += p->wirelen;
	if (p->ts_us > w->now_us)
		advance_to(w, p->ts_us);

	int r = x->r;
	if (d.anomalies)
		wk_count_anomalies(w, d.anomalies);
	if (r != DEC_OK) {
		if (r == DEC_BAD) {
			w->st.decode_bad++;
		} else {
			w->st.not_ip++;
			if (d.arp && w->feed)
				wk_l2(w, p, &d);
		}
		if (d.anomalies)
			wk_flowless_anomalies(w, d.anomalies);
		return;
	}
	if (d.frag == DEC_FRAG_LATER) {
		w->st.frag_later++;
		if (d.anomalies)
			wk_flowless_anomalies(w, d.anomalies);
		return;
	}
	if (d.tun_depth)
		w->st.tunnelled++;
	if (d.icmp_err && icmp_error(w, &d))
		return;
	if (w->feed && is_l2_control(&d))
		wk_l2(w, p, &d);
	int from_lo = x->from_lo;
	uint32_t h = x->hash;
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
		f->flow_id = wk_flow_id(h, w->now_us);
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
		al_flow_start(w->al, w->nal, f);
		f->sess = FLOW_NIL;
		f->sess_ue_side = 0;
		if (d.tun_type == DEC_TUN_GTPU)
			wk_bind_session(w, f, m, d.tun_id);
		wk_flow_started(w, f, m, d.proto == 6 ? d.tcp_flags : d.icmp_type);
		if (w->feed && d.tun_type == DEC_TUN_GTPU)
			wk_gtp_check(w, f, m, &d);
	}
	else if (f->sess == FLOW_NIL && d.tun_type == DEC_TUN_GTPU &&
		 f->pkts[0] + f->pkts[1] < 16 && !m->tuple.seid)
		wk_bind_session(w, f, m, d.tun_id); /* its N4/S11 came late (other queue) */
	unsigned dir = (unsigned)from_lo == f->client_is_lo ? 0 : 1;

	if (w->feed) {
		struct sketch *sk = det_feed_sketch(w->feed);
		if (sk) {
			int syn = d.proto == 6 && (d.tcp_flags & 0x12) == 0x02;
			int amp = d.proto == 17 && is_reflector_port(d.sport);
			sk_add(sk, sk_hash(d.ipver, d.dst), d.ipver, d.dst, p->wirelen, syn, amp);
		}
	}
	/* the application layers the packet's own ports (and more) call for:
	 * the flow's cold metadata stays cold */
	al_packet(w, w->al, w->nal, f, m, &d, dir);
	/* a refused probe fails now; one answered never will */
	if (w->feed && dir == 1 && f->pkts[1] == 0 && d.proto == 6 && (d.tcp_flags & 0x04) &&
	    det_is_probe(6, f->tcp_flags[0]))
		wk_probe_failed(w, f, f->tcp_flags[0], w->now_us);

	if (w->active_us && w->now_us >= f->first_us + w->active_us) {
		/* long-lived flow: export what it did so far, keep going */
		w->st.flows_active_export++;
		wk_emit_flow(w, f, m, EV_REASON_ACTIVE_TIMEOUT);
		memset(f->pkts, 0, sizeof(f->pkts));
		memset(f->bytes, 0, sizeof(f->bytes));
		f->first_us = w->now_us;
	}
	f->pkts[dir]++;
	/* a tunnelled flow's bytes are its own, not the tunnel's (as EVE) */
	uint32_t own = d.tun_depth ? p->wirelen - d.inner_off : p->wirelen;
	f->bytes[dir] += own;
	if (f->sess != FLOW_NIL)
		wk_sess_account(w, f, m, &d, dir, own);
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
			wk_emit_anomaly(w, b, f, m, 1);
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
			wk_flow_classified(w, f, m);
		}
	}
}

#undef d
#undef k

#define PREP_BURST 16
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

/* After a burst: expiry, stats, the policy let go. */
static void burst_end(struct worker *w)
{
	if (w->now_us >= w->next_expire_us) {
		flow_table_expire(w->ft, w->now_us);
		w->next_expire_us = w->now_us + EXPIRE_EVERY_US;
	}
	wk_stats_tick(w);
	wk_pol_leave(w);
	if ((++w->pub_bursts & 15) == 0)
		publish_stats(w);
}

/* Two passes over each PREP_BURST packets: decode and hash, starting to
 * fetch each hash bucket, so that the lookups of the second pass find
 * them in cache. */
void worker_process(struct worker *w, const struct pkt *pkts, unsigned n)
{
	struct pkt_decoded x[PREP_BURST];

	wk_pol_enter(w);
	for (unsigned base = 0; base < n; base += PREP_BURST) {
		unsigned m = n - base < PREP_BURST ? n - base : PREP_BURST;
		for (unsigned i = 0; i < m; i++) {
			worker_decode(&pkts[base + i], &x[i], w->peers);
			if (pkt_has_flow(&x[i]))
				flow_table_prefetch(w->ft, x[i].hash);
			/* the F-TEIDs it announces apply from the next packet on,
			 * in stream order as the -w N reader learns them */
			if (x[i].r == DEC_OK && x[i].d.proto == 17 && worker_is_control(&x[i].d))
				gtpu_peers_learn(w->peers, &x[i].d);
		}
		for (unsigned i = 0; i < m; i++)
			process_one(w, &pkts[base + i], &x[i]);
	}
	burst_end(w);
}

void worker_process_decoded(struct worker *w, const struct pkt *pkts,
			    const struct pkt_decoded *const *pre, unsigned n)
{
	wk_pol_enter(w);
	for (unsigned base = 0; base < n; base += PREP_BURST) {
		unsigned m = n - base < PREP_BURST ? n - base : PREP_BURST;
		for (unsigned i = 0; i < m; i++)
			if (pkt_has_flow(pre[base + i]))
				flow_table_prefetch(w->ft, pre[base + i]->hash);
		for (unsigned i = 0; i < m; i++)
			process_one(w, &pkts[base + i], pre[base + i]);
	}
	burst_end(w);
}

void worker_advance(struct worker *w, uint64_t now_us)
{
	if (now_us > w->now_us) {
		wk_interim_before_clock(w, now_us);
		w->now_us = now_us;
	}
	if (w->feed)
		wk_advance_records(w);
	wk_pol_enter(w);
	flow_table_expire(w->ft, w->now_us);
	w->next_expire_us = w->now_us + EXPIRE_EVERY_US;
	wk_stats_tick(w);
	wk_pol_leave(w);
	publish_stats(w);
}

void worker_control_decoded(struct worker *w, const struct pkt *p, const struct pkt_decoded *x)
{
	worker_clock(w, p->ts_us);
	if (x->r != DEC_OK || x->d.proto != 17 || x->d.tun_depth || !x->d.payload_len)
		return;
	wk_pol_enter(w); /* a session that ends here is reported with its segment */
	al_control(w, w->al, w->nal, &x->d);
	wk_pol_leave(w);
}

void worker_control(struct worker *w, const struct pkt *p)
{
	struct pkt_decoded x;

	x.r = decode_packet(&x.d, p->link, p->data, p->caplen, p->wirelen);
	worker_control_decoded(w, p, &x);
}

int worker_is_control(const struct decoded *d)
{
	return al_is_control(d);
}

struct gtpu_peers *worker_gtpu_peers(struct worker *w)
{
	return w->peers;
}

void worker_clock(struct worker *w, uint64_t ts_us)
{
	if (ts_us > w->now_us)
		advance_to(w, ts_us);
	if (w->stats_us && w->now_us >= w->next_stats_us)
		wk_stats_tick(w);
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
		wk_emit_stats(w); /* the final figures, flows all ended */
	for (unsigned b = 0; b < DEC_A_MAX; b++)
		if (w->flowless_pending[b]) {
			wk_emit_anomaly(w, b, NULL, NULL, w->flowless_pending[b]);
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

/* The analytics thread: merges the workers' records in packet-time order and
 * runs the cross-flow detectors; the feeds that bring the records; the
 * context detectors raise alerts through. */
#include "det_impl.h"
#include "../telemetry/telemetry.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_ring.h>

#define FEED_RECS 16384
#define FEED_SKETCHES 8
#define SUPPRESS_SLOTS 32768
#define MAX_SKETCHES 1024           /* ticks held at once (~87 MiB at most) */

struct det_feed {
	struct rte_ring *free_r, *full_r;
	struct det_rec *recs;
	struct rte_ring *sk_free;
	struct sketch *sks;
	struct sketch *cur;              /* this tick's, NULL: none could be had */
	/* one the worker could not hand over: its own again. sk_free has one
	 * producer, the analytics thread, so the worker never puts one back */
	struct sketch *spare;
	uint64_t cur_tick;
	uint64_t next_tick_us;           /* packet time the tick ends */
	int lossless;
	uint16_t id;
	uint64_t dropped;
};

struct supp {
	uint64_t last_us;
	uint32_t repeats;
};

struct det_ctx {
	struct analytics *a;
	uint64_t now;
	uint64_t flow_id;                /* of the record being processed */
	const struct det_rec *rec;       /* the record being processed */
};

struct analytics {
	struct analytics_cfg cfg;
	/* detector state: the analytics thread holds it while it processes a
	 * batch; state dumps and merges (checkpoints) take it too */
	pthread_mutex_t state_mu;
	struct det_feed *feeds;
	uint64_t *wm;                    /* per worker: no record before this */
	uint8_t *eof;
	struct det_rec *pend;            /* received, not yet processed */
	size_t npend, cap;
	struct det_rec **order;          /* the ready ones, sorted */
	size_t order_cap;
	struct sketch *acc;              /* the tick being merged */
	struct sketch *spare[MAX_SKETCHES];
	unsigned nspare, nsketches;
	int acc_live;
	const struct detector *const *dets;
	unsigned ndets;
	void **state;
	struct dtab *supp;
	const struct policy *pol;        /* during a batch (RCU read side) */
	struct det_ctx ctx;
	/* a session's shares from the workers: they sort next to each other */
	struct det_rec sacc;
	unsigned sparts;
	pthread_t thr;
	int started, stop;
	struct analytics_stats st;
};

/* ---- rings ------------------------------------------------------------------ */

/* aligned_alloc wants the size a multiple of the alignment */
static void *alloc64(size_t size)
{
	return aligned_alloc(64, (size + 63) & ~(size_t)63);
}

static int feed_init(struct det_feed *f, unsigned id, int lossless)
{
	f->id = (uint16_t)id;
	f->lossless = lossless;
	f->free_r = evq_ring_new(FEED_RECS * 2, "det_free");
	f->full_r = evq_ring_new(FEED_RECS * 2, "det_full");
	f->sk_free = evq_ring_new(FEED_SKETCHES * 2, "det_sk");
	f->recs = det_zalloc(FEED_RECS * sizeof(*f->recs));
	f->sks = det_zalloc(FEED_SKETCHES * sizeof(*f->sks)); /* page aligned */
	if (!f->free_r || !f->full_r || !f->sk_free || !f->recs || !f->sks)
		return -1;
	for (unsigned i = 0; i < FEED_RECS; i++)
		rte_ring_enqueue(f->free_r, &f->recs[i]);
	for (unsigned i = 0; i < FEED_SKETCHES; i++)
		rte_ring_enqueue(f->sk_free, &f->sks[i]);
	return 0;
}

static void feed_fini(struct det_feed *f)
{
	free(f->free_r);
	free(f->full_r);
	free(f->sk_free);
	det_zfree(f->recs, FEED_RECS * sizeof(*f->recs));
	det_zfree(f->sks, FEED_SKETCHES * sizeof(*f->sks));
}

struct det_rec *det_feed_reserve(struct det_feed *f)
{
	void *p;
	unsigned waits = 0;

	while (rte_ring_dequeue(f->free_r, &p) != 0) {
		if (!f->lossless) {
			__atomic_fetch_add(&f->dropped, 1, __ATOMIC_RELAXED);
			return NULL;
		}
		evq_wait(&waits);
	}
	struct det_rec *r = p;
	memset(r, 0, offsetof(struct det_rec, u));
	r->worker = f->id;
	return r;
}

void det_feed_commit(struct det_feed *f, struct det_rec *r)
{
	rte_ring_enqueue(f->full_r, r); /* room for every record */
}

static void feed_mark(struct det_feed *f, enum det_rec_kind k, uint64_t ts,
		      struct sketch *sk)
{
	struct det_rec *r = det_feed_reserve(f);

	if (!r) {
		if (sk && !f->spare)
			f->spare = sk;
		return;
	}
	r->kind = (uint8_t)k;
	r->ts_us = ts;
	r->u.sk = sk;
	det_feed_commit(f, r);
}

static void feed_take_sketch(struct det_feed *f, uint64_t tick)
{
	void *p = f->spare;
	unsigned waits = 0;

	f->spare = NULL;
	while (!p && rte_ring_dequeue(f->sk_free, &p) != 0) {
		if (!f->lossless) {
			__atomic_fetch_add(&f->dropped, 1, __ATOMIC_RELAXED);
			f->cur = NULL;
			return;
		}
		evq_wait(&waits);
	}
	f->cur = p;
	sk_clear(f->cur, tick);
}

void det_feed_clock(struct det_feed *f, uint64_t now_us)
{
	if (now_us < f->next_tick_us)
		return;
	uint64_t tick = now_us / DET_TICK_US;
	if (f->next_tick_us) {
		/* the tick that just ended: its sketch, or only a watermark when
		 * this worker saw nothing in it (ts = the tick's end, so records
		 * stay in order) */
		uint64_t end = (f->cur_tick + 1) * DET_TICK_US;
		if (f->cur && f->cur->total_pkts) {
			feed_mark(f, DR_TICK, end, f->cur);
			f->cur = NULL;
		} else {
			feed_mark(f, DR_WATERMARK, end, NULL);
		}
	}
	if (!f->cur)
		feed_take_sketch(f, tick);
	else
		f->cur->tick = tick;
	f->cur_tick = tick;
	f->next_tick_us = (tick + 1) * DET_TICK_US;
}

struct sketch *det_feed_sketch(struct det_feed *f)
{
	return f->cur;
}

void det_feed_eof(struct det_feed *f, uint64_t now_us)
{
	(void)now_us;
	/* the last tick's sketch, without taking a new one: workers flush one
	 * after another, and the analytics thread cannot hand sketches back
	 * before every worker's watermark passed them */
	if (f->cur && f->cur->total_pkts && f->next_tick_us)
		feed_mark(f, DR_TICK, (f->cur_tick + 1) * DET_TICK_US, f->cur);
	else if (f->cur && !f->spare)
		f->spare = f->cur;
	f->cur = NULL;
	f->next_tick_us = UINT64_MAX;
	feed_mark(f, DR_EOF, UINT64_MAX, NULL);
}

uint64_t det_feed_dropped(const struct det_feed *f)
{
	return __atomic_load_n(&f->dropped, __ATOMIC_RELAXED);
}

/* ---- context ---------------------------------------------------------------- */

uint64_t det_now(const struct det_ctx *c)
{
	return c->now;
}

uint64_t det_set_now(struct det_ctx *c, uint64_t t)
{
	uint64_t old = c->now;

	c->now = t;
	return old;
}

unsigned det_feed_debug_drain(struct det_feed *f, struct det_rec *out, unsigned cap)
{
	unsigned n = 0;
	void *p;

	while (n < cap && rte_ring_dequeue(f->full_r, &p) == 0) {
		out[n++] = *(struct det_rec *)p;
		rte_ring_enqueue(f->free_r, p);
	}
	return n;
}

long det_param(const struct det_ctx *c, const struct detector *d, int seg,
	       const char *key)
{
	long def = 0;

	/* callers pass the very literal their params table holds: compare
	 * pointers first, names only if that fails */
	for (const struct det_param *p = d->params; p && p->key; p++)
		if (p->key == key) {
			def = p->def;
			goto found;
		}
	for (const struct det_param *p = d->params; p && p->key; p++)
		if (!strcmp(p->key, key))
			def = p->def;
found:
	if (c->a->pol && seg >= 0)
		return policy_threshold(c->a->pol, seg, key, def);
	return def;
}

const struct policy *det_pol(const struct det_ctx *c)
{
	return c->a->pol;
}

int det_segment(const struct det_ctx *c, int ipver, const uint8_t *addr)
{
	return c->a->pol ? policy_segment(c->a->pol, ipver, addr, 0) : -1;
}

void det_rec_tuple(const struct det_rec *r, struct ev_tuple *t)
{
	memset(t, 0, sizeof(*t));
	memcpy(t->src, r->src, 16);
	memcpy(t->dst, r->dst, 16);
	t->ipver = r->ipver;
	t->proto = r->proto;
	t->sport = r->sport;
	t->dport = r->dport;
	if (r->proto == 1 || r->proto == 58)
		t->icmp_type = r->flags;
	det_tuple_tunnel(r, t);
}

void det_tuple_tunnel(const struct det_rec *r, struct ev_tuple *t)
{
	t->tun_type = r->tun.type;
	t->tun_id[0] = r->tun.id[0];
	t->tun_id[1] = r->tun.id[1];
	t->has_qfi = r->tun.has_qfi;
	t->qfi = r->tun.qfi;
	t->outer_ipver = r->tun.outer_ipver;
	memcpy(t->outer_src, r->tun.outer_src, 16);
	memcpy(t->outer_dst, r->tun.outer_dst, 16);
	t->seid = r->tun.seid;
}

static void ue_pseudonyms(struct analytics *an, struct event *ev, int seg);

int det_raise(struct det_ctx *c, struct ev_alert *a, const struct ev_tuple *t,
	      int seg, uint64_t window_us)
{
	struct analytics *an = c->a;
	struct {
		uint32_t sid;
		uint8_t ipver, partial, pad[2];
		uint8_t src[16], dst[16];
	} key;
	int created;

	memset(&key, 0, sizeof(key));
	key.sid = a->signature_id;
	key.ipver = t->ipver;
	key.partial = a->partial;
	if (!(a->partial & EV_ALERT_NO_SRC))
		memcpy(key.src, t->src, 16);
	if (!(a->partial & EV_ALERT_NO_DST))
		memcpy(key.dst, t->dst, 16);
	struct supp *s = dtab_get(an->supp, &key, c->now, &created);
	if (!created && c->now < s->last_us + window_us) {
		s->repeats++;
		an->st.suppressed++;
		return 0;
	}
	a->repeats = s->repeats;
	s->repeats = 0;
	s->last_us = c->now;
	if (window_us && !a->window_ms)
		a->window_ms = (uint32_t)(window_us / 1000);

	struct event *ev = evq_reserve(an->cfg.q);
	if (!ev) {
		an->st.dropped++;
		return 0;
	}
	ev->type = EV_ALERT;
	ev->worker = (uint16_t)an->cfg.workers;
	ev->ts_us = c->now;
	ev->t = *t;
	/* about one flow (same ports as the record): link it */
	if (!a->partial && t->sport)
		ev->flow_id = c->flow_id;
	if (an->pol && seg >= 0) {
		const char *n = policy_segment_name(an->pol, seg);
		if (n)
			snprintf(ev->segment, sizeof(ev->segment), "%s", n);
		if (policy_segment_pseudonymise(an->pol, seg)) {
			if (!(a->partial & EV_ALERT_NO_SRC) &&
			    policy_segment(an->pol, t->ipver, t->src, 0) == seg)
				ev->pseudo |= 1;
			if (!(a->partial & EV_ALERT_NO_DST) &&
			    policy_segment(an->pol, t->ipver, t->dst, 0) == seg)
				ev->pseudo |= 2;
		}
	}
	/* the session the record's flow belongs to, when the alert names it */
	const struct det_rec *r = c->rec;
	if (t->seid && r && r->tun.seid == t->seid) {
		ev->sess = r->sess;
		ev->sess.has = 1;
	} else
		ev->t.seid = 0;
	ue_pseudonyms(an, ev, seg);
	ev->u.alert = *a;
	evq_commit(an->cfg.q, ev);
	an->st.alerts++;
	return 1;
}

/* ---- the thread --------------------------------------------------------------- */

static int same_ip(int ipver, const uint8_t *a, const uint8_t *b)
{
	return !memcmp(a, b, ipver == 6 ? 16 : 4);
}

/* An alert endpoint that is a PDU session's UE (as the record that raised
 * it knows) is subscriber data: a pseudonym unless the segment allows it
 * in clear. */
static void ue_pseudonyms(struct analytics *an, struct event *ev, int seg)
{
	const struct det_rec *r = an->ctx.rec;
	const struct ev_tuple *t = &ev->t;

	ev->clear_subscriber = (uint8_t)(an->pol && seg >= 0 &&
					 policy_segment_clear_subscribers(an->pol, seg));
	if (!r || ev->clear_subscriber)
		return;
	/* the flow's own ends, and the session's UE (of either family: a
	 * dual-stack UE's IPv4 address names it on an IPv6 flow's alert) */
	int same_fam = r->ipver == t->ipver;
	for (int k = 0; k < 3; k++) {
		const uint8_t *ue = k == 0 ? ((same_fam && (r->ue_side & 1)) ? r->src : NULL)
				    : k == 1 ? ((same_fam && (r->ue_side & 2)) ? r->dst : NULL)
					     : (r->kind == DR_GTP && r->u.gtp.ue_ipver == t->ipver
							? r->u.gtp.ue : NULL);
		if (!ue)
			continue;
		if (same_ip(t->ipver, t->src, ue))
			ev->pseudo |= 1;
		if (same_ip(t->ipver, t->dst, ue))
			ev->pseudo |= 2;
	}
}

static int rec_cmp(const void *x, const void *y)
{
	const struct det_rec *a = *(struct det_rec *const *)x, *b = *(struct det_rec *const *)y;

	if (a->ts_us != b->ts_us)
		return a->ts_us < b->ts_us ? -1 : 1;
	if (a->kind != b->kind)
		return a->kind < b->kind ? -1 : 1;
	if (a->hash != b->hash)
		return a->hash < b->hash ? -1 : 1;
	int c = memcmp(a->src, b->src, 16);
	if (!c)
		c = memcmp(a->dst, b->dst, 16);
	if (!c)
		c = (int)a->sport - (int)b->sport;
	if (!c)
		c = (int)a->dport - (int)b->dport;
	if (!c)
		c = (int)a->proto - (int)b->proto;
	return c;
}

/* Sketch copies the analytics thread holds until it merges them. Kept for
 * reuse, never freed while running: freeing 85 KiB blocks lets malloc hand
 * pages back (madvise), and the TLB shootdowns that costs interrupt every
 * worker (measured: most of this thread's time, and a few % of theirs). */
static struct sketch *sketch_get(struct analytics *an)
{
	if (an->nspare)
		return an->spare[--an->nspare];
	if (an->nsketches >= MAX_SKETCHES)
		return NULL;
	an->nsketches++;
	return malloc(sizeof(struct sketch));
}

static void sketch_put(struct analytics *an, struct sketch *sk)
{
	an->spare[an->nspare++] = sk; /* room: at most MAX_SKETCHES exist */
}

static void finalize_tick(struct analytics *an)
{
	if (!an->acc_live)
		return;
	uint64_t end = (an->acc->tick + 1) * DET_TICK_US;
	an->ctx.now = end;
	an->ctx.flow_id = 0;
	for (unsigned i = 0; i < an->ndets; i++)
		if (an->state[i] && an->dets[i]->on_tick)
			an->dets[i]->on_tick(an->state[i], &an->ctx, an->acc, end);
	an->st.ticks++;
	an->acc_live = 0;
}

/* One "session" event from the workers' shares of a PDU session. */
static void session_emit(struct analytics *an)
{
	const struct det_rec *r = &an->sacc;
	struct event *ev;

	if (!an->sparts)
		return;
	an->sparts = 0;
	ev = evq_reserve(an->cfg.q);
	if (!ev) {
		an->st.dropped++;
		return;
	}
	memset(ev, 0, offsetof(struct event, u));
	ev->type = EV_SESSION;
	ev->worker = (uint16_t)an->cfg.workers;
	ev->ts_us = r->u.sess.use.end_us;
	ev->sess = r->u.sess.id;
	ev->sess.has = 1;
	int seg = r->u.sess.seg;
	if (an->pol && seg >= 0) {
		const char *n = policy_segment_name(an->pol, seg);
		if (n)
			snprintf(ev->segment, sizeof(ev->segment), "%s", n);
		if (policy_segment_pseudonymise(an->pol, seg))
			ev->pseudo = 1;
		ev->clear_subscriber = (uint8_t)policy_segment_clear_subscribers(an->pol, seg);
	}
	ev->u.session = r->u.sess.use;
	evq_commit(an->cfg.q, ev);
	an->st.sessions++;
}

static int same_session(const struct det_rec *a, const struct det_rec *b)
{
	return a->ts_us == b->ts_us && a->hash == b->hash && !memcmp(a->src, b->src, 16) &&
	       !memcmp(a->dst, b->dst, 16) &&
	       (a->u.sess.use.end == EV_SESS_INTERIM) == (b->u.sess.use.end == EV_SESS_INTERIM);
}

static void session_merge(struct analytics *an, const struct det_rec *r)
{
	struct ev_sess *u = &an->sacc.u.sess.use;
	const struct ev_sess *v = &r->u.sess.use;

	if (an->sparts && !same_session(&an->sacc, r))
		session_emit(an);
	if (!an->sparts) {
		memcpy(&an->sacc, r, offsetof(struct det_rec, u) + sizeof(r->u.sess));
	} else {
		for (int d = 0; d < 2; d++) {
			u->pkts[d] += v->pkts[d];
			u->bytes[d] += v->bytes[d];
		}
		u->flows += v->flows;
		u->retrans += v->retrans;
		if (v->rtt_n) {
			if (!u->rtt_n || v->rtt_min_us < u->rtt_min_us)
				u->rtt_min_us = v->rtt_min_us;
			if (v->rtt_max_us > u->rtt_max_us)
				u->rtt_max_us = v->rtt_max_us;
			u->rtt_n += v->rtt_n;
			u->rtt_sum_us += v->rtt_sum_us;
		}
		if (v->end_us > u->end_us)
			u->end_us = v->end_us;
		if (an->sacc.u.sess.seg < 0)
			an->sacc.u.sess.seg = r->u.sess.seg;
		for (unsigned i = 0; i < v->napps && i < EV_SESS_APPS; i++) {
			unsigned k = 0;
			while (k < u->napps && strcmp(u->apps[k], v->apps[i]))
				k++;
			if (k == u->napps && u->napps < EV_SESS_APPS)
				memcpy(u->apps[u->napps++], v->apps[i], sizeof(u->apps[0]));
		}
	}
	if (++an->sparts == an->cfg.workers)
		session_emit(an);
}

static void process(struct analytics *an, struct det_rec *r)
{
	if (an->acc_live && r->ts_us >= (an->acc->tick + 1) * DET_TICK_US &&
	    !(r->kind == DR_TICK && r->u.sk->tick == an->acc->tick))
		finalize_tick(an);
	an->ctx.now = r->ts_us;
	an->ctx.flow_id = r->flow_id;
	an->ctx.rec = r;
	if (r->kind == DR_TICK) {
		struct sketch *sk = r->u.sk;
		if (!an->acc_live) {
			sk_clear(an->acc, sk->tick);
			an->acc_live = 1;
		}
		sk_merge(an->acc, sk);
		sketch_put(an, sk);
		return;
	}
	if (r->kind == DR_WATERMARK || r->kind == DR_EOF)
		return;
	if (r->kind == DR_SESS) {
		session_merge(an, r);
		return;
	}
	an->st.records++;
	for (unsigned i = 0; i < an->ndets; i++)
		if (an->state[i] && an->dets[i]->on_record)
			an->dets[i]->on_record(an->state[i], &an->ctx, r);
}

static unsigned receive(struct analytics *an)
{
	unsigned got = 0;

	for (unsigned i = 0; i < an->cfg.workers; i++) {
		struct det_rec *rs[256];
		unsigned n = rte_ring_dequeue_burst(an->feeds[i].full_r, (void **)rs,
						    256, NULL);
		if (!n)
			continue;
		if (an->npend + n > an->cap) {
			size_t cap = an->cap ? an->cap * 2 : 65536;
			while (cap < an->npend + n)
				cap *= 2;
			struct det_rec *p = realloc(an->pend, cap * sizeof(*p));
			if (!p) {
				/* cannot keep them: drop (counted), never block */
				an->st.dropped += n;
				rte_ring_enqueue_burst(an->feeds[i].free_r,
						       (void *const *)rs, n, NULL);
				continue;
			}
			an->pend = p;
			an->cap = cap;
		}
		for (unsigned k = 0; k < n; k++) {
			struct det_rec *r = &an->pend[an->npend];
			/* only the bytes the kind uses: records are mostly header */
			size_t len = rs[k]->kind == DR_DNS ? sizeof(*r)
				     : rs[k]->kind == DR_APP ? offsetof(struct det_rec, u) +
								 sizeof(r->u.app)
				     : rs[k]->kind == DR_GTP ? offsetof(struct det_rec, u) +
								 sizeof(r->u.gtp)
				     : rs[k]->kind == DR_PFCP ? offsetof(struct det_rec, u) +
								  sizeof(r->u.pfcp)
				     : rs[k]->kind == DR_SESS ? offsetof(struct det_rec, u) +
								  sizeof(r->u.sess)
				     : rs[k]->kind == DR_END ? offsetof(struct det_rec, u) +
								 sizeof(r->u.end)
				     : rs[k]->kind == DR_ICS ? offsetof(struct det_rec, u) +
								 sizeof(r->u.ics)
				     : rs[k]->kind == DR_L2 ? offsetof(struct det_rec, u) +
								sizeof(r->u.l2)
				     : rs[k]->kind == DR_AUTH ? offsetof(struct det_rec, u) +
								  sizeof(r->u.auth)
							     : offsetof(struct det_rec, u) +
								 sizeof(r->u.sk);
			memcpy(r, rs[k], len);
			if (r->kind == DR_TICK) {
				/* the worker gets its sketch back now, not when every
				 * worker's watermark has passed it: a worker far ahead
				 * must not wait for the slowest */
				struct sketch *copy = sketch_get(an);
				if (!copy) {
					an->st.dropped++;
					rte_ring_enqueue(an->feeds[i].sk_free, r->u.sk);
					r->kind = DR_WATERMARK;
				} else {
					memcpy(copy, r->u.sk, sizeof(*copy));
					rte_ring_enqueue(an->feeds[i].sk_free, r->u.sk);
					r->u.sk = copy;
				}
			}
			an->npend++;
			if (rs[k]->kind == DR_EOF)
				an->eof[i] = 1;
			else
				an->wm[i] = rs[k]->ts_us;
		}
		rte_ring_enqueue_burst(an->feeds[i].free_r, (void *const *)rs, n, NULL);
		got += n;
	}
	return got;
}

/* Process every received record older than every worker's watermark, in
 * (time, kind, flow) order: the same order whatever the worker count. */
static void drain(struct analytics *an)
{
	uint64_t w = UINT64_MAX;
	int all_eof = 1;

	for (unsigned i = 0; i < an->cfg.workers; i++) {
		if (an->eof[i])
			continue;
		all_eof = 0;
		if (an->wm[i] < w)
			w = an->wm[i];
	}
	/* sort pointers (records are a few hundred bytes), then keep the rest */
	if (an->order_cap < an->npend) {
		struct det_rec **o = realloc(an->order, an->npend * sizeof(*o));
		if (!o)
			return; /* try again with the next batch */
		an->order = o;
		an->order_cap = an->npend;
	}
	size_t ready = 0;
	for (size_t i = 0; i < an->npend; i++)
		if (all_eof || an->pend[i].ts_us < w)
			an->order[ready++] = &an->pend[i];
	if (!ready)
		return;
	pthread_mutex_lock(&an->state_mu);
	if (an->cfg.policy)
		an->pol = policy_ref_get(an->cfg.policy);
	qsort(an->order, ready, sizeof(*an->order), rec_cmp);
	for (size_t i = 0; i < ready; i++)
		process(an, an->order[i]);
	session_emit(an); /* a session's shares are never split across batches */
	if (an->acc_live && (all_eof || w >= (an->acc->tick + 1) * DET_TICK_US))
		finalize_tick(an);
	size_t keep = 0;
	for (size_t i = 0; i < an->npend; i++)
		if (!(all_eof || an->pend[i].ts_us < w)) {
			if (keep != i)
				an->pend[keep] = an->pend[i];
			keep++;
		}
	an->npend = keep;
	if (an->cfg.policy) {
		an->pol = NULL;
		policy_ref_quiescent(an->cfg.policy, an->cfg.workers);
	}
	pthread_mutex_unlock(&an->state_mu);
}

static void *analytics_main(void *arg)
{
	struct analytics *an = arg;
	unsigned idle = 0;

	pthread_setname_np(pthread_self(), "vigia-analytics");
	/* not on a busy-polling lcore's core: lossless feeds would stall */
	thread_unpin();
	if (an->cfg.policy)
		policy_ref_online(an->cfg.policy, an->cfg.workers);
	for (;;) {
		int stopping = __atomic_load_n(&an->stop, __ATOMIC_ACQUIRE);
		/* idle or not: a policy swap must not wait on this thread */
		if (an->cfg.policy)
			policy_ref_quiescent(an->cfg.policy, an->cfg.workers);
		unsigned n = receive(an);
		if (n) {
			drain(an);
			idle = 0;
			continue;
		}
		int all_eof = 1;
		for (unsigned i = 0; i < an->cfg.workers; i++)
			all_eof &= an->eof[i];
		if (all_eof || stopping) {
			/* every worker is done (or the process stops): the rest */
			while (receive(an))
				;
			for (unsigned i = 0; i < an->cfg.workers; i++)
				an->eof[i] = 1;
			drain(an);
			finalize_tick(an);
			if (stopping)
				break;
		}
		/* nothing came: alerts are not latency-bound to the microsecond,
		 * so sleep rather than spin (a spinning thread here costs the
		 * workers on a small box) */
		if (idle++ < 2) {
			sched_yield();
		} else {
			struct timespec ts = { 0, idle < 100 ? 1000000 : 5000000 };
			nanosleep(&ts, NULL);
		}
	}
	if (an->cfg.policy)
		policy_ref_offline(an->cfg.policy, an->cfg.workers);
	return NULL;
}

struct analytics *analytics_create(const struct analytics_cfg *cfg)
{
	struct analytics *an = calloc(1, sizeof(*an));

	if (!an || !cfg->workers || !cfg->q)
		goto err;
	an->cfg = *cfg;
	pthread_mutex_init(&an->state_mu, NULL);
	an->ctx.a = an;
	an->feeds = calloc(cfg->workers, sizeof(*an->feeds));
	an->wm = calloc(cfg->workers, sizeof(*an->wm));
	an->eof = calloc(cfg->workers, 1);
	an->acc = alloc64(sizeof(*an->acc));
	an->supp = dtab_create(SUPPRESS_SLOTS, 40, sizeof(struct supp));
	if (!an->feeds || !an->wm || !an->eof || !an->acc || !an->supp)
		goto err;
	for (unsigned i = 0; i < cfg->workers; i++)
		if (feed_init(&an->feeds[i], i, cfg->lossless))
			goto err;
	an->dets = detector_registry(&an->ndets);
	an->state = calloc(an->ndets, sizeof(*an->state));
	if (!an->state)
		goto err;
	for (unsigned i = 0; i < an->ndets; i++) {
		const struct detector *d = an->dets[i];
		if (d->where != DET_ANALYTICS)
			continue;
		if (cfg->only) {
			/* a comma list of ids: run only those */
			size_t l = strlen(d->id);
			const char *p = cfg->only;
			int on = 0;
			while ((p = strstr(p, d->id))) {
				if ((p == cfg->only || p[-1] == ',') &&
				    (p[l] == ',' || p[l] == 0))
					on = 1;
				p += l;
			}
			if (!on)
				continue;
		}
		/* a stateless detector gets a non-NULL token: "enabled" */
		an->state[i] = d->create ? d->create() : (void *)an;
		if (!an->state[i])
			goto err;
	}
	return an;
err:
	analytics_destroy(an);
	errno = ENOMEM;
	return NULL;
}

struct det_feed *analytics_feed(struct analytics *a, unsigned worker)
{
	return worker < a->cfg.workers ? &a->feeds[worker] : NULL;
}

int analytics_start(struct analytics *a)
{
	int rc = pthread_create(&a->thr, NULL, analytics_main, a);

	if (rc)
		return -rc;
	a->started = 1;
	return 0;
}

void analytics_stop(struct analytics *a)
{
	if (!a || !a->started)
		return;
	__atomic_store_n(&a->stop, 1, __ATOMIC_RELEASE);
	pthread_join(a->thr, NULL);
	a->started = 0;
}

void analytics_destroy(struct analytics *a)
{
	if (!a)
		return;
	analytics_stop(a);
	if (a->state)
		for (unsigned i = 0; i < a->ndets; i++)
			if (a->state[i] && a->dets[i]->destroy)
				a->dets[i]->destroy(a->state[i]);
	free(a->state);
	if (a->feeds)
		for (unsigned i = 0; i < a->cfg.workers; i++)
			feed_fini(&a->feeds[i]);
	free(a->feeds);
	free(a->wm);
	free(a->eof);
	free(a->acc);
	for (size_t i = 0; i < a->npend; i++)
		if (a->pend[i].kind == DR_TICK)
			free(a->pend[i].u.sk);
	for (unsigned i = 0; i < a->nspare; i++)
		free(a->spare[i]);
	free(a->pend);
	free(a->order);
	dtab_destroy(a->supp);
	free(a);
}

void analytics_get_stats(const struct analytics *a, struct analytics_stats *s)
{
	*s = a->st;
	for (unsigned i = 0; i < a->cfg.workers; i++)
		s->dropped += det_feed_dropped(&a->feeds[i]);
}

unsigned analytics_state_evictions(const struct analytics *an, const char **ids, uint64_t *n,
				   unsigned max)
{
	unsigned k = 0;

	for (unsigned i = 0; i < an->ndets && k < max; i++)
		if (an->state[i] && an->dets[i]->state_evictions) {
			ids[k] = an->dets[i]->id;
			n[k++] = an->dets[i]->state_evictions(an->state[i]);
		}
	return k;
}

void analytics_state_merge(struct analytics *an, const char *det, const char *key,
			   const char *text)
{
	pthread_mutex_lock(&an->state_mu);
	for (unsigned i = 0; i < an->ndets; i++)
		if (!strcmp(an->dets[i]->id, det) && an->dets[i]->state_merge)
			an->dets[i]->state_merge(an->state[i], key, text);
	pthread_mutex_unlock(&an->state_mu);
}

struct dump_ctx {
	const char *det;
	void (*emit)(void *ctx, const char *det, const char *key, const char *text);
	void *ctx;
};

static void dump_one(void *x, const char *key, const char *text)
{
	struct dump_ctx *d = x;

	d->emit(d->ctx, d->det, key, text);
}

void analytics_state_dump(struct analytics *an,
			  void (*emit)(void *ctx, const char *det, const char *key,
				       const char *text),
			  void *ctx)
{
	pthread_mutex_lock(&an->state_mu);
	for (unsigned i = 0; i < an->ndets; i++)
		if (an->dets[i]->state_dump) {
			struct dump_ctx d = { an->dets[i]->id, emit, ctx };
			an->dets[i]->state_dump(an->state[i], dump_one, &d);
		}
	pthread_mutex_unlock(&an->state_mu);
}

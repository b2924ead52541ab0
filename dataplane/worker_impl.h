/* worker_impl: the worker's insides, shared by the files of the worker
 * module and nothing else (worker.h is its public face).
 *
 *   worker.c         create/destroy, the burst loop, clock, expiry, stats
 *   worker_events.c  flow, anomaly and stats events; a flow's segment
 *   worker_detect.c  the detector hooks and the records for analytics
 *   worker_sess.c    PDU sessions: binding flows, use, interim reports
 *   app_layer.c      the application-layer table; app_*.c one protocol each
 */
#ifndef VIGIA_WORKER_IMPL_H
#define VIGIA_WORKER_IMPL_H

#include <time.h>

#include "app_layer.h"
#include "decode.h"
#include "gtpu_peers.h"
#include "pktclock.h"
#include "session.h"
#include "worker.h"
#include "../detectors/analytics.h"
#include "../telemetry/evq.h"

#define APP_SLOTS 1024          /* distinct labels tracked for the summary */
#define PROBE_RING 65536

struct app_count {
	uint32_t key;               /* master << 16 | app, +1 so 0 = empty */
	char label[40];
	uint64_t flows, bytes;
};

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
	struct pktclock clock;
	struct gtpu_peers *peers;    /* F-TEIDs from N4/S11: GTP-U off 2152 */       /* live and DPDK: jumps confirmed here */
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
	/* probes waiting for their answer, in deadline order per segment */
	struct probe_ent {
		struct flow *f;
		uint64_t flow_id, deadline;
		uint8_t flags;
	} *probes;
	unsigned p_head, p_n;
	struct sess_table *sess;   /* PDU sessions learnt from PFCP */
	/* the application layers this worker runs (those whose needs its
	 * configuration meets), in table order, with their state */
	struct al_run al[AL_MAX];
	unsigned nal;
};

/* The flow a worker detector hook is about (its emit/describe context). */
struct det_call {
	struct worker *w;
	struct flow *f;
	struct flow_meta *m;
	int described;
	struct ev_app full;
};

static inline void wk_pol_enter(struct worker *w)
{
	if (w->cfg.policy) {
		w->pol = policy_ref_get(w->cfg.policy);
		w->pol_gen = policy_ref_gen(w->cfg.policy);
	}
}

static inline void wk_pol_leave(struct worker *w)
{
	if (w->cfg.policy) {
		w->pol = NULL;
		if (w->pol_online)
			policy_ref_quiescent(w->cfg.policy, w->cfg.id);
	}
}

/* worker_events.c */
uint64_t wk_flow_id(uint32_t hash, uint64_t first_us);
void wk_app_account(struct worker *w, const struct cls_result *a, uint64_t bytes);
/* A record to fill, its header set; NULL (counted) when the queue is full
 * and this worker may not wait. */
struct event *wk_new_event(struct worker *w, enum ev_type type, uint64_t ts_us);
void wk_session_fill(const struct session *s, struct ev_session *o);
void wk_session_id(struct worker *w, uint64_t seid, struct ev_session *o);
uint8_t wk_ue_side(const struct flow *f, const struct flow_meta *m);
void wk_event_flow(struct worker *w, struct event *ev, struct flow *f,
		   const struct flow_meta *m);
void wk_emit_flow(struct worker *w, struct flow *f, struct flow_meta *m,
		  enum ev_flow_reason reason);
int wk_flow_segment(struct worker *w, struct flow *f, const struct flow_meta *m);
void wk_emit_anomaly(struct worker *w, unsigned kind, struct flow *f,
		     const struct flow_meta *m, uint32_t count);
void wk_emit_stats(struct worker *w);
void wk_stats_tick(struct worker *w);
void wk_count_anomalies(struct worker *w, uint64_t bits);
void wk_flowless_anomalies(struct worker *w, uint64_t bits);

/* worker_detect.c */
void wk_det_call_init(struct worker *w, struct det_call *c, struct det_flow *df,
		      struct flow *f, struct flow_meta *m);
const struct ev_app *wk_call_describe(void *ctx);
/* A record for the analytics thread about this flow. */
struct det_rec *wk_flow_rec(struct worker *w, struct flow *f, const struct flow_meta *m,
			    enum det_rec_kind kind, uint8_t flags);
void wk_probe_failed(struct worker *w, struct flow *f, uint8_t flags, uint64_t ts);
void wk_advance_records(struct worker *w);
/* ARP, DHCP, neighbour discovery -> the L2 detectors */
void wk_l2(struct worker *w, const struct pkt *p, const struct decoded *d);
void wk_flow_started(struct worker *w, struct flow *f, struct flow_meta *m, uint8_t flags);
void wk_flow_classified(struct worker *w, struct flow *f, struct flow_meta *m);
void wk_baseline_end(struct worker *w, struct flow *f, struct flow_meta *m);

/* worker_sess.c */
void wk_gtp_check(struct worker *w, struct flow *f, struct flow_meta *m,
		  const struct decoded *d);
void wk_bind_session(struct worker *w, struct flow *f, struct flow_meta *m, uint32_t teid);
void wk_sess_account(struct worker *w, struct flow *f, struct flow_meta *m,
		     const struct decoded *d, unsigned dir, uint32_t bytes);
void wk_sess_ended(void *ctx, const struct session *s, enum sess_end why, uint64_t ts);
void wk_interim_due(struct worker *w);

/* The clock is about to move to now_us: interims of intervals it ends. */
static inline void wk_interim_before_clock(struct worker *w, uint64_t now_us)
{
	if (w->nidirty && now_us >= w->interim_due)
		wk_interim_due(w);
}

#endif

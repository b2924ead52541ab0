/* worker: the per-core pipeline - decode, flow table, classify, events.
 *
 * A worker owns everything it touches per packet (flow table, nDPI module,
 * event queue, counters), so workers never share cache lines or locks. The
 * capture side hands it packets in bursts; whoever captured a packet keeps
 * ownership of its bytes (the worker does not hold on to them).
 */
#ifndef VIGIA_WORKER_H
#define VIGIA_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "flow_table.h"
#include "../detectors/analytics.h"
#include "../policies/policy_ref.h"
#include "../telemetry/evq.h"

/* A captured frame, as any capture source presents it. */
struct pkt {
	const uint8_t *data;
	uint32_t caplen, wirelen;
	uint64_t ts_us;            /* packet time, microseconds since epoch */
	int link;                  /* decode.h enum dec_link */
};

/* Per-worker counters: name, description. */
#define WORKER_COUNTERS(X)                                                     \
	X(pkts, "packets seen")                                                \
	X(bytes, "bytes seen (wire length)")                                   \
	X(not_ip, "packets without an IP layer")                               \
	X(decode_bad, "packets malformed before an IP layer")                  \
	X(anomalies, "decoder anomalies")                                      \
	X(frag_later, "non-first IP fragments (not attributed to a flow)")     \
	X(tunnelled, "packets inside a tunnel")                                \
	X(flows_created, "flows created")                                      \
	X(flows_ended, "flows ended")                                          \
	X(flows_evicted, "flows evicted (table full)")                         \
	X(flows_active_export, "flow records exported by active timeout")      \
	X(tcp_reuse, "TCP flows restarted by a new SYN")                       \
	X(events_dropped, "events dropped (queue full)")                       \
	X(classify_no_slot, "flows not classified (no classifier slot)")       \
	X(flows_peak, "most flows tracked at once")                            \
	X(alerts, "alerts raised")                                             \
	X(pfcp_malformed, "PFCP messages that could not be read")                     \
	X(gtpc_malformed, "GTPv2-C messages that could not be read")              \
	X(icmp_errors, "ICMP errors counted on the flow they quote")

struct worker_stats {
#define X_(n, d) uint64_t n;
	WORKER_COUNTERS(X_)
#undef X_
	uint64_t anomaly_kind[64];   /* per decode.h enum dec_anomaly */
};

struct worker_cfg {
	unsigned id;
	struct flow_table_cfg ft;
	struct classify_cfg cls;
	struct evq *q;               /* events go here; not owned */
	unsigned stats_interval_s;   /* stats event every N s of packet time
				      * (and one at flush); 0: none */
	struct policy_ref *policy;   /* NULL: no policy; thread id = id */
	struct det_feed *feed;       /* analytics records; NULL: none */
	unsigned max_sessions;       /* PDU session table (0: 16384) */
	int time_decided;            /* packet times come decided (the replay
				      * reader's pktclock); else the worker
				      * guards its clock against jumps itself */
};

struct worker;

/* Returns NULL with errno set; err names a bad list file. */
struct worker *worker_create(const struct worker_cfg *cfg, char *err,
			     unsigned errlen);
void worker_destroy(struct worker *w);

/* Process n packets in order. */
void worker_process(struct worker *w, const struct pkt *pkts, unsigned n);

/* A packet decoded: whoever dispatches packets to workers (the replay
 * reader with -w N, the DPDK GTP-U re-dispatch) decodes each to find its
 * owner, and hands this over with it, so that no packet is decoded twice.
 * Its pointers point into the packet's bytes. */
struct pkt_decoded {
	struct decoded d;
	struct flow_key k;         /* valid when pkt_has_flow() */
	uint32_t hash;             /* flow_key_hash(&k) */
	uint32_t owner_hash;       /* picks the worker: hash, or for an ICMP
				    * error the hash of the flow it quotes */
	int r;                     /* enum dec_result */
	int from_lo;               /* flow_key_make()'s direction */
};

/* peers: the F-TEIDs learnt so far (GTP-U on other ports), or NULL. */
struct gtpu_peers;
void worker_decode(const struct pkt *p, struct pkt_decoded *x, const struct gtpu_peers *peers);
static inline int pkt_has_flow(const struct pkt_decoded *x)
{
	return x->r == DEC_OK && x->d.frag != DEC_FRAG_LATER;
}

/* worker_process() for packets already decoded: pre[i] is pkts[i]'s. */
void worker_process_decoded(struct worker *w, const struct pkt *pkts,
			    const struct pkt_decoded *const *pre, unsigned n);

/* No packets for a while: advance packet time to now_us (if later) and
 * expire flows. Live capture calls it when the link is quiet. */
void worker_advance(struct worker *w, uint64_t now_us);

/* Move packet time to ts_us (if later) without processing a packet: a
 * worker skipping packets that belong to other workers keeps its clock in
 * step with the capture. */
void worker_clock(struct worker *w, uint64_t ts_us);

/* A control-plane packet (PFCP) another worker owns: learn from it too, so
 * every worker knows every PDU session (no shared table, no lock). */
void worker_control(struct worker *w, const struct pkt *p);
void worker_control_decoded(struct worker *w, const struct pkt *p, const struct pkt_decoded *x);
/* Is this decoded packet control plane that every worker must see? */
int worker_is_control(const struct decoded *d);
/* The worker's learnt F-TEIDs (for whoever decodes its packets: DPDK rx on
 * its own lcore). */
struct gtpu_peers *worker_gtpu_peers(struct worker *w);

/* The worker's thread starts / stops reading the policy (RCU). Online
 * also names the calling thread as the one running the worker (its CPU
 * clock: worker_cpu_ns). */
void worker_policy_online(struct worker *w);
void worker_policy_offline(struct worker *w);

/* CPU time the worker's thread has used, in ns, read from any thread
 * (the metrics'); -1 before the thread came online or after it ended. */
int worker_cpu_ns(const struct worker *w, uint64_t *ns);

/* End all flows (reason shutdown) and emit their events. */
void worker_flush(struct worker *w);

/* Its PDU session table's counters (every worker learns every session). */
struct sess_stats;
void worker_get_session_stats(const struct worker *w, struct sess_stats *s);

/* The counters, exact: only while the worker's thread is stopped. */
void worker_get_stats(const struct worker *w, struct worker_stats *s);
/* The counters as the worker last published them (every 16 bursts, when
 * its clock is advanced on a quiet link, and at the flush), from any
 * thread while it runs: the metrics' view, a few hundred packets old at
 * most, and exact once it flushed. */
void worker_peek_stats(const struct worker *w, struct worker_stats *s);
void worker_get_classify_stats(const struct worker *w, struct classify_stats *s);

/* Per-application totals (flows ended, bytes), one call per label. */
typedef void (*worker_app_fn)(void *ctx, const char *label, uint64_t flows,
			      uint64_t bytes);
void worker_foreach_app(const struct worker *w, worker_app_fn fn, void *ctx);

uint32_t worker_flow_count(const struct worker *w);
size_t worker_bytes_per_flow(const struct worker *w);

#endif

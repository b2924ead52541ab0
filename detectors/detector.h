/* detector: one interface for every detector, the registry, and the
 * hooks the worker calls on a flow. The analytics thread that runs the
 * cross-flow ones, and the records it is fed, are analytics.h.
 *
 * Per-flow detectors run on the worker that owns the flow (hooks get the
 * flow's tuple, what classification learnt, and the policy). Cross-flow
 * detectors (scan, flood, brute force, DNS, beacon) run on one analytics
 * thread fed by *records*: flow starts, answers, classification results,
 * and per-tick sketches, which every worker emits on its own packet time.
 * The thread merges them in packet-time order (a watermark per worker), so
 * a scanner whose probes land on different workers is one scanner, and a
 * replay gives the same alerts with 1 or N workers.
 */
#ifndef VIGIA_DETECTOR_H
#define VIGIA_DETECTOR_H

#include <stdint.h>
#include <stdio.h>

#include "../policies/policy_ref.h"
#include "../telemetry/event.h"

struct sketch;

#define DET_TICK_US 100000           /* sketch period, packet time */

enum det_where { DET_WORKER = 0, DET_ANALYTICS = 1 };

/* A threshold: policy `thresholds: {<key>: N}` overrides it per segment. */
struct det_param {
	const char *key;
	long def;
	const char *unit;
	const char *meaning;
};

/* One kind of alert a detector raises: its stable signature id. */
struct det_sig {
	uint32_t sid;
	const char *signature;
	const char *category;
	uint8_t severity;                /* 1 high .. 3 low */
	const char *mitre;               /* "T1046,T1018" */
};

struct det_rec;
struct det_ctx;
struct det_flow;

/* An HTTP transaction libhtp finished (request, or response). */
struct det_http {
	int response;
	uint64_t flags;                  /* libhtp HTP_* flags */
	int status;
	int invalid_line;
	const char *method, *uri, *host;
};

struct detector {
	const char *id;                  /* short, stable: "scan" */
	const char *name;
	const char *version;
	const char *description;
	const char *inputs;
	const char *mitre;               /* every technique it maps to */
	const char *false_positives;
	enum det_where where;
	const struct det_param *params;  /* {NULL} terminated */
	const struct det_sig *sigs;      /* {0} terminated */
	/* analytics detectors: state, one call per record in packet-time
	 * order, one per merged tick */
	void *(*create)(void);
	void (*destroy)(void *st);
	void (*on_record)(void *st, struct det_ctx *c, const struct det_rec *r);
	void (*on_tick)(void *st, struct det_ctx *c, const struct sketch *merged,
			uint64_t tick_end_us);
	/* analytics detectors: is this flow start worth a record? (asked on
	 * the worker, so that only useful starts cross to the analytics) */
	int (*wants_start)(const struct det_rec *r, const struct policy *pol);
	/* worker detectors: a flow started / finished classification */
	void (*on_flow_start)(const struct det_flow *f);
	void (*on_flow_classified)(const struct det_flow *f);
	void (*on_http)(const struct det_flow *f, const struct det_http *h);
	/* analytics detectors that keep what they learn across runs: merge
	 * one saved line (learnt state: union, never forgetting), and write
	 * every line out. A line is "KEY<TAB>TEXT", KEY names the object (a
	 * device address), TEXT has no newline. */
	void (*state_merge)(void *st, const char *key, const char *text);
	void (*state_dump)(void *st, void (*emit)(void *ctx, const char *key, const char *text),
			   void *ctx);
	/* entries its bounded tables gave up to make room (0 if none) */
	uint64_t (*state_evictions)(const void *st);
};

/* Every detector, in a fixed order. */
const struct detector *const *detector_registry(unsigned *n);
const struct detector *detector_by_id(const char *id);
const struct det_sig *detector_sig(const struct detector *d, uint32_t sid);

/* The inventory (`vigia detectors`): fmt 0 table, 1 JSON, 2 Markdown. */
void detector_inventory(FILE *out, int fmt);

/* Is `key` a threshold some detector reads? (the policy loader asks) */
int detector_param_known(const char *key);

/* ---- worker side ------------------------------------------------------- */

/* What a worker detector sees of a flow, and how it raises an alert. */
struct det_flow {
	const struct ev_tuple *t;
	int seg;                         /* policy segment, -1 none */
	const struct policy *pol;        /* NULL: no policy */
	uint8_t *alerted;                /* per-flow DET_ALERTED_* bits */
	uint8_t *alerted_http;           /* per-flow HTTP anomaly kinds */
	uint64_t now_us;
	/* classification (on_flow_classified only) */
	uint16_t master_id, app_id, category_id;
	uint8_t host_kind;               /* enum ev_host_kind */
	uint8_t has_ja3c;
	uint8_t guessed;                 /* nDPI gave up and guessed (by port) */
	uint64_t risk;                   /* nDPI risk bits */
	const char *host;                /* DNS query, SNI, HTTP Host, "" none */
	/* names, JA3 in hex: worked out on demand (not free) */
	const struct ev_app *(*describe)(void *ctx);
	void *ctx;
	void (*emit)(void *ctx, struct ev_alert *a);
};

/* Once-per-flow bits of the worker detectors. */
enum { DET_ALERTED_POLICY = 1, DET_ALERTED_INTEL_IP = 2,
       DET_ALERTED_INTEL_NAME = 4, DET_ALERTED_INTEL_JA3 = 8,
       DET_ALERTED_POLICY_DST = 16, DET_ALERTED_RISK = 32 };

/* What a worker found odd about a GTP-U flow (DR_GTP.what). The first
 * six are judged once, on the flow's first packet; SIG and MALFORMED are
 * packets counted per flow, reported at counts 1, 2, 4, 8... of each
 * second (u.gtp.count: packets since the last report), so a flood costs
 * a handful of records per flow and second. */
enum { DET_GTP_SPOOF = 1,    /* uplink: inner source is not the session's UE */
       DET_GTP_CORE = 2,     /* UE traffic to a core network (policy) */
       DET_GTP_QFI = 4,      /* a QoS flow the session was not granted */
       DET_GTP_UNKNOWN = 8,  /* a TEID no session owns (N4 is being seen) */
       DET_GTP_NESTED = 16,  /* GTP-U inside GTP-U */
       DET_GTP_CTRL = 32,    /* PFCP or GTP-C inside GTP-U */
       DET_GTP_SIG = 64,     /* GTP-U signalling: echo, error indication... */
       DET_GTP_MALFORMED = 128 }; /* GTP-U the decoder found broken */

/* Which GTP-U decoder anomalies a DET_GTP_MALFORMED record saw (u.gtp.anom). */
enum { DET_GTPA_SHORT = 1, DET_GTPA_EXTHDR = 2, DET_GTPA_PAYLOAD = 4,
       DET_GTPA_LENGTH = 8 };

enum { DET_ICS_MODBUS = 1, DET_ICS_DNP3 = 2 };

/* DR_L2.u.l2.what */
enum { DET_L2_ARP = 1, DET_L2_DHCP = 2, DET_L2_ND = 3 };

/* DR_PFCP.u.pfcp.unexpected: a deletion request for a session from an
 * address that is not the SMF that established it. */

/* Should the worker send this DR_START (some detector reads it)? */
int detectors_want_start(const struct det_rec *r, const struct policy *pol);
/* Is a flow's first packet a probe (TCP without ACK, UDP, ICMP echo)? */
int det_is_probe(int proto, uint8_t flags);
/* How long a probe may wait for its answer (scan_answer_ms) in seg. */
uint64_t det_answer_us(const struct policy *pol, int seg);

/* Does the risk detector report any of these nDPI risk bits? */
uint64_t det_risk_mapped(uint64_t risk);

/* Run every worker detector's hook. */
void detectors_flow_start(const struct det_flow *f);
void detectors_flow_classified(const struct det_flow *f);
void detectors_http(const struct det_flow *f, const struct det_http *h);

/* Fill the fixed part of an alert from a signature. */
void det_alert_init(struct ev_alert *a, const struct detector *d,
		    const struct det_sig *s);
/* evidence.rule: what matched, in words (truncated to fit). */
__attribute__((format(printf, 2, 3)))
void det_alert_rule(struct ev_alert *a, const char *fmt, ...);
/* evidence.<key> = v (up to EV_ALERT_NUMS). */
void det_alert_num(struct ev_alert *a, const char *key, double v);
/* evidence.<key> = [samples...]: append one (comma separated, bounded). */
void det_alert_sample(struct ev_alert *a, const char *key, const char *v);

#endif

/* analytics: the records workers send the cross-flow detectors, each
 * worker's feed (SPSC rings of records, a pool of sketches), and the
 * analytics thread that merges the feeds in packet-time order and runs
 * the detectors on them (detector.h says why). */
#ifndef VIGIA_ANALYTICS_H
#define VIGIA_ANALYTICS_H

#include <stdint.h>

#include "detector.h"
#include "sketch.h"
#include "../policies/policy_ref.h"
#include "../telemetry/event.h"
#include "../telemetry/evq.h"

/* ---- records: worker -> analytics -------------------------------------- */

enum det_rec_kind {
	DR_TICK = 1,        /* a sketch of one tick (ts = the tick's end) */
	DR_START,           /* a flow's first packet (when a detector wants it) */
	DR_FAILED,          /* a probe: refused (RST), or no answer in time */
	DR_APP,             /* classification ended: HTTP code, risks */
	DR_DNS,             /* a DNS query, or an error answer (every packet) */
	DR_GTP,             /* a GTP-U flow at odds with its PDU session */
	DR_PFCP,            /* a PFCP session establishment/deletion request */
	DR_SESS,            /* a PDU session ended: what its flows did here */
	DR_END,             /* a flow of a baseline segment ended */
	DR_ICS,             /* Modbus/DNP3: a function first seen on a flow, a
			     * write or control, exceptions counted */
	DR_L2,              /* ARP, DHCP, IPv6 neighbour discovery (every packet) */
	DR_AUTH,            /* logins a login service failed or let in */
	DR_WATERMARK,       /* no record before ts will follow */
	DR_EOF              /* this worker is done */
};

struct det_rec {
	uint8_t kind;
	uint8_t ipver, proto;
	uint8_t flags;                   /* TCP flags / ICMP type of the packet */
	uint8_t ue_side;                 /* a PDU session's UE: bit 0 src, bit 1
					  * dst (subscriber data: pseudonyms) */
	uint16_t worker;
	int16_t seg;
	uint16_t sport, dport;
	uint32_t hash;                   /* flow hash: a stable tie-break */
	uint64_t ts_us;
	uint64_t flow_id;
	uint8_t src[16], dst[16];        /* client, server */
	/* the flow's tunnel and PDU session (tun.type 0: not tunnelled), so
	 * that an alert the analytics thread raises about a UE's flow says
	 * which tunnel and session it came through, as the worker's do */
	struct {
		uint8_t type, has_qfi, qfi, outer_ipver;
		uint32_t id[2];          /* TEID/VNI/key toserver, toclient */
		uint8_t outer_src[16], outer_dst[16];
		uint64_t seid;           /* 0: no session bound */
	} tun;
	struct ev_session sess;          /* valid when tun.seid */
	union {
		struct {
			uint16_t master_id, app_id;
			uint16_t dns_qtype, http_status;
			uint8_t dns_rcode, has_dns, host_kind;
			char host[80];
			uint64_t risk;           /* mapped nDPI risks, 0: none */
			char label[40];          /* "TLS.Google" when risk */
		} app;
		struct {
			uint16_t qtype;
			uint8_t qr, rcode;       /* qr 1: an answer (rcode != 0) */
			char name[254];          /* lower case, dotted */
		} dns;
		struct {
			uint8_t what;            /* DET_GTP_* bits */
			uint8_t qfi, ue_ipver, outer_ipver;
			uint8_t msg, anom, depth; /* GTP-U message type, DET_GTPA_* */
			uint32_t count;          /* SIG/MALFORMED packets reported */
			uint32_t teid;
			uint64_t seid;
			uint8_t ue[16];
			uint8_t outer_src[16], outer_dst[16];
			char dnn[48];
		} gtp;
		struct {
			uint8_t type;            /* enum pfcp_type */
			uint8_t unexpected;      /* deletion from another peer */
			uint8_t cp_ipver;        /* the session's SMF, 0 none */
			uint8_t cp_ip[16];
			uint64_t seid;
		} pfcp;
		struct {
			uint8_t proto;           /* DET_ICS_MODBUS, DET_ICS_DNP3 */
			uint8_t fc, cls;         /* function code, enum ics_class */
			uint8_t exception;       /* exception responses (count below) */
			uint8_t exc_code;
			uint16_t unit;           /* Modbus unit id / DNP3 destination */
			uint16_t start, qty;     /* writes: the address range */
			uint32_t count;          /* exceptions since the last report */
		} ics;
		struct {
			uint64_t first_us, last_us;
			uint64_t bytes[2];       /* toserver, toclient */
			uint32_t pkts[2];
			uint16_t app_id, master_id;
			char app[24];            /* nDPI label, "" unknown */
			uint8_t has_mac;         /* Ethernet seen (not tunnelled) */
			uint8_t mac[2][6];       /* client's, server's */
		} end;
		struct {
			struct ev_session id;    /* UE, DNN, subscriber */
			struct ev_sess use;      /* this worker's share */
			int16_t seg;
		} sess;
		struct {
			uint8_t what;            /* DET_L2_ARP, _DHCP, _ND */
			uint8_t op;              /* ARP op, DHCP message, ND type */
			uint8_t flags;           /* NA: R S O; RA: 1 when a router */
			uint8_t has_hw, has_prefix, prefix_len;
			uint16_t vlan;           /* outermost tag, 0 none */
			uint8_t eth_src[6], eth_dst[6];
			uint8_t hw[6];           /* ARP sender MAC, DHCP chaddr, ND
						  * link-layer address option */
			uint8_t ip[16];          /* ARP sender IP; DHCP server (option
						  * 54, else the IP source); ND target
						  * (NS, NA), else the IP source */
			uint8_t ip2[16];         /* ARP target IP; DHCP yiaddr (or the
						  * requested address); RA prefix */
		} l2;
		struct {
			uint8_t service;         /* proto/auth.h enum auth_service */
			uint8_t ok;              /* 0 failed, 1 succeeded */
			uint16_t count;
		} auth;
		struct sketch *sk;
	} u;
};

/* A worker's feed: bounded SPSC rings of records and a pool of sketches.
 * Lossless (replay) waits when full; otherwise records are dropped and
 * counted. */
struct det_feed;

/* ---- analytics --------------------------------------------------------- */

struct analytics;

struct analytics_cfg {
	unsigned workers;
	int lossless;
	struct evq *q;                   /* alerts go here (SPSC to telemetry) */
	struct policy_ref *policy;       /* NULL: none; reader id = workers */
	const char *only;                /* comma list of detector ids, NULL all */
};

struct analytics *analytics_create(const struct analytics_cfg *cfg);
/* The feed of worker i (owned by the analytics object). */
struct det_feed *analytics_feed(struct analytics *a, unsigned worker);
int analytics_start(struct analytics *a);
/* After every feed got det_feed_eof: process the rest, stop the thread. */
void analytics_stop(struct analytics *a);
void analytics_destroy(struct analytics *a);

struct analytics_stats {
	uint64_t records, ticks, alerts, suppressed, dropped, sessions;
};
void analytics_get_stats(const struct analytics *a, struct analytics_stats *s);
/* Per running detector with bounded state: its id and the entries its
 * tables evicted when full; at most max, returns how many. After stop. */
unsigned analytics_state_evictions(const struct analytics *a, const char **ids, uint64_t *n,
				   unsigned max);

/* Learnt state (device baselines) in and out: "DETECTOR-ID", KEY, TEXT.
 * Merge before analytics_start; dump after analytics_stop. */
void analytics_state_merge(struct analytics *a, const char *det, const char *key,
			   const char *text);
void analytics_state_dump(struct analytics *a,
			  void (*emit)(void *ctx, const char *det, const char *key,
				       const char *text),
			  void *ctx);

/* Worker side of a feed. Records must come in nondecreasing ts. */
struct det_rec *det_feed_reserve(struct det_feed *f);
void det_feed_commit(struct det_feed *f, struct det_rec *r);
/* The sketch of the current tick (NULL when none could be had). The
 * worker calls det_feed_clock before each packet's sketch update. */
struct sketch *det_feed_sketch(struct det_feed *f);
void det_feed_clock(struct det_feed *f, uint64_t now_us);
void det_feed_eof(struct det_feed *f, uint64_t now_us);
uint64_t det_feed_dropped(const struct det_feed *f);

#endif

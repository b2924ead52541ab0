/* flow_table: one worker's bounded, preallocated, bidirectional flow table.
 *
 * Key: the symmetric 5-tuple (lower endpoint first), VLAN ids, and the
 * tunnel context (VXLAN/Geneve VNI, GRE key, or for GTP-U and IP-in-IP the
 * outer endpoint pair: GTP TEIDs differ per direction, so keying on the
 * TEID would split every flow in two). Both directions hash alike, which
 * is what lets a dispatcher or RSS spread flows over workers.
 *
 * Timeouts run on packet time. Flows sit on one LRU list per timeout
 * class (each list is therefore ordered by expiry), so expiry and eviction
 * are O(1) per flow. All memory is allocated by flow_table_create().
 */
#ifndef VIGIA_FLOW_TABLE_H
#define VIGIA_FLOW_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "classify.h"
#include "decode.h"
#include "../telemetry/event.h"

#define FLOW_NIL UINT32_MAX

struct flow_key {
	uint8_t lo[16], hi[16];   /* addresses, lower (memcmp) first */
	uint16_t port_lo, port_hi;
	uint32_t tun_ctx;
	uint32_t vlans;           /* vlan[0] | vlan[1] << 12 | count << 24 */
	uint8_t proto, ipver, tun_type, pad;
} __attribute__((aligned(8)));

/* Timeout classes; each has its own idle timeout and LRU list. */
enum flow_class { FC_TCP_NEW = 0, FC_TCP_EST, FC_CLOSED, FC_OTHER, FC_MAX };

struct flow {
	struct flow_key key;
	uint32_t hash;
	uint32_t hnext;            /* hash chain */
	uint32_t lprev, lnext;     /* LRU list of its class */
	uint8_t cls;               /* enum flow_class */
	uint8_t in_use;
	uint8_t client_is_lo;      /* the first packet came from key.lo */
	uint8_t state;             /* enum ev_flow_state */
	uint8_t tcp_flags[2];      /* per direction, [0] toserver */
	uint8_t fin_seen;          /* bit 0 toserver, bit 1 toclient */
	uint8_t classify_done;
	uint64_t first_us, last_us;
	uint32_t pkts[2];          /* per active-timeout period: no wrap */
	uint64_t bytes[2];
	uint64_t anomalies;
	uint64_t flow_id;
	uint32_t cls_slot;         /* classifier state while classifying */
	int16_t seg;               /* policy segment, -1 none */
	uint8_t seg_gen;           /* policy generation seg belongs to */
	uint8_t alerted;           /* alert kinds already raised (bits) */
	uint32_t http_slot;        /* libhtp parser, HTTP_NONE/HTTP_DONE: none */
	uint8_t http_alerted;      /* HTTP anomaly kinds already raised */
	uint8_t sess_ue_side;      /* the PDU session's UE: bit 0 the client,
				    * bit 1 the server (neither: forged) */
	uint32_t sess;             /* its PDU session (session.h handle), */
	uint32_t sess_gen;         /* FLOW_NIL: none */
};

/* Cold per-flow data, same index as the flow: read at flow end only. */
struct flow_meta {
	struct ev_tuple tuple;     /* client -> server, as first seen */
	struct cls_result app;
	/* TCP of a PDU session's flow: next sequence number each way, for
	 * retransmissions; handshake timed */
	uint32_t tcp_next[2];
	/* Ethernet addresses of client and server, when the first packet was
	 * not tunnelled (device baselines: the MAC where it is visible) */
	uint8_t mac[2][6];
	uint8_t has_mac;
	uint8_t tcp_has_next, rtt_done;
	/* GTP-U signalling / malformed packets of this second (detectors) */
	uint64_t gsig_win_us;
	uint32_t gsig_n, gsig_sent;
	uint32_t icmp_errors;      /* ICMP errors quoting this flow's packets */
};

struct flow_table_cfg {
	uint32_t max_flows;        /* table is full at this many flows */
	uint32_t timeout_s[FC_MAX];/* idle timeout per class, seconds */
	uint32_t active_timeout_s; /* 0 = none */
};

/* Fill cfg with defaults (1M flows; TCP new 30 s, established 600 s,
 * closed 10 s, other 120 s; active 1800 s). */
void flow_table_default_cfg(struct flow_table_cfg *cfg);

struct flow_table;

/* Called for every flow that ends inside the table (expiry, eviction,
 * flush); the flow is unlinked right after it returns. */
typedef void (*flow_end_fn)(void *ctx, struct flow *f, struct flow_meta *m,
			    enum ev_flow_reason reason);

/* Returns NULL with errno set (EINVAL for a zero size, ENOMEM). */
struct flow_table *flow_table_create(const struct flow_table_cfg *cfg,
				     flow_end_fn end, void *ctx);
void flow_table_destroy(struct flow_table *ft);

/* Build the symmetric key of a decoded packet. Returns 1 when the packet
 * travels lo -> hi, 0 when hi -> lo. */
int flow_key_make(struct flow_key *k, const struct decoded *d);
/* Hash of a key: same for both directions of a flow. */
uint32_t flow_key_hash(const struct flow_key *k);

/* Find the flow for k, or create it (evicting the least recently used
 * flow, reported with EV_REASON_EVICTED, when full). A flow found idle
 * past its timeout at now_us is ended (EV_REASON_TIMEOUT) and replaced.
 * *created tells which. Never fails. */
struct flow *flow_table_get(struct flow_table *ft, const struct flow_key *k,
			    uint32_t hash, uint64_t now_us, int *created);

/* Start loading the bucket of `hash` into cache (a burst's first pass). */
void flow_table_prefetch(const struct flow_table *ft, uint32_t hash);
/* The live flow of k, or NULL: nothing created, nothing ended. */
struct flow *flow_table_find(struct flow_table *ft, const struct flow_key *k, uint32_t hash,
			     uint64_t now_us);

/* Record activity at now_us and (re)file the flow under class `cls`. */
void flow_table_touch(struct flow_table *ft, struct flow *f,
		      enum flow_class cls, uint64_t now_us);

/* End flows idle past their class timeout at now_us. Returns how many. */
unsigned flow_table_expire(struct flow_table *ft, uint64_t now_us);

/* End flow f now with `reason` and free its entry. */
void flow_table_end(struct flow_table *ft, struct flow *f,
		    enum ev_flow_reason reason);

/* End every flow (EV_REASON_SHUTDOWN). */
void flow_table_flush(struct flow_table *ft);

/* Cold data of a flow. */
struct flow_meta *flow_table_meta(struct flow_table *ft, const struct flow *f);

uint32_t flow_table_count(const struct flow_table *ft);
uint64_t flow_table_evictions(const struct flow_table *ft);
/* Bytes allocated per flow slot (hot + cold + hash bucket share). */
size_t flow_table_bytes_per_flow(const struct flow_table *ft);
const struct flow_table_cfg *flow_table_cfg(const struct flow_table *ft);

#endif

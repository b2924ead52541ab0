/* session: the PDU sessions a worker has learnt from PFCP (N4): which
 * GTP-U TEIDs and UE address belong to which session, and its DNN. Bounded;
 * sessions live on packet time (deleted by PFCP, or idle too long).
 *
 * Every worker keeps its own copy (control packets are shown to every
 * worker), so lookups need no lock and replays give the same answers with
 * any number of workers.
 */
#ifndef VIGIA_SESSION_H
#define VIGIA_SESSION_H

#include <stdint.h>

#include "../proto/gtpc.h"
#include "../proto/pfcp.h"

/* What a session's flows did, as one worker saw them ([0] uplink). */
#define SESS_APPS 6
struct sess_usage {
	uint64_t pkts[2], bytes[2];
	uint32_t flows, rtt_n, retrans;
	uint64_t rtt_sum_us, rtt_min_us, rtt_max_us;
	uint8_t napps;
	char apps[SESS_APPS][24];
};

/* Why a session's record ends (same values as event.h's ev_sess_end). */
enum sess_end { SESS_DELETED = 1, SESS_EXPIRED, SESS_REPLACED, SESS_ACTIVE, SESS_INTERIM };

/* TEIDs one session holds at once: a PDR's local F-TEID each (uplink),
 * the gNB's of its FARs (downlink); under GTPv2-C, per EPS bearer. When a
 * session has more, its oldest one gives way. */
#define SESS_TEIDS 8

struct sess_teid {
	uint32_t teid;
	uint8_t dl;                      /* 0 the UPF's/SGW's (uplink), 1 the
					  * gNB's/eNB's (downlink) */
	uint8_t ebi;                     /* GTPv2-C bearer, 0 none */
	/* PFCP: the PDRs whose PDIs name it (several QoS flows share one N3
	 * tunnel); SESS_PDR_MANY: more than SESS_PDRS, never removed by a
	 * Remove PDR */
	uint8_t npdr;
	uint16_t pdr[4];
};
#define SESS_PDRS 4
#define SESS_PDR_MANY 255

struct session {
	uint64_t cp_seid, up_seid;
	uint8_t nteid;
	struct sess_teid teid[SESS_TEIDS];
	/* the UE: an IPv4 address and/or an IPv6 /64 (dual stack); ue_ipver
	 * and ue are the one events show (IPv4 when known) */
	uint8_t ue_ipver;                /* 0: not known */
	uint8_t ue[16];
	uint8_t has_ue4, has_ue6;
	uint8_t ue4[4], ue6[16];         /* ue6: the prefix, low 64 bits 0 */
	uint64_t qfi_mask;               /* QFIs granted */
	char dnn[64];
	uint8_t cp_ipver, up_ipver;      /* the SMF's and UPF's N4 addresses */
	uint8_t cp_ip[16], up_ip[16];    /* (their F-SEIDs), 0: not known */
	uint64_t first_us, last_us;
	uint8_t deleted;                 /* PFCP deleted it: found by SEID only,
					  * until its record is needed again */
	uint32_t gen;                    /* bumped each time the record is reused */
	char subscriber[20];             /* IMSI digits (GTPv2-C, PFCP User ID) */
	char msisdn[20];                 /* MSISDN digits, "" none */
	struct sess_usage use;
	/* interim reports (the worker's): use as last reported, and the end
	 * of the interval with use not yet reported (0: none) */
	struct sess_usage rep;
	uint64_t bin_end;
};

struct sess_stats {
	uint64_t created, deleted, expired, full, messages, malformed;
	uint64_t evicted;                /* unanswered ones, for new sessions */
	uint64_t refused;                /* the UPF/SGW refused the establishment */
	uint32_t active;
};

struct sess_table;

struct sess_table *sess_create(unsigned max_sessions, uint64_t idle_us);
void sess_destroy(struct sess_table *t);

/* Apply one PFCP message seen at ts_us. */
void sess_learn(struct sess_table *t, const struct pfcp_msg *m, uint64_t ts_us);

/* Apply one GTPv2-C message (S11/S5, 4G without CUPS) seen at ts_us:
 * Create Session request/response, Modify Bearer request, Delete Session
 * request. Such a session is named by GTPC_SEID(the MME's S11 TEID), and
 * once the SGW answered by GTPC_SEID(its S11 TEID) (events show the latter,
 * as they show the UPF's SEID of a PFCP session); it carries the
 * subscriber's IMSI and the APN as its DNN. */
#define GTPC_SEID(teid) (0x8000000000000000ULL | (uint64_t)(teid))
void sess_learn_gtpc(struct sess_table *t, const struct gtpc_msg *m, uint64_t ts_us);

/* The direction of a TEID in session s: 0 uplink, 1 downlink, -1 not its. */
int sess_teid_dir(const struct session *s, uint32_t teid);
/* Is addr the session's UE: its IPv4 address, or inside its IPv6 /64? */
int sess_is_ue(const struct session *s, int ipver, const uint8_t *addr);

/* The session of a TEID (uplink or downlink) or of a UE address (4 bytes
 * for IPv4, 16 for IPv6, matched by its /64); NULL. */
const struct session *sess_by_teid(struct sess_table *t, uint32_t teid);
const struct session *sess_by_ue(struct sess_table *t, int ipver, const uint8_t *addr);

/* The session of a SEID (the UPF's or the SMF's), deleted ones included
 * while their record lasts (flows end after their session); NULL. */
const struct session *sess_by_seid(struct sess_table *t, uint64_t seid);

void sess_get_stats(const struct sess_table *t, struct sess_stats *s);

/* Told of every session that ends (deleted, expired, replaced by a new
 * establishment with the same F-SEID), while its record still holds it. */
typedef void (*sess_end_fn)(void *ctx, const struct session *s, enum sess_end why,
			    uint64_t ts_us);
void sess_on_end(struct sess_table *t, sess_end_fn fn, void *ctx);
/* End of input: tell sess_on_end's function of every live session (why:
 * SESS_ACTIVE); they stay in the table. */
void sess_report_active(struct sess_table *t, uint64_t ts_us);

/* A stable handle on a session for a flow to keep: its index, and the
 * record's generation (*gen). */
uint32_t sess_handle(const struct sess_table *t, const struct session *s, uint32_t *gen);
/* The live session of a handle, to account use into; NULL when it was
 * deleted or its record reused since. */
struct session *sess_use(struct sess_table *t, uint32_t handle, uint32_t gen);

#endif

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

#include "pfcp.h"

struct session {
	uint64_t cp_seid, up_seid;
	uint32_t teid_ul, teid_dl;       /* UPF's (uplink) and gNB's (downlink) */
	uint8_t has_ul, has_dl;
	uint8_t ue_ipver;                /* 0: not known */
	uint8_t ue[16];
	uint64_t qfi_mask;               /* QFIs granted */
	char dnn[64];
	uint8_t cp_ipver, up_ipver;      /* the SMF's and UPF's N4 addresses */
	uint8_t cp_ip[16], up_ip[16];    /* (their F-SEIDs), 0: not known */
	uint64_t first_us, last_us;
	uint8_t deleted;                 /* PFCP deleted it: found by SEID only,
					  * until its record is needed again */
};

struct sess_stats {
	uint64_t created, deleted, expired, full, messages, malformed;
	uint32_t active;
};

struct sess_table;

struct sess_table *sess_create(unsigned max_sessions, uint64_t idle_us);
void sess_destroy(struct sess_table *t);

/* Apply one PFCP message seen at ts_us. */
void sess_learn(struct sess_table *t, const struct pfcp_msg *m, uint64_t ts_us);

/* The session of a TEID (uplink or downlink) or of a UE address; NULL. */
const struct session *sess_by_teid(struct sess_table *t, uint32_t teid);
const struct session *sess_by_ue(struct sess_table *t, int ipver, const uint8_t *addr);

/* The session of a SEID (the UPF's or the SMF's), deleted ones included
 * while their record lasts (flows end after their session); NULL. */
const struct session *sess_by_seid(struct sess_table *t, uint64_t seid);

void sess_get_stats(const struct sess_table *t, struct sess_stats *s);

#endif

/* pfcp: the N4 messages (3GPP TS 29.244, UDP 8805) that tell which user
 * plane tunnels belong to which PDU session: heartbeat and association are
 * recognised, session establishment / modification / deletion requests and
 * responses are read for SEIDs, F-TEIDs, UE addresses, network instance
 * (DNN), QFI (of PDIs and QERs), PDR IDs (created, updated, removed) and
 * the User ID (IMSI, MSISDN; 5G SUPI and GPSI).
 *
 * Reads only within [p, p + len); IE lengths are checked against their
 * parent's; grouped IEs nest at most PFCP_MAX_DEPTH deep.
 */
#ifndef VIGIA_PFCP_H
#define VIGIA_PFCP_H

#include <stddef.h>
#include <stdint.h>

#define PFCP_PORT 8805
#define PFCP_MAX_PDI 8
#define PFCP_MAX_DEPTH 4

enum pfcp_type {
	PFCP_HEARTBEAT_REQ = 1, PFCP_HEARTBEAT_RESP = 2,
	PFCP_ASSOC_SETUP_REQ = 5, PFCP_ASSOC_SETUP_RESP = 6,
	PFCP_SESS_EST_REQ = 50, PFCP_SESS_EST_RESP = 51,
	PFCP_SESS_MOD_REQ = 52, PFCP_SESS_MOD_RESP = 53,
	PFCP_SESS_DEL_REQ = 54, PFCP_SESS_DEL_RESP = 55,
};

/* What one PDR's PDI (or a Created PDR) says. */
struct pfcp_pdi {
	uint8_t has_src_if, src_if;      /* 0 access (uplink), 1 core */
	uint8_t has_teid;
	uint32_t teid;                   /* local F-TEID */
	uint8_t teid_ipver;              /* its address (4, 6), 0 none */
	uint8_t teid_ip[16];
	uint8_t has_ue4, has_ue6;
	uint8_t ue4[4], ue6[16];
	uint8_t has_qfi, qfi;
	/* the PDR it belongs to (the Create, Update or Created PDR's ID) */
	uint8_t has_pdr_id;
	uint16_t pdr_id;
	char dnn[64];                    /* network instance, "" none */
};

struct pfcp_msg {
	uint8_t version, type;
	uint8_t has_seid;
	uint64_t seid;                   /* header SEID */
	uint32_t seq;
	uint8_t has_fseid;
	uint64_t fseid;                  /* the sender's F-SEID */
	uint8_t fseid_ipver;             /* its CP/UP function's address, 0 none */
	uint8_t fseid_ip[16];
	uint8_t has_cause, cause;
	unsigned npdi;
	struct pfcp_pdi pdi[PFCP_MAX_PDI];
	/* outer header creation of a FAR: where downlink goes (gNB TEID) */
	uint8_t has_dl_teid;
	uint32_t dl_teid;
	uint8_t dl_ip4[4];
	uint8_t dl_ipver;                /* 4: dl_ip4, 6: dl_ip6, 0: none */
	uint8_t dl_ip6[16];
	/* QFIs of Create/Update QERs: granted to the session */
	uint64_t qer_qfi_mask;
	/* Remove PDR: the PDR IDs whose tunnels end */
	unsigned nrm_pdr;
	uint16_t rm_pdr[PFCP_MAX_PDI];
	/* User ID (TS 29.244 §8.2.101): the subscriber, "" not sent */
	char imsi[16 + 1], msisdn[16 + 1];
	unsigned ies;                    /* IEs read (all levels) */
};

/* 0: a PFCP message was read (IEs of unknown type skipped by length);
 * -1: not PFCP, or malformed (an IE overruns its parent). */
int pfcp_parse(const uint8_t *p, size_t len, struct pfcp_msg *m);

#endif

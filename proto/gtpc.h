/* gtpc: the GTPv2-C messages (3GPP TS 29.274, UDP 2123) that tell, in 4G
 * and 5G non-standalone, which S1-U / S5 tunnels belong to which subscriber
 * and PDN connection: echo is recognised, create session / modify bearer /
 * delete session requests and responses are read for IMSI, MSISDN, MEI,
 * APN, UE addresses (PAA), the sender's control-plane F-TEID and each
 * bearer context's EBI, QCI and user-plane F-TEIDs. Create / update /
 * delete bearer messages are recognised by type; their IEs are read the
 * same way.
 *
 * Reads only within [p, p + len); IE lengths are checked against their
 * parent's; grouped IEs nest at most GTPC_MAX_DEPTH deep. Only the first
 * message of a piggybacked pair is read (the second starts at msg_len).
 */
#ifndef VIGIA_GTPC_H
#define VIGIA_GTPC_H

#include <stddef.h>
#include <stdint.h>

#define GTPC_PORT 2123
#define GTPC_MAX_BEARERS 8
#define GTPC_MAX_BEARER_FTEIDS 4
#define GTPC_MAX_DEPTH 4

enum gtpc_type {
	GTPC_ECHO_REQ = 1, GTPC_ECHO_RESP = 2,
	GTPC_CREATE_SESS_REQ = 32, GTPC_CREATE_SESS_RESP = 33,
	GTPC_MODIFY_BEARER_REQ = 34, GTPC_MODIFY_BEARER_RESP = 35,
	GTPC_DELETE_SESS_REQ = 36, GTPC_DELETE_SESS_RESP = 37,
	GTPC_CREATE_BEARER_REQ = 95, GTPC_CREATE_BEARER_RESP = 96,
	GTPC_UPDATE_BEARER_REQ = 97, GTPC_UPDATE_BEARER_RESP = 98,
	GTPC_DELETE_BEARER_REQ = 99, GTPC_DELETE_BEARER_RESP = 100,
};

/* F-TEID interface types (TS 29.274 §8.22), the ones session learning
 * meets; any other value is kept as sent. */
enum gtpc_iface {
	GTPC_IF_S1U_ENB = 0,             /* user plane, eNB side of S1-U */
	GTPC_IF_S1U_SGW = 1,
	GTPC_IF_S12_RNC = 2, GTPC_IF_S12_SGW = 3,
	GTPC_IF_S5S8U_SGW = 4, GTPC_IF_S5S8U_PGW = 5,
	GTPC_IF_S5S8C_SGW = 6, GTPC_IF_S5S8C_PGW = 7,
	GTPC_IF_S11_MME = 10, GTPC_IF_S11S4_SGW = 11,
	GTPC_IF_S10N26_MME = 12,
	GTPC_IF_S4U_SGSN = 15, GTPC_IF_S4U_SGW = 16,
	GTPC_IF_S11U_MME = 38, GTPC_IF_S11U_SGW = 39,
};

struct gtpc_fteid {
	uint8_t instance;                /* which F-TEID of the IE list */
	uint8_t iface;                   /* enum gtpc_iface (6 bits) */
	uint8_t has_ip4, has_ip6;
	uint32_t teid;                   /* TEID, or GRE key on PMIP */
	uint8_t ip4[4], ip6[16];
};

/* One Bearer Context IE. */
struct gtpc_bearer {
	uint8_t instance;                /* 0 to be created / modified (or
	                                  * created), 1 to be removed */
	uint8_t has_ebi, ebi;            /* EPS bearer id, 4 bits */
	uint8_t has_qci, qci;            /* from its Bearer QoS */
	uint8_t has_cause, cause;        /* in responses */
	unsigned nfteid;                 /* the first GTPC_MAX_BEARER_FTEIDS */
	struct gtpc_fteid fteid[GTPC_MAX_BEARER_FTEIDS];
};

struct gtpc_msg {
	uint8_t version, type;           /* version 2; enum gtpc_type */
	uint8_t piggybacked;             /* P flag: another message follows */
	uint8_t has_teid;                /* T flag */
	uint32_t teid;                   /* header TEID: the receiver's */
	uint32_t seq;                    /* 24 bits */
	size_t msg_len;                  /* this message's bytes, header
	                                  * included: where a piggybacked
	                                  * one starts */
	/* strings: NUL terminated, "" none; longer values are cut */
	char imsi[16 + 1];               /* TBCD digits */
	char msisdn[16 + 1];
	char mei[16 + 1];                /* IMEI or IMEISV */
	char apn[64];                    /* dotted, unprintable bytes '?' */
	uint8_t has_cause, cause;
	uint8_t has_ebi, ebi;            /* top level: the linked (default)
	                                  * bearer, e.g. Delete Session */
	uint8_t has_rat, rat;            /* RAT type: 6 EUTRAN, 10 NR, ... */
	/* PDN address allocation: in a request 0.0.0.0 / :: asks for a
	 * dynamic address; the response carries the UE's */
	uint8_t has_paa, pdn_type;       /* 1 IPv4, 2 IPv6, 3 IPv4v6 */
	uint8_t has_ue4, has_ue6, ue6_plen;
	uint8_t ue4[4], ue6[16];
	uint8_t has_sender;              /* top-level F-TEID, instance 0 */
	struct gtpc_fteid sender;        /* the sender's control plane */
	unsigned nbearer;                /* the first GTPC_MAX_BEARERS */
	struct gtpc_bearer bearer[GTPC_MAX_BEARERS];
	unsigned ies;                    /* IEs read (all levels) */
};

/* 0: a GTPv2-C message was read (IEs of unknown type skipped by length);
 * -1: not GTPv2-C (version other than 2, message type 0, shorter than a
 * header), or malformed (the header's length beyond len, an IE overrunning
 * its parent, an IE too short for its fixed fields, grouped IEs nested
 * deeper than GTPC_MAX_DEPTH); *m is then partly filled, not to be used. */
int gtpc_parse(const uint8_t *p, size_t len, struct gtpc_msg *m);

/* TBCD digits (IMSI, MSISDN, IMEI: TS 29.274 §8.3) of v[0..l) into out,
 * NUL-terminated, truncated to cap (PFCP's User ID shares the coding). */
void gtpc_read_tbcd(const uint8_t *v, size_t l, char *out, size_t cap);

#endif

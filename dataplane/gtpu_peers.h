#ifndef VIGIA_GTPU_PEERS_H
#define VIGIA_GTPU_PEERS_H

/* The GTP-U endpoints the control plane announced: each F-TEID (address
 * and TEID where a node receives a tunnel) that PFCP (PDI F-TEIDs, FAR
 * outer header creation) or GTPv2-C (bearer context F-TEIDs) gave. A
 * G-PDU to a known F-TEID is GTP-U on whatever UDP port it uses: networks
 * that move the user plane off 2152 still tell N4 where the tunnel goes.
 *
 * Bounded (GTPU_PEERS entries, a newer F-TEID replaces the one in its
 * slot when full); learnt in stream order by whoever decodes packets. */

#include <stdint.h>

#include "decode.h"
#include "../proto/gtpc.h"
#include "../proto/pfcp.h"

#define GTPU_PEERS 4096u

struct gtpu_peer {
	uint32_t teid;
	uint8_t ipver;                   /* 0: free */
	uint8_t addr[16];
};

struct gtpu_peers {
	struct gtpu_peer e[GTPU_PEERS];
	uint32_t n;
	uint64_t learnt, replaced;
};

void gtpu_peers_add(struct gtpu_peers *s, uint8_t ipver, const uint8_t *addr, uint32_t teid);
int gtpu_peers_has(const struct gtpu_peers *s, uint8_t ipver, const uint8_t *addr,
		   uint32_t teid);

void gtpu_peers_learn_pfcp(struct gtpu_peers *s, const struct pfcp_msg *m);
void gtpu_peers_learn_gtpc(struct gtpu_peers *s, const struct gtpc_msg *m);
/* A decoded packet: PFCP or GTPv2-C (outer, UDP 8805 / 2123) is read and
 * learnt from; anything else is left alone. */
void gtpu_peers_learn(struct gtpu_peers *s, const struct decoded *d);

#endif

/* app_5g: the 5G/4G control plane - PFCP (N4) and GTPv2-C (S11/S5)
 * teach every worker the PDU sessions - and GTP-U signalling (echo, error
 * indication, end marker) and broken GTP-U headers for the 5g detector. */
#include "worker_impl.h"
#include "../proto/gtpc.h"
#include "../proto/pfcp.h"

#include <string.h>

/* N4: learn PDU sessions (every worker, from every PFCP packet). The
 * flow's owner (f non-NULL) also tells the detectors of establishment and
 * deletion requests, judging a deletion against the session's SMF before
 * the session is gone. */
static void pfcp_packet(struct worker *w, void *st, struct flow *f, struct flow_meta *fm,
			const struct decoded *d, unsigned dir)
{
	struct pfcp_msg m;

	(void)st;
	(void)dir;
	if (pfcp_parse(d->payload, d->payload_len, &m) != 0) {
		w->st.pfcp_malformed++;
		return;
	}
	if (f && w->feed && (m.type == PFCP_SESS_EST_REQ || m.type == PFCP_SESS_DEL_REQ)) {
		struct det_rec *r = wk_flow_rec(w, f, fm, DR_PFCP, 0);
		if (r) {
			/* the packet's own direction: a request comes from its sender */
			memcpy(r->src, d->src, 16);
			memcpy(r->dst, d->dst, 16);
			r->sport = d->sport;
			r->dport = d->dport;
			memset(&r->u.pfcp, 0, sizeof(r->u.pfcp));
			r->u.pfcp.type = m.type;
			r->u.pfcp.seid = m.seid;
			const struct session *s = m.type == PFCP_SESS_DEL_REQ && m.has_seid
							  ? sess_by_seid(w->sess, m.seid)
							  : NULL;
			if (s && !s->deleted && s->cp_ipver) {
				r->u.pfcp.cp_ipver = s->cp_ipver;
				memcpy(r->u.pfcp.cp_ip, s->cp_ip, 16);
				r->u.pfcp.unexpected =
					s->cp_ipver != d->ipver ||
					memcmp(s->cp_ip, d->src, d->ipver == 6 ? 16 : 4) != 0;
				/* the session it is about, for session{} on the alert */
				r->tun.seid = m.seid;
				wk_session_id(w, m.seid, &r->sess);
			}
			det_feed_commit(w->feed, r);
		}
	}
	sess_learn(w->sess, &m, w->now_us);
	gtpu_peers_learn_pfcp(w->peers, &m); /* DPDK: the other queues' PFCP */
}

/* S11/S5 (4G without CUPS): learn sessions from GTPv2-C, every worker. A
 * piggybacked message (P flag) follows its carrier. */
static void gtpc_packet(struct worker *w, void *st, struct flow *f, struct flow_meta *fm,
			const struct decoded *d, unsigned dir)
{
	struct gtpc_msg m;
	size_t off = 0;

	(void)st;
	(void)f;
	(void)fm;
	(void)dir;
	for (int k = 0; k < 2 && off < d->payload_len; k++) {
		if (gtpc_parse(d->payload + off, d->payload_len - off, &m) != 0) {
			w->st.gtpc_malformed++;
			return;
		}
		sess_learn_gtpc(w->sess, &m, w->now_us);
		gtpu_peers_learn_gtpc(w->peers, &m);
		if (!m.piggybacked)
			return;
		off += m.msg_len;
	}
}

/* GTP-U signalling and broken GTP-U: counted per flow and second, reported
 * at counts 1, 2, 4, 8... (detector.h). */
static inline uint8_t gtp_anomalies(uint64_t a);

static void gtp_signal(struct worker *w, void *st, struct flow *f, struct flow_meta *m,
		       const struct decoded *d, unsigned dir)
{
	uint8_t anom = gtp_anomalies(d->anomalies);

	(void)st;
	(void)dir;
	if (w->now_us >= m->gsig_win_us + 1000000) {
		m->gsig_win_us = w->now_us;
		m->gsig_n = m->gsig_sent = 0;
	}
	uint32_t n = ++m->gsig_n;
	if (n & (n - 1))
		return;
	struct det_rec *r = wk_flow_rec(w, f, m, DR_GTP, 0);
	if (!r)
		return;
	memset(&r->u.gtp, 0, sizeof(r->u.gtp));
	r->u.gtp.what = anom ? DET_GTP_MALFORMED : DET_GTP_SIG;
	r->u.gtp.msg = d->gtp_msg;
	r->u.gtp.anom = anom;
	r->u.gtp.count = n - m->gsig_sent;
	m->gsig_sent = n;
	/* the nodes and direction of the GTP-U packet itself (its outer
	 * header when a G-PDU was decapsulated): who sends the echo, the
	 * error indication, the broken packet */
	if (d->tun_depth) {
		r->ipver = d->outer_ipver;
		memcpy(r->src, d->outer_src, 16);
		memcpy(r->dst, d->outer_dst, 16);
		r->proto = 17;
		r->sport = r->dport = 2152;
	} else {
		memcpy(r->src, d->src, 16);
		memcpy(r->dst, d->dst, 16);
		r->sport = d->sport;
		r->dport = d->dport;
	}
	r->u.gtp.outer_ipver = r->ipver;
	/* about the nodes, not a UE's flow */
	memset(&r->tun, 0, sizeof(r->tun));
	r->ue_side = 0;
	det_feed_commit(w->feed, r);
}

/* The GTP-U decoder anomalies of a packet, as DET_GTPA_* bits. */
static inline uint8_t gtp_anomalies(uint64_t a)
{
	return (uint8_t)(((a >> DEC_A_GTPU_PKT_TOO_SMALL) & 1) * DET_GTPA_SHORT |
			 ((a >> DEC_A_GTPU_EXTHDR_INVALID) & 1) * DET_GTPA_EXTHDR |
			 ((a >> DEC_A_GTPU_BAD_PAYLOAD) & 1) * DET_GTPA_PAYLOAD |
			 ((a >> DEC_A_GTPU_LEN_MISMATCH) & 1) * DET_GTPA_LENGTH);
}

/* any GTP-U header, whatever its type: signalling, or a G-PDU whose
 * header the decoder found broken */
static int gtpu_match(const struct worker *w, const struct flow *f, const struct decoded *d,
		      unsigned dir)
{
	(void)w;
	(void)f;
	(void)dir;
	return d->gtp_layers && (gtp_anomalies(d->anomalies) || d->gtp_msg != 0xff);
}

const struct app_layer al_pfcp = {
	.name = "pfcp",
	.l4 = 17,
	.flags = AL_OUTER | AL_CONTROL,
	.ports = { PFCP_PORT },
	.packet = pfcp_packet,
};

const struct app_layer al_gtpc = {
	.name = "gtpv2-c",
	.l4 = 17,
	.flags = AL_OUTER | AL_CONTROL,
	.ports = { GTPC_PORT },
	.packet = gtpc_packet,
};

const struct app_layer al_gtpu = {
	.name = "gtp-u",
	.flags = AL_FEED | AL_EMPTY,
	.match = gtpu_match,
	.packet = gtp_signal,
};

/* 5G user plane and N4 against the PDU sessions learnt from PFCP: UE
 * address spoofing, UE traffic to core networks, QoS flows not granted,
 * TEIDs no session owns, GTP-U inside GTP-U, PFCP/GTP-C carried by UEs,
 * GTP-U echo / error indication floods, broken GTP-U, PFCP establishment /
 * deletion floods and deletions by a peer that is not the session's SMF.
 * The worker that owns the flow judges it (it has the session); rates are
 * counted here per target and second; alerts are suppressed per session
 * (or per gNB / UPF) and kind per window, repeats counted. */
#include "det_impl.h"

#include <stdio.h>
#include <string.h>

#include "../proto/pfcp.h"

enum { SID_SPOOF = 100601, SID_CORE, SID_QFI, SID_UNKNOWN, SID_NESTED, SID_CTRL,
       SID_ECHO, SID_ERRIND, SID_MALFORMED, SID_EST_FLOOD, SID_DEL_FLOOD,
       SID_DEL_PEER };

static const struct det_param params[] = {
	{ "gtp_window_s", 300, "s", "one alert per session (or gNB) and kind per window" },
	{ "gtp_echo_per_s", 50, "packets/s", "GTP-U echo requests to one node in a second" },
	{ "gtp_errind_per_s", 20, "packets/s",
	  "GTP-U error indications to one node in a second" },
	{ "pfcp_est_per_s", 500, "requests/s",
	  "PFCP session establishment requests to one UPF in a second" },
	{ "pfcp_del_per_s", 500, "requests/s",
	  "PFCP session deletion requests to one UPF in a second" },
	{ NULL, 0, NULL, NULL },
};

static const struct det_sig sigs[] = {
	{ SID_SPOOF, "5G: UE address spoofing (uplink inner source is not the session's UE)",
	  "defense-evasion", 1, "T1599,T1036" },
	{ SID_CORE, "5G: UE traffic to a core network (N2/N4/SBI/OAM)", "lateral-movement", 1,
	  "T1599,T1046" },
	{ SID_QFI, "5G: QoS flow not granted to the PDU session", "policy-violation", 2, "T1599" },
	{ SID_UNKNOWN, "5G: GTP-U with a TEID no PDU session owns", "discovery", 3, "T1046" },
	{ SID_NESTED, "5G: GTP-U inside GTP-U (tunnel injection)", "defense-evasion", 1,
	  "T1599,T1572" },
	{ SID_CTRL, "5G: PFCP or GTP-C carried inside GTP-U (control plane from a UE)",
	  "lateral-movement", 1, "T1599,T1572" },
	{ SID_ECHO, "5G: GTP-U echo request flood", "impact", 2, "T1498" },
	{ SID_ERRIND, "5G: GTP-U error indication flood (bearer teardown)", "impact", 1,
	  "T1498,T1499" },
	{ SID_MALFORMED, "5G: malformed GTP-U (length mismatch, broken extension chain)",
	  "protocol-anomaly", 2, "T1499" },
	{ SID_EST_FLOOD, "5G: PFCP session establishment flood", "impact", 1, "T1499" },
	{ SID_DEL_FLOOD, "5G: PFCP session deletion flood", "impact", 1, "T1499,T1531" },
	{ SID_DEL_PEER, "5G: PFCP session deletion from a peer that is not the session's SMF",
	  "impact", 1, "T1531,T1557" },
	{ 0, NULL, NULL, 0, NULL },
};

extern const struct detector det_5g;

/* A rate counted per target node and second. */
struct rate_key {
	uint8_t ipver, kind;
	uint8_t addr[16];
};
struct rate_val {
	uint64_t win_us;                /* this second's start */
	uint64_t quiet_until;           /* raised: the rest of the window */
	uint32_t n;
	uint32_t cand_n;                /* packets of the candidate sender */
	uint8_t cand[16];               /* the sender most of them came from */
};

#define RATES 4096

static void *g5_create(void)
{
	return dtab_create(RATES, sizeof(struct rate_key), sizeof(struct rate_val));
}

static void g5_destroy(void *st)
{
	dtab_destroy(st);
}

static const char *gtp_msg_name(unsigned m)
{
	switch (m) {
	case 1: return "echo_request";
	case 2: return "echo_response";
	case 26: return "error_indication";
	case 31: return "supported_extension_headers_notification";
	case 254: return "end_marker";
	case 255: return "g-pdu";
	default: return "other";
	}
}

/* Count n events of one kind to dst in this second; raise when the
 * second's count reaches the threshold (once per second). */
static void rate(void *st, struct det_ctx *c, const struct det_rec *r, unsigned sid,
		 const char *param, uint32_t n, const char *what)
{
	struct rate_key k;
	int created;
	uint64_t now = det_now(c);

	memset(&k, 0, sizeof(k));
	k.ipver = r->ipver;
	k.kind = (uint8_t)(sid - SID_SPOOF);
	memcpy(k.addr, r->dst, 16);
	struct rate_val *v = dtab_get(st, &k, now, &created);
	if (created || now >= v->win_us + 1000000) {
		v->win_us = now;
		v->n = 0;
		v->cand_n = 0;
	}
	v->n += n;
	/* one candidate sender: kept while it holds half the packets */
	if (memcmp(v->cand, r->src, 16) == 0)
		v->cand_n += n;
	else if (v->cand_n * 2 < v->n) {
		memcpy(v->cand, r->src, 16);
		v->cand_n = n;
	}
	long thr = det_param(c, &det_5g, r->seg, param);
	if (now < v->quiet_until || thr <= 0 || v->n < (uint64_t)thr)
		return;
	uint64_t win = (uint64_t)det_param(c, &det_5g, r->seg, "gtp_window_s") * 1000000;
	/* one alert per target and window, whichever senders it came from */
	v->quiet_until = now + win;

	struct ev_alert a;
	struct ev_tuple t;
	det_alert_init(&a, &det_5g, detector_sig(&det_5g, sid));
	det_rec_tuple(r, &t);
	t.sport = 0;
	t.tun_type = 0;
	/* a sender of 9 in 10 packets is named; otherwise many sent it */
	char ip[48];
	det_fmt_ip(ip, sizeof(ip), r->ipver, v->cand);
	if ((uint64_t)v->cand_n * 10 >= (uint64_t)v->n * 9)
		memcpy(t.src, v->cand, 16);
	else
		a.partial = EV_ALERT_NO_SRC;
	det_alert_rule(&a, "%u %s to one %s node within 1 s (threshold %ld)", v->n, what,
		       r->dport == PFCP_PORT ? "N4" : "GTP-U", thr);
	det_alert_num(&a, "count", v->n);
	det_alert_num(&a, "threshold", (double)thr);
	det_alert_num(&a, "top_sender_share", (double)v->cand_n / v->n);
	det_alert_sample(&a, "top_sender", ip);
	det_raise(c, &a, &t, r->seg, win);
}

static void raise_malformed(struct det_ctx *c, const struct det_rec *r)
{
	struct ev_alert a;
	struct ev_tuple t;

	det_alert_init(&a, &det_5g, detector_sig(&det_5g, SID_MALFORMED));
	det_rec_tuple(r, &t);
	t.tun_type = 0;
	static const char *const names[] = { "gtpu.pkt_too_small", "gtpu.ext_hdr_invalid",
					     "gtpu.unknown_payload_type",
					     "gtpu.length_mismatch" };
	for (unsigned i = 0; i < 4; i++)
		if (r->u.gtp.anom & (1u << i))
			det_alert_sample(&a, "anomalies", names[i]);
	det_alert_rule(&a, "GTP-U %s the decoder could not read as TS 29.281 says",
		       gtp_msg_name(r->u.gtp.msg));
	det_alert_num(&a, "packets", r->u.gtp.count);
	det_raise(c, &a, &t, r->seg,
		  (uint64_t)det_param(c, &det_5g, r->seg, "gtp_window_s") * 1000000);
}

static void raise_pfcp_peer(struct det_ctx *c, const struct det_rec *r)
{
	struct ev_alert a;
	struct ev_tuple t;
	char ip[48];

	det_alert_init(&a, &det_5g, detector_sig(&det_5g, SID_DEL_PEER));
	det_rec_tuple(r, &t);
	det_fmt_ip(ip, sizeof(ip), r->u.pfcp.cp_ipver, r->u.pfcp.cp_ip);
	det_alert_rule(&a, "session deletion request for SEID 0x%llx; the session was "
		       "established by SMF %s", (unsigned long long)r->u.pfcp.seid, ip);
	det_alert_sample(&a, "expected_smf", ip);
	t.seid = r->tun.seid; /* the session it would delete: session{} */
	det_raise(c, &a, &t, r->seg,
		  (uint64_t)det_param(c, &det_5g, r->seg, "gtp_window_s") * 1000000);
}

static void raise_5g(struct det_ctx *c, const struct det_rec *r, unsigned sid)
{
	struct ev_alert a;
	struct ev_tuple t;
	char ip[48];

	det_alert_init(&a, &det_5g, detector_sig(&det_5g, sid));
	det_rec_tuple(r, &t); /* with its tunnel and session */
	t.sport = 0;
	switch (sid) {
	case SID_SPOOF:
		/* the session's UE is the one misbehaving, whatever it forges */
		memset(t.src, 0, 16);
		memcpy(t.src, r->u.gtp.ue, 16);
		t.ipver = r->u.gtp.ue_ipver;
		a.partial = EV_ALERT_NO_DST | EV_ALERT_NO_PORTS;
		det_fmt_ip(ip, sizeof(ip), r->ipver, r->src);
		/* the forged source may be another UE's: never in the rule,
		 * in the samples as its pseudonym where the UE has one */
		det_alert_rule(&a, "TEID 0x%x carries a source address that is not the "
			       "session's UE (DNN %s)", r->u.gtp.teid,
			       r->u.gtp.dnn[0] ? r->u.gtp.dnn : "-");
		det_alert_sample(&a, "spoofed_sources", ip);
		a.samples_personal = 1;
		break;
	case SID_CORE:
		det_alert_rule(&a, "a UE (TEID 0x%x, DNN %s) opened a flow to a core network "
			       "address", r->u.gtp.teid, r->u.gtp.dnn[0] ? r->u.gtp.dnn : "-");
		break;
	case SID_NESTED:
		det_alert_rule(&a, "a GTP-U packet inside TEID 0x%x carries GTP-U again "
			       "(%u levels); the inner tunnel was not followed",
			       r->u.gtp.teid, r->u.gtp.depth);
		det_alert_num(&a, "depth", r->u.gtp.depth);
		break;
	case SID_CTRL:
		det_alert_rule(&a, "TEID 0x%x carries %s from a UE (DNN %s)", r->u.gtp.teid,
			       r->dport == PFCP_PORT || r->sport == PFCP_PORT ? "PFCP" : "GTP-C",
			       r->u.gtp.dnn[0] ? r->u.gtp.dnn : "-");
		t.sport = r->sport;
		break;
	case SID_QFI:
		a.partial = EV_ALERT_NO_DST | EV_ALERT_NO_PORTS;
		det_alert_rule(&a, "QFI %u on TEID 0x%x; the session (DNN %s) was not granted it",
			       r->u.gtp.qfi, r->u.gtp.teid, r->u.gtp.dnn[0] ? r->u.gtp.dnn : "-");
		det_alert_num(&a, "qfi", r->u.gtp.qfi);
		break;
	default:
		/* about the tunnel: who sent G-PDUs for a TEID nobody owns */
		memset(&t, 0, sizeof(t));
		t.ipver = r->u.gtp.outer_ipver;
		memcpy(t.src, r->u.gtp.outer_src, 16);
		memcpy(t.dst, r->u.gtp.outer_dst, 16);
		t.proto = 17;
		t.dport = 2152;
		t.tun_type = r->tun.type;
		t.tun_id[0] = r->u.gtp.teid;
		t.outer_ipver = r->u.gtp.outer_ipver;
		memcpy(t.outer_src, r->u.gtp.outer_src, 16);
		memcpy(t.outer_dst, r->u.gtp.outer_dst, 16);
		det_alert_rule(&a, "G-PDU for TEID 0x%x, which no PDU session learnt from PFCP owns",
			       r->u.gtp.teid);
		break;
	}
	/* the session is named in session{} (a SEID is 64 bits: no number) */
	det_alert_num(&a, "teid", r->u.gtp.teid);
	det_raise(c, &a, &t, r->seg,
		  (uint64_t)det_param(c, &det_5g, r->seg, "gtp_window_s") * 1000000);
}

static void g5_record(void *st, struct det_ctx *c, const struct det_rec *r)
{
	if (r->kind == DR_PFCP) {
		if (r->u.pfcp.type == PFCP_SESS_EST_REQ)
			rate(st, c, r, SID_EST_FLOOD, "pfcp_est_per_s", 1,
			     "PFCP session establishment requests");
		else {
			rate(st, c, r, SID_DEL_FLOOD, "pfcp_del_per_s", 1,
			     "PFCP session deletion requests");
			if (r->u.pfcp.unexpected)
				raise_pfcp_peer(c, r);
		}
		return;
	}
	if (r->kind != DR_GTP)
		return;
	if (r->u.gtp.what & DET_GTP_MALFORMED)
		raise_malformed(c, r);
	if ((r->u.gtp.what & DET_GTP_SIG) && r->u.gtp.msg == 1)
		rate(st, c, r, SID_ECHO, "gtp_echo_per_s", r->u.gtp.count,
		     "GTP-U echo requests");
	if ((r->u.gtp.what & DET_GTP_SIG) && r->u.gtp.msg == 26)
		rate(st, c, r, SID_ERRIND, "gtp_errind_per_s", r->u.gtp.count,
		     "GTP-U error indications");
	if (r->u.gtp.what & DET_GTP_NESTED)
		raise_5g(c, r, SID_NESTED);
	if (r->u.gtp.what & DET_GTP_CTRL)
		raise_5g(c, r, SID_CTRL);
	if (r->u.gtp.what & DET_GTP_SPOOF)
		raise_5g(c, r, SID_SPOOF);
	if (r->u.gtp.what & DET_GTP_CORE)
		raise_5g(c, r, SID_CORE);
	if (r->u.gtp.what & DET_GTP_QFI)
		raise_5g(c, r, SID_QFI);
	if (r->u.gtp.what & DET_GTP_UNKNOWN)
		raise_5g(c, r, SID_UNKNOWN);
}

const struct detector det_5g = {
	.id = "5g",
	.name = "5G user plane against its PDU sessions",
	.version = "1.0",
	.description = "Each new GTP-U flow is checked by its worker against the PDU session "
		       "learnt from PFCP (N4): an uplink whose inner source is not the "
		       "session's UE (spoofing), a UE flow to the policy's core_networks, a QFI "
		       "the session was not granted, a TEID no session owns (only once N4 is "
		       "being seen), GTP-U inside GTP-U, PFCP or GTP-C inside GTP-U. GTP-U "
		       "echo requests and error indications are counted per target node and "
		       "second (floods), so are PFCP session establishment and deletion "
		       "requests per UPF; a deletion request from an address that is not "
		       "the SMF that established the session (its F-SEID) is an alert; GTP-U "
		       "the decoder finds broken (header length not the UDP payload's, "
		       "extension chain overrunning the packet) is one alert per pair of "
		       "nodes. One alert per session (per node for floods) and kind per "
		       "gtp_window_s.",
	.inputs = "GTP-U flows (TEID, QFI, inner tuple, nesting), GTP-U signalling and "
		  "decoder anomalies, PFCP requests, and the PFCP session table",
	.mitre = "T1599,T1036,T1046,T1572,T1498,T1499,T1531,T1557",
	.false_positives = "a sensor that missed a session's PFCP (started late, asymmetric "
			   "N4 tap): unknown TEIDs and QFIs; an SMF set whose members take over each "
			   "other's sessions (deletion from another SMF); UEs allowed to reach a core "
			   "service the policy lists as core (e.g. a DNS on the N6 side)",
	.where = DET_ANALYTICS,
	.params = params,
	.sigs = sigs,
	.create = g5_create,
	.destroy = g5_destroy,
	.state_evictions = det_dtab_evictions,
	.on_record = g5_record,
};

/* 5G user plane against the PDU sessions learnt from PFCP: UE address
 * spoofing, UE traffic to core networks, QoS flows not granted, TEIDs no
 * session owns. The worker that owns the flow judges it (it has the
 * session); alerts go through here for suppression: one per session (or
 * per gNB for unknown TEIDs) per window, repeats counted. */
#include "det_impl.h"

#include <string.h>

enum { SID_SPOOF = 100601, SID_CORE, SID_QFI, SID_UNKNOWN };

static const struct det_param params[] = {
	{ "gtp_window_s", 300, "s", "one alert per session (or gNB) and kind per window" },
	{ NULL, 0, NULL, NULL },
};

static const struct det_sig sigs[] = {
	{ SID_SPOOF, "5G: UE address spoofing (uplink inner source is not the session's UE)",
	  "defense-evasion", 1, "T1599,T1036" },
	{ SID_CORE, "5G: UE traffic to a core network (N2/N4/SBI/OAM)", "lateral-movement", 1,
	  "T1599,T1046" },
	{ SID_QFI, "5G: QoS flow not granted to the PDU session", "policy-violation", 2, "T1599" },
	{ SID_UNKNOWN, "5G: GTP-U with a TEID no PDU session owns", "discovery", 3, "T1046" },
	{ 0, NULL, NULL, 0, NULL },
};

extern const struct detector det_5g;

static void raise_5g(struct det_ctx *c, const struct det_rec *r, unsigned sid)
{
	struct ev_alert a;
	struct ev_tuple t;
	char ip[48];

	det_alert_init(&a, &det_5g, detector_sig(&det_5g, sid));
	det_rec_tuple(r, &t);
	t.sport = 0;
	t.tun_type = 0;
	switch (sid) {
	case SID_SPOOF:
		/* the session's UE is the one misbehaving, whatever it forges */
		memset(t.src, 0, 16);
		memcpy(t.src, r->u.gtp.ue, 16);
		t.ipver = r->u.gtp.ue_ipver;
		a.partial = EV_ALERT_NO_DST | EV_ALERT_NO_PORTS;
		det_fmt_ip(ip, sizeof(ip), r->ipver, r->src);
		det_alert_rule(&a, "TEID 0x%x carries source %s; the session's UE is another "
			       "address (DNN %s)", r->u.gtp.teid, ip,
			       r->u.gtp.dnn[0] ? r->u.gtp.dnn : "-");
		det_alert_sample(&a, "spoofed_sources", ip);
		break;
	case SID_CORE:
		det_alert_rule(&a, "a UE (TEID 0x%x, DNN %s) opened a flow to a core network "
			       "address", r->u.gtp.teid, r->u.gtp.dnn[0] ? r->u.gtp.dnn : "-");
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
		det_alert_rule(&a, "G-PDU for TEID 0x%x, which no PDU session learnt from PFCP owns",
			       r->u.gtp.teid);
		break;
	}
	det_alert_num(&a, "teid", r->u.gtp.teid);
	if (r->u.gtp.seid)
		det_alert_num(&a, "seid", (double)r->u.gtp.seid);
	det_raise(c, &a, &t, r->seg,
		  (uint64_t)det_param(c, &det_5g, r->seg, "gtp_window_s") * 1000000);
}

static void g5_record(void *st, struct det_ctx *c, const struct det_rec *r)
{
	(void)st;
	if (r->kind != DR_GTP)
		return;
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
		       "being seen). One alert per session (per gNB for unknown TEIDs) and kind "
		       "per gtp_window_s.",
	.inputs = "GTP-U flows (TEID, QFI, inner tuple) and the PFCP session table",
	.mitre = "T1599,T1036,T1046",
	.false_positives = "a sensor that missed a session's PFCP (started late, asymmetric "
			   "N4 tap): unknown TEIDs and QFIs; UEs allowed to reach a core "
			   "service the policy lists as core (e.g. a DNS on the N6 side)",
	.where = DET_ANALYTICS,
	.params = params,
	.sigs = sigs,
	.on_record = g5_record,
};

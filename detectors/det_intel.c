/* Threat intelligence: the policy's lists of addresses, domains (suffix
 * match on DNS query, TLS SNI, HTTP host) and JA3 fingerprints. */
#include "det_impl.h"

#include <string.h>

enum { SID_INTEL_IP = 200101, SID_INTEL_DOMAIN = 200102, SID_INTEL_JA3 = 200103 };

static const struct det_sig sigs[] = {
	{ SID_INTEL_IP, "Threat intel: address on a watch list", "threat-intel", 2, "T1071" },
	{ SID_INTEL_DOMAIN, "Threat intel: domain on a watch list", "threat-intel", 2, "T1071" },
	{ SID_INTEL_JA3, "Threat intel: TLS client fingerprint (JA3) on a watch list",
	  "threat-intel", 2, "T1071.001" },
	{ 0, NULL, NULL, 0, NULL },
};

extern const struct detector det_intel;

static void intel_start(const struct det_flow *f)
{
	const struct ev_tuple *t = f->t;
	struct intel_hit h;
	char ip[48];

	if (!f->pol || (*f->alerted & DET_ALERTED_INTEL_IP))
		return;
	for (int side = 0; side < 2; side++) {
		const uint8_t *addr = side ? t->dst : t->src;
		if (!policy_intel_ip(f->pol, t->ipver, addr, &h))
			continue;
		*f->alerted |= DET_ALERTED_INTEL_IP;
		struct ev_alert a;
		det_alert_init(&a, &det_intel, &sigs[0]);
		a.severity = (uint8_t)h.severity;
		det_fmt_ip(ip, sizeof(ip), t->ipver, addr);
		det_alert_rule(&a, "list %s: %s %s", h.list,
			 side ? "server" : "client", ip);
		f->emit(f->ctx, &a);
		return;
	}
}

static void intel_classified(const struct det_flow *f)
{
	struct intel_hit h;
	struct ev_alert a;

	if (!f->pol)
		return;
	if (f->host[0] && !(*f->alerted & DET_ALERTED_INTEL_NAME) &&
	    policy_intel_domain(f->pol, f->host, &h)) {
		*f->alerted |= DET_ALERTED_INTEL_NAME;
		det_alert_init(&a, &det_intel, &sigs[1]);
		a.severity = (uint8_t)h.severity;
		det_alert_rule(&a, "list %s: %s %s (matches %s)", h.list,
			 f->host_kind == EV_HOST_DNS ? "DNS query" :
			 f->host_kind == EV_HOST_TLS ? "TLS SNI" :
			 f->host_kind == EV_HOST_HTTP ? "HTTP host" : "host name",
			 f->host, h.matched);
		f->emit(f->ctx, &a);
	}
	if (f->has_ja3c && !(*f->alerted & DET_ALERTED_INTEL_JA3)) {
		const struct ev_app *full = f->describe(f->ctx);
		if (policy_intel_ja3(f->pol, full->ja3c, &h)) {
			*f->alerted |= DET_ALERTED_INTEL_JA3;
			det_alert_init(&a, &det_intel, &sigs[2]);
			a.severity = (uint8_t)h.severity;
			det_alert_rule(&a, "list %s: JA3 %s", h.list,
				 full->ja3c);
			f->emit(f->ctx, &a);
		}
	}
}

const struct detector det_intel = {
	.id = "intel",
	.name = "Threat intelligence matches",
	.version = "1.0",
	.description = "The policy's intel lists: client or server address in an IP/CIDR "
		       "list (first packet); DNS query, TLS SNI or HTTP host under a listed "
		       "domain (suffix match on label boundaries); TLS client JA3 in a list. "
		       "Once per flow and kind; severity from the list.",
	.inputs = "flow tuple; host names and JA3 from classification; the policy's lists",
	.mitre = "T1071,T1071.001",
	.false_positives = "stale list entries (shared hosting, recycled cloud addresses); "
			   "common JA3 values shared by benign and malicious clients",
	.where = DET_WORKER,
	.sigs = sigs,
	.on_flow_start = intel_start,
	.on_flow_classified = intel_classified,
};

/* City policy: what a segment may run and where it may talk to. */
#include "det_impl.h"

#include <string.h>

enum { SID_POLICY_APP = 200001, SID_POLICY_DST = 200002 };

static const struct det_sig sigs[] = {
	{ SID_POLICY_APP, "Policy: application not allowed in segment", "policy-violation", 2, "" },
	{ SID_POLICY_DST, "Policy: destination not allowed for segment", "policy-violation", 2, "" },
	{ 0, NULL, NULL, 0, NULL },
};

extern const struct detector det_policy;

/* Only flows the segment's own devices start. */
static void policy_start(const struct det_flow *f)
{
	const struct ev_tuple *t = f->t;
	char why[160], ip[48];

	if (!f->pol || f->seg < 0 || (*f->alerted & DET_ALERTED_POLICY_DST))
		return;
	if (policy_segment(f->pol, t->ipver, t->src, t->vlan_count ? t->vlan[0] : 0) != f->seg ||
	    policy_dest_allowed(f->pol, f->seg, t->ipver, t->dst, t->proto, t->dport, why,
				sizeof(why)))
		return;
	*f->alerted |= DET_ALERTED_POLICY_DST;
	struct ev_alert a;
	det_alert_init(&a, &det_policy, &sigs[1]);
	a.severity = (uint8_t)policy_severity(f->pol, f->seg, "policy", 2);
	det_fmt_ip(ip, sizeof(ip), t->ipver, t->dst);
	det_alert_rule(&a, "%s; seen %s port %u", why, ip, t->dport);
	f->emit(f->ctx, &a);
}

static void policy_classified(const struct det_flow *f)
{
	char why[200];

	if (!f->pol || f->seg < 0 || (*f->alerted & DET_ALERTED_POLICY))
		return;
	if (policy_app_allowed(f->pol, f->seg, f->master_id, f->app_id, f->category_id, why,
			       sizeof(why)))
		return;
	const struct ev_app *full = f->describe(f->ctx);
	*f->alerted |= DET_ALERTED_POLICY;
	struct ev_alert a;
	det_alert_init(&a, &det_policy, &sigs[0]);
	a.severity = (uint8_t)policy_severity(f->pol, f->seg, "policy", 2);
	det_alert_rule(&a, "%s; seen %s", why, full->proto);
	f->emit(f->ctx, &a);
}

const struct detector det_policy = {
	.id = "policy",
	.name = "Segment policy",
	.version = "1.0",
	.description = "Per policy segment: an application (nDPI name or category) not in "
		       "allow.apps/categories, once classification ends; a destination or "
		       "port outside allow.destinations/ports, at the flow's first packet. "
		       "Once per flow.",
	.inputs = "flow tuple, segment, nDPI application; the policy",
	.mitre = "",
	.false_positives = "a new, legitimate service the policy does not list yet; nDPI "
			   "mislabelling a rare application",
	.where = DET_WORKER,
	.sigs = sigs,
	.on_flow_start = policy_start,
	.on_flow_classified = policy_classified,
};

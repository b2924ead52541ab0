/* Brute force on authentication services: many connections (or HTTP 401
 * answers) from one source to one server's login service in a window. */
#include "det_impl.h"

#include <stdlib.h>
#include <string.h>

#define PAIRS 32768

enum { SID_SSH = 100201, SID_TELNET, SID_FTP, SID_RDP, SID_VNC, SID_HTTP };

static const struct det_param params[] = {
	{ "brute_force_attempts", 20, "attempts",
	  "logins (connections, or HTTP 401s) from one source to one service" },
	{ "brute_window_s", 60, "s", "window the attempts are counted over" },
	{ NULL, 0, NULL, NULL },
};

static const struct det_sig sigs[] = {
	{ SID_SSH, "Brute force: SSH logins", "credential-access", 2, "T1110.001" },
	{ SID_TELNET, "Brute force: Telnet logins", "credential-access", 1, "T1110.001" },
	{ SID_FTP, "Brute force: FTP logins", "credential-access", 2, "T1110.001" },
	{ SID_RDP, "Brute force: RDP logins", "credential-access", 2, "T1110.001" },
	{ SID_VNC, "Brute force: VNC logins", "credential-access", 2, "T1110.001" },
	{ SID_HTTP, "Brute force: HTTP authentication failures (401)", "credential-access", 2,
	  "T1110.001" },
	{ 0, NULL, NULL, 0, NULL },
};

struct pair_key {
	uint8_t src[16], dst[16];
	uint32_t sid;
	uint8_t ipver, pad[3];
};

struct pair_state {
	uint64_t win_start;
	uint32_t attempts;
	uint16_t dport;
	uint8_t raised;
};

extern const struct detector det_brute;

static void *brute_create(void)
{
	return dtab_create(PAIRS, sizeof(struct pair_key), sizeof(struct pair_state));
}

static void brute_destroy(void *st)
{
	dtab_destroy(st);
}

static uint32_t service_sid(uint16_t port)
{
	switch (port) {
	case 22: return SID_SSH;
	case 23: case 2323: return SID_TELNET;
	case 21: return SID_FTP;
	case 3389: return SID_RDP;
	case 5900: return SID_VNC;
	default: return 0;
	}
}

static int brute_wants(const struct det_rec *r, const struct policy *pol)
{
	(void)pol;
	return r->proto == 6 && (r->flags & 0x12) == 0x02 && service_sid(r->dport);
}

static void brute_record(void *st, struct det_ctx *c, const struct det_rec *r)
{
	uint32_t sid = 0;

	if (r->kind == DR_START && brute_wants(r, NULL))
		sid = service_sid(r->dport);
	else if (r->kind == DR_APP && r->u.app.http_status == 401)
		sid = SID_HTTP;
	if (!sid)
		return;
	struct pair_key k;
	memset(&k, 0, sizeof(k));
	memcpy(k.src, r->src, 16);
	memcpy(k.dst, r->dst, 16);
	k.sid = sid;
	k.ipver = r->ipver;
	uint64_t now = det_now(c);
	uint64_t win = (uint64_t)det_param(c, &det_brute, r->seg, "brute_window_s") * 1000000;
	int created;
	struct pair_state *p = dtab_get(st, &k, now, &created);
	if (created || now - p->win_start > win) {
		memset(p, 0, sizeof(*p));
		p->win_start = now;
	}
	p->attempts++;
	p->dport = r->dport;
	long thr = det_param(c, &det_brute, r->seg, "brute_force_attempts");
	if (p->raised || p->attempts < (uint32_t)thr)
		return;
	p->raised = 1;
	struct ev_alert a;
	struct ev_tuple t;
	det_alert_init(&a, &det_brute, detector_sig(&det_brute, sid));
	det_rec_tuple(r, &t);
	t.sport = 0;
	det_alert_rule(&a, "%u %s from one source to one server in %.1f s",
		 p->attempts, sid == SID_HTTP ? "HTTP 401 answers" : "login connections",
		 (double)(now - p->win_start) / 1e6);
	det_alert_num(&a, "attempts", p->attempts);
	det_alert_num(&a, "threshold", (double)thr);
	det_alert_num(&a, "elapsed_s", (double)(now - p->win_start) / 1e6);
	a.window_ms = (uint32_t)(win / 1000);
	det_raise(c, &a, &t, r->seg, win);
}

const struct detector det_brute = {
	.id = "brute",
	.name = "Brute force on authentication services",
	.version = "1.0",
	.description = "Counts login attempts from one source to one server: new TCP "
		       "connections to SSH (22), Telnet (23, 2323), FTP (21), RDP (3389), "
		       "VNC (5900), and HTTP 401 answers; alerts at brute_force_attempts "
		       "within brute_window_s.",
	.inputs = "flow starts (SYN), HTTP response codes from classification",
	.mitre = "T1110.001",
	.false_positives = "monitoring probes checking a service every few seconds; "
			   "automation opening one SSH connection per command; a "
			   "misconfigured client retrying stale credentials",
	.where = DET_ANALYTICS,
	.params = params,
	.sigs = sigs,
	.create = brute_create,
	.destroy = brute_destroy,
	.state_evictions = det_dtab_evictions,
	.on_record = brute_record,
	.wants_start = brute_wants,
};

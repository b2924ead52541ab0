/* Brute force on authentication services: failed logins (read from the
 * services' replies, or from SSH's shape: proto/auth.h), or many
 * connections where nothing tells the outcome, from one source to one
 * server's login service in a window; and a login let in after them. */
#include "det_impl.h"
#include "../proto/auth.h"

#include <stdlib.h>
#include <string.h>

#define PAIRS 32768

enum { SID_SSH = 100201, SID_TELNET, SID_FTP, SID_RDP, SID_VNC, SID_HTTP, SID_POP3, SID_IMAP,
       SID_SMTP, SID_SUCCEEDED };

static const struct det_param params[] = {
	{ "brute_force_attempts", 20, "connections",
	  "login connections from one source to one service (RDP, VNC, SSH, telnet, FTP)" },
	{ "brute_failures", 8, "failures",
	  "failed logins from one source to one service (as the replies, or SSH's shape, "
	  "tell them)" },
	{ "brute_parallel", 3, "connections",
	  "failed logins on this many connections of one source at once (a tool's parallel "
	  "tasks: people retry on one) alert before brute_failures" },
	{ "brute_window_s", 60, "s", "window the attempts are counted over" },
	{ NULL, 0, NULL, NULL },
};

static const struct det_sig sigs[] = {
	{ SID_SSH, "Brute force: SSH logins", "credential-access", 2, "T1110.001" },
	{ SID_TELNET, "Brute force: Telnet logins", "credential-access", 1, "T1110.001" },
	{ SID_FTP, "Brute force: FTP logins", "credential-access", 2, "T1110.001" },
	{ SID_RDP, "Brute force: RDP logins", "credential-access", 2, "T1110.001" },
	{ SID_VNC, "Brute force: VNC logins", "credential-access", 2, "T1110.001" },
	{ SID_HTTP, "Brute force: HTTP login failures (401, or a login form refusing)",
	  "credential-access", 2, "T1110.001" },
	{ SID_POP3, "Brute force: POP3 logins", "credential-access", 2, "T1110.001" },
	{ SID_IMAP, "Brute force: IMAP logins", "credential-access", 2, "T1110.001" },
	{ SID_SMTP, "Brute force: SMTP AUTH logins", "credential-access", 2, "T1110.001" },
	{ SID_SUCCEEDED, "Brute force succeeded: a login let in after many failures",
	  "credential-access", 1, "T1110.001,T1078" },
	{ 0, NULL, NULL, 0, NULL },
};

struct pair_key {
	uint8_t src[16], dst[16];
	uint32_t sid;
	uint8_t ipver, failures, pad[2];     /* failures: 1 failed logins, 0 connections */
};

struct pair_state {
	uint64_t win_start;
	uint32_t attempts;
	uint16_t dport;
	uint8_t raised, succeeded;
	struct lc256 flows;              /* connections with a failed login */
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

static uint32_t auth_sid(int service)
{
	switch (service) {
	case AUTH_SSH: return SID_SSH;
	case AUTH_TELNET: return SID_TELNET;
	case AUTH_FTP: return SID_FTP;
	case AUTH_HTTP: return SID_HTTP;
	case AUTH_POP3: return SID_POP3;
	case AUTH_IMAP: return SID_IMAP;
	case AUTH_SMTP: return SID_SMTP;
	default: return 0;
	}
}

static struct pair_state *pair(void *st, struct det_ctx *c, const struct det_rec *r,
			       uint32_t sid, int failures, int create)
{
	struct pair_key k;
	memset(&k, 0, sizeof(k));
	memcpy(k.src, r->src, 16);
	memcpy(k.dst, r->dst, 16);
	k.sid = sid;
	k.ipver = r->ipver;
	k.failures = (uint8_t)failures;
	uint64_t now = det_now(c);
	uint64_t win = (uint64_t)det_param(c, &det_brute, r->seg, "brute_window_s") * 1000000;
	if (!create) {
		struct pair_state *p = dtab_find(st, &k);
		return p && now - p->win_start <= win ? p : NULL;
	}
	int created;
	struct pair_state *p = dtab_get(st, &k, now, &created);
	if (created || now - p->win_start > win) {
		memset(p, 0, sizeof(*p));
		p->win_start = now;
	}
	return p;
}

static void raise_pair(struct det_ctx *c, const struct det_rec *r, uint32_t sid,
		       const struct pair_state *p, const char *what, long thr)
{
	uint64_t now = det_now(c);
	uint64_t win = (uint64_t)det_param(c, &det_brute, r->seg, "brute_window_s") * 1000000;
	struct ev_alert a;
	struct ev_tuple t;
	det_alert_init(&a, &det_brute, detector_sig(&det_brute, sid));
	det_rec_tuple(r, &t);
	t.sport = 0;
	det_alert_rule(&a, "%u %s from one source to one server in %.1f s", p->attempts, what,
		       (double)(now - p->win_start) / 1e6);
	det_alert_num(&a, "attempts", p->attempts);
	det_alert_num(&a, "threshold", (double)thr);
	det_alert_num(&a, "elapsed_s", (double)(now - p->win_start) / 1e6);
	a.window_ms = (uint32_t)(win / 1000);
	det_raise(c, &a, &t, r->seg, win);
}

static void brute_record(void *st, struct det_ctx *c, const struct det_rec *r)
{
	if (r->kind == DR_START && brute_wants(r, NULL)) {
		uint32_t sid = service_sid(r->dport);
		struct pair_state *p = pair(st, c, r, sid, 0, 1);
		p->attempts++;
		p->dport = r->dport;
		long thr = det_param(c, &det_brute, r->seg, "brute_force_attempts");
		if (!p->raised && p->attempts >= (uint32_t)thr) {
			p->raised = 1;
			raise_pair(c, r, sid, p, "login connections", thr);
		}
		return;
	}
	if (r->kind != DR_AUTH)
		return;
	uint32_t sid = auth_sid(r->u.auth.service);
	if (!sid)
		return;
	long thr = det_param(c, &det_brute, r->seg, "brute_failures");
	if (r->u.auth.ok) {
		/* let in after the failures that made (or would make) an alert */
		struct pair_state *p = pair(st, c, r, sid, 1, 0);
		if (!p || !p->raised || p->succeeded)
			return;
		p->succeeded = 1;
		raise_pair(c, r, SID_SUCCEEDED, p, "failed logins, then one let in", thr);
		return;
	}
	struct pair_state *p = pair(st, c, r, sid, 1, 1);
	p->attempts += r->u.auth.count;
	p->dport = r->dport;
	lc_add(&p->flows, det_hash(&r->flow_id, sizeof(r->flow_id)));
	long par = det_param(c, &det_brute, r->seg, "brute_parallel");
	if (p->raised)
		return;
	if (p->attempts >= (uint32_t)thr) {
		p->raised = 1;
		raise_pair(c, r, sid, p, "failed logins", thr);
	} else if (par > 0 && lc_count(&p->flows) >= (unsigned)par &&
		   p->attempts >= (uint32_t)par) {
		p->raised = 1;
		raise_pair(c, r, sid, p, "failed logins on parallel connections", par);
	}
}

const struct detector det_brute = {
	.id = "brute",
	.name = "Brute force on authentication services",
	.version = "1.0",
	.description = "Counts failed logins from one source to one server's login service: "
		       "FTP 530, SMTP 535, POP3 -ERR, IMAP NO and telnet's \"Login incorrect\" "
		       "replies; HTTP 401/407, and 403 or a refusing page on a POST to a login "
		       "form; SSH tries inferred from the connection's shape after the key "
		       "exchange (a small request answered small, then tried again). Alerts at "
		       "brute_failures within brute_window_s (or at brute_parallel failures on as "
		       "many connections: a tool's parallel tasks), and again, at severity 1, "
		       "when a login is let in after them. Where nothing tells the outcome (RDP, VNC), "
		       "brute_force_attempts new connections alert.",
	.inputs = "flow starts (SYN); login outcomes from the login services' replies (FTP, "
		  "telnet, POP3, IMAP, SMTP), libhtp's HTTP transactions and SSH's segment "
		  "sizes",
	.mitre = "T1110.001,T1078",
	.false_positives = "a user mistyping a password on several connections in a minute; "
			   "monitoring probes checking a service every few seconds; "
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

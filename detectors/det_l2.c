/* The LAN's own control traffic: ARP poisoning and sweeps, DHCP starvation
 * and rogue servers, rogue IPv6 routers and neighbour spoofing. Workers hand
 * every ARP, DHCP and neighbour discovery message over (DR_L2); the
 * bindings learnt here (address -> MAC) are what a poisoner contradicts. */
#include "det_impl.h"
#include "../proto/l2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BINDINGS 65536
#define MACS 16384
#define ASKS 65536
#define DOMAINS 1024

enum { SID_ARP_CHANGE = 101001, SID_ARP_UNSOLICITED, SID_ARP_GARP_STORM, SID_ARP_MANY_IPS,
       SID_ARP_SWEEP };
enum { SID_DHCP_STARVATION = 101101, SID_DHCP_ROGUE, SID_DHCP_SECOND };
enum { SID_ND_ROGUE_RA = 101201, SID_ND_SECOND_RA, SID_ND_CHANGE, SID_ND_MANY_IPS };

extern const struct detector det_arp, det_dhcp, det_nd;

/* ---- shared state -------------------------------------------------------- */

/* An address's MAC: the one it had, the one that took it, and when. */
struct bind_key {
	uint8_t ip[16];
	uint16_t vlan;
	uint8_t ipver, pad;
};
struct bind_val {
	uint8_t mac[6];
	uint64_t last_us;
	uint64_t reported_us;            /* an alert about the address, 0 none */
};

/* What one MAC did in the current window. */
struct mac_key {
	uint8_t mac[6];
	uint16_t vlan;
};
struct mac_val {
	uint64_t win_start;
	struct lc256 claimed;            /* addresses it claimed */
	struct lc256 asked;              /* addresses it asked for (ARP requests) */
	uint32_t garp, unsolicited;
	uint8_t sample_ip[16];
};

/* A LAN (segment and VLAN) and who serves it. */
struct dom_key {
	int16_t seg;
	uint16_t vlan;
};
struct dom_val {
	uint64_t win_start;
	struct lc256 clients;            /* DHCP: client MACs asking */
	uint32_t asks;
	uint8_t server[16];              /* the first DHCP server / router seen */
	uint8_t has_server;
	uint8_t router[16];
	uint8_t has_router;
};

struct l2_state {
	struct dtab *bind, *macs, *asks, *doms;
};

static void *l2_create(void)
{
	struct l2_state *s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->bind = dtab_create(BINDINGS, sizeof(struct bind_key), sizeof(struct bind_val));
	s->macs = dtab_create(MACS, sizeof(struct mac_key), sizeof(struct mac_val));
	s->asks = dtab_create(ASKS, sizeof(struct bind_key) + 16, sizeof(uint64_t));
	s->doms = dtab_create(DOMAINS, sizeof(struct dom_key), sizeof(struct dom_val));
	if (!s->bind || !s->macs || !s->asks || !s->doms) {
		dtab_destroy(s->bind);
		dtab_destroy(s->macs);
		dtab_destroy(s->asks);
		dtab_destroy(s->doms);
		free(s);
		return NULL;
	}
	return s;
}

static void l2_destroy(void *st)
{
	struct l2_state *s = st;
	if (!s)
		return;
	dtab_destroy(s->bind);
	dtab_destroy(s->macs);
	dtab_destroy(s->asks);
	dtab_destroy(s->doms);
	free(s);
}

static uint64_t l2_evictions(const void *st)
{
	const struct l2_state *s = st;
	return dtab_evictions(s->bind) + dtab_evictions(s->macs) + dtab_evictions(s->asks) +
	       dtab_evictions(s->doms);
}

static void fmt_mac(char *out, size_t cap, const uint8_t *m)
{
	snprintf(out, cap, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static int zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static uint64_t secs(const struct det_ctx *c, const struct detector *d, int seg, const char *k)
{
	return (uint64_t)det_param(c, d, seg, k) * 1000000;
}

static struct mac_val *mac_window(struct l2_state *s, struct det_ctx *c, const struct detector *d,
				  const struct det_rec *r, const char *wkey)
{
	struct mac_key k;
	int created;
	memset(&k, 0, sizeof(k));
	memcpy(k.mac, r->u.l2.eth_src, 6);
	k.vlan = r->u.l2.vlan;
	uint64_t now = det_now(c);
	struct mac_val *m = dtab_get(s->macs, &k, now, &created);
	if (created || now - m->win_start > secs(c, d, r->seg, wkey)) {
		memset(m, 0, sizeof(*m));
		m->win_start = now;
	}
	return m;
}

/* An alert about the LAN: src and dst as given, the MACs as evidence. */
static void l2_alert(struct det_ctx *c, const struct detector *d, uint32_t sid, int ipver,
		     const uint8_t *src, const uint8_t *dst, int seg, uint64_t window_us,
		     const uint8_t *mac_a, const uint8_t *mac_b, struct ev_alert *a)
{
	struct ev_tuple t;
	char m[24];
	memset(&t, 0, sizeof(t));
	t.ipver = (uint8_t)ipver;
	t.proto = ipver == 6 ? 58 : 0;
	if (src)
		memcpy(t.src, src, 16);
	else
		a->partial |= EV_ALERT_NO_SRC;
	if (dst)
		memcpy(t.dst, dst, 16);
	else
		a->partial |= EV_ALERT_NO_DST;
	a->partial |= EV_ALERT_NO_PORTS;
	if (mac_a) {
		fmt_mac(m, sizeof(m), mac_a);
		det_alert_sample(a, "macs", m);
	}
	if (mac_b) {
		fmt_mac(m, sizeof(m), mac_b);
		det_alert_sample(a, "macs", m);
	}
	a->window_ms = (uint32_t)(window_us / 1000);
	(void)sid;
	(void)d;
	det_raise(c, a, &t, seg, window_us);
}

/* addr claimed by mac: 1 and the MAC it had, when another MAC held it within
 * hold_us; the binding moves to mac either way. */
static struct bind_val *binding(struct l2_state *s, int ipver, const uint8_t *addr,
				uint16_t vlan, uint64_t now, int *created)
{
	struct bind_key k;
	memset(&k, 0, sizeof(k));
	memcpy(k.ip, addr, ipver == 4 ? 4 : 16);
	k.ipver = (uint8_t)ipver;
	k.vlan = vlan;
	return dtab_get(s->bind, &k, now, created);
}

/* Was an alert about addr raised within window_us? (then the address's
 * poisoning is told: its MAC flipping back is no news) */
static int reported(struct l2_state *s, int ipver, const uint8_t *addr, uint16_t vlan,
		    uint64_t now, uint64_t window_us)
{
	int created;
	struct bind_val *b = binding(s, ipver, addr, vlan, now, &created);
	return !created && b->reported_us && now - b->reported_us <= window_us;
}

static void mark_reported(struct l2_state *s, int ipver, const uint8_t *addr, uint16_t vlan,
			  uint64_t now)
{
	int created;
	struct bind_val *b = binding(s, ipver, addr, vlan, now, &created);
	if (created)
		b->last_us = 0;
	b->reported_us = now;
}

static int rebind(struct l2_state *s, int ipver, const uint8_t *addr, uint16_t vlan,
		  const uint8_t *mac, uint64_t now, uint64_t hold_us, uint8_t old[6])
{
	int created;
	struct bind_val *b = binding(s, ipver, addr, vlan, now, &created);
	int changed = !created && b->last_us && memcmp(b->mac, mac, 6) &&
		      now - b->last_us <= hold_us;
	if (changed)
		memcpy(old, b->mac, 6);
	memcpy(b->mac, mac, 6);
	b->last_us = now;
	return changed;
}

/* ---- ARP ------------------------------------------------------------------ */

static const struct det_param arp_params[] = {
	{ "arp_hold_s", 300, "s",
	  "an address's MAC counts as current this long after it was last seen" },
	{ "arp_unsolicited", 2, "replies",
	  "ARP replies nobody asked for, from one MAC, within arp_window_s" },
	{ "arp_garp_storm", 20, "announcements", "gratuitous ARPs from one MAC within arp_window_s" },
	{ "arp_mac_ips", 16, "addresses", "addresses one MAC claims within arp_window_s" },
	{ "arp_sweep_hosts", 32, "addresses", "addresses one MAC asks for within arp_window_s" },
	{ "arp_window_s", 30, "s", "window the counts above are taken over" },
	{ NULL, 0, NULL, NULL },
};

static const struct det_sig arp_sigs[] = {
	{ SID_ARP_CHANGE, "ARP spoofing: an address claimed by a second MAC", "credential-access",
	  1, "T1557.002" },
	{ SID_ARP_UNSOLICITED, "ARP spoofing: unsolicited replies (poisoning)", "credential-access",
	  1, "T1557.002" },
	{ SID_ARP_GARP_STORM, "ARP: gratuitous ARP storm", "impact", 2, "T1557.002,T1498" },
	{ SID_ARP_MANY_IPS, "ARP spoofing: one MAC claims many addresses", "credential-access", 2,
	  "T1557.002" },
	{ SID_ARP_SWEEP, "Scan: ARP sweep (many addresses asked for)", "discovery", 3, "T1018" },
	{ 0, NULL, NULL, 0, NULL },
};

static void arp_raise(struct det_ctx *c, uint32_t sid, const struct det_rec *r,
		      const uint8_t *src, const uint8_t *dst, const uint8_t *old, const char *what,
		      double n, const char *nkey)
{
	struct ev_alert a;
	det_alert_init(&a, &det_arp, detector_sig(&det_arp, sid));
	char ip[48], m[24];
	det_fmt_ip(ip, sizeof(ip), 4, r->u.l2.ip);
	fmt_mac(m, sizeof(m), r->u.l2.hw);
	det_alert_rule(&a, "%s: %s is-at %s", what, ip, m);
	if (nkey)
		det_alert_num(&a, nkey, n);
	int pol_router = det_pol(c) ? policy_router(det_pol(c), r->seg, 4, r->u.l2.ip) : -1;
	if (pol_router == 1)
		det_alert_num(&a, "gateway", 1);
	l2_alert(c, &det_arp, sid, 4, src, dst, r->seg, secs(c, &det_arp, r->seg, "arp_window_s"),
		 r->u.l2.hw, old, &a);
}

static void arp_record(void *st, struct det_ctx *c, const struct det_rec *r)
{
	struct l2_state *s = st;
	if (r->kind != DR_L2 || r->u.l2.what != DET_L2_ARP)
		return;
	const uint8_t *sha = r->u.l2.hw, *spa = r->u.l2.ip, *tpa = r->u.l2.ip2;
	uint16_t vlan = r->u.l2.vlan;
	uint64_t now = det_now(c);
	int seg = r->seg;
	int garp = !memcmp(spa, tpa, 4);
	int probe = zero(spa, 4); /* RFC 5227 probe: asks, claims nothing */
	struct mac_val *m = mac_window(s, c, &det_arp, r, "arp_window_s");
	int unsol = 0;

	if (r->u.l2.op == ARP_REQUEST && !garp) {
		/* remember the question, so that its answer is solicited */
		struct { struct bind_key k; uint8_t asker[16]; } ak;
		int created;
		memset(&ak, 0, sizeof(ak));
		memcpy(ak.k.ip, tpa, 4);
		ak.k.ipver = 4;
		ak.k.vlan = vlan;
		memcpy(ak.asker, spa, 4);
		*(uint64_t *)dtab_get(s->asks, &ak, now, &created) = now;
		lc_add(&m->asked, det_hash(tpa, 4));
		if (lc_count(&m->asked) >= (unsigned)det_param(c, &det_arp, seg, "arp_sweep_hosts"))
			arp_raise(c, SID_ARP_SWEEP, r, spa, NULL, NULL,
				  "asked for many addresses", (double)lc_count(&m->asked),
				  "distinct_targets");
	}
	if (probe)
		return;
	if (r->u.l2.op == ARP_REPLY && !garp) {
		struct { struct bind_key k; uint8_t asker[16]; } ak;
		memset(&ak, 0, sizeof(ak));
		memcpy(ak.k.ip, spa, 4);
		ak.k.ipver = 4;
		ak.k.vlan = vlan;
		memcpy(ak.asker, tpa, 4);
		uint64_t *asked = dtab_find(s->asks, &ak);
		unsol = !asked || now - *asked > 5000000;
		if (unsol) {
			m->unsolicited++;
			if (m->unsolicited >= (uint32_t)det_param(c, &det_arp, seg, "arp_unsolicited")) {
				arp_raise(c, SID_ARP_UNSOLICITED, r, spa, tpa, NULL,
					  "replies nobody asked for", m->unsolicited,
					  "replies");
				mark_reported(s, 4, spa, vlan, now);
			}
		} else {
			*asked = 0; /* one answer per question */
		}
	}
	if (garp) {
		m->garp++;
		if (m->garp >= (uint32_t)det_param(c, &det_arp, seg, "arp_garp_storm"))
			arp_raise(c, SID_ARP_GARP_STORM, r, spa, NULL, NULL,
				  "gratuitous ARP storm", m->garp, "announcements");
	}
	lc_add(&m->claimed, det_hash(spa, 4));
	if (lc_count(&m->claimed) >= (unsigned)det_param(c, &det_arp, seg, "arp_mac_ips"))
		arp_raise(c, SID_ARP_MANY_IPS, r, NULL, NULL, NULL,
			  "one MAC claims many addresses, the last",
			  (double)lc_count(&m->claimed), "addresses");
	uint8_t old[6];
	/* an unasked reply is the poisoning alert's to count, not one of its own */
	if (rebind(s, 4, spa, vlan, sha, now, secs(c, &det_arp, seg, "arp_hold_s"), old) &&
	    !unsol && !reported(s, 4, spa, vlan, now, secs(c, &det_arp, seg, "arp_hold_s"))) {
		arp_raise(c, SID_ARP_CHANGE, r, spa, r->u.l2.op == ARP_REPLY ? tpa : NULL, old,
			  "another MAC held the address", 0, NULL);
		mark_reported(s, 4, spa, vlan, now);
	}
}

const struct detector det_arp = {
	.id = "arp",
	.name = "ARP poisoning and sweeps",
	.version = "1.0",
	.description = "Learns each address's MAC from ARP. Alerts when a second MAC claims an "
		       "address whose MAC was seen within arp_hold_s; on arp_unsolicited replies "
		       "nobody asked for (the poisoner's is-at to its victim); on gratuitous ARP "
		       "storms; on one MAC claiming arp_mac_ips addresses; and on one MAC asking "
		       "for arp_sweep_hosts addresses (an ARP sweep, as nmap -sn on a LAN). "
		       "evidence.gateway is 1 when the claimed address is one of the segment's "
		       "routers.",
	.inputs = "every ARP packet of the outermost link (sender and target MAC and address)",
	.mitre = "T1557.002,T1018,T1498",
	.false_positives = "a failover pair (VRRP, keepalived) moving an address; a device "
			   "replaced within arp_hold_s; proxy ARP on a router (many addresses); "
			   "asset discovery on the LAN (sweeps)",
	.where = DET_ANALYTICS,
	.params = arp_params,
	.sigs = arp_sigs,
	.create = l2_create,
	.destroy = l2_destroy,
	.state_evictions = l2_evictions,
	.on_record = arp_record,
};

/* ---- DHCP ----------------------------------------------------------------- */

static const struct det_param dhcp_params[] = {
	{ "dhcp_clients", 48, "clients",
	  "client MACs asking for an address in one LAN within dhcp_window_s" },
	{ "dhcp_window_s", 10, "s", "window the clients are counted over" },
	{ NULL, 0, NULL, NULL },
};

static const struct det_sig dhcp_sigs[] = {
	{ SID_DHCP_STARVATION, "DHCP starvation: many clients asking at once", "impact", 2,
	  "T1557.003,T1499" },
	{ SID_DHCP_ROGUE, "DHCP: offers from a server the policy does not name",
	  "credential-access", 1, "T1557.003" },
	{ SID_DHCP_SECOND, "DHCP: a second server offers addresses", "credential-access", 2,
	  "T1557.003" },
	{ 0, NULL, NULL, 0, NULL },
};

static struct dom_val *domain(struct l2_state *s, const struct det_rec *r, uint64_t now)
{
	struct dom_key k;
	int created;
	memset(&k, 0, sizeof(k));
	k.seg = r->seg;
	k.vlan = r->u.l2.vlan;
	return dtab_get(s->doms, &k, now, &created);
}

static void dhcp_record(void *st, struct det_ctx *c, const struct det_rec *r)
{
	struct l2_state *s = st;
	if (r->kind != DR_L2 || r->u.l2.what != DET_L2_DHCP)
		return;
	uint64_t now = det_now(c);
	struct dom_val *dv = domain(s, r, now);
	struct ev_alert a;
	char ip[48];
	uint8_t op = r->u.l2.op;

	if (op == DHCP_DISCOVER || op == DHCP_REQUEST) {
		if (now - dv->win_start > secs(c, &det_dhcp, r->seg, "dhcp_window_s")) {
			memset(&dv->clients, 0, sizeof(dv->clients));
			dv->asks = 0;
			dv->win_start = now;
		}
		dv->asks++;
		lc_add(&dv->clients, det_hash(r->u.l2.hw, 6));
		unsigned n = lc_count(&dv->clients);
		if (n < (unsigned)det_param(c, &det_dhcp, r->seg, "dhcp_clients"))
			return;
		det_alert_init(&a, &det_dhcp, detector_sig(&det_dhcp, SID_DHCP_STARVATION));
		det_alert_rule(&a, "%u client MACs asked for addresses in %.1f s", n,
			       (double)(now - dv->win_start) / 1e6);
		det_alert_num(&a, "distinct_clients", n);
		det_alert_num(&a, "requests", dv->asks);
		l2_alert(c, &det_dhcp, SID_DHCP_STARVATION, 4, NULL, NULL, r->seg,
			 secs(c, &det_dhcp, r->seg, "dhcp_window_s"), r->u.l2.eth_src, NULL, &a);
		return;
	}
	if (op != DHCP_OFFER && op != DHCP_ACK)
		return;
	const uint8_t *srv = r->u.l2.ip;
	const struct policy *pol = det_pol(c);
	int named = pol ? policy_dhcp_server(pol, r->seg, 4, srv) : -1;
	uint32_t sid = 0;
	if (named == 0) {
		sid = SID_DHCP_ROGUE;
	} else if (named < 0) {
		/* not policed: the first server of the LAN is its server */
		if (!dv->has_server) {
			memcpy(dv->server, srv, 4);
			dv->has_server = 1;
		} else if (memcmp(dv->server, srv, 4)) {
			sid = SID_DHCP_SECOND;
		}
	}
	if (!sid)
		return;
	det_alert_init(&a, &det_dhcp, detector_sig(&det_dhcp, sid));
	det_fmt_ip(ip, sizeof(ip), 4, srv);
	if (sid == SID_DHCP_ROGUE) {
		det_alert_rule(&a, "DHCP %s from %s, not in the segment's dhcp_servers",
			       op == DHCP_OFFER ? "offer" : "ack", ip);
	} else {
		char first[48];
		det_fmt_ip(first, sizeof(first), 4, dv->server);
		det_alert_rule(&a, "DHCP %s from %s; the LAN's server was %s",
			       op == DHCP_OFFER ? "offer" : "ack", ip, first);
	}
	l2_alert(c, &det_dhcp, sid, 4, srv, r->u.l2.ip2, r->seg, 300000000ull, r->u.l2.eth_src,
		 NULL, &a);
}

const struct detector det_dhcp = {
	.id = "dhcp",
	.name = "DHCP starvation and rogue servers",
	.version = "1.0",
	.description = "Counts the client MACs asking for addresses (DISCOVER, REQUEST) per LAN "
		       "(segment and VLAN): dhcp_clients within dhcp_window_s is starvation. "
		       "An OFFER or ACK from a server the segment's dhcp_servers does not name "
		       "is a rogue server; where the policy names none, a second server "
		       "answering on a LAN is reported.",
	.inputs = "every DHCPv4 message of the outermost link (UDP 67/68): message type, "
		  "client MAC, server identifier; the policy's dhcp_servers",
	.mitre = "T1557.003,T1499",
	.false_positives = "a LAN's devices all booting at once after a power cut; redundant "
			   "DHCP servers missing from dhcp_servers; a relay (its answers come "
			   "from the relay's address)",
	.where = DET_ANALYTICS,
	.params = dhcp_params,
	.sigs = dhcp_sigs,
	.create = l2_create,
	.destroy = l2_destroy,
	.state_evictions = l2_evictions,
	.on_record = dhcp_record,
};

/* ---- IPv6 neighbour discovery --------------------------------------------- */

static const struct det_param nd_params[] = {
	{ "nd_hold_s", 300, "s",
	  "an address's MAC counts as current this long after it was last seen" },
	{ "nd_mac_ips", 16, "addresses", "addresses one MAC answers for within nd_window_s" },
	{ "nd_window_s", 30, "s", "window the addresses are counted over" },
	{ NULL, 0, NULL, NULL },
};

static const struct det_sig nd_sigs[] = {
	{ SID_ND_ROGUE_RA, "IPv6: router advertisement from a router the policy does not name",
	  "credential-access", 1, "T1557" },
	{ SID_ND_SECOND_RA, "IPv6: a second router advertises on the LAN", "credential-access", 2,
	  "T1557" },
	{ SID_ND_CHANGE, "IPv6 ND spoofing: an address claimed by a second MAC",
	  "credential-access", 1, "T1557" },
	{ SID_ND_MANY_IPS, "IPv6 ND spoofing: one MAC answers for many addresses",
	  "credential-access", 1, "T1557" },
	{ 0, NULL, NULL, 0, NULL },
};

static void nd_ra(struct l2_state *s, struct det_ctx *c, const struct det_rec *r)
{
	uint64_t now = det_now(c);
	const struct policy *pol = det_pol(c);
	int named = pol ? policy_router(pol, r->seg, 6, r->src) : -1;
	struct dom_val *dv = domain(s, r, now);
	struct ev_alert a;
	char ip[48], pfx[48];
	uint32_t sid = 0;

	if (named == 0) {
		sid = SID_ND_ROGUE_RA;
	} else if (named < 0) {
		if (!dv->has_router) {
			memcpy(dv->router, r->src, 16);
			dv->has_router = 1;
		} else if (memcmp(dv->router, r->src, 16)) {
			sid = SID_ND_SECOND_RA;
		}
	}
	if (!sid)
		return;
	det_alert_init(&a, &det_nd, detector_sig(&det_nd, sid));
	det_fmt_ip(ip, sizeof(ip), 6, r->src);
	if (r->u.l2.has_prefix) {
		det_fmt_ip(pfx, sizeof(pfx), 6, r->u.l2.ip2);
		det_alert_rule(&a, "router advertisement from %s (prefix %s/%u, %s)", ip, pfx,
			       r->u.l2.prefix_len, r->u.l2.flags ? "default router" : "no default");
	} else {
		det_alert_rule(&a, "router advertisement from %s (%s)", ip,
			       r->u.l2.flags ? "default router" : "no default");
	}
	l2_alert(c, &det_nd, sid, 6, r->src, NULL, r->seg, 300000000ull, r->u.l2.eth_src, NULL,
		 &a);
}

static void nd_record(void *st, struct det_ctx *c, const struct det_rec *r)
{
	struct l2_state *s = st;
	if (r->kind != DR_L2 || r->u.l2.what != DET_L2_ND)
		return;
	if (r->u.l2.op == ND_RA) {
		nd_ra(s, c, r);
		return;
	}
	/* bindings: an NA's target is at its target link-layer address (else the
	 * frame's sender); an NS's source at its source link-layer address */
	const uint8_t *addr, *mac;
	if (r->u.l2.op == ND_NA) {
		addr = r->u.l2.ip;
		mac = r->u.l2.has_hw ? r->u.l2.hw : r->u.l2.eth_src;
	} else if (r->u.l2.op == ND_NS && r->u.l2.has_hw && !zero(r->src, 16)) {
		addr = r->src;
		mac = r->u.l2.hw;
	} else {
		return;
	}
	if (zero(mac, 6))
		return;
	uint64_t now = det_now(c);
	struct ev_alert a;
	char ip[48], m[24];
	if (r->u.l2.op == ND_NA) {
		struct mac_key mk;
		int created;
		memset(&mk, 0, sizeof(mk));
		memcpy(mk.mac, mac, 6);
		mk.vlan = r->u.l2.vlan;
		struct mac_val *mv = dtab_get(s->macs, &mk, now, &created);
		if (created || now - mv->win_start > secs(c, &det_nd, r->seg, "nd_window_s")) {
			memset(mv, 0, sizeof(*mv));
			mv->win_start = now;
		}
		/* link-local and global addresses of one host: several are normal */
		lc_add(&mv->claimed, det_hash(addr, 16));
		unsigned n = lc_count(&mv->claimed);
		if (n >= (unsigned)det_param(c, &det_nd, r->seg, "nd_mac_ips")) {
			det_alert_init(&a, &det_nd, detector_sig(&det_nd, SID_ND_MANY_IPS));
			fmt_mac(m, sizeof(m), mac);
			det_alert_rule(&a, "%s answered for %u addresses", m, n);
			det_alert_num(&a, "addresses", n);
			l2_alert(c, &det_nd, SID_ND_MANY_IPS, 6, NULL, NULL, r->seg,
				 secs(c, &det_nd, r->seg, "nd_window_s"), mac, NULL, &a);
		}
	}
	uint8_t old[6];
	uint64_t hold = secs(c, &det_nd, r->seg, "nd_hold_s");
	if (!rebind(s, 6, addr, r->u.l2.vlan, mac, now, hold, old) ||
	    reported(s, 6, addr, r->u.l2.vlan, now, hold))
		return;
	mark_reported(s, 6, addr, r->u.l2.vlan, now);
	det_alert_init(&a, &det_nd, detector_sig(&det_nd, SID_ND_CHANGE));
	det_fmt_ip(ip, sizeof(ip), 6, addr);
	fmt_mac(m, sizeof(m), mac);
	det_alert_rule(&a, "%s is at %s (%s), another MAC held it", ip, m,
		       r->u.l2.op == ND_NA ? "advertisement" : "solicitation");
	l2_alert(c, &det_nd, SID_ND_CHANGE, 6, addr, r->dst, r->seg,
		 secs(c, &det_nd, r->seg, "nd_window_s"), mac, old, &a);
}

const struct detector det_nd = {
	.id = "nd",
	.name = "IPv6 rogue routers and neighbour spoofing",
	.version = "1.0",
	.description = "Router advertisements from an address the segment's routers do not "
		       "name (where the policy names none, a second router on a LAN). Learns "
		       "each IPv6 address's MAC from neighbour advertisements and "
		       "solicitations: a second MAC claiming an address seen within nd_hold_s, "
		       "or one MAC answering for nd_mac_ips addresses (parasite6), is spoofing.",
	.inputs = "every ICMPv6 neighbour discovery message of the outermost link (RA with "
		  "its prefix, NS, NA and their link-layer address options); the policy's "
		  "routers",
	.mitre = "T1557",
	.false_positives = "a second router added without updating the policy; a host whose "
			   "interface changed within nd_hold_s; a router answering for "
			   "addresses it proxies (ND proxy)",
	.where = DET_ANALYTICS,
	.params = nd_params,
	.sigs = nd_sigs,
	.create = l2_create,
	.destroy = l2_destroy,
	.state_evictions = l2_evictions,
	.on_record = nd_record,
};

/* Device baselines: in a segment whose policy says `mode: learn`, every
 * device's flows teach its profile - peers (aggregated to /24, /64),
 * services (protocol and server port) with the period between their
 * flows, applications, bytes per flow; once the segment says `mode:
 * enforce` (a policy reload), the profile is frozen and deviations alert:
 * a new peer, a new service or application, a flow far above the learnt
 * volume, a service silent for several periods then back (periodicity
 * broken). Profiles outlive the process (state lines, see detector.h):
 * the caller keeps them in the state directory or in Redis, where
 * sensors sharing it share them. */
#include "det_impl.h"
#include "devline.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { SID_PEER = 100801, SID_SERVICE, SID_VOLUME, SID_PERIOD };

#define PEERS 16
#define SVCS 16
#define APPS 12
#define DEVICES 16384

static const struct det_param params[] = {
	{ "baseline_volume_x", 4, "times", "a flow's bytes (packets) above this many times the "
					   "learnt maximum, plus 1 kB (10), is a volume anomaly" },
	{ "baseline_silence_x", 3, "periods", "a service silent this many learnt periods, then "
					      "back, breaks its periodicity" },
	{ "baseline_window_s", 3600, "s", "one alert per device, peer and kind per window" },
	{ NULL, 0, NULL, NULL },
};

static const struct det_sig sigs[] = {
	{ SID_PEER, "Baseline: device talks to a peer outside its profile", "anomaly", 2,
	  "T0886,T1071" },
	{ SID_SERVICE, "Baseline: device uses a service or application outside its profile",
	  "anomaly", 2, "T0869,T0885" },
	{ SID_VOLUME, "Baseline: flow volume far outside the device's learnt range", "anomaly",
	  2, "T0882,T1041" },
	{ SID_PERIOD, "Baseline: device broke its periodicity (silence, then traffic)",
	  "anomaly", 3, "T0814,T0881" },
	{ 0, NULL, NULL, 0, NULL },
};

extern const struct detector det_baseline;

struct dev_key {
	uint8_t ipver, pad[7];
	uint8_t addr[16];
};

/* role of the device in a service: it connects to port (a client), it
 * listens on port (a server); profiles saved before roles were kept say
 * neither and match both */
enum { ROLE_CLIENT = DEVLINE_CLIENT, ROLE_SERVER = DEVLINE_SERVER, ROLE_ANY = DEVLINE_ANY };

struct svc {
	uint8_t proto, role;
	uint16_t port;
	uint32_t n;                     /* flows learnt */
	uint64_t last_us;               /* last flow's start */
	uint64_t period_us;             /* EWMA of the gaps between starts */
};

struct profile {
	uint64_t first_us, last_us, flows;
	uint64_t bytes_min, bytes_max;
	uint32_t pkts_min, pkts_max;    /* packets per flow */
	uint8_t has_mac;
	uint8_t mac[6];                 /* the device's, where Ethernet shows it */
	uint8_t npeers, nsvc, napps;
	uint8_t peers[PEERS][17];       /* ipver + network */
	struct svc svc[SVCS];
	char apps[APPS][24];
};

/* The table comes with the first device: sensors without baseline
 * segments do not pay its 15 MB. */
struct bl {
	struct dtab *t;
	uint64_t run_start_us;          /* this run's first record */
};

static void *bl_create(void)
{
	return calloc(1, sizeof(struct bl));
}

static void bl_destroy(void *st)
{
	struct bl *b = st;

	if (b)
		dtab_destroy(b->t);
	free(b);
}

static uint64_t bl_evictions(const void *st)
{
	const struct bl *b = st;

	return b && b->t ? dtab_evictions(b->t) : 0;
}

static struct dtab *table(void *st)
{
	struct bl *b = st;

	if (!b->t)
		b->t = dtab_create(DEVICES, sizeof(struct dev_key), sizeof(struct profile));
	return b->t;
}

static void peer_net(uint8_t out[17], int ipver, const uint8_t *a)
{
	memset(out, 0, 17);
	out[0] = (uint8_t)ipver;
	memcpy(out + 1, a, ipver == 6 ? 8 : 3); /* /64, /24 */
}

static int find_peer(const struct profile *p, const uint8_t net[17])
{
	for (unsigned i = 0; i < p->npeers; i++)
		if (!memcmp(p->peers[i], net, 17))
			return (int)i;
	return -1;
}

static struct svc *find_svc(struct profile *p, uint8_t proto, uint16_t port, unsigned role)
{
	for (unsigned i = 0; i < p->nsvc; i++)
		if (p->svc[i].proto == proto && p->svc[i].port == port &&
		    (p->svc[i].role == role || p->svc[i].role == ROLE_ANY || role == ROLE_ANY))
			return &p->svc[i];
	return NULL;
}

static int find_app(const struct profile *p, const char *app)
{
	for (unsigned i = 0; i < p->napps; i++)
		if (!strcmp(p->apps[i], app))
			return (int)i;
	return -1;
}

static void fmt_net(char *o, size_t cap, const uint8_t net[17])
{
	uint8_t a[16] = { 0 };

	memcpy(a, net + 1, 16);
	det_fmt_ip(o, cap, net[0], a);
	size_t l = strlen(o);
	snprintf(o + l, cap - l, "/%d", net[0] == 6 ? 64 : 24);
}

static void learn(struct profile *p, const struct det_rec *r, const uint8_t net[17],
		  uint64_t bytes, const uint8_t *mac, unsigned role)
{
	uint32_t pk = r->u.end.pkts[0] + r->u.end.pkts[1];

	if (!p->flows || pk < p->pkts_min)
		p->pkts_min = pk;
	if (pk > p->pkts_max)
		p->pkts_max = pk;
	if (mac && !p->has_mac) {
		memcpy(p->mac, mac, 6);
		p->has_mac = 1;
	}
	if (!p->flows || r->u.end.first_us < p->first_us)
		p->first_us = r->u.end.first_us;
	if (r->u.end.last_us > p->last_us)
		p->last_us = r->u.end.last_us;
	p->flows++;
	if (p->flows == 1 || bytes < p->bytes_min)
		p->bytes_min = bytes;
	if (bytes > p->bytes_max)
		p->bytes_max = bytes;
	if (find_peer(p, net) < 0 && p->npeers < PEERS)
		memcpy(p->peers[p->npeers++], net, 17);
	struct svc *s = find_svc(p, r->proto, r->dport, role);
	if (!s && p->nsvc < SVCS) {
		s = &p->svc[p->nsvc++];
		memset(s, 0, sizeof(*s));
		s->proto = r->proto;
		s->port = r->dport;
		s->role = (uint8_t)role;
	}
	if (s) {
		if (s->n && r->u.end.first_us > s->last_us) {
			uint64_t gap = r->u.end.first_us - s->last_us;
			s->period_us = s->n == 1 ? gap : (s->period_us * 3 + gap) / 4;
		}
		if (r->u.end.first_us > s->last_us)
			s->last_us = r->u.end.first_us;
		s->n++;
	}
	if (r->u.end.app[0] && find_app(p, r->u.end.app) < 0 && p->napps < APPS)
		snprintf(p->apps[p->napps++], sizeof(p->apps[0]), "%s", r->u.end.app);
}

static void raise_bl(struct det_ctx *c, const struct det_rec *r, unsigned sid,
		     const struct profile *p, const char *dev)
{
	struct ev_alert a;
	struct ev_tuple t;
	char buf[64];

	det_alert_init(&a, &det_baseline, detector_sig(&det_baseline, sid));
	det_rec_tuple(r, &t);
	switch (sid) {
	case SID_PEER:
		det_alert_rule(&a, "%s: peer outside the %u networks it was seen with", dev,
			       p->npeers);
		for (unsigned i = 0; i < p->npeers && i < 6; i++) {
			fmt_net(buf, sizeof(buf), p->peers[i]);
			det_alert_sample(&a, "baseline", buf);
		}
		break;
	case SID_SERVICE:
		det_alert_rule(&a, "%s: %s/%u (%s) is not among its services", dev,
			       r->proto == 6 ? "tcp" : r->proto == 17 ? "udp" : "ip", r->dport,
			       r->u.end.app[0] ? r->u.end.app : "unknown application");
		for (unsigned i = 0; i < p->nsvc && i < 6; i++) {
			snprintf(buf, sizeof(buf), "%s/%u", p->svc[i].proto == 6 ? "tcp"
							    : p->svc[i].proto == 17 ? "udp" : "ip",
				 p->svc[i].port);
			det_alert_sample(&a, "baseline", buf);
		}
		for (unsigned i = 0; i < p->napps && i < 6; i++)
			det_alert_sample(&a, "baseline", p->apps[i]);
		break;
	case SID_VOLUME:
		det_alert_rule(&a, "%s: a flow of %llu bytes in %u packets; it learnt %llu to "
			       "%llu bytes, %u to %u packets", dev,
			       (unsigned long long)(r->u.end.bytes[0] + r->u.end.bytes[1]),
			       r->u.end.pkts[0] + r->u.end.pkts[1],
			       (unsigned long long)p->bytes_min, (unsigned long long)p->bytes_max,
			       p->pkts_min, p->pkts_max);
		det_alert_num(&a, "bytes", (double)(r->u.end.bytes[0] + r->u.end.bytes[1]));
		det_alert_num(&a, "baseline_bytes_max", (double)p->bytes_max);
		det_alert_num(&a, "pkts", (double)(r->u.end.pkts[0] + r->u.end.pkts[1]));
		det_alert_num(&a, "baseline_pkts_max", (double)p->pkts_max);
		break;
	default: {
		/* one device, whichever of its services came back first */
		a.partial = EV_ALERT_NO_DST | EV_ALERT_NO_PORTS;
		const struct svc *s = find_svc((struct profile *)p, r->proto, r->dport, ROLE_ANY);
		uint64_t gap = s ? r->u.end.first_us - s->last_us : 0;
		det_alert_rule(&a, "%s: %s/%u silent %.0f s, its period is %.0f s", dev,
			       r->proto == 6 ? "tcp" : "udp", r->dport, gap / 1e6,
			       s ? s->period_us / 1e6 : 0.0);
		det_alert_num(&a, "silence_s", gap / 1e6);
		det_alert_num(&a, "baseline_period_s", s ? s->period_us / 1e6 : 0.0);
		break;
	}
	}
	det_alert_num(&a, "baseline_flows", (double)p->flows);
	det_raise(c, &a, &t, r->seg,
		  (uint64_t)det_param(c, &det_baseline, r->seg, "baseline_window_s") * 1000000);
}

/* One device's side of a flow. */
static void device_flow(void *st, struct det_ctx *c, const struct det_rec *r, int dev_is_src)
{
	const uint8_t *dev = dev_is_src ? r->src : r->dst;
	const uint8_t *other = dev_is_src ? r->dst : r->src;
	int seg = det_segment(c, r->ipver, dev);
	const struct policy *pol = det_pol(c);
	int mode = pol ? policy_segment_mode(pol, seg) : POLICY_MODE_NONE;

	if (mode == POLICY_MODE_NONE)
		return;
	/* a PDU session's UE: its address is subscriber data (and names no
	 * device for long: it comes and goes with sessions), profiled - and so
	 * written to the state file and Redis - only where the segment allows
	 * subscriber data in clear */
	if ((r->ue_side & (dev_is_src ? 1 : 2)) && !policy_segment_clear_subscribers(pol, seg))
		return;
	struct dev_key k;
	int created;
	memset(&k, 0, sizeof(k));
	k.ipver = r->ipver;
	memcpy(k.addr, dev, 16);
	uint8_t net[17];
	peer_net(net, r->ipver, other);
	uint64_t bytes = r->u.end.bytes[0] + r->u.end.bytes[1];
	struct dtab *t = table(st);
	if (!t)
		return;
	struct bl *b = st;
	if (!b->run_start_us)
		b->run_start_us = det_now(c);
	if (mode == POLICY_MODE_LEARN) {
		struct profile *p = dtab_get(t, &k, det_now(c), &created);
		learn(p, r, net, bytes, r->u.end.has_mac ? r->u.end.mac[dev_is_src ? 0 : 1] : NULL,
		      dev_is_src ? ROLE_CLIENT : ROLE_SERVER);
		return;
	}
	/* enforce: the profile is frozen; a device never learnt has no
	 * baseline to break (it is news of another kind) */
	struct profile *p = dtab_find(t, &k);
	if (!p || !p->flows)
		return;
	char name[48];
	det_fmt_ip(name, sizeof(name), r->ipver, dev);
	if (find_peer(p, net) < 0)
		raise_bl(c, r, SID_PEER, p, name);
	struct svc *s = find_svc(p, r->proto, r->dport, dev_is_src ? ROLE_CLIENT : ROLE_SERVER);
	if (!s || (r->u.end.app[0] && p->napps && find_app(p, r->u.end.app) < 0))
		raise_bl(c, r, SID_SERVICE, p, name);
	long vx = det_param(c, &det_baseline, seg, "baseline_volume_x");
	uint64_t pk = (uint64_t)r->u.end.pkts[0] + r->u.end.pkts[1];
	uint64_t x = (uint64_t)(vx > 0 ? vx : 4);
	/* far above what it learnt, in bytes or in packets (many small ones:
	 * a scan or a flood from the device) */
	if (bytes > p->bytes_max * x + 1000 || (p->pkts_max && pk > (uint64_t)p->pkts_max * x + 10))
		raise_bl(c, r, SID_VOLUME, p, name);
	/* a gap across a restart of the sensor is no silence of the device */
	if (s && s->n >= 3 && s->period_us >= 1000000 && r->u.end.first_us > s->last_us &&
	    s->last_us >= b->run_start_us) {
		long sx = det_param(c, &det_baseline, seg, "baseline_silence_x");
		if (r->u.end.first_us - s->last_us > s->period_us * (uint64_t)(sx > 0 ? sx : 3))
			raise_bl(c, r, SID_PERIOD, p, name);
	}
	if (s && r->u.end.first_us > s->last_us)
		s->last_us = r->u.end.first_us; /* a burst alerts once */
}

static void bl_record(void *st, struct det_ctx *c, const struct det_rec *r)
{
	if (r->kind != DR_END)
		return;
	device_flow(st, c, r, 1);
	device_flow(st, c, r, 0);
}

/* ---- state lines -------------------------------------------------------
 * KEY: the device address; TEXT: a devline (devline.h). Merging unions the
 * sets and widens the ranges: a device seen by either of two sensors is
 * known to both. */

static int parse_key(const char *key, struct dev_key *k)
{
	memset(k, 0, sizeof(*k));
	if (det_parse_ip(key, k->addr, &k->ipver) != 0)
		return -1;
	return 0;
}

/* Another line of the same device (a sensor's or an earlier run's):
 * unions of the sets, the ranges widened. */
static void merge_text(struct profile *p, const char *text)
{
	struct devline d;

	devline_parse(text, &d);
	if ((d.has & DEVLINE_FIRST) && (!p->first_us || d.first_us < p->first_us))
		p->first_us = d.first_us;
	if ((d.has & DEVLINE_LAST) && d.last_us > p->last_us)
		p->last_us = d.last_us;
	if ((d.has & DEVLINE_FLOWS) && d.flows > p->flows)
		p->flows = d.flows;
	if (d.has & DEVLINE_BYTES) {
		if (!p->bytes_max || d.bytes_min < p->bytes_min)
			p->bytes_min = d.bytes_min;
		if (d.bytes_max > p->bytes_max)
			p->bytes_max = d.bytes_max;
	}
	if (d.has & DEVLINE_PKTS) {
		if (!p->pkts_max || d.pkts_min < p->pkts_min)
			p->pkts_min = (uint32_t)d.pkts_min;
		if (d.pkts_max > p->pkts_max)
			p->pkts_max = (uint32_t)d.pkts_max;
	}
	if ((d.has & DEVLINE_MAC) && !p->has_mac) {
		memcpy(p->mac, d.mac, 6);
		p->has_mac = 1;
	}
	for (unsigned i = 0; i < d.npeers; i++) {
		uint8_t net[17] = { 0 }, ver;
		char *slash = strchr(d.peers[i], '/');
		if (slash)
			*slash = 0;
		if (det_parse_ip(d.peers[i], net + 1, &ver) != 0)
			continue;
		net[0] = ver;
		memset(net + 1 + (ver == 6 ? 8 : 3), 0, ver == 6 ? 8 : 13);
		if (find_peer(p, net) < 0 && p->npeers < PEERS)
			memcpy(p->peers[p->npeers++], net, 17);
	}
	for (unsigned i = 0; i < d.nsvc; i++) {
		const struct devline_svc *e = &d.svc[i];
		struct svc *sv = find_svc(p, e->proto, e->port, e->role);
		if (!sv && p->nsvc < SVCS) {
			sv = &p->svc[p->nsvc++];
			memset(sv, 0, sizeof(*sv));
			sv->proto = e->proto;
			sv->port = e->port;
			sv->role = e->role;
		}
		if (!sv)
			continue;
		if (e->n > sv->n) { /* the one that saw more knows the period */
			sv->n = e->n;
			sv->period_us = e->period_us;
		}
		if (e->last_us > sv->last_us)
			sv->last_us = e->last_us;
	}
	for (unsigned i = 0; i < d.napps; i++)
		if (find_app(p, d.apps[i]) < 0 && p->napps < APPS)
			snprintf(p->apps[p->napps++], sizeof(p->apps[0]), "%s", d.apps[i]);
}

static void bl_merge(void *st, const char *key, const char *text)
{
	struct dev_key k;
	int created;

	struct dtab *t = table(st);
	if (!t || parse_key(key, &k) != 0)
		return;
	merge_text(dtab_get(t, &k, 0, &created), text);
}

static void bl_dump(void *st, void (*emit)(void *ctx, const char *key, const char *text),
		    void *ctx)
{
	struct dtab_iter it;
	const void *kp;
	void *vp;

	dtab_iter_init(((struct bl *)st)->t, &it);
	while (dtab_next(&it, &kp, &vp)) {
		const struct dev_key *k = kp;
		const struct profile *p = vp;
		char key[48], text[4096];
		struct devline d;
		if (!p->flows)
			continue;
		det_fmt_ip(key, sizeof(key), k->ipver, k->addr);
		memset(&d, 0, offsetof(struct devline, peers));
		d.first_us = p->first_us;
		d.last_us = p->last_us;
		d.flows = p->flows;
		d.bytes_min = p->bytes_min;
		d.bytes_max = p->bytes_max;
		d.pkts_min = p->pkts_min;
		d.pkts_max = p->pkts_max;
		if (p->has_mac) {
			d.has |= DEVLINE_MAC;
			memcpy(d.mac, p->mac, 6);
		}
		d.npeers = p->npeers;
		for (unsigned i = 0; i < p->npeers; i++)
			fmt_net(d.peers[i], sizeof(d.peers[i]), p->peers[i]);
		d.nsvc = p->nsvc;
		for (unsigned i = 0; i < p->nsvc; i++) {
			d.svc[i].proto = p->svc[i].proto;
			d.svc[i].role = p->svc[i].role;
			d.svc[i].port = p->svc[i].port;
			d.svc[i].n = p->svc[i].n;
			d.svc[i].period_us = p->svc[i].period_us;
			d.svc[i].last_us = p->svc[i].last_us;
		}
		d.napps = p->napps;
		for (unsigned i = 0; i < p->napps; i++)
			snprintf(d.apps[i], sizeof(d.apps[i]), "%s", p->apps[i]);
		devline_format(&d, text, sizeof(text));
		emit(ctx, key, text);
	}
}

const struct detector det_baseline = {
	.id = "baseline",
	.name = "Device baselines (learn, then enforce)",
	.version = "1.0",
	.description = "In segments whose policy sets `mode: learn`, each device's flows "
		       "teach its profile: peers (/24, /64), services (protocol and server "
		       "port) and the period between their flows, applications (nDPI), bytes "
		       "per flow. With `mode: enforce` (a policy reload) the profile is frozen "
		       "and a new peer, a new service or application, a flow above "
		       "baseline_volume_x times the learnt maximum, or a service silent for "
		       "baseline_silence_x periods then back are alerts whose evidence shows "
		       "the baseline. Profiles persist in the state directory or Redis "
		       "(shared by sensors on the same Redis) and are reloaded at start.",
	.inputs = "flow ends of devices in learn/enforce segments (tuple, bytes, "
		  "application, start time)",
	.mitre = "T0886,T0869,T0885,T0882,T0814,T0881,T1071,T1041",
	.false_positives = "a firmware update or a new broker changes a device's peers and "
			   "volumes legitimately: learn again (mode: learn, then enforce); "
			   "devices that were quiet during the whole learning window",
	.where = DET_ANALYTICS,
	.params = params,
	.sigs = sigs,
	.create = bl_create,
	.destroy = bl_destroy,
	.state_evictions = bl_evictions,
	.on_record = bl_record,
	.state_merge = bl_merge,
	.state_dump = bl_dump,
};

/* Beaconing: one host connecting to one destination service at regular
 * intervals (low jitter), the heartbeat of implants and C2 agents. */
#include "det_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define CHANNELS 32768
#define HIST 16

enum { SID_BEACON = 100401 };

static const struct det_param params[] = {
	{ "beacon_min_count", 8, "intervals", "regular intervals needed before alerting" },
	{ "beacon_jitter_pct", 25, "%",
	  "largest stddev/mean of the intervals (uniform jitter of +-30% is 17%)" },
	{ "beacon_min_interval_s", 1, "s", "shorter gaps are one burst, not a beat" },
	{ "beacon_internal", 0, "0/1", "1: also internal destinations (RFC 1918, ULA, CGNAT)" },
	{ "beacon_window_s", 3600, "s", "one alert per channel per window" },
	{ NULL, 0, NULL, NULL },
};

static const struct det_sig sigs[] = {
	{ SID_BEACON, "Beaconing: connections at regular intervals", "command-and-control", 2,
	  "T1071,T1029" },
	{ 0, NULL, NULL, 0, NULL },
};

struct chan_key {
	uint8_t src[16], dst[16];
	uint16_t dport;
	uint8_t proto, ipver, pad[4];
};

struct chan_state {
	uint64_t last_us;
	uint32_t iv_ms[HIST];            /* ring of the last intervals */
	uint32_t n;                      /* intervals seen */
};

extern const struct detector det_beacon;

static void *beacon_create(void)
{
	return dtab_create(CHANNELS, sizeof(struct chan_key), sizeof(struct chan_state));
}

static void beacon_destroy(void *st)
{
	dtab_destroy(st);
}

/* Command and control sits outside: private, CGNAT, link-local, ULA and
 * loopback destinations are the city's own services. */
static int internal(int ipver, const uint8_t *a)
{
	if (ipver == 6)
		return (a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ||
		       (!memcmp(a, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 15) && a[15] == 1);
	return a[0] == 10 || a[0] == 127 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	       (a[0] == 192 && a[1] == 168) || (a[0] == 169 && a[1] == 254) ||
	       (a[0] == 100 && (a[1] & 0xc0) == 64);
}

/* Connection starts to outside services; name resolution and time keeping
 * poll by design. */
static int beacon_wants(const struct det_rec *r, const struct policy *pol)
{
	if (r->proto == 6 ? (r->flags & 0x12) != 0x02 : r->proto != 17)
		return 0;
	if (r->proto == 17 && (r->dport == 53 || r->dport == 123 || r->dport == 5353))
		return 0;
	if (internal(r->ipver, r->dst) &&
	    !(pol && r->seg >= 0 && policy_threshold(pol, r->seg, "beacon_internal", 0)))
		return 0;
	return 1;
}

static void beacon_record(void *st, struct det_ctx *c, const struct det_rec *r)
{
	/* other detectors' starts come here too: this one's filter again */
	if (r->kind != DR_START || !beacon_wants(r, det_pol(c)))
		return;
	struct chan_key k;
	memset(&k, 0, sizeof(k));
	memcpy(k.src, r->src, 16);
	memcpy(k.dst, r->dst, 16);
	k.dport = r->dport;
	k.proto = r->proto;
	k.ipver = r->ipver;
	uint64_t now = det_now(c);
	int created;
	struct chan_state *s = dtab_get(st, &k, now, &created);
	if (created) {
		s->last_us = now;
		return;
	}
	uint64_t gap = now - s->last_us;
	s->last_us = now;
	if (gap < (uint64_t)det_param(c, &det_beacon, r->seg, "beacon_min_interval_s") * 1000000)
		return; /* part of a burst: the next gap counts from here */
	s->iv_ms[s->n % HIST] = (uint32_t)(gap / 1000 > UINT32_MAX ? UINT32_MAX : gap / 1000);
	s->n++;
	unsigned need = (unsigned)det_param(c, &det_beacon, r->seg, "beacon_min_count");
	if (need < 3)
		need = 3;
	if (need > HIST)
		need = HIST;
	if (s->n < need)
		return;
	double sum = 0, sq = 0;
	for (unsigned i = 0; i < need; i++) {
		double v = s->iv_ms[(s->n - 1 - i) % HIST];
		sum += v;
		sq += v * v;
	}
	double mean = sum / need, sd = sqrt(fmax(0, sq / need - mean * mean));
	double jit = det_param(c, &det_beacon, r->seg, "beacon_jitter_pct");
	if (mean <= 0 || sd / mean * 100 > jit)
		return;
	struct ev_alert a;
	struct ev_tuple t;
	det_alert_init(&a, &det_beacon, detector_sig(&det_beacon, SID_BEACON));
	det_rec_tuple(r, &t);
	t.sport = 0;
	det_alert_rule(&a, "%u connections every %.1f s (jitter %.1f%%)",
		 need + 1, mean / 1000, sd / mean * 100);
	det_alert_num(&a, "connections", need + 1);
	det_alert_num(&a, "interval_s", mean / 1000);
	det_alert_num(&a, "stddev_s", sd / 1000);
	det_alert_num(&a, "jitter_pct", sd / mean * 100);
	uint64_t win = (uint64_t)det_param(c, &det_beacon, r->seg, "beacon_window_s") * 1000000;
	det_raise(c, &a, &t, r->seg, win);
}

const struct detector det_beacon = {
	.id = "beacon",
	.name = "Beaconing",
	.version = "1.0",
	.description = "Per (client, server, port, protocol): the gaps between connection "
		       "starts; alerts when the last beacon_min_count gaps have a stddev "
		       "under beacon_jitter_pct of their mean. DNS, NTP and mDNS polls, gaps "
		       "under beacon_min_interval_s and internal destinations (unless "
		       "beacon_internal) are left out.",
	.inputs = "flow starts (TCP SYN, new UDP flows)",
	.mitre = "T1071,T1029",
	.false_positives = "health checks, telemetry agents and IoT devices reporting on a "
			   "timer over new connections (raise beacon_min_count for such "
			   "segments), software update polls",
	.where = DET_ANALYTICS,
	.params = params,
	.sigs = sigs,
	.create = beacon_create,
	.destroy = beacon_destroy,
	.state_evictions = det_dtab_evictions,
	.on_record = beacon_record,
	.wants_start = beacon_wants,
};

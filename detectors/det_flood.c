/* Floods per destination, from the merged per-tick sketches: SYN floods,
 * volumetric floods (packets or bits per second) and reflection /
 * amplification (UDP from DNS, NTP, SSDP, memcached, CLDAP, SNMP, chargen
 * source ports). A rate must pass an absolute floor *and* a multiple of the
 * destination's learned EWMA baseline. */
#include "det_impl.h"

#include <stdlib.h>
#include <string.h>

#define DESTS 32768
#define TICKS_PER_S (1000000.0 / DET_TICK_US)

enum { SID_SYN = 100101, SID_VOLUME, SID_AMP };

static const struct det_param params[] = {
	{ "flood_syn_pps", 2000, "SYN/s", "floor: SYNs per second to one destination" },
	{ "flood_pps", 100000, "pkt/s", "floor: packets per second to one destination" },
	{ "flood_mbps", 1000, "Mbit/s", "floor: megabits per second to one destination" },
	{ "flood_amp_pps", 1000, "pkt/s", "floor: reflected UDP packets per second to one destination" },
	{ "flood_factor", 5, "x", "rate must also exceed this multiple of the baseline" },
	{ "flood_window_s", 60, "s", "one alert per destination per window" },
	{ NULL, 0, NULL, NULL },
};

static const struct det_sig sigs[] = {
	{ SID_SYN, "Flood: TCP SYN flood to one destination", "impact", 1, "T1498.001" },
	{ SID_VOLUME, "Flood: volumetric flood to one destination", "impact", 1, "T1498.001" },
	{ SID_AMP, "Flood: reflection/amplification (DNS/NTP/SSDP/memcached...)", "impact", 1,
	  "T1498.002" },
	{ 0, NULL, NULL, 0, NULL },
};

struct dst_key {
	uint8_t addr[16];
	uint8_t ipver, pad[7];
};

struct dst_state {
	double ewma[4];                  /* syn, pps, bps, amp per tick */
	uint32_t ticks;
};

extern const struct detector det_flood;

static void *flood_create(void)
{
	return dtab_create(DESTS, sizeof(struct dst_key), sizeof(struct dst_state));
}

static void flood_destroy(void *st)
{
	dtab_destroy(st);
}

static void raise_flood(struct det_ctx *c, uint32_t sid, const struct sk_cand *k,
			int seg, double rate, const char *unit, double floor,
			double base, double pps, double mbps)
{
	struct ev_alert a;
	struct ev_tuple t;

	det_alert_init(&a, &det_flood, detector_sig(&det_flood, sid));
	memset(&t, 0, sizeof(t));
	memcpy(t.dst, k->addr, 16);
	t.ipver = k->ipver;
	t.proto = sid == SID_SYN ? 6 : sid == SID_AMP ? 17 : 0;
	a.partial = EV_ALERT_NO_SRC | EV_ALERT_NO_PORTS;
	snprintf(a.evidence, sizeof(a.evidence),
		 "%.0f %s over the last %.1f s, above the floor %.0f and %ldx the baseline %.1f",
		 rate, unit, DET_TICK_US / 1e6, floor,
		 det_param(c, &det_flood, seg, "flood_factor"), base);
	det_alert_num(&a, "rate", rate);
	det_alert_num(&a, "floor", floor);
	det_alert_num(&a, "baseline", base);
	det_alert_num(&a, "pps", pps);
	det_alert_num(&a, "mbps", mbps);
	uint64_t win = (uint64_t)det_param(c, &det_flood, seg, "flood_window_s") * 1000000;
	det_raise(c, &a, &t, seg, win);
}

static void flood_tick(void *st, struct det_ctx *c, const struct sketch *m,
		       uint64_t end)
{
	struct dtab *dests = st;

	(void)end;
	for (unsigned i = 0; i < SK_CANDS; i++) {
		const struct sk_cand *k = &m->cand[i];
		if (!k->ipver)
			continue;
		uint64_t h = sk_hash(k->ipver, k->addr);
		double x[4] = {
			(double)sk_estimate(m, SK_SYNS, h) * TICKS_PER_S,
			(double)sk_estimate(m, SK_PKTS, h) * TICKS_PER_S,
			(double)sk_estimate(m, SK_BYTES, h) * 8 * TICKS_PER_S / 1e6,
			(double)sk_estimate(m, SK_AMP_PKTS, h) * TICKS_PER_S,
		};
		int seg = det_segment(c, k->ipver, k->addr);
		double fl[4] = {
			(double)det_param(c, &det_flood, seg, "flood_syn_pps"),
			(double)det_param(c, &det_flood, seg, "flood_pps"),
			(double)det_param(c, &det_flood, seg, "flood_mbps"),
			(double)det_param(c, &det_flood, seg, "flood_amp_pps"),
		};
		/* quiet destinations cost nothing: no state below a tenth of
		 * every floor */
		int busy = 0;
		for (int j = 0; j < 4; j++)
			busy |= x[j] * 10 >= fl[j];
		if (!busy)
			continue;
		struct dst_key key;
		memset(&key, 0, sizeof(key));
		memcpy(key.addr, k->addr, 16);
		key.ipver = k->ipver;
		int created;
		struct dst_state *d = dtab_get(dests, &key, det_now(c), &created);
		double f = (double)det_param(c, &det_flood, seg, "flood_factor");
		int over[4];
		for (int j = 0; j < 4; j++)
			over[j] = x[j] >= fl[j] && x[j] >= f * d->ewma[j];
		if (over[0])
			raise_flood(c, SID_SYN, k, seg, x[0], "SYN/s", fl[0], d->ewma[0], x[1], x[2]);
		if (over[3])
			raise_flood(c, SID_AMP, k, seg, x[3], "reflected pkt/s", fl[3], d->ewma[3],
				    x[1], x[2]);
		if ((over[1] || over[2]) && !over[0] && !over[3])
			raise_flood(c, SID_VOLUME, k, seg, over[1] ? x[1] : x[2],
				    over[1] ? "pkt/s" : "Mbit/s", over[1] ? fl[1] : fl[2],
				    over[1] ? d->ewma[1] : d->ewma[2], x[1], x[2]);
		/* learn from normal ticks only: a flood does not become normal */
		for (int j = 0; j < 4; j++)
			if (!over[j])
				d->ewma[j] += 0.05 * (x[j] - d->ewma[j]);
		d->ticks++;
	}
}

const struct detector det_flood = {
	.id = "flood",
	.name = "SYN, volumetric and amplification floods",
	.version = "1.0",
	.description = "Per destination, every 100 ms of packet time, from count-min sketches "
		       "merged over all workers: SYN rate, packet and bit rate, and UDP from "
		       "reflector ports (53, 123, 1900, 11211, 389, 161, 19). Alerts when a rate "
		       "passes its floor and flood_factor times the destination's EWMA baseline.",
	.inputs = "per-tick sketches of every packet (count-min per destination)",
	.mitre = "T1498.001,T1498.002",
	.false_positives = "flash crowds on a public service; backups and bulk transfers "
			   "to one host (volumetric: raise flood_mbps for storage segments); "
			   "a busy resolver's answers to a NAT gateway",
	.where = DET_ANALYTICS,
	.params = params,
	.sigs = sigs,
	.create = flood_create,
	.destroy = flood_destroy,
	.state_evictions = det_dtab_evictions,
	.on_tick = flood_tick,
};

/* Port scans and sweeps: a source whose probes fail (refused, or no answer
 * within scan_answer_ms) on many targets (horizontal) or many ports of one
 * target (vertical). Counting failures, not attempts, keeps busy clients
 * (a browser opening 40 connections) out. */
#include "det_impl.h"

#include <stdlib.h>
#include <string.h>

#define SOURCES 16384

enum { SID_TCP_H = 100001, SID_TCP_V, SID_UDP_H, SID_UDP_V, SID_ICMP, SID_MIRAI };
enum { CL_TCP = 0, CL_UDP, CL_ICMP };

static const struct det_param params[] = {
	{ "scan_ports", 20, "ports", "distinct ports of one target probed without success" },
	{ "scan_hosts", 20, "hosts", "distinct targets probed without success" },
	{ "scan_window_s", 30, "s", "window the failures are counted over" },
	{ "scan_answer_ms", 500, "ms", "a probe with no answer by then failed" },
	{ NULL, 0, NULL, NULL },
};

static const struct det_sig sigs[] = {
	{ SID_TCP_H, "Scan: TCP horizontal (one port, many hosts)", "discovery", 2, "T1046" },
	{ SID_TCP_V, "Scan: TCP vertical (many ports of one host)", "discovery", 2, "T1046" },
	{ SID_UDP_H, "Scan: UDP horizontal (one port, many hosts)", "discovery", 2, "T1046" },
	{ SID_UDP_V, "Scan: UDP vertical (many ports of one host)", "discovery", 2, "T1046" },
	{ SID_ICMP, "Scan: ICMP echo sweep", "discovery", 3, "T1018" },
	{ SID_MIRAI, "Mirai-style telnet scanning (23/2323)", "credential-access", 1,
	  "T1110.001,T1046" },
	{ 0, NULL, NULL, 0, NULL },
};

struct src_key {
	uint8_t src[16];
	uint8_t ipver, cls, pad[6];
};

struct src_state {
	uint64_t win_start;
	struct lc256 dsts, ports;
	uint32_t fails;
	uint8_t flagmask;         /* 1 SYN 2 FIN 4 NULL 8 XMAS 16 other */
	uint8_t one_dst, one_port, telnet_only;
	uint8_t nds, nps;
	uint8_t first_dst[16];
	uint16_t first_port;
	uint8_t dst_s[4][16];
	uint16_t port_s[6];
	uint8_t raised_h, raised_v;
};

/* A failed probe, as the records bring it. */
struct fifo_ent {
	struct {
		uint8_t src[16], dst[16];
		uint16_t sport, dport;
		uint8_t proto, ipver;
	} k;
	uint8_t flags;
	int16_t seg;
};

extern const struct detector det_scan;

static void *scan_create(void)
{
	return dtab_create(SOURCES, sizeof(struct src_key), sizeof(struct src_state));
}

static void scan_destroy(void *st)
{
	dtab_destroy(st);
}

static int probe_class(const struct det_rec *r, uint8_t *flagbit)
{
	if (!det_is_probe(r->proto, r->flags))
		return -1;
	if (r->proto == 6) {
		uint8_t f = r->flags & 0x3f;
		if (f & 0x10)
			return -1;      /* ACK: mid-connection, not a probe */
		*flagbit = f == 0x02 ? 1 : f == 0x01 ? 2 : f == 0 ? 4 :
			   (f & 0x29) == 0x29 ? 8 : 16;
		return CL_TCP;
	}
	if (r->proto == 17) {
		*flagbit = 0;
		return CL_UDP;
	}
	if ((r->proto == 1 && r->flags == 8) || (r->proto == 58 && r->flags == 128)) {
		*flagbit = 0;
		return CL_ICMP;   /* echo request */
	}
	return -1;
}

static const char *flag_names(uint8_t m, char *buf, size_t cap)
{
	static const char *const n[] = { "SYN", "FIN", "NULL", "XMAS", "other" };
	size_t l = 0;

	buf[0] = 0;
	for (int i = 0; i < 5; i++)
		if (m & (1u << i))
			l += (size_t)snprintf(buf + l, cap - l, "%s%s", l ? "/" : "", n[i]);
	return buf;
}

static void raise_scan(struct det_ctx *c, const struct fifo_ent *e,
		       struct src_state *st, int cls, int vertical)
{
	static const char *const cname[] = { "TCP", "UDP", "ICMP" };
	struct ev_alert a;
	struct ev_tuple t;
	char ip[48], fl[40];
	uint32_t sid;

	if (cls == CL_ICMP)
		sid = SID_ICMP;
	else if (!vertical && cls == CL_TCP && st->telnet_only)
		sid = SID_MIRAI;
	else if (cls == CL_TCP)
		sid = vertical ? SID_TCP_V : SID_TCP_H;
	else
		sid = vertical ? SID_UDP_V : SID_UDP_H;
	det_alert_init(&a, &det_scan, detector_sig(&det_scan, sid));
	memset(&t, 0, sizeof(t));
	memcpy(t.src, e->k.src, 16);
	t.ipver = e->k.ipver;
	t.proto = e->k.proto;
	if (vertical) {
		memcpy(t.dst, st->first_dst, 16);
		a.partial = EV_ALERT_NO_PORTS;
		for (unsigned i = 0; i < st->nps; i++) {
			snprintf(ip, sizeof(ip), "%u", st->port_s[i]);
			det_alert_sample(&a, "sample_ports", ip);
		}
	} else {
		a.partial = EV_ALERT_NO_DST;
		if (st->one_port)
			t.dport = st->first_port;
		else
			a.partial |= EV_ALERT_NO_PORTS;
		for (unsigned i = 0; i < st->nds; i++) {
			det_fmt_ip(ip, sizeof(ip), e->k.ipver, st->dst_s[i]);
			det_alert_sample(&a, "sample_targets", ip);
		}
	}
	det_alert_rule(&a, "%s %s probes failing on %s", cname[cls],
		 cls == CL_TCP ? flag_names(st->flagmask, fl, sizeof(fl)) : "",
		 vertical ? "many ports of one host" : "many hosts");
	det_alert_num(&a, "failed_probes", st->fails);
	det_alert_num(&a, "distinct_targets", lc_count(&st->dsts));
	det_alert_num(&a, "distinct_ports", lc_count(&st->ports));
	det_alert_num(&a, "threshold",
		      (double)det_param(c, &det_scan, e->seg,
					vertical ? "scan_ports" : "scan_hosts"));
	a.window_ms = (uint32_t)det_param(c, &det_scan, e->seg, "scan_window_s") * 1000;
	det_raise(c, &a, &t, e->seg, (uint64_t)a.window_ms * 1000);
}

/* A probe failed: count it against its source. */
static void failed(struct dtab *sources, struct det_ctx *c, const struct fifo_ent *e)
{
	uint8_t fb = 0;
	struct det_rec r;

	memset(&r, 0, sizeof(r));
	r.proto = e->k.proto;
	r.flags = e->flags;
	int cls = probe_class(&r, &fb);
	if (cls < 0)
		return;
	struct src_key sk;
	memset(&sk, 0, sizeof(sk));
	memcpy(sk.src, e->k.src, 16);
	sk.ipver = e->k.ipver;
	sk.cls = (uint8_t)cls;
	uint64_t now = det_now(c);
	uint64_t win = (uint64_t)det_param(c, &det_scan, e->seg, "scan_window_s") * 1000000;
	int created;
	struct src_state *st = dtab_get(sources, &sk, now, &created);
	if (created || now - st->win_start > win) {
		memset(st, 0, sizeof(*st));
		st->win_start = now;
		st->one_dst = st->one_port = st->telnet_only = 1;
		memcpy(st->first_dst, e->k.dst, 16);
		st->first_port = e->k.dport;
	}
	st->fails++;
	st->flagmask |= fb;
	if (memcmp(st->first_dst, e->k.dst, 16))
		st->one_dst = 0;
	if (st->first_port != e->k.dport)
		st->one_port = 0;
	if (e->k.dport != 23 && e->k.dport != 2323)
		st->telnet_only = 0;
	unsigned nd0 = lc_count(&st->dsts), np0 = lc_count(&st->ports);
	lc_add(&st->dsts, det_hash(e->k.dst, 16));
	uint16_t port = cls == CL_ICMP ? 0 : e->k.dport;
	lc_add(&st->ports, det_hash(&port, 2));
	if (lc_count(&st->dsts) > nd0 && st->nds < 4)
		memcpy(st->dst_s[st->nds++], e->k.dst, 16);
	if (lc_count(&st->ports) > np0 && st->nps < 6)
		st->port_s[st->nps++] = port;
	long hosts = det_param(c, &det_scan, e->seg, "scan_hosts");
	long ports = det_param(c, &det_scan, e->seg, "scan_ports");
	if (!st->raised_h && lc_count(&st->dsts) >= (unsigned)hosts) {
		st->raised_h = 1;
		raise_scan(c, e, st, cls, 0);
	}
	if (!st->raised_v && cls != CL_ICMP && st->one_dst &&
	    lc_count(&st->ports) >= (unsigned)ports) {
		st->raised_v = 1;
		raise_scan(c, e, st, cls, 1);
	}
}

/* The workers judge probes (they own the flows): a refusal, or no answer
 * within scan_answer_ms, comes here as DR_FAILED at the moment it failed. */
static void scan_record(void *st, struct det_ctx *c, const struct det_rec *r)
{
	struct fifo_ent e;

	if (r->kind != DR_FAILED)
		return;
	memset(&e, 0, sizeof(e));
	memcpy(e.k.src, r->src, 16);
	memcpy(e.k.dst, r->dst, 16);
	e.k.sport = r->sport;
	e.k.dport = r->dport;
	e.k.proto = r->proto;
	e.k.ipver = r->ipver;
	e.flags = r->flags;
	e.seg = r->seg;
	failed(st, c, &e);
}

const struct detector det_scan = {
	.id = "scan",
	.name = "Port scan and sweep",
	.version = "1.0",
	.description = "A source whose connection attempts fail (refused, or no answer within "
		       "scan_answer_ms) on many hosts (horizontal) or many ports of one host "
		       "(vertical): TCP SYN/FIN/NULL/XMAS, UDP, ICMP echo; IPv4 and IPv6. "
		       "Telnet-only horizontal scans (23/2323) are reported as Mirai-style.",
	.inputs = "failed probes (refused, or unanswered after scan_answer_ms), judged by the "
		  "worker that owns the flow; all workers merged",
	.mitre = "T1046,T1018,T1110.001",
	.false_positives = "network monitoring and asset discovery tools; P2P clients "
			   "reaching many dead peers; a client retrying a dead service "
			   "on many ports",
	.where = DET_ANALYTICS,
	.params = params,
	.sigs = sigs,
	.create = scan_create,
	.destroy = scan_destroy,
	.state_evictions = det_dtab_evictions,
	.on_record = scan_record,
};

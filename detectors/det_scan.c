/* Port scans and sweeps: a source whose probes fail (refused, or no answer
 * within scan_answer_ms) on many targets (horizontal) or many ports of one
 * target (vertical). Counting failures, not attempts, keeps busy clients
 * (a browser opening 40 connections) out. */
#include "det_impl.h"

#include <stdlib.h>
#include <string.h>

#define PENDING_SLOTS 131072
#define FIFO_SLOTS 131072
#define SOURCES 32768

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

struct probe_key {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint8_t proto, ipver, pad[2];
};

struct probe {
	uint8_t state;            /* 1 pending, 2 answered, 3 counted */
	uint8_t flags;            /* the probe's TCP flags / ICMP type */
};

struct fifo_ent {
	struct probe_key k;
	uint64_t ts;
	uint8_t flags;
	int16_t seg;
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

struct scan {
	struct dtab *pending, *sources;
	struct fifo_ent *fifo;
	unsigned head, n;
};

extern const struct detector det_scan;

static void *scan_create(void)
{
	struct scan *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->pending = dtab_create(PENDING_SLOTS, sizeof(struct probe_key), sizeof(struct probe));
	s->sources = dtab_create(SOURCES, sizeof(struct src_key), sizeof(struct src_state));
	s->fifo = malloc(FIFO_SLOTS * sizeof(*s->fifo));
	if (!s->pending || !s->sources || !s->fifo) {
		dtab_destroy(s->pending);
		dtab_destroy(s->sources);
		free(s->fifo);
		free(s);
		return NULL;
	}
	return s;
}

static void scan_destroy(void *st)
{
	struct scan *s = st;

	dtab_destroy(s->pending);
	dtab_destroy(s->sources);
	free(s->fifo);
	free(s);
}

static void key_of(const struct det_rec *r, struct probe_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->src, r->src, 16);
	memcpy(k->dst, r->dst, 16);
	k->sport = r->sport;
	k->dport = r->dport;
	k->proto = r->proto;
	k->ipver = r->ipver;
}

static int probe_class(const struct det_rec *r, uint8_t *flagbit)
{
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
static void failed(struct scan *s, struct det_ctx *c, const struct fifo_ent *e)
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
	struct src_state *st = dtab_get(s->sources, &sk, now, &created);
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

/* Probes older than the answer time that got none have failed. */
static void expire(struct scan *s, struct det_ctx *c, int force_one)
{
	uint64_t now = det_now(c);

	while (s->n) {
		struct fifo_ent *e = &s->fifo[s->head];
		uint64_t ans = (uint64_t)det_param(c, &det_scan, e->seg, "scan_answer_ms") * 1000;
		if (!force_one && e->ts + ans > now)
			break;
		force_one = 0;
		struct probe *p = dtab_find(s->pending, &e->k);
		if (p && p->state == 1) {
			p->state = 3;
			/* it failed when its answer time ran out */
			uint64_t back = det_set_now(c, e->ts + ans < now ? e->ts + ans : now);
			failed(s, c, e);
			det_set_now(c, back);
		}
		s->head = (s->head + 1) % FIFO_SLOTS;
		s->n--;
	}
}

static void scan_record(void *st, struct det_ctx *c, const struct det_rec *r)
{
	struct scan *s = st;
	struct probe_key k;
	uint8_t fb;

	expire(s, c, 0);
	if (r->kind == DR_START) {
		if (probe_class(r, &fb) < 0)
			return;
		int created;
		key_of(r, &k);
		struct probe *p = dtab_get(s->pending, &k, det_now(c), &created);
		p->state = 1;
		p->flags = r->flags;
		if (s->n == FIFO_SLOTS)
			expire(s, c, 1); /* full: the oldest is judged now */
		struct fifo_ent *e = &s->fifo[(s->head + s->n) % FIFO_SLOTS];
		e->k = k;
		e->ts = r->ts_us;
		e->flags = r->flags;
		e->seg = r->seg;
		s->n++;
	} else if (r->kind == DR_ANSWER || r->kind == DR_REJECT) {
		key_of(r, &k);
		struct probe *p = dtab_find(s->pending, &k);
		if (!p || p->state != 1)
			return;
		if (r->kind == DR_ANSWER) {
			p->state = 2;
		} else {
			/* refused (RST / unreachable): failed now */
			struct fifo_ent e = { .k = k, .ts = r->ts_us, .seg = r->seg };
			p->state = 3;
			e.flags = p->flags;
			failed(s, c, &e);
		}
	}
}

static void scan_tick(void *st, struct det_ctx *c, const struct sketch *m,
		      uint64_t end)
{
	(void)m;
	(void)end;
	expire(st, c, 0); /* probes time out on quiet links too */
}

const struct detector det_scan = {
	.id = "scan",
	.name = "Port scan and sweep",
	.version = "1.0",
	.description = "A source whose connection attempts fail (refused, or no answer within "
		       "scan_answer_ms) on many hosts (horizontal) or many ports of one host "
		       "(vertical): TCP SYN/FIN/NULL/XMAS, UDP, ICMP echo; IPv4 and IPv6. "
		       "Telnet-only horizontal scans (23/2323) are reported as Mirai-style.",
	.inputs = "flow starts (first packet's flags), answers, refusals; all workers merged",
	.mitre = "T1046,T1018,T1110.001",
	.false_positives = "network monitoring and asset discovery tools; P2P clients "
			   "reaching many dead peers; a client retrying a dead service "
			   "on many ports",
	.where = DET_ANALYTICS,
	.params = params,
	.sigs = sigs,
	.create = scan_create,
	.destroy = scan_destroy,
	.on_record = scan_record,
	.on_tick = scan_tick,
};

/* status: live aggregate for the status page and the Prometheus exposition.
 *
 * The top tables are small set-associative caches: a key lives in one of
 * WAYS slots after its hash, so a lookup is WAYS compares and a full table
 * evicts the slot with the least traffic in the window (counted), never
 * grows. Each slot keeps its bytes in NB buckets of BUCKET_S seconds of
 * packet time, stamped with the bucket's epoch, so the window slides
 * without a sweep: buckets older than the window are simply not summed.
 */
#include "status.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eve.h"
#include "json.h"

#define NB 10                              /* buckets in the window */
#define BUCKET_S (STATUS_WINDOW_S / NB)    /* seconds per bucket */
#define WAYS 8
#define JUMP_BUCKETS (3600 / BUCKET_S)    /* packet time going back this far
					   * restarts the window */
#define KEY_LEN 48
#define APPS_SLOTS 256                     /* powers of two */
#define TALKERS_SLOTS 1024
#define PSEUDO_TEXT "pseudonymised"

struct win_slot {
	char key[KEY_LEN];       /* NUL-terminated label / address text */
	uint32_t hash;           /* of key */
	uint8_t used;
	uint32_t ep[NB];         /* bucket's epoch + 1; 0: never used */
	uint64_t bytes[NB];
	uint32_t flows[NB];
};

struct win_table {
	struct win_slot *slot;
	unsigned mask;
	uint64_t evicted;        /* keys pushed out while still in the window */
};

struct alert_rec {
	uint64_t ts_us;
	uint32_t sid;
	uint8_t severity, proto;
	uint16_t sport, dport;
	char signature[96];
	char category[32];
	char detector[16];
	char segment[32];
	char src[48], dst[48];
};

struct sample {
	double t;
	double pps, bps;
};

struct status {
	pthread_mutex_t lock;
	/* from events */
	uint64_t now_epoch;      /* newest packet time seen, in buckets */
	struct win_table apps, talkers;
	struct alert_rec alerts[STATUS_ALERTS];
	unsigned alert_head, nalerts;  /* head: next write */
	uint64_t nev[6];         /* by enum ev_type; [0]: other */
	uint64_t late;           /* flows older than the window */
	/* every alert event seen, by detector and severity (the metrics) */
	unsigned ndet;
	struct { char id[16]; uint64_t count; } by_det[STATUS_MAX_DETECTORS];
	uint64_t by_sev[STATUS_SEVERITIES];
	/* from snapshots */
	int have_snap;
	struct metrics_snapshot snap;
	double snap_t;
	int64_t last_sec;        /* wall second of the last sample */
	double base_t;           /* time and counters the next rate is from */
	uint64_t base_pkts, base_bytes;
	struct sample series[STATUS_SERIES];
	unsigned series_head, nseries;
};

static int win_init(struct win_table *w, unsigned slots)
{
	w->slot = calloc(slots, sizeof(*w->slot));
	w->mask = slots - 1;
	w->evicted = 0;
	return w->slot ? 0 : -ENOMEM;
}

struct status *status_create(void)
{
	struct status *s = calloc(1, sizeof(*s));

	if (!s)
		goto err;
	if (win_init(&s->apps, APPS_SLOTS) || win_init(&s->talkers, TALKERS_SLOTS))
		goto err;
	if (pthread_mutex_init(&s->lock, NULL))
		goto err;
	return s;
err:
	if (s) {
		free(s->apps.slot);
		free(s->talkers.slot);
		free(s);
	}
	errno = ENOMEM;
	return NULL;
}

void status_destroy(struct status *s)
{
	if (!s)
		return;
	pthread_mutex_destroy(&s->lock);
	free(s->apps.slot);
	free(s->talkers.slot);
	free(s);
}

/* ---- sliding-window top tables ---- */

static uint32_t hash_key(const char *k)
{
	uint32_t h = 2166136261u;     /* FNV-1a */

	for (; *k; k++)
		h = (h ^ (uint8_t)*k) * 16777619u;
	return h ^ (h >> 15);
}

static int in_window(uint32_t ep, uint64_t now)
{
	return ep && (uint64_t)ep - 1 + NB > now && (uint64_t)ep - 1 <= now;
}

static uint64_t win_bytes(const struct win_slot *e, uint64_t now, uint64_t *flows)
{
	uint64_t b = 0, f = 0;

	for (int i = 0; i < NB; i++)
		if (in_window(e->ep[i], now)) {
			b += e->bytes[i];
			f += e->flows[i];
		}
	if (flows)
		*flows = f;
	return b;
}

/* Add bytes for key at bucket epoch `ep` (within the window ending now). */
static void win_add(struct win_table *w, const char *key, uint64_t ep,
		    uint64_t now, uint64_t bytes)
{
	uint32_t h = hash_key(key);
	unsigned victim = 0;
	uint64_t least = UINT64_MAX;
	struct win_slot *e = NULL;

	for (unsigned i = 0; i < WAYS && !e; i++) {
		struct win_slot *c = &w->slot[(h + i) & w->mask];
		if (c->used && c->hash == h && strcmp(c->key, key) == 0)
			e = c;
	}
	for (unsigned i = 0; i < WAYS && !e; i++) {   /* a new key: a victim */
		struct win_slot *c = &w->slot[(h + i) & w->mask];
		uint64_t b = c->used ? win_bytes(c, now, NULL) : 0;
		if (b < least) {
			least = b;
			victim = (h + i) & w->mask;
			if (!b)
				break;
		}
	}
	if (!e) {
		e = &w->slot[victim];
		if (e->used && least)
			w->evicted++;
		memset(e, 0, sizeof(*e));
		memcpy(e->key, key, strnlen(key, KEY_LEN - 1));
		e->hash = h;
		e->used = 1;
	}
	unsigned b = (unsigned)(ep % NB);
	if (e->ep[b] != (uint32_t)(ep + 1)) {
		e->ep[b] = (uint32_t)(ep + 1);
		e->bytes[b] = 0;
		e->flows[b] = 0;
	}
	e->bytes[b] += bytes;
	e->flows[b]++;
}

struct top_row {
	const char *key;
	uint64_t bytes, flows;
};

/* The STATUS_TOP keys with the most bytes in the window, most first (ties
 * by key, so the order is stable). Returns the number of rows. */
static unsigned win_top(const struct win_table *w, uint64_t now,
			struct top_row *top)
{
	unsigned n = 0;

	for (unsigned i = 0; i <= w->mask; i++) {
		const struct win_slot *e = &w->slot[i];
		uint64_t f, b;
		if (!e->used || !(b = win_bytes(e, now, &f)))
			continue;
		unsigned j = n < STATUS_TOP ? n++ : STATUS_TOP;
		while (j > 0 && (top[j - 1].bytes < b ||
				 (top[j - 1].bytes == b &&
				  strcmp(top[j - 1].key, e->key) > 0))) {
			if (j < STATUS_TOP)
				top[j] = top[j - 1];
			j--;
		}
		if (j < STATUS_TOP)
			top[j] = (struct top_row){ e->key, b, f };
	}
	return n;
}

/* ---- events ---- */

/* An endpoint as the page may show it, into o (at least 40 bytes). */
static void addr_text(char *o, const struct event *ev, int dst)
{
	const struct ev_tuple *t = &ev->t;

	if (ev->pseudo & (dst ? 2 : 1))
		memcpy(o, PSEUDO_TEXT, sizeof(PSEUDO_TEXT));
	else if (t->ipver == 4 || t->ipver == 6)
		eve_format_ip(o, t->ipver, dst ? t->dst : t->src);
	else
		o[0] = 0;
}

static void on_flow(struct status *s, const struct event *ev)
{
	const struct ev_flow *f = &ev->u.flow;
	uint64_t ep = ev->ts_us / 1000000 / BUCKET_S;
	uint64_t bytes = f->bytes[0] + f->bytes[1];
	char key[KEY_LEN] = { 0 };

	_Static_assert(KEY_LEN >= 40 && KEY_LEN > sizeof(f->app.proto),
		       "a key holds an address and a label");
	if (ep > s->now_epoch || ep + JUMP_BUCKETS < s->now_epoch)
		s->now_epoch = ep;   /* newer; or far older: another capture */
	if (ep + NB <= s->now_epoch) {
		s->late++;
		return;
	}
	if (f->classified && f->app.proto[0])
		memcpy(key, f->app.proto, strnlen(f->app.proto, sizeof(f->app.proto)));
	else
		memcpy(key, "unknown", sizeof("unknown"));
	win_add(&s->apps, key, ep, s->now_epoch, bytes);
	addr_text(key, ev, 0);
	if (key[0])
		win_add(&s->talkers, key, ep, s->now_epoch, bytes);
}

static int has_ports(uint8_t proto)
{
	return proto == 6 || proto == 17 || proto == 132;
}

static void on_alert(struct status *s, const struct event *ev)
{
	const struct ev_alert *a = &ev->u.alert;
	struct alert_rec *r = &s->alerts[s->alert_head];
	int ports = has_ports(ev->t.proto) && !(a->partial & EV_ALERT_NO_PORTS);

	memset(r, 0, sizeof(*r));
	r->ts_us = ev->ts_us;
	r->sid = a->signature_id;
	r->severity = a->severity;
	r->proto = ev->t.proto;
	snprintf(r->signature, sizeof(r->signature), "%.*s",
		 (int)sizeof(a->signature), a->signature);
	snprintf(r->category, sizeof(r->category), "%.*s",
		 (int)sizeof(a->category), a->category);
	snprintf(r->detector, sizeof(r->detector), "%.*s",
		 (int)sizeof(a->detector), a->detector);
	snprintf(r->segment, sizeof(r->segment), "%.*s",
		 (int)sizeof(ev->segment), ev->segment);
	if (a->partial & EV_ALERT_NO_SRC) {
		snprintf(r->src, sizeof(r->src), "%s", "(many)");
	} else {
		addr_text(r->src, ev, 0);
		/* a client's port is of no use without its address */
		r->sport = ports && !(ev->pseudo & 1) ? ev->t.sport : 0;
	}
	if (a->partial & EV_ALERT_NO_DST)
		snprintf(r->dst, sizeof(r->dst), "%s", "(many)");
	else
		addr_text(r->dst, ev, 1);
	r->dport = ports ? ev->t.dport : 0;
	if (a->severity >= 1 && a->severity <= STATUS_SEVERITIES)
		s->by_sev[a->severity - 1]++;
	unsigned d = 0;
	while (d < s->ndet && strncmp(s->by_det[d].id, a->detector, sizeof(s->by_det[d].id)))
		d++;
	if (d == s->ndet && d < STATUS_MAX_DETECTORS) {
		snprintf(s->by_det[d].id, sizeof(s->by_det[d].id), "%.*s",
			 (int)sizeof(s->by_det[d].id) - 1, a->detector[0] ? a->detector : "other");
		s->ndet++;
	}
	if (d < s->ndet)
		s->by_det[d].count++;
	s->alert_head = (s->alert_head + 1) % STATUS_ALERTS;
	if (s->nalerts < STATUS_ALERTS)
		s->nalerts++;
}

void status_event(struct status *s, const struct event *ev)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->nev[ev->type < 6 ? ev->type : 0]++;
	if (ev->type == EV_FLOW)
		on_flow(s, ev);
	else if (ev->type == EV_ALERT)
		on_alert(s, ev);
	pthread_mutex_unlock(&s->lock);
}

void status_alert_counts(struct status *s, struct metrics_snapshot *m)
{
	pthread_mutex_lock(&s->lock);
	m->ndetectors = s->ndet;
	for (unsigned i = 0; i < s->ndet; i++) {
		memcpy(m->alerts_by_detector[i].id, s->by_det[i].id, sizeof(s->by_det[i].id));
		m->alerts_by_detector[i].count = s->by_det[i].count;
	}
	memcpy(m->alerts_by_severity, s->by_sev, sizeof(s->by_sev));
	pthread_mutex_unlock(&s->lock);
}

/* ---- snapshots and the series ---- */

static void push_sample(struct status *s, double t, double pps, double bps)
{
	s->series[s->series_head] = (struct sample){ t, pps, bps };
	s->series_head = (s->series_head + 1) % STATUS_SERIES;
	if (s->nseries < STATUS_SERIES)
		s->nseries++;
}

static void rebase(struct status *s, const struct metrics_snapshot *m,
		   double now_s, int64_t sec)
{
	s->base_t = now_s;
	s->base_pkts = m->packets;
	s->base_bytes = m->bytes;
	s->last_sec = sec;
}

void status_sample(struct status *s, const struct metrics_snapshot *m,
		   double now_s)
{
	int64_t sec = (int64_t)floor(now_s);

	pthread_mutex_lock(&s->lock);
	s->snap = *m;
	s->snap_t = now_s;
	if (!s->have_snap || sec < s->last_sec) {
		s->have_snap = 1;           /* first, or the clock went back */
		rebase(s, m, now_s, sec);
	} else if (sec > s->last_sec && now_s - s->base_t >= 0.5) {
		double dt = now_s - s->base_t;
		double pps = m->packets >= s->base_pkts
				     ? (double)(m->packets - s->base_pkts) / dt : 0;
		double bps = m->bytes >= s->base_bytes
				     ? (double)(m->bytes - s->base_bytes) / dt : 0;
		int64_t n = sec - s->last_sec;
		if (n > STATUS_SERIES)
			n = STATUS_SERIES;
		for (int64_t i = n - 1; i >= 0; i--)
			push_sample(s, (double)(sec - i), pps, bps);
		rebase(s, m, now_s, sec);
	}
	pthread_mutex_unlock(&s->lock);
}

/* ---- Prometheus text format 0.0.4 ---- */

struct pw {
	char *buf;
	size_t len, cap;
	int overflow;
};

static void pw_put(struct pw *p, const char *s, size_t n)
{
	if (p->overflow || n > p->cap - p->len) {
		p->overflow = 1;
		return;
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
}

static void pw_str(struct pw *p, const char *s)
{
	pw_put(p, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
pw_fmt(struct pw *p, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		p->overflow = 1;
		return;
	}
	pw_put(p, tmp, (size_t)n);
}

/* A label value of at most n bytes (NUL ends it sooner): backslash,
 * double quote and newline escaped. */
static void pw_label_valuen(struct pw *p, const char *v, size_t n)
{
	for (; n && *v; v++, n--) {
		if (*v == '\\')
			pw_put(p, "\\\\", 2);
		else if (*v == '"')
			pw_put(p, "\\\"", 2);
		else if (*v == '\n')
			pw_put(p, "\\n", 2);
		else
			pw_put(p, v, 1);
	}
}

#define pw_label_value(p, v) pw_label_valuen((p), (v), SIZE_MAX)
#define pw_label_field(p, arr) pw_label_valuen((p), (arr), sizeof(arr))

static void family(struct pw *p, const char *name, const char *type,
		   const char *help)
{
	pw_fmt(p, "# HELP %s ", name);
	for (; *help; help++) {             /* HELP: backslash, newline */
		if (*help == '\\')
			pw_put(p, "\\\\", 2);
		else if (*help == '\n')
			pw_put(p, "\\n", 2);
		else
			pw_put(p, help, 1);
	}
	pw_fmt(p, "\n# TYPE %s %s\n", name, type);
}

/* name{sensor="..."[,k="v"]} -- the value follows. */
static void series(struct pw *p, const struct metrics_snapshot *m,
		   const char *name, const char *k, const char *v)
{
	pw_str(p, name);
	pw_str(p, "{sensor=\"");
	pw_label_field(p, m->sensor);
	pw_put(p, "\"", 1);
	if (k) {
		pw_fmt(p, ",%s=\"", k);
		pw_label_value(p, v);
		pw_put(p, "\"", 1);
	}
	pw_put(p, "} ", 2);
}

static void val_u64(struct pw *p, uint64_t v)
{
	pw_fmt(p, "%" PRIu64 "\n", v);
}

static void val_double(struct pw *p, double v)
{
	if (isnan(v))
		pw_str(p, "NaN\n");
	else if (isinf(v))
		pw_str(p, v > 0 ? "+Inf\n" : "-Inf\n");
	else
		pw_fmt(p, "%.15g\n", v);
}

static void one_u64(struct pw *p, const struct metrics_snapshot *m,
		    const char *name, const char *type, const char *help,
		    uint64_t v)
{
	family(p, name, type, help);
	series(p, m, name, NULL, NULL);
	val_u64(p, v);
}

size_t status_prometheus(const struct metrics_snapshot *m, char *buf,
			 size_t cap)
{
	struct pw p = { buf, 0, cap, 0 };
	char tmp[32];

	family(&p, "vigia_build_info", "gauge",
	       "Always 1; the version and sensor name as labels.");
	pw_str(&p, "vigia_build_info{sensor=\"");
	pw_label_field(&p, m->sensor);
	pw_str(&p, "\",version=\"");
	pw_label_field(&p, m->version);
	pw_str(&p, "\"} 1\n");

	family(&p, "vigia_uptime_seconds", "gauge", "Seconds since vigia started.");
	series(&p, m, "vigia_uptime_seconds", NULL, NULL);
	val_double(&p, m->uptime_s);

	one_u64(&p, m, "vigia_packets_total", "counter",
		"Packets received by the workers.", m->packets);
	one_u64(&p, m, "vigia_bytes_total", "counter",
		"Bytes (on the wire) received by the workers.", m->bytes);

	family(&p, "vigia_drops_total", "counter",
	       "Packets or events lost, by where they were lost.");
#define DROP_(name, help)                                                      \
	series(&p, m, "vigia_drops_total", "reason", #name);                   \
	val_u64(&p, m->drops.name);
	STATUS_DROP_REASONS(DROP_)
#undef DROP_

	one_u64(&p, m, "vigia_flows_active", "gauge",
		"Flows in the flow tables now.", m->flows.active);
	one_u64(&p, m, "vigia_flows_created_total", "counter",
		"Flows created.", m->flows.created);
	one_u64(&p, m, "vigia_flows_ended_total", "counter",
		"Flows ended (timeout, close, eviction, shutdown).", m->flows.ended);
	one_u64(&p, m, "vigia_flows_evicted_total", "counter",
		"Flows evicted because a flow table was full.", m->flows.evicted);

	family(&p, "vigia_alerts_total", "counter", "Alerts raised, by detector.");
	for (unsigned i = 0; i < m->ndetectors && i < STATUS_MAX_DETECTORS; i++) {
		char id[sizeof(m->alerts_by_detector[i].id) + 1];
		snprintf(id, sizeof(id), "%.*s", (int)sizeof(id) - 1,
			 m->alerts_by_detector[i].id);
		series(&p, m, "vigia_alerts_total", "detector", id);
		val_u64(&p, m->alerts_by_detector[i].count);
	}
	family(&p, "vigia_alerts_by_severity_total", "counter",
	       "Alerts raised, by severity (1 highest .. 4).");
	for (int i = 0; i < STATUS_SEVERITIES; i++) {
		snprintf(tmp, sizeof(tmp), "%d", i + 1);
		series(&p, m, "vigia_alerts_by_severity_total", "severity", tmp);
		val_u64(&p, m->alerts_by_severity[i]);
	}

	one_u64(&p, m, "vigia_redis_enabled", "gauge",
		"1 when the Redis sink is configured.", m->redis.enabled != 0);
	one_u64(&p, m, "vigia_redis_connected", "gauge",
		"1 when the Redis sink is connected.", m->redis.connected != 0);
	one_u64(&p, m, "vigia_redis_sent_total", "counter",
		"Entries Redis acknowledged.", m->redis.sent);
	one_u64(&p, m, "vigia_redis_pending", "gauge",
		"Entries waiting to be sent (queue and spool).", m->redis.pending);
	one_u64(&p, m, "vigia_redis_spooled_total", "counter",
		"Entries written to the disk spool while Redis was away.",
		m->redis.spooled);
	one_u64(&p, m, "vigia_redis_reconnects_total", "counter",
		"Reconnections to Redis.", m->redis.reconnects);

	one_u64(&p, m, "vigia_policy_loaded", "gauge",
		"1 when a policy is loaded.", m->policy.loaded != 0);
	family(&p, "vigia_policy_info", "gauge",
	       "Always 1; the loaded policy's hash as a label.");
	if (m->policy.loaded) {
		snprintf(tmp, sizeof(tmp), "%016" PRIx64, m->policy.hash);
		series(&p, m, "vigia_policy_info", "hash", tmp);
		val_u64(&p, 1);
	}
	family(&p, "vigia_policy_reloads_total", "counter",
	       "Policy reloads, by result (ok, failed: the old policy kept).");
	series(&p, m, "vigia_policy_reloads_total", "result", "ok");
	val_u64(&p, m->policy.reloads_ok);
	series(&p, m, "vigia_policy_reloads_total", "result", "failed");
	val_u64(&p, m->policy.reloads_failed);

	unsigned nw = m->nworkers < STATUS_MAX_WORKERS ? m->nworkers
						       : STATUS_MAX_WORKERS;
	family(&p, "vigia_worker_packets_total", "counter",
	       "Packets processed, by worker.");
	for (unsigned i = 0; i < nw; i++) {
		snprintf(tmp, sizeof(tmp), "%u", i);
		series(&p, m, "vigia_worker_packets_total", "worker", tmp);
		val_u64(&p, m->workers[i].packets);
	}
	family(&p, "vigia_worker_busy_ratio", "gauge",
	       "Share of the last interval a worker spent on packets (0..1).");
	for (unsigned i = 0; i < nw; i++) {
		snprintf(tmp, sizeof(tmp), "%u", i);
		series(&p, m, "vigia_worker_busy_ratio", "worker", tmp);
		val_double(&p, m->workers[i].busy_ratio);
	}
	return p.overflow ? 0 : p.len;
}

/* ---- JSON for the page ---- */

/* A number rounded to 3 decimals: what the page shows, and a value that
 * is integral after rounding is written as an integer. */
static void jw_kv_num(struct jw *w, const char *key, double v)
{
	jw_kv_double(w, key, round(v * 1000) / 1000);
}

static void jw_num(struct jw *w, double v)
{
	jw_double(w, round(v * 1000) / 1000);
}

static void json_snapshot(struct jw *w, const struct metrics_snapshot *m)
{
	char tmp[32];

	jw_key(w, "snapshot");
	jw_obj_open(w);
	jw_key(w, "sensor");
	jw_strn(w, m->sensor, strnlen(m->sensor, sizeof(m->sensor)));
	jw_key(w, "version");
	jw_strn(w, m->version, strnlen(m->version, sizeof(m->version)));
	jw_kv_num(w, "uptime_s", m->uptime_s);
	jw_kv_u64(w, "packets", m->packets);
	jw_kv_u64(w, "bytes", m->bytes);
	jw_key(w, "drops");
	jw_obj_open(w);
#define DROP_(name, help) jw_kv_u64(w, #name, m->drops.name);
	STATUS_DROP_REASONS(DROP_)
#undef DROP_
	jw_obj_close(w);
	jw_key(w, "flows");
	jw_obj_open(w);
	jw_kv_u64(w, "active", m->flows.active);
	jw_kv_u64(w, "created", m->flows.created);
	jw_kv_u64(w, "ended", m->flows.ended);
	jw_kv_u64(w, "evicted", m->flows.evicted);
	jw_obj_close(w);
	jw_key(w, "alerts_by_detector");
	jw_arr_open(w);
	for (unsigned i = 0; i < m->ndetectors && i < STATUS_MAX_DETECTORS; i++) {
		jw_obj_open(w);
		jw_key(w, "detector");
		jw_strn(w, m->alerts_by_detector[i].id,
			strnlen(m->alerts_by_detector[i].id,
				sizeof(m->alerts_by_detector[i].id)));
		jw_kv_u64(w, "count", m->alerts_by_detector[i].count);
		jw_obj_close(w);
	}
	jw_arr_close(w);
	jw_key(w, "alerts_by_severity");
	jw_obj_open(w);
	for (int i = 0; i < STATUS_SEVERITIES; i++) {
		snprintf(tmp, sizeof(tmp), "%d", i + 1);
		jw_kv_u64(w, tmp, m->alerts_by_severity[i]);
	}
	jw_obj_close(w);
	jw_key(w, "workers");
	jw_arr_open(w);
	for (unsigned i = 0; i < m->nworkers && i < STATUS_MAX_WORKERS; i++) {
		jw_obj_open(w);
		jw_kv_u64(w, "id", i);
		jw_kv_u64(w, "packets", m->workers[i].packets);
		jw_kv_num(w, "busy_ratio", m->workers[i].busy_ratio);
		jw_obj_close(w);
	}
	jw_arr_close(w);
	jw_obj_close(w);
}

static void json_health(struct jw *w, const struct metrics_snapshot *m)
{
	char tmp[32];

	jw_key(w, "health");
	jw_obj_open(w);
	jw_key(w, "sink");
	jw_obj_open(w);
	jw_kv_str(w, "state", !m->redis.enabled ? "disabled"
			      : m->redis.connected ? "connected" : "down");
	jw_kv_u64(w, "sent", m->redis.sent);
	jw_kv_u64(w, "pending", m->redis.pending);
	jw_kv_u64(w, "spooled", m->redis.spooled);
	jw_kv_u64(w, "reconnects", m->redis.reconnects);
	jw_kv_u64(w, "dropped", m->drops.sink_dropped);
	jw_kv_u64(w, "events_dropped", m->drops.events_dropped);
	jw_obj_close(w);
	jw_key(w, "policy");
	jw_obj_open(w);
	jw_kv_str(w, "state", m->policy.loaded ? "loaded" : "none");
	snprintf(tmp, sizeof(tmp), "%016" PRIx64, m->policy.hash);
	jw_kv_str(w, "hash", m->policy.loaded ? tmp : "");
	jw_kv_u64(w, "reloads_ok", m->policy.reloads_ok);
	jw_kv_u64(w, "reloads_failed", m->policy.reloads_failed);
	jw_obj_close(w);
	jw_obj_close(w);
}

static void json_series(struct jw *w, const struct status *s)
{
	static const char *const keys[] = { "t", "pps", "bytes_ps" };
	unsigned first = (s->series_head + STATUS_SERIES - s->nseries) % STATUS_SERIES;

	jw_key(w, "series");
	jw_obj_open(w);
	for (int k = 0; k < 3; k++) {
		jw_key(w, keys[k]);
		jw_arr_open(w);
		for (unsigned i = 0; i < s->nseries; i++) {
			const struct sample *x = &s->series[(first + i) % STATUS_SERIES];
			jw_num(w, k == 0 ? x->t : k == 1 ? x->pps : x->bps);
		}
		jw_arr_close(w);
	}
	jw_obj_close(w);
	jw_key(w, "rate");
	jw_obj_open(w);
	if (s->nseries) {
		const struct sample *x =
			&s->series[(s->series_head + STATUS_SERIES - 1) % STATUS_SERIES];
		jw_kv_num(w, "pps", x->pps);
		jw_kv_num(w, "bytes_ps", x->bps);
	} else {
		jw_kv_u64(w, "pps", 0);
		jw_kv_u64(w, "bytes_ps", 0);
	}
	jw_obj_close(w);
}

static void json_top(struct jw *w, const char *name, const char *keyname,
		     const struct win_table *t, uint64_t now)
{
	struct top_row top[STATUS_TOP];
	unsigned n = win_top(t, now, top);

	jw_key(w, name);
	jw_arr_open(w);
	for (unsigned i = 0; i < n; i++) {
		jw_obj_open(w);
		jw_kv_str(w, keyname, top[i].key);
		jw_kv_u64(w, "bytes", top[i].bytes);
		jw_kv_u64(w, "flows", top[i].flows);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

static void json_alerts(struct jw *w, const struct status *s)
{
	char ts[40];

	jw_key(w, "alerts");
	jw_arr_open(w);
	for (unsigned i = 0; i < s->nalerts; i++) {   /* newest first */
		const struct alert_rec *r =
			&s->alerts[(s->alert_head + STATUS_ALERTS - 1 - i) % STATUS_ALERTS];
		jw_obj_open(w);
		eve_format_ts(ts, r->ts_us);
		jw_kv_str(w, "timestamp", ts);
		jw_kv_u64(w, "severity", r->severity);
		jw_kv_u64(w, "signature_id", r->sid);
		jw_kv_str(w, "signature", r->signature);
		jw_kv_str(w, "category", r->category);
		jw_kv_str(w, "detector", r->detector);
		jw_kv_str(w, "segment", r->segment);
		jw_kv_str(w, "src", r->src);
		jw_kv_str(w, "dest", r->dst);
		if (r->sport)
			jw_kv_u64(w, "src_port", r->sport);
		if (r->dport)
			jw_kv_u64(w, "dest_port", r->dport);
		jw_kv_u64(w, "proto", r->proto);
		jw_obj_close(w);
	}
	jw_arr_close(w);
}

size_t status_json(struct status *s, char *buf, size_t cap)
{
	static const char *const evnames[6] = { "other", "flow", "anomaly",
						"stats", "alert", "session" };
	struct jw w;

	jw_init(&w, buf, cap);
	pthread_mutex_lock(&s->lock);
	jw_obj_open(&w);
	jw_kv_num(&w, "time", s->have_snap ? s->snap_t : 0);
	jw_kv_u64(&w, "window_s", STATUS_WINDOW_S);
	json_snapshot(&w, &s->snap);
	json_series(&w, s);
	json_top(&w, "top_apps", "app", &s->apps, s->now_epoch);
	json_top(&w, "top_talkers", "src", &s->talkers, s->now_epoch);
	json_alerts(&w, s);
	json_health(&w, &s->snap);
	jw_key(&w, "events");
	jw_obj_open(&w);
	for (int i = 0; i < 6; i++)
		jw_kv_u64(&w, evnames[i], s->nev[i]);
	jw_kv_u64(&w, "late", s->late);
	jw_kv_u64(&w, "apps_evicted", s->apps.evicted);
	jw_kv_u64(&w, "talkers_evicted", s->talkers.evicted);
	jw_obj_close(&w);
	jw_obj_close(&w);
	pthread_mutex_unlock(&s->lock);
	return w.overflow ? 0 : w.len;
}

/* summary: the end-of-run summary, on stderr and as JSON (--summary-json). */
#include "app.h"
#include "../telemetry/json.h"

/* Summary accumulation of application labels over workers. */
struct app_row {
	char label[40];
	uint64_t flows, bytes;
};

struct app_acc {
	struct app_row rows[2048];
	unsigned n;
};

static void acc_app(void *ctx, const char *label, uint64_t flows, uint64_t bytes)
{
	struct app_acc *a = ctx;

	for (unsigned i = 0; i < a->n; i++)
		if (strcmp(a->rows[i].label, label) == 0) {
			a->rows[i].flows += flows;
			a->rows[i].bytes += bytes;
			return;
		}
	if (a->n < sizeof(a->rows) / sizeof(a->rows[0])) {
		snprintf(a->rows[a->n].label, sizeof(a->rows[a->n].label), "%s",
			 label);
		a->rows[a->n].flows = flows;
		a->rows[a->n].bytes = bytes;
		a->n++;
	}
}

static int cmp_rows(const void *x, const void *y)
{
	const struct app_row *a = x, *b = y;

	if (a->bytes != b->bytes)
		return a->bytes < b->bytes ? 1 : -1;
	return strcmp(a->label, b->label);
}


/* A number in the summary's own format (fixed decimals: consumers diff
 * summaries, so a figure keeps its shape whatever its value). */
static void kv_fixed(struct jw *w, const char *key, int decimals, double v)
{
	char num[64];
	int n = snprintf(num, sizeof(num), "%.*f", decimals, v);

	jw_key(w, key);
	jw_raw(w, num, (size_t)n);
	w->need_comma = 1;
}

static void kv_i64(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	jw_i64(w, v);
}

static void kv_reasm(struct jw *w, const char *first, uint64_t v0, const uint64_t *v)
{
	jw_key(w, "reasm");
	jw_obj_open(w);
	jw_kv_u64(w, first, v0);
	for (unsigned i = 0; i < REASM_S_MAX; i++)
		jw_kv_u64(w, reasm_stat_name(i) + 6, v[i]);
	jw_obj_close(w);
}

/* --summary-json: one object, written with the event encoder's writer. */
static void summary_json(struct pipeline *pl, const struct worker_stats *tot,
			 const struct classify_stats *ct, const struct telemetry_stats *ts,
			 const struct app_acc *apps, double elapsed, long maxrss,
			 uint64_t evq_drops, const char *status)
{
	/* every application row fits, with room for the fixed part */
	size_t cap = 64 * 1024 + (size_t)apps->n * 256;
	char *buf = malloc(cap);
	struct jw w;

	if (!buf) {
		fprintf(stderr, "vigia: %s: %s\n", pl->o->summary_json, strerror(ENOMEM));
		return;
	}
	FILE *fp = fopen(pl->o->summary_json, "w");
	if (!fp) {
		fprintf(stderr, "vigia: %s: %s\n", pl->o->summary_json, strerror(errno));
		free(buf);
		return;
	}
	jw_init(&w, buf, cap);
	jw_obj_open(&w);
	jw_kv_str(&w, "status", status);
	jw_kv_str(&w, "mode", pl->o->raw_read      ? "raw-read"
			      : pl->o->decode_only ? "decode-only"
			      : pl->o->preload     ? "preload"
						   : "pipeline");
	if (pl->have_replay) {
		kv_fixed(&w, "load_s", 6, pl->replay.load_s);
		jw_kv_u64(&w, "repeat", pl->o->preload ? pl->o->preload : 1);
		jw_key(&w, "worker_pkts");
		jw_arr_open(&w);
		for (unsigned i = 0; i < pl->nw; i++)
			jw_u64(&w, pl->replay.worker_pkts[i]);
		jw_arr_close(&w);
		jw_key(&w, "timestamps");
		jw_obj_open(&w);
		jw_kv_u64(&w, "jumps", pl->replay.ts_jumps);
		jw_kv_u64(&w, "followed", pl->replay.ts_followed);
		jw_kv_u64(&w, "backwards", pl->replay.ts_backwards);
		jw_obj_close(&w);
		/* outer IPv4 reassembly before dispatch */
		kv_reasm(&w, "lost", pl->replay.reasm_lost, pl->replay.reasm.v);
	}
	kv_fixed(&w, "elapsed_s", 6, elapsed);
	jw_kv_u64(&w, "workers", pl->nw);
	kv_i64(&w, "peak_rss_kib", maxrss);
	jw_kv_u64(&w, "bytes_per_flow", worker_bytes_per_flow(pl->w[0]));
#define X_(n, d) jw_kv_u64(&w, #n, tot->n);
	WORKER_COUNTERS(X_)
#undef X_
	struct sess_stats ss;
	worker_get_session_stats(pl->w[0], &ss);
	jw_key(&w, "sessions");
	jw_obj_open(&w);
	jw_kv_u64(&w, "created", ss.created);
	jw_kv_u64(&w, "deleted", ss.deleted);
	jw_kv_u64(&w, "expired", ss.expired);
	jw_kv_u64(&w, "evicted", ss.evicted);
	jw_kv_u64(&w, "refused", ss.refused);
	jw_kv_u64(&w, "full", ss.full);
	jw_kv_u64(&w, "active", ss.active);
	jw_kv_u64(&w, "messages", ss.messages);
	jw_obj_close(&w);
	if (pl->an) {
		struct analytics_stats as;
		analytics_get_stats(pl->an, &as);
		jw_key(&w, "analytics");
		jw_obj_open(&w);
		jw_kv_u64(&w, "records", as.records);
		jw_kv_u64(&w, "ticks", as.ticks);
		jw_kv_u64(&w, "alerts", as.alerts);
		jw_kv_u64(&w, "suppressed", as.suppressed);
		jw_kv_u64(&w, "sessions", as.sessions);
		jw_kv_u64(&w, "dropped", as.dropped);
		jw_obj_close(&w);
		/* bounded detector state: entries given up when full */
		const char *ids[32];
		uint64_t ev[32];
		unsigned nd = analytics_state_evictions(pl->an, ids, ev, 32);
		jw_key(&w, "detector_state_evictions");
		jw_obj_open(&w);
		for (unsigned i = 0; i < nd; i++)
			jw_kv_u64(&w, ids[i], ev[i]);
		jw_obj_close(&w);
	}
	jw_key(&w, "classify");
	jw_obj_open(&w);
	jw_kv_u64(&w, "detected", ct->detected);
	jw_kv_u64(&w, "guessed", ct->guessed);
	jw_kv_u64(&w, "unknown", ct->unknown);
	jw_kv_u64(&w, "dpi_pkts", ct->dpi_pkts);
	jw_obj_close(&w);
	jw_key(&w, "events");
	jw_obj_open(&w);
	jw_kv_u64(&w, "written", ts->events);
	jw_kv_u64(&w, "flow", ts->flows);
	jw_kv_u64(&w, "anomaly", ts->anomalies);
	jw_kv_u64(&w, "dropped", evq_drops);
	jw_kv_u64(&w, "encode_errors", ts->encode_errors);
	jw_kv_u64(&w, "stats", ts->stats);
	jw_kv_u64(&w, "alert", ts->alerts);
	jw_obj_close(&w);
	if (pl->pref) {
		uint64_t ok, failed;
		char hash[20];
		policy_ref_reloads(pl->pref, &ok, &failed);
		const struct policy *cur = policy_ref_get(pl->pref);
		int hn = snprintf(hash, sizeof(hash), "%016llx",
				  (unsigned long long)(cur ? policy_hash(cur) : 0));
		jw_key(&w, "policy");
		jw_obj_open(&w);
		jw_kv_str(&w, "file", pl->o->policy_path);
		jw_key(&w, "hash");
		jw_str_plain(&w, hash, (size_t)hn);
		jw_kv_u64(&w, "reloads_ok", ok);
		jw_kv_u64(&w, "reloads_failed", failed);
		jw_obj_close(&w);
	}
	if (pl->o->state_dir || pl->o->redis) {
		jw_key(&w, "state");
		jw_obj_open(&w);
		jw_kv_u64(&w, "checkpoints", __atomic_load_n(&pl->checkpoints, __ATOMIC_RELAXED));
		jw_obj_close(&w);
	}
	if (pl->redis) {
		jw_key(&w, "redis");
		jw_obj_open(&w);
		jw_kv_u64(&w, "sent", ts->redis.sent);
		jw_kv_u64(&w, "duplicates", ts->redis.duplicates);
		jw_kv_u64(&w, "spooled", ts->redis.spooled);
		jw_kv_u64(&w, "spool_dropped", ts->redis.spool_dropped);
		jw_kv_u64(&w, "errors", ts->redis.errors);
		jw_kv_u64(&w, "reconnects", ts->redis.reconnects);
		jw_kv_u64(&w, "left_in_spool", ts->redis_pending);
		jw_kv_u64(&w, "latency_samples", ts->redis.latency_samples);
		kv_fixed(&w, "latency_p50_ms", 3, ts->redis.latency_p50_ms);
		kv_fixed(&w, "latency_p99_ms", 3, ts->redis.latency_p99_ms);
		jw_obj_close(&w);
	}
	if (pl->have_dpdk) {
		const struct dpdk_stats *d = &pl->dstats;
		jw_key(&w, "dpdk");
		jw_obj_open(&w);
		jw_kv_u64(&w, "ipackets", d->ipackets);
		jw_kv_u64(&w, "imissed", d->imissed);
		jw_kv_u64(&w, "rx_nombuf", d->rx_nombuf);
		jw_kv_u64(&w, "ierrors", d->ierrors);
		jw_kv_bool(&w, "timestamps", d->timestamps);
		kv_fixed(&w, "active_s", 6, d->active_s);
		jw_key(&w, "queues");
		jw_arr_open(&w);
		for (unsigned i = 0; i < d->nq; i++) {
			jw_obj_open(&w);
			jw_kv_u64(&w, "rx", d->q_ipackets[i]);
			jw_kv_u64(&w, "processed", d->worker_pkts[i]);
			jw_kv_u64(&w, "handed_over", d->handed_over[i]);
			jw_kv_u64(&w, "handover_dropped", d->ring_full[i]);
			jw_obj_close(&w);
		}
		jw_arr_close(&w);
		kv_reasm(&w, "nombuf", d->reasm_nombuf, d->reasm.v);
		jw_obj_close(&w);
	}
	jw_key(&w, "anomaly_kinds");
	jw_obj_open(&w);
	for (unsigned k = 0; k < DEC_A_MAX; k++)
		if (tot->anomaly_kind[k])
			jw_kv_u64(&w, decode_anomaly_name(k), tot->anomaly_kind[k]);
	jw_obj_close(&w);
	jw_key(&w, "apps");
	jw_arr_open(&w);
	for (unsigned i = 0; i < apps->n; i++) {
		jw_obj_open(&w);
		jw_kv_str(&w, "label", apps->rows[i].label);
		jw_kv_u64(&w, "flows", apps->rows[i].flows);
		jw_kv_u64(&w, "bytes", apps->rows[i].bytes);
		jw_obj_close(&w);
	}
	jw_arr_close(&w);
	jw_obj_close(&w);
	if (w.overflow)
		fprintf(stderr, "vigia: %s: summary too large\n", pl->o->summary_json);
	else if (fwrite(buf, 1, w.len, fp) != w.len || fputc('\n', fp) == EOF)
		fprintf(stderr, "vigia: %s: %s\n", pl->o->summary_json, strerror(errno));
	fclose(fp);
	free(buf);
}

void pipeline_summary(struct pipeline *pl, double elapsed,
			     const char *status)
{
	struct worker_stats tot, s;
	struct classify_stats ct, cs;
	struct telemetry_stats ts;
	static struct app_acc apps;
	struct rusage ru;

	memset(&tot, 0, sizeof(tot));
	memset(&ct, 0, sizeof(ct));
	apps.n = 0;
	for (unsigned i = 0; i < pl->nw; i++) {
		worker_get_stats(pl->w[i], &s);
#define X_(n, d) tot.n += s.n;
		WORKER_COUNTERS(X_)
#undef X_
		for (unsigned k = 0; k < 64; k++)
			tot.anomaly_kind[k] += s.anomaly_kind[k];
		worker_get_classify_stats(pl->w[i], &cs);
		ct.slots_exhausted += cs.slots_exhausted;
		ct.detected += cs.detected;
		ct.guessed += cs.guessed;
		ct.unknown += cs.unknown;
		ct.dpi_pkts += cs.dpi_pkts;
		worker_foreach_app(pl->w[i], acc_app, &apps);
	}
	qsort(apps.rows, apps.n, sizeof(apps.rows[0]), cmp_rows);
	if (pl->have_replay) {
		/* the replay's own clock: excludes start-up and preloading */
		elapsed = pl->replay.run_s;
		if (pl->o->raw_read || pl->o->decode_only) {
			tot.pkts = pl->replay.pkts;
			tot.bytes = pl->replay.bytes;
		}
	}
	telemetry_get_stats(pl->tel, &ts);
	getrusage(RUSAGE_SELF, &ru);
	double mpps;
	mpps = elapsed > 0 ? (double)tot.pkts / elapsed / 1e6 : 0;
	double gbps = elapsed > 0 ? (double)tot.bytes * 8 / elapsed / 1e9 : 0;
	uint64_t evq_drops = 0;
	for (unsigned i = 0; i < pl->nw; i++)
		evq_drops += evq_dropped(pl->q[i]);

	if (!pl->o->quiet) {
		FILE *fp = stderr;
		fprintf(fp, "\n== vigia summary ==\n");
		fprintf(fp, "packets        %" PRIu64 "  (%" PRIu64 " bytes)\n",
			tot.pkts, tot.bytes);
		fprintf(fp, "flows          %" PRIu64 " ended, %" PRIu64
			" created, %" PRIu64 " evicted, %" PRIu64
			" active exports\n", tot.flows_ended, tot.flows_created,
			tot.flows_evicted, tot.flows_active_export);
		fprintf(fp, "classified     %" PRIu64 " detected, %" PRIu64
			" guessed, %" PRIu64 " unknown, %" PRIu64
			" without slot; %" PRIu64 " packets through nDPI\n",
			ct.detected, ct.guessed, ct.unknown, tot.classify_no_slot,
			ct.dpi_pkts);
		fprintf(fp, "decode         %" PRIu64 " not IP, %" PRIu64
			" malformed, %" PRIu64 " anomalies, %" PRIu64
			" later fragments, %" PRIu64 " tunnelled\n",
			tot.not_ip, tot.decode_bad, tot.anomalies,
			tot.frag_later, tot.tunnelled);
		for (unsigned k = 0; k < DEC_A_MAX; k++)
			if (tot.anomaly_kind[k])
				fprintf(fp, "  %-32s %" PRIu64 "\n",
					decode_anomaly_name(k),
					tot.anomaly_kind[k]);
		fprintf(fp, "events         %" PRIu64 " written (%" PRIu64
			" flow, %" PRIu64 " anomaly, %" PRIu64 " alert), %" PRIu64
			" dropped\n", ts.events, ts.flows, ts.anomalies, ts.alerts,
			evq_drops);
		if (pl->redis) {
			fprintf(fp, "redis          %" PRIu64 " sent, %" PRIu64
				" already there, %" PRIu64 " spooled, %" PRIu64
				" dropped from spool, %" PRIu64 " errors, %" PRIu64
				" reconnects, %" PRIu64 " left in spool\n",
				ts.redis.sent, ts.redis.duplicates, ts.redis.spooled,
				ts.redis.spool_dropped, ts.redis.errors,
				ts.redis.reconnects, ts.redis_pending);
			if (ts.redis.latency_samples)
				fprintf(fp, "redis latency  packet to XADD p50 %.2f ms, p99 %.2f ms "
					"(%" PRIu64 " events)\n", ts.redis.latency_p50_ms,
					ts.redis.latency_p99_ms, ts.redis.latency_samples);
		}
		fprintf(fp, "top applications (by bytes):\n");
		for (unsigned i = 0; i < apps.n && i < 10; i++)
			fprintf(fp, "  %-28s %8" PRIu64 " flows %14" PRIu64
				" bytes\n", apps.rows[i].label,
				apps.rows[i].flows, apps.rows[i].bytes);
		if (pl->have_replay && pl->nw > 1) {
			fprintf(fp, "per worker    ");
			for (unsigned i = 0; i < pl->nw; i++)
				fprintf(fp, " %" PRIu64, pl->replay.worker_pkts[i]);
			fprintf(fp, " packets\n");
		}
		if (pl->have_dpdk) {
			const struct dpdk_stats *d = &pl->dstats;
			fprintf(fp, "dpdk port      %" PRIu64 " packets, %" PRIu64
				" missed, %" PRIu64 " no mbuf, %" PRIu64
				" errors; packet times %s\n", d->ipackets,
				d->imissed, d->rx_nombuf, d->ierrors,
				d->timestamps ? "from the PMD" : "from the clock");
			for (unsigned i = 0; i < d->nq; i++)
				fprintf(fp, "  queue %-2u rx %" PRIu64 ", worker processed %"
					PRIu64 ", GTP-U handed over %" PRIu64
					" (dropped %" PRIu64 ")\n", i,
					d->q_ipackets[i], d->worker_pkts[i],
					d->handed_over[i], d->ring_full[i]);
		}
		fprintf(fp, "elapsed        %.3f s, %.3f Mpps, %.3f Gbit/s, %.1f ns/packet, "
			"peak RSS %ld MiB, %u worker%s%s\n", elapsed, mpps, gbps,
			tot.pkts ? elapsed * 1e9 / (double)tot.pkts : 0.0,
			ru.ru_maxrss / 1024, pl->nw, pl->nw > 1 ? "s" : "",
			pl->o->raw_read ? " (raw read)" : pl->o->decode_only ? " (decode only)" : "");
	}
	if (pl->o->summary_json)
		summary_json(pl, &tot, &ct, &ts, &apps, elapsed, ru.ru_maxrss, evq_drops, status);
}


/* pipeline: assembly of workers, analytics, telemetry and sinks for a run, the control loop's reload and metrics, and teardown. */
#include "app.h"

double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int names_app(void *ctx, const char *n)
{
	return classifier_app_id(ctx, n);
}

static int names_cat(void *ctx, const char *n)
{
	return classifier_category_id(ctx, n);
}

/* An nDPI module only to check names in policy files. */
struct classifier *names_classifier(struct policy_names *nm, char *err,
					   size_t errlen)
{
	struct classify_cfg cc;

	classify_default_cfg(&cc);
	cc.max_slots = 1;
	struct classifier *c = classifier_create(&cc, err, (unsigned)errlen);
	if (c) {
		nm->app_id = names_app;
		nm->category_id = names_cat;
		nm->threshold_known = detector_param_known;
		nm->ctx = c;
	}
	return c;
}

/* SIGHUP: load, validate, swap; on error keep the running policy. */
void maybe_reload(struct pipeline *pl)
{
	char err[512];

	if (g_reopen) {
		/* logrotate moved the output file: write to a new one */
		g_reopen = 0;
		if (pl->tel)
			telemetry_reopen(pl->tel);
	}
	if (!g_reload)
		return;
	g_reload = 0;
	if (!pl->pref)
		return;
	service_reloading(0);
	struct policy *np = policy_load(pl->o->policy_path, &pl->names, err, sizeof(err));
	if (!np) {
		policy_ref_count_reload(pl->pref, 0);
		log_err("policy reload refused, keeping the current one: %s", err);
		service_reloading(1);
		return;
	}
	uint64_t h = policy_hash(np);
	policy_ref_swap(pl->pref, np);
	__atomic_store_n(&pl->pol_hash, h, __ATOMIC_RELAXED);
	policy_ref_count_reload(pl->pref, 1);
	if (!pl->o->quiet)
		log_info("policy reloaded: %s (hash %016llx)", pl->o->policy_path,
			 (unsigned long long)h);
	service_reloading(1);
}

/* Telemetry thread: a command from the Redis control stream. */
static void on_control(void *ctx, const char *cmd)
{
	(void)ctx;
	if (!strcmp(cmd, "reload-policy"))
		g_reload = 1; /* handled like SIGHUP, by the control loop */
	else
		fprintf(stderr, "vigia: unknown control command '%s' ignored\n", cmd);
}

static const char *tunnel_name(unsigned t)
{
	return decode_tunnel_name(t);
}

/* Each worker's load: the share of the time since the previous sample
 * (half a second at least, so that the status page's and Prometheus's
 * scrapes do not shorten each other's interval) its thread spent on a CPU.
 * A DPDK worker sleeps when its queues are empty, so this is its load
 * there too. */
static void busy_ratios(struct pipeline *pl, struct metrics_snapshot *m)
{
	double now = now_s();

	pthread_mutex_lock(&pl->busy_mu);
	if (now - pl->busy_at >= 0.5) {
		for (unsigned i = 0; i < pl->nw && i < STATUS_MAX_WORKERS; i++) {
			uint64_t c;
			if (!pl->w[i] || worker_cpu_ns(pl->w[i], &c)) {
				pl->busy[i] = 0;
				pl->busy_cpu[i] = 0;
				continue;
			}
			if (pl->busy_at > 0 && pl->busy_cpu[i] && c >= pl->busy_cpu[i]) {
				double r = (double)(c - pl->busy_cpu[i]) / 1e9 / (now - pl->busy_at);
				pl->busy[i] = r > 1 ? 1 : r;
			}
			pl->busy_cpu[i] = c;
		}
		pl->busy_at = now;
	}
	for (unsigned i = 0; i < pl->nw && i < STATUS_MAX_WORKERS; i++)
		m->workers[i].busy_ratio = pl->busy[i];
	pthread_mutex_unlock(&pl->busy_mu);
}

/* The HTTP thread's view of the counters (GET /metrics, /api/status). The
 * workers' counters are read while they run: a snapshot a few packets old
 * is what a scrape wants. */
static void metrics_fill(void *ctx, struct metrics_snapshot *m)
{
	struct pipeline *pl = ctx;
	struct worker_stats ws;

	memset(m, 0, sizeof(*m));
	snprintf(m->sensor, sizeof(m->sensor), "%s", pl->o->sensor ? pl->o->sensor : "");
	snprintf(m->version, sizeof(m->version), "%s", VIGIA_VERSION);
	m->uptime_s = now_s() - pl->t_start;
	m->nworkers = pl->nw < STATUS_MAX_WORKERS ? pl->nw : STATUS_MAX_WORKERS;
	for (unsigned i = 0; i < pl->nw; i++) {
		if (!pl->w[i])
			continue;
		worker_peek_stats(pl->w[i], &ws);
		m->packets += ws.pkts;
		m->bytes += ws.bytes;
		m->flows.created += ws.flows_created;
		m->flows.ended += ws.flows_ended;
		m->flows.evicted += ws.flows_evicted;
		if (i < STATUS_MAX_WORKERS)
			m->workers[i].packets = ws.pkts;
		m->drops.events_dropped += evq_dropped(pl->q[i]);
	}
	m->flows.active = m->flows.created > m->flows.ended ? m->flows.created - m->flows.ended : 0;
	busy_ratios(pl, m);
	if (pl->have_dpdk) {
		m->drops.nic_missed = pl->dstats.imissed;
		m->drops.nic_nombuf = pl->dstats.rx_nombuf;
		for (unsigned q = 0; q < pl->dstats.nq; q++)
			m->drops.ring_full += pl->dstats.ring_full[q];
	}
	if (pl->redis) {
		struct redis_sink_stats rs;
		redis_sink_get_stats(pl->redis, &rs);
		m->redis.enabled = 1;
		m->redis.connected = rs.connected;
		m->redis.sent = rs.sent;
		m->redis.spooled = rs.spooled;
		m->redis.reconnects = rs.reconnects;
		m->redis.pending = rs.pending;
		m->drops.sink_dropped = rs.spool_dropped + rs.errors;
	}
	if (pl->pref) {
		m->policy.loaded = 1;
		m->policy.hash = __atomic_load_n(&pl->pol_hash, __ATOMIC_RELAXED);
		policy_ref_reloads(pl->pref, &m->policy.reloads_ok, &m->policy.reloads_failed);
	}
	status_alert_counts(pl->status, m);
}

int pipeline_init(struct pipeline *pl, struct opts *o, int flags)
{
	int lossless = !!(flags & PL_LOSSLESS);
	char err[512] = "";

	pl->o = o;
	pl->nw = o->workers;
	if (o->out_path && strcmp(o->out_path, "-") != 0) {
		pl->out = fopen(o->out_path, "w");
		if (!pl->out) {
			fprintf(stderr, "vigia: %s: %s\n", o->out_path,
				strerror(errno));
			return EXIT_USAGE;
		}
		pl->out_owned = 1;
	} else if (o->out_path || !isatty(STDOUT_FILENO)) {
		pl->out = stdout;
	} else if (!o->quiet) {
		fprintf(stderr, "vigia: stdout is a terminal: events not written "
				"(use -o FILE or -o -)\n");
	}
	if (community_id_init() != 0) {
		fprintf(stderr, "vigia: libgcrypt SHA-1 unavailable\n");
		return EXIT_INPUT;
	}
	if (o->redis) {
		const char *pw = getenv("VIGIA_REDIS_PASSWORD");
		if (pw && !o->rcfg.password) {
			snprintf(o->redis_password, sizeof(o->redis_password), "%s", pw);
			o->rcfg.password = o->redis_password;
		}
		o->rcfg.sensor = o->sensor;
		redis_cfg_address(&o->rcfg, o->redis, o->redis_host, sizeof(o->redis_host));
		pl->redis = redis_sink_create(&o->rcfg, err, sizeof(err));
		if (!pl->redis) {
			fprintf(stderr, "vigia: %s\n", err);
			return EXIT_INPUT;
		}
	}
	struct telemetry_cfg tc = {
		.on_control = on_control,
		.redis = pl->redis,
		.sensor = o->sensor,
		.names = { decode_anomaly_name, tunnel_name, classify_risk_name },
		.out = pl->out,
		.out_path = pl->out_owned ? o->out_path : NULL, /* reopened on SIGUSR1 */
		.status = pl->status,
		.community_id_seed = o->cid_seed,
	};
	/* pseudonyms: a key from a file keeps them stable across runs; else a
	 * random key per run (unlinkable between runs) */
	if (o->pseudonym_key_file) {
		FILE *kf = fopen(o->pseudonym_key_file, "rb");
		size_t kn = kf ? fread(tc.pseudonym_key, 1, sizeof(tc.pseudonym_key), kf) : 0;
		if (kf)
			fclose(kf);
		if (kn < 16) {
			fprintf(stderr, "vigia: %s: need at least 16 bytes of key\n",
				o->pseudonym_key_file);
			return EXIT_USAGE;
		}
	} else {
		FILE *ur = fopen("/dev/urandom", "rb");
		if (!ur || fread(tc.pseudonym_key, 1, sizeof(tc.pseudonym_key), ur) !=
				   sizeof(tc.pseudonym_key)) {
			if (ur)
				fclose(ur);
			fprintf(stderr, "vigia: cannot read /dev/urandom\n");
			return EXIT_INPUT;
		}
		fclose(ur);
	}
	if (o->metrics_listen && !(tc.status = pl->status = status_create())) {
		fprintf(stderr, "vigia: metrics: no memory\n");
		return EXIT_INPUT;
	}
	pl->tel = telemetry_create(&tc);
	if (!pl->tel) {
		fprintf(stderr, "vigia: telemetry: %s\n", strerror(errno));
		return EXIT_INPUT;
	}
	if (o->policy_path) {
		pl->names_cls = names_classifier(&pl->names, err, sizeof(err));
		if (!pl->names_cls) {
			fprintf(stderr, "vigia: %s\n", err);
			return EXIT_INPUT;
		}
		struct policy *pol = policy_load(o->policy_path, &pl->names, err, sizeof(err));
		if (!pol) {
			fprintf(stderr, "vigia: %s\n", err);
			return EXIT_INPUT;
		}
		pl->pol_hash = policy_hash(pol);
		/* readers: the workers, and the analytics thread (id nw) */
		pl->pref = policy_ref_create(pol, pl->nw + 1);
		if (!pl->pref) {
			policy_free(pol);
			fprintf(stderr, "vigia: no memory for the policy\n");
			return EXIT_INPUT;
		}
	}
	if (!o->detectors || strcmp(o->detectors, "none")) {
		if (o->detectors) {
			/* every id must exist: a typo would silently disable one */
			char ids[256];
			snprintf(ids, sizeof(ids), "%s", o->detectors);
			for (char *sv, *id = strtok_r(ids, ",", &sv); id;
			     id = strtok_r(NULL, ",", &sv))
				if (!detector_by_id(id)) {
					fprintf(stderr, "vigia: --detectors: no detector '%s' "
							"(see 'vigia detectors')\n", id);
					return EXIT_USAGE;
				}
		}
		pl->an_q = evq_create(4096, lossless);
		struct analytics_cfg ac = { .workers = pl->nw, .lossless = lossless,
					    .q = pl->an_q, .policy = pl->pref,
					    .only = o->detectors };
		pl->an = pl->an_q ? analytics_create(&ac) : NULL;
		if (!pl->an) {
			fprintf(stderr, "vigia: analytics: %s\n", strerror(errno));
			return EXIT_INPUT;
		}
		telemetry_add_queue(pl->tel, pl->an_q);
	}
	for (unsigned i = 0; i < pl->nw; i++) {
		pl->q[i] = evq_create(o->evq_slots, lossless);
		if (!pl->q[i]) {
			fprintf(stderr, "vigia: event queue: %s\n", strerror(errno));
			return EXIT_INPUT;
		}
		struct worker_cfg wc = { .id = i, .ft = o->ft, .cls = o->cls,
					 .q = pl->q[i],
					 .stats_interval_s = o->stats_interval,
					 .policy = pl->pref,
					 .feed = pl->an ? analytics_feed(pl->an, i) : NULL,
					 .max_sessions = o->max_sessions,
					 .time_decided = !!(flags & PL_TIME_DECIDED) };
		pl->w[i] = worker_create(&wc, err, sizeof(err));
		if (!pl->w[i]) {
			fprintf(stderr, "vigia: %s\n",
				err[0] ? err : strerror(errno));
			return errno == EINVAL ? EXIT_USAGE : EXIT_INPUT;
		}
		telemetry_add_queue(pl->tel, pl->q[i]);
	}
	if (telemetry_start(pl->tel) != 0) {
		fprintf(stderr, "vigia: cannot start telemetry thread\n");
		return EXIT_INPUT;
	}
	if (pl->an)
		state_load(pl);
	if (pl->an && analytics_start(pl->an) != 0) {
		fprintf(stderr, "vigia: cannot start analytics thread\n");
		return EXIT_INPUT;
	}
	pl->t_start = now_s();
	if (o->metrics_listen) {
		pl->http = http_status_start(o->metrics_listen, pl->status, metrics_fill, pl, err,
					     sizeof(err));
		if (!pl->http) {
			fprintf(stderr, "vigia: metrics: %s\n", err);
			return EXIT_INPUT;
		}
	}
	return 0;
}

/* Flush flows, drain telemetry, print the summary, free everything. */
int pipeline_finish(struct pipeline *pl, const char *status)
{
	int rc = 0;

	service_watchdog_stop();
	service_stopping();
	state_checkpoints_stop(pl);
	for (unsigned i = 0; i < pl->nw; i++)
		if (pl->w[i])
			worker_flush(pl->w[i]);
	/* every feed ended: the analytics thread finishes, then telemetry
	 * writes its alerts */
	analytics_stop(pl->an);
	if (pl->an)
		state_save(pl);
	if (pl->tel && telemetry_stop(pl->tel) != 0) {
		fprintf(stderr, "vigia: writing events failed\n");
		rc = EXIT_INPUT;
	}
	if (pl->show_progress)
		fputc('\n', stderr);
	/* a run that failed before its first packet has nothing to sum up */
	if (pl->tel && pl->nw && pl->w[0] && (pl->pkts || !strcmp(status, "ok")))
		pipeline_summary(pl, now_s() - pl->t_start, status);
	if (pl->http) {
		/* a replay's final figures stay up a while for whoever scrapes */
		for (unsigned t = 0; t < pl->o->metrics_linger * 10 && !g_stop; t++) {
			struct timespec ts = { 0, 100 * 1000000 };
			nanosleep(&ts, NULL);
		}
		http_status_stop(pl->http);
		pl->http = NULL;
	}
	status_destroy(pl->status);
	pl->status = NULL;
	for (unsigned i = 0; i < pl->nw; i++) {
		worker_destroy(pl->w[i]);
		evq_destroy(pl->q[i]);
	}
	telemetry_destroy(pl->tel);
	analytics_destroy(pl->an);
	pl->an = NULL;
	evq_destroy(pl->an_q);
	pl->an_q = NULL;
	redis_sink_destroy(pl->redis);
	pl->redis = NULL;
	if (pl->pref && !pl->o->quiet) {
		uint64_t ok, failed;
		policy_ref_reloads(pl->pref, &ok, &failed);
		const struct policy *cur = policy_ref_get(pl->pref);
		fprintf(stderr, "policy         %s (hash %016llx), %llu reloads, %llu refused\n",
			pl->o->policy_path, (unsigned long long)(cur ? policy_hash(cur) : 0),
			(unsigned long long)ok, (unsigned long long)failed);
	}
	policy_ref_destroy(pl->pref);
	pl->pref = NULL;
	classifier_destroy(pl->names_cls);
	pl->names_cls = NULL;
	if (pl->out_owned && fclose(pl->out) != 0 && !rc) {
		fprintf(stderr, "vigia: closing events file failed\n");
		rc = EXIT_INPUT;
	}
	return rc;
}

/* ---- packet delivery ---------------------------------------------------- */

void show_progress(struct pipeline *pl, uint64_t pkts, uint64_t done,
			  uint64_t total, int final)
{
	double t = now_s();

	if (!final && t - pl->t_last_progress < 0.25)
		return;
	pl->t_last_progress = t;
	double pct = total ? 100.0 * (double)done / (double)total : 0;
	double el = t - pl->t_start;
	fprintf(stderr, "\r%12" PRIu64 " packets  %5.1f%%  %7.3f Mpps  %6.1f s",
		pkts, pct > 100 ? 100.0 : pct,
		el > 0 ? (double)pkts / el / 1e6 : 0.0, el);
}

void deliver_one(void *ctx, const struct pkt *p)
{
	struct pipeline *pl = ctx;

	worker_process(pl->w[0], p, 1);
	pl->pkts++;
}

/* Root was needed to open the capture and the listeners, not to run:
 * become --user (keeping what `keep` says), then tell systemd we are up. */
int become_service(struct pipeline *pl, int keep, int live, const char *what)
{
	char err[256];
	/* made or opened as root, written and reopened as the user */
	const char *own[] = { pl->out_owned ? pl->o->out_path : "", pl->o->state_dir ? pl->o->state_dir : "",
			      pl->o->rcfg.spool_dir ? pl->o->rcfg.spool_dir : "", NULL };

	if (pl->o->user &&
	    service_drop_privileges(pl->o->user, pl->o->group, keep, own, err, sizeof(err)) != 0) {
		log_err("%s", err);
		return -1;
	}
	service_ready(what);
	if (live)
		state_checkpoints_start(pl);
	if (service_watchdog_start(&g_heartbeat) != 0)
		log_warn("cannot start the watchdog thread");
	return 0;
}

void watchdog_tick(void)
{
	g_heartbeat++;
}


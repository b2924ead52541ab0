#include "telemetry.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sched.h>
#include <unistd.h>

#define BATCH 64
#define OUTBUF (1u << 20)
#define LINEMAX (64u << 10)

struct telemetry {
	struct telemetry_cfg cfg;
	struct eve_encoder *enc;
	struct evq *qs[TELEMETRY_MAX_QUEUES];
	unsigned nq;
	pthread_t thr;
	int started;
	int stop;                /* atomic: producers are done, drain and exit */
	int reopen;              /* atomic: reopen the output file */
	char *out;
	size_t outlen;
	struct telemetry_stats st;   /* written by the thread, read atomically */
};

struct telemetry *telemetry_create(const struct telemetry_cfg *cfg)
{
	struct telemetry *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->cfg = *cfg;
	if (!t->cfg.flush_ms)
		t->cfg.flush_ms = 200;
	t->enc = eve_encoder_create(cfg->sensor, &cfg->names,
				    cfg->community_id_seed);
	if (t->enc)
		eve_set_pseudonym_key(t->enc, cfg->pseudonym_key,
				      sizeof(cfg->pseudonym_key));
	t->out = malloc(OUTBUF);
	if (!t->enc || !t->out) {
		int e = errno ? errno : ENOMEM;
		telemetry_destroy(t);
		errno = e;
		return NULL;
	}
	return t;
}

int telemetry_add_queue(struct telemetry *t, struct evq *q)
{
	if (t->started || t->nq >= TELEMETRY_MAX_QUEUES)
		return -ENOSPC;
	t->qs[t->nq++] = q;
	return 0;
}

static void flush_out(struct telemetry *t)
{
	if (__atomic_exchange_n(&t->reopen, 0, __ATOMIC_ACQ_REL) && t->cfg.out &&
	    t->cfg.out_path) {
		/* same FILE (whoever holds it keeps a valid pointer), new file
		 * under it; when the path cannot be opened the old file goes on
		 * (freopen would have closed it: every later event lost) */
		fflush(t->cfg.out);
		int fd = open(t->cfg.out_path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd >= 0 && dup2(fd, fileno(t->cfg.out)) >= 0)
			__atomic_fetch_add(&t->st.reopens, 1, __ATOMIC_RELAXED);
		else
			__atomic_fetch_add(&t->st.reopen_errors, 1, __ATOMIC_RELAXED);
		if (fd >= 0)
			close(fd);
	}
	if (!t->outlen)
		return;
	if (t->cfg.out) {
		if (fwrite(t->out, 1, t->outlen, t->cfg.out) != t->outlen)
			__atomic_fetch_add(&t->st.write_errors, 1, __ATOMIC_RELAXED);
		fflush(t->cfg.out);
	}
	__atomic_fetch_add(&t->st.bytes, t->outlen, __ATOMIC_RELAXED);
	t->outlen = 0;
}

static enum redis_family family_of(const struct event *ev)
{
	switch (ev->type) {
	case EV_ANOMALY: return RF_ANOMALIES;
	case EV_STATS: return RF_STATS;
	case EV_IOT: return RF_STATS;
	case EV_ALERT: return RF_ALERTS;
	case EV_SESSION: return RF_SESSIONS;
	default: return RF_FLOWS;
	}
}

static const char *type_name(const struct event *ev)
{
	switch (ev->type) {
	case EV_ANOMALY: return "anomaly";
	case EV_STATS: return "stats";
	case EV_IOT: return "stats";
	case EV_ALERT: return "alert";
	case EV_SESSION: return "session";
	default: return "flow";
	}
}

/* The telemetry thread's own counters, inside every stats event. */
static void stats_fragment(struct telemetry *t)
{
	char buf[1024];
	uint64_t dropped = 0;
	int n;

	for (unsigned i = 0; i < t->nq; i++)
		dropped += evq_dropped(t->qs[i]);
	n = snprintf(buf, sizeof(buf), ",\"telemetry\":{\"events\":%llu,"
		     "\"queue_dropped\":%llu",
		     (unsigned long long)t->st.events, (unsigned long long)dropped);
	if (t->cfg.redis) {
		struct redis_sink_stats rs;
		redis_sink_get_stats(t->cfg.redis, &rs);
		n += snprintf(buf + n, sizeof(buf) - (size_t)n,
			      ",\"redis\":{\"connected\":%s,\"sent\":%llu,"
			      "\"duplicates\":%llu,\"spooled\":%llu,"
			      "\"spool_dropped\":%llu,\"errors\":%llu,"
			      "\"reconnects\":%llu,\"spool_bytes\":%llu}",
			      rs.connected ? "true" : "false",
			      (unsigned long long)rs.sent,
			      (unsigned long long)rs.duplicates,
			      (unsigned long long)rs.spooled,
			      (unsigned long long)rs.spool_dropped,
			      (unsigned long long)rs.errors,
			      (unsigned long long)rs.reconnects,
			      (unsigned long long)rs.spool_bytes);
	}
	snprintf(buf + n, sizeof(buf) - (size_t)n, "}");
	eve_set_stats_extra(t->enc, buf);
}

static unsigned drain_once(struct telemetry *t)
{
	struct event *evs[BATCH];
	unsigned total = 0;

	for (unsigned i = 0; i < t->nq; i++) {
		unsigned n = evq_poll(t->qs[i], evs, BATCH);
		for (unsigned k = 0; k < n; k++) {
			if (OUTBUF - t->outlen < LINEMAX)
				flush_out(t);
			if (evs[k]->type == EV_STATS)
				stats_fragment(t);
			status_event(t->cfg.status, evs[k]);
			long l = eve_encode(t->enc, evs[k], t->out + t->outlen,
					    LINEMAX);
			if (l < 0) {
				__atomic_fetch_add(&t->st.encode_errors, 1,
						   __ATOMIC_RELAXED);
				continue;
			}
			if (t->cfg.redis)
				redis_sink_write(t->cfg.redis, family_of(evs[k]),
						 type_name(evs[k]),
						 t->out + t->outlen, (size_t)l - 1,
						 evs[k]->type == EV_ALERT ? evs[k]->u.alert.severity : 0,
						 evs[k]->segment[0] ? evs[k]->segment : NULL,
						 evs[k]->ts_us);
			if (!t->cfg.out)
				l = 0; /* no file sink: the buffer is scratch */
			t->outlen += (size_t)l;
			__atomic_fetch_add(&t->st.events, 1, __ATOMIC_RELAXED);
			if (evs[k]->type == EV_FLOW)
				__atomic_fetch_add(&t->st.flows, 1, __ATOMIC_RELAXED);
			else if (evs[k]->type == EV_STATS)
				__atomic_fetch_add(&t->st.stats, 1, __ATOMIC_RELAXED);
			else if (evs[k]->type == EV_ALERT)
				__atomic_fetch_add(&t->st.alerts, 1, __ATOMIC_RELAXED);
			else
				__atomic_fetch_add(&t->st.anomalies, 1,
						   __ATOMIC_RELAXED);
		}
		if (n)
			evq_release(t->qs[i], evs, n);
		total += n;
	}
	return total;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* At stop: give Redis a few seconds to take what is queued and spooled;
 * whatever is left stays in the spool for the next start. */
static void final_redis(struct telemetry *t)
{
	if (!t->cfg.redis)
		return;
	uint64_t deadline = mono_ms() + 3000, left;
	while ((left = redis_sink_flush(t->cfg.redis)) > 0 && mono_ms() < deadline) {
		struct timespec ts = { 0, 50 * 1000000 };
		nanosleep(&ts, NULL);
	}
	t->st.redis_pending = left;
}

void thread_unpin(void)
{
	cpu_set_t all;

	CPU_ZERO(&all);
	for (int i = 0; i < CPU_SETSIZE && i < (int)sysconf(_SC_NPROCESSORS_CONF); i++)
		CPU_SET(i, &all);
	pthread_setaffinity_np(pthread_self(), sizeof(all), &all);
}

static void *telemetry_main(void *arg)
{
	struct telemetry *t = arg;
	uint64_t last_flush = mono_ms();

	pthread_setname_np(pthread_self(), "vigia-telemetry");
	/* Threads inherit the creator's CPU set: under DPDK that is one lcore's
	 * core, where a worker busy-polls. Encoding must be free to run on any
	 * core, or a lossless queue would stall the workers behind it. */
	thread_unpin();
	for (;;) {
		int stopping = __atomic_load_n(&t->stop, __ATOMIC_ACQUIRE);
		unsigned n = drain_once(t);
		uint64_t now = mono_ms();

		if (now - last_flush >= t->cfg.flush_ms) {
			flush_out(t);
			if (t->cfg.redis) {
				char cmd[64];
				redis_sink_flush(t->cfg.redis);
				if (t->cfg.on_control &&
				    redis_sink_poll_control(t->cfg.redis, cmd, sizeof(cmd)))
					t->cfg.on_control(t->cfg.control_ctx, cmd);
			}
			last_flush = now;
		}
		if (n == 0) {
			if (stopping)
				break; /* queues were empty after stop was seen */
			/* idle: nothing to batch with, send now (alerts reach the
			 * SOC in milliseconds; under load batches fill instead) */
			if (t->cfg.redis && redis_sink_pending(t->cfg.redis))
				redis_sink_flush(t->cfg.redis);
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	flush_out(t);
	final_redis(t);
	return NULL;
}

int telemetry_start(struct telemetry *t)
{
	int rc = pthread_create(&t->thr, NULL, telemetry_main, t);

	if (rc)
		return -rc;
	t->started = 1;
	return 0;
}

int telemetry_stop(struct telemetry *t)
{
	if (t->started) {
		__atomic_store_n(&t->stop, 1, __ATOMIC_RELEASE);
		pthread_join(t->thr, NULL);
		t->started = 0;
	} else {
		/* never started: drain inline so nothing is lost */
		while (drain_once(t))
			;
		flush_out(t);
		final_redis(t);
	}
	return t->st.write_errors ? -EIO : 0;
}

void telemetry_get_stats(const struct telemetry *t, struct telemetry_stats *s)
{
	s->events = __atomic_load_n(&t->st.events, __ATOMIC_RELAXED);
	s->bytes = __atomic_load_n(&t->st.bytes, __ATOMIC_RELAXED);
	s->encode_errors = __atomic_load_n(&t->st.encode_errors, __ATOMIC_RELAXED);
	s->write_errors = __atomic_load_n(&t->st.write_errors, __ATOMIC_RELAXED);
	s->flows = __atomic_load_n(&t->st.flows, __ATOMIC_RELAXED);
	s->anomalies = __atomic_load_n(&t->st.anomalies, __ATOMIC_RELAXED);
	s->stats = __atomic_load_n(&t->st.stats, __ATOMIC_RELAXED);
	s->alerts = __atomic_load_n(&t->st.alerts, __ATOMIC_RELAXED);
	s->reopens = __atomic_load_n(&t->st.reopens, __ATOMIC_RELAXED);
	s->reopen_errors = __atomic_load_n(&t->st.reopen_errors, __ATOMIC_RELAXED);
	s->redis_pending = t->st.redis_pending;
	if (t->cfg.redis)
		redis_sink_get_stats(t->cfg.redis, &s->redis);
	else
		memset(&s->redis, 0, sizeof(s->redis));
}

void telemetry_destroy(struct telemetry *t)
{
	if (!t)
		return;
	if (t->started)
		telemetry_stop(t);
	eve_encoder_destroy(t->enc);
	free(t->out);
	free(t);
}

void telemetry_reopen(struct telemetry *t)
{
	__atomic_store_n(&t->reopen, 1, __ATOMIC_RELEASE);
}

/* telemetry: the thread that drains the workers' event queues, encodes each
 * event once (EVE JSON) and writes it to the sinks.
 *
 * A worker never waits on a sink: its queue is bounded (evq.h). The thread
 * batches output and flushes on a full batch and on a timer, so a quiet
 * link still gets its events out promptly.
 */
#ifndef VIGIA_TELEMETRY_H
#define VIGIA_TELEMETRY_H

#include <stdint.h>
#include <stdio.h>

#include "eve.h"
#include "evq.h"
#include "sink_redis.h"
#include "status.h"

#define TELEMETRY_MAX_QUEUES 64

struct telemetry_cfg {
	const char *sensor;
	struct eve_names names;
	FILE *out;               /* NDJSON sink; NULL: encode and discard */
	const char *out_path;    /* its file, for telemetry_reopen (logrotate);
				  * NULL: stdout or a pipe, never reopened */
	unsigned flush_ms;       /* timer flush; 0 = 200 ms */
	uint16_t community_id_seed;
	struct redis_sink *redis;    /* optional second sink; owned by caller */
	uint8_t pseudonym_key[32];   /* HMAC key for pseudonymised addresses */
	struct status *status;       /* live status page aggregate, or NULL */
	/* commands from the Redis control stream (e.g. "reload-policy") */
	void (*on_control)(void *ctx, const char *cmd);
	void *control_ctx;
};

struct telemetry_stats {
	uint64_t events;         /* lines written */
	uint64_t bytes;
	uint64_t encode_errors;  /* record did not fit a line buffer */
	uint64_t write_errors;
	uint64_t flows, anomalies, stats, alerts;
	uint64_t reopens, reopen_errors;
	struct redis_sink_stats redis;
	uint64_t redis_pending;      /* left in the spool at stop */
};

struct telemetry;

/* Returns NULL with errno set. Does not start the thread. */
struct telemetry *telemetry_create(const struct telemetry_cfg *cfg);
/* Attach a worker's queue; only before telemetry_start(). 0 or -ENOSPC. */
int telemetry_add_queue(struct telemetry *t, struct evq *q);
/* 0 or -errno from pthread_create. */
int telemetry_start(struct telemetry *t);
/* Drain every queue to empty, flush sinks, join the thread. Producers must
 * have stopped producing. Returns 0, or -EIO if a sink write failed. */
int telemetry_stop(struct telemetry *t);
void telemetry_get_stats(const struct telemetry *t, struct telemetry_stats *s);
/* Reopen the output file by its path before the next write (after
 * logrotate moved it: SIGHUP/SIGUSR1). Any thread; the telemetry thread
 * does it between two whole lines. */
void telemetry_reopen(struct telemetry *t);
void telemetry_destroy(struct telemetry *t);

/* Let the calling thread run on any core: threads inherit their creator's
 * CPU set, under DPDK one lcore's, where a worker busy-polls. */
void thread_unpin(void);

#endif

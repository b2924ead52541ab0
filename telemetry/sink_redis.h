/* sink_redis: events to Redis Streams, nothing lost, nothing twice.
 *
 * One stream per sensor and event family: PREFIX:{SENSOR}:flows, :alerts,
 * :stats, :anomalies ({SENSOR} is a Redis Cluster hash tag). Each entry is
 * the EVE JSON plus flat fields for filtering, under an explicit stream id
 * chosen here: <start-ms>-<n>, strictly increasing per stream. Writes are
 * pipelined in batches. When Redis is unreachable, entries go to an on-disk
 * spool (bounded; when full, the oldest flows/stats/anomalies go before any
 * alert) and are replayed in order on reconnect - and after a restart. An
 * entry Redis rejects because its id is not above the stream's last one
 * already landed before the outage: that rejection counts as delivered.
 * Runs on the telemetry thread only.
 */
#ifndef VIGIA_SINK_REDIS_H
#define VIGIA_SINK_REDIS_H

#include <stddef.h>
#include <stdint.h>

enum redis_family { RF_FLOWS = 0, RF_ALERTS, RF_STATS, RF_ANOMALIES, RF_SESSIONS, RF_MAX };

struct redis_sink_cfg {
	const char *host;          /* default 127.0.0.1 */
	int port;                  /* default 6379 */
	const char *unix_path;     /* instead of host/port */
	const char *user;          /* ACL user (Redis 6+), NULL: none */
	const char *password;      /* NULL: no AUTH; never logged */
	int db;
	const char *prefix;        /* default "vigia" */
	const char *sensor;
	unsigned maxlen;           /* MAXLEN ~ per stream, 0: unbounded */
	unsigned batch;            /* entries per pipeline, default 256 */
	unsigned timeout_ms;       /* connect and command timeout, default 2000 */
	const char *spool_dir;     /* NULL: no spool (outage loses events) */
	uint64_t spool_max_bytes;  /* default 256 MiB */
	const char *publish_channel; /* PUBLISH alerts there too; NULL: off */
};

struct redis_sink_stats {
	uint64_t sent;             /* entries Redis acknowledged */
	uint64_t duplicates;       /* rejected as already there (replays) */
	uint64_t spooled;          /* entries written to the spool */
	uint64_t spool_dropped;    /* dropped because the spool was full */
	uint64_t errors;           /* other Redis errors (entry dropped) */
	uint64_t reconnects;
	uint64_t spool_bytes;      /* current spool size */
	uint64_t pending;          /* entries queued or spooled, not yet sent */
	int connected;
	/* packet time to XADD acknowledged, for alerts and anomalies (their
	 * time is their packet's) on live links */
	uint64_t latency_samples;
	double latency_p50_ms, latency_p99_ms;
};

struct redis_sink;
struct redisContext;

/* Connect, then AUTH (user optional) and SELECT when asked: how vigia opens
 * every Redis connection (sink, consumer). NULL with one line in err (never
 * the password); *refused is 1 when the server said no rather than being
 * unreachable. */
struct redisContext *redis_open(const char *host, int port, const char *unix_path,
				const char *user, const char *password, int db,
				unsigned timeout_ms, int *refused, char *err,
				size_t errlen);

/* Connect (and AUTH, SELECT) and open/resume the spool. An unreachable
 * server is not fatal when a spool is configured (events wait on disk);
 * a refused AUTH always is. NULL with one line in err. */
/* Where Redis is, as the command line says it: "HOST[:PORT]", "[V6]:PORT"
 * or "unix:PATH"; the host is copied to buf, which must outlive c. */
void redis_cfg_address(struct redis_sink_cfg *c, const char *addr, char *buf, size_t cap);
/* The first line of FILE (no newline) as c's password, kept in buf. 0, or
 * -1 with errno (ENODATA: the file is empty). */
int redis_cfg_password_file(struct redis_sink_cfg *c, const char *path, char *buf, size_t cap);

struct redis_sink *redis_sink_create(const struct redis_sink_cfg *cfg,
				     char *err, size_t errlen);

/* Queue one event (its JSON line, without the newline). severity 0 = none;
 * segment may be NULL; ts_us is the packet time the event is about (for
 * the packet-to-XADD latency, meaningful on live links). Sends when a
 * batch is full. 0 or -errno (ENOMEM). */
int redis_sink_write(struct redis_sink *s, enum redis_family fam,
		     const char *event_type, const char *json, size_t len,
		     int severity, const char *segment, uint64_t ts_us);

/* Send what is queued, reconnect when due, replay the spool. Call on a
 * timer and before exit. Returns the number of entries still pending. */
uint64_t redis_sink_flush(struct redis_sink *s);

/* Control channel: the next command written to PREFIX:{SENSOR}:control
 * (an entry with a "cmd" field) since vigia started, e.g. "reload-policy".
 * Non-blocking. 1 with the command in cmd, 0 when none (or not connected). */
int redis_sink_poll_control(struct redis_sink *s, char *cmd, size_t cap);

/* Entries queued in memory, not yet sent. */
uint64_t redis_sink_pending(const struct redis_sink *s);
/* The counters as of the sink's last write or flush: from any thread (the
 * metrics'), a Redis stall never holds the caller up. */
void redis_sink_get_stats(struct redis_sink *s, struct redis_sink_stats *st);
void redis_sink_destroy(struct redis_sink *s);

/* The stream key of a family: "PREFIX:{SENSOR}:flows". */
void redis_sink_key(const struct redis_sink_cfg *cfg, enum redis_family fam,
		    char *out, size_t cap);

#endif

/* status: the live picture an operator reads over HTTP (http_status.h).
 *
 * Two inputs feed it. The telemetry thread hands it every event it encodes
 * (status_event): from those it keeps the last alerts, and the top
 * applications and talkers by bytes over a sliding window of packet time.
 * The owner's counters arrive as a metrics_snapshot, filled on demand by a
 * callback the owner provides (status_fill_fn); status_sample() keeps the
 * latest one and a one-second packets/s, bytes/s series on the wall clock.
 *
 * One mutex guards the aggregate: neither caller is the packet path. Every
 * table is bounded; nothing here allocates after status_create().
 */
#ifndef VIGIA_STATUS_H
#define VIGIA_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define STATUS_MAX_DETECTORS 32      /* detector ids in a snapshot */
#define STATUS_MAX_WORKERS 64
#define STATUS_SEVERITIES 4          /* alert severity 1 (highest) .. 4 */
#define STATUS_SERIES 120            /* one-second samples kept */
#define STATUS_ALERTS 50             /* recent alerts kept */
#define STATUS_TOP 10                /* rows of the top tables */
#define STATUS_WINDOW_S 300          /* top tables: last 5 min of packet time */

/* Where packets or events were lost: field name = Prometheus reason label.
 * X(name, help) */
#define STATUS_DROP_REASONS(X)                                                 \
	X(nic_missed, "the NIC had no descriptor for the packet (imissed)")    \
	X(nic_nombuf, "the NIC had no mbuf for the packet (rx_nombuf)")        \
	X(ring_full, "the hand-over ring to a worker was full")                \
	X(events_dropped, "a worker's event queue to telemetry was full")      \
	X(sink_dropped, "a sink lost the event (spool full, write error)")

/* The owner's counters at one instant. Counters are cumulative since
 * start; gauges are the value now. Strings are NUL terminated. */
struct metrics_snapshot {
	char sensor[64];
	char version[32];
	double uptime_s;
	uint64_t packets, bytes;
	struct {
#define STATUS_DROP_FIELD_(name, help) uint64_t name;
		STATUS_DROP_REASONS(STATUS_DROP_FIELD_)
#undef STATUS_DROP_FIELD_
	} drops;
	struct {
		uint64_t active;             /* gauge */
		uint64_t created, ended, evicted;
	} flows;
	unsigned ndetectors;             /* entries used in alerts_by_detector */
	struct {
		char id[16];                 /* the detector's id (event.h) */
		uint64_t count;
	} alerts_by_detector[STATUS_MAX_DETECTORS];
	uint64_t alerts_by_severity[STATUS_SEVERITIES]; /* [0]: severity 1 */
	struct {
		int enabled, connected;      /* gauges, 0 or 1 */
		uint64_t sent;               /* entries Redis acknowledged */
		uint64_t pending;            /* gauge: waiting (queue + spool) */
		uint64_t spooled;            /* entries written to the spool */
		uint64_t reconnects;
	} redis;
	struct {
		int loaded;                  /* gauge, 0 or 1 */
		uint64_t hash;               /* the loaded policy's, 0: none */
		uint64_t reloads_ok, reloads_failed;
	} policy;
	unsigned nworkers;               /* entries used in workers */
	struct {
		uint64_t packets;
		double busy_ratio;           /* 0..1 over the last interval */
	} workers[STATUS_MAX_WORKERS];
};

/* Fills *m (zeroed by the caller; http_status presets version to
 * VIGIA_VERSION) with the owner's counters now. Called on the HTTP thread:
 * it must only read what is safe to read from there. */
typedef void (*status_fill_fn)(void *ctx, struct metrics_snapshot *m);

struct status;

/* Returns NULL with errno = ENOMEM. */
struct status *status_create(void);
/* NULL is a no-op. */
void status_destroy(struct status *s);

/* One event as the telemetry thread encoded it. EV_FLOW adds its bytes to
 * its application and to its source (the client) in the window ending at
 * the newest packet time seen (packet time going back more than an hour,
 * another capture, restarts the window); EV_ALERT joins the recent
 * alerts (the oldest of STATUS_ALERTS goes); other
 * types are counted. Addresses an event marks as pseudonymised (ev->pseudo)
 * are never stored: they show as "pseudonymised". s NULL: no-op. */
void status_event(struct status *s, const struct event *ev);

/* The alerts status_event saw, by detector and by severity, into m. */
void status_alert_counts(struct status *s, struct metrics_snapshot *m);

/* Keep m as the latest snapshot, taken at wall-clock time now_s (seconds).
 * One packets/s and bytes/s sample per elapsed wall-clock second is added
 * to the series, the rate since the previous snapshot (a gap of several
 * seconds gets the gap's average in each); calls within the same second
 * only update the snapshot. A counter that went backwards counts as 0. */
void status_sample(struct status *s, const struct metrics_snapshot *m,
		   double now_s);

/* Prometheus text exposition format 0.0.4 of m: # HELP and # TYPE for each
 * family, names prefixed vigia_, counters ending _total, every series
 * labelled with the sensor. Writes at most cap bytes plus nothing else (no
 * NUL). Returns the length, or 0 if it does not fit in cap. */
size_t status_prometheus(const struct metrics_snapshot *m, char *buf,
			 size_t cap);

/* The JSON document the status page reads: "snapshot" (the latest, or
 * zeros), "rate" (the last sample), "series" (oldest first), "top_apps",
 * "top_talkers", "alerts" (newest first), "health" (sink and policy),
 * "events" (counts by type; "late": flows older than the window,
 * "apps_evicted"/"talkers_evicted": keys a full table pushed out while
 * they still had traffic in the window), "window_s", "time" (of the
 * snapshot). Writes at most cap bytes (no NUL).
 * Returns the length, or 0 if it does not fit in cap. */
size_t status_json(struct status *s, char *buf, size_t cap);

#endif

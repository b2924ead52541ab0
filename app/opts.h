/* opts: what one run of vigia was told (command line and config file),
 * filled from the option table (optable.h). */
#ifndef VIGIA_OPTS_H
#define VIGIA_OPTS_H

#include <stddef.h>
#include <stdint.h>

#include "../dataplane/capture_dpdk.h"
#include "../dataplane/classify.h"
#include "../dataplane/flow_table.h"
#include "../telemetry/sink_redis.h"

struct opts {
	const char *out_path;
	const char *summary_json;
	const char *sensor;
	const char *iface;
	unsigned workers;
	int quiet;
	int progress;            /* -1 auto (stderr is a TTY) */
	struct flow_table_cfg ft;
	struct classify_cfg cls;
	unsigned evq_slots;
	uint16_t cid_seed;
	int raw_read;            /* bench: read the input, nothing else */
	int decode_only;         /* bench: read and decode, nothing else */
	struct dpdk_opts dpdk;
	unsigned stats_interval; /* stats events every N s of packet time;
				  * dpdk: port counters on stderr too */
	const char *redis;       /* HOST[:PORT] or unix:PATH */
	const char *policy_path;
	const char *detectors;       /* --detectors: comma list, "none" */
	size_t reasm_mb;             /* --reasm-mem: outer IPv4 reassembly, MiB */
	unsigned reasm_timeout_s;    /* --reasm-timeout: a datagram's fragments
				      * wait this long (packet time), 0: 30 */
	unsigned max_sessions;       /* --max-sessions: PDU sessions per worker */
	const char *pseudonym_key_file;
	const char *state_dir;       /* --state-dir: spool (and future state) */
	unsigned state_interval;     /* --state-interval: checkpoint every S s */
	int state_interval_set;
	const char *user, *group;    /* --user/--group: drop root to them */
	int allow_root;              /* --allow-root (or VIGIA_ALLOW_ROOT=1) */
	const char *metrics_listen;  /* --metrics-listen HOST:PORT */
	unsigned metrics_linger;     /* --metrics-linger S: serve S s after the end */
	char spool_buf[512];
	struct redis_sink_cfg rcfg;
	char redis_host[256];
	char redis_password[256];
	unsigned preload;        /* bench: preload, replay N times */
};

#endif

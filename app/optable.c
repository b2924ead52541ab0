/* optable: the one option table (see optable.h). */
#include "optable.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "opts.h"
#include "../dataplane/decode.h"
#include "../telemetry/log.h"

#define YEAR_S (86400ul * 365)
#define F(m) offsetof(struct opts, m), sizeof(((struct opts *)0)->m), NULL
#define SET(fn) 0, 0, fn
#define NOFIELD 0, 0, NULL

enum { S_GENERAL, S_SERVICE, S_STATS, S_DPDK, S_BENCH, S_NDPI, S_MAX };
static const char *const sections[S_MAX] = {
	[S_GENERAL] = "options (also in a config file: --config FILE, see deploy/vigia.yaml):",
	[S_SERVICE] = "  running as a service:",
	[S_STATS] = "  statistics and Redis:",
	[S_DPDK] = "  dpdk:",
	[S_BENCH] = "  benchmarking (replay only):",
	[S_NDPI] = "  nDPI list files, as ndpiReader:",
};

static int set_log_level(struct opts *o, const char *v, unsigned long n)
{
	(void)o, (void)n;
	log_set_level((enum log_level)log_parse_level(v)); /* checked: K_ENUM */
	return 0;
}

static int set_port(struct opts *o, const char *v, unsigned long n)
{
	(void)n;
	if (o->dpdk.nports >= DPDK_MAX_PORTS) {
		fprintf(stderr, "vigia: at most %d --port\n", DPDK_MAX_PORTS);
		return 2;
	}
	o->dpdk.ports[o->dpdk.nports++] = v;
	return 0;
}

static int set_metrics(struct opts *o, const char *v, unsigned long n)
{
	(void)n;
	o->metrics_listen = strcmp(v, "off") ? v : NULL;
	return 0;
}

static int set_gtp_depth(struct opts *o, const char *v, unsigned long n)
{
	(void)o, (void)v;
	decode_set_gtp_depth((unsigned)n);
	return 0;
}

static int set_password_file(struct opts *o, const char *v, unsigned long n)
{
	(void)n;
	if (redis_cfg_password_file(&o->rcfg, v, o->redis_password, sizeof(o->redis_password))) {
		fprintf(stderr, "vigia: --redis-password-file %s: %s\n", v,
			errno == ENODATA ? "empty" : strerror(errno));
		return 2;
	}
	return 0;
}

static int set_spool_max(struct opts *o, const char *v, unsigned long n)
{
	(void)v;
	o->rcfg.spool_max_bytes = (uint64_t)n << 20;
	return 0;
}

static int set_state_interval(struct opts *o, const char *v, unsigned long n)
{
	(void)v;
	o->state_interval = (unsigned)n;
	o->state_interval_set = 1;
	return 0;
}

/* Config keys first, in the order deploy/vigia.yaml presents them (the
 * valid-key lists of config errors follow it); then the command line's own. */
const struct optdef optable[] = {
	{ "sensor", "--sensor", 0, K_STR, 0, 0, NULL, "NAME", "hostname", F(sensor), S_GENERAL,
	  "sensor name in every event" },
	{ "workers", "--workers", 'w', K_UINT, 1, 64, NULL, "N", "1", F(workers), S_GENERAL,
	  "worker pipelines" },
	{ "log_level", "--log-level", 0, K_ENUM, 0, 0, "error|warn|info|debug", "L", "info",
	  SET(set_log_level), S_SERVICE, "error, warn, info, debug" },
	{ "quiet", "--quiet", 'q', K_BOOL, 0, 0, NULL, NULL, NULL, F(quiet), S_GENERAL,
	  "no progress and no summary on stderr" },
	{ "state_dir", "--state-dir", 0, K_PATH, 0, 0, NULL, "DIR", NULL, F(state_dir), S_SERVICE,
	  "persistent state (Redis spool: DIR/spool by default)" },
	{ "state_interval", "--state-interval", 0, K_UINT, 0, 86400, NULL, "S", "300",
	  SET(set_state_interval), S_SERVICE,
	  "live capture: save learnt state (state dir, Redis)\n"
	  "every S seconds (0: only at exit), and take\n"
	  "what other sensors saved to the same Redis" },
	{ "user", "--user", 0, K_STR, 0, 0, NULL, "U", NULL, F(user), S_SERVICE,
	  "once the capture and listeners are open, drop\n"
	  "root to U (keeping no capability, CAP_NET_RAW/ADMIN for\n"
	  "DPDK); as root without --user, only capture\n"
	  "commands run unless --allow-root (VIGIA_ALLOW_ROOT=1)" },
	{ "group", "--group", 0, K_STR, 0, 0, NULL, "G", NULL, F(group), S_SERVICE,
	  "the group to drop to with --user" },
	{ "capture.mode", NULL, 0, K_MODE, 0, 0, "dpdk|pcap", NULL, NULL, NOFIELD, S_GENERAL, NULL },
	{ "capture.interface", "--interface", 'i', K_STR, 0, 0, NULL, "IFACE", NULL, F(iface),
	  S_GENERAL, "live: the interface to capture on" },
	{ "capture.dpdk.eal", NULL, 0, K_EAL, 0, CONFIG_MAX_LIST, NULL, NULL, NULL, NOFIELD,
	  S_DPDK, NULL },
	{ "capture.dpdk.ports", "--port", 0, K_LIST, 0, DPDK_MAX_PORTS, NULL, "NAME", "first",
	  SET(set_port), S_DPDK,
	  "device (PCI address or vdev name); repeat for\n"
	  "several ports (each worker polls its queue on every port)" },
	{ "capture.dpdk.mbufs", "--mbufs", 0, K_UINT, 1, 1ul << 26, NULL, "N", "8192 per queue",
	  F(dpdk.nb_mbufs), S_DPDK, "mempool size" },
	{ "capture.dpdk.rx_desc", "--rx-desc", 0, K_UINT, 32, 32768, NULL, "N", "1024",
	  F(dpdk.rx_desc), S_DPDK, "RX descriptors per queue" },
	{ "flow_table.max_flows", "--max-flows", 0, K_UINT, 1, 1ul << 28, NULL, "N", "1048576",
	  F(ft.max_flows), S_GENERAL, "flow table size per worker" },
	{ "flow_table.classify_slots", "--classify-slots", 0, K_UINT, 1, 1ul << 26, NULL, "N",
	  "262144", F(cls.max_slots), S_GENERAL, "flows classified at once per worker" },
	{ "flow_table.tcp_timeout", "--tcp-timeout", 0, K_UINT, 0, YEAR_S, NULL, "S", "600",
	  F(ft.timeout_s[FC_TCP_EST]), S_GENERAL, "idle timeout of established TCP" },
	{ "flow_table.tcp_new_timeout", "--tcp-new-timeout", 0, K_UINT, 0, YEAR_S, NULL, "S", "30",
	  F(ft.timeout_s[FC_TCP_NEW]), S_GENERAL,
	  "idle timeout of TCP before the handshake completes" },
	{ "flow_table.closed_timeout", "--closed-timeout", 0, K_UINT, 0, YEAR_S, NULL, "S", "10",
	  F(ft.timeout_s[FC_CLOSED]), S_GENERAL, "linger after FIN/RST" },
	{ "flow_table.udp_timeout", "--udp-timeout", 0, K_UINT, 0, YEAR_S, NULL, "S", "120",
	  F(ft.timeout_s[FC_OTHER]), S_GENERAL, "idle timeout of UDP and other flows" },
	{ "flow_table.active_timeout", "--active-timeout", 0, K_UINT, 0, YEAR_S, NULL, "S", "1800",
	  F(ft.active_timeout_s), S_GENERAL, "export long flows every S seconds (0 off)" },
	{ "events_per_worker", "--events", 0, K_UINT, 64, 1ul << 22, NULL, "N", "65536",
	  F(evq_slots), S_GENERAL, "event queue slots per worker" },
	{ "outputs.file", "--output", 'o', K_PATH, 0, 0, NULL, "FILE", NULL, F(out_path), S_GENERAL,
	  "NDJSON events (EVE) to FILE; '-' for stdout.\n"
	  "Default: stdout when it is not a terminal." },
	{ "outputs.redis.address", "--redis", 0, K_STR, 0, 0, NULL, "HOST[:PORT]|unix:PATH", NULL,
	  F(redis), S_STATS,
	  "also send events to Redis Streams\n"
	  "PREFIX:{SENSOR}:flows|alerts|stats|anomalies|sessions" },
	{ "outputs.redis.user", "--redis-user", 0, K_STR, 0, 0, NULL, "U", NULL, F(rcfg.user),
	  S_STATS, "Redis ACL user" },
	{ "outputs.redis.password_file", "--redis-password-file", 0, K_PATH, 0, 0, NULL, "F", NULL,
	  SET(set_password_file), S_STATS, "Redis password (or $VIGIA_REDIS_PASSWORD)" },
	{ "outputs.redis.db", "--redis-db", 0, K_UINT, 0, 1023, NULL, "N", "0", F(rcfg.db), S_STATS,
	  "Redis database" },
	{ "outputs.redis.prefix", "--redis-prefix", 0, K_STR, 0, 0, NULL, "P", "vigia",
	  F(rcfg.prefix), S_STATS, "stream key prefix" },
	{ "outputs.redis.maxlen", "--redis-maxlen", 0, K_UINT, 0, 1ul << 30, NULL, "N", NULL,
	  F(rcfg.maxlen), S_STATS, "MAXLEN ~ per stream (0: unbounded)" },
	{ "outputs.redis.batch", "--redis-batch", 0, K_UINT, 1, 65536, NULL, "N", "256",
	  F(rcfg.batch), S_STATS, "entries per pipeline" },
	{ "outputs.redis.publish", "--redis-publish", 0, K_STR, 0, 0, NULL, "CHANNEL", NULL,
	  F(rcfg.publish_channel), S_STATS, "PUBLISH alerts on CHANNEL too" },
	{ "outputs.spool.dir", "--spool-dir", 0, K_PATH, 0, 0, NULL, "DIR", NULL, F(rcfg.spool_dir),
	  S_STATS, "keep events on disk while Redis is down, replay\nthem on reconnect or next start" },
	{ "outputs.spool.max_mb", "--spool-max", 0, K_UINT, 1, 1ul << 20, NULL, "MB", "256",
	  SET(set_spool_max), S_STATS, "most the spool holds" },
	{ "policy", "--policy", 0, K_PATH, 0, 0, NULL, "FILE", NULL, F(policy_path), S_GENERAL,
	  "city policy (segments, allowed apps, intel): every\n"
	  "event gets its segment; violations and intel\n"
	  "matches raise alerts; SIGHUP reloads it atomically" },
	{ "pseudonym_key_file", "--pseudonym-key-file", 0, K_PATH, 0, 0, NULL, "F", NULL,
	  F(pseudonym_key_file), S_SERVICE,
	  "key for pseudonyms of addresses in segments with\n"
	  "pseudonymise: true (default: a random key per run)" },
	{ "detectors", "--detectors", 0, K_CSV, 0, CONFIG_MAX_LIST, NULL, "LIST", NULL,
	  F(detectors), S_GENERAL,
	  "run only these cross-flow detectors (comma list of\n"
	  "ids from 'vigia detectors'; 'none': no analytics)" },
	{ "stats_interval", "--stats-interval", 0, K_UINT, 0, 86400, NULL, "S", "0 (off)",
	  F(stats_interval), S_STATS,
	  "a stats event per worker every S seconds of packet\n"
	  "time, and one at the end; dpdk: port and queue\n"
	  "counters on stderr too" },
	{ "metrics.listen", "--metrics-listen", 0, K_STR, 0, 0, NULL, "A", NULL, SET(set_metrics),
	  S_SERVICE,
	  "Prometheus /metrics and the status page on HOST:PORT\n"
	  "(e.g. 127.0.0.1:9477; a port alone: loopback; 'off')" },
	{ "gtp_depth", "--gtp-depth", 0, K_UINT, 1, 8, NULL, "N", "1", SET(set_gtp_depth),
	  S_SERVICE,
	  "GTP-U tunnels followed inside each other; a deeper\n"
	  "one is reported (GTP in GTP), not opened" },
	{ "reasm_mem_mb", "--reasm-mem", 0, K_UINT, 0, 4096, NULL, "MB", "16", F(reasm_mb),
	  S_GENERAL,
	  "outer IPv4 fragments (GTP-U on N3/N9) reassembled\n"
	  "before dispatch, at most MB held (0 off; replay:\n"
	  "fragments of other UDP pass unchanged)" },
	{ "reasm_timeout_s", "--reasm-timeout", 0, K_UINT, 1, 3600, NULL, "S", "30",
	  F(reasm_timeout_s), S_GENERAL,
	  "a datagram's fragments wait S seconds of packet time at most" },
	{ "community_id_seed", "--community-id-seed", 0, K_UINT, 0, 65535, NULL, "N", "0",
	  F(cid_seed), S_GENERAL, "Community ID seed" },
	/* the command line's own */
	{ NULL, "--help", 'h', K_BOOL, 0, 0, NULL, NULL, NULL, NOFIELD, S_GENERAL,
	  "this help" },
	{ NULL, "--progress", 0, K_BOOL, 0, 0, NULL, NULL, NULL, F(progress), S_GENERAL,
	  "show progress even when stderr is not a terminal" },
	{ NULL, "--summary-json", 0, K_PATH, 0, 0, NULL, "FILE", NULL, F(summary_json), S_GENERAL,
	  "write the end-of-run summary as JSON" },
	{ NULL, "--max-sessions", 0, K_UINT, 1, 1u << 22, NULL, "N", "16384", F(max_sessions),
	  S_SERVICE,
	  "PDU sessions (PFCP, GTPv2-C) each worker keeps;\n"
	  "full: the oldest the UPF never answered gives way" },
	{ NULL, "--allow-root", 0, K_BOOL, 0, 0, NULL, NULL, NULL, F(allow_root), S_SERVICE,
	  "replay as root without --user (VIGIA_ALLOW_ROOT=1)" },
	{ NULL, "--metrics-linger", 0, K_UINT, 0, 3600, NULL, "S", "0", F(metrics_linger),
	  S_SERVICE, "keep serving metrics S seconds after a replay ends" },
	{ NULL, "--idle-stop", 0, K_UINT, 0, 3600000, NULL, "MS", NULL, F(dpdk.idle_stop_ms),
	  S_DPDK,
	  "stop when no packet came for MS ms (vdev replay);\n"
	  "events are then lossless, as for replay" },
	{ NULL, "--duration", 0, K_UINT, 0, 86400000, NULL, "MS", NULL, F(dpdk.duration_ms),
	  S_DPDK, "stop MS ms after the first packet (benchmarks)" },
	{ NULL, "--preload", 0, K_UINT, 1, 100000, NULL, "K", NULL, F(preload), S_BENCH,
	  "load the input into memory, then replay it K times\n"
	  "(timestamps shifted each time); rate excludes loading" },
	{ NULL, "--raw-read", 0, K_BOOL, 0, 0, NULL, NULL, NULL, F(raw_read), S_BENCH,
	  "only read the input and touch every byte: the limit" },
	{ NULL, "--decode-only", 0, K_BOOL, 0, 0, NULL, NULL, NULL, F(decode_only), S_BENCH,
	  "read the input and decode every packet, flow hash\n"
	  "included: what dispatching a packet to its worker costs" },
	{ NULL, "--protos", 'p', K_PATH, 0, 0, NULL, "FILE", NULL, F(cls.protos_file), S_NDPI,
	  "protocols file" },
	{ NULL, "--categories", 'c', K_PATH, 0, 0, NULL, "FILE", NULL, F(cls.categories_file),
	  S_NDPI, "categories file" },
	{ NULL, "--risky-domains", 'r', K_PATH, 0, 0, NULL, "FILE", NULL,
	  F(cls.risky_domains_file), S_NDPI, "risky domains file" },
	{ NULL, "--ja3", 'j', K_PATH, 0, 0, NULL, "FILE", NULL, F(cls.ja3_file), S_NDPI,
	  "JA3 list" },
	{ NULL, "--sha1", 'S', K_PATH, 0, 0, NULL, "FILE", NULL, F(cls.sha1_file), S_NDPI,
	  "SHA1 certificate list" },
};
const size_t optable_n = sizeof(optable) / sizeof(optable[0]);

const struct optdef *optable_find(const char *name, char shortopt)
{
	for (size_t i = 0; i < optable_n; i++) {
		const struct optdef *d = &optable[i];
		if (!d->opt)
			continue;
		if (shortopt ? d->shortopt == shortopt : !strcmp(d->opt + 2, name))
			return d;
	}
	return NULL;
}

static int parse_ulong(const char *s, unsigned long *out)
{
	char *end;

	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

int optable_apply(const struct optdef *d, struct opts *o, const char *v)
{
	unsigned long n = 0;

	switch (d->type) {
	case K_UINT:
		if (parse_ulong(v, &n) || n < d->min || n > d->max) {
			fprintf(stderr, "vigia: invalid value '%s' for %s: %lu to %lu\n", v, d->opt,
				d->min, d->max);
			return 2;
		}
		break;
	case K_ENUM: {
		size_t len = strlen(v);
		const char *p = d->choices;
		while (p && !(!strncmp(p, v, len) && (p[len] == '|' || !p[len])))
			p = (p = strchr(p, '|')) ? p + 1 : NULL;
		if (!p || !len) {
			fprintf(stderr, "vigia: invalid value '%s' for %s: one of %s\n", v, d->opt,
				d->choices);
			return 2;
		}
		break;
	}
	default:
		break;
	}
	if (d->set)
		return d->set(o, v, n);
	char *field = (char *)o + d->off;
	if (d->type == K_BOOL) {
		*(int *)(void *)field = 1;
	} else if (d->type == K_UINT) {
		switch (d->size) {
		case 2: *(uint16_t *)(void *)field = (uint16_t)n; break;
		case 4: *(uint32_t *)(void *)field = (uint32_t)n; break;
		default: *(uint64_t *)(void *)field = n; break;
		}
	} else {
		*(const char **)(void *)field = v;
	}
	return 0;
}

void optable_help(FILE *fp)
{
	for (unsigned s = 0; s < S_MAX; s++) {
		fprintf(fp, "%s\n", sections[s]);
		for (size_t i = 0; i < optable_n; i++) {
			const struct optdef *d = &optable[i];
			char head[64];
			if (d->section != s || !d->opt)
				continue;
			int n = snprintf(head, sizeof(head), "  %c%c%c %s%s%s", d->shortopt ? '-' : ' ',
					 d->shortopt ? d->shortopt : ' ', d->shortopt ? ',' : ' ',
					 d->opt, d->arg ? " " : "", d->arg ? d->arg : "");
			fprintf(fp, "%s%*s", head, n < 27 ? 27 - n : 1, "");
			for (const char *h = d->help; *h;) {
				size_t l = strcspn(h, "\n");
				fprintf(fp, "%.*s", (int)l, h);
				h += l;
				if (*h == '\n') {
					h++;
					fprintf(fp, "\n%27s", "");
				}
			}
			if (d->dflt)
				fprintf(fp, " (default %s)", d->dflt);
			fputc('\n', fp);
		}
	}
}

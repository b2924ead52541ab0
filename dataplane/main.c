/* vigia command line: replay capture files or watch a live interface
 * through the same pipeline. Exit status: 0 ok, 1 bad input, 2 bad usage. */
#include <errno.h>
#include <inttypes.h>
#include <getopt.h>
#include <limits.h>
#include <malloc.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "capture_dpdk.h"
#include "capture_pcap.h"
#include "classify.h"
#include "config.h"
#include "devices.h"
#include "decode.h"
#include "preflight.h"
#include "../policies/policy_ref.h"
#include "replay.h"
#include "session.h"
#include "worker.h"
#include "../telemetry/community_id.h"
#include "../telemetry/log.h"
#include "service.h"
#include "../telemetry/redis_consumer.h"
#include "../telemetry/http_status.h"
#include "../telemetry/status.h"
#include "../telemetry/state_store.h"
#include "../telemetry/telemetry.h"

#ifndef VIGIA_VERSION
#define VIGIA_VERSION "0.1.0"
#endif

enum { EXIT_OK = 0, EXIT_INPUT = 1, EXIT_USAGE = 2 };

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

static volatile sig_atomic_t g_stop;
static volatile sig_atomic_t g_reload;
static volatile sig_atomic_t g_reopen;
/* Bumped by the control loop each turn; the watchdog thread pets systemd
 * only while it moves (service.h). */
static volatile uint64_t g_heartbeat;
static struct cap_pcap *volatile g_cap;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
	if (g_cap)
		cap_pcap_break(g_cap);
}

static void on_hup(int sig)
{
	(void)sig;
	g_reload = 1;
	g_reopen = 1;
}

static void on_usr1(int sig)
{
	(void)sig;
	g_reopen = 1;
}

static void usage(FILE *fp)
{
	fprintf(fp,
"usage: vigia replay [options] FILE...   replay pcap/pcapng captures in order\n"
"       vigia live -i IFACE [options]     capture from a live interface (root)\n"
"       vigia dpdk [options] -- EAL-ARGS  DPDK fast path: one worker per lcore\n"
"                                         and RX queue (symmetric RSS)\n"
"       vigia run --config FILE [options] run as FILE says (dpdk or pcap capture;\n"
"                                         options given here override the file)\n"
"       vigia check-config FILE           validate a config file (FILE:LINE:COL)\n"
"       vigia devices (--state-dir D|--redis H:P) [--policy F] [--export DEVICE]\n"
"                                         learnt device profiles; --export: MUD JSON\n"
"       vigia preflight [-- EAL-ARGS]     check hugepages, NIC binding, RSS, NUMA\n"
"       vigia alerts --redis H:P --sensor S [...]  read sensors' alerts from Redis\n"
"       vigia check-policy FILE           validate a policy, print a summary\n"
"       vigia detectors [--json|--markdown]  the inventory of every detector\n"
"       vigia --help | --version\n"
"\n"
"options (also in a config file: --config FILE, see deploy/vigia.yaml):\n"
"  -o, --output FILE        NDJSON events (EVE) to FILE; '-' for stdout.\n"
"                           Default: stdout when it is not a terminal.\n"
"  -w, --workers N          worker pipelines (default 1)\n"
"      --sensor NAME        sensor name in every event (default: hostname)\n"
"  -q, --quiet              no progress and no summary on stderr\n"
"      --progress           show progress even when stderr is not a terminal\n"
"      --summary-json FILE  write the end-of-run summary as JSON\n"
"      --max-flows N        flow table size per worker (default 1048576)\n"
"      --classify-slots N   flows classified at once per worker (default 262144)\n"
"      --tcp-timeout S      idle timeout of established TCP (default 600)\n"
"      --tcp-new-timeout S  idle timeout of TCP before the handshake completes (30)\n"
"      --closed-timeout S   linger after FIN/RST (default 10)\n"
"      --udp-timeout S      idle timeout of UDP and other flows (default 120)\n"
"      --active-timeout S   export long flows every S seconds (default 1800, 0 off)\n"
"      --events N           event queue slots per worker (default 65536)\n"
"      --community-id-seed N  Community ID seed (default 0)\n"
"      --policy FILE        city policy (segments, allowed apps, intel): every\n"
"                           event gets its segment; violations and intel\n"
"                           matches raise alerts; SIGHUP reloads it atomically\n"
"      --detectors LIST     run only these cross-flow detectors (comma list of\n"
"                           ids from 'vigia detectors'; 'none': no analytics)\n"
"      --reasm-mem MB       outer IPv4 fragments (GTP-U on N3/N9) reassembled\n"
"                           before dispatch, at most MB held (default 16, 0 off;\n"
"                           replay: fragments of other UDP pass unchanged);\n"
"                           --reasm-timeout S: a datagram's fragments wait S\n"
"                           seconds of packet time at most (default 30)\n"
"  running as a service:\n"
"      --user U, --group G  once the capture and listeners are open, drop root\n"
"                           to U (keeping no capability, CAP_NET_RAW/ADMIN for\n"
"                           DPDK); as root without --user, only capture\n"
"                           commands run unless --allow-root (VIGIA_ALLOW_ROOT=1)\n"
"      --log-level L        error, warn, info (default), debug\n"
"      --state-dir DIR      persistent state (Redis spool: DIR/spool by default)\n"
"      --state-interval S   live capture: save learnt state (state dir, Redis)\n"
"                           every S seconds (300; 0: only at exit), and take\n"
"                           what other sensors saved to the same Redis\n"
"      --metrics-listen A   Prometheus /metrics and the status page on HOST:PORT\n"
"                           (e.g. 127.0.0.1:9477; a port alone: loopback;\n"
"                           'off'); --metrics-linger S\n"
"                           keeps serving S seconds after a replay ends\n"
"      SIGHUP reloads the policy and reopens the output file, SIGUSR1 reopens it\n"
"      --max-sessions N     PDU sessions (PFCP, GTPv2-C) each worker keeps (16384);\n"
"                           full: the oldest the UPF never answered gives way\n"
"      --gtp-depth N        GTP-U tunnels followed inside each other (default 1);\n"
"                           a deeper one is reported (GTP in GTP), not opened\n"
"      --pseudonym-key-file F  key for pseudonyms of addresses in segments with\n"
"                           pseudonymise: true (default: a random key per run)\n"
"  statistics and Redis:\n"
"      --stats-interval S   a stats event per worker every S seconds of packet\n"
"                           time, and one at the end (default off)\n"
"      --redis HOST[:PORT]|unix:PATH  also send events to Redis Streams\n"
"                           PREFIX:{SENSOR}:flows|alerts|stats|anomalies|sessions\n"
"      --redis-user U, --redis-password-file F (or $VIGIA_REDIS_PASSWORD),\n"
"      --redis-db N, --redis-prefix P (vigia), --redis-maxlen N (MAXLEN ~),\n"
"      --redis-batch N (256), --redis-publish CHANNEL (alerts)\n"
"      --spool-dir DIR      keep events on disk while Redis is down, replay\n"
"                           them on reconnect or next start; --spool-max MB\n"
"  dpdk:\n"
"      --port NAME          device (PCI address or vdev name; default: first);\n"
"                           repeat for several ports (each worker polls its\n"
"                           queue on every port)\n"
"      --mbufs N            mempool size (default 8192 per queue)\n"
"      --rx-desc N          RX descriptors per queue (default 1024)\n"
"      --idle-stop MS       stop when no packet came for MS ms (vdev replay);\n"
"                           events are then lossless, as for replay\n"
"      --duration MS        stop MS ms after the first packet (benchmarks)\n"
"      --stats-interval S   port and queue counters on stderr every S seconds\n"
"  benchmarking (replay only):\n"
"      --preload K          load the input into memory, then replay it K times\n"
"                           (timestamps shifted each time); rate excludes loading\n"
"      --raw-read           only read the input and touch every byte: the limit\n"
"  nDPI list files, as ndpiReader:\n"
"  -p FILE  protocols    -c FILE  categories    -r FILE  risky domains\n"
"  -j FILE  JA3 list     -S FILE  SHA1 certificate list\n"
"\n"
"Any argument @FILE is replaced by the words of FILE (# comments): see\n"
"deploy/vigia-dpdk.conf.\n"
"\n"
"exit status: 0 ok, 1 bad input (file unreadable, not a capture, truncated,\n"
"unsupported link type), 2 bad usage.\n");
}

static int parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v > max || s[0] == '-')
		return -1;
	*out = v;
	return 0;
}

enum {
	O_SENSOR = 256, O_SUMMARY, O_MAXFLOWS, O_SLOTS, O_TCPTO, O_TCPNEWTO,
	O_CLOSEDTO, O_UDPTO, O_ACTIVETO, O_EVENTS, O_PROGRESS, O_CIDSEED, O_RAW, O_PRELOAD, O_PORT, O_MBUFS, O_RXDESC, O_IDLESTOP, O_DURATION, O_STATSIV, O_STATEIV, O_REASMTO, O_REDIS, O_RUSER, O_RPASSF, O_RDB, O_RPREFIX,
	O_RMAXLEN, O_RBATCH, O_SPOOLDIR, O_SPOOLMAX, O_RPUBLISH, O_POLICY, O_PKEY,
	O_DETECTORS, O_GTPDEPTH, O_REASM, O_LOGLEVEL, O_STATEDIR, O_USER, O_GROUP, O_ALLOWROOT,
	O_METRICS, O_METRICS_LINGER, O_MAXSESS,
};

static const struct option long_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "workers", required_argument, NULL, 'w' },
	{ "interface", required_argument, NULL, 'i' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "help", no_argument, NULL, 'h' },
	{ "sensor", required_argument, NULL, O_SENSOR },
	{ "summary-json", required_argument, NULL, O_SUMMARY },
	{ "max-flows", required_argument, NULL, O_MAXFLOWS },
	{ "classify-slots", required_argument, NULL, O_SLOTS },
	{ "tcp-timeout", required_argument, NULL, O_TCPTO },
	{ "tcp-new-timeout", required_argument, NULL, O_TCPNEWTO },
	{ "closed-timeout", required_argument, NULL, O_CLOSEDTO },
	{ "udp-timeout", required_argument, NULL, O_UDPTO },
	{ "active-timeout", required_argument, NULL, O_ACTIVETO },
	{ "events", required_argument, NULL, O_EVENTS },
	{ "progress", no_argument, NULL, O_PROGRESS },
	{ "community-id-seed", required_argument, NULL, O_CIDSEED },
	{ "raw-read", no_argument, NULL, O_RAW },
	{ "port", required_argument, NULL, O_PORT },
	{ "mbufs", required_argument, NULL, O_MBUFS },
	{ "rx-desc", required_argument, NULL, O_RXDESC },
	{ "idle-stop", required_argument, NULL, O_IDLESTOP },
	{ "duration", required_argument, NULL, O_DURATION },
	{ "stats-interval", required_argument, NULL, O_STATSIV },
	{ "state-interval", required_argument, NULL, O_STATEIV },
	{ "reasm-timeout", required_argument, NULL, O_REASMTO },
	{ "redis", required_argument, NULL, O_REDIS },
	{ "policy", required_argument, NULL, O_POLICY },
	{ "detectors", required_argument, NULL, O_DETECTORS },
	{ "gtp-depth", required_argument, NULL, O_GTPDEPTH },
	{ "reasm-mem", required_argument, NULL, O_REASM },
	{ "log-level", required_argument, NULL, O_LOGLEVEL },
	{ "state-dir", required_argument, NULL, O_STATEDIR },
	{ "user", required_argument, NULL, O_USER },
	{ "group", required_argument, NULL, O_GROUP },
	{ "allow-root", no_argument, NULL, O_ALLOWROOT },
	{ "metrics-listen", required_argument, NULL, O_METRICS },
	{ "metrics-linger", required_argument, NULL, O_METRICS_LINGER },
	{ "max-sessions", required_argument, NULL, O_MAXSESS },
	{ "pseudonym-key-file", required_argument, NULL, O_PKEY },
	{ "redis-user", required_argument, NULL, O_RUSER },
	{ "redis-password-file", required_argument, NULL, O_RPASSF },
	{ "redis-db", required_argument, NULL, O_RDB },
	{ "redis-prefix", required_argument, NULL, O_RPREFIX },
	{ "redis-maxlen", required_argument, NULL, O_RMAXLEN },
	{ "redis-batch", required_argument, NULL, O_RBATCH },
	{ "redis-publish", required_argument, NULL, O_RPUBLISH },
	{ "spool-dir", required_argument, NULL, O_SPOOLDIR },
	{ "spool-max", required_argument, NULL, O_SPOOLMAX },
	{ "preload", required_argument, NULL, O_PRELOAD },
	{ NULL, 0, NULL, 0 },
};

/* Returns 0, or EXIT_USAGE after printing why. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
	unsigned long v;
	int c;

	while ((c = getopt_long(argc, argv, "o:w:i:qhp:c:r:j:S:", long_opts,
				NULL)) != -1) {
		switch (c) {
		case 'o': o->out_path = optarg; break;
		case 'i': o->iface = optarg; break;
		case 'q': o->quiet = 1; break;
		case 'h': usage(stdout); exit(EXIT_OK);
		case 'p': o->cls.protos_file = optarg; break;
		case 'c': o->cls.categories_file = optarg; break;
		case 'r': o->cls.risky_domains_file = optarg; break;
		case 'j': o->cls.ja3_file = optarg; break;
		case 'S': o->cls.sha1_file = optarg; break;
		case O_SENSOR: o->sensor = optarg; break;
		case O_SUMMARY: o->summary_json = optarg; break;
		case O_PROGRESS: o->progress = 1; break;
		case 'w':
			if (parse_uint(optarg, 64, &v) || v == 0)
				goto bad;
			o->workers = (unsigned)v;
			break;
		case O_MAXFLOWS:
			if (parse_uint(optarg, 1ul << 28, &v) || v == 0)
				goto bad;
			o->ft.max_flows = (uint32_t)v;
			break;
		case O_SLOTS:
			if (parse_uint(optarg, 1ul << 26, &v) || v == 0)
				goto bad;
			o->cls.max_slots = (uint32_t)v;
			break;
		case O_RAW: o->raw_read = 1; break;
		case O_PORT:
			if (o->dpdk.nports >= DPDK_MAX_PORTS) {
				fprintf(stderr, "vigia: at most %d --port\n", DPDK_MAX_PORTS);
				return EXIT_USAGE;
			}
			o->dpdk.ports[o->dpdk.nports++] = optarg;
			break;
		case O_MBUFS:
			if (parse_uint(optarg, 1u << 26, &v) || v == 0)
				goto bad;
			o->dpdk.nb_mbufs = (unsigned)v;
			break;
		case O_RXDESC:
			if (parse_uint(optarg, 32768, &v) || v < 32)
				goto bad;
			o->dpdk.rx_desc = (unsigned)v;
			break;
		case O_REDIS: o->redis = optarg; break;
		case O_POLICY: o->policy_path = optarg; break;
		case O_DETECTORS: o->detectors = optarg; break;
		case O_LOGLEVEL: {
			int l = log_parse_level(optarg);
			if (l < 0) {
				fprintf(stderr, "vigia: --log-level: error, warn, info or debug\n");
				return -1;
			}
			log_set_level((enum log_level)l);
			break;
		}
		case O_STATEDIR: o->state_dir = optarg; break;
		case O_USER: o->user = optarg; break;
		case O_GROUP: o->group = optarg; break;
		case O_ALLOWROOT: o->allow_root = 1; break;
		case O_METRICS:
			o->metrics_listen = strcmp(optarg, "off") ? optarg : NULL;
			break;
		case O_MAXSESS:
			if (parse_uint(optarg, 1u << 22, &v) || v == 0) {
				fprintf(stderr, "vigia: --max-sessions: 1 to 4194304\n");
				return -1;
			}
			o->max_sessions = (unsigned)v;
			break;
		case O_METRICS_LINGER:
			if (parse_uint(optarg, 3600, &v)) {
				fprintf(stderr, "vigia: --metrics-linger: 0 to 3600 s\n");
				return -1;
			}
			o->metrics_linger = (unsigned)v;
			break;
		case O_REASM:
			if (parse_uint(optarg, 4096, &v)) {
				fprintf(stderr, "vigia: --reasm-mem: 0 to 4096 (MiB)\n");
				return -1;
			}
			o->reasm_mb = v;
			break;
		case O_REASMTO:
			if (parse_uint(optarg, 3600, &v) || v == 0) {
				fprintf(stderr, "vigia: --reasm-timeout: 1 to 3600 (s)\n");
				return -1;
			}
			o->reasm_timeout_s = (unsigned)v;
			break;
		case O_GTPDEPTH:
			if (parse_uint(optarg, 8, &v) || v == 0) {
				fprintf(stderr, "vigia: --gtp-depth: 1 to 8\n");
				return -1;
			}
			decode_set_gtp_depth((unsigned)v);
			break;
		case O_PKEY: o->pseudonym_key_file = optarg; break;
		case O_RUSER: o->rcfg.user = optarg; break;
		case O_RPREFIX: o->rcfg.prefix = optarg; break;
		case O_RPUBLISH: o->rcfg.publish_channel = optarg; break;
		case O_SPOOLDIR: o->rcfg.spool_dir = optarg; break;
		case O_RPASSF:
			if (redis_cfg_password_file(&o->rcfg, optarg, o->redis_password,
						    sizeof(o->redis_password)) != 0) {
				fprintf(stderr, "vigia: --redis-password-file %s: %s\n", optarg,
					errno == ENODATA ? "empty" : strerror(errno));
				return EXIT_USAGE;
			}
			break;
		case O_RDB:
			if (parse_uint(optarg, 1023, &v))
				goto bad;
			o->rcfg.db = (int)v;
			break;
		case O_RMAXLEN:
			if (parse_uint(optarg, 1u << 30, &v))
				goto bad;
			o->rcfg.maxlen = (unsigned)v;
			break;
		case O_RBATCH:
			if (parse_uint(optarg, 65536, &v) || v == 0)
				goto bad;
			o->rcfg.batch = (unsigned)v;
			break;
		case O_SPOOLMAX:
			if (parse_uint(optarg, 1u << 20, &v) || v == 0)
				goto bad;
			o->rcfg.spool_max_bytes = (uint64_t)v << 20;
			break;
		case O_DURATION:
			if (parse_uint(optarg, 86400000, &v))
				goto bad;
			o->dpdk.duration_ms = (unsigned)v;
			break;
		case O_STATSIV:
			if (parse_uint(optarg, 86400, &v))
				goto bad;
			o->stats_interval = (unsigned)v;
			break;
		case O_STATEIV:
			if (parse_uint(optarg, 86400, &v))
				goto bad;
			o->state_interval = (unsigned)v;
			o->state_interval_set = 1;
			break;
		case O_IDLESTOP:
			if (parse_uint(optarg, 3600000, &v))
				goto bad;
			o->dpdk.idle_stop_ms = (unsigned)v;
			break;
		case O_PRELOAD:
			if (parse_uint(optarg, 100000, &v) || v == 0)
				goto bad;
			o->preload = (unsigned)v;
			break;
		case O_CIDSEED:
			if (parse_uint(optarg, 65535, &v))
				goto bad;
			o->cid_seed = (uint16_t)v;
			break;
		case O_EVENTS:
			if (parse_uint(optarg, 1ul << 22, &v) || v < 64)
				goto bad;
			o->evq_slots = (unsigned)v;
			break;
		case O_TCPTO: case O_TCPNEWTO: case O_CLOSEDTO: case O_UDPTO:
		case O_ACTIVETO:
			if (parse_uint(optarg, 86400u * 365, &v))
				goto bad;
			if (c == O_TCPTO) o->ft.timeout_s[FC_TCP_EST] = (uint32_t)v;
			if (c == O_TCPNEWTO) o->ft.timeout_s[FC_TCP_NEW] = (uint32_t)v;
			if (c == O_CLOSEDTO) o->ft.timeout_s[FC_CLOSED] = (uint32_t)v;
			if (c == O_UDPTO) o->ft.timeout_s[FC_OTHER] = (uint32_t)v;
			if (c == O_ACTIVETO) o->ft.active_timeout_s = (uint32_t)v;
			break;
		default:
			fprintf(stderr, "Try 'vigia --help'.\n");
			return EXIT_USAGE;
		}
	}
	return 0;
bad:
	fprintf(stderr, "vigia: invalid value '%s' for option -%c%s\n", optarg,
		c < 256 ? c : '-', c < 256 ? "" : " (see --help)");
	return EXIT_USAGE;
}

/* ---- the pipeline ---------------------------------------------------- */

struct pipeline {
	struct opts *o;
	struct worker *w[64];
	struct evq *q[64];
	unsigned nw;
	struct telemetry *tel;
	FILE *out;
	int out_owned;
	/* progress */
	uint64_t pkts;
	struct replay_result replay;
	int have_replay;
	struct dpdk_stats dstats;
	int have_dpdk;
	struct redis_sink *redis;
	struct policy_ref *pref;
	struct analytics *an;         /* cross-flow detectors; NULL: none */
	struct status *status;        /* --metrics-listen: the live aggregate */
	/* live capture: learnt state saved (and shared) every state_interval */
	pthread_t state_thr;
	int state_thr_on, state_stop;
	uint64_t checkpoints;
	/* workers' load: CPU time of their threads between two scrapes */
	pthread_mutex_t busy_mu;
	double busy_at;
	uint64_t busy_cpu[STATUS_MAX_WORKERS];
	double busy[STATUS_MAX_WORKERS];
	struct http_status *http;     /* ... and its listener */
	uint64_t pol_hash;            /* the policy in force */
	struct evq *an_q;             /* its alerts, to the telemetry thread */
	struct classifier *names_cls; /* resolves app/category names for policies */
	struct policy_names names;
	double t_start, t_last_progress;
	int show_progress;
};

static double now_s(void)
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
static struct classifier *names_classifier(struct policy_names *nm, char *err,
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

/* `vigia devices --policy`: a policy loaded for its segments' modes. */
static struct classifier *g_devices_cls;

static struct policy *devices_policy_load(const char *path, char *err, size_t errlen)
{
	static struct policy_names nm;

	if (!g_devices_cls && !(g_devices_cls = names_classifier(&nm, err, errlen)))
		return NULL;
	return policy_load(path, &nm, err, errlen);
}

static void devices_policy_free(struct policy *p)
{
	policy_free(p);
	classifier_destroy(g_devices_cls);
	g_devices_cls = NULL;
}

/* SIGHUP: load, validate, swap; on error keep the running policy. */
static void maybe_reload(struct pipeline *pl)
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

/* ---- learnt state (device baselines): state dir and/or Redis ---------- */

static void state_to_analytics(void *ctx, const char *owner, const char *key, const char *text)
{
	analytics_state_merge(ctx, owner, key, text);
}

static void state_walk(void *ctx, state_line_fn emit, void *emit_ctx)
{
	analytics_state_dump(ctx, emit, emit_ctx);
}

static void state_path(const struct opts *o, char *buf, size_t len)
{
	snprintf(buf, len, "%s/state.tsv", o->state_dir);
}

/* What earlier runs (and, through Redis, other sensors) learnt. */
static void state_load(struct pipeline *pl)
{
	char path[4096], err[512];

	if (pl->o->state_dir) {
		state_path(pl->o, path, sizeof(path));
		if (state_file_load(path, state_to_analytics, pl->an, err, sizeof(err)) != 0)
			log_warn("learnt state not loaded: %s", err);
	}
	if (pl->o->redis &&
	    state_redis_load(&pl->o->rcfg, state_to_analytics, pl->an, err, sizeof(err)) < 0)
		log_warn("learnt state not loaded from Redis: %s", err);
}

/* Keep what this run learnt; in Redis, merged first with what other
 * sensors wrote meanwhile (union: a device either knows, both know). */
static void state_save(struct pipeline *pl)
{
	char path[4096], err[512];

	if (pl->o->redis) {
		state_redis_load(&pl->o->rcfg, state_to_analytics, pl->an, err, sizeof(err));
		if (state_redis_save(&pl->o->rcfg, state_walk, pl->an, err, sizeof(err)) < 0)
			log_err("learnt state not saved to Redis: %s", err);
	}
	if (pl->o->state_dir) {
		state_path(pl->o, path, sizeof(path));
		if (state_file_save(path, state_walk, pl->an, err, sizeof(err)) != 0)
			log_err("learnt state not saved: %s", err);
	}
}

/* Checkpoints of a long capture: a crash or power cut loses at most one
 * interval of learning, and sensors sharing a Redis learn from each other
 * while they run (state_save merges what the others wrote first). Its own
 * thread: a slow Redis never holds up capture. */
static void *state_main(void *arg)
{
	struct pipeline *pl = arg;
	double next = now_s() + pl->o->state_interval;

	pthread_setname_np(pthread_self(), "vigia-state");
	while (!__atomic_load_n(&pl->state_stop, __ATOMIC_ACQUIRE)) {
		struct timespec ts = { 0, 100 * 1000000 };
		nanosleep(&ts, NULL);
		if (now_s() < next)
			continue;
		state_save(pl);
		__atomic_fetch_add(&pl->checkpoints, 1, __ATOMIC_RELAXED);
		next = now_s() + pl->o->state_interval;
	}
	return NULL;
}

static void state_checkpoints_start(struct pipeline *pl)
{
	if (!pl->an || !pl->o->state_interval || (!pl->o->state_dir && !pl->o->redis))
		return;
	pl->state_thr_on = pthread_create(&pl->state_thr, NULL, state_main, pl) == 0;
	if (!pl->state_thr_on)
		log_warn("no state checkpoints: cannot start their thread");
}

static void state_checkpoints_stop(struct pipeline *pl)
{
	if (!pl->state_thr_on)
		return;
	__atomic_store_n(&pl->state_stop, 1, __ATOMIC_RELEASE);
	pthread_join(pl->state_thr, NULL);
	pl->state_thr_on = 0;
}

static int pipeline_init(struct pipeline *pl, struct opts *o, int lossless)
{
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
					 .max_sessions = o->max_sessions };
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

static void fmt_json_str(FILE *fp, const char *s)
{
	fputc('"', fp);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch == '"' || ch == '\\')
			fprintf(fp, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(fp, "\\u%04x", ch);
		else
			fputc(ch, fp);
	}
	fputc('"', fp);
}

static void pipeline_summary(struct pipeline *pl, double elapsed,
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
		if (pl->o->raw_read) {
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
			pl->o->raw_read ? " (raw read)" : "");
	}
	if (pl->o->summary_json) {
		FILE *fp = fopen(pl->o->summary_json, "w");
		if (!fp) {
			fprintf(stderr, "vigia: %s: %s\n", pl->o->summary_json,
				strerror(errno));
			return;
		}
		fprintf(fp, "{\"status\":");
		fmt_json_str(fp, status);
		fprintf(fp, ",\"mode\":\"%s\"", pl->o->raw_read ? "raw-read"
				: pl->o->preload ? "preload" : "pipeline");
		if (pl->have_replay) {
			fprintf(fp, ",\"load_s\":%.6f,\"repeat\":%u,\"worker_pkts\":[",
				pl->replay.load_s, pl->o->preload ? pl->o->preload : 1);
			for (unsigned i = 0; i < pl->nw; i++)
				fprintf(fp, "%s%" PRIu64, i ? "," : "",
					pl->replay.worker_pkts[i]);
			fprintf(fp, "]");
			fprintf(fp, ",\"timestamps\":{\"jumps\":%" PRIu64 ",\"backwards\":%" PRIu64 "}",
				pl->replay.ts_jumps, pl->replay.ts_backwards);
			/* outer IPv4 reassembly before dispatch */
			fprintf(fp, ",\"reasm\":{\"lost\":%" PRIu64, pl->replay.reasm_lost);
			for (unsigned i = 0; i < REASM_S_MAX; i++)
				fprintf(fp, ",\"%s\":%" PRIu64, reasm_stat_name(i) + 6,
					pl->replay.reasm.v[i]);
			fprintf(fp, "}");
		}
		fprintf(fp, ",\"elapsed_s\":%.6f,\"workers\":%u,"
			"\"peak_rss_kib\":%ld,\"bytes_per_flow\":%zu",
			elapsed, pl->nw, ru.ru_maxrss,
			worker_bytes_per_flow(pl->w[0]));
#define X_(n, d) fprintf(fp, ",\"" #n "\":%" PRIu64, tot.n);
		WORKER_COUNTERS(X_)
#undef X_
		{
			struct sess_stats ss;
			worker_get_session_stats(pl->w[0], &ss);
			fprintf(fp, ",\"sessions\":{\"created\":%" PRIu64 ",\"deleted\":%" PRIu64
				",\"expired\":%" PRIu64 ",\"evicted\":%" PRIu64 ",\"refused\":%" PRIu64
				",\"full\":%" PRIu64 ",\"active\":%u,\"messages\":%" PRIu64 "}",
				ss.created, ss.deleted, ss.expired, ss.evicted, ss.refused, ss.full,
				ss.active, ss.messages);
		}
		if (pl->an) {
			struct analytics_stats as;
			analytics_get_stats(pl->an, &as);
			fprintf(fp, ",\"analytics\":{\"records\":%" PRIu64 ",\"ticks\":%" PRIu64
				",\"alerts\":%" PRIu64 ",\"suppressed\":%" PRIu64 ",\"sessions\":%" PRIu64
				",\"dropped\":%" PRIu64 "}",
				as.records, as.ticks, as.alerts, as.suppressed, as.sessions, as.dropped);
			/* bounded detector state: entries given up when full */
			const char *ids[32];
			uint64_t ev[32];
			unsigned nd = analytics_state_evictions(pl->an, ids, ev, 32);
			fprintf(fp, ",\"detector_state_evictions\":{");
			for (unsigned i = 0; i < nd; i++)
				fprintf(fp, "%s\"%s\":%" PRIu64, i ? "," : "", ids[i], ev[i]);
			fputc('}', fp);
		}
		fprintf(fp, ",\"classify\":{\"detected\":%" PRIu64
			",\"guessed\":%" PRIu64 ",\"unknown\":%" PRIu64
			",\"dpi_pkts\":%" PRIu64 "}",
			ct.detected, ct.guessed, ct.unknown, ct.dpi_pkts);
		fprintf(fp, ",\"events\":{\"written\":%" PRIu64 ",\"flow\":%"
			PRIu64 ",\"anomaly\":%" PRIu64 ",\"dropped\":%" PRIu64
			",\"encode_errors\":%" PRIu64 ",\"stats\":%" PRIu64
			",\"alert\":%" PRIu64 "}",
			ts.events, ts.flows, ts.anomalies, evq_drops,
			ts.encode_errors, ts.stats, ts.alerts);
		if (pl->pref) {
			uint64_t ok, failed;
			policy_ref_reloads(pl->pref, &ok, &failed);
			const struct policy *cur = policy_ref_get(pl->pref);
			fprintf(fp, ",\"policy\":{\"file\":");
			fmt_json_str(fp, pl->o->policy_path);
			fprintf(fp, ",\"hash\":\"%016llx\",\"reloads_ok\":%llu,"
				"\"reloads_failed\":%llu}",
				(unsigned long long)(cur ? policy_hash(cur) : 0),
				(unsigned long long)ok, (unsigned long long)failed);
		}
		if (pl->o->state_dir || pl->o->redis)
			fprintf(fp, ",\"state\":{\"checkpoints\":%" PRIu64 "}",
				__atomic_load_n(&pl->checkpoints, __ATOMIC_RELAXED));
		if (pl->redis)
			fprintf(fp, ",\"redis\":{\"sent\":%" PRIu64 ",\"duplicates\":%"
				PRIu64 ",\"spooled\":%" PRIu64 ",\"spool_dropped\":%"
				PRIu64 ",\"errors\":%" PRIu64 ",\"reconnects\":%" PRIu64
				",\"left_in_spool\":%" PRIu64 ",\"latency_samples\":%"
				PRIu64 ",\"latency_p50_ms\":%.3f,\"latency_p99_ms\":%.3f}",
				ts.redis.sent, ts.redis.duplicates, ts.redis.spooled,
				ts.redis.spool_dropped, ts.redis.errors,
				ts.redis.reconnects, ts.redis_pending,
				ts.redis.latency_samples, ts.redis.latency_p50_ms,
				ts.redis.latency_p99_ms);
		if (pl->have_dpdk) {
			const struct dpdk_stats *d = &pl->dstats;
			fprintf(fp, ",\"dpdk\":{\"ipackets\":%" PRIu64 ",\"imissed\":%"
				PRIu64 ",\"rx_nombuf\":%" PRIu64 ",\"ierrors\":%" PRIu64
				",\"timestamps\":%s,\"active_s\":%.6f,\"queues\":[",
				d->ipackets, d->imissed, d->rx_nombuf, d->ierrors,
				d->timestamps ? "true" : "false", d->active_s);
			for (unsigned i = 0; i < d->nq; i++)
				fprintf(fp, "%s{\"rx\":%" PRIu64 ",\"processed\":%"
					PRIu64 ",\"handed_over\":%" PRIu64
					",\"handover_dropped\":%" PRIu64 "}", i ? "," : "",
					d->q_ipackets[i], d->worker_pkts[i],
					d->handed_over[i], d->ring_full[i]);
			fprintf(fp, "],\"reasm\":{\"nombuf\":%" PRIu64, d->reasm_nombuf);
			for (unsigned i = 0; i < REASM_S_MAX; i++)
				fprintf(fp, ",\"%s\":%" PRIu64, reasm_stat_name(i) + 6,
					d->reasm.v[i]);
			fprintf(fp, "}}");
		}
		fprintf(fp, ",\"anomaly_kinds\":{");
		int first = 1;
		for (unsigned k = 0; k < DEC_A_MAX; k++)
			if (tot.anomaly_kind[k]) {
				fprintf(fp, "%s\"%s\":%" PRIu64, first ? "" : ",",
					decode_anomaly_name(k), tot.anomaly_kind[k]);
				first = 0;
			}
		fprintf(fp, "},\"apps\":[");
		for (unsigned i = 0; i < apps.n; i++) {
			fprintf(fp, "%s{\"label\":", i ? "," : "");
			fmt_json_str(fp, apps.rows[i].label);
			fprintf(fp, ",\"flows\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
				apps.rows[i].flows, apps.rows[i].bytes);
		}
		fprintf(fp, "]}\n");
		fclose(fp);
	}
}

/* Flush flows, drain telemetry, print the summary, free everything. */
static int pipeline_finish(struct pipeline *pl, const char *status)
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

static void show_progress(struct pipeline *pl, uint64_t pkts, uint64_t done,
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

static void deliver_one(void *ctx, const struct pkt *p)
{
	struct pipeline *pl = ctx;

	worker_process(pl->w[0], p, 1);
	pl->pkts++;
}

/* Root was needed to open the capture and the listeners, not to run:
 * become --user (keeping what `keep` says), then tell systemd we are up. */
static int become_service(struct pipeline *pl, int keep, int live, const char *what)
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

static void watchdog_tick(void)
{
	g_heartbeat++;
}

static int run_files(struct pipeline *pl, char **files, int nfiles)
{
	char err[512];
	struct replay_result res;
	struct replay_cfg rc = {
		.files = files,
		.nfiles = nfiles,
		.nworkers = pl->nw,
		.workers = pl->w,
		.mode = pl->o->raw_read ? REPLAY_RAW_READ : REPLAY_PIPELINE,
		.preload_repeat = pl->o->preload,
		.stop = &g_stop,
		.reasm_mem = pl->o->reasm_mb << 20,
		.reasm_timeout_us = (pl->o->reasm_timeout_s ? pl->o->reasm_timeout_s : 30) * 1000000ULL,
	};
	struct replay *r = replay_create(&rc, err, sizeof(err));

	if (!r) {
		fprintf(stderr, "vigia: %s\n", err);
		pipeline_finish(pl, "bad input");
		return EXIT_INPUT;
	}
	if (replay_start(r) != 0) {
		fprintf(stderr, "vigia: cannot start replay\n");
		replay_destroy(r);
		pipeline_finish(pl, "bad input");
		return EXIT_INPUT;
	}
	while (!replay_done(r)) {
		struct timespec ts = { 0, 50 * 1000000 };
		nanosleep(&ts, NULL);
		maybe_reload(pl);
		if (pl->show_progress) {
			struct replay_progress p;
			replay_get_progress(r, &p);
			show_progress(pl, p.pkts, p.file_bytes, p.total_bytes, 0);
		}
	}
	replay_finish(r, &res);
	replay_destroy(r);
	maybe_reload(pl); /* a SIGHUP that came in the last moments still counts */
	pl->pkts = res.pkts;
	pl->replay = res;
	pl->have_replay = 1;
	if (pl->show_progress)
		show_progress(pl, res.pkts, 1, 1, 1);
	const char *status = "ok";
	if (res.status == 1) {
		fprintf(stderr, "%svigia: %s\n", pl->show_progress ? "\n" : "",
			res.error);
		status = "bad input";
	} else if (res.status == 2 || g_stop) {
		status = "interrupted";
	}
	int frc = pipeline_finish(pl, status);
	return res.status == 1 ? EXIT_INPUT : frc;
}

static uint64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int run_live(struct pipeline *pl, const char *iface)
{
	char err[512];
	struct cap_pcap *c = cap_pcap_open_live(iface, err, sizeof(err));
	int rc = EXIT_OK;

	if (!c) {
		fprintf(stderr, "vigia: %s\n", err);
		pipeline_finish(pl, "bad input");
		return EXIT_INPUT;
	}
	g_cap = c;
	char what[128];
	snprintf(what, sizeof(what), "capturing on %s", iface);
	if (become_service(pl, SERVICE_KEEP_NONE, 1, what) != 0) {
		g_cap = NULL;
		cap_pcap_close(c);
		pipeline_finish(pl, "cannot drop privileges");
		return EXIT_INPUT;
	}
	if (!pl->o->quiet)
		fprintf(stderr, "vigia: capturing on %s (Ctrl-C to stop)\n", iface);
	worker_policy_online(pl->w[0]);
	while (!g_stop) {
		watchdog_tick();
		if (g_reopen && !g_reload)
			maybe_reload(pl);
		if (g_reload) {
			/* this thread is the worker: step out of the read side */
			worker_policy_offline(pl->w[0]);
			maybe_reload(pl);
			worker_policy_online(pl->w[0]);
		}
		int n = cap_pcap_dispatch(c, 256, deliver_one, pl);
		if (n == -2)
			break;
		if (n < 0) {
			fprintf(stderr, "vigia: %s: %s\n", iface, cap_pcap_error(c));
			rc = EXIT_INPUT;
			break;
		}
		if (n == 0) /* quiet link: the clock still moves */
			for (unsigned i = 0; i < pl->nw; i++)
				worker_advance(pl->w[i], wall_us());
		if (pl->show_progress)
			show_progress(pl, pl->pkts, 0, 0, 0);
	}
	g_cap = NULL;
	worker_policy_offline(pl->w[0]);
	uint64_t recv, drop;
	if (cap_pcap_live_stats(c, &recv, &drop) == 0 && !pl->o->quiet)
		fprintf(stderr, "\nvigia: %s: %" PRIu64 " received by filter, %"
			PRIu64 " dropped by kernel/interface\n", iface, recv, drop);
	cap_pcap_close(c);
	int frc = pipeline_finish(pl, rc ? "capture error" : "ok");
	return rc ? rc : frc;
}

struct pipeline;
static void maybe_reload(struct pipeline *pl);

struct stats_thr {
	struct dpdk_ctx *c;
	struct pipeline *pl;
	unsigned interval;
	volatile int done;
};

static void *dpdk_stats_main(void *arg)
{
	struct stats_thr *t = arg;
	struct dpdk_stats s;
	unsigned waited = 0;

	while (!t->done) {
		struct timespec ts = { 0, 100 * 1000000 };
		nanosleep(&ts, NULL);
		watchdog_tick();
		maybe_reload(t->pl); /* SIGHUP: the lcores are all workers */
		if (!t->interval || ++waited < t->interval * 10)
			continue;
		waited = 0;
		dpdk_get_stats(t->c, &s);
		fprintf(stderr, "vigia: port: %" PRIu64 " rx, %" PRIu64 " missed, %"
			PRIu64 " no mbuf, %" PRIu64 " errors; workers:", s.ipackets,
			s.imissed, s.rx_nombuf, s.ierrors);
		for (unsigned i = 0; i < s.nq; i++)
			fprintf(stderr, " %" PRIu64, s.worker_pkts[i]);
		fprintf(stderr, "\n");
	}
	return NULL;
}

static int run_dpdk(struct pipeline *pl, struct opts *o, int nargs, char **args)
{
	char err[512];
	char **eal = calloc((size_t)nargs + 2, sizeof(char *));

	if (!eal)
		return EXIT_INPUT;
	eal[0] = (char *)"vigia";
	for (int i = 0; i < nargs; i++)
		eal[i + 1] = args[i];
	o->dpdk.eal_argc = nargs + 1;
	o->dpdk.eal_argv = eal;
	o->dpdk.stop = &g_stop;
	o->dpdk.reasm_mem = o->reasm_mb << 20;
	o->dpdk.reasm_timeout_us = (o->reasm_timeout_s ? o->reasm_timeout_s : 30) * 1000000ULL;
	struct dpdk_ctx *c = dpdk_open(&o->dpdk, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "vigia: %s\n", err);
		free(eal);
		return EXIT_INPUT;
	}
	o->workers = dpdk_nb_queues(c);
	/* a vdev replay (idle stop) is lossless like replay; a live NIC drops
	 * and counts events rather than stall its RX queues */
	int rc = pipeline_init(pl, o, o->dpdk.idle_stop_ms != 0);
	if (rc) {
		dpdk_close(c);
		free(eal);
		return rc;
	}
	pl->show_progress = 0;
	if (!o->quiet)
		fprintf(stderr, "vigia: DPDK capture, %u worker%s (Ctrl-C to stop)\n",
			o->workers, o->workers > 1 ? "s" : "");
	struct stats_thr st = { c, pl, o->stats_interval, 0 };
	pthread_t thr;
	if (become_service(pl, SERVICE_KEEP_CAPTURE, 1, "DPDK capture") != 0) {
		pipeline_finish(pl, "cannot drop privileges");
		dpdk_close(c);
		free(eal);
		return EXIT_INPUT;
	}
	/* this thread turns the reloads, reopens and the watchdog */
	int have_thr = pthread_create(&thr, NULL, dpdk_stats_main, &st) == 0;
	dpdk_run(c, pl->w);
	if (have_thr) {
		st.done = 1;
		pthread_join(thr, NULL);
	}
	dpdk_get_stats(c, &pl->dstats);
	pl->have_dpdk = 1;
	for (unsigned i = 0; i < pl->dstats.nq; i++)
		pl->pkts += pl->dstats.worker_pkts[i];
	rc = pipeline_finish(pl, g_stop ? "interrupted" : "ok");
	dpdk_close(c);
	free(eal);
	return rc;
}

static void install_signals(void);

/* vigia alerts: the SOC reads what sensors wrote to Redis. */
static int cmd_alerts(int argc, char **argv)
{
	static const struct option lo[] = {
		{ "redis", required_argument, NULL, 'R' },
		{ "sensor", required_argument, NULL, 's' },
		{ "redis-user", required_argument, NULL, 'u' },
		{ "redis-password-file", required_argument, NULL, 'P' },
		{ "redis-db", required_argument, NULL, 'd' },
		{ "redis-prefix", required_argument, NULL, 'x' },
		{ "group", required_argument, NULL, 'g' },
		{ "consumer", required_argument, NULL, 'c' },
		{ "family", required_argument, NULL, 'f' },
		{ "min-severity", required_argument, NULL, 'm' },
		{ "follow", no_argument, NULL, 'F' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 } };
	static const char *sensors[256];
	static char hostbuf[256], pw[256];
	struct redis_consumer_cfg cfg;
	char err[512];
	int opt;

	memset(&cfg, 0, sizeof(cfg));
	cfg.sensors = sensors;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "s:f:jh", lo, NULL)) != -1) {
		switch (opt) {
		case 'R':
			if (!strncmp(optarg, "unix:", 5)) {
				cfg.unix_path = optarg + 5;
			} else {
				snprintf(hostbuf, sizeof(hostbuf), "%s", optarg);
				char *colon = strrchr(hostbuf, ':');
				if (colon) {
					*colon = 0;
					cfg.port = atoi(colon + 1);
				}
				cfg.host = hostbuf;
			}
			break;
		case 's':
			if (cfg.nsensors < 256)
				sensors[cfg.nsensors++] = optarg;
			break;
		case 'u': cfg.user = optarg; break;
		case 'P': {
			FILE *f = fopen(optarg, "r");
			if (!f || !fgets(pw, sizeof(pw), f)) {
				fprintf(stderr, "vigia: --redis-password-file %s: unreadable\n", optarg);
				if (f)
					fclose(f);
				return EXIT_USAGE;
			}
			fclose(f);
			pw[strcspn(pw, "\r\n")] = 0;
			cfg.password = pw;
			break;
		}
		case 'd': cfg.db = atoi(optarg); break;
		case 'x': cfg.prefix = optarg; break;
		case 'g': cfg.group = optarg; break;
		case 'c': cfg.consumer = optarg; break;
		case 'f': cfg.family = optarg; break;
		case 'm': cfg.min_severity = atoi(optarg); break;
		case 'F': cfg.follow = 1; break;
		case 'j': cfg.json = 1; break;
		case 'h':
			printf("usage: vigia alerts --redis HOST[:PORT] --sensor NAME [--sensor NAME...]\n"
			       "       [--family alerts|anomalies|flows|stats|sessions] [--group G] [--consumer C]\n"
			       "       [--min-severity N] [--follow] [--json] [--redis-user U]\n"
			       "       [--redis-password-file F] [--redis-db N] [--redis-prefix P]\n"
			       "Reads through a consumer group (XREADGROUP) and acknowledges (XACK)\n"
			       "every entry read; --follow waits for new ones until Ctrl-C.\n");
			return EXIT_OK;
		default:
			return EXIT_USAGE;
		}
	}
	if (!cfg.password && getenv("VIGIA_REDIS_PASSWORD")) {
		snprintf(pw, sizeof(pw), "%s", getenv("VIGIA_REDIS_PASSWORD"));
		cfg.password = pw;
	}
	if (!cfg.nsensors) {
		fprintf(stderr, "vigia: alerts needs at least one --sensor NAME\n");
		return EXIT_USAGE;
	}
	install_signals();
	cfg.stop = &g_stop;
	long n = redis_consumer_run(&cfg, stdout, err, sizeof(err));
	if (n < 0) {
		fprintf(stderr, "vigia: %s\n", err);
		return EXIT_INPUT;
	}
	return EXIT_OK;
}

static void install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/* Arguments from a file: every "@FILE" argument is replaced by the
 * whitespace-separated words of FILE ('#' starts a comment), so a deployment
 * keeps its options and EAL arguments in one place. Returns the new argv
 * (allocated, never freed: lives as long as the process), NULL on error. */
static char **volatile argv_store;

static char **expand_argfiles(int *argc, char **argv)
{
	int cap = *argc + 1, n = 0;
	char **out = calloc((size_t)cap, sizeof(char *));

	if (!out)
		return NULL;
	for (int i = 0; i < *argc; i++) {
		if (i == 0 || argv[i][0] != '@' || !argv[i][1]) {
			out[n++] = argv[i];
			continue;
		}
		FILE *f = fopen(argv[i] + 1, "r");
		if (!f) {
			fprintf(stderr, "vigia: %s: %s\n", argv[i] + 1, strerror(errno));
			free(out);
			return NULL;
		}
		char line[1024];
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "#")] = 0;
			char *save = NULL;
			for (char *w = strtok_r(line, " \t\r\n", &save); w;
			     w = strtok_r(NULL, " \t\r\n", &save)) {
				if (n + 2 > cap) {
					char **g = realloc(out, (size_t)(cap *= 2) * sizeof(char *));
					if (!g) {
						fclose(f);
						free(out);
						return NULL;
					}
					out = g;
				}
				out[n++] = strdup(w);
			}
		}
		fclose(f);
	}
	out[n] = NULL;
	*argc = n;
	argv_store = out; /* lives as long as the process (and LSan sees it) */
	return out;
}

/* "--config FILE" anywhere before "--": load it, take it out of argv, and
 * put the file's options first (the command line after them wins); "run"
 * becomes the capture the file names; dpdk gets the file's EAL arguments
 * unless the command line brings its own. 0, or an exit status. */
static int apply_config(int *argc, char ***argv, struct config *cfg)
{
	char **av = *argv, err[512];
	const char *path = NULL;
	int n = 0;
	char **kept = calloc((size_t)*argc + 1, sizeof(char *));

	if (!kept)
		return EXIT_INPUT;
	for (int i = 0; i < *argc; i++) {
		if (!strcmp(av[i], "--")) {
			while (i < *argc)
				kept[n++] = av[i++];
			break;
		}
		if (i >= 2 && !strcmp(av[i], "--config") && i + 1 < *argc) {
			path = av[++i];
			continue;
		}
		if (i >= 2 && !strncmp(av[i], "--config=", 9)) {
			path = av[i] + 9;
			continue;
		}
		kept[n++] = av[i];
	}
	const char *cmd = av[1];
	if (!path) {
		free(kept);
		if (!strcmp(cmd, "run")) {
			fprintf(stderr, "vigia: run needs --config FILE\n");
			return EXIT_USAGE;
		}
		return 0;
	}
	if (config_load(path, cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		free(kept);
		return EXIT_INPUT;
	}
	if (!strcmp(cmd, "run")) {
		if (!cfg->mode[0]) {
			fprintf(stderr, "%s: capture.mode is not set (dpdk or pcap)\n", path);
			free(kept);
			return EXIT_INPUT;
		}
		cmd = cfg->mode;
	}
	int m;
	char **merged = config_argv(cfg, n - 1, kept + 1, &m);
	free(kept);
	if (!merged)
		return EXIT_INPUT;
	int has_dd = 0;
	for (int i = 0; i < m; i++)
		has_dd |= !strcmp(merged[i], "--");
	int extra = !strcmp(cmd, "dpdk") && !has_dd && cfg->neal ? (int)cfg->neal + 1 : 0;
	char **out = calloc((size_t)(m + extra + 2), sizeof(char *));
	if (!out)
		return EXIT_INPUT;
	out[0] = av[0];
	out[1] = (char *)cmd;
	for (int i = 1; i < m; i++)
		out[i + 1] = merged[i];
	int k = m + 1;
	if (extra) {
		out[k++] = (char *)"--";
		for (unsigned i = 0; i < cfg->neal; i++)
			out[k++] = cfg->eal[i];
	}
	*argc = k;
	*argv = out; /* lives as long as the process, like cfg */
	return 0;
}

/* vigia check-config FILE: the loader's checks, then every value through
 * the same parser the command line goes through. */
static int cmd_check_config(int argc, char **argv)
{
	static struct config cfg;
	static struct opts o;
	char err[512];

	if (argc != 3) {
		fprintf(stderr, "usage: vigia check-config FILE\n");
		return EXIT_USAGE;
	}
	if (config_load(argv[2], &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_INPUT;
	}
	char *one[] = { (char *)"check-config", NULL };
	int m;
	char **merged = config_argv(&cfg, 1, one, &m);
	if (!merged || parse_opts(m, merged, &o) != 0) {
		fprintf(stderr, "%s: refused\n", argv[2]);
		return EXIT_INPUT;
	}
	if (o.policy_path && access(o.policy_path, R_OK) != 0)
		fprintf(stderr, "%s: warning: policy %s: %s\n", argv[2], o.policy_path,
			strerror(errno));
	printf("%s: ok: capture %s, %u options%s\n", argv[2],
	       cfg.mode[0] ? cfg.mode : "(not set: run needs it)", cfg.n,
	       cfg.neal ? ", EAL arguments" : "");
	return EXIT_OK;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	static struct opts o;
	static struct pipeline pl;
	char host[64] = "vigia";

	pthread_mutex_init(&pl.busy_mu, NULL);

	argv = expand_argfiles(&argc, argv);
	if (!argv)
		return EXIT_USAGE;
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		printf("vigia %s (nDPI %s, %s)\n", VIGIA_VERSION,
		       classify_lib_version(), cap_pcap_lib_version());
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "preflight")) {
		int first = 2;
		if (argc > 2 && !strcmp(argv[2], "--"))
			first = 3;
		else if (argc > 2) {
			fprintf(stderr, "usage: vigia preflight [-- EAL-ARGS]\n");
			return EXIT_USAGE;
		}
		return preflight_run(argc - first, argv + first, stdout) ? EXIT_INPUT
									: EXIT_OK;
	}
	if (!strcmp(argv[1], "alerts"))
		return cmd_alerts(argc - 1, argv + 1);
	if (!strcmp(argv[1], "check-config"))
		return cmd_check_config(argc, argv);
	if (!strcmp(argv[1], "devices"))
		return devices_cmd(argc - 1, argv + 1, devices_policy_load, devices_policy_free);
	int crc = apply_config(&argc, &argv, &cfg);
	if (crc)
		return crc;
	if (!strcmp(argv[1], "detectors")) {
		int fmt = argc > 2 && !strcmp(argv[2], "--json")       ? 1
			  : argc > 2 && !strcmp(argv[2], "--markdown") ? 2
								       : 0;
		if (argc > 3 || (argc == 3 && !fmt)) {
			fprintf(stderr, "usage: vigia detectors [--json|--markdown]\n");
			return EXIT_USAGE;
		}
		detector_inventory(stdout, fmt);
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "check-policy")) {
		struct policy_names nm;
		char err[512];
		if (argc != 3) {
			fprintf(stderr, "usage: vigia check-policy FILE\n");
			return EXIT_USAGE;
		}
		struct classifier *nc = names_classifier(&nm, err, sizeof(err));
		if (!nc) {
			fprintf(stderr, "vigia: %s\n", err);
			return EXIT_INPUT;
		}
		struct policy *pol = policy_load(argv[2], &nm, err, sizeof(err));
		classifier_destroy(nc);
		if (!pol) {
			fprintf(stderr, "%s\n", err);
			return EXIT_INPUT;
		}
		policy_print_summary(pol, stdout);
		policy_free(pol);
		return EXIT_OK;
	}
	const char *cmd = argv[1];
	if (strcmp(cmd, "replay") != 0 && strcmp(cmd, "live") != 0 &&
	    strcmp(cmd, "dpdk") != 0) {
		fprintf(stderr, "vigia: unknown command '%s'\n", cmd);
		usage(stderr);
		return EXIT_USAGE;
	}

	flow_table_default_cfg(&o.ft);
	classify_default_cfg(&o.cls);
	o.workers = 1;
	o.reasm_mb = 16;
	o.evq_slots = 65536;
	o.progress = -1;
	gethostname(host, sizeof(host) - 1);
	o.sensor = host;

	int prc = parse_opts(argc - 1, argv + 1, &o);
	if (prc)
		return prc;
	if (!o.allow_root) {
		const char *e = getenv("VIGIA_ALLOW_ROOT");
		o.allow_root = e && !strcmp(e, "1");
	}
	/* a replay needs no privilege: as root it runs only when told */
	if (geteuid() == 0 && !o.user && !o.allow_root && !strcmp(cmd, "replay")) {
		fprintf(stderr, "vigia: refusing to replay as root, which it does not need: "
				"--user U to drop to U, or --allow-root (VIGIA_ALLOW_ROOT=1)\n");
		return EXIT_USAGE;
	}
	if (!o.state_interval_set)
		o.state_interval = 300;
	if (o.state_dir && o.redis && !o.rcfg.spool_dir) {
		snprintf(o.spool_buf, sizeof(o.spool_buf), "%s/spool", o.state_dir);
		if (mkdir(o.spool_buf, 0750) != 0 && errno != EEXIST) {
			fprintf(stderr, "vigia: %s: %s\n", o.spool_buf, strerror(errno));
			return EXIT_INPUT;
		}
		o.rcfg.spool_dir = o.spool_buf;
	}
	if (o.cls.max_slots > o.ft.max_flows)
		o.cls.max_slots = o.ft.max_flows;

	/* nDPI allocates and frees small buffers per flow; keep freed memory
	 * in the process instead of trimming the heap back to the kernel
	 * after every burst of frees (measured: page faults were ~10% of a
	 * worker's time). */
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);

	install_signals();
	if (!strcmp(cmd, "replay")) {
		int nfiles = argc - 1 - optind;
		char **files = argv + 1 + optind;
		if (nfiles < 1) {
			fprintf(stderr, "vigia: replay needs at least one capture file\n");
			return EXIT_USAGE;
		}
		int rc = pipeline_init(&pl, &o, 1);
		if (rc)
			return rc;
		if (become_service(&pl, SERVICE_KEEP_NONE, 0, "replaying") != 0) {
			pipeline_finish(&pl, "cannot drop privileges");
			return EXIT_INPUT;
		}
		pl.show_progress = !o.quiet && (o.progress == 1 ||
				   (o.progress == -1 && isatty(STDERR_FILENO)));
		return run_files(&pl, files, nfiles);
	}
	if (!strcmp(cmd, "dpdk")) {
		if (o.workers > 1 || o.preload || o.raw_read) {
			fprintf(stderr, "vigia: dpdk runs one worker per EAL lcore "
					"(-l/--lcores after --); -w, --preload and "
					"--raw-read are for replay\n");
			return EXIT_USAGE;
		}
		return run_dpdk(&pl, &o, argc - 1 - optind, argv + 1 + optind);
	}
	if (!o.iface) {
		fprintf(stderr, "vigia: live needs -i IFACE\n");
		return EXIT_USAGE;
	}
	if (argc - 1 - optind > 0) {
		fprintf(stderr, "vigia: live takes no file arguments\n");
		return EXIT_USAGE;
	}
	if (o.workers > 1 || o.preload || o.raw_read) {
		fprintf(stderr, "vigia: live capture runs one worker; -w, --preload "
				"and --raw-read are for replay (use DPDK for more)\n");
		return EXIT_USAGE;
	}
	int rc = pipeline_init(&pl, &o, 0);
	if (rc)
		return rc;
	pl.show_progress = !o.quiet && (o.progress == 1 ||
			   (o.progress == -1 && isatty(STDERR_FILENO)));
	return run_live(&pl, o.iface);
}

/* options: the command line (and @FILE, --config) into struct opts. Exit status: 0 ok, 1 bad input, 2 bad usage. */
#include "app.h"

void usage(FILE *fp)
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
int parse_opts(int argc, char **argv, struct opts *o)
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

/* Arguments from a file: every "@FILE" argument is replaced by the
 * whitespace-separated words of FILE ('#' starts a comment), so a deployment
 * keeps its options and EAL arguments in one place. Returns the new argv
 * (allocated, never freed: lives as long as the process), NULL on error. */
static char **volatile argv_store;

char **expand_argfiles(int *argc, char **argv)
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
int apply_config(int *argc, char ***argv, struct config *cfg)
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

/* The options of a capture command (replay, live, dpdk): defaults, the
 * command line, then what follows from them; *plp: the run's pipeline, not
 * yet assembled, its options in (*plp)->o. argv[0] is the command. 0, or an
 * exit status after printing why. */
int capture_opts(int argc, char **argv, struct pipeline **plp)
{
	static char host[64] = "vigia";
	static struct opts opts;
	static struct pipeline pl;
	struct opts *o = &opts;

	pthread_mutex_init(&pl.busy_mu, NULL);
	pl.o = o;
	*plp = &pl;
	const char *cmd = argv[0];

	flow_table_default_cfg(&o->ft);
	classify_default_cfg(&o->cls);
	o->workers = 1;
	o->reasm_mb = 16;
	o->evq_slots = 65536;
	o->progress = -1;
	gethostname(host, sizeof(host) - 1);
	o->sensor = host;

	int prc = parse_opts(argc, argv, o);
	if (prc)
		return prc;
	if (!o->allow_root) {
		const char *e = getenv("VIGIA_ALLOW_ROOT");
		o->allow_root = e && !strcmp(e, "1");
	}
	/* a replay needs no privilege: as root it runs only when told */
	if (geteuid() == 0 && !o->user && !o->allow_root && !strcmp(cmd, "replay")) {
		fprintf(stderr, "vigia: refusing to replay as root, which it does not need: "
				"--user U to drop to U, or --allow-root (VIGIA_ALLOW_ROOT=1)\n");
		return EXIT_USAGE;
	}
	if (!o->state_interval_set)
		o->state_interval = 300;
	if (o->state_dir && o->redis && !o->rcfg.spool_dir) {
		snprintf(o->spool_buf, sizeof(o->spool_buf), "%s/spool", o->state_dir);
		if (mkdir(o->spool_buf, 0750) != 0 && errno != EEXIST) {
			fprintf(stderr, "vigia: %s: %s\n", o->spool_buf, strerror(errno));
			return EXIT_INPUT;
		}
		o->rcfg.spool_dir = o->spool_buf;
	}
	if (o->cls.max_slots > o->ft.max_flows)
		o->cls.max_slots = o->ft.max_flows;

	/* nDPI allocates and frees small buffers per flow; keep freed memory
	 * in the process instead of trimming the heap back to the kernel
	 * after every burst of frees (measured: page faults were ~10% of a
	 * worker's time). */
	mallopt(M_TRIM_THRESHOLD, 256 << 20);
	mallopt(M_TOP_PAD, 16 << 20);
	mallopt(M_MMAP_THRESHOLD, 32 << 20);

	install_signals();
	return 0;
}

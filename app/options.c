/* options: the command line (and @FILE, --config) into struct opts. Exit status: 0 ok, 1 bad input, 2 bad usage. */
#include "app.h"
#include "optable.h"

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
	);
	optable_help(fp);
	fprintf(fp,
"\n"
"SIGHUP reloads the policy and reopens the output file, SIGUSR1 reopens it.\n"
"Any argument @FILE is replaced by the words of FILE (# comments): see\n"
"deploy/vigia-dpdk.conf.\n"
"\n"
"exit status: 0 ok, 1 bad input (file unreadable, not a capture, truncated,\n"
"unsupported link type), 2 bad usage.\n");
}

/* getopt_long's view of the option table: a long option's val is 256 plus
 * its index in optable[]; short flags are looked up by their letter. */
static const struct option *long_options(const char **shortopts)
{
	static struct option lo[96];
	static char so[64];
	size_t n = 0, k = 0;

	if (!lo[0].name) {
		for (size_t i = 0; i < optable_n && n + 1 < sizeof(lo) / sizeof(lo[0]); i++) {
			const struct optdef *d = &optable[i];
			if (!d->opt)
				continue;
			int arg = d->type == K_BOOL ? no_argument : required_argument;
			lo[n++] = (struct option){ d->opt + 2, arg, NULL, 256 + (int)i };
			if (d->shortopt && k + 3 < sizeof(so)) {
				so[k++] = d->shortopt;
				if (arg == required_argument)
					so[k++] = ':';
			}
		}
	}
	*shortopts = so;
	return lo;
}

/* Returns 0, or EXIT_USAGE after printing why. */
int parse_opts(int argc, char **argv, struct opts *o)
{
	const char *so;
	const struct option *lo = long_options(&so);
	int c;

	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		const struct optdef *d = c >= 256 ? &optable[c - 256]
				       : c != '?' && c != ':' ? optable_find(NULL, (char)c)
							     : NULL;
		if (!d) {
			fprintf(stderr, "Try 'vigia --help'.\n");
			return EXIT_USAGE;
		}
		if (d->shortopt == 'h') {
			usage(stdout);
			exit(EXIT_OK);
		}
		int rc = optable_apply(d, o, d->type == K_BOOL ? NULL : optarg);
		if (rc)
			return rc;
	}
	return 0;
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

/* vigia: the program's main is a table of subcommands (as git.c's
 * commands[]); each lives in a file of its own under app/. Here: the
 * dispatch, the signals every long-running command shares, and nothing
 * else. Exit status: 0 ok, 1 bad input, 2 bad usage. */
#include "app.h"

volatile sig_atomic_t g_stop;
volatile sig_atomic_t g_reload;
volatile sig_atomic_t g_reopen;
volatile uint64_t g_heartbeat;
struct cap_pcap *volatile g_cap;

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

void install_signals(void)
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

struct command {
	const char *name;
	int (*run)(int argc, char **argv); /* argv[0]: the command's name */
	int config;                        /* runs after --config is applied */
};

static const struct command commands[] = {
	{ "preflight", cmd_preflight, 0 },
	{ "alerts", cmd_alerts, 0 },
	{ "check-config", cmd_check_config, 0 },
	{ "devices", cmd_devices, 0 },
	{ "detectors", cmd_detectors, 1 },
	{ "check-policy", cmd_check_policy, 1 },
	{ "replay", cmd_replay, 1 },
	{ "live", cmd_live, 1 },
	{ "dpdk", cmd_dpdk, 1 },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static const struct command *find_command(const char *name, int config)
{
	for (unsigned i = 0; i < NCOMMANDS; i++)
		if (commands[i].config == config && !strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

int main(int argc, char **argv)
{
	static struct config cfg;
	const struct command *c;

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
	/* these read no config file: they check one, or talk to Redis */
	if ((c = find_command(argv[1], 0)))
		return c->run(argc - 1, argv + 1);
	/* "--config FILE" anywhere: its options first; "run" becomes the
	 * capture mode the file names */
	int crc = apply_config(&argc, &argv, &cfg);
	if (crc)
		return crc;
	if ((c = find_command(argv[1], 1)))
		return c->run(argc - 1, argv + 1);
	fprintf(stderr, "vigia: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}

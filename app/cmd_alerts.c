/* cmd_alerts: `vigia alerts`: the SOC reads what sensors wrote to Redis. */
#include "app.h"

int cmd_alerts(int argc, char **argv)
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

/* cmd_check_config: `vigia check-config FILE`: the loader's checks, then
 * every value through the same parser the command line goes through. */
#include "app.h"

int cmd_check_config(int argc, char **argv)
{
	static struct config cfg;
	static struct opts o;
	char err[512];

	if (argc != 2) {
		fprintf(stderr, "usage: vigia check-config FILE\n");
		return EXIT_USAGE;
	}
	if (config_load(argv[1], &cfg, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return EXIT_INPUT;
	}
	char *one[] = { (char *)"check-config", NULL };
	int m;
	char **merged = config_argv(&cfg, 1, one, &m);
	if (!merged || parse_opts(m, merged, &o) != 0) {
		fprintf(stderr, "%s: refused\n", argv[1]);
		return EXIT_INPUT;
	}
	if (o.policy_path && access(o.policy_path, R_OK) != 0)
		fprintf(stderr, "%s: warning: policy %s: %s\n", argv[1], o.policy_path,
			strerror(errno));
	printf("%s: ok: capture %s, %u options%s\n", argv[1],
	       cfg.mode[0] ? cfg.mode : "(not set: run needs it)", cfg.n,
	       cfg.neal ? ", EAL arguments" : "");
	return EXIT_OK;
}

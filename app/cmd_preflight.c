/* cmd_preflight: `vigia preflight [-- EAL-ARGS]`: is this server ready
 * for DPDK capture (preflight.c does the checks). */
#include "app.h"

int cmd_preflight(int argc, char **argv)
{
	int first = 1;

	if (argc > 1 && !strcmp(argv[1], "--"))
		first = 2;
	else if (argc > 1) {
		fprintf(stderr, "usage: vigia preflight [-- EAL-ARGS]\n");
		return EXIT_USAGE;
	}
	return preflight_run(argc - first, argv + first, stdout) ? EXIT_INPUT : EXIT_OK;
}

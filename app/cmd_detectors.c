/* cmd_detectors: `vigia detectors [--json|--markdown]`: the inventory of
 * every registered detector (docs/detectors.md is made from it). */
#include "app.h"

int cmd_detectors(int argc, char **argv)
{
	int fmt = argc > 1 && !strcmp(argv[1], "--json")       ? 1
		  : argc > 1 && !strcmp(argv[1], "--markdown") ? 2
							       : 0;
	if (argc > 2 || (argc == 2 && !fmt)) {
		fprintf(stderr, "usage: vigia detectors [--json|--markdown]\n");
		return EXIT_USAGE;
	}
	detector_inventory(stdout, fmt);
	return EXIT_OK;
}

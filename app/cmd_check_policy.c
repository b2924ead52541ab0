/* cmd_check_policy: `vigia check-policy FILE`: load a policy as a reload
 * would (names checked against nDPI), print its summary. */
#include "app.h"

int cmd_check_policy(int argc, char **argv)
{
	struct policy_names nm;
	char err[512];

	if (argc != 2) {
		fprintf(stderr, "usage: vigia check-policy FILE\n");
		return EXIT_USAGE;
	}
	struct classifier *nc = names_classifier(&nm, err, sizeof(err));
	if (!nc) {
		fprintf(stderr, "vigia: %s\n", err);
		return EXIT_INPUT;
	}
	struct policy *pol = policy_load(argv[1], &nm, err, sizeof(err));
	classifier_destroy(nc);
	if (!pol) {
		fprintf(stderr, "%s\n", err);
		return EXIT_INPUT;
	}
	policy_print_summary(pol, stdout);
	policy_free(pol);
	return EXIT_OK;
}

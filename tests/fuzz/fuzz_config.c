/* libFuzzer: the config loader (YAML through libyaml, then the key table's
 * checks) from an exact-size copy of the input, then the argv and origins
 * built from what it accepted. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../app/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[512], where[300];
	char *buf = malloc(size ? size : 1);
	int ac;

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (config_load_buffer("/etc/vigia/fuzz.yaml", buf, size, &cfg, err,
			       sizeof(err)) == 0) {
		char *cmd[] = { (char *)"dpdk", (char *)"-w", (char *)"2", NULL };
		char **av = config_argv(&cfg, 3, cmd, &ac);
		for (int i = 1; av && i < ac; i++)
			config_origin(&cfg, av[i], where, sizeof(where));
		config_free_argv(av);
		config_free(&cfg);
	}
	free(buf);
	return 0;
}

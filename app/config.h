/* config: the sensor's YAML config file (/etc/vigia/vigia.yaml) turned into
 * command-line options.
 *
 * Every key of the file stands for one long option of `vigia` (the table in
 * config.c; deploy/vigia.yaml documents each key). The loader checks the
 * file's shape - known keys, no duplicates, the right type, numbers within
 * the flag's bounds - and reports the first problem as "FILE:LINE:COL:
 * message". It does not apply anything: config_argv() puts the options in
 * front of the command line's, so getopt_long sees the config first and a
 * flag given on the command line wins (the later one does), and every value
 * goes through the very code that parses its flag.
 *
 *   struct config cfg;
 *   if (config_load("/etc/vigia/vigia.yaml", &cfg, err, sizeof(err)))
 *           die("%s", err);
 *   char **av = config_argv(&cfg, argc, argv, &ac);   (getopt_long on av)
 *   ...                                                (cfg outlives av)
 *   config_free_argv(av);
 *   config_free(&cfg);
 *
 * Two keys are not options: capture.mode (cfg->mode: the subcommand) and
 * capture.dpdk.eal (cfg->eal: the EAL arguments, which go after "--").
 *
 * Values: a YAML null (nothing after the colon, ~, null) leaves the key unset,
 * as if it were not there; a mapping key may be null (all its keys commented
 * out). Relative paths (type path) are taken relative to the config file's
 * folder; "-" stays "-". No global state: any number of configs may be
 * loaded at once, from any thread.
 */
#ifndef VIGIA_CONFIG_H
#define VIGIA_CONFIG_H

#include <stddef.h>

#define CONFIG_MAX_FILE (1 << 20) /* bytes in a config file */
#define CONFIG_MAX_LIST 64        /* entries in a list */
#define CONFIG_MAX_VAL 511        /* bytes in a value */

/* One option from the file: "--workers" "4". has_val 0: a flag without a
 * value (a bool key set to true). line, col: the value's place in the
 * file (1-based). */
struct config_arg {
	char opt[40];
	char val[CONFIG_MAX_VAL + 1];
	int has_val;
	unsigned line, col;
};

struct config {
	struct config_arg *args; /* in the file's order */
	unsigned n;
	char file[256];          /* the name given to the loader */
	char mode[8];            /* capture.mode: "dpdk", "live" (pcap), or "" */
	char **eal;              /* capture.dpdk.eal, NULL-terminated (NULL: none) */
	unsigned neal;
};

/* Load the config file at path. Returns 0 with *cfg filled, or -1 with *cfg
 * empty (config_free is harmless on it) and err = "FILE:LINE:COL: message"
 * for: an unknown key (with the valid keys at that level), a duplicate key,
 * a value of the wrong type, a number out of the flag's range, a string
 * longer than CONFIG_MAX_VAL bytes, a list longer than CONFIG_MAX_LIST, bad
 * YAML, more than one YAML document. "FILE: message" (no position) for a
 * file that cannot be read, is not a regular file, or is larger than
 * CONFIG_MAX_FILE. An empty file (or only comments) is a valid, empty
 * config. */
int config_load(const char *path, struct config *cfg, char *err, size_t errlen);

/* The same from memory: name is the file name for messages and the folder
 * relative paths are taken from; buf need not be NUL-terminated. */
int config_load_buffer(const char *name, const char *buf, size_t len,
		       struct config *cfg, char *err, size_t errlen);

/* Free what a successful load allocated and empty *cfg. */
void config_free(struct config *cfg);

/* A new argv for getopt_long: argv[0], the config's options in the file's
 * order, then argv[1..argc-1]; NULL-terminated, its length in *out_argc.
 * The options' strings are cfg's own (no copies): cfg must outlive the
 * returned argv and any optarg taken from it. cfg NULL: a copy of argv.
 * Returns NULL with errno ENOMEM when out of memory. Free the array (not
 * the strings) with config_free_argv. EAL arguments are not included: pass
 * cfg->eal after "--" when the command line has no "--" of its own. */
char **config_argv(const struct config *cfg, int argc, char **argv, int *out_argc);
void config_free_argv(char **v);

/* Where an option's value came from, for error messages: writes
 * "FILE:LINE:COL" of the value in the config file to buf and returns buf,
 * or returns NULL when it did not come from the config (the command line).
 * opt is either optarg as getopt_long returned it from config_argv's argv -
 * exact: a value from the command line is never mistaken for the config's -
 * or an option name ("--workers", "-w"), which gives the config's last
 * entry for that option whether or not the command line overrode it. */
const char *config_origin(const struct config *cfg, const char *opt, char *buf,
			  size_t len);

#endif

/* optable: every option of vigia in one table, as Redis keeps its
 * static_configs[]: name, config-file key, short flag, type, bounds,
 * default, the field it sets and its help. getopt_long's options and
 * `--help` (options.c), the config file's keys and bounds (config.c) and the
 * checks that the man page and the sample config name every option
 * (tests/unit/test_optable.c) are all read from it: an option is added here
 * once, and nowhere else. */
#ifndef VIGIA_OPTABLE_H
#define VIGIA_OPTABLE_H

#include <stddef.h>
#include <stdio.h>

enum opt_type {
	K_STR,  /* a string: --opt VALUE */
	K_PATH, /* a file or folder: relative to the config's folder */
	K_UINT, /* a decimal number in [min, max] */
	K_BOOL, /* a flag: --opt (no value); in a config file true/false */
	K_ENUM, /* one of choices ("a|b|c") */
	K_LIST, /* a list of strings: --opt per element, at most max */
	K_CSV,  /* a list of strings joined with commas, or one string */
	K_MODE, /* config only: capture.mode -> the subcommand */
	K_EAL,  /* config only: capture.dpdk.eal -> the EAL arguments */
};

struct opts;

struct optdef {
	const char *path;      /* config key (dotted); NULL: command line only */
	const char *opt;       /* "--name"; NULL: config only */
	char shortopt;         /* -x, 0 if none */
	enum opt_type type;
	unsigned long min, max;  /* K_UINT bounds; K_LIST, K_CSV: most entries */
	const char *choices;   /* K_ENUM, K_MODE */
	const char *arg;       /* --help: the value's name */
	const char *dflt;      /* --help: the default, NULL: none shown */
	size_t off, size;      /* the field of struct opts a plain value sets */
	/* or what sets it: 0, or an exit status after printing why */
	int (*set)(struct opts *o, const char *v, unsigned long n);
	unsigned section;      /* --help's heading */
	const char *help;      /* lines joined by \n */
};

extern const struct optdef optable[];
extern const size_t optable_n;

/* The entry of a long option name ("max-flows", no dashes) or a short flag;
 * NULL when there is none. */
const struct optdef *optable_find(const char *name, char shortopt);

/* Set what d says from v (NULL for K_BOOL) on o: bounds and type checked
 * first. 0, or an exit status (2: bad usage) after printing why. */
int optable_apply(const struct optdef *d, struct opts *o, const char *v);

/* The options part of `vigia --help`, by section. */
void optable_help(FILE *fp);

#endif

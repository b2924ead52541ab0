#include "log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum log_level log_threshold = LOG_LVL_INFO;

static const char *const names[] = { "error", "warning", "info", "debug" };

__attribute__((format(printf, 2, 0)))
static void default_print(enum log_level lvl, const char *fmt, va_list ap)
{
	/* under systemd, stderr goes to the journal: a <N> prefix gives the
	 * line its syslog priority (sd-daemon(3)) */
	static int journal = -1;
	static const int prio[] = { 3, 4, 6, 7 };

	if (journal < 0)
		journal = getenv("JOURNAL_STREAM") != NULL;
	if (journal)
		fprintf(stderr, "<%d>", prio[lvl]);
	fprintf(stderr, "vigia: %s: ", names[lvl]);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static log_print_fn printer = default_print;

void log_set_level(enum log_level lvl)
{
	log_threshold = lvl;
}

void log_set_print(log_print_fn fn)
{
	printer = fn ? fn : default_print;
}

void log_msg(enum log_level lvl, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	printer(lvl, fmt, ap);
#pragma GCC diagnostic pop
	va_end(ap);
}

int log_parse_level(const char *s)
{
	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i]))
			return i;
	if (!strcmp(s, "warn"))
		return LOG_LVL_WARN;
	return -1;
}

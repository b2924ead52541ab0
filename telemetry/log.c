#include "log.h"

#include <stdio.h>

enum log_level log_threshold = LOG_LVL_INFO;

__attribute__((format(printf, 2, 0)))
static void default_print(enum log_level lvl, const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };

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

/* vigia logging: one macro family, level checked before arguments are
 * evaluated; debug compiles out unless VIGIA_DEBUG is defined. */
#ifndef VIGIA_LOG_H
#define VIGIA_LOG_H

#include <stdarg.h>

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG };

/* Print callback; tests may install one that swallows output. */
typedef void (*log_print_fn)(enum log_level lvl, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

extern enum log_level log_threshold;

void log_set_level(enum log_level lvl);
/* "error", "warn"/"warning", "info", "debug" -> enum log_level; -1 unknown. */
int log_parse_level(const char *s);
void log_set_print(log_print_fn fn);
void log_msg(enum log_level lvl, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define LOG_(lvl, ...)                                                         \
	do {                                                                   \
		if ((lvl) <= log_threshold)                                    \
			log_msg((lvl), __VA_ARGS__);                           \
	} while (0)
#define log_err(...) LOG_(LOG_LVL_ERR, __VA_ARGS__)
#define log_warn(...) LOG_(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) LOG_(LOG_LVL_INFO, __VA_ARGS__)
#ifdef VIGIA_DEBUG
#define log_debug(...) LOG_(LOG_LVL_DEBUG, __VA_ARGS__)
#else
#define log_debug(...) do { } while (0)
#endif

#endif

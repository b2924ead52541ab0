/* redis_consumer: the SOC side - read one or many sensors' streams through
 * a consumer group (XREADGROUP), print each entry, acknowledge it (XACK).
 * What `vigia alerts` runs. */
#ifndef VIGIA_REDIS_CONSUMER_H
#define VIGIA_REDIS_CONSUMER_H

#include <signal.h>
#include <stdio.h>

struct redis_consumer_cfg {
	const char *host;          /* default 127.0.0.1 */
	int port;                  /* default 6379 */
	const char *unix_path;
	const char *user, *password;
	int db;
	const char *prefix;        /* default "vigia" */
	const char *const *sensors;
	int nsensors;
	const char *family;        /* "alerts" (default), "anomalies", "flows", "stats" */
	const char *group;         /* default "vigia-soc" */
	const char *consumer;      /* default: host name */
	int follow;                /* block for new entries until stopped */
	int min_severity;          /* 0: all; else only severity 1..N (1 = highest) */
	int json;                  /* print the EVE JSON instead of one line */
	volatile sig_atomic_t *stop;
};

/* Returns the number of entries printed (and acknowledged), or -1 with one
 * line in err. */
long redis_consumer_run(const struct redis_consumer_cfg *cfg, FILE *out,
			char *err, size_t errlen);

#endif

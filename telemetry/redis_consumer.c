#include "redis_consumer.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "sink_redis.h"

#define MAX_SENSORS 256

/* Value of a key in an EVE line, for the one-line view only (--json
 * passes lines through untouched): the first occurrence of "key": wins,
 * which for EVE's field names is the one meant. */
static void field(const char *json, const char *key, char *out, size_t cap)
{
	char pat[64];
	const char *p;

	out[0] = 0;
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(json, pat);
	if (!p)
		return;
	p += strlen(pat);
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = 0;
	if (*p == '"') {
		p++;
		while (*p && *p != '"' && n + 1 < cap) {
			if (*p == '\\' && p[1])
				p++;
			out[n++] = *p++;
		}
	} else {
		while (*p && *p != ',' && *p != '}' && n + 1 < cap)
			out[n++] = *p++;
	}
	out[n] = 0;
}

static void print_line(FILE *out, const char *sensor_key, const char *etype,
		       int sev, const char *json)
{
	char ts[40], src[48], sp[8], dst[48], dp[8], proto[12], what[160], app[32];

	field(json, "timestamp", ts, sizeof(ts));
	field(json, "src_ip", src, sizeof(src));
	field(json, "src_port", sp, sizeof(sp));
	field(json, "dest_ip", dst, sizeof(dst));
	field(json, "dest_port", dp, sizeof(dp));
	field(json, "proto", proto, sizeof(proto));
	field(json, "app_proto", app, sizeof(app));
	if (!strcmp(etype, "alert"))
		field(json, "signature", what, sizeof(what));
	else if (!strcmp(etype, "anomaly"))
		field(json, "event", what, sizeof(what));
	else
		snprintf(what, sizeof(what), "%s", app);
	const char *sensor = strchr(sensor_key, '{');
	char sname[128] = "";
	if (sensor) {
		snprintf(sname, sizeof(sname), "%s", sensor + 1);
		sname[strcspn(sname, "}")] = 0;
	}
	fprintf(out, "%s %-12s %-8s", ts, sname, etype);
	if (sev)
		fprintf(out, " sev %d", sev);
	fprintf(out, " %s  %s%s%s -> %s%s%s %s\n", what, src, sp[0] ? ":" : "", sp,
		dst, dp[0] ? ":" : "", dp, proto);
}


long redis_consumer_run(const struct redis_consumer_cfg *cfg_in, FILE *out,
			char *err, size_t errlen)
{
	struct redis_consumer_cfg cfg = *cfg_in;
	static char keys[MAX_SENSORS][160];
	char host[64] = "vigia";
	long printed = 0;

	if (!cfg.host)
		cfg.host = "127.0.0.1";
	if (!cfg.port)
		cfg.port = 6379;
	if (!cfg.family)
		cfg.family = "alerts";
	if (!cfg.group)
		cfg.group = "vigia-soc";
	if (!cfg.consumer) {
		gethostname(host, sizeof(host) - 1);
		cfg.consumer = host;
	}
	if (cfg.nsensors < 1 || cfg.nsensors > MAX_SENSORS) {
		snprintf(err, errlen, "give 1 to %d sensors (--sensor NAME)", MAX_SENSORS);
		return -1;
	}
	enum redis_family fam = RF_ALERTS;
	static const char *const names[RF_MAX] = { "flows", "alerts", "stats", "anomalies",
						   "sessions" };
	int found = 0;
	for (int f = 0; f < RF_MAX; f++)
		if (!strcmp(cfg.family, names[f])) {
			fam = (enum redis_family)f;
			found = 1;
		}
	if (!found) {
		snprintf(err, errlen, "unknown stream family '%s'", cfg.family);
		return -1;
	}
	int refused;
	redisContext *c = redis_open(cfg.host, cfg.port, cfg.unix_path, cfg.user,
				     cfg.password, cfg.db, 2000, &refused, err, errlen);
	if (!c)
		return -1;
	for (int i = 0; i < cfg.nsensors; i++) {
		struct redis_sink_cfg kc = { .prefix = cfg.prefix, .sensor = cfg.sensors[i] };
		redis_sink_key(&kc, fam, keys[i], sizeof(keys[i]));
		redisReply *r = redisCommand(c, "XGROUP CREATE %s %s 0 MKSTREAM",
					     keys[i], cfg.group);
		if (!r) {
			snprintf(err, errlen, "redis: %s", c->errstr);
			redisFree(c);
			return -1;
		}
		if (r->type == REDIS_REPLY_ERROR && strncmp(r->str, "BUSYGROUP", 9)) {
			snprintf(err, errlen, "redis: XGROUP CREATE %s: %s", keys[i], r->str);
			freeReplyObject(r);
			redisFree(c);
			return -1;
		}
		freeReplyObject(r);
	}
	/* XREADGROUP GROUP g c COUNT 256 [BLOCK ms] STREAMS k1..kn > .. > */
	int argc = 0;
	const char **argv = calloc((size_t)(2 * cfg.nsensors + 10), sizeof(char *));
	if (!argv) {
		redisFree(c);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	argv[argc++] = "XREADGROUP";
	argv[argc++] = "GROUP";
	argv[argc++] = cfg.group;
	argv[argc++] = cfg.consumer;
	argv[argc++] = "COUNT";
	argv[argc++] = "256";
	if (cfg.follow) {
		argv[argc++] = "BLOCK";
		argv[argc++] = "500";
	}
	argv[argc++] = "STREAMS";
	for (int i = 0; i < cfg.nsensors; i++)
		argv[argc++] = keys[i];
	for (int i = 0; i < cfg.nsensors; i++)
		argv[argc++] = ">";
	for (;;) {
		if (cfg.stop && *cfg.stop)
			break;
		redisReply *r = redisCommandArgv(c, argc, argv, NULL);
		if (!r) {
			snprintf(err, errlen, "redis: %s", c->errstr);
			printed = -1;
			break;
		}
		if (r->type == REDIS_REPLY_NIL) { /* nothing new */
			freeReplyObject(r);
			if (!cfg.follow)
				break;
			continue;
		}
		if (r->type != REDIS_REPLY_ARRAY) {
			snprintf(err, errlen, "redis: XREADGROUP: %s",
				 r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
			freeReplyObject(r);
			printed = -1;
			break;
		}
		for (size_t s = 0; s < r->elements; s++) {
			redisReply *st = r->element[s];
			if (st->type != REDIS_REPLY_ARRAY || st->elements != 2)
				continue;
			const char *key = st->element[0]->str;
			redisReply *ents = st->element[1];
			for (size_t e = 0; e < ents->elements; e++) {
				redisReply *en = ents->element[e];
				if (en->type != REDIS_REPLY_ARRAY || en->elements != 2)
					continue;
				const char *id = en->element[0]->str;
				redisReply *kv = en->element[1];
				const char *etype = "", *json = "";
				int sev = 0;
				for (size_t k = 0; k + 1 < kv->elements; k += 2) {
					const char *f = kv->element[k]->str;
					const char *v = kv->element[k + 1]->str;
					if (!strcmp(f, "event_type"))
						etype = v;
					else if (!strcmp(f, "json"))
						json = v;
					else if (!strcmp(f, "severity"))
						sev = atoi(v);
				}
				int show = !cfg.min_severity ||
					   (sev && sev <= cfg.min_severity);
				if (show) {
					if (cfg.json)
						fprintf(out, "%s\n", json);
					else
						print_line(out, key, etype, sev, json);
					printed++;
				}
				redisReply *a = redisCommand(c, "XACK %s %s %s", key,
							     cfg.group, id);
				if (a)
					freeReplyObject(a);
			}
		}
		fflush(out);
		freeReplyObject(r);
	}
	free(argv);
	redisFree(c);
	return printed;
}

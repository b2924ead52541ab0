#include "state_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#define LINE_MAX_ 8192

int state_file_load(const char *path, state_line_fn fn, void *ctx, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	char line[LINE_MAX_];

	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		char *k = strchr(line, '\t');
		char *t = k ? strchr(k + 1, '\t') : NULL;
		if (!t)
			continue; /* not ours: skipped */
		*k++ = 0;
		*t++ = 0;
		fn(ctx, line, k, t);
	}
	fclose(f);
	return 0;
}

struct file_out {
	FILE *f;
	int bad;
};

static void file_line(void *ctx, const char *owner, const char *key, const char *text)
{
	struct file_out *o = ctx;

	if (fprintf(o->f, "%s\t%s\t%s\n", owner, key, text) < 0)
		o->bad = 1;
}

int state_file_save(const char *path, state_walk_fn walk, void *walk_ctx, char *err,
		    size_t errlen)
{
	char tmp[4096];
	struct file_out o = { NULL, 0 };

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	o.f = fopen(tmp, "w");
	if (!o.f) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		return -1;
	}
	walk(walk_ctx, file_line, &o);
	if (fflush(o.f) || fsync(fileno(o.f)))
		o.bad = 1;
	if (fclose(o.f) || o.bad || rename(tmp, path)) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

static redisContext *open_cfg(const struct redis_sink_cfg *cfg, char *err, size_t errlen)
{
	int refused;

	return redis_open(cfg->host ? cfg->host : "127.0.0.1", cfg->port ? cfg->port : 6379,
			  cfg->unix_path, cfg->user, cfg->password, cfg->db,
			  cfg->timeout_ms ? cfg->timeout_ms : 2000, &refused, err, errlen);
}

long state_redis_load(const struct redis_sink_cfg *cfg, state_line_fn fn, void *ctx, char *err,
		      size_t errlen)
{
	redisContext *c = open_cfg(cfg, err, errlen);
	char pat[256], cursor[32] = "0";
	const char *prefix = cfg->prefix ? cfg->prefix : "vigia";
	size_t plen;
	long n = 0;

	if (!c)
		return -1;
	snprintf(pat, sizeof(pat), "%s:device:", prefix);
	plen = strlen(pat);
	do {
		redisReply *r = redisCommand(c, "SCAN %s MATCH %s* COUNT 500", cursor, pat);
		if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
			snprintf(err, errlen, "redis SCAN: %s", r && r->str ? r->str : c->errstr);
			if (r)
				freeReplyObject(r);
			redisFree(c);
			return -1;
		}
		snprintf(cursor, sizeof(cursor), "%s", r->element[0]->str);
		for (size_t i = 0; i < r->element[1]->elements; i++) {
			const char *key = r->element[1]->element[i]->str;
			redisReply *h = redisCommand(c, "HGETALL %s", key);
			if (h && h->type == REDIS_REPLY_ARRAY)
				for (size_t j = 0; j + 1 < h->elements; j += 2) {
					fn(ctx, h->element[j]->str, key + plen, h->element[j + 1]->str);
					n++;
				}
			if (h)
				freeReplyObject(h);
		}
		freeReplyObject(r);
	} while (strcmp(cursor, "0"));
	redisFree(c);
	return n;
}

struct redis_out {
	redisContext *c;
	const char *prefix;
	long n, pending;
	int bad;
};

static void redis_line(void *ctx, const char *owner, const char *key, const char *text)
{
	struct redis_out *o = ctx;
	char k[512];

	snprintf(k, sizeof(k), "%s:device:%s", o->prefix, key);
	if (redisAppendCommand(o->c, "HSET %s %s %s", k, owner, text) != REDIS_OK)
		o->bad = 1;
	else
		o->pending++;
}

long state_redis_save(const struct redis_sink_cfg *cfg, state_walk_fn walk, void *walk_ctx,
		      char *err, size_t errlen)
{
	struct redis_out o = { NULL, cfg->prefix ? cfg->prefix : "vigia", 0, 0, 0 };

	o.c = open_cfg(cfg, err, errlen);
	if (!o.c)
		return -1;
	walk(walk_ctx, redis_line, &o);
	for (long i = 0; i < o.pending; i++) {
		redisReply *r = NULL;
		if (redisGetReply(o.c, (void **)&r) != REDIS_OK || !r ||
		    r->type == REDIS_REPLY_ERROR) {
			snprintf(err, errlen, "redis HSET: %s", r && r->str ? r->str : o.c->errstr);
			o.bad = 1;
		} else {
			o.n++;
		}
		if (r)
			freeReplyObject(r);
		if (o.bad)
			break;
	}
	redisFree(o.c);
	return o.bad ? -1 : o.n;
}

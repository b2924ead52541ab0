#include "sink_redis.h"
#include "spool.h"
#include "log.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#define DUP_ERR "ERR The ID specified in XADD is equal or smaller"

static const char *const fam_names[RF_MAX] = { "flows", "alerts", "stats",
					       "anomalies", "sessions" };

struct redis_sink {
	struct redis_sink_cfg cfg;
	char keys[RF_MAX][160];
	redisContext *c;
	uint64_t run_ms;
	uint64_t seq[RF_MAX];
	struct spool_rec *pend;
	unsigned npend;
	char *arena;               /* the pending entries' JSON, back to back */
	size_t arena_len, arena_cap;
	char *resp;                /* a batch of commands, RESP-framed */
	size_t resp_len, resp_cap;
	uint64_t next_retry_ms, backoff_ms;
	/* the node that owns our slot (Redis Cluster), learnt from MOVED/ASK;
	 * starts as the configured server */
	char cur_host[256];
	int cur_port;
	int redirect;              /* a reply said: go to cur_host:cur_port */
	int ask;                   /* a reply said: this once, ask ask_host */
	int asking;                /* sending to an ASK target: ASKING first */
	char ask_host[256];
	int ask_port;
	uint8_t *asked;            /* per entry of the pipeline: answered ASK */
	struct spool_rec *scratch;     /* the entries an ASK sends elsewhere */
	unsigned cap;              /* entries per pipeline at most */
	struct spool spool;        /* events on disk while Redis is down */
	struct redis_sink_stats st;
	char control_key[160];
	char control_last[48];     /* last control entry id seen */
	uint32_t *lat;             /* reservoir of latencies, microseconds */
	uint64_t lat_seen;
	uint64_t lat_rng;
	/* what other threads read: st as of the last write or flush, and the
	 * reservoir, under pub_mu (held for copies only, never across I/O) */
	pthread_mutex_t pub_mu;
	struct redis_sink_stats pub;
};

#define LAT_RESERVOIR 65536

static uint64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Reservoir sampling keeps percentiles honest over any run length. */
static void latency_add(struct redis_sink *s, const struct spool_rec *e, uint64_t now)
{
	if (!s->lat || (e->fam != RF_ALERTS && e->fam != RF_ANOMALIES) ||
	    !e->ts_us || e->ts_us > now)
		return;
	uint64_t l = now - e->ts_us;
	if (l > 60ull * 1000000) /* not a live event (replay, old spool) */
		return;
	pthread_mutex_lock(&s->pub_mu);
	uint64_t k = s->lat_seen++;
	if (k < LAT_RESERVOIR) {
		s->lat[k] = (uint32_t)l;
	} else {
		s->lat_rng = s->lat_rng * 6364136223846793005ULL + 1442695040888963407ULL;
		uint64_t j = (s->lat_rng >> 11) % (k + 1);
		if (j < LAT_RESERVOIR)
			s->lat[j] = (uint32_t)l;
	}
	pthread_mutex_unlock(&s->pub_mu);
}

static void publish(struct redis_sink *s)
{
	pthread_mutex_lock(&s->pub_mu);
	s->pub = s->st;
	s->pub.spooled = s->spool.spooled;
	s->pub.spool_dropped = s->spool.dropped;
	s->pub.spool_bytes = s->spool.bytes;
	s->pub.pending = s->spool.records + s->npend;
	pthread_mutex_unlock(&s->pub_mu);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void redis_sink_key(const struct redis_sink_cfg *cfg, enum redis_family fam,
		    char *out, size_t cap)
{
	snprintf(out, cap, "%s:{%s}:%s", cfg->prefix ? cfg->prefix : "vigia",
		 cfg->sensor ? cfg->sensor : "vigia", fam_names[fam]);
}

/* ---- connection ----------------------------------------------------------- */

static void disconnect(struct redis_sink *s)
{
	if (s->c)
		redisFree(s->c);
	s->c = NULL;
	s->st.connected = 0;
	s->next_retry_ms = mono_ms() + s->backoff_ms;
	s->backoff_ms = s->backoff_ms ? s->backoff_ms * 2 : 100;
	if (s->backoff_ms > 5000)
		s->backoff_ms = 5000;
}

struct redisContext *redis_open(const char *host, int port, const char *unix_path,
			       const char *user, const char *password, int db,
			       unsigned timeout_ms, int *refused, char *err,
			       size_t errlen)
{
	struct timeval tv = { (time_t)(timeout_ms / 1000),
			      (suseconds_t)(timeout_ms % 1000) * 1000 };
	redisContext *c = unix_path ? redisConnectUnixWithTimeout(unix_path, tv)
				    : redisConnectWithTimeout(host, port, tv);
	redisReply *r = NULL;

	*refused = 0;
	if (!c || c->err) {
		snprintf(err, errlen, "redis %s:%d: %s", unix_path ? unix_path : host,
			 unix_path ? 0 : port, c ? c->errstr : "cannot allocate context");
		goto fail;
	}
	redisSetTimeout(c, tv);
	redisEnableKeepAlive(c);
	if (password) {
		r = user ? redisCommand(c, "AUTH %s %s", user, password)
			 : redisCommand(c, "AUTH %s", password);
		if (!r || r->type == REDIS_REPLY_ERROR) {
			/* the reply says why (WRONGPASS...), never the secret */
			snprintf(err, errlen, "redis: AUTH%s%s refused: %s",
				 user ? " as " : "", user ? user : "",
				 r ? r->str : c->errstr);
			goto fail;
		}
		freeReplyObject(r);
		r = NULL;
	}
	if (db) {
		r = redisCommand(c, "SELECT %d", db);
		if (!r || r->type == REDIS_REPLY_ERROR) {
			snprintf(err, errlen, "redis: SELECT %d refused: %s", db,
				 r ? r->str : c->errstr);
			goto fail;
		}
		freeReplyObject(r);
	}
	return c;
fail:
	if (r) {
		*refused = 1; /* the server answered: retrying will not help */
		freeReplyObject(r);
	}
	if (c)
		redisFree(c);
	return NULL;
}

/* 0 connected; -1 unreachable (retry later); -2 refused (AUTH, SELECT). */
static int do_connect(struct redis_sink *s, char *err, size_t errlen)
{
	int unix_sock = s->cfg.unix_path && !s->cur_port, refused;
	redisContext *c = redis_open(s->cur_host, s->cur_port,
				     unix_sock ? s->cfg.unix_path : NULL, s->cfg.user,
				     s->cfg.password, s->cfg.db, s->cfg.timeout_ms,
				     &refused, err, errlen);

	if (!c) {
		/* the node we were sent to may be gone: next time, the seed */
		if (!refused && !unix_sock && (strcmp(s->cur_host, s->cfg.host) ||
					       s->cur_port != s->cfg.port)) {
			snprintf(s->cur_host, sizeof(s->cur_host), "%s", s->cfg.host);
			s->cur_port = s->cfg.port;
		}
		return refused ? -2 : -1;
	}
	s->c = c;
	s->st.connected = 1;
	s->backoff_ms = 100;
	return 0;
}

/* ---- sending ------------------------------------------------------------------ */

/* RESP by hand into one reusable buffer, handed to hiredis once per batch:
 * redisAppendCommandArgv formats every argument with sdscatfmt into a fresh
 * sds, which was a third of the sink's time (see bench/README.md). */
static int resp_reserve(struct redis_sink *s, size_t more)
{
	if (s->resp_len + more <= s->resp_cap)
		return 0;
	size_t cap = s->resp_cap ? s->resp_cap : 65536;
	while (cap < s->resp_len + more)
		cap *= 2;
	char *p = realloc(s->resp, cap);
	if (!p)
		return -1;
	s->resp = p;
	s->resp_cap = cap;
	return 0;
}

static char *put_uint(char *p, uint64_t v)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_bulk(char *p, const char *str, size_t l)
{
	*p++ = '$';
	p = put_uint(p, l);
	*p++ = '\r';
	*p++ = '\n';
	memcpy(p, str, l);
	p += l;
	*p++ = '\r';
	*p++ = '\n';
	return p;
}

static int append_xadd(struct redis_sink *s, const struct spool_rec *e)
{
	char id[48], maxlen[24], sev[8];
	size_t keyl = strlen(s->keys[e->fam]), etl = strlen(e->etype);
	size_t segl = strlen(e->segment), publ = 0;
	int n = 7;

	*put_uint(id, e->id_ms) = 0;
	size_t idl = strlen(id);
	id[idl++] = '-';
	idl = (size_t)(put_uint(id + idl, e->id_seq) - id);
	size_t mll = 0;
	if (s->cfg.maxlen) {
		mll = (size_t)(put_uint(maxlen, s->cfg.maxlen) - maxlen);
		n += 3;
	}
	size_t sevl = 0;
	if (e->sev) {
		sevl = (size_t)(put_uint(sev, e->sev) - sev);
		n += 2;
	}
	if (segl)
		n += 2;
	if (e->fam == RF_ALERTS && s->cfg.publish_channel)
		publ = strlen(s->cfg.publish_channel);
	/* every argument costs at most 16 bytes of framing */
	if (resp_reserve(s, 2 * e->len + keyl + idl + mll + etl + segl + publ +
				    64 + 16 * 16))
		return -1;
	char *p = s->resp + s->resp_len;
	if (s->asking) {
		/* ASKING holds for the next command only */
		memcpy(p, "*1\r\n$6\r\nASKING\r\n", 16);
		p += 16;
	}
	*p++ = '*';
	p = put_uint(p, (uint64_t)n);
	*p++ = '\r';
	*p++ = '\n';
	p = put_bulk(p, "XADD", 4);
	p = put_bulk(p, s->keys[e->fam], keyl);
	if (mll) {
		p = put_bulk(p, "MAXLEN", 6);
		p = put_bulk(p, "~", 1);
		p = put_bulk(p, maxlen, mll);
	}
	p = put_bulk(p, id, idl);
	p = put_bulk(p, "event_type", 10);
	p = put_bulk(p, e->etype, etl);
	if (sevl) {
		p = put_bulk(p, "severity", 8);
		p = put_bulk(p, sev, sevl);
	}
	if (segl) {
		p = put_bulk(p, "segment", 7);
		p = put_bulk(p, e->segment, segl);
	}
	p = put_bulk(p, "json", 4);
	p = put_bulk(p, e->json, e->len);
	if (publ) {
		memcpy(p, "*3\r\n", 4);
		p += 4;
		p = put_bulk(p, "PUBLISH", 7);
		p = put_bulk(p, s->cfg.publish_channel, publ);
		p = put_bulk(p, e->json, e->len);
	}
	s->resp_len = (size_t)(p - s->resp);
	return 0;
}

/* Send entries in one pipeline. Returns how many were acknowledged (or
 * rejected as duplicates) in order; on a connection error the rest were
 * not, and the connection is closed. */
static unsigned send_entries(struct redis_sink *s, const struct spool_rec *es,
			     unsigned n)
{
	unsigned done = 0;
	int redirected = 0, transient = 0;
	uint64_t now;

	if (!s->c)
		return 0;
	s->resp_len = 0;
	for (unsigned i = 0; i < n; i++)
		if (append_xadd(s, &es[i])) {
			n = i; /* out of memory: the rest stays for later */
			break;
		}
	if (n && redisAppendFormattedCommand(s->c, s->resp, s->resp_len) != REDIS_OK) {
		disconnect(s);
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		unsigned first = (unsigned)s->asking;
		unsigned replies = first + 1 +
				   (es[i].fam == RF_ALERTS && s->cfg.publish_channel);
		for (unsigned k = 0; k < replies; k++) {
			redisReply *r = NULL;
			if (redisGetReply(s->c, (void **)&r) != REDIS_OK || !r) {
				disconnect(s);
				return done;
			}
			if (k == first) {
				int moved = r->type == REDIS_REPLY_ERROR &&
					    !strncmp(r->str, "MOVED ", 6);
				int ask = r->type == REDIS_REPLY_ERROR &&
					  !strncmp(r->str, "ASK ", 4);
				if (ask && redirected != 1) {
					/* "ASK <slot> <host>:<port>": the slot migrates
					 * and this key has moved already; this entry (and
					 * any later one that gets ASK) goes there, after
					 * ASKING; the rest landed here */
					const char *sp = strrchr(r->str, ' ');
					const char *colon = sp ? strrchr(sp, ':') : NULL;
					if (sp && colon && colon > sp + 1 && i < s->cap) {
						size_t hl = (size_t)(colon - sp - 1);
						if (hl >= sizeof(s->ask_host))
							hl = sizeof(s->ask_host) - 1;
						memcpy(s->ask_host, sp + 1, hl);
						s->ask_host[hl] = 0;
						s->ask_port = atoi(colon + 1);
						if (!redirected)
							memset(s->asked, 0, s->cap);
						s->asked[i] = 1;
						redirected = 2;
					} else {
						s->st.errors++;
					}
				} else if (moved && !redirected) {
					/* "MOVED <slot> <host>:<port>": our hash-tagged
					 * keys all live there now; this and every later
					 * entry of the pipeline must go again */
					const char *sp = strrchr(r->str, ' ');
					const char *colon = sp ? strrchr(sp, ':') : NULL;
					if (sp && colon && colon > sp + 1) {
						size_t hl = (size_t)(colon - sp - 1);
						if (hl >= sizeof(s->cur_host))
							hl = sizeof(s->cur_host) - 1;
						memcpy(s->cur_host, sp + 1, hl);
						s->cur_host[hl] = 0;
						s->cur_port = atoi(colon + 1);
						redirected = 1;
					}
				} else if (redirected == 1 || transient) {
					/* after a redirect or a transient error every later
					 * entry goes again, in order */
				} else if (r->type == REDIS_REPLY_ERROR &&
					   (!strncmp(r->str, "CLUSTERDOWN", 11) ||
					    !strncmp(r->str, "TRYAGAIN", 8) ||
					    !strncmp(r->str, "LOADING", 7) ||
					    !strncmp(r->str, "MASTERDOWN", 10) ||
					    /* full (maxmemory, noeviction), busy with a
					     * script, a replica: room may come back */
					    !strncmp(r->str, "OOM", 3) ||
					    !strncmp(r->str, "BUSY", 4) ||
					    !strncmp(r->str, "READONLY", 8) ||
					    !strncmp(r->str, "NOREPLICAS", 10))) {
					/* the server cannot take it now: like a lost
					 * connection, keep it (spool) and retry later */
					transient = 1;
				} else if (r->type == REDIS_REPLY_ERROR) {
					if (!strncmp(r->str, DUP_ERR, strlen(DUP_ERR)))
						s->st.duplicates++;
					else
						s->st.errors++;
				} else {
					s->st.sent++;
					now = wall_us();
					latency_add(s, &es[i], now);
				}
			}
			freeReplyObject(r);
		}
		if (!redirected && !transient)
			done++;
	}
	if (redirected == 2 && s->asking)
		redirected = 0; /* an ASK from the ASK target: give up on these */
	if (transient && !redirected) {
		disconnect(s);
		return done;
	}
	if (redirected == 1) {
		s->redirect = 1;
		redisFree(s->c);
		s->c = NULL;
		s->st.connected = 0;
	} else if (redirected == 2) {
		/* the connection stays: the slot is still this node's; asked[]
		 * counts from the first entry not done */
		memmove(s->asked, s->asked + done, s->cap - done);
		s->ask = 1;
	}
	return done;
}

/* The entries of a pipeline that got ASK, to the node it named, each after
 * ASKING, on a connection of its own; then home again. Returns how many of
 * es[0..n) are now done: all, or none (then they go home again, where those
 * that landed are refused as duplicates, that is, done). */
static unsigned send_asked(struct redis_sink *s, const struct spool_rec *es, unsigned n)
{
	char home_host[sizeof(s->cur_host)], err[512];
	int home_port = s->cur_port;
	redisContext *home = s->c;
	unsigned done = 0, k = 0;

	for (unsigned i = 0; i < n && i < s->cap; i++)
		if (s->asked[i])
			s->scratch[k++] = es[i];

	s->ask = 0;
	memcpy(home_host, s->cur_host, sizeof(home_host));
	snprintf(s->cur_host, sizeof(s->cur_host), "%s", s->ask_host);
	s->cur_port = s->ask_port;
	s->c = NULL;
	if (do_connect(s, err, sizeof(err)) == 0) {
		s->asking = 1;
		done = send_entries(s, s->scratch, k) == k ? n : 0;
		s->asking = 0;
		if (s->c)
			redisFree(s->c);
		s->c = NULL;
	}
	if (s->redirect) {
		/* the target answered MOVED: the migration ended, go there */
		if (home)
			redisFree(home);
		return done;
	}
	memcpy(s->cur_host, home_host, sizeof(home_host));
	s->cur_port = home_port;
	s->c = home;
	s->st.connected = home != NULL;
	s->ask = 0;
	return done;
}

/* send_entries, following cluster redirections (a few hops at most). */
static unsigned send_all(struct redis_sink *s, const struct spool_rec *es, unsigned n)
{
	unsigned done = 0;
	char err[512];

	for (int hop = 0; hop < 4 && done < n && s->c; hop++) {
		done += send_entries(s, es + done, n - done);
		if (s->ask)
			done += send_asked(s, es + done, n - done);
		if (!s->redirect) {
			if (s->c && done < n)
				continue; /* back home after an ASK: the rest */
			break;
		}
		s->redirect = 0;
		if (do_connect(s, err, sizeof(err)) != 0) {
			disconnect(s);
			break;
		}
	}
	return done;
}

static void spool_pending(struct redis_sink *s, unsigned from)
{
	for (unsigned i = from; i < s->npend; i++)
		spool_append(&s->spool, &s->pend[i]);
	s->npend = 0;
	s->arena_len = 0;
}

static unsigned send_spooled(void *ctx, struct spool_rec *es, unsigned n)
{
	return send_all(ctx, es, n);
}

/* Replay the spool in order (it truncates itself once all landed). */
static void replay_spool(struct redis_sink *s)
{
	if (s->c)
		spool_replay(&s->spool, send_spooled, s);
}

static void send_pending(struct redis_sink *s)
{
	if (!s->npend)
		return;
	spool_pending(s, send_all(s, s->pend, s->npend));
}

void redis_cfg_address(struct redis_sink_cfg *c, const char *addr, char *buf, size_t cap)
{
	if (!strncmp(addr, "unix:", 5)) {
		c->unix_path = addr + 5;
		return;
	}
	snprintf(buf, cap, "%s", addr);
	char *colon = strrchr(buf, ':');
	if (colon && !strchr(colon + 1, ']')) {
		*colon = 0;
		c->port = atoi(colon + 1);
	}
	c->host = buf;
}

int redis_cfg_password_file(struct redis_sink_cfg *c, const char *path, char *buf, size_t cap)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (!fgets(buf, (int)cap, f)) {
		fclose(f);
		errno = ENODATA;
		return -1;
	}
	fclose(f);
	buf[strcspn(buf, "\r\n")] = 0;
	c->password = buf;
	return 0;
}

struct redis_sink *redis_sink_create(const struct redis_sink_cfg *cfg,
				     char *err, size_t errlen)
{
	struct redis_sink *s = calloc(1, sizeof(*s));

	if (!s) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->cfg = *cfg;
	if (!s->cfg.host)
		s->cfg.host = "127.0.0.1";
	if (!s->cfg.port)
		s->cfg.port = 6379;
	if (!s->cfg.prefix)
		s->cfg.prefix = "vigia";
	if (!s->cfg.batch)
		s->cfg.batch = 256;
	if (!s->cfg.timeout_ms)
		s->cfg.timeout_ms = 2000;
	if (!s->cfg.spool_max_bytes)
		s->cfg.spool_max_bytes = 256ull << 20;
	for (int f = 0; f < RF_MAX; f++)
		redis_sink_key(&s->cfg, (enum redis_family)f, s->keys[f],
			       sizeof(s->keys[f]));
	snprintf(s->control_key, sizeof(s->control_key), "%s:{%s}:control",
		 s->cfg.prefix, s->cfg.sensor ? s->cfg.sensor : "vigia");
	snprintf(s->control_last, sizeof(s->control_last), "%llu-0",
		 (unsigned long long)now_ms());
	snprintf(s->cur_host, sizeof(s->cur_host), "%s", s->cfg.host);
	s->cur_port = s->cfg.unix_path ? 0 : s->cfg.port;
	s->run_ms = now_ms();
	s->lat = malloc(LAT_RESERVOIR * sizeof(*s->lat)); /* optional */
	pthread_mutex_init(&s->pub_mu, NULL);
	s->lat_rng = 0x853c49e6748fea9bULL;
	s->pend = calloc(s->cfg.batch, sizeof(*s->pend));
	s->arena_cap = (size_t)s->cfg.batch * 1024;
	s->arena = malloc(s->arena_cap);
	s->cap = s->cfg.batch > 64 ? s->cfg.batch : 64; /* spool replays 64 */
	s->asked = calloc(s->cap, 1);
	s->scratch = calloc(s->cap, sizeof(*s->scratch));
	if (!s->pend || !s->arena || !s->asked || !s->scratch) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (spool_open(&s->spool, s->cfg.spool_dir, s->cfg.sensor ? s->cfg.sensor : "vigia",
		       s->cfg.spool_max_bytes, RF_MAX, RF_ALERTS, &s->run_ms, err, errlen))
		goto fail;
	if (s->spool.torn_bytes)
		log_warn("spool %s: the last record (%llu bytes) was not written whole: cut off",
			 s->spool.path, (unsigned long long)s->spool.torn_bytes);
	char cerr[512];
	int rc = do_connect(s, cerr, sizeof(cerr));
	if (rc == -2 || (rc == -1 && !spool_on(&s->spool))) {
		snprintf(err, errlen, "%s", cerr);
		goto fail;
	}
	if (rc == -1)
		disconnect(s); /* events wait in the spool; retry with backoff */
	else
		replay_spool(s);
	return s;
fail:
	redis_sink_destroy(s);
	return NULL;
}

static int sink_write(struct redis_sink *s, enum redis_family fam,
		      const char *event_type, const char *json, size_t len,
		      int severity, const char *segment, uint64_t ts_us)
{
	struct spool_rec e;

	memset(&e, 0, sizeof(e));
	e.ts_us = ts_us;
	e.fam = (uint8_t)fam;
	e.sev = (uint8_t)(severity > 0 && severity < 256 ? severity : 0);
	e.id_ms = s->run_ms;
	e.id_seq = ++s->seq[fam];
	snprintf(e.etype, sizeof(e.etype), "%s", event_type);
	if (segment)
		snprintf(e.segment, sizeof(e.segment), "%s", segment);
	e.len = len;
	if (s->c && !s->spool.records) {
		if (s->arena_len + len > s->arena_cap) {
			send_pending(s); /* the arena only grows when empty */
			if (len > s->arena_cap) {
				size_t cap = s->arena_cap * 2 > len ? s->arena_cap * 2 : len;
				char *a = realloc(s->arena, cap);
				if (!a)
					return -ENOMEM;
				s->arena = a;
				s->arena_cap = cap;
			}
		}
		if (s->c && !s->spool.records) {
			e.json = s->arena + s->arena_len;
			memcpy(e.json, json, len);
			s->arena_len += len;
			s->pend[s->npend++] = e;
			if (s->npend == s->cfg.batch)
				send_pending(s);
			return 0;
		}
	}
	/* down, or older entries still wait on disk: keep the order */
	e.json = (char *)json;
	spool_append(&s->spool, &e);
	return 0;
}

int redis_sink_write(struct redis_sink *s, enum redis_family fam,
		     const char *event_type, const char *json, size_t len,
		     int severity, const char *segment, uint64_t ts_us)
{
	int r = sink_write(s, fam, event_type, json, len, severity, segment, ts_us);

	publish(s);
	return r;
}

static uint64_t sink_flush(struct redis_sink *s);

uint64_t redis_sink_flush(struct redis_sink *s)
{
	uint64_t left = sink_flush(s);

	publish(s);
	return left;
}

static uint64_t sink_flush(struct redis_sink *s)
{
	char err[512];

	if (!s->c && mono_ms() >= s->next_retry_ms) {
		if (do_connect(s, err, sizeof(err)) == 0)
			s->st.reconnects++;
		else
			disconnect(s);
	}
	if (s->c)
		replay_spool(s);
	if (s->c && !s->spool.records)
		send_pending(s);
	else if (s->npend)
		spool_pending(s, 0);
	spool_flush(&s->spool);
	return s->spool.records + s->npend;
}

int redis_sink_poll_control(struct redis_sink *s, char *cmd, size_t cap)
{
	int got = 0;

	if (!s->c || s->npend)
		return 0; /* replies of a pending pipeline come first */
	redisReply *r = redisCommand(s->c, "XREAD COUNT 1 STREAMS %s %s",
				     s->control_key, s->control_last);
	if (!r) {
		disconnect(s);
		return 0;
	}
	/* [[key, [[id, [field, value, ...]]]]] */
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
	    r->element[0]->type == REDIS_REPLY_ARRAY && r->element[0]->elements == 2) {
		redisReply *ents = r->element[0]->element[1];
		if (ents->type == REDIS_REPLY_ARRAY && ents->elements >= 1) {
			redisReply *en = ents->element[0];
			if (en->type == REDIS_REPLY_ARRAY && en->elements == 2) {
				snprintf(s->control_last, sizeof(s->control_last), "%s",
					 en->element[0]->str);
				redisReply *kv = en->element[1];
				for (size_t k = 0; k + 1 < kv->elements; k += 2)
					if (!strcmp(kv->element[k]->str, "cmd")) {
						snprintf(cmd, cap, "%s", kv->element[k + 1]->str);
						got = 1;
					}
			}
		}
	}
	freeReplyObject(r);
	return got;
}

uint64_t redis_sink_pending(const struct redis_sink *s)
{
	return s->npend;
}

void redis_sink_get_stats(struct redis_sink *s, struct redis_sink_stats *st)
{
	uint32_t *tmp = s->lat ? malloc(LAT_RESERVOIR * sizeof(*tmp)) : NULL;

	pthread_mutex_lock(&s->pub_mu);
	*st = s->pub;
	uint64_t n = s->lat_seen < LAT_RESERVOIR ? s->lat_seen : LAT_RESERVOIR;
	st->latency_samples = s->lat_seen;
	if (tmp)
		memcpy(tmp, s->lat, n * sizeof(*tmp));
	pthread_mutex_unlock(&s->pub_mu);
	if (!n || !tmp) {
		free(tmp);
		return;
	}
	qsort(tmp, n, sizeof(*tmp), cmp_u32);
	st->latency_p50_ms = tmp[n / 2] / 1000.0;
	st->latency_p99_ms = tmp[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1000.0;
	free(tmp);
}

void redis_sink_destroy(struct redis_sink *s)
{
	if (!s)
		return;
	if (s->pend) {
		spool_pending(s, 0);
		free(s->pend);
	}
	free(s->arena);
	free(s->resp);
	free(s->asked);
	free(s->scratch);
	spool_close(&s->spool);
	if (s->c)
		redisFree(s->c);
	free(s->lat);
	free(s);
}

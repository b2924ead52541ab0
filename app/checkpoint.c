/* checkpoint: learnt state (device baselines) loaded at start and saved at the end and every --state-interval: state dir and/or Redis. */
#include "app.h"

static void state_to_analytics(void *ctx, const char *owner, const char *key, const char *text)
{
	analytics_state_merge(ctx, owner, key, text);
}

static void state_walk(void *ctx, state_line_fn emit, void *emit_ctx)
{
	analytics_state_dump(ctx, emit, emit_ctx);
}

static void state_path(const struct opts *o, char *buf, size_t len)
{
	snprintf(buf, len, "%s/state.tsv", o->state_dir);
}

/* What earlier runs (and, through Redis, other sensors) learnt. */
void state_load(struct pipeline *pl)
{
	char path[4096], err[512];

	if (pl->o->state_dir) {
		state_path(pl->o, path, sizeof(path));
		if (state_file_load(path, state_to_analytics, pl->an, err, sizeof(err)) != 0)
			log_warn("learnt state not loaded: %s", err);
	}
	if (pl->o->redis &&
	    state_redis_load(&pl->o->rcfg, state_to_analytics, pl->an, err, sizeof(err)) < 0)
		log_warn("learnt state not loaded from Redis: %s", err);
}

/* Keep what this run learnt; in Redis, merged first with what other
 * sensors wrote meanwhile (union: a device either knows, both know). */
void state_save(struct pipeline *pl)
{
	char path[4096], err[512];

	if (pl->o->redis) {
		state_redis_load(&pl->o->rcfg, state_to_analytics, pl->an, err, sizeof(err));
		if (state_redis_save(&pl->o->rcfg, state_walk, pl->an, err, sizeof(err)) < 0)
			log_err("learnt state not saved to Redis: %s", err);
	}
	if (pl->o->state_dir) {
		state_path(pl->o, path, sizeof(path));
		if (state_file_save(path, state_walk, pl->an, err, sizeof(err)) != 0)
			log_err("learnt state not saved: %s", err);
	}
}

/* Checkpoints of a long capture: a crash or power cut loses at most one
 * interval of learning, and sensors sharing a Redis learn from each other
 * while they run (state_save merges what the others wrote first). Its own
 * thread: a slow Redis never holds up capture. */
static void *state_main(void *arg)
{
	struct pipeline *pl = arg;
	double next = now_s() + pl->o->state_interval;

	pthread_setname_np(pthread_self(), "vigia-state");
	while (!__atomic_load_n(&pl->state_stop, __ATOMIC_ACQUIRE)) {
		struct timespec ts = { 0, 100 * 1000000 };
		nanosleep(&ts, NULL);
		if (now_s() < next)
			continue;
		state_save(pl);
		__atomic_fetch_add(&pl->checkpoints, 1, __ATOMIC_RELAXED);
		next = now_s() + pl->o->state_interval;
	}
	return NULL;
}

void state_checkpoints_start(struct pipeline *pl)
{
	if (!pl->an || !pl->o->state_interval || (!pl->o->state_dir && !pl->o->redis))
		return;
	pl->state_thr_on = pthread_create(&pl->state_thr, NULL, state_main, pl) == 0;
	if (!pl->state_thr_on)
		log_warn("no state checkpoints: cannot start their thread");
}

void state_checkpoints_stop(struct pipeline *pl)
{
	if (!pl->state_thr_on)
		return;
	__atomic_store_n(&pl->state_stop, 1, __ATOMIC_RELEASE);
	pthread_join(pl->state_thr, NULL);
	pl->state_thr_on = 0;
}

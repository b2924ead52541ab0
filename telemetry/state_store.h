/* state_store: what vigia learnt (device baselines) outliving the process,
 * as lines "OWNER<TAB>KEY<TAB>TEXT" (owner: a detector id; key: a device
 * address; text: one line). In a file of the state directory (written to a
 * temporary file, then renamed), or in Redis as one hash per key,
 * PREFIX:device:KEY, field OWNER: sensors sharing a Redis and a prefix
 * share what each learnt.
 */
#ifndef VIGIA_STATE_STORE_H
#define VIGIA_STATE_STORE_H

#include <stddef.h>

#include "sink_redis.h"

typedef void (*state_line_fn)(void *ctx, const char *owner, const char *key,
			      const char *text);
/* The lines to save: calls emit for each. */
typedef void (*state_walk_fn)(void *ctx, state_line_fn emit, void *emit_ctx);

/* Lines of FILE, to fn; a missing file is no state (0). 0 or -1 (err). */
int state_file_load(const char *path, state_line_fn fn, void *ctx, char *err, size_t errlen);
/* Every line walk gives, to FILE (atomically). 0 or -1 (err). */
int state_file_save(const char *path, state_walk_fn walk, void *walk_ctx, char *err,
		    size_t errlen);

/* Every PREFIX:device:* hash, field by field, to fn. Returns the number
 * of lines, or -1 (err: unreachable, refused). */
long state_redis_load(const struct redis_sink_cfg *cfg, state_line_fn fn, void *ctx, char *err,
		      size_t errlen);
/* HSET PREFIX:device:KEY OWNER TEXT for every line walk gives. Returns the
 * number written, or -1 (err). */
long state_redis_save(const struct redis_sink_cfg *cfg, state_walk_fn walk, void *walk_ctx,
		      char *err, size_t errlen);

#endif

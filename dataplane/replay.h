/* replay: feed capture files (or a capture preloaded in memory) to N
 * workers, each on its own thread.
 *
 * The files are read in chunks of packets into a small ring. Reading is
 * shared work: whichever worker first needs the next chunk loads it (one
 * reader at a time, a lock per chunk, never per packet), and tags every
 * packet with its owner - the worker its symmetric flow hash selects, as
 * RSS would. Every worker walks every chunk in order: it processes its own
 * packets and advances its clock on the others, so each worker's packet
 * clock, and therefore every timeout decision, is the same whatever the
 * number of workers: `-w N` yields the same flow events as `-w 1`.
 */
#ifndef VIGIA_REPLAY_H
#define VIGIA_REPLAY_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "reasm.h"
#include "worker.h"

#define REPLAY_MAX_WORKERS 64

enum replay_mode {
	REPLAY_PIPELINE = 0, /* decode, flows, classification, events */
	REPLAY_RAW_READ,     /* read and touch every byte, nothing else */
	REPLAY_DECODE_ONLY,  /* read and decode (and hash), nothing else */
};

struct replay_cfg {
	char *const *files;
	int nfiles;
	unsigned nworkers;
	struct worker *const *workers;   /* nworkers of them (unused in raw) */
	enum replay_mode mode;
	/* Load every file into memory first, then replay it `repeat` times
	 * (timestamps shifted so repetitions never share flows); the time
	 * measured then excludes reading. 0 = stream from the files. */
	unsigned preload_repeat;
	volatile sig_atomic_t *stop;     /* set asynchronously to stop early */
	/* Outer IPv4 fragments of GTP-U reassembled before dispatch (reasm.h):
	 * memory for held fragments, 0 = off; timeout on packet time. */
	size_t reasm_mem;
	uint64_t reasm_timeout_us;
};

struct replay_progress {
	uint64_t pkts;          /* packets handed to workers so far */
	uint64_t file_bytes;    /* bytes of input consumed so far */
	uint64_t total_bytes;   /* input size */
};

struct replay_result {
	int status;             /* 0 ok, 1 bad input, 2 stopped */
	char error[512];        /* "FILE: reason" when status is 1 */
	uint64_t pkts;          /* packets replayed (all repetitions) */
	uint64_t bytes;         /* their wire bytes */
	uint64_t worker_pkts[REPLAY_MAX_WORKERS];  /* owned per worker */
	double load_s;          /* preload time (not in run_s) */
	double run_s;           /* wall time of the replay itself */
	struct reasm_stats reasm;  /* all zero when reassembly is off */
	uint64_t reasm_lost;       /* frames it gave back with no room (0) */
	uint64_t ts_jumps;         /* a day or more ahead, not confirmed: at the clock */
	uint64_t ts_followed;      /* jumps of a day or more followed (pktclock.h) */
	uint64_t ts_backwards;     /* timestamps before the stream's clock */
	uint64_t checksum;      /* raw mode: sum of all bytes touched */
};

struct replay;

/* Check the files (readable captures with a known link type) and set up.
 * Returns NULL with the reason in err ("FILE: reason"). */
struct replay *replay_create(const struct replay_cfg *cfg, char *err,
			     size_t errlen);
/* Start the worker threads. 0 or -errno. */
int replay_start(struct replay *r);
/* Non-blocking: 1 when all workers are done. */
int replay_done(struct replay *r);
void replay_get_progress(struct replay *r, struct replay_progress *p);
/* Join the workers (they have flushed nothing: the caller owns shutdown)
 * and fill *res. */
void replay_finish(struct replay *r, struct replay_result *res);
void replay_destroy(struct replay *r);

#endif

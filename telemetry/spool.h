/* spool: the Redis sink's events on disk while Redis is down or behind,
 * replayed in order when it comes back (this run or the next). Bounded:
 * when full, the oldest flows/stats/anomalies go before any alert.
 *
 * One file, DIR/NAME.spool: a magic word, then records (a header, the
 * event type, the segment, the JSON) in the host's byte order.
 */
#ifndef VIGIA_SPOOL_H
#define VIGIA_SPOOL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* One event as the sink sends it, spooled or not. */
struct spool_rec {
	uint8_t fam, sev;
	uint64_t ts_us;
	uint64_t id_ms, id_seq;    /* its stream entry id */
	char etype[16];
	char segment[48];
	char *json;
	size_t len;
};

struct spool {
	char path[512];
	FILE *f;                   /* NULL: no spool */
	uint64_t max_bytes;
	unsigned nfam, keep_fam;   /* families; the one kept longest */
	uint64_t records;          /* waiting in it */
	uint64_t bytes;            /* its size */
	uint64_t spooled, dropped; /* written to it; dropped (full, I/O) */
	uint64_t torn_bytes;       /* cut at open: a record the last run did
				    * not finish writing */
};

/* Open or resume DIR/NAME.spool (dir NULL: none, events are lost while
 * Redis is down). Records have families 0..nfam-1; keep_fam's go last
 * when it is full (alerts). Resuming raises *id_floor_ms above every spooled id, so
 * that new entries sort after them; a record the last run did not finish
 * is cut off (torn_bytes). -1 with err on a file not ours or damaged. */
int spool_open(struct spool *sp, const char *dir, const char *name, uint64_t max_bytes,
	       unsigned nfam, unsigned keep_fam, uint64_t *id_floor_ms, char *err,
	       size_t errlen);
static inline int spool_on(const struct spool *sp)
{
	return sp->f != NULL;
}
void spool_append(struct spool *sp, const struct spool_rec *e);

/* Hand the spool to send in order, up to 64 records at a time; send says
 * how many landed. All of them: the spool is emptied (0). Fewer: it stays
 * whole, to be replayed again (-1). */
typedef unsigned (*spool_send_fn)(void *ctx, struct spool_rec *es, unsigned n);
int spool_replay(struct spool *sp, spool_send_fn send, void *ctx);

void spool_flush(struct spool *sp);
void spool_close(struct spool *sp);

#endif

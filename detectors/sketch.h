/* sketch: per-tick traffic summaries a worker hands to the analytics thread.
 *
 * A count-min sketch per counter (packets, bytes, SYNs, reflected packets and
 * bytes) keyed by destination address, plus a direct-mapped table of the
 * destinations seen (candidates for the flood detectors). Sketches of the
 * same tick from several workers merge by addition, so a target whose
 * traffic is spread over all workers is counted once, whole.
 */
#ifndef VIGIA_SKETCH_H
#define VIGIA_SKETCH_H

#include <stdint.h>
#include <string.h>

#define SK_ROWS 2
#define SK_COLS 2048               /* power of two */
#define SK_CANDS 1024              /* power of two */

enum sk_counter { SK_PKTS = 0, SK_BYTES, SK_SYNS, SK_AMP_PKTS, SK_COUNTERS };

/* A column's counters side by side: a packet touches one cache line per
 * row, not one per counter. */
struct sk_cell {
	uint32_t v[SK_COUNTERS];
};

struct sk_cand {
	uint8_t addr[16];
	uint8_t ipver;                 /* 0: empty */
	uint32_t hits;                 /* packets this sketch saw for addr */
};

struct sketch {
	uint64_t tick;                 /* tick index (packet time / tick) */
	uint32_t total_pkts;
	struct sk_cell cm[SK_ROWS][SK_COLS];
	struct sk_cand cand[SK_CANDS];
};

/* 64-bit hash of an address: one per packet, reused by every row. */
uint64_t sk_hash(int ipver, const uint8_t *addr);

void sk_clear(struct sketch *s, uint64_t tick);

static inline unsigned sk_cand_slot(uint64_t h)
{
	return (unsigned)(h >> 32) & (SK_CANDS - 1);
}

/* One packet towards addr (hash h = sk_hash(addr)). */
static inline void sk_add(struct sketch *s, uint64_t h, int ipver,
			  const uint8_t *addr, uint32_t bytes, int syn, int amp)
{
	for (unsigned r = 0; r < SK_ROWS; r++) {
		struct sk_cell *c = &s->cm[r][(unsigned)(h >> (r * 20)) & (SK_COLS - 1)];
		c->v[SK_PKTS]++;
		c->v[SK_BYTES] += bytes;
		c->v[SK_SYNS] += (uint32_t)syn;
		c->v[SK_AMP_PKTS] += (uint32_t)amp;
	}
	s->total_pkts++;
	struct sk_cand *k = &s->cand[sk_cand_slot(h)];
	if (k->ipver == 0) {
		k->ipver = (uint8_t)ipver;
		memcpy(k->addr, addr, 16);
	}
	if (k->ipver == ipver && memcmp(k->addr, addr, 16) == 0)
		k->hits++;
}

/* dst += src (same tick); candidates are merged as a union. */
void sk_merge(struct sketch *dst, const struct sketch *src);

/* Count-min estimate of a counter for addr: never below the true value. */
uint64_t sk_estimate(const struct sketch *s, enum sk_counter c, uint64_t h);

#endif

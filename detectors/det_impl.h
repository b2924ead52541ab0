/* det_impl: what detector implementations share inside detectors/ (not a
 * public face: the rest of vigia sees detector.h only). */
#ifndef VIGIA_DET_IMPL_H
#define VIGIA_DET_IMPL_H

#include <stddef.h>
#include <stdint.h>

#include "analytics.h"
#include "../policies/policy.h"

/* ---- the analytics context a detector acts through --------------------- */

/* Packet time of the record (or tick end) being processed. */
uint64_t det_now(const struct det_ctx *c);
/* Act as of packet time t (a timeout that expired before the record being
 * processed); returns the time to restore. */
uint64_t det_set_now(struct det_ctx *c, uint64_t t);
/* Tests: take what a feed emitted, without an analytics thread. */
unsigned det_feed_debug_drain(struct det_feed *f, struct det_rec *out, unsigned cap);
/* Threshold `key` of detector d for segment seg (policy override, else the
 * detector's default). */
long det_param(const struct det_ctx *c, const struct detector *d, int seg,
	       const char *key);
/* Raise alert a about t (src/dst as partial says), unless the same
 * (signature, source, target) alerted within window_us: then it is counted
 * as a repeat, reported with the next alert. 1 when raised. */
int det_raise(struct det_ctx *c, struct ev_alert *a, const struct ev_tuple *t,
	      int seg, uint64_t window_us);
/* The policy in force for this batch (NULL: none). */
const struct policy *det_pol(const struct det_ctx *c);
/* The policy segment of an address, -1 none. */
int det_segment(const struct det_ctx *c, int ipver, const uint8_t *addr);
/* The tuple of a record (client as src). */
void det_rec_tuple(const struct det_rec *r, struct ev_tuple *t);
/* Only the record's tunnel and session (an alert naming the record's
 * source among many flows: the tunnel it came through). */
void det_tuple_tunnel(const struct det_rec *r, struct ev_tuple *t);
/* "10.1.2.3" / "2001:db8::1" */
void det_fmt_ip(char *out, size_t cap, int ipver, const uint8_t *a);

/* ---- memory ---------------------------------------------------------------- */

/* Zeroed memory straight from the kernel, resident from the start (see
 * det_zalloc: first-touch faults would interrupt the workers). */
void *det_zalloc(size_t size);
void det_zfree(void *p, size_t size);

/* ---- bounded tables ------------------------------------------------------ */

/* Open addressing, fixed capacity, no growth: when a key's probe window is
 * full, the entry seen longest ago gives way (counted). */
struct dtab;
struct dtab *dtab_create(unsigned cap, size_t keylen, size_t vallen);
void dtab_destroy(struct dtab *t);
/* The value of key (zeroed when new: *created = 1), marked seen at now. */
void *dtab_get(struct dtab *t, const void *key, uint64_t now, int *created);
/* The value of key or NULL; does not create. */
void *dtab_find(struct dtab *t, const void *key);
uint64_t dtab_evictions(const struct dtab *t);
/* state_evictions of a detector whose state is one dtab */
uint64_t det_dtab_evictions(const void *st);
/* Every entry, in table order (no entry is ever removed). */
struct dtab_iter {
	const struct dtab *t;
	unsigned i;
};
void dtab_iter_init(const struct dtab *t, struct dtab_iter *it);
/* 1 and the entry's key and value, or 0 at the end. */
int dtab_next(struct dtab_iter *it, const void **key, void **val);

/* "10.1.2.3" / "2001:db8::1" -> 16 bytes (IPv4 in the first 4) and the
 * version; 0, or -1 when it is neither. */
int det_parse_ip(const char *s, uint8_t out[16], uint8_t *ipver);

/* ---- small statistics ---------------------------------------------------- */

/* Distinct values seen: exact up to LC_EXACT (thresholds are small
 * numbers an analyst reads literally), then linear counting over 512 bits
 * (rounded down: never early). */
#define LC_EXACT 24
struct lc256 {
	uint32_t small[LC_EXACT];
	uint8_t nsmall, over;
	uint64_t w[8];
};
void lc_add(struct lc256 *l, uint64_t h);
unsigned lc_count(const struct lc256 *l);

uint64_t det_hash(const void *p, size_t n);
/* Shannon entropy, bits per character. */
double det_entropy(const char *s, size_t n);

#endif

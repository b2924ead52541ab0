#include "sketch.h"

uint64_t sk_hash(int ipver, const uint8_t *addr)
{
	/* splitmix64 over the address words: rows take disjoint bit ranges */
	uint64_t h = (uint64_t)ipver * 0x9e3779b97f4a7c15ULL, w[2];
	unsigned n = ipver == 6 ? 2 : 1;

	memcpy(w, addr, 16);
	if (ipver != 6)
		w[0] &= 0xffffffffULL; /* IPv4: the first 4 bytes only */
	for (unsigned i = 0; i < n; i++) {
		h ^= w[i];
		h += 0x9e3779b97f4a7c15ULL;
		h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
		h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
		h ^= h >> 31;
	}
	return h;
}

void sk_clear(struct sketch *s, uint64_t tick)
{
	memset(s, 0, sizeof(*s));
	s->tick = tick;
}

void sk_merge(struct sketch *dst, const struct sketch *src)
{
	uint32_t *d = &dst->cm[0][0].v[0];
	const uint32_t *q = &src->cm[0][0].v[0];

	for (size_t i = 0; i < (size_t)SK_COUNTERS * SK_ROWS * SK_COLS; i++)
		d[i] += q[i];
	dst->total_pkts += src->total_pkts;
	for (unsigned i = 0; i < SK_CANDS; i++) {
		const struct sk_cand *c = &src->cand[i];
		struct sk_cand *k = &dst->cand[i];
		if (!c->ipver)
			continue;
		if (!k->ipver) {
			*k = *c;
		} else if (k->ipver == c->ipver && !memcmp(k->addr, c->addr, 16)) {
			k->hits += c->hits;
		} else if (c->hits > k->hits) {
			*k = *c; /* a collision: keep the heavier (its count from CM) */
		}
	}
}

uint64_t sk_estimate(const struct sketch *s, enum sk_counter c, uint64_t h)
{
	uint64_t m = UINT64_MAX;

	for (unsigned r = 0; r < SK_ROWS; r++) {
		uint32_t v = s->cm[r][(unsigned)(h >> (r * 20)) & (SK_COLS - 1)].v[c];
		if (v < m)
			m = v;
	}
	return m;
}

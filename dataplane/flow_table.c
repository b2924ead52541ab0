#include "flow_table.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_hash_crc.h>

struct lru {
	uint32_t head, tail;       /* head = least recently used */
};

struct flow_table {
	struct flow_table_cfg cfg;
	uint64_t timeout_us[FC_MAX];
	struct flow *flows;
	struct flow_meta *meta;
	uint32_t *buckets;
	uint32_t bucket_mask;
	uint32_t free_head;        /* free list through hnext */
	uint32_t unused;           /* entries [unused, max) never used yet */
	uint32_t count;
	struct lru lru[FC_MAX];
	uint64_t evictions;
	flow_end_fn end;
	void *ctx;
};

void flow_table_default_cfg(struct flow_table_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->max_flows = 1u << 20;
	cfg->timeout_s[FC_TCP_NEW] = 30;
	cfg->timeout_s[FC_TCP_EST] = 600;
	cfg->timeout_s[FC_CLOSED] = 10;
	cfg->timeout_s[FC_OTHER] = 120;
	cfg->active_timeout_s = 1800;
}

struct flow_table *flow_table_create(const struct flow_table_cfg *cfg,
				     flow_end_fn end, void *ctx)
{
	struct flow_table *ft;
	uint32_t nb = 1;

	if (!cfg->max_flows || cfg->max_flows > (1u << 28) || !end) {
		errno = EINVAL;
		return NULL;
	}
	ft = calloc(1, sizeof(*ft));
	if (!ft)
		return NULL;
	ft->cfg = *cfg;
	ft->end = end;
	ft->ctx = ctx;
	for (int c = 0; c < FC_MAX; c++) {
		ft->timeout_us[c] = (uint64_t)cfg->timeout_s[c] * 1000000;
		ft->lru[c].head = ft->lru[c].tail = FLOW_NIL;
	}
	while (nb < cfg->max_flows)
		nb <<= 1;
	ft->bucket_mask = nb - 1;
	/* calloc: pages are only made resident as flows use them */
	ft->flows = calloc(cfg->max_flows, sizeof(*ft->flows));
	ft->meta = calloc(cfg->max_flows, sizeof(*ft->meta));
	ft->buckets = malloc((size_t)nb * sizeof(*ft->buckets));
	if (!ft->flows || !ft->meta || !ft->buckets) {
		flow_table_destroy(ft);
		errno = ENOMEM;
		return NULL;
	}
	memset(ft->buckets, 0xff, (size_t)nb * sizeof(*ft->buckets));
	/* Entries are handed out from the never-used tail before the free
	 * list, so memory is only made resident as flows are created. */
	ft->free_head = FLOW_NIL;
	ft->unused = 0;
	return ft;
}

void flow_table_destroy(struct flow_table *ft)
{
	if (!ft)
		return;
	free(ft->flows);
	free(ft->meta);
	free(ft->buckets);
	free(ft);
}

static inline uint32_t fold16(const uint8_t *a)
{
	uint32_t x, y, z, w;

	memcpy(&x, a, 4);
	memcpy(&y, a + 4, 4);
	memcpy(&z, a + 8, 4);
	memcpy(&w, a + 12, 4);
	return x ^ (y * 0x9e3779b1u) ^ (z * 0x85ebca6bu) ^ (w * 0xc2b2ae35u);
}

int flow_key_make(struct flow_key *k, const struct decoded *d)
{
	int c = memcmp(d->src, d->dst, 16);
	int fwd = c < 0 || (c == 0 && d->sport <= d->dport);

	memset(k, 0, sizeof(*k));
	if (fwd) {
		memcpy(k->lo, d->src, 16);
		memcpy(k->hi, d->dst, 16);
		k->port_lo = d->sport;
		k->port_hi = d->dport;
	} else {
		memcpy(k->lo, d->dst, 16);
		memcpy(k->hi, d->src, 16);
		k->port_lo = d->dport;
		k->port_hi = d->sport;
	}
	k->proto = d->proto;
	k->ipver = d->ipver;
	k->tun_type = d->tun_type;
	k->vlans = (uint32_t)(d->vlan_count ? d->vlan[0] : 0) |
		   (uint32_t)(d->vlan_count > 1 ? d->vlan[1] : 0) << 12 |
		   (uint32_t)d->vlan_count << 24;
	if (d->tun_type == DEC_TUN_VXLAN || d->tun_type == DEC_TUN_GENEVE ||
	    d->tun_type == DEC_TUN_VXLAN_GPE ||
	    (d->tun_type == DEC_TUN_GRE && !d->tun_id_dir)) {
		k->tun_ctx = d->tun_id;
	} else if (d->tun_depth) {
		/* GTP-U, IP-in-IP, Teredo, PPTP (whose key is per direction):
		 * symmetric fold of the outer pair */
		k->tun_ctx = fold16(d->outer_src) + fold16(d->outer_dst);
	}
	return fwd;
}

uint32_t flow_key_hash(const struct flow_key *k)
{
	const uint64_t *w = (const void *)k;
	uint32_t h = 0x5eed1e55u;

	_Static_assert(sizeof(struct flow_key) == 48, "flow_key layout");
	for (unsigned i = 0; i < sizeof(*k) / 8; i++)
		h = rte_hash_crc_8byte(w[i], h);
	return h;
}

static inline int key_eq(const struct flow_key *a, const struct flow_key *b)
{
	const uint64_t *x = (const void *)a, *y = (const void *)b;
	uint64_t d = 0;

	for (unsigned i = 0; i < sizeof(*a) / 8; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

static void lru_unlink(struct flow_table *ft, struct flow *f)
{
	struct lru *l = &ft->lru[f->cls];
	uint32_t idx = (uint32_t)(f - ft->flows);

	(void)idx;
	if (f->lprev != FLOW_NIL)
		ft->flows[f->lprev].lnext = f->lnext;
	else
		l->head = f->lnext;
	if (f->lnext != FLOW_NIL)
		ft->flows[f->lnext].lprev = f->lprev;
	else
		l->tail = f->lprev;
}

static void lru_append(struct flow_table *ft, struct flow *f, uint8_t cls)
{
	struct lru *l = &ft->lru[cls];
	uint32_t idx = (uint32_t)(f - ft->flows);

	f->cls = cls;
	f->lnext = FLOW_NIL;
	f->lprev = l->tail;
	if (l->tail != FLOW_NIL)
		ft->flows[l->tail].lnext = idx;
	else
		l->head = idx;
	l->tail = idx;
}

static void hash_unlink(struct flow_table *ft, struct flow *f)
{
	uint32_t idx = (uint32_t)(f - ft->flows);
	uint32_t *pp = &ft->buckets[f->hash & ft->bucket_mask];

	while (*pp != FLOW_NIL) {
		if (*pp == idx) {
			*pp = f->hnext;
			return;
		}
		pp = &ft->flows[*pp].hnext;
	}
}

void flow_table_end(struct flow_table *ft, struct flow *f,
		    enum ev_flow_reason reason)
{
	uint32_t idx = (uint32_t)(f - ft->flows);

	ft->end(ft->ctx, f, &ft->meta[idx], reason);
	hash_unlink(ft, f);
	lru_unlink(ft, f);
	f->in_use = 0;
	f->hnext = ft->free_head;
	ft->free_head = idx;
	ft->count--;
}

/* The flow to give up when the table is full: closed ones first, then
 * half-open TCP (a SYN flood's, newest or not), then other protocols, and
 * established TCP last - a flood of new flows must not push out the
 * connections that were already up. Least recently used within a class. */
static struct flow *victim(struct flow_table *ft)
{
	static const int order[] = { FC_CLOSED, FC_TCP_NEW, FC_OTHER, FC_TCP_EST };

	for (unsigned i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (ft->lru[order[i]].head != FLOW_NIL)
			return &ft->flows[ft->lru[order[i]].head];
	return NULL;
}

struct flow *flow_table_get(struct flow_table *ft, const struct flow_key *k,
			    uint32_t hash, uint64_t now_us, int *created)
{
	uint32_t *bucket = &ft->buckets[hash & ft->bucket_mask];
	struct flow *f;

	for (uint32_t i = *bucket; i != FLOW_NIL; i = ft->flows[i].hnext) {
		f = &ft->flows[i];
		if (f->hash == hash && key_eq(&f->key, k)) {
			if (f->last_us + ft->timeout_us[f->cls] > now_us) {
				*created = 0;
				return f;
			}
			/* idle past its timeout, the scan just has not run yet */
			flow_table_end(ft, f, EV_REASON_TIMEOUT);
			break;
		}
	}
	uint32_t idx;
	if (ft->free_head == FLOW_NIL && ft->unused < ft->cfg.max_flows) {
		idx = ft->unused++;
	} else {
		if (ft->free_head == FLOW_NIL) {
			ft->evictions++;
			flow_table_end(ft, victim(ft), EV_REASON_EVICTED);
		}
		idx = ft->free_head;
		ft->free_head = ft->flows[idx].hnext;
	}
	f = &ft->flows[idx];
	memset(f, 0, sizeof(*f));
	f->key = *k;
	f->hash = hash;
	f->in_use = 1;
	f->cls_slot = FLOW_NIL;
	f->first_us = f->last_us = now_us;
	f->hnext = *bucket;
	*bucket = idx;
	lru_append(ft, f, FC_OTHER);
	ft->count++;
	*created = 1;
	return f;
}

struct flow *flow_table_find(struct flow_table *ft, const struct flow_key *k, uint32_t hash,
			     uint64_t now_us)
{
	for (uint32_t i = ft->buckets[hash & ft->bucket_mask]; i != FLOW_NIL;
	     i = ft->flows[i].hnext) {
		struct flow *f = &ft->flows[i];
		if (f->hash == hash && key_eq(&f->key, k))
			return f->last_us + ft->timeout_us[f->cls] > now_us ? f : NULL;
	}
	return NULL;
}

void flow_table_prefetch(const struct flow_table *ft, uint32_t hash)
{
	__builtin_prefetch(&ft->buckets[hash & ft->bucket_mask]);
}

void flow_table_touch(struct flow_table *ft, struct flow *f,
		      enum flow_class cls, uint64_t now_us)
{
	if (now_us > f->last_us)
		f->last_us = now_us;
	uint32_t idx = (uint32_t)(f - ft->flows);
	if (f->cls == cls && ft->lru[cls].tail == idx)
		return;
	lru_unlink(ft, f);
	lru_append(ft, f, (uint8_t)cls);
}

unsigned flow_table_expire(struct flow_table *ft, uint64_t now_us)
{
	unsigned n = 0;

	for (int c = 0; c < FC_MAX; c++) {
		uint64_t to = ft->timeout_us[c];
		while (ft->lru[c].head != FLOW_NIL) {
			struct flow *f = &ft->flows[ft->lru[c].head];
			if (f->last_us + to > now_us)
				break;
			flow_table_end(ft, f, EV_REASON_TIMEOUT);
			n++;
		}
	}
	return n;
}

void flow_table_flush(struct flow_table *ft)
{
	for (int c = 0; c < FC_MAX; c++)
		while (ft->lru[c].head != FLOW_NIL)
			flow_table_end(ft, &ft->flows[ft->lru[c].head],
				       EV_REASON_SHUTDOWN);
}

struct flow_meta *flow_table_meta(struct flow_table *ft, const struct flow *f)
{
	return &ft->meta[f - ft->flows];
}

uint32_t flow_table_count(const struct flow_table *ft)
{
	return ft->count;
}

uint64_t flow_table_evictions(const struct flow_table *ft)
{
	return ft->evictions;
}

size_t flow_table_bytes_per_flow(const struct flow_table *ft)
{
	return sizeof(struct flow) + sizeof(struct flow_meta) +
	       ((size_t)ft->bucket_mask + 1) * sizeof(uint32_t) /
		       ft->cfg.max_flows;
}

const struct flow_table_cfg *flow_table_cfg(const struct flow_table *ft)
{
	return &ft->cfg;
}

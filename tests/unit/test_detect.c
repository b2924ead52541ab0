/* Detector building blocks: count-min sketches and their merge, distinct
 * counting, bounded tables, the DNS question parser (with every truncation),
 * tick windows of a feed (edges, gaps, idle ticks), and the analytics thread
 * merging two workers' records into one scanner, once, in time order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "../../proto/dns.h"
#include "../../detectors/det_impl.h"

static struct sketch *sk_new(uint64_t tick)
{
	struct sketch *s = malloc(sizeof(*s));
	assert_non_null(s);
	sk_clear(s, tick);
	return s;
}

static void ip4(uint8_t *a, unsigned x)
{
	memset(a, 0, 16);
	a[0] = 10;
	a[1] = (uint8_t)(x >> 16);
	a[2] = (uint8_t)(x >> 8);
	a[3] = (uint8_t)x;
}

static void test_sketch_never_underestimates(void **st)
{
	(void)st;
	struct sketch *s = sk_new(7);
	uint8_t a[16];
	/* 500 destinations, destination i gets i % 50 + 1 packets */
	for (unsigned i = 0; i < 500; i++) {
		ip4(a, i);
		uint64_t h = sk_hash(4, a);
		for (unsigned k = 0; k <= i % 50; k++)
			sk_add(s, h, 4, a, 100, k == 0, 0);
	}
	unsigned exact = 0;
	for (unsigned i = 0; i < 500; i++) {
		ip4(a, i);
		uint64_t h = sk_hash(4, a);
		uint64_t e = sk_estimate(s, SK_PKTS, h);
		assert_true(e >= i % 50 + 1);
		assert_true(sk_estimate(s, SK_BYTES, h) >= (i % 50 + 1) * 100);
		assert_true(sk_estimate(s, SK_SYNS, h) >= 1);
		exact += e == i % 50 + 1;
	}
	/* half a key per column: most estimates are exact */
	assert_true(exact > 400);
	free(s);
}

static void test_sketch_merge_is_sum(void **st)
{
	(void)st;
	struct sketch *a = sk_new(3), *b = sk_new(3), *whole = sk_new(3);
	uint8_t v[16], o[16];
	ip4(v, 99);
	uint64_t hv = sk_hash(4, v);
	/* a victim's packets split over two workers, plus other traffic */
	for (unsigned i = 0; i < 300; i++) {
		sk_add(i & 1 ? a : b, hv, 4, v, 60, 1, 0);
		sk_add(whole, hv, 4, v, 60, 1, 0);
		ip4(o, 1000 + i);
		sk_add(i & 1 ? b : a, sk_hash(4, o), 4, o, 60, 0, 1);
		sk_add(whole, sk_hash(4, o), 4, o, 60, 0, 1);
	}
	sk_merge(a, b);
	assert_memory_equal(a->cm, whole->cm, sizeof(a->cm));
	assert_int_equal(a->total_pkts, whole->total_pkts);
	assert_int_equal(sk_estimate(a, SK_SYNS, hv), 300);
	/* the victim is a candidate, with all its packets counted */
	const struct sk_cand *c = &a->cand[sk_cand_slot(hv)];
	assert_int_equal(c->ipver, 4);
	assert_memory_equal(c->addr, v, 16);
	assert_int_equal(c->hits, 300);
	/* IPv4 and IPv6 of the same bytes are different keys */
	assert_true(sk_hash(4, v) != sk_hash(6, v));
	free(a);
	free(b);
	free(whole);
}

static void test_linear_counting(void **st)
{
	(void)st;
	struct lc256 l;
	memset(&l, 0, sizeof(l));
	assert_int_equal(lc_count(&l), 0);
	for (unsigned i = 0; i < 40; i++) {
		lc_add(&l, det_hash(&i, sizeof(i)));
		lc_add(&l, det_hash(&i, sizeof(i))); /* repeats do not count */
	}
	/* exact while small, then an estimate never far below */
	unsigned n = lc_count(&l);
	assert_true(n >= 34 && n <= 44);
	memset(&l, 0, sizeof(l));
	for (unsigned i = 0; i < 24; i++)
		lc_add(&l, det_hash(&i, sizeof(i)));
	assert_int_equal(lc_count(&l), 24);
	for (unsigned i = 0; i < 20000; i++)
		lc_add(&l, det_hash(&i, sizeof(i)));
	assert_true(lc_count(&l) >= 2000); /* saturated: "many" */
}

static void test_dtab_bounded(void **st)
{
	(void)st;
	struct dtab *t = dtab_create(64, 8, 8);
	int created;
	assert_non_null(t);
	for (uint64_t k = 0; k < 1000; k++) {
		uint64_t *v = dtab_get(t, &k, k, &created);
		assert_true(created);
		*v = k * 3;
	}
	/* full: the oldest gave way, the newest are there with their value */
	assert_true(dtab_evictions(t) >= 1000 - 64);
	uint64_t k = 999;
	uint64_t *v = dtab_find(t, &k);
	assert_non_null(v);
	assert_int_equal(*v, 999 * 3);
	v = dtab_get(t, &k, 2000, &created);
	assert_false(created);
	k = 0;
	assert_null(dtab_find(t, &k));
	dtab_destroy(t);
}

/* A query for "www.Example.com" type A, id 0x1234. */
static const uint8_t dnsq[] = {
	0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
	3, 'w', 'w', 'w', 7, 'E', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
	0, 1, 0, 1,
};

static void test_dns_parse(void **st)
{
	(void)st;
	struct dns_msg m;
	assert_int_equal(dns_parse(dnsq, sizeof(dnsq), &m), 0);
	assert_string_equal(m.name, "www.example.com");
	assert_int_equal(m.name_len, 15);
	assert_int_equal(m.qtype, 1);
	assert_int_equal(m.qr, 0);
	assert_int_equal(m.id, 0x1234);
	/* every truncation is refused, reading nothing past the end */
	for (size_t l = 0; l < sizeof(dnsq); l++) {
		uint8_t *b = malloc(l ? l : 1);
		memcpy(b, dnsq, l);
		assert_int_equal(dns_parse(b, l, &m), -1);
		free(b);
	}
	/* an NXDOMAIN answer */
	uint8_t r[sizeof(dnsq)];
	memcpy(r, dnsq, sizeof(r));
	r[2] = 0x81;
	r[3] = 0x83;
	assert_int_equal(dns_parse(r, sizeof(r), &m), 0);
	assert_int_equal(m.qr, 1);
	assert_int_equal(m.rcode, 3);
	/* a compression pointer in the question (forward, or a loop): refused */
	uint8_t p[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1 };
	assert_int_equal(dns_parse(p, sizeof(p), &m), -1);
	/* control bytes in a label (NUL too) come out as '?' */
	uint8_t z[] = { 0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 3, 'a', 0, '\n', 0, 0, 16, 0, 1 };
	assert_int_equal(dns_parse(z, sizeof(z), &m), 0);
	assert_string_equal(m.name, "a??");
	assert_int_equal(m.name_len, 3);
	assert_int_equal(m.qtype, 16);
	/* a name over 253 characters: refused */
	uint8_t big[12 + 5 * 64 + 1 + 4];
	memset(big, 0, sizeof(big));
	big[5] = 1;
	for (int i = 0; i < 5; i++) {
		big[12 + i * 64] = 63;
		memset(big + 13 + i * 64, 'a', 63);
	}
	assert_int_equal(dns_parse(big, sizeof(big), &m), -1);
}

/* Records a feed emits, read back from its ring through an analytics
 * object that is not started. */
static unsigned drain_feed(struct analytics *an, unsigned w, struct det_rec *out,
			   unsigned cap);

static void test_feed_ticks(void **st)
{
	(void)st;
	struct evq *q = evq_create(64, 1);
	struct analytics_cfg ac = { .workers = 1, .lossless = 1, .q = q };
	struct analytics *an = analytics_create(&ac);
	assert_non_null(an);
	struct det_feed *f = analytics_feed(an, 0);
	struct det_rec rs[16];
	uint64_t t0 = 1700000000000000ULL; /* a tick boundary */
	uint8_t a[16];
	ip4(a, 5);

	det_feed_clock(f, t0 + 10);
	sk_add(det_feed_sketch(f), sk_hash(4, a), 4, a, 64, 0, 0);
	det_feed_clock(f, t0 + DET_TICK_US - 1);      /* same tick */
	assert_int_equal(drain_feed(an, 0, rs, 16), 0);
	det_feed_clock(f, t0 + DET_TICK_US);          /* the edge: next tick */
	unsigned n = drain_feed(an, 0, rs, 16);
	assert_int_equal(n, 1);
	assert_int_equal(rs[0].kind, DR_TICK);
	assert_int_equal(rs[0].ts_us, t0 + DET_TICK_US); /* the tick's end */
	assert_int_equal(rs[0].u.sk->tick, t0 / DET_TICK_US);
	assert_int_equal(rs[0].u.sk->total_pkts, 1);
	/* an idle tick: a watermark, no sketch */
	det_feed_clock(f, t0 + 2 * DET_TICK_US + 5);
	n = drain_feed(an, 0, rs, 16);
	assert_int_equal(n, 1);
	assert_int_equal(rs[0].kind, DR_WATERMARK);
	assert_int_equal(rs[0].ts_us, t0 + 2 * DET_TICK_US);
	/* a gap of many ticks: one record, for the tick that ended */
	sk_add(det_feed_sketch(f), sk_hash(4, a), 4, a, 64, 0, 0);
	det_feed_clock(f, t0 + 50 * DET_TICK_US);
	n = drain_feed(an, 0, rs, 16);
	assert_int_equal(n, 1);
	assert_int_equal(rs[0].kind, DR_TICK);
	assert_int_equal(rs[0].ts_us, t0 + 3 * DET_TICK_US);
	det_feed_eof(f, t0 + 50 * DET_TICK_US);
	n = drain_feed(an, 0, rs, 16);
	assert_int_equal(rs[n - 1].kind, DR_EOF);
	analytics_destroy(an);
	evq_destroy(q);
}

static unsigned drain_feed(struct analytics *an, unsigned w, struct det_rec *out,
			   unsigned cap)
{
	/* the test side of the ring: the analytics thread is not running */
	struct det_feed *f = analytics_feed(an, w);
	return det_feed_debug_drain(f, out, cap);
}

/* One scanner whose failed probes are split over two workers, the second
 * worker lagging: one alert, raised once, at the packet time the threshold
 * was crossed; a second burst inside the window raises nothing new. */
static void test_analytics_merges_workers(void **st)
{
	(void)st;
	struct evq *q = evq_create(64, 1);
	struct analytics_cfg ac = { .workers = 2, .lossless = 1, .q = q, .only = "scan" };
	struct analytics *an = analytics_create(&ac);
	assert_non_null(an);
	assert_int_equal(analytics_start(an), 0);
	uint64_t t0 = 1700000000000000ULL;
	for (int w = 0; w < 2; w++) {
		struct det_feed *f = analytics_feed(an, (unsigned)w);
		for (unsigned i = 0; i < 60; i++) {
			if ((i & 1) != (unsigned)w)
				continue;
			uint64_t t = t0 + i * 1000 + (i >= 30 ? 2000000 : 0);
			det_feed_clock(f, t);
			struct det_rec *r = det_feed_reserve(f);
			r->kind = DR_FAILED; /* the workers judged these probes */
			r->ipver = 4;
			r->proto = 6;
			r->flags = 0x02;
			r->seg = -1;
			r->dport = 22;
			r->sport = 40000;
			r->ts_us = t;
			r->hash = i;
			ip4(r->src, 0xffff);
			ip4(r->dst, 1 + i % 30);
			det_feed_commit(f, r);
		}
		det_feed_clock(f, t0 + 10000000);
		det_feed_eof(f, t0 + 10000000);
	}
	analytics_stop(an);
	struct analytics_stats s;
	analytics_get_stats(an, &s);
	assert_int_equal(s.records, 60);
	assert_int_equal(s.alerts, 1);
	struct event *evs[8];
	unsigned n = evq_poll(q, evs, 8);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0]->u.alert.signature_id, 100001);
	/* raised when the 20th distinct target's probe failed */
	assert_int_equal(evs[0]->ts_us - t0, 19 * 1000);
	assert_string_equal(evs[0]->u.alert.detector, "scan");
	evq_release(q, evs, n);
	analytics_destroy(an);
	evq_destroy(q);
}

/* Many ticks through the small sketch pool (wrap-around), with idle ticks
 * between busy ones: every busy tick is merged once, none is lost, nothing
 * blocks; a flood-sized tick raises the flood detector once. */
static void test_ticks_wrap_pool(void **st)
{
	(void)st;
	struct evq *q = evq_create(64, 1);
	struct analytics_cfg ac = { .workers = 1, .lossless = 1, .q = q, .only = "flood" };
	struct analytics *an = analytics_create(&ac);
	assert_non_null(an);
	assert_int_equal(analytics_start(an), 0);
	struct det_feed *f = analytics_feed(an, 0);
	uint64_t t0 = 1700000000000000ULL;
	uint8_t v[16];
	ip4(v, 77);
	uint64_t h = sk_hash(4, v);
	unsigned busy = 0;
	for (unsigned k = 0; k < 300; k++) {
		det_feed_clock(f, t0 + k * DET_TICK_US);
		if (k % 3 == 2)
			continue; /* an idle tick */
		busy++;
		/* tick 150: 400 SYNs in 100 ms = 4000/s, over the 2000/s floor */
		unsigned n = k == 150 ? 400 : 5;
		for (unsigned i = 0; i < n; i++)
			sk_add(det_feed_sketch(f), h, 4, v, 60, 1, 0);
	}
	det_feed_clock(f, t0 + 300 * DET_TICK_US);
	det_feed_eof(f, t0 + 300 * DET_TICK_US);
	analytics_stop(an);
	struct analytics_stats s;
	analytics_get_stats(an, &s);
	assert_int_equal(s.ticks, busy);
	assert_int_equal(s.dropped, 0);
	assert_int_equal(s.alerts, 1);
	struct event *evs[4];
	unsigned n = evq_poll(q, evs, 4);
	assert_int_equal(n, 1);
	assert_int_equal(evs[0]->u.alert.signature_id, 100101);
	assert_int_equal(evs[0]->ts_us, t0 + 151 * DET_TICK_US); /* the tick's end */
	evq_release(q, evs, n);
	analytics_destroy(an);
	evq_destroy(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sketch_never_underestimates),
		cmocka_unit_test(test_sketch_merge_is_sum),
		cmocka_unit_test(test_linear_counting),
		cmocka_unit_test(test_dtab_bounded),
		cmocka_unit_test(test_dns_parse),
		cmocka_unit_test(test_feed_ticks),
		cmocka_unit_test(test_analytics_merges_workers),
		cmocka_unit_test(test_ticks_wrap_pool),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

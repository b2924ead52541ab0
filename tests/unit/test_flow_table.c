/* flow_table: insert/lookup, direction, key separation, packet-time
 * timeouts, eviction when full, flush. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../dataplane/flow_table.h"

struct ended {
	unsigned n;
	enum ev_flow_reason reason[64];
	uint16_t sport[64];
};

static void on_end(void *ctx, struct flow *f, struct flow_meta *m,
		   enum ev_flow_reason reason)
{
	struct ended *e = ctx;
	(void)m;
	if (e->n < 64) {
		e->reason[e->n] = reason;
		e->sport[e->n] = f->key.port_lo;
	}
	e->n++;
}

static struct decoded pkt(uint8_t a, uint8_t b, uint16_t sp, uint16_t dp)
{
	struct decoded d;
	memset(&d, 0, sizeof(d));
	d.ipver = 4;
	d.proto = 17;
	d.src[0] = 10;
	d.src[3] = a;
	d.dst[0] = 10;
	d.dst[3] = b;
	d.sport = sp;
	d.dport = dp;
	d.has_l4 = 1;
	return d;
}

static struct flow *get(struct flow_table *ft, const struct decoded *d,
			uint64_t now, int *created, int *fwd)
{
	struct flow_key k;
	*fwd = flow_key_make(&k, d);
	return flow_table_get(ft, &k, flow_key_hash(&k), now, created);
}

static void test_bidirectional(void **state)
{
	struct flow_table_cfg cfg;
	struct ended e = { 0 };
	int created, fwd1, fwd2;
	(void)state;

	flow_table_default_cfg(&cfg);
	cfg.max_flows = 16;
	struct flow_table *ft = flow_table_create(&cfg, on_end, &e);
	assert_non_null(ft);
	struct decoded a = pkt(1, 2, 1000, 53), b = pkt(2, 1, 53, 1000);
	struct flow *f1 = get(ft, &a, 1, &created, &fwd1);
	assert_true(created);
	struct flow *f2 = get(ft, &b, 2, &created, &fwd2);
	assert_false(created);
	assert_ptr_equal(f1, f2);
	assert_int_not_equal(fwd1, fwd2);
	/* the symmetric hash is what lets RSS/dispatch keep flows together */
	struct flow_key k1, k2;
	flow_key_make(&k1, &a);
	flow_key_make(&k2, &b);
	assert_int_equal(flow_key_hash(&k1), flow_key_hash(&k2));
	assert_int_equal(flow_table_count(ft), 1);
	flow_table_destroy(ft);
}

static void test_key_separation(void **state)
{
	struct flow_table_cfg cfg;
	struct ended e = { 0 };
	int created, fwd;
	(void)state;

	flow_table_default_cfg(&cfg);
	cfg.max_flows = 16;
	struct flow_table *ft = flow_table_create(&cfg, on_end, &e);
	struct decoded a = pkt(1, 2, 1000, 53);
	struct flow *f0 = get(ft, &a, 1, &created, &fwd);
	struct decoded v = a;
	v.vlan_count = 1;
	v.vlan[0] = 7;
	assert_ptr_not_equal(get(ft, &v, 1, &created, &fwd), f0);
	assert_true(created);
	struct decoded t = a;                 /* same inner tuple in a VXLAN */
	t.tun_type = DEC_TUN_VXLAN;
	t.tun_depth = 1;
	t.tun_id = 99;
	assert_ptr_not_equal(get(ft, &t, 1, &created, &fwd), f0);
	assert_true(created);
	t.tun_id = 100;                       /* another VNI: another flow */
	get(ft, &t, 1, &created, &fwd);
	assert_true(created);
	/* GTP-U: uplink and downlink TEIDs differ, still one flow */
	struct decoded up = a, down = pkt(2, 1, 53, 1000);
	up.tun_type = down.tun_type = DEC_TUN_GTPU;
	up.tun_depth = down.tun_depth = 1;
	up.tun_id = 0x1111;
	down.tun_id = 0x2222;
	up.outer_src[0] = down.outer_dst[0] = 172;
	up.outer_dst[0] = down.outer_src[0] = 192;
	struct flow *g1 = get(ft, &up, 1, &created, &fwd);
	assert_true(created);
	assert_ptr_equal(get(ft, &down, 2, &created, &fwd), g1);
	assert_false(created);
	assert_int_equal(flow_table_count(ft), 5);
	flow_table_destroy(ft);
}

static void test_timeouts_packet_time(void **state)
{
	struct flow_table_cfg cfg;
	struct ended e = { 0 };
	int created, fwd;
	(void)state;

	flow_table_default_cfg(&cfg);
	cfg.max_flows = 16;
	cfg.timeout_s[FC_OTHER] = 30;
	cfg.timeout_s[FC_TCP_EST] = 600;
	struct flow_table *ft = flow_table_create(&cfg, on_end, &e);
	const uint64_t s = 1000000;
	struct decoded a = pkt(1, 2, 1, 1), b = pkt(1, 3, 1, 1);
	struct flow *fa = get(ft, &a, 100 * s, &created, &fwd);
	flow_table_touch(ft, fa, FC_OTHER, 100 * s);
	struct flow *fb = get(ft, &b, 100 * s, &created, &fwd);
	flow_table_touch(ft, fb, FC_TCP_EST, 100 * s);
	assert_int_equal(flow_table_expire(ft, 129 * s), 0);
	flow_table_touch(ft, fa, FC_OTHER, 120 * s);  /* activity resets idle */
	assert_int_equal(flow_table_expire(ft, 149 * s), 0);
	assert_int_equal(flow_table_expire(ft, 150 * s), 1);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.reason[0], EV_REASON_TIMEOUT);
	assert_int_equal(flow_table_count(ft), 1);
	/* a lookup after the idle timeout, before any scan, gets a new flow */
	struct decoded c = pkt(1, 4, 1, 1);
	struct flow *fc = get(ft, &c, 150 * s, &created, &fwd);
	flow_table_touch(ft, fc, FC_OTHER, 150 * s);
	assert_int_equal(get(ft, &c, 180 * s, &created, &fwd), fc);
	assert_true(created);
	assert_int_equal(e.n, 2);
	assert_int_equal(e.reason[1], EV_REASON_TIMEOUT);
	flow_table_end(ft, fc, EV_REASON_SHUTDOWN);
	e.n = 1;
	assert_int_equal(flow_table_expire(ft, 699 * s), 0);
	assert_int_equal(flow_table_expire(ft, 700 * s), 1);
	assert_int_equal(flow_table_count(ft), 0);
	flow_table_destroy(ft);
}

static void test_eviction_and_flush(void **state)
{
	struct flow_table_cfg cfg;
	struct ended e = { 0 };
	int created, fwd;
	(void)state;

	flow_table_default_cfg(&cfg);
	cfg.max_flows = 4;
	struct flow_table *ft = flow_table_create(&cfg, on_end, &e);
	for (uint16_t i = 0; i < 4; i++) {
		struct decoded d = pkt(1, 2, (uint16_t)(100 + i), 9);
		struct flow *f = get(ft, &d, 10 + i, &created, &fwd);
		flow_table_touch(ft, f, FC_OTHER, 10 + i);
	}
	/* refresh the oldest, so the second oldest is the victim */
	struct decoded d0 = pkt(1, 2, 100, 9);
	struct flow *f0 = get(ft, &d0, 20, &created, &fwd);
	assert_false(created);
	flow_table_touch(ft, f0, FC_OTHER, 20);
	struct decoded dn = pkt(1, 2, 200, 9);
	get(ft, &dn, 21, &created, &fwd);
	assert_true(created);
	assert_int_equal(flow_table_count(ft), 4);
	assert_int_equal(flow_table_evictions(ft), 1);
	assert_int_equal(e.n, 1);
	assert_int_equal(e.reason[0], EV_REASON_EVICTED);
	assert_int_equal(e.sport[0], 101); /* lo endpoint is 10.0.0.1:101 */
	struct decoded d1 = pkt(1, 2, 101, 9);
	get(ft, &d1, 22, &created, &fwd);
	assert_true(created);                /* 101 was the one evicted */
	flow_table_flush(ft);
	assert_int_equal(flow_table_count(ft), 0);
	assert_int_equal(e.n, 6);
	assert_int_equal(e.reason[5], EV_REASON_SHUTDOWN);
	/* the table still works after a flush, and slots are reused */
	for (uint16_t i = 0; i < 10; i++) {
		struct decoded d = pkt(3, 4, i, 9);
		get(ft, &d, 30, &created, &fwd);
		assert_true(created);
	}
	assert_int_equal(flow_table_count(ft), 4);
	flow_table_destroy(ft);
}

static void test_bad_cfg(void **state)
{
	struct flow_table_cfg cfg;
	(void)state;
	flow_table_default_cfg(&cfg);
	cfg.max_flows = 0;
	assert_null(flow_table_create(&cfg, on_end, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bidirectional),
		cmocka_unit_test(test_key_separation),
		cmocka_unit_test(test_timeouts_packet_time),
		cmocka_unit_test(test_eviction_and_flush),
		cmocka_unit_test(test_bad_cfg),
	};
	return cmocka_run_group_tests_name("flow_table", tests, NULL, NULL);
}

/* proto/wire.h: the byte-order readers and the IE walker every parser
 * shares (PFCP's 2-byte types, GTPv2-C's 1-byte type and instance), with
 * the walk cut at every length; and the worker's application-layer table
 * (dataplane/app_layer.c): sound entries, the port rules, the control
 * plane every worker must see. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/wire.h"
#include "../../dataplane/app_layer.h"

static void test_readers(void **st)
{
	static const uint8_t b[] = { 0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0 };

	(void)st;
	assert_int_equal(rd16(b), 0x1234);
	assert_int_equal(rd16le(b), 0x3412);
	assert_int_equal(rd24(b), 0x123456u);
	assert_int_equal(rd32(b), 0x12345678u);
	assert_true(rd64(b) == 0x123456789abcdef0ULL);
	assert_int_equal(rd32(b + 4), 0x9abcdef0u); /* no sign extension */
}

/* PFCP: type 56 (PDR ID, 2 bytes), then vendor type 0x8001 (4 bytes) */
static const uint8_t pfcp_ies[] = { 0x00, 0x38, 0x00, 0x02, 0x00, 0x07,
				    0x80, 0x01, 0x00, 0x04, 0x00, 0x0a, 0xbe, 0xef };
/* GTPv2-C: IMSI (type 1, instance 0, 2 bytes), EBI (type 73, instance 5) */
static const uint8_t gtpv2_ies[] = { 0x01, 0x00, 0x02, 0x00, 0x21, 0x43,
				     0x49, 0x00, 0x01, 0x05, 0x05 };

static void test_tlv_walk(void **st)
{
	struct tlv t;
	size_t o = 0;

	(void)st;
	assert_int_equal(tlv_next(TLV_PFCP, pfcp_ies, sizeof(pfcp_ies), &o, &t), 1);
	assert_int_equal(t.type, 56);
	assert_int_equal(t.len, 2);
	assert_int_equal(rd16(t.v), 7);
	assert_int_equal(tlv_next(TLV_PFCP, pfcp_ies, sizeof(pfcp_ies), &o, &t), 1);
	assert_int_equal(t.type, 0x8001);
	assert_int_equal(t.len, 4);
	assert_int_equal(t.inst, 0);
	assert_int_equal(tlv_next(TLV_PFCP, pfcp_ies, sizeof(pfcp_ies), &o, &t), 0);
	assert_int_equal(o, sizeof(pfcp_ies));

	o = 0;
	assert_int_equal(tlv_next(TLV_GTPV2, gtpv2_ies, sizeof(gtpv2_ies), &o, &t), 1);
	assert_int_equal(t.type, 1);
	assert_int_equal(t.inst, 0);
	assert_int_equal(t.len, 2);
	assert_int_equal(tlv_next(TLV_GTPV2, gtpv2_ies, sizeof(gtpv2_ies), &o, &t), 1);
	assert_int_equal(t.type, 73);
	assert_int_equal(t.inst, 5);
	assert_int_equal(t.v[0], 5);
	assert_int_equal(tlv_next(TLV_GTPV2, gtpv2_ies, sizeof(gtpv2_ies), &o, &t), 0);
}

/* Cut anywhere inside an IE: an error, never a read past the cut (ASan
 * in the sanitizer build); cut between IEs: a clean end. */
static void walk_cut(enum tlv_kind k, const uint8_t *p, size_t n, const size_t *ends,
		     unsigned nends)
{
	for (size_t cut = 0; cut <= n; cut++) {
		uint8_t buf[32];
		struct tlv t;
		size_t o = 0;
		int r, items = 0;

		memcpy(buf, p, cut);
		while ((r = tlv_next(k, buf, cut, &o, &t)) > 0) {
			assert_true(t.v + t.len <= buf + cut);
			items++;
		}
		int boundary = 0;
		for (unsigned i = 0; i < nends; i++)
			boundary |= cut == ends[i];
		assert_int_equal(r, boundary ? 0 : -1);
		assert_true(o <= cut);
		(void)items;
	}
}

static void test_tlv_truncated(void **st)
{
	static const size_t pfcp_ends[] = { 0, 6, 14 }, gtpv2_ends[] = { 0, 6, 11 };

	(void)st;
	walk_cut(TLV_PFCP, pfcp_ies, sizeof(pfcp_ies), pfcp_ends, 3);
	walk_cut(TLV_GTPV2, gtpv2_ies, sizeof(gtpv2_ies), gtpv2_ends, 3);
}

static void test_app_table(void **st)
{
	(void)st;
	assert_true(app_layers_n > 0 && app_layers_n <= AL_MAX);
	for (unsigned i = 0; i < app_layers_n; i++) {
		const struct app_layer *a = app_layers[i];
		assert_non_null(a->name);
		assert_non_null(a->packet);
		/* a parser with nothing to say who it reads would read all */
		assert_true(a->ports[0] || a->match);
		assert_true(!a->fini || a->init);
		if (a->flags & AL_CONTROL) /* every worker's: by L4 and port alone */
			assert_true(a->l4 && a->ports[0] && !a->match);
		for (unsigned k = 0; k < i; k++)
			assert_string_not_equal(a->name, app_layers[k]->name);
	}
}

static const struct app_layer *by_name(const char *n)
{
	for (unsigned i = 0; i < app_layers_n; i++)
		if (!strcmp(app_layers[i]->name, n))
			return app_layers[i];
	return NULL;
}

static void test_app_ports(void **st)
{
	struct decoded d;
	const struct app_layer *dns = by_name("dns"), *http = by_name("http");

	(void)st;
	assert_non_null(dns);
	assert_non_null(http);
	memset(&d, 0, sizeof(d));
	d.proto = 17;
	d.sport = 53;
	d.dport = 40000;
	d.payload_len = 30;
	assert_true(al_ports_match(dns, &d, 1)); /* either side */
	assert_true(al_ports_match(dns, &d, 0));
	d.payload_len = 0;
	assert_false(al_ports_match(dns, &d, 1)); /* no payload, nothing to read */
	d.payload_len = 30;
	d.proto = 6;
	assert_false(al_ports_match(dns, &d, 1)); /* DNS over TCP is not ours */

	d.sport = 40000;
	d.dport = 8080;
	assert_true(al_ports_match(http, &d, 0));  /* to the server's port */
	assert_false(al_ports_match(http, &d, 1)); /* 8080 the client's: no */

	/* PFCP and GTPv2-C go to every worker, empty or not; in a tunnel,
	 * or over TCP, they are a UE's traffic */
	memset(&d, 0, sizeof(d));
	d.proto = 17;
	d.sport = 8805;
	d.dport = 8805;
	assert_true(al_is_control(&d));
	d.dport = d.sport = 2123;
	assert_true(al_is_control(&d));
	d.tun_depth = 1;
	assert_false(al_is_control(&d));
	d.tun_depth = 0;
	d.proto = 6;
	assert_false(al_is_control(&d));
	d.proto = 17;
	d.sport = d.dport = 2152;
	assert_false(al_is_control(&d));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readers),
		cmocka_unit_test(test_tlv_walk),
		cmocka_unit_test(test_tlv_truncated),
		cmocka_unit_test(test_app_table),
		cmocka_unit_test(test_app_ports),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

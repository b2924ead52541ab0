/* PFCP (N4) parser and the session table: every IE the session learning
 * reads (F-SEID, F-TEID, UE IP address, network instance, source interface,
 * QFI, outer header creation), truncation at every length and IE lengths
 * that overrun their parent, and sessions established, modified and
 * deleted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../dataplane/pfcp.h"
#include "../../dataplane/session.h"
#include "pfcp_msgs.h"

static const struct {
	const uint8_t *p;
	size_t n;
} msgs[] = {
	{ pfcp_msg0, sizeof(pfcp_msg0) }, { pfcp_msg1, sizeof(pfcp_msg1) },
	{ pfcp_msg2, sizeof(pfcp_msg2) }, { pfcp_msg3, sizeof(pfcp_msg3) },
	{ pfcp_msg4, sizeof(pfcp_msg4) }, { pfcp_msg5, sizeof(pfcp_msg5) },
};

static void test_establishment_request(void **st)
{
	(void)st;
	struct pfcp_msg m;
	assert_int_equal(pfcp_parse(pfcp_msg0, sizeof(pfcp_msg0), &m), 0);
	assert_int_equal(m.version, 1);
	assert_int_equal(m.type, PFCP_SESS_EST_REQ);
	assert_true(m.has_seid);
	assert_int_equal(m.seid, 0);
	assert_int_equal(m.seq, 1);
	assert_true(m.has_fseid);
	assert_int_equal(m.fseid, 0x1111);
	assert_int_equal(m.npdi, 1);
	const struct pfcp_pdi *d = &m.pdi[0];
	assert_true(d->has_src_if);
	assert_int_equal(d->src_if, 0);
	assert_true(d->has_teid);
	assert_int_equal(d->teid, 0x1001);
	assert_true(d->has_ue4);
	assert_memory_equal(d->ue4, ((uint8_t[]){ 10, 45, 1, 5 }), 4);
	assert_string_equal(d->dnn, "iot.city");
	assert_true(d->has_qfi);
	assert_int_equal(d->qfi, 9);
}

static void test_response_modification_deletion(void **st)
{
	(void)st;
	struct pfcp_msg m;
	assert_int_equal(pfcp_parse(pfcp_msg1, sizeof(pfcp_msg1), &m), 0);
	assert_int_equal(m.type, PFCP_SESS_EST_RESP);
	assert_int_equal(m.seid, 0x1111);
	assert_int_equal(m.fseid, 0x2222);
	assert_int_equal(pfcp_parse(pfcp_msg3, sizeof(pfcp_msg3), &m), 0);
	assert_int_equal(m.fseid, 0x4444);
	assert_int_equal(pfcp_parse(pfcp_msg4, sizeof(pfcp_msg4), &m), 0);
	assert_int_equal(m.type, PFCP_SESS_MOD_REQ);
	assert_int_equal(m.seid, 0x2222);
	assert_true(m.has_dl_teid);
	assert_int_equal(m.dl_teid, 0x5001);
	assert_memory_equal(m.dl_ip4, ((uint8_t[]){ 10, 201, 0, 1 }), 4);
	assert_int_equal(pfcp_parse(pfcp_msg5, sizeof(pfcp_msg5), &m), 0);
	assert_int_equal(m.type, PFCP_SESS_DEL_REQ);
}

static void test_truncated_and_oversized(void **st)
{
	(void)st;
	struct pfcp_msg m;
	for (unsigned k = 0; k < sizeof(msgs) / sizeof(msgs[0]); k++) {
		/* cut anywhere: refused (the header's length no longer fits),
		 * and ASan sees no read past the cut */
		for (size_t l = 0; l < msgs[k].n; l++) {
			uint8_t *b = malloc(l ? l : 1);
			memcpy(b, msgs[k].p, l);
			assert_int_equal(pfcp_parse(b, l, &m), -1);
			free(b);
		}
	}
	/* every IE length in the establishment request made too big by one:
	 * refused, never read beyond */
	uint8_t b[sizeof(pfcp_msg0)];
	for (size_t off = 16; off + 4 <= sizeof(b); off++) {
		memcpy(b, pfcp_msg0, sizeof(b));
		uint16_t l = (uint16_t)(b[off + 2] << 8 | b[off + 3]);
		if (l == 0xffff)
			continue;
		l++;
		b[off + 2] = (uint8_t)(l >> 8);
		b[off + 3] = (uint8_t)l;
		(void)pfcp_parse(b, sizeof(b), &m); /* any answer; no over-read */
	}
	/* a top-level IE longer than the message: refused */
	memcpy(b, pfcp_msg0, sizeof(b));
	b[16 + 2] = 0x7f;
	assert_int_equal(pfcp_parse(b, sizeof(b), &m), -1);
	/* wrong version: not PFCP */
	memcpy(b, pfcp_msg0, sizeof(b));
	b[0] = (uint8_t)((b[0] & 0x1f) | 2 << 5);
	assert_int_equal(pfcp_parse(b, sizeof(b), &m), -1);
	/* grouped IEs nested deeper than allowed: refused */
	uint8_t deep[8 + 4 * 8 + 12];
	memset(deep, 0, sizeof(deep));
	deep[0] = 0x20;
	deep[1] = PFCP_SESS_MOD_REQ;
	size_t body = sizeof(deep) - 4;
	deep[2] = (uint8_t)(body >> 8);
	deep[3] = (uint8_t)body;
	for (int i = 0; i < 8; i++) {
		size_t o = 8 + (size_t)i * 4, rest = sizeof(deep) - o - 4;
		deep[o + 1] = 2; /* PDI, inside PDI, inside ... */
		deep[o + 2] = (uint8_t)(rest >> 8);
		deep[o + 3] = (uint8_t)rest;
	}
	assert_int_equal(pfcp_parse(deep, sizeof(deep), &m), -1);
}

static void test_sessions(void **st)
{
	(void)st;
	struct sess_table *t = sess_create(4, 10000000);
	struct pfcp_msg m;
	uint8_t ue[16] = { 10, 45, 1, 5 };
	assert_non_null(t);
	for (int k = 0; k < 4; k++) {
		assert_int_equal(pfcp_parse(msgs[k].p, msgs[k].n, &m), 0);
		sess_learn(t, &m, 1000 + (uint64_t)k);
	}
	const struct session *s = sess_by_teid(t, 0x1001);
	assert_non_null(s);
	assert_string_equal(s->dnn, "iot.city");
	assert_int_equal(s->cp_seid, 0x1111);
	assert_int_equal(s->up_seid, 0x2222);
	assert_int_equal(s->ue_ipver, 4);
	assert_true(s->qfi_mask & (1ULL << 9));
	assert_ptr_equal(sess_by_ue(t, 4, ue), s);
	assert_string_equal(sess_by_teid(t, 0x1002)->dnn, "internet");
	assert_null(sess_by_teid(t, 0x5001));
	/* modification: the downlink TEID joins the session */
	assert_int_equal(pfcp_parse(pfcp_msg4, sizeof(pfcp_msg4), &m), 0);
	sess_learn(t, &m, 2000);
	assert_ptr_equal(sess_by_teid(t, 0x5001), s);
	/* deletion: every index forgets it */
	assert_int_equal(pfcp_parse(pfcp_msg5, sizeof(pfcp_msg5), &m), 0);
	sess_learn(t, &m, 3000);
	assert_null(sess_by_teid(t, 0x1001));
	assert_null(sess_by_teid(t, 0x5001));
	assert_null(sess_by_ue(t, 4, ue));
	assert_non_null(sess_by_teid(t, 0x1002));
	struct sess_stats ss;
	sess_get_stats(t, &ss);
	assert_int_equal(ss.created, 2);
	assert_int_equal(ss.deleted, 1);
	assert_int_equal(ss.active, 1);
	/* bounded: more establishments than room; idle ones give way */
	for (uint64_t i = 0; i < 10; i++) {
		assert_int_equal(pfcp_parse(pfcp_msg0, sizeof(pfcp_msg0), &m), 0);
		m.fseid = 0x9000 + i;
		m.pdi[0].teid = 0x7000 + (uint32_t)i;
		sess_learn(t, &m, 4000 + i);
	}
	/* three free records (two never used, one deleted), then the oldest
	 * unanswered establishment gives way each time; the session the UPF
	 * answered (0x1002) is never the one evicted */
	sess_get_stats(t, &ss);
	assert_int_equal(ss.active, 4);
	assert_int_equal(ss.evicted, 7);
	assert_int_equal(ss.full, 0);
	assert_non_null(sess_by_teid(t, 0x1002));
	assert_null(sess_by_teid(t, 0x7000 + 6)); /* evicted */
	assert_non_null(sess_by_teid(t, 0x7000 + 9));
	/* the UPF answers the three that remain: every record now holds an
	 * established session and a new establishment finds the table full */
	for (uint64_t i = 7; i < 10; i++) {
		assert_int_equal(pfcp_parse(pfcp_msg1, sizeof(pfcp_msg1), &m), 0);
		m.seid = 0x9000 + i;
		m.fseid = 0xA000 + i;
		sess_learn(t, &m, 4100 + i);
	}
	assert_int_equal(pfcp_parse(pfcp_msg0, sizeof(pfcp_msg0), &m), 0);
	m.fseid = 0x9100;
	m.pdi[0].teid = 0x7100;
	sess_learn(t, &m, 4200);
	sess_get_stats(t, &ss);
	assert_int_equal(ss.full, 1);
	assert_int_equal(ss.evicted, 7);
	assert_null(sess_by_teid(t, 0x7100));
	assert_non_null(sess_by_teid(t, 0x1002));
	assert_non_null(sess_by_teid(t, 0x7000 + 9));
	sess_learn(t, &m, 4000 + 20000000); /* much later: the idle expire */
	sess_get_stats(t, &ss);
	assert_true(ss.expired > 0);
	sess_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_establishment_request),
		cmocka_unit_test(test_response_modification_deletion),
		cmocka_unit_test(test_truncated_and_oversized),
		cmocka_unit_test(test_sessions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/* PFCP (N4) parser and the session table: every IE the session learning
 * reads (F-SEID, F-TEID, UE IP address, network instance, source interface,
 * QFI, outer header creation), truncation at every length and IE lengths
 * that overrun their parent, and sessions established, modified and
 * deleted. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/pfcp.h"
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

/* ---- one IE at a time, built here --------------------------------------- */

struct mb {
	uint8_t b[512];
	size_t n;
};

static void put(struct mb *m, const void *v, size_t l)
{
	memcpy(m->b + m->n, v, l);
	m->n += l;
}

static void put8(struct mb *m, uint8_t v)
{
	put(m, &v, 1);
}

static void hdr(struct mb *m, uint8_t type, int with_seid, uint64_t seid)
{
	m->n = 0;
	put8(m, (uint8_t)(0x20 | (with_seid ? 1 : 0)));
	put8(m, type);
	put8(m, 0);
	put8(m, 0);
	if (with_seid)
		for (int i = 7; i >= 0; i--)
			put8(m, (uint8_t)(seid >> (8 * i)));
	put8(m, 0);
	put8(m, 0);
	put8(m, 7); /* sequence 7 */
	put8(m, 0);
}

static size_t ie_open(struct mb *m, uint16_t type)
{
	size_t at = m->n;
	put8(m, (uint8_t)(type >> 8));
	put8(m, (uint8_t)type);
	put8(m, 0);
	put8(m, 0);
	return at;
}

static void ie_close(struct mb *m, size_t at)
{
	size_t l = m->n - at - 4;
	m->b[at + 2] = (uint8_t)(l >> 8);
	m->b[at + 3] = (uint8_t)l;
}

static void done(struct mb *m)
{
	size_t l = m->n - 4;
	m->b[2] = (uint8_t)(l >> 8);
	m->b[3] = (uint8_t)l;
}

/* One leaf IE (inside a PDI when in_pdi) in an establishment request. */
static int one(uint16_t type, const uint8_t *v, size_t l, int in_pdi, struct pfcp_msg *out)
{
	struct mb m;
	hdr(&m, PFCP_SESS_EST_REQ, 1, 0);
	size_t pdr = 0, pdi = 0;
	if (in_pdi) {
		pdr = ie_open(&m, 1);
		pdi = ie_open(&m, 2);
	}
	size_t at = ie_open(&m, type);
	put(&m, v, l);
	ie_close(&m, at);
	if (in_pdi) {
		ie_close(&m, pdi);
		ie_close(&m, pdr);
	}
	done(&m);
	return pfcp_parse(m.b, m.n, out);
}

static const struct {
	uint16_t type;
	int in_pdi;
	size_t min;                      /* shorter than this: refused */
	uint8_t v[40];
	size_t l;
} ies[] = {
	{ 57, 0, 9, { 0x02, 0, 0, 0, 0, 0, 0, 0x12, 0x34, 10, 200, 0, 1 }, 13 },     /* F-SEID v4 */
	{ 57, 0, 9, { 0x01, 0, 0, 0, 0, 0, 0, 0x56, 0x78, 0x20, 0x01, 0x0d, 0xb8,
		      [24] = 1 }, 25 },                                               /* F-SEID v6 */
	{ 21, 1, 9, { 0x01, 0xde, 0xad, 0xbe, 0xef, 10, 201, 0, 1 }, 9 },            /* F-TEID v4 */
	{ 93, 1, 5, { 0x02, 10, 45, 7, 7 }, 5 },                                      /* UE IP v4 */
	{ 93, 1, 17, { 0x01, 0x20, 0x01, 0x0d, 0xb8, [16] = 9 }, 17 },               /* UE IP v6 */
	{ 124, 1, 1, { 5 }, 1 },                                                      /* QFI */
	{ 20, 1, 1, { 0 }, 1 },                                                       /* source if */
	{ 19, 0, 1, { 1 }, 1 },                                                       /* cause */
	{ 84, 0, 2, { 0x01, 0x00, 0x00, 0x00, 0x50, 0x01, 10, 201, 0, 2 }, 10 },     /* OHC */
	{ 141, 0, 11, { 0x05, 4, 0x21, 0x43, 0x65, 0x87, 5, 0x43, 0x65, 0x87, 0x09, 0xf1 }, 12 },
};

static void check_ie(unsigned k, const struct pfcp_msg *m)
{
	switch (k) {
	case 0:
		assert_true(m->has_fseid);
		assert_int_equal(m->fseid, 0x1234);
		assert_int_equal(m->fseid_ipver, 4);
		assert_memory_equal(m->fseid_ip, ((uint8_t[]){ 10, 200, 0, 1 }), 4);
		break;
	case 1:
		assert_int_equal(m->fseid, 0x5678);
		assert_int_equal(m->fseid_ipver, 6);
		assert_int_equal(m->fseid_ip[15], 1);
		break;
	case 2:
		assert_int_equal(m->npdi, 1);
		assert_true(m->pdi[0].has_teid);
		assert_int_equal(m->pdi[0].teid, 0xdeadbeef);
		break;
	case 3:
		assert_true(m->pdi[0].has_ue4);
		assert_memory_equal(m->pdi[0].ue4, ((uint8_t[]){ 10, 45, 7, 7 }), 4);
		break;
	case 4:
		assert_true(m->pdi[0].has_ue6);
		assert_false(m->pdi[0].has_ue4);
		assert_int_equal(m->pdi[0].ue6[15], 9);
		break;
	case 5:
		assert_true(m->pdi[0].has_qfi);
		assert_int_equal(m->pdi[0].qfi, 5);
		break;
	case 6:
		assert_true(m->pdi[0].has_src_if);
		assert_int_equal(m->pdi[0].src_if, 0);
		break;
	case 7:
		assert_true(m->has_cause);
		assert_int_equal(m->cause, 1);
		break;
	case 8:
		assert_true(m->has_dl_teid);
		assert_int_equal(m->dl_teid, 0x5001);
		assert_memory_equal(m->dl_ip4, ((uint8_t[]){ 10, 201, 0, 2 }), 4);
		break;
	case 9:
		assert_string_equal(m->imsi, "12345678");
		assert_string_equal(m->msisdn, "345678901");
		break;
	}
}

static void test_each_ie(void **st)
{
	(void)st;
	struct pfcp_msg m;
	for (unsigned k = 0; k < sizeof(ies) / sizeof(ies[0]); k++) {
		assert_int_equal(one(ies[k].type, ies[k].v, ies[k].l, ies[k].in_pdi, &m), 0);
		check_ie(k, &m);
		/* every shorter value than the IE needs: refused, and nothing
		 * beyond the shortened value is read (ASan) */
		for (size_t l = 0; l < ies[k].min; l++)
			assert_int_equal(one(ies[k].type, ies[k].v, l, ies[k].in_pdi, &m), -1);
		/* the IE's length one more than its parent holds: refused */
		struct mb b;
		hdr(&b, PFCP_SESS_EST_REQ, 1, 0);
		size_t at = ie_open(&b, ies[k].type);
		put(&b, ies[k].v, ies[k].l);
		ie_close(&b, at);
		b.b[at + 3]++;
		done(&b);
		b.b[3]--; /* the message still ends where the bytes do */
		assert_int_equal(pfcp_parse(b.b, b.n, &m), -1);
	}
	/* 5G User ID: SUPI and GPSI as strings (TS 29.571) */
	uint8_t supi[] = { 0x30, 20, 'i', 'm', 's', 'i', '-', '2', '1', '4', '0', '7', '0', '0', '0',
			   '0', '0', '0', '0', '0', '1', '2', 13, 'm', 's', 'i', 's', 'd', 'n', '-',
			   '3', '4', '6', '0', '0', '1' };
	assert_int_equal(one(141, supi, sizeof(supi), 0, &m), 0);
	assert_string_equal(m.imsi, "214070000000012");
	assert_string_equal(m.msisdn, "346001");
	/* an NAI SUPI, a GPSI that is no MSISDN: not subscriber digits */
	uint8_t nai[] = { 0x30, 9, 'n', 'a', 'i', '-', 'a', '@', 'b', '.', 'c', 7, 'e', 'x', 't',
			  'i', 'd', '-', '1' };
	assert_int_equal(one(141, nai, sizeof(nai), 0, &m), 0);
	assert_string_equal(m.imsi, "");
	assert_string_equal(m.msisdn, "");
	/* cut anywhere: refused, never read past */
	for (size_t l = 1; l < sizeof(supi); l++)
		assert_int_equal(one(141, supi, l, 0, &m), -1);
	/* the User ID's MSISDN length running past the IE: refused */
	uint8_t uid[] = { 0x04, 9, 0x43, 0x65 };
	assert_int_equal(one(141, uid, sizeof(uid), 0, &m), -1);
	/* F-TEID with CH (the UPF chooses): no TEID, and not an error */
	uint8_t ch[] = { 0x05 };
	assert_int_equal(one(21, ch, 1, 1, &m), 0);
	assert_false(m.pdi[0].has_teid);
	/* network instance as labels and as text */
	uint8_t lab[] = { 3, 'i', 'o', 't', 4, 'c', 'i', 't', 'y' };
	assert_int_equal(one(22, lab, sizeof(lab), 1, &m), 0);
	assert_string_equal(m.pdi[0].dnn, "iot.city");
	assert_int_equal(one(22, (const uint8_t *)"internet", 8, 1, &m), 0);
	assert_string_equal(m.pdi[0].dnn, "internet");
	uint8_t bin[] = { 'a', 0x01, 'b' }; /* not labels: text, made printable */
	assert_int_equal(one(22, bin, sizeof(bin), 1, &m), 0);
	assert_string_equal(m.pdi[0].dnn, "a?b");
}

static void test_qer_vendor_node_messages(void **st)
{
	(void)st;
	struct pfcp_msg m;
	struct mb b;
	/* QFIs granted through Create QERs (no QFI in any PDI) */
	hdr(&b, PFCP_SESS_EST_REQ, 1, 0);
	for (uint8_t q = 3; q <= 4; q++) {
		size_t qer = ie_open(&b, 7);
		size_t at = ie_open(&b, 109); /* QER ID */
		put(&b, (uint8_t[]){ 0, 0, 0, q }, 4);
		ie_close(&b, at);
		at = ie_open(&b, 124);
		put8(&b, q);
		ie_close(&b, at);
		ie_close(&b, qer);
	}
	/* a vendor IE (enterprise id first), skipped */
	size_t at = ie_open(&b, 0x8000 | 32);
	put(&b, (uint8_t[]){ 0x48, 0x79, 1, 2, 3 }, 5);
	ie_close(&b, at);
	done(&b);
	assert_int_equal(pfcp_parse(b.b, b.n, &m), 0);
	assert_int_equal(m.qer_qfi_mask, (1ULL << 3) | (1ULL << 4));
	assert_int_equal(m.npdi, 0);
	/* a vendor IE too short for its enterprise id: refused */
	hdr(&b, PFCP_SESS_EST_REQ, 1, 0);
	at = ie_open(&b, 0x8000 | 32);
	put8(&b, 0x48);
	ie_close(&b, at);
	done(&b);
	assert_int_equal(pfcp_parse(b.b, b.n, &m), -1);
	/* node messages: no SEID; heartbeat with a recovery time stamp,
	 * association setup with a node id */
	hdr(&b, PFCP_HEARTBEAT_REQ, 0, 0);
	at = ie_open(&b, 96);
	put(&b, (uint8_t[]){ 0xe8, 0, 0, 1 }, 4);
	ie_close(&b, at);
	done(&b);
	assert_int_equal(pfcp_parse(b.b, b.n, &m), 0);
	assert_int_equal(m.type, PFCP_HEARTBEAT_REQ);
	assert_false(m.has_seid);
	assert_int_equal(m.seq, 7);
	hdr(&b, PFCP_ASSOC_SETUP_REQ, 0, 0);
	at = ie_open(&b, 60);
	put(&b, (uint8_t[]){ 0, 10, 200, 0, 1 }, 5);
	ie_close(&b, at);
	done(&b);
	assert_int_equal(pfcp_parse(b.b, b.n, &m), 0);
	assert_int_equal(m.type, PFCP_ASSOC_SETUP_REQ);
	/* the QER's QFIs, the User ID's IMSI and MSISDN reach the session */
	struct sess_table *t = sess_create(4, 0);
	hdr(&b, PFCP_SESS_EST_REQ, 1, 0);
	at = ie_open(&b, 57);
	put(&b, (uint8_t[]){ 0x02, 0, 0, 0, 0, 0, 0, 0, 0x77, 10, 200, 0, 1 }, 13);
	ie_close(&b, at);
	size_t pdr = ie_open(&b, 1), pdi = ie_open(&b, 2);
	at = ie_open(&b, 21);
	put(&b, (uint8_t[]){ 0x01, 0, 0, 0x0a, 0x0b, 10, 201, 0, 1 }, 9);
	ie_close(&b, at);
	ie_close(&b, pdi);
	ie_close(&b, pdr);
	size_t qer = ie_open(&b, 7);
	at = ie_open(&b, 124);
	put8(&b, 6);
	ie_close(&b, at);
	ie_close(&b, qer);
	at = ie_open(&b, 141);
	put(&b, ies[9].v, ies[9].l);
	ie_close(&b, at);
	done(&b);
	assert_int_equal(pfcp_parse(b.b, b.n, &m), 0);
	sess_learn(t, &m, 1);
	const struct session *s = sess_by_teid(t, 0x0a0b);
	assert_non_null(s);
	assert_int_equal(s->qfi_mask, 1ULL << 6);
	assert_string_equal(s->subscriber, "12345678");
	assert_string_equal(s->msisdn, "345678901");
	sess_destroy(t);
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

/* The UPF accepts the establishment the SMF sent under F-SEID cp, with
 * its own F-SEID up. */
static void upf_answers(struct sess_table *t, uint64_t cp, uint64_t up, uint64_t ts)
{
	struct pfcp_msg m;

	memset(&m, 0, sizeof(m));
	m.type = PFCP_SESS_EST_RESP;
	m.has_seid = 1;
	m.seid = cp;
	m.has_fseid = 1;
	m.fseid = up;
	sess_learn(t, &m, ts);
}

/* A session with several PDRs, FARs and a dual-stack UE: every TEID finds
 * it, each with its direction; the UE by its IPv4 address or any address
 * of its /64; a handover replaces the gNB's TEID; a session never holds
 * more than SESS_TEIDS; deletion forgets them all. */
static void test_session_teids_dual_stack(void **st)
{
	(void)st;
	struct sess_table *t = sess_create(4, 0);
	struct pfcp_msg m;
	const uint8_t v4[4] = { 10, 45, 9, 9 };
	const uint8_t v6a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0 };
	const uint8_t v6b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 2, 0xde, 0xad, 0, 0, 0, 0, 0, 7 };
	const uint8_t v6c[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 7 };
	memset(&m, 0, sizeof(m));
	m.type = PFCP_SESS_EST_REQ;
	m.has_fseid = 1;
	m.fseid = 0x51;
	m.npdi = 2;
	m.pdi[0].has_teid = 1;
	m.pdi[0].teid = 0xa1;
	m.pdi[0].has_ue4 = m.pdi[0].has_ue6 = 1;
	memcpy(m.pdi[0].ue4, v4, 4);
	memcpy(m.pdi[0].ue6, v6a, 16);
	m.pdi[1].has_teid = 1;
	m.pdi[1].teid = 0xa2;
	m.pdi[1].has_src_if = 1; /* access */
	m.has_dl_teid = 1;
	m.dl_teid = 0xd1;
	sess_learn(t, &m, 10);
	upf_answers(t, 0x51, 0x61, 11);
	const struct session *s = sess_by_teid(t, 0xa1);
	assert_non_null(s);
	assert_ptr_equal(sess_by_teid(t, 0xa2), s);
	assert_ptr_equal(sess_by_teid(t, 0xd1), s);
	assert_int_equal(sess_teid_dir(s, 0xa1), 0);
	assert_int_equal(sess_teid_dir(s, 0xa2), 0);
	assert_int_equal(sess_teid_dir(s, 0xd1), 1);
	assert_int_equal(sess_teid_dir(s, 0xd2), -1);
	/* events show the IPv4 address; both families are the UE's */
	assert_int_equal(s->ue_ipver, 4);
	assert_memory_equal(s->ue, v4, 4);
	assert_ptr_equal(sess_by_ue(t, 4, v4), s);
	assert_ptr_equal(sess_by_ue(t, 6, v6a), s);
	assert_ptr_equal(sess_by_ue(t, 6, v6b), s);
	assert_null(sess_by_ue(t, 6, v6c));
	assert_true(sess_is_ue(s, 4, v4));
	assert_true(sess_is_ue(s, 6, v6b));
	assert_false(sess_is_ue(s, 6, v6c));
	assert_false(sess_is_ue(s, 4, v6a));
	/* handover: the new gNB's TEID replaces the old one */
	memset(&m, 0, sizeof(m));
	m.type = PFCP_SESS_MOD_REQ;
	m.has_seid = 1;
	m.seid = 0x61;
	m.has_dl_teid = 1;
	m.dl_teid = 0xd2;
	sess_learn(t, &m, 20);
	assert_null(sess_by_teid(t, 0xd1));
	assert_ptr_equal(sess_by_teid(t, 0xd2), s);
	assert_int_equal(sess_teid_dir(s, 0xd2), 1);
	assert_ptr_equal(sess_by_teid(t, 0xa1), s);
	/* more PDRs than a session holds: the oldest give way */
	m.has_dl_teid = 0;
	m.npdi = 1;
	memset(&m.pdi[0], 0, sizeof(m.pdi[0]));
	m.pdi[0].has_teid = 1;
	for (uint32_t k = 0; k < 10; k++) {
		m.pdi[0].teid = 0xb0 + k;
		sess_learn(t, &m, 30 + k);
	}
	assert_int_equal(s->nteid, SESS_TEIDS);
	assert_null(sess_by_teid(t, 0xa1));
	assert_null(sess_by_teid(t, 0xb0));
	assert_ptr_equal(sess_by_teid(t, 0xb9), s);
	assert_ptr_equal(sess_by_teid(t, 0xb2), s);
	/* deletion: no TEID, no address finds it any more */
	m.type = PFCP_SESS_DEL_REQ;
	m.npdi = 0;
	sess_learn(t, &m, 50);
	for (uint32_t k = 0; k < 10; k++)
		assert_null(sess_by_teid(t, 0xb0 + k));
	assert_null(sess_by_teid(t, 0xd2));
	assert_null(sess_by_ue(t, 4, v4));
	assert_null(sess_by_ue(t, 6, v6b));
	sess_destroy(t);
}

/* A GTPv2-C message to header TEID teid with one bearer context (EBI ebi)
 * holding one user-plane F-TEID. */
static void bearer_msg(struct gtpc_msg *m, uint8_t type, uint32_t teid, uint8_t ebi,
		       uint8_t iface, uint32_t fteid)
{
	memset(m, 0, sizeof(*m));
	m->type = type;
	m->has_teid = 1;
	m->teid = teid;
	m->nbearer = 1;
	m->bearer[0].has_ebi = 1;
	m->bearer[0].ebi = ebi;
	m->bearer[0].nfteid = 1;
	m->bearer[0].fteid[0].iface = iface;
	m->bearer[0].fteid[0].teid = fteid;
}

/* GTPv2-C: a default and a dedicated bearer each have their tunnels; a
 * Modify Bearer moves one bearer to a new eNB and leaves the other; a
 * bearer to be removed loses its tunnels. */
static void test_gtpc_bearers(void **st)
{
	(void)st;
	struct sess_table *t = sess_create(4, 0);
	struct gtpc_msg m;
	memset(&m, 0, sizeof(m));
	m.type = GTPC_CREATE_SESS_REQ;
	m.has_sender = 1;
	m.sender.teid = 0x100;
	snprintf(m.imsi, sizeof(m.imsi), "214070000000001");
	sess_learn_gtpc(t, &m, 1);
	bearer_msg(&m, GTPC_CREATE_SESS_RESP, 0x100, 5, GTPC_IF_S1U_SGW, 0x5001);
	m.has_cause = 1;
	m.cause = 16;
	m.has_sender = 1;
	m.sender.teid = 0x200;
	m.has_ue4 = 1;
	memcpy(m.ue4, (uint8_t[]){ 10, 46, 0, 1 }, 4);
	sess_learn_gtpc(t, &m, 2);
	/* the dedicated bearer: the SGW's TEID, then the eNB's */
	bearer_msg(&m, GTPC_CREATE_BEARER_REQ, 0x100, 6, GTPC_IF_S1U_SGW, 0x6001);
	sess_learn_gtpc(t, &m, 3);
	bearer_msg(&m, GTPC_CREATE_BEARER_RESP, 0x200, 6, GTPC_IF_S1U_ENB, 0xe601);
	sess_learn_gtpc(t, &m, 4);
	/* the default bearer's eNB TEID */
	bearer_msg(&m, GTPC_MODIFY_BEARER_REQ, 0x200, 5, GTPC_IF_S1U_ENB, 0xe501);
	sess_learn_gtpc(t, &m, 5);
	const struct session *s = sess_by_teid(t, 0x5001);
	assert_non_null(s);
	assert_string_equal(s->subscriber, "214070000000001");
	assert_ptr_equal(sess_by_teid(t, 0x6001), s);
	assert_ptr_equal(sess_by_teid(t, 0xe501), s);
	assert_ptr_equal(sess_by_teid(t, 0xe601), s);
	assert_int_equal(sess_teid_dir(s, 0x6001), 0);
	assert_int_equal(sess_teid_dir(s, 0xe601), 1);
	/* handover of the default bearer only */
	m.bearer[0].fteid[0].teid = 0xe502;
	sess_learn_gtpc(t, &m, 6);
	assert_null(sess_by_teid(t, 0xe501));
	assert_ptr_equal(sess_by_teid(t, 0xe502), s);
	assert_ptr_equal(sess_by_teid(t, 0xe601), s);
	/* the dedicated bearer removed */
	m.bearer[0].instance = 1;
	m.bearer[0].ebi = 6;
	m.bearer[0].nfteid = 0;
	sess_learn_gtpc(t, &m, 7);
	assert_null(sess_by_teid(t, 0x6001));
	assert_null(sess_by_teid(t, 0xe601));
	assert_ptr_equal(sess_by_teid(t, 0x5001), s);
	assert_ptr_equal(sess_by_teid(t, 0xe502), s);
	sess_destroy(t);
}

/* PDR IDs: the parser ties each PDI to its Create / Update / Created PDR's
 * ID (before or after it) and reads Remove PDR; the session keeps which
 * PDRs use each TEID: two QoS flows' PDRs on one tunnel, an Update PDR
 * moving a PDR to a new F-TEID, a Remove PDR ending a tunnel only when no
 * PDR uses it any more. */
static void test_pdr_ids(void **st)
{
	(void)st;
	struct mb b;
	struct pfcp_msg m;
	/* Create PDR { PDI { F-TEID 0xa1 }, PDR ID 7 } (ID after the PDI),
	 * Remove PDR { PDR ID 9 } */
	hdr(&b, PFCP_SESS_MOD_REQ, 1, 0x61);
	size_t pdr = ie_open(&b, 1), pdi = ie_open(&b, 2), at = ie_open(&b, 21);
	put(&b, (uint8_t[]){ 0x01, 0, 0, 0, 0xa1, 10, 201, 0, 2 }, 9);
	ie_close(&b, at);
	ie_close(&b, pdi);
	at = ie_open(&b, 56);
	put(&b, (uint8_t[]){ 0, 7 }, 2);
	ie_close(&b, at);
	ie_close(&b, pdr);
	size_t rm = ie_open(&b, 15);
	at = ie_open(&b, 56);
	put(&b, (uint8_t[]){ 0, 9 }, 2);
	ie_close(&b, at);
	ie_close(&b, rm);
	done(&b);
	assert_int_equal(pfcp_parse(b.b, b.n, &m), 0);
	assert_int_equal(m.npdi, 1);
	assert_true(m.pdi[0].has_pdr_id);
	assert_int_equal(m.pdi[0].pdr_id, 7);
	assert_int_equal(m.nrm_pdr, 1);
	assert_int_equal(m.rm_pdr[0], 9);
	/* a PDR ID one byte long: refused */
	uint8_t shortid[] = { 7 };
	assert_int_equal(one(56, shortid, 1, 0, &m), -1);

	struct sess_table *t = sess_create(4, 0);
	memset(&m, 0, sizeof(m));
	m.type = PFCP_SESS_EST_REQ;
	m.has_fseid = 1;
	m.fseid = 0x51;
	m.npdi = 3;
	for (int k = 0; k < 3; k++) {
		m.pdi[k].has_teid = 1;
		m.pdi[k].has_pdr_id = 1;
		m.pdi[k].pdr_id = (uint16_t)(1 + k);
	}
	m.pdi[0].teid = 0xa1; /* PDRs 1 and 2: one tunnel, two QoS flows */
	m.pdi[1].teid = 0xa1;
	m.pdi[2].teid = 0xa3;
	sess_learn(t, &m, 1);
	upf_answers(t, 0x51, 0x61, 2);
	const struct session *s = sess_by_teid(t, 0xa1);
	assert_non_null(s);
	assert_int_equal(s->nteid, 2);
	memset(&m, 0, sizeof(m));
	m.type = PFCP_SESS_MOD_REQ;
	m.has_seid = 1;
	m.seid = 0x61;
	m.nrm_pdr = 1;
	m.rm_pdr[0] = 1; /* PDR 2 still uses 0xa1 */
	sess_learn(t, &m, 3);
	assert_ptr_equal(sess_by_teid(t, 0xa1), s);
	m.rm_pdr[0] = 2; /* now nobody does */
	sess_learn(t, &m, 4);
	assert_null(sess_by_teid(t, 0xa1));
	assert_ptr_equal(sess_by_teid(t, 0xa3), s);
	/* Update PDR 3: a new F-TEID; the old one is nobody's */
	m.nrm_pdr = 0;
	m.npdi = 1;
	m.pdi[0].has_teid = 1;
	m.pdi[0].teid = 0xa4;
	m.pdi[0].has_pdr_id = 1;
	m.pdi[0].pdr_id = 3;
	sess_learn(t, &m, 5);
	assert_null(sess_by_teid(t, 0xa3));
	assert_ptr_equal(sess_by_teid(t, 0xa4), s);
	assert_int_equal(s->nteid, 1);
	sess_destroy(t);

	/* SEID 0 names no session: an establishment under it is ignored (its
	 * record could never be unindexed; fuzz_pfcp found an answer to SEID
	 * 0 giving tunnels to a record long since freed) */
	t = sess_create(4, 0);
	memset(&m, 0, sizeof(m));
	m.type = PFCP_SESS_EST_REQ;
	m.has_fseid = 1;
	m.fseid = 0;
	m.npdi = 1;
	m.pdi[0].has_teid = 1;
	m.pdi[0].teid = 0xb1;
	sess_learn(t, &m, 1);
	struct sess_stats ss;
	sess_get_stats(t, &ss);
	assert_int_equal(ss.created, 0);
	assert_null(sess_by_teid(t, 0xb1));
	m.type = PFCP_SESS_EST_RESP;
	m.has_seid = 1;
	m.seid = 0;
	sess_learn(t, &m, 2);
	assert_null(sess_by_teid(t, 0xb1));
	assert_null(sess_by_seid(t, 0));
	sess_destroy(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_establishment_request),
		cmocka_unit_test(test_session_teids_dual_stack),
		cmocka_unit_test(test_gtpc_bearers),
		cmocka_unit_test(test_pdr_ids),
		cmocka_unit_test(test_response_modification_deletion),
		cmocka_unit_test(test_truncated_and_oversized),
		cmocka_unit_test(test_each_ie),
		cmocka_unit_test(test_qer_vendor_node_messages),
		cmocka_unit_test(test_sessions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

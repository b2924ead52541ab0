/* GTPv2-C (S11) parser: every IE the session learning reads (IMSI, MSISDN,
 * MEI, APN, RAT type, cause, EBI, PAA of each PDN type, F-TEIDs at the top
 * and in bearer contexts, bearer QoS), the piggyback flag, truncation at
 * every length, IE lengths that overrun their parent, nesting deeper than
 * the limit, values longer than their buffers, and what is not GTPv2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/gtpc.h"
#include "gtpc_msgs.h"

static const struct {
	const uint8_t *p;
	size_t n;
} msgs[] = {
	{ gtpc_msg0, sizeof(gtpc_msg0) }, { gtpc_msg1, sizeof(gtpc_msg1) },
	{ gtpc_msg2, sizeof(gtpc_msg2) }, { gtpc_msg3, sizeof(gtpc_msg3) },
	{ gtpc_msg4, sizeof(gtpc_msg4) }, { gtpc_msg5, sizeof(gtpc_msg5) },
	{ gtpc_msg6, sizeof(gtpc_msg6) }, { gtpc_msg7, sizeof(gtpc_msg7) },
	{ gtpc_msg8, sizeof(gtpc_msg8) },
};

#define NMSGS (sizeof(msgs) / sizeof(msgs[0]))

/* A message built in a test: a header with TEID, then IEs appended. */
struct build {
	uint8_t b[1024];
	size_t n;
};

static void b_start(struct build *x, uint8_t type)
{
	memset(x, 0, sizeof(*x));
	x->b[0] = 0x48; /* version 2, T */
	x->b[1] = type;
	x->b[7] = 0x42; /* TEID 0x42 */
	x->b[10] = 9;   /* sequence 9 */
	x->n = 12;
}

/* an IE's header; its value follows (b_put), its length is set by b_close */
static size_t b_open(struct build *x, uint8_t type, uint8_t inst)
{
	size_t at = x->n;
	x->b[at] = type;
	x->b[at + 3] = inst;
	x->n += 4;
	return at;
}

static void b_put(struct build *x, const void *v, size_t l)
{
	memcpy(x->b + x->n, v, l);
	x->n += l;
}

static void b_close(struct build *x, size_t at)
{
	size_t l = x->n - at - 4;
	x->b[at + 1] = (uint8_t)(l >> 8);
	x->b[at + 2] = (uint8_t)l;
}

static void b_ie(struct build *x, uint8_t type, uint8_t inst, const void *v, size_t l)
{
	size_t at = b_open(x, type, inst);
	b_put(x, v, l);
	b_close(x, at);
}

/* the header's length: all after its first four octets */
static void b_end(struct build *x)
{
	x->b[2] = (uint8_t)((x->n - 4) >> 8);
	x->b[3] = (uint8_t)(x->n - 4);
}

/* parse from an exact-size heap copy, so ASan sees any read past the end */
static int parse_copy(const uint8_t *p, size_t n, struct gtpc_msg *m)
{
	uint8_t *b = malloc(n ? n : 1);
	assert_non_null(b);
	memcpy(b, p, n);
	int r = gtpc_parse(b, n, m);
	free(b);
	return r;
}

static void test_create_session_request(void **st)
{
	(void)st;
	struct gtpc_msg m;
	assert_int_equal(parse_copy(gtpc_msg0, sizeof(gtpc_msg0), &m), 0);
	assert_int_equal(m.version, 2);
	assert_int_equal(m.type, GTPC_CREATE_SESS_REQ);
	assert_false(m.piggybacked);
	assert_int_equal(m.msg_len, sizeof(gtpc_msg0));
	assert_true(m.has_teid);
	assert_int_equal(m.teid, 0);
	assert_int_equal(m.seq, 1);
	assert_string_equal(m.imsi, "001010123456789");
	assert_string_equal(m.msisdn, "34600111222");
	assert_string_equal(m.mei, "3569380356438091");
	assert_string_equal(m.apn, "internet.city");
	assert_true(m.has_rat);
	assert_int_equal(m.rat, 6); /* EUTRAN */
	assert_false(m.has_cause);
	assert_false(m.has_ebi);
	/* sender F-TEID: the MME's S11 end, not the PGW's (instance 1) */
	assert_true(m.has_sender);
	assert_int_equal(m.sender.instance, 0);
	assert_int_equal(m.sender.iface, GTPC_IF_S11_MME);
	assert_int_equal(m.sender.teid, 0xc001);
	assert_true(m.sender.has_ip4);
	assert_false(m.sender.has_ip6);
	assert_memory_equal(m.sender.ip4, ((uint8_t[]){ 192, 0, 2, 1 }), 4);
	/* PAA 0.0.0.0: a dynamic address asked for */
	assert_true(m.has_paa);
	assert_int_equal(m.pdn_type, 1);
	assert_true(m.has_ue4);
	assert_false(m.has_ue6);
	assert_memory_equal(m.ue4, ((uint8_t[]){ 0, 0, 0, 0 }), 4);
	assert_int_equal(m.nbearer, 1);
	const struct gtpc_bearer *b = &m.bearer[0];
	assert_int_equal(b->instance, 0);
	assert_true(b->has_ebi);
	assert_int_equal(b->ebi, 5);
	assert_true(b->has_qci);
	assert_int_equal(b->qci, 9);
	assert_false(b->has_cause);
	assert_int_equal(b->nfteid, 1);
	assert_int_equal(b->fteid[0].iface, GTPC_IF_S1U_ENB);
	assert_int_equal(b->fteid[0].teid, 0xa001);
	assert_true(b->fteid[0].has_ip4);
	assert_memory_equal(b->fteid[0].ip4, ((uint8_t[]){ 192, 0, 2, 10 }), 4);
	/* 10 at the top (serving network skipped, counted), 3 in the bearer */
	assert_int_equal(m.ies, 13);
}

static void test_create_session_response(void **st)
{
	(void)st;
	struct gtpc_msg m;
	assert_int_equal(parse_copy(gtpc_msg1, sizeof(gtpc_msg1), &m), 0);
	assert_int_equal(m.type, GTPC_CREATE_SESS_RESP);
	assert_int_equal(m.teid, 0xc001);
	assert_int_equal(m.seq, 1);
	assert_true(m.has_cause);
	assert_int_equal(m.cause, 16);
	assert_string_equal(m.imsi, "");
	assert_string_equal(m.apn, "");
	assert_true(m.has_sender);
	assert_int_equal(m.sender.iface, GTPC_IF_S11S4_SGW);
	assert_int_equal(m.sender.teid, 0xd001);
	assert_memory_equal(m.sender.ip4, ((uint8_t[]){ 198, 51, 100, 1 }), 4);
	assert_true(m.has_paa);
	assert_int_equal(m.pdn_type, 1);
	assert_memory_equal(m.ue4, ((uint8_t[]){ 10, 60, 0, 7 }), 4);
	assert_int_equal(m.nbearer, 1);
	const struct gtpc_bearer *b = &m.bearer[0];
	assert_int_equal(b->ebi, 5);
	assert_true(b->has_cause);
	assert_int_equal(b->cause, 16);
	assert_false(b->has_qci);
	assert_int_equal(b->nfteid, 2);
	assert_int_equal(b->fteid[0].instance, 0);
	assert_int_equal(b->fteid[0].iface, GTPC_IF_S1U_SGW);
	assert_int_equal(b->fteid[0].teid, 0xb001);
	assert_memory_equal(b->fteid[0].ip4, ((uint8_t[]){ 198, 51, 100, 1 }), 4);
	assert_int_equal(b->fteid[1].instance, 2);
	assert_int_equal(b->fteid[1].iface, GTPC_IF_S5S8U_PGW);
	assert_int_equal(b->fteid[1].teid, 0xe001);
	assert_memory_equal(b->fteid[1].ip4, ((uint8_t[]){ 203, 0, 113, 5 }), 4);
	assert_int_equal(m.ies, 8);
}

static void test_modify_delete_echo(void **st)
{
	(void)st;
	struct gtpc_msg m;
	assert_int_equal(parse_copy(gtpc_msg2, sizeof(gtpc_msg2), &m), 0);
	assert_int_equal(m.type, GTPC_MODIFY_BEARER_REQ);
	assert_int_equal(m.teid, 0xd001);
	assert_int_equal(m.seq, 2);
	assert_false(m.has_sender);
	assert_int_equal(m.nbearer, 1);
	assert_int_equal(m.bearer[0].ebi, 5);
	assert_int_equal(m.bearer[0].nfteid, 1);
	assert_int_equal(m.bearer[0].fteid[0].iface, GTPC_IF_S1U_ENB);
	assert_int_equal(m.bearer[0].fteid[0].teid, 0xa002);
	assert_memory_equal(m.bearer[0].fteid[0].ip4, ((uint8_t[]){ 192, 0, 2, 11 }), 4);

	assert_int_equal(parse_copy(gtpc_msg3, sizeof(gtpc_msg3), &m), 0);
	assert_int_equal(m.type, GTPC_MODIFY_BEARER_RESP);
	assert_int_equal(m.cause, 16);
	assert_int_equal(m.bearer[0].cause, 16);
	assert_int_equal(m.bearer[0].fteid[0].teid, 0xb001);

	assert_int_equal(parse_copy(gtpc_msg4, sizeof(gtpc_msg4), &m), 0);
	assert_int_equal(m.type, GTPC_DELETE_SESS_REQ);
	assert_int_equal(m.teid, 0xd001);
	assert_int_equal(m.seq, 3);
	assert_true(m.has_ebi); /* the linked EBI: the default bearer */
	assert_int_equal(m.ebi, 5);
	assert_int_equal(m.nbearer, 0);
	assert_int_equal(m.ies, 1);

	assert_int_equal(parse_copy(gtpc_msg5, sizeof(gtpc_msg5), &m), 0);
	assert_int_equal(m.type, GTPC_DELETE_SESS_RESP);
	assert_true(m.has_cause);
	assert_int_equal(m.cause, 16);

	/* echo: no TEID, the sequence number right after the length */
	assert_int_equal(parse_copy(gtpc_msg6, sizeof(gtpc_msg6), &m), 0);
	assert_int_equal(m.type, GTPC_ECHO_REQ);
	assert_false(m.has_teid);
	assert_int_equal(m.seq, 4);
	assert_int_equal(m.ies, 1); /* recovery: skipped, counted */
}

static void test_dual_stack_and_piggyback(void **st)
{
	(void)st;
	struct gtpc_msg m;
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x60, [15] = 7 };
	static const uint8_t sgw6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };

	assert_int_equal(parse_copy(gtpc_msg7, sizeof(gtpc_msg7), &m), 0);
	assert_int_equal(m.type, GTPC_CREATE_SESS_RESP);
	assert_true(m.piggybacked);
	assert_true(m.msg_len < sizeof(gtpc_msg7));
	assert_true(m.sender.has_ip4);
	assert_true(m.sender.has_ip6);
	assert_int_equal(m.sender.teid, 0xd002);
	assert_memory_equal(m.sender.ip4, ((uint8_t[]){ 198, 51, 100, 1 }), 4);
	assert_memory_equal(m.sender.ip6, sgw6, 16);
	assert_true(m.has_paa);
	assert_int_equal(m.pdn_type, 3);
	assert_true(m.has_ue4);
	assert_true(m.has_ue6);
	assert_int_equal(m.ue6_plen, 64);
	assert_memory_equal(m.ue6, v6, 16);
	assert_memory_equal(m.ue4, ((uint8_t[]){ 10, 60, 0, 8 }), 4);
	assert_int_equal(m.nbearer, 1);
	assert_int_equal(m.ies, 6); /* only the first message's */

	/* the piggybacked Create Bearer Request, where the first one ends */
	size_t o = m.msg_len;
	assert_int_equal(parse_copy(gtpc_msg7 + o, sizeof(gtpc_msg7) - o, &m), 0);
	assert_int_equal(m.type, GTPC_CREATE_BEARER_REQ);
	assert_false(m.piggybacked);
	assert_int_equal(m.msg_len, sizeof(gtpc_msg7) - o);
	assert_int_equal(m.teid, 0xc002);
	assert_int_equal(m.seq, 0x800010);
	assert_true(m.has_ebi);
	assert_int_equal(m.ebi, 5);
	assert_int_equal(m.nbearer, 1);
	assert_true(m.bearer[0].has_ebi);
	assert_int_equal(m.bearer[0].ebi, 0); /* the MME assigns it */
	assert_int_equal(m.bearer[0].qci, 1);
	assert_int_equal(m.bearer[0].fteid[0].iface, GTPC_IF_S1U_SGW);
	assert_int_equal(m.bearer[0].fteid[0].teid, 0xb002);

	/* IPv6 only: prefix length and prefix, no IPv4 */
	static const uint8_t p6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0x61 };
	assert_int_equal(parse_copy(gtpc_msg8, sizeof(gtpc_msg8), &m), 0);
	assert_int_equal(m.pdn_type, 2);
	assert_true(m.has_ue6);
	assert_false(m.has_ue4);
	assert_int_equal(m.ue6_plen, 64);
	assert_memory_equal(m.ue6, p6, 16);
}

static void test_truncated(void **st)
{
	(void)st;
	struct gtpc_msg m;
	for (unsigned k = 0; k < NMSGS; k++) {
		assert_int_equal(parse_copy(msgs[k].p, msgs[k].n, &m), 0);
		size_t mlen = m.msg_len;
		unsigned ies = m.ies;
		/* cut anywhere in the message: refused (the header's length no
		 * longer fits), and ASan sees no read past the cut; cut in a
		 * piggybacked one: the first is still whole */
		for (size_t l = 0; l < msgs[k].n; l++) {
			int r = parse_copy(msgs[k].p, l, &m);
			if (l < mlen) {
				assert_int_equal(r, -1);
			} else {
				assert_int_equal(r, 0);
				assert_int_equal(m.ies, ies);
			}
		}
		/* every IE length, wherever it may be, one bigger or smaller,
		 * or at its maximum: any answer, never read beyond */
		uint8_t b[sizeof(gtpc_msg0)];
		assert_true(msgs[k].n <= sizeof(b));
		for (size_t off = 0; off + 3 <= msgs[k].n; off++) {
			static const int delta[] = { 1, -1, 0x10000 };
			for (unsigned d = 0; d < 3; d++) {
				memcpy(b, msgs[k].p, msgs[k].n);
				unsigned l = (unsigned)(b[off + 1] << 8 | b[off + 2]);
				l = delta[d] == 0x10000 ? 0xffff : l + (unsigned)delta[d];
				b[off + 1] = (uint8_t)(l >> 8);
				b[off + 2] = (uint8_t)l;
				(void)parse_copy(b, msgs[k].n, &m);
				assert_true(m.nbearer <= GTPC_MAX_BEARERS);
				assert_true(memchr(m.apn, 0, sizeof(m.apn)) != NULL);
			}
		}
	}
}

/* Modify Bearer Request whose bearer context (18 octets) holds an F-TEID
 * claiming 10 octets where 9 are left: it overruns its parent, though the
 * message has room after it (a recovery IE) */
static const uint8_t overrun[] = {
	0x48, 0x22, 0x00, 0x23, 0x00, 0x00, 0xd0, 0x01, 0x00, 0x00, 0x02, 0x00,
	0x5d, 0x00, 0x12, 0x00,                         /* bearer context, 18 */
	0x49, 0x00, 0x01, 0x00, 0x05,                   /*   EBI 5 */
	0x57, 0x00, 0x0a, 0x00, 0x80, 0x00, 0x00, 0xa0, /*   F-TEID, 10 (!) */
	0x02, 0xc0, 0x00, 0x02, 0x0b,
	0x03, 0x00, 0x01, 0x00, 0x07,                   /* recovery 7 */
};

static void test_malformed_ies(void **st)
{
	(void)st;
	struct gtpc_msg m;
	uint8_t b[sizeof(overrun)];

	assert_int_equal(parse_copy(overrun, sizeof(overrun), &m), -1);
	memcpy(b, overrun, sizeof(b)); /* the right length: accepted */
	b[23] = 0x09;
	assert_int_equal(parse_copy(b, sizeof(b), &m), 0);
	assert_int_equal(m.ies, 4);
	/* a top-level IE longer than the message: refused */
	memcpy(b, overrun, sizeof(b));
	b[14] = 0x7f;
	assert_int_equal(parse_copy(b, sizeof(b), &m), -1);
	/* the last IE one octet longer than the message: refused, and its
	 * value (an APN, read whole) never read past the end */
	struct build x;
	uint8_t v[32] = { 0 };
	b_start(&x, GTPC_CREATE_SESS_REQ);
	size_t at = b_open(&x, 71, 0);
	b_put(&x, "\x03" "abc", 4);
	b_close(&x, at);
	b_end(&x);
	x.b[at + 2]++;
	assert_int_equal(parse_copy(x.b, x.n, &m), -1);
	/* three octets left after the last IE: not a whole IE header */
	b_start(&x, GTPC_DELETE_SESS_REQ);
	b_put(&x, "\x49\x00\x00", 3);
	b_end(&x);
	assert_int_equal(parse_copy(x.b, x.n, &m), -1);
	/* IEs too short for their fixed fields: refused */
	static const struct {
		uint8_t type, len, flags;
	} shorts[] = {
		{ 2, 0, 0 },     /* cause, no value */
		{ 73, 0, 0 },    /* EBI */
		{ 82, 0, 0 },    /* RAT type */
		{ 80, 1, 0 },    /* bearer QoS: flags, no QCI */
		{ 87, 4, 0 },    /* F-TEID, TEID cut */
		{ 87, 8, 0x80 }, /* F-TEID, V4 but 3 octets of it */
		{ 87, 20, 0x40 }, /* F-TEID, V6, 15 octets of it */
		{ 87, 24, 0xc0 }, /* F-TEID, V4 and V6, one short */
		{ 79, 0, 0 },    /* PAA, no PDN type */
		{ 79, 4, 1 },    /* PAA IPv4, address cut */
		{ 79, 17, 2 },   /* PAA IPv6, prefix cut */
		{ 79, 21, 3 },   /* PAA IPv4v6, IPv4 cut */
	};
	for (unsigned i = 0; i < sizeof(shorts) / sizeof(shorts[0]); i++) {
		b_start(&x, GTPC_CREATE_SESS_REQ);
		v[0] = shorts[i].flags;
		b_ie(&x, shorts[i].type, 0, v, shorts[i].len);
		b_end(&x);
		assert_int_equal(parse_copy(x.b, x.n, &m), -1);
		/* the same in a bearer context: F-TEID, EBI, QoS, cause are
		 * checked there too; RAT type and PAA are not ours there */
		if (shorts[i].type == 82 || shorts[i].type == 79)
			continue;
		b_start(&x, GTPC_CREATE_SESS_REQ);
		size_t bc = b_open(&x, 93, 0);
		b_ie(&x, shorts[i].type, 0, v, shorts[i].len);
		b_close(&x, bc);
		b_end(&x);
		assert_int_equal(parse_copy(x.b, x.n, &m), -1);
	}
}

/* Bearer contexts each inside the previous, levels deep, the innermost
 * holding EBI 7. */
static void deep(struct build *x, int levels)
{
	size_t at[8];
	b_start(x, GTPC_CREATE_SESS_REQ);
	for (int i = 0; i < levels; i++)
		at[i] = b_open(x, 93, 0);
	b_ie(x, 73, 0, "\x07", 1);
	for (int i = levels - 1; i >= 0; i--)
		b_close(x, at[i]);
	b_end(x);
}

static void test_depth_and_bounds(void **st)
{
	(void)st;
	struct gtpc_msg m;
	struct build x;

	deep(&x, GTPC_MAX_DEPTH); /* as deep as allowed: read */
	assert_int_equal(parse_copy(x.b, x.n, &m), 0);
	assert_int_equal(m.nbearer, GTPC_MAX_DEPTH);
	assert_int_equal(m.bearer[GTPC_MAX_DEPTH - 1].ebi, 7);
	deep(&x, GTPC_MAX_DEPTH + 1); /* one deeper: refused */
	assert_int_equal(parse_copy(x.b, x.n, &m), -1);
	deep(&x, 8);
	assert_int_equal(parse_copy(x.b, x.n, &m), -1);

	/* more bearer contexts than room, more F-TEIDs in one than room: the
	 * first ones kept, the rest still checked and counted */
	static const uint8_t ft[9] = { 0x80, 0, 0, 0xb0, 0x01, 198, 51, 100, 1 };
	b_start(&x, GTPC_CREATE_SESS_RESP);
	for (int i = 0; i < GTPC_MAX_BEARERS + 2; i++) {
		size_t bc = b_open(&x, 93, (uint8_t)(i & 1));
		uint8_t ebi = (uint8_t)(5 + i);
		b_ie(&x, 73, 0, &ebi, 1);
		for (int k = 0; k < GTPC_MAX_BEARER_FTEIDS + 2; k++)
			b_ie(&x, 87, (uint8_t)k, ft, sizeof(ft));
		b_close(&x, bc);
	}
	b_end(&x);
	assert_int_equal(parse_copy(x.b, x.n, &m), 0);
	assert_int_equal(m.nbearer, GTPC_MAX_BEARERS);
	assert_int_equal(m.ies, (GTPC_MAX_BEARERS + 2) * (2 + GTPC_MAX_BEARER_FTEIDS + 2));
	for (unsigned i = 0; i < GTPC_MAX_BEARERS; i++) {
		assert_int_equal(m.bearer[i].instance, i & 1);
		assert_int_equal(m.bearer[i].ebi, (5 + i) & 0x0f);
		assert_int_equal(m.bearer[i].nfteid, GTPC_MAX_BEARER_FTEIDS);
		assert_int_equal(m.bearer[i].fteid[3].instance, 3);
		assert_int_equal(m.bearer[i].fteid[3].teid, 0xb001);
	}
	/* the ones beyond room are still checked: a bad F-TEID there refuses */
	x.b[x.n - 9 - 4 + 2] = 4;
	assert_int_equal(parse_copy(x.b, x.n, &m), -1);
}

static void test_long_and_odd_strings(void **st)
{
	(void)st;
	struct gtpc_msg m;
	struct build x;
	uint8_t v[128];

	/* an IMSI of 24 digits and an MSISDN of 40: cut to 16, terminated */
	b_start(&x, GTPC_CREATE_SESS_REQ);
	memset(v, 0x21, 12);
	b_ie(&x, 1, 0, v, 12);
	memset(v, 0x43, 20);
	b_ie(&x, 76, 0, v, 20);
	/* an APN of 100 octets (63 + 35): cut to 63 characters */
	v[0] = 63;
	memset(v + 1, 'a', 63);
	v[64] = 35;
	memset(v + 65, 'b', 35);
	b_ie(&x, 71, 0, v, 100);
	b_end(&x);
	assert_int_equal(parse_copy(x.b, x.n, &m), 0);
	assert_string_equal(m.imsi, "1212121212121212");
	assert_string_equal(m.msisdn, "3434343434343434");
	assert_int_equal(strlen(m.apn), sizeof(m.apn) - 1);
	assert_int_equal(m.apn[62], 'a');

	/* the filler ends the digits, whatever follows; TBCD's other digits
	 * are written as * # a b c */
	b_start(&x, GTPC_CREATE_SESS_REQ);
	b_ie(&x, 1, 0, "\x21\xf3\x45", 3);
	b_ie(&x, 76, 0, "\xba\xdc\xfe", 3);
	b_ie(&x, 75, 0, "", 0); /* an empty MEI: "" */
	/* labels with an unprintable byte and a dot inside one */
	b_ie(&x, 71, 0, "\x03" "a\x01" "b" "\x03" "c.d", 8);
	b_end(&x);
	assert_int_equal(parse_copy(x.b, x.n, &m), 0);
	assert_string_equal(m.imsi, "123");
	assert_string_equal(m.msisdn, "*#abc");
	assert_string_equal(m.mei, "");
	assert_string_equal(m.apn, "a?b.c.d");

	/* not a label list (the first "length" runs past the end): as text */
	b_start(&x, GTPC_CREATE_SESS_REQ);
	b_ie(&x, 71, 0, "internet", 8);
	b_end(&x);
	assert_int_equal(parse_copy(x.b, x.n, &m), 0);
	assert_string_equal(m.apn, "internet");
	/* a zero-length label: text too, its length octets made '?' */
	b_start(&x, GTPC_CREATE_SESS_REQ);
	b_ie(&x, 71, 0, "\x02" "ab" "\x00", 4);
	b_end(&x);
	assert_int_equal(parse_copy(x.b, x.n, &m), 0);
	assert_string_equal(m.apn, "?ab?");
}

static void test_not_gtpv2(void **st)
{
	(void)st;
	struct gtpc_msg m;
	/* GTPv1-C Echo Request (TS 29.060): version 1, same port on Gn */
	static const uint8_t v1c[] = {
		0x32, 0x01, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
	};
	/* GTPv1-U G-PDU header, TEID 0x1001, no payload */
	static const uint8_t v1u[] = {
		0x30, 0xff, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01,
	};
	/* a DNS query for example.com */
	static const uint8_t dns[] = {
		0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
		0x07, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 0x03, 'c', 'o', 'm', 0x00,
		0x00, 0x01, 0x00, 0x01,
	};
	/* version 2 but message type 0 (reserved) */
	static const uint8_t type0[] = { 0x40, 0x00, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00 };
	/* T set, but the length leaves no room for the TEID */
	static const uint8_t short_t[] = { 0x48, 0x01, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00 };
	/* a length below the header's */
	static const uint8_t short_len[] = { 0x40, 0x01, 0x00, 0x02, 0x00, 0x00, 0x01, 0x00 };

	assert_int_equal(parse_copy(v1c, sizeof(v1c), &m), -1);
	assert_int_equal(parse_copy(v1u, sizeof(v1u), &m), -1);
	assert_int_equal(parse_copy(dns, sizeof(dns), &m), -1);
	assert_int_equal(parse_copy(type0, sizeof(type0), &m), -1);
	assert_int_equal(parse_copy(short_t, sizeof(short_t), &m), -1);
	assert_int_equal(parse_copy(short_len, sizeof(short_len), &m), -1);
	assert_int_equal(gtpc_parse(NULL, 12, &m), -1);
	assert_int_equal(gtpc_parse(gtpc_msg6, sizeof(gtpc_msg6), NULL), -1);
	/* the smallest message: a header without TEID, no IEs */
	static const uint8_t bare[] = { 0x40, 0x02, 0x00, 0x04, 0x00, 0x00, 0x01, 0x00 };
	assert_int_equal(parse_copy(bare, sizeof(bare), &m), 0);
	assert_int_equal(m.type, GTPC_ECHO_RESP);
	assert_int_equal(m.ies, 0);
	/* the piggyback flag on a message with nothing after: only noted */
	uint8_t pb[sizeof(gtpc_msg6)];
	memcpy(pb, gtpc_msg6, sizeof(pb));
	pb[0] |= 0x10;
	assert_int_equal(parse_copy(pb, sizeof(pb), &m), 0);
	assert_true(m.piggybacked);
	assert_int_equal(m.msg_len, sizeof(pb));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_session_request),
		cmocka_unit_test(test_create_session_response),
		cmocka_unit_test(test_modify_delete_echo),
		cmocka_unit_test(test_dual_stack_and_piggyback),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_malformed_ies),
		cmocka_unit_test(test_depth_and_bounds),
		cmocka_unit_test(test_long_and_odd_strings),
		cmocka_unit_test(test_not_gtpv2),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

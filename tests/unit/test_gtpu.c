/* proto/gtpu: the GTP-U header and its extension chain - mandatory part,
 * sequence and N-PDU numbers, PDU session containers uplink and downlink
 * (QFI, RQI, PPI), chains that break, and every message cut at every
 * length (read in a buffer of exactly that size: ASan in the sanitizer
 * build). fuzz_gtpu fuzzes it through the decoder. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../proto/gtpu.h"

/* G-PDU, E and S set, TEID 0x1001, seq 7; a downlink PDU session
 * container (PDU type 0) with PPP and RQI: QFI 9, PPI 5; then the T-PDU */
static const uint8_t dl[] = {
	0x36, 0xff, 0x00, 0x10, 0x00, 0x00, 0x10, 0x01,  /* v1 PT E S, len 16 */
	0x00, 0x07, 0x00, 0x85,                          /* seq, N-PDU, next */
	0x02, 0x00, 0xc9, 0xa0, 0x00, 0x00, 0x00, 0x00,  /* 8-byte container */
	0x45, 0x00, 0x00, 0x14,                          /* T-PDU starts */
};
/* uplink container (PDU type 1), QFI 5, no PPI */
static const uint8_t ul[] = {
	0x34, 0xff, 0x00, 0x0c, 0x00, 0x00, 0x20, 0x02,
	0x00, 0x00, 0x00, 0x85,
	0x01, 0x10, 0x05, 0x00,
	0x45, 0x00, 0x00, 0x14,
};
/* echo request with S, no extension */
static const uint8_t echo[] = { 0x32, 0x01, 0x00, 0x04, 0, 0, 0, 0, 0x12, 0x34, 0, 0 };

static int parse(const uint8_t *p, uint32_t n, struct gtpu_hdr *h)
{
	int r = gtpu_header(p, n, h);
	if (r != GTPU_OK)
		return r;
	return gtpu_options(p, n < h->len ? n : h->len, h);
}

static void test_downlink_container(void **st)
{
	struct gtpu_hdr h;

	(void)st;
	assert_int_equal(parse(dl, sizeof(dl), &h), GTPU_OK);
	assert_int_equal(h.msg, GTPU_GPDU);
	assert_int_equal(h.teid, 0x1001);
	assert_int_equal(h.len, sizeof(dl));
	assert_int_equal(h.seq, 7);
	assert_int_equal(h.exts, 1);
	assert_int_equal(h.qfi, 9);
	assert_int_equal(h.rqi, 1);
	assert_int_equal(h.ppi, 5);
	assert_int_equal(h.off, 20);
	assert_int_equal(dl[h.off], 0x45);
}

static void test_uplink_and_echo(void **st)
{
	struct gtpu_hdr h;

	(void)st;
	assert_int_equal(parse(ul, sizeof(ul), &h), GTPU_OK);
	assert_int_equal(h.qfi, 5);
	assert_int_equal(h.rqi, 0);
	assert_int_equal(h.ppi, -1); /* uplink: no paging policy */
	assert_int_equal(h.off, 16);
	assert_int_equal(parse(echo, sizeof(echo), &h), GTPU_OK);
	assert_int_equal(h.msg, 1);
	assert_int_equal(h.seq, 0x1234);
	assert_int_equal(h.exts, 0);
	assert_int_equal(h.qfi, -1);
	assert_int_equal(h.off, 12);
}

static void test_not_gtpu_and_broken(void **st)
{
	struct gtpu_hdr h;
	uint8_t b[sizeof(dl)];

	(void)st;
	memcpy(b, dl, sizeof(b));
	b[0] = 0x26; /* version 1, protocol type GTP' */
	assert_int_equal(parse(b, sizeof(b), &h), GTPU_NOT);
	b[0] = 0x56; /* version 2 */
	assert_int_equal(parse(b, sizeof(b), &h), GTPU_NOT);
	memcpy(b, dl, sizeof(b));
	b[12] = 0; /* an extension of length 0 */
	assert_int_equal(parse(b, sizeof(b), &h), GTPU_BAD_EXT);
	assert_int_equal(h.exts, 0);
	memcpy(b, dl, sizeof(b));
	b[12] = 9; /* 36 bytes: past the end */
	assert_int_equal(parse(b, sizeof(b), &h), GTPU_BAD_EXT);
	memcpy(b, dl, sizeof(b));
	b[19] = 0x85; /* the chain goes on, and the bytes run out */
	assert_int_equal(parse(b, sizeof(b), &h), GTPU_BAD_EXT);
	assert_int_equal(h.exts, 1);
}

static void cut_everywhere(const uint8_t *msg, uint32_t n)
{
	for (uint32_t cut = 0; cut <= n; cut++) {
		uint8_t *b = malloc(cut ? cut : 1);
		struct gtpu_hdr h;
		memcpy(b, msg, cut);
		int r = parse(b, cut, &h);
		if (cut < 8)
			assert_int_equal(r, GTPU_SHORT);
		if (r == GTPU_OK)
			assert_true(h.off <= cut);
		free(b);
	}
}

static void test_truncated(void **st)
{
	(void)st;
	cut_everywhere(dl, sizeof(dl));
	cut_everywhere(ul, sizeof(ul));
	cut_everywhere(echo, sizeof(echo));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_downlink_container),
		cmocka_unit_test(test_uplink_and_echo),
		cmocka_unit_test(test_not_gtpu_and_broken),
		cmocka_unit_test(test_truncated),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

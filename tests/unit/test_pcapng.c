/* pcapng blocks (the reader behind multi-link pcapng files): sections in
 * both byte orders, interfaces with their link types and timestamp
 * resolutions, enhanced / simple / obsolete packet blocks, and every
 * truncation and bad length refused without reading past the block. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../dataplane/pcapng.h"

static size_t put32(uint8_t *p, uint32_t v, int be)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(be ? v >> (24 - 8 * i) : v >> (8 * i));
	return 4;
}

static size_t put16(uint8_t *p, uint16_t v, int be)
{
	p[0] = (uint8_t)(be ? v >> 8 : v);
	p[1] = (uint8_t)(be ? v : v >> 8);
	return 2;
}

/* type, body -> a whole block in b; returns its length */
static size_t block(uint8_t *b, uint32_t type, const uint8_t *body, size_t n, int be)
{
	size_t len = 12 + ((n + 3) & ~(size_t)3);
	put32(b, type, type == 0x0A0D0D0A ? 0 : be);
	put32(b + 4, (uint32_t)len, be);
	memset(b + 8, 0, len - 12);
	memcpy(b + 8, body, n);
	put32(b + len - 4, (uint32_t)len, be);
	return len;
}

static size_t shb(uint8_t *b, int be)
{
	uint8_t body[16] = { 0 };
	put32(body, 0x1A2B3C4D, be);
	put16(body + 4, 1, be);
	memset(body + 8, 0xff, 8);
	return block(b, 0x0A0D0D0A, body, sizeof(body), be);
}

static size_t idb(uint8_t *b, uint16_t link, int tsresol, int be)
{
	uint8_t body[20] = { 0 };
	size_t n = 8;
	put16(body, link, be);
	put32(body + 4, 65535, be);
	if (tsresol >= 0) {
		n += put16(body + n, 9, be);
		n += put16(body + n, 1, be);
		body[n] = (uint8_t)tsresol;
		n += 4;
		n += 4; /* opt_endofopt */
	}
	return block(b, 1, body, n, be);
}

static size_t epb(uint8_t *b, uint32_t ifid, uint64_t ts, const uint8_t *d, uint32_t n, int be)
{
	uint8_t body[128] = { 0 };
	put32(body, ifid, be);
	put32(body + 4, (uint32_t)(ts >> 32), be);
	put32(body + 8, (uint32_t)ts, be);
	put32(body + 12, n, be);
	put32(body + 16, n + 10, be);
	memcpy(body + 20, d, n);
	return block(b, 6, body, 20 + n, be);
}

static void both_orders(void **st)
{
	(void)st;
	static const uint8_t frame[30] = { 1, 2, 3 };
	for (int be = 0; be < 2; be++) {
		struct pcapng_state s;
		struct pcapng_pkt p;
		uint8_t b[256];
		memset(&s, 0, sizeof(s));
		size_t n = shb(b, be);
		assert_int_equal(pcapng_block(&s, b, n, &p), 0);
		assert_int_equal(s.swap, be);
		n = idb(b, 1, -1, be);
		assert_int_equal(pcapng_block(&s, b, n, &p), 0);
		n = idb(b, 101, 9, be); /* nanoseconds */
		assert_int_equal(pcapng_block(&s, b, n, &p), 0);
		assert_int_equal(s.nif, 2);
		n = epb(b, 1, 1795000000123456789ULL, frame, sizeof(frame), be);
		assert_int_equal(pcapng_block(&s, b, n, &p), 1);
		assert_int_equal(p.linktype, 101);
		assert_int_equal(p.caplen, 30);
		assert_int_equal(p.wirelen, 40);
		assert_true(p.ts_us == 1795000000123456ULL);
		assert_memory_equal(p.data, frame, 30);
		n = epb(b, 0, 1795000000000001ULL, frame, 14, be);
		assert_int_equal(pcapng_block(&s, b, n, &p), 1);
		assert_int_equal(p.linktype, 1);
		assert_true(p.ts_us == 1795000000000001ULL);
		/* an interface that was never described */
		n = epb(b, 5, 1, frame, 14, be);
		assert_int_equal(pcapng_block(&s, b, n, &p), -1);
	}
}

static void truncated_and_lying(void **st)
{
	(void)st;
	static const uint8_t frame[40] = { 9 };
	struct pcapng_state s;
	struct pcapng_pkt p;
	uint8_t b[256];
	memset(&s, 0, sizeof(s));
	size_t n = shb(b, 0);
	pcapng_block(&s, b, n, &p);
	n = idb(b, 1, -1, 0);
	pcapng_block(&s, b, n, &p);
	n = epb(b, 0, 5, frame, sizeof(frame), 0);
	/* every shorter length: refused (the length field no longer agrees),
	 * read from an exact-size copy so ASan sees any over-read */
	for (size_t l = 0; l < n; l++) {
		uint8_t *c = malloc(l ? l : 1);
		memcpy(c, b, l);
		assert_int_equal(pcapng_block(&s, c, l, &p), -1);
		free(c);
	}
	/* a captured length beyond the block */
	uint8_t *c = malloc(n);
	memcpy(c, b, n);
	put32(c + 8 + 12, 4000, 0);
	assert_int_equal(pcapng_block(&s, c, n, &p), -1);
	free(c);
	/* a section header of unknown byte order */
	n = shb(b, 0);
	b[8] = 0x77;
	assert_int_equal(pcapng_block(&s, b, n, &p), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(both_orders),
		cmocka_unit_test(truncated_and_lying),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

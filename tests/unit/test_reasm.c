/* reasm: GTP-U datagrams fragmented on the outer IPv4 header, rebuilt in
 * order, out of order, with duplicates and overlaps (first data wins);
 * everything else given back byte for byte in arrival order: non-GTP
 * datagrams, timeouts, evictions when the slab or the table is full, cut
 * and invalid fragments. The counters add up after every step. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../dataplane/reasm.h"
#include "../../proto/wire.h"

/* Headers of the test datagram; make_orig() fills lengths and checksums and
 * appends `n` bytes of inner payload.
 *   Ethernet 00:66:77:88:99:aa -> 00:11:22:33:44:55, IPv4
 *   IPv4 10.0.0.1 -> 10.0.0.2, id 0x1234, DF, ttl 64, UDP
 *   UDP 2152 -> 2152
 *   GTP-U v1 G-PDU, TEID 0x1001
 *   inner IPv4 10.45.1.5 -> 8.8.8.8, UDP */
static const uint8_t gtp_hdrs[] = {
	0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x00, 0x66, 0x77, 0x88, 0x99, 0xaa,
	0x08, 0x00,
	0x45, 0x00, 0x00, 0x00, 0x12, 0x34, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00,
	0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
	0x08, 0x68, 0x08, 0x68, 0x00, 0x00, 0x00, 0x00,
	0x30, 0xff, 0x00, 0x00, 0x00, 0x00, 0x10, 0x01,
	0x45, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
	0x0a, 0x2d, 0x01, 0x05, 0x08, 0x08, 0x08, 0x08,
};

#define L3 14u
#define MAXF 2048u

static void wr16(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void ip_csum(uint8_t *ip)
{
	uint32_t sum = 0, hl = (ip[0] & 15u) * 4;

	ip[10] = ip[11] = 0;
	for (uint32_t o = 0; o < hl; o += 2)
		sum += rd16(ip + o);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	wr16(ip + 10, ~sum & 0xffff);
}

static int ip_csum_ok(const uint8_t *ip)
{
	uint32_t sum = 0, hl = (ip[0] & 15u) * 4;

	for (uint32_t o = 0; o < hl; o += 2)
		sum += rd16(ip + o);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum == 0xffff;
}

/* The unfragmented frame: returns its length; its outer IP payload is
 * 36 + n bytes. */
static uint32_t make_orig(uint8_t *f, uint32_t n, uint16_t id, uint16_t port)
{
	uint32_t len = sizeof(gtp_hdrs) + n;

	memcpy(f, gtp_hdrs, sizeof(gtp_hdrs));
	for (uint32_t i = 0; i < n; i++)
		f[sizeof(gtp_hdrs) + i] = (uint8_t)(i * 7 + id);
	wr16(f + L3 + 2, len - L3);
	wr16(f + L3 + 4, id);
	wr16(f + 34, port);
	wr16(f + 36, port);
	wr16(f + 38, len - 34);
	wr16(f + 44, len - 50);
	wr16(f + 52, len - 50);
	ip_csum(f + 50);
	ip_csum(f + L3);
	return len;
}

/* The fragment carrying outer IP payload [off, off + n) of orig. */
static uint32_t make_frag(uint8_t *f, const uint8_t *orig, uint32_t off,
			  uint32_t n, int mf)
{
	memcpy(f, orig, L3 + 20);
	memcpy(f + L3 + 20, orig + L3 + 20 + off, n);
	wr16(f + L3 + 2, 20 + n);
	wr16(f + L3 + 6, (orig[L3 + 6] & 0x40u) << 8 | (mf ? 0x2000u : 0) | off / 8);
	ip_csum(f + L3);
	return L3 + 20 + n;
}

struct got {
	unsigned n;
	uint8_t b[8][MAXF];
	uint32_t len[8], wirelen[8];
	uint64_t ts[8];
	int re[8];
};

static void drain(struct reasm *r, struct got *g)
{
	struct reasm_out o;

	g->n = 0;
	while (reasm_next(r, &o)) {
		assert_true(g->n < 8);
		assert_true(o.caplen <= MAXF);
		memcpy(g->b[g->n], o.data, o.caplen);
		g->len[g->n] = o.caplen;
		g->wirelen[g->n] = o.wirelen;
		g->ts[g->n] = o.ts_us;
		g->re[g->n] = o.reassembled;
		g->n++;
	}
}

static uint64_t st(const struct reasm *r, enum reasm_stat i)
{
	struct reasm_stats s;

	reasm_get_stats(r, &s);
	return s.v[i];
}

/* The sums the header promises. */
static void check_sums(const struct reasm *r)
{
	struct reasm_stats s;
	const uint64_t *v = s.v;

	reasm_get_stats(r, &s);
	assert_int_equal(v[REASM_S_OFFERED], v[REASM_S_HELD] + v[REASM_S_PASSED]);
	assert_int_equal(v[REASM_S_PASSED],
			 v[REASM_S_NOT_UDP] + v[REASM_S_INVALID] + v[REASM_S_TRUNCATED] +
				 v[REASM_S_TOO_MANY] + v[REASM_S_NO_ROOM]);
	assert_int_equal(v[REASM_S_HELD],
			 v[REASM_S_RELEASED] + v[REASM_S_MERGED] + v[REASM_S_FRAMES_HELD]);
	assert_int_equal(v[REASM_S_DATAGRAMS],
			 v[REASM_S_REASSEMBLED] + v[REASM_S_NOT_GTPU] + v[REASM_S_TIMEOUTS] +
				 v[REASM_S_EVICTED] + v[REASM_S_FLUSHED] + v[REASM_S_ABORTED] +
				 v[REASM_S_DATAGRAMS_HELD]);
	assert_true(v[REASM_S_BYTES_HELD] <= v[REASM_S_BYTES_PEAK]);
}

/* After a flush and a drain nothing is held. */
static void check_empty(struct reasm *r)
{
	struct got *g = malloc(sizeof(*g));

	reasm_flush(r);
	drain(r, g);
	free(g);
	check_sums(r);
	assert_int_equal(st(r, REASM_S_FRAMES_HELD), 0);
	assert_int_equal(st(r, REASM_S_DATAGRAMS_HELD), 0);
	assert_int_equal(st(r, REASM_S_BYTES_HELD), 0);
}

static struct reasm *mk(size_t mem, unsigned maxd, uint64_t timeout)
{
	struct reasm_cfg c = { .mem_bytes = mem, .max_datagrams = maxd, .timeout_us = timeout };
	struct reasm *r = reasm_create(&c);

	assert_non_null(r);
	return r;
}

static int offer(struct reasm *r, const uint8_t *f, uint32_t len, uint64_t ts)
{
	int rc = reasm_offer(r, f, len, len, L3, ts);

	check_sums(r);
	return rc;
}

struct bufs {
	uint8_t orig[MAXF], f[8][MAXF];
	uint32_t olen, flen[8];
	struct got g;
};

/* orig: 1436 bytes of outer IP payload, cut at the given offsets (in
 * arrival order: pieces[i] = {off, len}). */
static void cut(struct bufs *b, uint16_t id, uint16_t port, const uint32_t (*pc)[2],
		unsigned n)
{
	b->olen = make_orig(b->orig, 1400, id, port);
	for (unsigned i = 0; i < n; i++)
		b->flen[i] = make_frag(b->f[i], b->orig, pc[i][0], pc[i][1],
				       pc[i][0] + pc[i][1] < 1436);
}

static void assert_rebuilt(const struct got *g, unsigned i, const struct bufs *b,
			   uint64_t ts)
{
	assert_true(g->re[i]);
	assert_int_equal(g->len[i], b->olen);
	assert_int_equal(g->wirelen[i], b->olen);
	assert_int_equal(g->ts[i], ts);
	assert_true(ip_csum_ok(g->b[i] + L3));
	/* byte for byte the unfragmented frame: header included (DF kept,
	 * MF and offset cleared, length and checksum rewritten) */
	assert_memory_equal(g->b[i], b->orig, b->olen);
}

static void assert_original(const struct got *g, unsigned i, const uint8_t *f,
			    uint32_t len, uint64_t ts)
{
	assert_false(g->re[i]);
	assert_int_equal(g->len[i], len);
	assert_int_equal(g->wirelen[i], len);
	assert_int_equal(g->ts[i], ts);
	assert_memory_equal(g->b[i], f, len);
}

static void test_in_order(void **state)
{
	static const uint32_t two[][2] = { { 0, 1024 }, { 1024, 412 } };
	static const uint32_t three[][2] = { { 0, 512 }, { 512, 512 }, { 1024, 412 } };
	struct bufs *b = malloc(sizeof(*b));
	struct reasm *r = mk(1 << 20, 64, 1000000);
	(void)state;

	cut(b, 1, 2152, two, 2);
	assert_int_equal(offer(r, b->f[0], b->flen[0], 100), REASM_HELD);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 0);
	assert_int_equal(st(r, REASM_S_DATAGRAMS_HELD), 1);
	assert_int_equal(offer(r, b->f[1], b->flen[1], 200), REASM_HELD);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 1);
	assert_rebuilt(&b->g, 0, b, 200);

	cut(b, 2, 2152, three, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(offer(r, b->f[i], b->flen[i], 300 + i), REASM_HELD);
		drain(r, &b->g);
		assert_int_equal(b->g.n, i == 2);
	}
	assert_rebuilt(&b->g, 0, b, 302);
	assert_int_equal(st(r, REASM_S_REASSEMBLED), 2);
	assert_int_equal(st(r, REASM_S_MERGED), 5);
	assert_int_equal(st(r, REASM_S_OVERLAPS), 0);
	check_empty(r);
	reasm_destroy(r);
	free(b);
}

static void test_out_of_order(void **state)
{
	/* last first, then first, then the middle */
	static const uint32_t pc[][2] = { { 1024, 412 }, { 0, 512 }, { 512, 512 } };
	struct bufs *b = malloc(sizeof(*b));
	struct reasm *r = mk(1 << 20, 64, 1000000);
	(void)state;

	cut(b, 3, 2152, pc, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(offer(r, b->f[i], b->flen[i], 10 + i), REASM_HELD);
		drain(r, &b->g);
		assert_int_equal(b->g.n, i == 2);
	}
	assert_rebuilt(&b->g, 0, b, 12);
	check_empty(r);
	reasm_destroy(r);
	free(b);
}

static void test_duplicate_and_overlap(void **state)
{
	static const uint32_t dup[][2] = { { 0, 1024 }, { 0, 1024 }, { 1024, 412 } };
	static const uint32_t ovl[][2] = { { 0, 1024 }, { 512, 924 } };
	struct bufs *b = malloc(sizeof(*b));
	struct reasm *r = mk(1 << 20, 64, 1000000);
	(void)state;

	/* an exact repeat: counted, held (given back if released), merged */
	cut(b, 4, 2152, dup, 3);
	for (unsigned i = 0; i < 3; i++)
		assert_int_equal(offer(r, b->f[i], b->flen[i], 10 + i), REASM_HELD);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 1);
	assert_rebuilt(&b->g, 0, b, 12);
	assert_int_equal(st(r, REASM_S_DUPLICATES), 1);
	assert_int_equal(st(r, REASM_S_OVERLAPS), 0);
	assert_int_equal(st(r, REASM_S_MERGED), 3);

	/* overlapping with the same bytes */
	cut(b, 5, 2152, ovl, 2);
	assert_int_equal(offer(r, b->f[0], b->flen[0], 20), REASM_HELD);
	assert_int_equal(offer(r, b->f[1], b->flen[1], 21), REASM_HELD);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 1);
	assert_rebuilt(&b->g, 0, b, 21);
	assert_int_equal(st(r, REASM_S_OVERLAPS), 1);
	assert_int_equal(st(r, REASM_S_OVERLAP_CONFLICTS), 0);

	/* overlapping with other bytes: the first data wins */
	cut(b, 6, 2152, ovl, 2);
	for (uint32_t i = L3 + 20; i < L3 + 20 + 512; i++)
		b->f[1][i] ^= 0x5a; /* payload [512, 1024) of the second */
	assert_int_equal(offer(r, b->f[0], b->flen[0], 30), REASM_HELD);
	assert_int_equal(offer(r, b->f[1], b->flen[1], 31), REASM_HELD);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 1);
	assert_rebuilt(&b->g, 0, b, 31);
	assert_int_equal(st(r, REASM_S_OVERLAPS), 2);
	assert_int_equal(st(r, REASM_S_OVERLAP_CONFLICTS), 1);

	/* the same two the other way round: now the changed bytes came first */
	assert_int_equal(offer(r, b->f[1], b->flen[1], 40), REASM_HELD);
	assert_int_equal(offer(r, b->f[0], b->flen[0], 41), REASM_HELD);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 1);
	assert_true(b->g.re[0]);
	assert_int_equal(b->g.len[0], b->olen);
	assert_true(ip_csum_ok(b->g.b[0] + L3));
	assert_memory_equal(b->g.b[0], b->orig, L3 + 20 + 512);
	assert_memory_equal(b->g.b[0] + L3 + 20 + 512, b->f[1] + L3 + 20, 512);
	assert_memory_equal(b->g.b[0] + L3 + 20 + 1024, b->orig + L3 + 20 + 1024, 412);
	assert_int_equal(st(r, REASM_S_OVERLAP_CONFLICTS), 2);
	check_empty(r);
	reasm_destroy(r);
	free(b);
}

static void test_not_gtpu_given_back(void **state)
{
	static const uint32_t pc[][2] = { { 1024, 412 }, { 0, 1024 } };
	struct bufs *b = malloc(sizeof(*b));
	struct reasm *r = mk(1 << 20, 64, 1000000);
	struct reasm_out o;
	(void)state;

	cut(b, 7, 5000, pc, 2);
	assert_int_equal(reasm_offer(r, b->f[0], b->flen[0], b->flen[0] + 4, L3, 50),
			 REASM_HELD);
	assert_int_equal(reasm_next(r, &o), 0);
	assert_int_equal(offer(r, b->f[1], b->flen[1], 60), REASM_HELD);
	drain(r, &b->g);
	/* unchanged, in arrival order, each with its own time and wirelen */
	assert_int_equal(b->g.n, 2);
	assert_false(b->g.re[0]);
	assert_int_equal(b->g.len[0], b->flen[0]);
	assert_int_equal(b->g.wirelen[0], b->flen[0] + 4);
	assert_int_equal(b->g.ts[0], 50);
	assert_memory_equal(b->g.b[0], b->f[0], b->flen[0]);
	assert_original(&b->g, 1, b->f[1], b->flen[1], 60);
	assert_int_equal(st(r, REASM_S_NOT_GTPU), 1);
	assert_int_equal(st(r, REASM_S_RELEASED), 2);
	assert_int_equal(st(r, REASM_S_REASSEMBLED), 0);
	check_empty(r);
	reasm_destroy(r);
	free(b);
}

static void test_timeout(void **state)
{
	static const uint32_t pc[][2] = { { 0, 1024 }, { 1024, 412 } };
	struct bufs *b = malloc(sizeof(*b));
	struct reasm *r = mk(1 << 20, 64, 1000000);
	(void)state;

	cut(b, 8, 2152, pc, 2);
	assert_int_equal(offer(r, b->f[0], b->flen[0], 5000000), REASM_HELD);
	reasm_expire(r, 6000000);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 0);
	reasm_expire(r, 6000001);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 1);
	assert_original(&b->g, 0, b->f[0], b->flen[0], 5000000);
	assert_int_equal(st(r, REASM_S_TIMEOUTS), 1);
	check_sums(r);

	/* the rest comes alone: held as a new datagram that cannot complete */
	assert_int_equal(offer(r, b->f[1], b->flen[1], 6000002), REASM_HELD);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 0);

	/* a fragment of a datagram that is due ends it before joining */
	cut(b, 9, 2152, pc, 2);
	assert_int_equal(offer(r, b->f[0], b->flen[0], 6500000), REASM_HELD);
	assert_int_equal(offer(r, b->f[1], b->flen[1], 9000000), REASM_HELD);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 1);
	assert_original(&b->g, 0, b->f[0], b->flen[0], 6500000);
	assert_int_equal(st(r, REASM_S_TIMEOUTS), 2);
	/* flush: what is left (id 8's and id 9's second halves), in age order */
	reasm_flush(r);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 2);
	assert_int_equal(b->g.ts[0], 6000002);
	assert_original(&b->g, 1, b->f[1], b->flen[1], 9000000);
	assert_int_equal(st(r, REASM_S_FLUSHED), 2);
	check_empty(r);
	reasm_destroy(r);
	free(b);
}

static void test_memory_cap_evicts_oldest(void **state)
{
	static const uint32_t pc[][2] = { { 0, 1024 }, { 1024, 412 } };
	struct bufs *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)),
		    *c = malloc(sizeof(*c));
	/* a first half (1058 bytes) takes 5 chunks: room for two */
	struct reasm *r = mk(10 * REASM_CHUNK, 64, 1000000);
	(void)state;

	cut(a, 10, 2152, pc, 2);
	cut(b, 11, 2152, pc, 2);
	cut(c, 12, 2152, pc, 2);
	assert_int_equal(offer(r, a->f[0], a->flen[0], 1), REASM_HELD);
	assert_int_equal(offer(r, b->f[0], b->flen[0], 2), REASM_HELD);
	assert_int_equal(st(r, REASM_S_BYTES_HELD), 10 * REASM_CHUNK);
	/* a third: the oldest (a) goes back as it came; c is held */
	assert_int_equal(offer(r, c->f[0], c->flen[0], 3), REASM_HELD);
	drain(r, &c->g);
	assert_int_equal(c->g.n, 1);
	assert_original(&c->g, 0, a->f[0], a->flen[0], 1);
	assert_int_equal(st(r, REASM_S_EVICTED), 1);
	assert_int_equal(st(r, REASM_S_DATAGRAMS_HELD), 2);
	check_sums(r);
	/* c's second half needs room too: b goes, never c itself, and c is
	 * rebuilt in the same drain */
	assert_int_equal(offer(r, c->f[1], c->flen[1], 4), REASM_HELD);
	drain(r, &c->g);
	assert_int_equal(c->g.n, 2);
	assert_original(&c->g, 0, b->f[0], b->flen[0], 2);
	assert_rebuilt(&c->g, 1, c, 4);
	assert_int_equal(st(r, REASM_S_EVICTED), 2);
	assert_int_equal(st(r, REASM_S_BYTES_PEAK), 10 * REASM_CHUNK);

	/* a frame that cannot fit even alone: passed, nothing evicted */
	assert_int_equal(offer(r, a->f[0], a->flen[0], 5), REASM_HELD);
	uint8_t *big = calloc(1, 4000);
	memcpy(big, b->f[0], L3 + 20);
	wr16(big + L3 + 2, 4000 - L3);
	ip_csum(big + L3);
	assert_int_equal(offer(r, big, 4000, 6), REASM_PASS);
	drain(r, &c->g);
	assert_int_equal(c->g.n, 0);
	assert_int_equal(st(r, REASM_S_NO_ROOM), 1);
	assert_int_equal(st(r, REASM_S_DATAGRAMS_HELD), 1);
	check_empty(r);
	reasm_destroy(r);

	/* the table full (one entry): the oldest datagram goes */
	r = mk(1 << 20, 1, 1000000);
	assert_int_equal(offer(r, a->f[0], a->flen[0], 1), REASM_HELD);
	assert_int_equal(offer(r, b->f[0], b->flen[0], 2), REASM_HELD);
	drain(r, &c->g);
	assert_int_equal(c->g.n, 1);
	assert_original(&c->g, 0, a->f[0], a->flen[0], 1);
	assert_int_equal(offer(r, b->f[1], b->flen[1], 3), REASM_HELD);
	drain(r, &c->g);
	assert_int_equal(c->g.n, 1);
	assert_rebuilt(&c->g, 0, b, 3);
	check_empty(r);
	reasm_destroy(r);
	free(big);
	free(a);
	free(b);
	free(c);
}

static void test_caller_did_not_drain(void **state)
{
	static const uint32_t pc[][2] = { { 0, 1024 }, { 1024, 412 } };
	struct bufs *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b));
	struct reasm *r = mk(5 * REASM_CHUNK, 64, 1000000);
	(void)state;

	cut(a, 20, 2152, pc, 2);
	cut(b, 21, 2152, pc, 2);
	assert_int_equal(offer(r, a->f[0], a->flen[0], 1), REASM_HELD);
	assert_int_equal(offer(r, b->f[0], b->flen[0], 2), REASM_HELD); /* a out */
	/* no drain: the room is spoken for, the next one is passed */
	assert_int_equal(offer(r, a->f[1], a->flen[1], 3), REASM_PASS);
	assert_int_equal(st(r, REASM_S_NO_ROOM), 1);
	/* flush before draining: a, then b as it came */
	reasm_flush(r);
	check_sums(r);
	drain(r, &a->g);
	assert_int_equal(a->g.n, 2);
	assert_original(&a->g, 0, a->f[0], a->flen[0], 1);
	assert_original(&a->g, 1, b->f[0], b->flen[0], 2);
	check_empty(r);
	reasm_destroy(r);
	free(a);
	free(b);
}

static void test_truncated(void **state)
{
	static const uint32_t pc[][2] = { { 0, 1024 }, { 1024, 412 } };
	struct bufs *b = malloc(sizeof(*b));
	struct reasm *r = mk(1 << 20, 64, 1000000);
	(void)state;

	cut(b, 13, 2152, pc, 2);
	/* alone: passed */
	assert_int_equal(offer(r, b->f[1], b->flen[1] - 10, 1), REASM_PASS);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 0);
	/* after a held one: that one goes back, then the caller has the cut one */
	assert_int_equal(offer(r, b->f[0], b->flen[0], 2), REASM_HELD);
	assert_int_equal(offer(r, b->f[1], b->flen[1] - 10, 3), REASM_PASS);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 1);
	assert_original(&b->g, 0, b->f[0], b->flen[0], 2);
	assert_int_equal(st(r, REASM_S_TRUNCATED), 2);
	assert_int_equal(st(r, REASM_S_ABORTED), 1);

	/* every cut of a fragment, on exact-size heap copies: never read past */
	for (uint32_t l = 0; l < b->flen[0]; l++) {
		uint8_t *x = malloc(l ? l : 1);
		memcpy(x, b->f[0], l);
		assert_int_equal(offer(r, x, l, 10 + l), REASM_PASS);
		free(x);
	}
	check_empty(r);
	reasm_destroy(r);
	free(b);
}

static void test_invalid(void **state)
{
	static const uint32_t pc[][2] = { { 0, 1024 }, { 1024, 412 } };
	struct bufs *b = malloc(sizeof(*b));
	struct reasm *r = mk(1 << 20, 64, 1000000);
	uint8_t x[L3 + 20 + 100];
	(void)state;

	cut(b, 14, 2152, pc, 2);
	/* offset 65528 + 100 bytes: past 65535, passed and its datagram too */
	assert_int_equal(offer(r, b->f[0], b->flen[0], 1), REASM_HELD);
	make_frag(x, b->orig, 0, 100, 1);
	wr16(x + L3 + 6, 0x1fff);
	ip_csum(x + L3);
	assert_int_equal(offer(r, x, sizeof(x), 2), REASM_PASS);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 1);
	assert_original(&b->g, 0, b->f[0], b->flen[0], 1);
	assert_int_equal(st(r, REASM_S_INVALID), 1);
	assert_int_equal(st(r, REASM_S_ABORTED), 1);
	/* a last fragment ending before data already held */
	assert_int_equal(offer(r, b->f[0], b->flen[0], 3), REASM_HELD);
	make_frag(x, b->orig, 8, 100, 0);
	assert_int_equal(offer(r, x, sizeof(x), 4), REASM_PASS);
	assert_int_equal(st(r, REASM_S_INVALID), 2);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 1);
	/* a fragment ending past the last fragment's end */
	assert_int_equal(offer(r, b->f[1], b->flen[1], 5), REASM_HELD);
	make_frag(x, b->orig, 1432, 100, 1);
	assert_int_equal(offer(r, x, sizeof(x), 5), REASM_PASS);
	assert_int_equal(st(r, REASM_S_INVALID), 3);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 1);
	assert_original(&b->g, 0, b->f[1], b->flen[1], 5);
	/* not a fragment; not IPv4 */
	make_frag(x, b->orig, 0, 100, 0);
	assert_int_equal(offer(r, x, sizeof(x), 5), REASM_PASS);
	x[L3] = 0x65;
	assert_int_equal(offer(r, x, sizeof(x), 6), REASM_PASS);
	assert_int_equal(st(r, REASM_S_INVALID), 5);
	/* not UDP (TCP): passed, never held */
	make_frag(x, b->orig, 0, 96, 1);
	x[L3 + 9] = 6;
	ip_csum(x + L3);
	assert_int_equal(offer(r, x, L3 + 20 + 96, 7), REASM_PASS);
	assert_int_equal(st(r, REASM_S_NOT_UDP), 1);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 0);
	check_empty(r);
	reasm_destroy(r);
	free(b);
}

static void test_too_many_fragments(void **state)
{
	struct bufs *b = malloc(sizeof(*b));
	struct reasm *r = mk(1 << 20, 64, 1000000);
	uint8_t x[L3 + 20 + 8];
	(void)state;

	b->olen = make_orig(b->orig, 1400, 15, 2152);
	for (uint32_t i = 0; i < REASM_MAX_FRAGS; i++) {
		make_frag(x, b->orig, i * 8, 8, 1);
		assert_int_equal(offer(r, x, sizeof(x), i), REASM_HELD);
	}
	make_frag(x, b->orig, REASM_MAX_FRAGS * 8, 8, 1);
	assert_int_equal(offer(r, x, sizeof(x), 99), REASM_PASS);
	assert_int_equal(st(r, REASM_S_TOO_MANY), 1);
	assert_int_equal(st(r, REASM_S_RELEASED), REASM_MAX_FRAGS);
	struct reasm_out o;
	unsigned n = 0;
	while (reasm_next(r, &o)) {
		make_frag(x, b->orig, n * 8, 8, 1);
		assert_int_equal(o.caplen, sizeof(x));
		assert_memory_equal(o.data, x, sizeof(x));
		n++;
	}
	assert_int_equal(n, REASM_MAX_FRAGS);
	check_empty(r);
	reasm_destroy(r);
	free(b);
}

static void test_interleaved(void **state)
{
	static const uint32_t pc[][2] = { { 0, 1024 }, { 1024, 412 } };
	struct bufs *a = malloc(sizeof(*a)), *b = malloc(sizeof(*b)),
		    *c = malloc(sizeof(*c));
	struct reasm *r = mk(1 << 20, 64, 1000000);
	(void)state;

	cut(a, 30, 2152, pc, 2);
	cut(b, 31, 2152, pc, 2);
	cut(c, 32, 9999, pc, 2); /* not GTP-U */
	/* b: another source, same id as a */
	b->olen = make_orig(b->orig, 1400, 30, 2152);
	b->orig[L3 + 15] = 9;
	ip_csum(b->orig + L3);
	for (unsigned i = 0; i < 2; i++)
		b->flen[i] = make_frag(b->f[i], b->orig, pc[i][0], pc[i][1], i == 0);
	assert_int_equal(offer(r, a->f[0], a->flen[0], 1), REASM_HELD);
	assert_int_equal(offer(r, b->f[0], b->flen[0], 2), REASM_HELD);
	assert_int_equal(offer(r, c->f[1], c->flen[1], 3), REASM_HELD);
	assert_int_equal(offer(r, a->f[1], a->flen[1], 4), REASM_HELD);
	drain(r, &a->g);
	assert_int_equal(a->g.n, 1);
	assert_rebuilt(&a->g, 0, a, 4);
	assert_int_equal(offer(r, c->f[0], c->flen[0], 5), REASM_HELD);
	drain(r, &c->g);
	assert_int_equal(c->g.n, 2);
	assert_original(&c->g, 0, c->f[1], c->flen[1], 3);
	assert_original(&c->g, 1, c->f[0], c->flen[0], 5);
	assert_int_equal(offer(r, b->f[1], b->flen[1], 6), REASM_HELD);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 1);
	assert_rebuilt(&b->g, 0, b, 6);
	assert_int_equal(st(r, REASM_S_DATAGRAMS), 3);
	assert_int_equal(st(r, REASM_S_REASSEMBLED), 2);
	assert_int_equal(st(r, REASM_S_NOT_GTPU), 1);
	check_empty(r);
	reasm_destroy(r);
	free(a);
	free(b);
	free(c);
}

static void test_ip_options_kept(void **state)
{
	struct bufs *b = malloc(sizeof(*b));
	struct reasm *r = mk(1 << 20, 64, 1000000);
	uint8_t o[MAXF], f0[MAXF], f1[MAXF];
	(void)state;

	/* the original with a 4-byte option (NOP NOP NOP EOL) */
	b->olen = make_orig(b->orig, 1400, 40, 2152);
	memcpy(o, b->orig, L3 + 20);
	memcpy(o + L3 + 20, "\x01\x01\x01\x00", 4);
	memcpy(o + L3 + 24, b->orig + L3 + 20, b->olen - L3 - 20);
	o[L3] = 0x46;
	wr16(o + L3 + 2, b->olen + 4 - L3);
	ip_csum(o + L3);
	/* first fragment keeps the option, the second has none */
	memcpy(f0, o, L3 + 24 + 1024);
	wr16(f0 + L3 + 2, 24 + 1024);
	wr16(f0 + L3 + 6, 0x4000 | 0x2000);
	ip_csum(f0 + L3);
	uint32_t l1 = make_frag(f1, b->orig, 1024, 412, 0);
	assert_int_equal(offer(r, f1, l1, 1), REASM_HELD);
	assert_int_equal(offer(r, f0, L3 + 24 + 1024, 2), REASM_HELD);
	drain(r, &b->g);
	assert_int_equal(b->g.n, 1);
	assert_int_equal(b->g.len[0], b->olen + 4);
	assert_true(ip_csum_ok(b->g.b[0] + L3));
	assert_memory_equal(b->g.b[0], o, b->olen + 4);
	check_empty(r);
	reasm_destroy(r);
	free(b);
}

static void test_cfg_and_names(void **state)
{
	struct reasm_cfg c = { .mem_bytes = REASM_CHUNK - 1, .max_datagrams = 1 };
	(void)state;

	errno = 0;
	assert_null(reasm_create(&c));
	assert_int_equal(errno, EINVAL);
	c.mem_bytes = REASM_CHUNK;
	c.max_datagrams = 0;
	assert_null(reasm_create(&c));
	assert_null(reasm_create(NULL));
	c.max_datagrams = 1;
	struct reasm *r = reasm_create(&c);
	assert_non_null(r);
	reasm_destroy(r);
	reasm_destroy(NULL);
	for (unsigned i = 0; i < REASM_S_MAX; i++) {
		assert_non_null(reasm_stat_name(i));
		assert_memory_equal(reasm_stat_name(i), "reasm.", 6);
	}
	assert_null(reasm_stat_name(REASM_S_MAX));
	assert_string_equal(reasm_stat_name(REASM_S_REASSEMBLED), "reasm.reassembled");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_out_of_order),
		cmocka_unit_test(test_duplicate_and_overlap),
		cmocka_unit_test(test_not_gtpu_given_back),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_memory_cap_evicts_oldest),
		cmocka_unit_test(test_caller_did_not_drain),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_invalid),
		cmocka_unit_test(test_too_many_fragments),
		cmocka_unit_test(test_interleaved),
		cmocka_unit_test(test_ip_options_kept),
		cmocka_unit_test(test_cfg_and_names),
	};
	return cmocka_run_group_tests_name("reasm", tests, NULL, NULL);
}

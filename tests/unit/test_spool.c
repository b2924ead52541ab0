/* telemetry/spool: events on disk while Redis is away - appended, resumed
 * by the next run (ids kept above the spooled ones), replayed in order
 * (whole or not at all), bounded (flows go before alerts), cut at every
 * length (a torn last record dropped), and a damaged or foreign file
 * refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "../../telemetry/spool.h"

enum { FAM_FLOWS, FAM_ALERTS, NFAM };

static char dir[64], path[128];

static int setup(void **st)
{
	(void)st;
	snprintf(dir, sizeof(dir), "/tmp/vigia-spool-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/s.spool", dir);
	return 0;
}

static int teardown(void **st)
{
	(void)st;
	unlink(path);
	rmdir(dir);
	return 0;
}

static void rec(struct spool_rec *e, unsigned fam, uint64_t id_ms, uint64_t seq, char *json)
{
	memset(e, 0, sizeof(*e));
	e->fam = (uint8_t)fam;
	e->id_ms = id_ms;
	e->id_seq = seq;
	snprintf(e->etype, sizeof(e->etype), "%s", fam == FAM_ALERTS ? "alert" : "flow");
	snprintf(e->segment, sizeof(e->segment), "iot");
	e->json = json;
	e->len = strlen(json);
}

struct got {
	unsigned n, take; /* records seen; most to accept per call */
	uint64_t seq[64];
	char first[64];
};

static unsigned take(void *ctx, struct spool_rec *es, unsigned n)
{
	struct got *g = ctx;
	unsigned k = n < g->take ? n : g->take;

	for (unsigned i = 0; i < k && g->n < 64; i++) {
		if (!g->n)
			snprintf(g->first, sizeof(g->first), "%s|%s|%s", es[i].etype, es[i].segment,
				 es[i].json);
		g->seq[g->n++] = es[i].id_seq;
	}
	return k;
}

static void fill(struct spool *sp, unsigned n, uint64_t id_ms)
{
	char json[64];
	struct spool_rec e;

	for (unsigned i = 0; i < n; i++) {
		snprintf(json, sizeof(json), "{\"n\":%u}", i);
		rec(&e, i % 3 == 0 ? FAM_ALERTS : FAM_FLOWS, id_ms, i + 1, json);
		spool_append(sp, &e);
	}
}

static void test_resume_and_replay(void **st)
{
	struct spool sp;
	char err[256];
	uint64_t floor = 1000;

	(void)st;
	assert_int_equal(spool_open(&sp, dir, "s", 1 << 20, NFAM, FAM_ALERTS, &floor, err,
				    sizeof(err)), 0);
	assert_true(spool_on(&sp));
	fill(&sp, 10, 5000);
	assert_int_equal(sp.records, 10);
	assert_int_equal(sp.spooled, 10);
	spool_close(&sp);

	/* the next run: ten wait, new ids above theirs */
	floor = 1000;
	assert_int_equal(spool_open(&sp, dir, "s", 1 << 20, NFAM, FAM_ALERTS, &floor, err,
				    sizeof(err)), 0);
	assert_int_equal(sp.records, 10);
	assert_true(floor == 5001);
	/* Redis takes 3 and goes: nothing is lost, all replay later */
	struct got g = { .take = 3 };
	assert_int_equal(spool_replay(&sp, take, &g), -1);
	assert_int_equal(sp.records, 10);
	g = (struct got){ .take = 64 };
	assert_int_equal(spool_replay(&sp, take, &g), 0);
	assert_int_equal(g.n, 10);
	for (unsigned i = 0; i < 10; i++)
		assert_int_equal(g.seq[i], i + 1); /* in order */
	assert_string_equal(g.first, "alert|iot|{\"n\":0}");
	assert_int_equal(sp.records, 0);
	assert_int_equal(sp.bytes, sizeof(uint32_t));
	g = (struct got){ .take = 64 };
	assert_int_equal(spool_replay(&sp, take, &g), 0);
	assert_int_equal(g.n, 0);
	spool_close(&sp);
}

static void test_bounded_alerts_last(void **st)
{
	struct spool sp;
	char err[256], big[400];
	uint64_t floor = 0;
	struct spool_rec e;

	(void)st;
	unlink(path);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	assert_int_equal(spool_open(&sp, dir, "s", 8192, NFAM, FAM_ALERTS, &floor, err,
				    sizeof(err)), 0);
	for (unsigned i = 0; i < 60; i++) {
		rec(&e, i < 5 ? FAM_ALERTS : FAM_FLOWS, 1, i + 1, big);
		spool_append(&sp, &e);
		assert_true(sp.bytes <= 8192);
	}
	assert_true(sp.dropped > 0);
	assert_int_equal(sp.records + sp.dropped, 60);
	/* the five alerts, oldest of all, outlived the flows */
	struct got g = { .take = 64 };
	assert_int_equal(spool_replay(&sp, take, &g), 0);
	for (unsigned i = 0; i < 5; i++)
		assert_int_equal(g.seq[i], i + 1);
	assert_true(g.n < 60);
	spool_close(&sp);
}

static void test_damaged(void **st)
{
	struct spool sp;
	char err[256];
	uint64_t floor = 0;
	struct stat sb;

	(void)st;
	unlink(path);
	assert_int_equal(spool_open(&sp, dir, "s", 1 << 20, NFAM, FAM_ALERTS, &floor, err,
				    sizeof(err)), 0);
	fill(&sp, 3, 7);
	spool_close(&sp);
	assert_int_equal(stat(path, &sb), 0);
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	size_t n = (size_t)sb.st_size;
	unsigned char *whole = malloc(n);
	assert_int_equal(fread(whole, 1, n, f), n);
	fclose(f);
	/* cut anywhere (a crash mid-write): the whole records stay, the torn
	 * one is cut off so that the next append does not follow it, never
	 * more read than is there (ASan) */
	for (size_t cut = 4; cut < n; cut++) {
		f = fopen(path, "wb");
		assert_non_null(f);
		fwrite(whole, 1, cut, f);
		fclose(f);
		floor = 0;
		assert_int_equal(spool_open(&sp, dir, "s", 1 << 20, NFAM, FAM_ALERTS, &floor, err,
					    sizeof(err)), 0);
		unsigned left = sp.records;
		assert_true(left < 3);
		assert_int_equal(sp.bytes + sp.torn_bytes, cut);
		fill(&sp, 1, 9);
		spool_close(&sp);
		assert_int_equal(spool_open(&sp, dir, "s", 1 << 20, NFAM, FAM_ALERTS, &floor, err,
					    sizeof(err)), 0);
		assert_int_equal(sp.records, left + 1);
		assert_int_equal(sp.torn_bytes, 0);
		spool_close(&sp);
	}
	/* a family it does not know, or not a spool at all */
	whole[4 + 4] = NFAM;
	f = fopen(path, "wb");
	fwrite(whole, 1, n, f);
	fclose(f);
	assert_int_equal(spool_open(&sp, dir, "s", 1 << 20, NFAM, FAM_ALERTS, &floor, err,
				    sizeof(err)), -1);
	spool_close(&sp);
	f = fopen(path, "wb");
	fputs("GET / HTTP/1.0\r\n", f);
	fclose(f);
	assert_int_equal(spool_open(&sp, dir, "s", 1 << 20, NFAM, FAM_ALERTS, &floor, err,
				    sizeof(err)), -1);
	assert_non_null(strstr(err, "not a vigia spool"));
	spool_close(&sp);
	free(whole);
	/* no directory: no spool, nothing kept */
	assert_int_equal(spool_open(&sp, NULL, "s", 1 << 20, NFAM, FAM_ALERTS, &floor, err,
				    sizeof(err)), 0);
	assert_false(spool_on(&sp));
	struct spool_rec e;
	rec(&e, FAM_FLOWS, 1, 1, (char *)"{}");
	spool_append(&sp, &e);
	assert_int_equal(sp.dropped, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resume_and_replay),
		cmocka_unit_test(test_bounded_alerts_last),
		cmocka_unit_test(test_damaged),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}

/* dataplane/pktclock: each packet's time in stream order. A confirmed
 * jump is followed and its held packets keep their own times; a stray
 * far ahead, then back, is stamped with the clock and counted; a file's
 * first packet is its own time; the live variant follows a jump from the
 * packet that confirms it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../dataplane/pktclock.h"

#define S 1000000ULL
#define T2010 (1262304000ULL * S)
#define T2020 (1577836800ULL * S)
#define T2100 (4102444800ULL * S)

/* What a reader holding packets does: the times given to the stream. */
static unsigned feed(struct pktclock *c, const uint64_t *in, unsigned n, uint64_t *out)
{
	uint64_t held[PKTCLOCK_CONFIRM];
	unsigned nh = 0, no = 0;

	for (unsigned i = 0; i < n; i++) {
		uint64_t t = in[i];
		for (;;) {
			enum pktclock_verdict v = pktclock_offer(c, &t);
			if (v == PC_STAMP) {
				out[no++] = t;
			} else if (v == PC_HOLD) {
				assert_true(nh < PKTCLOCK_CONFIRM);
				held[nh++] = in[i];
			} else if (v == PC_FOLLOWED) {
				for (unsigned k = 0; k < nh; k++)
					out[no++] = pktclock_next(c, held[k]);
				nh = 0;
				out[no++] = pktclock_next(c, in[i]);
			} else {
				for (unsigned k = 0; k < nh; k++)
					out[no++] = c->now;
				nh = 0;
				t = in[i];
				continue;
			}
			break;
		}
	}
	if (nh) {
		pktclock_drop(c);
		for (unsigned k = 0; k < nh; k++)
			out[no++] = c->now;
	}
	return no;
}

static void test_confirmed_jump(void **st)
{
	struct pktclock c = { 0 };
	uint64_t in[] = { T2010, T2010 + S, T2020, T2020 + 2 * S, T2020 + S, T2020 + 3 * S,
			  T2020 + 4 * S };
	uint64_t out[8];

	(void)st;
	assert_int_equal(feed(&c, in, 7, out), 7);
	assert_true(out[1] == T2010 + S);
	assert_true(out[2] == T2020);           /* its own time, once confirmed */
	assert_true(out[3] == T2020 + 2 * S);
	assert_true(out[4] == T2020 + 2 * S);   /* behind: at the clock */
	assert_true(out[6] == T2020 + 4 * S);
	assert_int_equal(c.followed, 1);
	assert_int_equal(c.outliers, 0);
	assert_int_equal(c.backwards, 1);
}

static void test_stray(void **st)
{
	struct pktclock c = { 0 };
	uint64_t in[] = { T2020, T2020 + S, T2100, T2100 + S, T2020 + 2 * S, T2020 + 3 * S };
	uint64_t out[8];

	(void)st;
	assert_int_equal(feed(&c, in, 6, out), 6);
	assert_true(out[2] == T2020 + S && out[3] == T2020 + S);
	assert_true(out[4] == T2020 + 2 * S && out[5] == T2020 + 3 * S);
	assert_int_equal(c.outliers, 2);
	assert_int_equal(c.followed, 0);
	assert_int_equal(c.backwards, 0);
}

static void test_short_steps_and_backwards(void **st)
{
	struct pktclock c = { 0 };
	/* an hour ahead (NTP step) is followed at once; back is at the clock */
	uint64_t in[] = { T2020, T2020 + 3600 * S, T2020 + 5 * S, T2020 + 3601 * S };
	uint64_t out[4];

	(void)st;
	assert_int_equal(feed(&c, in, 4, out), 4);
	assert_true(out[1] == T2020 + 3600 * S && out[2] == T2020 + 3600 * S);
	assert_true(out[3] == T2020 + 3601 * S);
	assert_int_equal(c.backwards, 1);
	assert_int_equal(c.followed + c.outliers, 0);
}

static void test_unset_clock_and_files(void **st)
{
	struct pktclock c = { 0 };
	uint64_t in[] = { 5 * S, T2020, T2020 + S };   /* a box that booted in 1970 */
	uint64_t out[4];

	(void)st;
	assert_int_equal(feed(&c, in, 3, out), 3);
	assert_true(out[1] == T2020);
	/* a new file: its first packet is its own time */
	pktclock_file(&c);
	uint64_t f2[] = { T2100 };
	assert_int_equal(feed(&c, f2, 1, out), 1);
	assert_true(out[0] == T2100);
	assert_int_equal(c.followed, 1);
	/* only its first: a stray inside the file is held */
	uint64_t f3[] = { T2100 + 30 * 86400 * S };
	assert_int_equal(feed(&c, f3, 1, out), 1);
	assert_true(out[0] == T2100);
	assert_int_equal(c.outliers, 1);
}

static void test_live(void **st)
{
	struct pktclock c = { 0 };

	(void)st;
	assert_true(pktclock_live(&c, T2010) == T2010);
	assert_true(pktclock_live(&c, T2100) == T2010);          /* a stray */
	assert_true(pktclock_live(&c, T2010 + S) == T2010 + S);   /* and back */
	assert_int_equal(c.outliers, 1);
	for (unsigned i = 0; i + 1 < PKTCLOCK_CONFIRM; i++)
		assert_true(pktclock_live(&c, T2020 + i * S) == T2010 + S);
	/* the confirming packet is at its own time */
	assert_true(pktclock_live(&c, T2020 + 9 * S) == T2020 + 9 * S);
	assert_int_equal(c.followed, 1);
	assert_int_equal(c.outliers, PKTCLOCK_CONFIRM);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_confirmed_jump),
		cmocka_unit_test(test_stray),
		cmocka_unit_test(test_short_steps_and_backwards),
		cmocka_unit_test(test_unset_clock_and_files),
		cmocka_unit_test(test_live),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

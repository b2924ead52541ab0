/* Event queues: on a live link (lossy) a full queue drops, but the last
 * eighth of the slots stays for alerts, so a stalled sink loses flow
 * records before any alert. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../telemetry/evq.h"

static void alerts_keep_headroom(void **st)
{
	(void)st;
	struct evq *q = evq_create(64, 0);
	unsigned bulk = 0, alerts = 0;

	assert_non_null(q);
	while (evq_reserve_bulk(q))
		bulk++;
	while (evq_reserve(q))
		alerts++;
	/* 64 records: flow records stop once 7 are left, alerts get them */
	assert_int_equal(bulk, 57);
	assert_int_equal(alerts, 7);
	assert_int_equal(evq_dropped(q), 2);
	evq_destroy(q);
}

int main(void)
{
	const struct CMUnitTest tests[] = { cmocka_unit_test(alerts_keep_headroom) };
	return cmocka_run_group_tests(tests, NULL, NULL);
}
